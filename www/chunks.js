// Reads a file (a Blob) in chunks, for the workers that read uploads and
// earlier reports.

/** Bytes read at a time where the browser lets us choose (a BYOB reader). */
const CHUNK_BYTES = 1 << 20;

/**
 * The bytes of `blob`, chunk by chunk, each a view that is only valid until
 * the next one is asked for. Where the browser can read a blob into a
 * buffer we hand it (a BYOB reader), two buffers serve every chunk: a
 * default reader makes a new buffer for each 64 KiB chunk, which stays
 * until the next garbage collection, and for a 112 MB file that was about
 * 100 MB of the page's growth besides the WebAssembly memory.
 */
export async function* chunksOf(blob) {
  let reader;
  try {
    reader = blob.stream().getReader({ mode: 'byob' });
  } catch {
    reader = null;
  }
  if (!reader) {
    const plain = blob.stream().getReader();
    try {
      for (;;) {
        const { done, value } = await plain.read();
        if (done) return;
        yield value;
      }
    } finally {
      plain.cancel().catch(() => {});
    }
  }
  // Two buffers: the next chunk is read into one while the other is used
  // (a BYOB reader reads only when asked, never ahead).
  // `min`: a whole buffer a read, not whatever the browser has at hand
  // (64 KiB pieces), where the browser knows the option.
  const fill = (buffer) => reader.read(new Uint8Array(buffer), { min: CHUNK_BYTES });
  let pending = fill(new ArrayBuffer(CHUNK_BYTES));
  let spare = new ArrayBuffer(CHUNK_BYTES);
  try {
    for (;;) {
      const { done, value } = await pending;
      if (done) {
        // With `min`, the last bytes can come with the end.
        if (value?.length) yield value;
        return;
      }
      pending = fill(spare);
      yield value;
      // A read takes its buffer over (transferred); it comes back with the view.
      spare = value.buffer;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}
