// The budget an API announces, followed by the page before the API says
// 429: the mock's Shopify-like leaky bucket (rate=shopify).
import { test, expect } from '@playwright/test';
import {
  apiUrl, download, mockLog, openAndAutorun, openMoreSettings, resetMockAroundEach,
} from './helpers.mjs';

resetMockAroundEach(test);

test('a filling Shopify call-limit bucket is paced: complete, at most one 429, the log and a tile say why', async ({ page, request }) => {
  // 50 pages, 4 at a time, into a bucket of 40 calls draining 2 a second:
  // the last 10 (or so) must wait for the bucket to drain.
  const api = apiUrl({ failure_rate: 0, users: 300, budget: 40, rate: 'shopify' });
  const state = await openAndAutorun(page, { api, concurrency: 4, seed: 42, as_of: '2026-11-24' }, { timeout: 60_000 });
  expect(state).toBe('done');
  await openMoreSettings(page);
  await expect(page.locator('#concurrency')).toHaveValue('4');

  const { metadata } = JSON.parse((await download(page, 'download-json')).text);
  expect(metadata.complete).toBe(true);
  expect(metadata.total_customers).toBe(300);
  expect(metadata.fetch.rate_limited).toBeLessThanOrEqual(1);
  expect(metadata.fetch.requests).toBe(50 + metadata.fetch.rate_limited);
  expect(metadata.fetch.paced_ms).toBeGreaterThan(0);
  const refused = (await mockLog(request)).filter((entry) => entry.outcome === '429');
  expect(refused.length).toBe(metadata.fetch.rate_limited);

  // The run log says when it slowed down and why, once.
  const paced = page.locator('#log li[data-kind="paced"]');
  await expect(paced).toHaveCount(1);
  await expect(paced).toContainText('X-Shopify-Shop-Api-Call-Limit');
  await expect(paced).toContainText('leak rate, 2 a second');
  // The tile counts the time paced and names the header followed.
  const tile = page.locator('#counts [data-count="paced"]');
  await expect(tile).toBeVisible();
  await expect(tile.locator('dt')).toContainText('Paced by the API');
  await expect(tile.locator('dt')).toContainText('announced in X-Shopify-Shop-Api-Call-Limit');
  await expect(tile.locator('dd')).not.toHaveText('0 s');
});
