//! Training of `lm.smt`: count syllable trigrams over the corpora (without the evaluation texts),
//! estimate interpolated modified Kneser–Ney, prune rare n-grams, renormalise the backoffs, quantise
//! and write the in-place format that [`super::LanguageModel`] reads.
//!
//! Counting keeps memory low by turning every unit into a `u16` id (the vocabulary is capped below
//! 65,535) and every trigram into one packed `u64`, sorted and run-length counted; no `HashMap` is
//! iterated, so the output is the same bytes on every run.

use super::{unit_of, BOS, EOS, UNK, VERSION};
use crate::container::{wrap, TableKind, Writer};
use crate::error::{Error, Result};
use crate::token::tokenize_into;
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::io::BufRead;
use std::path::{Path, PathBuf};

/// Paragraph separator in a token stream.
const SEP: u32 = u32::MAX;

/// Knobs of the build.
#[derive(Debug, Clone)]
pub struct BuildConfig {
    /// A unit enters the vocabulary when seen at least this often (else it is `<unk>`).
    pub min_unit_count: u64,
    /// Largest vocabulary (ids are `u16`); the most frequent units win.
    pub max_vocab: usize,
    /// Bigrams seen fewer times are pruned (their mass goes to the backoff).
    pub min_bigram: u64,
    /// Trigrams seen fewer times are pruned. Must be ≥ `min_bigram`.
    pub min_trigram: u64,
}

impl Default for BuildConfig {
    fn default() -> Self {
        BuildConfig {
            min_unit_count: 2,
            max_vocab: 65_000,
            min_bigram: 2,
            min_trigram: 3,
        }
    }
}

/// What a build saw and wrote.
#[derive(Debug, Clone, Default)]
pub struct BuildStats {
    /// Paragraphs used.
    pub paragraphs: u64,
    /// Paragraphs dropped because they hold an evaluation line.
    pub excluded: u64,
    /// Units counted (without `<s>`/`</s>`).
    pub tokens: u64,
    /// Distinct units before the vocabulary cut.
    pub types: usize,
    /// Vocabulary size (reserved units included).
    pub vocab: usize,
    /// Distinct bigrams / trigrams before pruning.
    pub bigram_types: usize,
    /// Distinct trigrams before pruning.
    pub trigram_types: usize,
    /// Bigrams kept.
    pub bigrams: usize,
    /// Trigrams kept.
    pub trigrams: usize,
    /// Discounts (D1, D2, D3+) for unigrams, bigrams, trigrams.
    pub discounts: [[f64; 3]; 3],
    /// Size of the written file.
    pub bytes: usize,
}

/// Units of a set of paragraphs, with paragraph-local ids.
#[derive(Default)]
struct Counter {
    ids: HashMap<String, u32>,
    names: Vec<String>,
    stream: Vec<u32>,
    paragraphs: u64,
    excluded: u64,
    toks: Vec<crate::token::Token>,
}

impl Counter {
    fn add(&mut self, line: &str) {
        tokenize_into(line, &mut self.toks);
        let before = self.stream.len();
        for t in &self.toks {
            if let Some(u) = unit_of(t.kind, t.text(line)) {
                let id = match self.ids.get(u.as_ref()) {
                    Some(&i) => i,
                    None => {
                        let i = self.names.len() as u32;
                        self.ids.insert(u.to_string(), i);
                        self.names.push(u.into_owned());
                        i
                    }
                };
                self.stream.push(id);
            }
        }
        if self.stream.len() > before {
            self.stream.push(SEP);
            self.paragraphs += 1;
        }
    }
}

/// Paragraphs to keep out of training: those holding an evaluation line.
struct Excluder {
    long: Option<aho_corasick::AhoCorasick>,
    short: HashSet<String>,
}

impl Excluder {
    fn new(files: &[PathBuf]) -> Result<Self> {
        let mut long = Vec::new();
        let mut short = HashSet::new();
        for f in files {
            let text = std::fs::read_to_string(f).map_err(|e| Error::io(f, e))?;
            for l in text.lines() {
                let l = l.trim();
                if l.chars().count() >= 30 {
                    long.push(l.to_string());
                } else if !l.is_empty() {
                    short.insert(l.to_string());
                }
            }
        }
        long.sort();
        long.dedup();
        let long = if long.is_empty() {
            None
        } else {
            Some(
                aho_corasick::AhoCorasick::new(&long)
                    .map_err(|e| Error::Config(format!("exclusion patterns: {e}")))?,
            )
        };
        Ok(Excluder { long, short })
    }
    fn excludes(&self, line: &str) -> bool {
        self.long.as_ref().is_some_and(|ac| ac.is_match(line)) || self.short.contains(line.trim())
    }
}

fn count_file(path: &Path, ex: &Excluder) -> Result<Counter> {
    let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let is_xz = path.extension().is_some_and(|e| e == "xz");
    let reader: Box<dyn std::io::Read> = if is_xz {
        Box::new(xz2::read::XzDecoder::new(f))
    } else {
        Box::new(f)
    };
    let mut r = std::io::BufReader::with_capacity(1 << 20, reader);
    let mut c = Counter::default();
    let mut line = String::new();
    loop {
        line.clear();
        let n = r.read_line(&mut line).map_err(|e| Error::io(path, e))?;
        if n == 0 {
            break;
        }
        if ex.excludes(&line) {
            c.excluded += 1;
            continue;
        }
        c.add(line.trim_end_matches(['\n', '\r']));
    }
    Ok(c)
}

/// Train on every `*.xz` (or `*.txt`) file of `corpus_dir`, leaving out each paragraph that holds
/// a line (≥ 30 characters, or the whole paragraph for shorter lines) of the `exclude_files`, and
/// write the model to `out`.
///
/// # Errors
/// I/O errors naming the file, [`Error::Config`] when there is nothing to train on.
pub fn build_from_dir(
    corpus_dir: &Path,
    exclude_files: &[PathBuf],
    cfg: &BuildConfig,
    out: &Path,
) -> Result<BuildStats> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir)
        .map_err(|e| Error::io(corpus_dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "xz" || e == "txt"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(Error::Config(format!(
            "{}: no corpus files (*.xz, *.txt)",
            corpus_dir.display()
        )));
    }
    let ex = Excluder::new(exclude_files)?;
    let counters: Vec<Counter> = files
        .par_iter()
        .map(|f| count_file(f, &ex))
        .collect::<Result<_>>()?;
    let (bytes, stats) = build(counters, cfg)?;
    crate::io::write_atomic(out, &bytes)?;
    Ok(stats)
}

/// Train on in-memory texts (each line a paragraph) and return the model file's bytes.
///
/// # Errors
/// [`Error::Config`] when the texts hold no units or the configuration is inconsistent.
pub fn build_from_texts(texts: &[&str], cfg: &BuildConfig) -> Result<(Vec<u8>, BuildStats)> {
    let mut c = Counter::default();
    for t in texts {
        for l in t.lines() {
            c.add(l);
        }
    }
    build(vec![c], cfg)
}

/// Modified Kneser–Ney discounts from counts of counts (Chen & Goodman), kept in range.
fn discounts(n: [u64; 4]) -> [f64; 3] {
    let [n1, n2, n3, n4] = n.map(|x| x as f64);
    let fallback = [0.5, 1.0, 1.5];
    if n1 == 0.0 || n2 == 0.0 {
        return fallback;
    }
    let y = n1 / (n1 + 2.0 * n2);
    let d1 = 1.0 - 2.0 * y * n2 / n1;
    let d2 = if n2 > 0.0 {
        2.0 - 3.0 * y * n3 / n2
    } else {
        1.0
    };
    let d3 = if n3 > 0.0 {
        3.0 - 4.0 * y * n4 / n3
    } else {
        1.5
    };
    let clamp = |d: f64, hi: f64, fb: f64| {
        if d.is_finite() && d > 0.05 {
            d.min(hi)
        } else {
            fb
        }
    };
    [
        clamp(d1, 0.95, fallback[0]),
        clamp(d2, 1.95, fallback[1]),
        clamp(d3, 2.95, fallback[2]),
    ]
}

fn count_of_counts<I: Iterator<Item = u64>>(it: I) -> [u64; 4] {
    let mut n = [0u64; 4];
    for c in it {
        if (1..=4).contains(&c) {
            n[(c - 1) as usize] += 1;
        }
    }
    n
}

#[inline]
fn disc(d: &[f64; 3], c: u64) -> f64 {
    match c {
        0 => 0.0,
        1 => d[0],
        2 => d[1],
        _ => d[2],
    }
}

/// Numerator of a context's interpolation weight: `D1·N1 + D2·N2 + D3·N3+`.
fn gamma_mass(d: &[f64; 3], counts: impl Iterator<Item = u64>) -> f64 {
    counts.map(|c| disc(d, c)).sum()
}

/// A 256-entry codebook (means of equal-population bins of the sorted values).
struct Codebook {
    centers: [f32; 256],
}

impl Codebook {
    fn new(values: &[f32]) -> Self {
        let mut v: Vec<f32> = values.to_vec();
        v.sort_by(f32::total_cmp);
        let mut centers = [super::LOG_ZERO; 256];
        if !v.is_empty() {
            for (b, c) in centers.iter_mut().enumerate() {
                let lo = b * v.len() / 256;
                let hi = ((b + 1) * v.len() / 256).max(lo + 1).min(v.len());
                let lo = lo.min(hi - 1);
                let s: f64 = v[lo..hi].iter().map(|&x| f64::from(x)).sum();
                *c = (s / (hi - lo) as f64) as f32;
            }
        }
        centers.sort_by(f32::total_cmp);
        Codebook { centers }
    }
    fn code(&self, x: f32) -> u8 {
        let i = self.centers.partition_point(|&c| c < x);
        let pick = if i == 0 {
            0
        } else if i >= 256 {
            255
        } else if (x - self.centers[i - 1]) <= (self.centers[i] - x) {
            i - 1
        } else {
            i
        };
        pick as u8
    }
    fn value(&self, code: u8) -> f32 {
        self.centers[usize::from(code)]
    }
}

fn ln_ratio(num: f64, den: f64) -> f32 {
    (num.max(1e-12).ln() - den.max(1e-12).ln()) as f32
}

#[inline]
fn tri_key(a: u16, b: u16, c: u16) -> u64 {
    (u64::from(a) << 32) | (u64::from(b) << 16) | u64::from(c)
}

/// From the token streams to the model bytes.
#[allow(clippy::too_many_lines)]
fn build(counters: Vec<Counter>, cfg: &BuildConfig) -> Result<(Vec<u8>, BuildStats)> {
    if cfg.min_trigram < cfg.min_bigram {
        return Err(Error::Config(
            "min_trigram must be at least min_bigram".into(),
        ));
    }
    let mut stats = BuildStats::default();
    // 1. Unit counts over all streams.
    let mut totals: HashMap<String, u64> = HashMap::new();
    for c in &counters {
        let mut local = vec![0u64; c.names.len()];
        for &t in &c.stream {
            if t != SEP {
                local[t as usize] += 1;
            }
        }
        for (name, n) in c.names.iter().zip(local) {
            *totals.entry(name.clone()).or_insert(0) += n;
        }
        stats.paragraphs += c.paragraphs;
        stats.excluded += c.excluded;
    }
    if stats.paragraphs == 0 {
        return Err(Error::Config("no training text".into()));
    }
    stats.types = totals.len();
    let reserved = ["<unk>", "<num>", "<s>", "</s>"];
    let mut ranked: Vec<(&String, u64)> = totals
        .iter()
        .filter(|(w, &n)| n >= cfg.min_unit_count && !reserved.contains(&w.as_str()))
        .map(|(w, &n)| (w, n))
        .collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let cap = cfg.max_vocab.clamp(5, usize::from(u16::MAX) - 1);
    ranked.truncate(cap - reserved.len());
    let mut words: Vec<String> = reserved.iter().map(|s| (*s).to_string()).collect();
    words.extend(ranked.iter().map(|(w, _)| (*w).clone()));
    let vocab = words.len();
    stats.vocab = vocab;
    let final_id: HashMap<&str, u16> = words
        .iter()
        .enumerate()
        .map(|(i, w)| (w.as_str(), i as u16))
        .collect();
    let mut uni_count = vec![0u64; vocab];
    // 2. Trigram keys of every paragraph, padded `<s> <s> … </s>`.
    let mut keys: Vec<u64> = Vec::new();
    for c in counters {
        let map: Vec<u16> = c
            .names
            .iter()
            .map(|n| final_id.get(n.as_str()).copied().unwrap_or(UNK as u16))
            .collect();
        let (mut a, mut b) = (BOS as u16, BOS as u16);
        keys.reserve(c.stream.len());
        for &t in &c.stream {
            let w = if t == SEP {
                EOS as u16
            } else {
                map[t as usize]
            };
            uni_count[usize::from(w)] += 1;
            if t != SEP {
                stats.tokens += 1;
            }
            keys.push(tri_key(a, b, w));
            if t == SEP {
                a = BOS as u16;
                b = BOS as u16;
                uni_count[BOS as usize] += 1;
            } else {
                a = b;
                b = w;
            }
        }
    }
    keys.par_sort_unstable();
    let mut tri: Vec<(u64, u64)> = Vec::new();
    for &k in &keys {
        match tri.last_mut() {
            Some((lk, n)) if *lk == k => *n += 1,
            _ => tri.push((k, 1)),
        }
    }
    drop(keys);
    stats.trigram_types = tri.len();
    // 3. Bigrams as trigram suffixes: raw count and continuation count (distinct left words).
    let mut suffix: Vec<(u32, u64)> = tri.iter().map(|&(k, n)| (k as u32, n)).collect();
    suffix.par_sort_unstable();
    // (key w2<<16|w3, raw, continuation)
    let mut bi: Vec<(u32, u64, u64)> = Vec::new();
    for &(k, n) in &suffix {
        match bi.last_mut() {
            Some((lk, raw, cont)) if *lk == k => {
                *raw += n;
                *cont += 1;
            }
            _ => bi.push((k, n, 1)),
        }
    }
    drop(suffix);
    stats.bigram_types = bi.len();
    let adj2 = |&(k, raw, cont): &(u32, u64, u64)| if (k >> 16) == BOS { raw } else { cont };
    // 4. Unigrams: continuation counts over bigram types.
    let mut a1 = vec![0u64; vocab];
    for &(k, _, _) in &bi {
        a1[(k & 0xFFFF) as usize] += 1;
    }
    let d1 = discounts(count_of_counts(a1.iter().copied()));
    let d2 = discounts(count_of_counts(bi.iter().map(adj2)));
    let d3 = discounts(count_of_counts(tri.iter().map(|t| t.1)));
    stats.discounts = [d1, d2, d3];
    let total1: f64 = a1.iter().map(|&a| a as f64).sum();
    let gamma1 = gamma_mass(&d1, a1.iter().copied()) / total1.max(1.0);
    let p1: Vec<f64> = (0..vocab)
        .map(|w| {
            if w == BOS as usize {
                0.0
            } else {
                let a = a1[w];
                (a as f64 - disc(&d1, a)).max(0.0) / total1.max(1.0) + gamma1 / (vocab - 1) as f64
            }
        })
        .collect();
    let uni_logp: Vec<f32> = p1
        .iter()
        .enumerate()
        .map(|(w, &p)| {
            if w == BOS as usize {
                super::LOG_ZERO
            } else {
                p.max(1e-30).ln() as f32
            }
        })
        .collect();
    // 5. Bigrams: interpolated probabilities of the kept ones, grouped by first word.
    let mut kept_bi: Vec<(u32, f32)> = Vec::new(); // (key, ln p)
    let mut uni_backoff = vec![0f32; vocab];
    let mut i = 0;
    while i < bi.len() {
        let v = bi[i].0 >> 16;
        let mut j = i;
        while j < bi.len() && bi[j].0 >> 16 == v {
            j += 1;
        }
        let group = &bi[i..j];
        let sum: f64 = group.iter().map(|g| adj2(g) as f64).sum();
        let gamma = gamma_mass(&d2, group.iter().map(adj2)) / sum.max(1.0);
        for g in group {
            let w = (g.0 & 0xFFFF) as usize;
            if g.1 >= cfg.min_bigram {
                let a = adj2(g);
                let p = (a as f64 - disc(&d2, a)).max(0.0) / sum.max(1.0) + gamma * p1[w];
                kept_bi.push((g.0, p.max(1e-30).ln() as f32));
            }
        }
        i = j;
    }
    // The `<s> <s>` context node (never predicted).
    let bb = (BOS << 16) | BOS;
    if let Err(pos) = kept_bi.binary_search_by_key(&bb, |x| x.0) {
        kept_bi.insert(pos, (bb, super::LOG_ZERO));
    }
    let bi_book = Codebook::new(
        &kept_bi
            .iter()
            .filter(|x| x.0 != bb)
            .map(|x| x.1)
            .collect::<Vec<_>>(),
    );
    let bi_q: Vec<u8> = kept_bi.iter().map(|x| bi_book.code(x.1)).collect();
    // Unigram-level backoffs from the quantised bigram probabilities.
    {
        let mut k = 0;
        while k < kept_bi.len() {
            let v = kept_bi[k].0 >> 16;
            let mut m = k;
            let (mut s_hi, mut s_lo) = (0f64, 0f64);
            while m < kept_bi.len() && kept_bi[m].0 >> 16 == v {
                let w = (kept_bi[m].0 & 0xFFFF) as usize;
                if w != BOS as usize {
                    s_hi += f64::from(bi_book.value(bi_q[m])).exp();
                    s_lo += p1[w];
                }
                m += 1;
            }
            uni_backoff[v as usize] = ln_ratio(1.0 - s_hi, 1.0 - s_lo);
            k = m;
        }
    }
    let p2_model = |v: u32, w: u32| -> f32 {
        match kept_bi.binary_search_by_key(&((v << 16) | w), |x| x.0) {
            Ok(j) => bi_book.value(bi_q[j]),
            Err(_) => uni_backoff[v as usize] + uni_logp[w as usize],
        }
    };
    // 6. Trigrams: interpolated probabilities of the kept ones, grouped by context.
    let mut kept_tri: Vec<(u64, f32)> = Vec::new();
    let mut i = 0;
    while i < tri.len() {
        let h = tri[i].0 >> 16;
        let mut j = i;
        while j < tri.len() && tri[j].0 >> 16 == h {
            j += 1;
        }
        let group = &tri[i..j];
        let sum: f64 = group.iter().map(|g| g.1 as f64).sum();
        let gamma = gamma_mass(&d3, group.iter().map(|g| g.1)) / sum.max(1.0);
        let v = (h & 0xFFFF) as u32;
        for g in group {
            if g.1 >= cfg.min_trigram {
                let w = (g.0 & 0xFFFF) as u32;
                let p = (g.1 as f64 - disc(&d3, g.1)) / sum.max(1.0)
                    + gamma * f64::from(p2_model(v, w)).exp();
                kept_tri.push((g.0, p.max(1e-30).ln() as f32));
            }
        }
        i = j;
    }
    drop(tri);
    let tri_book = Codebook::new(&kept_tri.iter().map(|x| x.1).collect::<Vec<_>>());
    let tri_q: Vec<u8> = kept_tri.iter().map(|x| tri_book.code(x.1)).collect();
    // Context backoffs (on bigram nodes) from the quantised trigram probabilities.
    let mut bi_bo = vec![0f32; kept_bi.len()];
    let mut tri_start = vec![0u32; kept_bi.len() + 1];
    {
        let mut k = 0;
        let mut node = 0usize;
        while k < kept_tri.len() {
            let h = kept_tri[k].0 >> 16;
            let hk = h as u32;
            let Ok(pos) = kept_bi.binary_search_by_key(&hk, |x| x.0) else {
                return Err(Error::Config(
                    "internal: trigram context without bigram".into(),
                ));
            };
            let v = hk & 0xFFFF;
            let mut m = k;
            let (mut s_hi, mut s_lo) = (0f64, 0f64);
            while m < kept_tri.len() && kept_tri[m].0 >> 16 == h {
                let w = (kept_tri[m].0 & 0xFFFF) as u32;
                s_hi += f64::from(tri_book.value(tri_q[m])).exp();
                s_lo += f64::from(p2_model(v, w)).exp();
                m += 1;
            }
            bi_bo[pos] = ln_ratio(1.0 - s_hi, 1.0 - s_lo);
            while node <= pos {
                tri_start[node] = k as u32;
                node += 1;
            }
            k = m;
        }
        while node <= kept_bi.len() {
            tri_start[node] = kept_tri.len() as u32;
            node += 1;
        }
    }
    let bo_book = Codebook::new(&bi_bo);
    stats.bigrams = kept_bi.len();
    stats.trigrams = kept_tri.len();
    // 7. Write.
    let mut out = Writer::new();
    let strings_len: usize = words.iter().map(String::len).sum();
    let slots = (vocab * 2).next_power_of_two();
    out.u32(vocab as u32);
    out.u32(kept_bi.len() as u32);
    out.u32(kept_tri.len() as u32);
    out.u32(slots as u32);
    out.u32(strings_len as u32);
    for book in [&bi_book, &bo_book, &tri_book] {
        for &c in &book.centers {
            out.f32(c);
        }
    }
    let mut off = 0u32;
    out.u32(0);
    for w in &words {
        off += w.len() as u32;
        out.u32(off);
    }
    for w in &words {
        out.buf.extend_from_slice(w.as_bytes());
    }
    let mut table = vec![u16::MAX; slots];
    for (i, w) in words.iter().enumerate() {
        let mut s = (super::fnv(w.as_bytes()) as usize) & (slots - 1);
        while table[s] != u16::MAX {
            s = (s + 1) & (slots - 1);
        }
        table[s] = i as u16;
    }
    for t in table {
        out.u16(t);
    }
    for &x in &uni_logp {
        out.f32(x);
    }
    for &x in &uni_backoff {
        out.f32(x);
    }
    for &c in &uni_count {
        out.u32(u32::try_from(c).unwrap_or(u32::MAX));
    }
    let mut k = 0usize;
    for v in 0..=vocab as u32 {
        while k < kept_bi.len() && (kept_bi[k].0 >> 16) < v {
            k += 1;
        }
        out.u32(k as u32);
    }
    for x in &kept_bi {
        out.u16((x.0 & 0xFFFF) as u16);
    }
    out.buf.extend_from_slice(&bi_q);
    for &b in &bi_bo {
        out.u8(bo_book.code(b));
    }
    for &t in &tri_start {
        out.u32(t);
    }
    for x in &kept_tri {
        out.u16((x.0 & 0xFFFF) as u16);
    }
    out.buf.extend_from_slice(&tri_q);
    let bytes = wrap(TableKind::LanguageModel, VERSION, &out.buf);
    stats.bytes = bytes.len();
    Ok((bytes, stats))
}
