// Resume after a reload: with "Keep fetched pages on this device" (keep=1),
// a 20-page run reloaded in the middle is run again; the API's own request
// log shows that the second run asked only for the pages not kept, the run
// log says which pages came "from this device", and the report equals an
// uninterrupted run's. "Forget stored pages" then empties the store.
import { test, expect } from '@playwright/test';
import {
  MOCK, axeViolations, copiedLink, download, expectInputs, openMoreSettings, pagePath, settled, startMock, trackRunStates, waitForPagesDone,
} from './helpers.mjs';

const AS_OF = '2026-11-24';
const USERS = 120;
const PAGES = 20;
const CONCURRENCY = 2;
// 20 pages of 6, each answered after 300 ms: slow enough to reload mid-run.
const MOCK_ARGS = ['--users', String(USERS), '--per-page', '6', '--latency-ms', '300', '--failure-rate', '0'];

/** The run log's page_fetched lines: [{page, message}], in order. */
async function fetchedLines(page) {
  const messages = await page.locator('#log li[data-kind="page_fetched"] .log-message').allTextContents();
  return messages.map((message) => ({ page: Number(/^Page (\d+):/.exec(message)?.[1]), message }));
}

/** The API's own request log: {page, attempt, outcome} per request since its last reset. */
async function apiLog(request, mock) {
  const response = await request.get(`${mock.url}/__admin/log`);
  expect(response.status()).toBe(200);
  return response.json();
}

const range = (n) => Array.from({ length: n }, (_, i) => i + 1);
const sorted = (list) => [...list].sort((a, b) => a - b);

/** What must not differ between two reports of the same data. */
function essentials(report) {
  const m = report.metadata;
  return {
    customers: report.customers,
    rejected: report.rejected,
    duplicates: report.duplicates,
    counts: [m.total_customers, m.records_read, m.duplicates_removed, m.rejected_records],
    quality: m.data_quality_summary,
    distributions: m.distributions,
    complete: m.complete,
  };
}

/** An uninterrupted run's report (its text as downloaded), from a browser context of its own (nothing kept). */
async function uninterruptedReport(browser, settings) {
  const context = await browser.newContext({ baseURL: MOCK, acceptDownloads: true });
  try {
    const page = await context.newPage();
    await trackRunStates(page);
    await page.goto(pagePath({ ...settings, autorun: 1 }));
    expect(await settled(page, 0, 60_000)).toBe('done');
    await expect(page.locator('#stored-info')).toHaveAttribute('data-pages', '0');
    return (await download(page, 'download-json')).text;
  } finally {
    await context.close();
  }
}

/**
 * Runs `body` against a mock of MOCK_ARGS once an uninterrupted run has made
 * its report (`uninterruptedText`) and the API's request log is reset; the
 * mock is stopped after, whatever happens.
 */
async function afterAnUninterruptedRun(browser, request, body) {
  const mock = await startMock(MOCK_ARGS);
  try {
    const api = `${mock.url}/api/users`;
    const settings = { api, concurrency: CONCURRENCY, seed: 42, as_of: AS_OF };
    const uninterruptedText = await uninterruptedReport(browser, settings);
    expect(JSON.parse(uninterruptedText).metadata.total_customers).toBe(USERS);
    expect((await request.post(`${mock.url}/__admin/reset`)).status()).toBe(200);
    await body({ mock, api, settings, uninterruptedText });
  } finally {
    await mock.stop();
  }
}

test('keep=1: a run reloaded mid-way resumes with only the missing pages and the same report; Forget empties the store', async ({ browser, page, request }) => {
  test.setTimeout(120_000);
  await afterAnUninterruptedRun(browser, request, async ({ mock, settings, uninterruptedText }) => {
    const uninterrupted = JSON.parse(uninterruptedText);

    // The run with keep=1, reloaded once some pages are done.
    await trackRunStates(page);
    await page.goto(pagePath({ ...settings, keep: 1, autorun: 1 }));
    await expect(page.locator('#keep-pages')).toBeChecked();
    await waitForPagesDone(page, 6, 30_000);
    const beforeReload = (await fetchedLines(page)).map((line) => line.page);
    expect(beforeReload.length).toBeGreaterThanOrEqual(5);
    await page.reload();

    // autorun=1 runs again at once after the reload.
    expect(await settled(page, 0, 60_000)).toBe('done');
    const lines = await fetchedLines(page);
    const fromDevice = sorted(lines.filter((l) => / from this device, stored \d{4}-\d\d-\d\d \d\d:\d\d UTC \(6 records\)$/.test(l.message)).map((l) => l.page));
    const fromNetwork = sorted(lines.filter((l) => /: HTTP 200 \(6 records\)$/.test(l.message)).map((l) => l.page));
    expect(sorted([...fromDevice, ...fromNetwork])).toEqual(range(PAGES));
    for (const page1 of beforeReload) expect(fromDevice).toContain(page1);
    expect(fromNetwork.length).toBeGreaterThan(0);

    // The API saw each kept page once (before the reload): the second run
    // asked only for the others. A page on its way at the reload was asked
    // twice (the answer never arrived), at most one per request in flight.
    const log = await apiLog(request, mock);
    expect(log.every((entry) => entry.outcome === 'ok')).toBe(true);
    const asked = (n) => log.filter((entry) => entry.page === n).length;
    for (const n of fromDevice) expect(asked(n), `page ${n}`).toBe(1);
    for (const n of fromNetwork) expect(asked(n), `page ${n}`).toBeGreaterThanOrEqual(1);
    const twice = fromNetwork.filter((n) => asked(n) > 1);
    expect(twice.length).toBeLessThanOrEqual(CONCURRENCY);
    expect(log.length).toBe(PAGES + twice.length);

    const { text } = await download(page, 'download-json');
    const resumed = JSON.parse(text);
    expect(resumed.metadata.complete).toBe(true);
    expect(resumed.metadata.fetch.requests).toBe(fromNetwork.length);
    expect(resumed.metadata.fetch.cache_hits).toBe(fromDevice.length);
    expect(essentials(resumed)).toEqual(essentials(uninterrupted));

    // Every page is kept now; Forget stored pages empties the store.
    const info = page.locator('#stored-info');
    await expect(info).toHaveAttribute('data-pages', String(PAGES));
    expect(Number(await info.getAttribute('data-bytes'))).toBeGreaterThan(PAGES * 6 * 100);
    await page.locator('#forget-stored').click();
    await expect(info).toHaveAttribute('data-pages', '0');
    await expect(info).toHaveAttribute('data-bytes', '0');
    await expect(info).toContainText('0 pages');
    await page.reload();
    await expect(page.locator('#stored-info')).toHaveAttribute('data-pages', '0');
  });
});

test('keep is off by default, and in the shared link when on', async ({ page }) => {
  await page.goto('/');
  await expect(page.locator('#run-status')).not.toHaveText('Loading…');
  await expect(page.locator('#keep-pages')).not.toBeChecked();
  await expect(page.locator('#keep-hours')).toHaveAttribute('placeholder', '24');
  await page.locator('#keep-pages').check();
  await openMoreSettings(page);
  await page.locator('#keep-hours').fill('48');
  const link = await copiedLink(page);
  expect(link.searchParams.get('keep')).toBe('1');
  expect(link.searchParams.get('keep_hours')).toBe('48');
});

/**
 * A report's text as written, but for its export_timestamp's value and its
 * `"fetch": {…}` member (this run's requests, cache hits and timings),
 * which are cut out.
 */
function withoutRunDetails(text) {
  const start = text.indexOf('"fetch": {');
  expect(start).toBeGreaterThan(0);
  let depth = 0;
  let end = text.indexOf('{', start);
  for (; end < text.length; end += 1) {
    if (text[end] === '{') depth += 1;
    else if (text[end] === '}' && --depth === 0) break;
  }
  const cut = `${text.slice(0, start)}${text.slice(end + 1).replace(/^,?\s*/, '')}`;
  return cut.replace(/"export_timestamp": "[^"]*"/, '"export_timestamp": ""');
}

test('a run cut short offers Resume with the pages kept; Resume uses the run\'s own seed and date and gives the same report', async ({ browser, page, request }) => {
  test.setTimeout(150_000);
  await afterAnUninterruptedRun(browser, request, async ({ api, settings, uninterruptedText }) => {

    // The run, started by hand (no autorun), cut short by leaving the page.
    await trackRunStates(page);
    await page.goto(pagePath({ ...settings, keep: 1 }));
    await expect(page.locator('#run-status')).toHaveAttribute('data-state', 'idle');
    await page.locator('#run').click();
    await waitForPagesDone(page, 6, 30_000);
    await page.goto('/');

    // The bare page: the settings come back from this browser, and Resume is offered.
    await expect(page.locator('#run-status')).not.toHaveText('Loading…');
    await expectInputs(page, {
      'api-url': api,
      'keep-pages': true,
      seed: '42',
      'as-of': AS_OF,
      concurrency: String(CONCURRENCY),
    });
    const resume = page.locator('#resume-run');
    await expect(resume).toBeVisible();
    const kept = Number(await page.locator('#stored-info').getAttribute('data-pages'));
    expect(kept).toBeGreaterThanOrEqual(5);
    expect(kept).toBeLessThan(PAGES);
    await expect(resume).toHaveText(`Resume: ${kept} pages kept on this device`);
    await expect(page.locator('#resume-text')).toContainText('seed 42, as of 2026-11-24');
    expect(await axeViolations(page)).toEqual([]);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await axeViolations(page)).toEqual([]);
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.emulateMedia({ colorScheme: 'light' });

    // Other settings typed since: Resume runs with the run's own.
    await page.locator('#seed').fill('7');
    await page.locator('#as-of').fill('2026-01-01');
    await page.locator('#concurrency').fill('5');
    const before = await page.evaluate(() => window.__e2eStates.length);
    await resume.click();
    expect(await settled(page, before, 60_000)).toBe('done');
    await expect(page.locator('#resume-offer')).toBeHidden();
    await expect(page.locator('#seed')).toHaveValue('42');
    await expect(page.locator('#as-of')).toHaveValue(AS_OF);

    const { text } = await download(page, 'download-json');
    const resumed = JSON.parse(text);
    const { fetch } = resumed.metadata;
    expect(fetch.pages_from_device).toBe(kept);
    expect(fetch.pages_from_network).toBe(PAGES - kept);
    expect(fetch.cache_hits).toBe(kept);
    // The same report, byte for byte, but for when it was made and how it was fetched.
    expect(withoutRunDetails(text).length).toBeGreaterThan(USERS * 100);
    expect(withoutRunDetails(text)).toBe(withoutRunDetails(uninterruptedText));
    expect(resumed.metadata.seed).toBe(42);

    // The run log's summary line and the dashboard say what came from where.
    const split = `${kept} pages from this device, ${PAGES - kept} fetched`;
    await expect(page.locator('#log li[data-kind="finished"]')).toContainText(`Fetched all ${PAGES} pages: ${split}`);
    await expect(page.locator('#counts [data-count="from_device"] dd')).toHaveText(split);

    // Nothing left to resume after a reload.
    await page.reload();
    await expect(page.locator('#run-status')).not.toHaveText('Loading…');
    await expect(page.locator('#stored-info')).toHaveAttribute('data-pages', String(PAGES));
    await expect(page.locator('#resume-offer')).toBeHidden();
  });
});

test('Cancel leaves a run to resume; Forget stored pages withdraws the offer', async ({ page }) => {
  test.setTimeout(90_000);
  const mock = await startMock(MOCK_ARGS);
  try {
    await trackRunStates(page);
    await page.goto(pagePath({ api: `${mock.url}/api/users`, concurrency: 1, seed: 42, as_of: AS_OF, keep: 1 }));
    await expect(page.locator('#run-status')).toHaveAttribute('data-state', 'idle');
    await expect(page.locator('#resume-offer')).toBeHidden();
    await page.locator('#run').click();
    await waitForPagesDone(page, 2, 30_000);
    await page.locator('#cancel').click();
    await expect(page.locator('#run-status')).toHaveAttribute('data-state', 'idle');
    await expect(page.locator('#resume-run')).toBeVisible();
    await expect(page.locator('#resume-run')).toHaveText(/^Resume: \d+ pages? kept on this device$/);
    await page.locator('#forget-stored').click();
    await expect(page.locator('#stored-info')).toHaveAttribute('data-pages', '0');
    await expect(page.locator('#resume-offer')).toBeHidden();
  } finally {
    await mock.stop();
  }
});
