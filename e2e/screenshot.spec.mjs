// The README's screenshot: a real run against the mock API at 1280 px,
// captured whole, and checked for what it shows: the status, the dashboard
// tiles with the report's numbers, every chart, and the first table rows.
// `make screenshot` runs this spec alone with SCREENSHOT_OUT=docs/screenshot.png;
// in the suite it writes e2e/artifacts/dashboard.png.
import { readFile } from 'node:fs/promises';
import { test, expect } from '@playwright/test';
import {
  ROOT, apiUrl, download, openAndAutorun, pngSize, resetMockAroundEach,
} from './helpers.mjs';

const OUT = process.env.SCREENSHOT_OUT || `${ROOT}e2e/artifacts/dashboard.png`;
const AS_OF = '2026-11-24';

resetMockAroundEach(test);

test('screenshot of a real run at 1280 px shows the status, tiles, charts and first rows', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.emulateMedia({ colorScheme: 'light' });
  // Sixty customers, some with broken fields, some repeated; 5xx and 429s on the way.
  const api = apiUrl({
    users: 60, defects: 1, duplicate_rate: 0.2, failure_rate: 0.25, rate_limit_rate: 0.1, seed: 6,
  });
  const state = await openAndAutorun(page, { api, seed: 42, as_of: AS_OF });
  expect(state).toBe('done');
  const rows = page.locator('#customer-table .vbody .vrow');
  await expect(rows.first()).toBeVisible();
  await page.evaluate(() => window.scrollTo(0, 0));
  // As tall as the page, so that Run's bar, which sticks to the window's
  // bottom, is captured where it sits and not over the settings.
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewportSize({ width: 1280, height });
  await page.screenshot({ path: OUT, fullPage: true });
  const report = JSON.parse((await download(page, 'download-json')).text);
  const m = report.metadata;

  const png = pngSize(await readFile(OUT));
  const pageSize = await page.evaluate(() => ({
    width: document.documentElement.scrollWidth, height: document.documentElement.scrollHeight,
  }));
  expect(png).toEqual(pageSize);
  expect(png.width).toBe(1280);

  /** The element's box in page coordinates, asserted to lie inside the captured image. */
  const captured = async (locator, what) => {
    await expect(locator, what).toBeVisible();
    const box = await locator.evaluate((node) => {
      const r = node.getBoundingClientRect();
      return { x: r.left + scrollX, y: r.top + scrollY, width: r.width, height: r.height };
    });
    expect(box.width, what).toBeGreaterThan(0);
    expect(box.height, what).toBeGreaterThan(0);
    expect(box.x, what).toBeGreaterThanOrEqual(0);
    expect(box.y, what).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width, what).toBeLessThanOrEqual(png.width);
    expect(box.y + box.height, what).toBeLessThanOrEqual(png.height);
    return box;
  };

  await captured(page.locator('#run-status'), 'status');
  await expect(page.locator('#run-status')).toHaveText(/^Done: 60 customers in /);

  const tile = (key) => page.locator(`#counts [data-count="${key}"]`);
  const n = (value) => value.toLocaleString('en-US');
  const expected = {
    customers: n(m.total_customers),
    records_read: n(m.records_read),
    duplicates_removed: n(m.duplicates_removed),
    rejected_records: n(m.rejected_records),
    requests: n(m.fetch.requests),
    retries: n(Object.values(m.fetch.retries).reduce((sum, k) => sum + k, 0)),
    rate_limited: n(m.fetch.rate_limited),
    pages: `${n(m.source.pages_fetched)} of ${n(m.source.pages_total)}`,
  };
  for (const [key, text] of Object.entries(expected)) {
    await captured(tile(key), `tile ${key}`);
    await expect(tile(key).locator('dd')).toHaveText(text);
  }

  const charts = page.locator('#charts .chart');
  await expect(charts).toHaveCount(8); // quality, issues, five enriched fields, domains
  for (const chart of await charts.all()) {
    const caption = await chart.locator('figcaption').textContent();
    await captured(chart, `chart ${caption}`);
    const values = await chart.locator('.bar-value').allTextContents();
    expect(values.length, caption).toBeGreaterThan(0);
    for (const value of values) expect(value.endsWith(' of customers'), caption).toBe(true);
  }
  await expect(page.locator('#chart-quality .bar-value').first())
    .toHaveText(`${n(m.data_quality_summary.high_quality)} · ${Math.round((100 * m.data_quality_summary.high_quality) / m.total_customers)}% of customers`);

  // The first rows, in the report's order, whole inside the table's visible area.
  const view = await captured(page.locator('.vscroll'), 'table');
  const first = report.customers.slice(0, 5);
  for (const [i, customer] of first.entries()) {
    const row = page.locator(`#customer-table .vbody .vrow[aria-rowindex="${i + 2}"]`);
    const box = await captured(row, `row ${i + 1}`);
    expect(box.y + box.height).toBeLessThanOrEqual(view.y + view.height);
    await expect(row.locator('.c-full_name')).toHaveText(customer.full_name);
    await expect(row.locator('.c-customer_id')).toHaveText(String(customer.customer_id));
    await expect(row.locator('.c-data_quality_score')).toContainText(String(customer.data_quality_score));
  }
  await captured(page.locator('#duplicates-list'), 'duplicates list');
});
