//! Syllable trigram language model, read in place from its `.smt` bytes.
//!
//! The decoder asks for `log P(w3 | w1 w2)` millions of times per document, and the binary embeds
//! the model, so the table is laid out to be queried directly from the (embedded or loaded) bytes:
//! loading checks the container CRC and slices sections, it parses nothing big; it only adds a
//! direct index of the bigrams among the most frequent units (built in a millisecond).
//!
//! The model is an interpolated modified Kneser–Ney trigram in backoff form (as an ARPA file would
//! hold it): every kept n-gram stores its full interpolated log-probability, every context stores a
//! backoff weight, and pruned n-grams' mass is given back through the backoffs so that each
//! distribution still sums to one. Word ids fit in `u16`, so the n-grams form a compact sorted trie:
//!
//! * unigrams (per word): `f32` log-prob, `f32` backoff, `u32` corpus count, start of its bigrams;
//! * bigrams (sorted by `w1`, then `w2`): `u16` word, 8-bit quantised log-prob and backoff, start of
//!   its trigrams;
//! * trigrams (sorted by `w1 w2`, then `w3`): `u16` word, 8-bit quantised log-prob.
//!
//! Quantisation uses one 256-entry codebook per column (bin means of equal-population bins), which
//! costs well under 1% in perplexity. A vocabulary hash table (open addressing, FNV-1a) maps unit
//! strings to ids. Units are what [`unit_of`] makes of a token: folded lower-case syllables in the
//! documents' tone style, `<num>`, a few punctuation marks.

#[cfg(feature = "build-models")]
mod build;
#[cfg(feature = "build-models")]
pub use build::{build_from_dir, build_from_texts, BuildConfig, BuildStats};

use crate::container::{self, Reader, TableKind};
use crate::error::{Error, Result};
use std::borrow::Cow;
use std::ops::Range;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError, Weak};

/// Format version of the `lm.smt` payload.
pub const VERSION: u16 = 1;

/// The log-probability returned for impossible events (`<s>` predicted, an id outside the model).
pub const LOG_ZERO: f32 = -100.0;

/// Index of a unit in the model's vocabulary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WordId(pub u32);

/// Reserved ids, fixed by the format.
const UNK: u32 = 0;
const NUM: u32 = 1;
const BOS: u32 = 2;
const EOS: u32 = 3;
/// Empty slot of the vocabulary hash table.
const EMPTY: u16 = u16::MAX;

/// Punctuation marks that are units of the model (one character each).
const PUNCT_UNITS: &str = ",.;:()-/%\"?!";

/// The language-model unit for a token, or `None` when the token is not seen by the model.
///
/// Words are folded to lower-case NFC in the documents' tone style (`hoá` → `hóa`); a word holding
/// a digit (`s6`, `d4u`) is `<unk>` because its reading is unknown; a number is `<num>`; one of the
/// punctuation marks `,.;:()-/%"?!` is itself; anything else (spaces, other symbols) is skipped.
#[must_use]
pub fn unit_of(kind: crate::token::TokenKind, text: &str) -> Option<Cow<'_, str>> {
    use crate::token::TokenKind::{Number, Punct, Space, Word};
    match kind {
        Word => {
            if text.chars().any(|c| c.is_numeric()) {
                return Some(Cow::Borrowed("<unk>"));
            }
            let folded = crate::token::fold(text);
            Some(Cow::Owned(normalize_old_style(&folded).into_owned()))
        }
        Number => Some(Cow::Borrowed("<num>")),
        Punct => {
            let mut cs = text.chars();
            match (cs.next(), cs.next()) {
                (Some(c), None) if PUNCT_UNITS.contains(c) => Some(Cow::Borrowed(text)),
                _ => None,
            }
        }
        Space => None,
    }
}

/// Tone mark of a lower-case letter, and the letter without it.
fn split_tone(c: char) -> (char, Option<char>) {
    use unicode_normalization::UnicodeNormalization;
    let mut base = String::new();
    let mut tone = None;
    let mut buf = [0u8; 4];
    for m in c.encode_utf8(&mut buf).nfd() {
        if matches!(m, '\u{300}' | '\u{301}' | '\u{303}' | '\u{309}' | '\u{323}') {
            tone = Some(m);
        } else {
            base.push(m);
        }
    }
    let b = base.nfc().next().unwrap_or(c);
    (b, tone)
}

/// Put the tone of an open `oa`, `oe`, `uy` syllable on its first vowel, the style the documents
/// use (`hoá` → `hóa`, `khoẻ` → `khỏe`, `thuỷ` → `thủy`, `uỷ` → `ủy`); `quý` stays, its `u` belongs
/// to the onset. Expects lower-case NFC. To be replaced by `syllable::to_style` once merged.
fn normalize_old_style(s: &str) -> Cow<'_, str> {
    use unicode_normalization::UnicodeNormalization;
    let mut it = s.chars().rev();
    let (Some(last), Some(prev)) = (it.next(), it.next()) else {
        return Cow::Borrowed(s);
    };
    let before = it.next();
    let (lb, lt) = split_tone(last);
    let Some(tone) = lt else {
        return Cow::Borrowed(s);
    };
    if split_tone(prev).1.is_some() {
        return Cow::Borrowed(s);
    }
    let pair_ok = matches!((prev, lb), ('o', 'a') | ('o', 'e') | ('u', 'y'));
    if !pair_ok || (prev == 'u' && before == Some('q')) {
        return Cow::Borrowed(s);
    }
    let head_len = s.len() - last.len_utf8() - prev.len_utf8();
    let mut out = String::with_capacity(s.len() + 2);
    out.push_str(&s[..head_len]);
    let marked: String = [prev, tone].iter().collect::<String>().nfc().collect();
    out.push_str(&marked);
    out.push(lb);
    Cow::Owned(out)
}

/// What scoring after one history needs: its trigram run and backoff, the bigram run of `w2`.
#[derive(Debug, Clone, Copy)]
struct Hist {
    tlo: usize,
    thi: usize,
    ctx_bo: f32,
    blo: usize,
    bhi: usize,
    w2_bo: f32,
}

/// A two-word history looked up in the model, from [`LanguageModel::context`].
#[derive(Debug, Clone, Copy)]
pub struct Context(Option<Hist>);

/// A section of the payload: byte range and element width.
#[derive(Debug, Clone)]
struct Sections {
    offsets: Range<usize>,
    strings: Range<usize>,
    hash: Range<usize>,
    uni_logp: Range<usize>,
    uni_backoff: Range<usize>,
    uni_count: Range<usize>,
    bi_start: Range<usize>,
    bi_word: Range<usize>,
    bi_prob: Range<usize>,
    bi_backoff: Range<usize>,
    tri_start: Range<usize>,
    tri_word: Range<usize>,
    tri_prob: Range<usize>,
}

/// The syllable trigram model. Cheap to clone the handle? No: build it once and share it (`Arc`).
pub struct LanguageModel {
    bytes: Cow<'static, [u8]>,
    vocab: usize,
    n_bigrams: usize,
    n_trigrams: usize,
    hash_mask: usize,
    bi_code: [f32; 256],
    bo_code: [f32; 256],
    tri_code: [f32; 256],
    s: Sections,
    checksum: u32,
    /// The bigrams among the frequent units (see [`DENSE`]).
    dense: Arc<Dense>,
}

impl std::fmt::Debug for LanguageModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LanguageModel")
            .field("vocab", &self.vocab)
            .field("bigrams", &self.n_bigrams)
            .field("trigrams", &self.n_trigrams)
            .finish_non_exhaustive()
    }
}

/// FNV-1a over the unit's bytes: the vocabulary hash (fixed by the format).
fn fnv(s: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in s {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h ^ (h >> 29)
}

#[inline]
fn rd_u16(b: &[u8], i: usize) -> u16 {
    match b.get(2 * i..2 * i + 2) {
        Some(x) => u16::from_le_bytes([x[0], x[1]]),
        None => 0,
    }
}
#[inline]
fn rd_u32(b: &[u8], i: usize) -> u32 {
    match b.get(4 * i..4 * i + 4) {
        Some(x) => u32::from_le_bytes([x[0], x[1], x[2], x[3]]),
        None => 0,
    }
}
#[inline]
fn rd_f32(b: &[u8], i: usize) -> f32 {
    f32::from_bits(rd_u32(b, i))
}

/// The `u16` run `[lo, hi)` of `arr` as little-endian byte pairs (the model's bytes may be
/// unaligned, so they are not read as `u16`s); empty when out of range, which validation rules
/// out for the runs the model stores.
#[inline]
fn run_u16(arr: &[u8], lo: usize, hi: usize) -> &[[u8; 2]] {
    arr.get(2 * lo..2 * hi)
        .map_or(&[], |s| s.as_chunks::<2>().0)
}

/// Fetch the cache line of byte `i` of `s` (if in bounds) for a read soon after.
#[inline(always)]
fn prefetch(s: &[u8], i: usize) {
    if let Some(x) = s.get(i) {
        crate::hint::prefetch(x);
    }
}

/// Position of `w` in the sorted run `run`: the standard library's binary search, which is
/// branch-free (the runs of frequent words are long and their probes unpredictable) and reads
/// without bounds checks.
#[inline]
fn search_u16(run: &[[u8; 2]], w: u16) -> Option<usize> {
    run.binary_search_by(|x| u16::from_le_bytes(*x).cmp(&w))
        .ok()
}

/// Position of `w` in the sorted `u16` run `[lo, hi)` of `arr`.
#[inline]
fn find_u16(arr: &[u8], lo: usize, hi: usize, w: u16) -> Option<usize> {
    search_u16(run_u16(arr, lo, hi), w).map(|k| lo + k)
}

/// Position of `w` in the bigram run `run` of a word whose dense row is `row` (empty for a word
/// outside the table, see [`DENSE`]): what the row can tell, else a binary search of the run.
#[inline]
fn position(row: DenseRow<'_>, run: &[[u8; 2]], w: u16) -> Option<usize> {
    match row.get(w) {
        Some(at) => at,
        None => search_u16(run, w),
    }
}

/// The `DENSE` most frequent units (ids `0..DENSE`, which the build ranks by frequency) have
/// their bigrams among themselves in a `DENSE × DENSE` bit table built at load (about 1 ms): bit
/// `w` of row `w2` is set when the model has the bigram `(w2, w)`, and since a run is sorted and
/// the frequent units come first in it, the bigram's position in the run of `w2` is the number of
/// bits set before it in the row (a count kept per 64-bit word plus one `popcnt`). The decoder's
/// most frequent look-up, `log P(w | w2)` for every reading `w` of a slot after each last word
/// `w2`, then reads one cache line (a word of bits and its count, see [`Block`]) instead of a
/// binary search of ten or more dependent probes in the bigram run of `w2`; so do the histories'
/// bigram look-ups. Most histories end in a frequent word and most readings are frequent words.
/// Bits and counts take 640 KiB, about a core's L2 (cachegrind with a 2 MiB last level: 796k
/// misses a cold restore of our notices with the table of run positions it replaced, 8 MiB of
/// `u16`, 676k with the bits). On a machine with 512 KiB of L2 a side of 1,024 units (160 KiB)
/// ran more instructions and no faster.
const DENSE: usize = 2048;

/// The bigrams among the frequent units: see [`DENSE`].
#[derive(Default)]
struct Dense {
    /// Units a side (`DENSE`, or the vocabulary when smaller).
    k: usize,
    /// Words of bits a row has (`k / 64`, rounded up); bit `w % 64` of word `w / 64` of row `w2`
    /// is the pair `(w2, w)`. (With a vocabulary below `DENSE`, `k` is the vocabulary and the
    /// bits past it, all clear, are never asked: look-ups check units against the vocabulary
    /// first.)
    words: usize,
    /// The rows, each in [`Dense::row_blocks`] blocks of [`BLOCK_WORDS`] words with their counts
    /// (see [`Block`]).
    blocks: Vec<Block>,
    /// Blocks a row takes (`words / BLOCK_WORDS`, rounded up).
    row_blocks: usize,
    /// Per row, a blocked Bloom filter of the row's bigrams with the other units (`w ≥ k`), in
    /// [`Dense::tail`] words: see [`TAIL_BITS`].
    tail: Vec<u64>,
    /// Per row, where its filter starts in `tail` and how many words it has (a power of two,
    /// or 0 for a row with no such bigram).
    tail_at: Vec<(u32, u32)>,
}

/// Words of bits in a [`Block`].
const BLOCK_WORDS: usize = 7;

/// One cache line of a dense row: seven words of its bits and, packed in an eighth, how many
/// bits the row sets before each of them, so that a look-up reads one line. (With the counts in
/// a table of their own, each look-up read two lines far apart: cachegrind with a 512 KiB last
/// level counted 2% more misses a cold restore, and the same text ran slower in 33 of 40
/// alternating rounds, medians 10% apart.)
/// `count` holds the bits set in the row before the block in its low [`COUNT_BASE_BITS`], then
/// those set in the block before its words 1 to 6 in fields as wide as their greatest value
/// needs (see [`COUNT_FIELDS`]).
#[repr(C, align(64))]
#[derive(Clone, Copy, Default)]
struct Block {
    bits: [u64; BLOCK_WORDS],
    count: u64,
}

/// Width of a [`Block`]'s count of the bits set in its row before it: a row has at most
/// `DENSE` = 2,048 bits, and the last block starts at most 28 words (1,792 bits) in.
const COUNT_BASE_BITS: u32 = 11;
const _: () =
    assert!((DENSE.div_ceil(64) - 1) / BLOCK_WORDS * BLOCK_WORDS * 64 < 1 << COUNT_BASE_BITS);

/// Per word `j` of a [`Block`], where its count within the block sits in `count` and its mask:
/// before word `j` there are at most `64 · j` bits (7 bits for word 1, 8 for 2 and 3, 9 for 4
/// to 6: 50 bits after the base's 11). Word 0 has none (an empty mask).
const COUNT_FIELDS: [(u32, u64); BLOCK_WORDS] = [
    (0, 0),
    (11, (1 << 7) - 1),
    (18, (1 << 8) - 1),
    (26, (1 << 8) - 1),
    (34, (1 << 9) - 1),
    (43, (1 << 9) - 1),
    (52, (1 << 9) - 1),
];

/// Bits of a row's tail filter per bigram it holds. A frequent unit's bigram with a rarer one
/// (the decoder's readings are often rare syllables) is not in the dense table, and would be
/// found by a binary search of the frequent unit's long run, some ten dependent probes of which
/// the last few miss the cache; and 95% of those searches on our notices find nothing (66,000
/// a cold restore, 3,600 found). The filter rules most of them out with one read: one 64-bit
/// word per look-up, three bits of it (at 8 bits a bigram, about 3% of absent pairs pass and
/// are searched as before; a pair the model holds always passes, so answers do not change).
const TAIL_BITS: usize = 8;

/// The word and the three bits of unit `w` in a tail filter of `words` words (a power of two).
#[inline]
fn tail_probe(w: u16, words: usize) -> (usize, u64) {
    let h = (u64::from(w) ^ 0x2545_f491_4f6c_dd1d).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let h = h ^ (h >> 32);
    let h = h.wrapping_mul(0xd6e8_feb8_6659_fd93);
    let bits = 1u64 << (h >> 58) | 1u64 << (h >> 52 & 63) | 1u64 << (h >> 46 & 63);
    ((h as usize) & (words - 1), bits)
}

/// One row of [`Dense`]; empty for a unit outside the table.
#[derive(Clone, Copy)]
struct DenseRow<'a> {
    blocks: &'a [Block],
    /// Words of bits the row has (see [`Dense::words`]).
    words: usize,
    /// The row's tail filter (see [`TAIL_BITS`]).
    tail: &'a [u64],
}

impl DenseRow<'_> {
    /// The position of the bigram in its run when the row knows it (`w` in the table), `Some(None)`
    /// when the row tells there is none (`w` in the table, or past it and ruled out by the tail
    /// filter), `None` when only the run can tell (`w` past the table and passing the filter, or a
    /// unit's row outside the table).
    #[inline]
    fn get(self, w: u16) -> Option<Option<usize>> {
        if self.blocks.is_empty() {
            return None;
        }
        let i = usize::from(w >> 6);
        if i >= self.words {
            return (!self.tail_may_hold(w)).then_some(None);
        }
        let (b, j) = (i / BLOCK_WORDS, i % BLOCK_WORDS);
        let block = self.blocks.get(b)?;
        let word = block.bits[j];
        let bit = w & 63;
        if word >> bit & 1 == 0 {
            return Some(None);
        }
        let (shift, mask) = COUNT_FIELDS[j];
        let before = (block.count & ((1 << COUNT_BASE_BITS) - 1)) + (block.count >> shift & mask);
        Some(Some(
            before as usize + (word & ((1u64 << bit) - 1)).count_ones() as usize,
        ))
    }

    /// Whether the row (of a frequent unit) may have a bigram with `w`, a unit past the table,
    /// by its tail filter (an empty filter: the row has none).
    #[inline]
    fn tail_may_hold(self, w: u16) -> bool {
        if self.tail.is_empty() {
            return false;
        }
        let (i, m) = tail_probe(w, self.tail.len());
        self.tail.get(i).is_some_and(|&x| x & m == m)
    }
}

/// The dense tables built so far, by model (CRC and size of its file): a process that opens the
/// same model twice (the batch's pipelines for text and for scans) keeps one table. Weak: a
/// table goes with the last model that uses it.
#[allow(clippy::type_complexity)]
static DENSE_TABLES: Mutex<Vec<((u32, usize), Weak<Dense>)>> = Mutex::new(Vec::new());

/// Longest trigram run [`LanguageModel::logp_in_many`] filters (in a longer one most bits of the
/// 64-bit filter are set, and it would only cost time).
const FILTER_MAX: usize = 64;

/// Bit `w % 64` of each word `w` of `run`: a word whose bit is clear is not in the run, so most
/// readings after a history with a short trigram run are scored without searching it.
#[inline]
fn filter_of(run: &[[u8; 2]]) -> u64 {
    run.iter()
        .fold(0, |m, x| m | 1u64 << (u16::from_le_bytes(*x) & 63))
}

impl LanguageModel {
    /// Open a model from its container bytes, reading it in place (borrowed embedded bytes are not
    /// copied). Checks the CRC and the section sizes. `path` names the file in errors.
    ///
    /// # Errors
    /// [`Error::ModelFormat`], [`Error::ModelVersion`] or [`Error::Checksum`] when the bytes are not
    /// a valid language model of this version.
    pub fn from_bytes(bytes: Cow<'static, [u8]>, path: &str) -> Result<Self> {
        let payload = container::unwrap(&bytes, TableKind::LanguageModel, VERSION, path)?;
        let base = container::HEADER_LEN;
        let fmt = |reason: &str| Error::ModelFormat {
            path: path.to_string(),
            reason: reason.to_string(),
        };
        let mut r = Reader::new(payload, path);
        let vocab = r.u32()? as usize;
        let n_bigrams = r.u32()? as usize;
        let n_trigrams = r.u32()? as usize;
        let hash_slots = r.u32()? as usize;
        let strings_len = r.u32()? as usize;
        if vocab < 4 || vocab > usize::from(u16::MAX) {
            return Err(fmt("vocabulary size out of range"));
        }
        if !hash_slots.is_power_of_two() || hash_slots < vocab {
            return Err(fmt("bad hash table size"));
        }
        let mut codes = [[0f32; 256]; 3];
        for code in &mut codes {
            for c in code.iter_mut() {
                *c = r.f32()?;
            }
        }
        let mut pos = payload.len() - r.rest().len();
        let mut take = |n: usize, width: usize| -> Result<Range<usize>> {
            let len = n
                .checked_mul(width)
                .ok_or_else(|| fmt("section too large"))?;
            let start = pos;
            let end = start.checked_add(len).ok_or_else(|| fmt("bad length"))?;
            if end > payload.len() {
                return Err(fmt("truncated section"));
            }
            pos = end;
            Ok(base + start..base + end)
        };
        let s = Sections {
            offsets: take(vocab + 1, 4)?,
            strings: take(strings_len, 1)?,
            hash: take(hash_slots, 2)?,
            uni_logp: take(vocab, 4)?,
            uni_backoff: take(vocab, 4)?,
            uni_count: take(vocab, 4)?,
            bi_start: take(vocab + 1, 4)?,
            bi_word: take(n_bigrams, 2)?,
            bi_prob: take(n_bigrams, 1)?,
            bi_backoff: take(n_bigrams, 1)?,
            tri_start: take(n_bigrams + 1, 4)?,
            tri_word: take(n_trigrams, 2)?,
            tri_prob: take(n_trigrams, 1)?,
        };
        if pos != payload.len() {
            return Err(fmt("trailing bytes in payload"));
        }
        let crc_at = bytes.len().saturating_sub(4);
        let checksum = rd_u32(&bytes[crc_at..], 0);
        let lm = LanguageModel {
            vocab,
            n_bigrams,
            n_trigrams,
            hash_mask: hash_slots - 1,
            bi_code: codes[0],
            bo_code: codes[1],
            tri_code: codes[2],
            s,
            checksum,
            bytes,
            dense: Arc::new(Dense::default()),
        };
        lm.validate(path)?;
        Ok(lm.with_dense())
    }

    /// Cheap structural checks so that queries can never index out of a section: offsets and
    /// starts are monotone and end at their section's length, strings are UTF-8. O(vocab + bigrams).
    fn validate(&self, path: &str) -> Result<()> {
        let fmt = |reason: &str| Error::ModelFormat {
            path: path.to_string(),
            reason: reason.to_string(),
        };
        let monotone = |sec: &Range<usize>, n: usize, end: usize| -> bool {
            let b = &self.bytes[sec.clone()];
            let mut prev = 0u32;
            for i in 0..=n {
                let v = rd_u32(b, i);
                if v < prev {
                    return false;
                }
                prev = v;
            }
            prev as usize == end && rd_u32(b, 0) == 0
        };
        let strings_len = self.s.strings.len();
        if !monotone(&self.s.offsets, self.vocab, strings_len) {
            return Err(fmt("bad string offsets"));
        }
        if std::str::from_utf8(&self.bytes[self.s.strings.clone()]).is_err() {
            return Err(fmt("vocabulary is not UTF-8"));
        }
        if !monotone(&self.s.bi_start, self.vocab, self.n_bigrams) {
            return Err(fmt("bad bigram ranges"));
        }
        if !monotone(&self.s.tri_start, self.n_bigrams, self.n_trigrams) {
            return Err(fmt("bad trigram ranges"));
        }
        for (i, w) in ["<unk>", "<num>", "<s>", "</s>"].iter().enumerate() {
            if self.word(WordId(i as u32)) != *w {
                return Err(fmt("reserved words missing"));
            }
        }
        Ok(())
    }

    /// Fill the table of bigrams among the frequent units (see [`DENSE`]) from their runs, or
    /// take the one a model with the same bytes already built.
    fn with_dense(mut self) -> Self {
        let k = DENSE.min(self.vocab);
        let key = (self.checksum, self.bytes.len());
        let mut built = DENSE_TABLES.lock().unwrap_or_else(PoisonError::into_inner);
        built.retain(|(_, t)| t.strong_count() > 0);
        if let Some(t) = built
            .iter()
            .find(|(k2, _)| *k2 == key)
            .and_then(|(_, t)| t.upgrade())
        {
            self.dense = t;
            return self;
        }
        let words = k.div_ceil(64);
        let row_blocks = words.div_ceil(BLOCK_WORDS);
        let mut blocks = vec![Block::default(); k * row_blocks];
        let mut row = vec![0u64; row_blocks * BLOCK_WORDS];
        let mut tail = Vec::new();
        let mut tail_at = Vec::with_capacity(k);
        for w2 in 0..k {
            let (_, run) = self.bigram_run(w2 as u32);
            // (runs are sorted: the frequent units come first, then the rest, the tail)
            let split = run.partition_point(|x| usize::from(u16::from_le_bytes(*x)) < k);
            let (head, rest) = run.split_at(split);
            row.fill(0);
            for x in head {
                let w = usize::from(u16::from_le_bytes(*x));
                row[w / 64] |= 1 << (w % 64);
            }
            // (at most `k` ≤ 2,048 bits a row: every count fits its field)
            let mut before = 0u64;
            for (block, bits) in blocks[w2 * row_blocks..(w2 + 1) * row_blocks]
                .iter_mut()
                .zip(row.chunks(BLOCK_WORDS))
            {
                block.bits.copy_from_slice(bits);
                let mut count = before;
                let mut within = 0u64;
                for (j, b) in bits.iter().enumerate() {
                    let (shift, mask) = COUNT_FIELDS[j];
                    debug_assert!(within <= mask && before < 1 << COUNT_BASE_BITS);
                    count |= (within & mask) << shift;
                    within += u64::from(b.count_ones());
                }
                block.count = count;
                before += within;
            }
            // The row's filter of its bigrams with the other units: the run's tail.
            let words = if rest.is_empty() {
                0
            } else {
                (rest.len() * TAIL_BITS).div_ceil(64).next_power_of_two()
            };
            tail_at.push((tail.len() as u32, words as u32));
            let at = tail.len();
            tail.resize(at + words, 0u64);
            for x in rest {
                let (i, m) = tail_probe(u16::from_le_bytes(*x), words);
                tail[at + i] |= m;
            }
        }
        self.dense = Arc::new(Dense {
            k,
            words,
            blocks,
            row_blocks,
            tail,
            tail_at,
        });
        built.push((key, Arc::downgrade(&self.dense)));
        self
    }

    /// The row of frequent unit `w2` in the dense table (see [`DENSE`]); empty for other units.
    #[inline]
    fn dense_row(&self, w2: u32) -> DenseRow<'_> {
        let d = &*self.dense;
        let w2 = w2 as usize;
        if w2 >= d.k {
            return DenseRow {
                blocks: &[],
                words: 0,
                tail: &[],
            };
        }
        let (at, n) = d
            .tail_at
            .get(w2)
            .map_or((0, 0), |&(a, n)| (a as usize, n as usize));
        DenseRow {
            blocks: d
                .blocks
                .get(w2 * d.row_blocks..(w2 + 1) * d.row_blocks)
                .unwrap_or(&[]),
            words: d.words,
            tail: d.tail.get(at..at + n).unwrap_or(&[]),
        }
    }

    /// Read a model file.
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be read, else as [`LanguageModel::from_bytes`].
    pub fn load(path: &Path) -> Result<Self> {
        let b = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        Self::from_bytes(Cow::Owned(b), &path.display().to_string())
    }

    #[inline]
    fn sec(&self, r: &Range<usize>) -> &[u8] {
        self.bytes.get(r.clone()).unwrap_or(&[])
    }

    /// The id of a unit, `<unk>` when the model does not know it.
    #[must_use]
    pub fn id(&self, unit: &str) -> WordId {
        self.get(unit).unwrap_or(WordId(UNK))
    }

    /// The id of a unit the model knows.
    #[must_use]
    pub fn get(&self, unit: &str) -> Option<WordId> {
        let hash = self.sec(&self.s.hash);
        let mut slot = (fnv(unit.as_bytes()) as usize) & self.hash_mask;
        for _ in 0..=self.hash_mask {
            let id = rd_u16(hash, slot);
            if id == EMPTY {
                return None;
            }
            if self.word(WordId(u32::from(id))) == unit {
                return Some(WordId(u32::from(id)));
            }
            slot = (slot + 1) & self.hash_mask;
        }
        None
    }

    /// The unit of an id (`""` for an id outside the vocabulary).
    #[must_use]
    pub fn word(&self, id: WordId) -> &str {
        let i = id.0 as usize;
        if i >= self.vocab {
            return "";
        }
        let offs = self.sec(&self.s.offsets);
        let (a, b) = (rd_u32(offs, i) as usize, rd_u32(offs, i + 1) as usize);
        let strings = self.sec(&self.s.strings);
        strings
            .get(a..b)
            .and_then(|x| std::str::from_utf8(x).ok())
            .unwrap_or("")
    }

    /// `<unk>`: every unit outside the vocabulary.
    #[must_use]
    pub fn unk(&self) -> WordId {
        WordId(UNK)
    }
    /// `<num>`: every number.
    #[must_use]
    pub fn num(&self) -> WordId {
        WordId(NUM)
    }
    /// `<s>`: the start of a paragraph (history only; never predicted).
    #[must_use]
    pub fn bos(&self) -> WordId {
        WordId(BOS)
    }
    /// `</s>`: the end of a paragraph.
    #[must_use]
    pub fn eos(&self) -> WordId {
        WordId(EOS)
    }
    /// Number of units, reserved ones included; ids are `0..vocab_len()`.
    #[must_use]
    pub fn vocab_len(&self) -> usize {
        self.vocab
    }
    /// Number of bigrams stored.
    #[must_use]
    pub fn bigram_len(&self) -> usize {
        self.n_bigrams
    }
    /// Number of trigrams stored.
    #[must_use]
    pub fn trigram_len(&self) -> usize {
        self.n_trigrams
    }
    /// How often the unit occurred in the training corpora.
    #[must_use]
    pub fn count(&self, id: WordId) -> u64 {
        if (id.0 as usize) < self.vocab {
            u64::from(rd_u32(self.sec(&self.s.uni_count), id.0 as usize))
        } else {
            0
        }
    }
    /// Payload format version.
    #[must_use]
    pub fn version(&self) -> u16 {
        VERSION
    }
    /// CRC32 of the model file (identifies the model in reports).
    #[must_use]
    pub fn checksum(&self) -> u32 {
        self.checksum
    }

    /// Natural-log unigram probability of `w` (`LOG_ZERO` for `<s>`).
    #[must_use]
    pub fn logp_unigram(&self, w: WordId) -> f32 {
        if w.0 == BOS || w.0 as usize >= self.vocab {
            return LOG_ZERO;
        }
        rd_f32(self.sec(&self.s.uni_logp), w.0 as usize)
    }

    /// Index of bigram `(w1, w2)` in the bigram arrays.
    #[inline]
    fn bigram(&self, w1: u32, w2: u32) -> Option<usize> {
        if w1 as usize >= self.vocab || w2 as usize >= self.vocab {
            return None;
        }
        let starts = self.sec(&self.s.bi_start);
        let lo = rd_u32(starts, w1 as usize) as usize;
        // (the dense row first: a pair it covers needs not the run's end)
        if let Some(at) = self.dense_row(w1).get(w2 as u16) {
            return at.map(|k| lo + k);
        }
        let hi = rd_u32(starts, w1 as usize + 1) as usize;
        find_u16(self.sec(&self.s.bi_word), lo, hi, w2 as u16)
    }

    /// `log P(w3 | w2)` of the backoff model.
    #[inline]
    fn logp2(&self, w2: u32, w3: u32) -> f32 {
        match self.bigram(w2, w3) {
            Some(j) => self.bi_prob(j),
            None => self.unigram_after(w2, w3),
        }
    }

    /// `log P(w3 | w2)` when the model has no bigram `(w2, w3)`: `w2`'s back-off weight plus
    /// the unigram.
    #[inline]
    fn unigram_after(&self, w2: u32, w3: u32) -> f32 {
        rd_f32(self.sec(&self.s.uni_backoff), w2 as usize)
            + rd_f32(self.sec(&self.s.uni_logp), w3 as usize)
    }

    /// Everything about the history `w1 w2` that scoring a next word needs.
    #[inline]
    fn history(&self, w1: u32, w2: u32) -> Hist {
        self.history_at(self.bigram(w1, w2), w2)
    }

    /// [`LanguageModel::history`] of a history whose bigram node is `node` (`None`: the model
    /// has no bigram `w1 w2`).
    #[inline]
    fn history_at(&self, node: Option<usize>, w2: u32) -> Hist {
        let (tlo, thi, ctx_bo) = match node {
            Some(j) => self.hist_at(j),
            None => (0, 0, 0.0),
        };
        let starts = self.sec(&self.s.bi_start);
        Hist {
            tlo,
            thi,
            ctx_bo,
            blo: rd_u32(starts, w2 as usize) as usize,
            bhi: rd_u32(starts, w2 as usize + 1) as usize,
            w2_bo: rd_f32(self.sec(&self.s.uni_backoff), w2 as usize),
        }
    }

    /// `log P(w3 | history)`.
    #[inline]
    fn score(&self, h: &Hist, w3: u32) -> f32 {
        if w3 == BOS || w3 as usize >= self.vocab {
            return LOG_ZERO;
        }
        let w16 = w3 as u16;
        if let Some(p) = self.trigram_in(h.tlo, h.thi, w16) {
            return p;
        }
        let lower = match find_u16(self.sec(&self.s.bi_word), h.blo, h.bhi, w16) {
            Some(j) => self.bi_prob(j),
            None => h.w2_bo + rd_f32(self.sec(&self.s.uni_logp), w3 as usize),
        };
        h.ctx_bo + lower
    }

    /// Natural-log `P(w3 | w1 w2)`. An unknown `w2` (outside the vocabulary) leaves the unigram.
    #[must_use]
    pub fn logp(&self, w1: WordId, w2: WordId, w3: WordId) -> f32 {
        if w2.0 as usize >= self.vocab {
            return self.logp_unigram(w3);
        }
        let h = self.history(w1.0, w2.0);
        self.score(&h, w3.0)
    }

    /// The history `w1 w2` looked up once, for scoring many next words with
    /// [`LanguageModel::logp_in_many`] (the decoder scores every reading of a slot after each
    /// hypothesis: one bigram search per hypothesis instead of one per reading).
    #[must_use]
    pub fn context(&self, w1: WordId, w2: WordId) -> Context {
        if w2.0 as usize >= self.vocab {
            return Context(None);
        }
        Context(Some(self.history(w1.0, w2.0)))
    }

    /// [`LanguageModel::context`] of each history of `hists`, appended to `out` in order. Done
    /// together so that their cache misses overlap: every history's bigram is found first, and
    /// the lines of its node (trigram run bounds, back-off weight) fetched, then the contexts are
    /// read from them, and the start of each trigram run fetched for the scores that follow.
    /// (Most of those reads miss the cache; one history at a time, each waited for the last.)
    pub fn contexts(&self, hists: &[(WordId, WordId)], out: &mut Vec<Context>) {
        const CHUNK: usize = 16;
        const OUTSIDE: usize = usize::MAX;
        const NO_NODE: usize = usize::MAX - 1;
        let starts = self.sec(&self.s.tri_start);
        let backoffs = self.sec(&self.s.bi_backoff);
        let bstarts = self.sec(&self.s.bi_start);
        let words = self.sec(&self.s.tri_word);
        let mut nodes = [OUTSIDE; CHUNK];
        for chunk in hists.chunks(CHUNK) {
            for (node, &(w1, w2)) in nodes.iter_mut().zip(chunk) {
                *node = if w2.0 as usize >= self.vocab {
                    OUTSIDE
                } else {
                    prefetch(bstarts, 4 * w2.0 as usize);
                    self.bigram(w1.0, w2.0).map_or(NO_NODE, |j| {
                        prefetch(starts, 4 * j);
                        prefetch(backoffs, j);
                        j
                    })
                };
            }
            out.extend(nodes.iter().zip(chunk).map(|(&node, &(_, w2))| match node {
                OUTSIDE => Context(None),
                j => {
                    let h = self.history_at((j != NO_NODE).then_some(j), w2.0);
                    if h.tlo < h.thi {
                        prefetch(words, 2 * h.tlo);
                    }
                    Context(Some(h))
                }
            }));
        }
    }

    /// `log P(w3 | w2)` with back-off to the unigram: what a context falls back on when it has no
    /// trigram for `w3` (plus the context's back-off weight).
    /// Callers that score one slot after many histories sharing `w2` compute it once.
    #[must_use]
    #[inline]
    pub fn lower(&self, w2: WordId, w3: WordId) -> f32 {
        if w3.0 == BOS || w3.0 as usize >= self.vocab {
            return LOG_ZERO;
        }
        if w2.0 as usize >= self.vocab {
            return self.logp_unigram(w3);
        }
        self.logp2(w2.0, w3.0)
    }

    /// [`LanguageModel::lower`] of `w2` and each word of `ws`, appended to `out` in the order of
    /// `ws`. The bigram run of `w2` and the sections are sliced once, then each word is found by a
    /// branch-free binary search (cheaper than sorting a slot's readings to walk the run in order).
    pub fn lower_many(&self, w2: WordId, ws: &[WordId], out: &mut Vec<f32>) {
        if w2.0 as usize >= self.vocab {
            out.extend(ws.iter().map(|&w| self.lower(w2, w)));
            return;
        }
        let (lo, run) = self.bigram_run(w2.0);
        let probs = self.sec(&self.s.bi_prob).get(lo..).unwrap_or(&[]);
        let uni = self.sec(&self.s.uni_logp);
        let bo = rd_f32(self.sec(&self.s.uni_backoff), w2.0 as usize);
        let row = self.dense_row(w2.0);
        // Two passes a chunk: every reading's place in the run first, then the probabilities. The
        // probability codes are scattered over the whole bigram array and most reads miss the
        // cache; once the places are known those reads depend on nothing else, so they overlap
        // (interleaved with the searches, each waited behind the next search). Each code's line
        // is fetched as soon as its place is known: loads that miss hold the processor's window
        // of work in flight, a prefetch does not, so the searches go on while the codes arrive.
        const CHUNK: usize = 32;
        const INVALID: u32 = u32::MAX;
        const ABSENT: u32 = u32::MAX - 1;
        let mut at = [INVALID; CHUNK];
        for chunk in ws.chunks(CHUNK) {
            for (a, &w) in at.iter_mut().zip(chunk) {
                *a = if w.0 == BOS || w.0 as usize >= self.vocab {
                    INVALID
                } else {
                    // (a run holds at most one bigram per unit: positions fit in `u32`)
                    position(row, run, w.0 as u16).map_or(ABSENT, |k| {
                        prefetch(probs, k);
                        k as u32
                    })
                };
            }
            out.extend(chunk.iter().zip(&at).map(|(&w, &a)| match a {
                INVALID => LOG_ZERO,
                ABSENT => bo + rd_f32(uni, w.0 as usize),
                k => self.bi_code[usize::from(probs.get(k as usize).copied().unwrap_or(0))],
            }));
        }
    }

    /// The bigram run of `w` (`w` in the vocabulary): where it starts, and its words.
    #[inline]
    fn bigram_run(&self, w: u32) -> (usize, &[[u8; 2]]) {
        let starts = self.sec(&self.s.bi_start);
        let lo = rd_u32(starts, w as usize) as usize;
        let hi = rd_u32(starts, w as usize + 1) as usize;
        (lo, run_u16(self.sec(&self.s.bi_word), lo, hi))
    }

    /// The quantised probability of bigram `j`.
    #[inline]
    fn bi_prob(&self, j: usize) -> f32 {
        self.bi_code[usize::from(self.sec(&self.s.bi_prob).get(j).copied().unwrap_or(0))]
    }

    /// The trigram run `[lo, hi)` of bigram `j` and its back-off weight as a history.
    #[inline]
    fn hist_at(&self, j: usize) -> (usize, usize, f32) {
        let starts = self.sec(&self.s.tri_start);
        (
            rd_u32(starts, j) as usize,
            rd_u32(starts, j + 1) as usize,
            self.bo_code[usize::from(self.sec(&self.s.bi_backoff).get(j).copied().unwrap_or(0))],
        )
    }

    /// The probability of `w3` in the trigram run `[lo, hi)`, if there.
    #[inline]
    fn trigram_in(&self, lo: usize, hi: usize, w3: u16) -> Option<f32> {
        find_u16(self.sec(&self.s.tri_word), lo, hi, w3).map(|k| self.tri_prob(k))
    }

    /// The quantised probability of trigram `k`.
    #[inline]
    fn tri_prob(&self, k: usize) -> f32 {
        self.tri_code[usize::from(self.sec(&self.s.tri_prob).get(k).copied().unwrap_or(0))]
    }

    /// `log P(ws[i] | context)` for each `i`, given `lower[i] = self.lower(w2, ws[i])` for the
    /// context's `w2` (equal to [`LanguageModel::logp`] with the context's words), appended to
    /// `out`: a slot's readings after one history, with only its trigram run searched. That run
    /// is most often empty (then every score is the back-off weight plus the lower order).
    pub fn logp_in_many(&self, ctx: &Context, ws: &[WordId], lower: &[f32], out: &mut Vec<f32>) {
        let Some(h) = &ctx.0 else {
            out.extend(ws.iter().map(|&w| self.logp_unigram(w)));
            return;
        };
        let valid = |w: WordId| w.0 != BOS && (w.0 as usize) < self.vocab;
        let lower = |i: usize| lower.get(i).copied().unwrap_or(LOG_ZERO);
        if h.tlo == h.thi {
            out.extend(ws.iter().enumerate().map(|(i, &w)| {
                if valid(w) {
                    h.ctx_bo + lower(i)
                } else {
                    LOG_ZERO
                }
            }));
        } else {
            // Runs are mostly a handful of words: most readings are ruled out by the run's filter.
            let run = run_u16(self.sec(&self.s.tri_word), h.tlo, h.thi);
            let probs = self.sec(&self.s.tri_prob).get(h.tlo..).unwrap_or(&[]);
            let filter = if run.len() <= FILTER_MAX {
                filter_of(run)
            } else {
                u64::MAX
            };
            out.extend(ws.iter().enumerate().map(|(i, &w)| {
                if !valid(w) {
                    return LOG_ZERO;
                }
                let w16 = w.0 as u16;
                let at = if filter >> (w16 & 63) & 1 == 0 {
                    None
                } else {
                    search_u16(run, w16)
                };
                match at {
                    Some(k) => self.tri_code[usize::from(probs.get(k).copied().unwrap_or(0))],
                    None => h.ctx_bo + lower(i),
                }
            }));
        }
    }

    /// `log P(w | w1 w2)` for every `w` in `ws`, into `out` (cleared first). The history is looked
    /// up once, so scoring a slot's candidates costs one search per candidate in short sorted runs.
    pub fn logp_many(&self, w1: WordId, w2: WordId, ws: &[WordId], out: &mut Vec<f32>) {
        out.clear();
        if w2.0 as usize >= self.vocab {
            out.extend(ws.iter().map(|&w| self.logp_unigram(w)));
            return;
        }
        let h = self.history(w1.0, w2.0);
        out.extend(ws.iter().map(|&w| self.score(&h, w.0)));
    }

    /// Perplexity of `text`, each line a paragraph (`<s> <s> … </s>`): returns the perplexity,
    /// the number of units scored (`</s>` included) and how many of them were `<unk>`.
    #[must_use]
    pub fn perplexity(&self, text: &str) -> (f64, u64, u64) {
        let mut toks = Vec::new();
        let (mut sum, mut n, mut oov) = (0f64, 0u64, 0u64);
        for line in text.lines() {
            crate::token::tokenize_into(line, &mut toks);
            let ids: Vec<WordId> = toks
                .iter()
                .filter_map(|t| unit_of(t.kind, t.text(line)))
                .map(|u| self.id(&u))
                .collect();
            if ids.is_empty() {
                continue;
            }
            let (mut a, mut b) = (self.bos(), self.bos());
            for w in ids.into_iter().chain(std::iter::once(self.eos())) {
                sum += f64::from(self.logp(a, b, w));
                n += 1;
                oov += u64::from(w == self.unk());
                a = b;
                b = w;
            }
        }
        ((-sum / n.max(1) as f64).exp(), n, oov)
    }

    /// `log P(w3 | w2)`: the bigram distribution (for callers with one word of history).
    #[must_use]
    pub fn logp_bigram(&self, w2: WordId, w3: WordId) -> f32 {
        if w3.0 == BOS || w3.0 as usize >= self.vocab || w2.0 as usize >= self.vocab {
            return LOG_ZERO;
        }
        self.logp2(w2.0, w3.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The dense table (see [`DENSE`]) gives the bigram the run's binary search finds, for
    /// pairs of frequent units of the embedded model, present and absent, and leaves the rest
    /// to the search. (A build without embedded models has nothing to check.)
    #[test]
    fn the_dense_table_finds_what_the_runs_hold() {
        let Ok(models) = crate::Models::embedded() else {
            return;
        };
        let lm = &models.lm;
        let k = lm.dense.k;
        assert_eq!(k, DENSE.min(lm.vocab_len()));
        let starts = lm.sec(&lm.s.bi_start);
        let (mut found, mut absent) = (0, 0);
        for w1 in (0..k).step_by(5).chain([k - 1]) {
            let (lo, hi) = (rd_u32(starts, w1) as usize, rd_u32(starts, w1 + 1) as usize);
            for w2 in (0..k).chain([k, k + 1, lm.vocab_len() - 1]) {
                let want = find_u16(lm.sec(&lm.s.bi_word), lo, hi, w2 as u16);
                assert_eq!(lm.bigram(w1 as u32, w2 as u32), want, "{w1} {w2}");
                if want.is_some() {
                    found += 1;
                } else {
                    absent += 1;
                }
            }
        }
        assert!(found > 10_000 && absent > 10_000, "{found} {absent}");
        // A second model from the same bytes shares the table while the first lives.
        let Ok(again) = crate::Models::embedded() else {
            return;
        };
        assert!(Arc::ptr_eq(&lm.dense, &again.lm.dense));
    }

    /// The tail filters never rule out a bigram the model holds (every one of a frequent unit's
    /// bigrams with a rarer unit is still found, by `bigram` and by `lower_many`), and rule out
    /// most pairs it does not hold (else they would only cost time).
    #[test]
    fn the_tail_filters_keep_every_bigram_and_rule_out_most_others() {
        let Ok(models) = crate::Models::embedded() else {
            return;
        };
        let lm = &models.lm;
        let (k, vocab) = (lm.dense.k, lm.vocab_len());
        assert!(vocab > k + 1_000, "a vocabulary past the dense table");
        let starts = lm.sec(&lm.s.bi_start);
        let (mut held, mut absent, mut ruled_out) = (0, 0, 0);
        let mut lowers = Vec::new();
        for w1 in (0..k).step_by(7) {
            let (lo, hi) = (rd_u32(starts, w1) as usize, rd_u32(starts, w1 + 1) as usize);
            let run = run_u16(lm.sec(&lm.s.bi_word), lo, hi);
            let row = lm.dense_row(w1 as u32);
            for x in run
                .iter()
                .filter(|x| usize::from(u16::from_le_bytes(**x)) >= k)
            {
                let w2 = u32::from(u16::from_le_bytes(*x));
                assert_eq!(row.get(w2 as u16), None, "{w1} {w2} held but ruled out");
                assert!(lm.bigram(w1 as u32, w2).is_some());
                held += 1;
            }
            let others: Vec<WordId> = (k..vocab).step_by(97).map(|w| WordId(w as u32)).collect();
            lowers.clear();
            lm.lower_many(WordId(w1 as u32), &others, &mut lowers);
            for (w2, got) in others.iter().zip(&lowers) {
                let want = find_u16(lm.sec(&lm.s.bi_word), lo, hi, w2.0 as u16);
                assert_eq!(lm.bigram(w1 as u32, w2.0), want, "{w1} {}", w2.0);
                let lower = match want {
                    Some(j) => lm.bi_prob(j),
                    None => lm.unigram_after(w1 as u32, w2.0),
                };
                assert_eq!(*got, lower, "{w1} {}", w2.0);
                if want.is_none() {
                    absent += 1;
                    ruled_out += usize::from(row.get(w2.0 as u16) == Some(None));
                }
            }
        }
        assert!(held > 10_000 && absent > 10_000, "{held} {absent}");
        assert!(
            ruled_out * 10 > absent * 9,
            "{ruled_out} of {absent} absent pairs ruled out"
        );
    }
}
