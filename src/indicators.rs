//! Quantitative statements: percentages, scores, ranks, ratios, counts, changes, targets, ranges,
//! money and durations, with what they measure.
//!
//! Numbers are read the Vietnamese way, decided per match: `.` groups thousands when every group
//! after it has three digits (`7.946` = 7946, `1.284.617`), otherwise it is a decimal point as OCR
//! and some writers use it (`82.92`, `3.47`); `,` is the decimal comma (`16,3`, `99,54`) unless it
//! separates several three-digit groups. Dates, document numbers, years and heading markers are
//! not quantities: the caller passes their byte ranges to skip.

use crate::schema::{Direction, Indicator, IndicatorKind, SectionKind};
use crate::structure::{squash, Layout, Role, Text};
use regex::Regex;
use std::sync::OnceLock;

/// Parse a number as Vietnamese documents write it; `None` for a malformed one.
#[must_use]
pub fn parse_number(s: &str) -> Option<f64> {
    let dots = s.matches('.').count();
    let commas = s.matches(',').count();
    let groups_of_three = |sep: char| {
        let mut parts = s.split(sep);
        let head = parts.next().unwrap_or("");
        !head.is_empty() && head.len() <= 3 && parts.all(|p| p.len() == 3)
    };
    let cleaned = match (dots, commas) {
        (0, 0) => s.to_string(),
        (_, 0) => {
            if groups_of_three('.') && !s.starts_with("0.") {
                s.replace('.', "")
            } else if dots == 1 {
                s.to_string()
            } else {
                return None;
            }
        }
        (0, _) => {
            if commas > 1 && groups_of_three(',') {
                s.replace(',', "")
            } else if commas == 1 {
                s.replace(',', ".")
            } else {
                return None;
            }
        }
        _ => {
            // Both: the last one is the decimal separator.
            let last_dot = s.rfind('.').unwrap_or(0);
            let last_comma = s.rfind(',').unwrap_or(0);
            if last_comma > last_dot {
                s.replace('.', "").replace(',', ".")
            } else {
                s.replace(',', "")
            }
        }
    };
    cleaned.parse().ok()
}

struct Res {
    num: Regex,
    change: Regex,
    rank: Regex,
    label: Regex,
    reach: Regex,
    money: Regex,
    duration: Regex,
    word: Regex,
    base: Regex,
    level_after: Regex,
    level_any: Regex,
    cue: Regex,
    tasks_cue: Regex,
    head: Regex,
    predicate: Regex,
    paren: Regex,
    tail_words: Regex,
}

fn res() -> Option<&'static Res> {
    static R: OnceLock<Option<Res>> = OnceLock::new();
    R.get_or_init(|| {
        Some(Res {
            num: Regex::new(
                r"(\d+(?:[.,]\d+)*)(?:\s*[-–]\s*(\d+(?:[.,]\d+)*))?(?:\s*/\s*(\d+(?:[.,]\d+)*))?(\s*%)?",
            )
            .ok()?,
            change: Regex::new(
                r"(?i)(tăng|giảm|cao hơn|thấp hơn|vượt)(?:\s+(?:thêm|được|lên|xuống|còn|khoảng|gần|hơn|trên|ít nhất|tối thiểu))*\s*$",
            )
            .ok()?,
            rank: Regex::new(r"(?i)(xếp\s+hạng|xếp\s+thứ|thứ\s+hạng|hạng)(?:\s+thứ)?\s*[~:]?\s*$").ok()?,
            label: Regex::new(
                r"(?i)(?:\b(?:thứ|đợt|số|điều|khoản|khóa|mức độ|tổng đài|đề án|chương|mục|phần|phường|quận|tổ|lô|nhóm|kỳ họp|lần thứ|độ)|[/-])\s*$",
            )
            .ok()?,
            reach: Regex::new(r"(?i)(đạt|đạt được|là|bằng|chiếm)\s*$").ok()?,
            money: Regex::new(r"^(?i)(triệu đồng|tỷ đồng|nghìn đồng|ngàn đồng|đồng|triệu USD|USD)((?:/\p{L}+(?: \p{L}+)?)*)").ok()?,
            duration: Regex::new(r"^(?i)(ngày làm việc|ngày|tháng|năm|giờ|phút|tuần)\b").ok()?,
            word: Regex::new(r"^(\p{L}[\p{L}\d]*)(?:\s+(\p{L}+))?((?:/\p{L}+)*)").ok()?,
            base: Regex::new(r"(?i)^[^;.]{0,40}?so với\s+(?:cùng kỳ\s+)?(?:năm\s+)?(\d{4})").ok()?,
            level_after: Regex::new(r"(?i)^[^,;)]{0,20}?(cấp\s+(?:tỉnh|huyện|xã|sở|bộ|trung ương))").ok()?,
            level_any: Regex::new(r"(?i)cấp\s+(?:tỉnh|huyện|xã|sở|bộ|trung ương)").ok()?,
            cue: Regex::new(r"(?i)tối thiểu|ít nhất|phấn đấu|chỉ tiêu|không quá|tối đa|không thấp hơn|không dưới|mục tiêu").ok()?,
            tasks_cue: Regex::new(r"(?i)\b(đạt|trên|lên|bảo đảm|nâng)\b").ok()?,
            predicate: Regex::new(r"(?i)\s(?:chỉ đạt|mới đạt|đạt|là|chiếm|xếp|tăng|giảm|bằng|còn)\s|\d").ok()?,
            paren: Regex::new(r"\([^()]*\)").ok()?,
            head: Regex::new(r"(?i)tỷ lệ|chỉ số|tổng số|số lượng|số hồ sơ|mức độ|tổng kinh phí|kinh phí|diện tích|sản lượng|thu nhập|giải ngân|ngân sách|biên chế").ok()?,
            tail_words: Regex::new(r"(?i)(?:(?:^|[\s,:(]+)(?:chỉ|mới|đã|vẫn|còn|có|được|đạt|là|chiếm|bằng|xếp|hạng|thứ|tăng|giảm|từ|lên|khoảng|trên|dưới|tối thiểu|tối đa|ít nhất|phấn đấu|với|được|trong đó))+[\s,:]*$").ok()?,
        })
    })
    .as_ref()
}

const COUNT_STOP: &[&str] = &[
    "và", "của", "trong", "đến", "với", "từ", "là", "để", "theo", "tại", "cho", "có", "được",
    "trước", "sau", "so", "cấp", "đã", "hoặc", "thì", "này", "khi", "trở", "về", "năm", "tháng",
    "ngày",
];
const TWO_WORD: &[&str] = &[
    "trường hợp",
    "văn bản",
    "đơn vị",
    "hồ sơ",
    "nhiệm vụ",
    "thủ tục",
    "cơ sở",
    "dự án",
    "chỉ tiêu",
    "biên chế",
    "tin bài",
    "hội nghị",
    "thiết bị",
    "cán bộ",
    "công chức",
    "phản ánh",
    "nghị quyết",
    "quyết định",
    "chi nhánh",
    "hợp tác",
    "học sinh",
];

/// Byte ranges (they may overlap) sorted by start, with the running maximum of their ends, so
/// that whether a span overlaps any of them is a binary search: a long text holds thousands of
/// numbers and of references, and a scan of every range for every number was quadratic.
struct RangeSet {
    starts: Vec<usize>,
    max_end: Vec<usize>,
}

impl RangeSet {
    fn new(ranges: &[(usize, usize)]) -> Self {
        let mut sorted = ranges.to_vec();
        sorted.sort_unstable();
        let mut m = 0;
        RangeSet {
            starts: sorted.iter().map(|r| r.0).collect(),
            max_end: sorted
                .iter()
                .map(|r| {
                    m = m.max(r.1);
                    m
                })
                .collect(),
        }
    }

    /// Whether `[s, e)` overlaps a range: some range starting before `e` ends after `s`.
    fn overlaps(&self, s: usize, e: usize) -> bool {
        let k = self.starts.partition_point(|&a| a < e);
        k > 0 && self.max_end[k - 1] > s
    }
}

/// A line break at byte `i` of `seg` ends a sentence when the next line opens like a new one
/// (capital, digit, bullet) or the line before it ends one; a wrapped sentence goes on.
fn line_break_ends(seg: &str, i: usize) -> bool {
    let next = seg.get(i + 1..).and_then(|r| r.chars().next());
    let prev = seg.get(..i).and_then(|r| r.trim_end().chars().next_back());
    next.is_some_and(|c| c.is_uppercase() || c.is_ascii_digit() || matches!(c, '-' | '+' | '•'))
        || prev.is_some_and(|c| matches!(c, '.' | ';' | ':' | '!' | '?'))
}

/// Start of the clause holding byte `b`: after the last `;`, `:`, `(`, `)` or sentence end.
fn clause_start(flat: &str, b: usize, max: usize) -> usize {
    let lo = flat.floor_char_boundary(b.saturating_sub(max));
    let seg = &flat[lo..b];
    let mut cut = 0;
    for (i, c) in seg.char_indices() {
        let next = seg[i + c.len_utf8()..].chars().next();
        let boundary = matches!(c, ';' | ':' | '(' | ')' | '!' | '?')
            || (c == '.' && next.is_some_and(char::is_whitespace))
            || (c == '\n' && line_break_ends(seg, i));
        if boundary {
            cut = i + c.len_utf8();
        }
    }
    lo + cut
}

/// Start of the sentence holding byte `b` (`;` and `.` end sentences; `(` does not).
fn sentence_start(flat: &str, b: usize, max: usize) -> usize {
    let lo = flat.floor_char_boundary(b.saturating_sub(max));
    let seg = &flat[lo..b];
    let mut cut = 0;
    for (i, c) in seg.char_indices() {
        let next = seg[i + c.len_utf8()..].chars().next();
        if c == ';'
            || c == ':'
            || (c == '.' && next.is_some_and(char::is_whitespace))
            || (c == '\n' && line_break_ends(seg, i))
        {
            cut = i + c.len_utf8();
        }
    }
    lo + cut
}

fn has_boundary(s: &str) -> bool {
    s.contains([';', ':']) || s.contains(". ")
}

fn clean_subject(s: &str, re: &Res) -> Option<String> {
    let mut s = squash(s);
    loop {
        let t = re.tail_words.replace(&s, "").to_string();
        let t = t.trim_end_matches([' ', ',', ':', '-']).to_string();
        if t == s {
            break;
        }
        s = t;
    }
    let s = s.trim_start_matches([' ', ',', '-', '+', '~']);
    let s = ["trong đó, ", "Trong đó, ", "trong đó ", "Trong đó "]
        .iter()
        .find_map(|p| s.strip_prefix(p))
        .unwrap_or(s)
        .trim_end_matches([' ', ',', '(', '-', '~'])
        .to_string();
    (!s.is_empty() && s.chars().any(char::is_alphabetic)).then_some(s)
}

/// How far before a number, on its line, its administrative level (`cấp tỉnh`) is looked for.
const LEVEL_LOOKBACK: usize = 1024;

/// Find the indicators in the body, skipping the byte ranges in `exclude`.
#[must_use]
pub fn find(text: &Text, layout: &Layout, exclude: &[(usize, usize)]) -> Vec<Indicator> {
    let mut out: Vec<Indicator> = Vec::new();
    let Some(re) = res() else {
        return out;
    };
    let flat = text.flat.as_str();
    let (exclude, markers) = (RangeSet::new(exclude), RangeSet::new(&layout.markers));
    // (end, subject) of the last indicator, to share a subject along a sentence.
    let mut last_subject: Option<(usize, String)> = None;
    for c in re.num.captures_iter(flat) {
        let (Some(all), Some(a)) = (c.get(0), c.get(1)) else {
            continue;
        };
        let (s, mut e) = (all.start(), all.end());
        let role = layout.roles.get(text.line_of(s)).copied();
        if !matches!(
            role,
            Some(Role::Body | Role::Heading | Role::Title | Role::Footnote)
        ) {
            continue;
        }
        // The marker of a footnote line (`1 Các Sở: ...`) is not a quantity.
        if role == Some(Role::Footnote) && text.trimmed_line_bytes(text.line_of(s)).0 == s {
            continue;
        }
        let before_c = flat[..s].chars().next_back();
        if before_c.is_some_and(|ch| ch.is_alphanumeric() || matches!(ch, '/' | '.' | ',' | '-')) {
            continue;
        }
        // A number glued to letters (`4C`, `35b`) is a name, not a quantity.
        if flat[e..].chars().next().is_some_and(char::is_alphanumeric) {
            continue;
        }
        if exclude.overlaps(s, e) || markers.overlaps(s, e) {
            continue;
        }
        let b = c.get(2);
        let den = c.get(3);
        let pct = c.get(4).is_some();
        let Some(value) = parse_number(a.as_str()) else {
            continue;
        };
        let plain_year = b.is_none()
            && den.is_none()
            && !pct
            && a.as_str().len() == 4
            && (1900.0..=2100.0).contains(&value);
        if plain_year {
            continue;
        }
        let before_lo = flat.floor_char_boundary(s.saturating_sub(60));
        let before = &flat[before_lo..s];
        if re.label.is_match(before) {
            continue;
        }
        let after = flat[e..].trim_start();
        let after_off = e + (flat.len() - e - after.len());
        let mut unit: Option<String> = None;
        let mut kind = None;
        let mut direction = None;
        if pct {
            unit = Some("%".to_string());
        } else if starts_with_lower(after, "điểm") {
            unit = Some("điểm".to_string());
            e = after_off + "điểm".len();
        } else if starts_with_lower(after, "hạng") {
            unit = Some("hạng".to_string());
            e = after_off + "hạng".len();
        } else if let Some(m) = re.money.captures(after) {
            if let Some(g) = m.get(0) {
                unit = Some(squash(g.as_str()));
                e = after_off + g.end();
                kind = Some(IndicatorKind::Money);
            }
        } else if let Some(m) = re.duration.find(after) {
            unit = Some(m.as_str().to_string());
            e = after_off + m.end();
            kind = Some(IndicatorKind::Duration);
        } else if let Some(m) = re.word.captures(after) {
            let w1 = m.get(1).map_or("", |g| g.as_str());
            if !COUNT_STOP.contains(&w1.to_lowercase().as_str()) {
                let two = m
                    .get(2)
                    .map(|g| format!("{w1} {}", g.as_str()))
                    .filter(|t| TWO_WORD.contains(&t.to_lowercase().as_str()));
                let (u, end) = match two {
                    Some(t) => (t, m.get(2).map_or(0, |g| g.end())),
                    None => (w1.to_string(), m.get(1).map_or(0, |g| g.end())),
                };
                let per = m
                    .get(3)
                    .filter(|g| !g.as_str().is_empty() && g.start() == end);
                let (u, end) = match per {
                    Some(p) => (format!("{u}{}", p.as_str()), p.end()),
                    None => (u, end),
                };
                unit = Some(u);
                e = after_off + end;
            }
        }
        if let Some(ch) = re.change.captures(before) {
            let w = ch.get(1).map_or("", |g| g.as_str()).to_lowercase();
            direction = Some(if w == "giảm" || w == "thấp hơn" {
                Direction::Down
            } else {
                Direction::Up
            });
            kind = Some(IndicatorKind::Change);
        }
        let denominator = den.and_then(|d| parse_number(d.as_str()));
        if kind.is_none() {
            kind = if denominator.is_some() {
                if re.rank.is_match(before) {
                    Some(IndicatorKind::Rank)
                } else if unit.as_deref() == Some("điểm") {
                    Some(IndicatorKind::Score)
                } else {
                    Some(IndicatorKind::Ratio)
                }
            } else if b.is_some() {
                Some(IndicatorKind::Range)
            } else if pct {
                Some(IndicatorKind::Percent)
            } else if unit.as_deref() == Some("điểm") {
                Some(IndicatorKind::Score)
            } else if unit.as_deref() == Some("hạng") || re.rank.is_match(before) {
                Some(IndicatorKind::Rank)
            } else if unit.is_some() {
                Some(IndicatorKind::Count)
            } else if re.reach.is_match(before) {
                Some(IndicatorKind::Score)
            } else if re
                .cue
                .is_match(&flat[clause_start(text.restored, s, 160)..s])
            {
                Some(IndicatorKind::Target)
            } else {
                None
            };
        }
        let Some(mut kind) = kind else {
            continue;
        };
        if kind == IndicatorKind::Rank && unit.as_deref() != Some("hạng") {
            unit = None;
            e = all.end();
        }
        // Target: a cue in the clause, or a reached value in a tasks section.
        let cs = clause_start(text.restored, s, 160);
        let clause = &flat[cs..s];
        let section = layout.section_at(text, s);
        let in_tasks = layout
            .section_of_line
            .get(text.line_of(s))
            .copied()
            .flatten()
            .and_then(|i| layout.sections.get(i))
            .is_some_and(|sec| sec.kind == Some(SectionKind::Tasks));
        let target = re.cue.is_match(clause) || (in_tasks && re.tasks_cue.is_match(clause));
        if target
            && matches!(
                kind,
                IndicatorKind::Percent | IndicatorKind::Count | IndicatorKind::Score
            )
        {
            kind = IndicatorKind::Target;
        }
        let level = re
            .level_after
            .captures(&flat[all.end()..])
            .and_then(|m| m.get(1))
            .map(|g| squash(g.as_str()))
            .or_else(|| {
                // (the line's last KiB before the number: a text with a paragraph a line, or
                // none, would have every number search its whole line)
                let ls = text
                    .line_bytes(text.line_of(s))
                    .0
                    .max(flat.floor_char_boundary(s.saturating_sub(LEVEL_LOOKBACK)));
                let before_on_line = &flat[ls.min(s)..s];
                re.level_any
                    .find_iter(before_on_line)
                    .last()
                    .map(|g| squash(g.as_str()))
            });
        let base_year = re
            .base
            .captures(&flat[e..])
            .and_then(|m| m.get(1))
            .and_then(|g| g.as_str().parse().ok());
        let ss = sentence_start(text.restored, s, 240);
        let sentence = re.paren.replace_all(&flat[ss..s], " ").to_string();
        let subject = match re.head.find_iter(&sentence).last() {
            Some(h) => {
                let rest = &sentence[h.start()..];
                let cut = re
                    .predicate
                    .find(&rest[h.len()..])
                    .map_or(rest.len(), |p| h.len() + p.start());
                clean_subject(&rest[..cut], re)
            }
            None => match &last_subject {
                Some((end, subj)) if *end <= s && !has_boundary(&flat[*end..s]) => {
                    Some(subj.clone())
                }
                _ => clean_subject(&sentence, re).filter(|t| t.split_whitespace().count() <= 12),
            },
        };
        if let Some(sj) = &subject {
            last_subject = Some((e, sj.clone()));
        }
        let (line, span) = text.span(s, e);
        out.push(Indicator {
            kind,
            value,
            upper: b.and_then(|g| parse_number(g.as_str())),
            unit,
            denominator,
            direction,
            target,
            subject,
            level,
            base_year,
            section,
            text: squash(&flat[s..e]),
            line,
            span,
        });
    }
    out
}

/// Whether `text` starts with the lower-case word `word`, whatever its case (only the first
/// characters are lowered: `text` may be the whole rest of a document).
fn starts_with_lower(text: &str, word: &str) -> bool {
    let n = word.chars().count();
    let head: String = text.chars().take(n).flat_map(char::to_lowercase).collect();
    head == word
}

#[cfg(test)]
mod tests {
    use super::{parse_number, RangeSet};
    use proptest::prelude::*;

    proptest! {
        /// The binary search answers what a scan of every range answers, overlapping and
        /// touching ranges included.
        #[test]
        fn range_set_overlaps_as_a_scan_does(
            ranges in proptest::collection::vec((0usize..60, 0usize..12), 0..20),
            s in 0usize..70,
            len in 0usize..10,
        ) {
            let ranges: Vec<(usize, usize)> = ranges.into_iter().map(|(a, l)| (a, a + l)).collect();
            let e = s + len;
            let scan = ranges.iter().any(|&(a, b)| s < b && a < e);
            prop_assert_eq!(RangeSet::new(&ranges).overlaps(s, e), scan);
        }
    }

    #[test]
    fn vietnamese_number_formats() {
        assert_eq!(parse_number("7.946"), Some(7946.0));
        assert_eq!(parse_number("1.284.617"), Some(1_284_617.0));
        assert_eq!(parse_number("16,3"), Some(16.3));
        assert_eq!(parse_number("82.92"), Some(82.92));
        assert_eq!(parse_number("99,54"), Some(99.54));
        assert_eq!(parse_number("0,4821"), Some(0.4821));
        assert_eq!(parse_number("0.41"), Some(0.41));
        assert_eq!(parse_number("04"), Some(4.0));
        assert_eq!(parse_number("1.234,5"), Some(1234.5));
    }
}
