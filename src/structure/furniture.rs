//! Page furniture: page numbers are set aside, and footnotes (`¹ Theo ...`, or `1 Các Sở: ...`
//! and, after OCR, `! Các Sở: ...`) are taken out of the body and linked to their call sites
//! (`70%¹`, read as `70%1` or `70%!`). A line that merely starts with a number (`6 tháng đầu năm`)
//! is not a footnote: a plain-digit marker needs a call site before it.

use super::{squash, Role, Text};
use crate::schema::{Call, Footnote};
use regex::Regex;
use std::collections::BTreeSet;
use std::ops::Range;
use std::sync::OnceLock;

const SUPERSCRIPTS: &str = "⁰¹²³⁴⁵⁶⁷⁸⁹";

struct Res {
    page: Regex,
    note: Regex,
    glued_digit: Regex,
    glued_mark: Regex,
}

fn res() -> Option<&'static Res> {
    static R: OnceLock<Option<Res>> = OnceLock::new();
    R.get_or_init(|| {
        Some(Res {
            page: Regex::new(
                r"(?i)^\s*(?:[-–]\s*\d{1,3}\s*[-–]|\d{1,3}|trang\s+\d{1,3}(?:\s*/\s*\d{1,3})?)\s*$",
            )
            .ok()?,
            note: Regex::new(
                r"^\s*([⁰¹²³⁴⁵⁶⁷⁸⁹]+\s*|\(\*\)\s*|\*\s+|[!?]\s*|\d{1,2}\s+)(\p{Lu}.*)$",
            )
            .ok()?,
            glued_digit: Regex::new(r"[\p{Ll}%)](\d{1,2})(?:[\s,.;:)]|$)").ok()?,
            glued_mark: Regex::new(r"[\p{L}\d%)]([!?])(?:[\s,.;:)]|$)").ok()?,
        })
    })
    .as_ref()
}

fn superscript_digits(s: &str) -> Option<String> {
    let mut out = String::new();
    for c in s.chars() {
        let i = SUPERSCRIPTS.chars().position(|x| x == c)?;
        out.push(char::from(b'0' + i as u8));
    }
    Some(out)
}

fn to_superscript(d: &str) -> String {
    d.chars()
        .filter_map(|c| c.to_digit(10))
        .filter_map(|i| SUPERSCRIPTS.chars().nth(i as usize))
        .collect()
}

/// Candidate call sites (restored byte ranges) for a marker, in lines before `before`.
fn calls_for(
    text: &Text,
    roles: &[Role],
    marker: &str,
    before: usize,
    re: &Res,
) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let digits = superscript_digits(marker).or_else(|| {
        marker
            .chars()
            .all(|c| c.is_ascii_digit())
            .then(|| marker.to_string())
    });
    for i in 0..before {
        if matches!(
            roles.get(i),
            Some(Role::Footnote | Role::Meta | Role::Furniture)
        ) {
            continue;
        }
        let line = text.line(i);
        let (ls, _) = text.line_bytes(i);
        if let Some(d) = &digits {
            let sup = to_superscript(d);
            for (b, _) in line.match_indices(sup.as_str()) {
                out.push((ls + b, ls + b + sup.len()));
            }
            for c in re.glued_digit.captures_iter(line) {
                if let Some(m) = c.get(1).filter(|m| m.as_str() == d) {
                    out.push((ls + m.start(), ls + m.end()));
                }
            }
        } else if marker == "(*)" || marker == "*" {
            for (b, _) in line.match_indices("(*)") {
                if b > 0 {
                    out.push((ls + b, ls + b + 3));
                }
            }
        } else {
            for c in re.glued_mark.captures_iter(line) {
                if let Some(m) = c.get(1).filter(|m| m.as_str() == marker) {
                    out.push((ls + m.start(), ls + m.end()));
                }
            }
        }
    }
    out.sort_unstable();
    out
}

/// Mark page numbers and footnotes in the body lines and return the footnotes.
pub fn find(text: &Text, roles: &mut [Role], body: Range<usize>) -> Vec<Footnote> {
    let mut notes = Vec::new();
    let Some(re) = res() else {
        return notes;
    };
    let mut claimed: BTreeSet<usize> = BTreeSet::new();
    for i in body {
        if roles.get(i) != Some(&Role::Body) {
            continue;
        }
        let line = text.line(i);
        if re.page.is_match(line) {
            roles[i] = Role::Furniture;
            continue;
        }
        let Some(c) = re.note.captures(line) else {
            continue;
        };
        let (Some(m), Some(body_text)) = (c.get(1), c.get(2)) else {
            continue;
        };
        let marker = m.as_str().trim().to_string();
        let plain_digit = marker.chars().all(|c| c.is_ascii_digit());
        let calls: Vec<(usize, usize)> = calls_for(text, roles, &marker, i, re)
            .into_iter()
            .filter(|(s, _)| !claimed.contains(s))
            .collect();
        if plain_digit && calls.is_empty() {
            continue;
        }
        roles[i] = Role::Footnote;
        // A call belongs to the nearest footnote after it with that marker: take the calls
        // not yet claimed by an earlier footnote.
        for (s, _) in &calls {
            claimed.insert(*s);
        }
        let (ls, _) = text.line_bytes(i);
        let (ts, te) = text.trimmed_line_bytes(i);
        let _ = ts;
        let (line_no, span) = text.span(
            ls + m.start() + (m.as_str().len() - m.as_str().trim_start().len()),
            te,
        );
        notes.push(Footnote {
            marker,
            text: squash(body_text.as_str()),
            calls: calls
                .iter()
                .map(|&(s, e)| {
                    let (line, span) = text.span(s, e);
                    Call { line, span }
                })
                .collect(),
            line: line_no,
            span,
        });
    }
    notes
}
