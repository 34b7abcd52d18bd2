// The attack surface (issue 17), tried in the real page: links never act
// on a key the user did not give for them, secrets in the API URL stay out
// of what is shown and shared, keys no header can carry and keys in clear
// are refused, answers too large fail their page, CSV cells cannot become
// formulas, and a newer earlier report always wins.
import { test, expect } from '@playwright/test';
import {
  MOCK, ROOT, apiUrl, chooseFile, clickAndSettle, download, focusedId, mockLog, openMoreSettings, openPage, pagePath,
  resetMockAroundEach, trackRunStates,
} from './helpers.mjs';
import { readFile } from 'node:fs/promises';

const AS_OF = '2026-11-24';
/** The mock under its other loopback name: another origin than the page's. */
const OTHER = MOCK.replace('127.0.0.1', 'localhost');

resetMockAroundEach(test);

/** Fills #api-key as soon as it exists, before the page's script runs (as a password manager may). */
async function prefillKey(page, key) {
  await page.addInitScript((value) => {
    new MutationObserver((_, observer) => {
      const input = document.getElementById('api-key');
      if (input) {
        input.value = value;
        observer.disconnect();
      }
    }).observe(document, { childList: true, subtree: true });
  }, key);
}

test('an autorun link with a filled-in key asks before sending it to the link\'s API', async ({ page, request }) => {
  const key = 'filled-by-a-password-manager';
  await prefillKey(page, key);
  await trackRunStates(page);
  await page.goto(pagePath({ api: `${OTHER}/api/users?failure_rate=0`, seed: 42, as_of: AS_OF, autorun: 1 }));
  const question = page.locator('#autorun-question');
  await expect(question).toBeVisible();
  await expect(page.locator('#autorun-text')).toContainText(OTHER);
  expect(await focusedId(page)).toBe('autorun-question');
  await expect(page.locator('#run-status')).toContainText('Waiting for you');
  // Nothing was sent while the page waits, nor after "Not now".
  await page.waitForTimeout(500);
  expect(await mockLog(request)).toEqual([]);
  await page.locator('#autorun-dismiss').click();
  await expect(question).toBeHidden();
  expect(await focusedId(page)).toBe('run');
  expect(await mockLog(request)).toEqual([]);

  // Asked again and answered yes: the run goes, with the key, to that API.
  await prefillKey(page, key);
  await page.reload();
  await expect(question).toBeVisible();
  const before = await page.evaluate(() => window.__e2eStates.length);
  await page.locator('#autorun-run').click();
  await page.waitForFunction((from) => window.__e2eStates.slice(from).includes('done'), before);
  const log = await mockLog(request);
  expect(log.length).toBeGreaterThan(0);
  expect(log.every((entry) => entry.host === new URL(OTHER).host && entry.api_key_sent)).toBe(true);
});

test('an autorun link with an empty key field runs at once; keep=1 says so before it starts', async ({ page }) => {
  await trackRunStates(page);
  await page.goto(pagePath({ api: apiUrl({ failure_rate: 0 }), seed: 42, as_of: AS_OF, keep: 1, autorun: 1 }));
  await page.waitForFunction(() => window.__e2eStates.includes('done'));
  await expect(page.locator('#autorun-question')).toBeHidden();
  await expect(page.locator('#keep-pages')).toBeChecked();

  await page.goto(pagePath({ api: apiUrl({ failure_rate: 0 }), seed: 42, as_of: AS_OF, keep: 1 }));
  await expect(page.locator('#run-status')).toContainText('the pages a run fetches will be stored in this browser');
  await page.locator('#run').click();
  await expect(page.locator('#run-status')).toContainText(/Fetched pages are kept on this device|Done/);
});

test('a key no header can carry is refused on the key field, and the next run works', async ({ page, request }) => {
  await openPage(page, { api: apiUrl({ failure_rate: 0 }), seed: 42, as_of: AS_OF });
  await page.locator('#api-key').fill('ключ');
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('failed');
  await expect(page.locator('#error')).toHaveAttribute('data-code', 'invalid_setting');
  await expect(page.locator('#error')).toContainText('The API key has a character a request header cannot carry');
  await expect(page.locator('#api-key')).toHaveAttribute('aria-invalid', 'true');
  expect(await page.locator('#error').textContent()).not.toContain('ключ');
  expect(await mockLog(request)).toEqual([]);

  await page.locator('#api-key').fill('');
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');
});

test('secrets in the API URL are sent, but never shown, logged, exported or shared', async ({ page }) => {
  const secret = 'S3CRET-VALUE';
  await openPage(page, { seed: 42, as_of: AS_OF });
  await page.locator('#api-url').fill(`${apiUrl({ failure_rate: 0 })}&token=${secret}`);
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');
  const report = (await download(page, 'download-json')).text;
  expect(report).not.toContain(secret);
  expect(JSON.parse(report).metadata.source.url).toBe(`${apiUrl({ failure_rate: 0 })}&token=***`);
  expect(await page.locator('#log').textContent()).not.toContain(secret);
  expect(await page.locator('#status-panel').textContent()).not.toContain(secret);

  await page.evaluate(() => {
    navigator.clipboard.writeText = async (text) => { window.__copied = text; };
  });
  await page.locator('#copy-link').click();
  await expect.poll(() => page.evaluate(() => window.__copied)).toBeTruthy();
  const link = await page.evaluate(() => window.__copied);
  expect(link).not.toContain(secret);
  expect(new URL(link).searchParams.get('api')).toBe(`${apiUrl({ failure_rate: 0 })}&token=***`);
});

test('credentials before the host, and a key over plain http: to another machine, are refused', async ({ page, request }) => {
  await openPage(page, { seed: 42, as_of: AS_OF });
  await page.locator('#api-url').fill('http://user:pass@127.0.0.1:8765/api/users');
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('failed');
  await expect(page.locator('#error')).toContainText('put the credential in the API key field');
  await expect(page.locator('#api-url')).toHaveAttribute('aria-invalid', 'true');

  await page.locator('#api-url').fill('http://api.example.invalid/api/users');
  await page.locator('#api-key').fill('a-key');
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('failed');
  await expect(page.locator('#error')).toHaveAttribute('data-code', 'insecure_key_transport');
  await expect(page.locator('#error')).toContainText('use an https:// URL');
  expect(await mockLog(request)).toEqual([]);
});

test('an answer larger than the largest page fails that page, with a message', async ({ page }) => {
  await openPage(page, { api: apiUrl({ failure_rate: 0, users: 6000, per_page: 6000 }), seed: 42, as_of: AS_OF });
  await openMoreSettings(page);
  await page.locator('#max-page-mb').fill('1');
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('failed');
  await expect(page.locator('#error')).toHaveAttribute('data-code', 'page_too_large');
  await expect(page.locator('#error')).toContainText('larger than 1 MB');
});

test('no spreadsheet locale can split a formula out of a CSV cell', async ({ page }) => {
  const records = [{ id: 1, first_name: ';=2+5;', last_name: 'x\t@SUM(A1)' }, { id: 2, first_name: '=HYPERLINK("e")' }];
  await openPage(page, { seed: 42, as_of: AS_OF });
  await chooseFile(page, { name: 'formulas.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(records)) });
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');
  const csv = (await download(page, 'download-csv')).text;
  for (const separator of [',', ';', '\t', '|']) {
    for (const line of csv.split(/\r\n|\n|\r/)) {
      for (const cell of line.split(separator)) {
        expect(cell.replace(/^"+/, ''), `${JSON.stringify(line)} split by ${JSON.stringify(separator)}`)
          .not.toMatch(/^[=+\-@]/);
      }
    }
  }
  expect(csv).toContain("'=2+5");
  expect(csv).toContain("'=HYPERLINK");
});

test('choosing two earlier reports in quick succession keeps the second', async ({ page }) => {
  // A large report (80,000 customers) and the small sample.
  const sample = await readFile(`${ROOT}sample_output.json`, 'utf8');
  const parsed = JSON.parse(sample);
  const line = parsed.customers[0];
  const lines = Array.from({ length: 80_000 }, (_, i) => JSON.stringify({ ...line, customer_id: 1000 + i }));
  const big = `{"metadata": ${JSON.stringify({ ...parsed.metadata, export_timestamp: '2020-01-01T00:00:00Z' })},\n`
    + `"customers": [\n${lines.join(',\n')}\n], "rejected": [], "duplicates": []}\n`;
  await openPage(page, { seed: 42, as_of: AS_OF });
  await chooseFile(page, `${ROOT}tests/fixtures/reqres_users.json`);
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');

  const chooser = page.locator('#previous-report');
  await chooser.setInputFiles({ name: 'big_report.json', mimeType: 'application/json', buffer: Buffer.from(big) });
  await chooser.setInputFiles({ name: 'sample_output.json', mimeType: 'application/json', buffer: Buffer.from(sample) });
  await expect(page.locator('#previous-report-status')).toContainText(`Comparing with sample_output.json: exported ${parsed.metadata.export_timestamp}`);
  await expect(page.locator('#changes')).toBeVisible();
  await expect(page.locator('#changes-since')).toContainText(parsed.metadata.export_timestamp);
  // However long the big one took, it never replaces the second.
  await page.waitForTimeout(2000);
  await expect(page.locator('#previous-report-status')).toContainText('sample_output.json');
  await expect(page.locator('#changes-since')).not.toContainText('2020-01-01');
  await expect(page.locator('#previous-report-error')).toBeHidden();
});
