//! Thread CPU time for the diagnostic examples: read from `/proc/thread-self/schedstat`, so other
//! jobs on a busy machine do not inflate a measurement the way wall time would.

/// CPU nanoseconds this thread has run (0 where the kernel does not say).
pub fn cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|x| x.parse().ok()))
        .unwrap_or(0)
}
