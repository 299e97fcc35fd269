//! Word accuracy and CER of a restoration against gold, computed like the reference
//! `../shared/tools/score.py`: tokens are runs of letters/digits compared in a canonical form
//! (NFC, lower case, tone mark moved off the letter, so `hoà` = `hòa`); lines are compared pairwise
//! when the counts match, else aligned first; CER over whole lines with whitespace collapsed.
//! [`change_outcomes`] and [`confidence_report`] judge each change of a restoration against gold
//! the same way, to measure how well its confidences single out the wrong changes.

pub mod record;

use crate::align::{align_line_groups, levenshtein_align};
use std::collections::BTreeMap;
use unicode_normalization::UnicodeNormalization;

/// Scores of one comparison.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Score {
    /// Gold words holding a letter.
    pub words: usize,
    /// Of those, restored exactly (canonically).
    pub correct: usize,
    /// Character edits over whole lines.
    pub edits: usize,
    /// Characters of gold.
    pub chars: usize,
    /// Most frequent (gold, got) error pairs with counts, most frequent first.
    pub errors: Vec<(String, String, usize)>,
}

impl Score {
    /// Word accuracy in 0..1.
    #[must_use]
    pub fn word_accuracy(&self) -> f64 {
        self.correct as f64 / self.words.max(1) as f64
    }
    /// Character error rate.
    #[must_use]
    pub fn cer(&self) -> f64 {
        self.edits as f64 / self.chars.max(1) as f64
    }
}

fn tone_of(c: char) -> Option<char> {
    match c {
        '\u{300}' => Some('`'),
        '\u{301}' => Some('\''),
        '\u{303}' => Some('~'),
        '\u{309}' => Some('?'),
        '\u{323}' => Some('.'),
        _ => None,
    }
}

/// Canonical form of a word: lower case, NFC, tone mark moved to the end.
#[must_use]
pub fn canon(word: &str) -> String {
    let lower: String = word.chars().flat_map(char::to_lowercase).collect();
    let mut tone = String::new();
    let base: String = lower
        .nfd()
        .filter(|&c| match tone_of(c) {
            Some(t) => {
                tone.push(t);
                false
            }
            None => true,
        })
        .collect();
    let mut out: String = base.nfc().collect();
    out.push_str(&tone);
    out
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || ('\u{300}'..='\u{36f}').contains(&c)
}

fn words_of(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in line.chars() {
        if is_word_char(c) && c != '_' {
            cur.push(c);
        } else if !cur.is_empty() {
            out.push(canon(&cur));
            cur.clear();
        }
    }
    if !cur.is_empty() {
        out.push(canon(&cur));
    }
    out
}

fn canon_line(line: &str) -> Vec<char> {
    let collapsed = line.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = String::new();
    let mut cur = String::new();
    for c in collapsed.chars() {
        if is_word_char(c) && c != '_' {
            cur.push(c);
        } else {
            if !cur.is_empty() {
                out.push_str(&canon(&cur));
                cur.clear();
            }
            out.push(c);
        }
    }
    if !cur.is_empty() {
        out.push_str(&canon(&cur));
    }
    out.chars().collect()
}

fn char_distance(a: &[char], b: &[char]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j + 1] + 1)
                .min(cur[j] + 1)
                .min(prev[j] + usize::from(ca != cb));
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Gold and hypothesis lines compared together, as indices: pairwise when the counts match, else
/// aligned ([`align_line_groups`]).
fn line_groups(g: &[&str], h: &[&str]) -> Vec<(Vec<usize>, Vec<usize>)> {
    if g.len() == h.len() {
        (0..g.len()).map(|i| (vec![i], vec![i])).collect()
    } else {
        align_line_groups(g, h)
    }
}

/// Score `hyp` against `gold`, keeping the `keep_errors` most frequent error pairs.
#[must_use]
pub fn score(gold: &str, hyp: &str, keep_errors: usize) -> Score {
    let g: Vec<&str> = gold.split('\n').collect();
    let h: Vec<&str> = hyp.split('\n').collect();
    let join = |lines: &[&str], idx: &[usize]| -> String {
        idx.iter().map(|&i| lines[i]).collect::<Vec<_>>().join(" ")
    };
    let pairs: Vec<(String, String)> = line_groups(&g, &h)
        .iter()
        .map(|(gi, hi)| (join(&g, gi), join(&h, hi)))
        .collect();
    let mut s = Score::default();
    let mut errs: BTreeMap<(String, String), usize> = BTreeMap::new();
    for (gl, hl) in &pairs {
        let gt = words_of(gl);
        let ht = words_of(hl);
        for (x, y) in levenshtein_align(&gt, &ht, 1.0, |a, b| if a == b { 0.0 } else { 1.0 }) {
            let Some(x) = x else { continue };
            if !gt[x].chars().any(char::is_alphabetic) {
                continue;
            }
            s.words += 1;
            let got = y.map(|y| ht[y].clone()).unwrap_or_default();
            if gt[x] == got {
                s.correct += 1;
            } else {
                *errs.entry((gt[x].clone(), got)).or_insert(0) += 1;
            }
        }
        let (gc, hc) = (canon_line(gl), canon_line(hl));
        s.chars += gc.len();
        s.edits += char_distance(&gc, &hc);
    }
    let mut e: Vec<_> = errs.into_iter().map(|((a, b), n)| (a, b, n)).collect();
    e.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    e.truncate(keep_errors);
    s.errors = e;
    s
}

/// How well the confidences of a restoration's changes tell right changes from wrong ones: what
/// an archivist needs to choose which changes to review.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct ConfidenceReport {
    /// Changes scored: those whose restored words could be placed in the text aligned to gold.
    pub changes: usize,
    /// Of those, changes whose restored words are not all the gold ones.
    pub wrong: usize,
    /// The chance that a right change has a higher confidence than a wrong one (ties count
    /// half): 1 ranks every wrong change below every right one, 0.5 is chance. `None` unless
    /// there are both.
    pub auc: Option<f64>,
    /// Mean squared difference between confidence and outcome (1 right, 0 wrong).
    pub brier: f64,
    /// For each threshold `t`: `(t, changes below t, wrong changes below t)`.
    pub below: Vec<(f32, usize, usize)>,
}

/// What judging a change needs of it (the decoder's `Change` converts into it; evaluation sits
/// below the decoder).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChangeView<'a> {
    /// 1-based line number in the input.
    pub line: usize,
    /// `[start, end)` character offsets in the input.
    pub span: [usize; 2],
    /// The restored form.
    pub restored: &'a str,
    /// The decoder's confidence in it.
    pub confidence: f32,
}

/// Each change, in order, of `restored` (the restored text of `ocr`) with its confidence and
/// whether its restored words are the gold ones. Gold and restored lines are paired as [`score`]
/// pairs them and their words aligned; a change whose restored text is not where its span puts it
/// (a word merged across a line break) is left out.
#[must_use]
pub fn change_outcomes<'a>(
    gold: &str,
    ocr: &str,
    restored: &str,
    changes: impl IntoIterator<Item = ChangeView<'a>>,
) -> Vec<(f32, bool)> {
    let g: Vec<&str> = gold.split('\n').collect();
    let h: Vec<&str> = restored.split('\n').collect();
    let hw: Vec<Vec<String>> = h.iter().map(|l| words_of(l)).collect();
    // Whether each word of each restored line is aligned to an equal gold word.
    let mut right: Vec<Vec<bool>> = hw.iter().map(|w| vec![false; w.len()]).collect();
    for (gi, hi) in line_groups(&g, &h) {
        let gt: Vec<String> = gi.iter().flat_map(|&i| words_of(g[i])).collect();
        let mut ht: Vec<&String> = Vec::new();
        let mut at: Vec<(usize, usize)> = Vec::new();
        for &i in &hi {
            for (k, w) in hw[i].iter().enumerate() {
                ht.push(w);
                at.push((i, k));
            }
        }
        for (x, y) in levenshtein_align(&gt, &ht, 1.0, |a, b| if a == *b { 0.0 } else { 1.0 }) {
            if let (Some(x), Some(y)) = (x, y) {
                if gt[x] == *ht[y] {
                    let (i, k) = at[y];
                    right[i][k] = true;
                }
            }
        }
    }
    // Character offset of each input line's start.
    let mut line_start = Vec::new();
    let mut n = 0;
    for l in ocr.split('\n') {
        line_start.push(n);
        n += l.chars().count() + 1;
    }
    let mut out = Vec::new();
    // The line of the changes before (index, its characters) and how many characters they added.
    let mut cur: (usize, Vec<char>) = (usize::MAX, Vec::new());
    let mut shift = 0isize;
    for c in changes {
        let li = c.line.wrapping_sub(1);
        let (Some(&start), Some(line)) = (line_start.get(li), h.get(li)) else {
            continue;
        };
        if cur.0 != li {
            cur = (li, line.chars().collect());
            shift = 0;
        }
        let chars = &cur.1;
        let old_len = c.span[1].saturating_sub(c.span[0]) as isize;
        let new_len = c.restored.chars().count() as isize;
        let at = c.span[0] as isize - start as isize + shift;
        shift += new_len - old_len;
        let Ok(at) = usize::try_from(at) else {
            continue;
        };
        let here: String = chars.iter().skip(at).take(new_len as usize).collect();
        if here != c.restored {
            continue;
        }
        let before: String = chars[..at.min(chars.len())].iter().collect();
        let mut first = words_of(&before).len();
        let joined = before.chars().next_back().is_some_and(is_word_char)
            && c.restored.chars().next().is_some_and(is_word_char);
        if joined {
            first -= 1;
        }
        let k = words_of(c.restored).len();
        let Some(ws) = right[li].get(first..first + k).filter(|_| k > 0) else {
            continue;
        };
        out.push((c.confidence, ws.iter().all(|&r| r)));
    }
    out
}

/// The [`ConfidenceReport`] of `outcomes` (confidence, right), with the changes below each of
/// `thresholds`.
#[must_use]
pub fn confidence_report(outcomes: &[(f32, bool)], thresholds: &[f32]) -> ConfidenceReport {
    let changes = outcomes.len();
    let mut wrong_c: Vec<f32> = outcomes.iter().filter(|o| !o.1).map(|o| o.0).collect();
    wrong_c.sort_by(f32::total_cmp);
    let right_c: Vec<f32> = outcomes.iter().filter(|o| o.1).map(|o| o.0).collect();
    let auc = (!wrong_c.is_empty() && !right_c.is_empty()).then(|| {
        let mut sum = 0.0;
        for &r in &right_c {
            let below = wrong_c.partition_point(|&w| w < r);
            let equal = wrong_c.partition_point(|&w| w <= r) - below;
            sum += below as f64 + 0.5 * equal as f64;
        }
        sum / (right_c.len() as f64 * wrong_c.len() as f64)
    });
    let brier = outcomes
        .iter()
        .map(|&(c, r)| (f64::from(c) - f64::from(u8::from(r))).powi(2))
        .sum::<f64>()
        / changes.max(1) as f64;
    let below = thresholds
        .iter()
        .map(|&t| {
            let n = outcomes.iter().filter(|o| o.0 < t).count();
            let w = outcomes.iter().filter(|o| o.0 < t && !o.1).count();
            (t, n, w)
        })
        .collect();
    ConfidenceReport {
        changes,
        wrong: wrong_c.len(),
        auc,
        brier,
        below,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn change(line: usize, span: [usize; 2], restored: &str, confidence: f32) -> ChangeView<'_> {
        ChangeView {
            line,
            span,
            restored,
            confidence,
        }
    }

    /// A restoration of two lines with one wrong change (`ctia` → `cua`), changes that shorten
    /// their words (so later spans on the line shift), and a change on the second line.
    const OCR: &str = "Két luan ctia Chii tich\nBan Chi dao";
    const RESTORED: &str = "Kết luận cua Chủ tịch\nBan Chỉ đạo";
    fn changes() -> Vec<ChangeView<'static>> {
        vec![
            change(1, [0, 3], "Kết", 0.99),
            change(1, [4, 8], "luận", 0.9),
            change(1, [9, 13], "cua", 0.4),
            change(1, [14, 18], "Chủ", 0.95),
            change(1, [19, 23], "tịch", 0.97),
            change(2, [28, 31], "Chỉ", 0.8),
            change(2, [32, 35], "đạo", 0.6),
        ]
    }

    #[test]
    fn changes_are_placed_and_judged_against_gold() {
        let want = vec![
            (0.99, true),
            (0.9, true),
            (0.4, false),
            (0.95, true),
            (0.97, true),
            (0.8, true),
            (0.6, true),
        ];
        let gold = "Kết luận của Chủ tịch\nBan Chỉ đạo";
        assert_eq!(change_outcomes(gold, OCR, RESTORED, changes()), want);
        // Gold with the first line broken in two: lines are aligned, words the same.
        let gold = "Kết luận của\nChủ tịch\nBan Chỉ đạo";
        assert_eq!(change_outcomes(gold, OCR, RESTORED, changes()), want);
        // A change whose text is not where its span says is left out, not misjudged.
        let mut moved = changes();
        moved[1].span = [5, 9];
        assert_eq!(change_outcomes(gold, OCR, RESTORED, moved).len(), 6);
    }

    #[test]
    fn report_ranks_and_counts() {
        let r = confidence_report(
            &[(0.9, true), (0.8, true), (0.3, false), (0.85, false)],
            &[0.5, 0.9],
        );
        assert_eq!((r.changes, r.wrong), (4, 2));
        // right 0.9 beats both wrong ones, right 0.8 only 0.3: 3 of 4 pairs
        assert!((r.auc.unwrap() - 0.75).abs() < 1e-9);
        assert!((r.brier - 0.215_625).abs() < 1e-6);
        assert_eq!(r.below, vec![(0.5, 1, 1), (0.9, 3, 2)]);
        assert_eq!(confidence_report(&[(0.9, true)], &[]).auc, None);
    }

    #[test]
    fn canonical_tone_placement_and_case() {
        assert_eq!(canon("hoà"), canon("hòa"));
        assert_eq!(canon("Thuỷ"), canon("thủy"));
        assert_ne!(canon("hóa"), canon("hòa"));
    }

    #[test]
    fn counts_words_and_chars() {
        let s = score(
            "Kết luận của Chủ tịch 2023",
            "Kết luận cua Chủ tich 2023",
            5,
        );
        assert_eq!(s.words, 5);
        assert_eq!(s.correct, 3);
        assert_eq!(s.edits, 2);
        assert_eq!(s.errors.len(), 2);
    }
}
