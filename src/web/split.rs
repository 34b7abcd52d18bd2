//! An upload read by several workers at once ([`crate::split`]): the worker
//! that runs the upload plans the cut ([`SplitUpload`]), hands each part
//! but its own to another worker as a job and a slice of the file, reads
//! its own part, and merges; each other worker reads its part with a
//! [`PartSession`] and hands back the part's bytes.

use wasm_bindgen::prelude::*;

use crate::common::clock::{millis_since, Clock};
use crate::common::dates::parse_timestamp;
use crate::settings::RunSettings;
use crate::source::reader::ReadOptions;
use crate::split::{FirstPart, Merger, PartJob, PartReader, Plan, Planner};
use crate::stream::UploadEventKind;

use super::errors::CodedError;
use super::{send, upload_settings, BrowserClock, RunOutput};

/// One part of an upload, read in another worker: the job's bytes (from
/// [`SplitUpload::job`]) and then the part's bytes in chunks.
#[wasm_bindgen]
pub struct PartSession {
    reader: Option<PartReader>,
}

#[wasm_bindgen]
impl PartSession {
    /// Starts reading a part.
    ///
    /// # Errors
    /// A coded JavaScript `Error`: `internal` when `job` is not a job's
    /// bytes, or the file's problem when the bytes before the part cannot
    /// be read.
    #[wasm_bindgen(constructor)]
    pub fn new(job: &[u8]) -> Result<PartSession, JsValue> {
        let job = PartJob::from_bytes(job).map_err(CodedError::internal)?;
        let reader = job.start().map_err(CodedError::from)?;
        Ok(PartSession {
            reader: Some(reader),
        })
    }

    /// Takes the next chunk of the part.
    ///
    /// # Errors
    /// A coded JavaScript `Error` when the part cannot be read (the upload
    /// is then read in one piece, which names the error's place).
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), JsValue> {
        let reader = self.reader.as_mut().ok_or_else(finished)?;
        Ok(reader.push(chunk).map_err(CodedError::from)?)
    }

    /// Records read so far.
    #[wasm_bindgen(getter, js_name = recordsRead)]
    pub fn records_read(&self) -> usize {
        self.reader.as_ref().map_or(0, PartReader::records_read)
    }

    /// Ends the part: its records, assessed, as bytes for
    /// [`SplitUpload::add_part`] (a buffer of its own, to transfer).
    ///
    /// # Errors
    /// As [`PartSession::push`].
    pub fn finish(&mut self) -> Result<Vec<u8>, JsValue> {
        let reader = self.reader.take().ok_or_else(finished)?;
        Ok(reader.finish().map_err(CodedError::from)?.to_bytes())
    }
}

fn finished() -> JsValue {
    CodedError::internal("this part is already finished").into()
}

/// An upload read in parts: the plan, then the parts as they come (each
/// merged as soon as the parts before it are in), then the report, which
/// is the one-piece report byte for byte (but for
/// `metadata.source.workers`).
///
/// ```js
/// const split = new SplitUpload(file.name, file.size, seed, asOf, onEvent, optionsJson);
/// for (let want = split.wants(); want; want = split.wants()) {
///   split.give(new Uint8Array(await file.slice(want[0], want[0] + want[1]).arrayBuffer()));
/// }
/// if (split.plan() < 2) return readInOnePiece(); // an UploadSession
/// // part k: split.job(k) and file.slice(...split.bounds(k)) to a worker, whose
/// // PartSession's bytes come back to split.addPart(k, bytes); part 0 here,
/// // straight into the merge: split.startFirst(), split.pushFirst(chunk)…, split.finishFirst().
/// const output = split.finish(new Date().toISOString()); // undefined: read in one piece
/// ```
#[wasm_bindgen]
pub struct SplitUpload {
    planner: Option<Planner>,
    plan: Option<Plan>,
    merger: Option<Merger>,
    /// Parts in before the parts before them.
    waiting: Vec<Option<Vec<u8>>>,
    /// The first part, being read here straight into the merge.
    first: Option<FirstPart>,
    /// A part could not be merged: the file is read in one piece.
    refused: bool,
    file_name: String,
    settings: RunSettings,
    options: ReadOptions,
    bytes: u64,
    on_event: js_sys::Function,
    started: chrono::DateTime<chrono::Utc>,
}

#[wasm_bindgen]
impl SplitUpload {
    /// An upload of `file_name` (`size` bytes, as `File.size` says) with
    /// a decimal seed, a `YYYY-MM-DD` reference date and the read options
    /// (`{map?, separator?, file_name?, simulate?, workers?}`); `on_event`
    /// receives the run log's events as JSON text. Cut into at most
    /// `workers` parts.
    ///
    /// # Errors
    /// A coded JavaScript `Error` (`invalid_setting`, with `field`).
    #[wasm_bindgen(constructor)]
    pub fn new(
        file_name: &str,
        size: f64,
        seed: &str,
        as_of: &str,
        on_event: js_sys::Function,
        options_json: Option<String>,
    ) -> Result<SplitUpload, JsValue> {
        let now = BrowserClock.now();
        let (settings, form, options) = upload_settings(seed, as_of, options_json.as_deref(), now)?;
        let workers = form.workers().map_err(CodedError::from)?.unwrap_or(1);
        // A size this module cannot index (or NaN) is read in one piece.
        let (bytes, parts) = match usize::try_from(size as u64) {
            Ok(len) if size.is_finite() && size >= 0.0 => (len, workers),
            _ => (0, 1),
        };
        Ok(SplitUpload {
            planner: Some(Planner::for_upload(file_name, bytes, &options, parts)),
            plan: None,
            merger: None,
            waiting: Vec::new(),
            first: None,
            refused: false,
            file_name: file_name.to_owned(),
            settings,
            options,
            bytes: bytes as u64,
            on_event,
            started: now,
        })
    }

    fn log(&self, kind: UploadEventKind) {
        send(&self.on_event, &kind.at(BrowserClock.now()));
    }

    /// The bytes of the file the plan needs next, `[start, length]`, or
    /// `undefined` when it has them all.
    pub fn wants(&self) -> Option<Vec<f64>> {
        let (start, len) = self.planner.as_ref()?.wants()?;
        Some(vec![start as f64, len as f64])
    }

    /// Takes the bytes [`SplitUpload::wants`] asked for.
    pub fn give(&mut self, bytes: &[u8]) {
        if let Some(planner) = &mut self.planner {
            planner.give(bytes);
        }
    }

    /// Ends the planning and returns the number of parts; from 2 on, the
    /// run log says the upload started, in that many parts.
    pub fn plan(&mut self) -> usize {
        if let Some(planner) = self.planner.take() {
            let plan = planner.plan();
            self.waiting = (0..plan.len()).map(|_| None).collect();
            self.merger = Some(Merger::new(&plan, &self.settings));
            self.plan = Some(plan);
        }
        let parts = self.waiting.len();
        if parts >= 2 {
            self.started = BrowserClock.now();
            self.log(UploadEventKind::UploadStarted {
                file_name: self.file_name.clone(),
                bytes: self.bytes,
                workers: parts,
            });
        }
        parts
    }

    fn planned(&self, index: usize) -> Result<&Plan, JsValue> {
        match &self.plan {
            Some(plan) if index < plan.len() => Ok(plan),
            _ => Err(CodedError::internal(format!("there is no part {index}")).into()),
        }
    }

    /// The job of part `index`, as bytes for a [`PartSession`].
    ///
    /// # Errors
    /// A coded JavaScript `Error` (`internal`) when there is no such part.
    pub fn job(&self, index: usize) -> Result<Vec<u8>, JsValue> {
        let plan = self.planned(index)?;
        Ok(plan
            .job(index, &self.file_name, &self.settings, &self.options)
            .to_bytes())
    }

    /// Where part `index` is in the file, `[start, end]` (for `File.slice`).
    ///
    /// # Errors
    /// A coded JavaScript `Error` (`internal`) when there is no such part.
    pub fn bounds(&self, index: usize) -> Result<Vec<f64>, JsValue> {
        let bounds = self.planned(index)?.bounds(index);
        Ok(vec![bounds.start as f64, bounds.end as f64])
    }

    /// Takes part `index` as read by another worker ([`PartSession::finish`]).
    ///
    /// # Errors
    /// A coded JavaScript `Error` (`internal`) when the bytes are not a
    /// part or there is no such part.
    #[wasm_bindgen(js_name = addPart)]
    pub fn add_part(&mut self, index: usize, bytes: Vec<u8>) -> Result<(), JsValue> {
        self.planned(index)?;
        self.waiting[index] = Some(bytes);
        self.merge_ready();
        Ok(())
    }

    /// Merges the parts whose parts before them are merged.
    fn merge_ready(&mut self) {
        let Some(merger) = &mut self.merger else {
            return;
        };
        while let Some(slot) = self.waiting.get_mut(merger.merged()) {
            let Some(bytes) = slot.take() else {
                return;
            };
            if merger.add_bytes(&bytes).is_err() {
                self.refused = true;
                return;
            }
        }
    }

    /// Starts reading part 0 here, straight into the merge (no copy of its
    /// records, no second pass over them): its chunks go to
    /// [`SplitUpload::push_first`], its end to [`SplitUpload::finish_first`].
    /// The parts that arrive meanwhile wait until it is merged.
    ///
    /// # Errors
    /// A coded JavaScript `Error`: the file's problem when the bytes before
    /// the part cannot be read, `internal` when there is no plan.
    #[wasm_bindgen(js_name = startFirst)]
    pub fn start_first(&mut self) -> Result<(), JsValue> {
        let job = self
            .planned(0)?
            .job(0, &self.file_name, &self.settings, &self.options);
        let merger = self.merger.as_mut().ok_or_else(finished)?;
        self.first = Some(merger.start_first(&job).map_err(CodedError::from)?);
        Ok(())
    }

    /// Takes the next chunk of part 0.
    ///
    /// # Errors
    /// A coded JavaScript `Error` when the part cannot be read (the upload
    /// is then read in one piece, which names the error's place).
    #[wasm_bindgen(js_name = pushFirst)]
    pub fn push_first(&mut self, chunk: &[u8]) -> Result<(), JsValue> {
        let (Some(merger), Some(first)) = (self.merger.as_mut(), self.first.as_mut()) else {
            return Err(finished());
        };
        Ok(merger.push_first(first, chunk).map_err(CodedError::from)?)
    }

    /// Records of part 0 read so far.
    #[wasm_bindgen(getter, js_name = firstRecordsRead)]
    pub fn first_records_read(&self) -> usize {
        match (&self.merger, &self.first) {
            (Some(merger), Some(_)) => merger.records_read(),
            _ => 0,
        }
    }

    /// Ends part 0, then merges the parts that were waiting for it.
    ///
    /// # Errors
    /// As [`SplitUpload::push_first`].
    #[wasm_bindgen(js_name = finishFirst)]
    pub fn finish_first(&mut self) -> Result<(), JsValue> {
        let (Some(merger), Some(first)) = (self.merger.as_mut(), self.first.take()) else {
            return Err(finished());
        };
        merger.finish_first(first).map_err(CodedError::from)?;
        self.merge_ready();
        Ok(())
    }

    /// The run log's word that the parts could not be used and the file is
    /// read in one piece.
    #[wasm_bindgen(js_name = readWhole)]
    pub fn read_whole(&self) {
        self.log(UploadEventKind::ReadInOnePiece);
    }

    /// The report, stamped with `export_timestamp` (RFC 3339), once every
    /// part is in; `undefined` when they do not make up the file (then read
    /// it in one piece, see [`SplitUpload::read_whole`]).
    ///
    /// # Errors
    /// A coded JavaScript `Error` (`internal`) when the timestamp cannot be
    /// read.
    pub fn finish(&mut self, export_timestamp: &str) -> Result<Option<RunOutput>, JsValue> {
        let at = parse_timestamp(export_timestamp).ok_or_else(|| {
            CodedError::internal(format!("bad export timestamp '{export_timestamp}'"))
        })?;
        let Some(merger) = self.merger.take() else {
            return Ok(None);
        };
        if self.refused {
            return Ok(None);
        }
        let records = merger.records_read();
        let read_at = BrowserClock.now();
        let Ok(report) = merger.finish(&self.file_name, at) else {
            return Ok(None);
        };
        self.log(UploadEventKind::UploadRead {
            bytes: self.bytes,
            records,
            read_ms: u64::try_from((read_at - self.started).num_milliseconds()).unwrap_or(0),
        });
        self.log(UploadEventKind::report_built(
            &report.metadata,
            millis_since(&BrowserClock, read_at),
        ));
        Ok(Some(RunOutput::new(report)?))
    }
}
