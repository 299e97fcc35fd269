//! Reading scans through Tesseract (`sohoa::ocr`). The fixtures in tests/data/ocr are our own
//! text (notice.txt) rendered by make-fixtures.py. Tests that need Tesseract with `vie` print
//! SKIP with the reason when it is not installed; the error paths run everywhere, with a fake
//! `tesseract` or an empty PATH.

use sohoa::ocr::{detect_image, ocr_file, ImageKind, OcrOptions};
use std::path::{Path, PathBuf};
use std::process::Command;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/ocr")
        .join(name)
}

fn gold_words() -> Vec<String> {
    std::fs::read_to_string(data("notice.txt"))
        .unwrap()
        .split_whitespace()
        .map(str::to_lowercase)
        .collect()
}

/// Share of gold words found (as whole words, with multiplicity) in `text`.
fn recall(text: &str) -> f64 {
    let mut got: Vec<String> = text.split_whitespace().map(str::to_lowercase).collect();
    let gold = gold_words();
    let mut hit = 0;
    for w in &gold {
        if let Some(i) = got.iter().position(|g| g == w) {
            got.swap_remove(i);
            hit += 1;
        }
    }
    hit as f64 / gold.len() as f64
}

/// Why the real-Tesseract tests cannot run here, if they cannot.
fn skip_reason() -> Option<String> {
    match sohoa::ocr::check_tesseract("vie+eng") {
        Ok(()) => None,
        Err(e) => Some(e.to_string()),
    }
}

fn sohoa() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sohoa"))
}

#[test]
fn detects_images_by_magic_bytes() {
    assert_eq!(
        detect_image(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
        Some(ImageKind::Png)
    );
    assert_eq!(
        detect_image(b"\xFF\xD8\xFF\xE0\0\x10JFIF"),
        Some(ImageKind::Jpeg)
    );
    assert_eq!(detect_image(b"II*\0\x08\0\0\0"), Some(ImageKind::Tiff));
    assert_eq!(detect_image(b"MM\0*\0\0\0\x08"), Some(ImageKind::Tiff));
    assert_eq!(detect_image(b"%PDF-1.4\n"), Some(ImageKind::Pdf));
    assert_eq!(detect_image("Ủy ban nhân dân".as_bytes()), None);
    assert_eq!(detect_image(b"\x89PN"), None);
    assert_eq!(detect_image(b""), None);
    assert_eq!(detect_image(b"GIF89a"), None);
    // The committed fixtures are what their names say.
    for (f, k) in [
        ("notice.png", ImageKind::Png),
        ("notice.tif", ImageKind::Tiff),
        ("notice.pdf", ImageKind::Pdf),
    ] {
        assert_eq!(
            detect_image(&std::fs::read(data(f)).unwrap()),
            Some(k),
            "{f}"
        );
    }
}

#[test]
fn text_file_is_not_an_image() {
    let e = ocr_file(&data("notice.txt"), &OcrOptions::default()).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, sohoa::Error::Input { .. }), "{msg}");
    assert!(
        msg.contains("notice.txt") && msg.contains("not a PNG"),
        "{msg}"
    );
}

#[test]
fn missing_tesseract_says_how_to_install() {
    let empty = tempfile::tempdir().unwrap();
    let out = sohoa()
        .args(["ocr"])
        .arg(data("notice.png"))
        .env("PATH", empty.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("tesseract is not installed"), "{err}");
    assert!(
        err.contains("apt-get install tesseract-ocr tesseract-ocr-vie"),
        "{err}"
    );
    assert!(out.stdout.is_empty(), "no silent fallback output");
}

/// A fake `tesseract` in its own directory: lists `langs`, and on a real run executes `body`.
fn fake_tesseract(langs: &str, body: &str) -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("tesseract");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nif [ \"$1\" = --list-langs ]; then\n  echo 'List of available languages in \"/x/\" (2):'\n  printf '{langs}'\n  exit 0\nfi\n{body}\n"
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

fn path_with(dir: &Path) -> String {
    format!("{}:/usr/bin:/bin", dir.display())
}

#[test]
fn missing_vie_model_says_how_to_install() {
    let fake = fake_tesseract("eng\\nosd\\n", "exit 0");
    let out = sohoa()
        .arg("ocr")
        .arg(data("notice.png"))
        .env("PATH", path_with(fake.path()))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no 'vie' language model"), "{err}");
    assert!(err.contains("apt-get install tesseract-ocr-vie"), "{err}");
}

#[test]
fn engine_failure_and_timeout_name_the_file() {
    let failing = fake_tesseract(
        "eng\\nvie\\n",
        "echo 'Error in pixReadStream: Unknown format' >&2\nexit 1",
    );
    let out = sohoa()
        .arg("ocr")
        .arg(data("notice.png"))
        .env("PATH", path_with(failing.path()))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("notice.png: OCR failed") && err.contains("Unknown format"),
        "{err}"
    );

    let slow = fake_tesseract("eng\\nvie\\n", "sleep 30");
    let t = std::time::Instant::now();
    let out = sohoa()
        .args(["ocr", "--timeout", "1"])
        .arg(data("notice.png"))
        .env("PATH", path_with(slow.path()))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("notice.png: OCR failed: tesseract timed out after 1 s"),
        "{err}"
    );
    assert!(t.elapsed().as_secs() < 20, "the child was killed");
}

#[test]
fn missing_pdftoppm_says_how_to_install() {
    // Tesseract present (fake), pdftoppm absent: PATH holds only the fake directory.
    let fake = fake_tesseract("eng\\nvie\\n", "exit 0");
    let out = sohoa()
        .arg("ocr")
        .arg(data("notice.pdf"))
        .env("PATH", fake.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("pdftoppm is not installed") && err.contains("apt-get install poppler-utils"),
        "{err}"
    );
}

#[test]
fn reads_vietnamese_png() {
    if let Some(why) = skip_reason() {
        eprintln!("SKIP reads_vietnamese_png: {why}");
        return;
    }
    let pages = ocr_file(&data("notice.png"), &OcrOptions::default()).unwrap();
    assert_eq!(pages.pages.len(), 1);
    assert_eq!(pages.hocr.len(), 1);
    assert!(pages.hocr[0].contains("ocr_page") && pages.hocr[0].contains("x_wconf"));
    let r = recall(&pages.text());
    assert!(r >= 0.9, "word recall {r}: {:?}", pages.text());
}

#[test]
fn multipage_tiff_keeps_page_breaks() {
    if let Some(why) = skip_reason() {
        eprintln!("SKIP multipage_tiff_keeps_page_breaks: {why}");
        return;
    }
    let pages = ocr_file(&data("notice.tif"), &OcrOptions::default()).unwrap();
    assert_eq!(pages.pages.len(), 2, "{:?}", pages.pages);
    assert_eq!(pages.hocr.len(), 1);
    assert_eq!(pages.hocr[0].matches("class='ocr_page'").count(), 2);
    assert!(pages.pages[0].contains("Tân Phú"), "{:?}", pages.pages[0]);
    assert!(pages.pages[1].contains("tùy thân"), "{:?}", pages.pages[1]);
    assert_eq!(pages.text().matches('\u{c}').count(), 1);
    assert!(recall(&pages.text()) >= 0.9);
}

#[test]
fn pdf_pages_through_pdftoppm() {
    if let Some(why) = skip_reason() {
        eprintln!("SKIP pdf_pages_through_pdftoppm: {why}");
        return;
    }
    if Command::new("pdftoppm").arg("-v").output().is_err() {
        eprintln!("SKIP pdf_pages_through_pdftoppm: pdftoppm not installed (apt-get install poppler-utils)");
        return;
    }
    let out = sohoa().arg("ocr").arg(data("notice.pdf")).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.matches('\u{c}').count(), 1, "{text:?}");
    assert!(recall(&text) >= 0.9, "{text:?}");
    let hocr = sohoa()
        .args(["ocr", "--hocr"])
        .arg(data("notice.pdf"))
        .output()
        .unwrap();
    let hocr = String::from_utf8(hocr.stdout).unwrap();
    assert_eq!(hocr.matches("class='ocr_page'").count(), 2);
}

/// `sohoa ARGS notice.png` with the fake engine `fake` first on the `PATH`.
fn ocr_with(fake: &tempfile::TempDir, args: &[&str]) -> std::process::Output {
    sohoa()
        .args(args)
        .arg(data("notice.png"))
        .env("PATH", path_with(fake.path()))
        .output()
        .unwrap()
}

/// A fake engine whose default reading of the page has confidence `first` and whose reading with
/// local thresholding has confidence 93; every run is logged in `runs.log` beside it.
fn two_readings(first: u32) -> tempfile::TempDir {
    fake_tesseract(
        "eng\\nvie\\n",
        &format!(
            r#"dir=$(dirname "$0")
base=$2
case "$*" in
  *thresholding_method=2*) conf=93; text='Kính gửi: Hội đồng nhân dân tỉnh' ;;
  *) conf={first}; text='sào có co' ;;
esac
echo "$*" >> "$dir/runs.log"
printf '<html><body><div class="ocr_page"><span class="ocrx_word" title="bbox 1 1 9 9; x_wconf %s">w</span><span class="ocrx_word" title="bbox 1 1 9 9; x_wconf %s">w</span></div></body></html>' $conf $conf > "$base.hocr"
printf '%s\n\f' "$text" > "$base.txt""#
        ),
    )
}

#[test]
fn a_doubtful_page_is_read_again_with_local_thresholding() {
    // Low confidence: read again, and the more confident second reading wins.
    let fake = two_readings(41);
    let out = ocr_with(&fake, &["ocr"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "Kính gửi: Hội đồng nhân dân tỉnh"
    );
    let runs = std::fs::read_to_string(fake.path().join("runs.log")).unwrap();
    assert_eq!(runs.lines().count(), 2, "{runs}");

    // A confident first reading is kept, and the page is read once.
    let fake = two_readings(96);
    let out = ocr_with(&fake, &["ocr"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "sào có co");
    let runs = std::fs::read_to_string(fake.path().join("runs.log")).unwrap();
    assert_eq!(runs.lines().count(), 1, "{runs}");

    // Switched off: one reading whatever its confidence.
    let fake = two_readings(41);
    let out = ocr_with(&fake, &["ocr", "--retry-below", "0"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "sào có co");
}

#[test]
fn mean_confidence_of_hocr() {
    let h = r#"<html><body><div class="ocr_page" title="bbox 0 0 100 100">
<span class="ocr_line" title="bbox 0 0 100 10"><span class="ocrx_word" title="bbox 0 0 1 1; x_wconf 90">a</span>
<span class="ocrx_word" title="bbox 2 0 3 1; x_wconf 70">b</span><span class="ocrx_word" title="bbox 4 0 5 1">c</span></span>
</div></body></html>"#;
    let mean = sohoa::ocr::mean_confidence(h).unwrap();
    assert!((mean - 80.0).abs() < 1e-3, "{mean}");
    let none = r#"<html><body><div class="ocr_page" title="bbox 0 0 1 1"></div></body></html>"#;
    assert_eq!(sohoa::ocr::mean_confidence(none), None);
    assert_eq!(sohoa::ocr::mean_confidence("<html></html>"), None);
}

#[test]
fn a_page_too_slow_to_read_is_read_with_local_thresholding() {
    // The default reading hangs (speckle makes Tesseract crawl); the second one is quick.
    let fake = fake_tesseract(
        "eng\\nvie\\n",
        r#"base=$2
case "$*" in
  *thresholding_method=2*) ;;
  *) sleep 30 ;;
esac
printf '<span title="x_wconf 90">w</span>' > "$base.hocr"
printf 'Nơi nhận:\n\f' > "$base.txt""#,
    );
    let t = std::time::Instant::now();
    let out = ocr_with(&fake, &["ocr", "--first-reading-timeout", "1"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "Nơi nhận:");
    assert!(t.elapsed().as_secs() < 20, "the slow reading was cut short");
}
