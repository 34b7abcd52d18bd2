// A worker of the ideal split (split.js): reads the slice it is sent, as the page's worker reads a file.
import init, { UploadSession } from './pkg/customer_pipeline.js';
await init();
self.postMessage('ready');
self.onmessage = async ({ data: { blob, name } }) => {
  const t0 = performance.now();
  const session = new UploadSession(name, blob.size, '1', '2026-11-24', () => {}, '{}');
  const reader = blob.stream().getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    session.push(value);
  }
  const out = session.finish('2026-11-24T12:00:00Z');
  session.free();
  const customers = JSON.parse(out.metadata).total_customers;
  out.free();
  self.postMessage({ customers, ms: performance.now() - t0 });
};
