// A plain-JavaScript implementation of the data contract (README, "The data
// contract"; src/{ingest,quality,customer,enrich,dates,dedupe,pipeline,report,
// distributions}.rs), the baseline the WebAssembly core is compared against.
//
// It is what a careful JavaScript developer would write: JSON.parse for
// arrays and envelopes, line splitting for NDJSON, the same field rules and
// issue texts, the same seeded assignment, dedupe, sort, and a report laid
// out like the core's (`metadata` indented, one compact line per customer).
// 64-bit SplitMix64 arithmetic uses 32-bit halves and Math.imul, not BigInt.
//
// Known differences from the core, none of which the generated benchmark
// data exercises: JSON.parse cannot tell `7` from `7.0` or keep integers
// above 2^53 exact, keeps the last of duplicate keys (the core rejects the
// record), and NDJSON is split on newlines (the core reads a stream of JSON
// values). Strings sort by UTF-16 code units (the core: code points); the
// two orders differ only between astral characters and U+E000-U+FFFF.

const UNKNOWN = 'unknown';
const MAX_SEED = 2 ** 53 - 1;
const TWO_32 = 4294967296;

// Scored fields in contract order; a customer's issues are also kept as a
// bit mask over these indexes for `issues_by_field`.
const FIELDS = ['first_name', 'last_name', 'email', 'avatar', 'last_login', 'engagement_score'];

// Rust's `char::is_whitespace` / `str::trim`: the Unicode White_Space set
// (unlike String.prototype.trim, it has U+0085 and lacks U+FEFF).
const WS_CLASS = '\\t-\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const HAS_WS = new RegExp(`[${WS_CLASS}]`);
const TRIM = new RegExp(`^[${WS_CLASS}]+|[${WS_CLASS}]+$`, 'g');

function trim(s) {
  const n = s.length;
  if (n === 0) return s;
  const a = s.charCodeAt(0);
  const b = s.charCodeAt(n - 1);
  // Fast path: printable ASCII at both ends cannot be white space.
  if (a > 32 && a < 127 && b > 32 && b < 127) return s;
  return s.replace(TRIM, '');
}

// ---------------------------------------------------------------------------
// Seeded assignment (src/enrich.rs): mix = SplitMix64's finaliser, on 64-bit
// values held as two unsigned 32-bit halves. Results go to MH/ML.

let MH = 0;
let ML = 0;

/** (ah:al) * (bh:bl) mod 2^64 into MH:ML. */
function mul64(ah, al, bh, bl) {
  // al * bl exactly, from 16-bit pieces (each partial product < 2^32).
  const a0 = al & 0xffff;
  const a1 = al >>> 16;
  const b0 = bl & 0xffff;
  const b1 = bl >>> 16;
  const mid = a0 * b1 + a1 * b0; // < 2^33
  const low = a0 * b0 + (mid % 65536) * 65536; // < 2^33
  ML = low >>> 0;
  const high = a1 * b1 + Math.floor(mid / 65536) + Math.floor(low / TWO_32);
  MH = (high + Math.imul(ah, bl) + Math.imul(al, bh)) >>> 0;
}

/** SplitMix64's finaliser of h:l, into MH:ML. */
function mix(h, l) {
  // z += 0x9e3779b97f4a7c15
  let lo = l + 0x7f4a7c15;
  let hi = (h + 0x9e3779b9 + (lo >= TWO_32 ? 1 : 0)) >>> 0;
  lo >>>= 0;
  // z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
  lo = (lo ^ ((lo >>> 30) | (hi << 2))) >>> 0;
  hi = (hi ^ (hi >>> 30)) >>> 0;
  mul64(hi, lo, 0xbf58476d, 0x1ce4e5b9);
  // z = (z ^ (z >> 27)) * 0x94d049bb133111eb
  lo = (ML ^ ((ML >>> 27) | (MH << 5))) >>> 0;
  hi = (MH ^ (MH >>> 27)) >>> 0;
  mul64(hi, lo, 0x94d049bb, 0x133111eb);
  // z ^ (z >> 31)
  lo = (ML ^ ((ML >>> 31) | (MH << 1))) >>> 0;
  hi = (MH ^ (MH >>> 31)) >>> 0;
  MH = hi;
  ML = lo;
}

// Salts of src/enrich.rs `SeededField::salt`, as [high, low] halves.
const SALT = {
  engagement: [0x656e, 0x67616765],
  activity: [0x6163, 0x74697669],
  channel: [0x6368, 0x616e6e65],
  segment: [0x7365, 0x676d656e],
  tier: [0x7469, 0x65720000],
};

/** A seeded chooser for one run: mix(seed) is computed once. */
export function seededChooser(seed) {
  mix(Math.floor(seed / TWO_32), seed >>> 0);
  const seedH = MH;
  const seedL = ML;
  /** seeded_index(seed, id, field, n) = (mix(mix(mix(seed) ^ id) ^ salt) * n) >> 64. */
  return function index(id, salt, n) {
    mix((seedH ^ Math.floor(id / TWO_32)) >>> 0, (seedL ^ id) >>> 0);
    mix((MH ^ salt[0]) >>> 0, (ML ^ salt[1]) >>> 0);
    // (hash * n) >> 64 with hash = MH * 2^32 + ML; every term is exact (n <= 4).
    return Math.floor((MH * n + Math.floor((ML * n) / TWO_32)) / TWO_32);
  };
}

const ENGAGEMENT = ['high', 'medium', 'low'];
const ACTIVITY = ['active', 'inactive'];
const CHANNEL = ['website', 'mobile_app', 'email_campaign'];
const SEGMENT = ['US-West', 'US-East', 'EU-Central', 'APAC'];
const TIER = ['basic', 'premium', 'enterprise'];

// ---------------------------------------------------------------------------
// Values as the core's messages show them (src/field.rs).

function kind(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  switch (typeof v) {
    case 'boolean': return 'a boolean';
    case 'number': return 'a number';
    case 'string': return 'a string';
    default: return 'an object';
  }
}

/** A number as Rust's `Display` writes it: never in exponent notation. */
function showNumber(n) {
  const text = String(n);
  const e = text.indexOf('e');
  if (e < 0) return text;
  const negative = text[0] === '-';
  const mantissa = text.slice(negative ? 1 : 0, e);
  const exponent = Number(text.slice(e + 1));
  const dot = mantissa.indexOf('.');
  const digits = mantissa.replace('.', '');
  const point = (dot < 0 ? mantissa.length : dot) + exponent;
  let out;
  if (point <= 0) out = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = `${digits.slice(0, point)}.${digits.slice(point)}`;
  return negative ? `-${out}` : out;
}

/** The first 40 characters (code points), with "…" when cut. */
function excerpt(s) {
  if (s.length <= 40) return s;
  let chars = 0;
  for (let i = 0; i < s.length; i++) {
    if (chars === 40) return `${s.slice(0, i)}…`;
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    chars++;
  }
  return s;
}

// ---------------------------------------------------------------------------
// Dates (src/dates.rs): a date is a day number (days since 1970-01-01).

function daysFromCivil(y, m, d) {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function daysInMonth(y, m) {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** Two ASCII digits at `at` as a number, or -1. */
function twoDigits(s, at) {
  if (at + 2 > s.length) return -1;
  const a = s.charCodeAt(at) - 48;
  const b = s.charCodeAt(at + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/** A strict YYYY-MM-DD date as a day number, or null. */
function parseCalendarDate(s) {
  if (s.length !== 10 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return null;
  const y1 = twoDigits(s, 0);
  const y2 = twoDigits(s, 2);
  const m = twoDigits(s, 5);
  const d = twoDigits(s, 8);
  if (y1 < 0 || y2 < 0 || m < 1 || m > 12 || d < 1) return null;
  const y = y1 * 100 + y2;
  if (d > daysInMonth(y, m)) return null;
  return daysFromCivil(y, m, d);
}

/** Offset east of UTC in minutes of `s` from `at` to its end, or null. */
function offsetMinutes(s, at) {
  const n = s.length - at;
  if (n === 0) return 0;
  if (n === 1 && (s[at] === 'Z' || s[at] === 'z')) return 0;
  if (n !== 6 || (s[at] !== '+' && s[at] !== '-') || s[at + 3] !== ':') return null;
  const hours = twoDigits(s, at + 1);
  const minutes = twoDigits(s, at + 4);
  if (hours < 0 || minutes < 0 || hours > 23 || minutes > 59) return null;
  return s[at] === '-' ? -(hours * 60 + minutes) : hours * 60 + minutes;
}

/** An ISO 8601 date or date-time as its UTC day number, or null. */
function parseIsoDate(text) {
  const s = trim(text);
  const date = parseCalendarDate(s.slice(0, 10));
  if (date === null) return null;
  if (s.length === 10) return date;
  const sep = s[10];
  if (sep !== 'T' && sep !== 't' && sep !== ' ') return null;
  const t = 11; // start of the time part
  const hours = twoDigits(s, t);
  const minutes = twoDigits(s, t + 3);
  if (hours < 0 || minutes < 0 || s[t + 2] !== ':' || hours > 23 || minutes > 59) return null;
  let at = t + 5;
  if (s[at] === ':') {
    const seconds = twoDigits(s, at + 1);
    if (seconds < 0 || seconds > 60) return null;
    at += 3;
    if (s[at] === '.' || s[at] === ',') {
      let end = at + 1;
      while (end < s.length && s.charCodeAt(end) >= 48 && s.charCodeAt(end) <= 57) end++;
      if (end === at + 1) return null;
      at = end;
    }
  }
  const offset = offsetMinutes(s, at);
  if (offset === null) return null;
  const utc = hours * 60 + minutes - offset;
  return utc < 0 ? date - 1 : utc >= 1440 ? date + 1 : date;
}

// ---------------------------------------------------------------------------
// Field rules (src/quality.rs). Each returns the usable value, or sets
// PROBLEM and returns undefined.

let PROBLEM = '';

function fail(problem) {
  PROBLEM = problem;
  return undefined;
}

function requiredText(v) {
  if (v === undefined) return fail('missing');
  if (v === null) return fail('null');
  if (typeof v !== 'string') return fail(`expected a string, found ${kind(v)}`);
  return v;
}

function checkName(v) {
  const text = requiredText(v);
  if (text === undefined) return undefined;
  const trimmed = trim(text);
  return trimmed.length === 0 ? fail('empty') : trimmed;
}

function checkEmail(v) {
  let text = requiredText(v);
  if (text === undefined) return undefined;
  text = trim(text);
  if (text.length === 0) return fail('empty');
  const at = text.indexOf('@');
  if (at > 0 && !HAS_WS.test(text)) {
    const domain = text.slice(at + 1);
    if (domain.indexOf('@') < 0 && domain.indexOf('.') >= 0 && !domain.split('.').includes('')) {
      return domain.toLowerCase();
    }
  }
  return fail(`invalid address '${excerpt(text)}'`);
}

function isAbsoluteHttpUrl(text) {
  // The core reads the scheme from the first 8 bytes, which must end on a
  // character boundary: true exactly when the first 8 characters are ASCII.
  if (text.length < 8 || /[\u0080-\uffff]/.test(text.slice(0, 8)) || HAS_WS.test(text)) return false;
  const scheme = text.slice(0, 8).toLowerCase();
  let rest;
  if (scheme.startsWith('https://')) rest = text.slice(8);
  else if (scheme.startsWith('http://')) rest = text.slice(7);
  else return false;
  const authority = rest.split(/[/?#]/, 1)[0];
  const host = authority.slice(authority.lastIndexOf('@') + 1);
  const colon = host.indexOf(':');
  return (colon < 0 ? host : host.slice(0, colon)).length > 0;
}

function checkAvatar(v) {
  let text = requiredText(v);
  if (text === undefined) return undefined;
  text = trim(text);
  if (text.length === 0) return fail('empty');
  if (isAbsoluteHttpUrl(text)) return true;
  return fail(`not an absolute http(s) URL '${excerpt(text)}'`);
}

function checkLastLogin(v, asOfDay, asOfText) {
  if (v === null) return fail('null');
  if (typeof v !== 'string') return fail(`expected a date string, found ${kind(v)}`);
  const day = parseIsoDate(v);
  if (day === null) return fail(`invalid date '${excerpt(v)}'`);
  if (day > asOfDay) return fail(`after as_of ${asOfText} ('${excerpt(v)}')`);
  return day;
}

function checkEngagementScore(v) {
  if (v === null) return fail('null');
  if (typeof v !== 'number') return fail(`expected a number, found ${kind(v)}`);
  return v >= 0 && v <= 100 ? v : fail(`out of range 0-100 (${showNumber(v)})`);
}

const U64_MAX = '18446744073709551615';

/** The customer id, or a string starting with "id: " (the rejection reason). */
function customerId(v) {
  if (v === undefined) return 'id: missing';
  if (v === null) return 'id: null';
  if (typeof v === 'number') {
    return Number.isInteger(v) && v > 0 ? v : `id: not a positive integer (${showNumber(v)})`;
  }
  if (typeof v === 'string') {
    if (/^[0-9]+$/.test(v)) {
      const digits = v.replace(/^0+/, '');
      const fits = digits.length < 20 || (digits.length === 20 && digits <= U64_MAX);
      if (digits.length > 0 && fits) return Number(digits);
    }
    return `id: not a positive integer ('${excerpt(v)}')`;
  }
  return `id: expected a positive integer, found ${kind(v)}`;
}

// ---------------------------------------------------------------------------
// One record to one customer (src/customer.rs).

/**
 * Assesses a record: a candidate { customer, mask } or a rejection reason (string).
 */
function assess(record, run) {
  const id = customerId(record.id);
  if (typeof id === 'string') return id;
  const issues = [];
  let mask = 0;
  const note = (field, value) => {
    if (value === undefined) {
      issues.push(`${FIELDS[field]}: ${PROBLEM}`);
      mask |= 1 << field;
    }
    return value;
  };
  const first = note(0, checkName(record.first_name));
  const last = note(1, checkName(record.last_name));
  const domain = note(2, checkEmail(record.email));
  note(3, checkAvatar(record.avatar));

  let activity;
  const login = record.last_login;
  if (login === undefined) activity = ACTIVITY[run.index(id, SALT.activity, 2)];
  else {
    const day = note(4, checkLastLogin(login, run.asOfDay, run.asOf));
    activity = day === undefined ? UNKNOWN : run.asOfDay - day <= 30 ? 'active' : 'inactive';
  }
  let engagement;
  const score = record.engagement_score;
  if (score === undefined) engagement = ENGAGEMENT[run.index(id, SALT.engagement, 3)];
  else {
    const n = note(5, checkEngagementScore(score));
    engagement = n === undefined ? UNKNOWN : n >= 70 ? 'high' : n >= 40 ? 'medium' : 'low';
  }

  let fullName;
  if (first !== undefined && last !== undefined) fullName = `${first} ${last}`;
  else fullName = first ?? last ?? UNKNOWN;
  return {
    mask,
    customer: {
      customer_id: id,
      full_name: fullName,
      email_domain: domain ?? UNKNOWN,
      engagement_level: engagement,
      activity_status: activity,
      acquisition_channel: CHANNEL[run.index(id, SALT.channel, 3)],
      market_segment: SEGMENT[run.index(id, SALT.segment, 4)],
      customer_tier: TIER[run.index(id, SALT.tier, 3)],
      data_quality_score: Math.max(0, 100 - 10 * issues.length),
      quality_issues: issues,
    },
  };
}

// ---------------------------------------------------------------------------
// Ingest (src/ingest.rs): source items { position, value } in source order.

function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function isEnvelope(v) {
  // `"data": null` reads as an absent `data` in the core: a record.
  return v.data !== undefined && v.data !== null;
}

function showPosition(p) {
  const parts = [];
  if (p.line !== undefined) parts.push(`line ${p.line}`);
  if (p.page !== undefined) parts.push(`page ${p.page}`);
  else if (p.envelope !== undefined) parts.push(`envelope ${p.envelope}`);
  if (p.record !== undefined) parts.push(`record ${p.record}`);
  return parts.length ? parts.join(', ') : 'the whole input';
}

class ShapeError extends Error {}

function readEnvelope(envelope, at, items) {
  const data = envelope.data;
  const page = Number.isInteger(envelope.page) && envelope.page > 0 ? envelope.page : undefined;
  const base = { line: at.line, page, envelope: page === undefined ? at.envelope : undefined };
  if (!Array.isArray(data)) {
    throw new ShapeError(`Unexpected JSON shape in ${showPosition(base)}: expected "data" to be an array of records, found ${kind(data)}.`);
  }
  for (let i = 0; i < data.length; i++) {
    items.push({ position: { ...base, record: i + 1 }, value: data[i] });
  }
}

function readArray(elements, items) {
  let envelopes = 0;
  let records = 0;
  for (let i = 0; i < elements.length; i++) {
    const element = elements[i];
    if (isObject(element) && isEnvelope(element)) {
      readEnvelope(element, { envelope: i + 1 }, items);
      envelopes++;
    } else {
      items.push({ position: { record: i + 1 }, value: element });
      records++;
    }
  }
  if (envelopes === 0) return 'record_array';
  return records === 0 ? 'envelope_array' : 'mixed_array';
}

const TOP_LEVEL_EXPECTED = 'a page envelope ({"page":…, "data":[…]}), an array of records or envelopes, or NDJSON';

/** Reads the decoded text: { format, items }. Throws on a whole-file error. */
export function ingest(text) {
  if (trim(text).length === 0) throw new Error('The file is empty: expected customer records as JSON or NDJSON.');
  const items = [];
  let whole;
  let parsed = false;
  try {
    whole = JSON.parse(text);
    parsed = true;
  } catch {
    // Not one JSON document: NDJSON, read below.
  }
  if (parsed) {
    if (Array.isArray(whole)) return { format: readArray(whole, items), items };
    if (isObject(whole)) {
      if (isEnvelope(whole)) {
        readEnvelope(whole, {}, items);
        return { format: 'page_envelope', items };
      }
      items.push({ position: { line: 1 }, value: whole });
      return { format: 'ndjson', items };
    }
    throw new ShapeError(`Unexpected JSON shape in the whole input: expected ${TOP_LEVEL_EXPECTED}, found ${kind(whole)}.`);
  }
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (trim(line).length === 0) continue;
    let value;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new Error(`Invalid JSON at line ${i + 1}: ${error.message}.`);
    }
    const at = { line: i + 1 };
    if (isObject(value) && isEnvelope(value)) readEnvelope(value, at, items);
    else items.push({ position: at, value });
  }
  return { format: 'ndjson', items };
}

// ---------------------------------------------------------------------------
// The report (src/pipeline.rs, src/dedupe.rs, src/distributions.rs, src/report.rs).

/** Reads the settings as the core's `RunSettings::from_text` does. */
export function runSettings(seedText, asOf, exportTimestamp) {
  const seedTrimmed = seedText.trim();
  const seed = /^[0-9]+$/.test(seedTrimmed) ? Number(seedTrimmed) : NaN;
  if (!(seed <= MAX_SEED)) throw new Error(`The seed must be a whole number from 0 to ${MAX_SEED}; got '${seedText}'.`);
  const asOfDay = parseCalendarDate(asOf.trim());
  if (asOfDay === null) throw new Error(`The reference date (as of) must be YYYY-MM-DD; got '${asOf}'.`);
  const millis = Date.parse(exportTimestamp);
  if (Number.isNaN(millis)) throw new Error(`The export timestamp must be an RFC 3339 date-time; got '${exportTimestamp}'.`);
  const timestamp = new Date(Math.floor(millis / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  return { seed, asOf: asOf.trim(), asOfDay, timestamp, index: seededChooser(seed) };
}

function tally(customers, labels, key) {
  const counts = labels.map(() => 0);
  for (const c of customers) {
    const slot = labels.indexOf(c[key]);
    if (slot >= 0) counts[slot]++;
  }
  const out = {};
  labels.forEach((label, i) => { out[label] = counts[i]; });
  return out;
}

function distributions(customers) {
  const domains = new Map();
  for (const c of customers) domains.set(c.email_domain, (domains.get(c.email_domain) ?? 0) + 1);
  const top = [...domains].map(([domain, count]) => ({ domain, customers: count }));
  top.sort((a, b) => b.customers - a.customers || (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : 0));
  return {
    engagement_level: tally(customers, ['high', 'medium', 'low', UNKNOWN], 'engagement_level'),
    activity_status: tally(customers, ['active', 'inactive', UNKNOWN], 'activity_status'),
    acquisition_channel: tally(customers, CHANNEL, 'acquisition_channel'),
    market_segment: tally(customers, SEGMENT, 'market_segment'),
    customer_tier: tally(customers, TIER, 'customer_tier'),
    top_email_domains: top.slice(0, 10),
  };
}

/** Builds the report object from decoded text. */
export function buildReport(text, fileName, settings) {
  const { format, items } = ingest(text);
  const rejected = [];
  const kept = []; // { position, customer, mask }
  const slotOf = new Map();
  const dropped = [];
  for (const item of items) {
    const { position, value } = item;
    let outcome;
    if (!isObject(value)) outcome = `not a record: expected an object, found ${kind(value)}`;
    else outcome = assess(value, settings);
    if (typeof outcome === 'string') {
      rejected.push({ position, reason: outcome, record: value });
      continue;
    }
    const id = outcome.customer.customer_id;
    const slot = slotOf.get(id);
    if (slot === undefined) {
      slotOf.set(id, kept.length);
      kept.push({ position, customer: outcome.customer, mask: outcome.mask });
      continue;
    }
    // Strictly greater: on a tie the earlier record stays.
    let loser = { position, customer: outcome.customer, mask: outcome.mask };
    if (outcome.customer.data_quality_score > kept[slot].customer.data_quality_score) {
      [loser, kept[slot]] = [kept[slot], loser];
    }
    dropped.push({ customer_id: id, position: loser.position, data_quality_score: loser.customer.data_quality_score });
  }
  const duplicates = dropped.map((d) => ({
    customer_id: d.customer_id,
    position: showPosition(d.position),
    data_quality_score: d.data_quality_score,
    kept_position: showPosition(kept[slotOf.get(d.customer_id)].position),
  }));

  const summary = { high_quality: 0, medium_quality: 0, low_quality: 0 };
  const issueCounts = [0, 0, 0, 0, 0, 0];
  const keyed = new Array(kept.length);
  for (let i = 0; i < kept.length; i++) {
    const { customer, mask } = kept[i];
    const score = customer.data_quality_score;
    if (score >= 90) summary.high_quality++;
    else if (score >= 70) summary.medium_quality++;
    else summary.low_quality++;
    for (let f = 0; f < 6; f++) issueCounts[f] += (mask >> f) & 1;
    keyed[i] = { key: customer.full_name.toLowerCase(), customer };
  }
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.customer.customer_id - b.customer.customer_id));
  const customers = keyed.map((k) => k.customer);

  const issuesByField = {};
  FIELDS.forEach((field, i) => { issuesByField[field] = issueCounts[i]; });
  const metadata = {
    total_customers: customers.length,
    export_timestamp: settings.timestamp,
    data_quality_summary: summary,
    seed: settings.seed,
    as_of: settings.asOf,
    source: { kind: 'upload', file_name: fileName, format },
    records_read: items.length,
    duplicates_removed: duplicates.length,
    rejected_records: rejected.length,
    issues_by_field: issuesByField,
    distributions: distributions(customers),
    complete: true,
    failed_pages: [],
    warnings: [],
  };
  return {
    metadata,
    customers,
    rejected: rejected.map((r) => ({ position: showPosition(r.position), reason: r.reason, record: r.record })),
    duplicates,
  };
}

/** Bytes written with TextEncoder.encodeInto into a buffer that grows. */
class ByteSink {
  constructor(capacity) {
    this.bytes = new Uint8Array(capacity);
    this.length = 0;
    this.encoder = new TextEncoder();
  }

  write(text) {
    const needed = this.length + text.length * 3;
    if (needed > this.bytes.length) {
      const grown = new Uint8Array(Math.max(needed, this.bytes.length * 2));
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
    }
    this.length += this.encoder.encodeInto(text, this.bytes.subarray(this.length)).written;
  }
}

/** Writes `,\n  "name": [` and each item compactly on its own line, as the core does. */
function writeLines(sink, name, items) {
  sink.write(`,\n  "${name}": [`);
  // Joining lines in batches keeps each string small; one string of a
  // million-customer report would approach V8's maximum string length.
  const BATCH = 4096;
  for (let start = 0; start < items.length; start += BATCH) {
    const end = Math.min(items.length, start + BATCH);
    const lines = new Array(end - start);
    for (let i = start; i < end; i++) lines[i - start] = JSON.stringify(items[i]);
    sink.write(`${start === 0 ? '\n    ' : ',\n    '}${lines.join(',\n    ')}`);
  }
  if (items.length > 0) sink.write('\n  ');
  sink.write(']');
}

/** The report's bytes, laid out like the core's `Report::to_json`. */
export function reportBytes(report, capacityHint = 1 << 20) {
  const sink = new ByteSink(capacityHint);
  sink.write(`{\n  "metadata": ${JSON.stringify(report.metadata, null, 2).replaceAll('\n', '\n  ')}`);
  writeLines(sink, 'customers', report.customers);
  writeLines(sink, 'rejected', report.rejected);
  writeLines(sink, 'duplicates', report.duplicates);
  sink.write('\n}\n');
  return sink.bytes.subarray(0, sink.length);
}

/**
 * End to end, as the wasm `processUpload` + `report()`: file bytes in,
 * report bytes out. Throws an Error with a message for a whole-file error.
 */
export function processReference(bytes, fileName, seed, asOf, exportTimestamp) {
  const settings = runSettings(seed, asOf, exportTimestamp);
  const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  const report = buildReport(text, fileName, settings);
  // The core reserves about 230 bytes per customer; start there too.
  return reportBytes(report, 4096 + report.customers.length * 230);
}
