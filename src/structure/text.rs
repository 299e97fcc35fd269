//! The two texts side by side: the restored text, where everything is found, and the original,
//! where every span must point. Lines correspond one to one; within a line, whitespace-separated
//! tokens correspond one to one (restoration changes letters, not spacing), so an offset in a
//! restored token maps to the same offset in the original token, clamped to its length. When a
//! line's token counts differ, offsets fall back to the line's start (and ends to its end).

use crate::schema::Span;
use crate::{Error, Result};

/// One line of both texts.
#[derive(Debug, Clone)]
struct Line {
    /// Byte offset of the line in the restored text.
    rbyte: usize,
    /// Length of the restored line in bytes.
    rlen: usize,
    /// Character offset of the line in the original text.
    ochar: usize,
    /// Length of the original line in characters.
    olen: usize,
    /// Token char ranges of the restored line.
    rtok: Vec<(usize, usize)>,
    /// Byte offset of each restored token in its line: a span's token is found by binary search
    /// (a long line holds thousands of spans, and counting or walking it for each was quadratic).
    rtok_byte: Vec<usize>,
    /// Token char ranges of the original line.
    otok: Vec<(usize, usize)>,
}

/// Restored and original text with the line table that maps spans between them.
#[derive(Debug, Clone)]
pub struct Text<'a> {
    /// The original input.
    pub original: &'a str,
    /// The restored text.
    pub restored: &'a str,
    /// The restored text with newlines turned into spaces (same byte offsets), for patterns that
    /// run across line breaks.
    pub flat: String,
    lines: Vec<Line>,
}

/// The whitespace-separated tokens of `line` as character ranges, and each one's byte offset.
fn tokens(line: &str) -> (Vec<(usize, usize)>, Vec<usize>) {
    let mut out = Vec::new();
    let mut bytes = Vec::new();
    let mut start = None;
    let mut n = 0;
    for (i, (b, c)) in line.char_indices().enumerate() {
        n = i + 1;
        if c.is_whitespace() {
            if let Some(s) = start.take() {
                out.push((s, i));
            }
        } else if start.is_none() {
            start = Some(i);
            bytes.push(b);
        }
    }
    if let Some(s) = start {
        out.push((s, n));
    }
    (out, bytes)
}

impl<'a> Text<'a> {
    /// Pair the texts.
    ///
    /// # Errors
    /// [`Error::Input`] when the line counts differ (ignoring one trailing newline).
    pub fn new(original: &'a str, restored: &'a str, source: &str) -> Result<Self> {
        let o: Vec<&str> = original.split('\n').collect();
        let r: Vec<&str> = restored.split('\n').collect();
        let trim = |v: &[&str]| {
            let mut n = v.len();
            while n > 1 && v.get(n - 1).is_some_and(|l| l.is_empty()) {
                n -= 1;
            }
            n
        };
        if trim(&o) != trim(&r) {
            return Err(Error::Input {
                path: source.to_string(),
                reason: format!(
                    "original has {} lines, restored has {}: they must correspond line for line",
                    trim(&o),
                    trim(&r)
                ),
            });
        }
        let mut lines = Vec::with_capacity(r.len());
        let (mut rbyte, mut ochar) = (0, 0);
        for (i, rl) in r.iter().enumerate() {
            let ol = o.get(i).copied().unwrap_or("");
            let olen = ol.chars().count();
            let (rtok, rtok_byte) = tokens(rl);
            lines.push(Line {
                rbyte,
                rlen: rl.len(),
                ochar,
                olen,
                rtok,
                rtok_byte,
                otok: tokens(ol).0,
            });
            rbyte += rl.len() + 1;
            ochar += olen + 1;
        }
        Ok(Text {
            original,
            restored,
            flat: restored.replace('\n', " "),
            lines,
        })
    }

    /// Number of lines.
    #[must_use]
    pub fn line_count(&self) -> usize {
        self.lines.len()
    }

    /// The restored line `i` (0-based), without its newline.
    #[must_use]
    pub fn line(&self, i: usize) -> &'a str {
        self.lines
            .get(i)
            .and_then(|l| self.restored.get(l.rbyte..l.rbyte + l.rlen))
            .unwrap_or("")
    }

    /// Byte range of restored line `i` in the restored text.
    #[must_use]
    pub fn line_bytes(&self, i: usize) -> (usize, usize) {
        self.lines
            .get(i)
            .map_or((0, 0), |l| (l.rbyte, l.rbyte + l.rlen))
    }

    /// The 0-based line holding restored byte `b`.
    #[must_use]
    pub fn line_of(&self, b: usize) -> usize {
        self.lines
            .partition_point(|l| l.rbyte <= b)
            .saturating_sub(1)
    }

    fn map(&self, li: usize, b: usize, is_end: bool) -> usize {
        let Some(l) = self.lines.get(li) else {
            return self.original.chars().count();
        };
        if l.rtok.len() != l.otok.len() {
            return l.ochar + if is_end { l.olen } else { 0 };
        }
        let local = b.saturating_sub(l.rbyte).min(l.rlen);
        // The last token starting at or before `local`, and `local` in characters (counted from
        // that token's start only).
        let k = l.rtok_byte.partition_point(|&s| s <= local).checked_sub(1);
        let (from_byte, from_char) = k.map_or((0, 0), |k| (l.rtok_byte[k], l.rtok[k].0));
        let c = from_char
            + self
                .restored
                .get(l.rbyte + from_byte..l.rbyte + local)
                .map_or(0, |s| s.chars().count());
        let (prev_end_r, prev_end_o) = match k {
            Some(k) => {
                let ((rs, re), (os, oe)) = (l.rtok[k], l.otok[k]);
                if c <= re {
                    // Starts count from the token start, ends from the token end, so that a
                    // changed letter count inside a token moves neither edge of a span.
                    let off = if is_end {
                        oe - (re - c).min(oe - os)
                    } else {
                        os + (c - rs).min(oe - os)
                    };
                    return l.ochar + off;
                }
                (re, oe)
            }
            None => (0, 0),
        };
        // In the gap after token `k` (or before the first): clamped to the next token's start.
        let next = k.map_or(0, |k| k + 1);
        let limit = l.otok.get(next).map_or(l.olen, |t| t.0);
        l.ochar + (prev_end_o + (c - prev_end_r)).min(limit)
    }

    /// Map a restored byte range to (1-based line, original character span).
    #[must_use]
    pub fn span(&self, start: usize, end: usize) -> (usize, Span) {
        let l1 = self.line_of(start);
        let l2 = if end > start {
            self.line_of(end - 1)
        } else {
            l1
        };
        let s = self.map(l1, start, false);
        let e = self.map(l2, end, true).max(s);
        (l1 + 1, [s, e])
    }

    /// Span of a whole trimmed line `i` (0-based), as restored byte range.
    #[must_use]
    pub fn trimmed_line_bytes(&self, i: usize) -> (usize, usize) {
        let (s, _) = self.line_bytes(i);
        let line = self.line(i);
        let lead = line.len() - line.trim_start().len();
        let t = line.trim();
        (s + lead, s + lead + t.len())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    /// The mapping as it was first written: characters counted from the line's start, tokens
    /// walked from the first (quadratic over a long line, but plainly right).
    fn map_by_walking(t: &Text, li: usize, b: usize, is_end: bool) -> usize {
        let l = &t.lines[li];
        let local = b.saturating_sub(l.rbyte).min(l.rlen);
        let c = t.restored[l.rbyte..l.rbyte + local].chars().count();
        if l.rtok.len() != l.otok.len() {
            return l.ochar + if is_end { l.olen } else { 0 };
        }
        let (mut prev_r, mut prev_o) = (0, 0);
        for (&(rs, re), &(os, oe)) in l.rtok.iter().zip(&l.otok) {
            if c < rs {
                return l.ochar + (prev_o + (c - prev_r)).min(os);
            }
            if c <= re {
                let off = if is_end {
                    oe - (re - c).min(oe - os)
                } else {
                    os + (c - rs).min(oe - os)
                };
                return l.ochar + off;
            }
            prev_r = re;
            prev_o = oe;
        }
        l.ochar + (prev_o + (c - prev_r)).min(l.olen)
    }

    proptest! {
        /// At every character boundary of every line, the binary search maps as the walk does:
        /// tokens whose restored form is longer or shorter, runs of spaces, leading and trailing
        /// spaces, lines whose token counts differ.
        #[test]
        fn map_agrees_with_walking_every_token(
            words in proptest::collection::vec(
                (0usize..4, 0usize..3, prop::sample::select(vec!["Chi", "s6", "dat", "82.92", "x"]),
                 prop::sample::select(vec!["Chỉ", "số", "đạt", "82.92", "xã", "ngày"])),
                0..12,
            ),
            split_at in 0usize..12,
        ) {
            let (mut o, mut r) = (String::new(), String::new());
            for (i, (sp_o, sp_r, wo, wr)) in words.iter().enumerate() {
                let sep = if i == split_at { "\n" } else { "" };
                o.push_str(sep);
                r.push_str(sep);
                o.push_str(&" ".repeat(*sp_o));
                r.push_str(&" ".repeat(*sp_o + *sp_r));
                o.push_str(wo);
                r.push_str(wr);
            }
            let t = Text::new(&o, &r, "t").unwrap();
            for li in 0..t.line_count() {
                let (a, b) = t.line_bytes(li);
                for pos in (a..=b).filter(|&p| r.is_char_boundary(p)) {
                    for is_end in [false, true] {
                        prop_assert_eq!(t.map(li, pos, is_end), map_by_walking(&t, li, pos, is_end));
                    }
                }
            }
        }
    }

    #[test]
    fn maps_changed_tokens_back_to_the_original() {
        let o = "Chi s6 dat 82.92 diém\nxép hang 51/63";
        let r = "Chỉ số đạt 82.92 điểm\nxếp hạng 51/63";
        let t = Text::new(o, r, "t").unwrap();
        let b = r.find("82.92").unwrap();
        let (line, span) = t.span(b, b + 5);
        assert_eq!(line, 1);
        let got: String = o.chars().skip(span[0]).take(span[1] - span[0]).collect();
        assert_eq!(got, "82.92");
        let b = r.find("51/63").unwrap();
        let (line, span) = t.span(b, b + 5);
        assert_eq!(line, 2);
        let got: String = o.chars().skip(span[0]).take(span[1] - span[0]).collect();
        assert_eq!(got, "51/63");
    }

    #[test]
    fn rejects_different_line_counts() {
        assert!(Text::new("a\nb", "a", "t").is_err());
        assert!(Text::new("a\n", "a", "t").is_ok());
    }
}
