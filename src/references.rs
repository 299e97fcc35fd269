//! References to legal documents (`Quyết định số 27/2020/QĐ-UBND ngày 26/6/2020`) and dates and
//! periods (`ngày 23/3/2023`, `quý II/2023`, `6 tháng đầu năm 2023`).
//!
//! Both are found in the restored text with newlines read as spaces, so a citation split across
//! lines is one match. Their byte ranges are returned too: the indicator finder must not read
//! `573` of `573/QĐ-UBND` or `2023` of a date as a quantity.

use crate::schema::{DateMention, Reference};
use crate::structure::{iso_date, squash, Layout, Role, Text};
use regex::Regex;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// Canonical type names, and the symbol codes (Nghị định 30/2020/NĐ-CP) that imply them.
const TYPES: &[(&str, &[&str])] = &[
    ("Quyết định", &["QĐ", "QD"]),
    ("Nghị định", &["NĐ", "ND"]),
    ("Thông tư liên tịch", &["TTLT"]),
    ("Thông tư", &["TT"]),
    ("Chỉ thị", &["CT"]),
    ("Kế hoạch", &["KH"]),
    ("Kết luận", &["KL"]),
    ("Nghị quyết", &["NQ"]),
    ("Công văn", &["CV"]),
    ("Văn bản", &[]),
    ("Báo cáo thẩm định", &[]),
    ("Báo cáo", &["BC"]),
    ("Thông báo", &["TB"]),
    ("Tờ trình", &["TTr"]),
    ("Công điện", &["CĐ", "CD"]),
    ("Hướng dẫn", &["HD", "HĐ"]),
    ("Quy định", &["QyĐ"]),
    ("Quy chế", &["QC"]),
    ("Đề án", &["ĐA", "DA"]),
    ("Chương trình", &["CTr"]),
    ("Pháp lệnh", &[]),
    ("Luật", &[]),
    ("Thông tri", &[]),
];

struct Res {
    sym: Regex,
    typ: Regex,
    ref_date: Regex,
    day_num: Regex,
    day_words: Regex,
    day_partial: Regex,
    quarter: Regex,
    months: Regex,
    month: Regex,
    stage: Regex,
    year_after: Regex,
}

fn res() -> Option<&'static Res> {
    static R: OnceLock<Option<Res>> = OnceLock::new();
    const DATE: &str = r"(\d{1,2})\s*(?:/|-|\s+tháng\s+)\s*(\d{1,2})\s*(?:/|-|\s+năm\s+)\s*(\d{4})";
    R.get_or_init(|| {
        let names: Vec<String> = TYPES.iter().map(|(n, _)| regex::escape(n)).collect();
        Some(Res {
            sym: Regex::new(
                r"\d{1,5}(?:/\d{4})?[/-][A-ZĐ][A-Za-zĐđ]*(?:[-/][A-ZĐ0-9][A-Za-zĐđ0-9]*)*",
            )
            .ok()?,
            typ: Regex::new(&format!(r"(?i)({})\s+(?:số\s*:?\s*)?$", names.join("|"))).ok()?,
            ref_date: Regex::new(&format!(r"(?i)^\s*,?\s*(?:ban hành\s+)?ngày\s+{DATE}")).ok()?,
            day_num: Regex::new(r"(?i)(?:ngày\s+)?(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})").ok()?,
            day_words: Regex::new(
                r"(?i)ngày\s+([\dIl|]{1,2})\s+tháng\s+([\dIl|]{1,2})\s+năm\s+(\d{4})",
            )
            .ok()?,
            day_partial: Regex::new(r"(?i)ngày\s+(\d{1,2})\s*/\s*(\d{1,2})").ok()?,
            quarter: Regex::new(r"(?i)quý\s+(IV|III|II|I|[1-4])\s*(?:/\s*|năm\s+)(\d{4})").ok()?,
            months: Regex::new(r"(?i)(\d{1,2}|sáu|chín)\s+tháng\s+(đầu|cuối)\s+năm(?:\s+(\d{4}))?")
                .ok()?,
            month: Regex::new(r"(?i)tháng\s+(\d{1,2})\s*(?:/|\s+năm\s+)\s*(\d{4})").ok()?,
            stage: Regex::new(r"(?i)giai\s+đoạn\s+(\d{4})\s*[-–]\s*(\d{4})").ok()?,
            year_after: Regex::new(r"^[^.;]{0,40}?/(\d{4})").ok()?,
        })
    })
    .as_ref()
}

fn type_for_symbol(sym: &str) -> Option<&'static str> {
    // The code after the number (and year): `573/QĐ-UBND` gives `QĐ`, `5125-CV/TU` gives `CV`.
    let code = sym
        .split(['/', '-'])
        .find(|p| p.chars().next().is_some_and(char::is_alphabetic))?;
    TYPES
        .iter()
        .find(|(_, codes)| codes.contains(&code))
        .map(|(n, _)| *n)
}

fn canonical(t: &str) -> String {
    let low = t.to_lowercase();
    TYPES
        .iter()
        .find(|(n, _)| n.to_lowercase() == low)
        .map_or_else(|| squash(t), |(n, _)| (*n).to_string())
}

fn usable(layout: &Layout, text: &Text, b: usize) -> bool {
    !matches!(layout.roles.get(text.line_of(b)), Some(Role::Meta))
}

/// References with their restored byte ranges.
#[must_use]
pub fn references(text: &Text, layout: &Layout) -> (Vec<Reference>, Vec<(usize, usize)>) {
    let mut out = Vec::new();
    let mut ranges = Vec::new();
    let Some(re) = res() else {
        return (out, ranges);
    };
    let flat = text.flat.as_str();
    for m in re.sym.find_iter(flat) {
        let before = flat[..m.start()].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '/' || c == '-' || c == '.') {
            continue;
        }
        if !usable(layout, text, m.start()) {
            continue;
        }
        let number = m.as_str().trim_end_matches(['-', '/']).to_string();
        let mut start = m.start();
        let back_from = flat.floor_char_boundary(m.start().saturating_sub(40));
        let written = re.typ.captures(&flat[back_from..m.start()]).and_then(|c| {
            let g = c.get(1)?;
            start = back_from + g.start();
            Some(canonical(g.as_str()))
        });
        let ref_type = written.or_else(|| type_for_symbol(&number).map(str::to_string));
        let mut end = m.start() + number.len();
        let mut date = None;
        if let Some(c) = re.ref_date.captures(&flat[end..]) {
            let num = |k: usize| c.get(k).and_then(|g| g.as_str().parse::<u32>().ok());
            if let (Some(d), Some(mo), Some(y), Some(all)) = (num(1), num(2), num(3), c.get(0)) {
                if let Some(iso) = iso_date(d, mo, y as i32) {
                    date = Some(iso);
                    end += all.end();
                }
            }
        }
        let (line, span) = text.span(start, end);
        ranges.push((start, end));
        out.push(Reference {
            ref_type,
            number,
            date,
            text: squash(&flat[start..end]),
            line,
            span,
        });
    }
    (out, ranges)
}

fn roman(s: &str) -> Option<u32> {
    match s.to_uppercase().as_str() {
        "I" | "1" => Some(1),
        "II" | "2" => Some(2),
        "III" | "3" => Some(3),
        "IV" | "4" => Some(4),
        _ => None,
    }
}

/// Dates and periods with their restored byte ranges.
#[must_use]
pub fn dates(text: &Text, layout: &Layout) -> (Vec<DateMention>, Vec<(usize, usize)>) {
    // The spans found so far by start, with their end, date and period. They never overlap (each
    // is taken only where it overlaps none), so a span overlaps one of them when the last one
    // starting before its end ends after its start (a scan of all of them, for every match, was
    // quadratic in a long text).
    type Found = BTreeMap<usize, (usize, Option<String>, Option<String>)>;
    let mut found = Found::new();
    let Some(re) = res() else {
        return (Vec::new(), Vec::new());
    };
    let flat = text.flat.as_str();
    let overlaps =
        |f: &Found, s: usize, e: usize| f.range(..e).next_back().is_some_and(|(_, v)| v.0 > s);
    let num = |c: &regex::Captures, k: usize| c.get(k).and_then(|g| g.as_str().parse::<u32>().ok());
    // A date in words numbers its day and month in digits: a capital I, l or | there is OCR's 1
    // (Tesseract `vie` reads `tháng 11` as `tháng II`).
    let digits = |c: &regex::Captures, k: usize| {
        c.get(k)
            .and_then(|g| crate::token::ones_as_digits(g.as_str()).parse::<u32>().ok())
    };
    for r in [&re.day_words, &re.day_num] {
        for c in r.captures_iter(flat) {
            let Some(all) = c.get(0) else { continue };
            if overlaps(&found, all.start(), all.end()) {
                continue;
            }
            if let (Some(d), Some(m), Some(y)) = (digits(&c, 1), digits(&c, 2), num(&c, 3)) {
                if let Some(iso) = iso_date(d, m, y as i32) {
                    found.insert(all.start(), (all.end(), Some(iso), None));
                }
            }
        }
    }
    for c in re.day_partial.captures_iter(flat) {
        let Some(all) = c.get(0) else { continue };
        if overlaps(&found, all.start(), all.end()) || flat[all.end()..].starts_with('/') {
            continue;
        }
        let year = re
            .year_after
            .captures(&flat[all.end()..])
            .and_then(|y| y.get(1)?.as_str().parse::<i32>().ok())
            .or(layout.year);
        let iso = match (num(&c, 1), num(&c, 2), year) {
            (Some(d), Some(m), Some(y)) => iso_date(d, m, y),
            _ => None,
        };
        found.insert(all.start(), (all.end(), iso, None));
    }
    for c in re.quarter.captures_iter(flat) {
        let Some(all) = c.get(0) else { continue };
        if let (Some(q), Some(y)) = (c.get(1).and_then(|g| roman(g.as_str())), num(&c, 2)) {
            if !overlaps(&found, all.start(), all.end()) {
                let p = format!("{y}-{:02}/{y}-{:02}", q * 3 - 2, q * 3);
                found.insert(all.start(), (all.end(), None, Some(p)));
            }
        }
    }
    for c in re.months.captures_iter(flat) {
        let Some(all) = c.get(0) else { continue };
        let n = match c.get(1).map(|g| g.as_str().to_lowercase()) {
            Some(s) if s == "sáu" => 6,
            Some(s) if s == "chín" => 9,
            Some(s) => s.parse::<u32>().unwrap_or(0),
            None => 0,
        };
        let year = num(&c, 3).map(|y| y as i32).or(layout.year);
        if !(1..=12).contains(&n) || overlaps(&found, all.start(), all.end()) {
            continue;
        }
        let first = c.get(2).is_some_and(|g| g.as_str().to_lowercase() == "đầu");
        let (a, b) = if first { (1, n) } else { (13 - n, 12) };
        let p = year.map(|y| format!("{y}-{a:02}/{y}-{b:02}"));
        found.insert(all.start(), (all.end(), None, p));
    }
    for c in re.month.captures_iter(flat) {
        let Some(all) = c.get(0) else { continue };
        if let (Some(m), Some(y)) = (num(&c, 1), num(&c, 2)) {
            if (1..=12).contains(&m) && !overlaps(&found, all.start(), all.end()) {
                found.insert(all.start(), (all.end(), None, Some(format!("{y}-{m:02}"))));
            }
        }
    }
    for c in re.stage.captures_iter(flat) {
        let Some(all) = c.get(0) else { continue };
        if let (Some(a), Some(b)) = (num(&c, 1), num(&c, 2)) {
            if !overlaps(&found, all.start(), all.end()) {
                found.insert(all.start(), (all.end(), None, Some(format!("{a}/{b}"))));
            }
        }
    }
    let ranges = found.iter().map(|(&s, v)| (s, v.0)).collect();
    let out = found
        .into_iter()
        .map(|(s, (e, date, period))| {
            let (line, span) = text.span(s, e);
            DateMention {
                text: squash(&flat[s..e]),
                date,
                period,
                line,
                span,
            }
        })
        .collect();
    (out, ranges)
}
