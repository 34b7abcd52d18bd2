// What the page looks like (issue 10): chart shares of customers that are
// never cut off, wide screens that use the width, narrow screens that show
// every field, and a dark scheme that stays readable.
import { test, expect } from '@playwright/test';
import {
  ROOT, chooseFile, clickAndSettle, contrast, openPage, parseColor, resetMockAroundEach,
} from './helpers.mjs';

const AS_OF = '2026-11-24';
const FIXTURE = `${ROOT}tests/fixtures/reqres_users.json`;

resetMockAroundEach(test);

const asFile = (name, text) => ({ name, mimeType: 'application/json', buffer: Buffer.from(text, 'utf8') });

/** `n` plausible customers as NDJSON; the first `broken` of them with every field wrong. */
function customers(n, broken = 0) {
  const lines = [];
  for (let id = 1; id <= n; id++) {
    const record = id <= broken
      ? {
        id, first_name: '', last_name: null, email: 'not-an-email', avatar: `not a url ${'x'.repeat(120)}`,
        last_login: '2024-13-45', engagement_score: 150,
      }
      : {
        id, first_name: `First${id}`, last_name: `Last${id % 997}`, email: `user${id}@domain${id % 7}.example`,
        avatar: `https://reqres.in/img/faces/${id % 12 + 1}-image.jpg`, last_login: `2026-${String(id % 12 + 1).padStart(2, '0')}-15`,
        engagement_score: id % 101,
      };
    lines.push(JSON.stringify(record));
  }
  return `${lines.join('\n')}\n`;
}

/** Every chart value label and whether it is cut off (by its own box or its chart's). */
function clippedChartValues(page) {
  return page.locator('#charts .chart').evaluateAll((figures) => figures.flatMap((figure) => {
    const box = figure.getBoundingClientRect();
    return [...figure.querySelectorAll('.bar-value, .bar-label')].filter((label) => {
      const r = label.getBoundingClientRect();
      return label.scrollWidth > label.clientWidth + 1 || r.left < box.left || r.right > box.right + 0.5 || r.width === 0;
    }).map((label) => `${figure.querySelector('figcaption').textContent}: ${label.textContent}`);
  }));
}

test('chart shares are shares of customers, and say so', async ({ page }) => {
  await openPage(page, { seed: 42, as_of: AS_OF });
  await chooseFile(page, FIXTURE);
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');
  // 12 customers; one has an email issue: 1 of 12 is 8%, not "25% of the issues".
  const row = (chart, label) => page.locator(`#chart-${chart} .bar-row`).filter({ has: page.getByText(label, { exact: true }) });
  await expect(row('issues', 'Email').locator('.bar-value')).toHaveText('1 · 8% of customers');
  await expect(row('quality', 'high (90–100)').locator('.bar-value')).toHaveText('11 · 92% of customers');
  await expect(row('domains', 'reqres.in').locator('.bar-value')).toHaveText('11 · 92% of customers');
  for (const value of await page.locator('#charts .bar-value').allTextContents()) {
    expect(value.endsWith(' of customers')).toBe(true);
  }
});

test('with 100,000 customers no chart value is cut off, wide or narrow', async ({ page }) => {
  test.setTimeout(90_000);
  await openPage(page, { seed: 42, as_of: AS_OF });
  await chooseFile(page, asFile('big.ndjson', customers(100_000)));
  expect(await clickAndSettle(page, page.locator('#run'), { timeout: 60_000 })).toBe('done');
  await expect(page.locator('#counts [data-count="customers"] dd')).toHaveText('100,000');
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await expect(page.locator('#chart-engagement_level .bar-value').first()).toContainText('of customers');
    expect(await clippedChartValues(page), `${width}px`).toEqual([]);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, `${width}px: the page scrolls sideways`).toBeLessThanOrEqual(0);
  }
});

test('wide screens: settings beside the log, results full width, every column readable, no clipped row', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await openPage(page, { seed: 42, as_of: AS_OF });
  const source = await page.locator('#source-panel').boundingBox();
  const logPanel = await page.locator('#log-panel').boundingBox();
  const status = await page.locator('#status-panel').boundingBox();
  expect(logPanel.x).toBeGreaterThanOrEqual(source.x + source.width);
  expect(status.x).toBeGreaterThanOrEqual(source.x + source.width);
  expect(logPanel.y).toBeLessThan(source.y + source.height);

  await chooseFile(page, asFile('issues.ndjson', customers(40, 3)));
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');
  const main = await page.locator('main').boundingBox();
  const results = await page.locator('#results').boundingBox();
  expect(results.width).toBeGreaterThan(main.width * 0.98);

  const scroller = page.locator('.vscroll');
  await expect(page.locator('#customer-table .vhead')).toBeVisible();
  const sideways = await scroller.evaluate((node) => node.scrollWidth - node.clientWidth);
  expect(sideways, 'the table scrolls sideways').toBeLessThanOrEqual(0);
  const frame = await scroller.boundingBox();
  for (const header of await page.locator('#customer-table [role="columnheader"]').all()) {
    const box = await header.boundingBox();
    expect(box.x + box.width).toBeLessThanOrEqual(frame.x + frame.width + 0.5);
  }

  // A customer with six issues, one of them long: every issue is shown, on its own line, nothing cut.
  await page.locator('#filter-bucket').selectOption('low');
  const issues = page.locator('#customer-table .vbody .vrow .c-quality_issues').first();
  await expect(issues).toContainText('engagement_score');
  const cut = await issues.evaluate((cell) => ({
    lines: cell.innerText.split('\n').length,
    overflow: cell.scrollHeight > cell.clientHeight + 1 || cell.scrollWidth > cell.clientWidth + 1,
  }));
  expect(cut).toEqual({ lines: 6, overflow: false });
  const cellBox = await issues.boundingBox();
  const rowBox = await issues.locator('xpath=..').boundingBox();
  expect(cellBox.y + cellBox.height).toBeLessThanOrEqual(rowBox.y + rowBox.height + 0.5);

  // The last row, scrolled to, is whole.
  await page.locator('#filter-bucket').selectOption('');
  await expect(page.locator('#table-count')).toHaveText('40 customers');
  await scroller.evaluate((node) => { node.scrollTop = node.scrollHeight; });
  const last = page.locator('#customer-table .vbody .vrow[aria-rowindex="41"]');
  await expect(last).toBeVisible();
  await page.waitForTimeout(100);
  const lastBox = await last.boundingBox();
  const head = await page.locator('#customer-table .vhead').boundingBox();
  const view = await scroller.evaluate((node) => {
    const r = node.getBoundingClientRect();
    return { top: r.top, bottom: r.top + node.clientTop + node.clientHeight };
  });
  expect(lastBox.y).toBeGreaterThanOrEqual(head.y + head.height - 0.5);
  expect(lastBox.y + lastBox.height).toBeLessThanOrEqual(view.bottom + 0.5);
});

test('narrow screens: every customer is a card with every field, named', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await openPage(page, { seed: 42, as_of: AS_OF });
  await chooseFile(page, asFile('issues.ndjson', customers(12, 1)));
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');
  // Each heading's own words, and the card's name for it: marked when its values are simulated.
  const columns = await page.locator('#customer-table [role="columnheader"]').evaluateAll((cells) => cells.map((cell) => {
    const mark = cell.querySelector('.mark-simulated');
    const own = [...cell.childNodes].filter((node) => node !== mark).map((node) => node.textContent).join('');
    return mark ? `${own} (simulated)` : own;
  }));
  expect(columns).toHaveLength(10);
  expect(columns).toContain('Channel (simulated)');
  await expect(page.locator('#sort-by')).toBeVisible();

  const scroller = await page.locator('.vscroll').boundingBox();
  const cards = page.locator('#customer-table .vbody .vrow');
  await expect(cards.first()).toBeVisible();
  for (const card of (await cards.all()).slice(0, 2)) {
    const fields = await card.locator('[role="cell"]').evaluateAll((cells) => cells.map((cell) => {
      const r = cell.getBoundingClientRect();
      return {
        label: getComputedStyle(cell, '::before').content,
        left: r.left, right: r.right, width: r.width, height: r.height,
        hidden: getComputedStyle(cell).visibility === 'hidden' || getComputedStyle(cell).display === 'none',
      };
    }));
    expect(fields).toHaveLength(columns.length);
    fields.forEach((field, i) => {
      expect(field.hidden).toBe(false);
      expect(field.width).toBeGreaterThan(0);
      expect(field.height).toBeGreaterThan(0);
      expect(field.left).toBeGreaterThanOrEqual(scroller.x - 0.5);
      expect(field.right).toBeLessThanOrEqual(scroller.x + scroller.width + 0.5);
      // Each value is named, except the name, which heads the card.
      if (columns[i] !== 'Name') expect(field.label).toBe(`"${columns[i]}"`);
    });
  }
  const sideways = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(sideways).toBeLessThanOrEqual(0);
});

test('the dark scheme is honoured, and the charts are readable in both schemes', async ({ page }) => {
  await openPage(page, { seed: 42, as_of: AS_OF });
  await chooseFile(page, FIXTURE);
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');
  const colours = () => page.evaluate(() => {
    const css = (selector, property) => getComputedStyle(document.querySelector(selector))[property];
    return {
      page: css('body', 'backgroundColor'),
      ink: css('body', 'color'),
      chart: css('.chart', 'backgroundColor'),
      bar: css('#chart-engagement_level .bar', 'backgroundColor'),
      track: css('#chart-engagement_level .bar-track', 'backgroundColor'),
      value: css('#chart-engagement_level .bar-value', 'color'),
      ranks: [...document.querySelectorAll('#chart-quality .bar')].map((bar) => getComputedStyle(bar).backgroundColor),
    };
  });
  const seen = {};
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({ colorScheme: scheme });
    const c = await colours();
    seen[scheme] = c.page;
    const [chart, bar, track, value] = [c.chart, c.bar, c.track, c.value].map(parseColor);
    expect(contrast(value, chart), `${scheme}: value text`).toBeGreaterThanOrEqual(4.5);
    expect(contrast(bar, chart), `${scheme}: bar against the chart`).toBeGreaterThanOrEqual(3);
    expect(contrast(bar, track), `${scheme}: bar against its track`).toBeGreaterThanOrEqual(2);
    for (const rank of c.ranks) expect(contrast(parseColor(rank), chart), `${scheme}: quality bar`).toBeGreaterThanOrEqual(3);
    expect(contrast(parseColor(c.ink), parseColor(c.page))).toBeGreaterThanOrEqual(7);
  }
  // Dark really is dark.
  expect(contrast(parseColor(seen.dark), [0, 0, 0])).toBeLessThan(1.5);
  expect(contrast(parseColor(seen.light), [255, 255, 255])).toBeLessThan(1.1);
});
