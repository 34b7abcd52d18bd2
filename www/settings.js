// Run settings: defaults, the form as typed, the limits shown on the inputs,
// and the shareable URL query (api, seed, as_of, concurrency, retries,
// timeout_ms, keep, keep_hours, map, separator, autorun). The API key is
// never read from or written to the URL.
//
// Nothing here checks a value: the core validates every setting (one place,
// one message) and names the field it refused.
import { count } from './dom.js';

const $ = (id) => document.getElementById(id);

/** Query parameter -> input id. */
const QUERY_FIELDS = [
  ['api', 'api-url'], ['seed', 'seed'], ['as_of', 'as-of'],
  ['concurrency', 'concurrency'], ['retries', 'retries'], ['timeout_ms', 'timeout'],
  ['keep_hours', 'keep-hours'],
];

/** The core's setting names (`invalid_setting`'s `field`) -> input id. */
export const SETTING_INPUTS = {
  url: 'api-url',
  seed: 'seed',
  as_of: 'as-of',
  concurrency: 'concurrency',
  retries: 'retries',
  timeout_ms: 'timeout',
  per_page: 'per-page',
  keep_hours: 'keep-hours',
  max_page_mb: 'max-page-mb',
  api_key: 'api-key',
  separator: 'map-separator',
};

/** Today's date in the user's time zone, as YYYY-MM-DD. */
export function today() {
  const now = new Date();
  const pad = (n) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** The local mock API when the page is served over HTTP (as `make run` does). */
export function defaultApiUrl() {
  const served = location.protocol === 'http:' || location.protocol === 'https:';
  return served ? `${location.origin}/api/users` : '';
}

/** Fills the form from the URL query; returns whether `autorun=1` was given. */
export function applyQuery(search) {
  const params = new URLSearchParams(search);
  for (const [param, id] of QUERY_FIELDS) {
    if (params.has(param)) $(id).value = params.get(param);
  }
  if (params.has('keep')) $('keep-pages').checked = params.get('keep') === '1';
  return params.get('autorun') === '1';
}

/**
 * The field mapping and CSV separator of the URL query (`map`, `separator`),
 * as given: the mapping panel holds them, and the core checks them.
 */
export function mappingQuery(search) {
  const params = new URLSearchParams(search);
  return { map: params.get('map') ?? '', separator: params.get('separator') ?? '' };
}

/**
 * A link that reproduces the current settings (never the API key); empty
 * fields are left out. `mapping` is the panel's `{map, separator}`;
 * `apiUrl` the API URL as the core redacts it (secrets in its query as ***).
 */
export function shareableUrl(mapping = {}, apiUrl = '') {
  const params = new URLSearchParams();
  for (const [param, id] of QUERY_FIELDS) {
    const value = param === 'api' ? apiUrl.trim() : $(id).value.trim();
    if (value !== '') params.set(param, value);
  }
  if ($('keep-pages').checked) params.set('keep', '1');
  for (const param of ['map', 'separator']) {
    if (mapping[param]) params.set(param, mapping[param]);
  }
  return `${location.origin}${location.pathname}?${params}`;
}

/**
 * Puts the core's limits on the numeric inputs (`data-limit` names the
 * limit): `min`, `max`, the default as the placeholder, and a hint saying
 * the range and default.
 */
export function applyLimits(limits) {
  for (const input of document.querySelectorAll('input[data-limit]')) {
    const limit = limits[input.dataset.limit];
    if (!limit) continue;
    input.min = String(limit.min);
    input.max = String(limit.max);
    input.placeholder = limit.default === null ? 'API default' : String(limit.default);
    const hint = input.getAttribute('aria-describedby') && $(input.getAttribute('aria-describedby').split(' ')[0]);
    if (hint) {
      const range = `${count(limit.min)} to ${count(limit.max)}`;
      const fallback = limit.default === null ? 'empty: not sent' : `empty: ${count(limit.default)}`;
      hint.append(` ${range}; ${fallback}.`);
    }
  }
  const seed = limits.seed;
  $('seed-help').append(` A whole number from ${count(seed.min)} to ${count(seed.max)}.`);
}

/** The API run's form exactly as typed (numbers as text, empty = the default). */
export function fetchForm({ refresh }) {
  return {
    url: $('api-url').value,
    apiKey: $('api-key').value,
    perPage: $('per-page').value,
    concurrency: $('concurrency').value,
    retries: $('retries').value,
    timeoutMs: $('timeout').value,
    jitter: $('jitter').checked,
    refresh,
    keep: $('keep-pages').checked,
    keepHours: $('keep-hours').value,
    maxPageMb: $('max-page-mb').value,
    seed: $('seed').value,
    asOf: $('as-of').value,
  };
}
