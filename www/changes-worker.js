// The worker's side of comparing with an earlier report (worker.js adds
// these handlers to its own). Comparing is in the API-and-compare module
// (modules.js), loaded when an earlier report is chosen. The earlier
// report is read in chunks into the core's compact PreviousReport, which
// stays here across runs; the comparison (ChangesOutput) stays here too,
// until the next run or report. A run made by the upload module is handed
// to the API-and-compare module as bytes (RunOutput.runSide -> CurrentRun), once a run.
//
// Requests and replies:
//   previous {file}          -> {summary, changes}   (reads and checks the earlier report; compares
//                                                     with the current results if there are any)
//   forget-previous          -> {}
//   compare                  -> {loaded, changes}    (the current results with the earlier report;
//                                                     loaded is false when none is read)
//   changes-view {search, bucket, field} -> {count}
//   changes-rows {offset, limit}         -> {rows}   (ids as text)
//   download-changes         -> {blob, millis}
// A read overtaken by a newer choice (or forget-previous) stops and rejects
// with `superseded`: one earlier report at a time is read and kept.
// `changes` is null (nothing to compare) or {metadata, columns}. A refused
// file rejects with the core's code (`not_a_report` with `field`,
// `invalid_json` with `line` and `column`, `empty_file`) and message.
import { chunksOf } from './chunks.js';
import { codedError } from './coded-error.js';
import { apiCompareModule } from './modules.js';

let previous = null;
let changes = null;
/** The current run as the API-and-compare module holds it, when the upload module made it: {from, run}. */
let handed = null;
/** Counts the earlier reports chosen: a read whose choice is no longer the latest stops. */
let chosen = 0;

/** The error of a read overtaken by a newer choice. */
function superseded() {
  return codedError('Another earlier report was chosen; this one is no longer read.', { code: 'superseded' });
}

/** Drops the comparison (another earlier report is chosen, or it is made again). */
function forgetComparison() {
  changes?.free();
  changes = null;
}

/** Drops the comparison and what it knew of the run (a new run starts). */
export function forgetChanges() {
  forgetComparison();
  handed?.run.free();
  handed = null;
}

function forgetPrevious() {
  forgetComparison();
  previous?.free();
  previous = null;
}

/**
 * Reads `file` for choice number `choice`; stops, and frees what it read,
 * as soon as a newer choice is made, so one earlier report at a time is
 * read and kept, whichever read would have finished last.
 */
async function readPrevious(file, choice) {
  const { PreviousReportReader } = await apiCompareModule();
  if (choice !== chosen) throw superseded();
  const reader = new PreviousReportReader();
  try {
    for await (const value of chunksOf(file)) {
      if (choice !== chosen) throw superseded();
      reader.push(value);
    }
    if (choice !== chosen) throw superseded();
    const report = reader.finish();
    if (choice !== chosen) {
      report.free();
      throw superseded();
    }
    return report;
  } finally {
    reader.free();
  }
}

/** `current` as the API-and-compare module holds it: itself when that module made it, else handed over as bytes (once). */
function inApiCompareModule(current, core) {
  if (current instanceof core.RunOutput) return current;
  if (handed?.from !== current) {
    handed?.run.free();
    handed = { from: current, run: core.CurrentRun.fromBytes(current.runSide()) };
  }
  return handed.run;
}

async function compareWith(current) {
  forgetComparison();
  if (!current || !previous) return null;
  // Loaded already (it read the earlier report): no other request runs in between.
  const run = inApiCompareModule(current, await apiCompareModule());
  changes = run.compareWith(previous);
  return { metadata: JSON.parse(changes.metadata), columns: JSON.parse(changes.columns) };
}

/** The handlers; `current()` gives the current run's output (or null). */
export function changesHandlers(current) {
  return {
    async previous({ file }) {
      chosen += 1;
      const choice = chosen;
      forgetPrevious();
      previous = await readPrevious(file, choice);
      return { summary: JSON.parse(previous.summary), changes: await compareWith(current()) };
    },

    'forget-previous'() {
      chosen += 1;
      forgetPrevious();
      return {};
    },

    async compare() {
      return { loaded: previous !== null, changes: await compareWith(current()) };
    },

    'changes-view'({ search, bucket, field }) {
      return { count: changes ? changes.setView(search, bucket, field) : 0 };
    },

    'changes-rows'({ offset, limit }) {
      return { rows: changes ? JSON.parse(changes.rows(offset, limit)) : [] };
    },

    'download-changes'() {
      if (!changes) {
        throw codedError('There are no changes to download: choose an earlier report and run the pipeline.', { code: 'no_changes' });
      }
      const started = performance.now();
      return { blob: new Blob(changes.changesParts()), millis: performance.now() - started };
    },
  };
}
