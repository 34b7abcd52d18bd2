// The page remembers its settings in this browser (issue 19): never the API
// key, nor an API URL with a secret in its query; a link's parameters win
// over what is remembered, which wins over the defaults; the field mapping
// (as the core's map text) and the source are remembered too; "Forget these
// settings" forgets them.
import { test, expect } from '@playwright/test';
import {
  ROOT, apiUrl, chooseFile, expectInputs, openMoreSettings, openPage,
} from './helpers.mjs';

const SETTINGS_KEY = 'customer-pipeline.settings';
const SHOPIFY = `${ROOT}tests/fixtures/shopify_customers.csv`;

/** What the page keeps in localStorage, as text ('' when nothing). */
const stored = (page) => page.evaluate(() => Object.entries(localStorage).map(([k, v]) => `${k}=${v}`).join('\n'));

const remembered = (page, key = SETTINGS_KEY) => page.evaluate((name) => localStorage.getItem(name) ?? '', key);

/** Opens `path` as a returning visitor would (what is remembered is kept). */
async function reopen(page, path = '/') {
  await page.goto(path);
  await expect(page.locator('#run-status')).not.toHaveText('Loading…');
}

test('settings are remembered in this browser, never the key; a link wins over them; Forget these settings', async ({ page }) => {
  const api = apiUrl({ users: 30, failure_rate: 0 });
  await openPage(page);
  await page.locator('#api-url').fill(api);
  await page.locator('#api-key').fill('secret-key-123');
  await openMoreSettings(page);
  await page.locator('#concurrency').fill('3');
  await page.locator('#retries').fill('2');
  await page.locator('#timeout').fill('4000');
  await page.locator('#seed').fill('777');
  await page.locator('#as-of').fill('2026-01-02');
  await page.locator('#keep-pages').check();
  await page.locator('#keep-hours').fill('48');
  await page.locator('#simulate').uncheck();
  await page.locator('#jitter').check();
  await page.locator('#per-page').fill('50');
  await expect.poll(() => remembered(page)).toContain('keep_hours=48');
  // Settings no link carries are remembered too.
  await expect.poll(() => remembered(page)).toContain('"jitter":true');
  await expect.poll(() => remembered(page)).toContain('"per_page":"50"');
  expect(await stored(page)).not.toContain('secret-key-123');

  await reopen(page);
  // Remembered values that are not the defaults open More settings by themselves.
  await expect(page.locator('#more-settings')).toHaveAttribute('open', '');
  await expectInputs(page, {
    'api-url': api,
    'api-key': '',
    concurrency: '3',
    retries: '2',
    timeout: '4000',
    seed: '777',
    'as-of': '2026-01-02',
    'keep-pages': true,
    'keep-hours': '48',
    simulate: false,
    jitter: true,
    'per-page': '50',
    'source-api': true,
  });
  // Remembered is not "turned on by this link".
  await expect(page.locator('#run-status')).toHaveText('Ready: choose a source and press Run.');

  // A link's parameters win, one by one; the rest is remembered.
  await reopen(page, '/?seed=5&concurrency=4&simulate=1');
  await expectInputs(page, {
    seed: '5',
    concurrency: '4',
    simulate: true,
    retries: '2',
    'keep-pages': true,
  });

  await page.locator('#forget-settings').click();
  await expect(page.locator('#remembered-info')).toContainText('Forgotten');
  expect(await stored(page)).toBe('');
  await reopen(page);
  await expectInputs(page, {
    concurrency: '',
    'keep-pages': false,
    simulate: true,
    jitter: false,
    'per-page': '',
  });
  await expect(page.locator('#seed')).not.toHaveValue('777');
});

test('the source and the field mapping are remembered (as the core\'s map text)', async ({ page }) => {
  await openPage(page, { seed: 42 });
  await chooseFile(page, SHOPIFY);
  await expect(page.locator('#mapping-preview tbody tr')).toHaveCount(5);
  await page.locator('#map-email').selectOption('');
  await expect.poll(async () => new URLSearchParams(JSON.parse(await remembered(page) || '{}').query ?? '').get('map'))
    .toBe('email:');

  await reopen(page);
  await expect(page.locator('#source-file')).toBeChecked();
  await chooseFile(page, SHOPIFY);
  await expect(page.locator('#mapping-preview tbody tr')).toHaveCount(5);
  await expect(page.locator('#map-email')).toHaveValue('');
  await expect(page.locator('#map-id')).toHaveValue('Customer ID');

  // A link's own map wins over the remembered one.
  await reopen(page, '/?map=id:Customer%20ID');
  await page.locator('#source-file').check();
  await chooseFile(page, SHOPIFY);
  await expect(page.locator('#mapping-preview tbody tr')).toHaveCount(5);
  await expect(page.locator('#map-email')).not.toHaveValue('');
});

test('an API URL with a secret in its query is not remembered', async ({ page }) => {
  await openPage(page);
  await page.locator('#api-url').fill(`${apiUrl({ failure_rate: 0 })}&token=very-secret`);
  await page.locator('#seed').fill('31');
  await expect.poll(() => remembered(page)).toContain('seed=31');
  expect(await stored(page)).not.toContain('very-secret');
  expect(await remembered(page)).not.toContain('api=');
});
