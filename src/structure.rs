//! Segmentation of a restored notice: header and signature block, page furniture and footnotes,
//! and the section tree. Everything is found in the restored text and located in the original
//! through [`Text`], so that OCR damage only has to be tolerated, never repaired, here.
//!
//! Submodules, one job each: `text` (the line table and span mapping), `header` (type, number,
//! date, title, signer, recipients), `furniture` (page numbers and footnotes), `sections`
//! (markers, levels and classes).

mod furniture;
mod header;
mod sections;
mod text;

pub use text::Text;

use crate::schema::{Footnote, Header, Section};

/// What a line is, once the layout is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Empty.
    Blank,
    /// Header or signature-block line (motto, number, place and date, issuer, recipients, signer).
    Meta,
    /// The title or subject.
    Title,
    /// Running text.
    Body,
    /// A line that starts a section.
    Heading,
    /// A footnote set aside.
    Footnote,
    /// A page number or running header.
    Furniture,
}

/// The layout of a notice.
#[derive(Debug, Clone)]
pub struct Layout {
    /// Header and signature block.
    pub header: Header,
    /// Sections in reading order.
    pub sections: Vec<Section>,
    /// Footnotes with their calls.
    pub footnotes: Vec<Footnote>,
    /// One role per line.
    pub roles: Vec<Role>,
    /// For each line, the index in `sections` of the innermost section holding it.
    pub section_of_line: Vec<Option<usize>>,
    /// Restored byte ranges of heading markers (`I.`, `a)`), which are not quantities.
    pub markers: Vec<(usize, usize)>,
    /// Year of the document (from its date, or the first year in its title), for dates written
    /// without one.
    pub year: Option<i32>,
}

impl Layout {
    /// Id of the innermost section holding restored byte `b`.
    #[must_use]
    pub fn section_at(&self, text: &Text, b: usize) -> Option<String> {
        let l = text.line_of(b);
        self.section_of_line
            .get(l)
            .copied()
            .flatten()
            .and_then(|i| self.sections.get(i))
            .map(|s| s.id.clone())
    }
}

/// Segment a notice.
#[must_use]
pub fn analyse(text: &Text) -> Layout {
    let mut roles = vec![Role::Body; text.line_count()];
    for (i, r) in roles.iter_mut().enumerate() {
        if text.line(i).trim().is_empty() {
            *r = Role::Blank;
        }
    }
    let (header, body) = header::find(text, &mut roles);
    let footnotes = furniture::find(text, &mut roles, body.clone());
    let year = header
        .date
        .as_ref()
        .and_then(|d| d.value.get(..4))
        .and_then(|y| y.parse().ok())
        .or_else(|| {
            header.title.as_ref().and_then(|t| {
                regex::Regex::new(r"\b(19|20)\d\d\b")
                    .ok()?
                    .find(&t.value)?
                    .as_str()
                    .parse()
                    .ok()
            })
        });
    let (sections, section_of_line, markers) = sections::find(text, &mut roles, body);
    Layout {
        header,
        sections,
        footnotes,
        roles,
        section_of_line,
        markers,
        year,
    }
}

/// ISO date from day, month and year, or `None` when they are not a calendar date.
#[must_use]
pub fn iso_date(d: u32, m: u32, y: i32) -> Option<String> {
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if d == 0 || d > days || !(1900..=2100).contains(&y) {
        return None;
    }
    Some(format!("{y:04}-{m:02}-{d:02}"))
}

/// True when the line has letters and none of them is lower case (`TỈNH ĐỒNG NAI`).
#[must_use]
pub fn is_upper_line(s: &str) -> bool {
    let letters = s.chars().filter(|c| c.is_alphabetic()).count();
    letters >= 3 && !s.chars().any(|c| c.is_lowercase())
}

/// Collapse runs of whitespace into one space and trim.
#[must_use]
pub fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
