//! TEMPORARY STUB (replaced by the real language model from the `lm` branch).
#![allow(missing_docs, dead_code, unused_variables)]
use std::borrow::Cow;
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WordId(pub u32);
pub struct LanguageModel {
    words: Vec<String>,
    index: std::collections::HashMap<String, u32>,
}
pub fn unit_of(kind: crate::token::TokenKind, text: &str) -> Option<Cow<'_, str>> {
    use crate::token::TokenKind::*;
    match kind {
        Word => Some(Cow::Owned(crate::token::fold(text))),
        Number => Some(Cow::Borrowed("<num>")),
        Punct => {
            if ",.;:()-/%\"?!".contains(text) && text.chars().count() == 1 {
                Some(Cow::Borrowed(text))
            } else {
                None
            }
        }
        Space => None,
    }
}
impl LanguageModel {
    pub fn from_bytes(bytes: Cow<'static, [u8]>, path: &str) -> crate::Result<Self> {
        let s = String::from_utf8_lossy(&bytes);
        let mut words: Vec<String> =
            vec!["<unk>".into(), "<num>".into(), "<s>".into(), "</s>".into()];
        words.extend(s.lines().map(|l| l.to_string()));
        let index = words
            .iter()
            .enumerate()
            .map(|(i, w)| (w.clone(), i as u32))
            .collect();
        Ok(LanguageModel { words, index })
    }
    pub fn load(path: &std::path::Path) -> crate::Result<Self> {
        let b = std::fs::read(path).map_err(|e| crate::Error::io(path, e))?;
        Self::from_bytes(Cow::Owned(b), "x")
    }
    pub fn id(&self, unit: &str) -> WordId {
        self.get(unit).unwrap_or(WordId(0))
    }
    pub fn get(&self, unit: &str) -> Option<WordId> {
        self.index.get(unit).map(|&i| WordId(i))
    }
    pub fn word(&self, id: WordId) -> &str {
        &self.words[id.0 as usize]
    }
    pub fn unk(&self) -> WordId {
        WordId(0)
    }
    pub fn num(&self) -> WordId {
        WordId(1)
    }
    pub fn bos(&self) -> WordId {
        WordId(2)
    }
    pub fn eos(&self) -> WordId {
        WordId(3)
    }
    pub fn vocab_len(&self) -> usize {
        self.words.len()
    }
    pub fn count(&self, id: WordId) -> u64 {
        10
    }
    pub fn logp(&self, w1: WordId, w2: WordId, w3: WordId) -> f32 {
        -5.0
    }
    pub fn logp_unigram(&self, w: WordId) -> f32 {
        -5.0
    }
    pub fn version(&self) -> u16 {
        0
    }
    pub fn checksum(&self) -> u32 {
        0
    }
}
