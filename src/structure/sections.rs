//! The section tree: markers (`I.`, `Điều 1.`, `1.`, `1.1.`, `a)`, `1)`, `-`, `+`, `•`), their
//! levels from marker kind and nesting order, heading text, body span and class.
//!
//! Levels come from a stack of open marker kinds: a marker of a kind already open closes
//! everything below it and becomes that entry's sibling; a new kind opens a child. That is how
//! documents nest, whatever the order of kinds they use. OCR damage is tolerated: `IL.` reads as
//! `II.`, `¢)` as `c)`, and a `2.` where the open lettered list needs `b)` is taken as `b)`. A
//! numbered line that does not continue its sequence and follows an unfinished sentence is a
//! wrapped line (`6. ...` after a page break), not a heading.

use super::{squash, Role, Text};
use crate::schema::{Section, SectionKind};
use regex::Regex;
use std::ops::Range;
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Article,
    Roman,
    Dec1,
    Dec2,
    Dec3,
    Letter,
    Paren,
    Dash,
    Plus,
    Dot,
}

impl Kind {
    fn numbered(self) -> bool {
        !matches!(self, Kind::Dash | Kind::Plus | Kind::Dot)
    }
}

#[derive(Debug, Clone)]
struct Marker {
    kind: Kind,
    value: u32,
    /// Marker as it should read (`II.`), repaired when damaged.
    text: String,
    /// Bytes of the line (from the trimmed start) taken by the marker and the space after it.
    len: usize,
    /// A roman numeral without its full stop: a heading only where the sequence wants it.
    bare: bool,
}

/// Pairs of list letters OCR reads one for the other in degraded scans (`(read, meant)`): `c)`
/// as `e)` and back, `d)` and `đ)`. A marker read as the first where the list wants the second is
/// the second.
const LETTER_LOOKALIKES: &[(char, char)] = &[('e', 'c'), ('c', 'e'), ('đ', 'd'), ('d', 'đ')];

const LETTERS: &[char] = &[
    'a', 'b', 'c', 'd', 'đ', 'e', 'g', 'h', 'i', 'k', 'l', 'm', 'n', 'o', 'p', 'q', 'r', 's', 't',
    'u', 'v', 'x', 'y',
];

struct Res {
    article: Regex,
    /// A roman heading whose full stop OCR lost (`L SỰ CẦN THIẾT` for `I. SỰ CẦN THIẾT`): taken
    /// only for a heading line in capitals where the sequence wants that numeral.
    roman_bare: Regex,
    roman: Regex,
    dec3: Regex,
    dec2: Regex,
    dec1: Regex,
    letter: Regex,
    paren: Regex,
    bullet: Regex,
    cut: Regex,
}

fn res() -> Option<&'static Res> {
    static R: OnceLock<Option<Res>> = OnceLock::new();
    R.get_or_init(|| {
        Some(Res {
            article: Regex::new(r"^(Điều)\s+([\dIl|]{1,3})\s*[.:]?\s+").ok()?,
            roman_bare: Regex::new(r"^([IVXLl1|]{1,5})\s+\p{Lu}[^\p{Ll}]*$").ok()?,
            roman: Regex::new(r"^([IVXLl1|]{1,5})\s*\.\s*(?:\p{Lu}|\d|[“\x22])").ok()?,
            dec3: Regex::new(r"^(\d{1,2})\.(\d{1,2})\.(\d{1,2})\.?\s+(?:\p{Lu}|\d)").ok()?,
            dec2: Regex::new(r"^(\d{1,2})\.(\d{1,2})\.?\s+(?:\p{Lu}|\d)").ok()?,
            dec1: Regex::new(r"^(\d{1,2})\s*\.\s+(?:\p{Lu}|\d|[“\x22])").ok()?,
            letter: Regex::new(r"^([a-zđ¢©€ð])\s*\)\s*\S").ok()?,
            paren: Regex::new(r"^(\d{1,2})\)\s+\S").ok()?,
            bullet: Regex::new(r"^([-–—+•●▪◦])\s*\S").ok()?,
            cut: Regex::new(r":\s|;|\.\s|:$").ok()?,
        })
    })
    .as_ref()
}

fn roman_value(s: &str) -> Option<u32> {
    let mut total = 0i32;
    let vals: Vec<i32> = s
        .chars()
        .map(|c| match c {
            'I' => Some(1),
            'V' => Some(5),
            'X' => Some(10),
            _ => None,
        })
        .collect::<Option<_>>()?;
    for (i, v) in vals.iter().enumerate() {
        if vals.get(i + 1).is_some_and(|n| n > v) {
            total -= v;
        } else {
            total += v;
        }
    }
    u32::try_from(total).ok().filter(|v| (1..=20).contains(v))
}

/// A roman numeral with OCR's look-alikes of `I` (`l`, `L`, `1`, `|`) read as `I`.
fn roman_letters(raw: &str) -> String {
    raw.chars()
        .map(|ch| {
            if matches!(ch, 'l' | 'L' | '1' | '|') {
                'I'
            } else {
                ch
            }
        })
        .collect()
}

/// The roman marker `expected` (1 to 39) when `marker` (`II.`) is it with one or more of its final
/// `I`s lost: thin strokes OCR drops (`III.` read `I.` or `II.`, `VII.` read `VI.`). A numeral
/// that is not such a prefix (`I.` after `VII.`: a list starting afresh) is left alone.
fn lost_final_is(marker: &str, expected: u32) -> Option<String> {
    let want = crate::token::roman_of(expected)?;
    let have = marker.strip_suffix('.')?;
    let lost = want.strip_prefix(have)?;
    (!have.is_empty() && !lost.is_empty() && lost.chars().all(|c| c == 'I'))
        .then(|| format!("{want}."))
}

/// Length in bytes of the marker plus following whitespace, given where the marker ends.
fn with_space(t: &str, end: usize) -> usize {
    let rest = t.get(end..).unwrap_or("");
    end + (rest.len() - rest.trim_start().len())
}

fn parse(t: &str, re: &Res) -> Option<Marker> {
    let num = |c: &regex::Captures, k: usize| c.get(k).and_then(|m| m.as_str().parse::<u32>().ok());
    if let Some(c) = re.article.captures(t) {
        // Articles are numbered in digits: a capital I, l or | among them is OCR's 1 (`Điều I.`).
        let digits = crate::token::ones_as_digits(c.get(2)?.as_str());
        let v = digits.parse::<u32>().ok()?;
        let end = c.get(0)?.end();
        return Some(Marker {
            kind: Kind::Article,
            value: v,
            text: format!("Điều {v}."),
            len: end,
            bare: false,
        });
    }
    if let Some(c) = re.roman.captures(t) {
        let raw = c.get(1)?.as_str();
        if raw.contains(['I', 'V', 'X']) {
            let fixed = roman_letters(raw);
            if let Some(v) = roman_value(&fixed) {
                let dot = t.find('.')?;
                return Some(Marker {
                    kind: Kind::Roman,
                    value: v,
                    text: format!("{fixed}."),
                    len: with_space(t, dot + 1),
                    bare: false,
                });
            }
        }
    }
    if let Some(c) = re.roman_bare.captures(t) {
        let raw = c.get(1)?.as_str();
        let fixed = roman_letters(raw);
        if let Some(v) = roman_value(&fixed) {
            return Some(Marker {
                kind: Kind::Roman,
                value: v,
                text: format!("{fixed}."),
                len: with_space(t, raw.len()),
                bare: true,
            });
        }
    }
    if let Some(c) = re.dec3.captures(t) {
        let (a, b, d) = (num(&c, 1)?, num(&c, 2)?, num(&c, 3)?);
        let m = format!("{a}.{b}.{d}.");
        let end = c.get(3)?.end();
        let end = if t.get(end..end + 1) == Some(".") {
            end + 1
        } else {
            end
        };
        return Some(Marker {
            kind: Kind::Dec3,
            value: d,
            text: m,
            len: with_space(t, end),
            bare: false,
        });
    }
    if let Some(c) = re.dec2.captures(t) {
        let (a, b) = (num(&c, 1)?, num(&c, 2)?);
        if a <= 30 && b <= 30 {
            let end = c.get(2)?.end();
            let end = if t.get(end..end + 1) == Some(".") {
                end + 1
            } else {
                end
            };
            return Some(Marker {
                kind: Kind::Dec2,
                value: b,
                text: format!("{a}.{b}."),
                len: with_space(t, end),
                bare: false,
            });
        }
    }
    if let Some(c) = re.dec1.captures(t) {
        let v = num(&c, 1)?;
        let dot = t.find('.')?;
        return Some(Marker {
            kind: Kind::Dec1,
            value: v,
            text: format!("{v}."),
            len: with_space(t, dot + 1),
            bare: false,
        });
    }
    if let Some(c) = re.letter.captures(t) {
        let raw = c.get(1)?.as_str().chars().next()?;
        let ch = match raw {
            '¢' | '©' => 'c',
            '€' => 'e',
            'ð' => 'đ',
            x => x,
        };
        let idx = LETTERS.iter().position(|&l| l == ch)?;
        let close = t.find(')')?;
        return Some(Marker {
            kind: Kind::Letter,
            value: idx as u32 + 1,
            text: format!("{ch})"),
            len: with_space(t, close + 1),
            bare: false,
        });
    }
    if let Some(c) = re.paren.captures(t) {
        let v = num(&c, 1)?;
        let close = t.find(')')?;
        return Some(Marker {
            kind: Kind::Paren,
            value: v,
            text: format!("{v})"),
            len: with_space(t, close + 1),
            bare: false,
        });
    }
    if let Some(c) = re.bullet.captures(t) {
        let m = c.get(1)?;
        let kind = match m.as_str() {
            "+" => Kind::Plus,
            "-" | "–" | "—" => Kind::Dash,
            _ => Kind::Dot,
        };
        return Some(Marker {
            kind,
            value: 0,
            text: m.as_str().to_string(),
            len: with_space(t, m.end()),
            bare: false,
        });
    }
    None
}

const RESULTS: &[&str] = &["kết quả", "đạt được", "tiến độ", "tình hình thực hiện"];
const SHORTCOMINGS: &[&str] = &[
    "tồn tại",
    "hạn chế",
    "khó khăn",
    "vướng mắc",
    "bất cập",
    "yếu kém",
    "nguyên nhân",
];
const TASKS: &[&str] = &[
    "nhiệm vụ",
    "giải pháp",
    "phương hướng",
    "kiến nghị",
    "đề xuất",
    "đề nghị",
    "tổ chức thực hiện",
];

/// (kind, confidence, strong) from the heading's own words: strong when it opens with a keyword.
fn classify(heading: &str) -> Option<(SectionKind, f64, bool)> {
    let mut h = heading.to_lowercase();
    for p in ["các ", "những ", "một số ", "đánh giá ", "về "] {
        if let Some(rest) = h.strip_prefix(p) {
            h = rest.to_string();
        }
    }
    let lists = [
        (SectionKind::Results, RESULTS),
        (SectionKind::Shortcomings, SHORTCOMINGS),
        (SectionKind::Tasks, TASKS),
    ];
    for (k, words) in lists {
        for w in words {
            if h.starts_with(w) {
                let conf = if *w == "nguyên nhân" { 0.7 } else { 0.9 };
                return Some((k, conf, true));
            }
        }
    }
    let mut best: Option<(usize, SectionKind)> = None;
    for (k, words) in lists {
        for w in words {
            if let Some(p) = h.find(w) {
                if best.is_none_or(|(bp, _)| p < bp) {
                    best = Some((p, k));
                }
            }
        }
    }
    best.map(|(_, k)| (k, 0.6, false))
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

type Found = (Vec<Section>, Vec<Option<usize>>, Vec<(usize, usize)>);

/// Find the sections in the body lines, mark heading lines, and map lines to sections.
pub fn find(text: &Text, roles: &mut [Role], body: Range<usize>) -> Found {
    let n = text.line_count();
    let mut sections: Vec<Section> = Vec::new();
    let mut markers = Vec::new();
    // (kind, section index, value)
    let mut stack: Vec<(Kind, usize, u32)> = Vec::new();
    let mut starts: Vec<(usize, usize)> = Vec::new(); // (line, heading end byte)
    let mut levels: Vec<usize> = Vec::new();
    let Some(re) = res() else {
        return (sections, vec![None; n], markers);
    };
    let mut prev_open = false; // previous non-blank body line left a sentence unfinished
    let mut prev_heading = false;
    let mut prev_blank = true;
    let mut i = body.start;
    while i < body.end {
        let role = roles.get(i).copied();
        if role != Some(Role::Body) {
            if role == Some(Role::Blank) {
                prev_blank = true;
            }
            i += 1;
            continue;
        }
        let line = text.line(i);
        let t = line.trim_start();
        let lead = line.len() - t.len();
        let Some(mut m) = parse(t, re) else {
            let te = line.trim_end();
            prev_open = !te.ends_with(['.', ':', ';', '!', '?']);
            prev_heading = false;
            prev_blank = false;
            i += 1;
            continue;
        };
        // A `2.` where the open lettered list needs `b)`.
        if m.kind == Kind::Dec1 {
            let dec_fits = stack
                .iter()
                .rposition(|e| e.0 == Kind::Dec1)
                .map_or(m.value == 1, |p| stack[p].2 + 1 == m.value);
            let letter = stack.iter().rposition(|e| e.0 == Kind::Letter);
            if let Some(p) = letter.filter(|&p| !dec_fits && stack[p].2 + 1 == m.value) {
                let _ = p;
                if let Some(&l) = LETTERS.get(m.value as usize - 1) {
                    m = Marker {
                        kind: Kind::Letter,
                        text: format!("{l})"),
                        ..m
                    };
                }
            }
        }
        let pos = stack.iter().rposition(|e| e.0 == m.kind);
        let expected = pos.map_or(1, |p| stack[p].2 + 1);
        // A letter OCR confuses with the one the list wants next (`e)` after `b)` for `c)`).
        if m.kind == Kind::Letter && pos.is_some() && m.value != expected {
            let (got, want) = (
                LETTERS.get(m.value as usize - 1),
                LETTERS.get(expected as usize - 1),
            );
            if let (Some(&g), Some(&w)) = (got, want) {
                if LETTER_LOOKALIKES.contains(&(g, w)) {
                    m = Marker {
                        value: expected,
                        text: format!("{w})"),
                        ..m
                    };
                }
            }
        }
        // A roman heading that lost its last `I`s to OCR (`I.` or `II.` after `II.` for `III.`).
        if m.kind == Kind::Roman && pos.is_some() && m.value != expected {
            if let Some(want) = lost_final_is(&m.text, expected) {
                m = Marker {
                    value: expected,
                    text: want,
                    ..m
                };
            }
        }
        let fits = !m.kind.numbered()
            || m.value == expected
            || (m.kind == Kind::Letter && expected == 5 && m.value == 6)
            || matches!(m.kind, Kind::Roman | Kind::Article);
        let clean_break = prev_blank || prev_heading || !prev_open;
        if m.bare && m.value != expected {
            // a line in capitals that only starts like a numeral (`V ĐỀ XUẤT` out of sequence)
            prev_open = false;
            prev_heading = false;
            prev_blank = false;
            i += 1;
            continue;
        }
        if !fits && !clean_break {
            prev_open = !line.trim_end().ends_with(['.', ':', ';']);
            prev_blank = false;
            i += 1;
            continue;
        }
        if let Some(p) = pos {
            stack.truncate(p);
        } else if matches!(m.kind, Kind::Roman | Kind::Article) {
            // A roman heading or an article is never inside a numbered clause, a lettered item
            // or a bullet (after an `I.` OCR lost, `II.` had become a child of the `2.` before it).
            let keep = stack
                .iter()
                .position(|e| !matches!(e.0, Kind::Roman | Kind::Article))
                .unwrap_or(stack.len());
            stack.truncate(keep);
        }
        let parent = stack.last().map(|e| e.1);
        let idx = sections.len();
        stack.push((m.kind, idx, m.value));
        roles[i] = Role::Heading;
        let (ls, _) = text.line_bytes(i);
        let mstart = ls + lead;
        markers.push((mstart, mstart + m.len.min(t.len())));
        // Heading text: this line, plus wrapped continuation lines of a numbered heading.
        let mut last = i;
        if m.kind.numbered() {
            while last + 1 < body.end
                && last - i < 2
                && roles.get(last + 1) == Some(&Role::Body)
                && !text.line(last).trim_end().ends_with(['.', ':', ';'])
                && text
                    .line(last + 1)
                    .trim_start()
                    .chars()
                    .next()
                    .is_some_and(char::is_lowercase)
                && parse(text.line(last + 1).trim_start(), re).is_none()
            {
                last += 1;
                roles[last] = Role::Heading;
            }
        }
        let hs = mstart + m.len.min(t.len());
        let (_, he) = text.trimmed_line_bytes(last);
        let region = text.flat.get(hs..he.max(hs)).unwrap_or("");
        let cut = re.cut.find(region).map_or(region.len(), |c| c.start());
        let head_raw =
            region[..cut].trim_end_matches([' ', '\'', '`', '~', '.', ',', ':', ';', '-']);
        let heading = squash(head_raw);
        let hend = hs + head_raw.len();
        let (line_no, span) = text.span(mstart, hend.max(mstart));
        let (kind, conf) = {
            let own = classify(&heading);
            let inherited = parent
                .and_then(|p| sections.get(p))
                .and_then(|s| s.kind.map(|k| (k, s.kind_confidence)));
            match (own, inherited) {
                (Some((k, c, true)), _) if m.kind.numbered() => (Some(k), c),
                (_, Some((k, c))) => (Some(k), round2(c * 0.9)),
                (Some((k, c, _)), None) => (Some(k), c),
                (None, None) => (None, 0.0),
            }
        };
        sections.push(Section {
            id: format!("s{}", idx + 1),
            parent: parent.map(|p| format!("s{}", p + 1)),
            marker: m.text.clone(),
            level: stack.len() as u32,
            heading,
            kind,
            kind_confidence: conf,
            line: line_no,
            span,
            body_span: [0, 0],
        });
        starts.push((i, hend));
        levels.push(stack.len());
        prev_heading = true;
        prev_blank = false;
        prev_open = false;
        i = last + 1;
    }
    // Body spans and the line → section map.
    let mut of_line = vec![None; n];
    let body_end_byte = body
        .end
        .checked_sub(1)
        .map_or(0, |l| text.trimmed_line_bytes(l).1);
    for k in 0..sections.len() {
        let (line, hend) = starts[k];
        let next = (k + 1..sections.len()).find(|&j| levels[j] <= levels[k]);
        let end_line = next.map_or(body.end, |j| starts[j].0);
        // End of the last non-blank body line before `end_line`.
        let mut end_byte = hend;
        for l in (line..end_line).rev() {
            if matches!(roles.get(l), Some(Role::Body | Role::Heading))
                && !text.line(l).trim().is_empty()
            {
                end_byte = text.trimmed_line_bytes(l).1.max(hend);
                break;
            }
        }
        let _ = body_end_byte;
        let (_, s) = text.span(hend, hend);
        let (_, e) = text.span(end_byte, end_byte);
        sections[k].body_span = [s[0], e[1].max(s[0])];
        for slot in of_line.iter_mut().take(end_line).skip(line) {
            *slot = Some(k);
        }
    }
    (sections, of_line, markers)
}
