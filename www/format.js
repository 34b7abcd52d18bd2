// Counts and sizes as the page says them, the way the core's sentences do
// (src/common/words.rs): "1 record", "2 records"; "812 bytes", "412 KB",
// "12.3 MB". No DOM here, so node tests them (e2e/unit/format.test.mjs).

/** Formats a count for people: 1,234. */
export const count = (n) => Number(n ?? 0).toLocaleString('en-US');

/** `n` with its noun, singular for exactly one: plural(1, 'request', 'requests') is "1 request". */
export const plural = (n, one, many) => `${count(n)} ${Number(n) === 1 ? one : many}`;

const UNITS = ['KB', 'MB', 'GB'];

/**
 * A size in bytes, KB, MB or GB (of 1,024): bytes whole, KB whole from
 * 10 KB (one decimal below), MB and GB with one decimal. Never "0.0 MB".
 */
export function bytes(n) {
  const size = Number(n ?? 0);
  if (size < 1024) return plural(size, 'byte', 'bytes');
  let value = size / 1024;
  let unit = 0;
  // Rounded as shown: 1,023.9 KB reads as 1.0 MB.
  while (unit + 1 < UNITS.length && Math.round(value) >= 1024) {
    value /= 1024;
    unit += 1;
  }
  if (unit === 0 && value >= 9.95) return `${count(Math.round(value))} KB`;
  return `${value.toFixed(1)} ${UNITS[unit]}`;
}

/** Milliseconds as seconds: two decimals below 10 s, one above. */
export const seconds = (ms) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
