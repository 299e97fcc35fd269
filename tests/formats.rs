//! hOCR / ALTO / PAGE-XML: reading, the text view, mapping changes to words, writing back with
//! geometry untouched, schema validation (xmllint), and hostile inputs.

use std::path::{Path, PathBuf};
use std::process::Command;

use sohoa::formats::{
    self, BBox, Correction, Format, Furniture, OcrDocument, OutputFormat, ProcessingInfo,
    TextChange,
};
use sohoa::Error;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/formats")
        .join(name)
}

fn schema(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/schemas")
        .join(name)
}

fn load(name: &str) -> (Vec<u8>, OcrDocument) {
    let bytes = std::fs::read(data(name)).unwrap();
    let doc = formats::read(&bytes, name).unwrap();
    (bytes, doc)
}

fn info() -> ProcessingInfo {
    ProcessingInfo {
        tool: "sohoa".into(),
        version: "0.1.0".into(),
        model_version: "lm:0000/channel:0000".into(),
        parameters: "beam=8".into(),
        time: "2026-11-27T04:30:00Z".into(),
    }
}

/// Validate `xml` with xmllint: against `xsd` when given, else well-formedness only. Returns false
/// (and prints SKIP) when xmllint or the schema is absent.
fn xmllint(xml: &[u8], xsd: Option<&Path>, tag: &str) -> bool {
    if Command::new("xmllint").arg("--version").output().is_err() {
        eprintln!("SKIP {tag}: xmllint not installed (apt-get install -y libxml2-utils)");
        return false;
    }
    if let Some(x) = xsd {
        if !x.exists() {
            eprintln!("SKIP {tag}: schema {} not found", x.display());
            return false;
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("out.xml");
    std::fs::write(&f, xml).unwrap();
    let mut cmd = Command::new("xmllint");
    cmd.arg("--noout").arg("--nonet");
    if let Some(x) = xsd {
        cmd.arg("--schema").arg(x);
    }
    let out = cmd.arg(&f).output().unwrap();
    assert!(
        out.status.success(),
        "{tag}: xmllint rejected the output:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    true
}

/// Restorations a decoder would make on the Tesseract reading of our notice (word → restored).
const FIXES: &[(&str, &str)] = &[
    ("THONG", "THÔNG"),
    ("BAO", "BÁO"),
    ("NHAN", "NHÂN"),
    ("DAN", "DÂN"),
    ("lich", "lịch"),
    ("Thong", "Thông"),
    ("bao", "báo"),
    ("tiep", "tiếp"),
];

/// Changes as the decoder reports them on `doc.text()`: whole words from [`FIXES`], plus the token
/// `tinh` inside `tinh.` (a change covering part of a word).
fn changes(doc: &OcrDocument) -> Vec<TextChange> {
    let mut out = Vec::new();
    for (w, pos) in doc.words().zip(doc.word_index()) {
        if let Some((_, to)) = FIXES.iter().find(|(from, _)| *from == w.text) {
            out.push(TextChange {
                line: pos.line,
                span: pos.span,
                restored: (*to).to_string(),
                confidence: 0.875,
            });
        }
        if w.text == "tinh." {
            out.push(TextChange {
                line: pos.line,
                span: [pos.span[0], pos.span[0] + 4],
                restored: "tỉnh".into(),
                confidence: 0.75,
            });
        }
    }
    out
}

fn boxes(doc: &OcrDocument) -> Vec<(String, Option<BBox>)> {
    doc.words().map(|w| (w.id.clone(), w.bbox)).collect()
}

/// All matches of `pat` (a literal prefix up to a closing quote), in order: raw geometry strings.
fn raw_attrs(text: &str, key: &str) -> Vec<String> {
    let mut out = Vec::new();
    for q in ['"', '\''] {
        let needle = format!("{key}={q}");
        let mut rest = text;
        while let Some(i) = rest.find(&needle) {
            rest = &rest[i + needle.len()..];
            let end = rest.find(q).unwrap();
            out.push(rest[..end].to_string());
            rest = &rest[end..];
        }
    }
    out
}

#[test]
fn detects_by_content() {
    for (f, want) in [
        ("notice.hocr", Format::Hocr),
        ("notice.alto3.xml", Format::Alto),
        ("notice.alto4.xml", Format::Alto),
        ("notice.page.xml", Format::Page),
    ] {
        let b = std::fs::read(data(f)).unwrap();
        assert_eq!(formats::detect(&b), Some(want), "{f}");
    }
    assert_eq!(formats::detect(b"Th\xc3\xb4ng b\xc3\xa1o\n"), None);
    assert_eq!(formats::detect(b"<html><body>x</body></html>"), None);
}

#[test]
fn reads_tesseract_hocr_and_alto_alike() {
    let (_, h) = load("notice.hocr");
    let (_, a) = load("notice.alto3.xml");
    let (_, a4) = load("notice.alto4.xml");
    assert_eq!(a.version, "3");
    assert_eq!(a4.version, "4");
    assert_eq!(h.words().count(), 79);
    assert_eq!(a.words().count(), 79);
    // Same engine run: same words, same boxes, same confidences (to 2 decimals).
    assert_eq!(h.text(), a.text());
    let hb: Vec<_> = h.words().map(|w| w.bbox.unwrap()).collect();
    let ab: Vec<_> = a.words().map(|w| w.bbox.unwrap()).collect();
    assert_eq!(hb, ab);
    // (Tesseract writes WC as "0." followed by the percentage, so 5% becomes 0.5: compare the
    // confident words only.)
    for (x, y) in h.words().zip(a.words()) {
        let (cx, cy) = (x.confidence.unwrap(), y.confidence.unwrap());
        if cx >= 0.1 {
            assert!((cx - cy).abs() < 0.011, "{} {cx} vs {cy}", x.text);
        }
    }
    assert_eq!(h.pages.len(), 1);
    assert_eq!((h.pages[0].width, h.pages[0].height), (1700.0, 1400.0));
    assert!(h
        .text()
        .starts_with("UY BAN NHAN DAN TINH LAM DONG\nTHONG BAO\n"));
}

#[test]
fn word_index_points_into_text() {
    for f in ["notice.hocr", "notice.alto3.xml", "notice.page.xml"] {
        let (_, d) = load(f);
        let text: Vec<char> = d.text().chars().collect();
        let lines: Vec<&str> = text_lines(&d);
        let idx = d.word_index();
        assert_eq!(idx.len(), d.words().count());
        for (w, p) in d.words().zip(&idx) {
            let got: String = text[p.span[0]..p.span[1]].iter().collect();
            assert_eq!(got, w.text, "{f}");
            assert!(lines[p.line - 1].contains(&w.text), "{f}: line {}", p.line);
        }
        assert_eq!(d.confidences().len(), idx.len());
    }
}

fn text_lines(d: &OcrDocument) -> Vec<&'static str> {
    let t: &'static str = Box::leak(d.text().into_boxed_str());
    t.lines().collect()
}

#[test]
fn page_breaks_are_form_feed_lines() {
    let (_, d) = load("notice.page.xml");
    let mut two = d.clone();
    two.pages.push(d.pages[0].clone());
    let t = two.text();
    let lines: Vec<&str> = t.lines().collect();
    assert_eq!(lines.len(), 3 + 1 + 3);
    assert_eq!(lines[3], "\u{c}");
    let idx = two.word_index();
    assert_eq!(idx.last().unwrap().line, 7);
    assert_eq!(idx.last().unwrap().page, 1);
}

#[test]
fn changes_map_to_words() {
    let (_, d) = load("notice.alto3.xml");
    let c = formats::corrections_from_changes(&d, &changes(&d));
    let words: Vec<_> = d.words().collect();
    let tinh = c
        .iter()
        .find(|c| words[c.word].text == "tinh.")
        .expect("partial change mapped");
    assert_eq!(tinh.text, "tỉnh.");
    assert!((tinh.confidence - 0.75).abs() < 1e-6);
    let thong = c.iter().find(|c| words[c.word].text == "THONG").unwrap();
    assert_eq!(thong.text, "THÔNG");
    // Applying the corrections gives the text the decoder produced.
    let fixed = d.corrected(&c).text();
    assert!(fixed.contains("THÔNG BÁO\n"), "{fixed}");
    assert!(
        fixed.contains("chỉ đạo") || fixed.contains("tỉnh."),
        "{fixed}"
    );
}

/// The core bar: corrected words in, original readings kept, every box identical, valid XML.
fn write_and_check(file: &str, xsd: Option<&str>, coord_keys: &[&str]) -> (OcrDocument, Vec<u8>) {
    let (bytes, d) = load(file);
    let corr = formats::corrections_from_changes(&d, &changes(&d));
    assert!(corr.len() >= 3, "{file}: {} corrections", corr.len());
    let out = formats::write(&d, &corr, &info(), OutputFormat::Same).unwrap();
    let (src, dst) = (
        String::from_utf8(bytes).unwrap(),
        String::from_utf8(out.clone()).unwrap(),
    );
    for k in coord_keys {
        let a = raw_attrs(&src, k);
        assert!(!a.is_empty(), "{file}: no {k}");
        assert_eq!(a, raw_attrs(&dst, k), "{file}: {k} changed");
    }
    let back = formats::read(&out, "out").unwrap();
    assert_eq!(boxes(&back), boxes(&d), "{file}: word boxes changed");
    let words: Vec<_> = back.words().collect();
    let orig: Vec<_> = d.words().collect();
    for c in &corr {
        assert_eq!(words[c.word].text, c.text, "{file}");
    }
    for (i, (a, b)) in words.iter().zip(&orig).enumerate() {
        if !corr.iter().any(|c| c.word == i) {
            assert_eq!(a.text, b.text, "{file}: untouched word changed");
        }
    }
    assert!(dst.contains("sohoa"), "{file}: no processing record");
    xmllint(&out, xsd.map(schema).as_deref(), file);
    (back, out)
}

#[test]
fn alto3_written_back_validates() {
    let (_, out) = write_and_check(
        "notice.alto3.xml",
        Some("alto-3-1.xsd"),
        &["HPOS", "VPOS", "WIDTH", "HEIGHT"],
    );
    let s = String::from_utf8(out).unwrap();
    assert!(s.contains(
        r#"WC="0.875" CONTENT="THÔNG"><ALTERNATIVE PURPOSE="OCR">THONG</ALTERNATIVE></String>"#
    ));
    assert!(s.contains("<postProcessingStep>"));
    assert!(s.contains("<processingStepSettings>model=lm:0000/channel:0000; parameters=beam=8"));
}

#[test]
fn alto4_written_back_validates() {
    let (_, out) = write_and_check(
        "notice.alto4.xml",
        Some("alto-4-4.xsd"),
        &["HPOS", "VPOS", "WIDTH", "HEIGHT"],
    );
    let s = String::from_utf8(out).unwrap();
    assert!(
        s.contains("<Processing ID=\"SOHOA_PROCESSING_1\"><processingCategory>contentModification")
    );
    assert!(s.contains("<ALTERNATIVE PURPOSE=\"OCR\">tinh.</ALTERNATIVE>"));
}

#[test]
fn hocr_written_back_keeps_original() {
    let (_, out) = write_and_check("notice.hocr", None, &["title"]);
    let s = String::from_utf8(out).unwrap();
    assert!(s.contains(
        "title='bbox 101 156 253 196; x_wconf 96' data-original=\"THONG\" data-confidence=\"0.875\">THÔNG</span>"
    ));
    assert!(s.contains("<meta name=\"sohoa-processing\""));
}

#[test]
fn page_round_trips_and_validates() {
    let (back, out) = write_and_check("notice.page.xml", Some("page-2019-07-15.xsd"), &["points"]);
    let s = String::from_utf8(out).unwrap();
    assert!(s.contains(
        r#"<TextEquiv index="1" conf="0.875" comments="corrected by sohoa"><Unicode>Thông</Unicode></TextEquiv><TextEquiv conf="0.91" index="2" comments="original OCR reading"><Unicode>Thong</Unicode></TextEquiv>"#
    ), "{s}");
    assert!(s.contains("<Unicode>Thông báo lịch tiếp cong dan.</Unicode>"));
    assert!(s.contains(r#"<MetadataItem type="processingStep" name="sohoa""#));
    assert!(s.contains("<LastChange>2026-11-27T04:30:00Z</LastChange>"));
    // Round trip: the written file reads back as the corrected document, and writing it again
    // with no corrections changes nothing but the record.
    let (_, d) = load("notice.page.xml");
    let corr = formats::corrections_from_changes(&d, &changes(&d));
    assert_eq!(back.text(), d.corrected(&corr).text());
    let again = formats::write(&back, &[], &ProcessingInfo::default(), OutputFormat::Same).unwrap();
    let again = String::from_utf8(again).unwrap();
    assert_eq!(
        formats::read(again.as_bytes(), "again").unwrap().text(),
        back.text()
    );
    xmllint(
        again.as_bytes(),
        Some(&schema("page-2019-07-15.xsd")),
        "page again",
    );
}

#[test]
fn alto_with_prefix_and_open_string() {
    let src = r#"<?xml version="1.0" encoding="UTF-8"?>
<a:alto xmlns:a="http://www.loc.gov/standards/alto/ns-v4#"><a:Description><a:MeasurementUnit>pixel</a:MeasurementUnit></a:Description><a:Layout><a:Page ID="p1" WIDTH="100" HEIGHT="100" PHYSICAL_IMG_NR="1"><a:PrintSpace><a:TextBlock ID="b1"><a:TextLine ID="l1" HPOS="1" VPOS="2" WIDTH="30" HEIGHT="10"><a:String ID="s1" HPOS="1" VPOS="2" WIDTH="10" HEIGHT="10" CONTENT="Quyet" WC="0.5" CC="5 5 5 5 5"></a:String><a:SP/><a:String ID="s2" HPOS="12" VPOS="2" WIDTH="10" HEIGHT="10" CONTENT="dinh"/></a:TextLine></a:TextBlock></a:PrintSpace></a:Page></a:Layout></a:alto>"#;
    let d = formats::read(src.as_bytes(), "prefixed.xml").unwrap();
    assert_eq!(d.text(), "Quyet dinh\n");
    let corr = vec![
        Correction {
            word: 0,
            text: "Quyết".into(),
            confidence: 0.9,
        },
        Correction {
            word: 1,
            text: "định".into(),
            confidence: 0.8,
        },
    ];
    let out =
        String::from_utf8(formats::write(&d, &corr, &info(), OutputFormat::Same).unwrap()).unwrap();
    assert!(out.contains(r#"CONTENT="Quyết" WC="0.900"><a:ALTERNATIVE PURPOSE="OCR">Quyet</a:ALTERNATIVE></a:String>"#), "{out}");
    assert!(!out.contains("CC="), "stale character confidences dropped");
    assert!(out.contains("<a:Processing ID="));
    assert_eq!(
        formats::read(out.as_bytes(), "o").unwrap().text(),
        "Quyết định\n"
    );
    xmllint(
        out.as_bytes(),
        Some(&schema("alto-4-4.xsd")),
        "prefixed alto",
    );
}

#[test]
fn text_and_json_outputs() {
    let (_, d) = load("notice.hocr");
    let corr = formats::corrections_from_changes(&d, &changes(&d));
    let t =
        String::from_utf8(formats::write(&d, &corr, &info(), OutputFormat::Text).unwrap()).unwrap();
    assert!(t.contains("THÔNG BÁO\n"));
    let j = formats::write(&d, &corr, &info(), OutputFormat::Json).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&j).unwrap();
    assert_eq!(v["format"], "hocr");
    let w = v["pages"][0]["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| b["lines"].as_array().unwrap())
        .flat_map(|l| l["words"].as_array().unwrap())
        .find(|w| w["id"] == "word_1_8")
        .unwrap();
    assert_eq!(w["text"], "THÔNG");
    assert_eq!(w["bbox"]["x0"], 101.0);
    assert!(OutputFormat::parse("alto", Format::Hocr).is_err());
    assert_eq!(
        OutputFormat::parse("hocr", Format::Hocr).unwrap(),
        OutputFormat::Same
    );
    assert_eq!(
        OutputFormat::parse("json", Format::Alto).unwrap(),
        OutputFormat::Json
    );
}

#[test]
fn furniture_by_position() {
    let (_, d) = load("notice.hocr");
    let f = d.furniture();
    let lines = d.lines();
    let text_of = |n: usize| lines.iter().find(|l| l.line == n).unwrap().text.clone();
    let pn: Vec<_> = f
        .iter()
        .filter(|(_, k)| *k == Furniture::PageNumber)
        .collect();
    assert_eq!(pn.len(), 1, "{f:?}");
    assert_eq!(text_of(pn[0].0), "Trang 2");
    let notes: Vec<_> = f
        .iter()
        .filter(|(_, k)| *k == Furniture::Footnote)
        .collect();
    assert_eq!(notes.len(), 1, "{f:?}");
    assert!(text_of(notes[0].0).starts_with("Ghi"));
    assert!(f.len() <= 2, "body lines are not furniture: {f:?}");
}

fn expect_xml_err(bytes: &[u8], want: &str) {
    match formats::read(bytes, "bad/input.xml") {
        Err(Error::Xml { path, reason }) => {
            assert_eq!(path, "bad/input.xml");
            assert!(
                reason.to_lowercase().contains(want),
                "reason {reason:?} lacks {want:?}"
            );
        }
        other => panic!("expected an XML error with {want:?}, got {other:?}"),
    }
}

#[test]
fn hostile_inputs_give_typed_errors() {
    let alto = |body: &str| {
        format!(
            r#"<alto xmlns="http://www.loc.gov/standards/alto/ns-v3#"><Layout><Page>{body}</Page></Layout></alto>"#
        )
    };
    expect_xml_err(alto("<TextBlock></Page>").as_bytes(), "");
    expect_xml_err(b"<alto><Layout>", "unexpected end");
    expect_xml_err(alto(r#"<String HPOS="1"/>"#).as_bytes(), "content");
    // Deep nesting.
    let deep = format!("<alto>{}{}</alto>", "<x>".repeat(5000), "</x>".repeat(5000));
    expect_xml_err(deep.as_bytes(), "deeper");
    // Huge attribute.
    let huge = alto(&format!(r#"<String CONTENT="{}"/>"#, "a".repeat(200_000)));
    expect_xml_err(huge.as_bytes(), "exceeds");
    // Entity expansion (billion laughs) and external entities are refused, not expanded or fetched.
    let lol = r#"<?xml version="1.0"?><!DOCTYPE alto [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><alto><Layout>&b;</Layout></alto>"#;
    expect_xml_err(lol.as_bytes(), "doctype");
    let ext = r#"<!DOCTYPE alto [<!ENTITY x SYSTEM "file:///etc/passwd">]><alto>&x;</alto>"#;
    expect_xml_err(ext.as_bytes(), "doctype");
    expect_xml_err(alto("&nbsp;").as_bytes(), "entity");
    // Not UTF-8, not OCR.
    expect_xml_err(b"<alto>\xff\xfe</alto>", "utf-8");
    expect_xml_err(b"<svg></svg>", "unknown root");
    // PAGE with attribute garbage.
    expect_xml_err(
        br#"<PcGts xmlns="http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15"><Page imageWidth="1" imageHeight="1"><TextRegion id="r" id="q"></TextRegion></Page></PcGts>"#,
        "",
    );
}

#[test]
fn entities_and_char_refs_are_resolved() {
    let src = r#"<alto xmlns="http://www.loc.gov/standards/alto/ns-v2#"><Layout><Page><PrintSpace><TextBlock><TextLine><String CONTENT="A&amp;B"/><String CONTENT="&#7857;"/></TextLine></TextBlock></PrintSpace></Page></Layout></alto>"#;
    let d = formats::read(src.as_bytes(), "e.xml").unwrap();
    assert_eq!(d.text(), "A&B ằ\n");
    assert_eq!(d.version, "2");
}

mod mutations {
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        /// Random byte edits to real files never panic: they parse or give an error.
        #[test]
        fn never_panics(file in 0usize..3, edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8)) {
            let name = ["notice.hocr", "notice.alto3.xml", "notice.page.xml"][file];
            let mut b = std::fs::read(super::data(name)).unwrap();
            for (at, byte) in edits {
                let i = at % b.len();
                b[i] = byte;
            }
            if let Ok(d) = sohoa::formats::read(&b, name) {
                let c = sohoa::formats::corrections_from_changes(&d, &[]);
                let _ = sohoa::formats::write(&d, &c, &super::info(), sohoa::formats::OutputFormat::Same);
                let _ = d.text();
            }
        }
    }
}

/// A restorer over the embedded models, or `None` (the test `name` prints SKIP) in a build without
/// them.
fn restorer_or_skip(name: &str) -> Option<sohoa::Restorer> {
    match sohoa::Models::embedded() {
        Ok(m) => Some(
            sohoa::RestorerBuilder::new()
                .build(std::sync::Arc::new(m))
                .unwrap(),
        ),
        Err(e) => {
            eprintln!("SKIP {name}: {e}");
            None
        }
    }
}

/// The bar: the corrected ALTO/hOCR carry exactly what `sohoa restore` gives for the same text.
/// Needs the embedded models (a build with `dictionaries/lm.smt`); SKIPs without them.
#[test]
fn corrected_files_match_restore() {
    let Some(restorer) = restorer_or_skip("corrected_files_match_restore") else {
        return;
    };
    for (file, xsd) in [
        ("notice.alto3.xml", Some("alto-3-1.xsd")),
        ("notice.hocr", None),
        ("notice.page.xml", Some("page-2019-07-15.xsd")),
    ] {
        let (_, d) = load(file);
        let r = restorer.restore(&d.text());
        let changes: Vec<TextChange> = r.changes.iter().map(TextChange::from).collect();
        let corr = formats::corrections_from_changes(&d, &changes);
        let out = formats::write(&d, &corr, &info(), OutputFormat::Same).unwrap();
        let back = formats::read(&out, file).unwrap();
        assert_eq!(back.text(), r.text, "{file}");
        assert_eq!(boxes(&back), boxes(&d), "{file}");
        xmllint(&out, xsd.map(schema).as_deref(), file);
    }
}

/// A word OCR split in two boxes (`c` `ong`) and restored as one (`công`): written into the first
/// box, the second emptied, so that the file reads back as `sohoa restore` gives it; the boxes and
/// the schema stay valid. Needs the embedded models; SKIPs without them.
#[test]
fn a_word_ocr_split_in_two_boxes_is_written_into_the_first() {
    let Some(restorer) =
        restorer_or_skip("a_word_ocr_split_in_two_boxes_is_written_into_the_first")
    else {
        return;
    };
    let src = std::fs::read_to_string(data("notice.alto3.xml")).unwrap().replacen(
        r#"CONTENT="cong"/>"#,
        r#"CONTENT="c"/><SP WIDTH="4" VPOS="387" HPOS="416"/><String ID="string_35b" HPOS="420" VPOS="387" WIDTH="57" HEIGHT="36" WC="0.41" CONTENT="ong"/>"#,
        1,
    );
    let d = formats::read(src.as_bytes(), "split.alto3.xml").unwrap();
    let r = restorer.restore(&d.text());
    assert!(
        r.changes
            .iter()
            .any(|c| c.original == "c ong" && c.restored == "công"),
        "{}",
        r.text
    );
    let changes: Vec<TextChange> = r.changes.iter().map(TextChange::from).collect();
    let corr = formats::corrections_from_changes(&d, &changes);
    let out = formats::write(&d, &corr, &info(), OutputFormat::Same).unwrap();
    let written = String::from_utf8(out.clone()).unwrap();
    assert!(written.contains(r#"CONTENT="công""#) && written.contains(r#"CONTENT="""#));
    let back = formats::read(&out, "split.alto3.xml").unwrap();
    assert_eq!(back.text(), r.text);
    assert!(back.text().contains("tiếp công dân"), "{}", back.text());
    assert_eq!(
        boxes(&d).len(),
        boxes(&back).len() + 1,
        "only the emptied box is not read"
    );
    xmllint(&out, Some(&schema("alto-3-1.xsd")), "split.alto3.xml");
    // In the JSON and text outputs (the corrected copy) the emptied word adds no space.
    assert_eq!(d.corrected(&corr).text(), r.text);
}
