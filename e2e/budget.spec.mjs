// The budget an API announces, followed by the page before the API says
// 429, in each of the mock's rate modes: X-RateLimit-* (rate=xrl), the IETF
// RateLimit headers (rate=ietf), HubSpot's secondly headers (rate=hubspot)
// and Shopify's leaky bucket (rate=shopify). One table, one run and one
// judgement for every mode; the same judgement fails a run whose rate
// headers are hidden from the page, so it is pacing, not luck, that passes.
import { test, expect } from '@playwright/test';
import {
  apiUrl, clickAndSettle, coreVocabulary, download, mockLog, openAndAutorun, openMoreSettings, openPage, resetMockAroundEach,
} from './helpers.mjs';

resetMockAroundEach(test);

/** 300 customers are 50 pages of 6, fetched 4 at a time. */
const USERS = 300;
const PAGES = 50;
const CONCURRENCY = 4;

/**
 * Each mode: the mock's `rate` and `budget`, the `source` its `paced`
 * events carry, the header the log and the tile name for it, and how the
 * log says requests go.
 */
const MODES = [
  {
    // 50 pages, 10 a second: requests wait for each window's reset.
    rate: 'xrl', budget: 10, source: 'x_ratelimit', header: 'X-RateLimit-Remaining', how: 'requests wait for its reset',
  },
  {
    rate: 'ietf', budget: 10, source: 'ietf', header: 'RateLimit', how: 'requests wait for its reset',
  },
  {
    rate: 'hubspot', budget: 10, source: 'hubspot_secondly', header: 'X-HubSpot-RateLimit-Secondly-Remaining', how: 'requests wait for its reset',
  },
  {
    // A bucket of 40 calls draining 2 a second: the last 10 (or so) must
    // wait for the bucket to drain.
    rate: 'shopify', budget: 40, source: 'shopify_call_limit', header: 'X-Shopify-Shop-Api-Call-Limit', how: 'leak rate, 2 a second',
  },
];

/** Runs the page against the mock in `mode`; returns the report's metadata and the 429s the mock sent. */
async function runIn(page, request, mode) {
  const api = apiUrl({ failure_rate: 0, users: USERS, budget: mode.budget, rate: mode.rate });
  const state = await openAndAutorun(page, { api, concurrency: CONCURRENCY, seed: 42, as_of: '2026-11-24' }, { timeout: 90_000 });
  await openMoreSettings(page);
  await expect(page.locator('#concurrency')).toHaveValue(String(CONCURRENCY));
  const { metadata } = JSON.parse((await download(page, 'download-json')).text);
  const refused = (await mockLog(request)).filter((entry) => entry.outcome === '429').length;
  return { state, metadata, refused };
}

/**
 * The page's own account of a paced run: the run log's `paced` items name
 * the mode's header and how requests go, and the tile names the headers the
 * `paced` events' `source` stands for (the page looks the label up by that
 * name in the core's vocabulary, so a wrong `source` names another header).
 */
async function expectPacedShown(page, mode) {
  const paced = page.locator('#log li[data-kind="paced"]');
  // Once per slowdown and reason: a bucket has one reason (full), a window
  // two (spent, and spent by the requests in flight).
  const told = await paced.count();
  expect(told).toBeGreaterThanOrEqual(1);
  expect(told).toBeLessThanOrEqual(mode.rate === 'shopify' ? 1 : 2);
  for (const item of await paced.all()) {
    await expect(item).toContainText(`(${mode.header}`);
    await expect(item).toContainText(mode.how);
  }
  const sources = (await coreVocabulary(page)).rate_sources;
  expect(sources.find((source) => source.name === mode.source)?.label).toBe(mode.header);
  const tile = page.locator('#counts [data-count="paced"]');
  await expect(tile).toBeVisible();
  await expect(tile.locator('dt')).toContainText('Paced by the API');
  await expect(tile.locator('.tile-note')).toHaveText(
    `requests waited for the budget announced in ${mode.header}, before it said 429; summed over concurrent requests`,
  );
  await expect(tile.locator('dd')).not.toHaveText('0 s');
}

for (const mode of MODES) {
  test(`rate=${mode.rate}: the budget announced in ${mode.header} is paced: complete, at most one 429, the log and a tile say why`, async ({ page, request }) => {
    const { state, metadata, refused } = await runIn(page, request, mode);
    expect(state).toBe('done');
    expect(metadata.complete).toBe(true);
    expect(metadata.total_customers).toBe(USERS);
    expect(metadata.fetch.rate_limited).toBeLessThanOrEqual(1);
    expect(metadata.fetch.requests).toBe(PAGES + metadata.fetch.rate_limited);
    expect(metadata.fetch.paced_ms).toBeGreaterThan(0);
    expect(refused).toBe(metadata.fetch.rate_limited);
    await expectPacedShown(page, mode);
  });
}

/** The rate headers of every mode, by name (any case). */
const RATE_HEADER = /ratelimit|call-limit/i;

test('the same budget with its headers hidden from the page cannot be paced: 429s, and no paced item or tile', async ({ page, context, request }) => {
  const mode = MODES.find((m) => m.rate === 'xrl');
  // The mock still enforces the budget; the page no longer sees it announced.
  await context.route('**/api/users**', async (route) => {
    const response = await route.fetch();
    const headers = Object.fromEntries(Object.entries(response.headers()).filter(([name]) => !RATE_HEADER.test(name)));
    await route.fulfill({ response, headers });
  });
  const { metadata, refused } = await runIn(page, request, mode);
  expect(metadata.fetch.rate_limited).toBeGreaterThan(1);
  expect(refused).toBe(metadata.fetch.rate_limited);
  expect(metadata.fetch.paced_ms ?? 0).toBe(0);
  await expect(page.locator('#log li[data-kind="paced"]')).toHaveCount(0);
  await expect(page.locator('#counts [data-count="paced"]')).toHaveCount(0);
});

// ---------- the first-page preview and the run share the budget ----------

/**
 * Shopify's bucket of 3 calls, draining in 20 s (a call every 6.7 s): small
 * enough that one blind request too many is a 429.
 */
const SMALL_BUCKET = { ...MODES.find((m) => m.rate === 'shopify'), budget: 3, how: 'leak rate, 0.15 a second' };

test('Preview mapping, then Run: the run follows the bucket page 1\'s answer announced, though page 1 comes from the cache', async ({ page, request }) => {
  // 4 pages of 6; the preview's page 1 leaves 2 calls of room, so a run
  // that fired pages 2 to 4 at once, blind, would overflow the bucket.
  const api = apiUrl({ failure_rate: 0, users: 24, rate: SMALL_BUCKET.rate, budget: SMALL_BUCKET.budget });
  await openPage(page, { api, concurrency: CONCURRENCY, seed: 42, as_of: '2026-11-24' });
  await page.locator('#preview-mapping').click();
  await expect(page.locator('#mapping-status')).toHaveText(/^Page 1: One page envelope, \d+ fields found in the first records\.$/);
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');

  const { metadata } = JSON.parse((await download(page, 'download-json')).text);
  expect(metadata.complete).toBe(true);
  expect(metadata.fetch.cache_hits).toBe(1);
  expect(metadata.fetch.rate_limited).toBe(0);
  expect(metadata.fetch.requests).toBe(3);
  expect(metadata.fetch.paced_ms).toBeGreaterThan(0);
  const log = await mockLog(request);
  expect(log.map((entry) => entry.outcome)).toEqual(['ok', 'ok', 'ok', 'ok']);
  await expectPacedShown(page, SMALL_BUCKET);
});

test('a Run, then Preview mapping of a fresh page 1: the preview waits for the bucket the run filled, and says so as a run does', async ({ page, request }) => {
  // 3 pages fill the bucket of 3; the preview's request must wait a call's drain.
  const api = apiUrl({ failure_rate: 0, users: 18, rate: SMALL_BUCKET.rate, budget: SMALL_BUCKET.budget });
  await openPage(page, { api, concurrency: CONCURRENCY, seed: 42, as_of: '2026-11-24' });
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');
  await openMoreSettings(page);
  await page.locator('#refresh').check();
  await page.locator('#preview-mapping').click();
  const status = page.locator('#mapping-status');
  await expect(status).toContainText('Fetching page 1… Page 1: the API\'s leaky bucket has no room for another request (X-Shopify-Shop-Api-Call-Limit');
  await expect(status).toContainText(`pacing: requests go at its ${SMALL_BUCKET.how}`);
  await expect(status).toHaveText(/^Page 1: One page envelope, \d+ fields found in the first records\.$/, { timeout: 20_000 });
  const log = await mockLog(request);
  // The run's 3 pages (2 and 3 in either order), then the preview's page 1: no 429.
  expect(log.map((entry) => entry.outcome)).toEqual(['ok', 'ok', 'ok', 'ok']);
  expect(log.map((entry) => entry.page).sort()).toEqual([1, 1, 2, 3]);
  expect(log.at(-1).page).toBe(1);
});
