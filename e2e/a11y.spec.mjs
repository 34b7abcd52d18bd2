// Accessibility: axe-core finds nothing on the page idle, running, done,
// partial and failed, in the field mapping panel, with More settings open,
// compact rows and Changes shown, at 1280 and 390 px, light and dark; focus never falls
// to <body>; every focus ring is visible, unclipped and contrasting.
import { test, expect } from '@playwright/test';
import {
  ROOT, apiUrl, axeViolations, chooseFile, clickAndSettle, download, focusedId, openAndAutorun, openMoreSettings, openPage,
  VIEWS, resetMockAroundEach,
} from './helpers.mjs';

const AS_OF = '2026-11-24';

resetMockAroundEach(test);

/** Runs axe in every view; returns the violations, each prefixed with its view. */
async function violationsInEveryView(page) {
  const found = [];
  for (const { width, height, colorScheme } of VIEWS) {
    await page.setViewportSize({ width, height });
    await page.emulateMedia({ colorScheme });
    // Let the table re-lay its rows for the new width.
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    for (const violation of await axeViolations(page)) found.push(`${width}px ${colorScheme}: ${violation}`);
  }
  return found;
}

test('axe finds no violation idle, running, done, partial or failed, wide and narrow, light and dark', async ({ page }) => {
  test.setTimeout(120_000);
  const status = page.locator('#run-status');

  await test.step('idle', async () => {
    await openPage(page, { seed: 42, as_of: AS_OF });
    await expect(status).toHaveAttribute('data-state', 'idle');
    expect(await violationsInEveryView(page)).toEqual([]);
  });

  await test.step('running', async () => {
    // Ten pages of 1.5 s, one at a time, and a page that fails on its first attempt.
    await page.locator('#api-url').fill(apiUrl({ latency_ms: 1500, users: 60, failure_rate: 1, max_faults_per_page: 1 }));
    await openMoreSettings(page);
    await page.locator('#concurrency').fill('1');
    await page.locator('#run').click();
    await expect(status).toHaveAttribute('data-state', 'running');
    await expect(page.locator('#progress-text')).toContainText('retries');
    expect(await violationsInEveryView(page)).toEqual([]);
    await expect(status).toHaveAttribute('data-state', 'running');
    await page.locator('#cancel').click();
    await expect(status).toHaveAttribute('data-state', 'idle');
  });

  await test.step('done (with issues, rejected records and duplicates listed)', async () => {
    await page.locator('#api-url').fill(apiUrl({ users: 40, defects: 1, duplicate_rate: 0.5, failure_rate: 0 }));
    await page.locator('#concurrency').fill('');
    expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');
    await expect(page.locator('#duplicates-list li').first()).toBeVisible();
    expect(await violationsInEveryView(page)).toEqual([]);
  });

  await test.step('partial', async () => {
    await page.locator('#api-url').fill(apiUrl({ fail_pages: 2, failure_rate: 0 }));
    await page.locator('#retries').fill('0');
    expect(await clickAndSettle(page, page.locator('#run'))).toBe('partial');
    await expect(page.locator('#retry-failed')).toBeVisible();
    expect(await violationsInEveryView(page)).toEqual([]);
  });

  await test.step('failed', async () => {
    await page.locator('#api-url').fill(apiUrl({ api_key: 'right-key', failure_rate: 0 }));
    expect(await clickAndSettle(page, page.locator('#run'))).toBe('failed');
    await expect(page.locator('#error')).toBeVisible();
    expect(await violationsInEveryView(page)).toEqual([]);
  });

  await test.step('failed on a setting (a marked field)', async () => {
    await page.locator('#retries').fill('99');
    expect(await clickAndSettle(page, page.locator('#run'))).toBe('failed');
    await expect(page.locator('#retries')).toHaveAttribute('aria-invalid', 'true');
    expect(await violationsInEveryView(page)).toEqual([]);
  });
});

test('the field mapping panel: axe finds no violation, every stop has its ring; nor in the mapping the run used', async ({ page }) => {
  test.setTimeout(120_000);

  await test.step('a CSV file previewed, a field changed', async () => {
    await openPage(page, { seed: 42, as_of: AS_OF });
    await chooseFile(page, `${ROOT}tests/fixtures/hubspot_contacts.csv`);
    await expect(page.locator('#mapping-preview tbody tr')).toHaveCount(5);
    await page.locator('#map-last_login').selectOption('');
    await expect(page.locator('#mapping-ignored')).toContainText('Last Activity Date');
    expect(await violationsInEveryView(page)).toEqual([]);
  });

  await test.step('every stop of the panel has its focus ring', async () => {
    for (const { width, height, colorScheme } of [VIEWS[0], VIEWS[3]]) {
      await page.setViewportSize({ width, height });
      await page.emulateMedia({ colorScheme });
      const { problems, visited } = await tabThroughRings(page);
      expect(problems).toEqual([]);
      for (const id of ['map-separator', 'map-id', 'map-engagement_score', 'mapping-preview-scroll', 'mapping-reset']) {
        expect(visited).toContain(id);
      }
    }
  });

  await test.step('done: the mapping used and the fields not in the source', async () => {
    expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');
    await expect(page.locator('#mapping-note')).toBeVisible();
    expect(await violationsInEveryView(page)).toEqual([]);
  });

  await test.step('a refused mapping and separator from the link', async () => {
    await openPage(page, { seed: 42, as_of: AS_OF, separator: ':' });
    await chooseFile(page, `${ROOT}tests/fixtures/hubspot_contacts.csv`);
    await expect(page.locator('#map-separator')).toHaveAttribute('aria-invalid', 'true');
    expect(await violationsInEveryView(page)).toEqual([]);
    await openPage(page, { seed: 42, as_of: AS_OF, map: 'colour:x' });
    await chooseFile(page, `${ROOT}tests/fixtures/shopify_customers.csv`);
    await expect(page.locator('#mapping-error')).toBeVisible();
    expect(await violationsInEveryView(page)).toEqual([]);
  });

  await test.step('an API\'s page 1 previewed', async () => {
    await openPage(page, { api: apiUrl({ failure_rate: 0 }), seed: 42, as_of: AS_OF });
    await page.locator('#preview-mapping').click();
    await expect(page.locator('#mapping-preview tbody tr')).toHaveCount(5);
    expect(await violationsInEveryView(page)).toEqual([]);
  });
});

test('axe finds no violation with More settings open, compact rows, and Changes with added and removed customers', async ({ page }) => {
  test.setTimeout(120_000);
  await openPage(page, { seed: 42, as_of: AS_OF });

  await test.step('More settings open, in API and file mode', async () => {
    await page.locator('#more-settings summary').click();
    await expect(page.locator('#concurrency')).toBeVisible();
    expect(await violationsInEveryView(page)).toEqual([]);
    await page.locator('#source-file').check();
    expect(await violationsInEveryView(page)).toEqual([]);
  });

  await test.step('Changes shown, compact rows', async () => {
    await chooseFile(page, `${ROOT}tests/fixtures/reqres_users.json`);
    expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');
    const earlier = await download(page, 'download-json');
    const report = JSON.parse(earlier.text);
    // One customer gone, one new, one changed.
    report.customers.splice(0, 1);
    report.customers.push({ ...report.customers[0], customer_id: 99, full_name: 'Ada Lovelace' });
    report.customers[1].full_name = 'Someone Else';
    report.metadata.total_customers = report.customers.length;
    await page.locator('#previous-report').setInputFiles({
      name: 'earlier.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(report), 'utf8'),
    });
    await expect.poll(async () => (await page.locator('#changes-table .vbody .c-change').allTextContents()).sort())
      .toEqual(['added', 'changed', 'removed']);
    await page.locator('#density').check();
    expect(await violationsInEveryView(page)).toEqual([]);
  });
});

/**
 * Records, every 10 ms until stopped, which element has focus, so a test
 * can tell focus never fell to <body> in between.
 */
async function watchFocus(page) {
  await page.evaluate(() => {
    window.__focusSeen = [];
    window.__focusSample = () => {
      const id = document.activeElement?.id || document.activeElement?.tagName;
      if (window.__focusSeen.at(-1) !== id) window.__focusSeen.push(id);
    };
    window.__focusSample();
    window.__focusTimer = setInterval(window.__focusSample, 10);
    document.addEventListener('focusin', window.__focusSample);
    document.addEventListener('focusout', () => setTimeout(window.__focusSample, 0));
  });
}

function focusHistory(page) {
  return page.evaluate(() => {
    clearInterval(window.__focusTimer);
    window.__focusSample();
    return window.__focusSeen;
  });
}

test('focus goes to the results, to the error, or back to Run; never to <body>', async ({ page }) => {
  await openPage(page, { api: apiUrl({ failure_rate: 0 }), seed: 42, as_of: AS_OF });

  await test.step('a run from the keyboard ends on the results heading', async () => {
    await page.locator('#run').focus();
    await watchFocus(page);
    const before = await page.evaluate(() => window.__e2eStates.length);
    await page.keyboard.press('Enter');
    await page.waitForFunction((from) => window.__e2eStates.slice(from).some((s) => s === 'done'), before);
    expect(await focusHistory(page)).toEqual(['run', 'results-title']);
  });

  await test.step('a failed run ends on the error', async () => {
    await page.locator('#api-url').fill(apiUrl({ api_key: 'right-key', failure_rate: 0 }));
    await page.locator('#run').focus();
    await watchFocus(page);
    expect(await clickAndSettle(page, page.locator('#run'))).toBe('failed');
    expect(await focusHistory(page)).toEqual(['run', 'error']);
  });

  await test.step('Cancel gives focus back to Run', async () => {
    await page.locator('#api-url').fill(apiUrl({ failure_rate: 0, latency_ms: 1500 }));
    await page.locator('#run').click();
    await expect(page.locator('#run-status')).toHaveAttribute('data-state', 'running');
    expect(await focusedId(page)).toBe('run');
    await page.locator('#cancel').focus();
    await watchFocus(page);
    await page.keyboard.press('Enter');
    await expect(page.locator('#run-status')).toHaveAttribute('data-state', 'idle');
    await expect(page.locator('#cancel')).toBeDisabled();
    expect(await focusHistory(page)).toEqual(['cancel', 'run']);
  });

  await test.step('Retry failed pages: focus stays on the page while the results are rebuilt', async () => {
    await page.locator('#api-url').fill(apiUrl({ fail_pages: 2, failure_rate: 0 }));
    await openMoreSettings(page);
    await page.locator('#retries').fill('0');
    expect(await clickAndSettle(page, page.locator('#run'))).toBe('partial');
    await page.locator('#retry-failed').focus();
    await watchFocus(page);
    expect(await clickAndSettle(page, page.locator('#retry-failed'))).toBe('partial');
    expect(await focusHistory(page)).toEqual(['retry-failed', 'run', 'results-title']);
  });
});

test('file mode hides every API setting ([hidden] wins over the layout)', async ({ page }) => {
  await openPage(page, { seed: 42, as_of: AS_OF });
  const apiOnly = ['#api-url', '#api-key', '#concurrency', '#retries', '#timeout', '#per-page', '#jitter', '#refresh'];
  await openMoreSettings(page);
  for (const selector of apiOnly) await expect(page.locator(selector)).toBeVisible();
  await page.locator('#source-file').check();
  await expect(page.locator('#api-settings')).toBeHidden();
  for (const selector of apiOnly) await expect(page.locator(selector)).toBeHidden();
  await expect(page.locator('#file-input')).toBeVisible();
  await page.locator('#source-api').check();
  for (const selector of apiOnly) await expect(page.locator(selector)).toBeVisible();
  await expect(page.locator('#file-settings')).toBeHidden();
});

/**
 * Tabs through the whole page once and checks, for every element that takes
 * focus, that its focus ring is drawn, at least 3:1 against what is behind
 * it, and not clipped by a scrolling or clipping ancestor. Returns the
 * problems found and the ids of the elements visited.
 */
async function tabThroughRings(page) {
  // Start before the first stop: the skip link is focused by the first Tab.
  await page.locator('#skip-main').focus();
  await page.keyboard.press('Shift+Tab');
  const problems = [];
  const visited = [];
  for (let step = 0; step < 80; step++) {
    await page.keyboard.press('Tab');
    const report = await page.evaluate(() => {
      const node = document.activeElement;
      if (!node || node === document.body) return null;
      const rgba = (text) => {
        const parts = text.slice(text.indexOf('(') + 1, text.indexOf(')')).split(',').map(Number);
        return { r: parts[0], g: parts[1], b: parts[2], a: parts.length > 3 ? parts[3] : 1 };
      };
      const luminance = ({ r, g, b }) => {
        const channel = (c) => {
          const s = c / 255;
          return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
        };
        return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
      };
      const contrast = (x, y) => {
        const [l1, l2] = [luminance(x), luminance(y)].sort((a, b) => b - a);
        return (l1 + 0.05) / (l2 + 0.05);
      };
      const style = getComputedStyle(node);
      const width = parseFloat(style.outlineWidth);
      const offset = parseFloat(style.outlineOffset);
      // What the ring is drawn on: outside the element, its surroundings; inside, itself.
      let behind = offset >= 0 ? node.parentElement : node;
      let background = null;
      while (behind) {
        const color = rgba(getComputedStyle(behind).backgroundColor);
        if (color.a > 0.5) {
          background = color;
          break;
        }
        behind = behind.parentElement;
      }
      background ??= rgba(getComputedStyle(document.documentElement).backgroundColor);
      const rect = node.getBoundingClientRect();
      const reach = offset + width;
      const ring = { left: rect.left - reach, top: rect.top - reach, right: rect.right + reach, bottom: rect.bottom + reach };
      let clippedBy = null;
      for (let parent = node.parentElement; parent && parent !== document.body; parent = parent.parentElement) {
        const ps = getComputedStyle(parent);
        if (ps.overflowX === 'visible' && ps.overflowY === 'visible' && ps.clipPath === 'none') continue;
        const box = parent.getBoundingClientRect();
        const inner = {
          left: box.left + parseFloat(ps.borderLeftWidth),
          top: box.top + parseFloat(ps.borderTopWidth),
          right: box.right - parseFloat(ps.borderRightWidth),
          bottom: box.bottom - parseFloat(ps.borderBottomWidth),
        };
        if (ring.left < inner.left - 0.5 || ring.top < inner.top - 0.5 || ring.right > inner.right + 0.5 || ring.bottom > inner.bottom + 0.5) {
          clippedBy = `${parent.tagName}.${parent.className}`;
          break;
        }
      }
      return {
        id: node.id || `${node.tagName}.${node.className}:${node.textContent.trim().slice(0, 20)}`,
        style: style.outlineStyle,
        width,
        ratio: contrast(rgba(style.outlineColor), background),
        clippedBy,
      };
    });
    if (!report) continue;
    if (visited.length > 3 && report.id === visited[0]) break;
    visited.push(report.id);
    if (report.style === 'none' || report.width < 2) problems.push(`${report.id}: no focus ring`);
    if (report.ratio < 3) problems.push(`${report.id}: ring contrast ${report.ratio.toFixed(2)}:1`);
    if (report.clippedBy) problems.push(`${report.id}: ring clipped by ${report.clippedBy}`);
  }
  return { problems, visited };
}

test('every focus ring is drawn, unclipped and at least 3:1, in light and dark, wide and narrow', async ({ page }) => {
  test.setTimeout(90_000);
  const state = await openAndAutorun(page, {
    api: apiUrl({ users: 40, defects: 1, duplicate_rate: 0.5, fail_pages: 3, failure_rate: 0 }), retries: 0, seed: 42, as_of: AS_OF,
  });
  expect(state).toBe('partial');
  for (const { width, height, colorScheme } of VIEWS) {
    await test.step(`${width}px ${colorScheme}`, async () => {
      await page.setViewportSize({ width, height });
      await page.emulateMedia({ colorScheme });
      const { problems, visited } = await tabThroughRings(page);
      expect(problems).toEqual([]);
      // The whole page was walked: settings, the date field's calendar button, results and lists.
      for (const id of ['skip-main', 'skip-results', 'api-url', 'run', 'log', 'download-json', 'failed-pages', 'retry-failed']) {
        expect(visited).toContain(id);
      }
      // The date field: its parts and its calendar button are stops of one input, each with the ring.
      expect(visited.filter((id) => id === 'as-of').length).toBeGreaterThanOrEqual(2);
    });
  }
});

test('the skip links lead into the page, and to the results once there are some', async ({ page }) => {
  await openPage(page, { api: apiUrl({ failure_rate: 0 }), seed: 42, as_of: AS_OF });
  await page.keyboard.press('Tab');
  expect(await focusedId(page)).toBe('skip-main');
  await expect(page.locator('#skip-main')).toBeInViewport();
  await expect(page.locator('#skip-results')).toBeHidden();
  await page.keyboard.press('Enter');
  expect(await focusedId(page)).toBe('main');
  await page.keyboard.press('Tab');
  expect(await focusedId(page)).toBe('source-api');

  expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');
  await page.locator('#skip-main').focus();
  await page.keyboard.press('Tab');
  expect(await focusedId(page)).toBe('skip-results');
  await expect(page.locator('#skip-results')).toBeInViewport();
  await page.keyboard.press('Enter');
  expect(await focusedId(page)).toBe('results-title');
  await expect(page.locator('#results-title')).toBeInViewport();
});

test('progress, retries and waits reach screen readers through a polite, throttled live region', async ({ page }) => {
  await page.addInitScript(() => {
    window.__announced = [];
    document.addEventListener('DOMContentLoaded', () => {
      const region = document.getElementById('announcer');
      new MutationObserver(() => {
        if (region.textContent) window.__announced.push({ at: performance.now(), text: region.textContent });
      }).observe(region, { childList: true, characterData: true, subtree: true });
    });
  });
  // Every page fails once (a 1 s backoff); answers take 400 ms, one at a time: about 7 s, many events.
  const api = apiUrl({ users: 60, latency_ms: 400, failure_rate: 1, max_faults_per_page: 1 });
  const started = Date.now();
  const state = await openAndAutorun(page, { api, concurrency: 1, seed: 42, as_of: AS_OF });
  const took = Date.now() - started;
  expect(state).toBe('done');
  await expect(page.locator('#announcer')).toHaveAttribute('aria-live', 'polite');
  await expect(page.locator('#progress-text')).toHaveAttribute('aria-hidden', 'true');
  const announced = await page.evaluate(() => window.__announced);
  expect(announced.length).toBeGreaterThan(0);
  expect(announced.some(({ text }) => text.split(', ').some((part) => part.endsWith(' retries') && part !== '0 retries'))).toBe(true);
  // Not chatty: dozens of events, at most one announcement per 5 s.
  expect(await page.locator('#log li').count()).toBeGreaterThan(15);
  expect(announced.length).toBeLessThanOrEqual(1 + Math.floor(took / 5000));
  for (let i = 1; i < announced.length; i++) {
    expect(announced[i].at - announced[i - 1].at).toBeGreaterThanOrEqual(4900);
  }
});

test('the customer table has valid table roles, with the row count on the table', async ({ page }) => {
  expect(await openAndAutorun(page, { api: apiUrl({ failure_rate: 0 }), seed: 42, as_of: AS_OF })).toBe('done');
  const table = page.locator('#customer-table');
  await expect(table).toHaveAttribute('role', 'table');
  await expect(table).toHaveAttribute('aria-rowcount', '13');
  await expect(page.locator('[aria-rowcount]')).toHaveCount(1);
  const structure = await table.evaluate((node) => [...node.children].map((group) => ({
    role: group.getAttribute('role'),
    rows: [...group.children].map((row) => ({
      role: row.getAttribute('role'),
      cells: [...new Set([...row.children].map((cell) => cell.getAttribute('role')))],
    })),
  })));
  expect(structure.map((group) => group.role)).toEqual(['rowgroup', 'rowgroup']);
  expect(structure[0].rows).toEqual([{ role: 'row', cells: ['columnheader'] }]);
  expect(structure[1].rows).toHaveLength(12);
  for (const row of structure[1].rows) expect(row).toEqual({ role: 'row', cells: ['cell'] });
  // Each quality cell names its bucket, not only a colour.
  const quality = await page.locator('#customer-table .vbody .c-data_quality_score').first().textContent();
  expect(quality).toBe('100 high');
});
