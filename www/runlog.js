// The run log: every attempt, retry, wait and warning of an API run, and
// every step of a file run, with UTC times; filterable and copyable.
// Entries are the core's events ({at, level, kind, message, ...}); each item
// keeps its kind and level as data attributes.
import { el } from './dom.js';

const LEVELS = { info: 0, warn: 1, error: 2 };
const SHOWN_MAX = 2000;

export class RunLog {
  constructor(list, levelSelect) {
    this.list = list;
    this.levelSelect = levelSelect;
    this.entries = [];
    levelSelect.addEventListener('change', () => this.redraw());
  }

  clear() {
    this.entries = [];
    this.list.replaceChildren();
  }

  minimum() {
    return LEVELS[this.levelSelect.value] ?? 0;
  }

  add(entry) {
    this.entries.push(entry);
    if (LEVELS[entry.level] >= this.minimum()) {
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
    const minimum = this.minimum();
    const shown = this.entries.filter((e) => LEVELS[e.level] >= minimum).slice(-SHOWN_MAX);
    this.list.replaceChildren(...shown.map((e) => this.item(e)));
    this.list.scrollTop = this.list.scrollHeight;
  }

  text() {
    return this.entries.map((e) => `${e.at} ${e.level.toUpperCase()} ${e.message}`).join('\n');
  }
}
