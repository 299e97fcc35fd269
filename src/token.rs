//! Split a line into word, number, punctuation and space tokens with byte spans.
//!
//! One tokenizer is shared by the language-model trainer and the decoder so that both see the same
//! units. OCR of Vietnamese without a Vietnamese model turns diacritics into symbols and digits
//! (`S&` for Sở, `c4c` for các, `tru'c` for trực), so a word here is a run of letters, digits,
//! combining marks and those look-alike symbols that holds at least one letter; a run of digits alone
//! (with `.`/`,` between digits, as in `7.946` or `16,3`) is a number. Everything else is kept as
//! punctuation or space, so a text can always be rebuilt exactly from its tokens.

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// Letters, possibly mixed with digits or OCR look-alike symbols (`ctia`, `s6`, `S&`, `UBND`).
    Word,
    /// Digits, with `.` or `,` allowed between digits (`2023`, `7.946`, `16,3`).
    Number,
    /// One punctuation or symbol character.
    Punct,
    /// A run of whitespace.
    Space,
}

/// A token: kind and byte span `[start, end)` in the tokenized string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// Kind of token.
    pub kind: TokenKind,
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset one past the last byte.
    pub end: usize,
}

impl Token {
    /// The token's text in `s`, the string it was made from.
    #[must_use]
    pub fn text<'a>(&self, s: &'a str) -> &'a str {
        s.get(self.start..self.end).unwrap_or("")
    }
}

/// Marks that OCR engines without a Vietnamese model print for a hook or horn when they glue them
/// after the word (`si?` for sử, `tv’` for từ): the channel trainer, the decoder and the candidate
/// table all read such a mark with the word before it.
#[must_use]
pub fn is_glue_mark(s: &str) -> bool {
    matches!(s, "?" | "’" | "'")
}

/// Tens and ones of the standard roman numerals I to XXXIX.
const ROMAN_TENS: [&str; 4] = ["", "X", "XX", "XXX"];
const ROMAN_ONES: [&str; 10] = ["", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX"];

/// The standard roman numeral of `v` (1 to 39), in capitals.
#[must_use]
pub fn roman_of(v: u32) -> Option<String> {
    if v == 0 {
        return None;
    }
    let (t, o) = (v as usize / 10, v as usize % 10);
    Some(format!("{}{}", ROMAN_TENS.get(t)?, ROMAN_ONES.get(o)?))
}

/// A roman numeral as OCR writes it, where a capital `I` is often read as `l`, `1` or, after the
/// first letter, `i` (`Il` for `II`, `Ill` for `III`, `Vil` for `VII`): the numeral in standard
/// capitals and its value, for numerals I to XXXIX written in the standard form and starting with
/// a real capital `I`, `V` or `X`, or with a look-alike before a real `V` or `X` (`1V` for IV; but
/// `ll`, `1l` and `lI` are not numerals). Whether a token that
/// looks like one is one depends on where it stands (a heading's number, `quý II`), which the
/// caller decides.
#[must_use]
pub fn roman_numeral(s: &str) -> Option<(String, u32)> {
    // A real capital first, or a look-alike first before a real V or X (`1V` for IV).
    let real_first = s.starts_with(['I', 'V', 'X']);
    if !(real_first || s.starts_with(['l', '1']) && s.contains(['V', 'X'])) {
        return None;
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        out.push(match c {
            'I' | 'V' | 'X' => c,
            'l' | '1' | 'i' => 'I',
            // a capital `L` after an `I` (`VIIL` for VIII): never a fifty there (`IL` is no
            // numeral), while `XL` stays forty, outside this range
            'L' if out.ends_with('I') => 'I',
            _ => return None,
        });
    }
    // Standard forms are unique: some tens part, then exactly one ones part.
    let value = (0..ROMAN_TENS.len()).find_map(|t| {
        let rest = out.strip_prefix(ROMAN_TENS[t])?;
        let o = ROMAN_ONES.iter().position(|x| *x == rest)?;
        Some(t * 10 + o)
    })?;
    (value > 0).then_some((out, value as u32))
}

/// A number OCR wrote with letters for its ones (`II` for 11 in `tháng II`, `I` for 1 in
/// `Điều I.`): a capital `I`, a small `l` or a bar `|` read as `1`, other characters kept. For
/// places where only digits can stand (an article's number, a date's day and month).
#[must_use]
pub fn ones_as_digits(s: &str) -> String {
    s.chars()
        .map(|c| if matches!(c, 'I' | 'l' | '|') { '1' } else { c })
        .collect()
}

/// Symbols that OCR engines without a Vietnamese model produce in place of marked letters; they
/// belong to the word they touch.
#[must_use]
pub fn is_lookalike_symbol(c: char) -> bool {
    matches!(
        c,
        '&' | '@' | '®' | '©' | '¢' | '€' | '¥' | '£' | '§' | '°' | 'º' | 'ª' | '¬' | '¡' | '¿'
    )
}

/// Apostrophe-like characters that OCR puts where a horn (ơ, ư) was; kept inside a word only.
#[must_use]
pub fn is_inner_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | '‘' | '`' | '´')
}

fn is_combining(c: char) -> bool {
    ('\u{0300}'..='\u{036F}').contains(&c)
}

fn is_core(c: char) -> bool {
    c.is_alphanumeric() || is_combining(c) || is_lookalike_symbol(c)
}

/// Tokenize `s`. Concatenating the token texts gives back `s` exactly.
#[must_use]
pub fn tokenize(s: &str) -> Vec<Token> {
    let mut out = Vec::new();
    tokenize_into(s, &mut out);
    out
}

/// Tokenize `s` into a reused buffer (cleared first). One pass over the characters with a
/// look-ahead of one (no per-line buffer of characters: the decoder tokenizes every line).
pub fn tokenize_into(s: &str, out: &mut Vec<Token>) {
    out.clear();
    let mut pos = 0;
    while let Some(c) = s.get(pos..).and_then(|r| r.chars().next()) {
        let start = pos;
        pos += c.len_utf8();
        if c.is_whitespace() {
            while let Some(d) = s[pos..].chars().next().filter(|d| d.is_whitespace()) {
                pos += d.len_utf8();
            }
            out.push(Token {
                kind: TokenKind::Space,
                start,
                end: pos,
            });
        } else if is_core(c) {
            // Extend over core chars and apostrophes that sit between core chars. (`prev` is the
            // last character taken; `numeric`, whether all taken so far are digits or `.`/`,`,
            // which the token's kind reads too.)
            let mut prev = c;
            let mut numeric = is_number_char(c);
            loop {
                let mut rest = s[pos..].chars();
                let Some(cj) = rest.next() else { break };
                if is_core(cj) {
                    numeric &= is_number_char(cj);
                    prev = cj;
                    pos += cj.len_utf8();
                    continue;
                }
                let next = rest.next();
                let inner = match next {
                    Some(nx) if is_inner_apostrophe(cj) && is_core(nx) => Some(nx),
                    // A digit group separator inside a number.
                    Some(nx)
                        if (cj == '.' || cj == ',')
                            && nx.is_ascii_digit()
                            && prev.is_ascii_digit()
                            && numeric =>
                    {
                        Some(nx)
                    }
                    _ => None,
                };
                let Some(nx) = inner else { break };
                numeric &= is_number_char(cj) && is_number_char(nx);
                prev = nx;
                pos += cj.len_utf8() + nx.len_utf8();
            }
            let text = &s[start..pos];
            let kind = if text.chars().any(char::is_alphabetic) {
                TokenKind::Word
            } else if numeric && text.chars().any(|x| x.is_ascii_digit()) {
                TokenKind::Number
            } else if text.chars().nth(1).is_none() {
                TokenKind::Punct
            } else if text.chars().any(char::is_numeric) {
                // digits with look-alike symbols (`2&`): treat as a word so the decoder may read it.
                TokenKind::Word
            } else {
                // a run of symbols only: emit them one by one as punctuation
                for (k, x) in text.char_indices() {
                    out.push(Token {
                        kind: TokenKind::Punct,
                        start: start + k,
                        end: start + k + x.len_utf8(),
                    });
                }
                continue;
            };
            out.push(Token {
                kind,
                start,
                end: pos,
            });
        } else {
            out.push(Token {
                kind: TokenKind::Punct,
                start,
                end: pos,
            });
        }
    }
}

/// A character a number may hold: an ASCII digit or a digit group separator.
fn is_number_char(c: char) -> bool {
    c.is_ascii_digit() || c == '.' || c == ','
}

/// Base letter of a character: lowercase, marks stripped, `đ` → `d`.
#[must_use]
pub fn base_letter(c: char) -> char {
    use unicode_normalization::UnicodeNormalization;
    let lower = c.to_lowercase().next().unwrap_or(c);
    if lower == 'đ' {
        return 'd';
    }
    let mut buf = [0u8; 4];
    lower.encode_utf8(&mut buf).nfd().next().unwrap_or(lower)
}

/// A letter without its tone mark (`ầ` → `â`, `ủ` → `u`), keeping vowel marks and `đ`.
#[must_use]
pub fn strip_tone(c: char) -> char {
    use unicode_normalization::UnicodeNormalization;
    let lower = c.to_lowercase().next().unwrap_or(c);
    let mut buf = [0u8; 4];
    let kept: String = lower
        .encode_utf8(&mut buf)
        .nfd()
        .filter(|m| !matches!(m, '\u{300}' | '\u{301}' | '\u{303}' | '\u{309}' | '\u{323}'))
        .collect();
    kept.nfc().next().unwrap_or(lower)
}

/// Lower-case a string the way both sides of the channel are compared.
#[must_use]
pub fn fold(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    s.nfc().flat_map(char::to_lowercase).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roman_numerals_with_ocr_look_alikes() {
        for (s, numeral, v) in [
            ("I", "I", 1),
            ("1V", "IV", 4),
            ("lX", "IX", 9),
            ("Il", "II", 2),
            ("I1", "II", 2),
            ("Ill", "III", 3),
            ("IV", "IV", 4),
            ("Vil", "VII", 7),
            ("VIll", "VIII", 8),
            ("VIIL", "VIII", 8),
            ("IL", "II", 2),
            ("IX", "IX", 9),
            ("XIl", "XII", 12),
            ("XIX", "XIX", 19),
            ("XXXIX", "XXXIX", 39),
        ] {
            assert_eq!(roman_numeral(s), Some((numeral.to_string(), v)), "{s}");
        }
        // Not numerals: no leading capital, non-standard forms, other letters, out of range.
        for s in [
            "", "ll", "lI", "1l", "iI", "1lV", "lVl", "IIII", "VV", "IIV", "VX", "XXXX", "XL", "L",
            "VL", "LI", "Việt", "IC", "Xa",
        ] {
            assert_eq!(roman_numeral(s), None, "{s}");
        }
    }

    #[test]
    fn roman_of_writes_what_roman_numeral_reads() {
        for v in 1..=39 {
            let r = roman_of(v).unwrap();
            assert_eq!(roman_numeral(&r), Some((r.clone(), v)));
        }
        assert_eq!(roman_of(0), None);
        assert_eq!(roman_of(40), None);
    }

    #[test]
    fn ones_written_as_letters_are_digits() {
        assert_eq!(ones_as_digits("II"), "11");
        assert_eq!(ones_as_digits("l2"), "12");
        assert_eq!(ones_as_digits("|"), "1");
        assert_eq!(ones_as_digits("07"), "07");
        assert_eq!(ones_as_digits("V"), "V");
    }

    fn kinds(s: &str) -> Vec<(TokenKind, &str)> {
        tokenize(s).iter().map(|t| (t.kind, t.text(s))).collect()
    }

    #[test]
    fn words_numbers_punct() {
        use TokenKind::*;
        assert_eq!(
            kinds("Tru s& UBND, 7.946 lượt (16,3/22)"),
            vec![
                (Word, "Tru"),
                (Space, " "),
                (Word, "s&"),
                (Space, " "),
                (Word, "UBND"),
                (Punct, ","),
                (Space, " "),
                (Number, "7.946"),
                (Space, " "),
                (Word, "lượt"),
                (Space, " "),
                (Punct, "("),
                (Number, "16,3"),
                (Punct, "/"),
                (Number, "22"),
                (Punct, ")"),
            ]
        );
        assert_eq!(
            kinds("tru'c 2023 '"),
            vec![
                (Word, "tru'c"),
                (Space, " "),
                (Number, "2023"),
                (Space, " "),
                (Punct, "'")
            ]
        );
        assert_eq!(
            kinds("c4c 13"),
            vec![(Word, "c4c"), (Space, " "), (Number, "13")]
        );
        assert_eq!(kinds("2023."), vec![(Number, "2023"), (Punct, ".")]);
    }

    /// The tokenizer as first written (a buffer of the line's characters): the oracle the
    /// one-pass tokenizer is checked against.
    fn tokenize_reference(s: &str, out: &mut Vec<Token>) {
        out.clear();
        let chars: Vec<(usize, char)> = s.char_indices().collect();
        let n = chars.len();
        let end_of = |i: usize| if i < n { chars[i].0 } else { s.len() };
        let mut i = 0;
        while i < n {
            let (start, c) = chars[i];
            if c.is_whitespace() {
                let mut j = i + 1;
                while j < n && chars[j].1.is_whitespace() {
                    j += 1;
                }
                out.push(Token {
                    kind: TokenKind::Space,
                    start,
                    end: end_of(j),
                });
                i = j;
            } else if is_core(c) {
                // Extend over core chars and apostrophes that sit between core chars.
                let mut j = i + 1;
                while j < n {
                    let cj = chars[j].1;
                    if is_core(cj) {
                        j += 1;
                    } else if (is_inner_apostrophe(cj) && j + 1 < n && is_core(chars[j + 1].1))
                        || ((cj == '.' || cj == ',')
                            && j + 1 < n
                            && chars[j + 1].1.is_ascii_digit()
                            && chars[j - 1].1.is_ascii_digit()
                            && chars[i..j]
                                .iter()
                                .all(|&(_, x)| x.is_ascii_digit() || x == '.' || x == ','))
                    {
                        // An apostrophe inside a word, or a digit group separator inside a number.
                        j += 2;
                    } else {
                        break;
                    }
                }
                let text = &s[start..end_of(j)];
                let kind = if text.chars().any(|x| x.is_alphabetic()) {
                    TokenKind::Word
                } else if text.chars().any(|x| x.is_ascii_digit())
                    && text
                        .chars()
                        .all(|x| x.is_ascii_digit() || x == '.' || x == ',')
                {
                    TokenKind::Number
                } else if text.chars().count() == 1 {
                    TokenKind::Punct
                } else if text.chars().any(|x| x.is_numeric()) {
                    // digits with look-alike symbols (`2&`): treat as a word so the decoder may read it.
                    TokenKind::Word
                } else {
                    // a run of symbols only: emit them one by one as punctuation
                    for k in i..j {
                        out.push(Token {
                            kind: TokenKind::Punct,
                            start: chars[k].0,
                            end: end_of(k + 1),
                        });
                    }
                    i = j;
                    continue;
                };
                out.push(Token {
                    kind,
                    start,
                    end: end_of(j),
                });
                i = j;
            } else {
                out.push(Token {
                    kind: TokenKind::Punct,
                    start,
                    end: end_of(i + 1),
                });
                i += 1;
            }
        }
    }

    proptest::proptest! {
        /// The one-pass tokenizer splits every text as the first one did, from characters that
        /// exercise each rule (letters, marks, digits, separators, apostrophes, look-alike
        /// symbols, spaces, other punctuation).
        #[test]
        fn one_pass_tokenizes_as_the_reference(
            chars in proptest::collection::vec(proptest::sample::select(vec![
                'a', 'B', 'ư', 'Đ', '\u{0301}', '1', '7', '.', ',', '\'', '’', '&', '@', '¢',
                ' ', '\t', '\n', '(', '/', '-', '²', '½',
            ]), 0..40)
        ) {
            let s: String = chars.into_iter().collect();
            let mut want = Vec::new();
            tokenize_reference(&s, &mut want);
            let got = tokenize(&s);
            proptest::prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn rebuilds_exactly() {
        for s in [
            "",
            "  a  b ",
            "Số: 214/TB-UBND\t ngày",
            "x\u{0301}a &&",
            "’a’",
        ] {
            let t = tokenize(s);
            let joined: String = t.iter().map(|t| t.text(s)).collect();
            assert_eq!(joined, s);
        }
    }
}
