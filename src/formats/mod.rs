//! Read and write the archival OCR formats: hOCR (Tesseract), ALTO v2–v4 (libraries) and
//! PAGE-XML 2013–2019 (OCR-D).
//!
//! Why this shape: archives need the corrected OCR back in the format they keep, with geometry
//! untouched. So a document keeps its raw source, and each word records where its content sits in
//! those bytes; [`write()`] copies the source verbatim and splices only the corrected words, the kept
//! original reading and a processing record. Reading goes through one guarded streaming scanner
//! (`xml.rs`): no DTD, no entity expansion, nothing fetched, depth and tag-size limits, and a
//! [`crate::Error::Xml`] naming the file instead of a panic.
//!
//! The decoder works on plain text, so [`OcrDocument::text`] flattens the document (one line per
//! OCR line) and [`OcrDocument::word_index`] maps each word to its place in that text;
//! [`corrections_from_changes`] maps the decoder's changes back to words.

mod alto;
mod hocr;
mod layout;
mod page;
mod xml;

use std::collections::BTreeMap;
use std::ops::Range;

use serde::Serialize;

use crate::Result;

pub use layout::{Furniture, LineGeometry};

/// The page separator line in [`OcrDocument::text`]: a line holding only a form feed.
pub const PAGE_BREAK: char = '\u{000C}';

/// An OCR file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// hOCR (XHTML with `ocr_*` classes), as Tesseract writes it.
    Hocr,
    /// ALTO v2, v3 or v4.
    Alto,
    /// PAGE-XML 2013 to 2019.
    Page,
}

/// What [`write()`] produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// The document's own XML format (ALTO, hOCR or PAGE) with corrections spliced in.
    Same,
    /// Plain corrected text, laid out like [`OcrDocument::text`].
    Text,
    /// The corrected document model as JSON.
    Json,
}

impl OutputFormat {
    /// Parse a `--format` value: `alto`, `hocr` and `page` must match the input's format
    /// (conversion between XML formats is not offered), `text` and `json` always work.
    pub fn parse(name: &str, input: Format) -> Result<Self> {
        let want = match name {
            "text" | "txt" => return Ok(OutputFormat::Text),
            "json" => return Ok(OutputFormat::Json),
            "alto" => Format::Alto,
            "hocr" => Format::Hocr,
            "page" => Format::Page,
            other => {
                return Err(crate::Error::Config(format!(
                    "unknown output format {other:?} (alto, hocr, page, text, json)"
                )))
            }
        };
        if want == input {
            Ok(OutputFormat::Same)
        } else {
            Err(crate::Error::Config(format!(
                "cannot convert {input:?} to {want:?}; write the input's own format, text or json"
            )))
        }
    }
}

/// A word box: left, top, right, bottom in the file's units (pixels for Tesseract output).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct BBox {
    /// Left.
    pub x0: f64,
    /// Top.
    pub y0: f64,
    /// Right.
    pub x1: f64,
    /// Bottom.
    pub y1: f64,
}

impl BBox {
    /// Height of the box.
    #[must_use]
    pub fn height(&self) -> f64 {
        self.y1 - self.y0
    }
}

/// Where a word, line or block sits in the raw source (format-specific meaning, see the readers).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Site {
    /// hOCR: the word's start tag. ALTO: the `String` tag. PAGE: the word's first `TextEquiv`.
    pub(crate) tag: Range<usize>,
    /// hOCR: the word's content. ALTO: where an `ALTERNATIVE` goes (empty range) when the
    /// `String` has children. PAGE: the `Unicode` content of a line's or block's `TextEquiv`.
    pub(crate) inner: Range<usize>,
    /// ALTO: the `String` tag was empty (`<String .../>`).
    pub(crate) empty: bool,
}

/// One OCR word.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Word {
    /// The word's id in the file (empty if none).
    pub id: String,
    /// The word as the OCR read it (or as corrected, in [`write()`]'s JSON output).
    pub text: String,
    /// The word box, if the file gives one.
    pub bbox: Option<BBox>,
    /// Engine confidence normalised to 0..1 (hOCR `x_wconf`/100, ALTO `WC`, PAGE `TextEquiv/@conf`).
    pub confidence: Option<f32>,
    #[serde(skip)]
    pub(crate) site: Site,
}

/// One OCR line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    /// The line's id (empty if none).
    pub id: String,
    /// The line box, or the union of its word boxes.
    pub bbox: Option<BBox>,
    /// Its words in reading order.
    pub words: Vec<Word>,
    #[serde(skip)]
    pub(crate) site: Option<Site>,
}

/// A block (hOCR `ocr_par`, ALTO `TextBlock`, PAGE `TextRegion`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Block {
    /// The block's id (empty if none).
    pub id: String,
    /// Its lines.
    pub lines: Vec<Line>,
    #[serde(skip)]
    pub(crate) site: Option<Site>,
}

/// One page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page {
    /// The page's id (empty if none).
    pub id: String,
    /// Page width (0 if unknown).
    pub width: f64,
    /// Page height (0 if unknown).
    pub height: f64,
    /// Its blocks.
    pub blocks: Vec<Block>,
}

/// Document-level places in the raw source used by the writers.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Marks {
    /// Where the processing record is inserted (before `</head>`, `</Description>`, `</Metadata>`).
    pub(crate) record_at: Option<usize>,
    /// ALTO v2/v3: just after the first `</ocrProcessingStep>`.
    pub(crate) after_ocr_step: Option<usize>,
    /// ALTO: just after the root start tag (a `Description` goes there when missing).
    pub(crate) after_root: Option<usize>,
    /// PAGE: the content of `Metadata/LastChange`.
    pub(crate) last_change: Option<Range<usize>>,
    /// Namespace prefix of the root element, with its colon (`pc:`), for inserted elements.
    pub(crate) prefix: String,
}

/// A parsed OCR document; it keeps the raw source so that [`write()`] can re-emit it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OcrDocument {
    /// Its format.
    pub format: Format,
    /// The format version: `2`, `3`, `4` for ALTO, the PAGE namespace date, `1` for hOCR.
    pub version: String,
    /// Its pages.
    pub pages: Vec<Page>,
    #[serde(skip)]
    pub(crate) raw: String,
    #[serde(skip)]
    pub(crate) marks: Marks,
}

/// Where a word sits in [`OcrDocument::text`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WordPos {
    /// 0-based page index.
    pub page: usize,
    /// 1-based line number in the text.
    pub line: usize,
    /// `[start, end)` character offsets in the whole text.
    pub span: [usize; 2],
}

/// A corrected word, by its index in document order (the order of [`OcrDocument::word_index`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Correction {
    /// Index of the word in document order.
    pub word: usize,
    /// The corrected word.
    pub text: String,
    /// Confidence in 0..1 that the correction is right.
    pub confidence: f32,
}

/// One change the decoder made to [`OcrDocument::text`] (the fields of `sohoa::Change` that matter
/// here; formats sits below the decoder so it cannot name that type).
#[derive(Debug, Clone, PartialEq)]
pub struct TextChange {
    /// 1-based line number.
    pub line: usize,
    /// `[start, end)` character offsets in the whole text.
    pub span: [usize; 2],
    /// The restored token.
    pub restored: String,
    /// Confidence in 0..1.
    pub confidence: f32,
}

/// Who changed the document, for the processing record.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProcessingInfo {
    /// Tool name, e.g. `sohoa`.
    pub tool: String,
    /// Tool version.
    pub version: String,
    /// Model version (e.g. the model files' identity).
    pub model_version: String,
    /// Parameters as one string.
    pub parameters: String,
    /// ISO 8601 date-time, e.g. from [`ProcessingInfo::now_utc`].
    pub time: String,
}

impl ProcessingInfo {
    /// The current UTC time as `YYYY-MM-DDTHH:MM:SSZ`, an `xsd:dateTime`.
    #[must_use]
    pub fn now_utc() -> String {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let days = i64::try_from(secs / 86_400).unwrap_or(0);
        let rem = secs % 86_400;
        // Civil date from days since 1970-01-01 (proleptic Gregorian).
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = yoe + era * 400 + i64::from(m <= 2);
        format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            rem / 3600,
            rem / 60 % 60,
            rem % 60
        )
    }

    /// The record as one line of `key=value` pairs (hOCR meta content, ALTO settings).
    pub(crate) fn summary(&self) -> String {
        format!(
            "tool={} {}; model={}; parameters={}; time={}",
            self.tool, self.version, self.model_version, self.parameters, self.time
        )
    }
}

/// Detect the format from the content: the root element (and for hOCR the `ocr_page` class).
#[must_use]
pub fn detect(bytes: &[u8]) -> Option<Format> {
    let head = bytes.get(..bytes.len().min(64 * 1024)).unwrap_or(bytes);
    let head = String::from_utf8_lossy(head);
    let root = root_name(&head)?;
    match root.as_str() {
        "alto" => Some(Format::Alto),
        "PcGts" => Some(Format::Page),
        "html" if head.contains("ocr_page") || head.contains("ocr-system") => Some(Format::Hocr),
        _ => None,
    }
}

/// The local name of the first element in `s`, skipping declarations, comments and DOCTYPE.
fn root_name(s: &str) -> Option<String> {
    let mut rest = s.trim_start_matches('\u{feff}');
    loop {
        let i = rest.find('<')?;
        rest = rest.get(i + 1..)?;
        if rest.starts_with('?') || rest.starts_with('!') {
            let close = if rest.starts_with("!--") { "-->" } else { ">" };
            let j = rest.find(close)?;
            rest = rest.get(j + close.len()..)?;
            continue;
        }
        let name: String = rest
            .chars()
            .take_while(|c| !c.is_whitespace() && *c != '>' && *c != '/')
            .collect();
        let local = name.rsplit(':').next().unwrap_or(&name).to_string();
        return Some(local);
    }
}

/// Parse an OCR file. `path` names it in errors. The format is detected from the content.
pub fn read(bytes: &[u8], path: &str) -> Result<OcrDocument> {
    let src = std::str::from_utf8(bytes)
        .map_err(|e| xml::err(path, format!("not UTF-8: {e}")))?
        .trim_start_matches('\u{feff}');
    let format = detect(src.as_bytes())
        .ok_or_else(|| xml::err(path, "not hOCR, ALTO or PAGE-XML (unknown root element)"))?;
    let (version, pages, marks) = match format {
        Format::Hocr => hocr::read(src, path)?,
        Format::Alto => alto::read(src, path)?,
        Format::Page => page::read(src, path)?,
    };
    Ok(OcrDocument {
        format,
        version,
        pages,
        raw: src.to_string(),
        marks,
    })
}

impl OcrDocument {
    /// Every word in document order.
    pub fn words(&self) -> impl Iterator<Item = &Word> {
        self.pages
            .iter()
            .flat_map(|p| p.blocks.iter())
            .flat_map(|b| b.lines.iter())
            .flat_map(|l| l.words.iter())
    }

    /// The plain text the decoder reads: one line per OCR line, words joined by single spaces,
    /// and between pages a line holding only a form feed ([`PAGE_BREAK`]). Blocks are not
    /// separated (line numbers map 1:1 to OCR lines within a page).
    #[must_use]
    pub fn text(&self) -> String {
        self.layout().0
    }

    /// For each word in document order, its line (1-based) and character span in [`Self::text`].
    #[must_use]
    pub fn word_index(&self) -> Vec<WordPos> {
        self.layout().1
    }

    /// Engine confidences of the words in document order.
    #[must_use]
    pub fn confidences(&self) -> Vec<Option<f32>> {
        self.words().map(|w| w.confidence).collect()
    }

    fn layout(&self) -> (String, Vec<WordPos>) {
        let mut text = String::new();
        let mut index = Vec::new();
        let mut chars = 0usize;
        let mut line_no = 0usize;
        for (pi, page) in self.pages.iter().enumerate() {
            if pi > 0 {
                text.push(PAGE_BREAK);
                text.push('\n');
                chars += 2;
                line_no += 1;
            }
            for line in page.blocks.iter().flat_map(|b| b.lines.iter()) {
                line_no += 1;
                // Words are joined by one space; a word without text (a box emptied by a
                // correction: the second half of a word OCR split) adds none.
                let mut started = false;
                for w in &line.words {
                    if started && !w.text.is_empty() {
                        text.push(' ');
                        chars += 1;
                    }
                    started |= !w.text.is_empty();
                    let n = w.text.chars().count();
                    index.push(WordPos {
                        page: pi,
                        line: line_no,
                        span: [chars, chars + n],
                    });
                    text.push_str(&w.text);
                    chars += n;
                }
                text.push('\n');
                chars += 1;
            }
        }
        (text, index)
    }

    /// Per-line geometry, in text line order (page breaks are not listed).
    #[must_use]
    pub fn lines(&self) -> Vec<LineGeometry> {
        layout::lines(self)
    }

    /// Lines that look like page furniture (page numbers, footnotes, running headers) by position.
    #[must_use]
    pub fn furniture(&self) -> Vec<(usize, Furniture)> {
        layout::furniture(self)
    }

    /// A copy with the corrections applied to the word texts (for JSON and text output).
    #[must_use]
    pub fn corrected(&self, corrections: &[Correction]) -> OcrDocument {
        let map: BTreeMap<usize, &Correction> = corrections.iter().map(|c| (c.word, c)).collect();
        let mut doc = self.clone();
        for (i, w) in doc
            .pages
            .iter_mut()
            .flat_map(|p| p.blocks.iter_mut())
            .flat_map(|b| b.lines.iter_mut())
            .flat_map(|l| l.words.iter_mut())
            .enumerate()
        {
            if let Some(c) = map.get(&i) {
                w.text.clone_from(&c.text);
            }
        }
        doc
    }
}

/// Map the decoder's changes on [`OcrDocument::text`] to word corrections. A change inside a word
/// (e.g. the token `Quyet` in the word `Quyet,`) replaces just that part; several changes in one
/// word combine, and the word's confidence is their minimum. A change spanning several words is
/// split on whitespace when the pieces match the words; when they are fewer (a word OCR split in
/// two boxes, `c ong` → `công`, see `decode`), the first word's part takes the whole restoration
/// and the others' parts are emptied (the boxes stay; readers skip a word without text).
#[must_use]
pub fn corrections_from_changes(doc: &OcrDocument, changes: &[TextChange]) -> Vec<Correction> {
    let index = doc.word_index();
    let words: Vec<&Word> = doc.words().collect();
    // word -> list of (relative char range, replacement, confidence)
    let mut per: BTreeMap<usize, Vec<(usize, usize, String, f32)>> = BTreeMap::new();
    for ch in changes {
        let [s, e] = ch.span;
        let hit: Vec<usize> = overlapping(&index, s, e);
        match hit.as_slice() {
            [] => {}
            [w] => {
                if let Some(p) = index.get(*w) {
                    let rs = s.saturating_sub(p.span[0]);
                    let re = e.min(p.span[1]).saturating_sub(p.span[0]);
                    per.entry(*w)
                        .or_default()
                        .push((rs, re, ch.restored.clone(), ch.confidence));
                }
            }
            many => {
                let pieces: Vec<&str> = ch.restored.split_whitespace().collect();
                if pieces.len() < many.len() {
                    for (k, w) in many.iter().enumerate() {
                        if let Some(p) = index.get(*w) {
                            let rs = s.saturating_sub(p.span[0]);
                            let re = e.min(p.span[1]).saturating_sub(p.span[0]);
                            let text = if k == 0 {
                                ch.restored.clone()
                            } else {
                                String::new()
                            };
                            per.entry(*w)
                                .or_default()
                                .push((rs, re, text, ch.confidence));
                        }
                    }
                } else if pieces.len() == many.len() {
                    for (w, piece) in many.iter().zip(pieces) {
                        if let Some(p) = index.get(*w) {
                            let len = p.span[1] - p.span[0];
                            per.entry(*w).or_default().push((
                                0,
                                len,
                                piece.to_string(),
                                ch.confidence,
                            ));
                        }
                    }
                }
            }
        }
    }
    let mut out = Vec::new();
    for (w, mut edits) in per {
        let Some(word) = words.get(w) else { continue };
        edits.sort_by_key(|e| std::cmp::Reverse(e.0));
        let mut chars: Vec<char> = word.text.chars().collect();
        let mut conf = 1.0f32;
        for (rs, re, rep, c) in edits {
            if rs > re || re > chars.len() {
                continue;
            }
            chars.splice(rs..re, rep.chars());
            conf = conf.min(c);
        }
        let text: String = chars.into_iter().collect();
        if text != word.text {
            out.push(Correction {
                word: w,
                text,
                confidence: conf,
            });
        }
    }
    out
}

/// Indices of words whose span overlaps `[s, e)` (index is sorted by span).
fn overlapping(index: &[WordPos], s: usize, e: usize) -> Vec<usize> {
    let first = index.partition_point(|p| p.span[1] <= s);
    let mut out = Vec::new();
    for (i, p) in index.iter().enumerate().skip(first) {
        if p.span[0] >= e && !(s == e && p.span[0] == s) {
            break;
        }
        out.push(i);
    }
    out
}

/// Write `doc` with `corrections` applied. [`OutputFormat::Same`] re-emits the original bytes and
/// changes only corrected words (new text, original reading kept, correction confidence) and adds
/// a processing record; geometry and everything else stay byte-identical.
pub fn write(
    doc: &OcrDocument,
    corrections: &[Correction],
    info: &ProcessingInfo,
    format: OutputFormat,
) -> Result<Vec<u8>> {
    match format {
        OutputFormat::Text => Ok(doc.corrected(corrections).text().into_bytes()),
        OutputFormat::Json => serde_json::to_vec_pretty(&doc.corrected(corrections))
            .map_err(|e| crate::Error::Config(format!("json: {e}"))),
        OutputFormat::Same => {
            let map: BTreeMap<usize, &Correction> =
                corrections.iter().map(|c| (c.word, c)).collect();
            let out = match doc.format {
                Format::Hocr => hocr::write(doc, &map, info),
                Format::Alto => alto::write(doc, &map, info),
                Format::Page => page::write(doc, &map, info),
            };
            Ok(out.into_bytes())
        }
    }
}

/// Parse a number that may be written as an integer or a decimal.
pub(crate) fn num(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok().filter(|v| v.is_finite())
}

/// The union of some boxes.
pub(crate) fn union(boxes: impl Iterator<Item = BBox>) -> Option<BBox> {
    boxes.reduce(|a, b| BBox {
        x0: a.x0.min(b.x0),
        y0: a.y0.min(b.y0),
        x1: a.x1.max(b.x1),
        y1: a.y1.max(b.y1),
    })
}
