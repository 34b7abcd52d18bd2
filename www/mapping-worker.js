// The worker's side of the field mapping panel (worker.js adds these handlers
// to its own): the core looks at the start of a file, or at an API's page 1,
// and says its layout, columns, proposed mapping and first records
// (probeFile, probeApi). Nothing is kept here: the page 1 an API probe
// fetched stays in the tab's page cache, so the run that follows does not
// ask for it again. Probing an API is in the API-and-compare module (modules.js).
//
// Requests and replies:
//   probe-file {file, options: {map, separator, file_name}} -> {probe}  (the core's probe_bytes of its start,
//                                                                      or all of a smaller file)
//   probe-api {form}                             -> {probe}  (+ 'event' messages: page 1's retries and waits)
//   cancel-probe                                 -> {}       (aborts a probe of the API)
//   map-text {base, changes}                     -> {text}   (the link's `map` text with the panel's
//                                                             changes over it, written by the core)
// `probe` is the core's answer, parsed: {format, separator, columns,
// mapping: {fields, unmapped, ignored_columns}, preview: [{position, values,
// problem}], refusal: {code, message} | null}. A refused setting rejects with `invalid_setting` and its
// `field` (`map`, `separator`, or an API setting); a source that cannot be
// read, with its code (`invalid_json`, `not_utf8`, page 1's failure, ...).
import { mapText, probeFile } from './pkg/customer_pipeline.js';
import { apiCompareModule } from './modules.js';

let probeAbort = null;

/**
 * The handlers; `postEvent(id)` forwards a probe's events to the page as
 * worker.js does a run's; `words` is the core's vocabulary, which says how
 * much of a file's start the probe reads.
 */
export function mappingHandlers(postEvent, words) {
  return {
    async 'probe-file'({ file, options }) {
      const { probe_bytes: bytes } = await words;
      const start = new Uint8Array(await file.slice(0, bytes).arrayBuffer());
      return { probe: JSON.parse(probeFile(start, file.size <= bytes, JSON.stringify(options))) };
    },

    async 'probe-api'({ id, form }) {
      probeAbort?.abort();
      const abort = new AbortController();
      probeAbort = abort;
      try {
        const { probeApi } = await apiCompareModule();
        return { probe: JSON.parse(await probeApi(JSON.stringify(form), postEvent(id), abort.signal)) };
      } finally {
        if (probeAbort === abort) probeAbort = null;
      }
    },

    'cancel-probe'() {
      probeAbort?.abort();
      return {};
    },

    'map-text'({ base, changes }) {
      return { text: mapText(base, JSON.stringify(changes)) };
    },
  };
}
