//! The header (issuer, motto, number, place and date, type, title, addressees) at the top and the
//! signature block (recipients, signer) at the bottom. Everything between is the body.

use super::{is_upper_line, iso_date, squash, Role, Text};
use crate::schema::{Field, Header, Signer};
use regex::Regex;
use std::ops::Range;
use std::sync::OnceLock;

/// Document types as they are printed, in capitals.
pub const TYPES: &[&str] = &[
    "THÔNG BÁO",
    "QUYẾT ĐỊNH",
    "KẾ HOẠCH",
    "BÁO CÁO",
    "CÔNG VĂN",
    "TỜ TRÌNH",
    "NGHỊ QUYẾT",
    "CHỈ THỊ",
    "KẾT LUẬN",
    "CÔNG ĐIỆN",
    "HƯỚNG DẪN",
    "QUY ĐỊNH",
    "QUY CHẾ",
    "CHƯƠNG TRÌNH",
    "ĐỀ ÁN",
    "BIÊN BẢN",
    "GIẤY MỜI",
    "THÔNG TƯ",
    "NGHỊ ĐỊNH",
];

struct Res {
    number: Regex,
    place_date: Regex,
    day: Regex,
    vv: Regex,
    kinh_gui: Regex,
    body_start: Regex,
    motto: Regex,
    noi_nhan: Regex,
    marker: Regex,
}

fn res() -> Option<&'static Res> {
    static R: OnceLock<Option<Res>> = OnceLock::new();
    R.get_or_init(|| {
        Some(Res {
            number: Regex::new(r"(?i)^\s*Số\s*:?\s*(\S+)").ok()?,
            place_date: Regex::new(
                r"(?i)^\s*([^,\d]{2,40}?)\s*,\s*ngày\s+(\d{1,2})\s*(?:tháng\s+|/)\s*(\d{1,2})\s*(?:năm\s+|/)\s*(\d{4})",
            )
            .ok()?,
            day: Regex::new(
                r"(?i)^\s*ngày\s+(\d{1,2})\s*(?:tháng\s+|/)\s*(\d{1,2})\s*(?:năm\s+|/)\s*(\d{4})",
            )
            .ok()?,
            vv: Regex::new(r"(?i)^\s*V/v\b\s*").ok()?,
            kinh_gui: Regex::new(r"(?i)^\s*Kính\s+gửi\s*:?\s*").ok()?,
            body_start: Regex::new(
                r"(?i)^\s*(Căn cứ|Kính gửi|Thực hiện|Ngày\s+\d|Theo|Sau khi|Năm\s+\d|Trong|Để|Tại|Qua|Hôm nay)\b",
            )
            .ok()?,
            motto: Regex::new(r"(?i)CỘNG\s+H[OÒ]A\s+XÃ\s+HỘI|Độc\s+lập\s*-\s*Tự\s+do").ok()?,
            noi_nhan: Regex::new(r"(?i)^\s*Nơi\s+nhận\s*:?").ok()?,
            marker: Regex::new(r"^\s*([IVX]+\.|\d{1,2}\.|[a-zđ]\)|[-+•])\s").ok()?,
        })
    })
    .as_ref()
}

fn field(text: &Text, value: String, s: usize, e: usize) -> Field {
    let (line, span) = text.span(s, e);
    Field {
        value,
        text: squash(text.flat.get(s..e).unwrap_or("")),
        line,
        span,
    }
}

fn line_field(text: &Text, i: usize, value: Option<String>) -> Field {
    let (s, e) = text.trimmed_line_bytes(i);
    let v = value.unwrap_or_else(|| squash(text.line(i)));
    field(text, v, s, e)
}

/// Find the header and signature block, mark their lines, and return the body's line range.
pub fn find(text: &Text, roles: &mut [Role]) -> (Header, Range<usize>) {
    let mut h = Header::default();
    let n = text.line_count();
    let Some(re) = res() else {
        return (h, 0..n);
    };
    let body_end = tail(text, roles, &mut h, re);

    let mut issuer: Vec<usize> = Vec::new();
    let mut i = 0;
    let mut title: Vec<usize> = Vec::new();
    let mut in_title = false;
    let mut seen_motto = false;
    let mut body_start = 0;
    while i < body_end && i < 40 {
        let line = text.line(i);
        let t = line.trim();
        if t.is_empty() {
            if in_title && !title.is_empty() {
                in_title = false;
            }
            i += 1;
            continue;
        }
        let upper = squash(t).to_uppercase();
        let bare = upper.trim_end_matches(':').trim();
        if in_title {
            let last = title.last().map_or("", |&l| text.line(l).trim_end());
            let stop = is_upper_line(t)
                || re.body_start.is_match(t)
                || re.marker.is_match(t)
                || last.ends_with(['.', ';', ':'])
                || title.len() >= 3
                || (!title.is_empty() && t.chars().count() > 150);
            if !stop {
                roles[i] = Role::Title;
                title.push(i);
                i += 1;
                body_start = i;
                continue;
            }
            in_title = false;
        }
        if re.motto.is_match(t) {
            roles[i] = Role::Meta;
            seen_motto = true;
        } else if h.doc_type.is_none() && TYPES.contains(&bare) && !t.ends_with(':') {
            roles[i] = Role::Meta;
            h.doc_type = Some(line_field(text, i, Some(bare.to_string())));
            in_title = true;
        } else if let Some(c) = re.number.captures(t).filter(|_| h.number.is_none()) {
            roles[i] = Role::Meta;
            if let Some(m) = c.get(1) {
                let (ls, _) = text.line_bytes(i);
                let off = line.len() - line.trim_start().len();
                let v = m.as_str().trim_end_matches([',', '.', ';']).to_string();
                h.number = Some(field(
                    text,
                    v.clone(),
                    ls + off + m.start(),
                    ls + off + m.start() + v.len(),
                ));
            }
        } else if let Some(c) = re.place_date.captures(t).filter(|_| h.date.is_none()) {
            roles[i] = Role::Meta;
            let (ls, _) = text.line_bytes(i);
            let off = line.len() - line.trim_start().len();
            let num = |k: usize| c.get(k).and_then(|m| m.as_str().parse::<u32>().ok());
            if let (Some(d), Some(m), Some(y)) = (num(2), num(3), num(4)) {
                if let (Some(iso), Some(all)) = (iso_date(d, m, y as i32), c.get(0)) {
                    h.date = Some(field(text, iso, ls + off, ls + off + all.end()));
                }
            }
            if let Some(p) = c.get(1) {
                let v = squash(p.as_str());
                h.place = Some(field(text, v, ls + off + p.start(), ls + off + p.end()));
            }
        } else if let Some(m) = re.vv.find(t) {
            roles[i] = Role::Title;
            let (ls, _) = text.line_bytes(i);
            let off = line.len() - line.trim_start().len();
            let (_, le) = text.trimmed_line_bytes(i);
            h.title = Some(field(text, squash(&t[m.end()..]), ls + off + m.end(), le));
        } else if let Some(m) = re.kinh_gui.find(t) {
            roles[i] = Role::Meta;
            let rest = t[m.end()..].trim();
            if !rest.is_empty() {
                let (ls, le) = text.trimmed_line_bytes(i);
                h.addressees
                    .push(field(text, squash(rest), ls + m.end(), le));
            }
            let mut j = i + 1;
            while j < body_end && text.line(j).trim_start().starts_with(['-', '+', '•']) {
                roles[j] = Role::Meta;
                h.addressees.push(item(text, j));
                j += 1;
            }
            i = j;
            body_start = j;
            continue;
        } else if is_upper_line(t) && !re.marker.is_match(t) {
            roles[i] = Role::Meta;
            if h.doc_type.is_none() && !seen_motto {
                issuer.push(i);
            }
        } else {
            break;
        }
        i += 1;
        body_start = i;
    }
    if !title.is_empty() {
        let first = title[0];
        let last = title[title.len() - 1];
        let (s, _) = text.trimmed_line_bytes(first);
        let (_, e) = text.trimmed_line_bytes(last);
        let v = squash(text.flat.get(s..e).unwrap_or(""))
            .trim_end_matches([' ', '\'', '`', '~'])
            .to_string();
        h.title = Some(field(text, v, s, e));
    }
    if !issuer.is_empty() {
        let (s, _) = text.trimmed_line_bytes(issuer[0]);
        let (_, e) = text.trimmed_line_bytes(issuer[issuer.len() - 1]);
        let v = squash(text.flat.get(s..e).unwrap_or(""));
        h.issuer = Some(field(text, v, s, e));
    }
    if h.doc_type.is_none() && (h.title.is_some() || !h.addressees.is_empty()) && h.number.is_some()
    {
        if let Some(num) = &h.number {
            h.doc_type = Some(Field {
                value: "CÔNG VĂN".to_string(),
                ..num.clone()
            });
        }
    }
    // A notice without a dated header line is dated by its opening `Ngày 01/6/2023, ...`.
    if h.date.is_none() {
        if let Some(j) = (body_start..body_end).find(|&j| !text.line(j).trim().is_empty()) {
            let line = text.line(j);
            if let Some(c) = re.day.captures(line) {
                let num = |k: usize| c.get(k).and_then(|m| m.as_str().parse::<u32>().ok());
                if let (Some(d), Some(m), Some(y), Some(all)) = (num(1), num(2), num(3), c.get(0)) {
                    if let Some(iso) = iso_date(d, m, y as i32) {
                        let (ls, _) = text.line_bytes(j);
                        let off = line.len() - line.trim_start().len();
                        h.date = Some(field(text, iso, ls + off, ls + all.end()));
                    }
                }
            }
        }
    }
    (h, body_start..body_end)
}

/// A list item (`- Lưu: VT, KGVX.`) without its bullet and closing punctuation.
fn item(text: &Text, j: usize) -> Field {
    let (s, e) = text.trimmed_line_bytes(j);
    let raw = text.flat.get(s..e).unwrap_or("");
    let lead = raw.len() - raw.trim_start_matches(['-', '+', '•', ' ']).len();
    let body = raw[lead..].trim_end_matches([';', '.', ',', ' ']);
    field(text, squash(body), s + lead, s + lead + body.len())
}

/// Recipients and signer at the bottom; returns the first line after the body.
fn tail(text: &Text, roles: &mut [Role], h: &mut Header, re: &Res) -> usize {
    let n = text.line_count();
    let Some(k) = (0..n).rev().find(|&i| re.noi_nhan.is_match(text.line(i))) else {
        return signer_block(text, roles, h, n).unwrap_or(n);
    };
    roles[k] = Role::Meta;
    let mut j = k + 1;
    while j < n {
        let t = text.line(j).trim();
        if t.is_empty() {
            j += 1;
            continue;
        }
        if !t.starts_with(['-', '+', '•']) {
            break;
        }
        roles[j] = Role::Meta;
        h.recipients.push(item(text, j));
        j += 1;
    }
    // The signer is after the list, or (two columns read right first) before `Nơi nhận`.
    if signer_block(text, roles, h, n).is_none() {
        if let Some(s) = signer_block(text, roles, h, k) {
            return s;
        }
    }
    k
}

/// Signer lines ending just before line `end`: position lines in capitals, then the name.
/// Returns the first line of the block.
fn signer_block(text: &Text, roles: &mut [Role], h: &mut Header, end: usize) -> Option<usize> {
    let mut i = end;
    while i > 0 && text.line(i - 1).trim().is_empty() {
        i -= 1;
    }
    let name_line = i.checked_sub(1)?;
    let name = text.line(name_line).trim();
    let words = name.split_whitespace().count();
    let looks_like_name = (2..=6).contains(&words)
        && !name.ends_with(['.', ';', ':', ','])
        && name
            .split_whitespace()
            .all(|w| w.chars().next().is_some_and(char::is_uppercase))
        && !is_upper_line(name);
    if !looks_like_name {
        return None;
    }
    let mut pos = Vec::new();
    let mut p = name_line;
    while p > 0 {
        let t = text.line(p - 1).trim();
        if t.is_empty() {
            p -= 1;
            continue;
        }
        if is_upper_line(t) && t.chars().count() < 60 && !re_marker(t) {
            pos.push(p - 1);
            p -= 1;
        } else {
            break;
        }
    }
    if pos.is_empty() {
        return None;
    }
    pos.reverse();
    for &l in &pos {
        roles[l] = Role::Meta;
    }
    roles[name_line] = Role::Meta;
    let (s, _) = text.trimmed_line_bytes(pos[0]);
    let (_, e) = text.trimmed_line_bytes(pos[pos.len() - 1]);
    let value = pos
        .iter()
        .map(|&l| squash(text.line(l)))
        .collect::<Vec<_>>()
        .join(" / ");
    h.signer = Some(Signer {
        name: Some(line_field(text, name_line, None)),
        position: Some(field(text, value, s, e)),
    });
    pos.first().copied()
}

fn re_marker(t: &str) -> bool {
    res().is_some_and(|r| r.marker.is_match(t))
}
