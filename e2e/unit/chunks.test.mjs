// Reading a file in chunks (www/chunks.js): the same bytes in the
// same order whether the browser lends a BYOB reader or only a default one,
// chunks of at most 1 MiB through the BYOB reader, and the stream cancelled
// when the reading stops early.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chunksOf } from '../../www/chunks.js';

const bytes = new Uint8Array(3.5 * 1024 * 1024 + 7);
for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24;

async function collect(blob) {
  const seen = [];
  for await (const chunk of chunksOf(blob)) seen.push(chunk.slice());
  return seen;
}

const joined = (chunks) => Buffer.concat(chunks.map((c) => Buffer.from(c)));

test('a BYOB reader gives every byte, in 1 MiB chunks at most', async () => {
  const chunks = await collect(new Blob([bytes]));
  assert.ok(chunks.length >= 4, `${chunks.length} chunks`);
  assert.ok(chunks.every((c) => c.length <= 1 << 20));
  assert.deepEqual(joined(chunks), Buffer.from(bytes));
});

test('without a BYOB reader the default reader gives the same bytes', async () => {
  const blob = new Blob([bytes]);
  let asked = 0;
  const noByob = {
    stream() {
      const stream = blob.stream();
      return {
        getReader(options) {
          asked += 1;
          if (options?.mode === 'byob') throw new TypeError('not a byte stream');
          return stream.getReader();
        },
      };
    },
  };
  const chunks = await collect(noByob);
  assert.equal(asked, 2);
  assert.deepEqual(joined(chunks), Buffer.from(bytes));
});

test('stopping early cancels the stream', async () => {
  for (const mode of ['byob', 'default']) {
    let cancelled = false;
    const blob = {
      stream() {
        const stream = new Blob([bytes]).stream();
        return {
          getReader(options) {
            if (mode === 'default' && options?.mode === 'byob') throw new TypeError('no');
            const reader = stream.getReader(options);
            const cancel = reader.cancel.bind(reader);
            reader.cancel = (reason) => { cancelled = true; return cancel(reason); };
            return reader;
          },
        };
      },
    };
    for await (const chunk of chunksOf(blob)) {
      assert.ok(chunk.length > 0);
      break;
    }
    assert.ok(cancelled, mode);
  }
});

test('bytes that come with the end of the stream are not lost', async () => {
  // As a browser's BYOB reader answers a read with `min` when the stream
  // ends before the buffer is full: the last bytes and `done` together.
  let at = 0;
  const reader = {
    async read(view) {
      const n = Math.min(view.length, bytes.length - at);
      view.set(bytes.subarray(at, at + n));
      at += n;
      const filled = new Uint8Array(view.buffer, 0, n);
      return at >= bytes.length && n < view.length ? { done: true, value: filled } : { done: false, value: filled };
    },
    async cancel() {},
  };
  const chunks = await collect({ stream: () => ({ getReader: () => reader }) });
  assert.deepEqual(joined(chunks), Buffer.from(bytes));
});
