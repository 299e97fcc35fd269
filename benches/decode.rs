//! Restore throughput (placeholder).
fn main() {}
