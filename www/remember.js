// What the page remembers in this browser (localStorage for this site;
// nothing is sent anywhere):
// - its settings, as the query of a link that reproduces them (what *Copy
//   link to these settings* carries: never the API key, and no API URL with a
//   secret in its query), the settings no link carries (page size, largest
//   page, jitter, ignore cached pages; never a secret), and the source chosen;
// - from the start of an API run that keeps pages until it ends, that run's
//   settings, so that a run cut short (a reload, a closed tab, Cancel) can be
//   resumed with its own seed and date, and gives the report it would have.
// On load a link's parameters win over what is remembered, and what is
// remembered wins over the defaults. The browser may refuse storage
// (private modes, storage switched off): then nothing is remembered, and
// nothing fails.
import { count } from './dom.js';

const SETTINGS = 'customer-pipeline.settings';
const RUN = 'customer-pipeline.interrupted-run';

/** This site's localStorage, or null when the browser refuses it. */
export function browserStorage() {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

/** The remembered settings and run, in a Storage (`getItem`, `setItem`, `removeItem`). */
export class Memory {
  constructor(storage) {
    this.storage = storage;
  }

  read(key) {
    try {
      const text = this.storage?.getItem(key);
      return text ? JSON.parse(text) : null;
    } catch {
      return null;
    }
  }

  write(key, value) {
    try {
      this.storage?.setItem(key, JSON.stringify(value));
    } catch {
      // Full or refused: the page works without it.
    }
  }

  remove(key) {
    try {
      this.storage?.removeItem(key);
    } catch {
      // As for write.
    }
  }

  /**
   * `{query, unlinked, source}`: the settings as a link's query, those no
   * link carries ({name: value}), and 'api' or 'file'; null when none.
   */
  settings() {
    const kept = this.read(SETTINGS);
    return typeof kept?.query === 'string' ? kept : null;
  }

  saveSettings({ query, unlinked, source }) {
    this.write(SETTINGS, { query, unlinked, source });
  }

  /**
   * An API run that keeps pages starts: `{query, unlinked, url, seed, asOf}` are its
   * settings (the query as for saveSettings) until runEnded.
   */
  runStarted(run) {
    this.write(RUN, { ...run, at: new Date().toISOString() });
  }

  /** The run ended (with a report, or failed): there is nothing to resume. */
  runEnded() {
    this.remove(RUN);
  }

  /** The settings of the run cut short, `{query, url, seed, asOf, at}`, or null. */
  interrupted() {
    const run = this.read(RUN);
    return typeof run?.query === 'string' && typeof run.url === 'string' ? run : null;
  }

  /** Forgets the settings and the run cut short. */
  forget() {
    this.remove(SETTINGS);
    this.remove(RUN);
  }
}

/** The remembered query with the link's parameters over it: the link wins, parameter by parameter. */
export function mergeQueries(remembered, link) {
  const params = new URLSearchParams(remembered);
  for (const [name, value] of new URLSearchParams(link)) params.set(name, value);
  return `?${params}`;
}

/** The inputs of the settings no link carries, but for secrets: `[setting, input]`. */
function unlinkedInputs(settings) {
  return settings.map((setting) => [setting, document.querySelector(`[data-setting="${CSS.escape(setting.name)}"]`)])
    .filter(([setting, input]) => input && !setting.query && setting.kind !== 'secret');
}

/** The values of the settings no link carries, by the core's names (a flag as true or false). */
export function unlinkedValues(settings) {
  return Object.fromEntries(unlinkedInputs(settings)
    .map(([setting, input]) => [setting.name, setting.kind === 'flag' ? input.checked : input.value]));
}

/** Puts remembered values of the settings no link carries into their inputs. */
export function applyUnlinked(settings, values) {
  for (const [setting, input] of unlinkedInputs(settings)) {
    if (!values || !Object.hasOwn(values, setting.name)) continue;
    if (setting.kind === 'flag') input.checked = values[setting.name] === true;
    else input.value = String(values[setting.name]);
  }
}

/**
 * Puts the inputs of the settings a link carries back to their defaults
 * (empty; a flag as the core says it is by default), before a run's
 * remembered query is applied over them. The mapping panel's settings are
 * the panel's.
 */
export function clearSettingInputs(settings) {
  for (const setting of settings) {
    const input = document.querySelector(`[data-setting="${CSS.escape(setting.name)}"]`);
    if (!input || setting.kind === 'secret' || setting.kind === 'mapping' || setting.kind === 'separator') continue;
    if (setting.kind === 'flag') input.checked = Boolean(setting.on_by_default);
    else if (setting.kind === 'choice') input.value = setting.choices?.[0] ?? '';
    else input.value = '';
  }
}

const pages = (n) => `${count(n)} ${n === 1 ? 'page' : 'pages'}`;

/** The Resume button's words: "Resume: 31 pages kept on this device". */
export const resumeLabel = (kept) => `Resume: ${pages(kept)} kept on this device`;

/** What the offer says about the run cut short. */
export function resumeText(run) {
  const settings = [run.seed ? `seed ${run.seed}` : '', run.asOf ? `as of ${run.asOf}` : ''].filter(Boolean);
  return `A run of ${run.url}${settings.length ? ` (${settings.join(', ')})` : ''} stopped before it ended. `
    + 'Resume runs it again with its own settings: the pages kept on this device are not fetched again, and the report '
    + 'is the one the run would have given.';
}

/**
 * How many of a run's pages came from this device (metadata.fetch), as the
 * run log's summary line says it: "31 pages from this device, 69 fetched";
 * '' when none did.
 */
export function reuseText(fetch) {
  const device = fetch?.pages_from_device ?? 0;
  return device > 0 ? `${pages(device)} from this device, ${count(fetch.pages_from_network)} fetched` : '';
}
