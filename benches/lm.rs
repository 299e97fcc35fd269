//! Language-model load time and query speed (`logp`, and `logp_many` over a slot's candidates).
//!
//! Queries are the trigrams of the committed dev gold texts (`corpus/dev/*.gold.txt`), so the mix
//! of seen and backed-off n-grams is that of real documents.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sohoa::lm::{unit_of, LanguageModel, WordId};
use std::borrow::Cow;

static LM: &[u8] = include_bytes!("../dictionaries/lm.smt");

fn ids(lm: &LanguageModel) -> Vec<WordId> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/dev");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("corpus/dev exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".gold.txt"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(f).expect("readable");
        for t in sohoa::token::tokenize(&text) {
            if let Some(u) = unit_of(t.kind, t.text(&text)) {
                out.push(lm.id(&u));
            }
        }
    }
    out
}

fn bench(c: &mut Criterion) {
    c.bench_function("lm_load_embedded", |b| {
        b.iter(|| LanguageModel::from_bytes(Cow::Borrowed(LM), "lm.smt").unwrap())
    });
    let lm = LanguageModel::from_bytes(Cow::Borrowed(LM), "lm.smt").unwrap();
    let seq = ids(&lm);
    let mut g = c.benchmark_group("lm_query");
    g.throughput(Throughput::Elements(seq.len().saturating_sub(2) as u64));
    g.bench_function("logp", |b| {
        b.iter(|| {
            let mut s = 0f32;
            for w in seq.windows(3) {
                s += lm.logp(w[0], w[1], w[2]);
            }
            s
        })
    });
    // 16 candidates per history: the true next word and 15 others from the text.
    let cands: Vec<WordId> = seq.iter().step_by(97).take(15).copied().collect();
    g.throughput(Throughput::Elements(
        16 * seq.len().saturating_sub(2) as u64,
    ));
    g.bench_function("logp_many_16", |b| {
        let mut out = Vec::new();
        let mut ws = cands.clone();
        ws.push(WordId(0));
        b.iter(|| {
            let mut s = 0f32;
            for w in seq.windows(3) {
                ws[15] = w[2];
                lm.logp_many(w[0], w[1], &ws, &mut out);
                s += out[0];
            }
            s
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
