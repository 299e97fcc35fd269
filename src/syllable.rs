//! The Vietnamese syllable: its parts, its spelling rules, and its two tone-placement styles.
//!
//! A written syllable is `onset + medial + nucleus + coda`, with one tone mark on one vowel. This
//! module knows which combinations the orthography allows, so the decoder can tell a real syllable
//! from an OCR artefact (`ctia`, `chirc`) or a foreign word (`zalo`), and can enumerate every
//! syllable a base skeleton may stand for.
//!
//! Design choices, and why:
//! * The parts are stored as *written* (toneless) strings, not phonemes, because the orthography
//!   keeps distinctions the decoder must reproduce exactly (`lý` and `lí`, `ia` and `iê`).
//! * `gi` and `qu` are onsets. The `u` of `qu` never takes the tone (`quý`, not `qúy`); the `i` of
//!   `gi` doubles as the nucleus `i`/`iê` when no other vowel follows (`gì` = gi+i, `giếng` =
//!   gi+iê+ng), which is what the [`Syllable`] records.
//! * Validation is a hand-written scan over a fixed buffer: no regex, no allocation, well under a
//!   microsecond, because the decoder validates its whole vocabulary at start-up.
//! * Tone placement is strict: a mark is accepted on the vowel either style would put it on
//!   (`hóa` and `hoá`), and nowhere else (`hòang`, `qúy` are rejected).
//!
//! [`all_syllables`] enumerates the inventory: 15,702 syllables (Old style), including a few
//! loan-word rhymes in common use (`xoong`, `buýt`, `pin`).

use std::fmt;

/// The capitalisation of a token, kept so that a restored word can be written back the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Case {
    /// `hoa`
    Lower,
    /// `Hoa`
    Title,
    /// `HOA`
    Upper,
    /// `hOa`: restored words come out lower-case.
    Mixed,
}

/// The six tones of standard Vietnamese, named after their marks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tone {
    /// ngang: no mark (`a`).
    Level,
    /// sắc (`á`).
    Acute,
    /// huyền (`à`).
    Grave,
    /// hỏi (`ả`).
    Hook,
    /// ngã (`ã`).
    Tilde,
    /// nặng (`ạ`).
    Dot,
}

impl Tone {
    /// All tones, in the order of the rows of the vowel table.
    pub const ALL: [Tone; 6] = [
        Tone::Level,
        Tone::Acute,
        Tone::Grave,
        Tone::Hook,
        Tone::Tilde,
        Tone::Dot,
    ];

    fn row(self) -> usize {
        match self {
            Tone::Level => 0,
            Tone::Acute => 1,
            Tone::Grave => 2,
            Tone::Hook => 3,
            Tone::Tilde => 4,
            Tone::Dot => 5,
        }
    }

    /// The tone of a combining mark (NFD input), if it is one of the five tone marks.
    fn of_combining(c: char) -> Option<Tone> {
        match c {
            '\u{301}' => Some(Tone::Acute),
            '\u{300}' => Some(Tone::Grave),
            '\u{309}' => Some(Tone::Hook),
            '\u{303}' => Some(Tone::Tilde),
            '\u{323}' => Some(Tone::Dot),
            _ => None,
        }
    }
}

/// Where the tone mark goes in `oa`, `oe`, `uy` without a final consonant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ToneStyle {
    /// On the first vowel: `hóa`, `hòe`, `thủy`, `ủy`. The style of the documents, so the default.
    #[default]
    Old,
    /// On the second vowel: `hoá`, `hoè`, `thuỷ`, `uỷ`.
    New,
}

/// One syllable split into its written parts (all lower-case, without the tone mark).
///
/// `onset` is one of `""`, `b`, `c`, `ch`, `d`, `đ`, `g`, `gh`, `gi`, `h`, `k`, `kh`, `l`, `m`, `n`,
/// `ng`, `ngh`, `nh`, `p`, `ph`, `qu`, `r`, `s`, `t`, `th`, `tr`, `v`, `x`. `medial` is the glide
/// `o` or `u` (`hoa`, `tuân`). `nucleus` is a vowel or a written diphthong: `iê`/`yê`/`ia`/`ya`,
/// `uô`/`ua`, `ươ`/`ưa`, `oo`. `coda` is `""`, a final consonant (`c ch m n ng nh p t`) or a
/// final glide (`i y o u`). With onset `gi`, the nucleus `i` or `iê` shares the onset's `i`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Syllable {
    /// Initial consonant (`""` if none).
    pub onset: &'static str,
    /// The glide `o` or `u` between onset and nucleus.
    pub medial: Option<char>,
    /// The vowel or diphthong, as written.
    pub nucleus: &'static str,
    /// Final consonant or glide (`""` if none).
    pub coda: &'static str,
    /// The tone.
    pub tone: Tone,
}

impl fmt::Display for Syllable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(ToneStyle::Old))
    }
}

/// The twelve vowel letters, in the column order of [`TONED`].
const VOWELS: [char; 12] = ['a', 'ă', 'â', 'e', 'ê', 'i', 'o', 'ô', 'ơ', 'u', 'ư', 'y'];

/// Every toned vowel: row = tone (in [`Tone::ALL`] order), column = vowel (in [`VOWELS`] order).
const TONED: [[char; 12]; 6] = [
    ['a', 'ă', 'â', 'e', 'ê', 'i', 'o', 'ô', 'ơ', 'u', 'ư', 'y'],
    ['á', 'ắ', 'ấ', 'é', 'ế', 'í', 'ó', 'ố', 'ớ', 'ú', 'ứ', 'ý'],
    ['à', 'ằ', 'ầ', 'è', 'ề', 'ì', 'ò', 'ồ', 'ờ', 'ù', 'ừ', 'ỳ'],
    ['ả', 'ẳ', 'ẩ', 'ẻ', 'ể', 'ỉ', 'ỏ', 'ổ', 'ở', 'ủ', 'ử', 'ỷ'],
    ['ã', 'ẵ', 'ẫ', 'ẽ', 'ễ', 'ĩ', 'õ', 'ỗ', 'ỡ', 'ũ', 'ữ', 'ỹ'],
    ['ạ', 'ặ', 'ậ', 'ẹ', 'ệ', 'ị', 'ọ', 'ộ', 'ợ', 'ụ', 'ự', 'ỵ'],
];

/// Consonant letters of the Vietnamese alphabet.
const CONSONANTS: &str = "bcdđghklmnpqrstvx";

/// Every onset but the empty one (the enumeration order of [`all_syllables`]).
const ONSETS: [&str; 27] = [
    "ngh", "ch", "gh", "gi", "kh", "ng", "nh", "ph", "qu", "th", "tr", "b", "c", "d", "đ", "g",
    "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x",
];

/// Every written nucleus.
const NUCLEI: [&str; 21] = [
    "a", "ă", "â", "e", "ê", "i", "y", "o", "oo", "ô", "ơ", "u", "ư", "iê", "ia", "yê", "ya", "uô",
    "ua", "ươ", "ưa",
];

/// Every coda.
const CODAS: [&str; 13] = [
    "", "c", "ch", "m", "n", "ng", "nh", "p", "t", "i", "y", "o", "u",
];

type RhymeTable = [(&'static str, &'static [&'static str])];

/// Codas allowed after each nucleus when there is no medial (and the onset is not `qu`).
const PLAIN: &RhymeTable = &[
    (
        "a",
        &[
            "", "c", "ch", "m", "n", "ng", "nh", "p", "t", "i", "y", "o", "u",
        ],
    ),
    ("ă", &["c", "m", "n", "ng", "p", "t"]),
    ("â", &["c", "m", "n", "ng", "p", "t", "u", "y"]),
    ("e", &["", "c", "m", "n", "ng", "p", "t", "o"]),
    ("ê", &["", "ch", "m", "n", "nh", "p", "t", "u"]),
    ("i", &["", "ch", "m", "n", "nh", "p", "t", "u"]),
    ("y", &[""]),
    ("o", &["", "c", "m", "n", "ng", "p", "t", "i"]),
    ("oo", &["c", "ng"]),
    ("ô", &["", "c", "m", "n", "ng", "p", "t", "i"]),
    ("ơ", &["", "m", "n", "p", "t", "i"]),
    ("u", &["", "c", "m", "n", "ng", "p", "t", "i"]),
    ("ư", &["", "c", "m", "ng", "t", "i", "u"]),
    ("iê", &["c", "m", "n", "ng", "p", "t", "u"]),
    ("ia", &[""]),
    ("yê", &["m", "n", "ng", "t", "u"]),
    ("uô", &["c", "i", "m", "n", "ng", "t"]),
    ("ua", &[""]),
    ("ươ", &["c", "i", "m", "n", "ng", "p", "t", "u"]),
    ("ưa", &[""]),
];

/// Rhymes with the medial `o` (`hoa`, `hoặc`, `khoét`).
const MEDIAL_O: &RhymeTable = &[
    (
        "a",
        &["", "c", "ch", "i", "m", "n", "ng", "nh", "p", "t", "y"],
    ),
    ("ă", &["c", "n", "ng", "t"]),
    ("e", &["", "n", "o", "t"]),
];

/// Rhymes with the medial `u` (`tuân`, `huế`, `thủy`, `khuya`, `thuở`).
const MEDIAL_U: &RhymeTable = &[
    ("â", &["n", "ng", "t", "y"]),
    ("ê", &["", "ch", "n", "nh"]),
    ("y", &["", "ch", "nh", "p", "t", "u"]),
    ("yê", &["n", "t"]),
    ("ya", &[""]),
    ("ơ", &[""]),
];

/// Rhymes after `qu` (whose `u` is the medial).
const QU: &RhymeTable = &[
    (
        "a",
        &["", "c", "ch", "i", "n", "ng", "nh", "t", "y", "o", "u"],
    ),
    ("ă", &["c", "m", "n", "ng", "p", "t"]),
    ("â", &["n", "ng", "t", "y"]),
    ("e", &["", "n", "o", "t"]),
    ("ê", &["", "ch", "n", "nh", "t"]),
    ("y", &["", "ch", "nh", "t", "u"]),
    ("i", &[""]),
    ("yê", &["n", "t"]),
    ("ơ", &[""]),
    ("ô", &["c"]),
];

/// Onsets before which the lone nucleus `y` is written (`ý`, `hy`, `kỳ`, `lý`, `Mỹ`, `sỹ`, `tỷ`).
const Y_ONSETS: [&str; 9] = ["", "h", "k", "l", "m", "s", "t", "th", "v"];

fn in_table(table: &RhymeTable, nucleus: &str, coda: &str) -> bool {
    table
        .iter()
        .any(|(n, codas)| *n == nucleus && codas.contains(&coda))
}

fn is_stop(coda: &str) -> bool {
    matches!(coda, "c" | "ch" | "p" | "t")
}

/// Do these parts make a syllable the orthography allows (tone aside)?
fn rhyme_ok(onset: &str, medial: Option<char>, nucleus: &str, coda: &str) -> bool {
    match onset {
        "qu" => medial.is_none() && in_table(QU, nucleus, coda),
        "gi" => {
            medial.is_none()
                && match nucleus {
                    // `giu` is gi+u, so the shared `i` cannot take the glide `u`.
                    "i" => coda != "u" && in_table(PLAIN, "i", coda),
                    // With a coda, `giê…` is gi+iê (`giếng`); alone, `giê` is gi+ê.
                    "ê" => coda.is_empty(),
                    "iê" => in_table(PLAIN, "iê", coda),
                    "y" | "ia" | "yê" | "oo" => false,
                    _ => in_table(PLAIN, nucleus, coda),
                }
        }
        _ => {
            let table = match medial {
                None => PLAIN,
                Some('o') => MEDIAL_O,
                Some('u') => MEDIAL_U,
                Some(_) => return false,
            };
            in_table(table, nucleus, coda) && onset_fits(onset, medial, nucleus, coda)
        }
    }
}

/// Spelling constraints between an ordinary onset and the rest.
fn onset_fits(onset: &str, medial: Option<char>, nucleus: &str, coda: &str) -> bool {
    let front = matches!(nucleus.chars().next(), Some('e' | 'ê' | 'i' | 'y'));
    match nucleus {
        "yê" if !(onset.is_empty() || medial == Some('u')) => return false,
        "iê" if onset.is_empty() => return false,
        "y" if medial.is_none() && !(coda.is_empty() && Y_ONSETS.contains(&onset)) => return false,
        _ => {}
    }
    if let Some(m) = medial {
        // Labials take a glide only in a few loan words (`buýt`, `phuy`, `boa`, `voan`).
        return match onset {
            "c" | "k" | "gh" | "ngh" | "m" | "p" => false,
            "b" => (m, nucleus) == ('u', "y") || (m, nucleus) == ('o', "a"),
            "ph" => (m, nucleus) == ('u', "y"),
            "v" => (m, nucleus) == ('o', "a"),
            _ => true,
        };
    }
    match onset {
        "c" | "g" | "ng" => !front,
        "k" | "gh" | "ngh" => front,
        _ => true,
    }
}

/// Is this a vowel letter (toneless, with its vowel mark)?
fn is_vowel(c: char) -> bool {
    VOWELS.contains(&c)
}

/// A lower-case Vietnamese letter split into its toneless letter and tone. Returns `None` for
/// anything else (including upper case).
fn decompose_lower(c: char) -> Option<(char, Tone)> {
    if c.is_ascii_lowercase() {
        return Some((c, Tone::Level));
    }
    if c == 'đ' {
        return Some((c, Tone::Level));
    }
    for (row, tone) in TONED.iter().zip(Tone::ALL) {
        if let Some(col) = row.iter().position(|&t| t == c) {
            return Some((VOWELS[col], tone));
        }
    }
    None
}

/// Split a Vietnamese letter into its letter with vowel mark and its tone: `ấ` → (`â`, Acute),
/// `Ự` → (`Ư`, Dot), `đ` → (`đ`, Level). Case is kept. `None` for anything that is not a Latin
/// letter a Vietnamese word can contain.
#[must_use]
pub fn decompose_char(c: char) -> Option<(char, Tone)> {
    if c.is_ascii_alphabetic() || c == 'đ' || c == 'Đ' {
        return Some((c, Tone::Level));
    }
    let lower = single_lower(c);
    let (base, tone) = decompose_lower(lower)?;
    if lower == c {
        Some((base, tone))
    } else {
        Some((single_upper(base), tone))
    }
}

/// Put a tone on a letter: (`â`, Acute) → `ấ`, (`Ư`, Dot) → `Ự`. A consonant takes only
/// [`Tone::Level`]; a letter that already carries a tone is refused.
#[must_use]
pub fn compose_char(base: char, tone: Tone) -> Option<char> {
    let lower = single_lower(base);
    if let Some(col) = VOWELS.iter().position(|&v| v == lower) {
        let t = TONED[tone.row()][col];
        return Some(if lower == base { t } else { single_upper(t) });
    }
    let is_letter = lower.is_ascii_lowercase() || lower == 'đ';
    (is_letter && tone == Tone::Level).then_some(base)
}

fn single_lower(c: char) -> char {
    let mut it = c.to_lowercase();
    match (it.next(), it.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

fn single_upper(c: char) -> char {
    let mut it = c.to_uppercase();
    match (it.next(), it.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

/// Longest syllable, in letters (`nghiêng`, `khuếch` have 7).
const MAX_LETTERS: usize = 8;

/// A token read into toneless lower-case letters, with its tone, where the tone sat and which
/// letters were upper-case. Handles NFC, NFD and mixed input without allocating.
struct Scan {
    letters: [char; MAX_LETTERS],
    n: usize,
    tone: Tone,
    tone_at: Option<usize>,
    upper: u16,
}

impl Scan {
    fn read(s: &str) -> Option<Scan> {
        let mut sc = Scan {
            letters: ['\0'; MAX_LETTERS],
            n: 0,
            tone: Tone::Level,
            tone_at: None,
            upper: 0,
        };
        for c in s.chars() {
            if let Some(t) = Tone::of_combining(c) {
                let last = sc.n.checked_sub(1)?;
                if sc.tone_at.is_some() || !is_vowel(sc.letters[last]) {
                    return None;
                }
                sc.tone = t;
                sc.tone_at = Some(last);
                continue;
            }
            if matches!(c, '\u{302}' | '\u{306}' | '\u{31b}') {
                let last = sc.n.checked_sub(1)?;
                sc.letters[last] = match (sc.letters[last], c) {
                    ('a', '\u{302}') => 'â',
                    ('a', '\u{306}') => 'ă',
                    ('e', '\u{302}') => 'ê',
                    ('o', '\u{302}') => 'ô',
                    ('o', '\u{31b}') => 'ơ',
                    ('u', '\u{31b}') => 'ư',
                    _ => return None,
                };
                continue;
            }
            let lower = single_lower(c);
            let (base, tone) = decompose_lower(lower)?;
            if sc.n == MAX_LETTERS {
                return None;
            }
            if tone != Tone::Level {
                if sc.tone_at.is_some() {
                    return None;
                }
                sc.tone = tone;
                sc.tone_at = Some(sc.n);
            }
            if lower != c {
                sc.upper |= 1 << sc.n;
            }
            sc.letters[sc.n] = base;
            sc.n += 1;
        }
        Some(sc)
    }

    /// Parse the letters into a syllable, checking spelling, tone/coda agreement and where the
    /// tone mark sat.
    fn parse(&self) -> Option<Syllable> {
        let letters = &self.letters[..self.n];
        let (onset, rest) = split_onset(letters)?;
        let syl = split_rhyme(onset, rest, self.tone)?;
        if let Some(at) = self.tone_at {
            if at != syl.tone_index(ToneStyle::Old) && at != syl.tone_index(ToneStyle::New) {
                return None;
            }
        }
        Some(syl)
    }
}

/// The final consonant spelled by `letters` (slice patterns: this is on the hot path).
fn consonant_coda(letters: &[char]) -> Option<&'static str> {
    Some(match letters {
        [] => "",
        ['c'] => "c",
        ['c', 'h'] => "ch",
        ['m'] => "m",
        ['n'] => "n",
        ['n', 'g'] => "ng",
        ['n', 'h'] => "nh",
        ['p'] => "p",
        ['t'] => "t",
        _ => return None,
    })
}

/// The final glide spelled by `letters`.
fn glide_coda(letters: &[char]) -> Option<&'static str> {
    Some(match letters {
        ['i'] => "i",
        ['y'] => "y",
        ['o'] => "o",
        ['u'] => "u",
        _ => return None,
    })
}

/// The nucleus spelled by `letters`.
fn nucleus_of(letters: &[char]) -> Option<&'static str> {
    Some(match letters {
        ['a'] => "a",
        ['ă'] => "ă",
        ['â'] => "â",
        ['e'] => "e",
        ['ê'] => "ê",
        ['i'] => "i",
        ['y'] => "y",
        ['o'] => "o",
        ['o', 'o'] => "oo",
        ['ô'] => "ô",
        ['ơ'] => "ơ",
        ['u'] => "u",
        ['ư'] => "ư",
        ['i', 'ê'] => "iê",
        ['i', 'a'] => "ia",
        ['y', 'ê'] => "yê",
        ['y', 'a'] => "ya",
        ['u', 'ô'] => "uô",
        ['u', 'a'] => "ua",
        ['ư', 'ơ'] => "ươ",
        ['ư', 'a'] => "ưa",
        _ => return None,
    })
}

/// Split off the onset (longest match wins; no shorter match could ever be right).
fn split_onset(letters: &[char]) -> Option<(&'static str, &[char])> {
    let (onset, len) = match letters {
        [] => return None,
        ['n', 'g', 'h', ..] => ("ngh", 3),
        ['n', 'g', ..] => ("ng", 2),
        ['n', 'h', ..] => ("nh", 2),
        ['c', 'h', ..] => ("ch", 2),
        ['g', 'h', ..] => ("gh", 2),
        ['g', 'i', ..] => ("gi", 2),
        ['k', 'h', ..] => ("kh", 2),
        ['p', 'h', ..] => ("ph", 2),
        ['q', 'u', ..] => ("qu", 2),
        ['t', 'h', ..] => ("th", 2),
        ['t', 'r', ..] => ("tr", 2),
        ['b', ..] => ("b", 1),
        ['c', ..] => ("c", 1),
        ['d', ..] => ("d", 1),
        ['đ', ..] => ("đ", 1),
        ['g', ..] => ("g", 1),
        ['h', ..] => ("h", 1),
        ['k', ..] => ("k", 1),
        ['l', ..] => ("l", 1),
        ['m', ..] => ("m", 1),
        ['n', ..] => ("n", 1),
        ['p', ..] => ("p", 1),
        ['r', ..] => ("r", 1),
        ['s', ..] => ("s", 1),
        ['t', ..] => ("t", 1),
        ['v', ..] => ("v", 1),
        ['x', ..] => ("x", 1),
        [c, ..] if is_vowel(*c) => ("", 0),
        _ => return None,
    };
    Some((onset, &letters[len..]))
}

fn split_rhyme(onset: &'static str, rest: &[char], tone: Tone) -> Option<Syllable> {
    let k = rest
        .iter()
        .position(|&c| !is_vowel(c))
        .unwrap_or(rest.len());
    let (vowels, cons) = rest.split_at(k);
    let cons_coda = consonant_coda(cons)?;
    let make = |medial, nucleus, coda| {
        let s = Syllable {
            onset,
            medial,
            nucleus,
            coda,
            tone,
        };
        s.is_valid().then_some(s)
    };
    if onset == "gi" {
        // The onset's `i` is the nucleus when no other vowel follows (`gì`, `gìn`), and the `i`
        // of `iê` when `ê` and a coda follow (`giếng`).
        if vowels.is_empty() {
            return make(None, "i", cons_coda);
        }
        if vowels[0] == 'ê' && rest.len() > 1 {
            let coda = if vowels.len() == 1 {
                cons_coda
            } else if cons_coda.is_empty() {
                glide_coda(&vowels[1..])?
            } else {
                return None;
            };
            return make(None, "iê", coda);
        }
    }
    if vowels.is_empty() {
        return None;
    }
    let medials: &[Option<char>] = match vowels[0] {
        'o' | 'u' if vowels.len() > 1 => &[None, Some(vowels[0])],
        _ => &[None],
    };
    for &m in medials {
        let v = if m.is_some() { &vowels[1..] } else { vowels };
        // A final glide is possible only without a final consonant.
        let glide_splits: &[bool] = if cons_coda.is_empty() && v.len() > 1 {
            &[false, true]
        } else {
            &[false]
        };
        for &glide in glide_splits {
            let (nuc, coda) = if glide {
                let (n, g) = v.split_at(v.len() - 1);
                match glide_coda(g) {
                    Some(c) => (n, c),
                    None => continue,
                }
            } else {
                (v, cons_coda)
            };
            if let Some(nucleus) = nucleus_of(nuc) {
                // With `gi`, a written `i…` nucleus would be a second `i` (`gii`): not Vietnamese.
                if onset == "gi" && nucleus.starts_with('i') {
                    continue;
                }
                if let Some(s) = make(m, nucleus, coda) {
                    return Some(s);
                }
            }
        }
    }
    None
}

impl Syllable {
    /// Does the orthography allow this syllable (spelling, and only sắc or nặng before `c ch p t`)?
    #[must_use]
    pub fn is_valid(&self) -> bool {
        (!is_stop(self.coda) || matches!(self.tone, Tone::Acute | Tone::Dot))
            && rhyme_ok(self.onset, self.medial, self.nucleus, self.coda)
    }

    /// `gi` + `i`/`iê`: the onset's `i` is the first letter of the nucleus.
    fn shares_i(&self) -> bool {
        self.onset == "gi" && self.nucleus.starts_with('i')
    }

    /// The position (in chars of the rendered syllable) of the letter that carries the tone mark.
    #[must_use]
    pub fn tone_index(&self, style: ToneStyle) -> usize {
        let onset_len = self.onset.chars().count();
        if self.shares_i() {
            return onset_len - 1 + usize::from(self.nucleus == "iê");
        }
        let medial_at = onset_len;
        let nucleus_at = onset_len + usize::from(self.medial.is_some());
        let old_first = style == ToneStyle::Old
            && self.coda.is_empty()
            && matches!(
                (self.medial, self.nucleus),
                (Some('o'), "a") | (Some('o'), "e") | (Some('u'), "y")
            );
        if old_first {
            return medial_at;
        }
        nucleus_at + usize::from(matches!(self.nucleus, "iê" | "yê" | "uô" | "ươ" | "oo"))
    }

    /// The syllable written in lower case with its tone mark placed by `style`.
    #[must_use]
    pub fn render(&self, style: ToneStyle) -> String {
        let mut out = String::with_capacity(16);
        let at = self.tone_index(style);
        let nucleus = if self.shares_i() {
            &self.nucleus[1..]
        } else {
            self.nucleus
        };
        let letters = self
            .onset
            .chars()
            .chain(self.medial)
            .chain(nucleus.chars())
            .chain(self.coda.chars());
        for (i, c) in letters.enumerate() {
            if i == at {
                out.push(compose_char(c, self.tone).unwrap_or(c));
            } else {
                out.push(c);
            }
        }
        out
    }

    /// The same syllable with another tone.
    #[must_use]
    pub fn with_tone(self, tone: Tone) -> Syllable {
        Syllable { tone, ..self }
    }
}

/// Parse one syllable (any case, NFC or NFD, either tone style). `None` if it is not a valid
/// Vietnamese syllable.
#[must_use]
pub fn parse(s: &str) -> Option<Syllable> {
    Scan::read(s)?.parse()
}

/// Is `s` one valid Vietnamese syllable? Case-insensitive, NFC or NFD, either tone style.
#[must_use]
pub fn is_valid(s: &str) -> bool {
    parse(s).is_some()
}

/// Rewrite a syllable in the given tone style, keeping the case of each letter of the input:
/// `Hoá` → `Hóa` (Old), `THỦY` → `THUỶ` (New). `None` if `s` is not a valid syllable.
#[must_use]
pub fn to_style(s: &str, style: ToneStyle) -> Option<String> {
    let scan = Scan::read(s)?;
    let syl = scan.parse()?;
    let mut out = String::with_capacity(s.len() + 4);
    for (i, c) in syl.render(style).chars().enumerate() {
        if scan.upper & (1 << i) != 0 {
            out.push(single_upper(c));
        } else {
            out.push(c);
        }
    }
    Some(out)
}

/// Every valid syllable, rendered lower-case in Old style, sorted (by `str` order) and unique.
/// There are 15,702.
#[must_use]
pub fn all_syllables() -> Vec<String> {
    let mut out = Vec::with_capacity(18_000);
    for onset in std::iter::once("").chain(ONSETS) {
        for medial in [None, Some('o'), Some('u')] {
            for nucleus in NUCLEI {
                for coda in CODAS {
                    for tone in Tone::ALL {
                        let s = Syllable {
                            onset,
                            medial,
                            nucleus,
                            coda,
                            tone,
                        };
                        if s.is_valid() {
                            out.push(s.render(ToneStyle::Old));
                        }
                    }
                }
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// A token reduced to its skeleton: lower case, every mark removed, `đ` → `d` (`Đồng` → `dong`).
/// Characters outside Vietnamese keep their lower-cased canonical base letter; combining marks
/// are dropped.
#[must_use]
pub fn skeleton(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
            continue;
        }
        if ('\u{300}'..='\u{36f}').contains(&c) {
            continue;
        }
        out.push(skeleton_char(single_lower(c)));
    }
    out
}

fn skeleton_char(lower: char) -> char {
    match decompose_lower(lower) {
        Some(('ă' | 'â', _)) => 'a',
        Some(('ê', _)) => 'e',
        Some(('ô' | 'ơ', _)) => 'o',
        Some(('ư', _)) => 'u',
        Some(('đ', _)) => 'd',
        Some((b, _)) => b,
        None => {
            let mut first = None;
            unicode_normalization::char::decompose_canonical(lower, |d| {
                first.get_or_insert(d);
            });
            first.unwrap_or(lower)
        }
    }
}

/// The capitalisation of a token, judged on its letters.
#[must_use]
pub fn case_of(s: &str) -> Case {
    let mut letters = 0usize;
    let mut up = 0usize;
    let mut first_up = false;
    for c in s.chars().filter(|c| c.is_alphabetic()) {
        if c.is_uppercase() {
            up += 1;
            if letters == 0 {
                first_up = true;
            }
        }
        letters += 1;
    }
    if up == 0 {
        Case::Lower
    } else if up == letters && letters > 1 {
        Case::Upper
    } else if first_up && up == 1 {
        Case::Title
    } else {
        Case::Mixed
    }
}

/// Write a lower-case word in the given case (`Mixed` leaves it lower-case).
#[must_use]
pub fn apply_case(lower: &str, case: Case) -> String {
    match case {
        Case::Lower | Case::Mixed => lower.to_string(),
        Case::Upper => lower.to_uppercase(),
        Case::Title => {
            let mut c = lower.chars();
            match c.next() {
                Some(f) => f.to_uppercase().chain(c).collect(),
                None => String::new(),
            }
        }
    }
}

/// Every lower-case letter a Vietnamese word may contain (consonants, `đ`, the 72 toned and
/// untoned vowels), plus `f j w z` for foreign words and names.
pub fn alphabet() -> impl Iterator<Item = char> {
    CONSONANTS
        .chars()
        .chain(TONED.into_iter().flatten())
        .chain("fjwz".chars())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn parts_of_common_syllables() {
        let s = parse("quốc").unwrap();
        assert_eq!(
            (s.onset, s.medial, s.nucleus, s.coda, s.tone),
            ("qu", None, "ô", "c", Tone::Acute)
        );
        let s = parse("nghiêng").unwrap();
        assert_eq!((s.onset, s.nucleus, s.coda), ("ngh", "iê", "ng"));
        let s = parse("gì").unwrap();
        assert_eq!((s.onset, s.nucleus, s.tone), ("gi", "i", Tone::Grave));
        let s = parse("giếng").unwrap();
        assert_eq!((s.onset, s.nucleus, s.coda), ("gi", "iê", "ng"));
        let s = parse("khuya").unwrap();
        assert_eq!((s.onset, s.medial, s.nucleus), ("kh", Some('u'), "ya"));
        let s = parse("người").unwrap();
        assert_eq!((s.nucleus, s.coda, s.tone), ("ươ", "i", Tone::Grave));
    }

    #[test]
    fn tone_placement_styles() {
        let hoa = parse("hoá").unwrap();
        assert_eq!(hoa.render(ToneStyle::Old), "hóa");
        assert_eq!(hoa.render(ToneStyle::New), "hoá");
        assert_eq!(parse("thuỷ").unwrap().render(ToneStyle::Old), "thủy");
        assert_eq!(parse("ủy").unwrap().render(ToneStyle::New), "uỷ");
        assert_eq!(parse("hoàng").unwrap().render(ToneStyle::Old), "hoàng");
        assert!(parse("hòang").is_none());
        assert!(parse("qúy").is_none());
    }

    /// Every valid combination of parts renders to a string that parses back to it, in both
    /// styles; so no two syllables share a spelling.
    #[test]
    fn every_syllable_round_trips_through_its_spelling() {
        let mut n = 0;
        for onset in std::iter::once("").chain(ONSETS) {
            for medial in [None, Some('o'), Some('u')] {
                for nucleus in NUCLEI {
                    for coda in CODAS {
                        for tone in Tone::ALL {
                            let s = Syllable {
                                onset,
                                medial,
                                nucleus,
                                coda,
                                tone,
                            };
                            if !s.is_valid() {
                                continue;
                            }
                            n += 1;
                            for style in [ToneStyle::Old, ToneStyle::New] {
                                let r = s.render(style);
                                assert_eq!(parse(&r), Some(s), "{r} {s:?}");
                            }
                        }
                    }
                }
            }
        }
        assert_eq!(n, all_syllables().len());
    }

    #[test]
    fn char_helpers() {
        assert_eq!(decompose_char('ấ'), Some(('â', Tone::Acute)));
        assert_eq!(decompose_char('Ự'), Some(('Ư', Tone::Dot)));
        assert_eq!(decompose_char('7'), None);
        assert_eq!(compose_char('Ư', Tone::Dot), Some('Ự'));
        assert_eq!(compose_char('b', Tone::Dot), None);
    }
}
