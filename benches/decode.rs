//! Restore throughput (syllables/s, one thread and all threads; with the change list and its
//! confidences, and of the text alone) and model load time.
#![allow(clippy::expect_used, clippy::unwrap_used)]
//!
//! Input: the committed OCR'd sample notices in `corpus/dev/` (real Tesseract output of text we
//! wrote). Each iteration restores the whole text with a fresh `Scratch`, so the per-token
//! candidate cache starts cold as it does for a new document.
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use rayon::prelude::*;
use sohoa::{Models, RestorerBuilder, Scratch};
use std::sync::Arc;

/// The allocator of the `sohoa` binary, so that the figures are those of what it runs.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn input() -> String {
    notices().join("\n\n")
}

/// The OCR'd sample notices, one string each, in file order.
fn notices() -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/dev");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("corpus/dev exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.to_string_lossy().ends_with("-freeserif.ocr.txt")
                && !p.to_string_lossy().contains("all-")
        })
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("readable"))
        .collect()
}

fn syllables(text: &str) -> u64 {
    sohoa::token::tokenize(text)
        .iter()
        .filter(|t| t.kind == sohoa::token::TokenKind::Word)
        .count() as u64
}

fn bench(c: &mut Criterion) {
    let text = input();
    let n = syllables(&text);
    let models = Arc::new(Models::embedded().expect("embedded models"));
    let restorer = RestorerBuilder::new().build(models).expect("restorer");
    // Check once that real work is done: most tokens are changed by restoration.
    let out = restorer.restore(&text);
    assert!(
        out.changes.len() as u64 > n / 3,
        "restoration changed too little"
    );

    let mut g = c.benchmark_group("restore");
    g.throughput(Throughput::Elements(n));
    g.sample_size(10);
    g.bench_function("one_thread", |b| {
        b.iter(|| {
            restorer
                .restore_with(&text, &mut Scratch::new())
                .changes
                .len()
        })
    });
    // The same, restoring the text alone (`sohoa restore` writing plain text): no change list,
    // so no confidences.
    g.bench_function("one_thread_text", |b| {
        b.iter(|| {
            restorer
                .restore_text_with(&text, &[], &mut Scratch::new())
                .len()
        })
    });
    // One thread with the caches warm, as in a batch, where each worker keeps its `Scratch`
    // across the documents it converts (notices share most of their words and phrases).
    let mut warm = Scratch::new();
    let _ = restorer.restore_with(&text, &mut warm);
    g.bench_function("one_thread_warm", |b| {
        b.iter(|| restorer.restore_with(&text, &mut warm).changes.len())
    });
    // One thread in a batch's steady state on documents it has not seen: the scratch is warmed
    // on the first half of the notices, then restores the other half (a copy of the warmed
    // scratch per iteration, made outside the timing). Notices share words and phrases, not text.
    let all = notices();
    let (seen, unseen) = all.split_at(all.len() / 2);
    let unseen = unseen.join("\n\n");
    let mut warmed = Scratch::new();
    for d in seen {
        let _ = restorer.restore_with(d, &mut warmed);
    }
    g.throughput(Throughput::Elements(syllables(&unseen)));
    g.bench_function("one_thread_steady", |b| {
        b.iter_batched(
            || warmed.clone(),
            |mut s| restorer.restore_with(&unseen, &mut s).changes.len(),
            BatchSize::LargeInput,
        )
    });
    g.bench_function("one_thread_steady_text", |b| {
        b.iter_batched(
            || warmed.clone(),
            |mut s| restorer.restore_text_with(&unseen, &[], &mut s).len(),
            BatchSize::LargeInput,
        )
    });
    g.throughput(Throughput::Elements(n));
    // All threads: the same text split into paragraphs restored in parallel.
    let paras: Vec<&str> = text.split("\n\n").collect();
    g.bench_function("all_threads", |b| {
        b.iter(|| {
            paras
                .par_iter()
                .map_init(Scratch::new, |s, p| {
                    restorer.restore_with(p, s).changes.len()
                })
                .sum::<usize>()
        })
    });
    g.finish();

    let mut g = c.benchmark_group("load");
    g.sample_size(10);
    g.bench_function("models_and_restorer", |b| {
        b.iter(|| {
            RestorerBuilder::new()
                .build(Arc::new(Models::embedded().expect("models")))
                .expect("restorer")
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
