// The page's controller: settings in, progress and log while running,
// dashboard, table and downloads when done.
//
// The page renders what the core says: names, buckets, columns and limits
// come from the core's vocabulary(); events are told apart by `kind` and
// errors by `code`, never by their English text.
import { ChangesPanel } from './changes.js';
import { WorkerClient, codedError } from './client.js';
import { barChart, chartFigure } from './charts.js';
import { el, count, saveFile, capitalise } from './dom.js';
import { bytes, plural, seconds } from './format.js';
import { MappingPanel } from './mapping.js';
import {
  Memory, applyUnlinked, browserStorage, clearSettingInputs, mergeQueries, resumeLabel, resumeText, reuseText,
  unlinkedValues,
} from './remember.js';
import { RunLog } from './runlog.js';
import {
  applyLimits, applyQuery, coreCounts, defaultApiUrl, fetchForm, mappingQuery, settingInput, shareableUrl, showShape, today,
  useSettings,
} from './settings.js';
import { BLOCK, CustomerTable, describeCount } from './vtable.js';

const $ = (id) => document.getElementById(id);

/** At most one progress announcement for screen readers per this many ms. */
const ANNOUNCE_EVERY_MS = 5000;

const client = new WorkerClient((message) => {
  fail(codedError(`The processing worker stopped: ${message}. Reload the page; if it persists, rebuild with the README's run command.`,
    { code: 'internal' }));
});
const log = new RunLog($('log'), $('log-level'));
const table = new CustomerTable({
  area: document.querySelector('.table-area'),
  scroller: document.querySelector('.vscroll'),
  table: $('customer-table'),
  client,
  onCount: (shown) => {
    $('table-count').textContent = describeCount(shown, lastMetadata?.total_customers ?? shown);
  },
  onSort: (query) => syncSortControls(query),
});
const changes = new ChangesPanel({ client, log });
const mapping = new MappingPanel({
  client,
  // The panel's changes are told politely, unless a run is telling its progress.
  say: (text) => {
    if (!running) $('announcer').textContent = text;
  },
  source: () => source(),
  apiForm: fetchForm,
  onFailed: () => clearFailure(),
});
const memory = new Memory(browserStorage());

let vocabulary = null;
let chosenFile = null;
let lastMetadata = null;
let running = null; // {source: 'api' | 'file', started}
let ticker = null;
let waitingUntil = 0;
let waitingWhy = '';
/** The `source` of every `paced` event of the run: the headers it was paced by. */
let pacedBy = new Set();
let progress = {};
const announcer = { text: '', last: 0, timer: null };

// ---------- state and messages ----------

const source = () => ($('source-file').checked ? 'file' : 'api');

function canRun() {
  return source() === 'file' ? Boolean(chosenFile) : $('api-url').value.trim() !== '';
}

/**
 * Run is never `disabled` (a disabled button drops keyboard focus to
 * <body>): it is aria-disabled and ignores clicks while it cannot run.
 */
function updateButtons() {
  const busy = running !== null;
  $('run').setAttribute('aria-disabled', String(busy || !vocabulary || !canRun()));
  if (!busy && document.activeElement === $('cancel')) $('run').focus();
  $('cancel').disabled = !busy;
}

function setState(state, text) {
  const status = $('run-status');
  status.dataset.state = state;
  status.textContent = text;
  updateButtons();
}

function showError(lines) {
  $('error').replaceChildren(...lines.map((line) => el('p', { text: line })));
  $('error').hidden = lines.length === 0;
}

/** Marks the input of the setting the core refused (its `field`), described by the error. */
function markInvalid(field) {
  const input = settingInput(field);
  if (!input) return;
  // A folded setting the core refused is shown.
  if ($('more-settings').contains(input)) $('more-settings').open = true;
  input.setAttribute('aria-invalid', 'true');
  const described = (input.getAttribute('aria-describedby') ?? '').split(' ').filter(Boolean);
  if (!described.some((id) => id === 'error')) input.setAttribute('aria-describedby', [...described, 'error'].join(' '));
}

function clearInvalid() {
  for (const input of document.querySelectorAll('[aria-invalid="true"]')) {
    input.removeAttribute('aria-invalid');
    const described = (input.getAttribute('aria-describedby') ?? '').split(' ').filter((id) => id && id !== 'error');
    if (described.length) input.setAttribute('aria-describedby', described.join(' '));
    else input.removeAttribute('aria-describedby');
  }
}

/** What to do about a failure, beyond the core's message. */
const ADVICE = {
  network: 'Check the URL and your connection, and that the API allows requests from this page (CORS).',
  cors_blocked: 'Check the URL and your connection, and that the API allows requests from this page (CORS); '
    + 'an API that does not is reached with the command line.',
  internal: 'This is a bug; the run log may say more.',
};

function fail(error) {
  stopProgress();
  // One message, in one place: a refused mapping is the panel's, where it is fixed.
  if (error.code === 'invalid_setting' && (error.field === 'map' || error.field === 'separator')) {
    showError([]);
    delete $('error').dataset.code;
    mapping.refused(error);
    setState('failed', 'Failed: the field mapping was refused; see the message in Field mapping.');
    $('mapping-error').focus();
    return;
  }
  const lines = [error.message];
  if (ADVICE[error.code]) lines.push(ADVICE[error.code]);
  if (error.field) markInvalid(error.field);
  mapping.clearError();
  showError(lines);
  $('error').dataset.code = error.code ?? '';
  setState('failed', 'Failed: see the message below.');
  $('error').focus();
}

/**
 * A new attempt (another file, the other source, another URL, a look at
 * the source) begins: the last one's failure is no longer shown.
 */
function clearFailure() {
  clearInvalid();
  showError([]);
  delete $('error').dataset.code;
  if (!running && $('run-status').dataset.state === 'failed') setState('idle', 'Ready: choose a source and press Run.');
}

function showSource() {
  $('api-settings').hidden = source() !== 'api';
  $('api-more-settings').hidden = source() !== 'api';
  $('file-settings').hidden = source() !== 'file';
  $('file-more-settings').hidden = source() !== 'file';
  mapping.render();
  updateButtons();
}

function chooseFile(file) {
  if (!file) return;
  clearFailure();
  chosenFile = file;
  $('source-file').checked = true;
  $('file-name').textContent = `Selected: ${file.name} (${bytes(file.size)})`;
  showSource();
  mapping.chooseFile(file);
}


// ---------- progress ----------

function elapsed() {
  const total = Math.floor((performance.now() - running.started) / 1000);
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}`;
}

function progressParts() {
  if (running.source === 'file') {
    const parts = [progress.processing ? 'Processing…' : `Read ${bytes(progress.loaded || 0)} of ${bytes(progress.total || 0)}`];
    if (progress.records) parts.push(plural(progress.records, 'record', 'records'));
    return parts;
  }
  const done = (progress.pages_done || 0) + (progress.pages_failed || 0);
  const parts = [`Pages ${count(done)} of ${progress.pages_total === null || progress.pages_total === undefined ? '?' : count(progress.pages_total)}`,
    plural(progress.records, 'record', 'records'), plural(progress.requests, 'request', 'requests'),
    plural(progress.retries, 'retry', 'retries'), plural(progress.rate_limit_waits, 'rate-limit wait', 'rate-limit waits')];
  const left = Math.ceil((waitingUntil - Date.now()) / 1000);
  if (left > 0) parts.push(`waiting ${left} s (${waitingWhy})`);
  return parts;
}

function drawProgress() {
  if (!running) return;
  const bar = $('progress');
  if (running.source === 'file') {
    bar.max = progress.total || 1;
    bar.value = progress.loaded || 0;
  } else {
    const done = (progress.pages_done || 0) + (progress.pages_failed || 0);
    bar.max = progress.pages_total || Math.max(1, done + 1);
    bar.value = Math.min(done, bar.max);
  }
  $('progress-text').textContent = [...progressParts(), `${elapsed()} elapsed`].join(' · ');
}

/** Tells screen readers how the run goes, at most once per ANNOUNCE_EVERY_MS. */
function announce() {
  if (!running) return;
  announcer.text = `${running.source === 'file' ? 'Reading' : 'Fetching'}: ${progressParts().join(', ')}.`;
  if (announcer.timer) return;
  const wait = Math.max(0, announcer.last + ANNOUNCE_EVERY_MS - performance.now());
  announcer.timer = setTimeout(() => {
    announcer.timer = null;
    if (!running || $('announcer').textContent === announcer.text) return;
    $('announcer').textContent = announcer.text;
    announcer.last = performance.now();
  }, wait);
}

function startProgress(source) {
  running = { source, started: performance.now() };
  progress = {};
  waitingUntil = 0;
  announcer.last = performance.now(); // the status line just said the run started
  $('progress').hidden = false;
  $('announcer').textContent = '';
  clearInterval(ticker);
  ticker = setInterval(drawProgress, 250);
  drawProgress();
}

function stopProgress() {
  running = null;
  clearInterval(ticker);
  ticker = null;
  clearTimeout(announcer.timer);
  announcer.timer = null;
  $('announcer').textContent = '';
  $('progress').hidden = true;
  $('progress-text').textContent = '';
}

/** An event kind as people read it (the vocabulary's event_kinds). */
function kindLabel(kind) {
  return vocabulary.event_kinds.find((entry) => entry.name === kind)?.label ?? kind;
}

/** The events of the run: the run log, progress, and the waits' countdown. */
function onRunMessage(message) {
  if (message.type === 'read-progress') {
    progress = {
      loaded: message.loaded, total: message.total, records: message.records, processing: message.loaded >= message.total,
    };
    announce();
  } else if (message.type === 'event') {
    const { event } = message;
    if (event.kind === 'progress') {
      progress = event;
      announce();
    } else {
      log.add(event);
      if (event.kind === 'paced') pacedBy.add(event.source);
      if (event.kind === 'retry' || event.kind === 'rate_limit_wait' || event.kind === 'paced') {
        waitingUntil = Date.now() + event.wait_ms;
        waitingWhy = kindLabel(event.kind).toLowerCase();
        announce();
      }
    }
  }
  drawProgress();
}

// ---------- running ----------

async function run({ retry = false } = {}) {
  if (running || !vocabulary || !canRun()) return;
  // Focus must not fall to <body> when the results (say, Retry) disappear.
  if ($('results').contains(document.activeElement)) $('run').focus();
  clearInvalid();
  showError([]);
  clearResults();
  log.clear();
  pacedBy = new Set();
  const kind = source();
  mapping.stop();
  const request = kind === 'file'
    ? { type: 'upload', file: chosenFile, seed: $('seed').value, asOf: $('as-of').value, options: { ...mapping.runOptions(), simulate: $('simulate').checked, ...coreCounts() }, firstRows: BLOCK }
    : { type: 'fetch', form: fetchForm({ refresh: !retry && $('refresh').checked, map: mapping.runMap('api') }), firstRows: BLOCK };
  startProgress(kind);
  if ($('resume-offer').contains(document.activeElement)) $('run').focus();
  $('resume-offer').hidden = true;
  await rememberRun(kind);
  const kept = kind === 'api' && $('keep-pages').checked ? ' Fetched pages are kept on this device.' : '';
  setState('running', kind === 'file' ? `Processing ${chosenFile.name}…`
    : `Fetching ${await redacted($('api-url').value.trim())}…${kept}`);
  try {
    const reply = await client.ask(request, onRunMessage);
    memory.runEnded();
    stopProgress();
    await showResults(reply);
    const { state, text } = outcome(reply);
    setState(state, text);
    $('results-title').focus();
  } catch (error) {
    stopProgress();
    if (error.code === 'cancelled') {
      setState('idle', error.message);
      $('run').focus();
    } else {
      memory.runEnded();
      fail(error);
    }
  }
  if (kind === 'api') showStored();
}

/** A URL as the core lets it be shown: secrets in its query as ***. */
async function redacted(url) {
  try {
    return (await client.ask({ type: 'redact-url', url })).url;
  } catch {
    return '';
  }
}

/** The share of the pages fetched that arrived on their first request. */
function firstTry(f) {
  return f.pages_from_network === 0 ? '—' : `${Math.round((f.pages_first_try / f.pages_from_network) * 100)}%`;
}

/** The end state and status line of a run that produced a report. */
function outcome({ metadata: m, millis }) {
  if (m.complete && m.total_customers === 0) {
    // A report without a customer is never a success, even when nothing is missing.
    const why = m.rejected_records > 0
      ? `every record read was rejected (${count(m.rejected_records)}); see Rejected records`
      : 'the source holds no records';
    return { state: 'empty', text: `No customers: ${why}.` };
  }
  if (m.complete) {
    return { state: 'done', text: `Done: ${plural(m.total_customers, 'customer', 'customers')} in ${seconds(millis)}.` };
  }
  const parts = [`Partial: ${plural(m.total_customers, 'customer', 'customers')}`];
  if (m.failed_pages.length) parts.push(`${plural(m.failed_pages.length, 'page', 'pages')} failed; Retry failed pages to complete the report`);
  if (m.truncated) parts.push(limitText(m.truncated));
  if (!m.failed_pages.length && !m.truncated) parts.push('the records received do not match the API\'s total (see Warnings)');
  return { state: 'partial', text: `${parts.join('; ')}.` };
}

/** The page-limit state, from metadata.truncated. */
function limitText({ limit, pages_stated: stated }) {
  const states = stated === null ? 'the API states no total' : `the API states ${plural(stated, 'page', 'pages')}`;
  return `stopped at the ${count(limit)}-page limit; ${states}`;
}

/**
 * Shows how many pages, and how many bytes, are kept on this device
 * (`#stored-info`, with `data-pages` and `data-bytes`); `forget` forgets them first.
 */
async function showStored({ forget = false } = {}) {
  const info = $('stored-info');
  try {
    const { stored } = await client.ask({ type: forget ? 'forget-stored' : 'stored' });
    info.dataset.pages = String(stored.pages);
    info.dataset.bytes = String(stored.bytes);
    const text = `Stored on this device: ${plural(stored.pages, 'page', 'pages')}, ${bytes(stored.bytes)}.`;
    // A live region: said again only when it changes.
    if (info.textContent !== text) info.textContent = text;
    offerResume(stored.pages);
  } catch (error) {
    delete info.dataset.pages;
    delete info.dataset.bytes;
    info.textContent = `Stored on this device: unknown. ${error.message}`;
  }
}

// ---------- remembered settings, and resuming ----------

/**
 * The settings as *Copy link* would carry them (never the key), with the
 * API URL left out when the core redacts something in it (a secret in its
 * query is not stored); `url`: the URL when it is in.
 */
async function settingsQuery() {
  const typed = $('api-url').value.trim();
  const url = (await redacted(typed)) === typed ? typed : '';
  let panel;
  try {
    panel = await mapping.linkParams();
  } catch {
    // A map the core cannot write over (it refuses it): kept as given.
    panel = { map: mapping.linkMap, separator: mapping.separator };
  }
  return { query: new URL(shareableUrl(panel, url)).search, url };
}

let rememberTimer = null;
const REMEMBERED = $('remembered-info').textContent;

/** Remembers the settings a moment after the last change. */
function rememberSoon() {
  clearTimeout(rememberTimer);
  rememberTimer = setTimeout(() => {
    settingsQuery().then(({ query }) => {
      memory.saveSettings({ query, unlinked: unlinkedValues(vocabulary.settings), source: source() });
      $('remembered-info').textContent = REMEMBERED;
    }, () => {});
  }, 300);
}

/**
 * A run starts: its settings are remembered, and those of an API run that
 * keeps pages (and whose URL could be stored) until it ends, for Resume.
 */
async function rememberRun(kind) {
  clearTimeout(rememberTimer);
  try {
    const { query, url } = await settingsQuery();
    const unlinked = unlinkedValues(vocabulary.settings);
    memory.saveSettings({ query, unlinked, source: kind });
    if (kind === 'api' && $('keep-pages').checked && url !== '') {
      memory.runStarted({ query, unlinked, url, seed: $('seed').value.trim(), asOf: $('as-of').value });
    } else {
      memory.runEnded();
    }
  } catch {
    memory.runEnded();
  }
}

/** Offers Resume while a run that kept pages was cut short and `pages` are kept. */
function offerResume(pages) {
  const interrupted = memory.interrupted();
  const offer = $('resume-offer');
  const show = interrupted !== null && pages > 0 && !running;
  if (!show && offer.contains(document.activeElement)) $('run').focus();
  offer.hidden = !show;
  if (!show) return;
  $('resume-text').textContent = resumeText(interrupted);
  $('resume-run').textContent = resumeLabel(pages);
  offer.dataset.pages = String(pages);
}

/** Runs the cut-short run again with its own settings (its seed and date above all). */
function resume() {
  const interrupted = memory.interrupted();
  if (running || !vocabulary || !interrupted) return;
  clearSettingInputs(vocabulary.settings);
  $('api-url').value = interrupted.url;
  $('as-of').value = today();
  applyQuery(interrupted.query);
  applyUnlinked(vocabulary.settings, interrupted.unlinked);
  showShape();
  // Resuming reuses the kept pages: it never ignores them.
  $('refresh').checked = false;
  mapping.restore(mappingQuery(interrupted.query));
  $('source-api').checked = true;
  showSource();
  run();
}

function forgetSettings() {
  memory.forget();
  offerResume(0);
  $('remembered-info').textContent = 'Forgotten: this browser holds none of these settings now. '
    + 'A change or a run remembers them again.';
}

async function cancel() {
  if (!running) return;
  // Cancel is about to be disabled: focus goes back to Run first.
  $('run').focus();
  if (running.source === 'api') {
    await client.ask({ type: 'cancel' });
  } else {
    // Reading and processing a file is synchronous work in the worker: end
    // it, and with it the part workers it started. (Ending those first
    // from the worker, just before the worker itself, leaves Chromium with
    // a worker that never goes away.)
    client.restart();
  }
}

// ---------- results ----------

function setDownloads(enabled) {
  for (const id of ['download-json', 'download-csv', 'download-summary']) $(id).disabled = !enabled;
}

/** Nothing of an earlier run stays on the page or in the downloads. */
function clearResults() {
  lastMetadata = null;
  setDownloads(false);
  $('results').hidden = true;
  $('skip-results').hidden = true;
  $('counts').replaceChildren();
  for (const list of document.querySelectorAll('#charts .bars')) list.replaceChildren();
  for (const [list, none] of LISTS) fillList(list, none, []);
  $('retry-failed').hidden = true;
  $('partial-note').hidden = true;
  $('mapping-note').hidden = true;
  $('mapping-used').replaceChildren();
  $('mapping-ignored-used').textContent = '';
  $('table-count').textContent = '';
  table.clear();
  changes.clear();
}

const LISTS = [['failed-pages', 'failed-none'], ['rejected-list', 'rejected-none'],
  ['duplicates-list', 'duplicates-none'], ['warnings-list', 'warnings-none']];

/** The tiles: `[key, label, value, note]`; the note (optional) says what the value means. */
function fillCounts(tiles) {
  $('counts').replaceChildren(...tiles.map(([key, label, value, note]) => el('div', { attrs: { 'data-count': key } }, [
    el('dt', { text: label }, note ? [el('span', { className: 'tile-note', text: note })] : []),
    el('dd', { text: value }),
  ])));
}

/** Fills a list; an item is its text, or `{text, attrs}`. */
function fillList(listId, noneId, items) {
  $(listId).replaceChildren(...items.map((item) => el('li', typeof item === 'string' ? { text: item } : item)));
  $(listId).hidden = items.length === 0;
  $(noneId).hidden = items.length > 0;
}

function withMore(items, shown, total) {
  if (total > shown) items.push(`… and ${count(total - shown)} more in the downloaded report.`);
  return items;
}

/** What the Paced tile says: the headers the run followed, from the core's names. */
function pacedNote() {
  const headers = vocabulary.rate_sources.filter((source) => pacedBy.has(source.name)).map((source) => source.label);
  const by = headers.length ? `announced in ${headers.join(', ')}` : 'the API announced';
  return `requests waited for the budget ${by}, before it said 429; summed over concurrent requests`;
}

function tiles(m, millis) {
  const list = [
    ['customers', 'Customers', count(m.total_customers)],
    ['records_read', 'Records read', count(m.records_read)],
    ['duplicates_removed', 'Duplicates removed', count(m.duplicates_removed)],
    ['rejected_records', 'Rejected records', count(m.rejected_records)],
  ];
  const s = m.source;
  if (m.fetch) {
    const f = m.fetch;
    const stated = s.pages_total !== null && s.pages_total >= s.pages_fetched;
    list.push(
      ['pages', 'Pages fetched', stated ? `${count(s.pages_fetched)} of ${count(s.pages_total)}` : count(s.pages_fetched)],
      ['requests', 'Requests', count(f.requests)],
      ['retries', 'Retries', count(Object.values(f.retries).reduce((sum, n) => sum + n, 0))],
      ['rate_limited', 'Rate-limited (429)', count(f.rate_limited)],
      ['waited', 'Time waited', seconds(f.waited_ms),
        `summed over concurrent requests (fetching: ${seconds(f.fetch_ms)})`],
      ...(f.paced_ms ? [['paced', 'Paced by the API', seconds(f.paced_ms), pacedNote()]] : []),
      ['cache_hits', 'Pages from cache', count(f.cache_hits)],
      ...(reuseText(f) ? [['from_device', 'Resumed', reuseText(f)]] : []),
      // Of the pages fetched, those that needed no retry: a page that failed
      // once and then arrived is not a failure of the run.
      ['first_try', 'First-try success', firstTry(f),
        `${count(f.pages_first_try)} of ${plural(f.pages_from_network, 'page', 'pages')} fetched without a retry; ${plural(f.successful_requests, 'request', 'requests')} of ${count(f.requests)} answered`],
      ['timing', 'Fetch / process', `${seconds(f.fetch_ms)} / ${seconds(f.process_ms)}`],
    );
  } else {
    const layout = vocabulary.layouts.find((entry) => entry.name === s.format)?.label ?? s.format;
    list.push(['format', 'File layout', capitalise(layout)], ['timing', 'Run time', seconds(millis)]);
  }
  return list;
}

function drawCharts(m) {
  const customers = m.total_customers;
  barChart($('chart-quality'), vocabulary.quality_buckets.map((bucket, rank) => ({
    label: `${bucket.name} (${bucket.min}–${bucket.max})`,
    value: m.data_quality_summary[bucket.summary_key] ?? 0,
    rank,
  })), customers);
  const unmapped = new Set(m.mapping.unmapped);
  barChart($('chart-issues'), vocabulary.scored_fields.map((field) => ({
    label: unmapped.has(field.name) ? `${field.label} (not in this source)` : field.label,
    value: m.issues_by_field[field.name] ?? 0,
  })), customers);
  for (const field of vocabulary.fields) {
    const counts = m.distributions[field.name] ?? {};
    barChart($(`chart-${field.name}`), field.values.map((value) => ({ label: value, value: counts[value] ?? 0 })), customers);
  }
  barChart($('chart-domains'), m.distributions.top_email_domains.map((d) => ({ label: d.domain, value: d.customers })), customers);
}

/**
 * How a field's values came about (metadata.enrichment), as a mark for its
 * chart and column, or '' when none was drawn from the seed.
 */
function simulatedMark(m, key) {
  const { seed, simulated_customers: drawn } = m.enrichment;
  const n = drawn[key] ?? 0;
  if (n === 0) return '';
  return n === m.total_customers
    ? `simulated from seed ${seed}, not from your data`
    : `simulated for ${count(n)} of ${plural(m.total_customers, 'customer', 'customers')} from seed ${seed}`;
}

/**
 * Marks what the run drew from the seed (metadata.enrichment): a note above
 * the charts, each simulated field's chart caption and table column.
 */
function showEnrichment(m) {
  const marks = new Map();
  for (const field of vocabulary.fields) {
    const mark = simulatedMark(m, field.name);
    $(`chart-${field.name}-title`).textContent = mark ? `${field.label} (${mark})` : field.label;
    if (mark) marks.set(field.name, mark);
  }
  table.markSimulated(marks);
  const labels = vocabulary.fields.filter((field) => marks.has(field.name)).map((field) => field.label.toLowerCase());
  const note = $('simulated-note');
  if (labels.length > 0) {
    note.textContent = `Simulated from seed ${m.enrichment.seed}, not from your data: ${labels.join(', ')}. `
      + 'The source has no such values; they are drawn to show the report\'s shape, and are marked so in the charts, '
      + 'the table and the CSV. Turn off "Simulate what the source lacks" to get "unknown" instead.';
  } else if (!m.enrichment.simulate) {
    note.textContent = 'Nothing is simulated: what the source lacks is "unknown".';
  }
  note.hidden = labels.length === 0 && m.enrichment.simulate;
  note.dataset.simulated = m.enrichment.simulated.join(' ');
}

/**
 * The field mapping the run used (metadata.mapping): each field's source
 * column, the fields the source lacks (not scored) and the columns not read.
 */
function showMappingUsed(used) {
  const scored = new Set(vocabulary.scored_fields.map((field) => field.name));
  $('mapping-used').replaceChildren(...vocabulary.contract_fields.map((field) => {
    const column = used.fields[field.name];
    const text = column !== null ? `${field.label}: ${column}`
      : `${field.label}: not in this source${scored.has(field.name) ? ' (not scored)' : ''}`;
    return el('li', { text, attrs: { 'data-field': field.name } });
  }));
  $('mapping-ignored-used').textContent = used.ignored_columns.length ? `Not used: ${used.ignored_columns.join(', ')}.` : '';
  const missing = vocabulary.contract_fields.filter((field) => used.fields[field.name] === null);
  const notes = [];
  const notScored = missing.filter((field) => scored.has(field.name));
  if (notScored.length) notes.push(`Not in this source: ${notScored.map((field) => field.label).join(', ')} — not scored.`);
  for (const field of missing.filter((f) => !scored.has(f.name))) {
    notes.push(`Not in this source: ${field.label} — records without one are rejected.`);
  }
  $('mapping-note').textContent = notes.join(' ');
  $('mapping-note').hidden = notes.length === 0;
}

async function showResults(reply) {
  const { metadata: m, rejected, duplicates, millis } = reply;
  lastMetadata = m;
  fillCounts(tiles(m, millis));
  drawCharts(m);
  showEnrichment(m);
  showMappingUsed(m.mapping);

  fillList('failed-pages', 'failed-none', m.failed_pages.map((f) => `Page ${f.page}: ${f.reason} (${plural(f.attempts, 'attempt', 'attempts')})`));
  fillList('rejected-list', 'rejected-none',
    withMore(rejected.map((r) => `${r.position}: ${r.reason}`), rejected.length, m.rejected_records));
  fillList('duplicates-list', 'duplicates-none',
    withMore(duplicates.map((d) => d.message), duplicates.length, m.duplicates_removed));
  fillList('warnings-list', 'warnings-none', m.warnings.map((warning) => ({
    text: warning.message, attrs: { 'data-code': warning.code },
  })));
  $('retry-failed').hidden = !(m.fetch && m.failed_pages.length > 0);

  const notes = [];
  if (m.truncated) {
    const limit = limitText(m.truncated);
    notes.push(`${limit[0].toUpperCase()}${limit.slice(1)}: this report holds the first ${plural(m.truncated.limit, 'page', 'pages')} only, and retrying cannot fetch more.`);
  }
  if (m.failed_pages.length) {
    notes.push(`${plural(m.failed_pages.length, 'page', 'pages')} could not be fetched in full (listed under Failed pages); Retry failed pages fetches only those.`);
  }
  if (!m.complete) {
    notes.unshift('This report is incomplete (metadata.complete is false) and its downloads are named "-partial".');
    if (notes.length === 1) notes.push('See the warnings below.');
  }
  $('partial-note').textContent = notes.join(' ');
  $('partial-note').hidden = m.complete;
  if (reply.cachedPages !== undefined) {
    $('cache-info').textContent = `${plural(reply.cachedPages, 'page', 'pages')} fetched in this tab ${reply.cachedPages === 1 ? 'is' : 'are'} cached and reused.`;
  }

  setDownloads(true);
  $('results').hidden = false;
  $('skip-results').hidden = false;
  $('search').value = '';
  $('filter-bucket').value = '';
  $('filter-issue').value = '';
  syncSortControls({ sort: '', descending: false });
  // The table's first rows came with the reply: no round trip to the worker before done.
  table.resetTo(m.total_customers, reply.rows);
  // Not awaited: the run is done; the changes follow when compared.
  changes.afterRun();
}

async function download(kind) {
  if (!lastMetadata) return;
  try {
    const { blob, millis } = await client.ask({ type: 'download', kind });
    const stamp = lastMetadata.export_timestamp.replaceAll(':', '-');
    const partial = lastMetadata.complete ? '' : '-partial';
    const [name, type] = {
      json: [`customer_report-${stamp}${partial}.json`, 'application/json'],
      csv: [`customers-${stamp}${partial}.csv`, 'text/csv'],
      summary: [`customer_summary-${stamp}${partial}.json`, 'application/json'],
    }[kind];
    saveFile(blob, name, type);
    log.add({
      at: new Date().toISOString(), level: 'info', kind: 'exported',
      message: `Exported ${name} (${bytes(blob.size)}) in ${seconds(millis)}`,
    });
  } catch (error) {
    showError([`Could not prepare the download: ${error.message}`]);
  }
}

// ---------- built from the vocabulary ----------

function options(select, entries) {
  select.replaceChildren(...entries.map(([value, text]) => el('option', { text, attrs: { value } })));
}

function buildFromVocabulary(v) {
  applyLimits();
  log.configure(v.log_levels);
  $('as-of-help').textContent = `Logins within ${v.active_within_days} days before it count as active.`;
  options($('filter-bucket'), [['', 'all'], ...v.quality_buckets.map((b) => [b.name, `${b.name} (${b.min}–${b.max})`])]);
  options($('filter-issue'), [['', 'any or none'], ...v.scored_fields.map((f) => [f.name, f.label])]);
  options($('sort-by'), [['', 'report order (name)'], ...v.columns.filter((c) => c.sortable).map((c) => [c.key, c.label])]);
  $('charts').replaceChildren(
    chartFigure('quality', `Data quality (${v.points_per_issue} points off per issue)`),
    chartFigure('issues', 'Customers with an issue, per field'),
    ...v.fields.map((field) => chartFigure(field.name, field.label)),
    chartFigure('domains', `Top ${v.top_email_domains} email domains`),
  );
  table.configure(v);
  changes.configure(v);
  mapping.configure(v);
}

function syncSortControls({ sort, descending }) {
  $('sort-by').value = sort;
  $('sort-dir').value = descending ? 'desc' : 'asc';
}

// ---------- wiring ----------

async function newSeed() {
  $('seed').value = (await client.ask({ type: 'seed' })).seed;
}

async function copy(text, button) {
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = 'Copied';
  } catch {
    button.textContent = 'Copy failed';
  }
  setTimeout(() => { button.textContent = button.dataset.label; }, 1500);
}

function skipTo(link, target) {
  link.addEventListener('click', (event) => {
    event.preventDefault();
    target().focus();
  });
}

function wire() {
  for (const id of ['source-api', 'source-file']) {
    $(id).addEventListener('change', () => {
      clearFailure();
      mapping.clearError();
      showSource();
    });
  }
  $('api-url').addEventListener('input', () => {
    clearFailure();
    mapping.apiChanged();
    showSource();
  });
  // The API's shape says where its records are: the mapping proposal is asked again.
  for (const id of ['preset', 'pagination', 'records', 'auth']) {
    $(id).addEventListener('change', () => {
      showShape();
      mapping.apiChanged();
    });
  }
  $('file-input').addEventListener('change', (event) => chooseFile(event.target.files[0]));
  document.addEventListener('dragover', (event) => {
    event.preventDefault();
    $('file-settings').classList.add('dragging');
  });
  // Compact rows in both tables: less padding, tighter lines; rows measured again.
  $('density').addEventListener('change', () => {
    document.body.classList.toggle('compact', $('density').checked);
    for (const shown of [table, changes.table]) {
      shown?.remeasure();
      shown?.render();
    }
  });
  document.addEventListener('dragleave', () => $('file-settings').classList.remove('dragging'));
  document.addEventListener('drop', (event) => {
    event.preventDefault();
    $('file-settings').classList.remove('dragging');
    chooseFile(event.dataTransfer.files[0]);
  });
  $('run').addEventListener('click', () => {
    if (!running && source() === 'file' && !chosenFile) $('file-input').focus();
    else run();
  });
  $('cancel').addEventListener('click', cancel);
  $('autorun-run').addEventListener('click', () => answerAutorun(true));
  $('autorun-dismiss').addEventListener('click', () => answerAutorun(false));
  $('retry-failed').addEventListener('click', () => run({ retry: true }));
  $('forget-stored').addEventListener('click', () => {
    memory.runEnded();
    showStored({ forget: true });
  });
  $('resume-run').addEventListener('click', resume);
  $('forget-settings').addEventListener('click', forgetSettings);
  $('new-seed').addEventListener('click', () => newSeed().catch(fail));
  $('download-json').addEventListener('click', () => download('json'));
  $('download-csv').addEventListener('click', () => download('csv'));
  $('download-summary').addEventListener('click', () => download('summary'));
  for (const button of [$('copy-log'), $('copy-link')]) button.dataset.label = button.textContent;
  $('copy-log').addEventListener('click', () => copy(log.text(), $('copy-log')));
  $('copy-link').addEventListener('click', async () => {
    try {
      copy(shareableUrl(await mapping.linkParams(), await redacted($('api-url').value)), $('copy-link'));
    } catch (error) {
      showError([`Could not make the link: ${error.message}`]);
    }
  });
  for (const input of document.querySelectorAll('input')) {
    input.addEventListener('input', () => {
      if (input.getAttribute('aria-invalid') === 'true') clearInvalid();
    });
  }
  skipTo($('skip-main'), () => $('main'));
  skipTo($('skip-results'), () => ($('results').hidden ? $('main') : $('results-title')));
  let searchTimer = null;
  $('search').addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => table.update({ search: $('search').value }), 150);
  });
  $('filter-bucket').addEventListener('change', () => table.update({ bucket: $('filter-bucket').value }));
  $('filter-issue').addEventListener('change', () => table.update({ issue: $('filter-issue').value }));
  const sortChanged = () => table.update({ sort: $('sort-by').value, descending: $('sort-dir').value === 'desc' });
  $('sort-by').addEventListener('change', sortChanged);
  $('sort-dir').addEventListener('change', sortChanged);
}

async function start() {
  wire();
  $('api-url').value = defaultApiUrl();
  $('as-of').value = today();
  showSource();
  let link;
  try {
    const reply = await client.ask({ type: 'vocabulary' });
    // The link's settings are read by the core's names and parameters.
    useSettings(reply.vocabulary.settings, reply.vocabulary.presets, reply.vocabulary.sequential_paginations);
    // What this browser remembers, then the link's parameters over it.
    const kept = memory.settings();
    if (kept) {
      applyQuery(kept.query);
      applyUnlinked(reply.vocabulary.settings, kept.unlinked);
      if (kept.source === 'file' && location.search === '') $('source-file').checked = true;
    }
    link = applyQuery(location.search);
    showShape();
    // Remembered or linked, a folded setting not at its default is shown.
    unfoldChangedSettings();
    mapping.setQuery(mappingQuery(mergeQueries(kept?.query ?? '', location.search)));
    buildFromVocabulary(reply.vocabulary);
    vocabulary = reply.vocabulary;
    showSource();
    if (!$('seed').value) await newSeed();
  } catch (error) {
    fail(error);
    return;
  }
  showStored();
  // Settings are remembered from here on, as they change.
  for (const type of ['input', 'change']) $('source-panel').addEventListener(type, rememberSoon);
  for (const id of ['new-seed', 'mapping-reset']) $(id).addEventListener('click', rememberSoon);
  const keepFromLink = link.turnedOn.has($('keep-pages').dataset.setting);
  setState('idle', keepFromLink
    ? 'Ready. This link turned on "Keep fetched pages on this device": the pages a run fetches will be stored in this browser.'
    : 'Ready: choose a source and press Run.');
  if (!link.autorun) return;
  // A key already in the field (a password manager fills it in) is not
  // the user's word for this link's API: ask before sending it there.
  if (source() === 'api' && $('api-key').value !== '') askBeforeAutorun();
  else run();
}

/**
 * Opens "More settings" when one of its settings is not at its default (a
 * link set it), so nothing that shapes the run is out of sight.
 */
function unfoldChangedSettings() {
  const changed = [...$('more-settings').querySelectorAll('input[data-setting]')].some((input) => (
    input.type === 'checkbox' ? input.checked !== input.defaultChecked : input.value !== input.defaultValue));
  if (changed) $('more-settings').open = true;
}

/** Shows the question an autorun link with a filled-in key waits on, and focuses it. */
function askBeforeAutorun() {
  let origin = $('api-url').value;
  try {
    origin = new URL(origin).origin;
  } catch {
    // Shown as typed; the core refuses it when the run starts.
  }
  $('autorun-text').textContent = `This link asks to run against ${origin}. The API key field already holds a key `
    + '(filled in before the link opened, perhaps by a password manager). Send it to that API?';
  $('autorun-question').hidden = false;
  setState('idle', `Waiting for you: this link's run would send the API key to ${origin}.`);
  $('autorun-question').focus();
}

function answerAutorun(runNow) {
  $('autorun-question').hidden = true;
  if (runNow) run();
  else {
    setState('idle', 'Not run. Check the settings, then press Run.');
    $('run').focus();
  }
}

start();
