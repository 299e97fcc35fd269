//! Measure the language model on a busy machine: load time and query cost in CPU time of this
//! thread (from `/proc/thread-self/schedstat`, so other jobs on the machine do not inflate it),
//! plus perplexity of held-out texts.
//!
//! `cargo run --release --example lm_speed -- [dictionaries/lm.smt] [HELDOUT.txt ...]`
#![allow(clippy::unwrap_used, clippy::expect_used)]
use sohoa::lm::{unit_of, LanguageModel, WordId};
use std::borrow::Cow;

#[path = "support/cpu.rs"]
mod cpu;
use cpu::cpu_ns;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = args
        .first()
        .cloned()
        .unwrap_or_else(|| "dictionaries/lm.smt".into());
    let bytes: &'static [u8] = Box::leak(std::fs::read(&path).unwrap().into_boxed_slice());
    let reps = 50;
    let t = cpu_ns();
    for _ in 0..reps {
        let lm = LanguageModel::from_bytes(Cow::Borrowed(bytes), &path).unwrap();
        std::hint::black_box(&lm);
    }
    let load_ms = (cpu_ns() - t) as f64 / reps as f64 / 1e6;
    let lm = LanguageModel::from_bytes(Cow::Borrowed(bytes), &path).unwrap();
    println!(
        "{path}: {} bytes, vocab {}, bigrams {}, trigrams {}; load {load_ms:.2} ms CPU",
        bytes.len(),
        lm.vocab_len(),
        lm.bigram_len(),
        lm.trigram_len()
    );
    let dev = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/corpus/dev/all-freeserif.gold.txt"
    );
    let text = std::fs::read_to_string(dev).unwrap();
    let seq: Vec<WordId> = sohoa::token::tokenize(&text)
        .iter()
        .filter_map(|t| unit_of(t.kind, t.text(&text)))
        .map(|u| lm.id(&u))
        .collect();
    let n = seq.len().saturating_sub(2) as f64;
    let t = cpu_ns();
    let mut s = 0f32;
    for _ in 0..20 {
        for w in seq.windows(3) {
            s += lm.logp(w[0], w[1], w[2]);
        }
    }
    let logp_ns = (cpu_ns() - t) as f64 / (20.0 * n);
    let cands: Vec<WordId> = seq.iter().step_by(97).take(16).copied().collect();
    let mut out = Vec::new();
    let t = cpu_ns();
    for _ in 0..5 {
        for w in seq.windows(3) {
            lm.logp_many(w[0], w[1], &cands, &mut out);
            s += out[0];
        }
    }
    let many_ns = (cpu_ns() - t) as f64 / (5.0 * n * cands.len() as f64);
    println!(
        "logp {logp_ns:.0} ns/call; logp_many {many_ns:.0} ns/candidate ({} candidates) [{s}]",
        cands.len()
    );
    for (a, b) in [
        ("<s>", "<s>"),
        ("<s>", "ủy"),
        ("ủy", "ban"),
        ("của", "ủy"),
        ("<unk>", "zalo"),
    ] {
        let (a, b) = (lm.id(a), lm.id(b));
        let mass: f64 = (0..lm.vocab_len() as u32)
            .filter(|&w| WordId(w) != lm.bos())
            .map(|w| f64::from(lm.logp(a, b, WordId(w))).exp())
            .sum();
        println!("sum P(w | {} {}) = {mass:.4}", lm.word(a), lm.word(b));
    }
    println!("dev gold {dev}: perplexity {:.2}", lm.perplexity(&text).0);
    for h in args.iter().skip(1) {
        let text = std::fs::read_to_string(h).unwrap();
        let (ppl, n, oov) = lm.perplexity(&text);
        println!("{h}: perplexity {ppl:.2} over {n} units ({oov} unknown)");
    }
}
