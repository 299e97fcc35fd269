//! Line geometry for the structure stage: page furniture (page numbers, footnotes, running
//! headers) is easiest to find by position, which plain text loses.

use serde::Serialize;

use super::{BBox, OcrDocument};

/// One text line with its place on the page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LineGeometry {
    /// 1-based line number in [`OcrDocument::text`].
    pub line: usize,
    /// 0-based page index.
    pub page: usize,
    /// The line box, if known.
    pub bbox: Option<BBox>,
    /// Page height (0 if unknown).
    pub page_height: f64,
    /// The line's text.
    pub text: String,
}

/// What a line looks like by position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Furniture {
    /// A lone number (or `Trang N`, `- N -`) in the top or bottom band of the page.
    PageNumber,
    /// A small line in the bottom 12% of the page.
    Footnote,
    /// A small line in the top 6% of the page.
    RunningHeader,
}

pub(super) fn lines(doc: &OcrDocument) -> Vec<LineGeometry> {
    let mut out = Vec::new();
    let mut no = 0usize;
    for (pi, page) in doc.pages.iter().enumerate() {
        if pi > 0 {
            no += 1;
        }
        for l in page.blocks.iter().flat_map(|b| b.lines.iter()) {
            no += 1;
            out.push(LineGeometry {
                line: no,
                page: pi,
                bbox: l.bbox,
                page_height: page.height,
                text: l
                    .words
                    .iter()
                    .map(|w| w.text.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
            });
        }
    }
    out
}

/// `3`, `- 3 -`, `Trang 3`, `tr. 3`: a page number by its text.
fn looks_like_page_number(t: &str) -> bool {
    let t = t
        .trim()
        .trim_matches(|c: char| c == '-' || c == '–' || c.is_whitespace());
    let lower = t.to_lowercase();
    let rest = lower
        .strip_prefix("trang")
        .or_else(|| lower.strip_prefix("tr."))
        .unwrap_or(&lower)
        .trim();
    !rest.is_empty() && rest.len() <= 4 && rest.chars().all(|c| c.is_ascii_digit())
}

pub(super) fn furniture(doc: &OcrDocument) -> Vec<(usize, Furniture)> {
    let all = lines(doc);
    let mut out = Vec::new();
    for page in 0..doc.pages.len() {
        let ls: Vec<&LineGeometry> = all.iter().filter(|l| l.page == page).collect();
        let mut heights: Vec<f64> = ls
            .iter()
            .filter_map(|l| l.bbox.map(|b| b.height()))
            .collect();
        heights.sort_by(f64::total_cmp);
        let median = heights.get(heights.len() / 2).copied().unwrap_or(0.0);
        for l in ls {
            let (Some(b), h) = (l.bbox, l.page_height) else {
                continue;
            };
            if h <= 0.0 {
                continue;
            }
            let bottom = b.y0 >= 0.88 * h;
            let top = b.y1 <= 0.06 * h;
            let small = median > 0.0 && b.height() < 0.8 * median;
            if (bottom || top) && looks_like_page_number(&l.text) {
                out.push((l.line, Furniture::PageNumber));
            } else if bottom && small {
                out.push((l.line, Furniture::Footnote));
            } else if top && small {
                out.push((l.line, Furniture::RunningHeader));
            }
        }
    }
    out
}
