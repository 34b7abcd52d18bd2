// The customer table. The worker holds the rows and computes the view
// (search, filters, sort); this only renders the rows on screen, so it
// stays smooth with hundreds of thousands of customers.
import { el, count } from './dom.js';

const ROW_HEIGHT = 34;
const BLOCK = 200;
const OVERSCAN = 10;

export const COLUMNS = [
  ['customer_id', 'ID'],
  ['full_name', 'Name'],
  ['email_domain', 'Email domain'],
  ['engagement_level', 'Engagement'],
  ['activity_status', 'Activity'],
  ['acquisition_channel', 'Channel'],
  ['market_segment', 'Segment'],
  ['customer_tier', 'Tier'],
  ['data_quality_score', 'Quality'],
  ['quality_issues', 'Issues'],
];

export class CustomerTable {
  constructor(root, client, onCount) {
    this.client = client;
    this.onCount = onCount;
    this.head = root.querySelector('.vhead');
    this.body = root.querySelector('.vbody');
    this.spacer = root.querySelector('.vspacer');
    this.query = { sort: '', descending: false, search: '', bucket: '', issue: '' };
    this.count = 0;
    this.blocks = new Map();
    this.generation = 0;
    this.buildHead();
    this.body.addEventListener('scroll', () => this.render());
    new ResizeObserver(() => this.render()).observe(this.body);
  }

  buildHead() {
    this.headers = COLUMNS.map(([key, label]) => {
      const cell = el('div', { className: `vcell c-${key}`, attrs: { role: 'columnheader' } });
      if (key === 'quality_issues') {
        cell.textContent = label;
      } else {
        const button = el('button', { text: label, attrs: { type: 'button', title: `Sort by ${label}` } });
        button.addEventListener('click', () => this.sortBy(key));
        cell.append(button);
      }
      return [key, cell];
    });
    this.head.replaceChildren(...this.headers.map(([, cell]) => cell));
    this.updateSortMarks();
  }

  updateSortMarks() {
    for (const [key, cell] of this.headers) {
      if (key === 'quality_issues') continue;
      const sorted = this.query.sort === key;
      cell.setAttribute('aria-sort', sorted ? (this.query.descending ? 'descending' : 'ascending') : 'none');
      cell.dataset.sorted = sorted ? (this.query.descending ? 'desc' : 'asc') : '';
    }
  }

  sortBy(key) {
    const descending = this.query.sort === key ? !this.query.descending : false;
    this.update({ sort: key, descending });
  }

  /** Changes the view (any of sort, descending, search, bucket, issue) and redraws. */
  async update(changes) {
    Object.assign(this.query, changes);
    this.updateSortMarks();
    const generation = ++this.generation;
    const { count: rows } = await this.client.ask({ type: 'view', ...this.query });
    if (generation !== this.generation) return;
    this.count = rows;
    this.blocks = new Map();
    this.spacer.style.height = `${rows * ROW_HEIGHT}px`;
    this.body.scrollTop = 0;
    this.body.setAttribute('aria-rowcount', String(rows));
    this.onCount(rows);
    this.render();
  }

  /** Forgets everything (a new run) and shows the report's order. */
  reset() {
    this.query = { sort: '', descending: false, search: '', bucket: '', issue: '' };
    return this.update({});
  }

  async loadBlock(block, generation) {
    if (this.blocks.has(block)) return;
    this.blocks.set(block, null);
    const { rows } = await this.client.ask({ type: 'rows', offset: block * BLOCK, limit: BLOCK });
    if (generation !== this.generation) return;
    this.blocks.set(block, rows);
    this.render();
  }

  render() {
    const first = Math.max(0, Math.floor(this.body.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const visible = Math.ceil(this.body.clientHeight / ROW_HEIGHT) + 2 * OVERSCAN;
    const last = Math.min(this.count, first + visible);
    const rows = [];
    for (let index = first; index < last; index++) {
      const block = Math.floor(index / BLOCK);
      const loaded = this.blocks.get(block);
      if (loaded === undefined) this.loadBlock(block, this.generation);
      const customer = loaded?.[index - block * BLOCK];
      if (customer) rows.push(this.row(customer, index));
    }
    this.spacer.replaceChildren(...rows);
  }

  row(customer, index) {
    const row = el('div', { className: 'vrow', attrs: { role: 'row', 'aria-rowindex': String(index + 2) } });
    row.style.transform = `translateY(${index * ROW_HEIGHT}px)`;
    for (const [key] of COLUMNS) {
      const value = key === 'quality_issues' ? customer.quality_issues.join('; ') : customer[key];
      const cell = el('div', { className: `vcell c-${key}`, text: value, attrs: { role: 'cell' } });
      if (key === 'quality_issues' && value) cell.title = value;
      if (key === 'data_quality_score') cell.dataset.bucket = value >= 90 ? 'high' : value >= 70 ? 'medium' : 'low';
      row.append(cell);
    }
    return row;
  }
}

export const describeCount = (shown, total) =>
  shown === total ? `${count(total)} customers` : `${count(shown)} of ${count(total)} customers`;
