// Runs the WebAssembly pipeline off the main thread so the page never freezes.
// It keeps the last run's output so the page can ask for table rows and
// downloads without moving the whole data set across threads.
//
// Requests ({id, type, ...}) and replies ({id, type: 'done' | 'error', ...}):
//   seed                          -> {seed}
//   upload {file, seed, asOf}     -> {metadata, rejected}   (+ 'read-progress' events)
//   fetch {settings}              -> {metadata, rejected}   (+ 'event' events: log, progress)
//   cancel                        -> {}                     (aborts a running fetch)
//   view {sort, descending, search, bucket, issue} -> {count}
//   rows {offset, limit}          -> {rows}
//   download {kind: json | csv | summary} -> {blob, millis}
import init, { UploadSession, fetchAndProcess, randomSeed } from './pkg/customer_pipeline.js';

const ready = init().catch((error) => {
  throw new Error(`The WebAssembly module could not be loaded (${error.message}). ` +
    'Build it with the README\'s run command, then reload the page.');
});

const REJECTED_SHOWN = 500;
let current = null;
let fetchAbort = null;

function keep(output) {
  current?.free();
  current = output;
  return {
    metadata: JSON.parse(output.metadata),
    rejected: JSON.parse(output.rejectedJson(REJECTED_SHOWN)),
  };
}

/**
 * Streams the file into an upload session chunk by chunk: NDJSON is
 * processed as it arrives, so memory stays bounded by the output.
 */
async function streamUpload(file, id, seed, asOf) {
  const session = new UploadSession(file.name, file.size, seed, asOf);
  try {
    const reader = file.stream().getReader();
    let loaded = 0;
    let lastReport = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      session.push(value);
      loaded += value.length;
      const now = performance.now();
      if (now - lastReport > 50) {
        lastReport = now;
        self.postMessage({ type: 'read-progress', id, loaded, total: file.size, records: session.recordsRead });
      }
    }
    self.postMessage({ type: 'read-progress', id, loaded, total: file.size, records: session.recordsRead });
    return session.finish(new Date().toISOString());
  } finally {
    session.free();
  }
}

const handlers = {
  seed: () => ({ seed: randomSeed() }),

  async upload({ id, file, seed, asOf }) {
    const started = performance.now();
    const output = await streamUpload(file, id, seed, asOf);
    return { ...keep(output), millis: performance.now() - started };
  },

  async fetch({ id, settings }) {
    fetchAbort = new AbortController();
    const started = performance.now();
    try {
      const onEvent = (json) => self.postMessage({ type: 'event', id, event: JSON.parse(json) });
      const output = await fetchAndProcess(JSON.stringify(settings), onEvent, fetchAbort.signal);
      return { ...keep(output), millis: performance.now() - started };
    } finally {
      fetchAbort = null;
    }
  },

  cancel() {
    fetchAbort?.abort();
    return {};
  },

  view({ sort, descending, search, bucket, issue }) {
    if (!current) return { count: 0 };
    return { count: current.setView(sort, descending, search, bucket, issue) };
  },

  rows({ offset, limit }) {
    return { rows: current ? JSON.parse(current.rows(offset, limit)) : [] };
  },

  download({ kind }) {
    if (!current) throw new Error('Run the pipeline first.');
    const started = performance.now();
    const parts = kind === 'csv' ? [current.csv()]
      : kind === 'summary' ? [new TextEncoder().encode(current.summaryJson())]
        : current.reportParts();
    return { blob: new Blob(parts), millis: performance.now() - started };
  },
};

self.onmessage = async (event) => {
  const request = event.data;
  try {
    await ready;
    const handler = handlers[request.type];
    if (!handler) throw new Error(`Unknown request '${request.type}'.`);
    const reply = await handler(request);
    self.postMessage({ ...reply, type: 'done', id: request.id });
  } catch (error) {
    self.postMessage({ type: 'error', id: request.id, message: String(error?.message ?? error) });
  }
};
