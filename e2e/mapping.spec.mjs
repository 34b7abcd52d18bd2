// The field mapping panel (issue 12): a chosen file, or an API's page 1 on
// Preview mapping, is looked at by the core before the run; the panel shows
// the proposed source column of each contract field, the CSV separator, the
// columns not used and a preview of the first records, and the run reads
// what the panel shows. The reports are compared with the reviewed ones in
// tests/fixtures/expected/.
import { readFile } from 'node:fs/promises';
import { test, expect } from '@playwright/test';
import {
  ROOT, apiUrl, chooseFile, clickAndSettle, coreVocabulary, download, focusedId, mockLog, openAndAutorun, openPage,
  copiedLink, resetMockAroundEach,
} from './helpers.mjs';

const AS_OF = '2026-11-24';
const FIXTURES = `${ROOT}tests/fixtures/`;
const SHOPIFY = `${FIXTURES}shopify_customers.csv`;
const HUBSPOT = `${FIXTURES}hubspot_contacts.csv`;
const CAMEL = `${FIXTURES}camel_case_customers.json`;
const FIELDS = ['id', 'first_name', 'last_name', 'email', 'avatar', 'last_login', 'engagement_score'];

resetMockAroundEach(test);

/** The reviewed report of a fixture (seed 42, as of 2026-11-24). */
async function expected(name) {
  const text = await readFile(`${FIXTURES}expected/${name}.report.json`, 'utf8');
  return { text, report: JSON.parse(text) };
}

/** Each contract field's select value ('' is "Not in this source"), by field. */
async function selected(page) {
  const values = {};
  for (const field of FIELDS) values[field] = await page.locator(`#map-${field}`).inputValue();
  return values;
}

/** The preview table: rows of [position, ...cells], a cell's text ('—absent' where there is no value). */
function previewRows(page) {
  return page.locator('#mapping-preview tbody tr').evaluateAll((rows) => rows.map(
    (row) => [...row.children].map((cell) => cell.textContent),
  ));
}

const ABSENT = '—absent';

/** The customer fields that depend on last_login. */
const SCORED_OR_ACTIVITY = new Set(['activity_status', 'data_quality_score', 'quality_issues']);

/** Runs and returns the downloaded report, parsed, with its text. */
async function runAndDownload(page) {
  expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');
  const { text } = await download(page, 'download-json');
  return { text, report: JSON.parse(text) };
}

/** The report's text with its export timestamp replaced by the reviewed report's. */
function restamped(text, report, like) {
  const field = (stamp) => `"export_timestamp": "${stamp}"`;
  return text.replace(field(report.metadata.export_timestamp), field(like.metadata.export_timestamp));
}

test('the panel is built from the core vocabulary', async ({ page }) => {
  await openPage(page, { seed: 42, as_of: AS_OF });
  const v = await coreVocabulary(page);
  await chooseFile(page, HUBSPOT);
  await expect(page.locator('#mapping-preview tbody tr')).toHaveCount(v.preview_records);
  expect(v.contract_fields.map((f) => f.name)).toEqual(FIELDS);
  expect(await page.locator('#mapping-fields label').allTextContents()).toEqual(v.contract_fields.map((f) => f.label));
  for (const field of v.contract_fields) {
    await expect(page.locator(`#mapping-fields label[for="map-${field.name}"]`)).toHaveText(field.label);
  }
  const separators = page.locator('#map-separator option');
  expect(await separators.evaluateAll((options) => options.map((o) => o.value))).toEqual(['', ...v.separators.map((s) => s.value)]);
  expect((await separators.allTextContents()).slice(1)).toEqual(v.separators.map((s) => s.label));
  expect(await page.locator('#mapping-preview thead th').allTextContents()).toEqual(['Where', ...v.contract_fields.map((f) => f.label)]);
});

test('a Shopify export: the proposed mapping and preview, then the reviewed report', async ({ page }) => {
  await openPage(page, { seed: 42, as_of: AS_OF });
  const { text: goldenText, report: golden } = await expected('shopify_customers.csv');
  // A file source shows the panel once a file is chosen.
  await page.locator('#source-file').check();
  await expect(page.locator('#mapping')).toBeHidden();
  await chooseFile(page, SHOPIFY);

  await expect(page.locator('#mapping')).toBeVisible();
  await expect(page.locator('#mapping-status')).toHaveText(
    'shopify_customers.csv: CSV, 18 columns separated by comma (found from the header).',
  );
  expect(await selected(page)).toEqual({
    id: 'Customer ID', first_name: 'First Name', last_name: 'Last Name', email: 'Email', avatar: '', last_login: '', engagement_score: '',
  });
  // Every select offers every column, and "Not in this source" first.
  const header = (await readFile(SHOPIFY, 'utf8')).split('\n')[0].split(',');
  for (const field of FIELDS) {
    expect(await page.locator(`#map-${field} option`).evaluateAll((options) => options.map((o) => o.value))).toEqual(['', ...header]);
    await expect(page.locator(`#map-${field} option`).first()).toHaveText('Not in this source');
  }
  await expect(page.locator('#separator-field')).toBeVisible();
  await expect(page.locator('#map-separator')).toHaveValue('');
  await expect(page.locator('#map-separator option').first()).toHaveText('Found from the header: Comma');
  await expect(page.locator('#mapping-ignored')).toHaveText(`Not used: ${golden.metadata.mapping.ignored_columns.join(', ')}.`);
  await expect(page.locator('#mapping-preview caption')).toHaveText('The first 5 records of shopify_customers.csv, read with this mapping');
  expect(await previewRows(page)).toEqual([
    ['row 2', '7215113421115', 'Mateo', 'Kowalski', 'mateo.kowalski@example.com', ABSENT, ABSENT, ABSENT],
    ['row 3', '7215113453883', 'Amelia', 'Haddad', 'amelia.haddad@Example.ORG', ABSENT, ABSENT, ABSENT],
    ['row 4', '7215113486651', 'Elijah', 'Rodriguez', ABSENT, ABSENT, ABSENT, ABSENT],
    ['row 5', '7215113519419', 'Chloé', 'Jackson', 'chloe.jackson@mail.example', ABSENT, ABSENT, ABSENT],
    ['row 6', '7215113552187', 'Ava', 'Rossi', 'not-an-email', ABSENT, ABSENT, ABSENT],
  ]);
  await expect(page.locator('#announcer')).toHaveText(
    'Field mapping: 4 of 7 fields found; not in this source: Avatar URL, Last login, Engagement score. 5 records previewed.',
  );

  const { text, report } = await runAndDownload(page);
  expect(report.metadata.mapping).toEqual(golden.metadata.mapping);
  expect(restamped(text, report, golden)).toBe(goldenText);
  // The results say what the source lacks.
  await expect(page.locator('#mapping-note')).toHaveText('Not in this source: Avatar URL, Last login, Engagement score — not scored.');
  await expect(page.locator('#mapping-used li')).toHaveText([
    'Customer ID: Customer ID', 'First name: First Name', 'Last name: Last Name', 'Email: Email',
    'Avatar URL: not in this source (not scored)', 'Last login: not in this source (not scored)',
    'Engagement score: not in this source (not scored)',
  ]);
  await expect(page.locator('#chart-issues .bar-label').nth(3)).toHaveText('Avatar (not in this source)');
});

test('a HubSpot export (semicolons): last_login set to "Not in this source" changes the preview and the scores', async ({ page }) => {
  await openPage(page, { seed: 42, as_of: AS_OF });
  const { text: goldenText, report: golden } = await expected('hubspot_contacts.csv');
  await chooseFile(page, HUBSPOT);
  await expect(page.locator('#mapping-status')).toHaveText(
    'hubspot_contacts.csv: CSV, 8 columns separated by semicolon (found from the header).',
  );
  await expect(page.locator('#map-separator option').first()).toHaveText('Found from the header: Semicolon');
  expect(await selected(page)).toEqual({
    id: 'Record ID', first_name: 'First Name', last_name: 'Last Name', email: 'Email', avatar: '', last_login: 'Last Activity Date', engagement_score: '',
  });
  await expect(page.locator('#mapping-ignored')).toHaveText('Not used: Phone Number, Lifecycle Stage, Create Date.');
  const rows = await previewRows(page);
  expect(rows.map((row) => row[6])).toEqual(['2026-11-20 09:15', '2026-09-01 17:45:10', ABSENT, '2026-13-40 10:00', '2026-11-24 23:59']);
  expect(rows[4]).toEqual(['row 6', '105', ABSENT, 'Dubois', 'dubois@example.fr', ABSENT, '2026-11-24 23:59', ABSENT]);

  // As proposed: the reviewed report.
  const first = await runAndDownload(page);
  expect(first.report.metadata.mapping).toEqual(golden.metadata.mapping);
  expect(restamped(first.text, first.report, golden)).toBe(goldenText);

  await page.locator('#map-last_login').selectOption('');
  await expect(page.locator('#announcer')).toHaveText('Last login: not in this source. Preview updated.');
  expect((await previewRows(page)).map((row) => row[6])).toEqual([ABSENT, ABSENT, ABSENT, ABSENT, ABSENT]);
  await expect(page.locator('#mapping-ignored')).toHaveText('Not used: Phone Number, Lifecycle Stage, Last Activity Date, Create Date.');
  await expect(page.locator('#map-last_login')).toHaveValue('');
  await expect(page.locator('#map-id')).toHaveValue('Record ID');

  const { report } = await runAndDownload(page);
  const m = report.metadata.mapping;
  expect(m.fields).toEqual({ ...golden.metadata.mapping.fields, last_login: null });
  expect(m.unmapped).toEqual(['avatar', 'last_login', 'engagement_score']);
  expect(m.ignored_columns).toEqual(['Phone Number', 'Lifecycle Stage', 'Last Activity Date', 'Create Date']);
  expect(report.metadata.issues_by_field).toEqual({ ...golden.metadata.issues_by_field, last_login: 0 });
  // Erik Larsen's invalid date (2026-13-40) no longer costs 10 points; nothing else changes but the
  // activity status, now seeded for everyone.
  const byId = (r) => new Map(r.customers.map((c) => [c.customer_id, c]));
  const before = byId(golden);
  const after = byId(report);
  expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
  for (const [id, customer] of after) {
    const old = before.get(id);
    const lastLoginIssues = old.quality_issues.filter((issue) => issue.split(':')[0] === 'last_login');
    expect(customer.data_quality_score, `customer ${id}`).toBe(old.data_quality_score + 10 * lastLoginIssues.length);
    expect(customer.quality_issues).toEqual(old.quality_issues.filter((issue) => issue.split(':')[0] !== 'last_login'));
    expect(['active', 'inactive']).toContain(customer.activity_status);
    const unchanged = (c) => Object.fromEntries(Object.entries(c).filter(([key]) => !SCORED_OR_ACTIVITY.has(key)));
    expect(unchanged(customer)).toEqual(unchanged(old));
  }
  expect(after.get(104).data_quality_score).toBe(100);
  expect(before.get(104).data_quality_score).toBe(90);
  await expect(page.locator('#mapping-note')).toHaveText('Not in this source: Avatar URL, Last login, Engagement score — not scored.');
});

test('the separator select changes how the file is read', async ({ page }) => {
  await openPage(page, { seed: 42, as_of: AS_OF });
  const { report: golden } = await expected('hubspot_contacts.csv');
  await chooseFile(page, HUBSPOT);
  await expect(page.locator('#map-id')).toHaveValue('Record ID');

  // Read with commas, the whole header is one column, and no field is found.
  await page.locator('#map-separator').selectOption(',');
  await expect(page.locator('#mapping-status')).toHaveText('hubspot_contacts.csv: CSV, 1 column separated by comma.');
  const header = (await readFile(HUBSPOT, 'utf8')).split('\r\n')[0];
  expect(await page.locator('#map-id option').evaluateAll((options) => options.map((o) => o.value))).toEqual(['', header]);
  expect(await selected(page)).toEqual(Object.fromEntries(FIELDS.map((f) => [f, ''])));
  await expect(page.locator('#mapping-ignored')).toHaveText(`Not used: ${header}.`);
  for (const row of await previewRows(page)) expect(row.slice(1)).toEqual(FIELDS.map(() => ABSENT));

  // Chosen, not found: the same reading as the header's own.
  await page.locator('#map-separator').selectOption(';');
  await expect(page.locator('#mapping-status')).toHaveText('hubspot_contacts.csv: CSV, 8 columns separated by semicolon.');
  await expect(page.locator('#map-separator option').first()).toHaveText('Found from the header');
  await expect(page.locator('#map-last_login')).toHaveValue('Last Activity Date');
  const { report } = await runAndDownload(page);
  expect(report.metadata.mapping).toEqual(golden.metadata.mapping);
  expect(report.customers).toEqual(golden.customers);

  // The link carries the separator chosen.
  const link = await copiedLink(page);
  expect(link.searchParams.get('separator')).toBe(';');
  expect(link.searchParams.has('map')).toBe(false);
});

test('a JSON array with camelCase and nested keys maps contact.email', async ({ page }) => {
  await openPage(page, { seed: 42, as_of: AS_OF });
  const { text: goldenText, report: golden } = await expected('camel_case_customers.json');
  await chooseFile(page, CAMEL);
  await expect(page.locator('#mapping-status')).toHaveText('camel_case_customers.json: A JSON array of records, 9 fields found in the first records.');
  await expect(page.locator('#separator-field')).toBeHidden();
  expect(await selected(page)).toEqual(golden.metadata.mapping.fields);
  expect(await selected(page)).toMatchObject({ email: 'contact.email', id: 'customerId', engagement_score: 'score' });
  await expect(page.locator('#mapping-ignored')).toHaveText('Not used: contact.phone, plan.');
  // JSON values as written: strings in quotes.
  const rows = await previewRows(page);
  expect(rows[0]).toEqual(['record 1', '501', '"Noor"', '"Haddad"', '"noor@example.com"', '"https://cdn.example.com/501.png"',
    '"2026-11-01T08:00:00Z"', '91']);
  expect(rows[2]).toEqual(['record 3', '503', '"Ines"', ABSENT, ABSENT, ABSENT, ABSENT, 'null']);
  // A record the run will reject shows its values, and why.
  expect(rows[3]).toEqual(['record 4 rejected: id: missing', ABSENT, '"No"', '"Id"', '"noid@example.com"', ABSENT, ABSENT, ABSENT]);

  const { text, report } = await runAndDownload(page);
  expect(report.metadata.mapping).toEqual(golden.metadata.mapping);
  expect(restamped(text, report, golden)).toBe(goldenText);
  await expect(page.locator('#mapping-note')).toBeHidden();
  await expect(page.locator('#mapping-used li').nth(3)).toHaveText('Email: contact.email');
  await expect(page.locator('#mapping-ignored-used')).toHaveText('Not used: contact.phone, plan.');
});

test('the preview shows why a record cannot be read; a column named with a comma can be chosen', async ({ page }) => {
  await openPage(page, { seed: 42, as_of: AS_OF });
  await chooseFile(page, {
    name: 'ragged.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('Customer ID,"Name, first",E-mail\n1,Ada,a@example.com\n2,Bo,b@example.com,extra\n', 'utf8'),
  });
  await expect(page.locator('#mapping-preview tbody tr')).toHaveCount(2);
  expect(await previewRows(page)).toEqual([
    ['row 2', '1', ABSENT, ABSENT, 'a@example.com', ABSENT, ABSENT, ABSENT],
    ['row 3', "row has 4 cells, the header has 3 (cells after column 'E-mail')"],
  ]);
  await expect(page.locator('#mapping-preview td.problem')).toHaveAttribute('colspan', '7');
  expect(await selected(page)).toMatchObject({ id: 'Customer ID', email: 'E-mail', first_name: '' });

  // The map is sent as an object, which names a column holding a comma.
  await page.locator('#map-first_name').selectOption('Name, first');
  await expect(page.locator('#mapping-ignored')).toHaveText('Every column found is read by a field.');
  expect((await previewRows(page))[0]).toEqual(['row 2', '1', 'Ada', ABSENT, 'a@example.com', ABSENT, ABSENT, ABSENT]);
  const { report } = await runAndDownload(page);
  expect(report.metadata.mapping.fields.first_name).toBe('Name, first');
  expect(report.customers.map((c) => c.full_name)).toEqual(['Ada']);
  expect(report.rejected.map((r) => r.position)).toEqual(['row 3']);
});

test('a column feeds one field: choosing it for another field takes it from the first', async ({ page }) => {
  await openPage(page, { seed: 42, as_of: AS_OF });
  await chooseFile(page, HUBSPOT);
  await expect(page.locator('#map-last_name')).toHaveValue('Last Name');
  await page.locator('#map-first_name').selectOption('Last Name');
  await expect(page.locator('#announcer')).toHaveText('First name: Last Name. Last name: not in this source. Preview updated.');
  expect(await selected(page)).toMatchObject({ first_name: 'Last Name', last_name: '', id: 'Record ID', last_login: 'Last Activity Date' });
  expect((await previewRows(page))[0].slice(0, 4)).toEqual(['row 2', '101', 'Nováková', ABSENT]);
  await expect(page.locator('#mapping-ignored')).toHaveText('Not used: First Name, Phone Number, Lifecycle Stage, Create Date.');
  const { report } = await runAndDownload(page);
  expect(report.metadata.mapping.fields).toMatchObject({ first_name: 'Last Name', last_name: null });
  expect(report.customers.find((c) => c.customer_id === 101).full_name).toBe('Nováková');
});

test('the link\'s map pre-fills the mapping; an invalid one is the core\'s invalid_setting for map', async ({ page }) => {
  await test.step('map=email: (not in this source) and id by name', async () => {
    await openPage(page, { seed: 42, as_of: AS_OF, map: 'email:,id:Customer ID' });
    await chooseFile(page, SHOPIFY);
    await expect(page.locator('#mapping-preview tbody tr')).toHaveCount(5);
    expect(await selected(page)).toMatchObject({ id: 'Customer ID', email: '', first_name: 'First Name' });
    expect((await previewRows(page)).map((row) => row[4])).toEqual([ABSENT, ABSENT, ABSENT, ABSENT, ABSENT]);
    const { report } = await runAndDownload(page);
    expect(report.metadata.mapping.fields.email).toBeNull();
    expect(report.metadata.mapping.unmapped).toEqual(['email', 'avatar', 'last_login', 'engagement_score']);
    expect(report.metadata.issues_by_field.email).toBe(0);
  });

  await test.step('map=colour:x', async () => {
    await openPage(page, { seed: 42, as_of: AS_OF, map: 'colour:x' });
    await chooseFile(page, SHOPIFY);
    const error = page.locator('#mapping-error');
    await expect(error).toBeVisible();
    await expect(error).toHaveAttribute('data-code', 'invalid_setting');
    await expect(error).toHaveAttribute('data-field', 'map');
    await expect(error).toContainText("'colour:x'");
    expect(await focusedId(page)).toBe('mapping-error');
    await expect(page.locator('#mapping-fields')).toBeHidden();
    await expect(page.locator('#mapping-preview')).toBeHidden();

    // The run refuses it the same way, said once, in the panel.
    expect(await clickAndSettle(page, page.locator('#run'))).toBe('failed');
    await expect(error).toContainText("'colour:x'");
    await expect(error).toHaveAttribute('data-field', 'map');
    await expect(page.locator('#error')).toBeHidden();
    expect(await focusedId(page)).toBe('mapping-error');

    // Back to the proposal: the link's map is dropped, the run goes through.
    await page.locator('#mapping-reset').click();
    await expect(error).toBeHidden();
    await expect(page.locator('#map-id')).toHaveValue('Customer ID');
    const { report } = await runAndDownload(page);
    expect(report.metadata.mapping.fields.id).toBe('Customer ID');
  });

  await test.step('map=colour:x on an API run', async () => {
    const state = await openAndAutorun(page, { api: apiUrl({ failure_rate: 0 }), seed: 42, as_of: AS_OF, map: 'colour:x' });
    expect(state).toBe('failed');
    const error = page.locator('#mapping-error');
    await expect(error).toContainText("'colour:x'");
    await expect(page.locator('#error')).toBeHidden();
    expect(await focusedId(page)).toBe('mapping-error');
    await expect(error).toBeVisible();
    await expect(error).toHaveAttribute('data-code', 'invalid_setting');
    await expect(error).toHaveAttribute('data-field', 'map');
    await page.locator('#mapping-reset').click();
    await expect(error).toBeHidden();
    expect(await focusedId(page)).toBe('preview-mapping');
    expect(await clickAndSettle(page, page.locator('#run'))).toBe('done');
  });

  await test.step('separator=: is refused for the separator', async () => {
    await openPage(page, { seed: 42, as_of: AS_OF, separator: ':' });
    await chooseFile(page, HUBSPOT);
    const error = page.locator('#mapping-error');
    await expect(error).toHaveAttribute('data-code', 'invalid_setting');
    await expect(error).toHaveAttribute('data-field', 'separator');
    await expect(page.locator('#map-separator')).toHaveAttribute('aria-invalid', 'true');
    await expect(page.locator('#map-separator')).toHaveValue(':');
    await page.locator('#map-separator').selectOption('');
    await expect(error).toBeHidden();
    await expect(page.locator('#map-separator')).not.toHaveAttribute('aria-invalid', 'true');
    await expect(page.locator('#map-last_login')).toHaveValue('Last Activity Date');
  });

  await test.step('separator=%3B from the link is used, and a change goes into Copy link', async () => {
    await openPage(page, { seed: 42, as_of: AS_OF, separator: ';' });
    await chooseFile(page, HUBSPOT);
    await expect(page.locator('#mapping-status')).toHaveText('hubspot_contacts.csv: CSV, 8 columns separated by semicolon.');
    await expect(page.locator('#map-separator')).toHaveValue(';');
    await page.locator('#map-email').selectOption('');
    await expect(page.locator('#map-email')).toHaveValue('');
    await expect(page.locator('#mapping-ignored')).toContainText('Email');
    const link = await copiedLink(page);
    expect(link.searchParams.get('map')).toBe('email:');
    expect(link.searchParams.get('separator')).toBe(';');
  });
});

test('an API: Preview mapping looks at page 1, which the run then takes from the cache', async ({ page, request }) => {
  await openPage(page, { api: apiUrl({ failure_rate: 0 }), seed: 42, as_of: AS_OF });
  await expect(page.locator('#mapping')).toBeVisible();
  await expect(page.locator('#mapping-body')).toBeHidden();
  await page.locator('#preview-mapping').click();
  await expect(page.locator('#mapping-preview tbody tr')).toHaveCount(5);
  await expect(page.locator('#mapping-status')).toHaveText('Page 1: One page envelope, 5 fields found in the first records.');
  await expect(page.locator('#separator-field')).toBeHidden();
  // The reqres.in users have no last login or engagement score: as a run
  // without a mapping would, those keep their own names (a later record may
  // have them; absent, they cost nothing).
  expect(await selected(page)).toEqual({
    id: 'id', first_name: 'first_name', last_name: 'last_name', email: 'email', avatar: 'avatar', last_login: 'last_login', engagement_score: 'engagement_score',
  });
  await expect(page.locator('#map-last_login option:checked')).toHaveText('last_login (not in the records looked at)');
  await expect(page.locator('#mapping-preview caption')).toHaveText('The first 5 records of page 1, read with this mapping');
  expect((await previewRows(page))[0].slice(0, 4)).toEqual(['page 1, record 1', '1', '"George"', '"Bluth"']);

  await page.locator('#map-avatar').selectOption('');
  await expect(page.locator('#announcer')).toHaveText('Avatar URL: not in this source. Preview updated.');
  expect((await previewRows(page)).map((row) => row[5])).toEqual([ABSENT, ABSENT, ABSENT, ABSENT, ABSENT]);

  const { report } = await runAndDownload(page);
  expect(report.metadata.mapping).toEqual({
    fields: {
      id: 'id', first_name: 'first_name', last_name: 'last_name', email: 'email', avatar: null, last_login: 'last_login', engagement_score: 'engagement_score',
    },
    unmapped: ['avatar'],
    ignored_columns: ['avatar'],
  });
  expect(report.metadata.total_customers).toBe(12);
  expect(report.metadata.issues_by_field.avatar).toBe(0);
  // Page 1 was fetched once, by the preview; the run took it from the tab's cache.
  const pages = (await mockLog(request)).map((entry) => entry.page);
  expect(pages.filter((p) => p === 1)).toHaveLength(1);
  expect(pages.filter((p) => p === 2)).toHaveLength(1);
  expect(report.metadata.fetch.cache_hits).toBe(1);
});

test('an API preview can be cancelled; focus goes back to Preview mapping', async ({ page }) => {
  await openPage(page, { api: apiUrl({ failure_rate: 0, latency_ms: 5000 }), seed: 42, as_of: AS_OF });
  await page.locator('#preview-mapping').click();
  await expect(page.locator('#mapping-status')).toHaveText('Fetching page 1…');
  await expect(page.locator('#cancel-preview')).toBeEnabled();
  await page.locator('#cancel-preview').focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('#mapping-status')).toHaveText('Preview cancelled.');
  await expect(page.locator('#cancel-preview')).toBeDisabled();
  expect(await focusedId(page)).toBe('preview-mapping');
  await expect(page.locator('#mapping-body')).toBeHidden();
});

test('keyboard only: choose a column, run and download', async ({ page }) => {
  await openPage(page, { seed: 42, as_of: AS_OF });
  await chooseFile(page, HUBSPOT);
  await expect(page.locator('#mapping-preview tbody tr')).toHaveCount(5);
  // From the file input, Tab reaches the separator, then each field's select in the contract's order.
  await page.locator('#file-input').focus();
  const stops = [];
  for (let i = 0; i < 11; i++) {
    await page.keyboard.press('Tab');
    stops.push(await focusedId(page));
  }
  expect(stops).toEqual(['map-separator', ...FIELDS.map((f) => `map-${f}`), 'mapping-preview-scroll', 'mapping-reset', 'seed']);
  // Last login: "Not in this source", with the keys of a closed select.
  await page.locator('#map-last_login').focus();
  await page.keyboard.press('Home');
  await expect(page.locator('#map-last_login')).toHaveValue('');
  await expect(page.locator('#announcer')).toHaveText('Last login: not in this source. Preview updated.');
  expect(await focusedId(page)).toBe('map-last_login');
  // On to Run, by Tab alone.
  for (let i = 0; i < 30 && (await focusedId(page)) !== 'run'; i++) await page.keyboard.press('Tab');
  expect(await focusedId(page)).toBe('run');
  const before = await page.evaluate(() => window.__e2eStates.length);
  await page.keyboard.press('Enter');
  await page.waitForFunction((from) => window.__e2eStates.slice(from).some((s) => s === 'done'), before);
  expect(await focusedId(page)).toBe('results-title');
  for (let i = 0; i < 5 && (await focusedId(page)) !== 'download-json'; i++) await page.keyboard.press('Tab');
  expect(await focusedId(page)).toBe('download-json');
  const [saved] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
  const report = JSON.parse(await readFile(await saved.path(), 'utf8'));
  expect(report.metadata.mapping.fields.last_login).toBeNull();
  expect(report.metadata.mapping.fields.id).toBe('Record ID');
});
