// An upload read by several workers at once (the `workers` setting): the
// report, the CSV, the summary and the table are those of a one-worker run
// (but for metadata.source.workers), Cancel stops every worker, and a file
// with an error names the same place.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { test, expect } from '@playwright/test';
import {
  ROOT, chooseFile, clickAndSettle, download, openMoreSettings, openPage, resetMockAroundEach, tableNames,
} from './helpers.mjs';

const AS_OF = '2026-11-24';
const SCRATCH = `${ROOT}e2e/artifacts/workers/`;

resetMockAroundEach(test);

/** A deterministic stream of numbers (SplitMix-like), so every run makes the same files. */
function numbers(seed) {
  let state = BigInt(seed);
  return (below) => {
    state = (state + 0x9E3779B97F4A7C15n) & 0xFFFFFFFFFFFFFFFFn;
    let z = state;
    z = ((z ^ (z >> 30n)) * 0xBF58476D1CE4E5B9n) & 0xFFFFFFFFFFFFFFFFn;
    z = ((z ^ (z >> 27n)) * 0x94D049BB133111EBn) & 0xFFFFFFFFFFFFFFFFn;
    return Number((z ^ (z >> 31n)) % BigInt(below));
  };
}

const FIRST = ['Ann', 'Bob', 'Émile', 'Zoë', 'li', '', 'Ola "Q"'];
const LAST = ['Lee', 'García', 'Nováková', 'Smith, Jr.', 'Ng'];

/**
 * Customer records with what a real export has: duplicate ids (a better
 * record later), missing and bad fields, a record without an id.
 */
function records(count, seed) {
  const next = numbers(seed);
  return Array.from({ length: count }, (_, n) => {
    const record = { id: next(20) === 0 ? null : 1 + next(Math.floor(count * 0.9)) };
    record.first_name = FIRST[next(FIRST.length)];
    record.last_name = LAST[next(LAST.length)];
    if (next(5) > 0) record.email = next(9) === 0 ? 'not-an-address' : `user${n}@Example${next(30)}.com`;
    if (next(3) > 0) record.avatar = `https://reqres.in/img/faces/${next(12)}-image.jpg`;
    if (next(2) === 0) record.last_login = next(10) === 0 ? '2026-13-40' : `2026-${String(1 + next(11)).padStart(2, '0')}-0${1 + next(9)}T10:00:00Z`;
    if (next(2) === 0) record.engagement_score = next(12) === 0 ? 140 : next(101);
    return record;
  });
}

const jsonArray = (list) => `[\n${list.map((r, n) => (n % 97 === 5 ? '7' : JSON.stringify(r))).join(',\n')}\n]\n`;
const ndjson = (list) => list.map((r, n) => JSON.stringify(r) + (n % 50 === 0 ? '\r\n\n' : '\n')).join('');
const CSV_COLUMNS = ['id', 'first_name', 'last_name', 'email', 'avatar', 'last_login', 'engagement_score'];
function csvCell(value) {
  if (value === undefined || value === null) return '';
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
function csv(list) {
  const rows = list.map((r, n) => CSV_COLUMNS.map((key) => csvCell(
    // Now and then a quoted cell with line breaks in it.
    key === 'last_name' && n % 40 === 3 ? `${r.last_name}\nsecond line, "quoted"\n` : r[key],
  )).join(','));
  return `${CSV_COLUMNS.join(',')}\n${rows.join('\n')}\n`;
}

async function scratchFile(name, text) {
  await mkdir(SCRATCH, { recursive: true });
  const path = `${SCRATCH}${name}`;
  await writeFile(path, text);
  return path;
}

/** A report's text with the one value that may differ between runs (and worker counts) made equal. */
function normalised(text) {
  return text
    .replace(/"export_timestamp": "[^"]*"/, '"export_timestamp": "T"')
    .replace(/"workers": \d+/, '"workers": 1');
}

/** Runs the page on `path` with `workers` and returns what a user gets out of it. */
async function runWith(page, path, workers) {
  await openPage(page, { seed: 42, as_of: AS_OF, workers });
  await chooseFile(page, path);
  expect(await clickAndSettle(page, page.locator('#run'), { timeout: 60_000 })).toBe('done');
  const kinds = await page.locator('#log li').evaluateAll((items) => items.map((item) => item.dataset.kind));
  const report = await download(page, 'download-json');
  const customers = await download(page, 'download-csv');
  const summary = await download(page, 'download-summary');
  return {
    report: report.text,
    csv: customers.text,
    summary: summary.text,
    workers: JSON.parse(report.text).metadata.source.workers,
    names: await tableNames(page).allTextContents(),
    // Every tile but the run time.
    counts: await page.locator('#counts [data-count]:not([data-count="timing"])').allInnerTexts(),
    rejected: await page.locator('#rejected-list').innerText(),
    duplicates: await page.locator('#duplicates-list').innerText(),
    kinds,
  };
}

test('an upload read by 2 or 3 workers gives the one-worker report, CSV, summary and table', async ({ page }) => {
  test.setTimeout(180_000);
  const list = records(3000, 22);
  const files = [
    ['customers.json', jsonArray(list)],
    ['customers.ndjson', ndjson(list)],
    ['customers.csv', csv(list)],
  ];
  for (const [name, text] of files) {
    await test.step(name, async () => {
      // Large enough for three parts of at least 64 KiB.
      expect(text.length).toBeGreaterThan(3 * 64 * 1024);
      const path = await scratchFile(name, text);
      const one = await runWith(page, path, 1);
      expect(one.workers).toBe(1);
      expect(one.kinds).toEqual(['upload_started', 'upload_read', 'report_built']);
      for (const workers of [2, 3]) {
        const many = await runWith(page, path, workers);
        // Read in that many parts, not in one piece.
        expect(many.workers).toBe(workers);
        expect(many.kinds).toEqual(['upload_started', 'upload_read', 'report_built']);
        await expect(page.locator('#log li').first()).toContainText(`in ${workers} parts`);
        expect(normalised(many.report)).toBe(normalised(one.report));
        expect(many.csv).toBe(one.csv);
        expect(normalised(many.summary)).toBe(normalised(one.summary));
        expect(many.names).toEqual(one.names);
        expect(many.counts).toEqual(one.counts);
        expect(many.rejected).toBe(one.rejected);
        expect(many.duplicates).toBe(one.duplicates);
      }
    });
  }
});

test('the workers setting: in More settings for a file, the device\'s cores by default, checked by the core', async ({ page }) => {
  await openPage(page, { seed: 42, as_of: AS_OF });
  await page.locator('#source-file').check();
  await openMoreSettings(page);
  const input = page.locator('#workers');
  await expect(input).toBeVisible();
  const cores = await page.evaluate(() => Math.min(navigator.hardwareConcurrency || 1, 8));
  await expect(input).toHaveAttribute('placeholder', String(cores));
  await expect(input).toHaveAttribute('min', '1');
  await expect(input).toHaveAttribute('max', '16');
  await expect(page.locator('#workers-help')).toContainText('1 to 16');
  await page.locator('#source-api').check();
  await expect(input).toBeHidden();

  // A refused value is named like every setting.
  await openPage(page, { seed: 42, as_of: AS_OF, workers: 17 });
  await chooseFile(page, `${ROOT}tests/fixtures/reqres_users.json`);
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('failed');
  await expect(page.locator('#error')).toContainText('Workers must be a whole number from 1 to 16');
  await expect(page.locator('#workers')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('#more-settings')).toHaveAttribute('open', '');
});

test('a file with an error names the same place with 1 or 3 workers', async ({ page }) => {
  const list = records(3000, 5);
  const lines = jsonArray(list).split('\n');
  // A trailing comma inside a record late in the file.
  const at = Math.floor(lines.length * 0.8);
  lines[at] = lines[at].replace('}', ',}');
  const path = await scratchFile('broken.json', lines.join('\n'));
  const errors = [];
  for (const workers of [1, 3]) {
    await openPage(page, { seed: 42, as_of: AS_OF, workers });
    await chooseFile(page, path);
    expect(await clickAndSettle(page, page.locator('#run'), { timeout: 60_000 })).toBe('failed');
    errors.push(await page.locator('#error').innerText());
    const kinds = await page.locator('#log li').evaluateAll((items) => items.map((item) => item.dataset.kind));
    expect(kinds).toEqual(workers === 1 ? ['upload_started', 'upload_failed']
      : ['upload_started', 'read_in_one_piece', 'upload_started', 'upload_failed']);
  }
  expect(errors[0]).toContain(`line ${at + 1}`);
  expect(errors[1]).toBe(errors[0]);
});

test('Cancel stops every worker of an upload in parts within 0.2 s', async ({ page }) => {
  test.setTimeout(120_000);
  // About 1.5 s of work on this machine: long enough to cancel midway.
  const list = records(20_000, 9);
  const chunk = ndjson(list);
  const path = await scratchFile('large.ndjson', chunk.repeat(30));
  const watch = (worker) => {
    const entry = { url: worker.url(), closed: null };
    worker.on('close', () => { entry.closed = Date.now(); });
    return entry;
  };
  const workers = [];
  page.on('worker', (worker) => workers.push(watch(worker)));
  await openPage(page, { seed: 42, as_of: AS_OF, workers: 3 });
  // The page's worker now, which runs the upload.
  const main = page.workers().filter((worker) => worker.url().endsWith('/worker.js')).map(watch);
  expect(main).toHaveLength(1);
  await chooseFile(page, path);
  const parts = () => workers.filter((entry) => entry.url.endsWith('/part-worker.js'));
  await page.locator('#run').click();
  await expect.poll(() => parts().length, { timeout: 10_000 }).toBe(2);
  await expect.poll(() => page.evaluate(() => Number(document.getElementById('progress')?.value ?? 0)), { timeout: 10_000 })
    .toBeGreaterThan(0);
  expect([...parts(), ...main].every((entry) => entry.closed === null)).toBe(true);
  // Timed from the click in the page (the same clock as this process's).
  await page.evaluate(() => {
    document.getElementById('cancel').addEventListener('click', () => { window.__cancelledAt = Date.now(); }, { capture: true });
  });
  await page.locator('#cancel').click();
  await expect(page.locator('#run-status')).toHaveAttribute('data-state', 'idle');
  const stopping = [...parts(), ...main];
  await expect.poll(() => stopping.every((entry) => entry.closed !== null), { timeout: 5_000 }).toBe(true);
  const clicked = await page.evaluate(() => window.__cancelledAt);
  const stopped = Math.max(...stopping.map((entry) => entry.closed)) - clicked;
  console.log(`the upload's ${stopping.length} workers ended ${stopped} ms after Cancel`);
  expect(stopped).toBeLessThanOrEqual(200);
  // The page works again: a small file, one worker.
  await chooseFile(page, `${ROOT}tests/fixtures/reqres_users.json`);
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');
  const sample = await readFile(`${ROOT}sample_output.json`, 'utf8');
  expect(normalised((await download(page, 'download-json')).text)).toBe(normalised(sample));
});
