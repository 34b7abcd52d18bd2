// The Changes section: the current results compared with an earlier report
// this tool exported (#previous-report). The worker reads and checks the
// report, compares it with each run's results and keeps the changes
// (changes-worker.js); this shows the counts, the quality-bucket moves and
// a virtual table of the added, removed and changed customers (each row
// marked so by the core's `change`), and saves the changes file.
// Field and bucket names come from the core's vocabulary; notes and
// refusals are the core's sentences, shown as they are.
import { el, count, saveFile } from './dom.js';
import { bytes, plural, seconds } from './format.js';
import { VirtualTable, fillText } from './vtable.js';

const $ = (id) => document.getElementById(id);

const customers = (n) => plural(n, 'customer', 'customers');

/** What a row's change is, in words (shown as text, not by colour alone). */
const CHANGE_WORDS = { added: 'added', removed: 'removed', changed: 'changed' };
/** The changes cell of a customer added or removed: which report it is missing from. */
const WHOLE_CHANGE = { added: 'not in the earlier report', removed: 'not in this run' };

/** A changed value as text; a list's items one after another ("none" when empty). */
function shown(value) {
  if (Array.isArray(value)) return value.length ? value.join('; ') : 'none';
  return String(value);
}

export class ChangesPanel {
  /** `client` talks to the worker; `log` (the run log) hears the export. */
  constructor({ client, log }) {
    this.client = client;
    this.log = log;
    this.vocabulary = null;
    this.labels = new Map();
    this.file = null;
    this.reading = null;
    this.table = null;
    this.metadata = null;
    $('previous-report').addEventListener('change', (event) => this.choose(event.target.files[0]));
    $('download-changes').addEventListener('click', () => this.download());
    let searchTimer = null;
    $('changes-search').addEventListener('input', () => {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(() => this.table?.update({ search: $('changes-search').value }), 150);
    });
    $('changes-filter-bucket').addEventListener('change', () => this.table?.update({ bucket: $('changes-filter-bucket').value }));
    $('changes-filter-field').addEventListener('change', () => this.table?.update({ field: $('changes-filter-field').value }));
  }

  /** Names fields by the customer table's column labels and buckets by the core's names. */
  configure(vocabulary) {
    this.vocabulary = vocabulary;
    this.labels = new Map(vocabulary.columns.map((column) => [column.key, column.label]));
    options($('changes-filter-bucket'), [['', 'all'],
      ...vocabulary.quality_buckets.map((b) => [b.name, `${b.name} (${b.min}–${b.max})`])]);
  }

  /** An earlier report was chosen (or the choice emptied). */
  async choose(file) {
    this.refuse(null);
    this.hide();
    this.file = file ?? null;
    if (!file) {
      $('previous-report-status').textContent = '';
      await this.client.ask({ type: 'forget-previous' }).catch(() => {});
      return;
    }
    $('previous-report-status').textContent = `Reading ${file.name}…`;
    await this.read(file);
  }

  /** Has the worker read and check `file`; shows the changes if there are results. */
  read(file) {
    const reading = (async () => {
      try {
        const { summary, changes } = await this.client.ask({ type: 'previous', file });
        if (file !== this.file) return;
        $('previous-report-status').textContent = `Comparing with ${file.name}: exported ${summary.export_timestamp}, `
          + `${customers(summary.total_customers)}, seed ${summary.seed}, as of ${summary.as_of}.`
          + (changes ? '' : ' The changes are shown after the next run.');
        if (changes) await this.show(changes);
      } catch (error) {
        if (file !== this.file) return;
        this.file = null;
        $('previous-report-status').textContent = '';
        this.refuse(error.message);
      }
    })().finally(() => {
      if (this.reading === reading) this.reading = null;
    });
    this.reading = reading;
    return reading;
  }

  /** A run has results: compares them with the earlier report, if one was chosen. */
  async afterRun() {
    await this.reading;
    if (!this.file) return;
    try {
      const { loaded, changes } = await this.client.ask({ type: 'compare' });
      // A worker restarted (a cancelled file run) has forgotten the report: read it again.
      if (!loaded) await this.read(this.file);
      else if (changes) await this.show(changes);
    } catch (error) {
      this.refuse(error.message);
    }
  }

  /** A new run starts: nothing of the last comparison stays. */
  clear() {
    this.hide();
    this.table?.clear();
  }

  hide() {
    this.metadata = null;
    $('changes').hidden = true;
    $('download-changes').disabled = true;
  }

  /** Shows the core's reason for refusing the chosen file (or clears it). */
  refuse(message) {
    const error = $('previous-report-error');
    error.textContent = message ?? '';
    error.hidden = !message;
    if (message) $('previous-report').setAttribute('aria-invalid', 'true');
    else $('previous-report').removeAttribute('aria-invalid');
  }

  async show({ metadata: m, columns }) {
    this.metadata = m;
    const section = $('changes');
    for (const key of ['added', 'removed', 'changed', 'unchanged']) section.dataset[key] = String(m.counts[key]);
    const side = (s) => `${customers(s.total_customers)}, seed ${s.seed}, as of ${s.as_of}`;
    $('changes-since').textContent = `By customer id, from the report exported ${m.previous.export_timestamp} `
      + `(${side(m.previous)}) to this run (${side(m.current)}).`;
    $('changes-notes').replaceChildren(...m.notes.map((note) => el('p', {
      className: 'warning', text: note.message, attrs: { 'data-code': note.code },
    })));
    $('changes-counts').replaceChildren(...[
      ['added', 'Added'], ['removed', 'Removed'], ['changed', 'Changed'], ['unchanged', 'Unchanged'],
    ].map(([key, label]) => el('div', { attrs: { 'data-count': key } }, [
      el('dt', { text: label }),
      el('dd', { text: count(m.counts[key]) }),
    ])));
    $('changes-fields').replaceChildren(...Object.entries(m.counts.fields).map(([field, n]) => el('li', {
      text: `${this.label(field)}: ${customers(n)}`, attrs: { 'data-field': field, 'data-count': String(n) },
    })));
    const moves = m.counts.quality_buckets;
    $('changes-buckets').replaceChildren(...moves.map((move) => el('li', {
      text: `${customers(move.customers)}: ${move.from} → ${move.to}`,
      attrs: { 'data-from': move.from, 'data-to': move.to, 'data-count': String(move.customers) },
    })));
    $('changes-buckets').hidden = moves.length === 0;
    $('changes-buckets-none').hidden = moves.length > 0;

    options($('changes-filter-field'), [['', 'any'], ...m.compared_fields.map((field) => [field, this.label(field)])]);
    $('changes-search').value = '';
    $('changes-filter-bucket').value = '';
    this.ensureTable().configure({ columns, quality_buckets: this.vocabulary.quality_buckets });
    $('download-changes').disabled = false;
    section.hidden = false;
    await this.table.reset();
  }

  label(field) {
    return this.labels.get(field) ?? field;
  }

  /** The table is made with the first comparison shown: until then the page has one table. */
  ensureTable() {
    if (this.table) return this.table;
    const table = el('div', {
      className: 'vtable', attrs: { id: 'changes-table', role: 'table', 'aria-labelledby': 'changes-table-title' },
    }, [el('div', { className: 'vhead', attrs: { role: 'rowgroup' } }), el('div', { className: 'vbody', attrs: { role: 'rowgroup' } })]);
    const scroller = el('div', {
      className: 'vscroll', attrs: { tabindex: '0', role: 'region', 'aria-label': 'Added, removed and changed customers table (scrolls)' },
    }, [table]);
    $('changes-table-area').append(scroller);
    this.table = new VirtualTable({
      area: $('changes-table-area'),
      scroller,
      table,
      client: this.client,
      onCount: (rows) => {
        const c = this.metadata?.counts;
        const total = c ? c.added + c.removed + c.changed : rows;
        $('changes-table-count').textContent = rows === total
          ? `${customers(total)} added, removed or changed`
          : `${count(rows)} of ${customers(total)} added, removed or changed`;
      },
      requests: { view: 'changes-view', rows: 'changes-rows' },
      fill: (cell, column, row, ranks) => this.fill(cell, column, row, ranks),
      newQuery: () => ({ search: '', bucket: '', field: '' }),
    });
    return this.table;
  }

  /**
   * A listed customer's cell: what happened to it (added, removed,
   * changed), one changed field a line, the bucket before and now (only
   * before for a removed customer, only now for an added one).
   */
  fill(cell, column, row, ranks) {
    if (column.kind === 'change') {
      cell.append(el('span', { className: `change change-${row.change}`, text: CHANGE_WORDS[row.change] ?? row.change }));
    } else if (column.kind === 'changes') {
      if (WHOLE_CHANGE[row.change]) {
        cell.append(el('span', { className: 'no-change', text: WHOLE_CHANGE[row.change] }));
        return;
      }
      cell.textContent = row.changes
        .map((change) => `${this.label(change.field)}: ${shown(change.old)} → ${shown(change.new)}`)
        .join('\n');
    } else if (column.kind === 'bucket') {
      const bucket = row.quality_bucket ?? row.previous_bucket;
      const rank = ranks.get(bucket) ?? 0;
      let text = bucket;
      if (row.quality_bucket === null) text = `${row.previous_bucket} (before)`;
      else if (row.previous_bucket !== null && row.previous_bucket !== row.quality_bucket) {
        text = `${row.previous_bucket} → ${row.quality_bucket}`;
      }
      cell.append(
        el('span', { className: `marker rank-${rank}`, attrs: { 'aria-hidden': 'true' } }),
        el('span', { className: `bucket rank-${rank}`, text }),
      );
    } else {
      fillText(cell, column, row[column.key]);
    }
  }

  async download() {
    if (!this.metadata) return;
    try {
      const { blob, millis } = await this.client.ask({ type: 'download-changes' });
      const name = `customer_changes-${this.metadata.current.export_timestamp.replaceAll(':', '-')}.json`;
      saveFile(blob, name, 'application/json');
      this.log.add({
        at: new Date().toISOString(), level: 'info', kind: 'exported',
        message: `Exported ${name} (${bytes(blob.size)}) in ${seconds(millis)}`,
      });
    } catch (error) {
      this.refuse(`Could not prepare the download: ${error.message}`);
    }
  }
}

function options(select, entries) {
  select.replaceChildren(...entries.map(([value, text]) => el('option', { text, attrs: { value } })));
}
