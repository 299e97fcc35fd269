//! The text's lines, grouped into the paragraphs the decoder reads as one.
//!
//! A paragraph's lines are decoded together: the language model's context crosses line ends,
//! which in OCR text are the page's, not the sentence's. But OCR output often has no blank lines
//! at all, so a "paragraph" can be a whole file, and the decoder's memory for one (its slots,
//! lattice and token lists) grows with it, as does the work of its re-segmentation passes
//! (each accepted proposal rebuilds the paragraph's slots). A file of megabytes without a blank
//! line took gigabytes. So a paragraph is cut once it holds [`SOFT_BYTES`], after the next line
//! that ends a sentence (where the context the cut loses matters least), and at the next line end
//! whatever it ends with once it holds [`HARD_BYTES`]; a line longer than [`SOFT_BYTES`] is
//! itself cut into parts the same way, at a space. Both limits are above every document of our
//! dev sets (64 KB at most), so the decoder reads those as before.

/// A paragraph is cut after the first line that ends a sentence once it holds this many bytes.
pub(super) const SOFT_BYTES: usize = 96 * 1024;
/// A paragraph is cut at the first line end once it holds this many bytes, and a line that has
/// no sentence end between [`SOFT_BYTES`] and this many bytes is cut at its first space after.
pub(super) const HARD_BYTES: usize = 256 * 1024;

/// A line of the text, or a part of a line too long to decode in one piece.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct LinePart<'t> {
    /// Byte offset of `content` in the text.
    pub start: usize,
    /// The text of the part, without the line terminator.
    pub content: &'t str,
    /// The line terminator (`\n`, `\r\n` or none) after `content`: empty for every part of a long
    /// line but its last.
    pub term: &'t str,
    /// The line's number, from 1 (the same for every part of a line).
    pub line_no: usize,
    /// Whether this part starts its line.
    pub first: bool,
    /// Whether this part ends its line.
    pub last: bool,
}

impl LinePart<'_> {
    /// Whether the part holds nothing but white space: it separates paragraphs.
    pub fn is_blank(&self) -> bool {
        self.content.trim().is_empty()
    }
}

/// The text's lines in order, each long line cut into parts (see the module's comment).
/// Concatenated, the parts' contents and terminators give the text back.
pub(super) fn line_parts(text: &str, soft: usize, hard: usize) -> Vec<LinePart<'_>> {
    let mut parts = Vec::new();
    let mut pos = 0usize;
    let mut line_no = 0usize;
    while pos < text.len() {
        line_no += 1;
        let rest = &text[pos..];
        let (content, term) = match rest.find('\n') {
            Some(i) => {
                let c = &rest[..i];
                match c.strip_suffix('\r') {
                    Some(c2) => (c2, &rest[c2.len()..=i]),
                    None => (c, &rest[i..=i]),
                }
            }
            None => (rest, ""),
        };
        let mut offset = 0;
        let mut first = true;
        while let Some(cut) = cut_line(&content[offset..], soft, hard) {
            parts.push(LinePart {
                start: pos + offset,
                content: &content[offset..offset + cut],
                term: "",
                line_no,
                first,
                last: false,
            });
            offset += cut;
            first = false;
        }
        parts.push(LinePart {
            start: pos + offset,
            content: &content[offset..],
            term,
            line_no,
            first,
            last: true,
        });
        pos += content.len() + term.len();
    }
    parts
}

/// Where to cut a line's `rest` (the byte just after the space the cut follows), when it is
/// longer than `soft`: after the first space past `soft` that follows a sentence's end, or failing
/// one before `hard`, after the first space past `hard`; `None` when it is short enough or has no
/// space to cut at.
fn cut_line(rest: &str, soft: usize, hard: usize) -> Option<usize> {
    if rest.len() <= soft {
        return None;
    }
    let mut from = soft;
    while !rest.is_char_boundary(from) {
        from += 1;
    }
    let mut prev = rest[..from].chars().next_back();
    let mut first_space_past_hard = None;
    for (i, c) in rest[from..].char_indices() {
        let at = from + i;
        if c.is_whitespace() {
            let after = at + c.len_utf8();
            if prev.is_some_and(ends_sentence_char) && at < hard {
                return Some(after).filter(|&a| a < rest.len());
            }
            if at >= hard {
                first_space_past_hard = Some(after);
                break;
            }
        }
        prev = Some(c);
    }
    first_space_past_hard.filter(|&a| a < rest.len())
}

/// Whether a sentence may end with `c`.
fn ends_sentence_char(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | ';' | ':' | '…')
}

/// Whether `content` (a line, or a line's part) ends a sentence.
fn ends_sentence(content: &str) -> bool {
    content
        .trim_end()
        .chars()
        .next_back()
        .is_some_and(ends_sentence_char)
}

/// The end (exclusive) of the paragraph that starts at `parts[from]`, a part that is not blank:
/// at the next blank part, after a part that does not end its line, or where the paragraph has
/// grown past the limits (see the module's comment).
pub(super) fn paragraph_end(
    parts: &[LinePart<'_>],
    from: usize,
    soft: usize,
    hard: usize,
) -> usize {
    let mut bytes = 0usize;
    let mut i = from;
    while let Some(p) = parts.get(i).filter(|p| !p.is_blank()) {
        bytes += p.content.len();
        i += 1;
        if !p.last || bytes >= hard || (bytes >= soft && ends_sentence(p.content)) {
            break;
        }
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joined(parts: &[LinePart<'_>]) -> String {
        parts
            .iter()
            .map(|p| format!("{}{}", p.content, p.term))
            .collect()
    }

    /// The paragraphs as ranges of parts, as the decoder walks them (blank parts skipped).
    fn paragraphs(parts: &[LinePart<'_>], soft: usize, hard: usize) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < parts.len() {
            if parts[i].is_blank() {
                i += 1;
                continue;
            }
            let end = paragraph_end(parts, i, soft, hard);
            assert!(end > i, "a paragraph holds at least its first part");
            out.push((i, end));
            i = end;
        }
        out
    }

    #[test]
    fn short_lines_are_whole_and_blank_lines_separate_paragraphs() {
        let text = "Kết luận của\r\nChủ tịch UBND.\n\n  \nVề việc\ntriển khai";
        let parts = line_parts(text, SOFT_BYTES, HARD_BYTES);
        assert_eq!(parts.len(), 6);
        assert_eq!(joined(&parts), text);
        assert_eq!(parts[0].term, "\r\n");
        assert_eq!(parts[5].term, "");
        assert!(parts.iter().all(|p| p.first && p.last));
        assert_eq!(
            parts.iter().map(|p| p.line_no).collect::<Vec<_>>(),
            [1, 2, 3, 4, 5, 6]
        );
        assert_eq!(parts[4].start, text.find("Về").unwrap_or(0));
        assert_eq!(paragraphs(&parts, SOFT_BYTES, HARD_BYTES), [(0, 2), (4, 6)]);
    }

    #[test]
    fn a_long_paragraph_is_cut_after_a_sentence_end_past_the_soft_limit() {
        // lines of 12 bytes; every third ends a sentence
        let text = "tinh tai co\nhop ve viec\ntrien khai.\n".repeat(10);
        let parts = line_parts(&text, 40, 1000);
        assert_eq!(parts.len(), 30);
        let paras = paragraphs(&parts, 40, 1000);
        // 40 bytes are reached at the fourth line; the next sentence ends at the sixth
        assert_eq!(paras[0], (0, 6));
        for &(a, b) in &paras {
            let bytes: usize = parts[a..b].iter().map(|p| p.content.len()).sum();
            assert!(bytes >= 40 || b == parts.len(), "cut too early at {a}..{b}");
            assert!(parts[b - 1].content.ends_with('.'));
        }
        assert_eq!(paras.last().map(|p| p.1), Some(30));
    }

    #[test]
    fn without_sentence_ends_a_paragraph_is_cut_at_the_hard_limit() {
        let text = "tinh tai co\n".repeat(20);
        let parts = line_parts(&text, 20, 50);
        let paras = paragraphs(&parts, 20, 50);
        // five lines of 11 bytes reach 50
        assert_eq!(paras[0], (0, 5));
        assert_eq!(paras.len(), 4);
    }

    #[test]
    fn a_long_line_is_cut_at_a_space_after_a_sentence_end() {
        let sentence = "Kết luận của Chủ tịch tại cuộc họp. ";
        let line = sentence.repeat(8);
        let text = format!("{}\nsau\n", line.trim_end());
        let soft = sentence.len() * 2 + 3;
        let parts = line_parts(&text, soft, 10_000);
        assert_eq!(joined(&parts), text);
        let first_line: Vec<_> = parts.iter().filter(|p| p.line_no == 1).collect();
        // each part but the last: past the soft limit, ending in ". "
        assert_eq!(first_line.len(), 3);
        for p in &first_line[..2] {
            assert!(p.content.len() > soft && p.content.ends_with(". "), "{p:?}");
            assert!(!p.last && p.term.is_empty());
            assert!(text[p.start..].starts_with(p.content));
        }
        assert!(first_line[0].first && !first_line[1].first);
        assert!(first_line[2].last && first_line[2].term == "\n");
        assert_eq!(parts.last().map(|p| p.content), Some("sau"));
        // each part of a cut line is a paragraph of its own
        let paras = paragraphs(&parts, soft, 10_000);
        assert_eq!(paras[..3], [(0, 1), (1, 2), (2, 4)]);
    }

    #[test]
    fn a_line_without_sentence_ends_is_cut_past_the_hard_limit_and_one_without_spaces_is_not() {
        let line = "chữ ".repeat(100);
        let parts = line_parts(&line, 30, 60);
        assert_eq!(joined(&parts), line);
        assert!(parts.len() > 2);
        for p in &parts[..parts.len() - 1] {
            assert!(p.content.len() > 60 && p.content.len() <= 60 + "chữ ".len());
        }
        let blob = "x".repeat(500);
        assert_eq!(line_parts(&blob, 30, 60).len(), 1);
        // a space only at the very end is not a cut either (nothing would follow it)
        let tail = format!("{} ", "ư".repeat(100));
        assert_eq!(line_parts(&tail, 30, 60).len(), 1);
    }
}
