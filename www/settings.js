// Run settings: defaults, the form, and the shareable URL query
// (api, seed, as_of, concurrency, retries, timeout_ms, autorun). The API key
// is never read from or written to the URL.

const $ = (id) => document.getElementById(id);

/** Today's date in the user's time zone, as YYYY-MM-DD. */
export function today() {
  const now = new Date();
  const pad = (n) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** The local mock API when the page is served over HTTP (as `make run` does). */
export function defaultApiUrl() {
  return location.protocol.startsWith('http') ? `${location.origin}/api/users` : '';
}

/** Fills the form from the URL query; returns whether `autorun=1` was given. */
export function applyQuery(search) {
  const params = new URLSearchParams(search);
  const fields = { api: 'api-url', seed: 'seed', as_of: 'as-of', concurrency: 'concurrency', retries: 'retries', timeout_ms: 'timeout' };
  for (const [param, id] of Object.entries(fields)) {
    if (params.has(param)) $(id).value = params.get(param);
  }
  return params.get('autorun') === '1';
}

/** A link that reproduces the current settings (never the API key). */
export function shareableUrl() {
  const params = new URLSearchParams({
    api: $('api-url').value,
    seed: $('seed').value,
    as_of: $('as-of').value,
    concurrency: $('concurrency').value,
    retries: $('retries').value,
    timeout_ms: $('timeout').value,
  });
  return `${location.origin}${location.pathname}?${params}`;
}

function wholeNumber(id, label, min, max) {
  const text = $(id).value.trim();
  const value = Number(text);
  if (text === '' || !Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${label} must be a whole number from ${min} to ${max}; got '${text}'.`);
  }
  return value;
}

/** The API run's settings from the form; throws with a message naming the bad field. */
export function fetchSettings({ refresh }) {
  const url = $('api-url').value.trim();
  if (!url) throw new Error('Enter the API URL (for example https://reqres.in/api/users).');
  try {
    new URL(url, location.href);
  } catch {
    throw new Error(`The API URL '${url}' is not a valid URL.`);
  }
  const perPage = $('per-page').value.trim();
  return {
    url,
    apiKey: $('api-key').value || null,
    perPage: perPage === '' ? null : wholeNumber('per-page', 'Page size', 1, 10000),
    jitter: $('jitter').checked,
    concurrency: wholeNumber('concurrency', 'Concurrency', 1, 16),
    retries: wholeNumber('retries', 'Retries', 0, 10),
    timeoutMs: wholeNumber('timeout', 'Timeout', 100, 120000),
    refresh: refresh || $('refresh').checked,
    seed: $('seed').value,
    asOf: $('as-of').value,
  };
}
