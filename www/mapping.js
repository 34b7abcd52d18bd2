// The field mapping panel (#mapping): which column of the source feeds each
// field of the contract, chosen before the run. The worker has the core look
// at the start of the chosen file, or at an API's page 1 on Preview mapping
// (mapping-worker.js); this shows the layout, a select per contract field
// with the proposed column chosen, the CSV separator, the columns no field
// reads and the first records as they would be read. Every change looks again.
//
// What is sent as `map`: until the user changes a select, the link's `map`
// text as given (empty: all proposed by the core); after a change, and for
// every run after a probe, an object of every field as the last probe
// resolved it with the user's changes over it ({field: column or null}), so
// that a change moves only what the user moved and a run reads exactly what
// the preview showed. The object form names any column, commas included.
// The page neither parses nor writes the `map` text: the core reads it, and
// writes the link's (mapText). Field names, labels and separators come from
// the core's vocabulary.
import { el, count, capitalise } from './dom.js';
import { plural } from './format.js';

const $ = (id) => document.getElementById(id);

/**
 * Whether a mapping can name `column`: the object form takes names exactly,
 * and reads a blank one as "not in this source" (MappingSpec::from_fields).
 */
const nameable = (column) => column.trim() !== '';

/** A preview cell with no value: a dash to see, a word to hear. */
const absent = () => el('span', { className: 'absent' }, [
  el('span', { text: '—', attrs: { 'aria-hidden': 'true' } }),
  el('span', { className: 'visually-hidden', text: 'absent' }),
]);

/** What is known about one source (the file, or the API): the last probe and the user's changes. */
const freshState = (seq = 0) => ({
  probe: null, resolved: null, picks: new Map(), error: null, status: '', busy: false, again: false, seq,
});

export class MappingPanel {
  /**
   * `client` talks to the worker; `say` tells screen readers (the polite
   * live region); `source()` is 'api' or 'file'; `apiForm({refresh, map})`
   * is the API run's form as typed, with those settings (by the core's
   * names) as given; `onFailed()` is told when a look fails (its message
   * is then the page's one error).
   */
  constructor({ client, say, source, apiForm, onFailed = () => {} }) {
    this.client = client;
    this.onFailed = onFailed;
    this.say = say;
    this.source = source;
    this.apiForm = apiForm;
    this.vocabulary = null;
    this.labels = new Map();
    this.selects = new Map();
    this.file = null;
    this.linkMap = '';
    this.linkSeparator = '';
    this.separator = '';
    this.states = { file: freshState(), api: freshState() };
    $('preview-mapping').addEventListener('click', () => this.previewApi({ explicit: true }));
    $('cancel-preview').addEventListener('click', () => this.cancelPreview());
    $('mapping-reset').addEventListener('click', () => this.reset());
    $('map-separator').addEventListener('change', () => this.chooseSeparator($('map-separator').value));
  }

  /** The link's `map` and `separator` (as given; the core checks them when they are used). */
  setQuery({ map, separator }) {
    this.linkMap = map;
    this.linkSeparator = separator;
    this.separator = separator;
  }

  /**
   * Puts back a remembered run's `map` and `separator` (as the link's), and
   * forgets what was found of the API: the run reads with those settings.
   */
  restore({ map, separator }) {
    this.setQuery({ map, separator });
    const state = this.states.api;
    if (state.busy) this.client.ask({ type: 'cancel-probe' }).catch(() => {});
    this.states.api = freshState(state.seq + 1);
    this.render();
  }

  /**
   * Another attempt's failure is the page's one message now: the panel's
   * own (a failed look, a refusal of the mapping) is no longer shown.
   */
  clearError() {
    for (const state of Object.values(this.states)) {
      state.error = null;
      if (state.probe?.refusal) state.probe = { ...state.probe, refusal: null };
    }
    this.render();
  }

  /** Builds the selects and the preview's head from the core's contract fields and separators. */
  configure(vocabulary) {
    this.vocabulary = vocabulary;
    this.labels = new Map(vocabulary.contract_fields.map((field) => [field.name, field.label]));
    const fields = vocabulary.contract_fields.map((field) => {
      const select = el('select', { attrs: { id: `map-${field.name}`, 'data-field': field.name } });
      select.addEventListener('change', () => this.pick(field.name, select.value));
      this.selects.set(field.name, select);
      return el('div', { className: 'field' }, [el('label', { text: field.label, attrs: { for: select.id } }), select]);
    });
    $('mapping-fields').replaceChildren($('mapping-fields').querySelector('legend'), ...fields);
    $('mapping-preview').tHead.replaceChildren(el('tr', {}, [
      el('th', { text: 'Where', attrs: { scope: 'col' } }),
      ...vocabulary.contract_fields.map((field) => el('th', { text: field.label, attrs: { scope: 'col' } })),
    ]));
    this.render();
  }

  label(field) {
    return this.labels.get(field) ?? field;
  }

  state(kind = this.source()) {
    return this.states[kind];
  }

  // ---------- what is sent ----------

  /**
   * Every field as the last probe resolved it, with the user's changes over
   * it, as the core's object form; a column no mapping can name is left out,
   * for the core to propose again as it did. `null` before any probe.
   */
  pinned(kind) {
    const { resolved, picks } = this.state(kind);
    if (!resolved) return null;
    const fields = {};
    for (const field of this.vocabulary.contract_fields) {
      const column = picks.has(field.name) ? picks.get(field.name) : resolved[field.name];
      if (column === null || nameable(column)) fields[field.name] = column;
    }
    return fields;
  }

  /** The map a probe gets: the link's text until the user changes something, then every field. */
  probeMap(kind = this.source()) {
    return this.state(kind).picks.size > 0 ? this.pinned(kind) ?? this.linkMap : this.linkMap;
  }

  /** The map a run gets: every field as the preview showed it; without a preview, the link's text. */
  runMap(kind) {
    return this.pinned(kind) ?? this.linkMap;
  }

  /** The read options of an upload run. */
  runOptions() {
    return { map: this.runMap('file'), separator: this.separator };
  }

  /**
   * The mapping settings for *Copy link*, by the core's names: `map`, the
   * link's map with the user's changes over it as the core writes it (a
   * column with a comma cannot be written there), and the separator chosen.
   */
  async linkParams() {
    const changes = Object.fromEntries(this.state().picks);
    const { text } = await this.client.ask({ type: 'map-text', base: this.linkMap, changes });
    return { map: text, separator: this.separator };
  }

  // ---------- what the user does ----------

  /** A file was chosen: its own proposal, with the link's settings. */
  chooseFile(file) {
    this.file = file;
    this.states.file = freshState(this.states.file.seq + 1);
    this.separator = this.linkSeparator;
    this.render();
    this.probeFile({ explicit: true });
  }

  /** The API URL changed: the preview and the changes were for another API. */
  apiChanged() {
    const state = this.states.api;
    if (!state.probe && !state.busy && !state.error && state.picks.size === 0) return;
    if (state.busy) this.client.ask({ type: 'cancel-probe' }).catch(() => {});
    this.states.api = freshState(state.seq + 1);
    this.states.api.status = 'The API URL changed: Preview mapping looks at its page 1.';
    this.render();
  }

  /**
   * A contract field's select changed. A column feeds one field: a field
   * that read the column chosen is then "not in this source".
   */
  pick(field, column) {
    const kind = this.source();
    const { picks } = this.state(kind);
    picks.set(field, column === '' ? null : column);
    const moved = [];
    if (column !== '') {
      for (const [other, select] of this.selects) {
        if (other !== field && select.value === column) {
          picks.set(other, null);
          moved.push(other);
        }
      }
    }
    this.changed = { field, column, moved };
    if (kind === 'file') this.probeFile();
    else this.previewApi();
  }

  chooseSeparator(separator) {
    this.separator = separator;
    // The columns were those of the other separator.
    this.states.file.picks.clear();
    this.states.file.resolved = null;
    $('map-separator').removeAttribute('aria-invalid');
    this.probeFile({ explicit: true });
  }

  /** Back to the core's proposal: no link map, no changes, the separator found from the header. */
  reset() {
    const kind = this.source();
    this.linkMap = '';
    this.state(kind).picks.clear();
    this.state(kind).resolved = null;
    if (kind === 'file') {
      this.linkSeparator = '';
      this.separator = '';
      this.probeFile({ explicit: true });
    } else if (this.state(kind).probe) {
      this.previewApi();
    } else {
      this.state(kind).error = null;
      this.render();
      this.say('The link\'s field mapping is no longer used.');
    }
    if ($('mapping-reset').hidden) $('preview-mapping').focus();
  }

  /** A run starts: a probe of the API in flight is no longer wanted. */
  stop() {
    if (this.states.api.busy) this.cancelPreview();
  }

  cancelPreview() {
    if (!this.states.api.busy) return;
    // Cancel preview is about to be disabled: focus goes back to Preview mapping first.
    if (document.activeElement === $('cancel-preview')) $('preview-mapping').focus();
    this.client.ask({ type: 'cancel-probe' }).catch(() => {});
  }

  /** A run refused the mapping or the separator (invalid_setting): the panel says so too. */
  refused(error) {
    const state = this.state();
    state.probe = null;
    state.error = error;
    this.render();
  }

  // ---------- probing ----------

  async probeFile({ explicit = false } = {}) {
    const state = this.states.file;
    const { file } = this;
    if (!file || !this.vocabulary) return;
    const seq = ++state.seq;
    state.busy = true;
    if (!state.probe) state.status = `Looking at ${file.name}…`;
    this.render();
    try {
      const { probe } = await this.client.ask({
        type: 'probe-file', file, options: { map: this.probeMap('file'), separator: this.separator, file_name: file.name },
      });
      if (seq !== state.seq || state !== this.states.file) return;
      this.shown(state, probe, `${file.name}`);
    } catch (error) {
      if (seq !== state.seq || state !== this.states.file) return;
      this.failed(state, error, explicit);
    } finally {
      if (seq === state.seq) state.busy = false;
    }
    this.render();
  }

  async previewApi({ explicit = false } = {}) {
    const state = this.states.api;
    if (this.source() !== 'api' || !this.vocabulary) return;
    if (state.busy) {
      state.again = true;
      return;
    }
    const seq = ++state.seq;
    state.busy = true;
    state.error = null;
    state.status = 'Fetching page 1…';
    this.render();
    // Only an explicit preview honours Ignore cached pages: a change looks at the page already fetched.
    const form = this.apiForm({ refresh: explicit && $('refresh').checked, map: this.probeMap('api') });
    try {
      const { probe } = await this.client.ask({ type: 'probe-api', form }, (message) => {
        const { event } = message;
        if (message.type !== 'event' || seq !== state.seq) return;
        // The waits a run's log tells (a retry's, a 429's, the announced budget's), told as they come.
        if (event.kind === 'retry' || event.kind === 'rate_limit_wait' || event.kind === 'paced') {
          state.status = `Fetching page 1… ${event.message}`;
          this.render();
        }
      });
      if (seq !== state.seq || state !== this.states.api) return;
      this.shown(state, probe, 'Page 1');
    } catch (error) {
      if (seq !== state.seq || state !== this.states.api) return;
      if (error.code === 'cancelled') {
        state.status = 'Preview cancelled.';
        state.again = false;
      } else {
        this.failed(state, error, explicit);
      }
    } finally {
      if (seq === state.seq) state.busy = false;
      if (document.activeElement === $('cancel-preview')) $('preview-mapping').focus();
    }
    this.render();
    if (state.again && state === this.states.api) {
      state.again = false;
      this.previewApi();
    }
  }

  /** A probe's answer: shown, and told to screen readers. */
  shown(state, probe, subject) {
    if (state === this.states.file && probe.separator !== null && this.separator !== '') {
      // The core's reading of the choice ("tab" is the tab character).
      this.separator = probe.separator;
    }
    state.probe = probe;
    state.resolved = probe.mapping.fields;
    state.error = null;
    state.status = `${subject}: ${this.layout(probe, state)}`;
    const { changed } = this;
    this.changed = null;
    if (changed) {
      const moved = changed.moved.map((field) => ` ${this.label(field)}: not in this source.`).join('');
      this.say(`${this.label(changed.field)}: ${changed.column === '' ? 'not in this source' : changed.column}.${moved} Preview updated.`);
    } else {
      const { unmapped } = probe.mapping;
      const found = this.vocabulary.contract_fields.length - unmapped.length;
      const missing = unmapped.length ? `; not in this source: ${unmapped.map((f) => this.label(f)).join(', ')}` : '';
      this.say(`Field mapping: ${count(found)} of ${count(this.vocabulary.contract_fields.length)} fields found${missing}. `
        + `${plural(probe.preview.length, 'record', 'records')} previewed.`);
    }
  }

  failed(state, error, explicit) {
    state.probe = null;
    state.error = error;
    state.status = '';
    this.changed = null;
    this.onFailed();
    this.render();
    // The mapping cannot be shown until this is fixed: the message takes focus, as a failed run's does.
    if (explicit) $('mapping-error').focus();
  }

  layout(probe, state) {
    const n = probe.columns.length;
    if (probe.separator === null) {
      const layout = this.vocabulary.layouts.find((entry) => entry.name === probe.format)?.label ?? probe.format;
      return `${capitalise(layout)}, ${plural(n, 'field', 'fields')} found in the first records.`;
    }
    const chosen = state === this.states.file && this.separator !== '';
    return `CSV, ${plural(n, 'column', 'columns')} separated by ${this.separatorLabel(probe.separator).toLowerCase()}`
      + `${chosen ? '' : ' (found from the header)'}.`;
  }

  separatorLabel(value) {
    return this.vocabulary.separators.find((s) => s.value === value)?.label ?? `"${value}"`;
  }

  // ---------- drawing ----------

  /** Draws the current source's state. */
  render() {
    const kind = this.source();
    const state = this.state(kind);
    const section = $('mapping');
    section.hidden = !this.vocabulary || (kind === 'file' && !this.file);
    if (section.hidden) return;
    $('mapping-api').hidden = kind !== 'api';
    $('cancel-preview').disabled = !(kind === 'api' && state.busy);
    $('mapping-status').textContent = state.status;

    // A failed look, or what a run with this mapping would be refused for
    // (a CSV with no column for the customer id: choose one below).
    const error = $('mapping-error');
    const problem = state.error ?? state.probe?.refusal ?? null;
    error.textContent = problem?.message ?? '';
    error.hidden = !problem;
    for (const detail of ['code', 'field']) {
      if (problem?.[detail]) error.dataset[detail] = problem[detail];
      else delete error.dataset[detail];
    }
    const badSeparator = state.error?.code === 'invalid_setting' && state.error.field === 'separator';
    if (badSeparator) $('map-separator').setAttribute('aria-invalid', 'true');
    else $('map-separator').removeAttribute('aria-invalid');

    $('mapping-reset').hidden = !(state.probe || state.error || this.linkMap !== '' || state.picks.size > 0
      || (kind === 'file' && this.separator !== ''));
    // A refused separator stays choosable: the select is shown with the message.
    $('separator-field').hidden = kind !== 'file' || !(state.probe?.separator || badSeparator);
    this.fillSeparators(state.probe);
    $('mapping-body').hidden = !state.probe && !badSeparator;
    $('mapping-fields').hidden = !state.probe;
    $('mapping-ignored').hidden = !state.probe;
    $('mapping-preview-scroll').hidden = !state.probe;
    if (state.probe) this.fill(state.probe, kind);
  }

  fillSeparators(probe) {
    const select = $('map-separator');
    const found = probe?.separator && this.separator === '' ? `: ${this.separatorLabel(probe.separator)}` : '';
    const entries = [['', `Found from the header${found}`], ...this.vocabulary.separators.map((s) => [s.value, s.label])];
    // A separator from the link that the core refused is shown as given.
    if (!entries.some(([value]) => value === this.separator)) entries.push([this.separator, `"${this.separator}" (from the link)`]);
    select.replaceChildren(...entries.map(([value, text]) => el('option', { text, attrs: { value } })));
    select.value = this.separator;
  }

  fill(probe, kind) {
    const fields = this.vocabulary.contract_fields;
    for (const field of fields) {
      const select = this.selects.get(field.name);
      const source = probe.mapping.fields[field.name];
      const options = [el('option', { text: 'Not in this source', attrs: { value: '' } })];
      for (const column of probe.columns) {
        const option = el('option', {
          text: nameable(column) ? column : `${column} (cannot be named in a mapping)`, attrs: { value: column },
        });
        option.disabled = !nameable(column) && column !== source;
        options.push(option);
      }
      if (source !== null && !probe.columns.some((column) => column === source)) {
        options.push(el('option', { text: `${source} (not in the records looked at)`, attrs: { value: source } }));
      }
      select.replaceChildren(...options);
      select.value = source ?? '';
    }

    const ignored = probe.mapping.ignored_columns;
    $('mapping-ignored').textContent = ignored.length
      ? `Not used: ${ignored.join(', ')}.`
      : 'Every column found is read by a field.';

    const where = kind === 'file' ? `of ${this.file.name}` : 'of page 1';
    $('mapping-preview-caption').textContent = probe.preview.length
      ? `The first ${plural(probe.preview.length, 'record', 'records')} ${where}, read with this mapping`
      : `No records in the part ${where} looked at`;
    // A record that cannot be read shows why across the row; one the run
    // will reject (no valid id) shows its values, and why under its place.
    $('mapping-preview').tBodies[0].replaceChildren(...probe.preview.map((row) => el('tr', {}, [
      el('th', { attrs: { scope: 'row' } }, [
        row.position,
        ...(row.problem !== null && row.values !== null ? [el('span', { className: 'problem rejected', text: ` rejected: ${row.problem}` })] : []),
      ]),
      ...(row.values === null
        ? [el('td', { className: 'problem', text: row.problem, attrs: { colspan: String(fields.length) } })]
        : row.values.map((value) => el('td', {}, [value === null ? absent() : value]))),
    ])));
  }
}
