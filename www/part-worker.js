// Reads one part of an upload cut into parts (see partsUpload in worker.js),
// in a worker of its own, so the parts of a file are read at once.
//
// Messages in: {type: 'module', module} first (the WebAssembly module,
// compiled once by worker.js), then {type: 'part', job, blob}: the core's
// job for the part (bytes) and the part's slice of the file.
// Messages out: {type: 'progress', loaded, records} now and then, then
// {type: 'done', bytes} (the part's records, assessed, as the core writes
// them; the buffer is transferred) or {type: 'error', code, message}.
import init, { PartSession } from './pkg/customer_pipeline.js';
import { pushChunks } from './breathe.js';

let ready = null;

async function readPart(job, blob) {
  await ready;
  const session = new PartSession(job);
  try {
    await pushChunks(blob, session, (loaded) =>
      self.postMessage({ type: 'progress', loaded, records: session.recordsRead }),
    );
    const bytes = session.finish();
    self.postMessage({ type: 'done', bytes }, [bytes.buffer]);
  } finally {
    session.free();
  }
}

self.onmessage = async ({ data }) => {
  if (data.type === 'module') {
    ready = init({ module_or_path: data.module });
    return;
  }
  try {
    await readPart(data.job, data.blob);
  } catch (error) {
    self.postMessage({ type: 'error', code: error?.code ?? 'internal', message: String(error?.message ?? error) });
  }
};
