//! One document, start to finish: read the input, restore it, extract its record.
//!
//! The CLI's `extract`, `batch` and `stream` and library users all want the same steps in the same
//! order with the same record; keeping them here means the three stay identical. The pipeline is
//! built once (the models and the lexicon index are the expensive part) and shared by reference
//! across threads; each thread keeps its own [`Scratch`] (the candidate and LM caches).
//!
//! The input layer ([`read_input`], [`read_path`]) lives here too, so that the three commands
//! read the same inputs the same way: plain text, the archival OCR formats (hOCR, ALTO,
//! PAGE-XML, detected by content) and scans (PNG, JPEG, TIFF, PDF, read by Tesseract into hOCR and
//! then through the formats layer, so word boxes and confidences come along).

use crate::decode::{Restored, Restorer, Scratch, WordPrior};
use crate::error::{Error, Result};
use crate::extract::{extract, ExtractInput};
use crate::formats::{
    self, Format, OcrDocument, OutputFormat, ProcessingInfo, TextChange, WordPos,
};
use crate::io::{decode_text, MAX_INPUT_BYTES};
use crate::ocr::{self, ImageKind, OcrOptions};
use crate::processor::Processor;
use crate::schema::{Correction, Document, Restoration};
use std::cell::RefCell;
use std::path::Path;

thread_local! {
    /// Per-thread caches for [`Processor::process`], which gets no scratch from its caller.
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::new());
}

/// Restoration followed by extraction.
#[derive(Debug)]
pub struct Pipeline {
    restorer: Restorer,
    version: String,
}

impl Pipeline {
    /// A pipeline around `restorer`.
    #[must_use]
    pub fn new(restorer: Restorer) -> Self {
        let version = format!(
            "sohoa {} schema {} models {}",
            env!("CARGO_PKG_VERSION"),
            crate::schema::SCHEMA_VERSION,
            restorer.models().version()
        );
        Pipeline { restorer, version }
    }

    /// The restorer inside.
    #[must_use]
    pub fn restorer(&self) -> &Restorer {
        &self.restorer
    }

    /// Restore `text` and extract its record. `source` names the input in the record.
    ///
    /// # Errors
    /// Whatever [`extract`] reports (it checks that the texts pair line for line).
    pub fn document(
        &self,
        source: Option<&str>,
        text: &str,
        scratch: &mut Scratch,
    ) -> Result<Document> {
        let restored = self.restorer.restore_with(text, scratch);
        self.document_from(source, text, &restored)
    }

    /// Restore the text view of `input` (see [`Input::text`]).
    pub fn restore_input(&self, input: &Input, scratch: &mut Scratch) -> Restored {
        self.restorer
            .restore_with_priors(&input.text(), &priors(input), scratch)
    }

    /// The restored text view of `input` alone: the `text` of [`Pipeline::restore_input`],
    /// without the changes and their confidences (see [`Restorer::restore_text_with`]).
    pub fn restore_input_text(&self, input: &Input, scratch: &mut Scratch) -> String {
        self.restorer
            .restore_text_with(&input.text(), &priors(input), scratch)
    }

    /// Restore `input` and extract its record. `source` names the input in the record.
    ///
    /// # Errors
    /// Whatever [`extract`] reports.
    pub fn document_input(
        &self,
        source: Option<&str>,
        input: &Input,
        scratch: &mut Scratch,
    ) -> Result<Document> {
        let restored = self.restore_input(input, scratch);
        self.document_from(source, &input.text(), &restored)
    }

    /// Write `input` restored as `restored` (from [`Pipeline::restore_input`]) in `format`:
    /// for an OCR document its own format with the corrections spliced in and a processing record
    /// naming this pipeline and `parameters`, or its corrected text or JSON model; for plain text
    /// the restored text, or the [`Restored`] JSON (every change with its span).
    ///
    /// # Errors
    /// [`Error::Config`] when `format` cannot be written for this input (see
    /// [`Input::output_format`]); whatever [`formats::write`] reports.
    pub fn write_input(
        &self,
        input: &Input,
        restored: &Restored,
        format: OutputFormat,
        parameters: &str,
    ) -> Result<Vec<u8>> {
        let Some(doc) = input.document() else {
            return match format {
                OutputFormat::Text => Ok(restored.text.clone().into_bytes()),
                OutputFormat::Json => {
                    let mut v = serde_json::to_vec_pretty(restored)
                        .map_err(|e| Error::Config(format!("json: {e}")))?;
                    v.push(b'\n');
                    Ok(v)
                }
                OutputFormat::Same => Err(Error::Config(
                    "plain text input has no OCR format to write back; use text or json".into(),
                )),
            };
        };
        if format == OutputFormat::Same && !input.writable_as_is() {
            return Err(Error::Config(
                "a scan read in several Tesseract runs (PDF pages) has no single hOCR file to write; use text or json".into(),
            ));
        }
        let changes: Vec<TextChange> = restored.changes.iter().map(TextChange::from).collect();
        let corrections = formats::corrections_from_changes(doc, &changes);
        let info = ProcessingInfo {
            tool: "sohoa".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            model_version: self.restorer.models().version(),
            parameters: parameters.to_string(),
            time: ProcessingInfo::now_utc(),
        };
        let mut out = formats::write(doc, &corrections, &info, format)?;
        if format == OutputFormat::Json {
            out.push(b'\n');
        }
        Ok(out)
    }

    /// The record of `text` given its restoration (for callers that restored it themselves, such
    /// as the XML formats, which restore the text of their words).
    ///
    /// # Errors
    /// Whatever [`extract`] reports.
    pub fn document_from(
        &self,
        source: Option<&str>,
        text: &str,
        restored: &Restored,
    ) -> Result<Document> {
        let mut doc = extract(&ExtractInput {
            original: text,
            restored: &restored.text,
            source: source.map(str::to_string),
        })?;
        doc.restoration = Some(Restoration {
            model_version: self.restorer.models().version(),
            words: restored.words,
            mean_confidence: restored.mean_confidence,
            changes: restored
                .changes
                .iter()
                .map(|c| Correction {
                    line: c.line,
                    span: c.span,
                    original: c.original.clone(),
                    restored: c.restored.clone(),
                    confidence: c.confidence,
                })
                .collect(),
        });
        Ok(doc)
    }
}

/// The longest text a batch or stream record is made of (8 MiB, some 1,300 notices). A record
/// lists a change for nearly every word, and its JSON tree (the [`Processor`] contract) takes some
/// 230 bytes per byte of text: a 16 MB text peaked at 3.7 GB in a batch, so one oversized file
/// could take a batch's memory, and every other file's record with it. `sohoa extract` on one
/// file streams its record and has no such limit.
pub const MAX_RECORD_TEXT_BYTES: usize = 8 << 20;

impl Processor for Pipeline {
    fn model_version(&self) -> String {
        self.version.clone()
    }

    fn process(&self, source: &str, text: &str) -> Result<serde_json::Value> {
        if text.len() > MAX_RECORD_TEXT_BYTES {
            return Err(Error::Input {
                path: source.to_string(),
                reason: format!(
                    "text too long for one record ({} bytes; the limit is {MAX_RECORD_TEXT_BYTES}): \
                     split it, or convert it alone with `sohoa extract`",
                    text.len()
                ),
            });
        }
        let doc = SCRATCH.with(|s| self.document(Some(source), text, &mut s.borrow_mut()))?;
        let stats = doc.restoration.as_ref().map(
            |r| serde_json::json!({ "syllables": r.words, "mean_confidence": r.mean_confidence }),
        );
        let mut v = serde_json::to_value(&doc)
            .map_err(|e| crate::Error::Config(format!("{source}: cannot serialise record: {e}")))?;
        if let (Some(stats), Some(obj)) = (stats, v.as_object_mut()) {
            obj.insert("stats".into(), stats);
        }
        Ok(v)
    }
}

/// What one input file holds, read once by [`read_input`] or [`read_path`].
#[derive(Debug, Clone)]
pub enum Input {
    /// Plain text (UTF-8, or UTF-16 with a BOM).
    Text(String),
    /// An archival OCR file: hOCR, ALTO or PAGE-XML.
    Ocr(Box<OcrDocument>),
    /// A scan read by Tesseract, as the hOCR it wrote.
    Scan {
        /// The kind of file.
        kind: ImageKind,
        /// Tesseract's hOCR, every run's pages in order.
        doc: Box<OcrDocument>,
        /// Tesseract runs merged into `doc`: one per PDF page, one for an image (a multi-page
        /// TIFF is one run). Only a single run can be written back as hOCR.
        runs: usize,
    },
}

impl Input {
    /// The text the decoder reads: the text itself, or the OCR document's text view (one line
    /// per OCR line, a form-feed line between pages, see [`OcrDocument::text`]).
    #[must_use]
    pub fn text(&self) -> String {
        match self {
            Input::Text(t) => t.clone(),
            Input::Ocr(d) | Input::Scan { doc: d, .. } => d.text(),
        }
    }

    /// The OCR document, for OCR and scan input.
    #[must_use]
    pub fn document(&self) -> Option<&OcrDocument> {
        match self {
            Input::Text(_) => None,
            Input::Ocr(d) | Input::Scan { doc: d, .. } => Some(d),
        }
    }

    /// Every OCR word's place in [`Input::text`] with its engine confidence (0..1), in document
    /// order; empty for plain text. These are the decoder's priors-to-be.
    #[must_use]
    pub fn word_confidences(&self) -> Vec<(WordPos, Option<f32>)> {
        match self.document() {
            None => Vec::new(),
            Some(d) => d.word_index().into_iter().zip(d.confidences()).collect(),
        }
    }

    /// Whether [`OutputFormat::Same`] can be written: an XML file, or a scan read in one run.
    #[must_use]
    pub fn writable_as_is(&self) -> bool {
        match self {
            Input::Text(_) => false,
            Input::Ocr(_) => true,
            Input::Scan { runs, .. } => *runs == 1,
        }
    }

    /// The output format for a `--format` value (`text`, `json`, `alto`, `hocr`, `page`), or the
    /// default when `None`: an XML file is written back in its own format, anything else as text.
    /// A scan's own format is hOCR.
    ///
    /// # Errors
    /// [`Error::Config`] for an unknown name or a format this input cannot be written in.
    pub fn output_format(&self, name: Option<&str>) -> Result<OutputFormat> {
        let Some(name) = name else {
            return Ok(match self {
                Input::Ocr(_) => OutputFormat::Same,
                _ => OutputFormat::Text,
            });
        };
        let own = match self {
            Input::Text(_) => None,
            Input::Ocr(d) => Some(d.format),
            Input::Scan { .. } => Some(Format::Hocr),
        };
        let out = match own {
            Some(f) => OutputFormat::parse(name, f)?,
            None => match name {
                "text" | "txt" => OutputFormat::Text,
                "json" => OutputFormat::Json,
                other => {
                    return Err(Error::Config(format!(
                        "{other:?}: plain text input can be written as text or json only"
                    )))
                }
            },
        };
        if out == OutputFormat::Same && !self.writable_as_is() {
            return Err(Error::Config(
                "a scan read in several Tesseract runs (PDF pages) can be written as text or json only".into(),
            ));
        }
        Ok(out)
    }
}

/// Whether `bytes` start (after a BOM and white space) with `<`: markup, which must be one of the
/// OCR formats. Notices never start with `<`, so a broken XML file is an error, not text.
fn looks_like_markup(bytes: &[u8]) -> bool {
    let b = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    b.iter()
        .find(|c| !c.is_ascii_whitespace())
        .is_some_and(|&c| c == b'<')
}

fn too_large(bytes: &[u8], name: &str) -> Result<()> {
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(Error::Input {
            path: name.to_string(),
            reason: format!(
                "too large ({} bytes; the limit is {MAX_INPUT_BYTES})",
                bytes.len()
            ),
        });
    }
    Ok(())
}

/// Read one input from its bytes, detected by content: an image or PDF (magic bytes) goes through
/// Tesseract ([`ocr::ocr_bytes`]), markup through [`formats::read`], anything else is text
/// ([`decode_text`]). `name` names the input in errors.
///
/// # Errors
/// [`Error::Input`] for unreadable text, [`Error::Xml`] for markup that is not a readable hOCR,
/// ALTO or PAGE file, the OCR errors of [`ocr::ocr_bytes`] (Tesseract missing, with the install
/// command).
pub fn read_input(bytes: &[u8], name: &str, ocr_opts: &OcrOptions) -> Result<Input> {
    too_large(bytes, name)?;
    if let Some(kind) = ocr::detect_image(bytes) {
        let pages = ocr::ocr_bytes(bytes, name, ocr_opts)?;
        return scan(kind, &pages, name);
    }
    read_non_image(bytes, name)
}

/// Read the file at `path` like [`read_input`]; scans are handed to Tesseract by path (no copy).
///
/// # Errors
/// As [`read_input`], and [`Error::Io`] when the file cannot be read.
pub fn read_path(path: &Path, ocr_opts: &OcrOptions) -> Result<Input> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    too_large(&bytes, &name)?;
    if let Some(kind) = ocr::detect_image(&bytes) {
        drop(bytes);
        let pages = ocr::ocr_file(path, ocr_opts)?;
        return scan(kind, &pages, &name);
    }
    read_non_image(&bytes, &name)
}

fn read_non_image(bytes: &[u8], name: &str) -> Result<Input> {
    if looks_like_markup(bytes) {
        return Ok(Input::Ocr(Box::new(formats::read(bytes, name)?)));
    }
    Ok(Input::Text(decode_text(bytes, name)?))
}

/// Tesseract's hOCR runs as one document: the pages of later runs follow the first run's.
fn scan(kind: ImageKind, pages: &ocr::OcrPages, name: &str) -> Result<Input> {
    let mut merged: Option<OcrDocument> = None;
    for h in &pages.hocr {
        let d = formats::read(h.as_bytes(), name)?;
        match merged.as_mut() {
            None => merged = Some(d),
            Some(m) => m.pages.extend(d.pages),
        }
    }
    let doc = merged.ok_or_else(|| Error::Ocr {
        path: name.to_string(),
        reason: "tesseract gave no hOCR".into(),
    })?;
    Ok(Input::Scan {
        kind,
        doc: Box::new(doc),
        runs: pages.hocr.len(),
    })
}

/// The engine's word confidences of `input` as priors: a word it was sure of is less likely
/// changed. Plain text has none (no priors: the same as `restore_with`).
fn priors(input: &Input) -> Vec<WordPrior> {
    input
        .word_confidences()
        .into_iter()
        .filter_map(|(pos, c)| {
            c.map(|confidence| WordPrior {
                span: pos.span,
                confidence,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn input_kind_is_decided_by_content() {
        let o = OcrOptions::default();
        let t = read_input("Thong bao\n".as_bytes(), "a.xml", &o).unwrap();
        assert!(matches!(t, Input::Text(_)));
        assert_eq!(t.output_format(None).unwrap(), OutputFormat::Text);
        assert!(t.output_format(Some("alto")).is_err());
        assert!(t.word_confidences().is_empty());
        // Markup that is no OCR format is an error naming the file, not text.
        let e = read_input(b"\xEF\xBB\xBF  <note>x</note>", "n.txt", &o).unwrap_err();
        assert!(e.to_string().contains("n.txt"), "{e}");
        let alto = r#"<?xml version="1.0"?><alto xmlns="http://www.loc.gov/standards/alto/ns-v4#"><Layout><Page ID="p" WIDTH="10" HEIGHT="10"><PrintSpace><TextBlock ID="b"><TextLine ID="l"><String ID="w" CONTENT="Thong" WC="0.5" HPOS="1" VPOS="1" WIDTH="3" HEIGHT="2"/></TextLine></TextBlock></PrintSpace></Page></Layout></alto>"#;
        let a = read_input(alto.as_bytes(), "a.txt", &o).unwrap();
        assert_eq!(a.text(), "Thong\n");
        assert_eq!(a.output_format(None).unwrap(), OutputFormat::Same);
        assert_eq!(a.output_format(Some("json")).unwrap(), OutputFormat::Json);
        let c = a.word_confidences();
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].0.span, [0, 5]);
        assert_eq!(c[0].1, Some(0.5));
    }
}
