// Shared helpers for the end-to-end tests: the mock API's admin endpoints,
// opening the page, waiting for a run to end, and reading downloads.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { expect } from '@playwright/test';

/** The mock API (and the page) as started by the config's webServer. */
export const MOCK = 'http://127.0.0.1:8765';

/** The repository root, for fixtures and the sample report. */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The twelve reqres.in users, in the report's order (by full name, case-insensitive). */
export const REQRES_NAMES_SORTED = [
  'Byron Fields', 'Charles Morris', 'Emma Wong', 'Eve Holt', 'George Bluth', 'George Edwards',
  'Janet Weaver', 'Lindsay Ferguson', 'Michael Lawson', 'Rachel Howell', 'Tobias Funke', 'Tracey Ramos',
];

/** The keys of a customer in the report, in the documented order. */
export const CUSTOMER_KEYS = [
  'customer_id', 'full_name', 'email_domain', 'engagement_level', 'activity_status',
  'acquisition_channel', 'market_segment', 'customer_tier', 'data_quality_score', 'quality_issues',
];

const TERMINAL = ['done', 'partial', 'failed'];

// ---------- the mock API ----------

/** The users endpoint of the mock with per-request overrides, e.g. {failure_rate: 0}. */
export function apiUrl(overrides = {}) {
  const query = new URLSearchParams(Object.entries(overrides).map(([k, v]) => [k, String(v)]));
  const text = query.toString();
  return `${MOCK}/api/users${text ? `?${text}` : ''}`;
}

/** Clears the mock's attempt counters and request log. */
/**
 * Clears the mock's attempt counters and request log before and after each
 * test of the file, and after each puts back any server-wide setting the
 * test changed with `configureMock`.
 */
export function resetMockAroundEach(test) {
  test.beforeEach(async ({ request }) => {
    await resetMock(request);
  });
  test.afterEach(async ({ request }) => {
    await restoreMock(request);
    await resetMock(request);
  });
}

/** The views the page is checked in: wide and narrow, light and dark. */
export const VIEWS = [
  { width: 1280, height: 900, colorScheme: 'light' },
  { width: 1280, height: 900, colorScheme: 'dark' },
  { width: 390, height: 844, colorScheme: 'light' },
  { width: 390, height: 844, colorScheme: 'dark' },
];

export async function resetMock(request) {
  const response = await request.post(`${MOCK}/__admin/reset`);
  expect(response.status()).toBe(200);
}

/** Every API request the mock handled since the last reset, in order. */
export async function mockLog(request) {
  const response = await request.get(`${MOCK}/__admin/log`);
  expect(response.status()).toBe(200);
  return response.json();
}

const asQueryValue = (value) => (Array.isArray(value) ? value.join(',') : value === null ? '' : String(value));

/**
 * Server-wide settings changed through `configureMock`: the original value of
 * every key changed, so `restoreMock` can put exactly those back.
 */
const changed = new Map();

/** Changes server-wide settings (POST /__admin/config), remembering the originals. */
export async function configureMock(request, settings) {
  const current = await (await request.get(`${MOCK}/__admin/config`)).json();
  for (const key of Object.keys(settings)) {
    if (!changed.has(key)) changed.set(key, asQueryValue(current[key]));
  }
  const query = new URLSearchParams(Object.entries(settings).map(([k, v]) => [k, asQueryValue(v)]));
  const response = await request.post(`${MOCK}/__admin/config?${query}`);
  expect(response.status(), await response.text()).toBe(200);
}

/** Puts back every server-wide setting changed since the last restore. */
export async function restoreMock(request) {
  if (changed.size === 0) return;
  const query = new URLSearchParams([...changed]);
  changed.clear();
  const response = await request.post(`${MOCK}/__admin/config?${query}`);
  expect(response.status(), await response.text()).toBe(200);
}

// ---------- the page ----------

/**
 * Records every value `#run-status[data-state]` is set to, from the first
 * script on, in `window.__e2eStates`. A run that ends in the state it started
 * from (failed, then failed again) is still seen as a new entry.
 */
export async function trackRunStates(page) {
  await page.addInitScript(() => {
    window.__e2eStates = [];
    new MutationObserver((records) => {
      for (const record of records) {
        if (record.target.id === 'run-status') window.__e2eStates.push(record.target.dataset.state);
      }
    }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-state'] });
  });
}

/** The page path for the automation query parameters (values are URL-encoded). */
/** Pages done (or failed) so far, read from the progress text "Pages N of M". */
export function waitForPagesDone(page, atLeast, timeout) {
  return page.waitForFunction((n) => {
    const match = /Pages (\d+) of/.exec(document.getElementById('progress-text')?.textContent ?? '');
    return match !== null && Number(match[1]) >= n;
  }, atLeast, { polling: 25, timeout });
}

/** Waits until #run-status has been set to a terminal state `from` entries on; returns it. */
export async function settled(page, from, timeout) {
  const handle = await page.waitForFunction(
    (start) => window.__e2eStates.slice(start).find((state) => ['done', 'partial', 'empty', 'failed'].includes(state)),
    from, { timeout },
  );
  return handle.jsonValue();
}

export function pagePath(params = {}) {
  const query = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]));
  return `/?${query}`;
}

/**
 * Forgets the settings the page remembers in this browser (localStorage),
 * so that the next page opened starts from its link and the defaults. The
 * page is left first (for a same-origin page without the app), so that no
 * change it was about to remember lands after the clearing.
 */
export async function forgetRemembered(page) {
  if (!page.url().startsWith(MOCK)) return;
  await page.goto('/__admin/config');
  await page.evaluate(() => localStorage.clear());
}

/**
 * Opens the page with `params` and waits until it is ready for input; what
 * an earlier page of the test remembered is forgotten first, unless
 * `remembered` is set.
 */
export async function openPage(page, params = {}, { remembered = false } = {}) {
  if (!remembered) await forgetRemembered(page);
  await trackRunStates(page);
  await page.goto(pagePath(params));
  await expect(page.locator('#run-status')).not.toHaveText('Loading…');
}

/** Opens the page with `autorun=1` and waits for the run to end; returns the end state. */
export async function openAndAutorun(page, params = {}, { timeout = 45_000 } = {}) {
  await forgetRemembered(page);
  await trackRunStates(page);
  await page.goto(pagePath({ ...params, autorun: 1 }));
  await page.waitForFunction(
    (terminal) => window.__e2eStates.some((state) => terminal.includes(state)),
    TERMINAL, { timeout },
  );
  return page.locator('#run-status').getAttribute('data-state');
}

const stateCount = (page) => page.evaluate(() => window.__e2eStates.length);

/**
 * Clicks `locator` (#run, #retry-failed) and waits for the run it starts to
 * end; returns the end state (done, partial, failed, or idle after a cancel).
 */
export async function clickAndSettle(page, locator, { timeout = 45_000 } = {}) {
  const before = await stateCount(page);
  await locator.click();
  const handle = await page.waitForFunction(
    (from) => window.__e2eStates.slice(from).find((state) => state !== 'running'),
    before, { timeout },
  );
  return handle.jsonValue();
}

/** Opens "More settings" (#more-settings), where the rarely changed settings are folded. */
export async function openMoreSettings(page) {
  const details = page.locator('#more-settings');
  if (await details.getAttribute('open') === null) await details.locator('summary').click();
  await expect(details).toHaveAttribute('open', '');
}

/**
 * Expects the page's inputs, by id, to show `shown`: a string is the value
 * shown, `true` or `false` whether the checkbox or radio button is checked.
 */
export async function expectInputs(page, shown) {
  for (const [id, value] of Object.entries(shown)) {
    const input = page.locator(`#${id}`);
    if (value === true) await expect(input).toBeChecked();
    else if (value === false) await expect(input).not.toBeChecked();
    else await expect(input).toHaveValue(value);
  }
}

/** Chooses a file through #file-input: a path, or {name, mimeType, buffer}. */
export async function chooseFile(page, file) {
  await page.locator('#file-input').setInputFiles(file);
  await expect(page.locator('#source-file')).toBeChecked();
}

/** Clicks a download button; returns the suggested file name and the raw bytes. */
export async function download(page, buttonId) {
  const [saved] = await Promise.all([
    page.waitForEvent('download'),
    page.locator(`#${buttonId}`).click(),
  ]);
  const bytes = await readFile(await saved.path());
  return { name: saved.suggestedFilename(), bytes, text: bytes.toString('utf8') };
}

/** The names shown in the customer table's rendered rows, top to bottom. */
export function tableNames(page) {
  return page.locator('#customer-table .vbody .vrow .vcell.c-full_name');
}

// ---------- a mock API of the test's own ----------

/**
 * Starts another mock API, `target/release/mock-api --port <port> ...args`
 * (port 0: one the OS picks), and waits for its `listening` line. Returns
 * `{ url, port, console, stop }`: `console` collects its output lines, and
 * `stop()` kills exactly that process (SIGKILL, like a crash) and waits for
 * it to exit; it is safe to call twice. Call it in a `finally`.
 */
export async function startMock(args = [], { port = 0, timeout = 10_000 } = {}) {
  const { spawn } = await import('node:child_process');
  const child = spawn(`${ROOT}target/release/mock-api`, ['--port', String(port), ...args], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines = [];
  const exited = new Promise((resolve) => child.once('exit', resolve));
  // Keep reading: a server whose output pipe is full blocks on its next request.
  let buffered = '';
  const keep = (chunk) => {
    buffered += chunk;
    const complete = buffered.split('\n');
    buffered = complete.pop();
    lines.push(...complete);
    if (lines.length > 10_000) lines.splice(0, lines.length - 10_000);
  };
  child.stdout.setEncoding('utf8').on('data', keep);
  child.stderr.setEncoding('utf8').on('data', keep);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  const started = Date.now();
  try {
    for (;;) {
      const match = lines.map((line) => /^mock-api listening on (http:\/\/\S+)$/.exec(line)).find(Boolean);
      if (match) {
        const url = match[1];
        return { url, port: Number(new URL(url).port), console: lines, stop };
      }
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`mock-api exited before listening:\n${lines.join('\n')}`);
      }
      if (Date.now() - started > timeout) throw new Error(`mock-api did not start in ${timeout} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } catch (error) {
    await stop();
    throw error;
  }
}

// ---------- accessibility ----------

let axeSource = null;

/**
 * Runs axe-core (every rule but the experimental ones) on the page as it is
 * and returns its violations as short strings, rule and offending elements.
 * axe is injected with `page.evaluate`: the page's CSP forbids added scripts.
 */
export async function axeViolations(page) {
  axeSource ??= await readFile(`${ROOT}node_modules/axe-core/axe.min.js`, 'utf8');
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => (await window.axe.run(document)).violations);
  return violations.map((v) => `${v.id} (${v.impact}): ${v.help} -- ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** The id of the focused element, or its tag name when it has none (BODY when focus was lost). */
export function focusedId(page) {
  return page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName || null);
}

/** The core's vocabulary(), read in the page from the built module (as the worker reads it). */
export function coreVocabulary(page) {
  return page.evaluate(async () => {
    const core = await import('/pkg/customer_pipeline.js');
    await core.default();
    return JSON.parse(core.vocabulary());
  });
}

/** Reads the width and height of a PNG from its header. */
export function pngSize(bytes) {
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

// ---------- colours ----------

/** [r, g, b, a] from a computed colour such as `rgb(1, 2, 3)` or `rgba(1, 2, 3, 0.5)`. */
export function parseColor(text) {
  const inside = text.slice(text.indexOf('(') + 1, text.indexOf(')'));
  const [r, g, b, a = 1] = inside.split(',').map(Number);
  return [r, g, b, a];
}

/** WCAG contrast ratio of two opaque colours. */
export function contrast(x, y) {
  const luminance = ([r, g, b]) => {
    const channel = (c) => {
      const s = c / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  };
  const [l1, l2] = [luminance(x), luminance(y)].sort((a, b) => b - a);
  return (l1 + 0.05) / (l2 + 0.05);
}

/**
 * Clicks #copy-link with the clipboard stubbed and returns the link copied
 * (the page asks the core to redact the API URL first, so it comes a moment later).
 */
export async function copiedLink(page) {
  await page.evaluate(() => {
    window.__copied = undefined;
    navigator.clipboard.writeText = async (text) => { window.__copied = text; };
  });
  await page.locator('#copy-link').click();
  await expect.poll(() => page.evaluate(() => window.__copied)).toBeTruthy();
  return new URL(await page.evaluate(() => window.__copied));
}
