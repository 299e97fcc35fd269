//! Restore throughput of one file, best of several runs in wall time (the minimum over runs is
//! what other jobs on a busy machine disturb least; this VM's `/proc/thread-self/schedstat`
//! counts CPU time in 4 ms ticks, too coarse for one restore); for comparing changes quickly
//! and for profiling (`perf record … restore_speed FILE 10`). The figures we
//! publish come from `cargo bench --bench decode`.
//!
//! `cargo run --release --example restore_speed -- FILE [RUNS]`; `WARM=1` keeps one `Scratch`
//! for all runs (every candidate list and LM score cached), else each run starts cold;
//! `WARMUP=FILE` starts every run from a scratch warmed on FILE (a batch's steady state on
//! documents it has not seen, as the `one_thread_steady` bench);
//! `TEXT=1` restores the text alone ([`sohoa::Restorer::restore_text_with`], no confidences);
//! `BEAM_DELTA=x` and `BEAM=n` override those settings (settings the candidate table's fingerprint
//! covers, such as `max_candidates`, would turn the table off and measure something else).
#![allow(clippy::unwrap_used, clippy::expect_used)]
use sohoa::token::{tokenize, TokenKind};
use sohoa::{Models, RestorerBuilder, Scratch};
use std::sync::Arc;
use std::time::Instant;

/// The allocator of the `sohoa` binary, so that the figures are those of what it runs.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: restore_speed FILE [RUNS]");
    let runs: usize = std::env::args()
        .nth(2)
        .map_or(5, |s| s.parse().expect("RUNS"));
    let text = std::fs::read_to_string(&path).expect("readable UTF-8 file");
    let n = tokenize(&text)
        .iter()
        .filter(|t| t.kind == TokenKind::Word)
        .count();
    let mut builder = RestorerBuilder::new();
    if let Ok(d) = std::env::var("BEAM_DELTA") {
        builder.beam_delta(d.parse().expect("BEAM_DELTA"));
    }
    if let Ok(d) = std::env::var("BEAM") {
        builder.beam_width(d.parse().expect("BEAM"));
    }
    if let Ok(d) = std::env::var("SEARCH_BUDGET") {
        builder.search_budget(d.parse().expect("SEARCH_BUDGET"));
    }
    let restorer = builder
        .build(Arc::new(Models::embedded().expect("embedded models")))
        .expect("restorer");
    if !restorer.uses_candidate_table() {
        eprintln!("(candidate table off: every token is searched)");
    }
    let warm = std::env::var_os("WARM").is_some();
    let text_only = std::env::var_os("TEXT").is_some();
    let restore = |scratch: &mut Scratch| {
        if text_only {
            restorer.restore_text_with(&text, &[], scratch).len()
        } else {
            restorer.restore_with(&text, scratch).changes.len()
        }
    };
    let mut warmed = Scratch::new();
    if let Ok(f) = std::env::var("WARMUP") {
        let seen = std::fs::read_to_string(&f).expect("readable UTF-8 warm-up file");
        let _ = restorer.restore_with(&seen, &mut warmed);
    }
    let mut scratch = warmed.clone();
    let _ = restore(&mut scratch);
    let mut best = u64::MAX;
    for _ in 0..runs {
        if !warm {
            scratch = warmed.clone();
        }
        let t = Instant::now();
        let _ = restore(&mut scratch);
        best = best.min(t.elapsed().as_nanos() as u64);
    }
    println!(
        "{path}: {n} syllables, best of {runs} {} runs: {:.0} syllables/s",
        if warm { "warm" } else { "cold" },
        n as f64 / (best.max(1) as f64 / 1e9)
    );
}
