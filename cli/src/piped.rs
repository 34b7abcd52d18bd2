//! `process - --workers N`: standard input (or another stream, a pipe)
//! read in parts on N threads. A stream has no size to plan by and cannot
//! be read twice, so this thread reads it in chunks and cuts it as it
//! comes, with the core's [`StreamCutter`] (exact record boundaries, found
//! by following the layout byte by byte), into parts of [`PART_BYTES`];
//! each part's chunks go to the next free thread, which reads them through
//! its [`PartJob`]'s reader (counting the stream's positions on from where
//! the part starts), and the [`Merger`] takes the parts in order as they
//! come in. The report is the one-piece report, byte for byte, but for
//! `metadata.source.workers` (the threads, or the parts when fewer); a
//! part that cannot be read fails the run with the error, and the place,
//! a one-piece run gives (the parts before it read, every reader is where
//! the one-piece reader would be).
//!
//! Memory stays bounded: the chunks sent and not yet read are at most
//! about (workers + 1) parts; a stream shorter than a part, or one whose
//! start has no record to tell the layout by, is read in one piece.
//!
//! `CUSTOMER_PIPELINE_PART_BYTES` sets the part size (tests use tiny
//! parts, to have many); it is not a flag because the report does not
//! depend on it.

use std::io::{self, Read};
use std::ops::Range;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use customer_pipeline::report::Report;
use customer_pipeline::settings::RunSettings;
use customer_pipeline::source::ingest::IngestError;
use customer_pipeline::source::reader::ReadOptions;
use customer_pipeline::split::{Merger, PartJob, PartOutput, StreamCutter};
use customer_pipeline::stream::UploadEventKind;

use crate::interrupt::Interrupt;
use crate::log::Log;
use crate::outcome::Failure;
use crate::parts::report_of_parts;
use crate::process::{failed, progress, CHUNK_BYTES};

/// The size of a part: large enough that a part's fixed costs (a thread's
/// turn, the merge of its tables) are small beside reading it, small
/// enough that a few workers have parts early and memory stays low.
pub(crate) const PART_BYTES: usize = 16 << 20;

/// Sets the part size, in bytes (for tests and measurements).
const PART_BYTES_VAR: &str = "CUSTOMER_PIPELINE_PART_BYTES";

/// The part size: [`PART_BYTES`] unless the environment says otherwise.
fn part_bytes() -> usize {
    std::env::var(PART_BYTES_VAR)
        .ok()
        .and_then(|text| text.parse::<usize>().ok())
        .filter(|&bytes| bytes > 0)
        .unwrap_or(PART_BYTES)
}

/// A stream to read in parts.
pub(crate) struct StreamRun<'a> {
    /// As the user named it (`-`), for messages.
    pub(crate) path: &'a str,
    pub(crate) file_name: &'a str,
    pub(crate) settings: &'a RunSettings,
    /// As the user gave them (the stream's name is applied by the cutter).
    pub(crate) options: &'a ReadOptions,
    pub(crate) workers: usize,
}

/// How a stream was read.
pub(crate) enum Streamed {
    /// In parts: the report.
    Report(Box<Report<'static>>),
    /// Not cut (shorter than a part, no record in its start, no boundary
    /// in reach): the bytes read so far, to be read in one piece before
    /// the rest.
    OnePiece(Vec<u8>),
}

/// Some bytes of a part: a range of a chunk that parts may share.
struct Piece {
    chunk: Arc<Vec<u8>>,
    range: Range<usize>,
}

/// What a part's thread receives.
enum Message {
    Bytes(Piece),
    /// The part ends at a cut (without it, the stream ended in the part).
    Cut,
}

/// A part for the next free thread.
struct Task {
    index: usize,
    job: PartJob,
    pieces: Receiver<Message>,
}

/// A part read: `None` when it was given up (the run stopped, or an
/// earlier part failed) or its reader panicked.
type Outcome = Option<Result<PartOutput, IngestError>>;

/// What the threads share with this one.
struct Shared {
    /// Bytes sent to the parts and not read yet.
    in_flight: AtomicU64,
    /// Records read by the part each thread is reading.
    reading: Vec<AtomicUsize>,
    /// The parts after this one are not needed (one failed).
    needed_to: AtomicUsize,
    /// The run stopped: no part is needed.
    quit: AtomicBool,
    interrupt: Interrupt,
}

impl Shared {
    fn given_up(&self, index: usize) -> bool {
        self.quit.load(Ordering::Relaxed)
            || self.interrupt.raised()
            || index > self.needed_to.load(Ordering::Relaxed)
    }
}

impl StreamRun<'_> {
    /// Reads `input` in parts, or says it is to be read in one piece.
    ///
    /// # Errors
    /// The error a one-piece run gives, at the same place, when a part
    /// cannot be read; `cancelled` on a signal; an I/O failure.
    pub(crate) fn read(
        &self,
        input: &mut dyn Read,
        log: &Log,
        interrupt: &Interrupt,
    ) -> Result<Streamed, Failure> {
        let part_bytes = part_bytes();
        let mut reader = ChunkReader {
            input,
            path: self.path,
            bytes: 0,
        };
        let head = reader.next(interrupt)?;
        let Some(mut cutter) =
            StreamCutter::for_upload(self.file_name, self.options, &head, part_bytes)
        else {
            return Ok(Streamed::OnePiece(head));
        };
        let first = self.job(&cutter);
        // The first part is held until the first cut: a stream that ends
        // before it (or runs far past a part without one) is one piece.
        let most = part_bytes.saturating_mul(4).max(2 * CHUNK_BYTES) as u64;
        let mut held = Vec::new();
        let mut chunk = Arc::new(head);
        let cut = loop {
            if let Some(end) = cutter.scan(&chunk) {
                break end;
            }
            held.push(Arc::clone(&chunk));
            let next = reader.next(interrupt)?;
            if next.is_empty() || reader.bytes > most {
                let mut bytes = Vec::with_capacity(reader.bytes as usize);
                for chunk in &held {
                    bytes.extend_from_slice(chunk);
                }
                bytes.extend_from_slice(&next);
                return Ok(Streamed::OnePiece(bytes));
            }
            chunk = Arc::new(next);
        };
        log.event(
            &UploadEventKind::UploadStarted {
                file_name: self.file_name.to_owned(),
                bytes: 0,
                workers: self.workers,
            }
            .at(Utc::now()),
        );
        let started = Instant::now();
        let shared = Shared {
            in_flight: AtomicU64::new(0),
            reading: (0..self.workers).map(|_| AtomicUsize::new(0)).collect(),
            needed_to: AtomicUsize::new(usize::MAX),
            quit: AtomicBool::new(false),
            interrupt: interrupt.clone(),
        };
        let (tasks, queue) = mpsc::channel::<Task>();
        let queue = Mutex::new(queue);
        let (done, arrived) = mpsc::channel::<(usize, Outcome)>();
        let merged = std::thread::scope(|scope| {
            for slot in 0..self.workers {
                let (queue, done, shared) = (&queue, done.clone(), &shared);
                scope.spawn(move || work(queue, &done, shared, slot));
            }
            drop(done);
            let mut parts = Parts {
                tasks: Some(tasks),
                current: None,
                started: 0,
                shared: &shared,
                merger: Merger::for_stream(&cutter, self.workers, self.settings),
                arrived,
                waiting: Vec::new(),
                budget: (self.workers as u64 + 1) * part_bytes.max(CHUNK_BYTES) as u64,
                most_ahead: 2 * self.workers,
                shown: Instant::now(),
                log,
            };
            parts.start(first);
            for chunk in held {
                parts.send(&chunk, 0..chunk.len());
            }
            parts.send(&chunk, 0..cut);
            parts.cut(self.job(&cutter));
            let read = self.stream(&mut parts, &mut reader, &mut cutter, chunk, cut);
            // Once the stream is read (or not needed), its last part ends.
            parts.current = None;
            let merged = read.and_then(|()| parts.merge_all(reader.bytes));
            if merged.is_err() {
                shared.quit.store(true, Ordering::Relaxed);
            }
            // The threads end once no more parts can come.
            parts.tasks = None;
            merged.map(|()| parts.merger)
        });
        log.clear_progress();
        let merger = merged?;
        if let Some(error) = merger.no_records() {
            return Err(failed(log, error));
        }
        let report = report_of_parts(merger, self.file_name, reader.bytes, started, log)
            .ok_or_else(|| Failure::Internal("the parts of the input did not merge".into()))?;
        Ok(Streamed::Report(Box::new(report)))
    }

    /// Cuts the stream from `chunk[from..]` on and hands the parts out,
    /// until it ends or a part fails.
    fn stream(
        &self,
        parts: &mut Parts<'_>,
        reader: &mut ChunkReader<'_>,
        cutter: &mut StreamCutter,
        mut chunk: Arc<Vec<u8>>,
        mut from: usize,
    ) -> Result<(), Failure> {
        loop {
            while let Some(end) = cutter.scan(&chunk[from..]) {
                parts.send(&chunk, from..from + end);
                parts.cut(self.job(cutter));
                from += end;
            }
            parts.send(&chunk, from..chunk.len());
            parts.pace(reader.bytes)?;
            if parts.failing() {
                // A part failed: its error (or an earlier part's) is the run's.
                return Ok(());
            }
            chunk = Arc::new(reader.next(&parts.shared.interrupt)?);
            if chunk.is_empty() {
                return Ok(());
            }
            from = 0;
        }
    }

    /// The job of the part the cutter started last.
    fn job(&self, cutter: &StreamCutter) -> PartJob {
        cutter.job(self.file_name, self.settings, self.options)
    }
}

/// The parts handed out, and their merge in order as they come in.
struct Parts<'a> {
    /// Where the threads take parts from (`None` once no more come).
    tasks: Option<Sender<Task>>,
    /// The part being handed its bytes.
    current: Option<Sender<Message>>,
    started: usize,
    shared: &'a Shared,
    merger: Merger,
    arrived: Receiver<(usize, Outcome)>,
    /// Parts read, not merged yet: a part is merged once those before it are.
    waiting: Vec<Option<Outcome>>,
    /// The most bytes sent and not read yet before the stream waits.
    budget: u64,
    /// Parts read ahead of the merge, most: a part read slowly holds the
    /// merge, and the parts after it wait there as read records.
    most_ahead: usize,
    shown: Instant,
    log: &'a Log,
}

impl Parts<'_> {
    /// Starts the next part, read with `job`.
    fn start(&mut self, job: PartJob) {
        let (pieces, receiver) = mpsc::channel();
        if let Some(tasks) = &self.tasks {
            // Without threads (they ended), the part is never read: the
            // merge waits for it and stops at the signal or the error.
            let _ = tasks.send(Task {
                index: self.started,
                job,
                pieces: receiver,
            });
        }
        self.current = Some(pieces);
        self.started += 1;
    }

    /// Hands the current part `chunk[range]`.
    fn send(&mut self, chunk: &Arc<Vec<u8>>, range: Range<usize>) {
        let Some(current) = &self.current else {
            return;
        };
        if range.is_empty() {
            return;
        }
        let len = range.len() as u64;
        self.shared.in_flight.fetch_add(len, Ordering::Relaxed);
        let piece = Piece {
            chunk: Arc::clone(chunk),
            range,
        };
        // A part given up no longer listens.
        if current.send(Message::Bytes(piece)).is_err() {
            self.shared.in_flight.fetch_sub(len, Ordering::Relaxed);
        }
    }

    /// Ends the current part at a cut and starts the next, read with `job`.
    fn cut(&mut self, job: PartJob) {
        if let Some(current) = self.current.take() {
            let _ = current.send(Message::Cut);
        }
        self.start(job);
    }

    /// Whether a part failed (the parts after it are not needed).
    fn failing(&self) -> bool {
        self.shared.needed_to.load(Ordering::Relaxed) != usize::MAX
    }

    /// Merges what came in, then waits while the parts hold more bytes
    /// not read than the budget (memory stays bounded), merging what
    /// comes meanwhile; says how far reading is.
    fn pace(&mut self, bytes: u64) -> Result<(), Failure> {
        self.collect(Duration::ZERO)?;
        while !self.failing() && self.holds_too_much() {
            self.shared.interrupt.check()?;
            self.collect(Duration::from_millis(10))?;
            self.show(bytes);
        }
        self.show(bytes);
        Ok(())
    }

    /// Whether reading on must wait: too many bytes sent and not read, or
    /// too many parts cut and not merged yet.
    fn holds_too_much(&self) -> bool {
        // Every part but the one being fed is cut, so the oldest of them
        // is read to its end and merged without more input: waiting for
        // it cannot stall the stream.
        let cut_not_merged = self.started.saturating_sub(1 + self.merger.merged());
        over_limits(
            self.shared.in_flight.load(Ordering::Relaxed),
            self.budget,
            cut_not_merged,
            self.most_ahead,
        )
    }

    /// Waits for every part started and merges it.
    fn merge_all(&mut self, bytes: u64) -> Result<(), Failure> {
        while self.merger.merged() < self.started {
            self.shared.interrupt.check()?;
            self.collect(Duration::from_millis(100))?;
            self.show(bytes);
        }
        Ok(())
    }

    /// Takes the parts read (waiting up to `wait` for one) and merges
    /// those whose turn it is.
    ///
    /// # Errors
    /// The first part's error, in stream order, once the parts before it
    /// are merged.
    fn collect(&mut self, wait: Duration) -> Result<(), Failure> {
        let first = if wait.is_zero() {
            self.arrived.try_recv().ok()
        } else {
            self.arrived.recv_timeout(wait).ok()
        };
        for (index, outcome) in first.into_iter().chain(self.arrived.try_iter()) {
            if self.waiting.len() <= index {
                self.waiting.resize_with(index + 1, || None);
            }
            self.waiting[index] = Some(outcome);
        }
        loop {
            let next = self.merger.merged();
            let Some(outcome) = self.waiting.get_mut(next).and_then(Option::take) else {
                return Ok(());
            };
            match outcome {
                Some(Ok(part)) => self.merger.add(part).map_err(|_| {
                    Failure::Internal(format!("part {next} of the input did not fit the others"))
                })?,
                Some(Err(error)) => return Err(failed(self.log, error)),
                None => {
                    self.shared.interrupt.check()?;
                    return Err(Failure::Internal(format!(
                        "part {next} of the input was not read (its thread stopped)"
                    )));
                }
            }
        }
    }

    /// Says how far reading is, five times a second.
    fn show(&mut self, bytes: u64) {
        if self.shown.elapsed().as_millis() < 200 {
            return;
        }
        self.shown = Instant::now();
        let reading: usize = self
            .shared
            .reading
            .iter()
            .map(|records| records.load(Ordering::Relaxed))
            .sum();
        let records = self.merger.records_read() + reading;
        self.log.progress(&progress(bytes, 0, records));
    }
}

/// A thread's work: the next part waiting, read and handed back, until
/// no more parts come.
fn work(
    queue: &Mutex<Receiver<Task>>,
    done: &Sender<(usize, Outcome)>,
    shared: &Shared,
    slot: usize,
) {
    loop {
        let task = match queue.lock() {
            Ok(queue) => queue.recv(),
            Err(_) => return,
        };
        let Ok(task) = task else {
            return;
        };
        // A reader that panics (a bug) fails the run: unanswered, its part
        // would be waited for for ever.
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
            read_part(&task, shared, &shared.reading[slot])
        }))
        .unwrap_or(None);
        shared.reading[slot].store(0, Ordering::Relaxed);
        if !matches!(outcome, Some(Ok(_))) {
            shared.needed_to.fetch_min(task.index, Ordering::Relaxed);
        }
        if done.send((task.index, outcome)).is_err() {
            return;
        }
    }
}

/// Reads one part as its bytes come; `None` when it was given up.
fn read_part(task: &Task, shared: &Shared, records: &AtomicUsize) -> Outcome {
    let mut reader = match task.job.start() {
        Ok(reader) => reader,
        Err(error) => return Some(Err(error)),
    };
    let mut cut = false;
    for message in &task.pieces {
        if shared.given_up(task.index) {
            return None;
        }
        match message {
            Message::Bytes(piece) => {
                let read = reader.push(&piece.chunk[piece.range.clone()]);
                let len = piece.range.len() as u64;
                shared.in_flight.fetch_sub(len, Ordering::Relaxed);
                if let Err(error) = read {
                    return Some(Err(error));
                }
                records.store(reader.records_read(), Ordering::Relaxed);
            }
            Message::Cut => cut = true,
        }
    }
    // The stream stopped being read (its end is not this part's).
    if shared.given_up(task.index) {
        return None;
    }
    Some(if cut {
        reader.finish()
    } else {
        reader.finish_at_end()
    })
}

/// Reads a stream in chunks of [`CHUNK_BYTES`] (a pipe gives less at a
/// time), counting the bytes.
struct ChunkReader<'a> {
    input: &'a mut dyn Read,
    path: &'a str,
    bytes: u64,
}

impl ChunkReader<'_> {
    /// The next chunk, full unless the stream ends in it; empty at its end.
    ///
    /// # Errors
    /// `file_not_readable` when nothing can be read at all (a folder),
    /// an I/O failure later; `cancelled` on a signal.
    fn next(&mut self, interrupt: &Interrupt) -> Result<Vec<u8>, Failure> {
        let mut chunk = vec![0; CHUNK_BYTES];
        let mut filled = 0;
        while filled < chunk.len() {
            interrupt.check()?;
            match self.input.read(&mut chunk[filled..]) {
                Ok(0) => break,
                Ok(read) => filled += read,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) if self.bytes == 0 && filled == 0 => {
                    return Err(Failure::Input {
                        code: "file_not_readable",
                        message: format!("{}: {error}", self.path),
                    })
                }
                Err(error) => return Err(Failure::io(self.path, &error)),
            }
        }
        chunk.truncate(filled);
        self.bytes += filled as u64;
        Ok(chunk)
    }
}

/// Whether a stream read in parts holds more than it may: `in_flight`
/// bytes sent and not read against the `budget`, `cut_not_merged` parts
/// against `most_ahead`.
fn over_limits(in_flight: u64, budget: u64, cut_not_merged: usize, most_ahead: usize) -> bool {
    in_flight >= budget || cut_not_merged > most_ahead
}

#[cfg(test)]
mod tests {
    use super::over_limits;

    #[test]
    fn reading_waits_past_either_limit_and_only_then() {
        // (in flight, budget, cut and not merged, most ahead) -> wait
        let cases = [
            ((0, 100, 0, 4), false),
            ((99, 100, 4, 4), false),
            ((100, 100, 0, 4), true),
            ((0, 100, 5, 4), true),
            ((100, 100, 5, 4), true),
        ];
        for ((in_flight, budget, cut, most), wait) in cases {
            assert_eq!(
                over_limits(in_flight, budget, cut, most),
                wait,
                "{in_flight} of {budget} bytes, {cut} of {most} parts"
            );
        }
    }
}
