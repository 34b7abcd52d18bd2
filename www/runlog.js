// The run log: every attempt, retry, wait and warning of an API run, and
// every step of a file run, with UTC times; filterable and copyable.
// Entries are the core's events ({at, level, kind, message, ...}); each item
// keeps its kind and level as data attributes. The levels, their order and
// the filter's choices come from the core's vocabulary (log_levels).
import { el } from './dom.js';

const SHOWN_MAX = 2000;

export class RunLog {
  constructor(list, levelSelect) {
    this.list = list;
    this.levelSelect = levelSelect;
    this.entries = [];
    /** Level name -> its rank, the least that matters first. */
    this.ranks = new Map();
    levelSelect.addEventListener('change', () => this.redraw());
  }

  /**
   * Takes the core's levels (least first): they rank the entries, and the
   * filter offers each as the least shown ("everything", "warnings and
   * errors", "errors only").
   */
  configure(levels) {
    this.ranks = new Map(levels.map((level, rank) => [level.name, rank]));
    const names = levels.map((level) => level.label.toLowerCase());
    this.levelSelect.replaceChildren(...levels.map((level, rank) => {
      const text = rank === 0 ? 'everything'
        : `${names.slice(rank).join(' and ')}${rank === levels.length - 1 ? ' only' : ''}`;
      return el('option', { text, attrs: { value: level.name } });
    }));
    this.redraw();
  }

  clear() {
    this.entries = [];
    this.list.replaceChildren();
  }

  rank(level) {
    return this.ranks.get(level) ?? 0;
  }

  shown(entry) {
    return this.rank(entry.level) >= this.rank(this.levelSelect.value);
  }

  add(entry) {
    this.entries.push(entry);
    if (this.shown(entry)) {
      this.list.append(this.item(entry));
      while (this.list.childElementCount > SHOWN_MAX) this.list.firstElementChild.remove();
      this.list.scrollTop = this.list.scrollHeight;
    }
  }

  item(entry) {
    return el('li', { className: `log-${entry.level}`, attrs: { 'data-kind': entry.kind, 'data-level': entry.level } }, [
      el('time', { text: `${entry.at.slice(11, 23)}Z`, attrs: { datetime: entry.at } }),
      el('span', { className: 'log-level', text: entry.level }),
      el('span', { className: 'log-message', text: entry.message }),
    ]);
  }

  redraw() {
    const shown = this.entries.filter((e) => this.shown(e)).slice(-SHOWN_MAX);
    this.list.replaceChildren(...shown.map((e) => this.item(e)));
    this.list.scrollTop = this.list.scrollHeight;
  }

  text() {
    return this.entries.map((e) => `${e.at} ${e.level.toUpperCase()} ${e.message}`).join('\n');
  }
}
