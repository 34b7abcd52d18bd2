// A virtual table: the worker holds the rows and computes the view
// (search, filters, sort); this draws only the rows on screen, so it stays
// smooth with hundreds of thousands of rows. `CustomerTable` is the customer
// table; the changes table (changes.js) is another configuration of it.
//
// Rows are as tall as their content (the Issues cell wraps, one issue a
// line; on narrow screens each row is a card showing every field), so row
// heights are measured as rows are drawn and kept in a Fenwick tree: the
// offset of any row and the row at any offset are found in O(log n).
// Unmeasured rows count at the average measured height. Beyond
// MAX_HEIGHT pixels the scroll range is scaled, so a million rows still fit
// in what browsers can scroll.
import { el, count } from './dom.js';

/** Rows fetched from the worker at a time (a run's reply brings the first block along). */
export const BLOCK = 200;
const OVERSCAN = 6;
const MAX_HEIGHT = 10_000_000;

// Column widths and where a cell's text breaks come from the core: each
// column carries `min_rem`, `share` and `wrap` (never, dots, words, lines),
// decided by its field's kind (src/schema.rs). When the table cannot have
// every column at its minimum, rows become cards (every field with its
// name), so no column is ever out of sight.
const BORDERS_REM = 0.25;

/**
 * Sets a cell's text so it breaks where its column allows: a domain only
 * after its dots (a <wbr> after each, as DOM nodes; the text is shown as
 * it is, only cut into nodes), a list one item a line.
 */
export function fillText(cell, column, value) {
  if (column.wrap === 'dots' && typeof value === 'string') {
    const parts = value.split('.');
    parts.forEach((part, i) => {
      const last = i === parts.length - 1;
      cell.append(last ? part : `${part}.`);
      if (!last) cell.append(document.createElement('wbr'));
    });
  } else if (Array.isArray(value)) {
    cell.textContent = value.join('\n');
  } else {
    cell.textContent = String(value ?? '');
  }
}

/**
 * Row heights with prefix sums. Every row counts at `estimate` but those
 * with a height of their own (measured), whose difference from it is kept
 * in a Fenwick tree: a new table, or a new estimate, costs nothing per row,
 * so a million rows are ready at once.
 */
export class Heights {
  constructor(n, estimate) {
    this.n = n;
    this.estimate = estimate;
    /** Differences from the estimate, as a Fenwick tree. */
    this.tree = new Float64Array(n + 1);
    /** A row's own height, where `own` is set. */
    this.h = new Float64Array(n);
    this.own = new Uint8Array(n);
    /** Measured since the last forget(). */
    this.measured = new Uint8Array(n);
    /** The rows with a height of their own: few, whatever n. */
    this.rows = [];
    this.total = n * estimate;
    this.top = 1;
    while (this.top * 2 <= n) this.top *= 2;
  }

  /** The height row `i` counts at. */
  height(i) {
    return this.own[i] ? this.h[i] : this.estimate;
  }

  add(i, delta) {
    for (let j = i + 1; j <= this.n; j += j & -j) this.tree[j] += delta;
  }

  /** Every row not measured since the last forget() at `estimate`. */
  estimateRest(estimate) {
    const kept = [];
    for (const i of this.rows) {
      if (this.measured[i]) {
        this.add(i, this.estimate - estimate);
        kept.push(i);
      } else {
        this.add(i, this.estimate - this.h[i]);
        this.own[i] = 0;
      }
    }
    this.rows = kept;
    this.estimate = estimate;
    this.total = kept.reduce((sum, i) => sum + this.h[i] - estimate, this.n * estimate);
  }

  /** Forgets every measurement (the width changed); heights stay as they were until measured again. */
  forget() {
    for (const i of this.rows) this.measured[i] = 0;
  }

  set(i, height) {
    const delta = height - this.height(i);
    this.measured[i] = 1;
    if (!this.own[i]) {
      this.own[i] = 1;
      this.rows.push(i);
    }
    this.h[i] = height;
    if (delta === 0) return;
    this.total += delta;
    this.add(i, delta);
  }

  /** The top of row `i`: the sum of the heights before it. */
  offset(i) {
    let sum = i * this.estimate;
    for (let j = i; j > 0; j -= j & -j) sum += this.tree[j];
    return sum;
  }

  /** The row at vertical position `y`. */
  indexAt(y) {
    let pos = 0;
    let rest = y;
    for (let step = this.top; step > 0; step >>= 1) {
      const next = pos + step;
      // Entry `next` covers the `step` rows after `pos`.
      const span = this.tree[next] + step * this.estimate;
      if (next <= this.n && span <= rest) {
        pos = next;
        rest -= span;
      }
    }
    return Math.min(pos, this.n - 1);
  }
}

export class VirtualTable {
  /**
   * `area` holds the controls and the table (its width decides between
   * table and cards), `scroller` is the scrolling box, `table` the role=table element inside
   * it (with `.vhead` and `.vbody` row groups); `onCount(rows)` hears the
   * view's size; `onSort(query)` hears sort changes made in the header.
   * What is shown: `requests` names the worker's view and rows requests,
   * `fill(cell, column, row, ranks)`
   * fills a cell, and `newQuery()` gives the view's query with nothing chosen.
   */
  constructor({
    area, scroller, table, client, onCount, onSort, requests, fill, newQuery,
  }) {
    this.area = area;
    this.client = client;
    this.onCount = onCount;
    this.onSort = onSort;
    this.requests = requests;
    this.fillCell = fill;
    this.newQuery = newQuery;
    this.scroller = scroller;
    this.table = table;
    this.head = table.querySelector('.vhead');
    this.body = table.querySelector('.vbody');
    this.columns = [];
    this.ranks = new Map();
    this.query = newQuery();
    this.count = 0;
    this.heights = new Heights(0, 40);
    this.estimate = 40;
    this.fresh = true;
    this.blocks = new Map();
    this.rendered = new Map();
    this.generation = 0;
    this.width = 0;
    scroller.addEventListener('scroll', () => this.render());
    this.minimumRem = 0;
    new ResizeObserver(() => {
      this.fitMode();
      const width = this.scroller.clientWidth;
      if (width !== this.width) {
        this.width = width;
        this.remeasure();
      }
      this.render();
    }).observe(area);
  }

  /** Builds the header from the core's columns; `buckets` (best first) give each quality bucket its rank. */
  configure({ columns, quality_buckets: buckets }) {
    this.columns = columns;
    this.ranks = new Map(buckets.map((bucket, rank) => [bucket.name, rank]));
    const widths = columns.map((column) => [column.min_rem ?? 6, column.share ?? 0.5]);
    // The first text column (the name) leads a card on narrow screens.
    this.lead = columns.find((column) => column.kind === 'text')?.key;
    this.table.style.setProperty('--columns', widths.map(([min, share]) => `minmax(${min}rem, ${share}fr)`).join(' '));
    this.minimumRem = widths.reduce((sum, [min]) => sum + min, 0) + BORDERS_REM;
    this.table.style.setProperty('--table-min', `${this.minimumRem}rem`);
    this.fitMode();
    this.headers = columns.map((column) => {
      const cell = el('div', { className: this.cellClass(column), attrs: { role: 'columnheader' } });
      if (column.sortable) {
        const button = el('button', { text: column.label, attrs: { type: 'button' } });
        button.addEventListener('click', () => this.sortBy(column.key));
        cell.append(button);
      } else {
        cell.textContent = column.label;
      }
      return [column, cell];
    });
    const row = el('div', { className: 'vrow', attrs: { role: 'row', 'aria-rowindex': '1' } },
      this.headers.map(([, cell]) => cell));
    this.head.replaceChildren(row);
    this.updateSortMarks();
  }

  /** Table when every column fits at its minimum width, cards otherwise. */
  fitMode() {
    const rem = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
    const cards = this.area.clientWidth < this.minimumRem * rem;
    if (cards !== this.area.classList.contains('cards')) {
      this.area.classList.toggle('cards', cards);
      this.remeasure();
    }
  }

  updateSortMarks() {
    for (const [column, cell] of this.headers ?? []) {
      if (!column.sortable) continue;
      const sorted = this.query.sort === column.key;
      const direction = this.query.descending ? 'descending' : 'ascending';
      cell.setAttribute('aria-sort', sorted ? direction : 'none');
      cell.dataset.sorted = sorted ? direction : '';
    }
  }

  sortBy(key) {
    const descending = this.query.sort === key ? !this.query.descending : false;
    this.update({ sort: key, descending });
    this.onSort?.(this.query);
  }

  /** Changes the view (any of the query's keys) and redraws from the top. */
  async update(changes) {
    Object.assign(this.query, changes);
    this.updateSortMarks();
    const generation = ++this.generation;
    const { count: rows } = await this.client.ask({ type: this.requests.view, ...this.query });
    if (generation !== this.generation) return;
    this.show(rows);
  }

  show(rows, first) {
    this.count = rows;
    this.blocks = new Map(first ? [[0, first]] : []);
    this.clearRows();
    this.heights = new Heights(rows, this.estimate);
    this.fresh = true;
    this.scroller.scrollTop = 0;
    this.table.setAttribute('aria-rowcount', String(rows + 1));
    this.onCount(rows);
    this.render();
  }

  /** Forgets everything (a new run) and shows the report's order. */
  reset() {
    this.query = this.newQuery();
    return this.update({});
  }

  /**
   * reset() without asking the worker: a run's fresh view is the report's
   * order, `count` rows, whose first block (`first`, BLOCK rows or all of
   * them) came with the run's reply.
   */
  resetTo(count, first) {
    this.query = this.newQuery();
    this.updateSortMarks();
    this.generation++;
    // The table was hidden until now: take its width here, so the resize
    // observer does not measure the rows drawn below a second time.
    this.fitMode();
    this.width = this.scroller.clientWidth;
    this.show(count, first);
  }

  /** Empties the table (no run to show): nothing from an earlier run stays. */
  clear() {
    this.generation++;
    this.query = this.newQuery();
    this.updateSortMarks();
    this.count = 0;
    this.blocks = new Map();
    this.clearRows();
    this.heights = new Heights(0, this.estimate);
    this.table.setAttribute('aria-rowcount', '1');
    this.body.style.height = '0px';
  }

  clearRows() {
    for (const node of this.rendered.values()) node.remove();
    this.rendered = new Map();
  }

  /** The width changed: every row's height may have, too. */
  remeasure() {
    this.heights.forget();
    this.fresh = true;
  }

  async loadBlock(block, generation) {
    if (this.blocks.has(block)) return;
    this.blocks.set(block, null);
    const { rows } = await this.client.ask({ type: this.requests.rows, offset: block * BLOCK, limit: BLOCK });
    if (generation !== this.generation) return;
    this.blocks.set(block, rows);
    this.render();
  }

  rowAt(index) {
    const block = Math.floor(index / BLOCK);
    const loaded = this.blocks.get(block);
    if (loaded === undefined) this.loadBlock(block, this.generation);
    return loaded?.[index - block * BLOCK];
  }

  geometry() {
    const view = Math.max(1, this.scroller.clientHeight - this.head.offsetHeight);
    const total = this.heights.total;
    const real = Math.min(total, MAX_HEIGHT);
    const scaled = total > real && real > view;
    const factor = scaled ? (total - view) / (real - view) : 1;
    return { view, real, factor };
  }

  /**
   * Draws the rows in view, measuring new ones, keeping the row at the top
   * in place (or the end in view, when scrolled to the end).
   */
  render() {
    if (this.count === 0) return;
    const start = this.geometry();
    const atEnd = this.scroller.scrollTop > 0 && this.scroller.scrollTop >= start.real - start.view - 1;
    const top = this.scroller.scrollTop * start.factor;
    const anchor = this.heights.indexAt(top);
    const delta = top - this.heights.offset(anchor);
    for (let pass = 0; pass < 4; pass++) {
      const { view, real, factor } = this.geometry();
      this.body.style.height = `${real}px`;
      const virtualTop = atEnd
        ? Math.max(0, this.heights.total - view)
        : Math.max(0, this.heights.offset(anchor) + delta);
      const scrollTop = Math.min(virtualTop / factor, Math.max(0, real - view));
      if (Math.abs(this.scroller.scrollTop - scrollTop) >= 1) this.scroller.scrollTop = scrollTop;
      const shownTop = this.scroller.scrollTop * factor;
      if (!this.layout(shownTop, view)) break;
    }
  }

  /** One pass: builds, measures and places the rows from `virtualTop`; true if heights changed. */
  layout(virtualTop, view) {
    const { heights } = this;
    const first = heights.indexAt(virtualTop);
    const start = Math.max(0, first - OVERSCAN);
    const end = Math.min(this.count, heights.indexAt(virtualTop + view) + OVERSCAN + 1);
    const wanted = new Map();
    for (let index = start; index < end; index++) {
      const item = this.rowAt(index);
      if (!item) continue;
      let node = this.rendered.get(index);
      if (!node) {
        node = this.row(item, index);
        this.body.append(node);
      }
      wanted.set(index, node);
    }
    for (const [index, node] of this.rendered) if (!wanted.has(index)) node.remove();
    this.rendered = wanted;

    let changed = false;
    let sum = 0;
    let measured = 0;
    for (const [index, node] of wanted) {
      if (heights.measured[index]) continue;
      const height = node.offsetHeight;
      sum += height;
      measured++;
      if (height !== heights.height(index)) changed = true;
      heights.set(index, height);
    }
    if (this.fresh && measured > 0) {
      this.fresh = false;
      const average = sum / measured;
      if (Math.abs(average - this.estimate) > this.estimate * 0.1) {
        this.estimate = average;
        heights.estimateRest(average);
        changed = true;
      }
    }
    // Row tops are in the body's own pixels: the scroll position plus the
    // row's distance from the virtual top.
    const scrolled = this.scroller.scrollTop;
    for (const [index, node] of wanted) {
      node.style.transform = `translateY(${scrolled + heights.offset(index) - virtualTop}px)`;
    }
    return changed;
  }

  /**
   * Marks the columns whose values were drawn from the seed: `marks` maps a
   * column's key to its mark ("simulated from seed 42, …"); the others are
   * unmarked. The header says it, and so does each card's label.
   */
  markSimulated(marks) {
    this.simulated = marks;
    for (const [column, cell] of this.headers ?? []) {
      cell.querySelector('.mark-simulated')?.remove();
      const mark = marks.get(column.key);
      cell.classList.toggle('simulated', Boolean(mark));
      // Short on screen (the note above the charts says the seed); whole for a screen reader.
      if (mark) {
        cell.append(el('span', { className: 'mark-simulated' }, [
          el('span', { text: 'simulated', attrs: { 'aria-hidden': 'true' } }),
          el('span', { className: 'visually-hidden', text: `, ${mark}` }),
        ]));
      }
    }
  }

  /** A column's label in a card: its heading, marked when simulated. */
  cardLabel(column) {
    return this.simulated?.has(column.key) ? `${column.label} (simulated)` : column.label;
  }

  /** A cell's classes: its column's key and kind, and `lead` for the leading column. */
  cellClass(column) {
    return `vcell c-${column.key} k-${column.kind} wrap-${column.wrap ?? 'words'}${column.key === this.lead ? ' lead' : ''}`;
  }

  row(item, index) {
    const row = el('div', { className: 'vrow', attrs: { role: 'row', 'aria-rowindex': String(index + 2) } });
    for (const column of this.columns) {
      const cell = el('div', { className: this.cellClass(column), attrs: { role: 'cell', 'data-label': this.cardLabel(column) } });
      this.fillCell(cell, column, item, this.ranks);
      row.append(cell);
    }
    return row;
  }

}

/** A customer's cell, by its column's kind: a list one item a line; a score with its bucket's marker and name. */
function fillCustomer(cell, column, customer, ranks) {
  const value = customer[column.key];
  if (column.kind === 'score') {
    const rank = ranks.get(customer.quality_bucket) ?? 0;
    cell.append(
      el('span', { className: `marker rank-${rank}`, attrs: { 'aria-hidden': 'true' } }),
      el('span', { className: 'score', text: value }),
      ' ',
      el('span', { className: `bucket rank-${rank}`, text: customer.quality_bucket }),
    );
  } else {
    fillText(cell, column, value);
  }
}

/** The customer table: the worker's `view` and `rows`, sortable columns. */
export class CustomerTable extends VirtualTable {
  constructor(options) {
    super({
      ...options,
      requests: { view: 'view', rows: 'rows' },
      fill: fillCustomer,
      newQuery: () => ({ sort: '', descending: false, search: '', bucket: '', issue: '' }),
    });
  }
}

export const describeCount = (shown, total) =>
  shown === total ? `${count(total)} customers` : `${count(shown)} of ${count(total)} customers`;
