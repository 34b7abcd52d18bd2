// The ideal split on this machine: how much faster 2 workers can read an
// upload than 1 when nothing is merged and no page is drawn, in headless
// Chromium (the page's own upload module, www/pkg, so run scripts/build.sh
// first). An upper bound for `make bench-page`'s workers=2 ratio; see
// BENCHMARKS.md, "The ideal split".
//
// node bench/ideal-split.mjs FILE.csv|FILE.ndjson [ROUNDS]
import { cpSync, mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { chromium } from 'playwright-core';
import { startMock } from './mock.mjs';

const [file, roundsText = '7'] = process.argv.slice(2);
const rounds = Number(roundsText);
const www = 'target/bench/ideal-split';
mkdirSync(www, { recursive: true });
cpSync('bench/ideal-split', www, { recursive: true });
cpSync('www/pkg', `${www}/pkg`, { recursive: true });

const { origin, stop } = await startMock(['--www', www]);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
const times = { 1: [], 2: [] };
try {
  for (let round = 0; round <= rounds; round += 1) {
    // Interleaved, the order alternating; round 0 warms up.
    for (const workers of round % 2 ? [1, 2] : [2, 1]) {
      const page = await browser.newPage();
      await page.goto(`${origin}/index.html`);
      await page.waitForFunction(() => window.ready);
      await page.setInputFiles('#f', file);
      const result = await page.evaluate((n) => window.run(n), workers);
      if (round > 0) times[workers].push(result.ms);
      console.log(JSON.stringify({ round, workers, ...result }));
      await page.close();
    }
  }
} finally {
  await browser.close();
  await stop();
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log(`${file}: median 1 worker ${median(times[1]).toFixed(0)} ms, 2 workers ${median(times[2]).toFixed(0)} ms, `
  + `ratio ${(median(times[2]) / median(times[1])).toFixed(2)}; load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
