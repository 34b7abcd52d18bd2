// Horizontal bar charts as HTML: a label, a bar, and the number with its
// share of all customers. The bars are decoration (hidden from screen
// readers); the label and the number are text in a list, laid out by CSS
// grid, so nothing is ever cut off whatever the numbers or the width.
import { el, count } from './dom.js';

/** "8%", with "<1%" and ">99%" instead of a misleading 0% or 100%. */
export function percent(value, total) {
  if (!total) return '0%';
  const share = (value / total) * 100;
  if (value > 0 && share < 1) return '<1%';
  if (value < total && share > 99) return '>99%';
  return `${Math.round(share)}%`;
}

/**
 * Renders `rows` ([{label, value, rank?}]) into `list` (a <ul>). Each value
 * is followed by its share of `customers`, labelled as such. `rank` (0 =
 * best) picks a colour and a marker shape, for charts of ranked buckets.
 */
export function barChart(list, rows, customers) {
  const max = Math.max(1, ...rows.map((row) => row.value));
  list.replaceChildren(...rows.map(({ label, value, rank }) => {
    const bar = el('span', { className: 'bar' });
    bar.style.width = `${(value / max) * 100}%`;
    const name = el('span', { className: 'bar-label' }, [label]);
    if (rank !== undefined) {
      bar.classList.add(`rank-${rank}`);
      name.prepend(el('span', { className: `marker rank-${rank}`, attrs: { 'aria-hidden': 'true' } }));
    }
    return el('li', { className: 'bar-row' }, [
      name,
      el('span', { className: 'bar-track', attrs: { 'aria-hidden': 'true' } }, [bar]),
      el('span', { className: 'bar-value', text: `${count(value)} · ${percent(value, customers)} of customers` }),
    ]);
  }));
}

/** An empty chart figure: caption and list, the list's id `chart-<key>`. */
export function chartFigure(key, caption) {
  const captionId = `chart-${key}-title`;
  return el('figure', { className: 'chart' }, [
    el('figcaption', { text: caption, attrs: { id: captionId } }),
    el('ul', { className: 'bars', attrs: { id: `chart-${key}`, 'aria-labelledby': captionId } }),
  ]);
}
