// The page renders what the core says (issue 9): it branches on event kinds
// and error codes only, and builds every list, chart, column and input
// limit from the core's vocabulary(); a setting the core refuses marks its
// field.
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { test, expect } from '@playwright/test';
import {
  ROOT, apiUrl, chooseFile, clickAndSettle, coreVocabulary, focusedId, openAndAutorun, openPage, resetMockAroundEach,
} from './helpers.mjs';

const AS_OF = '2026-11-24';

resetMockAroundEach(test);

// Needs no browser: the page's scripts as they are on disk.
test('no regular expression or substring test remains in www/*.js', async () => {
  const files = execFileSync('sh', ['-c', 'ls www/*.js'], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n');
  expect(files.length).toBeGreaterThan(5);
  let found = '';
  try {
    // The issue's own check: grep exits 1 when nothing matches.
    found = execFileSync('grep', ['-nE', String.raw`\.test\(|match\(|includes\(|/\^`, ...files], { cwd: ROOT, encoding: 'utf8' });
  } catch (error) {
    expect(error.status, String(error.stderr)).toBe(1);
  }
  expect(found).toBe('');
  // Nor any other way of looking inside text.
  for (const file of files) {
    const source = await readFile(`${ROOT}${file}`, 'utf8');
    for (const pattern of [/new RegExp|RegExp\(/, /\.(search|indexOf|lastIndexOf|startsWith|endsWith)\(/, /\/[^/\s*]+\/[gimsuy]*\.(exec|test)/]) {
      expect(source, `${file}: ${pattern}`).not.toMatch(pattern);
    }
  }
});

test('selects, charts, columns and input limits come from the core vocabulary; the HTML holds no copy', async ({ page }) => {
  await openPage(page, { seed: 42, as_of: AS_OF });
  const v = await coreVocabulary(page);

  const optionValues = (id) => page.locator(`#${id} option`).evaluateAll((options) => options.map((o) => o.value));
  expect(await optionValues('filter-bucket')).toEqual(['', ...v.quality_buckets.map((b) => b.name)]);
  expect(await optionValues('filter-issue')).toEqual(['', ...v.scored_fields.map((f) => f.name)]);
  await expect(page.locator('#filter-issue option').nth(1)).toHaveText(v.scored_fields[0].label);
  const [best] = v.quality_buckets;
  await expect(page.locator('#filter-bucket option').nth(1)).toHaveText(`${best.name} (${best.min}–${best.max})`);

  const setting = (name) => v.settings.find((entry) => entry.name === name);
  for (const [id, name] of [['concurrency', 'concurrency'], ['retries', 'retries'], ['timeout', 'timeout_ms'], ['per-page', 'per_page']]) {
    const input = page.locator(`#${id}`);
    await expect(input).toHaveAttribute('data-setting', name);
    const { min, max, default: fallback } = setting(name).limit;
    await expect(input).toHaveAttribute('min', String(min));
    await expect(input).toHaveAttribute('max', String(max));
    await expect(input).toHaveAttribute('placeholder', fallback === null ? 'API default' : String(fallback));
    await expect(input).toHaveValue('');
  }

  // Every input names a setting of the core; the log filter offers the core's levels, least first.
  const named = await page.locator('[data-setting]').evaluateAll((nodes) => nodes.map((n) => n.dataset.setting));
  for (const name of named) expect(v.settings.map((entry) => entry.name)).toContain(name);
  expect(await optionValues('log-level')).toEqual(v.log_levels.map((level) => level.name));
  await expect(page.locator('#log-level option')).toHaveText(['everything', 'warnings and errors', 'errors only']);

  // Chart captions: the display names, in the vocabulary's order.
  const captions = await page.locator('#charts figcaption').allTextContents();
  expect(captions.slice(2, 2 + v.fields.length)).toEqual(v.fields.map((f) => f.label));

  // The table's columns.
  const headers = page.locator('#customer-table [role="columnheader"]');
  expect(await headers.allTextContents()).toEqual(v.columns.map((c) => c.label));
  await expect(page.locator('#customer-table [role="columnheader"] button')).toHaveCount(v.columns.filter((c) => c.sortable).length);

  // The HTML itself names no bucket, threshold, field or limit.
  const html = await readFile(`${ROOT}www/index.html`, 'utf8');
  expect(html).not.toMatch(/<input[^>]*\s(min|max|value|placeholder)="\d/);
  expect(html).not.toMatch(/<option value="(info|warn|error)"/);
  for (const bucket of v.quality_buckets) expect(html).not.toContain(`value="${bucket.name}"`);
  for (const field of [...v.scored_fields, ...v.fields]) expect(html).not.toContain(`"${field.name}"`);
  for (const field of v.fields) for (const value of field.values) expect(html).not.toContain(`>${value}<`);
});

test('the run log filters by the core\'s levels, least first', async ({ page }) => {
  await openPage(page, { seed: 42, as_of: AS_OF });
  await chooseFile(page, `${ROOT}tests/fixtures/reqres_users.json`);
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');
  const levels = () => page.locator('#log li').evaluateAll((items) => items.map((item) => item.dataset.level));
  expect(await levels()).toContain('info');
  await page.locator('#log-level').selectOption('warn');
  const shown = await levels();
  expect(shown.length).toBeGreaterThan(0);
  expect(shown.filter((level) => level !== 'warn' && level !== 'error')).toEqual([]);
  await page.locator('#log-level').selectOption('info');
  expect(await levels()).toContain('info');
});

test('the dashboard reads the vocabulary: bucket names and ranges, value order, display names', async ({ page }) => {
  await openPage(page, { seed: 42, as_of: AS_OF });
  const v = await coreVocabulary(page);
  await chooseFile(page, `${ROOT}tests/fixtures/reqres_users.json`);
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');
  const labels = (key) => page.locator(`#chart-${key} .bar-label`).allTextContents();
  expect(await labels('quality')).toEqual(v.quality_buckets.map((b) => `${b.name} (${b.min}–${b.max})`));
  expect(await labels('issues')).toEqual(v.scored_fields.map((f) => f.label));
  for (const field of v.fields) expect(await labels(field.name)).toEqual(field.values);
});

test('a setting the core refuses marks its field and says why, in the core\'s words', async ({ page }) => {
  const state = await openAndAutorun(page, { api: apiUrl({ failure_rate: 0 }), concurrency: 99, seed: 42, as_of: AS_OF });
  expect(state).toBe('failed');
  const error = page.locator('#error');
  await expect(error).toContainText("Concurrency must be a whole number from 1 to 16; got '99'.");
  const field = page.locator('#concurrency');
  await expect(field).toHaveAttribute('aria-invalid', 'true');
  expect((await field.getAttribute('aria-describedby')).split(' ')).toContain('error');
  expect(await focusedId(page)).toBe('error');
  // Fixing the field clears the mark; the next run goes through.
  await field.fill('2');
  await expect(field).not.toHaveAttribute('aria-invalid', 'true');
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');

  // A file run refuses a bad seed the same way.
  await page.locator('#seed').fill('12abc');
  await chooseFile(page, `${ROOT}tests/fixtures/reqres_users.json`);
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('failed');
  await expect(page.locator('#seed')).toHaveAttribute('aria-invalid', 'true');
  await expect(error).toContainText("The seed must be a whole number from 0 to 9007199254740991; got '12abc'.");
});

test('a network failure (by its code) adds the connection and CORS advice', async ({ page }) => {
  // Nothing listens on port 9; no retries, so it fails at once.
  const state = await openAndAutorun(page, { api: 'http://127.0.0.1:9/api/users', retries: 0, seed: 42, as_of: AS_OF });
  expect(state).toBe('failed');
  await expect(page.locator('#error')).toContainText('allows requests from this page (CORS)');
});
