//! A cache hint for look-ups whose addresses are known a little before they are read.

/// Ask the CPU to fetch the cache line holding `x`, so that a read of it soon after finds it
/// there: the decoder knows a slot's look-ups (its hypotheses' histories, their index slots)
/// before it makes them, and fetching all of them first lets their cache misses overlap instead
/// of each waiting for the last. A hint only: it reads nothing and changes nothing (a no-op off
/// x86-64).
#[inline(always)]
#[allow(unsafe_code)]
pub(crate) fn prefetch<T>(x: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `_mm_prefetch` only hints the cache hierarchy: it never faults (whatever the
    // address; this one is a live reference) and has no effect a program can observe but time.
    // SSE, which it needs, is part of every x86-64 CPU.
    unsafe {
        core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(
            std::ptr::from_ref(x).cast(),
        );
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
}
