//! A precomputed table of candidate searches: for the OCR tokens that real OCR output uses most,
//! the words the channel search finds near them, so that a new document does not pay the trie
//! search for its common tokens.
//!
//! Why: the search is the dearest step of restoring a document nobody has seen yet (about a
//! tenth of a millisecond per distinct token), and some eight thousand token forms cover about
//! nine tenths of the distinct tokens of a notice. The table is a pure cache of a deterministic
//! function: it is used only when its *fingerprint* (the models' checksums, the lexicon entries
//! and the search settings it was computed with) equals the restorer's, so results are the same
//! with and without it; with other models or settings it is ignored. Built by
//! `sohoa model candidates` (see `corpus/SOURCES.md`).
//!
//! Format (inside the model-file container of `container.rs`, kind [`TableKind::Candidates`]): `u64`
//! fingerprint, `u32` number of tokens, then per token: mode (`u8`), token (string), `u16`
//! number of candidates, and per candidate its lexicon entry (`u32`) and channel cost (`f32`).
//! Tokens are sorted, so the bytes are deterministic.

use crate::container::{self, Reader, TableKind, Writer};
use crate::error::{Error, Result};
use foldhash::HashMap;

/// Format version of the candidate table.
pub const VERSION: u16 = 1;

/// Which search a list answers: a word token's, or a short bare number's (which proposes only
/// syllables).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mode {
    /// A word token not all in capitals.
    Word = 0,
    /// A bare number of at most three digits.
    Number = 1,
    /// A word token in capitals (abbreviations are readings too).
    Upper = 2,
}

impl Mode {
    /// Every mode, in the order of their codes.
    const ALL: [Mode; 3] = [Mode::Word, Mode::Number, Mode::Upper];

    fn from_u8(b: u8) -> Option<Mode> {
        Mode::ALL.get(usize::from(b)).copied()
    }
}

/// One search result: `(lexicon entry, channel cost)`, best first.
type List = Box<[(u32, f32)]>;

/// Search results per (mode, folded OCR token): `(lexicon entry, channel cost)`, best first.
#[derive(Debug, Clone, Default)]
pub struct CandidateTable {
    fingerprint: u64,
    /// One map per mode (indexed by the mode's code), so a look-up borrows the token.
    lists: [HashMap<String, List>; 3],
}

impl CandidateTable {
    /// An empty table for models and settings with this fingerprint.
    #[must_use]
    pub fn new(fingerprint: u64) -> Self {
        CandidateTable {
            fingerprint,
            lists: Default::default(),
        }
    }

    /// The fingerprint of the models and settings the lists were computed with.
    #[must_use]
    pub fn fingerprint(&self) -> u64 {
        self.fingerprint
    }

    /// Record the search result for `token`.
    pub fn insert(&mut self, mode: Mode, token: &str, list: Vec<(u32, f32)>) {
        self.lists[mode as usize].insert(token.to_string(), list.into());
    }

    /// The stored search result for `token`, if any.
    #[must_use]
    pub fn get(&self, mode: Mode, token: &str) -> Option<&[(u32, f32)]> {
        self.lists[mode as usize].get(token).map(|b| &b[..])
    }

    /// Number of tokens in the table.
    #[must_use]
    pub fn len(&self) -> usize {
        self.lists.iter().map(HashMap::len).sum()
    }

    /// Whether the table is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.lists.iter().all(HashMap::is_empty)
    }

    /// Serialise to container bytes (tokens sorted: deterministic).
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut keys: Vec<(Mode, &String, &List)> = Mode::ALL
            .iter()
            .flat_map(|&m| self.lists[m as usize].iter().map(move |(t, l)| (m, t, l)))
            .collect();
        keys.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        let mut w = Writer::new();
        w.u64(self.fingerprint);
        w.u32(keys.len() as u32);
        for (mode, token, list) in keys {
            w.u8(mode as u8);
            w.str(token);
            w.u16(list.len() as u16);
            for &(e, c) in list.iter() {
                w.u32(e);
                w.f32(c);
            }
        }
        container::wrap(TableKind::Candidates, VERSION, &w.buf)
    }

    /// Read a table from container bytes. `path` names the file in errors.
    ///
    /// # Errors
    /// A typed model error when the bytes are not a valid candidate table of this version.
    pub fn from_bytes(bytes: &[u8], path: &str) -> Result<Self> {
        let payload = container::unwrap(bytes, TableKind::Candidates, VERSION, path)?;
        let bad = |what: &str| Error::ModelFormat {
            path: path.to_string(),
            reason: format!("candidate table: {what}"),
        };
        let mut r = Reader::new(payload, path);
        let fingerprint = r.u64()?;
        let n = r.u32()?;
        let mut lists: [HashMap<String, List>; 3] = Default::default();
        for _ in 0..n {
            let mode = Mode::from_u8(r.u8()?).ok_or_else(|| bad("bad mode"))?;
            let token = r.str()?.to_string();
            let len = r.u16()?;
            let mut list = Vec::with_capacity(usize::from(len));
            for _ in 0..len {
                list.push((r.u32()?, r.f32()?));
            }
            lists[mode as usize].insert(token, list.into_boxed_slice());
        }
        if !r.is_empty() {
            return Err(bad("trailing bytes"));
        }
        Ok(CandidateTable { fingerprint, lists })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_damage() {
        let mut t = CandidateTable::new(0xfeed);
        t.insert(Mode::Word, "tinh", vec![(3, 0.5), (9, 2.25)]);
        t.insert(Mode::Number, "13", vec![(4, 1.0)]);
        let b = t.to_bytes();
        let u = CandidateTable::from_bytes(&b, "t.smt").unwrap();
        assert_eq!(u.fingerprint(), 0xfeed);
        assert_eq!(u.len(), 2);
        assert_eq!(u.get(Mode::Word, "tinh"), Some(&[(3, 0.5), (9, 2.25)][..]));
        assert_eq!(u.get(Mode::Number, "13"), Some(&[(4, 1.0)][..]));
        assert_eq!(u.get(Mode::Word, "13"), None);
        assert_eq!(u.to_bytes(), b, "serialisation is deterministic");
        let mut damaged = b.clone();
        let mid = damaged.len() / 2;
        damaged[mid] ^= 0x40;
        assert!(CandidateTable::from_bytes(&damaged, "t.smt").is_err());
        assert!(CandidateTable::from_bytes(&b[..b.len() - 9], "t.smt").is_err());
    }
}
