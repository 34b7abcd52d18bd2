// The browser side of the processing benchmark (driven by bench/browser.mjs).
//
// `runBenchmark` times every contender on the same bytes in this one page
// session: the current core (`pkg/`, built with the `bench` feature), the
// old build (`baseline/`, main before the speed work), `JSON.parse` alone,
// the plain-JS reference and DuckDB-WASM; with `csv`, also the current core
// and DuckDB on the same records as CSV (the old build, JSON.parse and the
// reference read JSON only). `measureMemory` measures the peak
// wasm memory of one build in one way (whole file or 64 KB chunks); the
// driver gives it a fresh page, since wasm memory never shrinks.
//
// Times are medians of `runs` timed runs after one warm-up, with
// performance.now(). The fast contenders (both builds and JSON.parse) run in
// interleaved rounds, so a change in the machine's load hits them alike.

import { processReference } from './reference.js';
import { SETUP_SQL, duckdbCustomerLines } from './duckdb.js';

// The settings `benchStages` and `time-native` use too.
const SEED = '1';
const AS_OF = '2026-11-24';
const TIMESTAMP = '2026-11-24T00:00:00Z';
const CHUNK = 64 * 1024;

const BUILDS = { new: './pkg/customer_pipeline.js', old: './baseline/customer_pipeline.js' };

const status = document.getElementById('status');
const log = document.getElementById('log');

function say(line) {
  log.textContent += `${line}\n`;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const round = (ms) => Math.round(ms * 1000) / 1000;

/** Lets the page breathe (and the collector run) between runs. */
const pause = () => new Promise((resolve) => setTimeout(resolve, 0));

const loadedBuilds = {};

/** The build's module, initialised once: `{ api, wasm }` (`wasm.memory`). */
async function build(name) {
  if (!loadedBuilds[name]) {
    const api = await import(BUILDS[name]);
    const wasm = await api.default();
    loadedBuilds[name] = { api, wasm };
  }
  return loadedBuilds[name];
}

// The inputs' file names: `format` `json`, `ndjson`, `csv`, or
// `omit-empty.json` (the JSON array without null and empty values, which
// the CSV's report is checked against).
async function load(size, format) {
  const file = `customers-${size}.${format}`;
  const response = await fetch(`data/${file}`);
  if (!response.ok) throw new Error(`data/${file}: HTTP ${response.status}`);
  return { file, bytes: new Uint8Array(await response.arrayBuffer()) };
}

/** What a failed measurement reports; `out_of_memory` when it looks like one. */
function failure(error) {
  const message = String(error?.message ?? error);
  const outOfMemory = /memory|allocation|invalid (array|string|typed array) length|unreachable/i.test(message);
  return { error: message, out_of_memory: outOfMemory };
}

function summary(times, extra) {
  return { median_ms: round(median(times)), runs_ms: times.map(round), ...extra };
}

/**
 * Times contenders in rounds: one warm-up of each (unless `warmUp` is
 * false), then `runs` rounds in which each runs once. `contenders` maps a
 * name to an async-or-not function returning a size in bytes. A contender
 * that throws is dropped from the later rounds and reported as failed.
 */
async function rounds(contenders, runs, warmUp = true) {
  const times = Object.fromEntries(Object.keys(contenders).map((name) => [name, []]));
  const out = {};
  const failed = {};
  const once = async (name) => {
    if (failed[name]) return;
    await pause();
    try {
      const start = performance.now();
      out[name] = await contenders[name]();
      return performance.now() - start;
    } catch (error) {
      failed[name] = failure(error);
      say(`  ${name} failed: ${failed[name].error}`);
      return undefined;
    }
  };
  if (warmUp) for (const name of Object.keys(contenders)) await once(name);
  for (let i = 0; i < runs; i++) {
    for (const name of Object.keys(contenders)) {
      const ms = await once(name);
      if (ms !== undefined) times[name].push(ms);
    }
  }
  return Object.fromEntries(Object.keys(contenders).map((name) => [name,
    failed[name] ?? summary(times[name], { output_bytes: out[name], warm_up: warmUp })]));
}

/** `processUpload` + `.report()` + `.free()`: file bytes in, report bytes out. */
function wasmReport(api, bytes, file) {
  const output = api.processUpload(bytes, file, SEED, AS_OF, TIMESTAMP);
  try {
    return output.report();
  } finally {
    output.free();
  }
}

/** `processUpload` + `.reportParts()` (what the page downloads, as a Blob). */
function wasmReportParts(api, bytes, file) {
  const output = api.processUpload(bytes, file, SEED, AS_OF, TIMESTAMP);
  try {
    return output.reportParts().reduce((sum, part) => sum + part.length, 0);
  } finally {
    output.free();
  }
}

/** An `UploadSession` fed 64 KB chunks, as the page feeds `Blob.stream()`. */
function wasmSession(api, bytes, file) {
  const session = new api.UploadSession(file, bytes.length, SEED, AS_OF, () => {});
  let output;
  try {
    for (let at = 0; at < bytes.length; at += CHUNK) session.push(bytes.subarray(at, at + CHUNK));
    output = session.finish(TIMESTAMP);
  } finally {
    session.free();
  }
  try {
    return output.reportParts().reduce((sum, part) => sum + part.length, 0);
  } finally {
    output.free();
  }
}

/**
 * `benchStages` medians over `runs` runs after a warm-up: ingest, build and
 * serialize within one run of the current core.
 */
async function measureStages(bytes, runs) {
  try {
    const { api } = await build('new');
    const stageRuns = [];
    for (let i = 0; i <= runs; i++) {
      await pause();
      stageRuns.push(JSON.parse(api.benchStages(bytes)));
    }
    stageRuns.shift(); // the warm-up
    const stage = (key) => round(median(stageRuns.map((s) => s[key])));
    return {
      ingest_ms: stage('ingest_ms'), build_ms: stage('build_ms'), serialize_ms: stage('serialize_ms'),
      customers: stageRuns[0].customers, report_bytes: stageRuns[0].report_bytes,
    };
  } catch (error) {
    return failure(error);
  }
}

/** `JSON.parse` alone on the same bytes: decode, then parse (line by line for NDJSON). */
function parseOnly(bytes, format) {
  const text = new TextDecoder().decode(bytes);
  if (format !== 'ndjson') return JSON.parse(text).length;
  let values = 0;
  for (const line of text.split('\n')) {
    if (line.trim() !== '') {
      JSON.parse(line);
      values++;
    }
  }
  return values;
}

// ---------------------------------------------------------------------------
// DuckDB-WASM, served from duckdb/ (node_modules/@duckdb/duckdb-wasm/dist).

async function openDuckDb() {
  const duckdb = await import('./duckdb/duckdb-browser.mjs');
  const base = new URL('./duckdb/', location.href).href;
  const bundle = await duckdb.selectBundle({
    mvp: { mainModule: `${base}duckdb-mvp.wasm`, mainWorker: `${base}duckdb-browser-mvp.worker.js` },
    eh: { mainModule: `${base}duckdb-eh.wasm`, mainWorker: `${base}duckdb-browser-eh.worker.js` },
  });
  const worker = new Worker(bundle.mainWorker);
  const db = new duckdb.AsyncDuckDB(new duckdb.VoidLogger(), worker);
  await db.instantiate(bundle.mainModule, bundle.pthreadWorker);
  const conn = await db.connect();
  for (const statement of SETUP_SQL) await conn.query(statement);
  return {
    db,
    conn,
    version: await db.getVersion(),
    bundle: bundle.mainModule.split('/').pop(),
    close: async () => {
      await conn.close();
      await db.terminate();
    },
  };
}

// ---------------------------------------------------------------------------
// Checks (small inputs): the contenders produce the same customers.

const decoder = new TextDecoder();

/** The report's customer lines (one compact JSON object a line). */
function customerLines(reportText) {
  const start = reportText.indexOf('"customers": [');
  if (start < 0) throw new Error('no "customers" in the report');
  const open = start + '"customers": ['.length;
  if (reportText[open] === ']') return [];
  const end = reportText.indexOf('\n  ]', open);
  return reportText.slice(open, end).split(',\n').map((line) => line.trim());
}

/** Compares two lists of customer objects; names the first that differs. */
function compareCustomers(ours, theirs) {
  const result = { equal: ours.length === theirs.length, customers: ours.length, other_customers: theirs.length };
  const count = Math.max(ours.length, theirs.length);
  for (let i = 0; i < count; i++) {
    // Stringifying each pair compares values and key order.
    if (JSON.stringify(ours[i]) !== JSON.stringify(theirs[i])) {
      Object.assign(result, { equal: false, first_difference: { index: i, ours: ours[i] ?? null, theirs: theirs[i] ?? null } });
      break;
    }
  }
  return result;
}

/**
 * DuckDB's lines against ours: exact line equality, and for lines that
 * differ, how many differ in each field.
 */
function compareLines(ours, theirs) {
  let equalLines = 0;
  const fieldsDiffering = {};
  let first = null;
  const count = Math.max(ours.length, theirs.length);
  for (let i = 0; i < count; i++) {
    if (ours[i] === theirs[i]) {
      equalLines++;
      continue;
    }
    first ??= { index: i, ours: ours[i] ?? null, duckdb: theirs[i] ?? null };
    let a = {};
    let b = {};
    try {
      a = JSON.parse(ours[i] ?? '{}');
      b = JSON.parse(theirs[i] ?? '{}');
    } catch {
      fieldsDiffering['(not JSON)'] = (fieldsDiffering['(not JSON)'] ?? 0) + 1;
      continue;
    }
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (JSON.stringify(a[key]) !== JSON.stringify(b[key])) fieldsDiffering[key] = (fieldsDiffering[key] ?? 0) + 1;
    }
  }
  return {
    identical: equalLines === count && ours.length === theirs.length,
    lines: ours.length,
    duckdb_lines: theirs.length,
    equal_lines: equalLines,
    fields_differing: fieldsDiffering,
    first_difference: first,
  };
}

/** Where two reports first differ: the line number and both lines (cut to 200 characters). */
function firstDifferentLine(ours, theirs) {
  if (ours === theirs) return null;
  const a = ours.split('\n');
  const b = theirs.split('\n');
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return { line: i + 1, ours: a[i]?.slice(0, 200) ?? null, theirs: b[i]?.slice(0, 200) ?? null };
}

async function check(bytes, file, format, duck) {
  const { api: current } = await build('new');
  const { api: old } = await build('old');
  const oursText = decoder.decode(wasmReport(current, bytes, file));
  const oldText = decoder.decode(wasmReport(old, bytes, file));
  const jsText = decoder.decode(processReference(bytes, file, SEED, AS_OF, TIMESTAMP));
  const ours = JSON.parse(oursText).customers;
  const result = {
    customers: ours.length,
    old: {
      identical_report_bytes: oursText === oldText,
      report_difference: firstDifferentLine(oursText, oldText),
      ...compareCustomers(ours, JSON.parse(oldText).customers),
    },
    js: {
      identical_report_bytes: oursText === jsText,
      report_difference: firstDifferentLine(oursText, jsText),
      ...compareCustomers(ours, JSON.parse(jsText).customers),
    },
  };
  if (duck && format === 'json') {
    const lines = decoder.decode(await duckdbCustomerLines(duck.db, duck.conn, bytes, { seed: SEED, asOf: AS_OF }));
    result.duckdb = compareLines(customerLines(oursText), lines.split('\n').filter((line) => line !== ''));
  }
  return result;
}

/** A JSON report's positions (`record N`, counted from 0) as CSV ones (`row N+1`, the header is row 1). */
const asCsvPosition = (position) => position.replace(/^record (\d+)$/, (_, n) => `row ${Number(n) + 1}`);

/**
 * The CSV's report against the reports of the same records as JSON. An
 * empty cell is absent in the core, so the CSV cannot say null or `""`:
 * its report must equal, except for `source`, the one of the JSON without
 * null and empty values (`omit-empty.json`): the same metadata and
 * customers, the same duplicates and rejected records at the same places
 * (`row N+1` for `record N`; the rejected records' text is the row, not
 * the object). Against the plain JSON, the same number of customers in
 * the same order; how many of their lines differ is reported (the records
 * with a null or empty value). DuckDB's lines on the CSV against ours.
 */
async function checkCsv(size, csvInput, jsonBytes, jsonFile, duck) {
  const { api } = await build('new');
  const omitted = await load(size, 'omit-empty.json');
  const csvText = decoder.decode(wasmReport(api, csvInput.bytes, csvInput.file));
  const csvReport = JSON.parse(csvText);
  const omittedReport = JSON.parse(decoder.decode(wasmReport(api, omitted.bytes, omitted.file)));
  const jsonText = decoder.decode(wasmReport(api, jsonBytes, jsonFile));
  const jsonReport = JSON.parse(jsonText);
  const withoutSource = (metadata) => ({ ...metadata, source: undefined });
  const places = (report) => ({
    duplicates: report.duplicates.map((d) => ({ ...d, position: asCsvPosition(d.position), kept_position: asCsvPosition(d.kept_position) })),
    rejected: report.rejected.map((r) => ({ position: asCsvPosition(r.position), reason: r.reason })),
  });
  const csvLines = customerLines(csvText);
  const jsonLines = customerLines(jsonText);
  const result = {
    format: csvReport.metadata.source.format,
    customers: csvReport.customers.length,
    omit_empty: {
      metadata_equal: JSON.stringify(withoutSource(csvReport.metadata)) === JSON.stringify(withoutSource(omittedReport.metadata)),
      places_equal: JSON.stringify(places(csvReport)) === JSON.stringify(places(omittedReport)),
      ...compareCustomers(csvReport.customers, omittedReport.customers),
    },
    json: {
      same_count: csvReport.customers.length === jsonReport.customers.length,
      same_order: csvReport.customers.every((c, i) => c.customer_id === jsonReport.customers[i]?.customer_id),
      differing_lines: csvLines.filter((line, i) => line !== jsonLines[i]).length,
    },
  };
  result.equal = result.format === 'csv' && result.omit_empty.equal && result.omit_empty.metadata_equal
    && result.omit_empty.places_equal && result.json.same_count && result.json.same_order;
  if (duck) {
    const lines = decoder.decode(await duckdbCustomerLines(duck.db, duck.conn, csvInput.bytes, { seed: SEED, asOf: AS_OF }, 'csv'));
    result.duckdb = compareLines(csvLines, lines.split('\n').filter((line) => line !== ''));
  }
  return result;
}

// ---------------------------------------------------------------------------

/**
 * Times every contender on one input, all in this page. Options: `size`
 * (records), `format` (`json` or `ndjson`), `runs` (timed runs, at least 5),
 * `engines` (any of `new`, `old`, `parse`, `stages`, `js`, `duckdb`; DuckDB
 * only for `json`), `slowWarmUp` (false: the JS reference and DuckDB run
 * exactly `runs` times with no warm-up, for large inputs where each run
 * takes seconds), `check` (compare the contenders' customers), `csv`
 * (also the same records as CSV, `customers-N.csv`: the current core in the
 * same rounds as the fast contenders, its stages, and DuckDB after DuckDB on
 * the JSON; the results in `entry.csv`).
 * A failed measurement (e.g. out of memory) is reported in place of its result.
 */
async function runBenchmark({
  size = 10000, format = 'json', runs = 5, engines = ['new', 'old', 'parse', 'stages', 'js', 'duckdb'],
  slowWarmUp = true, check: doCheck = size <= 10000, csv = false,
} = {}) {
  status.dataset.state = 'running';
  const timedRuns = Math.max(5, runs);
  const { file, bytes } = await load(size, format);
  const entry = { size, format, file, input_bytes: bytes.length, runs: timedRuns };
  say(`${file}: ${bytes.length} bytes`);
  const csvInput = csv ? await load(size, 'csv') : null;
  const csvEntry = csvInput ? { size, format: 'csv', file: csvInput.file, input_bytes: csvInput.bytes.length, runs: timedRuns } : null;
  if (csvEntry) {
    entry.csv = csvEntry;
    say(`${csvInput.file}: ${csvInput.bytes.length} bytes`);
  }

  const fast = {};
  if (engines.includes('new')) {
    const { api } = await build('new');
    fast.new = () => wasmReport(api, bytes, file).length;
    // The CSV right after the JSON in every round, timed the same way.
    if (csvInput) fast.csv_new = () => wasmReport(api, csvInput.bytes, csvInput.file).length;
  }
  if (engines.includes('old')) {
    const { api } = await build('old');
    fast.old = () => wasmReport(api, bytes, file).length;
  }
  if (engines.includes('parse')) fast.parse = () => parseOnly(bytes, format);
  Object.assign(entry, await rounds(fast, timedRuns));
  for (const name of Object.keys(fast)) say(`  ${name} ${entry[name].median_ms ?? entry[name].error} ms`);
  if (entry.csv_new) {
    csvEntry.new = entry.csv_new;
    delete entry.csv_new;
  }

  if (engines.includes('stages')) {
    entry.stages = await measureStages(bytes, timedRuns);
    if (csvEntry) csvEntry.stages = await measureStages(csvInput.bytes, timedRuns);
  }
  // Wasm memory only grows: what the timed runs needed, not a clean peak
  // (`measureMemory` gives that).
  for (const name of ['new', 'old']) {
    if (loadedBuilds[name]) entry[`${name}_memory_after_runs_bytes`] = loadedBuilds[name].wasm.memory.buffer.byteLength;
  }

  if (engines.includes('js')) {
    Object.assign(entry, await rounds({
      js: () => processReference(bytes, file, SEED, AS_OF, TIMESTAMP).length,
    }, timedRuns, slowWarmUp));
    say(`  js ${entry.js.median_ms ?? entry.js.error} ms`);
  }

  let duck = null;
  if (engines.includes('duckdb') && format === 'json') {
    try {
      duck = await openDuckDb();
      entry.duckdb_version = duck.version;
      entry.duckdb_bundle = duck.bundle;
      Object.assign(entry, await rounds({
        duckdb: async () => (await duckdbCustomerLines(duck.db, duck.conn, bytes, { seed: SEED, asOf: AS_OF })).length,
      }, timedRuns, slowWarmUp));
    } catch (error) {
      entry.duckdb = failure(error);
    }
    say(`  duckdb ${entry.duckdb.median_ms ?? entry.duckdb.error} ms`);
    if (csvEntry && duck) {
      Object.assign(csvEntry, await rounds({
        duckdb: async () => (await duckdbCustomerLines(duck.db, duck.conn, csvInput.bytes, { seed: SEED, asOf: AS_OF }, 'csv')).length,
      }, timedRuns, slowWarmUp));
      csvEntry.duckdb_version = duck.version;
      csvEntry.duckdb_bundle = duck.bundle;
      say(`  duckdb csv ${csvEntry.duckdb.median_ms ?? csvEntry.duckdb.error} ms`);
    }
  }

  if (doCheck) {
    try {
      entry.check = await check(bytes, file, format, duck);
    } catch (error) {
      entry.check = failure(error);
    }
    say(`  check: ${JSON.stringify(entry.check).slice(0, 300)}`);
    if (csvEntry) {
      try {
        csvEntry.check = await checkCsv(size, csvInput, bytes, file, duck);
      } catch (error) {
        csvEntry.check = failure(error);
      }
      say(`  check csv: ${JSON.stringify(csvEntry.check).slice(0, 300)}`);
    }
  }
  if (duck) await duck.close();
  status.dataset.state = 'done';
  return { user_agent: navigator.userAgent, entry };
}

/**
 * Peak wasm memory of one run of `build` (`new` or `old`) on one input, in
 * a page that has run nothing else: `mode` `parts` is `processUpload` +
 * `reportParts()`, `session` an `UploadSession` fed 64 KB chunks +
 * `reportParts()`. Returns the memory's size before and after (it only
 * grows, so after is the peak) and the time of that single run.
 */
async function measureMemory({ size, format, build: name = 'new', mode = 'parts' }) {
  status.dataset.state = 'running';
  const { file, bytes } = await load(size, format);
  const { api, wasm } = await build(name);
  const before = wasm.memory.buffer.byteLength;
  const result = { size, format, build: name, mode, input_bytes: bytes.length, initial_bytes: before };
  try {
    const start = performance.now();
    result.report_bytes = mode === 'session' ? wasmSession(api, bytes, file) : wasmReportParts(api, bytes, file);
    result.ms = round(performance.now() - start);
  } catch (error) {
    Object.assign(result, failure(error));
  }
  result.peak_bytes = wasm.memory.buffer.byteLength;
  say(`${file} ${name} ${mode}: peak ${result.peak_bytes} bytes`);
  status.dataset.state = 'done';
  return result;
}

window.runBenchmark = runBenchmark;
window.measureMemory = measureMemory;
status.textContent = 'Ready: call runBenchmark({size, format}) or measureMemory({size, format, build, mode}).';
status.dataset.state = 'ready';
