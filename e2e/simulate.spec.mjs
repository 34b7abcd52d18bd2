// Invented values say so (issue 19): what a run draws from the seed is
// marked on the dashboard, in the charts, the table, the CSV and the report;
// with "Simulate what the source lacks" off nothing is drawn, and a link
// carries `simulate=0`.
import { test, expect } from '@playwright/test';
import {
  ROOT, apiUrl, chooseFile, clickAndSettle, copiedLink, download, openMoreSettings, openPage, resetMock,
} from './helpers.mjs';

const AS_OF = '2026-11-24';
const SHOPIFY = `${ROOT}tests/fixtures/shopify_customers.csv`;
const DRAWN_ALWAYS = ['acquisition_channel', 'market_segment', 'customer_tier'];

test.beforeEach(async ({ request }) => {
  await resetMock(request);
});

/** The report the page downloads, parsed. */
async function report(page) {
  return JSON.parse((await download(page, 'download-json')).text);
}

test('a Shopify export: every invented field is marked simulated, everywhere', async ({ page }) => {
  await openPage(page, { seed: 42, as_of: AS_OF });
  await expect(page.locator('#simulate')).toBeChecked();
  await chooseFile(page, SHOPIFY);
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');

  const note = page.locator('#simulated-note');
  await expect(note).toBeVisible();
  await expect(note).toContainText('Simulated from seed 42, not from your data');
  await expect(note).toContainText('activity status');
  await expect(note).toContainText('customer tier');
  // Shopify has no last login: the activity chart is not data.
  await expect(page.locator('#chart-activity_status-title')).toHaveText(/simulated from seed 42, not from your data/);
  await expect(page.locator('#chart-customer_tier-title')).toHaveText(/simulated from seed 42/);
  await expect(page.locator('#chart-quality-title')).not.toHaveText(/simulated/);
  for (const key of [...DRAWN_ALWAYS, 'activity_status', 'engagement_level']) {
    await expect(page.locator(`#customer-table [role=columnheader].c-${key} .mark-simulated`)).toHaveCount(1);
  }
  await expect(page.locator('#customer-table [role=columnheader].c-full_name .mark-simulated')).toHaveCount(0);

  const csv = await download(page, 'download-csv');
  expect([...csv.bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const header = csv.text.slice(1).split('\r\n')[0];
  expect(header).toContain('"customer_tier (simulated from seed 42, not from your data)"');
  expect(header.startsWith('customer_id,full_name,email_domain,')).toBe(true);

  const { metadata } = await report(page);
  expect(metadata.enrichment).toEqual({
    seed: 42,
    simulate: true,
    simulated: ['engagement_level', 'activity_status', ...DRAWN_ALWAYS],
    derived: [],
    simulated_customers: Object.fromEntries(
      ['engagement_level', 'activity_status', ...DRAWN_ALWAYS].map((key) => [key, metadata.total_customers]),
    ),
  });
});

test('an API with scores and logins: derived fields stay unmarked, drawn ones are marked', async ({ page }) => {
  await openPage(page, { api: apiUrl({ failure_rate: 0, users: 30 }), seed: 7, as_of: AS_OF });
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');
  const { metadata } = await report(page);
  expect(metadata.enrichment.derived).toContain('engagement_level');
  expect(metadata.enrichment.simulated_customers.engagement_level ?? 0).toBe(0);
  await expect(page.locator('#chart-engagement_level-title')).not.toHaveText(/simulated/);
  await expect(page.locator('#customer-table [role=columnheader].c-engagement_level .mark-simulated')).toHaveCount(0);
  await expect(page.locator('#chart-market_segment-title')).toHaveText(/simulated from seed 7/);
  await expect(page.locator('#simulated-note')).toContainText('seed 7');
});

test('simulation off: nothing is drawn, what the source lacks is unknown, and the link says simulate=0', async ({ page }) => {
  await openPage(page, { seed: 42, as_of: AS_OF });
  await openMoreSettings(page);
  await page.locator('#simulate').uncheck();
  await chooseFile(page, SHOPIFY);
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');

  await expect(page.locator('#simulated-note')).toHaveText('Nothing is simulated: what the source lacks is "unknown".');
  await expect(page.locator('#customer-table .mark-simulated')).toHaveCount(0);
  await expect(page.locator('#chart-customer_tier-title')).toHaveText('Customer tier');
  const { metadata, customers } = await report(page);
  expect(metadata.enrichment.simulated).toEqual([]);
  expect(metadata.distributions.customer_tier.unknown).toBe(metadata.total_customers);
  expect(new Set(customers.map((c) => c.acquisition_channel))).toEqual(new Set(['unknown']));
  const csv = await download(page, 'download-csv');
  expect(csv.text.slice(1).split('\r\n')[0]).not.toContain('simulated');

  const link = await copiedLink(page);
  expect(link.searchParams.get('simulate')).toBe('0');
  await openPage(page, Object.fromEntries(link.searchParams));
  await expect(page.locator('#simulate')).not.toBeChecked();
  // On (the default) is not written into a link.
  await page.locator('#simulate').check();
  expect((await copiedLink(page)).searchParams.has('simulate')).toBe(false);
});
