//! The archival formats and scans wired into the CLI: `restore`, `extract` and `batch` read
//! hOCR, ALTO, PAGE-XML and images by content; `restore` writes XML back in its own format with
//! every word box untouched and the same corrected words as on the plain-text view.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sohoa::formats::{self, BBox, OcrDocument};

fn data(dir: &str, name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(dir)
        .join(name)
}

fn sohoa() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sohoa"))
}

fn run(args: &[&str]) -> Output {
    let out = sohoa().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "sohoa {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn boxes(d: &OcrDocument) -> Vec<Option<BBox>> {
    d.words().map(|w| w.bbox).collect()
}

fn words_of(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_string).collect()
}

/// Validate with xmllint against `xsd` (or well-formedness only); SKIP when it cannot run.
fn xmllint(xml: &[u8], xsd: Option<&str>, tag: &str) {
    if Command::new("xmllint").arg("--version").output().is_err() {
        eprintln!(
            "SKIP {tag} validation: xmllint not installed (apt-get install -y libxml2-utils)"
        );
        return;
    }
    let schema = xsd.map(|x| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/schemas")
            .join(x)
    });
    if let Some(s) = &schema {
        if !s.exists() {
            eprintln!("SKIP {tag} validation: schema {} not found", s.display());
            return;
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("out.xml");
    std::fs::write(&f, xml).unwrap();
    let mut cmd = Command::new("xmllint");
    cmd.arg("--noout").arg("--nonet");
    if let Some(s) = &schema {
        cmd.arg("--schema").arg(s);
    }
    let out = cmd.arg(&f).output().unwrap();
    assert!(
        out.status.success(),
        "{tag}: xmllint rejected the output:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The bar of issue 5 through the CLI: `sohoa restore FILE` writes the same format, valid, with
/// identical word boxes, and its words are those `sohoa restore` gives for the text view.
fn restore_xml_fixture(name: &str, xsd: Option<&str>) {
    let path = data("formats", name);
    let input = formats::read(&std::fs::read(&path).unwrap(), name).unwrap();
    let out = run(&["restore", path.to_str().unwrap()]).stdout;
    xmllint(&out, xsd, name);
    let back = formats::read(&out, "output").unwrap();
    assert_eq!(back.format, input.format, "{name}: format kept");
    assert_eq!(boxes(&back), boxes(&input), "{name}: word boxes changed");
    assert!(
        boxes(&input).iter().all(Option::is_some),
        "{name}: boxes read"
    );

    let dir = tempfile::tempdir().unwrap();
    let txt = dir.path().join("view.txt");
    std::fs::write(&txt, input.text()).unwrap();
    let plain = run(&["restore", txt.to_str().unwrap()]).stdout;
    let plain = words_of(&String::from_utf8(plain).unwrap());
    let corrected: Vec<String> = back.words().map(|w| w.text.clone()).collect();
    assert_eq!(
        corrected, plain,
        "{name}: corrected words differ from text restore"
    );
    let changed = corrected
        .iter()
        .zip(input.words())
        .filter(|(a, b)| **a != b.text)
        .count();
    assert!(changed >= 3, "{name}: only {changed} words corrected");
    assert!(
        String::from_utf8_lossy(&out).contains("sohoa"),
        "{name}: processing record"
    );
}

#[test]
fn restore_alto_keeps_format_boxes_and_words() {
    restore_xml_fixture("notice.alto3.xml", Some("alto-3-1.xsd"));
}

#[test]
fn restore_hocr_keeps_format_boxes_and_words() {
    restore_xml_fixture("notice.hocr", None);
}

#[test]
fn restore_xml_as_text_json_and_refused_formats() {
    let path = data("formats", "notice.alto3.xml");
    let p = path.to_str().unwrap();
    let text = String::from_utf8(run(&["restore", p, "--format", "text"]).stdout).unwrap();
    let input = formats::read(&std::fs::read(&path).unwrap(), "x").unwrap();
    assert_eq!(text.lines().count(), input.text().lines().count());
    assert!(text.contains("nhân dân"), "{text}");
    let json: serde_json::Value =
        serde_json::from_slice(&run(&["restore", p, "--format", "json"]).stdout).unwrap();
    assert_eq!(json["format"], "alto");
    let bad = sohoa()
        .args(["restore", p, "--format", "hocr"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("cannot convert"));
}

#[test]
fn restore_out_writes_a_file_and_never_the_input() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("in.hocr");
    std::fs::copy(data("formats", "notice.hocr"), &src).unwrap();
    let before = std::fs::read(&src).unwrap();
    let same = sohoa()
        .args([
            "restore",
            src.to_str().unwrap(),
            "--out",
            src.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(same.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&same.stderr).contains("refusing"));
    // Through another spelling of the same path, too.
    let other = dir.path().join(".").join("in.hocr");
    let same = sohoa()
        .args([
            "restore",
            src.to_str().unwrap(),
            "--out",
            other.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(same.status.code(), Some(2));
    assert_eq!(std::fs::read(&src).unwrap(), before, "input untouched");

    let dst = dir.path().join("out.hocr");
    let out = run(&[
        "restore",
        src.to_str().unwrap(),
        "--out",
        dst.to_str().unwrap(),
    ]);
    assert!(out.stdout.is_empty());
    let back = formats::read(&std::fs::read(&dst).unwrap(), "out").unwrap();
    let input = formats::read(&before, "in").unwrap();
    assert_eq!(boxes(&back), boxes(&input));
}

#[test]
fn extract_alto_gives_a_record() {
    let path = data("formats", "notice.alto4.xml");
    let out = run(&["extract", path.to_str().unwrap()]).stdout;
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["schema_version"], sohoa::SCHEMA_VERSION);
    assert!(v["source"].as_str().unwrap().ends_with("notice.alto4.xml"));
    let r = &v["restoration"];
    assert!(r["words"].as_u64().unwrap() > 20, "{r}");
    assert!(!r["changes"].as_array().unwrap().is_empty(), "{r}");
}

const GARBLED: &str = "Uy ban nhan dan tinh Lam Dong\nSo: 125/TB-UBND\n\nThong bao ve viec to chuc lay y kien nhan dan\nngay 15 thang 3 nam 2026 tai tru so xa.\n";
const EXPECTED: &str = "Ủy ban nhân dân tỉnh Lâm Đồng\nSố: 125/TB-UBND\n\nThông báo về việc tổ chức lấy ý kiến nhân dân\nngày 15 tháng 3 năm 2026 tại trụ sở xã.\n";

#[test]
fn batch_reads_text_alto_hocr_and_reports_bad_xml() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    std::fs::write(input.join("a.txt"), GARBLED).unwrap();
    std::fs::copy(data("formats", "notice.alto3.xml"), input.join("b.xml")).unwrap();
    std::fs::copy(data("formats", "notice.hocr"), input.join("c.hocr")).unwrap();
    std::fs::write(
        input.join("d.xml"),
        "<?xml version=\"1.0\"?>\n<alto><Layout><Page><PrintSpace><TextBlock><TextLine><String CONTENT=\"x\"",
    )
    .unwrap();
    let out = dir.path().join("out");
    let res = sohoa()
        .args([
            "batch",
            input.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ])
        .output()
        .unwrap();
    assert_eq!(
        res.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&res.stderr)
    );
    let docs = std::fs::read_to_string(out.join("documents.jsonl")).unwrap();
    let sources: Vec<String> = docs
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["source"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(sources, ["a.txt", "b.xml", "c.hocr"]);
    let errs = std::fs::read_to_string(out.join("errors.jsonl")).unwrap();
    assert_eq!(errs.lines().count(), 1, "{errs}");
    let e: serde_json::Value = serde_json::from_str(errs.trim()).unwrap();
    assert_eq!(e["path"], "d.xml");
    assert!(e["error"].as_str().unwrap().contains("d.xml"), "{e}");
}

#[test]
fn batch_scan_without_tesseract_fails_that_file_only() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    std::fs::write(input.join("a.txt"), GARBLED).unwrap();
    std::fs::copy(data("ocr", "notice.png"), input.join("scan.png")).unwrap();
    let empty = dir.path().join("bin");
    std::fs::create_dir(&empty).unwrap();
    let out = dir.path().join("out");
    let res = sohoa()
        .env("PATH", &empty)
        .args([
            "batch",
            input.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ])
        .output()
        .unwrap();
    assert_eq!(res.status.code(), Some(1));
    let docs = std::fs::read_to_string(out.join("documents.jsonl")).unwrap();
    assert_eq!(docs.lines().count(), 1);
    let errs = std::fs::read_to_string(out.join("errors.jsonl")).unwrap();
    assert!(
        errs.contains("scan.png") && errs.contains("apt-get install tesseract-ocr"),
        "{errs}"
    );
}

fn tesseract_missing() -> Option<String> {
    sohoa::ocr::check_tesseract("vie+eng")
        .err()
        .map(|e| e.to_string())
}

#[test]
fn restore_and_extract_a_scan() {
    if let Some(why) = tesseract_missing() {
        eprintln!("SKIP restore_and_extract_a_scan: {why}");
        return;
    }
    let png = data("ocr", "notice.png");
    let p = png.to_str().unwrap();
    let text = String::from_utf8(run(&["restore", p]).stdout).unwrap();
    assert!(text.contains("Ủy ban nhân dân"), "{text}");
    let hocr = run(&["restore", p, "--format", "hocr"]).stdout;
    xmllint(&hocr, None, "scan hOCR");
    let doc = formats::read(&hocr, "scan").unwrap();
    assert!(doc
        .words()
        .all(|w| w.bbox.is_some() && w.confidence.is_some()));
    let rec: serde_json::Value = serde_json::from_slice(&run(&["extract", p]).stdout).unwrap();
    assert!(rec["restoration"]["words"].as_u64().unwrap() > 10);
    let input = sohoa::read_path(&png, &sohoa::ocr::OcrOptions::default()).unwrap();
    let conf = input.word_confidences();
    assert!(!conf.is_empty() && conf.iter().all(|(_, c)| c.is_some()));
}

#[test]
fn restore_plain_text_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("g.txt");
    std::fs::write(&f, GARBLED).unwrap();
    let p = f.to_str().unwrap();
    let text = String::from_utf8(run(&["restore", p]).stdout).unwrap();
    assert_eq!(text, EXPECTED);
    assert_eq!(text.lines().count(), GARBLED.lines().count());
    for keep in ["125/TB-UBND", "15", "2026"] {
        assert!(text.contains(keep), "{keep} changed");
    }
    let v: serde_json::Value =
        serde_json::from_slice(&run(&["restore", "--json", p]).stdout).unwrap();
    assert_eq!(v["text"], EXPECTED);
    let chars: Vec<char> = GARBLED.chars().collect();
    let changes = v["changes"].as_array().unwrap();
    assert!(changes.len() >= 10, "{}", changes.len());
    for c in changes {
        let s = c["span"][0].as_u64().unwrap() as usize;
        let e = c["span"][1].as_u64().unwrap() as usize;
        let at: String = chars[s..e].iter().collect();
        assert_eq!(at, c["original"].as_str().unwrap(), "{c}");
        let line = c["line"].as_u64().unwrap() as usize;
        let before = chars[..s].iter().filter(|&&ch| ch == '\n').count() + 1;
        assert_eq!(line, before, "{c}");
    }
    // Standard input and a plain-text --format the text cannot have.
    let mut child = sohoa()
        .args(["restore", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(GARBLED.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), EXPECTED);
    let bad = sohoa()
        .args(["restore", p, "--format", "alto"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

/// A reader that stops early (`sohoa extract … | head`) ends the run quietly: success, nothing
/// on standard error, whether the write broke in the JSON writer or directly.
#[test]
fn a_closed_pipe_is_no_error() {
    use std::io::Read;
    use std::process::Stdio;
    let notice = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus/dev/thong-bao-ket-luan-dong-nai-freeserif.ocr.txt");
    let notice = notice.to_str().unwrap();
    // (both print far more than a pipe holds, so the writer is still writing when it closes)
    for args in [&["extract", notice][..], &["restore", "--json", notice]] {
        let cmd = args[0];
        let mut child = sohoa()
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = [0u8; 16];
        child.stdout.take().unwrap().read_exact(&mut first).unwrap();
        // (the pipe's reading end is dropped here: the rest of the output has nowhere to go)
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{cmd}: {:?}", out.status);
        assert!(
            out.stderr.is_empty(),
            "{cmd}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Bad input to `restore`: exit code 2 and one line on standard error that names the file and
/// says what is wrong with it once, nothing on standard output.
#[test]
fn restore_names_the_file_of_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &[u8], &str); 4] = [
        (
            "program.bin",
            b"\x7fELF\x02\x01\x01\x00\x00\xe2\xe3\xcf",
            "binary",
        ),
        ("latin1.txt", b"Th\xf4ng b\xe1o\n", "not valid UTF-8"),
        ("empty.txt", b"", "empty"),
        ("nul.txt", b"Th\xc3\xb4ng\x00b\xc3\xa1o\n", "binary"),
    ];
    for (name, bytes, says) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let out = sohoa()
            .args(["restore", path.to_str().unwrap()])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(out.stdout.is_empty(), "{name}");
        assert!(err.contains(name) && err.contains(says), "{name}: {err}");
        assert_eq!(err.lines().count(), 1, "{name}: {err}");
    }
    let missing = dir.path().join("missing.txt");
    let out = sohoa()
        .args(["restore", missing.to_str().unwrap()])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(err.contains("missing.txt"), "{err}");
    let reason = std::fs::read(&missing).unwrap_err().to_string();
    assert_eq!(
        err.matches(&reason).count(),
        1,
        "the reason said once: {err}"
    );
}
