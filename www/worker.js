// Runs the WebAssembly pipeline off the main thread so the page never freezes.
// Messages in:  {type: 'seed', id} | {type: 'upload', id, file, seed, asOf}
// Messages out: {type: 'seed', id, seed} | {type: 'done', id, report, metadata, millis}
//               | {type: 'error', id, message}
import init, { processUpload, randomSeed } from './pkg/customer_pipeline.js';

const ready = init().catch((error) => {
  throw new Error(`The WebAssembly module could not be loaded (${error.message}). ` +
    'Build it with the README\'s run command, then reload the page.');
});

async function handle(message) {
  await ready;
  switch (message.type) {
    case 'seed':
      return { type: 'seed', seed: randomSeed() };
    case 'upload': {
      const bytes = new Uint8Array(await message.file.arrayBuffer());
      const started = performance.now();
      const output = processUpload(bytes, message.file.name, message.seed, message.asOf,
        new Date().toISOString());
      try {
        const report = output.takeReport();
        const metadata = JSON.parse(output.metadata);
        return { type: 'done', report, metadata, millis: performance.now() - started };
      } finally {
        output.free();
      }
    }
    default:
      throw new Error(`Unknown request '${message.type}'.`);
  }
}

self.onmessage = async (event) => {
  const { id } = event.data;
  try {
    const reply = await handle(event.data);
    const transfer = reply.report ? [reply.report.buffer] : [];
    self.postMessage({ ...reply, id }, transfer);
  } catch (error) {
    self.postMessage({ type: 'error', id, message: String(error?.message ?? error) });
  }
};
