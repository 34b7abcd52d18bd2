//! Where the results go: the report to a file or standard output, the CSV
//! and the summary to files. A file is written under a temporary name
//! beside it and renamed when complete, so a reader (the next step of a
//! schedule) never sees half of one.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use customer_pipeline::report::Report;

use crate::outcome::Failure;

/// Bytes handed to the writer at a time.
const PART_BYTES: usize = 1 << 20;

/// Where the report goes (`-o`), and the other files asked for.
#[derive(Debug, Clone, Default)]
pub(crate) struct Outputs {
    /// The report; standard output when absent.
    pub report: Option<PathBuf>,
    /// The customers as CSV.
    pub csv: Option<PathBuf>,
    /// The report's `metadata` alone, pretty-printed.
    pub summary: Option<PathBuf>,
}

impl Outputs {
    /// Writes what was asked for: the report, the CSV, the summary.
    ///
    /// # Errors
    /// [`Failure::Io`] naming the file that could not be written.
    pub(crate) fn write(&self, report: &Report<'_>) -> Result<(), Failure> {
        let json = |out: &mut dyn Write| {
            let mut result = Ok(());
            report.write_json_chunks(PART_BYTES, &mut |part| {
                if result.is_ok() {
                    result = out.write_all(part);
                }
            });
            result
        };
        match &self.report {
            Some(path) => write_file(path, json)?,
            None => {
                let stdout = io::stdout();
                let mut out = BufWriter::new(stdout.lock());
                json(&mut out)
                    .and_then(|()| out.flush())
                    .map_err(|error| Failure::io("standard output", &error))?;
            }
        }
        if let Some(path) = &self.csv {
            let csv = report.to_csv();
            write_file(path, |out| out.write_all(&csv))?;
        }
        if let Some(path) = &self.summary {
            let summary = serde_json::to_string_pretty(&report.metadata)
                .map_err(|error| Failure::Internal(error.to_string()))?
                + "\n";
            write_file(path, |out| out.write_all(summary.as_bytes()))?;
        }
        Ok(())
    }
}

/// Writes `path` whole or not at all: into a temporary file beside it,
/// flushed to disk, then renamed over it. A path that is not a regular
/// file (`/dev/null`, `/dev/stdout`, a named pipe) is written straight
/// through: renaming over it would replace the device or the pipe with a
/// plain file. A symbolic link to a file is followed, and its target
/// replaced, so the link stays.
///
/// # Errors
/// [`Failure::Io`] naming `path`; the temporary file is removed.
pub(crate) fn write_file(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), Failure> {
    let failed = |error: io::Error| Failure::io(&path.display().to_string(), &error);
    let target = match fs::metadata(path) {
        Ok(meta) if !meta.is_file() => {
            let file = fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(failed)?;
            let mut out = BufWriter::new(file);
            return write(&mut out).and_then(|()| out.flush()).map_err(failed);
        }
        Ok(_) => fs::canonicalize(path).map_err(failed)?,
        Err(_) => path.to_path_buf(),
    };
    let path = target.as_path();
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = path.with_file_name(format!(".{name}.partial-{}", std::process::id()));
    let result = File::create(&temporary).and_then(|file| {
        let mut out = BufWriter::new(file);
        write(&mut out)?;
        let file = out.into_inner().map_err(io::IntoInnerError::into_error)?;
        file.sync_all()?;
        fs::rename(&temporary, path)
    });
    result.map_err(|error| {
        let _ = fs::remove_file(&temporary);
        Failure::io(&path.display().to_string(), &error)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_appears_whole_or_not_at_all() {
        let dir = std::env::temp_dir().join(format!("cp-cli-write-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("report.json");
        write_file(&path, |out| out.write_all(b"first")).unwrap();
        let failed = write_file(&path, |out| {
            out.write_all(b"half")?;
            Err(io::Error::other("disk full"))
        });
        assert!(matches!(failed, Err(Failure::Io { .. })), "{failed:?}");
        assert_eq!(fs::read(&path).unwrap(), b"first", "the old file stays");
        let left: Vec<_> = fs::read_dir(&dir).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file is left behind");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_device_or_a_link_is_written_through_never_replaced() {
        use std::os::unix::fs::FileTypeExt;
        write_file(Path::new("/dev/null"), |out| out.write_all(b"gone")).unwrap();
        let null = fs::symlink_metadata("/dev/null").unwrap();
        assert!(
            null.file_type().is_char_device(),
            "/dev/null is still a device"
        );

        let dir = std::env::temp_dir().join(format!("cp-cli-link-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let real = dir.join("real.json");
        let link = dir.join("latest.json");
        fs::write(&real, b"old").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_file(&link, |out| out.write_all(b"new")).unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read(&real).unwrap(), b"new");
        fs::remove_dir_all(&dir).unwrap();
    }
}
