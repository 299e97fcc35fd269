//! Agreement of two document records: the record extracted from a restored OCR text against the
//! one extracted from its gold (clean) text. Word accuracy says how much of the text came back;
//! this says how much of what a database receives came back — a wrong digit or a missed `đ)`
//! weighs little in the first and everything in the second.
//!
//! Items are compared by what they mean, not where they stand (spans differ between the two
//! texts): header fields by value, sections by marker and depth in reading order, indicators by
//! kind, value(s), unit, denominator, direction and target flag, references by type, number and
//! date, dates by their value. Text values are compared in [`canon`]ical form (case, tone
//! placement and spacing aside).

use super::canon;
use crate::schema::{Document, Field, Indicator};
use std::collections::BTreeMap;

/// Matched, gold and extracted counts of one kind of item.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    /// Items in both records.
    pub matched: usize,
    /// Items in the gold record.
    pub gold: usize,
    /// Items in the record under test.
    pub got: usize,
}

impl Counts {
    /// Share of the extracted items that are right (1 when none was extracted).
    #[must_use]
    pub fn precision(&self) -> f64 {
        ratio(self.matched, self.got)
    }

    /// Share of the gold items that were extracted (1 when gold has none).
    #[must_use]
    pub fn recall(&self) -> f64 {
        ratio(self.matched, self.gold)
    }

    /// Harmonic mean of precision and recall.
    #[must_use]
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }

    fn add(&mut self, o: Counts) {
        self.matched += o.matched;
        self.gold += o.gold;
        self.got += o.got;
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        1.0
    } else {
        a as f64 / b as f64
    }
}

/// How far two records agree, item kind by item kind, with the items that differ.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Agreement {
    /// Header fields (type, number, date, place, issuer, title, signer's name and position,
    /// recipients, addressees): `gold` counts the fields gold has, `got` those extracted.
    pub header: Counts,
    /// Sections by marker and depth, aligned in reading order.
    pub sections: Counts,
    /// Of the aligned sections, those classed alike (results, shortcomings, tasks or none).
    pub section_kinds: Counts,
    /// Numeric indicators.
    pub indicators: Counts,
    /// Legal references.
    pub references: Counts,
    /// Dates and periods mentioned.
    pub dates: Counts,
    /// What differs: `(item kind, in gold only, in the record under test only)`, in order.
    pub differences: Vec<(String, String, String)>,
}

impl Agreement {
    /// Add another document's agreement (for totals over a set).
    pub fn add(&mut self, o: &Agreement) {
        self.header.add(o.header);
        self.sections.add(o.sections);
        self.section_kinds.add(o.section_kinds);
        self.indicators.add(o.indicators);
        self.references.add(o.references);
        self.dates.add(o.dates);
        self.differences.extend(o.differences.iter().cloned());
    }
}

/// Compare the record `got` against `gold`.
#[must_use]
pub fn compare(gold: &Document, got: &Document) -> Agreement {
    let mut a = Agreement::default();
    header(gold, got, &mut a);
    sections(gold, got, &mut a);
    a.indicators = bag_by(
        "indicator",
        (&gold.indicators, &got.indicators),
        indicator_key,
        &mut a.differences,
    );
    let reference = |r: &crate::schema::Reference| {
        format!(
            "{} {} {}",
            r.ref_type.as_deref().map_or(String::new(), text_key),
            r.number.to_uppercase().replace(' ', ""),
            r.date.as_deref().unwrap_or("")
        )
    };
    a.references = bag_by(
        "reference",
        (&gold.references, &got.references),
        reference,
        &mut a.differences,
    );
    let date = |d: &crate::schema::DateMention| {
        format!(
            "{} {}",
            d.date.as_deref().unwrap_or(""),
            d.period.as_deref().unwrap_or("")
        )
    };
    a.dates = bag_by("date", (&gold.dates, &got.dates), date, &mut a.differences);
    a
}

/// A text value in canonical form: words canonical, spacing collapsed.
fn text_key(s: &str) -> String {
    s.split_whitespace()
        .map(canon)
        .collect::<Vec<_>>()
        .join(" ")
}

/// What an indicator states, without where: two records agree on it when these are equal.
fn indicator_key(i: &Indicator) -> String {
    format!(
        "{:?} {}{} {}{}{}{}",
        i.kind,
        i.value,
        i.upper.map_or(String::new(), |u| format!("-{u}")),
        i.unit.as_deref().map_or(String::new(), text_key),
        i.denominator.map_or(String::new(), |d| format!(" /{d}")),
        i.direction.map_or(String::new(), |d| format!(" {d:?}")),
        if i.target { " target" } else { "" },
    )
}

/// [`bag`] of the two records' items of one kind, each turned into its key by `key`.
fn bag_by<T>(
    what: &str,
    (gold, got): (&[T], &[T]),
    key: impl Fn(&T) -> String,
    diffs: &mut Vec<(String, String, String)>,
) -> Counts {
    let keys = |v: &[T]| v.iter().map(&key).collect::<Vec<_>>();
    bag(what, &keys(gold), &keys(got), diffs)
}

/// Matched counts of two multisets of keys; the unmatched go to `diffs`, paired in order.
fn bag(
    what: &str,
    gold: &[String],
    got: &[String],
    diffs: &mut Vec<(String, String, String)>,
) -> Counts {
    let mut left: BTreeMap<&str, usize> = BTreeMap::new();
    for k in gold {
        *left.entry(k).or_default() += 1;
    }
    let mut matched = 0;
    let mut extra = Vec::new();
    for k in got {
        match left.get_mut(k.as_str()) {
            Some(n) if *n > 0 => {
                *n -= 1;
                matched += 1;
            }
            _ => extra.push(k.clone()),
        }
    }
    // gold items left, in gold order
    let mut missed = Vec::new();
    for k in gold {
        if let Some(n) = left.get_mut(k.as_str()) {
            if *n > 0 {
                *n -= 1;
                missed.push(k.clone());
            }
        }
    }
    for i in 0..missed.len().max(extra.len()) {
        diffs.push((
            what.to_string(),
            missed.get(i).cloned().unwrap_or_default(),
            extra.get(i).cloned().unwrap_or_default(),
        ));
    }
    Counts {
        matched,
        gold: gold.len(),
        got: got.len(),
    }
}

fn header(gold: &Document, got: &Document, a: &mut Agreement) {
    let (g, t) = (&gold.document, &got.document);
    let field = |f: &Option<Field>| f.as_ref().map(|f| text_key(&f.value));
    let signer = |s: &Option<crate::schema::Signer>, pos: bool| {
        s.as_ref()
            .and_then(|s| {
                if pos {
                    s.position.as_ref()
                } else {
                    s.name.as_ref()
                }
            })
            .map(|f| text_key(&f.value))
    };
    let pairs = [
        ("type", field(&g.doc_type), field(&t.doc_type)),
        ("number", field(&g.number), field(&t.number)),
        ("date", field(&g.date), field(&t.date)),
        ("place", field(&g.place), field(&t.place)),
        ("issuer", field(&g.issuer), field(&t.issuer)),
        ("title", field(&g.title), field(&t.title)),
        ("signer", signer(&g.signer, false), signer(&t.signer, false)),
        ("position", signer(&g.signer, true), signer(&t.signer, true)),
    ];
    for (name, x, y) in pairs {
        a.header.gold += usize::from(x.is_some());
        a.header.got += usize::from(y.is_some());
        if x.is_some() && x == y {
            a.header.matched += 1;
        } else if x.is_some() || y.is_some() {
            a.differences.push((
                format!("header {name}"),
                x.unwrap_or_default(),
                y.unwrap_or_default(),
            ));
        }
    }
    for (name, x, y) in [
        ("recipient", &g.recipients, &t.recipients),
        ("addressee", &g.addressees, &t.addressees),
    ] {
        let c = bag_by(
            &format!("header {name}"),
            (x, y),
            |f: &Field| text_key(&f.value),
            &mut a.differences,
        );
        a.header.add(c);
    }
}

/// Sections aligned by marker and depth (longest common subsequence), then their kinds compared.
fn sections(gold: &Document, got: &Document, a: &mut Agreement) {
    let key = |s: &crate::schema::Section| format!("{} {}", s.level, s.marker.to_lowercase());
    let g: Vec<String> = gold.sections.iter().map(key).collect();
    let t: Vec<String> = got.sections.iter().map(key).collect();
    let (n, m) = (g.len(), t.len());
    // lcs[i][j]: common subsequence of g[i..] and t[j..]
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if g[i] == t[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut matched = 0;
    while i < n && j < m {
        if g[i] == t[j] {
            matched += 1;
            let (x, y) = (gold.sections[i].kind, got.sections[j].kind);
            a.section_kinds.gold += 1;
            a.section_kinds.got += 1;
            if x == y {
                a.section_kinds.matched += 1;
            } else {
                a.differences.push((
                    format!("section kind {}", g[i]),
                    format!("{x:?}"),
                    format!("{y:?}"),
                ));
            }
            i += 1;
            j += 1;
        } else if lcs[i + 1][j] >= lcs[i][j + 1] {
            a.differences
                .push(("section".into(), g[i].clone(), String::new()));
            i += 1;
        } else {
            a.differences
                .push(("section".into(), String::new(), t[j].clone()));
            j += 1;
        }
    }
    for k in &g[i..] {
        a.differences
            .push(("section".into(), k.clone(), String::new()));
    }
    for k in &t[j..] {
        a.differences
            .push(("section".into(), String::new(), k.clone()));
    }
    a.sections = Counts {
        matched,
        gold: n,
        got: m,
    };
}
