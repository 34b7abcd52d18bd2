// API shapes against the mock in each mode: one run per preset (reqres,
// shopify, hubspot, custom), a cursor that loops, and an API that does not
// allow browsers (no CORS headers).
import { test, expect } from '@playwright/test';
import {
  apiUrl, clickAndSettle, copiedLink, download, mockLog, openAndAutorun, openMoreSettings, openPage, resetMockAroundEach,
} from './helpers.mjs';

const AS_OF = '2026-11-24';

resetMockAroundEach(test);

/** Opens the page with `params`, types `key` into the key field and runs; returns the end state. */
async function runWithKey(page, params, key) {
  await openPage(page, { seed: 42, as_of: AS_OF, ...params });
  await page.locator('#api-key').fill(key);
  return clickAndSettle(page, page.locator('#run'));
}

async function report(page) {
  const { text } = await download(page, 'download-json');
  return JSON.parse(text);
}

test('reqres preset: numbered pages, x-api-key, settings in the report', async ({ page }) => {
  const api = apiUrl({ failure_rate: 0, api_key: 'rq' });
  const state = await runWithKey(page, { api, preset: 'reqres' }, 'rq');
  expect(state).toBe('done');
  await expect(page.locator('#api-key-label')).toHaveText('API key');
  await expect(page.locator('#shape-custom')).toBeHidden();
  const { metadata } = await report(page);
  expect(metadata.complete).toBe(true);
  expect(metadata.source.settings).toMatchObject({ preset: 'reqres', pagination: 'page', auth: 'header:x-api-key', records: 'data' });
  expect(metadata.total_customers).toBe(12);
});

test('shopify preset: customers by Link header, 250 a page, the access token header', async ({ page, request }) => {
  const api = apiUrl({ shape: 'shopify', failure_rate: 0, users: 600, api_key: 'shpat' });
  await openPage(page, { seed: 42, as_of: AS_OF, api, preset: 'shopify' });
  await expect(page.locator('#api-key-label')).toHaveText('Access token');
  await expect(page.locator('#concurrency-help')).toContainText('one at a time');
  await page.locator('#api-key').fill('shpat');
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');
  const { metadata, customers } = await report(page);
  expect(metadata.complete).toBe(true);
  expect(metadata.source.settings).toMatchObject({ preset: 'shopify', pagination: 'link', records: 'customers' });
  expect(metadata.source.records_received).toBe(600);
  expect(metadata.source.walk_ended).toEqual({ last_page: 3, by: 'no_next_page' });
  expect(customers.length).toBeGreaterThan(0);
  const log = await mockLog(request);
  expect(log.filter((entry) => entry.outcome === 'ok')).toHaveLength(3);
  expect(log.every((entry) => entry.api_key_sent)).toBe(true);
});

test('hubspot preset: results by cursor, a bearer token, string scores read as numbers', async ({ page, request }) => {
  const api = apiUrl({ shape: 'hubspot', failure_rate: 0, users: 250, api_key: 'pat-1' });
  const state = await runWithKey(page, { api, preset: 'hubspot' }, 'pat-1');
  expect(state).toBe('done');
  await expect(page.locator('#api-key-label')).toHaveText('Bearer token');
  const { metadata, customers } = await report(page);
  expect(metadata.complete).toBe(true);
  expect(metadata.source.settings).toMatchObject({
    preset: 'hubspot', pagination: 'cursor', cursor_path: 'paging.next.after', cursor_param: 'after', auth: 'bearer',
  });
  expect(metadata.mapping.fields).toMatchObject({
    first_name: 'properties.firstname',
    email: 'properties.email',
    engagement_score: 'properties.hubspotscore',
    last_login: 'properties.notes_last_updated',
  });
  expect(metadata.source.records_received).toBe(250);
  // The scores arrive as strings; read as numbers they give levels, not issues.
  expect(customers.some((c) => c.quality_issues.some((issue) => issue.startsWith('engagement_score: expected')))).toBe(false);
  expect(new Set(customers.map((c) => c.engagement_level)).size).toBeGreaterThan(1);
  const log = await mockLog(request);
  expect(log.filter((entry) => entry.outcome === 'ok')).toHaveLength(3);
});

test('custom: offset pages, the key in the query written as nowhere', async ({ page }) => {
  const api = apiUrl({ pagination: 'offset', auth: 'query:token', failure_rate: 0, users: 45, api_key: 'q-secret' });
  await openPage(page, { seed: 42, as_of: AS_OF, api, preset: 'custom', pagination: 'offset', auth: 'query:token' });
  await expect(page.locator('#shape-custom')).toBeVisible();
  await expect(page.locator('#offset-param')).toBeVisible();
  await expect(page.locator('#cursor-path')).toBeHidden();
  await openMoreSettings(page);
  await page.locator('#per-page').fill('20');
  await page.locator('#api-key').fill('q-secret');
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');
  const data = await report(page);
  expect(data.metadata.complete).toBe(true);
  expect(data.metadata.source.settings).toMatchObject({ preset: 'custom', pagination: 'offset', auth: 'query:token' });
  expect(data.metadata.source.records_received).toBe(45);
  expect(JSON.stringify(data)).not.toContain('q-secret');
  await expect(page.locator('#log')).not.toContainText('q-secret');
  const link = await copiedLink(page);
  expect(link.href).not.toContain('q-secret');
  expect(link.searchParams.get('preset')).toBe('custom');
  expect(link.searchParams.get('pagination')).toBe('offset');
  expect(link.searchParams.get('auth')).toBe('query:token');
});

test('a cursor that loops fails the run loud: repeated_cursor, partial', async ({ page }) => {
  const api = apiUrl({ shape: 'hubspot', cursor_loop: 1, failure_rate: 0, users: 250 });
  const state = await openAndAutorun(page, { api, preset: 'hubspot', seed: 42, as_of: AS_OF });
  expect(state).toBe('partial');
  const { metadata } = await report(page);
  expect(metadata.complete).toBe(false);
  expect(metadata.failed_pages.map((f) => f.code)).toEqual(['repeated_cursor']);
  await expect(page.locator('#failed-pages')).toContainText('seen before');
});

test('an API that does not allow browsers: the page says so and names the command line', async ({ page }) => {
  // The other loopback name is another origin; cors=0 sends no CORS headers.
  const api = `http://localhost:8765/api/users?cors=0&failure_rate=0`;
  const state = await openAndAutorun(page, { api, retries: 0, seed: 42, as_of: AS_OF });
  // Page 1 gets no answer: no report, and the error says why by its code.
  expect(state).toBe('failed');
  await expect(page.locator('#error')).toHaveAttribute('data-code', 'cors_blocked');
  await expect(page.locator('#error')).toContainText('may not allow browser requests');
  await expect(page.locator('#error')).toContainText('customer-pipeline fetch');
});
