// Processing benchmark: the WebAssembly core in headless Chromium against the
// plain-JavaScript reference (bench/web/reference.js) and the same core run
// natively (target/release/time-native), on generated inputs of 10k, 100k
// and 1M records as a JSON array and as NDJSON.
//
//   node bench/browser.mjs            (after scripts/bench.sh has built everything)
//   BENCH_SIZES=10000 node bench/browser.mjs
//   BENCH_RUNS=7 node bench/browser.mjs
//
// Each case runs in a fresh page (so wasm memory, whose size only grows, is
// the peak of that case alone, and a crash of one case loses nothing else):
// one page for the wasm measurements, one for the JS reference (which also
// checks, up to 10k records, that both give the same customers).
// Prints a table per case and a summary, and writes target/bench/results.json.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, copyFileSync, cpSync, symlinkSync, statSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { startMock } from './mock.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const TARGET = join(ROOT, 'target');
const DATA = join(TARGET, 'bench', 'data');
const WEB = join(TARGET, 'bench', 'web');
const RESULTS = join(TARGET, 'bench', 'results.json');
const SIZES = (process.env.BENCH_SIZES ?? '10000,100000,1000000')
  .split(',').map((s) => Number(s.trim())).filter((n) => Number.isInteger(n) && n > 0);
const RUNS = Math.max(5, Number(process.env.BENCH_RUNS ?? 5) || 5);
const FORMATS = ['json', 'ndjson'];
const CHECK_UP_TO = 10000;
const CASE_TIMEOUT_MS = 10 * 60 * 1000;
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
  // The JS reference holds a million parsed records and their customers.
  '--js-flags=--max-old-space-size=4096'];

const bin = (name) => join(TARGET, 'release', name);
const dataFile = (size, format) => join(DATA, `customers-${size}.${format}`);

function requireBuilt() {
  const missing = ['gen-customers', 'time-native', 'mock-api'].filter((name) => !existsSync(bin(name)));
  if (!existsSync(join(ROOT, 'www', 'pkg', 'customer_pipeline_bg.wasm'))) missing.push('www/pkg');
  if (missing.length) {
    throw new Error(`not built: ${missing.join(', ')}. Run scripts/bench.sh (or scripts/build.sh and `
      + '`cargo build --release -p mock-api -p customer-bench`).');
  }
}

function generateInputs() {
  mkdirSync(DATA, { recursive: true });
  for (const size of SIZES) {
    for (const format of FORMATS) {
      const file = dataFile(size, format);
      if (existsSync(file)) continue;
      console.log(`generating ${file}`);
      const args = [String(size), file, '--seed', '1'];
      if (format === 'ndjson') args.push('--ndjson');
      execFileSync(bin('gen-customers'), args, { stdio: 'inherit' });
    }
  }
}

/** target/bench/web: the page, a copy of the built module (frozen for this run), the data. */
function assemblePage() {
  rmSync(WEB, { recursive: true, force: true });
  mkdirSync(WEB, { recursive: true });
  for (const file of ['bench.html', 'bench.js', 'reference.js']) {
    copyFileSync(join(ROOT, 'bench', 'web', file), join(WEB, file));
  }
  cpSync(join(ROOT, 'www', 'pkg'), join(WEB, 'pkg'), { recursive: true });
  symlinkSync(DATA, join(WEB, 'data'));
}


/** Runs runBenchmark in a fresh page; a crashed or hung page becomes an error. */
async function inFreshPage(browser, origin, options) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') console.error(`[page] ${message.text()}`);
  });
  let timer;
  try {
    await page.goto(`${origin}/bench.html`);
    await page.waitForFunction(() => document.getElementById('status').dataset.state === 'ready', null, { timeout: 60_000 });
    const crashed = new Promise((_, reject) => {
      page.on('crash', () => reject(new Error('the page crashed (renderer out of memory)')));
      timer = setTimeout(() => reject(new Error(`no result after ${CASE_TIMEOUT_MS / 60000} minutes`)), CASE_TIMEOUT_MS);
    });
    const result = await Promise.race([page.evaluate((o) => window.runBenchmark(o), options), crashed]);
    return result;
  } finally {
    clearTimeout(timer);
    await context.close().catch(() => {});
  }
}

function crashFailure(error) {
  const message = String(error?.message ?? error);
  return { error: message, out_of_memory: /crash|memory/i.test(message) };
}

async function measureBrowser(browser, origin) {
  const cases = [];
  let userAgent = '';
  for (const size of SIZES) {
    for (const format of FORMATS) {
      const entry = { size, format, input_bytes: statSync(dataFile(size, format)).size };
      const common = { sizes: [size], formats: [format], runs: RUNS };
      process.stdout.write(`browser: ${size} ${format} wasm… `);
      try {
        const run = await inFreshPage(browser, origin, { ...common, engines: ['wasm'], checkUpTo: 0 });
        userAgent = run.user_agent;
        Object.assign(entry, run.results[0]);
      } catch (error) {
        entry.wasm = crashFailure(error);
      }
      process.stdout.write(`${entry.wasm.end_to_end_ms ?? entry.wasm.error} ms; js… `);
      try {
        const run = await inFreshPage(browser, origin, { ...common, engines: ['js'], checkUpTo: CHECK_UP_TO });
        userAgent = run.user_agent;
        entry.js = run.results[0].js;
        if (run.results[0].check) entry.check = run.results[0].check;
      } catch (error) {
        entry.js = crashFailure(error);
      }
      console.log(`${entry.js.end_to_end_ms ?? entry.js.error} ms`);
      // Native right after, so that both see the same load on a shared machine.
      try {
        entry.native = measureNative(entry);
      } catch (error) {
        entry.native = { error: String(error?.message ?? error) };
      }
      entry.load_average = loadavg()[0];
      cases.push(entry);
    }
  }
  return { userAgent, cases };
}

function measureNative(entry) {
  process.stdout.write(`native: ${entry.size} ${entry.format}… `);
  const out = execFileSync(bin('time-native'), [dataFile(entry.size, entry.format), String(RUNS)], { encoding: 'utf8' });
  const native = JSON.parse(out);
  console.log(`${native.end_to_end_ms} ms (load average ${f2(loadavg()[0])})`);
  return native;
}

function wasmSize() {
  const wasm = readFileSync(join(WEB, 'pkg', 'customer_pipeline_bg.wasm'));
  return {
    raw_bytes: wasm.length,
    gzip_bytes: gzipSync(wasm, { level: 9 }).length,
    sha256: createHash('sha256').update(wasm).digest('hex'),
  };
}

/** The commit measured, and whether the tree had changes (read-only git). */
function revision() {
  try {
    const git = (...args) => execFileSync('git', ['-C', ROOT, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return { commit: git('rev-parse', 'HEAD'), changed_files: git('status', '--porcelain', '--untracked-files=no').split('\n').filter(Boolean) };
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------
// Reporting. MB = 10^6 bytes, KB = 1000 bytes.

const n0 = (x) => Math.round(x).toLocaleString('en-US');
const f1 = (x) => x.toFixed(1);
const f2 = (x) => x.toFixed(2);
const mb = (bytes) => bytes / 1e6;
const failed = (m) => (m?.out_of_memory ? 'out of memory' : `failed: ${m?.error ?? 'not run'}`);
const ok = (m) => m && typeof m.end_to_end_ms === 'number';

function derive(entry) {
  const { size, input_bytes: bytes, wasm, js, native } = entry;
  const rate = (m) => (ok(m) ? { records_per_s: size / (m.end_to_end_ms / 1000), mb_per_s: mb(bytes) / (m.end_to_end_ms / 1000) } : null);
  return {
    wasm: rate(wasm),
    js: rate(js),
    native: rate(native),
    wasm_speedup_vs_js: ok(wasm) && ok(js) ? js.end_to_end_ms / wasm.end_to_end_ms : null,
    wasm_over_native: ok(wasm) && ok(native) ? wasm.end_to_end_ms / native.end_to_end_ms : null,
    peak_memory_over_input: entry.memory ? entry.memory.peak_bytes / bytes : null,
  };
}

function caseTable(entry) {
  const d = entry.derived;
  const label = entry.format === 'json' ? 'JSON array' : 'NDJSON';
  const lines = [`### ${n0(entry.size)} records, ${label} (${f1(mb(entry.input_bytes))} MB)`, '',
    '| engine | median ms | records/s | MB/s |', '| --- | ---: | ---: | ---: |'];
  for (const [name, m, r] of [['wasm (Chromium)', entry.wasm, d.wasm], ['JS reference (Chromium)', entry.js, d.js], ['native', entry.native, d.native]]) {
    lines.push(ok(m) ? `| ${name} | ${f1(m.end_to_end_ms)} | ${n0(r.records_per_s)} | ${f1(r.mb_per_s)} |` : `| ${name} | ${failed(m)} | | |`);
  }
  lines.push('');
  lines.push(`- wasm/JS speed: ${d.wasm_speedup_vs_js ? `${f2(d.wasm_speedup_vs_js)}× faster` : 'n/a'}; wasm/native time: ${d.wasm_over_native ? `${f2(d.wasm_over_native)}×` : 'n/a'}`);
  if (entry.stages) {
    const s = entry.stages;
    const nat = entry.native;
    lines.push(`- wasm stages: ingest ${f1(s.ingest_ms)} ms, build ${f1(s.build_ms)} ms, serialize ${f1(s.serialize_ms)} ms`
      + (ok(nat) ? ` (native: ${f1(nat.ingest_ms)}, ${f1(nat.build_ms)}, ${f1(nat.serialize_ms)} ms)` : ''));
  }
  if (entry.memory) {
    lines.push(`- peak wasm memory: ${f1(mb(entry.memory.peak_bytes))} MB = ${f2(d.peak_memory_over_input)}× the input`);
  }
  if (entry.load_average !== undefined) lines.push(`- 1-minute load average after the case: ${f2(entry.load_average)} (2 CPUs)`);
  if (entry.check) {
    lines.push(entry.check.equal
      ? `- check: wasm and JS customers equal (${n0(entry.check.customers)}); report bytes identical: ${entry.check.identical_report_bytes}`
      : `- check: **MISMATCH** ${JSON.stringify(entry.check.first_difference ?? entry.check.error)}`);
  }
  return lines.join('\n');
}

function summaryTable(cases) {
  const lines = [
    '| records | format | input MB | wasm ms | wasm MB/s | wasm records/s | JS ms | JS MB/s | wasm vs JS | native ms | wasm / native | ingest / build / serialize ms (wasm) | peak wasm MB | peak / input |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |',
  ];
  for (const e of cases) {
    const d = e.derived;
    const cell = (m, fmt) => (ok(m) ? fmt(m) : failed(m));
    lines.push(`| ${n0(e.size)} | ${e.format === 'json' ? 'JSON array' : 'NDJSON'} | ${f1(mb(e.input_bytes))}`
      + ` | ${cell(e.wasm, (m) => n0(m.end_to_end_ms))} | ${d.wasm ? n0(d.wasm.mb_per_s) : ''} | ${d.wasm ? n0(d.wasm.records_per_s) : ''}`
      + ` | ${cell(e.js, (m) => n0(m.end_to_end_ms))} | ${d.js ? n0(d.js.mb_per_s) : ''}`
      + ` | ${d.wasm_speedup_vs_js ? `${f2(d.wasm_speedup_vs_js)}× faster` : 'n/a'}`
      + ` | ${cell(e.native, (m) => n0(m.end_to_end_ms))} | ${d.wasm_over_native ? `${f2(d.wasm_over_native)}×` : 'n/a'}`
      + ` | ${e.stages ? `${n0(e.stages.ingest_ms)} / ${n0(e.stages.build_ms)} / ${n0(e.stages.serialize_ms)}` : 'n/a'}`
      + ` | ${e.memory ? n0(mb(e.memory.peak_bytes)) : 'n/a'} | ${d.peak_memory_over_input ? `${f2(d.peak_memory_over_input)}×` : 'n/a'} |`);
  }
  return lines.join('\n');
}

function targets(cases, size) {
  const largest = Math.max(...cases.map((c) => c.size));
  const json = cases.find((c) => c.size === largest && c.format === 'json');
  const verdict = (met) => (met ? 'met' : 'missed');
  const out = [];
  const scope = `${n0(largest)} records, JSON array`;
  if (largest < 1e6) {
    out.push(`- end to end in the browser ≤ 0.8 s for 1M records (≥ 240 MB/s): not measured (largest size ${n0(largest)})`);
  } else if (json && ok(json.wasm)) {
    const seconds = json.wasm.end_to_end_ms / 1000;
    out.push(`- end to end in the browser ≤ 0.8 s for 1M records (≥ 240 MB/s): ${verdict(seconds <= 0.8)}, `
      + `${f2(seconds)} s, ${n0(json.derived.wasm.mb_per_s)} MB/s (${scope})`);
  } else {
    out.push(`- end to end ≤ 0.8 s for 1M records: not measured (${json ? failed(json.wasm) : 'no JSON case'})`);
  }
  const speedups = cases.filter((c) => c.derived.wasm_speedup_vs_js).map((c) => c.derived.wasm_speedup_vs_js);
  if (speedups.length) {
    const worst = Math.min(...speedups);
    out.push(`- ≥ 1.5× faster than the JS reference: ${verdict(worst >= 1.5)}, ${f2(worst)}× to ${f2(Math.max(...speedups))}× across the cases`);
  }
  const overNative = cases.filter((c) => c.derived.wasm_over_native).map((c) => c.derived.wasm_over_native);
  if (overNative.length) {
    const worst = Math.max(...overNative);
    out.push(`- ≤ 1.8× slower than native: ${verdict(worst <= 1.8)}, ${f2(Math.min(...overNative))}× to ${f2(worst)}× across the cases`);
  }
  if (json?.derived.peak_memory_over_input) {
    const r = json.derived.peak_memory_over_input;
    out.push(`- peak wasm memory ≤ 2× the input (JSON array): ${verdict(r <= 2)}, ${f2(r)}× (${n0(mb(json.memory.peak_bytes))} MB for ${f1(mb(json.input_bytes))} MB, ${scope})`);
  }
  out.push(`- .wasm ≤ 250 KB raw and ≤ 100 KB gzipped: ${verdict(size.raw_bytes <= 250_000 && size.gzip_bytes <= 100_000)}, `
    + `${f1(size.raw_bytes / 1000)} KB raw, ${f1(size.gzip_bytes / 1000)} KB gzipped (gzip -9)`);
  return out.join('\n');
}

// ---------------------------------------------------------------------------

const started = Date.now();
const loadBefore = loadavg();
requireBuilt();
generateInputs();
assemblePage();
const measuredRevision = revision();
const { origin, kill: stopServer } = await startMock(['--www', WEB]);
process.on('exit', stopServer);
let browserRun;
let browserVersion;
try {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    browserVersion = browser.version();
    browserRun = await measureBrowser(browser, origin);
  } finally {
    await browser.close();
  }
} finally {
  stopServer();
}

const cases = browserRun.cases;
for (const entry of cases) entry.derived = derive(entry);
const size = wasmSize();
const results = {
  date: new Date().toISOString(),
  revision: measuredRevision,
  chromium: browserVersion,
  user_agent: browserRun.userAgent,
  cpus: cpus().map((c) => c.model).filter((m, i, all) => all.indexOf(m) === i),
  runs: RUNS,
  // The machine is shared; its 1-minute load average before and after.
  load_average: { before: loadBefore[0], after: loadavg()[0] },
  wasm_size: size,
  cases,
  duration_s: Math.round((Date.now() - started) / 1000),
};
writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);

console.log(`\nChromium ${browserVersion}, median of ${RUNS} runs after a warm-up; MB = 10^6 bytes;`
  + ` load average ${f2(results.load_average.before)} before, ${f2(results.load_average.after)} after\n`);
for (const entry of cases) console.log(`${caseTable(entry)}\n`);
console.log('### Summary\n');
console.log(summaryTable(cases));
console.log(`\n.wasm: ${n0(size.raw_bytes)} bytes raw, ${n0(size.gzip_bytes)} bytes gzipped (level 9)\n`);
console.log('### Targets\n');
console.log(targets(cases, size));
console.log(`\nResults: ${RESULTS} (${results.duration_s} s)`);

const mismatches = cases.filter((c) => c.check && !c.check.equal);
if (mismatches.length) {
  console.error(`\n*** MISMATCH: the JS reference and the wasm core disagree on ${mismatches.map((c) => c.file ?? `${c.size}.${c.format}`).join(', ')}; see the check lines above ***`);
  process.exitCode = 1;
}
