// Comparing with an earlier report: a report downloaded from a first run is
// uploaded to #previous-report; the Changes section shows the counts (also
// as data attributes), the quality-bucket moves and the changed customers;
// the changes file downloads; a file that is not a report is refused with
// the core's message.
import { readFile } from 'node:fs/promises';
import { test, expect } from '@playwright/test';
import {
  ROOT, axeViolations, chooseFile, clickAndSettle, download, openPage, resetMockAroundEach,
} from './helpers.mjs';

const AS_OF = '2026-11-24';
const FIXTURE = `${ROOT}tests/fixtures/reqres_users.json`;

const asFile = (name, text) => ({ name, mimeType: 'application/json', buffer: Buffer.from(text, 'utf8') });

/**
 * The fixture a week later: Rachel Howell (12) gone, Ada Lovelace (13) new,
 * Eve Holt (4) gave an email, Michael Lawson (7) is more engaged, Lindsay
 * Ferguson (8) has an avatar now (medium → high).
 */
async function aWeekLater() {
  const records = JSON.parse(await readFile(FIXTURE, 'utf8'));
  const page2 = records[1].data;
  page2.splice(page2.findIndex((r) => r.id === 12), 1, {
    id: 13, email: 'ada@lovelace.example', first_name: 'Ada', last_name: 'Lovelace',
    avatar: 'https://reqres.in/img/faces/13-image.jpg', engagement_score: 99,
  });
  records[0].data.find((r) => r.id === 4).email = 'eve.holt@example.org';
  page2.find((r) => r.id === 7).engagement_score = 75;
  page2.find((r) => r.id === 8).avatar = 'https://reqres.in/img/faces/8-image.jpg';
  return asFile('reqres_users_later.json', JSON.stringify(records, null, 2));
}

const changes = (page) => page.locator('#changes');

async function expectCounts(page, { added, removed, changed }) {
  await expect(changes(page)).toBeVisible();
  await expect(changes(page)).toHaveAttribute('data-added', String(added));
  await expect(changes(page)).toHaveAttribute('data-removed', String(removed));
  await expect(changes(page)).toHaveAttribute('data-changed', String(changed));
}

resetMockAroundEach(test);

test('an upload compared with an earlier report shows what was added, removed and changed', async ({ page }) => {
  await openPage(page, { seed: 42, as_of: AS_OF });
  await chooseFile(page, FIXTURE);
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');
  await expect(changes(page)).toBeHidden();
  const earlier = await download(page, 'download-json');

  await test.step('against the results shown, at once: the same report, nothing changed', async () => {
    await page.locator('#previous-report').setInputFiles(asFile(earlier.name, earlier.text));
    await expectCounts(page, { added: 0, removed: 0, changed: 0 });
    await expect(changes(page)).toHaveAttribute('data-unchanged', '12');
    await expect(page.locator('#previous-report-status')).toContainText('12 customers, seed 42, as of 2026-11-24');
    await expect(page.locator('#previous-report-error')).toBeHidden();
  });

  await test.step('after a run of the data a week later', async () => {
    await chooseFile(page, await aWeekLater());
    expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');
    await expectCounts(page, { added: 1, removed: 1, changed: 3 });
    await expect(page.locator('#changes-counts [data-count="unchanged"] dd')).toHaveText('8');
    await expect(page.locator('#changes-buckets li')).toHaveText(['1 customer: medium → high']);
    await expect(page.locator('#changes-fields li[data-field="data_quality_score"]')).toHaveAttribute('data-count', '2');
    await expect(page.locator('#changes-notes p')).toHaveCount(0);

    // Added and removed customers are listed with the changed ones, by id, each marked in words.
    const rows = page.locator('#changes-table .vbody .vrow');
    await expect(rows).toHaveCount(5);
    await expect(page.locator('#changes-table .vbody .c-customer_id')).toHaveText(['4', '7', '8', '12', '13']);
    await expect(page.locator('#changes-table .vbody .c-change')).toHaveText(['changed', 'changed', 'changed', 'removed', 'added']);
    await expect(page.locator('#changes-table-count')).toHaveText('5 customers added, removed or changed');
    await expect(rows.nth(1).locator('.c-changes')).toHaveText('Engagement: low → high');
    await expect(rows.nth(2).locator('.c-quality_bucket')).toHaveText('medium → high');
    // A removed customer shows its values before; an added one its values now.
    await expect(rows.nth(3).locator('.c-full_name')).toHaveText('Rachel Howell');
    await expect(rows.nth(3).locator('.c-changes')).toHaveText('not in this run');
    await expect(rows.nth(3).locator('.c-quality_bucket')).toHaveText('high (before)');
    await expect(rows.nth(4).locator('.c-full_name')).toHaveText('Ada Lovelace');
    await expect(rows.nth(4).locator('.c-changes')).toHaveText('not in the earlier report');
    // The per-field list is whole: nothing cut mid-line.
    const fields = await page.locator('#changes-fields').evaluate((list) => list.scrollHeight - list.clientHeight);
    expect(fields).toBeLessThanOrEqual(0);
    await page.locator('#changes-search').fill('howell');
    await expect(page.locator('#changes-table .vbody .c-customer_id')).toHaveText(['12']);
    await page.locator('#changes-search').fill('');
    await page.locator('#changes-filter-field').selectOption('quality_issues');
    await expect(page.locator('#changes-table .vbody .c-customer_id')).toHaveText(['4', '8']);
    await page.locator('#changes-search').fill('lindsay');
    await expect(page.locator('#changes-table .vbody .c-customer_id')).toHaveText(['8']);
    await expect(page.locator('#changes-table-count')).toHaveText('1 of 5 customers added, removed or changed');
    expect(await axeViolations(page)).toEqual([]);

    const saved = await download(page, 'download-changes');
    expect(saved.name).toMatch(/^customer_changes-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ\.json$/);
    const file = JSON.parse(saved.text);
    expect(file.metadata.counts).toMatchObject({ added: 1, removed: 1, changed: 3, unchanged: 8 });
    expect(file.metadata.previous.export_timestamp).toBe(JSON.parse(earlier.text).metadata.export_timestamp);
    expect(file.added.map((c) => c.customer_id)).toEqual([13]);
    expect(file.removed.map((c) => c.customer_id)).toEqual([12]);
    expect(file.changed[0]).toEqual({
      customer_id: 4,
      full_name: 'Eve Holt',
      changes: {
        email_domain: { old: 'unknown', new: 'example.org' },
        data_quality_score: { old: 90, new: 100 },
        quality_issues: { old: ['email: missing'], new: [] },
      },
    });
    // One compact line per entry, like the report.
    expect(saved.text.split('\n').filter((line) => line.startsWith('    {"customer_id":'))).toHaveLength(5);
  });

  await test.step('another seed: the seeded fields are left out, and the page says so', async () => {
    await page.locator('#seed').fill('7');
    expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');
    await expectCounts(page, { added: 1, removed: 1, changed: 2 });
    await expect(page.locator('#changes-notes p[data-code="seeds_differ"]')).toContainText('(42 before, 7 now)');
    await expect(page.locator('#changes-fields li')).toHaveCount(4);
  });
});

test('a file that is not a report is refused with the core\'s message; the results stay', async ({ page }) => {
  await openPage(page, { seed: 42, as_of: AS_OF });
  await chooseFile(page, FIXTURE);
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');
  const input = page.locator('#previous-report');
  const error = page.locator('#previous-report-error');
  const cases = [
    [await readFile(FIXTURE, 'utf8'), 'This is not a report exported by this tool: it is a JSON array (customer records, perhaps?), not an object with metadata and customers.'],
    ['{"metadata": {"seed": 1}, "customers": []}', 'This is not a report exported by this tool: metadata.as_of is missing.'],
    ['{\n"metadata": {,}', 'This is not a report exported by this tool: invalid JSON at line 2, column 14: key must be a string.'],
  ];
  for (const [text, message] of cases) {
    await input.setInputFiles(asFile('not-a-report.json', text));
    await expect(error).toHaveText(message);
    await expect(input).toHaveAttribute('aria-invalid', 'true');
    await expect(changes(page)).toBeHidden();
  }
  await expect(page.locator('#run-status')).toHaveAttribute('data-state', 'done');
  await expect(page.locator('#results')).toBeVisible();

  // A report after all: the refusal goes, the comparison shows.
  const earlier = await download(page, 'download-json');
  await input.setInputFiles(asFile(earlier.name, earlier.text));
  await expectCounts(page, { added: 0, removed: 0, changed: 0 });
  await expect(error).toBeHidden();
  await expect(input).not.toHaveAttribute('aria-invalid', 'true');
});
