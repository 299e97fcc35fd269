//! hOCR (Tesseract's XHTML): pages are `ocr_page`, blocks `ocr_par`, lines `ocr_line` (and the
//! other line classes), words `ocrx_word`; geometry and confidence live in the `title` property
//! list (`bbox x0 y0 x1 y1; x_wconf 95`).
//!
//! Writing keeps every byte except the content of corrected words, which get `data-original`
//! (the OCR reading) and `data-confidence` attributes, plus a `sohoa-processing` meta in `<head>`.

use std::collections::BTreeMap;

use super::xml::{esc, Ev, Scan};
use super::{
    union, BBox, Block, Correction, Line, Marks, OcrDocument, Page, ProcessingInfo, Site, Word,
};
use crate::Result;

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Page,
    Block,
    Line,
    Word,
    Other,
}

const LINE_CLASSES: [&str; 6] = [
    "ocr_line",
    "ocrx_line",
    "ocr_textfloat",
    "ocr_header",
    "ocr_caption",
    "ocr_footer",
];

/// Parse hOCR.
pub(super) fn read(src: &str, path: &str) -> Result<(String, Vec<Page>, Marks)> {
    let mut scan = Scan::new(src, path)?;
    let mut marks = Marks::default();
    let mut stack: Vec<Kind> = Vec::new();
    let mut pages: Vec<Page> = Vec::new();
    let mut block: Option<Block> = None;
    let mut line: Option<Line> = None;
    let mut word: Option<Word> = None;
    loop {
        let (ev, range) = scan.next()?;
        match ev {
            Ev::Start(e) => {
                let class = scan.attr(&e, "class")?.unwrap_or_default();
                let title = scan.attr(&e, "title")?.unwrap_or_default();
                let id = scan.attr(&e, "id")?.unwrap_or_default();
                let props = Props::parse(&title);
                let kind = if has_class(&class, "ocr_page") {
                    flush_block(&mut pages, &mut block, &mut line);
                    let (width, height) = props.bbox.map(|b| (b.x1, b.y1)).unwrap_or((0.0, 0.0));
                    pages.push(Page {
                        id,
                        width,
                        height,
                        blocks: Vec::new(),
                    });
                    Kind::Page
                } else if has_class(&class, "ocr_par") {
                    flush_block(&mut pages, &mut block, &mut line);
                    block = Some(Block {
                        id,
                        lines: Vec::new(),
                        site: None,
                    });
                    Kind::Block
                } else if LINE_CLASSES.iter().any(|c| has_class(&class, c)) {
                    flush_line(&mut block, &mut line);
                    line = Some(Line {
                        id,
                        bbox: props.bbox,
                        words: Vec::new(),
                        site: None,
                    });
                    Kind::Line
                } else if has_class(&class, "ocrx_word") {
                    word = Some(Word {
                        id,
                        text: String::new(),
                        bbox: props.bbox,
                        confidence: props.wconf.map(|c| (c / 100.0).clamp(0.0, 1.0) as f32),
                        site: Site {
                            tag: range.clone(),
                            inner: range.end..range.end,
                            empty: false,
                        },
                    });
                    Kind::Word
                } else {
                    Kind::Other
                };
                stack.push(kind);
            }
            Ev::Empty(_) | Ev::Other => {}
            Ev::Text(t) => {
                if let Some(w) = word.as_mut() {
                    w.text.push_str(&t);
                }
            }
            Ev::End(name) => {
                if name == "head" && marks.record_at.is_none() {
                    marks.record_at = Some(range.start);
                }
                match stack.pop() {
                    Some(Kind::Word) => {
                        if let Some(mut w) = word.take() {
                            w.site.inner.end = range.start;
                            w.text = w.text.split_whitespace().collect::<Vec<_>>().join(" ");
                            if !w.text.is_empty() {
                                if line.is_none() {
                                    line = Some(Line {
                                        id: String::new(),
                                        bbox: None,
                                        words: Vec::new(),
                                        site: None,
                                    });
                                }
                                if let Some(l) = line.as_mut() {
                                    l.words.push(w);
                                }
                            }
                        }
                    }
                    Some(Kind::Line) => flush_line(&mut block, &mut line),
                    Some(Kind::Block) | Some(Kind::Page) => {
                        flush_block(&mut pages, &mut block, &mut line)
                    }
                    _ => {}
                }
            }
            Ev::Eof => break,
        }
    }
    flush_block(&mut pages, &mut block, &mut line);
    Ok(("1".into(), pages, marks))
}

fn flush_line(block: &mut Option<Block>, line: &mut Option<Line>) {
    if let Some(mut l) = line.take() {
        if l.words.is_empty() {
            return;
        }
        if l.bbox.is_none() {
            l.bbox = union(l.words.iter().filter_map(|w| w.bbox));
        }
        block
            .get_or_insert_with(|| Block {
                id: String::new(),
                lines: Vec::new(),
                site: None,
            })
            .lines
            .push(l);
    }
}

fn flush_block(pages: &mut Vec<Page>, block: &mut Option<Block>, line: &mut Option<Line>) {
    flush_line(block, line);
    if let Some(b) = block.take() {
        if b.lines.is_empty() {
            return;
        }
        if pages.is_empty() {
            pages.push(Page {
                id: String::new(),
                width: 0.0,
                height: 0.0,
                blocks: Vec::new(),
            });
        }
        if let Some(p) = pages.last_mut() {
            p.blocks.push(b);
        }
    }
}

fn has_class(class: &str, want: &str) -> bool {
    class.split_whitespace().any(|c| c == want)
}

/// The `title` properties sohoa uses.
struct Props {
    bbox: Option<BBox>,
    wconf: Option<f64>,
}

impl Props {
    fn parse(title: &str) -> Props {
        let mut p = Props {
            bbox: None,
            wconf: None,
        };
        for part in title.split(';') {
            let mut it = part.split_whitespace();
            match it.next() {
                Some("bbox") => {
                    let v: Vec<f64> = it.filter_map(super::num).collect();
                    if let [x0, y0, x1, y1] = v[..] {
                        p.bbox = Some(BBox { x0, y0, x1, y1 });
                    }
                }
                Some("x_wconf") => p.wconf = it.next().and_then(super::num),
                _ => {}
            }
        }
        p
    }
}

/// Re-emit the hOCR with corrections spliced in.
pub(super) fn write(
    doc: &OcrDocument,
    corr: &BTreeMap<usize, &Correction>,
    info: &ProcessingInfo,
) -> String {
    let mut edits = Vec::new();
    for (i, w) in doc.words().enumerate() {
        let Some(c) = corr.get(&i) else { continue };
        let close = w.site.tag.end.saturating_sub(1);
        edits.push((
            close..close,
            format!(
                " data-original=\"{}\" data-confidence=\"{:.3}\"",
                esc(&w.text),
                c.confidence
            ),
        ));
        edits.push((w.site.inner.clone(), esc(&c.text)));
    }
    if let Some(at) = doc.marks.record_at {
        edits.push((
            at..at,
            format!(
                "  <meta name=\"sohoa-processing\" content=\"{}\"/>\n ",
                esc(&info.summary())
            ),
        ));
    }
    super::xml::splice(&doc.raw, edits)
}
