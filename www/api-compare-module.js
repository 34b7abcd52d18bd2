// The page's second WebAssembly module (www/pkg-api-compare), loaded by the
// worker the first time it is needed. The first module (www/pkg) reads
// uploads, in parts or whole, and proposes mappings: everything an upload
// needs, and all that a page downloads before its first run. This one has
// what only some runs use: the API fetch (and the pages kept on this
// device) and comparing with an earlier report, with the processing both
// modules share. Objects of one module cannot be handed to the other: a
// run made by the first is handed to this one as bytes to be compared
// (changes-worker.js).

let loading = null;

/** An Error with one of the core's codes (vocabulary error_codes): `{code}`. */
function codedError(message, code) {
  const error = new Error(message);
  error.code = code;
  return error;
}

/** The API-and-compare module, loaded and ready (once; a failed load is tried again next time). */
export function apiCompareModule() {
  loading ??= import('./pkg-api-compare/customer_pipeline.js')
    .then(async (core) => {
      await core.default();
      return core;
    })
    .catch((error) => {
      loading = null;
      throw codedError(`The WebAssembly module for API runs and comparisons could not be loaded (${error.message}). `
        + 'Build it with the README\'s run command, then reload the page.', 'internal');
    });
  return loading;
}
