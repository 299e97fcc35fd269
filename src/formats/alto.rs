//! ALTO v2–v4: `Page` (WIDTH, HEIGHT), `TextBlock`, `TextLine`, `String` (CONTENT, HPOS, VPOS,
//! WIDTH, HEIGHT, WC in 0..1).
//!
//! Writing rebuilds only the start tag of a corrected `String` (new CONTENT, WC set to the
//! correction's confidence, CC dropped because it described the old characters) and adds the OCR
//! reading as `<ALTERNATIVE PURPOSE="OCR">` after any `Shape`, as the schema orders them. The
//! processing record is a `Processing` element (v4) or a `postProcessingStep` of the first
//! `OCRProcessing` (v2/v3; a new `OCRProcessing` when there is none).

use std::collections::BTreeMap;

use quick_xml::events::Event;
use quick_xml::Reader;

use super::xml::{esc, local, retag, Ev, Scan};
use super::{
    num, union, BBox, Block, Correction, Line, Marks, OcrDocument, Page, ProcessingInfo, Site, Word,
};
use crate::Result;

/// Parse ALTO.
pub(super) fn read(src: &str, path: &str) -> Result<(String, Vec<Page>, Marks)> {
    let mut scan = Scan::new(src, path)?;
    let mut marks = Marks::default();
    let mut version = String::new();
    let mut pages: Vec<Page> = Vec::new();
    let mut block: Option<Block> = None;
    let mut line: Option<Line> = None;
    let mut word: Option<Word> = None;
    loop {
        let (ev, range) = scan.next()?;
        let (e, empty) = match ev {
            Ev::Start(e) => (e, false),
            Ev::Empty(e) => (e, true),
            Ev::End(name) => {
                match name.as_str() {
                    "Description" if marks.record_at.is_none() => {
                        marks.record_at = Some(range.start);
                    }
                    "ocrProcessingStep" if marks.after_ocr_step.is_none() => {
                        marks.after_ocr_step = Some(range.end);
                    }
                    "Shape" => {
                        if let Some(w) = word.as_mut() {
                            w.site.inner = range.end..range.end;
                        }
                    }
                    "String" => push_word(&mut line, word.take()),
                    "TextLine" => flush_line(&mut block, &mut line),
                    "TextBlock" => flush_block(&mut pages, &mut block, &mut line),
                    _ => {}
                }
                continue;
            }
            Ev::Eof => break,
            Ev::Text(_) | Ev::Other => continue,
        };
        match local(&e).as_str() {
            "alto" => {
                marks.after_root = Some(range.end);
                marks.prefix = prefix_of(src.get(range.clone()).unwrap_or(""));
                version = alto_version(&e, &scan)?;
            }
            "Page" => {
                flush_block(&mut pages, &mut block, &mut line);
                pages.push(Page {
                    id: scan.attr(&e, "ID")?.unwrap_or_default(),
                    width: scan
                        .attr(&e, "WIDTH")?
                        .as_deref()
                        .and_then(num)
                        .unwrap_or(0.0),
                    height: scan
                        .attr(&e, "HEIGHT")?
                        .as_deref()
                        .and_then(num)
                        .unwrap_or(0.0),
                    blocks: Vec::new(),
                });
            }
            "TextBlock" if !empty => {
                flush_block(&mut pages, &mut block, &mut line);
                block = Some(Block {
                    id: scan.attr(&e, "ID")?.unwrap_or_default(),
                    lines: Vec::new(),
                    site: None,
                });
            }
            "TextLine" if !empty => {
                flush_line(&mut block, &mut line);
                line = Some(Line {
                    id: scan.attr(&e, "ID")?.unwrap_or_default(),
                    bbox: rect(&scan, &e)?,
                    words: Vec::new(),
                    site: None,
                });
            }
            "String" => {
                let w = Word {
                    id: scan.attr(&e, "ID")?.unwrap_or_default(),
                    text: scan.need(&e, "CONTENT")?,
                    bbox: rect(&scan, &e)?,
                    confidence: scan
                        .attr(&e, "WC")?
                        .as_deref()
                        .and_then(num)
                        .map(|c| c.clamp(0.0, 1.0) as f32),
                    site: Site {
                        tag: range.clone(),
                        inner: range.end..range.end,
                        empty,
                    },
                };
                if empty {
                    push_word(&mut line, Some(w));
                } else {
                    word = Some(w);
                }
            }
            _ => {}
        }
    }
    flush_block(&mut pages, &mut block, &mut line);
    Ok((version, pages, marks))
}

fn alto_version(e: &quick_xml::events::BytesStart<'_>, scan: &Scan<'_>) -> Result<String> {
    for a in e.attributes().with_checks(false).flatten() {
        let v: &str = &a.value;
        for n in ['2', '3', '4'] {
            if v.contains(&format!("ns-v{n}#")) {
                return Ok(n.to_string());
            }
        }
    }
    Ok(scan
        .attr(e, "SCHEMAVERSION")?
        .and_then(|v| v.chars().next())
        .map_or_else(|| "2".to_string(), |c| c.to_string()))
}

fn rect(scan: &Scan<'_>, e: &quick_xml::events::BytesStart<'_>) -> Result<Option<BBox>> {
    let get = |k: &str| -> Result<Option<f64>> { Ok(scan.attr(e, k)?.as_deref().and_then(num)) };
    Ok(
        match (get("HPOS")?, get("VPOS")?, get("WIDTH")?, get("HEIGHT")?) {
            (Some(x), Some(y), Some(w), Some(h)) => Some(BBox {
                x0: x,
                y0: y,
                x1: x + w,
                y1: y + h,
            }),
            _ => None,
        },
    )
}

fn push_word(line: &mut Option<Line>, w: Option<Word>) {
    let Some(w) = w else { return };
    if w.text.trim().is_empty() {
        return;
    }
    line.get_or_insert_with(|| Line {
        id: String::new(),
        bbox: None,
        words: Vec::new(),
        site: None,
    })
    .words
    .push(w);
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

/// The namespace prefix (with its colon) of the element whose tag starts `raw`.
pub(super) fn prefix_of(raw: &str) -> String {
    let name: String = raw
        .trim_start_matches('<')
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '>' && *c != '/')
        .collect();
    match name.rfind(':') {
        Some(i) => name.get(..=i).unwrap_or("").to_string(),
        None => String::new(),
    }
}

/// Re-emit the ALTO with corrections spliced in.
pub(super) fn write(
    doc: &OcrDocument,
    corr: &BTreeMap<usize, &Correction>,
    info: &ProcessingInfo,
) -> String {
    let raw = &doc.raw;
    let mut edits = Vec::new();
    let purpose = if doc.version == "2" {
        String::new()
    } else {
        " PURPOSE=\"OCR\"".to_string()
    };
    for (i, w) in doc.words().enumerate() {
        let Some(c) = corr.get(&i) else { continue };
        let Some(tag) = raw.get(w.site.tag.clone()) else {
            continue;
        };
        let mut r = Reader::from_str(tag);
        let e = match r.read_event() {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => e,
            _ => continue,
        };
        let set = [
            ("CONTENT", Some(c.text.clone())),
            ("WC", Some(format!("{:.3}", c.confidence))),
            ("CC", None),
        ];
        let new_tag = retag(&e, &set, ">");
        let p = prefix_of(tag);
        let alt = format!("<{p}ALTERNATIVE{purpose}>{}</{p}ALTERNATIVE>", esc(&w.text));
        if w.site.empty {
            let name_q = e.name();
            let name: &str = name_q.as_ref();
            edits.push((w.site.tag.clone(), format!("{new_tag}{alt}</{name}>")));
        } else {
            edits.push((w.site.tag.clone(), new_tag));
            edits.push((w.site.inner.clone(), alt));
        }
    }
    let p = doc.marks.prefix.clone();
    let id = unique_id(raw, "SOHOA_PROCESSING");
    let body = step_body(&p, info, doc.version == "4");
    if doc.version == "4" {
        if let Some(at) = doc.marks.record_at {
            edits.push((
                at..at,
                format!("<{p}Processing ID=\"{id}\">{body}</{p}Processing>"),
            ));
        }
    } else if let Some(at) = doc.marks.after_ocr_step {
        edits.push((
            at..at,
            format!("<{p}postProcessingStep>{body}</{p}postProcessingStep>"),
        ));
    } else if let Some(at) = doc.marks.record_at {
        edits.push((
            at..at,
            format!(
                "<{p}OCRProcessing ID=\"{id}\"><{p}ocrProcessingStep>{body}</{p}ocrProcessingStep></{p}OCRProcessing>"
            ),
        ));
    }
    super::xml::splice(raw, edits)
}

/// The children of a processing step, in schema order.
fn step_body(p: &str, info: &ProcessingInfo, category: bool) -> String {
    let mut s = String::new();
    if category {
        s.push_str(&format!(
            "<{p}processingCategory>contentModification</{p}processingCategory>"
        ));
    }
    if !info.time.is_empty() {
        s.push_str(&format!(
            "<{p}processingDateTime>{}</{p}processingDateTime>",
            esc(&info.time)
        ));
    }
    s.push_str(&format!(
        "<{p}processingStepDescription>Vietnamese diacritic restoration; OCR reading kept in ALTERNATIVE, WC is the correction confidence</{p}processingStepDescription>"
    ));
    s.push_str(&format!(
        "<{p}processingStepSettings>model={}; parameters={}</{p}processingStepSettings>",
        esc(&info.model_version),
        esc(&info.parameters)
    ));
    s.push_str(&format!(
        "<{p}processingSoftware><{p}softwareName>{}</{p}softwareName><{p}softwareVersion>{}</{p}softwareVersion></{p}processingSoftware>",
        esc(&info.tool),
        esc(&info.version)
    ));
    s
}

/// An ID not yet used in `raw`.
fn unique_id(raw: &str, base: &str) -> String {
    let mut n = 1usize;
    loop {
        let id = format!("{base}_{n}");
        if !raw.contains(&id) {
            return id;
        }
        n += 1;
    }
}
