// Run settings: defaults, the form as typed, the limits shown on the inputs,
// and the shareable URL query. Which settings there are comes from the core's
// vocabulary (`settings`: each one's name, key in the API run's form, query
// parameter, kind and limit); each input names its setting with
// `data-setting`, so this file keeps no table of names. The link parameter
// `autorun` is the page's own. The API key has no query parameter: it is
// never read from or written to the URL.
//
// Nothing here checks a value: the core validates every setting (one place,
// one message) and names the field it refused.
import { count } from './dom.js';

const $ = (id) => document.getElementById(id);

/** The core's settings (vocabulary `settings`), once it has said them. */
let settings = [];

/** The settings the mapping panel holds (the `map` text and the CSV separator): it shows and sends them. */
const PANEL_KINDS = new Set(['mapping', 'separator']);

/** The core's presets (vocabulary `presets`): each one's shape, by setting name, and its key field's label. */
let presets = [];

/** The pagination kinds the core fetches one page at a time. */
let sequential = new Set();

/**
 * Takes the core's settings (and its presets and sequential pagination
 * kinds); everything below iterates them. A choice's select gets its options.
 */
export function useSettings(list, presetList = [], sequentialKinds = []) {
  settings = list;
  presets = presetList;
  sequential = new Set(sequentialKinds);
  for (const setting of settings) {
    const select = settingInput(setting.name);
    if (setting.kind !== 'choice' || !select || !setting.choices) continue;
    select.replaceChildren(...setting.choices.map((name) => {
      const option = document.createElement('option');
      option.value = name;
      option.textContent = name;
      return option;
    }));
  }
}

/**
 * Shows the API shape the preset and the custom fields give: the custom
 * fields only for `custom` (the fields of its pagination kind), the key's
 * label and hint after the auth kind, and the concurrency hint for a
 * sequential walk. The core decides the run; this only says it.
 */
export function showShape() {
  const preset = settingInput('preset')?.value || 'reqres';
  const shape = presets.find((entry) => entry.preset === preset) ?? {};
  const custom = preset === 'custom';
  const box = document.getElementById('shape-custom');
  if (box) box.hidden = !custom;
  const pagination = custom ? (settingInput('pagination')?.value || 'page') : (shape.pagination ?? 'page');
  for (const field of document.querySelectorAll('#shape-custom [data-kind]')) {
    field.hidden = field.dataset.kind !== pagination;
  }
  const labelElement = document.getElementById('api-key-label');
  if (labelElement && shape.key_label) labelElement.textContent = shape.key_label;
  const hint = document.getElementById('api-key-help');
  if (hint && shape.key_hint) hint.textContent = `${shape.key_hint}, to the API's origin only; never logged, stored or exported.`;
  const concurrency = document.getElementById('concurrency-help');
  if (concurrency) {
    concurrency.textContent = sequential.has(pagination)
      ? 'Requests at once. This API pages by cursor: its pages are fetched one at a time.'
      : 'Requests at once.';
  }
}

/** The input of the setting the core names `name` (an error's `field`), if the page has one. */
export function settingInput(name) {
  return document.querySelector(`[data-setting="${CSS.escape(name)}"]`);
}

/**
 * Whether an input's setting is in use: the custom API fields count only
 * while they are shown (a preset fills them otherwise), so that a hidden
 * field never overrides the preset chosen.
 */
function inUse(input) {
  return Boolean(input) && !input.closest('[data-when-shown][hidden]');
}

/** Sets a select to `value`, adding it when it is not offered, so that the core refuses it by name. */
function choose(select, value) {
  if (![...select.options].some((option) => option.value === value)) {
    const option = document.createElement('option');
    option.value = value;
    option.textContent = value;
    select.append(option);
  }
  select.value = value;
}

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

/**
 * Fills the inputs from the URL query, each setting from its parameter (a
 * flag is on with `1`, off with `0`); the panel's settings are left to
 * mappingQuery.
 * Returns whether `autorun=1` was given, and the set of the names of the
 * flags the link turned on.
 */
export function applyQuery(search) {
  const params = new URLSearchParams(search);
  const turnedOn = new Set();
  for (const setting of settings) {
    const input = settingInput(setting.name);
    if (!setting.query || !input || PANEL_KINDS.has(setting.kind) || !params.has(setting.query)) continue;
    if (setting.kind === 'flag') {
      input.checked = params.get(setting.query) === '1';
      if (input.checked && !setting.on_by_default) turnedOn.add(setting.name);
    } else if (setting.kind === 'choice') {
      choose(input, params.get(setting.query));
    } else {
      input.value = params.get(setting.query);
    }
  }
  return { autorun: params.get('autorun') === '1', turnedOn };
}

/**
 * The mapping panel's settings of the URL query, as given, by the core's
 * names ({map, separator}): the panel holds them, and the core checks them.
 */
export function mappingQuery(search) {
  const params = new URLSearchParams(search);
  return Object.fromEntries(settings.filter((setting) => setting.query && PANEL_KINDS.has(setting.kind))
    .map((setting) => [setting.name, params.get(setting.query) ?? '']));
}

/**
 * A link that reproduces the current settings (never the API key); empty
 * fields are left out, a flag is `1` when on (one on by default: `0` when
 * off). `mapping` is the panel's
 * settings by the core's names ({map, separator}); `apiUrl` the API URL as
 * the core redacts it (secrets in its query as ***).
 */
export function shareableUrl(mapping = {}, apiUrl = '') {
  const params = new URLSearchParams();
  for (const setting of settings) {
    if (!setting.query) continue;
    const input = settingInput(setting.name);
    if (input && !inUse(input)) continue;
    let value = '';
    if (PANEL_KINDS.has(setting.kind)) value = mapping[setting.name] ?? '';
    else if (setting.kind === 'choice') value = input?.value === setting.choices?.[0] ? '' : input?.value ?? '';
    else if (setting.kind === 'url') value = apiUrl.trim();
    else if (setting.kind === 'flag' && setting.on_by_default) value = input && !input.checked ? '0' : '';
    else if (setting.kind === 'flag') value = input?.checked ? '1' : '';
    else value = input?.value.trim() ?? '';
    if (value !== '') params.set(setting.query, value);
  }
  return `${location.origin}${location.pathname}?${params}`;
}

/**
 * The count a `cores` setting takes when left empty: this device's cores
 * (`navigator.hardwareConcurrency`), at most the limit's default.
 */
export function deviceCores({ min, max, default: most }) {
  return Math.max(min, Math.min(navigator.hardwareConcurrency || min, most ?? max));
}

/**
 * Puts the core's limits on the inputs: a number's `min`, `max` and default
 * (as the placeholder), and a hint saying the range and default.
 */
export function applyLimits() {
  for (const setting of settings) {
    const input = settingInput(setting.name);
    if (!input || !setting.limit) continue;
    const { min, max, default: fallback } = setting.limit;
    const describedBy = input.getAttribute('aria-describedby');
    const hint = describedBy && $(describedBy.split(' ')[0]);
    if (setting.kind === 'whole_number') {
      input.min = String(min);
      input.max = String(max);
      input.placeholder = fallback === null ? 'API default' : String(fallback);
      hint?.append(` ${count(min)} to ${count(max)}; ${fallback === null ? 'empty: not sent' : `empty: ${count(fallback)}`}.`);
    } else if (setting.kind === 'cores') {
      const cores = deviceCores(setting.limit);
      input.min = String(min);
      input.max = String(max);
      input.placeholder = String(cores);
      hint?.append(` ${count(min)} to ${count(max)}; empty: this device's cores, at most ${count(fallback)} (here ${count(cores)}).`);
    } else {
      hint?.append(` A whole number from ${count(min)} to ${count(max)}.`);
    }
  }
}

/**
 * The API run's form exactly as typed (numbers as text, empty = the
 * default), under the core's form keys: every setting with a form key and
 * an input. `given` ({core name: value}) stands for what no input holds or
 * overrides it (the panel's `map`, `refresh` for a retry).
 */
export function fetchForm(given = {}) {
  const form = {};
  for (const setting of settings) {
    if (!setting.form_key) continue;
    const input = settingInput(setting.name);
    if (Object.hasOwn(given, setting.name)) form[setting.form_key] = given[setting.name];
    else if (inUse(input)) form[setting.form_key] = setting.kind === 'flag' ? input.checked : input.value;
  }
  return form;
}

/**
 * The `cores` settings (the number of workers) as a run takes them, by the
 * core's names: as typed, or this device's count when empty. The core
 * checks what was typed.
 */
export function coreCounts() {
  return Object.fromEntries(settings.filter((setting) => setting.kind === 'cores').map((setting) => {
    const typed = settingInput(setting.name)?.value.trim() ?? '';
    return [setting.name, typed === '' ? String(deviceCores(setting.limit)) : typed];
  }));
}
