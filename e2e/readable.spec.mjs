// A page you can read (issue 19): a dense table whose widths and breaks
// come from the core's column kinds (ids on one line, domains broken only at
// dots, a compact density), Run in sight at 1280×900, rarely changed
// settings folded away, nothing wider than a 390 px screen in any state,
// and counts and sizes in words.
import { test, expect } from '@playwright/test';
import {
  ROOT, apiUrl, chooseFile, clickAndSettle, coreVocabulary, download, openPage, resetMock,
} from './helpers.mjs';

const AS_OF = '2026-11-24';
const FIXTURE = `${ROOT}tests/fixtures/reqres_users.json`;
const SHOPIFY = `${ROOT}tests/fixtures/shopify_customers.csv`;

test.beforeEach(async ({ request }) => {
  await resetMock(request);
});

test.afterEach(async ({ request }) => {
  await resetMock(request);
});

const asFile = (name, text) => ({ name, mimeType: 'application/json', buffer: Buffer.from(text, 'utf8') });

const FIRST = ['Mateo', 'Amelia', 'Noah', 'Priya', 'Lars', 'Yuki', 'Omar', 'Chloé', 'Ines', 'Tariq'];
const LAST = ['Kowalski', 'Haddad', 'Smith', 'Nakamura', 'Jensen', 'Okafor', 'Dubois', 'Rossi', 'Silva'];
const DOMAINS = ['example.com', 'mail.example.org', 'gmail.example', 'yahoo.example.com', 'example.net', 'shop.example',
  'outlook.example.co.uk'];

/**
 * `n` customers as a Shopify export has them: 13-digit ids, everyday names
 * and email domains (one in seven long and dotted), as NDJSON; one in
 * eleven has no usable email or avatar.
 */
function shopifyLike(n) {
  const lines = [];
  for (let i = 0; i < n; i++) {
    const broken = i % 11 === 3;
    const first = FIRST[i % FIRST.length];
    lines.push(JSON.stringify({
      id: 7215113421115 + i * 32768,
      first_name: first,
      last_name: LAST[i % LAST.length],
      email: broken ? 'not-an-email' : `${first.toLowerCase()}${i}@${DOMAINS[i % DOMAINS.length]}`,
      avatar: broken ? null : `https://cdn.example.com/faces/${i}.jpg`,
      last_login: `2025-${String((i % 12) + 1).padStart(2, '0')}-15`,
      engagement_score: i % 101,
    }));
  }
  return `${lines.join('\n')}\n`;
}

/** How far the page is wider than its viewport (0 when it is not). */
const sideways = (page) => page.evaluate(() => document.documentElement.scrollWidth - innerWidth);

/** The rows of a table whose box lies wholly inside both its scroll box and the viewport. */
function rowsInView(page, tableId) {
  return page.locator(`#${tableId}`).evaluate((table) => {
    const scroller = table.closest('.vscroll');
    const box = scroller.getBoundingClientRect();
    const head = table.querySelector('.vhead').getBoundingClientRect();
    const top = Math.max(box.top + scroller.clientTop, head.bottom, 0);
    const bottom = Math.min(box.top + scroller.clientTop + scroller.clientHeight, innerHeight);
    return [...table.querySelectorAll('.vbody .vrow')].filter((row) => {
      const r = row.getBoundingClientRect();
      return r.top >= top - 0.5 && r.bottom <= bottom + 0.5;
    }).length;
  });
}

test('the table is dense: 20+ rows at 1280×900 (30+ compact), ids on one line, domains broken only at dots', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await openPage(page, { seed: 42, as_of: AS_OF });
  await chooseFile(page, asFile('shopify-like.ndjson', shopifyLike(80)));
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');
  await expect(page.locator('#results')).not.toHaveClass(/cards/);
  await expect(page.locator('.table-area').first()).not.toHaveClass(/cards/);

  // The widths and breaks are the core's, by kind.
  const columns = (await coreVocabulary(page)).columns;
  const byKey = Object.fromEntries(columns.map((c) => [c.key, c]));
  expect(byKey.customer_id.wrap).toBe('never');
  expect(byKey.email_domain).toMatchObject({ kind: 'domain', wrap: 'dots' });
  expect(byKey.quality_issues.share).toBeLessThan(byKey.full_name.share + byKey.email_domain.share);

  await page.locator('.vscroll').first().evaluate((node) => node.scrollIntoView({ block: 'start' }));
  await expect(page.locator('#customer-table .vbody .vrow').first()).toBeVisible();
  expect(await rowsInView(page, 'customer-table'), 'rows in view, default density').toBeGreaterThanOrEqual(20);

  // A 13-digit id is one line of even-width digits.
  const id = page.locator('#customer-table .vbody .vrow[aria-rowindex="2"] .c-customer_id');
  await expect(id).toHaveText(/^72151\d{8}$/);
  const idStyle = await id.evaluate((cell) => {
    const range = document.createRange();
    range.selectNodeContents(cell);
    const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
    const style = getComputedStyle(cell);
    return { lines: lines.size, whiteSpace: style.whiteSpace, numerals: style.fontVariantNumeric };
  });
  expect(idStyle).toEqual({ lines: 1, whiteSpace: 'nowrap', numerals: 'tabular-nums' });

  // A domain: a <wbr> after each dot and nowhere else, and no break inside a label.
  const domain = page.locator('#customer-table .vbody .c-email_domain').filter({ hasText: 'outlook.example.co.uk' }).first();
  await expect(domain).toHaveText('outlook.example.co.uk');
  const breaks = await domain.evaluate((cell) => ({
    wbr: [...cell.childNodes].map((node) => (node.nodeName === 'WBR' ? '|' : node.textContent)).join(''),
    overflowWrap: getComputedStyle(cell).overflowWrap,
    wordBreak: getComputedStyle(cell).wordBreak,
  }));
  expect(breaks).toEqual({ wbr: 'outlook.|example.|co.|uk', overflowWrap: 'normal', wordBreak: 'normal' });
  // Each line of the cell ends at a dot or at the end: no label is cut.
  const lines = await domain.evaluate((cell) => {
    const text = cell.textContent;
    const range = document.createRange();
    const tops = [];
    let node = cell.firstChild;
    let offset = 0;
    const ends = [];
    for (; node; node = node.nextSibling) {
      if (node.nodeType !== Node.TEXT_NODE) continue;
      for (let i = 0; i < node.length; i++) {
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const top = Math.round(range.getBoundingClientRect().top);
        if (tops.length && top !== tops.at(-1)) ends.push(text[offset + i - 1]);
        tops.push(top);
      }
      offset += node.length;
    }
    return ends;
  });
  for (const end of lines) expect(end).toBe('.');

  // Compact rows: more in view; the cells lose padding.
  await page.locator('#density').check();
  await expect(page.locator('body')).toHaveClass(/compact/);
  await page.locator('.vscroll').first().evaluate((node) => node.scrollIntoView({ block: 'start' }));
  await page.waitForTimeout(150);
  expect(await rowsInView(page, 'customer-table'), 'rows in view, compact').toBeGreaterThanOrEqual(28);
  await page.locator('#density').uncheck();
  await expect(page.locator('body')).not.toHaveClass(/compact/);
});

test('Run is in sight at 1280×900 in both source modes; rarely changed settings fold into More settings', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await openPage(page, { seed: 42, as_of: AS_OF });
  const runBottom = async () => {
    const box = await page.locator('#run').boundingBox();
    return box.y + box.height;
  };
  const details = page.locator('#more-settings');
  await expect(details).not.toHaveAttribute('open', '');
  expect(await runBottom(), 'API mode').toBeLessThanOrEqual(900);
  for (const id of ['concurrency', 'retries', 'timeout', 'per-page', 'max-page-mb', 'jitter', 'refresh', 'keep-hours', 'simulate']) {
    await expect(details.locator(`#${id}`), id).toHaveCount(1);
    await expect(page.locator(`#${id}`), id).toBeHidden();
  }
  await page.locator('#source-file').check();
  expect(await runBottom(), 'file mode').toBeLessThanOrEqual(900);
  // Opened in file mode: only the settings that apply to a file.
  await details.locator('summary').click();
  await expect(page.locator('#simulate')).toBeVisible();
  await expect(page.locator('#concurrency')).toBeHidden();
  await page.locator('#source-api').check();
  await expect(page.locator('#concurrency')).toBeVisible();
});

test('a link that sets a folded setting opens More settings and the value applies; a refused one opens it too', async ({ page }) => {
  await openPage(page, { seed: 42, as_of: AS_OF, retries: 0, simulate: 0 });
  await expect(page.locator('#more-settings')).toHaveAttribute('open', '');
  await expect(page.locator('#retries')).toHaveValue('0');
  await expect(page.locator('#simulate')).not.toBeChecked();

  // Applied: a page that fails once is not retried.
  await page.locator('#api-url').fill(apiUrl({ fail_pages: 2, failure_rate: 0 }));
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('partial');
  await expect(page.locator('#failed-pages li').first()).toContainText('(1 attempt)');

  // Folded again, a refused value opens it and marks the field.
  await openPage(page, { seed: 42, as_of: AS_OF });
  await expect(page.locator('#more-settings')).not.toHaveAttribute('open', '');
  await page.locator('#retries').evaluate((input) => { input.value = '99'; });
  await page.locator('#api-url').fill(apiUrl({ failure_rate: 0 }));
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('failed');
  await expect(page.locator('#more-settings')).toHaveAttribute('open', '');
  await expect(page.locator('#retries')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('#retries')).toBeVisible();
});

test('nothing is wider than a 390 px screen, in any state', async ({ page }) => {
  test.setTimeout(90_000);
  await page.setViewportSize({ width: 390, height: 844 });
  const check = async (state) => {
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    expect(await sideways(page), state).toBeLessThanOrEqual(0);
  };
  await openPage(page, { seed: 42, as_of: AS_OF });
  await check('initial, API mode');
  await page.locator('#more-settings summary').click();
  await check('More settings open');
  await page.locator('#source-file').check();
  await check('file mode');
  await chooseFile(page, SHOPIFY);
  await expect(page.locator('#mapping-preview tbody tr').first()).toBeVisible();
  await check('a CSV chosen: the mapping preview');
  // The preview scrolls in its own box.
  const preview = await page.locator('#mapping-preview-scroll').evaluate((node) => ({
    scrolls: node.scrollWidth > node.clientWidth, right: node.getBoundingClientRect().right,
  }));
  expect(preview.scrolls).toBe(true);
  expect(preview.right).toBeLessThanOrEqual(390);

  expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');
  await expect(page.locator('#results')).toBeVisible();
  await check('after a run: dashboard, cards, lists');
  await page.locator('#density').check();
  await check('compact rows');

  await chooseFile(page, FIXTURE);
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');
  const earlier = await download(page, 'download-json');
  await page.locator('#previous-report').setInputFiles(asFile(earlier.name, earlier.text));
  await chooseFile(page, SHOPIFY);
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');
  await expect(page.locator('#changes')).toBeVisible();
  await expect(page.locator('#changes-table .vbody .vrow').first()).toBeVisible();
  await check('Changes shown');

  await chooseFile(page, asFile('broken.json', '{"id": 1,'));
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('failed');
  await expect(page.locator('#error')).toBeVisible();
  await check('an error shown');
});

test('counts are words and sizes have units: plurals, KB and MB, waits and successes explained', async ({ page }) => {
  await openPage(page, { seed: 42, as_of: AS_OF });
  await chooseFile(page, FIXTURE);
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');
  const read = page.locator('#log li[data-kind="upload_read"]');
  // reqres_users.json is 4,180 bytes: never "0.0 MB".
  await expect(read).toContainText('Read 4.1 KB and 14 records in');
  await expect(page.locator('#file-name')).toHaveText('Selected: reqres_users.json (4.1 KB)');

  // One customer, one record: singular.
  await chooseFile(page, asFile('one.json', '[{"id": 1, "email": "a@b.example", "first_name": "A", "last_name": "B"}]'));
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');
  await expect(page.locator('#run-status')).toHaveText(/^Done: 1 customer in /);
  await expect(page.locator('#log li[data-kind="upload_read"]').last()).toContainText('bytes and 1 record in');
  await expect(page.locator('#log li[data-kind="report_built"]').last())
    .toContainText('1 customer, 0 duplicates removed, 0 records rejected');

  // An API run of one page: "1 request"; the tiles say what the waits and successes mean.
  await page.locator('#source-api').check();
  await page.locator('#api-url').fill(apiUrl({ users: 3, failure_rate: 0 }));
  await page.locator('#more-settings summary').click();
  await page.locator('#per-page').fill('10');
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');
  await expect(page.locator('#counts [data-count="requests"] dd')).toHaveText('1');
  await expect(page.locator('#counts [data-count="waited"] dt')).toContainText('Time waited');
  await expect(page.locator('#counts [data-count="waited"] .tile-note')).toContainText('summed over concurrent requests');
  await expect(page.locator('#counts [data-count="first_try"] dt')).toContainText('First-try success');
  await expect(page.locator('#counts [data-count="first_try"] .tile-note')).toHaveText('1 of 1 page fetched without a retry; 1 request of 1 answered');
  await expect(page.locator('#counts [data-count="first_try"] dd')).toHaveText('100%');
  const text = await page.locator('body').innerText();
  expect(text).not.toMatch(/\b1 (requests|records|customers|pages|retries|attempts)\b/);
  expect(text).not.toContain('(s)');
  expect(text).not.toContain('0.0 MB');
});
