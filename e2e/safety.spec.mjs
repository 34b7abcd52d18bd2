// Safety: a rejected API key fails at once and is never shown, and data that
// looks like HTML is shown as text, never run.
import { test, expect } from '@playwright/test';
import {
  apiUrl, chooseFile, clickAndSettle, mockLog, openPage, resetMockAroundEach, tableNames,
} from './helpers.mjs';

const AS_OF = '2026-11-24';

resetMockAroundEach(test);

test('a wrong API key fails after one request and the key is never shown', async ({ page, request }) => {
  const key = 'wrong-key';
  await openPage(page, { api: apiUrl({ api_key: 'right-key', failure_rate: 0 }), seed: 42, as_of: AS_OF });
  await page.locator('#api-key').fill(key);
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('failed');

  const error = page.locator('#error');
  await expect(error).toBeVisible();
  await expect(error).toContainText('401');
  await expect(error).toContainText(/API key/);

  const log = await mockLog(request);
  expect(log).toHaveLength(1);
  expect(log[0].status).toBe(401);

  expect(page.url()).not.toContain(key);
  expect(await page.locator('#log').textContent()).not.toContain(key);
  expect(await error.textContent()).not.toContain(key);
  expect(await page.locator('body').innerText()).not.toContain(key);
});

test('HTML in names is shown as text and never run', async ({ page }) => {
  const dialogs = [];
  const errors = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    dialog.dismiss().catch(() => {});
  });
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));

  const firstName = '<img src=x onerror=alert(1)>';
  const lastName = '<script>alert(2)</script>';
  const records = [{
    id: 1,
    email: 'html@example.com',
    first_name: firstName,
    last_name: lastName,
    avatar: 'https://reqres.in/img/faces/1-image.jpg',
  }];
  await openPage(page, { seed: 42, as_of: AS_OF });
  await chooseFile(page, { name: 'html.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(records)) });
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');

  await expect(tableNames(page)).toHaveText([`${firstName} ${lastName}`]);
  const table = page.locator('#customer-table');
  await expect(table.locator('img')).toHaveCount(0);
  await expect(table.locator('script')).toHaveCount(0);
  // Give an image error handler, had one been created, time to fire.
  await page.waitForTimeout(500);
  expect(dialogs).toEqual([]);
  expect(errors).toEqual([]);
});
