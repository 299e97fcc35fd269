//! OCR channel model: how likely an OCR engine is to print the string `o` when the page said the
//! Vietnamese word `g`, as `cost = -ln P(o | g)`.
//!
//! The model is a character-level weighted transducer learned from aligned real OCR pairs, not a
//! hand-written confusion list: every gold letter (with its marks, e.g. `ủ`) may be read as one OCR
//! character (`u`, `ú`, `ü`, `y`, `6`…), as two (`ti`, `ii`, `u'`) or dropped, and stray characters
//! may be inserted. Costs of events seen in training come from their counts (hard-EM over
//! Viterbi alignments, a few passes); unseen events fall back to class costs (same base letter,
//! other letter, deletion, two-character reading, insertion), so rare confusions are expensive but
//! never impossible.
//!
//! [`ChannelModel::search_ranked`] is the candidate generator: a Viterbi DP run over a trie of
//! the lexicon ([`Trie`]), best first and pruned by bound, so a token is scored against every word
//! in one pass without scanning the lexicon.
//!
//! File payload (format version [`VERSION`]): gold alphabet (string), OCR alphabet (string), then
//! `sub` (G×O f32), `del` (G f32), `ins` (O f32), the two-character table (count, then
//! `g u8, o1 u16, o2 u16, cost f32` sorted), and the class back-off costs.

use crate::container::{self, Reader, TableKind, Writer};
use crate::error::Result;
use foldhash::{HashMap, HashMapExt};
use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Format version of `channel.smt`.
pub const VERSION: u16 = 1;

/// An effectively impossible cost.
const INF: f32 = 1.0e9;

/// Back-off costs for events never seen in training (natural-log units).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BackoffCosts {
    /// Gold letter read as a character with the same base letter (`ố` → `o`).
    pub same_base: f32,
    /// Gold letter read as an unrelated character.
    pub other: f32,
    /// Gold letter dropped.
    pub delete: f32,
    /// Gold letter read as two characters.
    pub two: f32,
    /// A character printed that the page did not have.
    pub insert: f32,
}

impl Default for BackoffCosts {
    fn default() -> Self {
        BackoffCosts {
            same_base: 5.0,
            other: 10.0,
            delete: 9.0,
            two: 12.0,
            insert: 9.0,
        }
    }
}

/// The learned channel tables. Immutable and `Send + Sync`; build once and share.
#[derive(Debug, Clone)]
pub struct ChannelModel {
    gold_alpha: Vec<char>,
    gold_index: HashMap<char, u8>,
    ocr_alpha: Vec<char>,
    ocr_index: HashMap<char, u16>,
    sub: Vec<f32>,
    del: Vec<f32>,
    ins: Vec<f32>,
    two: HashMap<(u16, u16), Vec<(u8, f32)>>,
    backoff: BackoffCosts,
    checksum: u32,
    /// Whether every cost (`sub`, `del`, `ins`, `two`) is `>= 0`: then a DP column's minimum
    /// never drops from parent to child, which lets [`ChannelModel::search_ranked`] skip children
    /// whose bound is already lost without computing their column.
    nonneg: bool,
}

pub use crate::token::{base_letter, fold, strip_tone};

/// The version of [`ChannelModel::search_ranked`]'s answers, part of a candidate table's
/// fingerprint: a search cut short by its budget answers what it found by then, so a change of
/// the order it visits nodes in changes some answers (version 2: bounds that count the OCR
/// characters still to read), and a table computed by another version must not be used.
pub const SEARCH_VERSION: u32 = 2;

/// Highest cost of reading a letter as itself.
const IDENTITY_COST: f32 = 0.3;

/// Make every gold letter cheap to read as itself. An engine without a Vietnamese model never
/// writes `ụ`, so the learned table has no such column and would price a correct `dụng` like a
/// garbled one; but a `ụ` in the input is a `ụ` (from a Vietnamese-aware engine, or a word the
/// OCR got right). Missing columns are added with the back-off costs.
fn with_identity(
    gold_alpha: &[char],
    mut ocr_alpha: Vec<char>,
    sub: Vec<f32>,
    mut ins: Vec<f32>,
    b: &BackoffCosts,
) -> (Vec<char>, Vec<f32>, Vec<f32>) {
    let old = ocr_alpha.len();
    for &c in gold_alpha {
        if !ocr_alpha.contains(&c) {
            ocr_alpha.push(c);
            ins.push(b.insert);
        }
    }
    let o = ocr_alpha.len();
    let mut out = Vec::with_capacity(gold_alpha.len() * o);
    for (gi, &gc) in gold_alpha.iter().enumerate() {
        let row = sub.get(gi * old..(gi + 1) * old).unwrap_or(&[]);
        out.extend_from_slice(row);
        out.extend(ocr_alpha[row.len()..].iter().map(|&oc| {
            if base_letter(gc) == base_letter(oc) {
                b.same_base
            } else {
                b.other
            }
        }));
        if let Some(oi) = ocr_alpha.iter().position(|&oc| oc == gc) {
            out[gi * o + oi] = out[gi * o + oi].min(IDENTITY_COST);
        }
    }
    (ocr_alpha, out, ins)
}

impl ChannelModel {
    /// Read a model from container bytes. `path` names the file in errors.
    ///
    /// # Errors
    /// A typed model error when the bytes are not a valid channel table.
    pub fn from_bytes(bytes: &[u8], path: &str) -> Result<Self> {
        let payload = container::unwrap(bytes, TableKind::Channel, VERSION, path)?;
        let checksum = bytes
            .get(bytes.len().saturating_sub(4)..)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .unwrap_or(0);
        let mut r = Reader::new(payload, path);
        let gold_alpha: Vec<char> = r.str()?.chars().collect();
        let ocr_alpha: Vec<char> = r.str()?.chars().collect();
        let (g, o) = (gold_alpha.len(), ocr_alpha.len());
        let bad = |reason: &str| crate::Error::ModelFormat {
            path: path.to_string(),
            reason: reason.to_string(),
        };
        if g == 0 || g > 255 || o == 0 || o > 65_535 {
            return Err(bad("alphabet size out of range"));
        }
        let read_vec =
            |n: usize, r: &mut Reader| -> Result<Vec<f32>> { (0..n).map(|_| r.f32()).collect() };
        let sub = read_vec(g * o, &mut r)?;
        let del = read_vec(g, &mut r)?;
        let ins = read_vec(o, &mut r)?;
        let n_two = r.u32()? as usize;
        let mut two: HashMap<(u16, u16), Vec<(u8, f32)>> = HashMap::new();
        for _ in 0..n_two {
            let gi = r.u8()?;
            let o1 = r.u16()?;
            let o2 = r.u16()?;
            let c = r.f32()?;
            if gi as usize >= g || o1 as usize >= o || o2 as usize >= o {
                return Err(bad("two-character entry out of range"));
            }
            two.entry((o1, o2)).or_default().push((gi, c));
        }
        let backoff = BackoffCosts {
            same_base: r.f32()?,
            other: r.f32()?,
            delete: r.f32()?,
            two: r.f32()?,
            insert: r.f32()?,
        };
        let (ocr_alpha, sub, ins) = with_identity(&gold_alpha, ocr_alpha, sub, ins, &backoff);
        Ok(Self::assemble(
            gold_alpha, ocr_alpha, sub, del, ins, two, backoff, checksum,
        ))
    }

    #[allow(clippy::too_many_arguments)]
    fn assemble(
        gold_alpha: Vec<char>,
        ocr_alpha: Vec<char>,
        sub: Vec<f32>,
        del: Vec<f32>,
        ins: Vec<f32>,
        two: HashMap<(u16, u16), Vec<(u8, f32)>>,
        backoff: BackoffCosts,
        checksum: u32,
    ) -> Self {
        let gold_index = gold_alpha
            .iter()
            .enumerate()
            .map(|(i, &c)| (c, i as u8))
            .collect();
        let ocr_index = ocr_alpha
            .iter()
            .enumerate()
            .map(|(i, &c)| (c, i as u16))
            .collect();
        let nonneg = sub.iter().chain(&del).chain(&ins).all(|&c| c >= 0.0)
            && two.values().flatten().all(|&(_, c)| c >= 0.0);
        ChannelModel {
            gold_alpha,
            gold_index,
            ocr_alpha,
            ocr_index,
            sub,
            del,
            ins,
            two,
            backoff,
            checksum,
            nonneg,
        }
    }

    /// CRC of the model file, reported as the model's identity in outputs.
    #[must_use]
    pub fn checksum(&self) -> u32 {
        self.checksum
    }

    /// Gold-alphabet id of a (lower-case) letter, if the model knows it.
    #[must_use]
    pub fn gold_id(&self, c: char) -> Option<u8> {
        self.gold_index.get(&c).copied()
    }

    /// OCR-alphabet id of a character; unknown characters map to id 0 (the catch-all).
    #[must_use]
    pub fn ocr_id(&self, c: char) -> u16 {
        self.ocr_index.get(&c).copied().unwrap_or(0)
    }

    fn o_len(&self) -> usize {
        self.ocr_alpha.len()
    }

    /// `-ln P(o | g)` for one gold word and one OCR string (both folded to lower case).
    /// Returns `None` when the gold word has a letter outside the model's alphabet.
    #[must_use]
    pub fn cost(&self, gold: &str, ocr: &str) -> Option<f32> {
        let g: Option<Vec<u8>> = fold(gold).chars().map(|c| self.gold_id(c)).collect();
        let g = g?;
        let mut t = Lookups::default();
        t.fill(self, ocr, g.iter().copied());
        let mut prev = Vec::with_capacity(t.w);
        t.first_column(&mut prev);
        let mut cur = vec![0f32; t.w];
        for &gi in &g {
            self.step(gi, &t, &prev, &mut cur);
            std::mem::swap(&mut prev, &mut cur);
        }
        prev.last().copied()
    }

    /// One DP column: emit gold letter `gi` after column `prev`, into `cur` (both `t.w` long).
    /// Returns the lowest value of `cur`, capped at [`INF`], which the search bounds with:
    /// taking it here saves a second pass over the column.
    #[inline]
    fn step(&self, gi: u8, t: &Lookups, prev: &[f32], cur: &mut [f32]) -> f32 {
        let w = t.w;
        let gi = gi as usize;
        let del = self.del[gi];
        let sub = &t.sub[gi * w..(gi + 1) * w];
        let two = &t.two[gi * w..(gi + 1) * w];
        let (ins, prev, cur) = (&t.ins[..w], &prev[..w], &mut cur[..w]);
        // The same comparisons in the same order as a plain cell-by-cell DP: deletion, then
        // substitution, the two-character reading and insertion each replace a strictly worse
        // value.
        let mut last = prev[0] + del;
        cur[0] = last;
        let mut min = INF;
        if last < min {
            min = last;
        }
        if w > 1 {
            let mut best = prev[1] + del;
            let s = prev[0] + sub[1];
            if s < best {
                best = s;
            }
            let i = last + ins[1];
            if i < best {
                best = i;
            }
            cur[1] = best;
            last = best;
            if best < min {
                min = best;
            }
        }
        for j in 2..w {
            let mut best = prev[j] + del;
            let s = prev[j - 1] + sub[j];
            if s < best {
                best = s;
            }
            let d = prev[j - 2] + two[j];
            if d < best {
                best = d;
            }
            let i = last + ins[j];
            if i < best {
                best = i;
            }
            cur[j] = best;
            last = best;
            if best < min {
                min = best;
            }
        }
        min
    }

    /// The `k` words of `trie` with the lowest rank `weight · cost + prior` among those whose
    /// channel cost for `ocr` is at most `limit` and that `keep` accepts, as `(word index, cost)`
    /// (cost unweighted), best rank first. Best-first branch and bound: a node's bound is
    /// `weight · (lowest of its DP column's cells, each plus the least the OCR characters after
    /// it can still cost with the letters a word below has left) + (lowest prior below it)`, a
    /// lower bound of the rank of every word under it, so once `k` words are found
    /// the search stops at the first node whose bound cannot beat the `k`-th. The same words as
    /// scanning every word within `limit` and sorting, at a fraction of the nodes.
    #[must_use]
    pub fn search_ranked(
        &self,
        trie: &Trie,
        ocr: &str,
        query: RankedQuery,
        keep: impl Fn(u32) -> bool,
    ) -> Vec<(u32, f32)> {
        let fresh = || self.search_in(&mut SearchBuffers::default(), trie, ocr, query, &keep);
        SEARCH
            .try_with(|cell| match cell.try_borrow_mut() {
                Ok(mut b) => {
                    let out = self.search_in(&mut b, trie, ocr, query, &keep);
                    b.trim();
                    out
                }
                // A `keep` that searches itself: the inner search gets buffers of its own.
                Err(_) => fresh(),
            })
            .unwrap_or_else(|_| fresh())
    }

    /// [`ChannelModel::search_ranked`] with its buffers.
    fn search_in<F: Fn(u32) -> bool>(
        &self,
        b: &mut SearchBuffers,
        trie: &Trie,
        ocr: &str,
        query: RankedQuery,
        keep: &F,
    ) -> Vec<(u32, f32)> {
        let RankedQuery {
            limit,
            k,
            weight,
            slack,
            budget,
        } = query;
        let SearchBuffers {
            tables: t,
            cols,
            cur,
            queue,
            placed,
            best,
        } = b;
        t.fill(self, ocr, (0..self.gold_alpha.len()).map(|g| g as u8));
        t.fill_rest(self.nonneg, trie.nodes[0].height);
        let w = t.w;
        // Columns of queued nodes live in one arena, column `i` at `i * w`.
        t.first_column(cols);
        cur.clear();
        cur.resize(w, INF);
        queue.clear();
        let root_min = cols.iter().copied().fold(INF, f32::min);
        if placed.len() < trie.nodes.len() {
            placed.resize(trie.nodes.len(), Placed::default());
        }
        placed[0] = Placed {
            col: 0,
            min: root_min,
        };
        queue.push(Reverse(queue_key(0.0, 0)));
        // The best `k` so far as a max-heap on rank, and the best rank of all.
        best.clear();
        let mut top = f32::INFINITY;
        let kth = |best: &BinaryHeap<Found>, top: f32| {
            let kth = if best.len() < k {
                f32::INFINITY
            } else {
                best.peek().map_or(f32::INFINITY, |f| f.rank.0)
            };
            kth.min(top + slack)
        };
        // With no negative cost, no value of a child's column is below `lb = (parent's minimum)
        // + least[letter]` ([`Lookups::least`]), so its minimum is at least `lb` and its bound at
        // least `weight · lb + (its lowest prior)`: a child that fails `limit` or `bar` with
        // those is dropped without computing its column, as it would have been after. Rounding
        // keeps these orders: `a + c` and `weight · a` (finite `weight ≥ 0`) never decrease as
        // `a` grows. This skips about half of the columns.
        let floor = self.nonneg && weight >= 0.0 && weight.is_finite();
        let mut expanded = 0usize;
        // Columns in the arena (the root's so far).
        let mut slots = 1u32;
        while let Some(Reverse(key)) = queue.pop() {
            if expanded >= budget {
                break;
            }
            expanded += 1;
            let (bound, id) = from_queue_key(key);
            let threshold = kth(best, top);
            if bound > threshold {
                break;
            }
            let node = &trie.nodes[id as usize];
            let Placed { col, min: pmin } = placed[id as usize];
            let prev_at = col as usize * w;
            if node.word != u32::MAX && keep(node.word) {
                let cost = cols[prev_at + w - 1];
                let rank = weight * cost + node.word_prior;
                if cost <= limit && rank <= threshold {
                    top = top.min(rank);
                    best.push(Found {
                        rank: Ordered(rank),
                        word: node.word,
                        cost: Ordered(cost),
                    });
                    if best.len() > k {
                        best.pop();
                    }
                }
            }
            // `best` and `top` change only above: one threshold serves all the children.
            let bar = kth(best, top);
            // (No depth test: a node at the trie's greatest depth has no children.)
            for c in node.first_child..node.first_child + u32::from(node.n_children) {
                let child = &trie.nodes[c as usize];
                if floor && {
                    let lb = (pmin + t.least[child.ch as usize]).min(INF);
                    lb > limit || weight * lb + child.min_prior > bar
                } {
                    continue;
                }
                let min = self.step(child.ch, t, &cols[prev_at..prev_at + w], cur);
                if min > limit {
                    continue;
                }
                let least = t.bound(cur, child.height);
                if least > limit {
                    continue;
                }
                let bound = weight * least + child.min_prior;
                if bound > bar {
                    continue;
                }
                placed[c as usize] = Placed { col: slots, min };
                slots += 1;
                cols.extend_from_slice(cur);
                queue.push(Reverse(queue_key(bound, c)));
            }
        }
        let mut out: Vec<Found> = best.drain().filter(|f| f.rank.0 <= top + slack).collect();
        out.sort_unstable();
        out.into_iter().map(|f| (f.word, f.cost.0)).collect()
    }

    /// Serialise to container bytes (deterministic).
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.str(&self.gold_alpha.iter().collect::<String>());
        w.str(&self.ocr_alpha.iter().collect::<String>());
        for v in self.sub.iter().chain(&self.del).chain(&self.ins) {
            w.f32(*v);
        }
        let mut two: Vec<(u8, u16, u16, f32)> = self
            .two
            .iter()
            .flat_map(|(&(o1, o2), v)| v.iter().map(move |&(g, c)| (g, o1, o2, c)))
            .collect();
        two.sort_by_key(|a| (a.0, a.1, a.2));
        w.u32(two.len() as u32);
        for (g, o1, o2, c) in two {
            w.u8(g);
            w.u16(o1);
            w.u16(o2);
            w.f32(c);
        }
        let b = self.backoff;
        for v in [b.same_base, b.other, b.delete, b.two, b.insert] {
            w.f32(v);
        }
        container::wrap(TableKind::Channel, VERSION, &w.buf)
    }
}

/// What [`ChannelModel::search_ranked`] looks for: at most `k` words of channel cost at most
/// `limit`, ranked by `weight · cost + prior`.
#[derive(Debug, Clone, Copy)]
pub struct RankedQuery {
    /// Highest channel cost of a word returned.
    pub limit: f32,
    /// How many words to return at most.
    pub k: usize,
    /// Weight of the channel cost in the rank.
    pub weight: f32,
    /// Words ranked more than this behind the best one are not wanted either (`f32::INFINITY`
    /// for none): the search prunes with it too.
    pub slack: f32,
    /// Most trie nodes the search expands (`usize::MAX`: no budget). Nodes come off the queue
    /// best bound first, so a search cut short has the right words whenever they were in reach;
    /// tokens that need more are far from every word (foreign words, glued junk).
    pub budget: usize,
}

/// An `f32` ordered by `total_cmp`, so that search states can derive their order.
#[derive(Debug, Clone, Copy)]
struct Ordered(f32);

impl PartialEq for Ordered {
    fn eq(&self, other: &Self) -> bool {
        self.0.total_cmp(&other.0).is_eq()
    }
}
impl Eq for Ordered {}
impl PartialOrd for Ordered {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Ordered {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// A queued trie node of the ranked search as one integer: its bound, mapped so that integer
/// order is `f32::total_cmp` order, above its index. The heap then compares integers, in the
/// order `(bound, node)`; a node is queued at most once (from its parent's one expansion), so no
/// two keys are equal and nodes come off the queue in that order whatever the heap's layout.
fn queue_key(bound: f32, node: u32) -> u64 {
    u64::from(total_order_bits(bound)) << 32 | u64::from(node)
}

/// `x`'s bits mapped so that unsigned integer order is `f32::total_cmp` order (negative values
/// in reverse, below the positive ones): searches that sort by a float sort integers instead
/// (the ranked search's queue here, the decoder's beam cells).
pub(crate) fn total_order_bits(x: f32) -> u32 {
    let b = x.to_bits();
    if b >> 31 == 1 {
        !b
    } else {
        b | 1 << 31
    }
}

/// `(bound, node)` back from [`queue_key`] (inverting [`total_order_bits`]), bit for bit.
fn from_queue_key(key: u64) -> (f32, u32) {
    let b = (key >> 32) as u32;
    let b = if b >> 31 == 1 { b & !(1 << 31) } else { !b };
    (f32::from_bits(b), key as u32)
}

/// Where a queued node's DP column is, and its lowest value (capped at [`INF`]).
#[derive(Debug, Clone, Copy, Default)]
struct Placed {
    col: u32,
    min: f32,
}

/// The costs that the DP of one OCR string looks up, gathered once per string rather than once
/// per cell (the search computes thousands of columns for one string).
#[derive(Debug, Default)]
struct Lookups {
    /// The OCR string's character ids.
    o: Vec<u16>,
    /// Column length: OCR length + 1.
    w: usize,
    /// `ins[j]`: cost of inserting `o[j - 1]` (`ins[0]` unused).
    ins: Vec<f32>,
    /// `sub[gi * w + j]`: cost of reading gold letter `gi` as `o[j - 1]` (`j = 0` unused).
    sub: Vec<f32>,
    /// `two[gi * w + j]`: lowest cost of reading `gi` as `o[j - 2] o[j - 1]`, `INFINITY` where
    /// no rule applies. Adding the lowest cost gives the same value as trying each rule in turn,
    /// since `p + c` rounds monotonically in `c`.
    two: Vec<f32>,
    /// `least[gi]`: the lowest of `gi`'s deletion, `sub` and `two` costs here. With no
    /// negative cost, a column of `gi` after a column of minimum `m` has no value below
    /// `m + least[gi]` (what lets the search skip a child without computing its column).
    least: Vec<f32>,
    /// `rest[k * w + j]`: a lower bound of the cost of reading the OCR characters after the
    /// first `j` with at most `k` more gold letters, for `k` below `rows`: up to the trie's
    /// longest word and to `w - 1` (more letters than characters do no better), so a token of
    /// thousands of characters costs rows of its length, not its length squared. Each letter reads at most two characters, so a node with few
    /// letters below it and many characters left must insert some (9 nats each) or read pairs
    /// (at least 1.3 nats, and only the pairs the channel knows): its column's minimum alone
    /// ignores that, and long foreign words (`smartcity`) kept the search on prefixes that could
    /// never end within the limit. See [`Lookups::fill_rest`].
    rest: Vec<f32>,
    rows: usize,
}

impl Lookups {
    /// Fill for `ocr` (folded here), with the `sub` rows of `letters` (the others are left
    /// unspecified and must not be stepped with).
    fn fill(&mut self, m: &ChannelModel, ocr: &str, letters: impl Iterator<Item = u8> + Clone) {
        let o = &mut self.o;
        o.clear();
        o.extend(fold(ocr).chars().map(|c| m.ocr_id(c)));
        let w = o.len() + 1;
        let g = m.gold_alpha.len();
        self.w = w;
        self.ins.clear();
        self.ins.push(0.0);
        self.ins.extend(o.iter().map(|&c| m.ins[c as usize]));
        self.sub.clear();
        self.sub.resize(g * w, INF);
        for gi in letters.clone() {
            let gi = gi as usize;
            let row = &m.sub[gi * m.o_len()..(gi + 1) * m.o_len()];
            let out = &mut self.sub[gi * w..(gi + 1) * w];
            for (s, &c) in out[1..].iter_mut().zip(o.iter()) {
                *s = row[c as usize];
            }
        }
        self.two.clear();
        self.two.resize(g * w, f32::INFINITY);
        for j in 2..w {
            if let Some(v) = m.two.get(&(o[j - 2], o[j - 1])) {
                for &(gi, c) in v {
                    let t = &mut self.two[gi as usize * w + j];
                    if c < *t {
                        *t = c;
                    }
                }
            }
        }
        self.least.clear();
        self.least.resize(g, INF);
        for gi in letters {
            let gi = gi as usize;
            let row = gi * w + 1..(gi + 1) * w;
            let costs = self.sub[row.clone()].iter().chain(&self.two[row]);
            self.least[gi] = costs.fold(m.del[gi], |a, &c| if c < a { c } else { a });
        }
    }

    /// Fill [`Lookups::rest`] (after [`Lookups::fill`] with every gold letter). With no negative
    /// cost, any reading of the characters after `j` by `k` letters is a sequence of insertions
    /// (one character, no letter), substitutions (one, one), two-character readings (two, one)
    /// and deletions (no character, one letter, cost ≥ 0): it costs at least the cheapest such
    /// sequence without the deletions, each step priced at its cheapest over all letters. That
    /// minimum over sequences is a small DP over `(k, j)`, for `k` up to `longest` (the most
    /// letters below the trie's root). Zero everywhere when `nonneg` is false.
    fn fill_rest(&mut self, nonneg: bool, longest: u8) {
        let w = self.w;
        self.rows = usize::from(longest).min(w - 1) + 1;
        self.rest.clear();
        self.rest.resize(self.rows * w, 0.0);
        if !nonneg {
            return;
        }
        // The cheapest reading of each position over all letters: the tables' rows folded.
        let lowest = |table: &[f32]| {
            table
                .chunks_exact(w)
                .fold(vec![f32::INFINITY; w], |mut m, row| {
                    for (a, &c) in m.iter_mut().zip(row) {
                        *a = if c < *a { c } else { *a };
                    }
                    m
                })
        };
        let (sub, two) = (lowest(&self.sub), lowest(&self.two));
        for k in 0..self.rows {
            for j in (0..w - 1).rev() {
                let mut best = self.ins[j + 1] + self.rest[k * w + j + 1];
                if k > 0 {
                    let s = sub[j + 1] + self.rest[(k - 1) * w + j + 1];
                    if s < best {
                        best = s;
                    }
                    if j + 2 < w {
                        let t = two[j + 2] + self.rest[(k - 1) * w + j + 2];
                        if t < best {
                            best = t;
                        }
                    }
                }
                self.rest[k * w + j] = best.min(INF);
            }
        }
        // The DP adds a path's costs in another order than this, and f32 sums round: a margin
        // far above their rounding (a few ulps of values below 100) keeps the bound below.
        for r in &mut self.rest {
            *r = (*r - 1e-3).max(0.0);
        }
    }

    /// The lowest of `col[j] + rest[k][j]` (with `k` letters at most below the column's node):
    /// a lower bound of the cost of every word below it.
    #[inline]
    fn bound(&self, col: &[f32], height: u8) -> f32 {
        let w = self.w;
        let k = usize::from(height).min(self.rows - 1);
        let rest = &self.rest[k * w..(k + 1) * w];
        col.iter()
            .zip(rest)
            .fold(INF, |a, (&c, &r)| if c + r < a { c + r } else { a })
    }

    /// The DP column of the empty gold prefix (only insertions), into `col` (cleared first).
    fn first_column(&self, col: &mut Vec<f32>) {
        col.clear();
        col.push(0.0);
        for j in 1..self.w {
            col.push(col[j - 1] + self.ins[j]);
        }
    }
}

/// The buffers of a ranked search, reused from call to call through [`SEARCH`].
#[derive(Debug, Default)]
struct SearchBuffers {
    tables: Lookups,
    /// The arena of queued nodes' DP columns.
    cols: Vec<f32>,
    /// The column being computed.
    cur: Vec<f32>,
    queue: BinaryHeap<Reverse<u64>>,
    /// Per trie node, its column when queued (a node's entry is written when it is queued, and
    /// only queued nodes are read, so entries left from earlier searches do no harm).
    placed: Vec<Placed>,
    best: BinaryHeap<Found>,
}

impl SearchBuffers {
    /// Most `f32`s of arena kept between searches: an unbudgeted search can grow it far beyond
    /// what the next one needs.
    const KEEP: usize = 1 << 20;

    /// Give back the memory of an unusually large search.
    fn trim(&mut self) {
        if self.cols.capacity() > Self::KEEP {
            self.cols = Vec::new();
        }
        if self.queue.capacity() > Self::KEEP / 4 {
            self.queue = BinaryHeap::new();
        }
    }
}

thread_local! {
    /// Per-thread buffers of [`ChannelModel::search_ranked`]: allocating and growing the arena,
    /// queue and lookup tables afresh took a good share of each search's instructions, and a
    /// scratch argument would widen the API of every caller for this alone.
    static SEARCH: RefCell<SearchBuffers> = RefCell::new(SearchBuffers::default());
}

/// A word found by the ranked search, ordered by rank (then word).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Found {
    rank: Ordered,
    word: u32,
    cost: Ordered,
}

/// A trie of lexicon words over the channel's gold alphabet, for [`ChannelModel::search_ranked`].
#[derive(Debug, Clone)]
pub struct Trie {
    nodes: Vec<TrieNode>,
}

#[derive(Debug, Clone, Copy)]
struct TrieNode {
    ch: u8,
    n_children: u16,
    first_child: u32,
    word: u32,
    /// The lowest prior cost of a word in this node's subtree (for [`ChannelModel::search_ranked`]).
    min_prior: f32,
    /// The prior cost of this node's own word.
    word_prior: f32,
    /// The most letters a word below this node has after it (0 for a leaf), capped at 255:
    /// what bounds the OCR characters those letters can still read (see [`Lookups::rest`]).
    height: u8,
}

impl Trie {
    /// Build from `words` (lower-case); word `i` is reported as index `i`. Words with a letter
    /// outside the channel's gold alphabet are skipped (they could never be proposed).
    #[must_use]
    pub fn build(channel: &ChannelModel, words: &[&str]) -> Trie {
        Trie::build_ranked(channel, words, &[])
    }

    /// Build as [`Trie::build`], with a prior cost per word (`priors[i]` for word `i`; missing
    /// ones count 0) that [`ChannelModel::search_ranked`] adds to the channel cost to rank words.
    /// Each node keeps the lowest prior of its subtree, which bounds the rank of every word below.
    #[must_use]
    pub fn build_ranked(channel: &ChannelModel, words: &[&str], priors: &[f32]) -> Trie {
        // Sort word ids by their letter-id sequences, then lay out children contiguously (BFS).
        let mut seqs: Vec<(Vec<u8>, u32)> = words
            .iter()
            .enumerate()
            .filter_map(|(i, w)| {
                let s: Option<Vec<u8>> = w.chars().map(|c| channel.gold_id(c)).collect();
                s.filter(|s| !s.is_empty()).map(|s| (s, i as u32))
            })
            .collect();
        seqs.sort();
        seqs.dedup_by(|a, b| a.0 == b.0);
        let mut nodes = vec![TrieNode {
            ch: 0,
            n_children: 0,
            first_child: 0,
            word: u32::MAX,
            min_prior: f32::INFINITY,
            word_prior: f32::INFINITY,
            height: 0,
        }];
        // queue of (node index, range of seqs sharing the prefix, depth)
        let mut queue = std::collections::VecDeque::new();
        queue.push_back((0usize, 0usize, seqs.len(), 0usize));
        while let Some((ni, lo, hi, d)) = queue.pop_front() {
            let first = nodes.len() as u32;
            let mut i = lo;
            let mut children = Vec::new();
            while i < hi {
                if seqs[i].0.len() == d {
                    nodes[ni].word = seqs[i].1;
                    i += 1;
                    continue;
                }
                let c = seqs[i].0[d];
                let mut j = i;
                while j < hi && seqs[j].0.len() > d && seqs[j].0[d] == c {
                    j += 1;
                }
                children.push((c, i, j));
                i = j;
            }
            nodes[ni].first_child = first;
            nodes[ni].n_children = children.len() as u16;
            for (c, a, b) in children {
                let idx = nodes.len();
                nodes.push(TrieNode {
                    ch: c,
                    n_children: 0,
                    first_child: 0,
                    word: u32::MAX,
                    min_prior: f32::INFINITY,
                    word_prior: f32::INFINITY,
                    height: 0,
                });
                queue.push_back((idx, a, b, d + 1));
            }
        }
        // Children come after their parent (BFS order): fold the subtree minima bottom-up.
        let prior = |w: u32| priors.get(w as usize).copied().unwrap_or(0.0);
        for i in (0..nodes.len()).rev() {
            let n = nodes[i];
            let mut m = if n.word == u32::MAX {
                f32::INFINITY
            } else {
                prior(n.word)
            };
            nodes[i].word_prior = m;
            let mut h = 0u8;
            for c in n.first_child..n.first_child + u32::from(n.n_children) {
                m = m.min(nodes[c as usize].min_prior);
                h = h.max(nodes[c as usize].height.saturating_add(1));
            }
            nodes[i].min_prior = m;
            nodes[i].height = h;
        }
        Trie { nodes }
    }

    /// Number of nodes (for diagnostics).
    #[must_use]
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Is the trie empty (root only)?
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.nodes.len() <= 1
    }
}

#[cfg(feature = "build-models")]
pub use train::{ChannelTrainer, TrainStats};

#[cfg(feature = "build-models")]
mod train {
    //! Learning the channel tables from aligned (gold word, OCR word) pairs by hard EM.
    use super::*;
    use std::collections::BTreeMap;

    /// One alignment event.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
    enum Event {
        Sub(u8, u16),
        Del(u8),
        Two(u8, u16, u16),
        Ins(u16),
    }

    /// Summary of a training run.
    #[derive(Debug, Clone, Default)]
    pub struct TrainStats {
        /// Word pairs used.
        pub pairs: usize,
        /// Pairs dropped as misaligned in the last pass.
        pub dropped: usize,
        /// Gold letters and OCR characters in the alphabets.
        pub alphabets: (usize, usize),
        /// Distinct events with counts.
        pub events: usize,
    }

    /// Learns a [`ChannelModel`] from word pairs.
    #[derive(Debug, Default)]
    pub struct ChannelTrainer {
        pairs: BTreeMap<(String, String), u32>,
        extra_gold: Vec<char>,
        /// Number of hard-EM passes (default 4).
        pub passes: usize,
    }

    impl ChannelTrainer {
        /// A trainer with default settings.
        #[must_use]
        pub fn new() -> Self {
            ChannelTrainer {
                passes: 4,
                ..Default::default()
            }
        }

        /// Make sure these gold letters are in the alphabet even if training never shows them.
        pub fn add_gold_letters(&mut self, letters: impl IntoIterator<Item = char>) {
            self.extra_gold.extend(letters);
        }

        /// Add one aligned pair (gold word, OCR word); both are folded to lower case.
        pub fn add(&mut self, gold: &str, ocr: &str) {
            let g = fold(gold);
            let o = fold(ocr);
            if g.is_empty() || o.is_empty() || g.chars().count() > 12 || o.chars().count() > 16 {
                return;
            }
            *self.pairs.entry((g, o)).or_insert(0) += 1;
        }

        /// Number of distinct pairs collected.
        #[must_use]
        pub fn len(&self) -> usize {
            self.pairs.len()
        }

        /// No pairs yet?
        #[must_use]
        pub fn is_empty(&self) -> bool {
            self.pairs.is_empty()
        }

        /// Run hard EM and return the model.
        #[must_use]
        pub fn train(&self) -> (ChannelModel, TrainStats) {
            let mut gold_set: std::collections::BTreeSet<char> =
                self.extra_gold.iter().copied().collect();
            let mut ocr_counts: BTreeMap<char, u64> = BTreeMap::new();
            for (g, o) in self.pairs.keys() {
                gold_set.extend(g.chars());
                for c in o.chars() {
                    *ocr_counts.entry(c).or_insert(0) += 1;
                }
            }
            let gold_alpha: Vec<char> = gold_set.into_iter().take(255).collect();
            // id 0 is the catch-all for characters never seen; keep chars seen at least twice.
            let mut ocr_alpha = vec!['\u{FFFD}'];
            ocr_alpha.extend(ocr_counts.iter().filter(|(_, &n)| n >= 2).map(|(&c, _)| c));
            ocr_alpha.truncate(65_535);
            let backoff = BackoffCosts::default();
            let mut model = ChannelModel::assemble(
                gold_alpha.clone(),
                ocr_alpha.clone(),
                Vec::new(),
                Vec::new(),
                Vec::new(),
                HashMap::new(),
                backoff,
                0,
            );
            model.init_prior();
            let encoded: Vec<(Vec<u8>, Vec<u16>, u32)> = self
                .pairs
                .iter()
                .filter_map(|((g, o), &n)| {
                    let gi: Option<Vec<u8>> = g.chars().map(|c| model.gold_id(c)).collect();
                    Some((gi?, o.chars().map(|c| model.ocr_id(c)).collect(), n))
                })
                .collect();
            let mut stats = TrainStats {
                pairs: encoded.iter().map(|e| e.2 as usize).sum(),
                alphabets: (gold_alpha.len(), ocr_alpha.len()),
                ..Default::default()
            };
            for _ in 0..self.passes.max(1) {
                let mut counts: BTreeMap<Event, f64> = BTreeMap::new();
                let mut dropped = 0;
                for (g, o, n) in &encoded {
                    let (cost, events) = model.viterbi(g, o);
                    // A pair that costs far more per letter than a plausible misreading is a
                    // misalignment of the training data: keep it out of the counts.
                    if cost > 6.0 + 4.0 * g.len() as f32 {
                        dropped += *n as usize;
                        continue;
                    }
                    for e in events {
                        *counts.entry(e).or_insert(0.0) += f64::from(*n);
                    }
                }
                stats.dropped = dropped;
                stats.events = counts.len();
                model.reestimate(&counts);
            }
            // The same identity floor as `from_bytes`, so a model reads back as it was written.
            let (ocr_alpha, sub, ins) = with_identity(
                &model.gold_alpha,
                std::mem::take(&mut model.ocr_alpha),
                std::mem::take(&mut model.sub),
                std::mem::take(&mut model.ins),
                &model.backoff,
            );
            let model = ChannelModel::assemble(
                model.gold_alpha,
                ocr_alpha,
                sub,
                model.del,
                ins,
                model.two,
                model.backoff,
                model.checksum,
            );
            (model, stats)
        }
    }

    /// Rough letter reading of an OCR character, used only to align training tokens.
    fn lookalike(c: char) -> char {
        match c {
            '0' | '6' | '&' | '®' | '©' | '°' => 'o',
            '1' | '|' | '!' => 'l',
            '3' | '4' | '@' => 'a',
            '5' | '$' => 's',
            '8' | '€' => 'e',
            '¢' => 'c',
            '¥' => 'y',
            _ => base_letter(c),
        }
    }

    /// Distance between a gold word and an OCR token on base letters, in 0..=1.
    fn token_distance(gold: &str, ocr: &str) -> f64 {
        let g: Vec<char> = gold.chars().map(base_letter).collect();
        let o: Vec<char> = ocr.chars().map(lookalike).collect();
        let n = g.len().max(o.len()).max(1);
        let al =
            crate::align::levenshtein_align(&g, &o, 1.0, |a, b| if a == b { 0.0 } else { 1.0 });
        let d = al
            .iter()
            .filter(|(a, b)| match (a, b) {
                (Some(i), Some(j)) => g[*i] != o[*j],
                _ => true,
            })
            .count();
        d as f64 / n as f64
    }

    impl ChannelTrainer {
        /// Add the word pairs of one aligned pair of files (gold text, OCR of it). Lines are
        /// aligned first; only the first `fraction` of the aligned lines is used, so that the
        /// rest can serve as held-out test data. Returns the number of word pairs added.
        ///
        /// # Errors
        /// When a file cannot be read.
        pub fn add_files(
            &mut self,
            gold: &std::path::Path,
            ocr: &std::path::Path,
            fraction: f64,
        ) -> crate::Result<usize> {
            let g = std::fs::read_to_string(gold).map_err(|e| crate::Error::io(gold, e))?;
            let o = std::fs::read_to_string(ocr).map_err(|e| crate::Error::io(ocr, e))?;
            let gl: Vec<&str> = g.lines().collect();
            let ol: Vec<&str> = o.lines().collect();
            let pairs = crate::align::align_lines(&gl, &ol);
            let keep = ((pairs.len() as f64) * fraction).round() as usize;
            let mut added = 0;
            for (gline, oline) in pairs.iter().take(keep) {
                added += self.add_line(gline, oline);
            }
            Ok(added)
        }

        /// Align the word and number tokens of one line pair and add the plausible pairs.
        pub fn add_line(&mut self, gold: &str, ocr: &str) -> usize {
            use crate::token::{tokenize, TokenKind};
            let words = |s: &str| -> Vec<String> {
                tokenize(s)
                    .iter()
                    .filter(|t| matches!(t.kind, TokenKind::Word | TokenKind::Number))
                    .map(|t| fold(t.text(s)))
                    .collect()
            };
            // OCR writes a hook or horn it cannot place as a mark after the word (`si?` for sử,
            // `tv’` for từ); the decoder reads such a glued mark as part of the word, so the
            // model must learn it there too.
            let ocr_words = |s: &str| -> Vec<String> {
                let toks = tokenize(s);
                let mut out = Vec::new();
                for (k, t) in toks.iter().enumerate() {
                    if !matches!(t.kind, TokenKind::Word | TokenKind::Number) {
                        continue;
                    }
                    let mut w = fold(t.text(s));
                    if let Some(m) = toks.get(k + 1) {
                        let mark = m.text(s);
                        let glued = m.kind == TokenKind::Punct
                            && m.start == t.end
                            && crate::token::is_glue_mark(mark)
                            && toks.get(k + 2).is_none_or(|n| {
                                n.kind == TokenKind::Space
                                    || matches!(n.text(s), "," | "." | ";" | ":" | ")" | "\"")
                            });
                        if glued && t.kind == TokenKind::Word {
                            w.push_str(mark);
                        }
                    }
                    out.push(w);
                }
                out
            };
            let gw = words(gold);
            let ow = ocr_words(ocr);
            if gw.is_empty() || ow.is_empty() {
                return 0;
            }
            let al = crate::align::levenshtein_align(&gw, &ow, 0.6, |a, b| token_distance(a, b));
            let mut n = 0;
            for (a, b) in al {
                if let (Some(i), Some(j)) = (a, b) {
                    let (g, o) = (&gw[i], &ow[j]);
                    if g.chars().any(char::is_alphabetic) && token_distance(g, o) <= 0.6 {
                        self.add(g, o);
                        n += 1;
                    }
                }
            }
            n
        }
    }

    impl ChannelModel {
        /// Initial costs before the first EM pass: identity cheap, same base letter moderate.
        fn init_prior(&mut self) {
            let (g, o) = (self.gold_alpha.len(), self.ocr_alpha.len());
            let b = self.backoff;
            self.sub = vec![b.other; g * o];
            for (gi, &gc) in self.gold_alpha.iter().enumerate() {
                for (oi, &oc) in self.ocr_alpha.iter().enumerate() {
                    self.sub[gi * o + oi] = if gc == oc {
                        0.2
                    } else if base_letter(gc) == base_letter(oc) {
                        b.same_base
                    } else {
                        b.other
                    };
                }
            }
            self.del = vec![b.delete; g];
            self.ins = vec![b.insert; o];
            self.two = HashMap::new();
        }

        /// Viterbi alignment with back-pointers: total cost and the events used.
        fn viterbi(&self, g: &[u8], o: &[u16]) -> (f32, Vec<Event>) {
            let (n, m) = (g.len(), o.len());
            let w = m + 1;
            let mut d = vec![INF; (n + 1) * w];
            let mut bp = vec![Event::Ins(0); (n + 1) * w];
            let two_cost = |gi: u8, o1: u16, o2: u16| -> f32 {
                self.two
                    .get(&(o1, o2))
                    .and_then(|v| v.iter().find(|x| x.0 == gi).map(|x| x.1))
                    .unwrap_or(self.backoff.two)
            };
            d[0] = 0.0;
            for i in 0..=n {
                for j in 0..=m {
                    if i == 0 && j == 0 {
                        continue;
                    }
                    let mut best = INF;
                    let mut ev = Event::Ins(0);
                    if j > 0 {
                        let c = d[i * w + j - 1] + self.ins[o[j - 1] as usize];
                        if c < best {
                            best = c;
                            ev = Event::Ins(o[j - 1]);
                        }
                    }
                    if i > 0 {
                        let gi = g[i - 1];
                        let c = d[(i - 1) * w + j] + self.del[gi as usize];
                        if c < best {
                            best = c;
                            ev = Event::Del(gi);
                        }
                        if j > 0 {
                            let c = d[(i - 1) * w + j - 1]
                                + self.sub[gi as usize * self.o_len() + o[j - 1] as usize];
                            if c < best {
                                best = c;
                                ev = Event::Sub(gi, o[j - 1]);
                            }
                        }
                        if j > 1 {
                            let c = d[(i - 1) * w + j - 2] + two_cost(gi, o[j - 2], o[j - 1]);
                            if c < best {
                                best = c;
                                ev = Event::Two(gi, o[j - 2], o[j - 1]);
                            }
                        }
                    }
                    d[i * w + j] = best;
                    bp[i * w + j] = ev;
                }
            }
            let mut events = Vec::new();
            let (mut i, mut j) = (n, m);
            while i > 0 || j > 0 {
                let e = bp[i * w + j];
                events.push(e);
                match e {
                    Event::Ins(_) => j -= 1,
                    Event::Del(_) => i -= 1,
                    Event::Sub(..) => {
                        i -= 1;
                        j -= 1;
                    }
                    Event::Two(..) => {
                        i -= 1;
                        j -= 2;
                    }
                }
            }
            (d[n * w + m], events)
        }

        /// New costs from event counts by hierarchical absolute discounting. A gold letter's
        /// unseen readings back off to its tone-less letter (`ầ` → `â`), then to its base letter
        /// (`a`), each level pooling the counts of all letters below it, then to a flat floor:
        /// so `ầ` read as `4` is priced from how often `ấ`, `ậ`, `â` and `a` were read as `4`.
        fn reestimate(&mut self, counts: &BTreeMap<Event, f64>) {
            const D: f64 = 0.5;
            let (g, o) = (self.gold_alpha.len(), self.ocr_alpha.len());
            // Gold letter -> (tone-less letter, base letter) keys.
            // Level 3 pools by letter class: consonant, plain vowel, vowel with marks (stand-in
            // chars '#', 'v', 'V'), which prices "a marked vowel read as a digit" for every vowel.
            let class = |c: char| -> char {
                let b = base_letter(c);
                if !"aeiouy".contains(b) {
                    '#'
                } else if b == c {
                    'v'
                } else {
                    'V'
                }
            };
            let levels: Vec<[char; 3]> = self
                .gold_alpha
                .iter()
                .map(|&c| [strip_tone(c), base_letter(c), class(c)])
                .collect();
            #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
            enum E {
                Sub(u16),
                Del,
                Two(u16, u16),
            }
            // counts per level key: level 0 = the letter itself, 1 = tone-less, 2 = base.
            let mut tables: [BTreeMap<char, BTreeMap<E, f64>>; 4] = Default::default();
            let mut ins_counts = vec![0f64; o];
            let mut read_total = 0f64;
            for (ev, &c) in counts {
                let (gi, e) = match *ev {
                    Event::Sub(gi, oi) => (gi, E::Sub(oi)),
                    Event::Del(gi) => (gi, E::Del),
                    Event::Two(gi, a, b) => (gi, E::Two(a, b)),
                    Event::Ins(oi) => {
                        ins_counts[oi as usize] += c;
                        continue;
                    }
                };
                read_total += c;
                let letter = self.gold_alpha[gi as usize];
                let keys = [
                    letter,
                    levels[gi as usize][0],
                    levels[gi as usize][1],
                    levels[gi as usize][2],
                ];
                for (lvl, k) in keys.iter().enumerate() {
                    *tables[lvl].entry(*k).or_default().entry(e).or_insert(0.0) += c;
                }
            }
            let floor = |e: E| -> f64 {
                match e {
                    E::Sub(_) => 1e-5,
                    E::Del => 1e-4,
                    E::Two(..) => 1e-7,
                }
            };
            let prob = |keys: [char; 4], e: E| -> f64 {
                // from the top (class) level down to the letter
                let mut p = floor(e);
                for lvl in (0..4).rev() {
                    if let Some(t) = tables[lvl].get(&keys[lvl]) {
                        let n: f64 = t.values().sum();
                        let types = t.len() as f64;
                        let c = t.get(&e).copied().unwrap_or(0.0);
                        p = (c - D).max(0.0) / n + (D * types / n) * p;
                    }
                }
                p
            };
            let to_cost = |p: f64| -> f32 { (-(p.max(1e-12)).ln()) as f32 };
            // A marked vowel read as a digit training seldom showed for one: an engine without the
            // marks reads the glyph as the digit it resembles (`s6` for số, `x4` for xã), and which
            // digit depends on the font and the scan: real scans show `18` for lệ and `13` for là,
            // which rendered training pages (almost) never do. Such a reading costs at most what the
            // pooled rate of marked vowels read as any digit, shared among the ten, gives. A digit
            // training showed for marked vowels at least that often (`6`) keeps the vowels it
            // learned: `x6` is `xó`, not `xã`.
            let mut digit_counts = [0f64; 10];
            let mut marked_reads = 0f64;
            for (e, c) in tables[3].get(&'V').into_iter().flatten() {
                marked_reads += c;
                if let E::Sub(oi) = e {
                    if let Some(d) = self.ocr_alpha[usize::from(*oi)].to_digit(10) {
                        digit_counts[d as usize] += c;
                    }
                }
            }
            let per_digit = digit_counts.iter().sum::<f64>() / 10.0;
            let digit_for_marked = |d: u32| -> f32 {
                match digit_counts.get(d as usize) {
                    Some(&n) if per_digit > 0.0 && n < per_digit => {
                        to_cost(per_digit / marked_reads)
                    }
                    _ => f32::INFINITY,
                }
            };
            // all two-character readings seen for any letter
            let mut twos: Vec<(u16, u16)> = counts
                .keys()
                .filter_map(|e| match *e {
                    Event::Two(_, a, b) => Some((a, b)),
                    _ => None,
                })
                .collect();
            twos.sort();
            twos.dedup();
            self.sub = vec![0.0; g * o];
            self.del = vec![0.0; g];
            self.two = HashMap::new();
            for gi in 0..g {
                let keys = [
                    self.gold_alpha[gi],
                    levels[gi][0],
                    levels[gi][1],
                    levels[gi][2],
                ];
                let seen = tables[2].contains_key(&keys[2]);
                let b = self.backoff;
                for oi in 0..o {
                    // Never dearer than the class back-off: real scans show confusions that
                    // rendered training pages do not.
                    let generic = if base_letter(self.ocr_alpha[oi]) == keys[2] {
                        b.same_base
                    } else {
                        b.other
                    };
                    let mut c = to_cost(prob(keys, E::Sub(oi as u16))).min(generic);
                    if let Some(d) = self.ocr_alpha[oi].to_digit(10) {
                        if keys[3] == 'V' {
                            c = c.min(digit_for_marked(d));
                        }
                    }
                    if !seen && self.ocr_alpha[oi] == keys[0] {
                        c = 0.2; // a letter training never showed is at least read as itself
                    }
                    self.sub[gi * o + oi] = c;
                }
                self.del[gi] = to_cost(prob(keys, E::Del)).min(b.delete);
                for &(a, b) in &twos {
                    let c = to_cost(prob(keys, E::Two(a, b)));
                    if c < 14.0 {
                        self.two.entry((a, b)).or_default().push((gi as u8, c));
                    }
                }
            }
            let ins_total: f64 = ins_counts.iter().sum();
            let types = ins_counts.iter().filter(|&&c| c > 0.0).count() as f64;
            let per_read = ins_total / (read_total + ins_total).max(1.0);
            for oi in 0..o {
                let c = ins_counts[oi];
                let p = ((c - D).max(0.0) + D * types / o as f64) / ins_total.max(1.0);
                self.ins[oi] = to_cost(per_read * p.max(1e-9)).min(self.backoff.insert);
            }
            for v in self.two.values_mut() {
                v.sort_by_key(|x| x.0);
            }
        }
    }
}

// (The tests train toy models, so they need the trainer of the `build-models` feature.)
#[cfg(all(test, feature = "build-models"))]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn toy() -> ChannelModel {
        let mut t = ChannelTrainer::new();
        for _ in 0..20 {
            t.add("của", "ctia");
            t.add("của", "cua");
            t.add("các", "cac");
            t.add("các", "céc");
            t.add("chủ", "chii");
            t.add("là", "1a");
            t.add("là", "la");
            t.add("số", "s6");
            t.add("số", "so");
        }
        t.add_gold_letters("abcdeghilnosuàáảãạốủ".chars());
        t.train().0
    }

    #[test]
    fn learns_confusions_and_round_trips() {
        let m = toy();
        let c1 = m.cost("của", "ctia").unwrap();
        let c2 = m.cost("các", "ctia").unwrap();
        assert!(c1 < c2, "{c1} {c2}");
        assert!(m.cost("là", "1a").unwrap() < m.cost("ca", "1a").unwrap());
        let b = m.to_bytes();
        let m2 = ChannelModel::from_bytes(&b, "x").unwrap();
        assert_eq!(m2.to_bytes(), b);
        assert_eq!(m.cost("số", "s6"), m2.cost("số", "s6"));
        assert!(ChannelModel::from_bytes(&b[..b.len() - 1], "x").is_err());
    }

    /// A model whose marked vowels are read as digits only as rendered pages show it (`6` for
    /// `ố` and `ộ`, `4` for `á` and `ã`) when `digits`, and never otherwise.
    fn digit_toy(digits: bool) -> ChannelModel {
        let mut t = ChannelTrainer::new();
        // (An OCR character enters the alphabet from two distinct pairs.)
        for _ in 0..50 {
            t.add("lệ", "lé");
            t.add("lệ", "le");
            t.add("số", "so");
            t.add("bộ", "bo");
            t.add("các", "cac");
            t.add("xã", "xa");
            t.add("năm", "nam");
            for n in ["18", "81", "13", "31", "46", "64"] {
                t.add(n, n);
            }
        }
        for _ in 0..10 {
            t.add("số", if digits { "s6" } else { "sé" });
            t.add("bộ", if digits { "b6" } else { "bé" });
            t.add("các", if digits { "c4c" } else { "céc" });
            t.add("xã", if digits { "x4" } else { "xé" });
        }
        t.train().0
    }

    #[test]
    fn a_marked_vowel_may_be_read_as_any_digit() {
        let (with, without) = (digit_toy(true), digit_toy(false));
        let cost = |m: &ChannelModel, g: &str, o: &str| m.cost(g, o).unwrap();
        // Training never showed `ệ` as `8`; once marked vowels are seen read as digits at all,
        // every marked vowel may be read as any digit at the pooled rate over ten...
        let pooled = cost(&with, "lệ", "l8");
        assert!(pooled + 2.0 < cost(&without, "lệ", "l8"), "{pooled}");
        assert!(cost(&with, "năm", "n3m") + 2.0 < cost(&without, "năm", "n3m"));
        // ... above the digits training showed for the letter, and only for marked vowels.
        assert!(cost(&with, "số", "s6") + 2.0 < pooled);
        assert_eq!(cost(&with, "l", "8"), cost(&without, "l", "8"));
        // A digit training showed for marked vowels as often as the pooled rate keeps the vowels
        // it learned: `6` stands for `ố` and `ộ`, not for `ã`.
        assert!(cost(&with, "xã", "x6") > pooled + 2.0);
    }

    const WORDS: [&str; 8] = ["của", "các", "cua", "chủ", "là", "số", "so", "cá"];

    /// The toy model's search over [`WORDS`] without priors, so the rank is the channel cost.
    fn toy_search(
        m: &ChannelModel,
        trie: &Trie,
        ocr: &str,
        k: usize,
        budget: usize,
    ) -> Vec<(u32, f32)> {
        let q = RankedQuery {
            limit: 30.0,
            k,
            weight: 1.0,
            slack: f32::INFINITY,
            budget,
        };
        m.search_ranked(trie, ocr, q, |_| true)
    }

    #[test]
    fn trie_search_finds_best() {
        let m = toy();
        let words = WORDS;
        let trie = Trie::build(&m, &words);
        let search = |ocr: &str, k: usize| toy_search(&m, &trie, ocr, k, usize::MAX);
        let r = search("ctia", 5);
        assert_eq!(words[r[0].0 as usize], "của");
        let r = search("s6", 5);
        assert_eq!(words[r[0].0 as usize], "số");
        // search agrees with the direct cost
        let direct = m.cost("chủ", "chii").unwrap();
        let r = search("chii", 8);
        let found = r.iter().find(|x| words[x.0 as usize] == "chủ").unwrap();
        assert!((found.1 - direct).abs() < 1e-4);
    }

    #[test]
    fn search_budget_cuts_the_search_short() {
        let m = toy();
        let trie = Trie::build(&m, &WORDS);
        let search = |ocr: &str, budget: usize| toy_search(&m, &trie, ocr, 8, budget);
        let full = search("ctia", usize::MAX);
        assert_eq!(full.len(), WORDS.len());
        // Enough nodes for the whole trie: the same answer.
        assert_eq!(search("ctia", trie.nodes.len()), full);
        // No node: nothing found; a few nodes: fewer words, still best first.
        assert!(search("ctia", 0).is_empty());
        let some = search("ctia", 4);
        assert!(some.len() < full.len());
        assert!(some.windows(2).all(|p| p[0].1 <= p[1].1));
    }
}
