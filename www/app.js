// The page's controller: settings in, progress and log while running,
// dashboard, table and downloads when done.
import { WorkerClient } from './client.js';
import { barChart } from './charts.js';
import { el, count, saveFile } from './dom.js';
import { RunLog } from './runlog.js';
import { applyQuery, defaultApiUrl, fetchSettings, shareableUrl, today } from './settings.js';
import { CustomerTable, describeCount } from './vtable.js';

const $ = (id) => document.getElementById(id);

const client = new WorkerClient((message) => {
  fail(`The processing worker stopped: ${message}. Reload the page; if it persists, rebuild with the README's run command.`);
});
const log = new RunLog($('log'), $('log-level'));
const table = new CustomerTable($('customer-table'), client, (shown) => {
  $('table-count').textContent = describeCount(shown, lastMetadata?.total_customers ?? shown);
});

let chosenFile = null;
let lastMetadata = null;
let running = null; // {kind: 'api' | 'file', started}
let ticker = null;
let waitingUntil = 0;
let waitingWhy = '';
let progress = {};

// ---------- state and messages ----------

function setState(state, text) {
  const status = $('run-status');
  status.dataset.state = state;
  status.textContent = text;
  const busy = state === 'running';
  $('run').disabled = busy || !canRun();
  $('cancel').disabled = !busy;
  $('retry-failed').disabled = busy;
}

function showError(message) {
  $('error').textContent = message;
  $('error').hidden = !message;
}

function fail(message) {
  stopTicker();
  showError(message);
  setState('failed', 'Failed: see the message below.');
}

const source = () => ($('source-file').checked ? 'file' : 'api');

function canRun() {
  return source() === 'file' ? Boolean(chosenFile) : $('api-url').value.trim() !== '';
}

function showSource() {
  $('api-settings').hidden = source() !== 'api';
  $('file-settings').hidden = source() !== 'file';
  if ($('run-status').dataset.state !== 'running') $('run').disabled = !canRun();
}

function chooseFile(file) {
  if (!file) return;
  chosenFile = file;
  $('source-file').checked = true;
  $('file-name').textContent = `Selected: ${file.name} (${formatBytes(file.size)})`;
  showSource();
}

function formatBytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

function advice(message) {
  if (/network error/i.test(message)) {
    return `${message}\nCheck the URL and your connection, and that the API allows requests from this page (CORS).`;
  }
  return message;
}

// ---------- progress ----------

function elapsed() {
  const seconds = Math.floor((performance.now() - running.started) / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

function drawProgress() {
  if (!running) return;
  const bar = $('progress');
  const parts = [];
  if (running.kind === 'file') {
    bar.max = progress.total || 1;
    bar.value = progress.loaded || 0;
    parts.push(progress.processing ? 'Processing…' : `Read ${formatBytes(progress.loaded || 0)} of ${formatBytes(progress.total || 0)}`);
    if (progress.records) parts.push(`${count(progress.records)} records`);
  } else {
    const done = (progress.pages_done || 0) + (progress.pages_failed || 0);
    bar.max = progress.pages_total || Math.max(1, done + 1);
    bar.value = done;
    parts.push(`Pages ${count(done)} of ${progress.pages_total ? count(progress.pages_total) : '?'}`,
      `${count(progress.records)} records`, `${count(progress.requests)} requests`,
      `${count(progress.retries)} retries`, `${count(progress.rate_limit_waits)} rate-limit waits`);
    const left = Math.ceil((waitingUntil - Date.now()) / 1000);
    if (left > 0) parts.push(`waiting ${left} s (${waitingWhy})`);
  }
  parts.push(`${elapsed()} elapsed`);
  $('progress-text').textContent = parts.join(' · ');
}

function startTicker() {
  stopTicker();
  ticker = setInterval(drawProgress, 250);
}

function stopTicker() {
  clearInterval(ticker);
  ticker = null;
}

function onFetchEvent({ event }) {
  if (event.type === 'progress') {
    progress = event;
  } else {
    log.add(event);
    if (event.wait_ms) {
      waitingUntil = Date.now() + event.wait_ms;
      waitingWhy = event.message.includes('429') ? 'rate limit' : 'retry backoff';
    }
  }
  drawProgress();
}

// ---------- running ----------

async function run({ refresh = false } = {}) {
  if (running) return;
  showError('');
  let request;
  try {
    request = source() === 'file'
      ? { type: 'upload', file: chosenFile, seed: $('seed').value, asOf: $('as-of').value }
      : { type: 'fetch', settings: fetchSettings({ refresh }) };
  } catch (error) {
    fail(error.message);
    return;
  }
  if (request.settings) request.settings.url = new URL(request.settings.url, location.href).href;
  running = { kind: source(), started: performance.now() };
  progress = {};
  waitingUntil = 0;
  log.clear();
  $('progress').hidden = false;
  setState('running', request.type === 'upload' ? `Processing ${chosenFile.name}…` : `Fetching ${request.settings.url}…`);
  startTicker();
  drawProgress();
  const onEvent = (message) => {
    if (message.type === 'read-progress') {
      progress = {
        loaded: message.loaded, total: message.total, records: message.records, processing: message.loaded >= message.total,
      };
      drawProgress();
    } else if (message.type === 'event') {
      onFetchEvent(message);
    }
  };
  try {
    const reply = await client.ask(request, onEvent);
    await showResults(reply);
    const m = reply.metadata;
    const took = `${(reply.millis / 1000).toFixed(1)} s`;
    if (m.complete) {
      setState('done', `Done: ${count(m.total_customers)} customers in ${took}.`);
    } else {
      setState('partial', `Partial: ${count(m.total_customers)} customers; ${m.failed_pages.length} page(s) missing. Retry the failed pages to complete the report.`);
    }
  } catch (error) {
    if (/^Cancelled/.test(error.message)) {
      showError('');
      setState('idle', `${error.message}`);
    } else {
      fail(advice(error.message));
    }
  } finally {
    running = null;
    stopTicker();
    $('progress').hidden = true;
    $('progress-text').textContent = '';
    $('run').disabled = !canRun();
    $('cancel').disabled = true;
  }
}

async function cancel() {
  if (!running) return;
  if (running.kind === 'api') {
    await client.ask({ type: 'cancel' });
  } else {
    // Reading and processing a file is synchronous work in the worker: end
    // it. The worker held the previous run's data, so its results go too.
    client.restart();
    clearResults();
  }
}

// ---------- results ----------

function clearResults() {
  lastMetadata = null;
  $('results').hidden = true;
}

const seconds = (ms) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;

function fillCounts(pairs) {
  $('counts').replaceChildren(...pairs.map(([label, value]) => el('div', {}, [
    el('dt', { text: label }),
    el('dd', { text: value }),
  ])));
}

function fillList(listId, noneId, items) {
  $(listId).replaceChildren(...items.map((text) => el('li', { text })));
  $(noneId).hidden = items.length > 0;
}

async function showResults({ metadata, rejected }) {
  lastMetadata = metadata;
  const q = metadata.data_quality_summary;
  const pairs = [
    ['Customers', count(metadata.total_customers)],
    ['Records read', count(metadata.records_read)],
    ['Duplicates removed', count(metadata.duplicates_removed)],
    ['Rejected records', count(metadata.rejected_records)],
  ];
  if (metadata.fetch) {
    const f = metadata.fetch;
    pairs.push(['Pages fetched', `${count(metadata.source.pages_fetched)} of ${metadata.source.pages_total ?? '?'}`],
      ['Requests', count(f.requests)],
      ['Retries', count(f.retries.server_error + f.retries.request_timeout + f.retries.timeout + f.retries.network + f.retries.malformed_body)],
      ['Success rate', `${Math.round(f.success_rate * 100)}%`],
      ['Fetch / process', `${seconds(f.fetch_ms)} / ${seconds(f.process_ms)}`]);
  }
  fillCounts(pairs);
  barChart($('chart-quality'), [['high (90+)', q.high_quality], ['medium (70-89)', q.medium_quality], ['low (<70)', q.low_quality]], { title: 'Data quality' });
  barChart($('chart-issues'), Object.entries(metadata.issues_by_field), { title: 'Issues per field' });
  for (const field of ['engagement_level', 'activity_status', 'acquisition_channel', 'market_segment', 'customer_tier']) {
    barChart($(`chart-${field}`), Object.entries(metadata.distributions[field]), { title: field });
  }
  barChart($('chart-domains'), metadata.distributions.top_email_domains.map((d) => [d.domain, d.customers]), { title: 'Top email domains' });

  fillList('failed-pages', 'failed-none', metadata.failed_pages.map((f) => `Page ${f.page}: ${f.reason} (${f.attempts} attempts)`));
  const shownRejected = rejected.map((r) => `${r.position}: ${r.reason}`);
  if (metadata.rejected_records > rejected.length) {
    shownRejected.push(`… and ${count(metadata.rejected_records - rejected.length)} more in the downloaded report.`);
  }
  fillList('rejected-list', 'rejected-none', shownRejected);
  fillList('warnings-list', 'warnings-none', metadata.warnings);
  $('retry-failed').hidden = metadata.complete || !metadata.fetch;
  const note = $('partial-note');
  note.hidden = metadata.complete;
  note.textContent = metadata.complete ? '' : 'This report is incomplete (metadata.complete is false): some pages could not be fetched. '
    + 'Downloads are named "-partial". Use "Retry failed pages" to fetch only what is missing.';
  $('results').hidden = false;
  $('search').value = '';
  $('filter-bucket').value = '';
  $('filter-issue').value = '';
  await table.reset();
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
      at: new Date().toISOString(), level: 'info',
      message: `Exported ${name} (${formatBytes(blob.size)}) in ${seconds(millis)}`,
    });
  } catch (error) {
    showError(`Could not prepare the download: ${error.message}`);
  }
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

function wire() {
  for (const id of ['source-api', 'source-file']) $(id).addEventListener('change', showSource);
  $('api-url').addEventListener('input', showSource);
  $('file-input').addEventListener('change', (event) => chooseFile(event.target.files[0]));
  document.addEventListener('dragover', (event) => {
    event.preventDefault();
    $('file-settings').classList.add('dragging');
  });
  document.addEventListener('dragleave', () => $('file-settings').classList.remove('dragging'));
  document.addEventListener('drop', (event) => {
    event.preventDefault();
    $('file-settings').classList.remove('dragging');
    chooseFile(event.dataTransfer.files[0]);
  });
  $('run').addEventListener('click', () => run());
  $('cancel').addEventListener('click', cancel);
  $('retry-failed').addEventListener('click', () => run());
  $('new-seed').addEventListener('click', () => newSeed().catch((e) => fail(e.message)));
  $('download-json').addEventListener('click', () => download('json'));
  $('download-csv').addEventListener('click', () => download('csv'));
  $('download-summary').addEventListener('click', () => download('summary'));
  for (const button of [$('copy-log'), $('copy-link')]) button.dataset.label = button.textContent;
  $('copy-log').addEventListener('click', () => copy(log.text(), $('copy-log')));
  $('copy-link').addEventListener('click', () => copy(shareableUrl(), $('copy-link')));
  let searchTimer = null;
  $('search').addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => table.update({ search: $('search').value }), 150);
  });
  $('filter-bucket').addEventListener('change', () => table.update({ bucket: $('filter-bucket').value }));
  $('filter-issue').addEventListener('change', () => table.update({ issue: $('filter-issue').value }));
}

async function start() {
  wire();
  $('api-url').value = defaultApiUrl();
  $('as-of').value = today();
  const autorun = applyQuery(location.search);
  showSource();
  try {
    if (!$('seed').value) await newSeed();
  } catch (error) {
    fail(error.message);
    return;
  }
  setState('idle', 'Ready: choose a source and press Run.');
  if (autorun) run();
}

start();
