//! Sequence alignment shared by evaluation and by channel-model training.
//!
//! OCR output and its gold text are "line-aligned" only approximately: the engine sometimes merges
//! or splits a printed line. [`align_lines`] pairs lines by the similarity of their letter skeletons
//! (allowing 1:0, 0:1, 2:1 and 1:2 steps), the same method as the reference `score.py`, and
//! [`levenshtein_align`] pairs the items of two sequences under a caller-given substitution cost.

use std::collections::BTreeSet;

/// Letter skeleton used to compare lines: lowercase letters without marks.
fn skel(line: &str) -> Vec<char> {
    use unicode_normalization::UnicodeNormalization;
    line.nfd()
        .filter(|c| c.is_alphabetic())
        .flat_map(|c| c.to_lowercase())
        .map(|c| if c == 'đ' { 'd' } else { c })
        .collect()
}

fn grams(line: &str) -> BTreeSet<[char; 3]> {
    let k = skel(line);
    let mut out = BTreeSet::new();
    if k.len() < 3 {
        let mut g = [' '; 3];
        for (i, c) in k.iter().enumerate() {
            g[i] = *c;
        }
        out.insert(g);
    } else {
        for w in k.windows(3) {
            out.insert([w[0], w[1], w[2]]);
        }
    }
    out
}

/// Pair gold lines with hypothesis lines (blank lines are dropped first). Returns groups of gold
/// lines joined by a space, paired with groups of hypothesis lines; an empty string stands for a gap.
#[must_use]
pub fn align_lines(gold: &[&str], hyp: &[&str]) -> Vec<(String, String)> {
    let join = |lines: &[&str], idx: &[usize]| -> String {
        idx.iter().map(|&i| lines[i]).collect::<Vec<_>>().join(" ")
    };
    align_line_groups(gold, hyp)
        .into_iter()
        .map(|(gi, hi)| (join(gold, &gi), join(hyp, &hi)))
        .collect()
}

/// [`align_lines`] as the indices of the lines in each group (into `gold` and `hyp`), for callers
/// that need to know where a group's words came from.
#[must_use]
pub fn align_line_groups(gold: &[&str], hyp: &[&str]) -> Vec<(Vec<usize>, Vec<usize>)> {
    let non_blank = |lines: &[&str]| -> Vec<usize> {
        (0..lines.len())
            .filter(|&i| !lines[i].trim().is_empty())
            .collect()
    };
    let (gi, hi) = (non_blank(gold), non_blank(hyp));
    let g: Vec<&str> = gi.iter().map(|&i| gold[i]).collect();
    let h: Vec<&str> = hi.iter().map(|&i| hyp[i]).collect();
    let gg: Vec<_> = g.iter().map(|l| grams(l)).collect();
    let hg: Vec<_> = h.iter().map(|l| grams(l)).collect();
    let (n, m) = (g.len(), h.len());
    let cost = |i0: usize, i1: usize, j0: usize, j1: usize| -> f64 {
        let a: BTreeSet<_> = gg[i0..i1].iter().flatten().copied().collect();
        let b: BTreeSet<_> = hg[j0..j1].iter().flatten().copied().collect();
        let inter = a.intersection(&b).count() as f64;
        let uni = a.union(&b).count().max(1) as f64;
        1.0 - inter / uni
    };
    const GAP: f64 = 0.9;
    let inf = f64::INFINITY;
    let mut d = vec![vec![inf; m + 1]; n + 1];
    let mut bp = vec![vec![(0usize, 0usize); m + 1]; n + 1];
    d[0][0] = 0.0;
    // Band the search around the diagonal so long files stay cheap.
    let band = 40 + n.abs_diff(m);
    for i in 0..=n {
        let lo = (i * m / n.max(1)).saturating_sub(band);
        let hi = (i * m / n.max(1) + band).min(m);
        for j in lo..=hi {
            let here = d[i][j];
            if here == inf {
                continue;
            }
            for (di, dj) in [(1, 1), (1, 0), (0, 1), (2, 1), (1, 2)] {
                let (ni, nj) = (i + di, j + dj);
                if ni > n || nj > m {
                    continue;
                }
                let c = if di == 0 || dj == 0 {
                    GAP
                } else {
                    cost(i, ni, j, nj) * if di + dj == 2 { 1.0 } else { 1.6 }
                };
                if here + c < d[ni][nj] {
                    d[ni][nj] = here + c;
                    bp[ni][nj] = (i, j);
                }
            }
        }
    }
    let mut out = Vec::new();
    let (mut i, mut j) = (n, m);
    while i > 0 || j > 0 {
        let (pi, pj) = bp[i][j];
        if (pi, pj) == (i, j) {
            break; // unreachable cell (outside band): give up cleanly
        }
        out.push((gi[pi..i].to_vec(), hi[pj..j].to_vec()));
        i = pi;
        j = pj;
    }
    out.reverse();
    out
}

/// Levenshtein alignment of `a` and `b` where replacing `x` by `y` costs `sub(x, y)` (0 for a
/// match) and an insertion or deletion costs `indel`. Returns index pairs, `None` for a gap.
pub fn levenshtein_align<A, B>(
    a: &[A],
    b: &[B],
    indel: f64,
    mut sub: impl FnMut(&A, &B) -> f64,
) -> Vec<(Option<usize>, Option<usize>)> {
    let (n, m) = (a.len(), b.len());
    let w = m + 1;
    let mut d = vec![0f64; (n + 1) * w];
    for i in 0..=n {
        d[i * w] = i as f64 * indel;
    }
    for j in 0..=m {
        d[j] = j as f64 * indel;
    }
    for i in 1..=n {
        for j in 1..=m {
            let s = d[(i - 1) * w + j - 1] + sub(&a[i - 1], &b[j - 1]);
            let x = d[(i - 1) * w + j] + indel;
            let y = d[i * w + j - 1] + indel;
            d[i * w + j] = s.min(x).min(y);
        }
    }
    let mut out = Vec::with_capacity(n.max(m));
    let (mut i, mut j) = (n, m);
    while i > 0 || j > 0 {
        if i > 0 && j > 0 {
            let s = d[(i - 1) * w + j - 1] + sub(&a[i - 1], &b[j - 1]);
            if (d[i * w + j] - s).abs() < 1e-9 {
                out.push((Some(i - 1), Some(j - 1)));
                i -= 1;
                j -= 1;
                continue;
            }
        }
        if i > 0 && (j == 0 || (d[i * w + j] - (d[(i - 1) * w + j] + indel)).abs() < 1e-9) {
            out.push((Some(i - 1), None));
            i -= 1;
        } else {
            out.push((None, Some(j - 1)));
            j -= 1;
        }
    }
    out.reverse();
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn lines_merge_and_split() {
        let gold = [
            "Kết luận của Chủ tịch",
            "Ban Chỉ đạo",
            "cải cách hành chính",
        ];
        let hyp = ["Két luan ctia Chii tich", "Ban Chi dao cai cach hanh chinh"];
        let p = align_lines(&gold, &hyp);
        assert_eq!(p.len(), 2);
        assert_eq!(p[1].0, "Ban Chỉ đạo cải cách hành chính");
    }

    #[test]
    fn tokens() {
        let a = ["a", "b", "c"];
        let b = ["a", "c"];
        let al = levenshtein_align(&a, &b, 1.0, |x, y| if x == y { 0.0 } else { 1.0 });
        assert_eq!(
            al,
            vec![(Some(0), Some(0)), (Some(1), None), (Some(2), Some(1))]
        );
    }
}
