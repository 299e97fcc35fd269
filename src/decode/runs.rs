//! Where each run of the decoder's score arenas is, by key: an open-addressing table whose slot
//! for a key can be fetched into the cache ahead of the look-up.
//!
//! A slot's hypotheses each probe the index for the run of their history's scores, and most of
//! those probes miss the cache (a cold restore enters tens of thousands of runs). A general hash
//! map reads a control group and then the bucket, neither known before the probe; here the
//! keys are already well-mixed 64-bit hashes, so a key's slot is its low bits, and
//! [`RunIndex::prefetch`] asks for that line while the other hypotheses' keys are computed, so
//! that their misses overlap instead of following one another. (Without the prefetch this layout
//! was measured level with `hashbrown`'s at stop 23.)

use crate::hint::prefetch;

/// A run: where it starts in its arena and how many scores it holds.
pub(super) type Run = (u32, u32);

#[derive(Clone, Copy, Default)]
struct Slot {
    /// The key; [`EMPTY`] for a free slot.
    key: u64,
    run: Run,
}

/// The key no run has ([`RunIndex`] moves a key that equals it to [`MOVED`]).
const EMPTY: u64 = 0;
const MOVED: u64 = 0x9e37_79b9_7f4a_7c15;

/// Runs by key (keys are hashes: two runs whose keys are equal are taken for the same, as the
/// decoder's keys of 64 bits make all but impossible). Linear probing in a power-of-two table of
/// 16-byte slots kept at most 7/8 full.
#[derive(Clone, Default)]
pub(super) struct RunIndex {
    slots: Vec<Slot>,
    len: usize,
}

impl RunIndex {
    fn mask(&self) -> usize {
        self.slots.len().wrapping_sub(1)
    }

    /// The number of runs held.
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// Forget every run, keeping the room.
    pub(super) fn clear(&mut self) {
        self.slots.fill(Slot::default());
        self.len = 0;
    }

    /// Make room for `n` runs in all.
    pub(super) fn reserve(&mut self, n: usize) {
        let want = (n * 8 / 7 + 1).next_power_of_two().max(16);
        if want > self.slots.len() {
            self.rehash(want);
        }
    }

    /// Fetch the cache line of `key`'s slot, for a look-up soon after.
    #[inline]
    pub(super) fn prefetch(&self, key: u64) {
        if let Some(s) = self.slots.get(key_of(key) as usize & self.mask()) {
            prefetch(s);
        }
    }

    /// Where the run of `key` starts if the index has one of `len` scores; otherwise the run of
    /// `len` scores at `start` becomes `key`'s (in place of one of another length) and `None` is
    /// returned. One probe either way.
    #[inline]
    pub(super) fn get_or_put(&mut self, key: u64, len: u32, start: u32) -> Option<u32> {
        let run = (start, len);
        if (self.len + 1) * 8 > self.slots.len() * 7 {
            self.rehash((self.slots.len() * 2).max(16));
        }
        let key = key_of(key);
        let mask = self.mask();
        let mut i = key as usize & mask;
        loop {
            let s = &mut self.slots[i];
            if s.key == key {
                if s.run.1 == len {
                    return Some(s.run.0);
                }
                s.run = run;
                return None;
            }
            if s.key == EMPTY {
                *s = Slot { key, run };
                self.len += 1;
                return None;
            }
            i = (i + 1) & mask;
        }
    }

    fn rehash(&mut self, size: usize) {
        let old = std::mem::replace(&mut self.slots, vec![Slot::default(); size]);
        let mask = size - 1;
        for s in old.into_iter().filter(|s| s.key != EMPTY) {
            let mut i = s.key as usize & mask;
            while self.slots[i].key != EMPTY {
                i = (i + 1) & mask;
            }
            self.slots[i] = s;
        }
    }
}

/// The key as stored: any key but [`EMPTY`] as it is.
#[inline]
fn key_of(key: u64) -> u64 {
    if key == EMPTY {
        MOVED
    } else {
        key
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every run put is found again by its key and length, through growth and collisions in
    /// the low bits; a length that differs replaces the run; `clear` forgets them all.
    #[test]
    fn runs_are_found_again_through_growth() {
        let mut index = RunIndex::default();
        // (keys that share their low 20 bits collide in any table this size)
        let key = |i: u64| (i << 20) ^ (i % 3);
        for i in 0..5_000u64 {
            assert_eq!(index.get_or_put(key(i), 7, i as u32), None);
        }
        assert_eq!(index.len(), 5_000);
        for i in 0..5_000u64 {
            assert_eq!(index.get_or_put(key(i), 7, 0), Some(i as u32), "{i}");
        }
        // another length: the run is replaced, not found
        assert_eq!(index.get_or_put(key(3), 8, 99), None);
        assert_eq!(index.get_or_put(key(3), 8, 0), Some(99));
        assert_eq!(index.len(), 5_000);
        // the key no slot may hold is a key like any other
        assert_eq!(index.get_or_put(EMPTY, 1, 5), None);
        assert_eq!(index.get_or_put(EMPTY, 1, 0), Some(5));
        index.clear();
        assert_eq!(index.len(), 0);
        assert_eq!(index.get_or_put(key(1), 7, 1), None);
    }
}
