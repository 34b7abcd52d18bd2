//! Mapping request paths to files under the `--www` folder, their types
//! and their security headers.
//!
//! Resolution is purely lexical: a path whose decoded segments contain `..`
//! (however it was encoded) is refused before the file system is touched.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::url::percent_decode;

/// The Content-Security-Policy of the page, sent with `index.html`.
///
/// These policies are part of the page, not of the mock: **any static host
/// that serves `www/` must send the same headers** ([`PAGE_CSP`] with
/// `index.html`, [`WORKER_CSP`] with `worker.js`, [`PART_WORKER_CSP`] with
/// `part-worker.js`, and
/// `X-Content-Type-Options: nosniff` and `Referrer-Policy: no-referrer` with
/// every file). The page's `<meta>` policy repeats [`PAGE_CSP`] for hosts
/// that cannot, but a `<meta>` cannot say `frame-ancestors` and does not
/// reach the worker.
///
/// `wasm-unsafe-eval` lets the module compile WebAssembly without allowing
/// `eval`; `connect-src http: https:` is there because the user names the
/// API's origin at run time.
pub const PAGE_CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
worker-src 'self'; connect-src 'self' http: https:; img-src 'self' data: blob:; \
style-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The Content-Security-Policy of the Web Worker, sent with `worker.js`.
///
/// A worker's policy comes from its own script's response, not from the
/// page, so without this header the worker (which holds the API key while
/// fetching) would run unrestricted. It needs only its module scripts, the
/// WebAssembly compile and the API: everything else is `'none'`. See
/// [`PAGE_CSP`] for why a static host must send it too.
pub const WORKER_CSP: &str =
    "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self' http: https:";

/// The Content-Security-Policy of the part workers, sent with
/// `part-worker.js`: a part worker is handed the compiled module and a
/// slice of the file, and reads it; it loads its module scripts and
/// nothing else (no request at all).
pub const PART_WORKER_CSP: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'";

/// Headers every static file gets, plus the policy of the page or the
/// worker when `file` is `index.html` or `worker.js`.
pub fn security_headers(file: &Path) -> Vec<(&'static str, &'static str)> {
    let mut headers = vec![
        // A file is never reinterpreted as another type (say, a script).
        ("X-Content-Type-Options", "nosniff"),
        // The page's URL may name the API; it goes nowhere else.
        ("Referrer-Policy", "no-referrer"),
    ];
    match file.file_name().and_then(|n| n.to_str()) {
        Some("index.html") => headers.push(("Content-Security-Policy", PAGE_CSP)),
        Some("worker.js") => headers.push(("Content-Security-Policy", WORKER_CSP)),
        Some("part-worker.js") => headers.push(("Content-Security-Policy", PART_WORKER_CSP)),
        _ => {}
    }
    headers
}

/// Why a request path does not map to a file under the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StaticError {
    /// The path tries to leave the root (`..`, a backslash or a NUL byte).
    Traversal {
        /// The request path as received.
        path: String,
    },
    /// The path has a malformed percent escape or is not UTF-8.
    BadEncoding {
        /// The request path as received.
        path: String,
    },
}

impl fmt::Display for StaticError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StaticError::Traversal { path } => {
                write!(f, "path `{path}` tries to leave the web root")
            }
            StaticError::BadEncoding { path } => {
                write!(f, "path `{path}` is not valid percent-encoded UTF-8")
            }
        }
    }
}

impl std::error::Error for StaticError {}

/// Resolves a request path (without query) to a file path under `root`.
///
/// `/` and any path ending in `/` map to `index.html` in that folder. The
/// caller still checks that the file exists (and falls back to
/// `index.html` for a folder).
///
/// # Errors
/// [`StaticError::Traversal`] for `..` segments (plain or percent-encoded),
/// backslashes and NUL bytes; [`StaticError::BadEncoding`] for bad escapes.
pub fn resolve(root: &Path, request_path: &str) -> Result<PathBuf, StaticError> {
    let decoded = percent_decode(request_path, false).ok_or_else(|| StaticError::BadEncoding {
        path: request_path.to_string(),
    })?;
    let mut path = root.to_path_buf();
    for segment in decoded.split('/') {
        if segment == ".." || segment.contains('\\') || segment.contains('\0') {
            return Err(StaticError::Traversal {
                path: request_path.to_string(),
            });
        }
        if !segment.is_empty() && segment != "." {
            path.push(segment);
        }
    }
    if decoded.is_empty() || decoded.ends_with('/') {
        path.push("index.html");
    }
    Ok(path)
}

/// The `Content-Type` for a file, from its extension.
pub fn content_type(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        // Module scripts must be served as JavaScript or browsers refuse them.
        "js" | "mjs" => "text/javascript; charset=utf-8",
        // Needed for WebAssembly.instantiateStreaming.
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_paths_under_the_root() {
        let root = Path::new("/srv/www");
        let table = [
            ("/", "/srv/www/index.html"),
            ("", "/srv/www/index.html"),
            ("/app.js", "/srv/www/app.js"),
            ("/pkg/core_bg.wasm", "/srv/www/pkg/core_bg.wasm"),
            ("/pkg/", "/srv/www/pkg/index.html"),
            ("/a%20b.txt", "/srv/www/a b.txt"),
            ("/./x//y", "/srv/www/x/y"),
        ];
        for (request, expected) in table {
            assert_eq!(
                resolve(root, request),
                Ok(PathBuf::from(expected)),
                "{request}"
            );
        }
    }

    #[test]
    fn refuses_traversal_however_encoded() {
        let root = Path::new("/srv/www");
        for request in [
            "/../etc/passwd",
            "/pkg/../../etc/passwd",
            "/%2e%2e/etc/passwd",
            "/%2E%2E%2Fetc%2Fpasswd",
            "/..%2fsecret",
            "/.%2e/secret",
            "/..\\secret",
            "/%5c..%5csecret",
            "/a%00b",
        ] {
            assert!(
                matches!(resolve(root, request), Err(StaticError::Traversal { .. })),
                "{request}"
            );
        }
        assert!(matches!(
            resolve(root, "/%zz"),
            Err(StaticError::BadEncoding { .. })
        ));
    }

    #[test]
    fn security_headers_by_file() {
        let common = [
            ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "no-referrer"),
        ];
        let csp = |file: &str| {
            let headers = security_headers(Path::new(file));
            assert_eq!(headers[..2], common, "{file}");
            headers
                .iter()
                .find(|(name, _)| *name == "Content-Security-Policy")
                .map(|(_, value)| *value)
        };
        assert_eq!(csp("/srv/www/index.html"), Some(PAGE_CSP));
        assert_eq!(csp("/srv/www/worker.js"), Some(WORKER_CSP));
        assert_eq!(csp("/srv/www/part-worker.js"), Some(PART_WORKER_CSP));
        for file in [
            "/srv/www/app.js",
            "/srv/www/pkg/core_bg.wasm",
            "/srv/www/style.css",
        ] {
            assert_eq!(csp(file), None, "{file}");
        }
        assert!(PAGE_CSP.ends_with("form-action 'none'; frame-ancestors 'none'"));
        assert!(!PAGE_CSP.contains("  ") && !PAGE_CSP.contains('\n'));
    }

    #[test]
    fn content_types() {
        let table = [
            ("index.html", "text/html; charset=utf-8"),
            ("app.js", "text/javascript; charset=utf-8"),
            ("worker.mjs", "text/javascript; charset=utf-8"),
            ("core_bg.wasm", "application/wasm"),
            ("CORE.WASM", "application/wasm"),
            ("style.css", "text/css; charset=utf-8"),
            ("data.json", "application/json"),
            ("app.js.map", "application/json"),
            ("logo.svg", "image/svg+xml"),
            ("shot.png", "image/png"),
            ("favicon.ico", "image/x-icon"),
            ("notes.txt", "text/plain; charset=utf-8"),
            ("blob.bin", "application/octet-stream"),
            ("README", "application/octet-stream"),
        ];
        for (file, expected) in table {
            assert_eq!(content_type(Path::new(file)), expected, "{file}");
        }
    }
}
