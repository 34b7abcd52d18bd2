// The browser benchmark page: times the WebAssembly core (end to end and per
// stage) and the plain-JavaScript reference on the generated inputs in
// `data/`, and checks that both produce the same customers.
//
// `bench/browser.mjs` opens this page in headless Chromium and calls
// `window.runBenchmark`. Every measurement is the median of `runs` timed
// runs after one warm-up run, timed with performance.now().

import init, { processUpload, benchStages } from './pkg/customer_pipeline.js';
import { processReference } from './reference.js';

// The settings `benchStages` and `time-native` use too.
const SEED = '1';
const AS_OF = '2026-11-24';
const TIMESTAMP = '2026-11-24T00:00:00Z';

const status = document.getElementById('status');
const log = document.getElementById('log');
const wasm = await init();

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

async function load(size, format) {
  const file = `customers-${size}.${format}`;
  const response = await fetch(`data/${file}`);
  if (!response.ok) throw new Error(`data/${file}: HTTP ${response.status}`);
  return { file, bytes: new Uint8Array(await response.arrayBuffer()) };
}

/** Runs `once` one time to warm up, then `runs` times; returns the times and the last result. */
async function timed(runs, once) {
  let result = once();
  const times = [];
  for (let i = 0; i < runs; i++) {
    await pause();
    const start = performance.now();
    result = once();
    times.push(performance.now() - start);
  }
  return { median_ms: round(median(times)), runs_ms: times.map(round), result };
}

/** What a failed measurement reports; `out_of_memory` when it looks like one. */
function failure(error) {
  const message = String(error?.message ?? error);
  const outOfMemory = /memory|allocation|invalid (array|string|typed array) length|unreachable/i.test(message);
  return { error: message, out_of_memory: outOfMemory };
}

/**
 * Bytes in, report out, as the page downloads it: `Uint8Array` parts for a
 * Blob. Returns the parts with their total `length`.
 */
function wasmReport(bytes, file) {
  const output = processUpload(bytes, file, SEED, AS_OF, TIMESTAMP);
  try {
    const parts = output.reportParts();
    return { parts, length: parts.reduce((sum, part) => sum + part.length, 0) };
  } finally {
    output.free();
  }
}

/** The parts of a report joined into one array, for comparing. */
function joined({ parts, length }) {
  const all = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    all.set(part, at);
    at += part.length;
  }
  return all;
}

function referenceReport(bytes, file) {
  return processReference(bytes, file, SEED, AS_OF, TIMESTAMP);
}

async function measureWasm(bytes, file, runs) {
  const initial = wasm.memory.buffer.byteLength;
  const endToEnd = await timed(runs, () => wasmReport(bytes, file));
  // Wasm memory only grows, so its size now is the end-to-end peak (file
  // bytes in, report bytes out). The stage runs below keep every stage's
  // output alive at once, which the real pipeline never does.
  const endToEndPeak = wasm.memory.buffer.byteLength;
  const stageRuns = [];
  await timed(runs, () => {
    const stages = JSON.parse(benchStages(bytes));
    stageRuns.push(stages);
    return stages;
  });
  stageRuns.shift(); // the warm-up
  const stage = (key) => round(median(stageRuns.map((s) => s[key])));
  return {
    wasm: {
      end_to_end_ms: endToEnd.median_ms,
      runs_ms: endToEnd.runs_ms,
      report_bytes: endToEnd.result.length,
    },
    stages: {
      ingest_ms: stage('ingest_ms'),
      build_ms: stage('build_ms'),
      serialize_ms: stage('serialize_ms'),
      customers: stageRuns[0].customers,
      report_bytes: stageRuns[0].report_bytes,
    },
    memory: {
      initial_bytes: initial,
      peak_bytes: endToEndPeak,
      with_stage_runs_bytes: wasm.memory.buffer.byteLength,
    },
  };
}

async function measureReference(bytes, file, runs) {
  const endToEnd = await timed(runs, () => referenceReport(bytes, file));
  return {
    end_to_end_ms: endToEnd.median_ms,
    runs_ms: endToEnd.runs_ms,
    report_bytes: endToEnd.result.length,
  };
}

/** Compares the customers of both reports; names the first that differs. */
function check(bytes, file) {
  const decoder = new TextDecoder();
  const wasmBytes = joined(wasmReport(bytes, file));
  const jsBytes = referenceReport(bytes, file);
  const wasmText = decoder.decode(wasmBytes);
  const jsText = decoder.decode(jsBytes);
  const ours = JSON.parse(wasmText).customers;
  const theirs = JSON.parse(jsText).customers;
  const result = {
    equal: true,
    customers: ours.length,
    js_customers: theirs.length,
    identical_report_bytes: wasmText === jsText,
  };
  // Stringifying each pair compares values and key order.
  const count = Math.max(ours.length, theirs.length);
  for (let i = 0; i < count; i++) {
    const a = JSON.stringify(ours[i]);
    const b = JSON.stringify(theirs[i]);
    if (a !== b) {
      Object.assign(result, { equal: false, first_difference: { index: i, wasm: ours[i] ?? null, js: theirs[i] ?? null } });
      console.error(`MISMATCH in ${file} at customer ${i}:\n  wasm: ${a}\n  js:   ${b}`);
      break;
    }
  }
  return result;
}

/**
 * Measures every size and format. Options: `sizes` (records), `runs`
 * (timed runs after one warm-up, at least 5), `formats` (`json`, `ndjson`),
 * `engines` (`wasm`: end to end, stages and memory; `js`: the reference),
 * `checkUpTo` (compare the customers of both for sizes up to this; 10,000).
 * A failed measurement (e.g. out of memory) is reported in place of its result.
 */
async function runBenchmark({
  sizes = [10000], runs = 5, formats = ['json', 'ndjson'], engines = ['wasm', 'js'], checkUpTo = 10000,
} = {}) {
  const results = [];
  const timedRuns = Math.max(5, runs);
  status.dataset.state = 'running';
  for (const size of sizes) {
    for (const format of formats) {
      const { file, bytes } = await load(size, format);
      const entry = { size, format, file, input_bytes: bytes.length };
      say(`${file}: ${bytes.length} bytes`);
      if (engines.includes('wasm')) {
        try {
          Object.assign(entry, await measureWasm(bytes, file, timedRuns));
          say(`  wasm ${entry.wasm.end_to_end_ms} ms`);
        } catch (error) {
          entry.wasm = failure(error);
          entry.memory = { peak_bytes: wasm.memory.buffer.byteLength };
          say(`  wasm failed: ${entry.wasm.error}`);
        }
      }
      if (engines.includes('js')) {
        try {
          entry.js = await measureReference(bytes, file, timedRuns);
          say(`  js ${entry.js.end_to_end_ms} ms`);
        } catch (error) {
          entry.js = failure(error);
          say(`  js failed: ${entry.js.error}`);
        }
      }
      if (size <= checkUpTo) {
        try {
          entry.check = check(bytes, file);
        } catch (error) {
          entry.check = { equal: false, ...failure(error) };
        }
        say(`  customers equal: ${entry.check.equal}`);
      }
      results.push(entry);
      await pause();
    }
  }
  status.dataset.state = 'done';
  return { user_agent: navigator.userAgent, runs: timedRuns, results };
}

window.runBenchmark = runBenchmark;
status.textContent = 'Ready: call runBenchmark({sizes, runs}).';
status.dataset.state = 'ready';
