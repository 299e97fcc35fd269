//! PAGE-XML 2013–2019: `Page` (imageWidth, imageHeight), `TextRegion`, `TextLine`, `Word`, each
//! with `Coords/@points` and `TextEquiv/Unicode` (`@conf` in 0..1). Glyph-level text is ignored.
//!
//! Writing replaces a corrected word's first `TextEquiv` by a new one (`index="1"`, the correction
//! and its confidence) followed by the original element re-emitted with `index="2"`; the line's and
//! region's `Unicode` are rebuilt from the words when they changed. The processing record is a
//! `Metadata/MetadataItem` (2018+; an XML comment for older namespaces, which lack it), and
//! `LastChange` is set to the processing time.

use std::collections::BTreeMap;

use quick_xml::events::Event;
use quick_xml::Reader;

use super::alto::prefix_of;
use super::xml::{esc, local, retag, Ev, Scan};
use super::{
    num, union, BBox, Block, Correction, Line, Marks, OcrDocument, Page, ProcessingInfo, Site, Word,
};
use crate::Result;

/// A `TextEquiv` being read: its element range start, start-tag range and Unicode content.
#[derive(Default)]
struct Equiv {
    start: usize,
    tag: std::ops::Range<usize>,
    conf: Option<f32>,
    unicode: Option<std::ops::Range<usize>>,
    text: String,
    in_unicode: bool,
}

/// Parse PAGE-XML.
pub(super) fn read(src: &str, path: &str) -> Result<(String, Vec<Page>, Marks)> {
    let mut scan = Scan::new(src, path)?;
    let mut marks = Marks::default();
    let mut version = String::new();
    let mut pages: Vec<Page> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    let mut regions: Vec<Block> = Vec::new();
    let mut line: Option<Line> = None;
    let mut word: Option<Word> = None;
    let mut equiv: Option<(Equiv, String)> = None; // (state, owner element name)
    let mut last_change_start: Option<usize> = None;
    loop {
        let (ev, range) = scan.next()?;
        match ev {
            Ev::Start(e) => {
                let name = local(&e);
                let parent = names.last().cloned().unwrap_or_default();
                start_elem(
                    &scan,
                    &e,
                    &name,
                    &parent,
                    range.clone(),
                    false,
                    &mut State {
                        version: &mut version,
                        marks: &mut marks,
                        pages: &mut pages,
                        regions: &mut regions,
                        line: &mut line,
                        word: &mut word,
                        equiv: &mut equiv,
                    },
                )?;
                if name == "LastChange" {
                    last_change_start = Some(range.end);
                }
                if name == "Unicode" {
                    if let Some((q, _)) = equiv.as_mut() {
                        q.in_unicode = true;
                        q.unicode = Some(range.end..range.end);
                    }
                }
                names.push(name);
            }
            Ev::Empty(e) => {
                let name = local(&e);
                let parent = names.last().cloned().unwrap_or_default();
                start_elem(
                    &scan,
                    &e,
                    &name,
                    &parent,
                    range.clone(),
                    true,
                    &mut State {
                        version: &mut version,
                        marks: &mut marks,
                        pages: &mut pages,
                        regions: &mut regions,
                        line: &mut line,
                        word: &mut word,
                        equiv: &mut equiv,
                    },
                )?;
            }
            Ev::Text(t) => {
                if let Some((q, _)) = equiv.as_mut() {
                    if q.in_unicode {
                        q.text.push_str(&t);
                    }
                }
            }
            Ev::End(name) => {
                names.pop();
                match name.as_str() {
                    "Metadata" if marks.record_at.is_none() => marks.record_at = Some(range.start),
                    "LastChange" => {
                        if let Some(s) = last_change_start.take() {
                            marks.last_change = Some(s..range.start);
                        }
                    }
                    "Unicode" => {
                        if let Some((q, _)) = equiv.as_mut() {
                            q.in_unicode = false;
                            if let Some(u) = q.unicode.as_mut() {
                                u.end = range.start;
                            }
                        }
                    }
                    "TextEquiv" => {
                        if let Some((q, owner)) = equiv.take() {
                            finish_equiv(q, &owner, range.end, &mut regions, &mut line, &mut word);
                        }
                    }
                    "Word" => {
                        if let Some(w) = word.take() {
                            if !w.text.is_empty() {
                                if let Some(l) = line.as_mut() {
                                    l.words.push(w);
                                }
                            }
                        }
                    }
                    "TextLine" => {
                        if let Some(mut l) = line.take() {
                            if l.bbox.is_none() {
                                l.bbox = union(l.words.iter().filter_map(|w| w.bbox));
                            }
                            if !l.words.is_empty() {
                                if let Some(r) = regions.last_mut() {
                                    r.lines.push(l);
                                }
                            }
                        }
                    }
                    "TextRegion" => {
                        if let Some(b) = regions.pop() {
                            if !b.lines.is_empty() {
                                if let Some(p) = pages.last_mut() {
                                    p.blocks.push(b);
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
            Ev::Other => {}
            Ev::Eof => break,
        }
    }
    Ok((version, pages, marks))
}

/// The reader's mutable state, passed to [`start_elem`].
struct State<'s> {
    version: &'s mut String,
    marks: &'s mut Marks,
    pages: &'s mut Vec<Page>,
    regions: &'s mut Vec<Block>,
    line: &'s mut Option<Line>,
    word: &'s mut Option<Word>,
    equiv: &'s mut Option<(Equiv, String)>,
}

fn start_elem(
    scan: &Scan<'_>,
    e: &quick_xml::events::BytesStart<'_>,
    name: &str,
    parent: &str,
    range: std::ops::Range<usize>,
    empty: bool,
    st: &mut State<'_>,
) -> Result<()> {
    match name {
        "PcGts" => {
            st.marks.after_root = Some(range.end);
            let n_q = e.name();
            let n: &str = n_q.as_ref();
            st.marks.prefix = prefix_of(n);
            for a in e.attributes().with_checks(false).flatten() {
                let v: &str = &a.value;
                if let Some(i) = v.find("pagecontent/") {
                    *st.version = v.get(i + 12..).unwrap_or("").chars().take(10).collect();
                }
            }
        }
        "Page" => st.pages.push(Page {
            id: scan.attr(e, "imageFilename")?.unwrap_or_default(),
            width: scan
                .attr(e, "imageWidth")?
                .as_deref()
                .and_then(num)
                .unwrap_or(0.0),
            height: scan
                .attr(e, "imageHeight")?
                .as_deref()
                .and_then(num)
                .unwrap_or(0.0),
            blocks: Vec::new(),
        }),
        "TextRegion" if !empty => {
            if st.pages.is_empty() {
                return Err(super::xml::err(scan.path(), "TextRegion outside Page"));
            }
            st.regions.push(Block {
                id: scan.attr(e, "id")?.unwrap_or_default(),
                lines: Vec::new(),
                site: None,
            });
        }
        "TextLine" if !empty => {
            *st.line = Some(Line {
                id: scan.attr(e, "id")?.unwrap_or_default(),
                bbox: None,
                words: Vec::new(),
                site: None,
            });
        }
        "Word" if !empty => {
            *st.word = Some(Word {
                id: scan.attr(e, "id")?.unwrap_or_default(),
                text: String::new(),
                bbox: None,
                confidence: None,
                site: Site::default(),
            });
        }
        "Coords" => {
            let b = match scan.attr(e, "points")? {
                Some(p) => points(&p),
                None => None,
            };
            match parent {
                "Word" => {
                    if let Some(w) = st.word.as_mut() {
                        w.bbox = b;
                    }
                }
                "TextLine" => {
                    if let Some(l) = st.line.as_mut() {
                        l.bbox = b;
                    }
                }
                _ => {}
            }
        }
        "TextEquiv" if !empty && matches!(parent, "Word" | "TextLine" | "TextRegion") => {
            *st.equiv = Some((
                Equiv {
                    start: range.start,
                    tag: range.clone(),
                    conf: scan
                        .attr(e, "conf")?
                        .as_deref()
                        .and_then(num)
                        .map(|c| c.clamp(0.0, 1.0) as f32),
                    ..Equiv::default()
                },
                parent.to_string(),
            ));
        }
        _ => {}
    }
    Ok(())
}

/// Record a finished `TextEquiv` on its owner; only the first one of each owner counts.
fn finish_equiv(
    q: Equiv,
    owner: &str,
    end: usize,
    regions: &mut [Block],
    line: &mut Option<Line>,
    word: &mut Option<Word>,
) {
    match owner {
        "Word" => {
            if let Some(w) = word.as_mut() {
                if w.site.tag.is_empty() {
                    w.site = Site {
                        tag: q.start..end,
                        inner: q.tag.clone(),
                        empty: false,
                    };
                    w.text = q.text.split_whitespace().collect::<Vec<_>>().join(" ");
                    w.confidence = q.conf;
                }
            }
        }
        "TextLine" => {
            if let (Some(l), Some(u)) = (line.as_mut(), q.unicode) {
                if l.site.is_none() {
                    l.site = Some(Site {
                        tag: q.tag,
                        inner: u,
                        empty: false,
                    });
                }
            }
        }
        "TextRegion" => {
            if let (Some(r), Some(u)) = (regions.last_mut(), q.unicode) {
                if r.site.is_none() {
                    r.site = Some(Site {
                        tag: q.tag,
                        inner: u,
                        empty: false,
                    });
                }
            }
        }
        _ => {}
    }
}

/// Bounding box of a `points` list `x,y x,y ...`.
fn points(p: &str) -> Option<BBox> {
    union(p.split_whitespace().filter_map(|xy| {
        let (x, y) = xy.split_once(',')?;
        let (x, y) = (num(x)?, num(y)?);
        Some(BBox {
            x0: x,
            y0: y,
            x1: x,
            y1: y,
        })
    }))
}

/// Re-emit the PAGE-XML with corrections spliced in.
pub(super) fn write(
    doc: &OcrDocument,
    corr: &BTreeMap<usize, &Correction>,
    info: &ProcessingInfo,
) -> String {
    let raw = &doc.raw;
    let p = &doc.marks.prefix;
    let mut edits = Vec::new();
    let mut i = 0usize;
    for page in &doc.pages {
        for block in &page.blocks {
            let mut block_changed = false;
            let mut block_lines = Vec::new();
            for line in &block.lines {
                let mut line_changed = false;
                let mut texts = Vec::new();
                for w in &line.words {
                    let c = corr.get(&i);
                    i += 1;
                    texts.push(c.map_or(w.text.as_str(), |c| c.text.as_str()).to_string());
                    let Some(c) = c else { continue };
                    line_changed = true;
                    let Some(orig) = raw.get(w.site.tag.clone()) else {
                        continue;
                    };
                    let Some(orig_tag) = raw.get(w.site.inner.clone()) else {
                        continue;
                    };
                    let mut r = Reader::from_str(orig_tag);
                    let Ok(Event::Start(e)) = r.read_event() else {
                        continue;
                    };
                    let kept = retag(
                        &e,
                        &[
                            ("index", Some("2".into())),
                            ("comments", Some("original OCR reading".into())),
                        ],
                        ">",
                    );
                    let rest = orig.get(orig_tag.len()..).unwrap_or("");
                    edits.push((
                        w.site.tag.clone(),
                        format!(
                            "<{p}TextEquiv index=\"1\" conf=\"{:.3}\" comments=\"corrected by {}\"><{p}Unicode>{}</{p}Unicode></{p}TextEquiv>{kept}{rest}",
                            c.confidence,
                            esc(&info.tool),
                            esc(&c.text)
                        ),
                    ));
                }
                let joined = texts.join(" ");
                if line_changed {
                    block_changed = true;
                    if let Some(s) = &line.site {
                        edits.push((s.inner.clone(), esc(&joined)));
                    }
                }
                block_lines.push(joined);
            }
            if block_changed {
                if let Some(s) = &block.site {
                    edits.push((s.inner.clone(), esc(&block_lines.join("\n"))));
                }
            }
        }
    }
    let newer = doc.version.as_str() >= "2018";
    if let Some(at) = doc.marks.record_at {
        let rec = if newer {
            let date = if info.time.is_empty() {
                String::new()
            } else {
                format!(" date=\"{}\"", esc(&info.time))
            };
            format!(
                "<{p}MetadataItem type=\"processingStep\" name=\"{}\" value=\"{} {}\"{date}><{p}Labels><{p}Label type=\"model\" value=\"{}\"/><{p}Label type=\"parameters\" value=\"{}\"/></{p}Labels></{p}MetadataItem>",
                esc(&info.tool),
                esc(&info.tool),
                esc(&info.version),
                esc(&info.model_version),
                esc(&info.parameters)
            )
        } else {
            format!("<!-- {} -->", info.summary().replace("--", "- -"))
        };
        edits.push((at..at, rec));
    }
    if let (Some(r), false) = (&doc.marks.last_change, info.time.is_empty()) {
        edits.push((r.clone(), esc(&info.time)));
    }
    super::xml::splice(raw, edits)
}
