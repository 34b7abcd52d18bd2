//! How a run ends, as a scheduler reads it: the exit code (issue 21's
//! contract) and, on failure, a code and a sentence on standard error.

use std::process::ExitCode;

use customer_pipeline::settings::SettingsError;
use customer_pipeline::source::ingest::IngestError;

/// A run that produced its report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Done {
    /// Every record is provably there (`complete: true`): exit 0.
    Complete,
    /// The report was written but is partial (`complete: false`): exit 3.
    Partial,
}

/// A run that produced nothing.
#[derive(Debug)]
pub(crate) enum Failure {
    /// Bad input or settings, with the core's code and message: exit 2.
    Input {
        /// The core's error code (`invalid_setting`, `invalid_json`, …).
        code: &'static str,
        /// The core's sentence.
        message: String,
    },
    /// The run could not be made (the API failed on its first page, a
    /// file could not be written): exit 1.
    Run {
        /// The core's code (`auth_rejected`, `network`, …), or `io`.
        code: &'static str,
        /// What happened.
        message: String,
    },
    /// A file could not be read or written: exit 1.
    Io {
        /// Which file.
        path: String,
        /// What the system said.
        message: String,
    },
    /// A bug: exit 1.
    Internal(String),
}

impl Failure {
    pub(crate) fn io(path: &str, error: &std::io::Error) -> Self {
        Failure::Io {
            path: path.to_owned(),
            message: error.to_string(),
        }
    }

    /// The code a program reads.
    pub(crate) fn code(&self) -> &'static str {
        match self {
            Failure::Input { code, .. } | Failure::Run { code, .. } => code,
            Failure::Io { .. } => "io",
            Failure::Internal(_) => "internal",
        }
    }

    /// The sentence a person reads.
    pub(crate) fn message(&self) -> String {
        match self {
            Failure::Input { message, .. } | Failure::Run { message, .. } => message.clone(),
            Failure::Io { path, message } => format!("{path}: {message}"),
            Failure::Internal(message) => format!("internal error: {message}"),
        }
    }

    /// The exit code: 2 for bad input or settings, 1 otherwise.
    pub(crate) fn exit_code(&self) -> ExitCode {
        match self {
            Failure::Input { .. } => ExitCode::from(2),
            _ => ExitCode::from(1),
        }
    }
}

impl Done {
    /// 0 for a complete report, 3 for a partial one.
    pub(crate) fn exit_code(self) -> ExitCode {
        match self {
            Done::Complete => ExitCode::SUCCESS,
            Done::Partial => ExitCode::from(3),
        }
    }

    pub(crate) fn of(complete: bool) -> Self {
        if complete {
            Done::Complete
        } else {
            Done::Partial
        }
    }
}

impl From<SettingsError> for Failure {
    /// The core's message, after the flag it was typed in
    /// (`--workers: Workers must be …`) when it was typed in one.
    fn from(error: SettingsError) -> Self {
        let message = match crate::args::typed_in_flag(error.setting) {
            Some(flag) => format!("--{flag}: {error}"),
            None => error.to_string(),
        };
        Failure::Input {
            code: error.code(),
            message,
        }
    }
}

impl From<IngestError> for Failure {
    fn from(error: IngestError) -> Self {
        Failure::Input {
            code: error.code(),
            message: error.to_string(),
        }
    }
}
