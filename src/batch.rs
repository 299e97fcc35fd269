//! Batch conversion of a folder tree: every input file becomes a JSON record, in parallel,
//! resumably, and without ever leaving half-written output.
//!
//! Layout of the output folder `OUT`:
//!
//! * `records/<relative path>.json` — one record per input file, the input tree mirrored;
//! * `documents.jsonl` — every record, one per line, sorted by relative path;
//! * `errors.jsonl` — `{"path": .., "error": ..}` for every file that failed, sorted by path;
//! * `summary.json` — counts, syllables, mean confidence and time of the run;
//! * `manifest.json` — per file: SHA-256 of its content, the processor's model version, outcome.
//!
//! **Resuming.** A file whose content hash and model version match its manifest entry (and whose
//! record file is intact) is skipped; anything else is processed again. The manifest is saved
//! every half second while the run goes on, so a killed run loses at most that much work. Every
//! output is written to a temporary file and renamed into place; temporaries left by a killed run
//! are removed at the start of the next one. `documents.jsonl`, `errors.jsonl` and the SQLite rows
//! are rebuilt from the records at the end of every run, so after an interrupted run the next run
//! gives byte-identical outputs to an uninterrupted one (`summary.json` differs only in its timing
//! and skip counts). Input files are only ever read.
//!
//! **Bad input** (unreadable, too large, binary, NUL bytes, invalid UTF-8, empty, a processor
//! error or panic) is recorded against its file and the batch carries on.
//!
//! **Readers.** Which files are read and how is decided by [`Reader`]s: the default
//! [`TextReader`] takes `.txt`; [`OcrFormatReader`] (hOCR, ALTO, PAGE-XML) and [`ScanReader`]
//! (images and PDF through Tesseract) are added to [`BatchOptions::readers`], or all at once
//! with [`all_readers`].

use crate::error::{Error, Result};
use crate::io::{decode_text, write_atomic, MAX_INPUT_BYTES};
use crate::ocr::OcrOptions;
use crate::pipeline::read_input;
use crate::processor::{process_caught, reason_of, Processor};
use crate::store::Store;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Turns the bytes of one input file into text. The batch asks each reader in turn whether it
/// [accepts](Reader::accepts) a path; the first that does reads it.
pub trait Reader: Send + Sync {
    /// Whether this reader handles `path` (usually by extension).
    fn accepts(&self, path: &Path) -> bool;
    /// The text of the file. `name` is the path relative to the batch input, for errors.
    ///
    /// # Errors
    /// [`Error::Input`] (or another error) when the bytes are not a readable document.
    fn read(&self, name: &str, bytes: &[u8]) -> Result<String>;
}

/// Plain-text reader for `.txt`: UTF-8, UTF-8 with BOM, UTF-16 with BOM (see
/// [`crate::decode_text`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct TextReader;

impl Reader for TextReader {
    fn accepts(&self, path: &Path) -> bool {
        path.extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("txt"))
    }

    fn read(&self, name: &str, bytes: &[u8]) -> Result<String> {
        decode_text(bytes, name)
    }
}

/// Reader for the archival OCR formats: `.xml`, `.hocr`, `.html`, `.xhtml`. The content decides
/// (hOCR, ALTO or PAGE-XML, see [`crate::formats::detect`]); anything else is an error for that
/// file. The record is made from the document's text view, one line per OCR line.
#[derive(Debug, Clone, Copy, Default)]
pub struct OcrFormatReader;

impl Reader for OcrFormatReader {
    fn accepts(&self, path: &Path) -> bool {
        has_extension(path, &["xml", "hocr", "html", "htm", "xhtml"])
    }

    fn read(&self, name: &str, bytes: &[u8]) -> Result<String> {
        // No Tesseract options needed: an image under an XML name is still read by content.
        Ok(read_input(bytes, name, &OcrOptions::default())?.text())
    }
}

/// Reader for scans: `.png`, `.jpg`, `.jpeg`, `.tif`, `.tiff`, `.pdf`, read with Tesseract
/// (see [`crate::ocr`]). Without Tesseract or its `vie` model every such file fails with the
/// install command, and the batch goes on.
#[derive(Debug, Clone, Default)]
pub struct ScanReader {
    /// How Tesseract is run.
    pub ocr: OcrOptions,
}

impl Reader for ScanReader {
    fn accepts(&self, path: &Path) -> bool {
        has_extension(path, &["png", "jpg", "jpeg", "tif", "tiff", "pdf"])
    }

    fn read(&self, name: &str, bytes: &[u8]) -> Result<String> {
        Ok(read_input(bytes, name, &self.ocr)?.text())
    }
}

/// Every reader: text, the OCR formats and scans read with `ocr`.
#[must_use]
pub fn all_readers(ocr: OcrOptions) -> Vec<Arc<dyn Reader>> {
    vec![
        Arc::new(TextReader),
        Arc::new(OcrFormatReader),
        Arc::new(ScanReader { ocr }),
    ]
}

fn has_extension(path: &Path, list: &[&str]) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| list.iter().any(|x| e.eq_ignore_ascii_case(x)))
}

/// Settings of a batch run. Start from [`BatchOptions::new`] and set fields.
#[non_exhaustive]
pub struct BatchOptions {
    /// The output folder (created if missing).
    pub out: PathBuf,
    /// Also write the records into this SQLite database.
    pub sqlite: Option<PathBuf>,
    /// Worker threads; 0 means one per core.
    pub jobs: usize,
    /// Only files whose relative path matches one of these globs (default: every file a reader
    /// accepts). A matched file that no reader accepts is reported as an error.
    pub include: Vec<String>,
    /// Leave out files whose relative path matches one of these globs.
    pub exclude: Vec<String>,
    /// No progress bar (it is also hidden when standard error is not a terminal).
    pub quiet: bool,
    /// Files larger than this are rejected without being read, which bounds memory. Default
    /// [`MAX_INPUT_BYTES`] (64 MiB).
    pub max_bytes: u64,
    /// The readers, asked in order. Default: [`TextReader`].
    pub readers: Vec<Arc<dyn Reader>>,
    /// Set to stop the run early (Ctrl-C handling, tests): workers take no new file, the manifest
    /// is saved, and the final outputs are not rebuilt.
    pub cancel: Option<Arc<AtomicBool>>,
}

impl BatchOptions {
    /// Defaults, writing to `out`.
    #[must_use]
    pub fn new(out: impl Into<PathBuf>) -> Self {
        BatchOptions {
            out: out.into(),
            sqlite: None,
            jobs: 0,
            include: Vec::new(),
            exclude: Vec::new(),
            quiet: false,
            max_bytes: MAX_INPUT_BYTES as u64,
            readers: vec![Arc::new(TextReader)],
            cancel: None,
        }
    }
}

impl std::fmt::Debug for BatchOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchOptions")
            .field("out", &self.out)
            .field("sqlite", &self.sqlite)
            .field("jobs", &self.jobs)
            .field("include", &self.include)
            .field("exclude", &self.exclude)
            .field("quiet", &self.quiet)
            .field("max_bytes", &self.max_bytes)
            .field("readers", &self.readers.len())
            .finish()
    }
}

/// What a batch run did; also written to `summary.json`.
#[must_use]
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BatchReport {
    /// Input files considered.
    pub files: usize,
    /// Files with a record (in `documents.jsonl`).
    pub ok: usize,
    /// Files that failed (in `errors.jsonl`).
    pub failed: usize,
    /// Files whose earlier outcome was reused (content and model unchanged).
    pub skipped: usize,
    /// Files processed in this run.
    pub processed: usize,
    /// Syllables (word tokens) over all records, from their `stats.syllables`.
    pub syllables: u64,
    /// Mean confidence over all records, weighted by syllables; `None` without statistics.
    pub mean_confidence: Option<f64>,
    /// Wall-clock time of the run.
    pub seconds: f64,
    /// The run was cancelled before it finished; only the manifest and records were written.
    pub interrupted: bool,
}

impl BatchReport {
    /// Process exit code for the CLI: 0 when every file gave a record, 1 when some failed or the
    /// run was interrupted.
    #[must_use]
    pub fn exit_code(&self) -> u8 {
        u8::from(self.failed > 0 || self.interrupted)
    }
}

/// One file's entry in the manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Entry {
    /// SHA-256 of the content (hex), `size:N` for a file refused by size, empty when it could not
    /// be read (never matches, so it is retried).
    hash: String,
    model: String,
    /// SHA-256 of the record file, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    record: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(default)]
    syllables: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    confidence: Option<f64>,
}

impl Entry {
    fn content_key(&self) -> String {
        format!("{}|{}", self.hash, self.model)
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Manifest {
    version: u32,
    files: BTreeMap<String, Entry>,
}

const MANIFEST_VERSION: u32 = 1;

/// An input file found by the walk.
struct Input {
    rel: String,
    path: PathBuf,
    /// Index of the reader, or an error found while walking.
    reader: std::result::Result<usize, String>,
}

fn sha256_hex(bytes: &[u8]) -> String {
    let d = Sha256::digest(bytes);
    let mut s = String::with_capacity(64);
    for b in d.iter() {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

fn globs(list: &[String]) -> Result<Option<globset::GlobSet>> {
    if list.is_empty() {
        return Ok(None);
    }
    let mut b = globset::GlobSetBuilder::new();
    for g in list {
        let glob = globset::GlobBuilder::new(g)
            .literal_separator(false)
            .build()
            .map_err(|e| Error::Config(format!("glob {g:?}: {e}")))?;
        b.add(glob);
    }
    b.build()
        .map(Some)
        .map_err(|e| Error::Config(format!("globs: {e}")))
}

/// The path of `p` relative to `base`, with `/` separators.
fn relative(p: &Path, base: &Path) -> String {
    let r = p.strip_prefix(base).unwrap_or(p);
    r.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn walk(input: &Path, out: &Path, opts: &BatchOptions) -> Result<Vec<Input>> {
    let include = globs(&opts.include)?;
    let exclude = globs(&opts.exclude)?;
    let mut found = Vec::new();
    let walker = walkdir::WalkDir::new(input)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.path() != out);
    for e in walker {
        let e = match e {
            Ok(e) => e,
            Err(err) => {
                let path = err.path().unwrap_or(input).to_path_buf();
                found.push(Input {
                    rel: relative(&path, input),
                    path,
                    reader: Err(format!("cannot read: {err}")),
                });
                continue;
            }
        };
        if !e.file_type().is_file() {
            continue;
        }
        let rel = relative(e.path(), input);
        if exclude.as_ref().is_some_and(|g| g.is_match(&rel)) {
            continue;
        }
        let reader = opts.readers.iter().position(|r| r.accepts(e.path()));
        let reader = match (&include, reader) {
            (Some(g), _) if !g.is_match(&rel) => continue,
            (_, Some(i)) => Ok(i),
            (None, None) => continue,
            (Some(_), None) => Err("no reader for this file type".to_string()),
        };
        found.push(Input {
            rel,
            path: e.path().to_path_buf(),
            reader,
        });
    }
    found.sort_by(|a, b| a.rel.cmp(&b.rel));
    found.dedup_by(|a, b| a.rel == b.rel);
    Ok(found)
}

/// Remove temporaries (`.NAME.PID.tmp`) that a killed run left in `dir`.
fn remove_temporaries(dir: &Path) {
    for e in walkdir::WalkDir::new(dir).into_iter().flatten() {
        let name = e.file_name().to_string_lossy();
        if e.file_type().is_file() && name.starts_with('.') && name.ends_with(".tmp") {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

fn record_path(out: &Path, rel: &str) -> PathBuf {
    let mut p = out.join("records");
    for part in rel.split('/') {
        p.push(part);
    }
    let mut s = p.into_os_string();
    s.push(".json");
    PathBuf::from(s)
}

fn failed(hash: String, model: &str, reason: String) -> Entry {
    Entry {
        hash,
        model: model.to_string(),
        record: None,
        error: Some(reason),
        syllables: 0,
        confidence: None,
    }
}

/// The outcome of one file: its new manifest entry and whether it was reused.
struct Outcome {
    rel: String,
    entry: Entry,
    skipped: bool,
}

fn process_file(
    f: &Input,
    old: Option<&Entry>,
    out: &Path,
    model: &str,
    opts: &BatchOptions,
    processor: &dyn Processor,
) -> (Entry, bool) {
    let reader = match &f.reader {
        Ok(i) => match opts.readers.get(*i) {
            Some(r) => r,
            None => return (failed(String::new(), model, "no reader".into()), false),
        },
        Err(reason) => return (failed(String::new(), model, reason.clone()), false),
    };
    let size = match std::fs::metadata(&f.path) {
        Ok(m) => m.len(),
        Err(e) => {
            return (
                failed(String::new(), model, format!("cannot read: {e}")),
                false,
            )
        }
    };
    if size > opts.max_bytes {
        return (
            failed(
                format!("size:{size}"),
                model,
                format!("too large ({size} bytes; the limit is {})", opts.max_bytes),
            ),
            false,
        );
    }
    let bytes = match std::fs::read(&f.path) {
        Ok(b) => b,
        Err(e) => {
            return (
                failed(String::new(), model, format!("cannot read: {e}")),
                false,
            )
        }
    };
    let hash = sha256_hex(&bytes);
    let rec_path = record_path(out, &f.rel);
    if let Some(old) = old {
        if old.hash == hash && old.model == model {
            match &old.record {
                None => return (old.clone(), true),
                Some(want) => {
                    if std::fs::read(&rec_path).is_ok_and(|b| &sha256_hex(&b) == want) {
                        return (old.clone(), true);
                    }
                }
            }
        }
    }
    let text = match reader.read(&f.rel, &bytes) {
        Ok(t) => t,
        Err(e) => return (failed(hash, model, reason_of(&e)), false),
    };
    drop(bytes);
    let record = match process_caught(processor, &f.rel, &text) {
        Ok(r) => r,
        Err(e) => return (failed(hash, model, reason_of(&e)), false),
    };
    let mut json = match serde_json::to_vec_pretty(&record) {
        Ok(j) => j,
        Err(e) => {
            return (
                failed(hash, model, format!("record not serialisable: {e}")),
                false,
            )
        }
    };
    json.push(b'\n');
    if let Err(e) = write_replace(&rec_path, &json) {
        // Not cached: a full disk is not a property of the file.
        return (
            failed(String::new(), model, format!("cannot write record: {e}")),
            false,
        );
    }
    let stats = record.get("stats");
    let entry = Entry {
        hash,
        model: model.to_string(),
        record: Some(sha256_hex(&json)),
        error: None,
        syllables: stats
            .and_then(|s| s.get("syllables"))
            .and_then(Value::as_u64)
            .unwrap_or(0),
        confidence: stats
            .and_then(|s| s.get("mean_confidence"))
            .and_then(Value::as_f64),
    };
    (entry, false)
}

/// Write a record through a temporary and a rename, like [`write_atomic`] but without the fsync:
/// a killed process never leaves half a record (the rename is atomic), and after a power loss a
/// record that did not reach the disk fails its SHA-256 check against the manifest (which is
/// synced) and is redone. That saves one disk flush per file, a few milliseconds each.
fn write_replace(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("out");
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let res = std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = res {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(path, e));
    }
    Ok(())
}

fn load_manifest(path: &Path) -> Manifest {
    std::fs::read(path)
        .ok()
        .and_then(|b| serde_json::from_slice::<Manifest>(&b).ok())
        .filter(|m| m.version == MANIFEST_VERSION)
        .unwrap_or_default()
}

fn save_manifest(path: &Path, files: &BTreeMap<String, Entry>) -> Result<()> {
    #[derive(Serialize)]
    struct M<'a> {
        version: u32,
        files: &'a BTreeMap<String, Entry>,
    }
    let mut b = serde_json::to_vec_pretty(&M {
        version: MANIFEST_VERSION,
        files,
    })
    .map_err(|e| Error::Config(e.to_string()))?;
    b.push(b'\n');
    write_atomic(path, &b)
}

/// A file written through a temporary and renamed into place on [`Atomic::commit`], for outputs
/// too large to build in memory (`documents.jsonl`).
struct Atomic {
    tmp: PathBuf,
    path: PathBuf,
    w: std::io::BufWriter<std::fs::File>,
}

impl Atomic {
    fn create(path: &Path) -> Result<Atomic> {
        let dir = path.parent().unwrap_or(Path::new("."));
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("out");
        let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        let f = std::fs::File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
        Ok(Atomic {
            tmp,
            path: path.to_path_buf(),
            w: std::io::BufWriter::new(f),
        })
    }

    fn line(&mut self, bytes: &[u8]) -> Result<()> {
        self.w
            .write_all(bytes)
            .and_then(|()| self.w.write_all(b"\n"))
            .map_err(|e| Error::io(&self.tmp, e))
    }

    fn commit(self) -> Result<()> {
        let Atomic { tmp, path, w } = self;
        let f = w
            .into_inner()
            .map_err(|e| Error::io(&tmp, e.into_error()))?;
        f.sync_all().map_err(|e| Error::io(&tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))
    }
}

fn read_record(out: &Path, rel: &str) -> Result<Value> {
    let p = record_path(out, rel);
    let b = std::fs::read(&p).map_err(|e| Error::io(&p, e))?;
    serde_json::from_slice(&b).map_err(|e| Error::Input {
        path: p.display().to_string(),
        reason: format!("damaged record: {e}"),
    })
}

/// A record file as one line of JSON. It is checked to be JSON without building its tree (a long
/// text's record holds a change a word: its tree took several times the file's size), then the
/// white space between its tokens is dropped.
fn record_line(out: &Path, rel: &str) -> Result<Vec<u8>> {
    let p = record_path(out, rel);
    let mut b = std::fs::read(&p).map_err(|e| Error::io(&p, e))?;
    serde_json::from_slice::<serde::de::IgnoredAny>(&b).map_err(|e| Error::Input {
        path: p.display().to_string(),
        reason: format!("damaged record: {e}"),
    })?;
    compact_json(&mut b);
    Ok(b)
}

/// Drop the white space outside the strings of valid JSON, in place (inside a string, JSON
/// escapes every control character, so a raw space there is the string's own and is kept).
fn compact_json(json: &mut Vec<u8>) {
    let (mut in_string, mut escaped) = (false, false);
    let mut w = 0;
    for r in 0..json.len() {
        let c = json[r];
        if in_string {
            if escaped {
                escaped = false;
            } else if c == b'\\' {
                escaped = true;
            } else if c == b'"' {
                in_string = false;
            }
        } else if c == b'"' {
            in_string = true;
        } else if matches!(c, b' ' | b'\n' | b'\r' | b'\t') {
            continue;
        }
        json[w] = c;
        w += 1;
    }
    json.truncate(w);
}

/// Records the listing holds at a time: enough to keep every thread busy, few enough that their
/// bytes (each read whole and compacted in place) stay small beside the models (256 held 30 MB
/// more at the peak of a rerun of 1,000 notices).
const LISTING_CHUNK: usize = 64;

/// Rebuild `documents.jsonl` and `errors.jsonl` from the manifest and the record files. The
/// records are read and compacted in parallel, a chunk at a time, and written in path order: a
/// serial pass over every record at the end would cap what a second thread can gain.
fn write_listings(out: &Path, files: &BTreeMap<String, Entry>) -> Result<()> {
    use rayon::prelude::*;
    let mut docs = Atomic::create(&out.join("documents.jsonl"))?;
    let mut errs = Atomic::create(&out.join("errors.jsonl"))?;
    let all: Vec<(&String, &Entry)> = files.iter().collect();
    for chunk in all.chunks(LISTING_CHUNK) {
        let lines: Vec<Result<(bool, Vec<u8>)>> = chunk
            .par_iter()
            .map(|(rel, e)| match &e.error {
                None => Ok((true, record_line(out, rel)?)),
                Some(reason) => {
                    let line =
                        serde_json::to_vec(&serde_json::json!({"path": rel, "error": reason}))
                            .map_err(|e| Error::Config(e.to_string()))?;
                    Ok((false, line))
                }
            })
            .collect();
        for l in lines {
            match l? {
                (true, line) => docs.line(&line)?,
                (false, line) => errs.line(&line)?,
            }
        }
    }
    docs.commit()?;
    errs.commit()
}

/// Bring the database up to date with the records: documents whose stored key differs are
/// written again, in groups of 64 per transaction.
fn sync_store(db: &Path, out: &Path, files: &BTreeMap<String, Entry>) -> Result<()> {
    let mut store = Store::open(db)?;
    let mut group: Vec<(String, String, Value)> = Vec::new();
    let flush = |store: &mut Store, group: &mut Vec<(String, String, Value)>| -> Result<()> {
        store.upsert_many(group.iter().map(|(s, k, v)| (s.as_str(), k.as_str(), v)))?;
        group.clear();
        Ok(())
    };
    for (rel, e) in files.iter().filter(|(_, e)| e.error.is_none()) {
        let key = e.content_key();
        if store.content_key(rel)?.as_deref() == Some(key.as_str()) {
            continue;
        }
        group.push((rel.clone(), key, read_record(out, rel)?));
        if group.len() >= 64 {
            flush(&mut store, &mut group)?;
        }
    }
    flush(&mut store, &mut group)
}

fn progress(total: usize, quiet: bool) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    let pb = indicatif::ProgressBar::new(total as u64);
    if quiet || !std::io::stderr().is_terminal() {
        pb.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    } else if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bar:30} {pos}/{len} files  {per_sec}  ETA {eta}  {msg}",
    ) {
        pb.set_style(style);
    }
    pb
}

/// Convert every input file under `input` into a record with `processor`; see the module doc for
/// the outputs.
///
/// # Errors
/// Only for the run as a whole: the input is not a folder, a glob is invalid, the output folder
/// or database cannot be written. Failures of single files are counted in the report and listed
/// in `errors.jsonl`.
pub fn run(input: &Path, opts: &BatchOptions, processor: &dyn Processor) -> Result<BatchReport> {
    let start = Instant::now();
    if !input.is_dir() {
        return Err(Error::Config(format!("{}: not a folder", input.display())));
    }
    let out = opts.out.as_path();
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let input = input.canonicalize().map_err(|e| Error::io(input, e))?;
    let out = out.canonicalize().map_err(|e| Error::io(out, e))?;
    if input.starts_with(&out) {
        return Err(Error::Config(
            "the input folder is inside the output folder".into(),
        ));
    }
    remove_temporaries(&out);
    let files = walk(&input, &out, opts)?;
    let manifest_path = out.join("manifest.json");
    let old = load_manifest(&manifest_path).files;
    let model = processor.model_version();

    // Entries of files still present; updated as outcomes arrive, saved periodically.
    let mut current: BTreeMap<String, Entry> = files
        .iter()
        .filter_map(|f| old.get(&f.rel).map(|e| (f.rel.clone(), e.clone())))
        .collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs)
        .build()
        .map_err(|e| Error::Config(format!("thread pool: {e}")))?;
    let pb = progress(files.len(), opts.quiet);
    let cancelled = || {
        opts.cancel
            .as_ref()
            .is_some_and(|c| c.load(Ordering::Relaxed))
    };
    let (tx, rx) = std::sync::mpsc::channel::<Outcome>();
    let (mut skipped, mut processed, mut failures) = (0usize, 0usize, 0usize);
    let mut save_result = Ok(());
    std::thread::scope(|s| {
        let pool = &pool;
        let files = &files;
        let old = &old;
        let out = out.as_path();
        let model = model.as_str();
        s.spawn(move || {
            pool.install(|| {
                files.par_iter().for_each_with(tx, |tx, f| {
                    if cancelled() {
                        return;
                    }
                    let prev = old.get(&f.rel);
                    let (entry, skipped) = process_file(f, prev, out, model, opts, processor);
                    let _ = tx.send(Outcome {
                        rel: f.rel.clone(),
                        entry,
                        skipped,
                    });
                });
            });
        });
        let mut last_save = Instant::now();
        let mut dirty = false;
        for o in rx {
            if o.skipped {
                skipped += 1;
            } else {
                processed += 1;
            }
            if o.entry.error.is_some() {
                failures += 1;
            }
            current.insert(o.rel, o.entry);
            dirty = true;
            pb.inc(1);
            if failures > 0 {
                pb.set_message(format!("{failures} failed"));
            }
            if last_save.elapsed() > Duration::from_millis(500) {
                if let Err(e) = save_manifest(&manifest_path, &current) {
                    save_result = Err(e);
                }
                last_save = Instant::now();
                dirty = false;
            }
        }
        if dirty {
            if let Err(e) = save_manifest(&manifest_path, &current) {
                save_result = Err(e);
            }
        }
    });
    pb.finish_and_clear();
    save_result?;
    let interrupted = cancelled() && skipped + processed < files.len();
    if !interrupted {
        // Records of files that left the tree or now fail.
        for (rel, e) in &old {
            let gone = current.get(rel).is_none_or(|c| c.record.is_none());
            if e.record.is_some() && gone {
                let _ = std::fs::remove_file(record_path(&out, rel));
            }
        }
        save_manifest(&manifest_path, &current)?;
        pool.install(|| write_listings(&out, &current))?;
        if let Some(db) = &opts.sqlite {
            sync_store(db, &out, &current)?;
        }
    }
    let ok_entries = current.values().filter(|e| e.error.is_none());
    let (mut syllables, mut weighted, mut weight) = (0u64, 0f64, 0f64);
    for e in ok_entries {
        syllables += e.syllables;
        if let Some(c) = e.confidence {
            weighted += c * e.syllables as f64;
            weight += e.syllables as f64;
        }
    }
    let failed = current.values().filter(|e| e.error.is_some()).count();
    let report = BatchReport {
        files: files.len(),
        ok: current.len() - failed,
        failed,
        skipped,
        processed,
        syllables,
        mean_confidence: (weight > 0.0).then(|| weighted / weight),
        seconds: start.elapsed().as_secs_f64(),
        interrupted,
    };
    if !interrupted {
        let mut b = serde_json::to_vec_pretty(&report).map_err(|e| Error::Config(e.to_string()))?;
        b.push(b'\n');
        write_atomic(&out.join("summary.json"), &b)?;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::compact_json;

    #[test]
    fn compact_json_keeps_strings_whole() {
        let pretty = "{\n  \"a b\": \"x \\\" y\\\\\",\n  \"c\": [\n    1,\n    \"\\\\\"\n  ]\n}\n";
        let mut out = pretty.as_bytes().to_vec();
        compact_json(&mut out);
        assert_eq!(
            String::from_utf8(out.clone()).unwrap(),
            r#"{"a b":"x \" y\\","c":[1,"\\"]}"#
        );
        let a: serde_json::Value = serde_json::from_str(pretty).unwrap();
        let b: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(a, b);
    }
}
