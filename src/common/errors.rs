//! Errors as they cross to the page: the properties an error carries
//! besides its sentence, and the codes no stage of the pipeline owns (a
//! request cancelled, asked of nothing, overtaken, or met by a bug). The
//! stages' own codes live with their errors; the vocabulary lists them all.

/// Declares an error enum's codes once: `CODES`, every code it has in the
/// order given (the vocabulary's), and `code()`, the code of one error, by
/// an exhaustive match, so a new variant does not compile until it has a
/// code. The attributes and visibility given are `code()`'s.
macro_rules! error_codes {
    ($(#[$attr:meta])* $vis:vis $ty:ident { $($variant:ident => $code:literal,)* }) => {
        impl $ty {
            /// Every code this error has.
            pub(crate) const CODES: [&'static str; [$($code),*].len()] = [$($code),*];

            /// The code for programs: one of [`Self::CODES`].
            $(#[$attr])*
            $vis fn code(&self) -> &'static str {
                match self {
                    $($ty::$variant { .. } => $code,)*
                }
            }
        }
    };
}

pub(crate) use error_codes;

/// A property of an error as the page receives it (a JavaScript `Error`
/// with these set where they apply). The page and its worker forward
/// every one, by the names the vocabulary lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ErrorDetail {
    /// What went wrong, for programs: one of the vocabulary's `error_codes`.
    Code,
    /// The setting refused (`invalid_setting`), or the path of what is
    /// wrong in an earlier report (`not_a_report`).
    Field,
    /// The line of a file where the problem is.
    Line,
    /// Its column.
    Column,
    /// The API page that failed.
    Page,
    /// The pages fetched before a run was cancelled.
    PagesFetched,
    /// What a file that is not text looks like (`not_text`): `pdf`, `zip`, ….
    LooksLike,
}

impl ErrorDetail {
    /// Every detail.
    pub(crate) const ALL: [ErrorDetail; 7] = [
        ErrorDetail::Code,
        ErrorDetail::Field,
        ErrorDetail::Line,
        ErrorDetail::Column,
        ErrorDetail::Page,
        ErrorDetail::PagesFetched,
        ErrorDetail::LooksLike,
    ];

    /// The property's name on the error.
    pub(crate) fn name(self) -> &'static str {
        match self {
            ErrorDetail::Code => "code",
            ErrorDetail::Field => "field",
            ErrorDetail::Line => "line",
            ErrorDetail::Column => "column",
            ErrorDetail::Page => "page",
            ErrorDetail::PagesFetched => "pages_fetched",
            ErrorDetail::LooksLike => "looks_like",
        }
    }
}

/// Why a request of the page has no answer when no stage is the cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RequestFailure {
    /// The user cancelled the run or the preview (a file run is cancelled
    /// by ending the worker, so the page gives this code itself then).
    Cancelled,
    /// Something that should not happen: a bug, or a module that did not load.
    Internal,
    /// A download was asked for before any run made a report.
    NoReport,
    /// The changes were asked for with nothing to compare.
    NoChanges,
    /// An earlier report's reading was overtaken by another choice.
    Superseded,
}

impl RequestFailure {
    /// Every such failure.
    pub(crate) const ALL: [RequestFailure; 5] = [
        RequestFailure::Cancelled,
        RequestFailure::Internal,
        RequestFailure::NoReport,
        RequestFailure::NoChanges,
        RequestFailure::Superseded,
    ];

    /// Its code.
    pub(crate) fn code(self) -> &'static str {
        match self {
            RequestFailure::Cancelled => "cancelled",
            RequestFailure::Internal => "internal",
            RequestFailure::NoReport => "no_report",
            RequestFailure::NoChanges => "no_changes",
            RequestFailure::Superseded => "superseded",
        }
    }
}
