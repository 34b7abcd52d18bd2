// The ideal split (bench/ideal-split.mjs): N workers, each reading its own
// slice of a CSV or NDJSON file (cut at a line break, a CSV's header
// repeated) through an UploadSession, as the page's worker reads a file;
// nothing merged, no page to draw. Time from the post to the last done.
const pool = [];
async function workers(n) {
  while (pool.length < n) {
    const w = new Worker('reader.js', { type: 'module' });
    await new Promise((resolve) => { w.onmessage = resolve; });
    pool.push(w);
  }
  return pool.slice(0, n);
}
async function parts(file, n) {
  const head = new Uint8Array(await file.slice(0, 65536).arrayBuffer());
  const headerEnd = file.name.endsWith('.csv') ? head.indexOf(10) + 1 : 0;
  const header = file.slice(0, headerEnd);
  const cuts = [0];
  for (let k = 1; k < n; k += 1) {
    const at = Math.floor((file.size * k) / n);
    const window = new Uint8Array(await file.slice(at, at + 65536).arrayBuffer());
    cuts.push(at + window.indexOf(10) + 1);
  }
  cuts.push(file.size);
  return cuts.slice(0, n).map((start, k) => (k === 0 ? file.slice(0, cuts[1])
    : new Blob([header, file.slice(start, cuts[k + 1])])));
}
window.run = async (n) => {
  const file = document.getElementById('f').files[0];
  const ws = await workers(n);
  const blobs = await parts(file, n);
  const t0 = performance.now();
  const results = await Promise.all(ws.map((w, k) => new Promise((resolve) => {
    w.onmessage = ({ data }) => resolve(data);
    w.postMessage({ blob: blobs[k], name: file.name });
  })));
  return { ms: performance.now() - t0, customers: results.reduce((a, r) => a + r.customers, 0), cpu: results.map((r) => Math.round(r.ms)) };
};
window.ready = true;
