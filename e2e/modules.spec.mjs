// The page's two WebAssembly modules (issue 22): an upload downloads only
// the upload module (www/pkg, at most 200 KB gzipped); the API-and-compare module
// (www/pkg-api-compare) comes with the first API run, probe or comparison. A run
// of either module is compared with an earlier report: the API run's in
// the API-and-compare module itself, the upload's handed over to it as bytes.
import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { test, expect } from '@playwright/test';
import {
  ROOT, apiUrl, chooseFile, clickAndSettle, download, openPage, resetMockAroundEach,
} from './helpers.mjs';

const AS_OF = '2026-11-24';
const FIXTURE = `${ROOT}tests/fixtures/reqres_users.json`;
const UPLOAD_MODULE = '/pkg/customer_pipeline_bg.wasm';
const API_COMPARE_MODULE = '/pkg-api-compare/customer_pipeline_bg.wasm';

resetMockAroundEach(test);

/** The paths of the modules the page (and its workers) asked for so far. */
function modulesAsked(page) {
  const asked = [];
  page.context().on('request', (request) => {
    const { pathname } = new URL(request.url());
    if (pathname.endsWith('.wasm')) asked.push(pathname);
  });
  return asked;
}

const changes = (page) => page.locator('#changes');

async function expectCounts(page, { added, removed, changed, unchanged }) {
  await expect(changes(page)).toBeVisible();
  await expect(changes(page)).toHaveAttribute('data-added', String(added));
  await expect(changes(page)).toHaveAttribute('data-removed', String(removed));
  await expect(changes(page)).toHaveAttribute('data-changed', String(changed));
  await expect(changes(page)).toHaveAttribute('data-unchanged', String(unchanged));
}

test('the upload module is at most 200 KB gzipped, and an upload loads nothing else', async ({ page }) => {
  const gzipped = gzipSync(await readFile(`${ROOT}www${UPLOAD_MODULE}`), { level: 9 }).length;
  console.log(`upload module: ${gzipped} bytes gzipped`);
  expect(gzipped).toBeLessThanOrEqual(200_000);
  // The API-and-compare module is the larger one (the fetcher and comparing are more than the readers).
  const other = gzipSync(await readFile(`${ROOT}www${API_COMPARE_MODULE}`), { level: 9 }).length;
  console.log(`API-and-compare module: ${other} bytes gzipped`);
  expect(other).toBeGreaterThan(gzipped);

  const asked = modulesAsked(page);
  await openPage(page, { seed: 42, as_of: AS_OF });
  await chooseFile(page, FIXTURE);
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');
  await expect(page.locator('#customer-table .vbody .vrow')).toHaveCount(12);
  expect(asked).toEqual([UPLOAD_MODULE]);

  // The first API run brings the API-and-compare module, once.
  await page.locator('#source-api').check();
  await page.locator('#api-url').fill(apiUrl({ failure_rate: 0 }));
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');
  expect(asked).toEqual([UPLOAD_MODULE, API_COMPARE_MODULE]);
});

/** The mock API's records as a file (its pages, as an array), with `edit(records)` applied. */
async function apiAsFile(request, edit) {
  const pages = [];
  for (let number = 1; ; number += 1) {
    const response = await request.get(`${apiUrl({ failure_rate: 0 })}&page=${number}`);
    expect(response.ok()).toBe(true);
    const page = await response.json();
    pages.push(page);
    if (number >= page.total_pages) break;
  }
  edit(pages.flatMap((page) => page.data));
  return { name: 'later.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(pages)) };
}

test('an API run and an upload are each compared with an earlier report', async ({ page, request }) => {
  await openPage(page, { api: apiUrl({ failure_rate: 0 }), seed: 42, as_of: AS_OF });
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');
  const earlier = await download(page, 'download-json');
  expect(JSON.parse(earlier.text).metadata.source.kind).toBe('api');

  // The API run, made by the API-and-compare module, against its own report: nothing changed.
  await page.locator('#previous-report').setInputFiles({
    name: earlier.name, mimeType: 'application/json', buffer: earlier.bytes,
  });
  await expectCounts(page, { added: 0, removed: 0, changed: 0, unchanged: 12 });

  // An upload of the API's users with one name changed, made by the upload module.
  await chooseFile(page, await apiAsFile(request, (records) => {
    records.find((r) => r.id === 7).last_name = 'Lawson-Smith';
  }));
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');
  await expectCounts(page, { added: 0, removed: 0, changed: 1, unchanged: 11 });
  await expect(page.locator('#changes-table .vbody .c-customer_id')).toHaveText(['7']);
  const file = JSON.parse((await download(page, 'download-changes')).text);
  expect(file.changed).toEqual([{
    customer_id: 7,
    full_name: 'Michael Lawson-Smith',
    changes: { full_name: { old: 'Michael Lawson', new: 'Michael Lawson-Smith' } },
  }]);
  expect(file.metadata.current.source.kind).toBe('upload');
});

test('an API-and-compare module that does not load fails the run with internal; the next run loads it', async ({ page }) => {
  await openPage(page, { api: apiUrl({ failure_rate: 0 }), seed: 42, as_of: AS_OF });
  const blocked = (route) => route.fulfill({ status: 404, body: 'not here' });
  await page.context().route('**/pkg-api-compare/**', blocked);
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('failed');
  await expect(page.locator('#error')).toHaveAttribute('data-code', 'internal');
  await expect(page.locator('#error')).toContainText('for API runs and comparisons could not be loaded');

  await page.context().unroute('**/pkg-api-compare/**', blocked);
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');
  await expect(page.locator('#customer-table .vbody .vrow')).toHaveCount(12);
});
