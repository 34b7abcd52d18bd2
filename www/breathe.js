// Lets a worker's event loop run between the chunks of a file. A file's
// chunks are often all read ahead, so awaiting the next one only queues a
// microtask: without a real task boundary now and then, a worker reading
// a file never looks at its task queue, where the browser puts the end of
// the worker (Cancel) and the messages it is sent. A message to itself is
// such a boundary, and costs far less than a timer (which browsers clamp).
import { chunksOf } from './chunks.js';

const channel = new MessageChannel();
const waiting = [];
channel.port1.onmessage = () => waiting.shift()?.();

/** Resolves after the worker's task queue has had a turn. */
export function breathe() {
  return new Promise((resolve) => {
    waiting.push(resolve);
    channel.port2.postMessage(null);
  });
}

/** A function that breathes when `everyMs` have passed since it last did. */
export function breather(everyMs = 10) {
  let last = performance.now();
  return async () => {
    if (performance.now() - last < everyMs) return;
    await breathe();
    last = performance.now();
  };
}

/**
 * Pushes `blob` into `session` chunk by chunk, breathing between chunks
 * (Cancel ends the worker reading it), and calls `progress(loaded)` at
 * most every 50 ms and once at the end.
 */
export async function pushChunks(blob, session, progress) {
  let loaded = 0;
  let lastReport = 0;
  const breathe = breather();
  for await (const value of chunksOf(blob)) {
    session.push(value);
    await breathe();
    loaded += value.length;
    const now = performance.now();
    if (now - lastReport > 50) {
      lastReport = now;
      progress(loaded);
    }
  }
  progress(loaded);
}
