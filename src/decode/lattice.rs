//! What the beam search saw, kept to weigh each slot's readings against each other afterwards.
//!
//! A change's confidence is the posterior of its reading among its slot's readings: the reading's
//! max-marginal (the score of the best path through it) against those of the others. The search
//! has already scored every extension it tried; recording each hypothesis it extended (its score,
//! the LM state it ends in, where the LM terms of the slot's readings after it are in the list
//! cache) and the extensions it kept is enough to get every max-marginal in one backward pass
//! over the kept states (Viterbi's backward half), with no language-model lookup.
//!
//! Max-marginals let the neighbours follow the reading weighed: a reading that only makes sense
//! with other neighbours is weighed with them, not against neighbours fixed to the chosen path.
//! Readings the beam dropped weigh nothing: they fell more than the beam's delta below the best
//! or out of its width. (Weighed instead with the neighbours fixed, as the decoder did before,
//! the two trigrams after each slot looked up per reading were a fifth of the instructions of a
//! restoration of a new document; see the README.)

use super::Cand;

/// The kept part of one beam search over a paragraph's slots, and its max-marginals.
#[derive(Debug, Default, Clone)]
pub(super) struct Lattice {
    /// Per slot, where its records start.
    levels: Vec<Level>,
    /// Per hypothesis extended: its score (best path to it), the cell row (LM word group) its
    /// extensions went to, and where the LM terms of the slot's readings after it start in the
    /// list cache's arena.
    alpha: Vec<f32>,
    group: Vec<u32>,
    run: Vec<u32>,
    /// Per slot, the cells (`group · readings + representative reading`) kept, in the order of
    /// the next beam.
    kept: Vec<u32>,
    /// The end-of-paragraph term of each hypothesis of the last beam.
    end: Vec<f32>,
    /// Per slot, the max-marginals (from [`Lattice::weigh`]) of the readings the beam kept a
    /// path through, `(reading, max-marginal)` by reading (most slots keep two or three: the
    /// others, dropped, weigh nothing).
    marg: Vec<(u32, f32)>,
    /// Scratch of the backward pass: the best path from each hypothesis of a level, and of the
    /// next level, to the end.
    beta: Vec<f32>,
    beta_next: Vec<f32>,
    /// Scratch of the backward pass: the best path through each reading of the level.
    best: Vec<f32>,
}

#[derive(Debug, Clone, Copy)]
struct Level {
    /// First hypothesis record and how many.
    hyp: u32,
    count: u32,
    /// First kept cell record and how many.
    kept: u32,
    kept_n: u32,
    /// First max-marginal record and how many; the slot's readings.
    marg: u32,
    marg_n: u32,
    n: u32,
    /// Log of the sum of the slot's readings' `e^max-marginal`.
    log_z: f32,
}

impl Lattice {
    /// Forget the last search.
    pub(super) fn clear(&mut self) {
        self.levels.clear();
        self.alpha.clear();
        self.group.clear();
        self.run.clear();
        self.kept.clear();
        self.end.clear();
        self.marg.clear();
    }

    /// Make room for a search over `slots` slots with a beam of `width`: a search keeps at most
    /// `width` hypotheses a slot, so the records never grow (grown as they fill, a document-long
    /// paragraph's records were copied a dozen times, some megabytes a restoration). Room only:
    /// memory is touched as records are written.
    pub(super) fn reserve(&mut self, slots: usize, width: usize) {
        self.levels.reserve(slots);
        for v in [&mut self.group, &mut self.run, &mut self.kept] {
            v.reserve(slots * width);
        }
        self.alpha.reserve(slots * width);
        // (most slots keep a path through two or three readings)
        self.marg.reserve(slots * 4);
    }

    /// A new slot.
    pub(super) fn slot(&mut self) {
        self.levels.push(Level {
            hyp: self.alpha.len() as u32,
            count: 0,
            kept: self.kept.len() as u32,
            kept_n: 0,
            marg: 0,
            marg_n: 0,
            n: 0,
            log_z: 0.0,
        });
    }

    /// A hypothesis of score `alpha` extended into cell row `group`, the LM terms of the slot's
    /// readings after it at `run` in the list cache's arena.
    pub(super) fn hyp(&mut self, alpha: f32, group: usize, run: usize) {
        self.alpha.push(alpha);
        self.group.push(group as u32);
        self.run.push(run as u32);
        if let Some(l) = self.levels.last_mut() {
            l.count += 1;
        }
    }

    /// The slot's cells kept, in the order of the next beam.
    pub(super) fn kept(&mut self, cells: impl Iterator<Item = usize>) {
        let at = self.kept.len();
        self.kept.extend(cells.map(|c| c as u32));
        if let Some(l) = self.levels.last_mut() {
            l.kept_n = (self.kept.len() - at) as u32;
        }
    }

    /// The end-of-paragraph term of the next hypothesis of the last beam.
    pub(super) fn end(&mut self, t: f32) {
        self.end.push(t);
    }

    /// Compute every slot's readings' max-marginals, for [`Lattice::posterior`]. `cands(si)` are
    /// slot `si`'s readings as searched; `arena` is the list cache's, which still holds the runs
    /// the search recorded.
    pub(super) fn weigh<'c>(&mut self, cands: impl Fn(usize) -> &'c [Cand], arena: &[f32]) {
        let Self {
            levels,
            alpha,
            group,
            run,
            kept,
            end,
            marg,
            beta,
            beta_next,
            best,
        } = self;
        marg.clear();
        beta_next.clear();
        beta_next.extend_from_slice(end);
        for (si, l) in levels.iter_mut().enumerate().rev() {
            let cands = cands(si);
            let n = cands.len();
            beta.clear();
            let (hyp, count) = (l.hyp as usize, l.count as usize);
            beta.resize(count, f32::NEG_INFINITY);
            let kept = kept
                .get(l.kept as usize..(l.kept + l.kept_n) as usize)
                .unwrap_or(&[]);
            let (alpha, group, run) = (
                &alpha[hyp..hyp + count],
                &group[hyp..hyp + count],
                &run[hyp..hyp + count],
            );
            // (a slot of one reading, a number or a mark, has the posterior 1: its paths' ends
            // are weighed, for the slots before it, but no max-marginal is kept)
            let weighed = n > 1;
            let first = marg.len();
            l.marg = first as u32;
            best.clear();
            best.resize(n, f32::NEG_INFINITY);
            // (readings that share an LM word share a cell, under the first of them)
            let shared = cands
                .iter()
                .enumerate()
                .any(|(i, c)| usize::from(c.rep) != i);
            // Each kept cell's extensions: from every hypothesis of its group (the cell kept
            // only the best, but all of them reach its state), by its reading.
            for (&cell, &b) in kept.iter().zip(beta_next.iter()) {
                if b == f32::NEG_INFINITY {
                    continue;
                }
                let (g, r) = (cell as usize / n, cell as usize % n);
                for k in (0..count).filter(|&k| group[k] as usize == g) {
                    let Some(terms) = arena.get(run[k] as usize..run[k] as usize + n) else {
                        continue;
                    };
                    let mut edge = |c: usize| {
                        let v = terms[c] - cands[c].cost + b;
                        beta[k] = beta[k].max(v);
                        if !weighed {
                            return;
                        }
                        if let Some(x) = best.get_mut(c) {
                            *x = x.max(alpha[k] + v);
                        }
                    };
                    if shared {
                        (r..n)
                            .filter(|&c| usize::from(cands[c].rep) == r)
                            .for_each(edge);
                    } else {
                        edge(r);
                    }
                }
            }
            if weighed {
                // (the slot's records, in reading order: the readings some kept path goes through)
                marg.extend(
                    best.iter()
                        .enumerate()
                        .filter(|e| *e.1 > f32::NEG_INFINITY)
                        .map(|(c, &m)| (c as u32, m)),
                );
                let m = &marg[first..];
                l.marg_n = m.len() as u32;
                let max = m.iter().map(|e| e.1).fold(f32::NEG_INFINITY, f32::max);
                let z: f32 = m.iter().map(|e| (e.1 - max).exp()).sum();
                // (no path through the slot survived, which the chosen one always does: then it
                // reads as a slot of one reading)
                l.n = if max == f32::NEG_INFINITY {
                    0
                } else {
                    n as u32
                };
                l.log_z = max + z.ln();
            }
            std::mem::swap(beta, beta_next);
        }
    }

    /// The posterior of reading `c` of slot `si` (0..1) after [`Lattice::weigh`]: its
    /// max-marginal's share of all the slot's readings'. 1 for a slot of one reading.
    pub(super) fn posterior(&self, si: usize, c: usize) -> f32 {
        match self.levels.get(si) {
            Some(l) if l.n > 1 => {
                let (at, len) = (l.marg as usize, l.marg_n as usize);
                let level = self.marg.get(at..at + len).unwrap_or(&[]);
                let m = level.iter().find(|e| e.0 as usize == c);
                m.map_or(0.0, |e| (e.1 - l.log_z).exp().clamp(0.0, 1.0))
            }
            _ => 1.0,
        }
    }
}
