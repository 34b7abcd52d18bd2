// Runs the WebAssembly pipeline off the main thread so the page never freezes.
// It loads the page's upload module (www/pkg) at once, and the API-and-compare module
// (www/pkg-api-compare: the API fetch, the pages kept on this device, comparing;
// modules.js) only when a request needs it.
// It keeps the last run's output so the page can ask for table rows and
// downloads without moving the whole data set across threads. Starting a run
// drops the previous output first, so a failed run leaves nothing to download.
//
// Requests ({id, type, ...}) and replies ({id, type: 'done' | 'error', ...}):
//   vocabulary                    -> {vocabulary}            (the core's names and limits)
//   seed                          -> {seed}
//   redact-url {url}              -> {url}                   (secrets in the query as ***)
//   upload {file, seed, asOf, options: {map, separator, simulate, workers}, firstRows}
//                                 -> {metadata, rejected, duplicates, rows, millis}
//                                    (rows: the table's first `firstRows` rows, report order)
//                                    (+ 'read-progress' and 'event' messages: the run log)
//                                    (workers > 1: the file is cut into parts read at once by
//                                    part workers, part-worker.js, and this one; see partsUpload)
//   fetch {form, firstRows}       -> {metadata, rejected, duplicates, rows, millis, cachedPages}
//                                    (form.map: the field mapping, as for the upload)
//                                    (+ 'event' messages: run log and progress)
//   cancel                        -> {}                      (aborts a running fetch; an upload is
//                                                              cancelled by ending this worker, and
//                                                              its part workers with it)
//   stored                        -> {stored: {pages, bytes}} (pages kept on this device)
//   forget-stored                 -> {stored: {pages, bytes}} (forgets them first)
//   view {sort, descending, search, bucket, issue} -> {count}
//   rows {offset, limit}          -> {rows}                  (ids as text)
//   download {kind: json | csv | summary} -> {blob, millis}
//   previous, compare, changes-view, changes-rows, download-changes: see changes-worker.js
//   probe-file, probe-api, cancel-probe, map-text: see mapping-worker.js
// An error reply is {id, type: 'error', message, details}: `details` holds
// the error's `code` and every other detail the core's errors carry (the
// vocabulary's error_details: `field`, `line`, `column`, `page`,
// `pages_fetched`) that it has. Every code is the core's (error_codes).
import {
  SplitUpload, UploadSession, plainUrl, randomSeed, storeDatabase, vocabulary,
} from './pkg/customer_pipeline.js';
import { breather, pushChunks } from './breathe.js';
import { chunksOf } from './chunks.js';
import { changesHandlers, forgetChanges } from './changes-worker.js';
import { codedError } from './coded-error.js';
import { mappingHandlers } from './mapping-worker.js';
import { apiCompareModule, compiled, ready } from './modules.js';

/** The core's vocabulary, read once the module is loaded: the page's words, and the worker's. */
const words = ready.then(() => JSON.parse(vocabulary()));
// Awaited where used; a failure to load is ready's, reported to the page there.
words.catch(() => {});

/** Rejected records and removed duplicates listed on the page (all are in the report). */
const LISTED = 500;
let current = null;
let fetchAbort = null;

function forget() {
  forgetChanges();
  current?.free();
  current = null;
}

/** Keeps a run's output; the reply's summary, lists and first `firstRows` table rows (the fresh view: report order). */
function keep(output, firstRows = 0) {
  forget();
  current = output;
  return {
    rows: JSON.parse(output.rows(0, firstRows)),
    metadata: JSON.parse(output.metadata),
    rejected: JSON.parse(output.rejectedJson(LISTED)),
    duplicates: JSON.parse(output.duplicatesJson(LISTED)),
  };
}

const postEvent = (id) => (json) => self.postMessage({ type: 'event', id, event: JSON.parse(json) });

/**
 * Streams the file into an upload session chunk by chunk: NDJSON is
 * processed as it arrives, so memory stays bounded by the output.
 */
async function streamUpload(file, id, seed, asOf, options) {
  const session = new UploadSession(file.name, file.size, seed, asOf, postEvent(id), JSON.stringify(options ?? {}));
  try {
    await pushChunks(file, session, (loaded) =>
      self.postMessage({ type: 'read-progress', id, loaded, total: file.size, records: session.recordsRead }),
    );
    return session.finish(new Date().toISOString());
  } finally {
    session.free();
  }
}

// ---------- an upload in parts ----------

/**
 * Starts a part worker (part-worker.js) and hands it the compiled module.
 * Part workers live for one run: each holds its part's memory, which a
 * WebAssembly instance never gives back, so they end with the run.
 */
async function startPartWorker() {
  const worker = new Worker(new URL('./part-worker.js', import.meta.url), { type: 'module' });
  partWorkers.add(worker);
  worker.postMessage({ type: 'module', module: await compiled });
  return worker;
}

/** The part workers of the upload running now. */
const partWorkers = new Set();

/** Ends the part workers at once (the run is over). */
function stopPartWorkers() {
  for (const worker of partWorkers) worker.terminate();
  partWorkers.clear();
}

/**
 * Has `worker` read one part: its job (from the core) and its slice of the
 * file. Resolves with the part's bytes; `onProgress({loaded, records})`.
 */
function readInWorker(worker, job, blob, onProgress) {
  return new Promise((resolve, reject) => {
    worker.onmessage = ({ data }) => {
      if (data.type === 'progress') onProgress(data);
      else if (data.type === 'done') {
        // Its part is here: end the worker now, not with the run, so its
        // memory (a WebAssembly instance keeps its peak) is not held while
        // this one merges and sums up.
        worker.terminate();
        partWorkers.delete(worker);
        resolve(data.bytes);
      } else reject(codedError(data.message, { code: data.code }));
    };
    worker.onerror = (event) => reject(codedError(event.message || 'A part worker failed.', { code: 'internal' }));
    // The job's buffer is the worker's now (transferred, not copied).
    worker.postMessage({ type: 'part', job, blob }, [job.buffer]);
  });
}

/** Reads a slice of the file here, into `session` (its `push(chunk)`); `onChunk(bytes)` after each chunk. */
async function readHere(session, blob, onChunk, stopped) {
  const breathe = breather();
  for await (const value of chunksOf(blob)) {
    if (stopped()) return;
    session.push(value);
    onChunk(value.length);
    await breathe();
  }
}

/**
 * An upload cut into parts at record boundaries (the core plans the cut from
 * the file's start and a window at each cut): this worker reads part 0, one
 * part worker each of the others, from slices of the file (`File.slice`: no
 * copy of the file is made here); their results come back as bytes
 * (transferred) and the core merges them into the one-piece report. Returns
 * null when the file is read in one piece instead: it cannot be cut, or a
 * part could not be read on its own (then the one-piece run names any
 * error where it is).
 */
async function partsUpload(file, id, seed, asOf, options) {
  const split = new SplitUpload(file.name, file.size, seed, asOf, postEvent(id), JSON.stringify(options));
  let parts = 0;
  try {
    const want = Number(options?.workers ?? 1);
    // Started while the cut is planned.
    const starting = Array.from({ length: Math.max(0, want - 1) }, () => startPartWorker());
    for (let wanted = split.wants(); wanted; wanted = split.wants()) {
      const [start, length] = wanted;
      split.give(new Uint8Array(await file.slice(start, start + length).arrayBuffer()));
    }
    parts = split.plan();
    if (parts < 2) return null;
    const pool = await Promise.all(starting);

    const loaded = new Array(parts).fill(0);
    const records = new Array(parts).fill(0);
    let lastReport = 0;
    const progress = () => {
      const now = performance.now();
      if (now - lastReport < 50) return;
      lastReport = now;
      const sum = (values) => values.reduce((a, b) => a + b, 0);
      self.postMessage({ type: 'read-progress', id, loaded: sum(loaded), total: file.size, records: sum(records) });
    };
    const slice = (index) => {
      const [start, end] = split.bounds(index);
      return file.slice(start, end);
    };
    let failed = null;
    const others = pool.slice(0, parts - 1).map((worker, at) => {
      const index = at + 1;
      return readInWorker(worker, split.job(index), slice(index), (data) => {
        loaded[index] = data.loaded;
        records[index] = data.records;
        progress();
      }).then((bytes) => split.addPart(index, bytes), (error) => {
        failed = error;
        throw error;
      });
    });
    const all = Promise.all(others);
    all.catch(() => {});

    // Part 0 here, straight into the merge; the others wait for it there.
    split.startFirst();
    await readHere({ push: (chunk) => split.pushFirst(chunk) }, slice(0), (length) => {
      loaded[0] += length;
      records[0] = split.firstRecordsRead;
      progress();
    }, () => failed !== null);
    if (failed) throw failed;
    split.finishFirst();
    await all;
    const output = split.finish(new Date().toISOString());
    if (output) return output;
    split.readWhole();
    return null;
  } catch {
    // A part that cannot be read on its own: the run in one piece says why, and where.
    if (parts >= 2) split.readWhole();
    return null;
  } finally {
    split.free();
    stopPartWorkers();
  }
}

/** Reads the file in parts when the settings ask for more than one worker, else (or when it cannot be) in one piece. */
async function readUpload(file, id, seed, asOf, options) {
  if (Number(options?.workers ?? 1) > 1) {
    const output = await partsUpload(file, id, seed, asOf, options);
    if (output) return output;
  }
  return streamUpload(file, id, seed, asOf, options);
}

/**
 * Whether this device may hold API pages: false when the browser lists its
 * databases and the store's is not among them, so a page that never ran
 * against an API does not load the API-and-compare module to count nothing.
 */
async function mayHoldPages() {
  if (typeof globalThis.indexedDB?.databases !== 'function') return true;
  try {
    const name = storeDatabase();
    return (await indexedDB.databases()).some((database) => database.name === name);
  } catch {
    return true;
  }
}

const handlers = {
  vocabulary: async () => ({ vocabulary: await words }),

  seed: () => ({ seed: randomSeed() }),

  // A URL with nothing to redact is shown as the core says without loading the API-and-compare module.
  'redact-url': async ({ url }) => ({ url: plainUrl(url) ?? (await apiCompareModule()).redactUrl(url) }),

  async upload({ id, file, seed, asOf, options, firstRows }) {
    forget();
    const started = performance.now();
    const output = await readUpload(file, id, seed, asOf, options);
    return { ...keep(output, firstRows), millis: performance.now() - started };
  },

  async fetch({ id, form, firstRows }) {
    forget();
    fetchAbort = new AbortController();
    const started = performance.now();
    try {
      const { fetchAndProcess, cachedPages } = await apiCompareModule();
      const output = await fetchAndProcess(JSON.stringify(form), postEvent(id), fetchAbort.signal);
      return { ...keep(output, firstRows), millis: performance.now() - started, cachedPages: cachedPages() };
    } finally {
      fetchAbort = null;
    }
  },

  cancel() {
    fetchAbort?.abort();
    return {};
  },

  // IndexedDB is used from here, off the main thread, as by the runs.
  async stored() {
    if (!(await mayHoldPages())) return { stored: { pages: 0, bytes: 0 } };
    return { stored: JSON.parse(await (await apiCompareModule()).storedPages()) };
  },

  async 'forget-stored'() {
    const { forgetStoredPages, storedPages } = await apiCompareModule();
    await forgetStoredPages();
    return { stored: JSON.parse(await storedPages()) };
  },

  view({ sort, descending, search, bucket, issue }) {
    if (!current) return { count: 0 };
    return { count: current.setView(sort, descending, search, bucket, issue) };
  },

  rows({ offset, limit }) {
    // Parsed here only to cross threads as objects: ids stay strings.
    return { rows: current ? JSON.parse(current.rows(offset, limit)) : [] };
  },

  download({ kind }) {
    if (!current) {
      throw codedError('There is no report to download: run the pipeline first.', { code: 'no_report' });
    }
    const started = performance.now();
    const parts = kind === 'csv' ? [current.csv()]
      : kind === 'summary' ? [new TextEncoder().encode(current.summaryJson())]
        : current.reportParts();
    return { blob: new Blob(parts), millis: performance.now() - started };
  },
};

Object.assign(handlers, changesHandlers(() => current));
Object.assign(handlers, mappingHandlers(postEvent, words));

self.onmessage = async (event) => {
  const request = event.data;
  try {
    await ready;
    const handler = handlers[request.type];
    if (!handler) throw codedError(`Unknown request '${request.type}'.`, { code: 'internal' });
    const reply = await handler(request);
    self.postMessage({ ...reply, type: 'done', id: request.id });
  } catch (error) {
    self.postMessage({ type: 'error', id: request.id, message: String(error?.message ?? error), details: await details(error) });
  }
};

/**
 * The details of a failure as the page receives them: every one the
 * core's vocabulary names (error_details) that the error has; an error
 * without a code (a bug in this script) is `internal`.
 */
async function details(error) {
  // Without the module there is no vocabulary: the load failure has only its code.
  const names = await words.then((v) => v.error_details, () => ['code']);
  const found = {};
  for (const name of names) {
    if (error?.[name] !== undefined && error?.[name] !== null) found[name] = error[name];
  }
  if (found.code === undefined) found.code = 'internal';
  return found;
}
