// Page benchmark: uploads large generated files through the real page (the
// worker, streamed reading, the part workers, the table) in headless
// Chromium and reports Run → done at workers=1 and workers=2 (interleaved:
// file by file, one worker count then the other, round after round), the
// longest main-thread task (PerformanceObserver 'longtask'), the peak
// memory of the page's renderer process (its resident set, sampled), the
// CPU time Chromium's processes used during the run (renderer and rest), the
// machine's load, and how fast Cancel stops a run. Files come from
// target/bench/data (made here with gen-customers when missing).
//
// PAGE_BENCH_FILES=customers-100000.json,... picks other files;
// PAGE_BENCH_ROUNDS (default 3) the rounds; PAGE_BENCH_WORKERS (default 1,2)
// the worker counts; PAGE_BENCH_WWW (default www) the pages' folders, more
// than one to compare builds (say, another checkout's www with its pkg)
// interleaved under the same load; PAGE_BENCH_CANCEL=0 skips the Cancel run.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { chromium } from 'playwright-core';
import { startMock } from './mock.mjs';

const DATA = 'target/bench/data';
const FILES = (process.env.PAGE_BENCH_FILES
  ?? 'customers-1000000.json,customers-1000000.csv,customers-3000000.ndjson').split(',');
const ROUNDS = Number(process.env.PAGE_BENCH_ROUNDS ?? 3);
const WORKERS = (process.env.PAGE_BENCH_WORKERS ?? '1,2').split(',').map(Number);
const BUILDS = (process.env.PAGE_BENCH_WWW ?? 'www').split(',');

function ensure(file) {
  const path = `${DATA}/${file}`;
  if (!existsSync(path)) {
    mkdirSync(DATA, { recursive: true });
    const [, count, format] = /customers-(\d+)\.(json|ndjson|csv)/.exec(file);
    const args = [count, path, ...(format === 'json' ? [] : [`--${format}`])];
    execFileSync('target/release/gen-customers', args, { stdio: 'inherit' });
  }
  return path;
}

/** Calls `each(pid, command)` for every Chromium process running now. */
function forChromium(each) {
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (command.includes('chrom')) each(pid, command);
    } catch {
      // A process that ended meanwhile.
    }
  }
}

/** The resident set of the browser's renderer processes, in bytes (the page and its workers live there). */
function rendererBytes() {
  let total = 0;
  forChromium((pid, command) => {
    if (!command.includes('--type=renderer')) return;
    const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (rss) total += Number(rss[1]) * 1024;
  });
  return total;
}

/**
 * CPU time used so far by Chromium's processes, in seconds: the renderers
 * (the page, its worker and the part workers are threads of one) and the
 * rest (the browser process, which reads the file's blob for the page,
 * and its helpers). On a machine with N cores a run cannot take less wall
 * time than all of it divided by N: what limits `workers=2` on 2 cores.
 */
function chromiumCpu() {
  const ticks = 100; // USER_HZ on Linux
  const cpu = { renderer: 0, rest: 0 };
  forChromium((pid, command) => {
    // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    cpu[command.includes('--type=renderer') ? 'renderer' : 'rest'] += (Number(fields[11]) + Number(fields[12])) / ticks;
  });
  return cpu;
}

/** Samples rendererBytes() every 20 ms until stopped; resolves to the peak. */
function samplePeak() {
  let peak = rendererBytes();
  const timer = setInterval(() => { peak = Math.max(peak, rendererBytes()); }, 20);
  return () => {
    clearInterval(timer);
    return Math.max(peak, rendererBytes());
  };
}

async function openPage(browser, origin, workers) {
  const page = await browser.newPage();
  await page.addInitScript(() => {
    window.__longtasks = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.__longtasks.push(entry.duration);
    }).observe({ type: 'longtask', buffered: true });
  });
  await page.goto(`${origin}/?seed=1&as_of=2026-11-24&workers=${workers}`);
  await page.waitForFunction(() => document.getElementById('run-status').dataset.state === 'idle');
  return page;
}

const finished = () => ['done', 'partial', 'failed'].includes(document.getElementById('run-status').dataset.state);
const load = () => loadavg().map((n) => n.toFixed(2)).join(' ');
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
};
const mb = (bytes) => (bytes / 1e6).toFixed(0);

const mocks = await Promise.all(BUILDS.map((www) => startMock(['--www', www])));
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const runs = [];
console.log(`load average (1, 5, 15 min) at the start: ${load()}`);
try {
  const paths = Object.fromEntries(FILES.map((file) => [file, ensure(file)]));
  for (let round = 1; round <= ROUNDS; round++) {
    for (const file of FILES) {
      for (const [at, build] of BUILDS.entries()) for (const workers of WORKERS) {
        const page = await openPage(browser, mocks[at].origin, workers);
        await page.setInputFiles('#file-input', paths[file]);
        await page.evaluate(() => { window.__longtasks = []; });
        const before = rendererBytes();
        const cpuBefore = chromiumCpu();
        const peak = samplePeak();
        const started = Date.now();
        await page.click('#run');
        await page.waitForFunction(finished, null, { timeout: 900_000, polling: 50 });
        const seconds = (Date.now() - started) / 1000;
        const top = peak();
        const cpuAfter = chromiumCpu();
        const state = await page.$eval('#run-status', (e) => `${e.dataset.state}: ${e.textContent}`);
        const tasks = await page.evaluate(() => window.__longtasks);
        const run = {
          round, file, build, workers, mb: mb(statSync(paths[file]).size), seconds, state,
          longest_main_task_ms: Math.round(Math.max(0, ...tasks)), long_tasks: tasks.length,
          renderer_mb_before: mb(before), renderer_peak_mb: mb(top), load: load(),
          cpu_renderer_s: +(cpuAfter.renderer - cpuBefore.renderer).toFixed(2), cpu_rest_s: +(cpuAfter.rest - cpuBefore.rest).toFixed(2),
        };
        runs.push(run);
        console.log(JSON.stringify(run));
        await page.close();
      }
    }
  }
  const rows = [];
  for (const file of FILES) for (const build of BUILDS) {
    const base = median(runs.filter((r) => r.file === file && r.build === build && r.workers === WORKERS[0]).map((r) => r.seconds));
    for (const workers of WORKERS) {
      const mine = runs.filter((r) => r.file === file && r.build === build && r.workers === workers);
      const time = median(mine.map((r) => r.seconds));
      rows.push({
        file, ...(BUILDS.length > 1 ? { build } : {}), mb: mine[0].mb, workers,
        'run → done, median s': time.toFixed(2),
        'all runs, s': mine.map((r) => r.seconds.toFixed(2)).join(' '),
        [`× workers=${WORKERS[0]}`]: (time / base).toFixed(2),
        'renderer peak MB (max)': Math.max(...mine.map((r) => Number(r.renderer_peak_mb))),
        'longest main task ms (max)': Math.max(...mine.map((r) => r.longest_main_task_ms)),
        'CPU s, renderer + rest (median)': `${median(mine.map((r) => r.cpu_renderer_s)).toFixed(2)} + ${median(mine.map((r) => r.cpu_rest_s)).toFixed(2)}`,
      });
    }
  }
  console.table(rows);

  if (process.env.PAGE_BENCH_CANCEL !== '0') {
    // Cancel while a large file is being processed, with the most workers.
    const workers = Math.max(...WORKERS);
    const page = await openPage(browser, mocks[0].origin, workers);
    await page.setInputFiles('#file-input', paths[FILES[0]]);
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
    console.table([{ file: `cancel during ${FILES[0]}, workers=${workers}`, seconds: running ? ((Date.now() - clicked) / 1000).toFixed(2) : 'n/a',
      state: running ? await page.$eval('#run-status', (e) => `${e.dataset.state}: ${e.textContent}`) : 'the run ended before Cancel (0.7 s)' }]);
    await page.close();
  }
} finally {
  console.log(`load average (1, 5, 15 min) at the end: ${load()}`);
  await browser.close();
  await Promise.all(mocks.map((mock) => mock.stop()));
}
