//! Word accuracy and CER of a restoration against gold, computed like the reference
//! `../shared/tools/score.py`: tokens are runs of letters/digits compared in a canonical form
//! (NFC, lower case, tone mark moved off the letter, so `hoà` = `hòa`); lines are compared pairwise
//! when the counts match, else aligned first; CER over whole lines with whitespace collapsed.

pub mod record;

use crate::align::{align_lines, levenshtein_align};
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

/// Score `hyp` against `gold`, keeping the `keep_errors` most frequent error pairs.
#[must_use]
pub fn score(gold: &str, hyp: &str, keep_errors: usize) -> Score {
    let g: Vec<&str> = gold.split('\n').collect();
    let h: Vec<&str> = hyp.split('\n').collect();
    let pairs: Vec<(String, String)> = if g.len() == h.len() {
        g.iter()
            .zip(&h)
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    } else {
        align_lines(&g, &h)
    };
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

#[cfg(test)]
mod tests {
    use super::*;

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
