// Fetch benchmark: 100 pages (1,000 records) from the mock API with 50 ms
// latency and 20% injected failures, through the real page in headless
// Chromium, at concurrency 1 and 4. Reports wall time against the lower
// bound that the injected faults and the retry policy allow.
//
// Lower bound per run: page 1 must finish before the others are known; a
// page's attempts and backoff waits happen one after another; and at most
// `concurrency` requests are in flight (a page waiting out a backoff holds no
// slot), so
//   bound = chain(1) + max(longest chain of the other pages,
//                          their attempts x latency / concurrency)
// where chain(p) = attempts(p) x latency + the policy's waits for its failures.
//
// Then paced runs: the same 100 pages, no injected failures, at concurrency
// 4, against an API that announces its budget and answers 429 past it (the
// mock's `budget` and `rate`): BUDGET requests a second in X-RateLimit-*,
// IETF RateLimit or HubSpot's secondly headers (lower bound pages / budget),
// and Shopify's leaky bucket of BUCKET calls draining 2 a second (lower
// bound (pages - bucket) / 2 s).
import { readFile } from 'node:fs/promises';
import { chromium } from 'playwright-core';
import { startMock } from './mock.mjs';

const LATENCY_MS = 50;
const PAGES = 100;
const PER_PAGE = 10;
const BACKOFF_MS = [1000, 2000, 4000];
const BUDGET = 10;
const BUCKET = 40;
const PACED = [
  { rate: 'xrl', budget: BUDGET, bound: (PAGES / BUDGET) * 1000 },
  { rate: 'ietf', budget: BUDGET, bound: (PAGES / BUDGET) * 1000 },
  { rate: 'hubspot', budget: BUDGET, bound: (PAGES / BUDGET) * 1000 },
  { rate: 'shopify', budget: BUCKET, bound: ((PAGES - BUCKET) / (BUCKET / 20)) * 1000 },
];


function lowerBound(log, concurrency) {
  const chains = new Map();
  for (const entry of log) {
    const chain = chains.get(entry.page) ?? { attempts: 0, failures: 0 };
    chain.attempts += 1;
    if (entry.outcome !== 'ok') chain.failures += 1;
    chains.set(entry.page, chain);
  }
  const cost = ({ attempts, failures }) => attempts * LATENCY_MS
    + BACKOFF_MS.slice(0, failures).reduce((a, b) => a + b, 0);
  const first = cost(chains.get(1));
  const others = [...chains.entries()].filter(([page]) => page > 1).map(([, chain]) => chain);
  const requestTime = others.reduce((sum, chain) => sum + chain.attempts * LATENCY_MS, 0);
  return first + Math.max(0, ...others.map(cost), requestTime / concurrency);
}

const { origin, stop } = await startMock(['--www', 'www', '--latency-ms', String(LATENCY_MS),
  '--failure-rate', '0.2', '--users', String(PAGES * PER_PAGE), '--per-page', String(PER_PAGE), '--seed', '7']);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});

/** Runs the page against the mock at `concurrency`; its end state, report metadata and the mock's log. */
async function run(concurrency) {
  await fetch(`${origin}/__admin/reset`, { method: 'POST' });
  const page = await browser.newPage({ acceptDownloads: true });
  const api = encodeURIComponent(`${origin}/api/users`);
  await page.goto(`${origin}/?api=${api}&concurrency=${concurrency}&seed=1&as_of=2026-11-24&autorun=1`);
  await page.waitForFunction(() => ['done', 'partial', 'failed'].includes(document.getElementById('run-status').dataset.state),
    null, { timeout: 300_000 });
  const state = await page.$eval('#run-status', (e) => e.dataset.state);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-summary')]);
  const metadata = JSON.parse(await readFile(await download.path(), 'utf8'));
  const log = await (await fetch(`${origin}/__admin/log`)).json();
  await page.close();
  return { state, metadata, log };
}

const rows = [];
const paced = [];
try {
  for (const concurrency of [1, 4]) {
    const { state, metadata, log } = await run(concurrency);
    const bound = lowerBound(log, concurrency);
    rows.push({
      concurrency, state, customers: metadata.total_customers, requests: metadata.fetch.requests,
      retries: log.length - PAGES, wall_ms: metadata.fetch.fetch_ms, bound_ms: Math.round(bound),
      ratio: (metadata.fetch.fetch_ms / bound).toFixed(2),
    });
  }
  for (const { rate, budget, bound } of PACED) {
    const config = await fetch(`${origin}/__admin/config?failure_rate=0&budget=${budget}&rate=${rate}`, { method: 'POST' });
    if (!config.ok) throw new Error(`mock config: HTTP ${config.status}`);
    const { state, metadata, log } = await run(4);
    paced.push({
      rate, concurrency: 4, budget, state, customers: metadata.total_customers,
      requests: metadata.fetch.requests, http_429: log.filter((e) => e.status === 429).length,
      paced_ms: metadata.fetch.paced_ms ?? 0, wall_ms: metadata.fetch.fetch_ms, bound_ms: bound,
      ratio: (metadata.fetch.fetch_ms / bound).toFixed(2),
    });
  }
} finally {
  await browser.close();
  await stop();
}
console.log(`Fetch benchmark: ${PAGES} pages x ${PER_PAGE} records, ${LATENCY_MS} ms latency, 20% failures (mock seed 7)`);
console.table(rows);
console.log(`Paced: the same pages, no failures, a budget of ${BUDGET} requests a second announced in X-RateLimit-* (xrl), IETF RateLimit (ietf) or HubSpot's secondly headers (hubspot), 429 without Retry-After past it, bound = pages / budget; or Shopify's bucket of ${BUCKET} draining 2 a second (shopify), bound = (pages - bucket) / 2 s`);
console.table(paced);
