// DuckDB-WASM as a peer of the core (issue 11): the data contract (README,
// "The data contract") written in SQL, run on the same bytes, producing the
// report's customer lines. For a JSON array and for CSV (issue 12).
//
// Offline, DuckDB-WASM has no JSON extension (`read_json`, `json_*` and
// `COPY ... (FORMAT JSON)` are fetched from the internet at run time), so the
// file goes in through the built-in `insertJSONFromPath`, which reads a JSON
// array (not NDJSON) into a table. Every field is read as text (`utf8`): the
// reader refuses a column whose JSON types differ between records (ids are
// numbers and strings), and text keeps a number's digits for messages.
//
// What SQL on that table cannot express, and how this file reads it:
// - absent and null are both NULL. A NULL name, email or avatar is taken as
//   absent ("missing"), a NULL last_login or engagement_score as present but
//   null ("null", scored as an issue, level or status "unknown"). So an
//   absent last_login or engagement_score (seeded in the contract) and a null
//   name, email or avatar ("null") come out differently from the core. The
//   generated benchmark data has neither.
// - a value's JSON type is gone: `"id": "12"` and `12` both read as '12'
//   (both valid ids in the contract, fine), but `"engagement_score": "50"`
//   and a first_name of `7` are accepted here, where the core says
//   "expected a number, found a string" / "expected a string, found a number".
// - rejected records, their original text and positions, the duplicates
//   list, the metadata (counts, distributions): not produced; only the
//   customer lines are, in the report's order.
// - numbers in messages are the reader's text of the number (`150`), not the
//   core's rendering of the parsed value (`1.5e2` would differ).
// - Unicode lower-casing (sort key, email domain) is DuckDB's, not Rust's
//   `to_lowercase`; they agree on the generated names (ASCII, ë, ü).
//
// CSV goes in through the built-in `insertCSVFromPath` (DuckDB's own CSV
// reader, no extension), every column as text, with the header naming the
// contract's fields (no mapping proposal: a column is found by its exact
// name). An empty cell is NULL there and absent in the core, so for CSV the
// query reads a NULL last_login or engagement_score as absent (no issue, the
// seeded status or level) rather than as null; a name, email or avatar is
// "missing" either way. In CSV there is no null and no JSON type, so the
// first two differences above do not arise; the core reads an engagement
// score cell as a number, and a cell that is not one gets another message
// than here (the generated data has none).

/** The columns read from each record, all as text. */
const COLUMNS = ['id', 'email', 'first_name', 'last_name', 'avatar', 'last_login', 'engagement_score'];

// The flat form of `columns` (what the library makes of arrow types), so
// this file needs no apache-arrow import.
const TEXT_COLUMNS = COLUMNS.map((name) => ({ name, sqlType: 'utf8', nullable: true }));

/** Options for `insertJSONFromPath`: a row array with every column as text. */
export function insertOptions(table) {
  return { name: table, shape: 'row-array', columnsFlat: TEXT_COLUMNS };
}

/**
 * Options for `insertCSVFromPath`: a header row, `,` and RFC 4180 quoting
 * (`""` inside quotes), no type detection, every column as text.
 */
export function insertCsvOptions(table) {
  return { name: table, header: true, delimiter: ',', quote: '"', escape: '"', detect: false, columnsFlat: TEXT_COLUMNS };
}

// Rust's `char::is_whitespace` (Unicode White_Space), for trim and the
// "no white space" rules: as an RE2 class, and as code points for trim().
const WS_RE = '[\\t-\\r \\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}]';
const WS_CODES = [9, 10, 11, 12, 13, 32, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004,
  0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000];

const U64_MASK = '18446744073709551615::UHUGEINT';

/** serde_json's string escaping, as SQL on a text expression `x`. */
function escapeSql(x) {
  let controls = `replace(replace(${x}, '\\', '\\\\'), '"', '\\"')`;
  const named = { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r' };
  for (let c = 0; c < 32; c++) {
    const to = named[c] ?? `\\u${c.toString(16).padStart(4, '0')}`;
    controls = `replace(${controls}, chr(${c}), '${to}')`;
  }
  // The 32 replacements only for the rare text that has a control character.
  return `(CASE WHEN regexp_matches(${x}, '[\\x00-\\x1f]') THEN ${controls}
    ELSE replace(replace(${x}, '\\', '\\\\'), '"', '\\"') END)`;
}

/** The first 40 characters of `x`, with "…" when cut (the core's excerpt). */
const excerpt = (x) => `(CASE WHEN length(${x}) <= 40 THEN ${x} ELSE substring(${x}, 1, 40) || '…' END)`;

const quoteSql = (text) => `'${String(text).replaceAll("'", "''")}'`;

/**
 * Statements run once per database: SplitMix64's finaliser as four macros
 * (each a projection of its own below, so no step is evaluated twice), on
 * UHUGEINT so that the 64-bit wrapping multiplication is exact.
 */
export const SETUP_SQL = [
  // trim() with a set of characters is slow (about 3 µs a value here), so
  // only values that start or end with white space go through it.
  `CREATE OR REPLACE MACRO ws_trim(x) AS (CASE
    WHEN ord(left(x, 1)) IN (${WS_CODES}) OR ord(right(x, 1)) IN (${WS_CODES})
    THEN trim(x, ${WS_CODES.map((c) => `chr(${c})`).join(' || ')}) ELSE x END)`,
  `CREATE OR REPLACE MACRO sm_a(z) AS ((z::UHUGEINT + 11400714819323198485::UHUGEINT) & ${U64_MASK})`,
  `CREATE OR REPLACE MACRO sm_b(a) AS ((xor(a, a >> 30) * 13787848793156543929::UHUGEINT) & ${U64_MASK})`,
  `CREATE OR REPLACE MACRO sm_c(b) AS ((xor(b, b >> 27) * 10723151780598845931::UHUGEINT) & ${U64_MASK})`,
  'CREATE OR REPLACE MACRO sm_d(c) AS (xor(c, c >> 31))',
];

// Salts of src/enrich.rs `SeededField::salt`.
const SALT = {
  channel: 0x6368616e6e65n, segment: 0x7365676d656en, tier: 0x746965720000n,
  level: 0x656e67616765n, activity: 0x616374697669n,
};

/**
 * The contract as one query over `table` (the columns above plus `rowid`,
 * the record's place in the file): the customer lines, in report order.
 * `nullIsAbsent` (CSV, where an empty cell is absent): a NULL last_login or
 * engagement_score is absent, so it costs nothing and its status or level
 * is seeded; otherwise it is a present null.
 */
export function customerLinesQuery(table, { seed, asOf, nullIsAbsent = false }) {
  const asOfDate = `DATE ${quoteSql(asOf)}`;
  const trim = (x) => `ws_trim(${x})`;
  const date = `'^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[Tt ]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:[.,][0-9]+)?)?(Z|z|[+-][0-9]{2}:[0-9]{2})?)?$'`;
  const email = `'^[^@]+@[^@.]+(?:\\.[^@.]+)+$'`;
  const url = `'^(?i:https://|http://)(?:[^/?#]*@)?[^:/?#@][^/?#@]*(?:[/?#].*)?$'`;
  // The seeded fields' hashes, one column each: always channel, segment and
  // tier; level and status only where an absent value seeds them.
  const hashes = { ch: SALT.channel, sg: SALT.segment, ti: SALT.tier, ...(nullIsAbsent ? { el: SALT.level, ac: SALT.activity } : {}) };
  const names = Object.keys(hashes).join(', ');
  const step = (macro) => Object.keys(hashes).map((name) => `${macro}(${name}) AS ${name}`).join(', ');
  return `
WITH src AS (
  SELECT rowid AS pos, * FROM ${table}
),
ids AS (
  SELECT *, CASE WHEN regexp_full_match(id, '[0-9]+') THEN TRY_CAST(id AS UBIGINT) END AS cid FROM src
),
fields AS (
  SELECT pos, cid,
    ${trim('first_name')} AS fn_t,
    ${trim('last_name')} AS ln_t,
    ${trim('email')} AS em_t,
    ${trim('avatar')} AS av_t,
    last_login,
    regexp_extract(${trim('last_login')}, ${date}, ['y', 'mo', 'd', 'h', 'mi', 's', 'off']) AS ll,
    engagement_score,
    TRY_CAST(engagement_score AS DOUBLE) AS es_n
  FROM ids WHERE cid > 0
),
clock AS (
  -- Empty groups (no time, no offset, Z) become NULL numbers.
  SELECT *,
    coalesce(nullif(ll.h, '')::INT * 60 + nullif(ll.mi, '')::INT, 0)
      - coalesce(CASE WHEN ll.off[1] = '-' THEN -1 ELSE 1 END
          * (nullif(substring(ll.off, 2, 2), '')::INT * 60 + nullif(substring(ll.off, 5, 2), '')::INT), 0) AS utc_minute,
    coalesce(nullif(ll.h, '')::INT > 23 OR nullif(ll.mi, '')::INT > 59 OR nullif(ll.s, '')::INT > 60, false)
      OR coalesce(nullif(substring(ll.off, 2, 2), '')::INT > 23 OR nullif(substring(ll.off, 5, 2), '')::INT > 59, false)
      AS bad_clock
  FROM fields
),
login AS (
  -- The UTC date: the calendar date moved by a day when the offset crosses midnight.
  SELECT *,
    CASE WHEN ll.y = '' OR bad_clock THEN NULL
      ELSE TRY_CAST(ll.y || '-' || ll.mo || '-' || ll.d AS DATE)
        + CASE WHEN utc_minute < 0 THEN -1 WHEN utc_minute >= 1440 THEN 1 ELSE 0 END
    END AS login_day
  FROM clock
),
assessed AS (
  SELECT pos, cid, fn_t, ln_t, es_n,
    CASE WHEN fn_t IS NULL THEN 'missing' WHEN fn_t = '' THEN 'empty' END AS fn_p,
    CASE WHEN ln_t IS NULL THEN 'missing' WHEN ln_t = '' THEN 'empty' END AS ln_p,
    CASE WHEN em_t IS NULL THEN 'missing' WHEN em_t = '' THEN 'empty'
      WHEN NOT regexp_matches(em_t, ${email}) OR regexp_matches(em_t, '${WS_RE}')
        THEN 'invalid address ''' || ${excerpt('em_t')} || '''' END AS em_p,
    lower(split_part(em_t, '@', 2)) AS domain,
    CASE WHEN av_t IS NULL THEN 'missing' WHEN av_t = '' THEN 'empty'
      WHEN length(av_t) < 8 OR regexp_matches(substring(av_t, 1, 8), '[^\\x00-\\x7f]')
        OR regexp_matches(av_t, '${WS_RE}') OR NOT regexp_matches(av_t, ${url})
        THEN 'not an absolute http(s) URL ''' || ${excerpt('av_t')} || '''' END AS av_p,
    ${nullIsAbsent ? 'last_login IS NULL AS ll_null, engagement_score IS NULL AS es_null,' : ''}
    CASE WHEN last_login IS NULL THEN ${nullIsAbsent ? 'NULL' : "'null'"}
      WHEN login_day IS NULL THEN 'invalid date ''' || ${excerpt('last_login')} || ''''
      WHEN login_day > ${asOfDate} THEN 'after as_of ${asOf} (''' || ${excerpt('last_login')} || ''')' END AS ll_p,
    login_day,
    CASE WHEN engagement_score IS NULL THEN ${nullIsAbsent ? 'NULL' : "'null'"}
      WHEN es_n IS NULL THEN 'expected a number, found a string'
      WHEN NOT (es_n >= 0 AND es_n <= 100) THEN 'out of range 0-100 (' || engagement_score || ')' END AS es_p
  FROM login
),
scored AS (
  SELECT *,
    100 - 10 * ((fn_p IS NOT NULL)::INT + (ln_p IS NOT NULL)::INT + (em_p IS NOT NULL)::INT
      + (av_p IS NOT NULL)::INT + (ll_p IS NOT NULL)::INT + (es_p IS NOT NULL)::INT) AS score
  FROM assessed
),
kept AS (
  SELECT * FROM scored
  QUALIFY row_number() OVER (PARTITION BY cid ORDER BY score DESC, pos) = 1
),
named AS (
  SELECT *,
    CASE WHEN fn_p IS NULL AND ln_p IS NULL THEN fn_t || ' ' || ln_t
      WHEN fn_p IS NULL THEN fn_t WHEN ln_p IS NULL THEN ln_t ELSE 'unknown' END AS full_name
  FROM kept
),
seeded AS (
  SELECT seed_mix FROM (SELECT sm_d(c) AS seed_mix FROM (SELECT sm_c(b) AS c FROM (SELECT sm_b(a) AS b FROM
    (SELECT sm_a(${BigInt(seed)}::UBIGINT) AS a))))
),
h1a AS (SELECT named.*, sm_a(xor(seed_mix, cid::UHUGEINT)) AS z FROM named, seeded),
h1b AS (SELECT * EXCLUDE (z), sm_b(z) AS z FROM h1a),
h1c AS (SELECT * EXCLUDE (z), sm_c(z) AS z FROM h1b),
h1 AS (SELECT * EXCLUDE (z), sm_d(z) AS z FROM h1c),
h2a AS (
  SELECT * EXCLUDE (z), ${Object.entries(hashes).map(([name, salt]) => `sm_a(xor(z, ${salt}::UHUGEINT)) AS ${name}`).join(', ')}
  FROM h1
),
h2b AS (SELECT * EXCLUDE (${names}), ${step('sm_b')} FROM h2a),
h2c AS (SELECT * EXCLUDE (${names}), ${step('sm_c')} FROM h2b),
h2 AS (SELECT * EXCLUDE (${names}), ${step('sm_d')} FROM h2c),
customers AS (
  SELECT cid, full_name, score,
    CASE WHEN em_p IS NULL THEN domain ELSE 'unknown' END AS email_domain,
    CASE WHEN es_p IS NOT NULL THEN 'unknown'
      ${nullIsAbsent ? "WHEN es_null THEN ['high', 'medium', 'low'][((el * 3) >> 64)::INT + 1]" : ''}
      WHEN es_n >= 70 THEN 'high' WHEN es_n >= 40 THEN 'medium' ELSE 'low' END
      AS engagement_level,
    CASE WHEN ll_p IS NOT NULL THEN 'unknown'
      ${nullIsAbsent ? "WHEN ll_null THEN ['active', 'inactive'][((ac * 2) >> 64)::INT + 1]" : ''}
      WHEN ${asOfDate} - login_day <= 30 THEN 'active' ELSE 'inactive' END
      AS activity_status,
    ['website', 'mobile_app', 'email_campaign'][((ch * 3) >> 64)::INT + 1] AS acquisition_channel,
    ['US-West', 'US-East', 'EU-Central', 'APAC'][((sg * 4) >> 64)::INT + 1] AS market_segment,
    ['basic', 'premium', 'enterprise'][((ti * 3) >> 64)::INT + 1] AS customer_tier,
    concat_ws(',',
      '"' || ${escapeSql("'first_name: ' || fn_p")} || '"',
      '"' || ${escapeSql("'last_name: ' || ln_p")} || '"',
      '"' || ${escapeSql("'email: ' || em_p")} || '"',
      '"' || ${escapeSql("'avatar: ' || av_p")} || '"',
      '"' || ${escapeSql("'last_login: ' || ll_p")} || '"',
      '"' || ${escapeSql("'engagement_score: ' || es_p")} || '"') AS issues
  FROM h2
)
SELECT '{"customer_id":' || cid
  || ',"full_name":"' || ${escapeSql('full_name')}
  || '","email_domain":"' || ${escapeSql('email_domain')}
  || '","engagement_level":"' || engagement_level
  || '","activity_status":"' || activity_status
  || '","acquisition_channel":"' || acquisition_channel
  || '","market_segment":"' || market_segment
  || '","customer_tier":"' || customer_tier
  || '","data_quality_score":' || score
  || ',"quality_issues":[' || issues || ']}' AS line
FROM customers
ORDER BY lower(full_name), cid`;
}

/**
 * File bytes in, customer lines out, as DuckDB-WASM does it: register the
 * bytes as a file, read the JSON array (`format` `json`) or the CSV (`csv`)
 * into a table, run the contract and COPY the lines to a CSV file without
 * quoting, read that file back, and drop the table and files. Works with the
 * async (browser) and the blocking (Node) API alike. Returns the output bytes.
 */
export async function duckdbCustomerLines(db, conn, bytes, settings, format = 'json') {
  const csv = format === 'csv';
  const input = csv ? 'input.csv' : 'input.json';
  // registerFileBuffer may transfer the buffer to the worker: give it a copy.
  await db.registerFileBuffer(input, bytes.slice());
  try {
    if (csv) await conn.insertCSVFromPath(input, insertCsvOptions('records'));
    else await conn.insertJSONFromPath(input, insertOptions('records'));
    await conn.query(`COPY (${customerLinesQuery('records', { ...settings, nullIsAbsent: csv })})
      TO 'customers.csv' (FORMAT CSV, QUOTE '', HEADER false, USE_TMP_FILE false)`);
    return await db.copyFileToBuffer('customers.csv');
  } finally {
    await conn.query('DROP TABLE IF EXISTS records');
    await db.dropFiles();
  }
}
