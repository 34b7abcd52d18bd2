// Page benchmark: uploads large generated files through the real page (the
// worker, streamed reading, the table) in headless Chromium and reports the
// time to a finished report, the longest main-thread task (PerformanceObserver
// 'longtask'), and how fast Cancel stops a run. Files come from
// target/bench/data (made by bench/browser.mjs or here with gen-customers).
import { execFileSync } from 'node:child_process';
import { existsSync, statSync, mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { startMock } from './mock.mjs';

const DATA = 'target/bench/data';
const FILES = (process.env.PAGE_BENCH_FILES ?? 'customers-1000000.json,customers-1000000.ndjson,customers-3000000.ndjson').split(',');

function ensure(file) {
  const path = `${DATA}/${file}`;
  if (!existsSync(path)) {
    mkdirSync(DATA, { recursive: true });
    const [, count, format] = /customers-(\d+)\.(json|ndjson)/.exec(file);
    const args = [count, path, ...(format === 'ndjson' ? ['--ndjson'] : [])];
    execFileSync('target/release/gen-customers', args, { stdio: 'inherit' });
  }
  return path;
}


async function openPage(browser, origin) {
  const page = await browser.newPage();
  await page.addInitScript(() => {
    window.__longtasks = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.__longtasks.push(entry.duration);
    }).observe({ type: 'longtask', buffered: true });
  });
  await page.goto(`${origin}/?seed=1&as_of=2026-11-24`);
  await page.waitForFunction(() => document.getElementById('run-status').dataset.state === 'idle');
  return page;
}

const finished = () => ['done', 'partial', 'failed'].includes(document.getElementById('run-status').dataset.state);

const { origin, stop } = await startMock(['--www', 'www']);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const rows = [];
try {
  for (const file of FILES) {
    const path = ensure(file);
    const page = await openPage(browser, origin);
    await page.setInputFiles('#file-input', path);
    await page.evaluate(() => { window.__longtasks = []; });
    const started = Date.now();
    await page.click('#run');
    await page.waitForFunction(finished, null, { timeout: 900_000, polling: 200 });
    const seconds = (Date.now() - started) / 1000;
    const state = await page.$eval('#run-status', (e) => `${e.dataset.state}: ${e.textContent}`);
    const tasks = await page.evaluate(() => window.__longtasks);
    rows.push({
      file, mb: (statSync(path).size / 1e6).toFixed(0), seconds: seconds.toFixed(1), state,
      longest_main_task_ms: Math.round(Math.max(0, ...tasks)), long_tasks: tasks.length,
    });
    await page.close();
  }
  // Cancel while a large file is being processed.
  const page = await openPage(browser, origin);
  await page.setInputFiles('#file-input', ensure(FILES[0]));
  await page.click('#run');
  await page.waitForTimeout(700);
  // A small file can be done before Cancel is pressed: say so instead of
  // waiting for a button that stays disabled.
  const running = await page.$eval('#run-status', (e) => e.dataset.state === 'running');
  const clicked = Date.now();
  if (running) {
    await page.click('#cancel');
    await page.waitForFunction(() => document.getElementById('run-status').dataset.state !== 'running', null, { timeout: 60_000 });
  }
  rows.push({ file: `cancel during ${FILES[0]}`, seconds: running ? ((Date.now() - clicked) / 1000).toFixed(2) : 'n/a',
    state: running ? await page.$eval('#run-status', (e) => `${e.dataset.state}: ${e.textContent}`) : 'the run ended before Cancel (0.7 s)' });
  await page.close();
} finally {
  await browser.close();
  await stop();
}
console.table(rows);
