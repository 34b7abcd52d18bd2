// Uploading files: the documented sample report, and whole-file errors that
// leave the page usable.
import { readFile } from 'node:fs/promises';
import { test, expect } from '@playwright/test';
import { ROOT, chooseFile, clickAndSettle, download, openPage, resetMockAroundEach } from './helpers.mjs';

const AS_OF = '2026-11-24';
const FIXTURE = `${ROOT}tests/fixtures/reqres_users.json`;

const asFile = (name, content) => ({
  name,
  mimeType: 'application/json',
  buffer: Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8'),
});

resetMockAroundEach(test);

test('the fixture upload reproduces sample_output.json byte for byte (apart from the timestamp)', async ({ page }) => {
  await openPage(page, { seed: 42, as_of: AS_OF });
  await chooseFile(page, FIXTURE);
  await expect(page.locator('#seed')).toHaveValue('42');
  await expect(page.locator('#as-of')).toHaveValue(AS_OF);
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');

  const { name, bytes, text } = await download(page, 'download-json');
  expect(name).not.toContain('partial');
  expect(Buffer.from(text, 'utf8').equals(bytes)).toBe(true); // valid UTF-8, nothing lost in decoding
  const sample = await readFile(`${ROOT}sample_output.json`, 'utf8');
  const downloadedStamp = JSON.parse(text).metadata.export_timestamp;
  const sampleStamp = JSON.parse(sample).metadata.export_timestamp;
  expect(downloadedStamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  const field = (stamp) => `"export_timestamp": "${stamp}"`;
  expect(text.split(field(downloadedStamp))).toHaveLength(2); // exactly one occurrence
  expect(text.replace(field(downloadedStamp), field(sampleStamp))).toBe(sample);
});

test('unreadable files fail with a message saying what and where; the page stays usable', async ({ page }) => {
  await openPage(page, { seed: 42, as_of: AS_OF });
  const error = page.locator('#error');
  const cases = [
    { name: 'empty.json', content: '', says: ['empty'] },
    { name: 'latin1.json', content: Buffer.from('[{"first_name": "\xff"}]', 'latin1'), says: ['not UTF-8', 'line 1'] },
    { name: 'comma.json', content: '[\n{"id": 1,}\n]', says: ['Invalid JSON at line 2, column'] },
    { name: 'string.json', content: '"customers"', says: ['expected a page envelope'] },
    { name: 'data.json', content: '{"page": 1, "data": 7}', says: ['expected "data" to be an array'] },
  ];
  for (const { name, content, says } of cases) {
    await test.step(name, async () => {
      await chooseFile(page, asFile(name, content));
      expect(await clickAndSettle(page, page.locator('#run'))).toBe('failed');
      await expect(page.locator('#run-status')).toHaveAttribute('data-state', 'failed');
      await expect(error).toBeVisible();
      for (const text of says) await expect(error).toContainText(text);
    });
  }

  await test.step('a valid upload still works', async () => {
    await chooseFile(page, FIXTURE);
    expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');
    await expect(error).toBeHidden();
    await expect(page.locator('#run-status')).toContainText('12 customers');
  });

  await test.step('an element that is not a record is rejected, not a file error', async () => {
    await chooseFile(page, asFile('mixed.json', '[{"id": 1}, 42]'));
    expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');
    await expect(error).toBeHidden();
    const rejected = page.locator('#rejected-list');
    await expect(rejected).toContainText('record 2');
    await expect(rejected).toContainText('not a record');
  });
});

test('a file run writes a timestamped run log, like an API run', async ({ page }) => {
  await openPage(page, { seed: 42, as_of: AS_OF });
  await chooseFile(page, FIXTURE);
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');
  const entries = page.locator('#log li');
  expect(await entries.evaluateAll((items) => items.map((item) => item.dataset.kind)))
    .toEqual(['upload_started', 'upload_read', 'report_built']);
  for (const stamp of await page.locator('#log li time').evaluateAll((times) => times.map((t) => t.getAttribute('datetime')))) {
    expect(stamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  }
  await expect(entries.nth(0)).toContainText('reqres_users.json');
  await expect(entries.nth(2)).toContainText('12 customers');

  await chooseFile(page, asFile('comma.json', '[\n{"id": 1,}\n]'));
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('failed');
  expect(await entries.evaluateAll((items) => items.map((item) => item.dataset.kind)))
    .toEqual(['upload_started', 'upload_failed']);
  await expect(entries.nth(1)).toHaveAttribute('data-level', 'error');
});

test('the removed duplicates are listed: id, where it was, where the kept one is', async ({ page }) => {
  await openPage(page, { seed: 42, as_of: AS_OF });
  await chooseFile(page, FIXTURE);
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');
  await expect(page.locator('#duplicates-none')).toBeHidden();
  await expect(page.locator('#duplicates-list li')).toHaveText([
    'Customer 3: page 2, record 7 (score 90) removed; kept page 1, record 3',
  ]);
  await expect(page.locator('#rejected-list li')).toHaveText(['page 2, record 8: id: missing']);
});

test('a report without a customer is never shown as a success', async ({ page }) => {
  await openPage(page, { seed: 42, as_of: AS_OF });
  const status = page.locator('#run-status');
  await test.step('every record rejected: empty, with the rejected records listed', async () => {
    await chooseFile(page, asFile('no-ids.json', '[{"id": -3, "email": "a@example.com"}, {"email": "b@example.com"}]'));
    expect(await clickAndSettle(page, page.locator('#run'))).toBe('empty');
    await expect(status).toHaveText('No customers: every record read was rejected (2); see Rejected records.');
    await expect(page.locator('#rejected-list li')).toHaveCount(2);
    await expect(page.locator('#download-json')).toBeEnabled();
  });
  await test.step('the clean case stays clean: one good record is done', async () => {
    await chooseFile(page, asFile('one.json', '[{"id": 1, "email": "a@example.com"}]'));
    expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');
    await expect(status).toContainText('Done: 1 customer');
  });
  await test.step('text in a .json file, and no records, fail', async () => {
    for (const [name, content, code] of [['hello.json', 'hello', 'not_json'], ['none.json', '[]', 'no_records']]) {
      await chooseFile(page, asFile(name, content));
      expect(await clickAndSettle(page, page.locator('#run'))).toBe('failed');
      await expect(page.locator('#error')).toHaveAttribute('data-code', code);
    }
  });
});

test('a PDF named .csv is named as a PDF, in one message', async ({ page }) => {
  await openPage(page, { seed: 42, as_of: AS_OF });
  const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n%'), Buffer.from([0xe2, 0xe3, 0xcf, 0xd3]), Buffer.from('\n1 0 obj\n<< /Type /Catalog >>\nendobj\n')]);
  await chooseFile(page, { name: 'customers.csv', mimeType: 'text/csv', buffer: pdf });
  const shown = page.locator('#error:visible, #mapping-error:visible');
  await expect(shown.first()).toContainText('looks like a PDF document, not text');
  expect(await shown.evaluateAll((els) => els.map((el) => el.dataset.code))).toEqual(['not_text']);
  await test.step('a good file clears it', async () => {
    await chooseFile(page, FIXTURE);
    await expect(page.locator('#mapping-error')).toBeHidden();
    expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');
    await expect(page.locator('#error')).toBeHidden();
  });
});
