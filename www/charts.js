// Horizontal bar charts in SVG, with each number written beside its bar.
import { count } from './dom.js';

const SVG = 'http://www.w3.org/2000/svg';
const ROW = 24;
const LABEL = 120;
const BAR = 150;
const WIDTH = LABEL + BAR + 70;

function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = String(text);
  return node;
}

/** Renders [[label, value], ...] into `container` as a bar chart. */
export function barChart(container, pairs, { title } = {}) {
  const max = Math.max(1, ...pairs.map(([, value]) => value));
  const total = pairs.reduce((sum, [, value]) => sum + value, 0);
  const chart = svg('svg', {
    viewBox: `0 0 ${WIDTH} ${pairs.length * ROW}`,
    width: '100%',
    role: 'img',
    'aria-label': `${title ?? 'Chart'}: ${pairs.map(([l, v]) => `${l} ${v}`).join(', ')}`,
  });
  pairs.forEach(([label, value], i) => {
    const y = i * ROW;
    const share = total ? ` (${Math.round((value / total) * 100)}%)` : '';
    chart.append(
      svg('text', { x: LABEL - 6, y: y + 16, 'text-anchor': 'end', class: 'chart-label' }, label),
      svg('rect', { x: LABEL, y: y + 4, height: ROW - 8, width: Math.max(1, (value / max) * BAR), class: 'chart-bar' }),
      svg('text', { x: LABEL + (value / max) * BAR + 6, y: y + 16, class: 'chart-value' }, `${count(value)}${share}`),
    );
  });
  container.replaceChildren(chart);
}
