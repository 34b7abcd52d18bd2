// The page's two WebAssembly modules, as the worker loads them.
//
// The upload module (www/pkg) reads uploads, in parts or whole, and
// proposes mappings: everything an upload needs, and all that a page
// downloads before its first run. It is compiled once here (`compiled`):
// the worker runs it, and the part workers of an upload in parts are handed
// it (a compiled module can be posted to another worker; it is not compiled
// again there).
//
// The API-and-compare module (www/pkg-api-compare) has what only some runs
// use: the API fetch (and the pages kept on this device) and comparing
// with an earlier report, with the processing both modules share. It is
// loaded the first time a request needs it (`apiCompareModule()`). Objects
// of one module cannot be handed to the other: a run made by the upload
// module is handed to this one as bytes to be compared (changes-worker.js).
import init from './pkg/customer_pipeline.js';
import { codedError } from './coded-error.js';

/** The error of a module that did not load (`which`: what it is for, or empty). */
function notLoaded(which, error) {
  return codedError(`The WebAssembly module${which} could not be loaded (${error.message}). `
    + 'Build it with the README\'s run command, then reload the page.', { code: 'internal' });
}

async function compileUploadModule() {
  const response = await fetch(new URL('./pkg/customer_pipeline_bg.wasm', import.meta.url));
  if (!response.ok) throw new Error(`HTTP ${response.status} for the module`);
  try {
    return await WebAssembly.compileStreaming(response.clone());
  } catch {
    // A host that does not send application/wasm: compile from the bytes.
    return WebAssembly.compile(await response.arrayBuffer());
  }
}

/** The upload module, compiled (for the part workers). */
export const compiled = compileUploadModule();

/** The upload module, ready to call in this worker. */
export const ready = compiled.then((module) => init({ module_or_path: module })).catch((error) => {
  throw notLoaded('', error);
});

let loading = null;

/** The API-and-compare module, loaded and ready (once; a failed load is tried again next time). */
export function apiCompareModule() {
  loading ??= import('./pkg-api-compare/customer_pipeline.js')
    .then(async (core) => {
      await core.default();
      return core;
    })
    .catch((error) => {
      loading = null;
      throw notLoaded(' for API runs and comparisons', error);
    });
  return loading;
}
