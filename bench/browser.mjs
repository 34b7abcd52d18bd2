// Processing benchmark (`make bench`): the WebAssembly core in headless
// Chromium against the old build (main before the speed work), JSON.parse
// alone, the plain-JavaScript reference (bench/web/reference.js),
// DuckDB-WASM (bench/web/duckdb.js) and the same core run natively
// (target/release/time-native), on generated inputs of 10k, 100k and 1M
// records as a JSON array, as NDJSON and as CSV (the same records; the CSV
// is timed in the JSON array's page and rounds, against ours and DuckDB
// only: the old build, JSON.parse and the JS reference read JSON only).
//
//   scripts/bench.sh                  (builds everything, then runs this)
//   BENCH_SIZES=10000,100000 node bench/browser.mjs
//   BENCH_RUNS=7 node bench/browser.mjs
//   BENCH_MEMORY_SIZES=3000000 node bench/browser.mjs   (NDJSON sizes measured for memory only)
//
// Per input: one page times every contender (all in that page session; the
// fast ones in interleaved rounds), then a fresh page per memory
// measurement (wasm memory only grows, so each peak is that run's alone),
// then the native run. Prints the tables and writes target/bench/results.json
// (and a dated copy, results-<time>.json).
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
const BENCH = join(TARGET, 'bench');
const DATA = join(BENCH, 'data');
const WEB = join(BENCH, 'web');
const RESULTS = join(BENCH, 'results.json');
const NEW_PKG = join(BENCH, 'pkg');
const OLD_PKG = join(BENCH, 'baseline-pkg');
const WASM = 'customer_pipeline_bg.wasm';
const sizesFrom = (text) => text.split(',').map((s) => Number(s.trim())).filter((n) => Number.isInteger(n) && n > 0);
const SIZES = sizesFrom(process.env.BENCH_SIZES ?? '10000,100000,1000000');
// The issue asks for the NDJSON peak at 3M records too, whenever 1M is measured.
const MEMORY_SIZES = sizesFrom(process.env.BENCH_MEMORY_SIZES ?? (SIZES.includes(1_000_000) ? '3000000' : ''))
  .filter((n) => !SIZES.includes(n));
const RUNS = Math.max(5, Number(process.env.BENCH_RUNS ?? 5) || 5);
// BENCH_ENGINES=new,old times only those (say, an A/B of two builds with
// more runs); the default is every contender.
const ENGINES = process.env.BENCH_ENGINES ? process.env.BENCH_ENGINES.split(',').map((s) => s.trim()) : null;
// Each timed in a page of its own; the CSV rides along in the JSON array's.
const FORMATS = ['json', 'ndjson'];
const TABLE_ORDER = ['json', 'ndjson', 'csv'];
// What reads CSV: ours (and natively) and DuckDB; the others read JSON only.
const CSV_ENGINES = ['new', 'stages', 'duckdb'];
const CHECK_UP_TO = 10000;
// From this size on, the JS reference and DuckDB (seconds a run) run
// exactly RUNS times with no warm-up: the median of 5 discards a slow first run.
const SLOW_NO_WARM_UP_FROM = 1_000_000;
const CASE_TIMEOUT_MS = 20 * 60 * 1000;
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
  // The JS reference holds a million parsed records and their customers.
  '--js-flags=--max-old-space-size=4096'];

const bin = (name) => join(TARGET, 'release', name);
const dataFile = (size, format) => join(DATA, `customers-${size}.${format}`);

function requireBuilt() {
  const missing = ['gen-customers', 'time-native', 'mock-api'].filter((name) => !existsSync(bin(name)));
  if (!existsSync(join(NEW_PKG, WASM))) missing.push('target/bench/pkg');
  if (!existsSync(join(OLD_PKG, WASM))) missing.push('target/bench/baseline-pkg');
  if (missing.length) throw new Error(`not built: ${missing.join(', ')}. Run scripts/bench-build.sh (or scripts/bench.sh).`);
}

// gen-customers' flag for each input's file extension; `omit-empty.json` is
// the JSON array without null and empty values, the CSV check's reference.
const LAYOUT_FLAGS = { json: [], ndjson: ['--ndjson'], csv: ['--csv'], 'omit-empty.json': ['--omit-empty'] };

function generate(size, format) {
  const file = dataFile(size, format);
  if (existsSync(file)) return;
  mkdirSync(DATA, { recursive: true });
  console.log(`generating ${file}`);
  execFileSync(bin('gen-customers'), [String(size), file, '--seed', '1', ...LAYOUT_FLAGS[format]], { stdio: 'inherit' });
}

/**
 * target/bench/web: the page, copies of both builds (frozen for this run),
 * and links to the data and to DuckDB-WASM and its imports in node_modules.
 */
function assemblePage() {
  rmSync(WEB, { recursive: true, force: true });
  mkdirSync(join(WEB, 'modules'), { recursive: true });
  for (const file of ['bench.html', 'bench.js', 'reference.js', 'duckdb.js']) {
    copyFileSync(join(ROOT, 'bench', 'web', file), join(WEB, file));
  }
  cpSync(NEW_PKG, join(WEB, 'pkg'), { recursive: true });
  cpSync(OLD_PKG, join(WEB, 'baseline'), { recursive: true });
  symlinkSync(DATA, join(WEB, 'data'));
  const modules = join(ROOT, 'node_modules');
  symlinkSync(join(modules, '@duckdb', 'duckdb-wasm', 'dist'), join(WEB, 'duckdb'));
  for (const name of ['apache-arrow', 'flatbuffers', 'tslib']) symlinkSync(join(modules, name), join(WEB, 'modules', name));
}

/** Runs `call(page)` in a fresh page; a crashed or hung page becomes an error. */
async function inFreshPage(browser, origin, call) {
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
    return await Promise.race([call(page), crashed]);
  } finally {
    clearTimeout(timer);
    await context.close().catch(() => {});
  }
}

function crashFailure(error) {
  const message = String(error?.message ?? error);
  return { error: message, out_of_memory: /crash|memory/i.test(message) };
}

const MEMORY_RUNS = [['new', 'parts'], ['new', 'session'], ['old', 'parts'], ['old', 'session']];

async function measureMemoryRuns(browser, origin, size, format, runs) {
  const memory = {};
  for (const [build, mode] of runs) {
    const key = `${build}_${mode}`;
    try {
      memory[key] = await inFreshPage(browser, origin, (page) => page.evaluate((o) => window.measureMemory(o), { size, format, build, mode }));
    } catch (error) {
      memory[key] = crashFailure(error);
    }
    process.stdout.write(`${key} ${memory[key].peak_bytes ? `${f1(mb(memory[key].peak_bytes))} MB` : memory[key].error}; `);
  }
  return memory;
}

/** Runs `time-native` on one input; its result or the error. */
function timeNative(size, format) {
  try {
    const out = execFileSync(bin('time-native'), [dataFile(size, format), String(RUNS)], { encoding: 'utf8' });
    const native = JSON.parse(out);
    native.median_ms = native.end_to_end_ms;
    return native;
  } catch (error) {
    return { error: String(error?.message ?? error) };
  }
}

/**
 * One input: its page (every contender), its memory, its native run. The
 * JSON array's page also times the CSV of the same records in its rounds;
 * the CSV's memory and native run follow the JSON array's. Returns the
 * entries measured (the JSON array's and the CSV's, or the NDJSON's).
 */
async function measureCase(browser, origin, size, format) {
  generate(size, format);
  const withCsv = format === 'json';
  if (withCsv) {
    generate(size, 'csv');
    if (size <= CHECK_UP_TO) generate(size, 'omit-empty.json');
  }
  const entry = { size, format, input_bytes: statSync(dataFile(size, format)).size, load_before: loadavg()[0] };
  const csvEntry = withCsv ? { size, format: 'csv', input_bytes: statSync(dataFile(size, 'csv')).size, load_before: entry.load_before } : null;
  const engines = ['new', 'old', 'parse', 'stages', 'js', ...(format === 'json' ? ['duckdb'] : [])]
    .filter((name) => !ENGINES || ENGINES.includes(name));
  console.log(`${n0(size)} ${format}${withCsv ? ' and csv' : ''}: timing ${engines.join(', ')} in one page…`);
  const timePage = async (group, check) => {
    const csv = withCsv && group.some((name) => CSV_ENGINES.includes(name));
    const run = await inFreshPage(browser, origin, (page) => page.evaluate((o) => window.runBenchmark(o), {
      size, format, runs: RUNS, engines: group, slowWarmUp: size < SLOW_NO_WARM_UP_FROM, check, csv,
    }));
    entry.user_agent = run.user_agent;
    const { csv: csvRun, ...rest } = run.entry;
    Object.assign(entry, rest);
    if (csvRun) Object.assign(csvEntry, csvRun);
  };
  try {
    await timePage(engines, size <= CHECK_UP_TO);
  } catch (error) {
    // One page holding every contender's memory at once can crash at large
    // sizes; then each group gets a page of its own, and the table says so.
    entry.page_error = crashFailure(error);
    console.log(`  the page failed (${entry.page_error.error}); again with a page per group`);
    entry.split_pages = true;
    for (const group of [['new', 'old', 'parse', 'stages'], ['js'], ['duckdb']]) {
      const wanted = group.filter((name) => engines.includes(name));
      if (!wanted.length) continue;
      try {
        await timePage(wanted, false);
      } catch (groupError) {
        for (const name of wanted) entry[name] = crashFailure(groupError);
        if (csvEntry) for (const name of wanted.filter((n) => CSV_ENGINES.includes(n) && n !== 'stages')) csvEntry[name] = crashFailure(groupError);
      }
    }
    if (csvEntry) csvEntry.split_pages = true;
  }
  for (const name of ['new', 'old', 'parse', 'js', 'duckdb']) {
    if (entry[name]) process.stdout.write(`${name} ${entry[name].median_ms ?? entry[name].error} ms; `);
  }
  for (const name of ['new', 'duckdb']) {
    if (csvEntry?.[name]) process.stdout.write(`csv ${name} ${csvEntry[name].median_ms ?? csvEntry[name].error} ms; `);
  }
  process.stdout.write('\n  memory: ');
  entry.memory = await measureMemoryRuns(browser, origin, size, format, MEMORY_RUNS);
  // Native right after, so that it sees about the same load.
  process.stdout.write('\n  native: ');
  entry.native = timeNative(size, format);
  entry.load_after = loadavg()[0];
  console.log(`${entry.native.median_ms ?? entry.native.error} ms (load average ${f2(entry.load_before)} → ${f2(entry.load_after)})`);
  if (!csvEntry) return [entry];
  process.stdout.write('  csv memory: ');
  csvEntry.memory = await measureMemoryRuns(browser, origin, size, 'csv', MEMORY_RUNS.filter(([build]) => build === 'new'));
  process.stdout.write('\n  csv native: ');
  csvEntry.native = timeNative(size, 'csv');
  csvEntry.load_after = loadavg()[0];
  // The JSON array of the same records, timed in the same rounds.
  csvEntry.same_rounds_json = { median_ms: entry.new?.median_ms, input_bytes: entry.input_bytes };
  console.log(`${csvEntry.native.median_ms ?? csvEntry.native.error} ms (load average ${f2(csvEntry.load_before)} → ${f2(csvEntry.load_after)})`);
  return [entry, csvEntry];
}

async function measureMemoryOnly(browser, origin, size) {
  generate(size, 'ndjson');
  const entry = { size, format: 'ndjson', memory_only: true, input_bytes: statSync(dataFile(size, 'ndjson')).size, load_before: loadavg()[0] };
  process.stdout.write(`${n0(size)} ndjson, memory only: `);
  entry.memory = await measureMemoryRuns(browser, origin, size, 'ndjson', [['new', 'parts'], ['new', 'session']]);
  entry.load_after = loadavg()[0];
  console.log('');
  return entry;
}

function moduleSize(dir) {
  const path = join(dir, WASM);
  if (!existsSync(path)) return null;
  const wasm = readFileSync(path);
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
const ok = (m) => m && typeof m.median_ms === 'number';
const failed = (m) => (m?.out_of_memory ? 'out of memory' : m ? `failed: ${m.error}` : 'not run');
const formatLabel = (format) => ({ json: 'JSON array', ndjson: 'NDJSON', csv: 'CSV' })[format] ?? format;
// A contender that cannot read the input (the old build, JSON.parse and the
// JS reference read JSON only) is "n/a", not a failure.
const notApplicable = (entry, name) => entry.format === 'csv' && ['old', 'parse', 'js'].includes(name);

const CONTENDERS = [
  ['new', 'our wasm, current (processUpload + report)'],
  ['old', `our wasm, old build ${process.env.BENCH_BASELINE ?? 'beacde3'}`],
  ['native', 'native, current (time-native)'],
  ['parse', 'JSON.parse alone, no processing'],
  ['js', 'plain-JS reference'],
  ['duckdb', 'DuckDB-WASM (SQL, customer lines only)'],
];

function derive(entry) {
  const { size, input_bytes: bytes } = entry;
  const d = {};
  for (const [name] of CONTENDERS) {
    const m = entry[name];
    if (ok(m)) d[name] = { ms: m.median_ms, mb_per_s: mb(bytes) / (m.median_ms / 1000), records_per_s: size / (m.median_ms / 1000) };
  }
  const ratio = (a, b) => (d[a] && d[b] ? d[a].ms / d[b].ms : null);
  d.old_over_new = ratio('old', 'new');
  d.new_over_native = ratio('new', 'native');
  d.new_over_parse = ratio('new', 'parse');
  d.js_over_new = ratio('js', 'new');
  d.duckdb_over_new = ratio('duckdb', 'new');
  for (const [key, m] of Object.entries(entry.memory ?? {})) {
    if (m.peak_bytes) d[`peak_${key}_over_input`] = m.peak_bytes / bytes;
  }
  return d;
}

const times = (r, digits = 2) => (r ? `${r.toFixed(digits)}×` : 'n/a');

function caseTable(entry) {
  const d = entry.derived;
  const lines = [`### ${n0(entry.size)} records, ${formatLabel(entry.format)} (${f1(mb(entry.input_bytes))} MB)`, ''];
  if (entry.page_error) {
    lines.push(`- the page with every contender failed (${failed(entry.page_error)}); these rows come from one page per group`
      + ' (both builds, JSON.parse and stages; the JS reference; DuckDB)', '');
  }
  if (entry.format === 'csv') {
    lines.push('- timed in the JSON array\'s page, in the same rounds as its fast contenders; the old build, JSON.parse'
      + ' and the JS reference read JSON only', '');
  }
  lines.push('| contender | median ms | MB/s | records/s | time / ours |', '| --- | ---: | ---: | ---: | ---: |');
  for (const [name, label] of CONTENDERS) {
    const m = entry[name];
    if ((!m && name === 'duckdb') || notApplicable(entry, name)) continue;
    lines.push(ok(m)
      ? `| ${label} | ${n0(m.median_ms)} | ${f1(d[name].mb_per_s)} | ${n0(d[name].records_per_s)} | ${d.new ? times(m.median_ms / d.new.ms) : 'n/a'} |`
      : `| ${label} | ${failed(m)} | | | |`);
  }
  lines.push('');
  const runsOf = (m) => (ok(m) ? `${m.runs_ms.map((ms) => n0(ms)).join(', ')}${m.warm_up ? '' : ' (no warm-up)'}` : '');
  const others = entry.format === 'csv' ? '' : `; old ${runsOf(entry.old)}; JSON.parse ${runsOf(entry.parse)}; JS ${runsOf(entry.js)}`;
  lines.push(`- runs (ms): ours ${runsOf(entry.new)}${others}` + (entry.duckdb ? `; DuckDB ${runsOf(entry.duckdb)}` : ''));
  if (ok(entry.new)) {
    lines.push(`- report bytes: ours ${n0(entry.new.output_bytes)}`
      + (ok(entry.old) ? `, old ${n0(entry.old.output_bytes)}` : '')
      + (ok(entry.duckdb) ? `; DuckDB customer lines ${n0(entry.duckdb.output_bytes)}` : ''));
  }
  const json = entry.same_rounds_json;
  if (ok(entry.new) && json?.median_ms) {
    lines.push(`- against the JSON array of the same records (${f1(mb(json.input_bytes))} MB) in the same rounds: ours`
      + ` ${n0(entry.new.median_ms)} ms on the CSV, ${n0(json.median_ms)} ms on the JSON array (${times(entry.new.median_ms / json.median_ms)});`
      + ` ${f1(mb(entry.input_bytes) / (entry.new.median_ms / 1000))} MB/s against ${f1(mb(json.input_bytes) / (json.median_ms / 1000))} MB/s`);
  }
  if (entry.stages && typeof entry.stages.ingest_ms === 'number') {
    const s = entry.stages;
    const nat = entry.native;
    lines.push(`- stages of ours (benchStages): ingest ${f1(s.ingest_ms)} ms, build ${f1(s.build_ms)} ms, serialize ${f1(s.serialize_ms)} ms`
      + (ok(nat) ? ` (native: ${f1(nat.ingest_ms)}, ${f1(nat.build_ms)}, ${f1(nat.serialize_ms)} ms)` : ''));
  }
  lines.push(`- peak wasm memory, one run in a fresh page: ${memoryCells(entry).join('; ')}`);
  if (entry.duckdb_version) lines.push(`- DuckDB ${entry.duckdb_version} (${entry.duckdb_bundle})`);
  lines.push(`- 1-minute load average: ${f2(entry.load_before)} before, ${f2(entry.load_after)} after (${cpus().length} CPUs)`);
  if (entry.check) lines.push(...(entry.format === 'csv' ? csvCheckLines(entry.check) : checkLines(entry.check)));
  return lines.join('\n');
}

const MEMORY_LABELS = { new_parts: 'ours, whole file', new_session: 'ours, 64 KB chunks', old_parts: 'old, whole file', old_session: 'old, 64 KB chunks' };

function memoryCells(entry) {
  return Object.entries(entry.memory ?? {}).map(([key, m]) => (m.peak_bytes && !m.error
    ? `${MEMORY_LABELS[key]} ${n0(mb(m.peak_bytes))} MB = ${f2(m.peak_bytes / entry.input_bytes)}× the input`
    : `${MEMORY_LABELS[key]} ${failed(m)}`));
}

function checkLines(check) {
  if (check.error) return [`- check: **failed** ${check.error}`];
  const out = [];
  const against = (name, c) => (c.equal
    ? `- check: ${name} gives the same ${n0(c.customers)} customers; report bytes identical: ${c.identical_report_bytes}`
      + (c.report_difference ? ` (first difference at line ${c.report_difference.line}: ours ${JSON.stringify(c.report_difference.ours)},`
        + ` theirs ${JSON.stringify(c.report_difference.theirs)})` : '')
    : `- check: **MISMATCH** with ${name}: ${JSON.stringify(c.first_difference ?? c)}`);
  out.push(against('the old build', check.old), against('the JS reference', check.js));
  if (check.duckdb) {
    const c = check.duckdb;
    out.push(c.identical
      ? `- check: DuckDB's ${n0(c.lines)} customer lines are byte-identical to ours`
      : `- check: DuckDB's lines differ: ${n0(c.equal_lines)} of ${n0(c.lines)} equal (DuckDB wrote ${n0(c.duckdb_lines)}); `
        + `fields differing: ${JSON.stringify(c.fields_differing)}; first: ${JSON.stringify(c.first_difference)}`);
  }
  return out;
}

function csvCheckLines(check) {
  if (check.error) return [`- check: **failed** ${check.error}`];
  const o = check.omit_empty;
  const out = [check.equal
    ? `- check: the CSV (format ${check.format}) gives the same ${n0(check.customers)} customers, metadata (but source), duplicates and`
      + ' rejected records (row N+1 for record N) as the JSON array without null and empty values'
    : `- check: **MISMATCH** of the CSV with the JSON array without null and empty values: format ${check.format},`
      + ` customers equal ${o.equal}, metadata equal ${o.metadata_equal}, places equal ${o.places_equal},`
      + ` same count and order as the JSON array ${check.json.same_count && check.json.same_order}`
      + (o.first_difference ? `; first: ${JSON.stringify(o.first_difference)}` : '')];
  out.push(`- check: against the JSON array with them, the same number of customers in the same order, ${n0(check.json.differing_lines)}`
    + ' customer lines differ (records with a null or empty value: an empty cell is absent)');
  if (check.duckdb) {
    const c = check.duckdb;
    out.push(c.identical
      ? `- check: DuckDB's ${n0(c.lines)} customer lines on the CSV are byte-identical to ours`
      : `- check: DuckDB's lines on the CSV differ: ${n0(c.equal_lines)} of ${n0(c.lines)} equal (DuckDB wrote ${n0(c.duckdb_lines)}); `
        + `fields differing: ${JSON.stringify(c.fields_differing)}; first: ${JSON.stringify(c.first_difference)}`);
  }
  return out;
}

function summaryTable(cases) {
  const ms = (e, name) => (notApplicable(e, name) ? 'n/a'
    : ok(e[name]) ? n0(e[name].median_ms) : failed(e[name]).replace(/^failed: .*/, 'failed'));
  const lines = [
    '| records | format | MB | ours ms | ours MB/s | old ms | old / ours | native ms | ours / native | JSON.parse ms | ours / JSON.parse | JS ms | JS / ours | DuckDB ms | DuckDB / ours | load |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const e of cases.filter((c) => !c.memory_only)) {
    const d = e.derived;
    lines.push(`| ${n0(e.size)} | ${formatLabel(e.format)}${e.split_pages ? ' (split pages)' : ''} | ${f1(mb(e.input_bytes))}`
      + ` | ${ms(e, 'new')} | ${d.new ? n0(d.new.mb_per_s) : ''} | ${ms(e, 'old')} | ${times(d.old_over_new)}`
      + ` | ${ms(e, 'native')} | ${times(d.new_over_native)} | ${ms(e, 'parse')} | ${times(d.new_over_parse)}`
      + ` | ${ms(e, 'js')} | ${times(d.js_over_new, 1)} | ${e.duckdb ? ms(e, 'duckdb') : 'n/a'} | ${e.duckdb ? times(d.duckdb_over_new, 1) : 'n/a'}`
      + ` | ${f2(e.load_before)} → ${f2(e.load_after)} |`);
  }
  return lines.join('\n');
}

function memoryTable(cases) {
  const cell = (e, key) => {
    const m = e.memory?.[key];
    if (!m) return 'n/a';
    return m.peak_bytes && !m.error ? `${n0(mb(m.peak_bytes))} MB (${f2(m.peak_bytes / e.input_bytes)}×)` : failed(m);
  };
  const lines = [
    '| records | format | input MB | ours, whole file | ours, 64 KB chunks | old, whole file | old, 64 KB chunks |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const e of cases) {
    lines.push(`| ${n0(e.size)} | ${formatLabel(e.format)} | ${f1(mb(e.input_bytes))} | ${cell(e, 'new_parts')} | ${cell(e, 'new_session')}`
      + ` | ${cell(e, 'old_parts')} | ${cell(e, 'old_session')} |`);
  }
  return lines.join('\n');
}

/** Issue 11's targets, judged on what this run measured. */
function targets(cases, size) {
  const out = [];
  const verdict = (met) => (met ? 'met' : 'missed');
  const timed = cases.filter((c) => !c.memory_only);
  const at = (n, format) => timed.find((c) => c.size === n && c.format === format);
  const million = FORMATS.map((f) => at(1_000_000, f)).filter(Boolean);
  if (!million.length) out.push('- 1M-record targets: not measured (no 1M case in this run)');
  for (const e of million) {
    const d = e.derived;
    const label = formatLabel(e.format);
    if (d.new) {
      out.push(`- ${label}, 1M, ≤ 800 ms end to end (≥ 255 MB/s): ${verdict(d.new.ms <= 800)}, ${n0(d.new.ms)} ms, ${n0(d.new.mb_per_s)} MB/s`
        + `; stretch ≤ 650 ms and faster than JSON.parse (${d.parse ? `${n0(d.parse.ms)} ms` : 'n/a'}): ${verdict(d.new.ms <= 650 && d.parse && d.new.ms < d.parse.ms)}`);
    }
    if (d.old_over_new) out.push(`- ${label}, 1M, ≥ 2.3× faster than the old build: ${verdict(d.old_over_new >= 2.3)}, ${times(d.old_over_new)}`);
    if (d.new_over_native) {
      out.push(`- ${label}, 1M, ≤ 1.3× native and native ≤ 650 ms: ${verdict(d.new_over_native <= 1.3 && d.native.ms <= 650)}, `
        + `${times(d.new_over_native)}, native ${n0(d.native.ms)} ms`);
    }
    if (d.duckdb_over_new) out.push(`- ${label}, 1M, ≥ 15× faster than DuckDB-WASM: ${verdict(d.duckdb_over_new >= 15)}, ${times(d.duckdb_over_new, 1)}`);
    if (d.js_over_new) out.push(`- ${label}, 1M, ≥ 7× faster than the plain-JS reference: ${verdict(d.js_over_new >= 7)}, ${times(d.js_over_new, 1)}`);
  }
  for (const e of FORMATS.map((f) => at(100_000, f)).filter(Boolean)) {
    if (e.derived.new) out.push(`- ${formatLabel(e.format)}, 100k ≤ 100 ms: ${verdict(e.derived.new.ms <= 100)}, ${n0(e.derived.new.ms)} ms`);
  }
  const json = at(1_000_000, 'json');
  const peak = json?.memory?.new_parts;
  if (peak?.peak_bytes) {
    const r = peak.peak_bytes / json.input_bytes;
    out.push(`- peak wasm memory ≤ 2× the input, 1M JSON array (processUpload + reportParts): ${verdict(r <= 2)}, ${f2(r)}×`
      + ` (${n0(mb(peak.peak_bytes))} MB for ${f1(mb(json.input_bytes))} MB)`);
  }
  for (const e of cases.filter((c) => c.format === 'ndjson' && c.size >= 1_000_000)) {
    out.push(`- NDJSON peak, ${n0(e.size)} records: ${memoryCells(e).filter((c) => c.startsWith('ours')).join('; ')}`);
  }
  // www/pkg is whatever the last `make run`/`make build` left; the measured
  // module is the same source with the bench feature.
  const kb = (m) => `${f1(m.raw_bytes / 1000)} KB raw, ${f1(m.gzip_bytes / 1000)} KB gzipped`;
  const shipped = size.www ?? size.bench;
  if (shipped) {
    out.push(`- .wasm ≤ 250 KB raw and ≤ 100 KB gzipped (gzip -9): ${verdict(shipped.raw_bytes <= 250_000 && shipped.gzip_bytes <= 100_000)}, `
      + `${size.www ? `www/pkg ${kb(size.www)}; ` : ''}the measured module (with benchStages) ${kb(size.bench)}; the old build ${kb(size.old)}`);
  }
  return out.join('\n');
}

// ---------------------------------------------------------------------------

const started = Date.now();
const loadBefore = loadavg();
requireBuilt();
assemblePage();
const measuredRevision = revision();
const { origin, kill: stopServer } = await startMock(['--www', WEB]);
process.on('exit', stopServer);
const cases = [];
let browserVersion;
try {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    browserVersion = browser.version();
    for (const size of SIZES) {
      for (const format of FORMATS) cases.push(...await measureCase(browser, origin, size, format));
    }
    for (const size of MEMORY_SIZES) cases.push(await measureMemoryOnly(browser, origin, size));
  } finally {
    await browser.close();
  }
} finally {
  stopServer();
}

for (const entry of cases) entry.derived = derive(entry);
// The tables list each size's JSON array, NDJSON and CSV in that order.
const order = (c) => [c.memory_only ? 1 : 0, c.size, TABLE_ORDER.indexOf(c.format)];
cases.sort((a, b) => order(a).reduce((diff, x, i) => diff || x - order(b)[i], 0));
const size = { bench: moduleSize(join(WEB, 'pkg')), old: moduleSize(join(WEB, 'baseline')), www: moduleSize(join(ROOT, 'www', 'pkg')) };
const results = {
  date: new Date().toISOString(),
  revision: measuredRevision,
  baseline: readFileSync(join(OLD_PKG, 'COMMIT'), 'utf8').trim(),
  chromium: browserVersion,
  user_agent: cases.find((c) => c.user_agent)?.user_agent,
  cpus: cpus().map((c) => c.model).filter((m, i, all) => all.indexOf(m) === i),
  cpu_count: cpus().length,
  runs: RUNS,
  // The machine is shared; its 1-minute load average before and after the run.
  load_average: { before: loadBefore[0], after: loadavg()[0] },
  wasm_size: size,
  cases,
  duration_s: Math.round((Date.now() - started) / 1000),
};
mkdirSync(BENCH, { recursive: true });
writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
// A copy per run, so that a quick run does not replace the last full one.
const dated = join(BENCH, `results-${results.date.replace(/[:.]/g, '-')}.json`);
writeFileSync(dated, `${JSON.stringify(results, null, 2)}\n`);

console.log(`\nChromium ${browserVersion}, median of ${RUNS} runs (after a warm-up, except as noted); MB = 10^6 bytes;`
  + ` load average ${f2(results.load_average.before)} before, ${f2(results.load_average.after)} after (${cpus().length} CPUs)\n`);
for (const entry of cases.filter((c) => !c.memory_only)) console.log(`${caseTable(entry)}\n`);
console.log('### Summary\n');
console.log(summaryTable(cases));
console.log('\n### Peak wasm memory (one run in a fresh page; × the input)\n');
console.log(memoryTable(cases));
console.log('\n### Targets (issue 11)\n');
console.log(targets(cases, size));
console.log(`\nResults: ${RESULTS} and ${dated} (${results.duration_s} s)`);

const mismatches = cases.filter((c) => c.check && (c.check.error
  || (c.format === 'csv' ? !c.check.equal : !c.check.old?.equal || !c.check.js?.equal)));
if (mismatches.length) {
  console.error(`\n*** MISMATCH: the current core disagrees with the old build or the JS reference, or its CSV report with the JSON's, on ${mismatches.map((c) => c.file).join(', ')}; see the check lines above ***`);
  process.exitCode = 1;
}
const duckMismatches = cases.filter((c) => c.check?.duckdb && !c.check.duckdb.identical);
if (duckMismatches.length) console.error(`\nNote: DuckDB's customer lines differ from ours on ${duckMismatches.map((c) => c.file).join(', ')}; see the check lines above.`);
