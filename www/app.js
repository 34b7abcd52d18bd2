// The page: collects the settings, hands the work to the worker, shows the
// outcome. Data is always inserted as text, never as HTML.

const $ = (id) => document.getElementById(id);

const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
const pending = new Map();
let nextRequest = 1;

/** Sends a request to the worker; resolves with its reply, rejects with its error. */
function ask(message) {
  const id = nextRequest++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    worker.postMessage({ ...message, id });
  });
}

worker.onmessage = (event) => {
  const reply = event.data;
  const waiter = pending.get(reply.id);
  if (!waiter) return;
  pending.delete(reply.id);
  if (reply.type === 'error') waiter.reject(new Error(reply.message));
  else waiter.resolve(reply);
};

worker.onerror = (event) => {
  showError(`The processing worker failed to start: ${event.message || 'unknown error'}. ` +
    'Reload the page; if it persists, rebuild with the README\'s run command.');
  setState('failed', 'Failed');
};

let chosenFile = null;
let lastReport = null;

function setState(state, text) {
  const status = $('run-status');
  status.dataset.state = state;
  status.textContent = text;
}

function showError(message) {
  const box = $('error');
  box.textContent = message;
  box.hidden = !message;
}

/** Today's date in the user's time zone, as YYYY-MM-DD. */
function today() {
  const now = new Date();
  const pad = (n) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

function chooseFile(file) {
  chosenFile = file || null;
  $('file-name').textContent = file ? `Selected: ${file.name} (${formatBytes(file.size)})` : '';
  $('run').disabled = !chosenFile;
}

function formatBytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** Fills a <dl> with label/number pairs. */
function fillCounts(list, pairs) {
  list.replaceChildren(...pairs.map(([label, value]) => {
    const item = document.createElement('div');
    const term = document.createElement('dt');
    const detail = document.createElement('dd');
    term.textContent = label;
    detail.textContent = Number(value).toLocaleString('en-US');
    item.append(term, detail);
    return item;
  }));
}

function showResults(metadata) {
  const summary = metadata.data_quality_summary;
  fillCounts($('counts'), [
    ['Customers', metadata.total_customers],
    ['Records read', metadata.records_read],
    ['Duplicates removed', metadata.duplicates_removed],
    ['Rejected records', metadata.rejected_records],
  ]);
  fillCounts($('quality'), [
    ['High (90-100)', summary.high_quality],
    ['Medium (70-89)', summary.medium_quality],
    ['Low (below 70)', summary.low_quality],
  ]);
  fillCounts($('issues'), Object.entries(metadata.issues_by_field));
  $('results').hidden = false;
}

async function run() {
  if (!chosenFile) return;
  showError('');
  $('results').hidden = true;
  $('run').disabled = true;
  setState('running', `Processing ${chosenFile.name}…`);
  try {
    const reply = await ask({
      type: 'upload', file: chosenFile, seed: $('seed').value, asOf: $('as-of').value,
    });
    lastReport = reply.report;
    showResults(reply.metadata);
    const m = reply.metadata;
    setState('done', `Done: ${m.total_customers.toLocaleString('en-US')} customers ` +
      `in ${Math.round(reply.millis)} ms.`);
  } catch (error) {
    lastReport = null;
    showError(error.message);
    setState('failed', 'Failed: nothing was produced. Fix the problem below and run again.');
  } finally {
    $('run').disabled = !chosenFile;
  }
}

function download() {
  if (!lastReport) return;
  const blob = new Blob([lastReport], { type: 'application/json' });
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = 'customer_report.json';
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}

async function newSeed() {
  try {
    $('seed').value = (await ask({ type: 'seed' })).seed;
  } catch (error) {
    showError(error.message);
    setState('failed', 'Failed to start');
  }
}

function wireDropZone() {
  const zone = $('drop-zone');
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('dragging');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('dragging'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('dragging');
    const [file] = event.dataTransfer.files;
    if (file) chooseFile(file);
  });
}

$('file-input').addEventListener('change', (event) => chooseFile(event.target.files[0]));
$('run').addEventListener('click', run);
$('download-json').addEventListener('click', download);
$('new-seed').addEventListener('click', newSeed);
wireDropZone();
$('as-of').value = today();
chooseFile($('file-input').files[0]);
newSeed().then(() => {
  if ($('run-status').dataset.state === 'idle') setState('idle', 'Ready: choose a customer file.');
});
