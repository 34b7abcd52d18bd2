// Every run proves it is complete or says what is missing, and the page
// shows exactly that (issue 8): nothing stale from an earlier run, the page
// limit as its own state, counts equal to the report's, ids exact beyond
// 2^53, and an API key that never follows a redirect to another origin.
import { test, expect } from '@playwright/test';
import {
  MOCK, apiUrl, chooseFile, clickAndSettle, download, focusedId, mockLog, openAndAutorun, openPage, resetMockAroundEach,
} from './helpers.mjs';

const AS_OF = '2026-11-24';

resetMockAroundEach(test);

/** The dashboard tiles as {key: text}. */
async function tiles(page) {
  return page.locator('#counts [data-count]').evaluateAll((nodes) => Object.fromEntries(
    nodes.map((node) => [node.dataset.count, node.querySelector('dd').textContent]),
  ));
}

async function expectNoResults(page) {
  await expect(page.locator('#results')).toBeHidden();
  for (const id of ['download-json', 'download-csv', 'download-summary']) await expect(page.locator(`#${id}`)).toBeDisabled();
  await expect(page.locator('#counts')).toBeEmpty();
  await expect(page.locator('#customer-table .vbody .vrow')).toHaveCount(0);
  for (const id of ['failed-pages', 'rejected-list', 'duplicates-list', 'warnings-list']) {
    await expect(page.locator(`#${id} li`)).toHaveCount(0);
  }
}

test('a new run clears the last results at once; a failed run leaves no report and no dashboard', async ({ page }) => {
  await openPage(page, { api: apiUrl({ failure_rate: 0 }), seed: 42, as_of: AS_OF });
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');
  await expect(page.locator('#download-json')).toBeEnabled();
  await expect(page.locator('#customer-table .vbody .vrow')).toHaveCount(12);

  await test.step('while the next run runs, nothing of the last one shows', async () => {
    await page.locator('#api-url').fill(apiUrl({ failure_rate: 0, latency_ms: 1500 }));
    await page.locator('#run').click();
    await expect(page.locator('#run-status')).toHaveAttribute('data-state', 'running');
    await expectNoResults(page);
    await page.locator('#cancel').click();
    await expect(page.locator('#run-status')).toHaveAttribute('data-state', 'idle');
    await expectNoResults(page);
  });

  await test.step('an API run that fails', async () => {
    await page.locator('#api-url').fill(apiUrl({ failure_rate: 0 }));
    expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');
    await page.locator('#api-url').fill(apiUrl({ api_key: 'right-key', failure_rate: 0 }));
    expect(await clickAndSettle(page, page.locator('#run'))).toBe('failed');
    await expectNoResults(page);
  });

  await test.step('a file run that fails', async () => {
    await page.locator('#api-url').fill(apiUrl({ failure_rate: 0 }));
    expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');
    await chooseFile(page, { name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from('[{"id": 1,}]') });
    expect(await clickAndSettle(page, page.locator('#run'))).toBe('failed');
    await expectNoResults(page);
  });
});

test('the 1,000-page limit is its own state: it says so, and offers no Retry', async ({ page }) => {
  // 30,000 users, 6 a page: the API states 5,000 pages.
  const state = await openAndAutorun(page, {
    api: apiUrl({ users: 30000, failure_rate: 0 }), concurrency: 16, seed: 42, as_of: AS_OF,
  }, { timeout: 60_000 });
  expect(state).toBe('partial');
  await expect(page.locator('#run-status')).toContainText('stopped at the 1,000-page limit; the API states 5,000 pages');
  await expect(page.locator('#partial-note')).toContainText('Stopped at the 1,000-page limit; the API states 5,000 pages');
  await expect(page.locator('#retry-failed')).toBeHidden();
  await expect(page.locator('#failed-none')).toBeVisible();
  expect((await tiles(page)).pages).toBe('1,000 of 5,000');

  const summary = JSON.parse((await download(page, 'download-summary')).text);
  expect(summary.truncated).toEqual({ limit: 1000, pages_stated: 5000 });
  expect(summary.failed_pages).toEqual([]);
  expect(summary.complete).toBe(false);
  // Warnings are {code, page?, message}: the list shows the message and keeps the code.
  expect(summary.warnings).toEqual([{
    code: 'truncated',
    message: 'The API states 5000 pages; a run fetches at most 1000, so only the first 1000 are in the report',
  }]);
  await expect(page.locator('#warnings-list li')).toHaveCount(1);
  await expect(page.locator('#warnings-list li')).toHaveAttribute('data-code', 'truncated');
  await expect(page.locator('#warnings-list li')).toHaveText(summary.warnings[0].message);
});

test('Retry failed pages shows only when pages failed', async ({ page }) => {
  expect(await openAndAutorun(page, { api: apiUrl({ failure_rate: 0 }), seed: 42, as_of: AS_OF })).toBe('done');
  await expect(page.locator('#retry-failed')).toBeHidden();
  await expect(page.locator('#partial-note')).toBeHidden();

  // A short middle page (2 of 6 records) is listed as failed and can be retried.
  await page.locator('#api-url').fill(apiUrl({ users: 18, short_pages: 2, failure_rate: 0 }));
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('partial');
  await expect(page.locator('#retry-failed')).toBeVisible();
  await expect(page.locator('#failed-pages li')).toHaveCount(1);
  await expect(page.locator('#failed-pages')).toContainText('Page 2');
});

test('the counts on the page are the report\'s: requests, retries, 429s', async ({ page }) => {
  // Faults on the first two attempts of a page: 5xx, 429s (1 s waits), malformed bodies.
  const api = apiUrl({ users: 24, failure_rate: 0.4, rate_limit_rate: 0.3, malformed_rate: 0.2, seed: 3 });
  const state = await openAndAutorun(page, { api, seed: 42, as_of: AS_OF });
  expect(state).toBe('done');
  const { fetch } = JSON.parse((await download(page, 'download-summary')).text);
  const retries = Object.values(fetch.retries).reduce((sum, n) => sum + n, 0);
  expect(retries + fetch.rate_limited).toBeGreaterThan(0);
  const shown = await tiles(page);
  expect(shown.requests).toBe(fetch.requests.toLocaleString('en-US'));
  expect(shown.retries).toBe(retries.toLocaleString('en-US'));
  expect(shown.rate_limited).toBe(fetch.rate_limited.toLocaleString('en-US'));
  expect(shown.cache_hits).toBe(fetch.cache_hits.toLocaleString('en-US'));
  expect(shown.first_try).toBe(`${Math.round((fetch.pages_first_try / fetch.pages_from_network) * 100)}%`);
  // A complete run whose pages needed retries is not a 100% first try, and says how many did.
  expect(fetch.pages_first_try).toBeLessThan(fetch.pages_from_network);
});

test('a redirect to another origin fails, naming it, and the key never reaches it', async ({ page, request }) => {
  const key = 'secret-key-123';
  await openPage(page, { api: `${MOCK}/api/users?redirect=cross&failure_rate=0`, seed: 42, as_of: AS_OF });
  await page.locator('#api-key').fill(key);
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('failed');
  await expect(page.locator('#error')).toContainText('localhost:8765');
  expect(await focusedId(page)).toBe('error');
  await expectNoResults(page);

  const log = await mockLog(request);
  expect(log.length).toBeGreaterThan(0);
  expect(log[0]).toMatchObject({ host: '127.0.0.1:8765', outcome: '302', api_key_sent: true });
  const elsewhere = log.filter((entry) => entry.host !== '127.0.0.1:8765');
  for (const entry of elsewhere) expect(entry.api_key_sent, JSON.stringify(entry)).toBe(false);
  expect(await page.locator('body').innerText()).not.toContain(key);
});

test('ids above 2^53 are shown exactly', async ({ page }) => {
  await openPage(page, { seed: 42, as_of: AS_OF });
  // As JSON numbers, 9007199254740993 and 9007199254740992 are the same double.
  const text = '[{"id": 9007199254740993, "first_name": "Big", "last_name": "One"},'
    + ' {"id": 9007199254740992, "first_name": "Big", "last_name": "Two"},'
    + ' {"id": "18446744073709551615", "first_name": "Max", "last_name": "U64"}]';
  await chooseFile(page, { name: 'big.json', mimeType: 'application/json', buffer: Buffer.from(text) });
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');
  await expect(page.locator('#customer-table .vbody .vrow .c-customer_id')).toHaveText([
    '9007199254740993', '9007199254740992', '18446744073709551615',
  ]);
  await page.locator('#search').fill('9007199254740993');
  await expect(page.locator('#customer-table .vbody .vrow .c-customer_id')).toHaveText(['9007199254740993']);
});

test('a clean API whose customers repeat ends Done, with the duplicates listed (issue 16)', async ({ page }) => {
  const api = apiUrl({ users: 30, duplicate_rate: 0.3, seed: 6, failure_rate: 0.2 });
  expect(await openAndAutorun(page, { api, seed: 42, as_of: AS_OF })).toBe('done');
  await expect(page.locator('#partial-note')).toBeHidden();
  await expect(page.locator('#duplicates-list li').first()).toBeVisible();
  const summary = JSON.parse((await download(page, 'download-summary')).text);
  expect(summary.complete).toBe(true);
  expect(summary.warnings).toEqual([]);
  expect(summary.total_customers).toBe(30);
  expect(summary.source.records_received).toBe(summary.source.records_stated);
  expect(summary.duplicates_removed).toBe(summary.source.records_received - 30);
  expect(summary.duplicates_removed).toBeGreaterThan(0);
});

test('a walk whose API clamps past its end keeps the last page and ends Done', async ({ page, request }) => {
  const api = apiUrl({ users: 18, hide_total_pages: 1, hide_total: 1, clamp: 1, failure_rate: 0 });
  expect(await openAndAutorun(page, { api, seed: 42, as_of: AS_OF })).toBe('done');
  const summary = JSON.parse((await download(page, 'download-summary')).text);
  expect(summary.total_customers).toBe(18);
  expect(summary.source.walk_ended).toEqual({ last_page: 3, by: 'repeated_last_page' });
  expect((await mockLog(request)).length).toBe(4);
  await expect(page.locator('#log')).toContainText('Page 3 is the last page: the next page repeated it');
});

test('a .json file that holds no records fails, saying what it is (issue 16)', async ({ page }) => {
  await openPage(page, { seed: 42, as_of: AS_OF });
  await chooseFile(page, { name: 'customers.json', mimeType: 'application/json', buffer: Buffer.from('hello\n') });
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('failed');
  await expect(page.locator('#error')).toHaveAttribute('data-code', 'not_json');
  await expect(page.locator('#error')).toContainText('name ends in .json, so it was read as JSON, but it is not JSON (line 1, column 1: `hello`)');
  await expectNoResults(page);

  await chooseFile(page, { name: 'customers', mimeType: 'text/plain', buffer: Buffer.from('hello\n') });
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('failed');
  await expect(page.locator('#error')).toHaveAttribute('data-code', 'no_id_column');
  await expect(page.locator('#error')).toContainText('is not JSON (line 1, column 1: `hello`), and read as CSV it has no column that could be the customer id');

  await chooseFile(page, { name: 'empty.json', mimeType: 'application/json', buffer: Buffer.from('[]') });
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('failed');
  await expect(page.locator('#error')).toHaveAttribute('data-code', 'no_records');
});

test('a CSV without a customer id column is refused in the mapping panel before the run', async ({ page }) => {
  await openPage(page, { seed: 42, as_of: AS_OF });
  await chooseFile(page, { name: 'people.csv', mimeType: 'text/csv', buffer: Buffer.from('name,email,number\nAnn,a@b.c,5\n') });
  await expect(page.locator('#mapping-error')).toHaveAttribute('data-code', 'no_id_column');
  await expect(page.locator('#mapping-error')).toContainText('no column that could be the customer id');
  // Choosing the column lifts the refusal, and the run reads.
  await page.locator('#map-id').selectOption('number');
  await expect(page.locator('#mapping-error')).toBeHidden();
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');
});
