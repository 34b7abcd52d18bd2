//! `process FILE --workers N`: the file read in parts on N threads, as the
//! page reads an upload with a worker per core, by the same core code
//! (`customer_pipeline::split`): the [`Planner`] cuts the file at record
//! boundaries from its start and a window at each cut, each thread reads
//! its part's bytes from the file in chunks through a [`PartJob`]'s
//! reader, and the [`Merger`] takes the parts in file order as they come
//! in. The report is the one-piece report, byte for byte, but for
//! `metadata.source.workers`. When a part cannot be read on its own (a cut
//! that was no boundary, an error in the file), the caller reads the file
//! in one piece, as the page does: the error then names the same place.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use chrono::Utc;
use customer_pipeline::report::Report;
use customer_pipeline::settings::{RunSettings, Setting};
use customer_pipeline::source::reader::ReadOptions;
use customer_pipeline::split::{Merger, PartJob, PartOutput, Plan, Planner};
use customer_pipeline::stream::UploadEventKind;

use crate::interrupt::Interrupt;
use crate::log::Log;
use crate::outcome::Failure;
use crate::process::{millis, progress, CHUNK_BYTES};

/// The number of workers when `--workers` is not given: this machine's
/// cores, at most the setting's default (8), as the page counts the
/// device's cores.
pub(crate) fn default_workers() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    match Setting::Workers.limit() {
        Some(limit) => {
            let most = limit.default.unwrap_or(limit.max);
            (cores as u64).clamp(limit.min, most.max(limit.min)) as usize
        }
        None => cores,
    }
}

/// A file to read in parts.
pub(crate) struct PartsRun<'a> {
    pub(crate) path: &'a Path,
    pub(crate) file_name: &'a str,
    pub(crate) size: u64,
    pub(crate) settings: &'a RunSettings,
    /// As the user gave them (the file's name is applied by the plan).
    pub(crate) options: &'a ReadOptions,
    pub(crate) workers: usize,
}

/// What the threads share with the one that merges.
struct Shared {
    /// Set when the run no longer needs the parts (a part failed, a signal).
    stop: AtomicBool,
    /// Bytes read by every part.
    loaded: AtomicU64,
    /// Records read by each part.
    records: Vec<AtomicUsize>,
}

impl Shared {
    fn records(&self) -> usize {
        self.records.iter().map(|r| r.load(Ordering::Relaxed)).sum()
    }
}

impl PartsRun<'_> {
    /// The report read in parts, or `None` when the file is to be read in
    /// one piece: it is one part (small, a single page envelope, no
    /// boundary found), or a part could not be read on its own (then the
    /// run log says `read_in_one_piece`).
    ///
    /// # Errors
    /// `cancelled` on a signal; an I/O failure while planning.
    pub(crate) fn read(
        &self,
        file: &mut File,
        log: &Log,
        interrupt: &Interrupt,
    ) -> Result<Option<Report<'static>>, Failure> {
        let Ok(size) = usize::try_from(self.size) else {
            return Ok(None);
        };
        let mut planner = Planner::for_upload(self.file_name, size, self.options, self.workers);
        let path = self.path.display().to_string();
        while let Some((start, len)) = planner.wants() {
            let mut bytes = vec![0; len];
            file.seek(SeekFrom::Start(start as u64))
                .and_then(|_| file.read_exact(&mut bytes))
                .map_err(|error| Failure::io(&path, &error))?;
            planner.give(&bytes);
        }
        let plan = planner.plan();
        if plan.len() < 2 {
            return Ok(None);
        }
        log.event(
            &UploadEventKind::UploadStarted {
                file_name: self.file_name.to_owned(),
                bytes: self.size,
                workers: plan.len(),
            }
            .at(Utc::now()),
        );
        let started = Instant::now();
        let shared = Shared {
            stop: AtomicBool::new(false),
            loaded: AtomicU64::new(0),
            records: (0..plan.len()).map(|_| AtomicUsize::new(0)).collect(),
        };
        let merged = std::thread::scope(|scope| {
            let (done, arrived) = mpsc::channel();
            let threads: Vec<_> = (0..plan.len())
                .map(|index| {
                    let job = plan.job(index, self.file_name, self.settings, self.options);
                    let (done, plan, shared) = (done.clone(), &plan, &shared);
                    scope.spawn(move || {
                        let part = read_part(self.path, plan.bounds(index), &job, index, shared);
                        // The merging thread may have stopped listening.
                        let _ = done.send((index, part));
                    })
                })
                .collect();
            drop(done);
            let merged = self.merge(&plan, &arrived, &shared, log, interrupt);
            if !matches!(merged, Ok(Some(_))) {
                shared.stop.store(true, Ordering::Relaxed);
            }
            // A thread that panicked read nothing usable: one piece.
            let mut panicked = false;
            for thread in threads {
                panicked |= thread.join().is_err();
            }
            match merged {
                Ok(Some(_)) if panicked => Ok(None),
                merged => merged,
            }
        });
        log.clear_progress();
        let report = merged?
            .and_then(|merger| report_of_parts(merger, self.file_name, self.size, started, log));
        if report.is_none() {
            log.event(&UploadEventKind::ReadInOnePiece.at(Utc::now()));
        }
        Ok(report)
    }

    /// Merges the parts in file order as they arrive; `None` when one
    /// cannot be read or merged.
    fn merge(
        &self,
        plan: &Plan,
        arrived: &mpsc::Receiver<(usize, Option<PartOutput>)>,
        shared: &Shared,
        log: &Log,
        interrupt: &Interrupt,
    ) -> Result<Option<Merger>, Failure> {
        let mut merger = Merger::new(plan, self.settings);
        let mut waiting: Vec<Option<PartOutput>> = (0..plan.len()).map(|_| None).collect();
        let mut shown = Instant::now();
        while merger.merged() < plan.len() {
            interrupt.check()?;
            match arrived.recv_timeout(Duration::from_millis(100)) {
                Ok((index, Some(part))) => waiting[index] = Some(part),
                Ok((_, None)) | Err(mpsc::RecvTimeoutError::Disconnected) => return Ok(None),
                Err(mpsc::RecvTimeoutError::Timeout) => {}
            }
            while let Some(part) = waiting.get_mut(merger.merged()).and_then(Option::take) {
                if merger.add(part).is_err() {
                    return Ok(None);
                }
            }
            if shown.elapsed().as_millis() >= 200 {
                shown = Instant::now();
                let loaded = shared.loaded.load(Ordering::Relaxed);
                log.progress(&progress(loaded, self.size, shared.records()));
            }
        }
        Ok(Some(merger))
    }
}

/// The report of the parts `merger` took, `bytes` read since `started`,
/// and the events that say so; `None` when the parts make no report.
pub(crate) fn report_of_parts(
    merger: Merger,
    file_name: &str,
    bytes: u64,
    started: Instant,
    log: &Log,
) -> Option<Report<'static>> {
    let records = merger.records_read();
    let built = Instant::now();
    let report = merger.finish(file_name, Utc::now()).ok()?;
    log.event(
        &UploadEventKind::UploadRead {
            bytes,
            records,
            read_ms: millis(started),
        }
        .at(Utc::now()),
    );
    log.event(&UploadEventKind::report_built(&report.metadata, millis(built)).at(Utc::now()));
    Some(report)
}

/// Reads part `index` (`bounds` of the file at `path`) with `job`, in
/// chunks; `None` when it cannot be read on its own (or the run stopped).
fn read_part(
    path: &Path,
    bounds: std::ops::Range<usize>,
    job: &PartJob,
    index: usize,
    shared: &Shared,
) -> Option<PartOutput> {
    let mut reader = job.start().ok()?;
    let mut file = File::open(path).ok()?;
    file.seek(SeekFrom::Start(bounds.start as u64)).ok()?;
    let mut left = bounds.len();
    let mut chunk = vec![0; CHUNK_BYTES.min(left)];
    while left > 0 {
        if shared.stop.load(Ordering::Relaxed) {
            return None;
        }
        let want = left.min(chunk.len());
        let read = match file.read(&mut chunk[..want]) {
            // The file is shorter than it was when planned.
            Ok(0) => return None,
            Ok(read) => read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => return None,
        };
        reader.push(&chunk[..read]).ok()?;
        left -= read;
        shared.loaded.fetch_add(read as u64, Ordering::Relaxed);
        shared.records[index].store(reader.records_read(), Ordering::Relaxed);
    }
    reader.finish().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_this_machines_cores_at_most_eight() {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        assert_eq!(default_workers(), cores.clamp(1, 8));
        assert!((1..=8).contains(&default_workers()));
    }
}
