// Chaos: the API process dies in the middle of a run and comes back. The run
// must end partial, saying which pages are missing; once the API is back,
// "Retry failed pages" completes the report with every customer, fetching
// only the pages that failed.
import { test, expect } from '@playwright/test';
import { download, pagePath, settled, startMock, trackRunStates, waitForPagesDone } from './helpers.mjs';

const AS_OF = '2026-11-24';
const USERS = 120;
// 20 pages of 6, each answered after 150 ms: slow enough to kill the API mid-run.
const MOCK_ARGS = ['--users', String(USERS), '--per-page', '6', '--latency-ms', '150', '--failure-rate', '0'];

/** The API's own request log: {page, outcome} per request since it started. */
async function apiLog(request, mock) {
  const response = await request.get(`${mock.url}/__admin/log`);
  expect(response.status()).toBe(200);
  return response.json();
}

test('the API dies mid-run: partial report, then retrying the failed pages completes it', async ({ page, request }) => {
  test.setTimeout(120_000);
  const mocks = [];
  try {
    const first = await startMock(MOCK_ARGS);
    mocks.push(first);
    const api = `${first.url}/api/users`;

    await trackRunStates(page);
    await page.goto(pagePath({
      api, concurrency: 1, retries: 1, timeout_ms: 2000, seed: 42, as_of: AS_OF, autorun: 1,
    }));
    await waitForPagesDone(page, 3, 30_000);
    await first.stop();

    // Every page left fails: connection refused, one retry after 1 s, refused again.
    expect(await settled(page, 0, 60_000)).toBe('partial');
    await expect(page.locator('#retry-failed')).toBeVisible();
    const partial = JSON.parse((await download(page, 'download-json')).text);
    expect(partial.metadata.complete).toBe(false);
    const failed = partial.metadata.failed_pages.map((f) => f.page).sort((a, b) => a - b);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed).not.toContain(1);
    expect(partial.customers.length).toBe(USERS - 6 * failed.length);

    const second = await startMock(MOCK_ARGS, { port: first.port });
    mocks.push(second);
    const before = await page.evaluate(() => window.__e2eStates.length);
    await page.locator('#retry-failed').click();
    expect(await settled(page, before, 60_000)).toBe('done');

    const { name, text } = await download(page, 'download-json');
    expect(name).not.toContain('partial');
    const report = JSON.parse(text);
    expect(report.metadata.complete).toBe(true);
    expect(report.metadata.failed_pages).toEqual([]);
    expect(report.metadata.total_customers).toBe(USERS);
    const ids = report.customers.map((c) => c.customer_id).sort((a, b) => a - b);
    expect(ids).toEqual(Array.from({ length: USERS }, (_, i) => i + 1));

    // The restarted API saw only the failed pages, each answered once.
    const log = await apiLog(request, second);
    expect(log.map((entry) => entry.page).sort((a, b) => a - b)).toEqual(failed);
    expect(log.every((entry) => entry.outcome === 'ok')).toBe(true);
  } finally {
    for (const mock of mocks) await mock.stop();
  }
});
