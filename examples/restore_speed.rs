//! Restore throughput of one file in CPU time of this thread (from `/proc/thread-self/schedstat`,
//! so other jobs on a busy machine do not inflate it), best of several runs; for comparing
//! changes quickly and for profiling (`perf record … restore_speed FILE 10`). The figures we
//! publish come from `cargo bench --bench decode`.
//!
//! `cargo run --release --example restore_speed -- FILE [RUNS]`; `WARM=1` keeps one `Scratch`
//! for all runs (every candidate list and LM score cached), else each run starts cold;
//! `BEAM_DELTA=x` overrides the setting.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use sohoa::token::{tokenize, TokenKind};
use sohoa::{Models, RestorerBuilder, Scratch};
use std::sync::Arc;

#[path = "support/cpu.rs"]
mod cpu;
use cpu::cpu_ns;

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
    let restorer = builder
        .build(Arc::new(Models::embedded().expect("embedded models")))
        .expect("restorer");
    let warm = std::env::var_os("WARM").is_some();
    let mut scratch = Scratch::new();
    let _ = restorer.restore_with(&text, &mut scratch);
    let mut best = u64::MAX;
    for _ in 0..runs {
        if !warm {
            scratch = Scratch::new();
        }
        let t = cpu_ns();
        let _ = restorer.restore_with(&text, &mut scratch);
        best = best.min(cpu_ns() - t);
    }
    println!(
        "{path}: {n} syllables, best of {runs} {} runs: {:.0} syllables/s",
        if warm { "warm" } else { "cold" },
        n as f64 / (best.max(1) as f64 / 1e9)
    );
}
