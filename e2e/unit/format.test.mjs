// The page's words for counts and sizes (www/format.js), in Node:
// `node --test e2e/unit/`. The same table as the core's (src/common/words.rs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytes, plural } from '../../www/format.js';

test('one is singular and every other count plural', () => {
  assert.equal(plural(0, 'request', 'requests'), '0 requests');
  assert.equal(plural(1, 'request', 'requests'), '1 request');
  assert.equal(plural(2, 'record rejected', 'records rejected'), '2 records rejected');
  assert.equal(plural(1, 'record rejected', 'records rejected'), '1 record rejected');
  assert.equal(plural(1234, 'retry', 'retries'), '1,234 retries');
});

test('sizes have the precision they need, never "0.0 MB"', () => {
  const table = [
    [0, '0 bytes'],
    [1, '1 byte'],
    [812, '812 bytes'],
    [1023, '1,023 bytes'],
    [1024, '1.0 KB'],
    [1536, '1.5 KB'],
    [10_240, '10 KB'],
    [421_888, '412 KB'],
    [1_047_000, '1,022 KB'],
    [1_048_100, '1.0 MB'],
    [1_048_576, '1.0 MB'],
    [12_897_485, '12.3 MB'],
    [104_857_600, '100.0 MB'],
    [3 * 2 ** 30, '3.0 GB'],
  ];
  for (const [n, shown] of table) assert.equal(bytes(n), shown, `${n} bytes`);
});
