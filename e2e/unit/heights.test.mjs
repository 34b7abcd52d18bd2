// The customer table's row heights (www/vtable.js): offsets and the row at
// an offset, against plain sums, through measurements, new estimates and
// forgotten measurements, as the table makes them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Heights } from '../../www/vtable.js';

/** The same heights as a plain array (every row not measured since forget at the estimate). */
class Plain {
  constructor(n, estimate) {
    this.h = new Array(n).fill(estimate);
    this.measured = new Array(n).fill(false);
  }

  set(i, height) { this.h[i] = height; this.measured[i] = true; }

  estimateRest(estimate) { this.h = this.h.map((h, i) => (this.measured[i] ? h : estimate)); }

  forget() { this.measured.fill(false); }

  offset(i) { return this.h.slice(0, i).reduce((a, b) => a + b, 0); }

  indexAt(y) {
    let sum = 0;
    for (let i = 0; i < this.h.length; i++) {
      sum += this.h[i];
      if (sum > y) return i;
    }
    return this.h.length - 1;
  }
}

test('offsets and rows at offsets match plain sums', () => {
  let seed = 7;
  const random = (n) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  for (const n of [1, 2, 3, 17, 200, 1000]) {
    const fast = new Heights(n, 40);
    const plain = new Plain(n, 40);
    for (let step = 0; step < 400; step++) {
      const what = random(20);
      if (what === 0) {
        const estimate = 20 + random(40);
        fast.estimateRest(estimate);
        plain.estimateRest(estimate);
      } else if (what === 1) {
        fast.forget();
        plain.forget();
      } else {
        const i = random(n);
        const height = 18 + random(60);
        fast.set(i, height);
        plain.set(i, height);
      }
      const i = random(n + 1);
      assert.equal(fast.offset(i), plain.offset(i), `offset(${i}) of ${n} rows at step ${step}`);
      const total = plain.offset(n);
      assert.equal(fast.total, total);
      const y = random(Math.max(1, total));
      assert.equal(fast.indexAt(y), plain.indexAt(y), `indexAt(${y}) of ${n} rows at step ${step}`);
      assert.equal(fast.height(i % n), plain.h[i % n]);
    }
  }
});
