//! The decoder: turns OCR text into Vietnamese by combining the channel model (how OCR misreads
//! letters) with the language model (which syllable sequences Vietnamese uses) in a beam search.
//!
//! For each word token the channel's trie search proposes lexicon words within a cost limit; the
//! token itself is also a candidate ("keep"), so abbreviations, names and foreign words survive.
//! Punctuation and numbers are fixed points that still give the language model its context.
//! Lines are decoded as one stream per paragraph (a blank line ends one), because OCR wraps
//! sentences across lines; every line comes out as a line, and every character outside a changed
//! word token comes out exactly as it went in.

use crate::candidates::{CandidateTable, Mode};
use crate::channel::{fold, total_order_bits, ChannelModel, RankedQuery, Trie};
use crate::error::{Error, Result};
use crate::lexicon::Lexicon;
use crate::lm::{unit_of, LanguageModel, WordId};
use crate::syllable::{self, Case};
use crate::token::{is_glue_mark, is_lookalike_symbol, tokenize_into, Token, TokenKind};
use foldhash::{HashMap, HashMapExt};
use smallvec::SmallVec;
use std::borrow::Cow;
use std::sync::Arc;

mod lattice;
mod paragraphs;
mod resegment;
mod runs;
use lattice::Lattice;
use resegment::{Piece, Reseg, Skeletons};

/// The models a [`Restorer`] is built from: language model, channel model and lexicon extras.
pub struct Models {
    /// Syllable n-gram language model.
    pub lm: LanguageModel,
    /// OCR channel model.
    pub channel: ChannelModel,
    /// Lexicon extras: place-name syllables and abbreviations with `đ`.
    pub lexicon: Lexicon,
    /// Precomputed candidate searches (optional; used only when they match, see
    /// [`crate::candidates`]).
    pub candidates: Option<CandidateTable>,
}

#[cfg(sohoa_embedded)]
static EMBEDDED_LM: &[u8] = include_bytes!("../dictionaries/lm.smt");
#[cfg(sohoa_embedded)]
static EMBEDDED_CHANNEL: &[u8] = include_bytes!("../dictionaries/channel.smt");
#[cfg(sohoa_embedded)]
static EMBEDDED_LEXICON: &[u8] = include_bytes!("../dictionaries/lexicon.smt");
#[cfg(sohoa_embedded_candidates)]
static EMBEDDED_CANDIDATES: &[u8] = include_bytes!("../dictionaries/candidates.smt");
#[cfg(sohoa_embedded_vie)]
static EMBEDDED_CHANNEL_VIE: &[u8] = include_bytes!("../dictionaries/channel-vie.smt");

/// The embedded candidate table, if this build has one.
#[cfg(sohoa_embedded)]
fn embedded_candidates() -> Result<Option<CandidateTable>> {
    #[cfg(sohoa_embedded_candidates)]
    {
        CandidateTable::from_bytes(EMBEDDED_CANDIDATES, "<embedded>/candidates.smt").map(Some)
    }
    #[cfg(not(sohoa_embedded_candidates))]
    {
        Ok(None)
    }
}

/// Which OCR engine's errors the channel model describes.
///
/// Why two: an engine without a Vietnamese model drops or mangles nearly every mark, so almost
/// every word must change (`Eng`); Tesseract `vie` reads most words right and its few errors are
/// different ones (a tone swapped, a dot below lost), so its channel is learned from its own pairs
/// and the decoder is gated to leave good readings alone (`Vie`, see [`RestorerBuilder::vie`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelKind {
    /// Errors of an engine without a Vietnamese model (`dictionaries/channel.smt`).
    Eng,
    /// Errors of Tesseract with `vie` (`dictionaries/channel-vie.smt`).
    Vie,
}

impl Models {
    /// The models compiled into this binary (from `dictionaries/`), checksums verified.
    ///
    /// # Errors
    /// [`Error::Config`] when the crate was built without models; a model error if one is damaged.
    pub fn embedded() -> Result<Models> {
        #[cfg(sohoa_embedded)]
        {
            Ok(Models {
                lm: LanguageModel::from_bytes(Cow::Borrowed(EMBEDDED_LM), "<embedded>/lm.smt")?,
                channel: ChannelModel::from_bytes(EMBEDDED_CHANNEL, "<embedded>/channel.smt")?,
                lexicon: Lexicon::from_bytes(EMBEDDED_LEXICON, "<embedded>/lexicon.smt")?,
                candidates: embedded_candidates()?,
            })
        }
        #[cfg(not(sohoa_embedded))]
        {
            Err(Error::Config(
                "this build has no embedded models: build dictionaries/ first (see README)".into(),
            ))
        }
    }

    /// The embedded channel model of `kind`.
    ///
    /// # Errors
    /// [`Error::Config`] when this build does not embed that channel model (a build without
    /// `dictionaries/channel-vie.smt` has only the `Eng` one); a model error if it is damaged.
    pub fn embedded_channel(kind: ChannelKind) -> Result<ChannelModel> {
        match kind {
            ChannelKind::Eng => {
                #[cfg(sohoa_embedded)]
                {
                    ChannelModel::from_bytes(EMBEDDED_CHANNEL, "<embedded>/channel.smt")
                }
                #[cfg(not(sohoa_embedded))]
                {
                    Err(Error::Config(
                        "this build has no embedded models: build dictionaries/ first (see README)"
                            .into(),
                    ))
                }
            }
            ChannelKind::Vie => {
                #[cfg(sohoa_embedded_vie)]
                {
                    ChannelModel::from_bytes(EMBEDDED_CHANNEL_VIE, "<embedded>/channel-vie.smt")
                }
                #[cfg(not(sohoa_embedded_vie))]
                {
                    Err(Error::Config(
                        "this build has no embedded Vietnamese-engine channel model \
                         (dictionaries/channel-vie.smt); pass --channel PATH"
                            .into(),
                    ))
                }
            }
        }
    }

    /// Read a channel model file (`channel.smt` format).
    ///
    /// # Errors
    /// An I/O error naming the file, or a model error.
    pub fn load_channel(path: &std::path::Path) -> Result<ChannelModel> {
        let b = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        ChannelModel::from_bytes(&b, &path.display().to_string())
    }

    /// The same language model and lexicon with another channel model.
    #[must_use]
    pub fn with_channel(self, channel: ChannelModel) -> Models {
        Models { channel, ..self }
    }

    /// Load `lm.smt`, `channel.smt` and `lexicon.smt` from a directory.
    ///
    /// # Errors
    /// An I/O error naming the file, or a model error.
    pub fn load_dir(dir: &std::path::Path) -> Result<Models> {
        let read = |name: &str| -> Result<(Vec<u8>, String)> {
            let p = dir.join(name);
            let b = std::fs::read(&p).map_err(|e| Error::io(&p, e))?;
            Ok((b, p.display().to_string()))
        };
        let (lm, lp) = read("lm.smt")?;
        let (ch, cp) = read("channel.smt")?;
        let (lx, xp) = read("lexicon.smt")?;
        let candidates = if dir.join("candidates.smt").exists() {
            let (cd, dp) = read("candidates.smt")?;
            Some(CandidateTable::from_bytes(&cd, &dp)?)
        } else {
            None
        };
        Ok(Models {
            lm: LanguageModel::from_bytes(Cow::Owned(lm), &lp)?,
            channel: ChannelModel::from_bytes(&ch, &cp)?,
            lexicon: Lexicon::from_bytes(&lx, &xp)?,
            candidates,
        })
    }

    /// A short identity of the models, for records and manifests (`lm:crc/channel:crc`).
    #[must_use]
    pub fn version(&self) -> String {
        format!(
            "lm:{:08x}/channel:{:08x}",
            self.lm.checksum(),
            self.channel.checksum()
        )
    }
}

impl std::fmt::Debug for Models {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Models")
            .field("lm_vocab", &self.lm.vocab_len())
            .field("lexicon", &self.lexicon.abbreviations.len())
            .finish()
    }
}

/// Which kind of lexicon entry a candidate is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EntryKind {
    Syllable,
    Abbrev,
}

#[derive(Debug, Clone)]
struct Entry {
    text: String,
    lm: WordId,
    kind: EntryKind,
}

/// One reading of a token.
#[derive(Debug, Clone, Copy)]
struct Cand {
    /// Index into the lexicon, or `u32::MAX` for "keep the token as written".
    entry: u32,
    lm: WordId,
    /// Channel cost (already weighted).
    cost: f32,
    /// The reading swallows the mark glued after the token (`si?` → `sử`, `tv’` → `từ`).
    glued: bool,
    /// Index in its list of the first reading with the same LM word (readings that share an LM
    /// state share the beam's cell), set by [`readings`] when the list is made: once per
    /// distinct token rather than once per slot searched.
    rep: u16,
}

/// A token's readings as a slot holds them, each with its [`Cand::rep`] set. A list has at most
/// a few dozen readings (`READINGS`, `NUMBER_READINGS` and the token kept as written).
fn readings(cands: impl IntoIterator<Item = Cand>) -> Arc<[Cand]> {
    let mut v: SmallVec<[Cand; READINGS]> = cands.into_iter().collect();
    for i in 0..v.len() {
        let w = v[i].lm;
        let first = v[..i].iter().position(|c| c.lm == w).unwrap_or(i);
        // (a list of more than 65,536 readings, which no setting makes, would only share cells)
        v[i].rep = u16::try_from(first).unwrap_or(0);
    }
    Arc::from(&v[..])
}

impl Cand {
    /// The one reading of a slot the decoder does not search: punctuation, a number, a numeral or
    /// a list marker, with LM unit `lm`, at no cost.
    fn only(lm: WordId) -> Cand {
        Cand {
            entry: u32::MAX,
            lm,
            cost: 0.0,
            glued: false,
            rep: 0,
        }
    }
}

/// The gate's margin `τ` of [`RestorerBuilder::vie`] (nats). Calibrated on the tuning half of
/// `corpus/dev-vie` (bao-cao, cong-van, nghi-quyet, thong-bao): word errors are flat from 2 to 3
/// and rise at 4 and above (good changes blocked) and below 1 (wrong changes let through).
const VIE_CHANGE_COST: f32 = 2.5;
/// The gate's confidence floor of [`RestorerBuilder::vie`]: a change must be likelier than all
/// other readings together. A safety net: on the tuning half it undoes nothing at τ = 2.5.
const VIE_MIN_CHANGE_CONFIDENCE: f32 = 0.5;
/// Keep cost of an unknown token in [`RestorerBuilder::vie`]: a Vietnamese-aware engine's
/// unknown tokens are mostly acronyms and names it read right (`PAPI`), not mangled syllables.
const VIE_KEEP_COST: f32 = 2.0;

/// An OCR engine's confidence in one word: the word at `span` (`[start, end)` character offsets
/// in the text given to [`Restorer::restore_with_priors`], as in [`Change::span`] and
/// `formats::WordPos::span`) was read with probability `confidence` (0..1).
///
/// Why spans rather than "the n-th word": the decoder's tokens and the engine's words do not
/// line up one to one (`Quyet,` is one engine word and two tokens), while offsets into the same
/// text always do. A prior applies to every token it overlaps; a token under several priors takes
/// the lowest.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WordPrior {
    /// `[start, end)` character offsets in the text.
    pub span: [usize; 2],
    /// The engine's confidence in 0..1.
    pub confidence: f32,
}

impl WordPrior {
    /// Priors from a document's word index and confidences (`OcrDocument::word_index` and
    /// `OcrDocument::confidences`, both in document order); words without a confidence get none.
    #[must_use]
    pub fn from_words(index: &[crate::formats::WordPos], confidences: &[Option<f32>]) -> Vec<Self> {
        index
            .iter()
            .zip(confidences)
            .filter_map(|(p, c)| {
                c.map(|c| WordPrior {
                    span: p.span,
                    confidence: c,
                })
            })
            .collect()
    }
}

/// Extra cost of changing a word the engine read with confidence `c`, per unit of weight:
/// `logit(clamp(c, 0.5, 0.995))`, 0 at even odds and below, about 5.3 at the top.
fn prior_cost(c: f32) -> f32 {
    let c = if c.is_nan() { 0.5 } else { c.clamp(0.5, 0.995) };
    (c / (1.0 - c)).ln()
}

/// Settings for a [`Restorer`]; see each setter.
#[derive(Debug, Clone)]
pub struct RestorerBuilder {
    beam: usize,
    max_candidates: usize,
    channel_weight: f32,
    search_limit: f32,
    search_budget: usize,
    keep_cost: f32,
    number_word_cost: f32,
    beam_delta: f32,
    candidate_delta: f32,
    mark_cost: f32,
    resegment_cost: f32,
    prior_weight: f32,
    change_cost: f32,
    min_change_confidence: f32,
}

impl Default for RestorerBuilder {
    fn default() -> Self {
        RestorerBuilder {
            beam: 12,
            max_candidates: 20,
            channel_weight: 1.0,
            search_limit: 16.0,
            search_budget: 800,
            keep_cost: 10.0,
            number_word_cost: 1.5,
            beam_delta: 8.0,
            candidate_delta: 10.0,
            mark_cost: 8.0,
            resegment_cost: 10.0,
            prior_weight: 1.0,
            change_cost: 0.0,
            min_change_confidence: 0.0,
        }
    }
}

impl RestorerBuilder {
    /// Default settings.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }
    /// Hypotheses kept per token in the beam search (default 12). Wider is slower and rarely better.
    pub fn beam_width(&mut self, n: usize) -> &mut Self {
        self.beam = n.max(1);
        self
    }
    /// Readings kept per token for the beam (default 20: the rank puts frequent words first, and a
    /// rarer word that only the context makes likely, `dõi` in `theo dõi`, must still get in).
    pub fn max_candidates(&mut self, n: usize) -> &mut Self {
        self.max_candidates = n.max(1);
        self
    }
    /// Weight of the channel cost against the language model (default 1.0).
    pub fn channel_weight(&mut self, w: f32) -> &mut Self {
        self.channel_weight = w;
        self
    }
    /// Highest channel cost a candidate may have (default 16 nats).
    pub fn search_limit(&mut self, c: f32) -> &mut Self {
        self.search_limit = c;
        self
    }
    /// Most lexicon-trie nodes one token's candidate search expands (default 800). The search
    /// expands the most promising first, so a budget only cuts short tokens far from every word
    /// (foreign words, junk): on the dev sets 800 changes no word and halves the search time.
    pub fn search_budget(&mut self, n: usize) -> &mut Self {
        self.search_budget = n;
        self
    }
    /// Cost of keeping a token that is not a known word as written (default 10).
    pub fn keep_cost(&mut self, c: f32) -> &mut Self {
        self.keep_cost = c;
        self
    }
    /// Extra cost of reading a bare number as a word, as in `13` → `là` (default 1.5).
    pub fn number_word_cost(&mut self, c: f32) -> &mut Self {
        self.number_word_cost = c;
        self
    }

    /// Hypotheses more than this many nats below the best are dropped from the beam (default
    /// 8). Smaller is faster; the LM rarely recovers a larger gap: on every dev set 10 gives the
    /// words 12 gives; 8 gives the same words on the real scan sample and our notices and loses
    /// 0.02 points on the held-out pairs, for a tenth fewer instructions; 6 loses 0.07–0.15.
    pub fn beam_delta(&mut self, d: f32) -> &mut Self {
        self.beam_delta = d;
        self
    }
    /// Readings of a token ranked more than this many nats behind its best reading (channel
    /// cost and unigram prior) are not considered (default 10).
    pub fn candidate_delta(&mut self, d: f32) -> &mut Self {
        self.candidate_delta = d;
        self
    }

    /// Cost of reading a mark glued after a word (`?`, `’`) as punctuation rather than as part of
    /// the word (default 8).
    pub fn mark_cost(&mut self, c: f32) -> &mut Self {
        self.mark_cost = c;
        self
    }

    /// How much better (in nats) a paragraph must read with a word OCR split (`c ong`) merged,
    /// or a token OCR glued (`tochuc`) split, than as its tokens stand, for the decoder to
    /// re-segment it (default 10): the price of the space OCR added or lost. `f32::INFINITY`
    /// turns re-segmentation off.
    pub fn resegment_cost(&mut self, c: f32) -> &mut Self {
        self.resegment_cost = c;
        self
    }

    /// Weight `k` of the engine's word confidences (default 1.0): every reading of a word that
    /// changes it costs `k · logit(clamp(c, 0.5, 0.995))` more, so a word the engine was sure of
    /// needs more evidence to change, and a word at or below even odds costs nothing extra. Only
    /// [`Restorer::restore_with_priors`] uses it.
    pub fn prior_weight(&mut self, k: f32) -> &mut Self {
        self.prior_weight = k.max(0.0);
        self
    }
    /// The gate's margin `τ` (default 0, off): every reading that changes a token costs `τ` nats
    /// more, so a change wins only when its path beats the best path that keeps the token by more
    /// than `τ`; the token as written always stays a candidate while it is on. For an engine
    /// that reads Vietnamese, where the word as written is right most of the time.
    pub fn change_cost(&mut self, tau: f32) -> &mut Self {
        self.change_cost = tau.max(0.0);
        self
    }
    /// A change whose posterior (the `confidence` of [`Change`]) is below this is undone
    /// (default 0, off): the second half of the gate.
    pub fn min_change_confidence(&mut self, c: f32) -> &mut Self {
        self.min_change_confidence = c.clamp(0.0, 1.0);
        self
    }

    /// Settings for OCR from an engine with a Vietnamese model (Tesseract `vie`): the gate on,
    /// calibrated on `corpus/dev-vie` so that clean pages get no more word errors than the engine
    /// made alone. Use with the [`ChannelKind::Vie`] channel model.
    #[must_use]
    pub fn vie() -> Self {
        let mut b = Self::default();
        b.change_cost(VIE_CHANGE_COST)
            .min_change_confidence(VIE_MIN_CHANGE_CONFIDENCE)
            .keep_cost(VIE_KEEP_COST);
        b
    }

    /// Build a restorer over `models`.
    ///
    /// # Errors
    /// [`Error::Config`] when the models have no usable lexicon.
    pub fn build(&self, models: Arc<Models>) -> Result<Restorer> {
        let lm = &models.lm;
        let mut entries = Vec::new();
        for i in 0..lm.vocab_len() {
            let id = WordId(i as u32);
            let w = lm.word(id);
            if syllable::is_valid(w) {
                entries.push(Entry {
                    text: w.to_string(),
                    lm: id,
                    kind: EntryKind::Syllable,
                });
            }
        }
        let mut extras: Vec<(&String, EntryKind)> = Vec::new();
        extras.extend(
            models
                .lexicon
                .name_syllables
                .iter()
                .map(|w| (w, EntryKind::Syllable)),
        );
        extras.extend(
            models
                .lexicon
                .abbreviations
                .iter()
                .map(|w| (w, EntryKind::Abbrev)),
        );
        // Acronyms with `Đ` the corpora use often (`LĐVP`, lãnh đạo Văn phòng) that the
        // abbreviation list lacks: the LM's words of ASCII letters and `đ` that are no syllable
        // (a capital token is read as one only with its own letters, see `word_candidates`).
        let lm_acronyms: Vec<String> = (0..lm.vocab_len())
            .map(|i| WordId(i as u32))
            .filter(|&id| lm.count(id) >= KNOWN_COUNT)
            .map(|id| lm.word(id))
            .filter(|w| {
                w.contains('đ')
                    && w.chars().count() >= 2
                    && w.chars().all(|c| c.is_ascii_lowercase() || c == 'đ')
                    && !syllable::is_valid(w)
            })
            .map(str::to_string)
            .collect();
        extras.extend(
            lm_acronyms
                .iter()
                .filter(|w| !models.lexicon.abbreviations.contains(*w))
                .map(|w| (w, EntryKind::Abbrev)),
        );
        for (w, kind) in extras {
            if kind == EntryKind::Syllable && lm.get(w).is_none() {
                continue; // a place-name syllable the corpora never use is not worth proposing
            }
            entries.push(Entry {
                text: w.clone(),
                lm: lm.id(w),
                kind,
            });
        }
        if entries.is_empty() {
            return Err(Error::Config("the lexicon is empty".into()));
        }
        let words: Vec<&str> = entries.iter().map(|e| e.text.as_str()).collect();
        // Candidates are ranked by channel cost plus the word's unigram cost.
        let priors: Vec<f32> = entries.iter().map(|e| -lm.logp_unigram(e.lm)).collect();
        let trie = Trie::build_ranked(&models.channel, &words, &priors);
        let mut by_text = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            by_text.entry(e.text.clone()).or_insert(i as u32);
        }
        let mut abbrev_plain = HashMap::new();
        let mut abbrev_by_len: Vec<Vec<u32>> = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            if e.kind != EntryKind::Abbrev {
                continue;
            }
            if e.text.contains('đ') {
                abbrev_plain
                    .entry(e.text.replace('đ', "d"))
                    .or_insert(i as u32);
            }
            let len = e.text.chars().count();
            if abbrev_by_len.len() <= len {
                abbrev_by_len.resize(len + 1, Vec::new());
            }
            abbrev_by_len[len].push(i as u32);
        }
        let skeletons = Skeletons::new(
            entries
                .iter()
                .filter(|e| e.kind == EntryKind::Syllable)
                .map(|e| (e.text.as_str(), lm.logp_unigram(e.lm))),
        );
        let fingerprint = self.fingerprint(&models, &entries);
        let use_table = models
            .candidates
            .as_ref()
            .is_some_and(|t| t.fingerprint() == fingerprint);
        Ok(Restorer {
            settings: self.clone(),
            trie,
            entries,
            by_text,
            abbrev_plain,
            abbrev_by_len,
            skeletons,
            models,
            id: NEXT_RESTORER.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            fingerprint,
            use_table,
        })
    }

    /// What the candidate searches depend on: the channel and language models, the lexicon
    /// entries in order, and the search settings. A candidate table computed under another
    /// fingerprint would give other answers, so it is not used.
    fn fingerprint(&self, models: &Models, entries: &[Entry]) -> u64 {
        let mut h =
            mix(u64::from(models.lm.checksum()) ^ (u64::from(models.channel.checksum()) << 32));
        for e in entries {
            for b in e.text.bytes() {
                h = mix(h ^ u64::from(b));
            }
            h = mix(h ^ (0x100 + e.kind as u64));
        }
        for v in [
            self.search_limit.to_bits(),
            self.channel_weight.to_bits(),
            self.candidate_delta.to_bits(),
            self.max_candidates as u32,
            self.search_budget.min(u32::MAX as usize) as u32,
            NUMBER_READINGS as u32,
            crate::channel::SEARCH_VERSION,
        ] {
            h = mix(h ^ u64::from(v));
        }
        h
    }
}

/// Restores Vietnamese text. Immutable and `Send + Sync`: build once, share across threads,
/// give each thread its own [`Scratch`].
pub struct Restorer {
    settings: RestorerBuilder,
    trie: Trie,
    entries: Vec<Entry>,
    /// The first entry of each spelling.
    by_text: HashMap<String, u32>,
    /// Abbreviations with `Đ` by their letters with `d` for it (`hdnd` → HĐND's entry), for
    /// reading an acronym made of several (see [`Restorer::compound_abbreviation`]).
    abbrev_plain: HashMap<String, u32>,
    /// The abbreviation entries by their number of letters.
    abbrev_by_len: Vec<Vec<u32>>,
    /// Skeletons of the lexicon's syllables, for splitting glued tokens.
    skeletons: Skeletons,
    models: Arc<Models>,
    /// Distinct for every restorer built in the process (see [`Scratch`]); never 0.
    id: u64,
    /// What candidate searches depend on (see [`crate::candidates`]).
    fingerprint: u64,
    /// Whether the models' candidate table matches the fingerprint and is used.
    use_table: bool,
}

/// The source of [`Restorer`] ids.
static NEXT_RESTORER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

impl std::fmt::Debug for Restorer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Restorer")
            .field("settings", &self.settings)
            .field("lexicon", &self.entries.len())
            .finish()
    }
}

/// Distinct tokens whose candidates a [`Scratch`] remembers before it starts afresh.
const CACHE_LIMIT: usize = 200_000;

/// Reusable per-thread buffers and the cache of candidate lists per distinct token. Cloning
/// copies the caches (to start several workers from one warmed scratch).
#[derive(Debug, Default, Clone)]
pub struct Scratch {
    cache: HashMap<String, Arc<[Cand]>>,
    tokens: Vec<Token>,
    /// LM scores of a slot's readings already computed (see [`ListCache`]): documents repeat
    /// their phrases, and one probe is several times cheaper than the model's binary searches.
    list_cache: ListCache,
    /// What the last beam search saw, for the confidences (see [`lattice`]).
    lattice: Lattice,
    /// The [`Restorer::id`] the caches belong to.
    owner: u64,
}

impl Scratch {
    /// An empty scratch space.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }
}

/// One changed token: where it was, what it was, what it became, how sure the decoder is.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Change {
    /// 1-based line number in the input.
    pub line: usize,
    /// `[start, end)` character offsets in the original input.
    pub span: [usize; 2],
    /// The token as the OCR wrote it.
    pub original: String,
    /// The restored token.
    pub restored: String,
    /// Confidence in 0..1 that the restored form is right: the reading's posterior among the
    /// token's readings, each weighed by the best restoration of the paragraph that has it.
    pub confidence: f32,
}

/// What evaluation needs of a change to judge it against gold.
impl<'a> From<&'a Change> for crate::eval::ChangeView<'a> {
    fn from(c: &'a Change) -> Self {
        crate::eval::ChangeView {
            line: c.line,
            span: c.span,
            restored: &c.restored,
            confidence: c.confidence,
        }
    }
}

/// What the formats layer needs of a change to write it back into an OCR file's words.
impl From<&Change> for crate::formats::TextChange {
    fn from(c: &Change) -> Self {
        crate::formats::TextChange {
            line: c.line,
            span: c.span,
            restored: c.restored.clone(),
            confidence: c.confidence,
        }
    }
}

/// The result of [`Restorer::restore`]: the text, line for line, and every change.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Restored {
    /// The restored text (same lines as the input).
    pub text: String,
    /// Every changed token, in order.
    pub changes: Vec<Change>,
    /// Word tokens looked at (for throughput and mean-confidence figures).
    pub words: usize,
    /// Mean confidence over all word tokens (changed or not).
    pub mean_confidence: f32,
}

/// A slot of the lattice: a token with its readings.
#[derive(Clone)]
struct Slot {
    /// Token index in the block's token list, or `usize::MAX` for a fixed unit.
    token: usize,
    /// Which part of the token (and after) the slot reads: the whole token unless OCR split or
    /// glued it.
    piece: Piece,
    cands: Arc<[Cand]>,
    /// [`list_hash`] of the readings' LM words: the slot's part of the list cache's keys.
    list: u64,
}

impl Slot {
    fn new(token: usize, cands: Arc<[Cand]>) -> Slot {
        Slot::piece(token, Piece::Whole, cands)
    }

    fn piece(token: usize, piece: Piece, cands: Arc<[Cand]>) -> Slot {
        Slot {
            token,
            piece,
            list: list_hash(cands.iter().map(|c| c.lm)),
            cands,
        }
    }

    /// The byte range of the text the slot reads (`token` is not `usize::MAX`).
    fn span(&self, toks: &[BlockToken]) -> (usize, usize) {
        let bt = &toks[self.token];
        let (s, e) = (bt.text_start, bt.line_start + bt.tok.end);
        match self.piece {
            Piece::Whole => (s, e),
            Piece::Merged => {
                let b = &toks[self.token + 2];
                (s, b.line_start + b.tok.end)
            }
            Piece::Head(at) => (s, s + at),
            Piece::Tail(at) => (s + at, e),
        }
    }
}

/// What building a paragraph's slots reads: the whole text, the engine's priors, the text's list
/// markers, the paragraph's tokens and which of them are parts of codes.
struct BlockCtx<'a> {
    text: &'a str,
    priors: &'a Priors,
    markers: &'a [(usize, char)],
    toks: &'a [BlockToken],
    protected: &'a [bool],
}

/// The first slot of each of `n` tokens (`u32::MAX` for a token without one).
fn first_slots(slots: &[Slot], n: usize) -> Vec<u32> {
    let mut first = vec![u32::MAX; n];
    for (si, slot) in slots.iter().enumerate().rev() {
        if let Some(x) = first.get_mut(slot.token) {
            *x = si as u32;
        }
    }
    first
}

/// Corpus count from which the language model's own unit for a token that is no syllable
/// (`UBND`, `Zalo`, `video`) counts as a known word: kept cheaply, and never split as glued.
const KNOWN_COUNT: u64 = 20;

/// Slots decoded on each side of a re-segmented token to judge it (see
/// `Restorer::resegment_wins`): twice the trigram's reach.
const RESEG_WINDOW: usize = 4;

/// Lowest channel cost of a token's best reading as one word for it to be tried as two words
/// OCR glued (see `Restorer::decode_block`). On our dev sets, nineteen in twenty tokens that
/// look like two syllables glued but are one syllable garbled read as one below 6 nats.
const GLUED_MIN_COST: f32 = 8.0;

/// A token of a block with its global position.
struct BlockToken {
    tok: Token,
    /// byte offset of the token's line start in the whole text
    line_start: usize,
    line_no: usize,
    /// text of the token
    text_start: usize,
}

/// The best extension found so far into one LM state of the next slot (see
/// [`Restorer::beam_search`]).
#[derive(Clone, Copy)]
struct Cell {
    score: f32,
    /// Position of the extension among all of the slot's extensions, `hypothesis · readings +
    /// reading`, which names the hypothesis extended and the reading; `u32::MAX`: none yet.
    /// (Eight bytes a cell: the slot's hundreds of cell updates write no more.)
    order: u32,
}

impl Cell {
    /// Sort key, best first: higher score (in `f32::total_cmp` order), then earlier extension.
    fn rank(&self) -> u64 {
        (u64::from(!total_order_bits(self.score)) << 32) | u64::from(self.order)
    }

    const EMPTY: Cell = Cell {
        score: f32::NEG_INFINITY,
        order: u32::MAX,
    };
}

#[derive(Clone, Copy)]
struct Hyp {
    w1: WordId,
    w2: WordId,
    score: f32,
    back: u32,
}

impl Restorer {
    /// The models this restorer uses.
    #[must_use]
    pub fn models(&self) -> &Models {
        &self.models
    }

    /// Restore `text` with a fresh scratch space. See [`Restorer::restore_with`].
    #[must_use]
    pub fn restore(&self, text: &str) -> Restored {
        self.restore_with(text, &mut Scratch::new())
    }

    /// Restore `text`, reusing `scratch` (its cache makes repeated tokens cheap).
    #[must_use]
    pub fn restore_with(&self, text: &str, scratch: &mut Scratch) -> Restored {
        self.restore_inner(text, &Priors::default(), scratch, Report::Full)
    }

    /// The restored text alone: `restore_with_priors(text, priors, scratch).text`, the same
    /// bytes, without the list of changes and their confidences. For callers that only print or
    /// store the text (`sohoa restore` writing plain text): the search records no lattice for
    /// the confidences (about a tenth of the instructions of a restore on a new document, with
    /// the change list), and the text does not depend on them (but for the confidence gate of
    /// [`RestorerBuilder::min_change_confidence`], which still runs).
    #[must_use]
    pub fn restore_text_with(
        &self,
        text: &str,
        priors: &[WordPrior],
        scratch: &mut Scratch,
    ) -> String {
        let priors = self.priors(text, priors);
        self.restore_inner(text, &priors, scratch, Report::Text)
            .text
    }

    /// Restore `text` with the OCR engine's word confidences as priors: a word read with
    /// confidence `c` costs `k · logit(clamp(c, 0.5, 0.995))` more to change (`k` is
    /// [`RestorerBuilder::prior_weight`]). Priors whose span lies outside the text are ignored;
    /// with no priors this is [`Restorer::restore_with`].
    #[must_use]
    pub fn restore_with_priors(
        &self,
        text: &str,
        priors: &[WordPrior],
        scratch: &mut Scratch,
    ) -> Restored {
        let priors = self.priors(text, priors);
        self.restore_inner(text, &priors, scratch, Report::Full)
    }

    /// The OCR engine's word confidences as change costs over byte spans.
    fn priors(&self, text: &str, priors: &[WordPrior]) -> Priors {
        if priors.is_empty() {
            return Priors::default();
        }
        // Character spans to byte spans, sorted by start, for the tokens' lookup.
        let mut char_to_byte: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
        char_to_byte.push(text.len());
        let mut bytes: Vec<(usize, usize, f32)> = priors
            .iter()
            .filter(|p| p.span[0] < p.span[1])
            .filter_map(|p| {
                let s = *char_to_byte.get(p.span[0])?;
                let e = *char_to_byte.get(p.span[1])?;
                Some((s, e, prior_cost(p.confidence) * self.settings.prior_weight))
            })
            .filter(|p| p.2 > 0.0)
            .collect();
        bytes.sort_by_key(|p| (p.0, p.1));
        let longest = bytes.iter().map(|p| p.1 - p.0).max().unwrap_or(0);
        Priors {
            spans: bytes,
            longest,
        }
    }

    /// The restoration proper; `report` says whether the changes are listed with confidences.
    fn restore_inner(
        &self,
        text: &str,
        priors: &Priors,
        scratch: &mut Scratch,
        report: Report,
    ) -> Restored {
        // A scratch remembers one restorer's candidates: another restorer (another channel or
        // other settings) must not read them.
        if scratch.owner != self.id {
            scratch.cache.clear();
            scratch.list_cache = ListCache::default();
            scratch.owner = self.id;
        }
        scratch.list_cache.reserve(text.len());
        // (restored, a text of bare letters grows by a third: a marked vowel takes two or three
        // bytes where its bare letter took one)
        let mut out = String::with_capacity(text.len() + text.len() / 2);
        // (a word every five bytes or so, and most words changed: growing the list as it fills
        // would copy it a dozen times)
        let mut changes = Vec::with_capacity(match report {
            Report::Full => text.len() / 4,
            Report::Text => 0,
        });
        let mut words = 0usize;
        let mut conf_sum = 0f64;
        // The lines, long ones cut into parts, decoded a paragraph at a time (see `paragraphs`).
        let parts = paragraphs::line_parts(text, paragraphs::SOFT_BYTES, paragraphs::HARD_BYTES);
        let markers = list_markers(
            parts
                .iter()
                .filter(|p| p.first)
                .map(|p| (p.start, p.content)),
        );
        let mut i = 0;
        while i < parts.len() {
            if parts[i].is_blank() {
                out.push_str(parts[i].content);
                out.push_str(parts[i].term);
                i += 1;
                continue;
            }
            let end = paragraphs::paragraph_end(
                &parts,
                i,
                paragraphs::SOFT_BYTES,
                paragraphs::HARD_BYTES,
            );
            let restored = self.decode_block(
                (text, priors, &markers, report),
                &parts[i..end],
                scratch,
                &mut changes,
                &mut words,
                &mut conf_sum,
            );
            // re-emit lines with their terminators
            for (line, part) in restored.into_iter().zip(&parts[i..end]) {
                out.push_str(&line);
                out.push_str(part.term);
            }
            i = end;
        }
        // character offsets for spans
        if !changes.is_empty() {
            let mut byte_to_char = Vec::with_capacity(text.len() + 1);
            let mut n = 0usize;
            let mut bi = 0usize;
            for (b, _) in text.char_indices() {
                while bi < b {
                    byte_to_char.push(n);
                    bi += 1;
                }
                byte_to_char.push(n);
                bi = b + 1;
                n += 1;
            }
            while byte_to_char.len() <= text.len() {
                byte_to_char.push(n);
            }
            for c in &mut changes {
                c.span = [byte_to_char[c.span[0]], byte_to_char[c.span[1]]];
            }
        }
        let mean_confidence = if words == 0 {
            1.0
        } else {
            (conf_sum / words as f64) as f32
        };
        Restored {
            text: out,
            changes,
            words,
            mean_confidence,
        }
    }

    /// Decode one paragraph; returns its lines restored.
    fn decode_block(
        &self,
        (text, priors, markers, report): (&str, &Priors, &[(usize, char)], Report),
        block: &[paragraphs::LinePart<'_>],
        scratch: &mut Scratch,
        changes: &mut Vec<Change>,
        words: &mut usize,
        conf_sum: &mut f64,
    ) -> Vec<String> {
        let lm = &self.models.lm;
        // Gather tokens of all lines.
        // (a token every two bytes at most, as a rule, a word and the space after it: room up
        // front spares growing a document-long paragraph's list a dozen times)
        let bytes: usize = block.iter().map(|p| p.content.len()).sum();
        let mut toks: Vec<BlockToken> = Vec::with_capacity(bytes / 2 + 1);
        for &paragraphs::LinePart {
            start,
            content,
            line_no: no,
            ..
        } in block
        {
            tokenize_into(content, &mut scratch.tokens);
            for t in &scratch.tokens {
                toks.push(BlockToken {
                    tok: *t,
                    line_start: start,
                    line_no: no,
                    text_start: start + t.start,
                });
            }
        }
        let tok_text = |bt: &BlockToken| &text[bt.text_start..bt.line_start + bt.tok.end];
        let protected = protected_tokens(
            text,
            &toks
                .iter()
                .map(|b| (b.text_start, b.line_start + b.tok.end, b.tok.kind))
                .collect::<Vec<_>>(),
        );
        let ctx = BlockCtx {
            text,
            priors,
            markers,
            toks: &toks,
            protected: &protected,
        };
        let (mut slots, mut fixed) = self.block_slots(&ctx, &[], scratch);
        // Words OCR split (`c ong`) or glued (`tochuc`): proposed by their surface, taken where
        // the paragraph around them reads better re-segmented.
        let mut slot_of = first_slots(&slots, toks.len());
        let own_cost = |i: usize| {
            slots.get(slot_of[i] as usize).map_or(0.0, |s| {
                s.cands
                    .iter()
                    .filter(|c| c.entry != u32::MAX)
                    .fold(f32::INFINITY, |m, c| m.min(c.cost))
            })
        };
        let proposals = resegment::proposals(
            &toks,
            &tok_text,
            &resegment::Tests {
                // not part of a code, not a list marker or numeral (one fixed reading)
                open: &|i| !protected[i] && fixed.binary_search_by_key(&i, |f| f.0).is_err(),
                // Two syllables glued do not read as one but at a high cost; a garbled syllable
                // whose letters happen to split into two (`ngudi` for người) reads as one cheaply.
                one_word_dear: &|i| own_cost(i) >= GLUED_MIN_COST,
                known: &|w| lm.get(w).is_some_and(|id| lm.count(id) >= KNOWN_COUNT),
                part_rank: &|part| self.table_rank(part),
            },
            &self.skeletons,
        );
        if self.settings.resegment_cost.is_finite() {
            // Neighbouring proposals help each other: each is judged with those taken so far
            // applied; those left once more after a pass took any, and then side by side with
            // the next one left near it (`xây d ung ch inh`: each alone leaves the other's garble
            // beside it).
            let mut pending = proposals;
            let mut taken: Vec<Reseg> = Vec::new();
            let near = |a: Reseg, b: Reseg| b.token() <= a.token() + 2 * RESEG_WINDOW;
            let mut took = true;
            for pass in 0..3 {
                if pending.is_empty() || (pass == 1 && !took) {
                    continue;
                }
                took = false;
                let mut i = 0;
                while i < pending.len() {
                    let group = if pass < 2 {
                        &pending[i..=i]
                    } else if pending.get(i + 1).is_some_and(|&b| near(pending[i], b)) {
                        &pending[i..=i + 1]
                    } else {
                        i += 1;
                        continue;
                    };
                    if self.resegment_wins(&ctx, (&slots, &slot_of), group, scratch) {
                        took = true;
                        taken.extend_from_slice(group);
                        taken.sort_unstable();
                        pending.drain(i..i + group.len());
                        (slots, fixed) = self.block_slots(&ctx, &taken, scratch);
                        slot_of = first_slots(&slots, toks.len());
                    } else {
                        i += 1;
                    }
                }
            }
        }
        // The search's lattice is kept when a confidence is wanted: for the changes listed, or
        // for the gate.
        let gate = self.settings.min_change_confidence > 0.0;
        let weigh = report == Report::Full || gate;
        scratch.lattice.clear();
        let lattice = weigh.then_some(&mut scratch.lattice);
        let mut choice = self.beam_search(&slots, &mut scratch.list_cache, lattice).0;
        if weigh {
            let arena = &scratch.list_cache.arena;
            scratch.lattice.weigh(|si| &slots[si].cands, arena);
        }
        let posterior = |si: usize, c: usize| scratch.lattice.posterior(si, c);
        // The gate's second half: undo changes the decoder is not sure of. (The other slots'
        // posteriors stay those of the search's path: the reading undone is within the beam,
        // and its neighbours' best paths mostly do not pass through the change.)
        if gate {
            for si in 0..slots.len() {
                let slot = &slots[si];
                if slot.token == usize::MAX {
                    continue;
                }
                let (a, b) = slot.span(&toks);
                let folded = fold(&text[a..b]);
                if self.is_keep(&slot.cands[choice[si]], &folded) {
                    continue;
                }
                let Some(keep) = slot.cands.iter().position(|c| self.is_keep(c, &folded)) else {
                    continue;
                };
                if posterior(si, choice[si]) < self.settings.min_change_confidence {
                    choice[si] = keep;
                }
            }
        }
        // Confidence and output.
        // The new text of each replaced token, by token index.
        let mut replaced: Vec<Option<Replaced>> = vec![None; toks.len()];
        // The first part of a split token, restored, with its confidence.
        let mut head: Option<(String, f32)> = None;
        for (si, slot) in slots.iter().enumerate() {
            if slot.token == usize::MAX {
                continue;
            }
            let bt = &toks[slot.token];
            let (a, b) = slot.span(&toks);
            let orig = &text[a..b];
            let ci = choice[si];
            let conf = match report {
                Report::Full => posterior(si, ci),
                Report::Text => 1.0,
            };
            if bt.tok.kind == TokenKind::Word {
                *words += 1;
                *conf_sum += f64::from(conf);
            }
            let cand = &slot.cands[ci];
            let new = if let Ok(k) = fixed.binary_search_by_key(&slot.token, |r| r.0) {
                // a numeral or list marker: its one reading (never glued)
                fixed[k].1.clone()
            } else if cand.entry == u32::MAX {
                if slot.piece == Piece::Whole {
                    continue;
                }
                orig.to_string()
            } else {
                // A merged word takes its case from its letters without the space.
                let letters: Cow<'_, str> = if slot.piece == Piece::Merged {
                    Cow::Owned(orig.split_whitespace().collect())
                } else {
                    Cow::Borrowed(orig)
                };
                render_case(
                    &letters,
                    &self.entries[cand.entry as usize],
                    || capitals_around(&toks, slot.token, &tok_text),
                    || starts_sentence(&toks, slot.token, &tok_text),
                )
            };
            // What the change covers: its byte range, its restored text and confidence, and how
            // many tokens after the slot's it absorbs (they come out empty).
            let whole = (bt.text_start, bt.line_start + bt.tok.end);
            let (range, restored, confidence, absorbed) = match slot.piece {
                Piece::Head(_) => {
                    head = Some((new, conf));
                    continue;
                }
                // the two words OCR glued, with the space it lost
                Piece::Tail(_) => {
                    let (first, first_conf) = head.take().unwrap_or_default();
                    (whole, format!("{first} {new}"), first_conf.min(conf), 0)
                }
                // the word OCR split: its two tokens and the space between become one
                Piece::Merged => ((a, b), new, conf, 2),
                // the word and the mark glued to it become one restored word
                Piece::Whole if cand.glued => {
                    let mark = &toks[slot.token + 1];
                    ((a, mark.line_start + mark.tok.end), new, conf, 1)
                }
                Piece::Whole if new == orig => continue,
                Piece::Whole => ((a, b), new, conf, 0),
            };
            replaced[slot.token] = Some(if report == Report::Full {
                changes.push(Change {
                    line: bt.line_no,
                    span: [range.0, range.1],
                    original: text[range.0..range.1].to_string(),
                    restored,
                    confidence,
                });
                Replaced::Change(changes.len() - 1)
            } else {
                Replaced::Text(restored)
            });
            for r in &mut replaced[slot.token + 1..=slot.token + absorbed] {
                *r = Some(Replaced::Absorbed);
            }
        }
        let mut lines = Vec::with_capacity(block.len());
        let mut ti = 0;
        for &paragraphs::LinePart {
            content,
            line_no: no,
            ..
        } in block
        {
            let mut s = String::with_capacity(content.len() + 8);
            while ti < toks.len() && toks[ti].line_no == no {
                match &replaced[ti] {
                    Some(Replaced::Change(k)) => s.push_str(&changes[*k].restored),
                    Some(Replaced::Text(r)) => s.push_str(r),
                    Some(Replaced::Absorbed) => {}
                    None => s.push_str(tok_text(&toks[ti])),
                }
                ti += 1;
            }
            lines.push(s);
        }
        lines
    }

    /// The slots of a paragraph's tokens, with the re-segmentations `resegs` (sorted by token)
    /// applied, and the tokens with one fixed reading (roman numerals in standard capitals, list
    /// markers) by token index, increasing.
    fn block_slots(
        &self,
        ctx: &BlockCtx<'_>,
        resegs: &[Reseg],
        scratch: &mut Scratch,
    ) -> (Vec<Slot>, Vec<(usize, String)>) {
        let lm = &self.models.lm;
        let (toks, protected, markers) = (ctx.toks, ctx.protected, ctx.markers);
        let tok_text = |bt: &BlockToken| &ctx.text[bt.text_start..bt.line_start + bt.tok.end];
        // (a slot for most tokens but the spaces, and a line's last word has none after it:
        // room for one a token spares growing a document-long paragraph's list a dozen times)
        let mut slots: Vec<Slot> = Vec::with_capacity(toks.len() + 8);
        // Tokens with one fixed reading, by token index (increasing): roman numerals in standard
        // capitals, list markers.
        let mut fixed: Vec<(usize, String)> = Vec::new();
        // Tokens before this one are read already (a mark glued to the word before it, the
        // second part of a word OCR split).
        let mut next = 0;
        for (ti, bt) in toks.iter().enumerate() {
            if ti < next {
                continue;
            }
            let t = tok_text(bt);
            match bt.tok.kind {
                TokenKind::Space => {}
                TokenKind::Punct if self.lone_lookalike(toks, ti, t) => {
                    // `ở` read as `&`, `@` or `©` standing alone: a word in disguise.
                    let cands = self.word_candidates(t, scratch);
                    slots.push(Slot::new(ti, cands));
                }
                TokenKind::Punct => {
                    if let Some(u) = unit_of(TokenKind::Punct, t) {
                        if let Some(id) = lm.get(&u) {
                            slots.push(Slot::new(usize::MAX, Arc::from([Cand::only(id)])));
                        }
                    }
                }
                TokenKind::Number => {
                    let standalone = !protected[ti] && t.len() <= 3 && !t.contains(['.', ',']);
                    let cands = if standalone {
                        self.number_candidates(t, scratch)
                    } else {
                        Arc::from([Cand::only(lm.num())])
                    };
                    slots.push(Slot::new(ti, cands));
                }
                TokenKind::Word
                    if let Ok(k) = markers.binary_search_by_key(&bt.text_start, |m| m.0) =>
                {
                    // A list marker (`d)`): the letter, or `đ` for a `d)` after `c)` `d)`.
                    let letter = markers[k].1.to_string();
                    let cand = Cand::only(lm.get(&letter).unwrap_or(lm.unk()));
                    fixed.push((ti, letter));
                    slots.push(Slot::new(ti, Arc::from([cand])));
                }
                TokenKind::Word if !protected[ti] => match roman_at(toks, ti, &tok_text)
                    .or_else(|| signing_prefix_at(toks, ti, &tok_text))
                    .or_else(|| self.compound_abbreviation(t))
                {
                    // A roman numeral (`Il.` for `II.`): one reading, the numeral in capitals; a
                    // signing prefix (`TL.`) as written; an acronym of abbreviations with its `Đ`.
                    Some(numeral) => {
                        let cand = Cand::only(lm.get(&numeral.to_lowercase()).unwrap_or(lm.unk()));
                        fixed.push((ti, numeral));
                        slots.push(Slot::new(ti, Arc::from([cand])));
                    }
                    None => {
                        let reseg = resegs.iter().find(|r| r.token() == ti);
                        if let Some(parts) = reseg.and_then(|&r| self.reseg_slots(ctx, r, scratch))
                        {
                            if matches!(reseg, Some(Reseg::Merge(_))) {
                                next = ti + 3;
                            }
                            slots.extend(parts);
                            continue;
                        }
                        let cands = match glued_mark(toks, ti, &tok_text) {
                            Some(m) => {
                                next = ti + 2;
                                self.glued_candidates(t, m, scratch)
                            }
                            None => self.word_candidates(t, scratch),
                        };
                        slots.push(Slot::new(ti, cands));
                    }
                },
                TokenKind::Word => {
                    // Part of a code (`QD` in `573/QD-UBND`).
                    slots.push(Slot::new(ti, self.code_candidates(t, scratch)));
                }
            }
        }
        self.gate(ctx, &mut slots);
        (slots, fixed)
    }

    /// The gate and the priors: reading a token as something else costs more.
    fn gate(&self, ctx: &BlockCtx<'_>, slots: &mut [Slot]) {
        let (text, priors) = (ctx.text, ctx.priors);
        if self.settings.change_cost > 0.0 || !priors.spans.is_empty() {
            for slot in slots {
                if slot.token == usize::MAX {
                    continue;
                }
                let (s, e) = slot.span(ctx.toks);
                let extra = self.settings.change_cost + prior_over(priors, s, e);
                if extra > 0.0 {
                    let folded = fold(&text[s..e]);
                    let cands: Vec<Cand> = slot
                        .cands
                        .iter()
                        .map(|c| {
                            let mut c = *c;
                            if !self.is_keep(&c, &folded) {
                                c.cost += extra;
                            }
                            c
                        })
                        .collect();
                    slot.cands = readings(cands);
                }
            }
        }
    }

    /// The slots that read a re-segmented token: one for a word OCR split, two for a token OCR
    /// glued; `None` when a merged word has no reading in the lexicon.
    fn reseg_slots(
        &self,
        ctx: &BlockCtx<'_>,
        r: Reseg,
        scratch: &mut Scratch,
    ) -> Option<Vec<Slot>> {
        let tok_text = |i: usize| {
            let bt = &ctx.toks[i];
            &ctx.text[bt.text_start..bt.line_start + bt.tok.end]
        };
        match r {
            Reseg::Merge(i) => {
                let merged = format!("{}{}", tok_text(i), tok_text(i + 2));
                let cands = readings(
                    self.word_candidates(&merged, scratch)
                        .iter()
                        .filter(|c| c.entry != u32::MAX)
                        .copied(),
                );
                (!cands.is_empty()).then(|| vec![Slot::piece(i, Piece::Merged, cands)])
            }
            Reseg::Split(i, at) => {
                let t = tok_text(i);
                let (a, b) = (t.get(..at)?, t.get(at..)?);
                Some(vec![
                    Slot::piece(i, Piece::Head(at), self.word_candidates(a, scratch)),
                    Slot::piece(i, Piece::Tail(at), self.word_candidates(b, scratch)),
                ])
            }
        }
    }

    /// Whether the paragraph reads better with the re-segmentations `rs` (in token order)
    /// applied than as its tokens stand (`base`, its slots, with the first slot of each token in
    /// `slot_of`), by at least `resegment_cost` each: both are decoded over the slots from
    /// [`RESEG_WINDOW`] before the first to as many after the last (beyond the trigram's reach),
    /// the same on both sides but for the re-segmented tokens.
    fn resegment_wins(
        &self,
        ctx: &BlockCtx<'_>,
        (base, slot_of): (&[Slot], &[u32]),
        rs: &[Reseg],
        scratch: &mut Scratch,
    ) -> bool {
        // Each change: the slots it replaces (one per token, as `base` reads them whole) and
        // the slots that replace them.
        let mut edits: Vec<(usize, usize, Vec<Slot>)> = Vec::with_capacity(rs.len());
        for &r in rs {
            let (first, last) = match r {
                Reseg::Merge(i) => (slot_of[i], slot_of[i + 2]),
                Reseg::Split(i, _) => (slot_of[i], slot_of[i]),
            };
            let (first, last) = (first as usize, last as usize);
            let after_previous = edits.last().is_none_or(|e| e.1 < first);
            if last >= base.len()
                || first > last
                || base[first].piece != Piece::Whole
                || !after_previous
            {
                return false;
            }
            let Some(mut parts) = self.reseg_slots(ctx, r, scratch) else {
                return false;
            };
            self.gate(ctx, &mut parts);
            edits.push((first, last, parts));
        }
        let (Some(first), Some(last)) = (edits.first().map(|e| e.0), edits.last().map(|e| e.1))
        else {
            return false;
        };
        let lo = first.saturating_sub(RESEG_WINDOW);
        let hi = (last + 1 + RESEG_WINDOW).min(base.len());
        let mut with: Vec<Slot> = Vec::with_capacity(hi - lo + 2);
        let mut k = lo;
        for (a, b, parts) in edits {
            with.extend_from_slice(&base[k..a]);
            with.extend(parts);
            k = b + 1;
        }
        with.extend_from_slice(&base[k..hi]);
        let (_, as_is) = self.beam_search(&base[lo..hi], &mut scratch.list_cache, None);
        let (_, changed) = self.beam_search(&with, &mut scratch.list_cache, None);
        changed - self.settings.resegment_cost * rs.len() as f32 > as_is
    }

    /// An acronym in capitals made of abbreviations, one or more of them with a `Đ` OCR read as
    /// `D` (`PCTHDND`: PCT, phó chủ tịch, and HĐND), with its `Đ`s: `PCTHĐND`. Its parts are
    /// abbreviations with `Đ` of the lexicon, three letters or more, and acronyms the LM knows
    /// (`pct`, `ubnd`), two letters or more. Only a token no word or single abbreviation
    /// explains, and only when the fewest parts that make it read it one way (`UBNDTP` is UBND
    /// and TP, no `Đ` to gain).
    fn compound_abbreviation(&self, token: &str) -> Option<String> {
        let lm = &self.models.lm;
        if !(4..=16).contains(&token.len())
            || !token.bytes().all(|b| b.is_ascii_uppercase())
            || !token.contains('D')
        {
            return None;
        }
        let folded = token.to_ascii_lowercase();
        let known = |w: &str| lm.get(w).is_some_and(|id| lm.count(id) >= KNOWN_COUNT);
        let one_fits = || {
            self.abbrev_by_len.get(folded.len()).is_some_and(|ids| {
                ids.iter().any(|&ei| {
                    abbreviation_fits(&folded, &self.entries[ei as usize].text, true, true)
                })
            })
        };
        if self.skeletons.contains(&folded)
            || known(&folded)
            || self.by_text.contains_key(&folded)
            || one_fits()
        {
            return None;
        }
        // A part as read: the abbreviation with its `Đ`, or the acronym as written.
        let part = |p: &str| -> Option<String> {
            if p.len() < 2 {
                return None;
            }
            // (Two letters with `Đ` are too many things: `ND` in `NDXP` is no `NĐ`.)
            if let Some(&ei) = self.abbrev_plain.get(p).filter(|_| p.len() >= 3) {
                return Some(self.entries[ei as usize].text.clone());
            }
            (known(p) && !syllable::is_valid(p) && !self.skeletons.contains(p))
                .then(|| p.to_string())
        };
        // best[i]: the fewest parts the first i letters make, and every reading in that many.
        let n = folded.len();
        let mut best: Vec<Option<(usize, Vec<String>)>> = vec![None; n + 1];
        best[0] = Some((0, vec![String::new()]));
        for end in 2..=n {
            let (before, from_end) = best.split_at_mut(end);
            for (start, done) in before.iter().enumerate().take(end - 1) {
                let Some((parts, heads)) = done else { continue };
                let Some(p) = part(&folded[start..end]) else {
                    continue;
                };
                let parts = *parts;
                let reads: Vec<String> = heads.iter().map(|h| format!("{h}{p}")).collect();
                match &mut from_end[0] {
                    Some((k, r)) if *k == parts + 1 => {
                        r.extend(reads);
                        r.sort();
                        r.dedup();
                    }
                    Some((k, _)) if *k < parts + 1 => {}
                    slot => *slot = Some((parts + 1, reads)),
                }
            }
        }
        match best[n].take() {
            Some((parts, mut reads)) if parts >= 2 && reads.len() == 1 => {
                let read = reads.pop()?;
                (read != folded).then(|| read.to_uppercase())
            }
            _ => None,
        }
    }

    /// Whether reading a token (folded: `fold` of its text) as `c` leaves it as written.
    fn is_keep(&self, c: &Cand, folded: &str) -> bool {
        c.entry == u32::MAX || self.entries[c.entry as usize].text == folded
    }

    /// A lone look-alike symbol (`&`, `@`, `©`, ...) with spaces or line ends on both sides: OCR's
    /// reading of a short word such as `ở`.
    fn lone_lookalike(&self, toks: &[BlockToken], ti: usize, t: &str) -> bool {
        let mut chars = t.chars();
        let one = matches!((chars.next(), chars.next()), (Some(c), None) if is_lookalike_symbol(c));
        let spaced = |k: Option<&BlockToken>| {
            k.is_none_or(|b| b.tok.kind == TokenKind::Space || b.line_no != toks[ti].line_no)
        };
        one && spaced(ti.checked_sub(1).and_then(|k| toks.get(k))) && spaced(toks.get(ti + 1))
    }

    /// The candidate table's answer for `token`, when `table` is set and the table holds it.
    fn tabled(&self, table: bool, mode: Mode, token: &str) -> Option<Vec<(u32, f32)>> {
        let t = self.models.candidates.as_ref().filter(|_| table)?;
        t.get(mode, token).map(<[_]>::to_vec)
    }

    /// The channel search for a word token (`folded`; `upper` when it is all capitals, which
    /// lets abbreviations in): the best `max_candidates` words by channel cost plus unigram cost.
    /// From the candidate table when `table` is set and the table holds the token.
    fn search_word(&self, folded: &str, upper: bool, table: bool) -> Vec<(u32, f32)> {
        let mode = if upper { Mode::Upper } else { Mode::Word };
        if let Some(l) = self.tabled(table, mode, folded) {
            return l;
        }
        let s = &self.settings;
        let query = RankedQuery {
            limit: s.search_limit,
            k: s.max_candidates,
            weight: s.channel_weight,
            slack: s.candidate_delta,
            budget: s.search_budget,
        };
        let entries = &self.entries;
        self.models
            .channel
            .search_ranked(&self.trie, folded, query, |ei| {
                upper || entries[ei as usize].kind != EntryKind::Abbrev
            })
    }

    /// The channel search for a short bare number: syllables only, the best
    /// [`NUMBER_READINGS`] of them.
    fn search_number(&self, token: &str, table: bool) -> Vec<(u32, f32)> {
        if let Some(l) = self.tabled(table, Mode::Number, token) {
            return l;
        }
        let s = &self.settings;
        let query = RankedQuery {
            limit: s.search_limit,
            k: NUMBER_READINGS,
            weight: s.channel_weight,
            slack: f32::INFINITY,
            budget: s.search_budget,
        };
        let entries = &self.entries;
        self.models
            .channel
            .search_ranked(&self.trie, token, query, |ei| {
                entries[ei as usize].kind == EntryKind::Syllable
            })
    }

    /// The best rank (weighted channel cost plus unigram cost) among the candidate table's
    /// readings of a word token, without searching; `None` when the table does not hold it.
    fn table_rank(&self, token: &str) -> Option<f32> {
        let lm = &self.models.lm;
        let list = self.models.candidates.as_ref().filter(|_| self.use_table)?;
        list.get(Mode::Word, &fold(token))?
            .iter()
            .filter(|&&(ei, _)| self.entries[ei as usize].kind != EntryKind::Abbrev)
            .map(|&(ei, c)| {
                c * self.settings.channel_weight - lm.logp_unigram(self.entries[ei as usize].lm)
            })
            .reduce(f32::min)
    }

    /// Whether this restorer answers searches from the models' candidate table (it does when
    /// the table was computed with these models and settings).
    #[must_use]
    pub fn uses_candidate_table(&self) -> bool {
        self.use_table
    }

    /// Compute a candidate table for the word tokens of `ocr_texts` (folded; searched as in
    /// lower case and as in capitals; a word with a mark glued after it also with the mark) and
    /// every bare number of one to three digits, under this restorer's models and settings. See
    /// [`crate::candidates`]; `sohoa model candidates` writes it to `dictionaries/candidates.smt`.
    #[must_use]
    pub fn candidate_table<'a>(
        &self,
        ocr_texts: impl IntoIterator<Item = &'a str>,
    ) -> CandidateTable {
        let mut words = std::collections::BTreeSet::new();
        let mut toks = Vec::new();
        for text in ocr_texts {
            for line in text.lines() {
                tokenize_into(line, &mut toks);
                for (i, t) in toks.iter().enumerate() {
                    let w = t.text(line);
                    if t.kind != TokenKind::Word {
                        continue;
                    }
                    words.insert(fold(w));
                    // A mark glued after a word is also searched with it (`glued_candidates`).
                    if let Some(m) = toks.get(i + 1).filter(|m| m.start == t.end) {
                        let mark = m.text(line);
                        if is_glue_mark(mark) {
                            words.insert(fold(&format!("{w}{mark}")));
                        }
                    }
                }
            }
        }
        // The words the decoder keeps as known (the LM's non-syllable words seen at least
        // `KNOWN_COUNT` times: acronyms, names, foreign and product words) are common in new
        // documents and costly to search (no syllable is near them): each as an engine without
        // Vietnamese writes it (`đ` as `d`) and as the LM spells it.
        let lm = &self.models.lm;
        for i in 0..lm.vocab_len() {
            let id = WordId(i as u32);
            let w = lm.word(id);
            if lm.count(id) < KNOWN_COUNT || syllable::is_valid(w) {
                continue;
            }
            tokenize_into(w, &mut toks);
            if toks.len() == 1 && toks[0].kind == TokenKind::Word && toks[0].end == w.len() {
                words.insert(w.replace('đ', "d"));
                words.insert(w.to_string());
            }
        }
        let mut table = CandidateTable::new(self.fingerprint);
        // Headings repeat the words of the text in capitals: both searches for every token.
        for w in &words {
            table.insert(Mode::Word, w, self.search_word(w, false, false));
            table.insert(Mode::Upper, w, self.search_word(w, true, false));
        }
        for n in 0..1000u32 {
            for f in [format!("{n}"), format!("{n:02}"), format!("{n:03}")] {
                if f.len() <= 3 && table.get(Mode::Number, &f).is_none() {
                    let list = self.search_number(&f, false);
                    table.insert(Mode::Number, &f, list);
                }
            }
        }
        table
    }

    /// Readings of a word token: lexicon words near it under the channel model, plus itself.
    fn word_candidates(&self, token: &str, scratch: &mut Scratch) -> Arc<[Cand]> {
        if let Some(c) = scratch.cache.get(token) {
            return c.clone();
        }
        if scratch.cache.len() >= CACHE_LIMIT {
            scratch.cache.clear(); // bounded memory over long batches
        }
        let lm = &self.models.lm;
        let s = &self.settings;
        let folded = fold(token);
        let case = syllable::case_of(token);
        let upper = case == Case::Upper;
        let entries = &self.entries;
        let mut found = self.search_word(&folded, upper, self.use_table);
        if upper {
            // An engine reads capitals without marks letter for letter: an acronym is read as an
            // abbreviation only with the same letters (`HDND`, `HPND` for HĐND; `TU` for TƯ),
            // never one letter for another or one added (`DTI` is no `CĐTƯ`).
            found.retain(|&(ei, _)| {
                let e = &entries[ei as usize];
                e.kind != EntryKind::Abbrev
                    || abbreviation_fits(&folded, &e.text, e.lm != lm.unk(), true)
            });
        }
        // (`found` holds only the abbreviations that fit the token's letters.)
        let fits_abbreviation = found
            .iter()
            .any(|&(ei, _)| entries[ei as usize].kind == EntryKind::Abbrev);
        let exact = self
            .by_text
            .get(folded.as_str())
            .copied()
            .filter(|&ei| upper || entries[ei as usize].kind != EntryKind::Abbrev);
        let is_word = exact.is_some();
        // With the gate on, the token as written must stay a candidate whatever its rank.
        if let Some(ei) = exact {
            if s.change_cost > 0.0 && !found.iter().any(|f| f.0 == ei) {
                if let Some(c) = self.models.channel.cost(&folded, &folded) {
                    found.push((ei, c));
                }
            }
        }
        // (room for every reading found and the token kept as written: the list is built once)
        let mut cands: Vec<(Cand, f32)> = Vec::with_capacity(found.len() + 1);
        for (ei, cost) in found {
            let e = &self.entries[ei as usize];
            let cost = cost * s.channel_weight;
            // rank by channel cost and unigram prior
            let rank = cost - lm.logp_unigram(e.lm);
            cands.push((
                Cand {
                    entry: ei,
                    lm: e.lm,
                    cost,
                    glued: false,
                    rep: 0,
                },
                rank,
            ));
        }
        if !is_word {
            // keep the token as written: known non-syllable words (UBND, Zalo) cheaply
            let id = lm.get(&folded);
            let keep_cost = match id {
                Some(id) if lm.count(id) >= KNOWN_COUNT => 1.0,
                // capitals that are no syllable's letters: an acronym the LM does not know (`DTI`),
                // unless it is an abbreviation's letters with its `Đ` or marks misread (`HPND`)
                _ if upper
                    && folded.is_ascii()
                    && !self.skeletons.contains(&folded)
                    && !fits_abbreviation =>
                {
                    ACRONYM_KEEP_COST.min(s.keep_cost)
                }
                _ => s.keep_cost,
            };
            let id = id.unwrap_or(lm.unk());
            cands.push((
                Cand {
                    entry: u32::MAX,
                    lm: id,
                    cost: keep_cost,
                    glued: false,
                    rep: 0,
                },
                keep_cost - lm.logp_unigram(id),
            ));
        }
        cands.sort_by(|a, b| a.1.total_cmp(&b.1));
        // With the gate on, the token as written must stay a candidate whatever its rank.
        let exact = if s.change_cost > 0.0 {
            cands
                .iter()
                .position(|(c, _)| self.is_keep(c, &folded))
                .map(|i| cands[i])
        } else {
            None
        };
        cands.truncate(s.max_candidates);
        // Readings far behind the best one only slow the search down.
        if let Some(best) = cands.first().map(|c| c.1) {
            cands.retain(|c| c.1 <= best + s.candidate_delta);
        }
        if let Some(x) = exact {
            if !cands.iter().any(|(c, _)| c.entry == x.0.entry) {
                cands.push(x);
            }
        }
        let arc = readings(cands.into_iter().map(|(c, _)| c));
        scratch.cache.insert(token.to_string(), arc.clone());
        arc
    }

    /// Readings of a word with a mark glued after it (`si?`, `tv’`): the word and the mark read
    /// together as one word (OCR's rendering of a hook or horn), or the word alone with the mark
    /// kept, at `mark_cost` (the mark's LM slot is not scored).
    fn glued_candidates(&self, token: &str, mark: &str, scratch: &mut Scratch) -> Arc<[Cand]> {
        let key = format!("{token}\u{1}{mark}");
        if let Some(c) = scratch.cache.get(&key) {
            return c.clone();
        }
        let whole = self.word_candidates(&format!("{token}{mark}"), scratch);
        let alone = self.word_candidates(token, scratch);
        let mut cands: Vec<Cand> = whole
            .iter()
            .filter(|c| c.entry != u32::MAX)
            .map(|c| Cand { glued: true, ..*c })
            .collect();
        // A real question mark is likely after some words (`không?`, `nào?`, `gì?`): price the
        // mark as punctuation by the LM's bigram when it knows the mark, else by `mark_cost`.
        let lm = &self.models.lm;
        let mark_id = unit_of(TokenKind::Punct, mark).and_then(|u| lm.get(&u));
        cands.extend(alone.iter().map(|c| Cand {
            cost: c.cost
                + match mark_id {
                    Some(m) => -lm.logp_bigram(c.lm, m),
                    None => self.settings.mark_cost,
                },
            ..*c
        }));
        let arc = readings(cands);
        scratch.cache.insert(key, arc.clone());
        arc
    }

    /// Readings of a short bare number: the number itself, or a word OCR turned into digits.
    fn number_candidates(&self, token: &str, scratch: &mut Scratch) -> Arc<[Cand]> {
        let key = format!("#{token}");
        if let Some(c) = scratch.cache.get(&key) {
            return c.clone();
        }
        let lm = &self.models.lm;
        let s = &self.settings;
        let mut cands = vec![Cand::only(lm.num())];
        // Rank the words by channel cost and unigram prior, as for word tokens: many one-letter
        // words are about equally near a digit (`6`: ô, ồ, ở, ố), and the frequent ones matter.
        let entries = &self.entries;
        let found = self.search_number(token, self.use_table);
        cands.extend(found.into_iter().map(|(ei, cost)| Cand {
            entry: ei,
            lm: entries[ei as usize].lm,
            cost: cost * s.channel_weight + s.number_word_cost,
            glued: false,
            rep: 0,
        }));
        let arc = readings(cands);
        scratch.cache.insert(key, arc.clone());
        arc
    }

    /// Readings of a part of a code (`QD` in `573/QD-UBND`): itself or an abbreviation with Đ.
    fn code_candidates(&self, token: &str, scratch: &mut Scratch) -> Arc<[Cand]> {
        let key = format!("@{token}");
        if let Some(c) = scratch.cache.get(&key) {
            return c.clone();
        }
        let lm = &self.models.lm;
        let folded = fold(token);
        // Kept as written cheaply when the LM knows the token (`UBND`); a token it has never seen
        // (`DCTLN`) against an abbreviation of the lexicon with Đ (`ĐCTLN`, `d` being OCR's usual
        // reading of `đ`) is more likely that abbreviation.
        let keep_id = lm.get(&folded);
        let mut cands = vec![Cand {
            entry: u32::MAX,
            lm: keep_id.unwrap_or(lm.unk()),
            cost: if keep_id.is_some() { 0.5 } else { 1.5 },
            glued: false,
            rep: 0,
        }];
        if syllable::case_of(token) == Case::Upper {
            // Only abbreviations other than the token itself are wanted: ask the search for
            // them alone (among all words, the cheapest eight are syllables for `DCTLN`).
            let query = RankedQuery {
                limit: 8.0,
                k: 4,
                weight: 1.0,
                slack: f32::INFINITY,
                budget: self.settings.search_budget,
            };
            let entries = &self.entries;
            let found = self
                .models
                .channel
                .search_ranked(&self.trie, &folded, query, |ei| {
                    let e = &entries[ei as usize];
                    // `p` and `b` for `đ` only where the LM knows the abbreviation and can judge.
                    let pb = e.lm != lm.unk();
                    e.kind == EntryKind::Abbrev
                        && e.text != folded
                        && abbreviation_fits(&folded, &e.text, pb, false)
                });
            for (ei, cost) in found {
                cands.push(Cand {
                    entry: ei,
                    lm: entries[ei as usize].lm,
                    cost: cost + 0.5,
                    glued: false,
                    rep: 0,
                });
            }
        }
        let arc = readings(cands);
        scratch.cache.insert(key, arc.clone());
        arc
    }

    /// Beam search over the slots with the trigram LM. Returns the chosen candidate per slot.
    ///
    /// The hypotheses of a beam that share their last word `w2` lead to the same LM states
    /// `(w2, reading)`, so each state keeps only its best extension as it is scored (Viterbi
    /// recombination) in a table of one cell per (distinct `w2`, distinct reading); the next
    /// beam is then selected from that table, best first, without sorting every extension.
    /// Ties go to the extension scored first, the order of a stable sort of all extensions.
    /// Given a `lattice` (cleared), it records what it extended and kept, for the confidences
    /// ([`Lattice::weigh`]); the searches that only compare scores pass none.
    fn beam_search(
        &self,
        slots: &[Slot],
        lists: &mut ListCache,
        mut lattice: Option<&mut Lattice>,
    ) -> (Vec<usize>, f32) {
        let lm = &self.models.lm;
        let bos = lm.bos();
        let width = self.settings.beam.max(1);
        let delta = self.settings.beam_delta;
        let mut beam = vec![Hyp {
            w1: bos,
            w2: bos,
            score: 0.0,
            back: u32::MAX,
        }];
        // Back-pointers of the hypotheses kept: (parent's entry, reading). (At most `width` a
        // slot: room up front spares growing it a dozen times in a long paragraph.)
        let mut arena: Vec<(u32, u16)> = Vec::with_capacity(slots.len() * width);
        let mut cells: Vec<Cell> = Vec::new();
        let mut next: Vec<Hyp> = Vec::with_capacity(width);
        let mut groups: Vec<WordId> = Vec::new();
        let mut top: Vec<(u64, usize)> = Vec::with_capacity(width + 1);
        let mut ids: Vec<WordId> = Vec::new();
        let mut runs: Vec<usize> = Vec::with_capacity(width);
        if let Some(l) = lattice.as_deref_mut() {
            l.reserve(slots.len(), width);
        }
        lists.start();
        for (si, slot) in slots.iter().enumerate() {
            let n = slot.cands.len();
            ids.clear();
            ids.extend(slot.cands.iter().map(|c| c.lm));
            let list = slot.list;
            groups.clear();
            cells.clear();
            if let Some(l) = lattice.as_deref_mut() {
                l.slot();
            }
            // `beam` is sorted best first: hypotheses far below the best cannot recover.
            let floor = beam.first().map_or(f32::NEG_INFINITY, |h| h.score - delta);
            let live = beam.iter().take_while(|h| h.score >= floor).count();
            lists.runs(lm, &beam[..live], list, &ids, &mut runs);
            for (hi, (h, &run)) in beam.iter().zip(&runs).enumerate() {
                let g = match groups.iter().position(|&w| w == h.w2) {
                    Some(g) => g,
                    None => {
                        groups.push(h.w2);
                        cells.extend(std::iter::repeat_n(Cell::EMPTY, n));
                        groups.len() - 1
                    }
                };
                if let Some(l) = lattice.as_deref_mut() {
                    l.hyp(h.score, g, run);
                }
                let lp = lists.arena.get(run..run + n).unwrap_or(&[]);
                debug_assert_eq!(lp.len(), n);
                let row = &mut cells[g * n..(g + 1) * n];
                let first = (hi * n) as u32;
                for ((c, &l), order) in slot.cands.iter().zip(lp).zip(first..) {
                    let score = h.score + l - c.cost;
                    // (readings that share an LM word share a cell: see `Cand::rep`)
                    debug_assert_eq!(slot.cands[usize::from(c.rep)].lm, c.lm);
                    if let Some(cell) = row.get_mut(usize::from(c.rep)) {
                        if cell.order == u32::MAX || score > cell.score {
                            *cell = Cell { score, order };
                        }
                    }
                }
            }
            // The best `width` cells, best first, by insertion (a few dozen cells per slot). Cells
            // more than `delta` below the best are left out (but for the last slot, where the end
            // of the paragraph still scores them): the next slot would not extend them.
            let cut = if si + 1 < slots.len() {
                cells
                    .iter()
                    .map(|c| c.score)
                    .fold(f32::NEG_INFINITY, f32::max)
                    - delta
            } else {
                f32::NEG_INFINITY
            };
            top.clear();
            for (i, c) in cells.iter().enumerate() {
                if c.order == u32::MAX || c.score < cut {
                    continue;
                }
                let key = c.rank();
                if top.len() == width && top.last().is_some_and(|&(k, _)| key >= k) {
                    continue;
                }
                let at = top.partition_point(|&(k, _)| k < key);
                top.insert(at, (key, i));
                top.truncate(width);
            }
            if let Some(l) = lattice.as_deref_mut() {
                l.kept(top.iter().map(|&(_, i)| i));
            }
            next.clear();
            for c in top.iter().map(|&(_, i)| &cells[i]) {
                let (hi, ci) = (c.order as usize / n, c.order as usize % n);
                let h = &beam[hi];
                arena.push((h.back, ci as u16));
                next.push(Hyp {
                    w1: h.w2,
                    w2: slot.cands[ci].lm,
                    score: c.score,
                    back: (arena.len() - 1) as u32,
                });
            }
            std::mem::swap(&mut beam, &mut next);
        }
        let eos = lm.eos();
        let (best, score) = beam
            .iter()
            .map(|h| {
                let end = lm.logp(h.w1, h.w2, eos);
                if let Some(l) = lattice.as_deref_mut() {
                    l.end(end);
                }
                (h.back, h.score + end)
            })
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap_or((u32::MAX, f32::NEG_INFINITY));
        let mut choice = vec![0usize; slots.len()];
        let mut b = best;
        let mut i = slots.len();
        while b != u32::MAX && i > 0 {
            i -= 1;
            let (parent, ci) = arena[b as usize];
            choice[i] = ci as usize;
            b = parent;
        }
        (choice, score)
    }
}

/// What became of a token in the output (see `Restorer::decode_block`).
#[derive(Clone)]
enum Replaced {
    /// Its text is that of the change at this index in the change list (when changes are listed).
    Change(usize),
    /// Its new text (when they are not).
    Text(String),
    /// It is part of the change of a token before it.
    Absorbed,
}

/// The index of a mark glued to the end of word token `ti` that OCR may have made of a hook or
/// horn: `?`, `’` or `'`, followed by a space, the line end or closing punctuation, and not closing
/// a quotation the word opened (`'khủng'`).
fn glued_mark<'t>(
    toks: &[BlockToken],
    ti: usize,
    tok_text: &impl Fn(&BlockToken) -> &'t str,
) -> Option<&'t str> {
    let bt = &toks[ti];
    let next = toks.get(ti + 1)?;
    if next.tok.kind != TokenKind::Punct
        || next.line_no != bt.line_no
        || next.text_start != bt.line_start + bt.tok.end
    {
        return None;
    }
    let mark = tok_text(next);
    if !is_glue_mark(mark) {
        return None;
    }
    let after_ok = toks.get(ti + 2).is_none_or(|n| {
        n.line_no != bt.line_no
            || n.tok.kind == TokenKind::Space
            || (n.tok.kind == TokenKind::Punct
                && matches!(tok_text(n), "," | "." | ";" | ":" | ")" | "\""))
    });
    let opened = ti
        .checked_sub(1)
        .and_then(|k| toks.get(k))
        .is_some_and(|p| p.tok.kind == TokenKind::Punct && matches!(tok_text(p), "'" | "‘"));
    (after_ok && !opened).then_some(mark)
}

/// The list markers of a text's lines `(line start, content)`, in order: a small letter first on
/// its line followed by `)` and a space or the line end (`a) `, `d) `), as `(byte offset of the
/// letter, the letter)`. Markers run through the alphabet a b c d đ e g h …, and OCR reads `đ` as
/// `d`: a `d)` right after `c)` and `d)` is `đ)` (only then: two lists may each end at `d)`). Kept
/// out of the word search, which would read the letter as a word (`d)` as `ở)`).
fn list_markers<'a>(lines: impl Iterator<Item = (usize, &'a str)>) -> Vec<(usize, char)> {
    let mut out: Vec<(usize, char)> = Vec::new();
    for (start, content) in lines {
        let body = content.trim_start();
        let mut cs = body.chars();
        let (Some(c), Some(')')) = (cs.next(), cs.next()) else {
            continue;
        };
        if !(c.is_ascii_lowercase() || c == 'đ') || cs.next().is_some_and(|n| !n.is_whitespace()) {
            continue;
        }
        let last_two = out.len().checked_sub(2).map(|i| (out[i].1, out[i + 1].1));
        let letter = if c == 'd' && last_two == Some(('c', 'd')) {
            'đ'
        } else {
            c
        };
        out.push((start + content.len() - body.len(), letter));
    }
    out
}

/// The roman numeral word token `ti` stands for, in standard capitals, when both its form and its
/// place say so: the number of a heading, first on its line and followed by `.` (`II. KẾT QUẢ`,
/// OCR'd `Il. KET QUA`), or the number after a word that counts in roman numerals (`quý II`,
/// `Chương III`, `khóa XV`). Elsewhere `VI` or `XI` may be words (`VI PHẠM`, `XI MĂNG`).
fn roman_at<'t>(
    toks: &[BlockToken],
    ti: usize,
    tok_text: &impl Fn(&BlockToken) -> &'t str,
) -> Option<String> {
    let (numeral, _) = crate::token::roman_numeral(tok_text(&toks[ti]))?;
    let prev = prev_on_line(toks, ti);
    let heading = heads_its_line(toks, ti, tok_text);
    // After a counting word, a small `i` is more likely a letter than OCR's capital I (`Phan Xi
    // Păng`), so only capitals and OCR's `l`/`1` count there.
    let counted = !tok_text(&toks[ti]).contains('i')
        && prev.is_some_and(|p| {
            p.tok.kind == TokenKind::Word
                && COUNTS_IN_ROMAN.contains(&syllable::skeleton(tok_text(p)).as_str())
        });
    (heading || counted).then_some(numeral)
}

/// The price of keeping as written a token in capitals that is no syllable's letters and that the
/// LM does not know (`DTI`, `NDXP`): an acronym, which an engine reads letter for letter in
/// capitals, rather than a word garbled (`keep_cost`, 10, lets `DTI` read `DÙ` and `NDXP` `NỘP`
/// where the context is short). Still above what the abbreviation it is with its `Đ` costs
/// (`HPND` → HĐND), which a price of 2 loses; 4 to 6 give the same on every dev set. Not for a
/// token that is an abbreviation's letters but for its `Đ` or marks (`HPND`): that is the abbreviation
/// misread far more often than an acronym of its own, and keeping it costs `keep_cost` (`HPND
/// huyện` had stayed where the sentence around it is short); never above `keep_cost`.
const ACRONYM_KEEP_COST: f32 = 5.0;

/// The prefixes of a signature block's first line in administrative documents: `TM.` (thay mặt),
/// `KT.` (ký thay), `TL.` (thừa lệnh), `TUQ.` (thừa ủy quyền), `Q.` (quyền), as in `TL. CHỦ TỊCH`.
/// In capitals, first on their line and followed by a full stop they are these and nothing else;
/// the language model, which sees `TL` rarely and `từ` everywhere, would read `TỪ. CHỦ TỊCH`.
const SIGNING_PREFIXES: [&str; 5] = ["TM", "KT", "TL", "TUQ", "Q"];

/// The signing prefix word token `ti` is, as written (see [`SIGNING_PREFIXES`]).
fn signing_prefix_at<'t>(
    toks: &[BlockToken],
    ti: usize,
    tok_text: &impl Fn(&BlockToken) -> &'t str,
) -> Option<String> {
    let t = tok_text(&toks[ti]);
    (SIGNING_PREFIXES.contains(&t) && heads_its_line(toks, ti, tok_text)).then(|| t.to_string())
}

/// The token before word token `ti` on its line, spaces aside.
fn prev_on_line(toks: &[BlockToken], ti: usize) -> Option<&BlockToken> {
    let line = toks[ti].line_no;
    toks[..ti]
        .iter()
        .rev()
        .take_while(|t| t.line_no == line)
        .find(|t| t.tok.kind != TokenKind::Space)
}

/// Whether word token `ti` stands first on its line with a full stop right after it, where a
/// heading's numeral (`II.`) or a signature block's prefix (`TL.`) stands.
fn heads_its_line<'t>(
    toks: &[BlockToken],
    ti: usize,
    tok_text: &impl Fn(&BlockToken) -> &'t str,
) -> bool {
    prev_on_line(toks, ti).is_none()
        && toks
            .get(ti + 1)
            .is_some_and(|n| n.line_no == toks[ti].line_no && tok_text(n) == ".")
}

/// Skeletons of the words a roman numeral follows in administrative text: quý, chương, phần,
/// mục, khóa, kỳ, tập, (đại) hội, (phụ) lục, (giai) đoạn, (lần) thứ, (Đợt).
const COUNTS_IN_ROMAN: [&str; 12] = [
    "quy", "chuong", "phan", "muc", "khoa", "ky", "tap", "hoi", "luc", "doan", "thu", "dot",
];

/// What a restoration reports besides its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Report {
    /// Every change with its span and confidence, and the mean confidence.
    Full,
    /// The text alone (changes not listed, no confidence computed).
    Text,
}

/// Priors as the decoder uses them: `(byte start, byte end, extra change cost)` sorted by start,
/// and the longest span's length in bytes.
#[derive(Default)]
struct Priors {
    spans: Vec<(usize, usize, f32)>,
    longest: usize,
}

/// The extra change cost of the token at bytes `[s, e)`: that of the overlapping prior with the
/// lowest confidence (priors sorted by start; 0 when none overlaps). Walks back from the last
/// prior starting before `e` only as far as a prior of the longest length could still reach `s`.
fn prior_over(priors: &Priors, s: usize, e: usize) -> f32 {
    let end = priors.spans.partition_point(|p| p.0 < e);
    priors.spans[..end]
        .iter()
        .rev()
        .take_while(|p| p.0 + priors.longest > s)
        .filter(|p| p.1 > s)
        .map(|p| p.2)
        .reduce(f32::min)
        .unwrap_or(0.0)
}

/// Floats the list cache holds before it starts afresh (16 MiB: a worker keeps the scores of a
/// few thousand paragraphs of 20-reading slots).
const LIST_ARENA_LIMIT: usize = 1 << 22;

/// Most scores the list cache reserves room for up front (see `ListCache::reserve`).
const LIST_ARENA_START: usize = 1 << 20;

/// The LM scores of a slot's readings after a history `(w1, w2)`, kept as one run per
/// `(w1, w2, readings)`: one probe serves every reading of the slot, and the history is looked up
/// in the model once per miss rather than once per reading. Keys are 64-bit hashes (a collision
/// would need about 2^32 distinct keys alive at once; the arena holds about 2^22 scores).
#[derive(Default)]
struct ListCache {
    index: runs::RunIndex,
    arena: Vec<f32>,
    /// Where the runs of `lowers` are.
    lower_index: runs::RunIndex,
    /// The runs of `lm.lower(w2, w)` (see [`lower_run`]), apart: a run of scores is
    /// computed from one of them while it is appended, which one arena would not allow without
    /// copying the lower run out first.
    lowers: Vec<f32>,
    /// Scratch of [`ListCache::runs`], kept for its room: the hypotheses' keys, the histories
    /// whose scores must be computed and their contexts.
    keys: Vec<u64>,
    hists: Vec<(WordId, WordId)>,
    ctxs: Vec<crate::lm::Context>,
}

/// A copy with the original's room: a plain `Vec` clone holds exactly its length, so the copy's
/// first new run would move the whole arena (megabytes in a warmed scratch) to grow it.
impl Clone for ListCache {
    fn clone(&self) -> Self {
        let roomy = |v: &Vec<f32>| {
            let mut c = Vec::with_capacity(v.capacity());
            c.extend_from_slice(v);
            c
        };
        Self {
            index: self.index.clone(),
            lower_index: self.lower_index.clone(),
            arena: roomy(&self.arena),
            lowers: roomy(&self.lowers),
            keys: Vec::new(),
            hists: Vec::new(),
            ctxs: Vec::new(),
        }
    }
}

/// Where the run of `key` in `arena` starts, `len` values long: when `index` has none (or one of
/// another length), what `fill` appends to `arena` becomes it. One probe of the index either way.
fn run_of(
    index: &mut runs::RunIndex,
    arena: &mut Vec<f32>,
    key: u64,
    len: usize,
    fill: impl FnOnce(&mut Vec<f32>),
) -> usize {
    let off = arena.len();
    match index.get_or_put(key, len as u32, off as u32) {
        Some(at) => at as usize,
        None => {
            fill(arena);
            // (`fill` appends `len` values; should it not, the next run must still start where
            // the index says)
            arena.resize(off + len, crate::lm::LOG_ZERO);
            off
        }
    }
}

/// Where in `lowers` `lm.lower(w2, w)` starts for each `w` of `ids` (hash `list`), computed into
/// it when `index` has no such run.
fn lower_run(
    index: &mut runs::RunIndex,
    lowers: &mut Vec<f32>,
    lm: &LanguageModel,
    (w2, list): (WordId, u64),
    ids: &[WordId],
) -> usize {
    run_of(index, lowers, lower_key(w2, list), ids.len(), |arena| {
        lm.lower_many(w2, ids, arena)
    })
}

/// The list cache's key of the lower-order run of readings `list` after last word `w2`.
fn lower_key(w2: WordId, list: u64) -> u64 {
    mix(mix(list.rotate_left(17) ^ 0x6c6f_7765_7200) ^ u64::from(w2.0))
}

impl std::fmt::Debug for ListCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ListCache")
            .field("runs", &self.index.len())
            .finish()
    }
}

impl ListCache {
    /// Called before a search: start afresh when full (bounded memory over long batches; never
    /// in the middle of a search, so the runs handed out stay valid).
    fn start(&mut self) {
        if self.arena.len() + self.lowers.len() >= LIST_ARENA_LIMIT {
            self.index.clear();
            self.lower_index.clear();
            self.arena.clear();
            self.lowers.clear();
        }
    }

    /// Make room for restoring a text of `bytes` bytes into an empty cache: a syllable stores some
    /// hundred scores (a notice of a few thousand syllables hundreds of thousands), and room up
    /// front spares growing (copying) the arena and rehashing the index on the way. Sized by the
    /// text, so that the many scratches of paragraphs restored in parallel stay small.
    fn reserve(&mut self, bytes: usize) {
        if self.arena.capacity() == 0 {
            let want = (bytes * 24).min(LIST_ARENA_START);
            // (a slot's lower runs are a third as many as its runs of scores)
            self.arena.reserve(want);
            self.lowers.reserve(want / 3);
            self.index.reserve(want / 12);
            self.lower_index.reserve(want / 36);
        }
    }

    /// Where the LM scores of readings `ids` (whose hash is `list`) after each hypothesis's
    /// history `(w1, w2)` start in the arena, `ids.len()` of them, in order, into `runs` (cleared
    /// first); computed into it when not there. A run stays where it is until the next
    /// [`ListCache::start`].
    ///
    /// The hypotheses of a slot are done together, in steps, so that the cache misses of each
    /// step overlap (most of them miss: the index, the bigram's trigram run and back-off): one
    /// hypothesis at a time, each look-up waited for the one before. First every hypothesis's
    /// slot of the index is fetched ([`runs::RunIndex::prefetch`]); then each probes it (a
    /// missing run entered there at once, where its scores will go) and a missing one's slot of
    /// the lower-order index is fetched; then the missing histories are looked up in the model
    /// together ([`LanguageModel::contexts`], which fetches what it reads next the same way);
    /// then their scores are computed. Runs are appended in the hypotheses' order, as one at a
    /// time would.
    fn runs(
        &mut self,
        lm: &LanguageModel,
        hyps: &[Hyp],
        list: u64,
        ids: &[WordId],
        runs: &mut Vec<usize>,
    ) {
        let n = ids.len();
        runs.clear();
        let Self {
            index,
            arena,
            lower_index,
            lowers,
            keys,
            hists,
            ctxs,
        } = self;
        hists.clear();
        // A missing run goes where the scores computed below will put it: they append `n`
        // scores per missing history, in order, from the arena's end (the `k`-th missing one's
        // at `base + k · n`). So each is entered in the index at its first and only probe.
        let base = arena.len();
        keys.clear();
        keys.extend(hyps.iter().map(|h| run_key(h.w1, h.w2, list)));
        for &k in keys.iter() {
            index.prefetch(k);
        }
        for (h, &key) in hyps.iter().zip(keys.iter()) {
            let off = base + hists.len() * n;
            match index.get_or_put(key, n as u32, off as u32) {
                Some(at) => runs.push(at as usize),
                None => {
                    runs.push(off);
                    hists.push((h.w1, h.w2));
                    lower_index.prefetch(lower_key(h.w2, list));
                }
            }
        }
        ctxs.clear();
        lm.contexts(hists, ctxs);
        for (k, (&(_, w2), ctx)) in hists.iter().zip(ctxs.iter()).enumerate() {
            // The back-off part depends on `w2` only, and the histories of a beam share their
            // last word: it is looked up once per `(w2, readings)`.
            let lower = lower_run(lower_index, lowers, lm, (w2, list), ids);
            let lower = lowers.get(lower..lower + n).unwrap_or(&[]);
            let off = base + k * n;
            debug_assert_eq!(arena.len(), off);
            lm.logp_in_many(ctx, ids, lower, arena);
            // (`logp_in_many` appends a score per reading; should it not, the next runs must
            // still start where the index says)
            arena.resize(off + n, crate::lm::LOG_ZERO);
        }
    }
}

/// The list cache's key of the scores of readings `list` after the history `(w1, w2)`.
fn run_key(w1: WordId, w2: WordId, list: u64) -> u64 {
    mix(mix(list ^ u64::from(w1.0)) ^ (u64::from(w2.0) << 32))
}

/// A 64-bit finaliser (from splitmix64): spreads the bits of a packed key.
#[inline]
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Hash of a slot's reading ids, in order.
fn list_hash(ids: impl ExactSizeIterator<Item = WordId>) -> u64 {
    let n = ids.len() as u64;
    ids.fold(n, |h, w| mix(h ^ u64::from(w.0)))
}

/// Words a short bare number may be read as (besides itself). A digit stands for a whole family
/// of marked vowels (`6`: ô ồ ổ ộ ơ ở … but also ệ, ề), and the channel, trained mostly on
/// rendered pages, prices the family it saw most (`16` → `lổ`, `lõ`, `lộ` at 5 nats) far below
/// the ones real scans also show (`16` → `lệ` in `tỷ lệ` at 11, `lễ` at 10): ranked by channel
/// cost and unigram prior, `lệ` is 37th. Six readings (until this was set) held one family only,
/// and the language model, which prefers `tỷ lệ` to every other reading by some 10 nats, never
/// saw it. A real number still costs nothing to keep and a word `number_word_cost` more.
const NUMBER_READINGS: usize = 40;

/// Readings a slot usually has at most (`max_candidates` plus the token kept as written); more
/// spill to the heap.
const READINGS: usize = 24;

/// Whether the lower-case token `token` is the abbreviation `abbr` (lower case) as an engine
/// without Vietnamese reads it: the same letters, but that `đ` may be `d`, or `p`, `b` (`QP`, `NB`;
/// allowed when `p_and_b`), and, given `marks`, a marked vowel its base letter (`tư` read `tu`: a
/// word in capitals). Nothing else may change: no letter for another, none added (`BCD` is no
/// `CBCĐ`, `DTI` no `CĐTƯ`). Inside a code (`marks` off) even the marks stay (`TU` stays Tỉnh ủy).
fn abbreviation_fits(token: &str, abbr: &str, p_and_b: bool, marks: bool) -> bool {
    token.chars().count() == abbr.chars().count()
        && token.chars().zip(abbr.chars()).all(|(t, a)| {
            t == a
                || (a == 'đ' && (t == 'd' || (p_and_b && matches!(t, 'p' | 'b'))))
                || (marks && a != 'đ' && crate::token::base_letter(a) == t)
        })
}

/// The restored word `e` in the case of the OCR token `orig`. A token in mixed case is one whose
/// marked letter OCR read in the other case, both ways: `CHi` for CHỈ, `COng` for Công, `NGi` for
/// Nội. Its own letters cannot tell which, so its neighbours do (`in_capitals`, asked only then): in
/// a line of capitals it is in capitals, else it keeps its first letter's case. So does a word of
/// two capitals amid small letters (`SO` for Sở: the marked vowel read as a capital). A capital `I` or
/// `G` that was a small `l` or `ủ`/`ứ` (`Iy` for lý, `Gy` for ủy, `Gng` for ứng) says nothing of
/// case: such a word is capitalised only where a sentence starts (`sentence_start`).
fn render_case(
    orig: &str,
    e: &Entry,
    in_capitals: impl Fn() -> Option<bool>,
    sentence_start: impl Fn() -> bool,
) -> String {
    if e.kind == EntryKind::Abbrev {
        return e.text.to_uppercase();
    }
    let letters = orig.chars().filter(|c| c.is_alphabetic()).count();
    match syllable::case_of(orig) {
        // Two capitals amid small letters that restoring marked are a capital and a marked vowel
        // read as one (`SO` for Sở, `BO` for Bộ in `Sở Nội vụ`, `Bộ Y tế`); `II`, `MU` stay.
        Case::Upper
            if letters == 2 && orig.to_lowercase() != e.text && in_capitals() == Some(false) =>
        {
            syllable::apply_case(&e.text, Case::Title)
        }
        Case::Upper if letters > 1 => e.text.to_uppercase(),
        Case::Upper | Case::Title if lookalike_capital(orig, &e.text) && !sentence_start() => {
            e.text.clone()
        }
        Case::Upper | Case::Title => syllable::apply_case(&e.text, Case::Title),
        Case::Mixed if orig.chars().next().is_some_and(char::is_uppercase) => {
            if in_capitals() == Some(true) {
                e.text.to_uppercase()
            } else {
                syllable::apply_case(&e.text, Case::Title)
            }
        }
        _ => e.text.clone(),
    }
}

/// Whether the OCR token starts with a capital `I` or `G` that stood for another small letter of
/// the restored word `word` (lower case): `l` for `I`, a `u` with a mark for `G`. Neither capital
/// begins a Vietnamese word that way (`I` only before `i`-words, `G` only before `g`-words).
fn lookalike_capital(orig: &str, word: &str) -> bool {
    let (Some(o), Some(w)) = (orig.chars().next(), word.chars().next()) else {
        return false;
    };
    match o {
        'I' => w == 'l',
        'G' => crate::token::base_letter(w) == 'u',
        _ => false,
    }
}

/// Whether token `ti` begins a sentence: first in its paragraph, or after `.`, `!`, `?`, `:`, a
/// list marker's `)` or a dash.
fn starts_sentence<'t>(
    toks: &[BlockToken],
    ti: usize,
    tok_text: &impl Fn(&BlockToken) -> &'t str,
) -> bool {
    toks[..ti]
        .iter()
        .rev()
        .find(|t| t.tok.kind != TokenKind::Space)
        .is_none_or(|t| {
            t.tok.kind == TokenKind::Punct
                && matches!(tok_text(t), "." | "!" | "?" | ":" | ")" | "-" | "–")
        })
}

/// Whether the word tokens next to token `ti` on its line (the nearest before and after it of two
/// letters or more that are not in mixed case themselves) are all in capitals; `None` when there
/// is no such neighbour.
fn capitals_around<'t>(
    toks: &[BlockToken],
    ti: usize,
    tok_text: &impl Fn(&BlockToken) -> &'t str,
) -> Option<bool> {
    let line = toks[ti].line_no;
    let near = |t: &&BlockToken| {
        t.tok.kind == TokenKind::Word
            && syllable::case_of(tok_text(t)) != Case::Mixed
            && tok_text(t).chars().filter(|c| c.is_alphabetic()).count() > 1
    };
    let before = toks[..ti]
        .iter()
        .rev()
        .take_while(|t| t.line_no == line)
        .find(near);
    let after = toks[ti + 1..]
        .iter()
        .take_while(|t| t.line_no == line)
        .find(near);
    let cases: Vec<Case> = [before, after]
        .into_iter()
        .flatten()
        .map(|t| syllable::case_of(tok_text(t)))
        .collect();
    (!cases.is_empty()).then(|| cases.iter().all(|&c| c == Case::Upper))
}

/// Tokens that belong to codes, URLs, e-mail addresses or numbers written with separators:
/// they are never read as Vietnamese words. `toks` holds (start, end, kind) in `text`.
fn protected_tokens(text: &str, toks: &[(usize, usize, TokenKind)]) -> Vec<bool> {
    let mut out = vec![false; toks.len()];
    let at = |i: usize| -> &str { &text[toks[i].0..toks[i].1] };
    for i in 0..toks.len() {
        let (kind, t) = (toks[i].2, at(i));
        // Neighbours without space between: the tokens of a block's lines follow one another
        // with no token for the line break, so the previous line's last token is not one.
        let prev = (i > 0 && toks[i - 1].1 == toks[i].0).then(|| at(i - 1));
        let next = (i + 1 < toks.len() && toks[i].1 == toks[i + 1].0).then(|| at(i + 1));
        let joins = |s: Option<&str>| {
            matches!(
                s,
                Some("/")
                    | Some("-")
                    | Some(".")
                    | Some(",")
                    | Some("%")
                    | Some(":")
                    | Some("_")
                    | Some("@")
            )
        };
        match kind {
            TokenKind::Number => {
                out[i] = joins(prev) || joins(next) || t.len() > 3;
            }
            TokenKind::Word => {
                let upper = syllable::case_of(t) == Case::Upper;
                let has_digit = t.chars().any(|c| c.is_ascii_digit());
                // parts of codes like 573/QD-UBND, 5125-CV/TU (upper-case, glued by / or -)
                if upper
                    && (matches!(prev, Some("/") | Some("-"))
                        || matches!(next, Some("/") | Some("-")))
                {
                    out[i] = true;
                }
                // URLs and e-mail addresses
                if matches!(prev, Some(".") | Some("@") | Some("/") | Some(":"))
                    && matches!(next, Some(".") | Some("/") | Some("@"))
                    && !upper
                {
                    out[i] = true;
                }
                if t.contains("http") || t.contains("www") {
                    out[i] = true;
                }
                let _ = has_digit;
            }
            _ => {}
        }
    }
    // a URL: everything from http/www to the next space or line break
    let mut in_url = false;
    for i in 0..toks.len() {
        let t = at(i);
        if toks[i].2 == TokenKind::Space || (i > 0 && toks[i - 1].1 != toks[i].0) {
            in_url = false;
        } else if t.starts_with("http") || t.starts_with("www") {
            in_url = true;
        }
        if in_url {
            out[i] = true;
        }
    }
    out
}

/// A cow of a unit, for callers that need the LM unit of a token.
#[allow(dead_code)]
fn unit(kind: TokenKind, text: &str) -> Option<Cow<'_, str>> {
    unit_of(kind, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restorer_is_send_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Restorer>();
        assert_send_sync::<Models>();
    }

    /// With a beam wide enough to keep every path, the lattice's posteriors are the max-marginals
    /// of brute force: every path of a short paragraph scored with the model, each reading's best
    /// path against the other readings' best. The paragraph has a slot of one reading
    /// and a slot whose readings share an LM word (two unknown words at different costs).
    #[test]
    fn lattice_posteriors_are_the_max_marginals_of_all_paths() {
        let models = Arc::new(Models::embedded().expect("embedded models"));
        let lm = &models.lm;
        let word = |w: &str| lm.get(w).expect("in the model");
        let cand = |lm: WordId, cost: f32| Cand {
            entry: 0,
            lm,
            cost,
            glued: false,
            rep: 0,
        };
        let slots: Vec<Slot> = [
            vec![
                (word("công"), 0.5),
                (word("cổng"), 1.0),
                (word("cống"), 2.5),
            ],
            vec![(word("tác"), 0.0), (word("tắc"), 0.7), (word("tạc"), 3.0)],
            vec![
                (lm.unk(), 0.3),
                (word("cua"), 1.0),
                (lm.unk(), 0.1),
                (word("của"), 2.0),
            ],
            vec![(word("và"), 0.0)],
            vec![
                (word("tỉnh"), 1.0),
                (word("tinh"), 0.2),
                (word("tính"), 0.9),
            ],
        ]
        .into_iter()
        .enumerate()
        .map(|(i, r)| Slot::new(i, readings(r.into_iter().map(|(w, c)| cand(w, c)))))
        .collect();
        let mut b = RestorerBuilder::new();
        b.beam_width(10_000).beam_delta(f32::INFINITY);
        let restorer = b.build(models.clone()).expect("restorer");
        let mut lists = ListCache::default();
        let mut lattice = Lattice::default();
        let (choice, best) = restorer.beam_search(&slots, &mut lists, Some(&mut lattice));
        lattice.weigh(|si| &slots[si].cands, &lists.arena);

        // Every path, by brute force.
        let sizes: Vec<usize> = slots.iter().map(|s| s.cands.len()).collect();
        let mut marg: Vec<Vec<f32>> = sizes.iter().map(|&n| vec![f32::NEG_INFINITY; n]).collect();
        let mut top = (f32::NEG_INFINITY, Vec::new());
        let mut path = vec![0usize; slots.len()];
        loop {
            let (mut w1, mut w2, mut score) = (lm.bos(), lm.bos(), 0.0f32);
            for (s, &c) in slots.iter().zip(&path) {
                let r = &s.cands[c];
                score += lm.logp(w1, w2, r.lm) - r.cost;
                (w1, w2) = (w2, r.lm);
            }
            score += lm.logp(w1, w2, lm.eos());
            for (m, &c) in marg.iter_mut().zip(&path) {
                m[c] = m[c].max(score);
            }
            if score > top.0 {
                top = (score, path.clone());
            }
            // the next path, as an odometer
            let Some(i) = (0..path.len()).find(|&i| path[i] + 1 < sizes[i]) else {
                break;
            };
            path[i] += 1;
            path[..i].iter_mut().for_each(|p| *p = 0);
        }
        assert_eq!(choice, top.1);
        assert!((best - top.0).abs() < 1e-3, "{best} {}", top.0);
        for (si, m) in marg.iter().enumerate() {
            let z: f32 = m.iter().map(|x| (x - top.0).exp()).sum();
            for (c, x) in m.iter().enumerate() {
                let want = (x - top.0).exp() / z;
                let got = lattice.posterior(si, c);
                assert!(
                    (got - want).abs() < 1e-4,
                    "slot {si} reading {c}: {got} vs {want}"
                );
            }
        }
        // The unknown words share a cell but keep their own channel costs.
        assert!(lattice.posterior(2, 0) < lattice.posterior(2, 2));
    }

    fn cell(score: f32, order: u32) -> Cell {
        Cell { score, order }
    }

    proptest::proptest! {
        /// The beam's integer sort key orders cells as the comparison it replaced: higher score
        /// by `total_cmp` first, then the earlier extension.
        #[test]
        fn cell_rank_orders_like_total_cmp(a in proptest::num::f32::ANY, b in proptest::num::f32::ANY,
                                           oa in 0u32..4, ob in 0u32..4) {
            let (x, y) = (cell(a, oa), cell(b, ob));
            let want = b.total_cmp(&a).then_with(|| oa.cmp(&ob));
            proptest::prop_assert_eq!(x.rank().cmp(&y.rank()), want);
        }
    }

    #[test]
    fn cell_rank_on_edge_scores() {
        let scores = [
            f32::INFINITY,
            3.0,
            0.0,
            -0.0,
            -1.5,
            -99.0,
            f32::NEG_INFINITY,
        ];
        for w in scores.windows(2) {
            assert!(
                cell(w[0], 9).rank() < cell(w[1], 0).rank(),
                "{} before {}",
                w[0],
                w[1]
            );
        }
        assert!(cell(-2.0, 1).rank() < cell(-2.0, 2).rank());
    }
}
