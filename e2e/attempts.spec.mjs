// Errors belong to one attempt (issue 19): one failure message is shown at a
// time, in one place, and a new attempt (another file, the other source,
// another URL) clears the last one's at once. axe finds nothing in these
// states, wide and narrow, light and dark.
import { test, expect } from '@playwright/test';
import {
  ROOT, apiUrl, axeViolations, chooseFile, clickAndSettle, openPage, resetMockAroundEach, VIEWS,
} from './helpers.mjs';

const AS_OF = '2026-11-24';
/** Every place a failure of the source or the run is shown. */
const ERROR_PLACES = ['#error', '#mapping-error'];

resetMockAroundEach(test);

/**
 * A real (minimal, valid) PDF 1.4 document: a catalog, a page tree, one
 * empty page, its cross-reference table with true offsets, and the binary
 * comment line PDF writers put after the header.
 */
function pdfDocument() {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << >> >>',
  ];
  let body = '%PDF-1.4\n%\u00e2\u00e3\u00cf\u00d3\n';
  const offsets = [];
  objects.forEach((object, i) => {
    offsets.push(Buffer.byteLength(body, 'latin1'));
    body += `${i + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = Buffer.byteLength(body, 'latin1');
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) body += `${String(offset).padStart(10, '0')} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

/** The failure messages shown: [{place, code, text}] of each visible place. */
async function shownErrors(page) {
  const shown = [];
  for (const place of ERROR_PLACES) {
    const locator = page.locator(place);
    if (await locator.isVisible()) {
      shown.push({ place, code: await locator.getAttribute('data-code'), text: (await locator.textContent()).trim() });
    }
  }
  return shown;
}

/** Runs axe in every view; returns the violations, each prefixed with its view. */
async function violationsInEveryView(page) {
  const found = [];
  for (const { width, height, colorScheme } of VIEWS) {
    await page.setViewportSize({ width, height });
    await page.emulateMedia({ colorScheme });
    for (const violation of await axeViolations(page)) found.push(`${width}px ${colorScheme}: ${violation}`);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  return found;
}

async function expectNoFailure(page) {
  expect(await shownErrors(page)).toEqual([]);
  await expect(page.locator('#run-status')).not.toHaveAttribute('data-state', 'failed');
  await expect(page.locator('#run-status')).not.toContainText('Failed');
}

test('a PDF named .csv shows one error at a time, and choosing a good file clears it', async ({ page }) => {
  await openPage(page, { seed: 42, as_of: AS_OF });
  await chooseFile(page, { name: 'customers.csv', mimeType: 'text/csv', buffer: pdfDocument() });
  // The look at its start has said something (an error, or a layout).
  await expect.poll(async () => (await shownErrors(page)).length
    + ((await page.locator('#mapping-status').textContent()) !== '' ? 1 : 0)).toBeGreaterThan(0);
  await expect(page.locator('#mapping-status')).not.toContainText('Looking at');
  const looked = await shownErrors(page);
  expect(looked.map((e) => [e.place, e.code])).toEqual([['#mapping-error', 'not_text']]);

  expect(await clickAndSettle(page, page.locator('#run'))).toBe('failed');
  const shown = await shownErrors(page);
  expect(shown, JSON.stringify(shown)).toHaveLength(1);
  expect(shown[0].place).toBe('#error');
  expect(shown[0].code).toBe('not_text');
  expect(shown[0].text).toContain('looks like a PDF document, not text');
  expect(await violationsInEveryView(page)).toEqual([]);

  // Another file: the failure was the last attempt's; the new file previews.
  await chooseFile(page, `${ROOT}tests/fixtures/shopify_customers.csv`);
  await expectNoFailure(page);
  await expect(page.locator('#mapping-preview tbody tr')).toHaveCount(5);
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');
});

test('editing the URL or switching the source clears the last failure at once', async ({ page }) => {
  await openPage(page, { api: apiUrl({ api_key: 'right-key', failure_rate: 0 }), seed: 42, as_of: AS_OF });
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('failed');
  await expect(page.locator('#error')).toBeVisible();
  await expect(page.locator('#error')).toHaveAttribute('data-code', 'auth_rejected');

  await page.locator('#api-url').fill(apiUrl({ failure_rate: 0 }));
  await expectNoFailure(page);
  await expect(page.locator('#run-status')).toHaveAttribute('data-state', 'idle');

  // Failed again, then the other source.
  await page.locator('#api-url').fill(apiUrl({ api_key: 'right-key', failure_rate: 0 }));
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('failed');
  await expect(page.locator('#error')).toBeVisible();
  await page.locator('#source-file').check();
  await expectNoFailure(page);
  // And back: the API's failure does not come back with it.
  await page.locator('#source-api').check();
  await expectNoFailure(page);
});

test('a failed look at a file is replaced by the run\'s failure, never shown beside it', async ({ page }) => {
  await openPage(page, { seed: 42, as_of: AS_OF });
  // A CSV with no column that could be the customer id: the panel refuses it before the run.
  await chooseFile(page, { name: 'people.csv', mimeType: 'text/csv', buffer: Buffer.from('name,email,number\nAnn,a@b.c,5\n') });
  await expect(page.locator('#mapping-error')).toHaveAttribute('data-code', 'no_id_column');
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('failed');
  const shown = await shownErrors(page);
  expect(shown.map((e) => e.place)).toEqual(['#error']);
  expect(shown[0].code).toBe('no_id_column');
});
