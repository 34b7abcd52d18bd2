// Fetching from the mock API: retries, partial runs and their completion,
// cancelling.
import { test, expect } from '@playwright/test';
import {
  CUSTOMER_KEYS, REQRES_NAMES_SORTED, apiUrl, clickAndSettle, configureMock, download,
  mockLog, openAndAutorun, openPage, resetMockAroundEach, tableNames,
} from './helpers.mjs';

const AS_OF = '2026-11-24';

resetMockAroundEach(test);

test('defaults against a faulty API: retries, then all twelve users in a complete report', async ({ page, request }) => {
  // Every page fails on its first attempt and succeeds on the second.
  const api = apiUrl({ failure_rate: 1, max_faults_per_page: 1 });
  const state = await openAndAutorun(page, { api, seed: 42, as_of: AS_OF });
  expect(state).toBe('done');

  await expect(tableNames(page)).toHaveText(REQRES_NAMES_SORTED);
  await expect(page.locator('#log')).toContainText('retry 1 of 3');

  const { name, text } = await download(page, 'download-json');
  expect(name).toMatch(/^customer_report-.*\.json$/);
  expect(name).not.toContain('partial');
  const report = JSON.parse(text);
  expect(report.metadata.total_customers).toBe(12);
  expect(report.metadata.complete).toBe(true);
  expect(report.metadata.seed).toBe(42);
  expect(report.customers).toHaveLength(12);
  for (const customer of report.customers) {
    expect(Object.keys(customer)).toEqual(CUSTOMER_KEYS);
  }
  const names = report.customers.map((c) => c.full_name);
  const sorted = [...names].sort((a, b) => {
    const [x, y] = [a.toLowerCase(), b.toLowerCase()];
    return x < y ? -1 : x > y ? 1 : 0;
  });
  expect(names).toEqual(sorted);
  expect(names).toEqual(REQRES_NAMES_SORTED);

  const log = await mockLog(request);
  const pages = new Set(log.map((entry) => entry.page));
  expect(pages).toEqual(new Set([1, 2]));
  expect(log.length).toBeGreaterThan(pages.size);
  for (const page of pages) {
    const attempts = log.filter((entry) => entry.page === page);
    expect(attempts.map((entry) => [entry.attempt, entry.outcome === 'ok'])).toEqual([[1, false], [2, true]]);
  }
});

test('a page that always fails gives a partial report; retrying fetches only that page', async ({ page, request }) => {
  await configureMock(request, { fail_pages: '2', failure_rate: 0 });
  const state = await openAndAutorun(page, { retries: 1, seed: 42, as_of: AS_OF });
  expect(state).toBe('partial');
  await expect(page.locator('#failed-pages')).toContainText('Page 2');

  const partial = await download(page, 'download-json');
  expect(partial.name).toContain('partial');
  const partialReport = JSON.parse(partial.text);
  expect(partialReport.metadata.complete).toBe(false);
  expect(partialReport.metadata.failed_pages[0].page).toBe(2);
  expect(partialReport.metadata.total_customers).toBe(6);

  const beforeRetry = await mockLog(request);
  const lastSeq = Math.max(...beforeRetry.map((entry) => entry.seq));
  await configureMock(request, { fail_pages: '' });
  const retried = await clickAndSettle(page, page.locator('#retry-failed'));
  expect(retried).toBe('done');
  await expect(tableNames(page)).toHaveText(REQRES_NAMES_SORTED);

  const complete = await download(page, 'download-json');
  expect(complete.name).not.toContain('partial');
  const report = JSON.parse(complete.text);
  expect(report.metadata.complete).toBe(true);
  expect(report.metadata.total_customers).toBe(12);
  expect(report.metadata.failed_pages).toEqual([]);

  const duringRetry = (await mockLog(request)).filter((entry) => entry.seq > lastSeq);
  expect(duringRetry.map((entry) => entry.page)).not.toContain(1);
  expect(duringRetry.some((entry) => entry.page === 2 && entry.outcome === 'ok')).toBe(true);
});

test('cancel stops a slow run and no further requests are sent', async ({ page, request }) => {
  // Ten pages of 1.5 s each, one at a time: cancelling after 2 s leaves most unfetched.
  const api = apiUrl({ latency_ms: 1500, users: 60, failure_rate: 0 });
  await openPage(page, { api, concurrency: 1, seed: 42, as_of: AS_OF });
  const status = page.locator('#run-status');

  await page.locator('#run').click();
  await expect(status).toHaveAttribute('data-state', 'running');
  await page.waitForTimeout(2000);
  const atCancel = (await mockLog(request)).length;
  await page.locator('#cancel').click();
  await expect(status).toHaveAttribute('data-state', /^(idle|partial)$/, { timeout: 5000 });
  await expect(page.locator('#cancel')).toBeDisabled();

  // The mock logs a request when it arrives, so one sent just as we clicked may show up.
  const settled = (await mockLog(request)).length;
  expect(settled).toBeLessThanOrEqual(atCancel + 1);
  expect(settled).toBeLessThan(10);
  await page.waitForTimeout(3000);
  expect((await mockLog(request)).length).toBe(settled);
});
