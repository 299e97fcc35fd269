//! Word tokens OCR split or glued: where a re-segmentation is worth trying.
//!
//! An engine without a Vietnamese model sometimes reads a space inside a syllable (`c ong` for
//! `công`, the space standing where a mark confused it) or loses the space between two
//! (`tochuc` for `tổ chức`). The decoder's slots are tokens, so neither can be read right as it
//! stands. This module only proposes: cheap surface tests over the tokens, with the skeletons of
//! the lexicon's syllables (and the candidate table's OCR forms). Whether a proposal is taken is
//! decided by decoding the words around it both ways (see `Restorer::decode_block`): the language
//! model and the channel weigh the merged or split reading against the tokens as they are, and
//! the re-segmentation must win by `RestorerBuilder::resegment_cost` (the price of the space OCR
//! added or lost).

use super::BlockToken;
use crate::syllable;
use crate::token::TokenKind;
use foldhash::{HashMap, HashMapExt};

/// A re-segmentation of a paragraph's tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Reseg {
    /// Word token `i`, the one space after it and the word token after that are one word.
    Merge(usize),
    /// Word token `i` is two words, split at byte `at` of its text.
    Split(usize, usize),
}

impl Reseg {
    /// The (first) token re-segmented.
    pub(super) fn token(self) -> usize {
        match self {
            Reseg::Merge(i) | Reseg::Split(i, _) => i,
        }
    }
}

/// Where a slot's text lies relative to its token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Piece {
    /// The token as it stands.
    Whole,
    /// The token, the space after it and the word after that ([`Reseg::Merge`]).
    Merged,
    /// The token's bytes before `at` ([`Reseg::Split`]).
    Head(usize),
    /// The token's bytes from `at` on.
    Tail(usize),
}

/// Onsets (folded) that can stand before a vowel: what a split-off first part made only of
/// consonants must be (`c ong`, `th ực`, `ngh iên`); `d` for `đ` as OCR reads it.
const ONSETS: &[&str] = &[
    "b", "c", "ch", "d", "đ", "g", "gh", "h", "k", "kh", "l", "m", "n", "ng", "ngh", "nh", "p",
    "ph", "r", "s", "t", "th", "tr", "v", "x",
];

/// Longest glued token (in letters) worth splitting: two syllables of seven letters.
const MAX_GLUED: usize = 14;

/// A letter that is a Vietnamese vowel, marked or not (`y` included).
fn is_vowel(c: char) -> bool {
    if c.is_ascii() {
        return matches!(c.to_ascii_lowercase(), 'a' | 'e' | 'i' | 'o' | 'u' | 'y');
    }
    let base = syllable::decompose_char(c).map_or(c, |(b, _)| b);
    matches!(
        base.to_lowercase().next().unwrap_or(base),
        'a' | 'ă' | 'â' | 'e' | 'ê' | 'i' | 'o' | 'ô' | 'ơ' | 'u' | 'ư' | 'y'
    )
}

/// All letters, in lower case or with only the first capitalised (a word OCR split or glued is
/// written like one; `VietGAP`, `UBND`, `iPhone` are names).
fn plain_word(s: &str) -> bool {
    let mut cs = s.chars();
    cs.next().is_some_and(char::is_alphabetic) && cs.all(|c| c.is_alphabetic() && !c.is_uppercase())
}

/// A [`plain_word`] but for digits after its first letter, which OCR makes of marked vowels
/// (`m6itrudng` for mới trường).
fn plain_ocr_word(s: &str) -> bool {
    let mut cs = s.chars();
    cs.next().is_some_and(char::is_alphabetic)
        && cs.all(|c| c.is_alphanumeric() && !c.is_uppercase())
}

/// The skeletons (`syllable::skeleton`) of a lexicon's syllables, each with the best unigram
/// log-probability among the syllables that share it: what a glued token's parts must be.
#[derive(Debug)]
pub(super) struct Skeletons(HashMap<String, f32>);

impl Skeletons {
    /// From `(syllable, unigram log-probability)` pairs.
    pub(super) fn new<'a>(syllables: impl IntoIterator<Item = (&'a str, f32)>) -> Self {
        let mut map: HashMap<String, f32> = HashMap::new();
        for (s, lp) in syllables {
            let e = map
                .entry(syllable::skeleton(s))
                .or_insert(f32::NEG_INFINITY);
            *e = e.max(lp);
        }
        Skeletons(map)
    }

    /// Whether `skel` is the skeleton of a syllable.
    pub(super) fn contains(&self, skel: &str) -> bool {
        self.0.contains_key(skel)
    }

    fn get(&self, skel: &str) -> Option<f32> {
        self.0.get(skel).copied()
    }

    /// The byte at which `word` (a [`plain_ocr_word`] of at least four letters, with skeleton
    /// `skel`, not itself a syllable's) reads best as two words: the split whose parts rank best, a part's
    /// rank being its best reading's channel cost plus unigram cost — a syllable's skeleton
    /// ranks at its unigram cost alone, other parts as `part_rank` says (OCR forms the decoder
    /// has readings for at hand: `cdc` for các in `cdctrudng`), and a part with neither is no
    /// word. Parts of one letter are not proposed (a lone vowel is rarely glued, and one-letter
    /// parts would cut almost anything).
    fn split_point(
        &self,
        word: &str,
        skel: &str,
        part_rank: &dyn Fn(&str) -> Option<f32>,
    ) -> Option<usize> {
        let n = word.chars().count();
        if !(4..=MAX_GLUED).contains(&n) || skel.chars().count() != n {
            return None;
        }
        let bytes: Vec<usize> = word.char_indices().map(|(b, _)| b).collect();
        let skel_bytes: Vec<usize> = skel.char_indices().map(|(b, _)| b).collect();
        let rank = |skel: &str, part: &str| {
            let by_skeleton = self.get(skel).map(|u| -u);
            match (by_skeleton, part_rank(part)) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            }
        };
        let mut best: Option<(f32, usize)> = None;
        for k in 2..=n - 2 {
            let (sa, sb) = skel.split_at(skel_bytes[k]);
            let (a, b) = word.split_at(bytes[k]);
            if let (Some(x), Some(y)) = (rank(sa, a), rank(sb, b)) {
                if best.is_none_or(|(r, _)| x + y < r) {
                    best = Some((x + y, bytes[k]));
                }
            }
        }
        best.map(|(_, at)| at)
    }
}

/// What [`proposals`] asks the decoder about a paragraph's word tokens.
pub(super) struct Tests<'a> {
    /// Whether word token `i` is free to be read (not part of a code, a list marker or a
    /// numeral).
    pub(super) open: &'a dyn Fn(usize) -> bool,
    /// Whether word token `i` reads as one word only at a high channel cost (a glued pair does).
    pub(super) one_word_dear: &'a dyn Fn(usize) -> bool,
    /// Whether the language model knows the folded word as itself (`video`, `online`: not
    /// glued syllables).
    pub(super) known: &'a dyn Fn(&str) -> bool,
    /// The best rank (channel cost plus unigram cost) of a reading of an OCR form, where the
    /// decoder has one at hand without searching (see [`Skeletons::split_point`]).
    pub(super) part_rank: &'a dyn Fn(&str) -> Option<f32>,
}

/// The re-segmentations worth trying in a paragraph's tokens, in token order. Runs over every
/// token of every paragraph, so the cheap tests come first.
pub(super) fn proposals<'t>(
    toks: &[BlockToken],
    tok_text: &impl Fn(&BlockToken) -> &'t str,
    tests: &Tests<'_>,
    skeletons: &Skeletons,
) -> Vec<Reseg> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let bt = &toks[i];
        let t = tok_text(bt);
        if bt.tok.kind != TokenKind::Word || !plain_ocr_word(t) {
            i += 1;
            continue;
        }
        if t.len() <= 3 && plain_word(t) && !t.chars().any(is_vowel) {
            if merges_with_next(toks, i, tok_text, tests.open) {
                out.push(Reseg::Merge(i));
                i += 3;
                continue;
            }
        } else if t.chars().nth(3).is_some()
            && !t.starts_with(char::is_uppercase)
            && (tests.one_word_dear)(i)
        {
            let skel = syllable::skeleton(t);
            if skeletons.get(&skel).is_none()
                && (tests.open)(i)
                && !syllable::is_valid(t)
                && !(tests.known)(&crate::channel::fold(t))
            {
                if let Some(at) = skeletons.split_point(t, &skel, tests.part_rank) {
                    out.push(Reseg::Split(i, at));
                }
            }
        }
        i += 1;
    }
    out
}

/// Whether word token `i` (a [`plain_word`] of consonants only) and the word after it may be
/// one word OCR split: `i` is an onset, then one space and a word in lower case that starts with
/// a vowel or with a digit OCR made of one (`c 6ng`), on one line; not a one-letter unit after a
/// number (`5 m`).
fn merges_with_next<'t>(
    toks: &[BlockToken],
    i: usize,
    tok_text: &impl Fn(&BlockToken) -> &'t str,
    open: &dyn Fn(usize) -> bool,
) -> bool {
    let bt = &toks[i];
    let onset = crate::channel::fold(tok_text(bt));
    // A one-letter unit after a number (`5 m`, `2 g`) stays.
    let after_number = onset.chars().nth(1).is_none()
        && i.checked_sub(2)
            .and_then(|k| toks.get(k))
            .is_some_and(|p| p.tok.kind == TokenKind::Number);
    let space = toks.get(i + 1).is_some_and(|s| {
        s.tok.kind == TokenKind::Space && s.line_no == bt.line_no && tok_text(s) == " "
    });
    let next = toks.get(i + 2).is_some_and(|b| {
        let n = tok_text(b);
        b.tok.kind == TokenKind::Word
            && b.line_no == bt.line_no
            && n.chars()
                .next()
                .is_some_and(|c| is_vowel(c) || c.is_ascii_digit())
            && n.chars().all(|c| c.is_alphanumeric() && !c.is_uppercase())
    });
    ONSETS.contains(&onset.as_str()) && !after_number && space && next && open(i) && open(i + 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`Skeletons::split_point`] of `word` with its skeleton.
    fn split(s: &Skeletons, word: &str, rank: &dyn Fn(&str) -> Option<f32>) -> Option<usize> {
        s.split_point(word, &syllable::skeleton(word), rank)
    }

    fn skeletons() -> Skeletons {
        Skeletons::new([
            ("tổ", -6.0),
            ("chức", -5.0),
            ("và", -3.0),
            ("các", -3.5),
            ("công", -4.0),
            ("việt", -7.0),
            ("nam", -6.0),
            ("thương", -7.0),
        ])
    }

    #[test]
    fn a_glued_pair_of_syllables_is_split_where_both_parts_are_syllables() {
        let s = skeletons();
        let none = |_: &str| None;
        assert_eq!(split(&s, "tochuc", &none), Some(2));
        assert_eq!(split(&s, "vàcác", &none), Some("và".len()));
        assert_eq!(split(&s, "Vietnam", &none), Some(4));
        // a part that is no syllable, too short
        assert_eq!(split(&s, "toxyz", &none), None);
        assert_eq!(split(&s, "cac", &none), None);
    }

    #[test]
    fn a_garbled_part_counts_where_the_decoder_has_readings_for_it() {
        let s = skeletons();
        let table = |p: &str| (p == "cdc").then_some(5.0);
        assert_eq!(split(&s, "cdcnam", &|_| None), None);
        assert_eq!(split(&s, "cdcnam", &table), Some(3));
        // the best-ranked split wins: `vacac` is và + các, not vác + ac or va + các's worse
        let rank = |p: &str| match p {
            "vac" => Some(20.0),
            _ => None,
        };
        assert_eq!(split(&s, "vacac", &rank), Some(2));
    }

    #[test]
    fn plain_words_are_lower_case_or_capitalised_letters() {
        assert!(plain_word("tochuc"));
        assert!(plain_word("Tochuc"));
        assert!(!plain_word("VietGAP"));
        assert!(!plain_word("UBND"));
        assert!(!plain_word("t6chuc"));
        assert!(is_vowel('ơ') && is_vowel('Ố') && is_vowel('y') && !is_vowel('đ'));
    }
}
