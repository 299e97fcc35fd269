//! Decoder tests on text we wrote: our notices read by real Tesseract (`corpus/dev`), and small
//! garbled fixtures that show each kind of OCR damage the restorer must undo.

use sohoa::{Models, Restorer, RestorerBuilder};
use std::sync::{Arc, OnceLock};

fn restorer() -> &'static Restorer {
    static R: OnceLock<Restorer> = OnceLock::new();
    R.get_or_init(|| {
        let models = Models::embedded().expect("models are embedded in this build");
        RestorerBuilder::new().build(Arc::new(models)).unwrap()
    })
}

fn read(p: &str) -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(p)).unwrap()
}

#[test]
fn own_notices_reach_the_accuracy_bar() {
    for font in ["freeserif", "tinos"] {
        let gold = read(&format!("corpus/dev/all-{font}.gold.txt"));
        let ocr = read(&format!("corpus/dev/all-{font}.ocr.txt"));
        let raw = sohoa::eval::score(&gold, &ocr, 0).word_accuracy();
        let out = restorer().restore(&ocr);
        let acc = sohoa::eval::score(&gold, &out.text, 0).word_accuracy();
        assert!(
            raw < 0.2,
            "{font}: raw OCR should be badly damaged, got {raw}"
        );
        assert!(acc >= 0.97, "{font}: word accuracy {acc} below 0.97");
        assert_eq!(
            out.text.lines().count(),
            ocr.lines().count(),
            "{font}: a line in is a line out"
        );
    }
}

#[test]
fn typical_damage_is_undone() {
    let cases = [
        (
            "Két luan ctia Chii tich UBND tinh tai cudc hop",
            "Kết luận của Chủ tịch UBND tỉnh tại cuộc họp",
        ),
        (
            "Ban Chi dao Cai cdch hanh chinh tinh",
            "Ban Chỉ đạo Cải cách hành chính tỉnh",
        ),
        (
            "Gy ban nhan dan tinh Déng Nai",
            "Ủy ban nhân dân tỉnh Đồng Nai",
        ),
        ("Giám déc S& Ndi vu", "Giám đốc Sở Nội vụ"),
        ("nghi quyét cua HDND tinh", "nghị quyết của HĐND tỉnh"),
    ];
    for (ocr, gold) in cases {
        assert_eq!(restorer().restore(ocr).text, gold, "input {ocr:?}");
    }
}

#[test]
fn numbers_codes_and_punctuation_pass_through() {
    let ocr = "Theo Quyét dinh s6 573/QD-UBND ngay 31/3/2023, dat 82.92 diém (99,54%); xem https://dichvucong.gov.vn/p/home.\n";
    let out = restorer().restore(ocr);
    for keep in [
        "573/QĐ-UBND",
        "31/3/2023",
        "82.92",
        "99,54%",
        "https://dichvucong.gov.vn/p/home",
    ] {
        assert!(out.text.contains(keep), "{keep:?} lost in {:?}", out.text);
    }
    assert!(
        out.text.starts_with("Theo Quyết định số "),
        "{:?}",
        out.text
    );
    assert!(out.text.ends_with(".\n"));
}

#[test]
fn lines_and_blank_lines_are_kept() {
    let ocr =
        "THONG BAO\r\n\r\nKét luan ctia Chii tich\n\n\n  tai cudc hop  \nlast line without newline";
    let out = restorer().restore(ocr);
    let a: Vec<&str> = ocr.split('\n').collect();
    let b: Vec<&str> = out.text.split('\n').collect();
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.is_empty(), y.is_empty());
        assert_eq!(x.ends_with('\r'), y.ends_with('\r'));
        assert_eq!(x.starts_with(' '), y.starts_with(' '));
    }
    assert!(b[0].starts_with("THÔNG BÁO"));
}

#[test]
fn changes_point_at_the_original() {
    let ocr = "Dén nay, Gy ban da hoan thanh 207 ho so.";
    let out = restorer().restore(ocr);
    let chars: Vec<char> = ocr.chars().collect();
    assert!(!out.changes.is_empty());
    for c in &out.changes {
        let orig: String = chars[c.span[0]..c.span[1]].iter().collect();
        assert_eq!(orig, c.original);
        assert!((0.0..=1.0).contains(&c.confidence));
        assert_eq!(c.line, 1);
    }
    assert!(out.changes.iter().all(|c| c.original != "207"));
}

#[test]
fn correct_vietnamese_is_left_alone() {
    let text = "Sở Nội vụ chủ trì, phối hợp với các cơ quan liên quan sử dụng hiệu quả nguồn lực.";
    assert_eq!(restorer().restore(text).text, text);
}

#[test]
fn foreign_words_and_abbreviations_survive() {
    let out = restorer().restore("Ung dung Zalo va PAR Index cua UBND, TTHC tai KCN");
    for w in ["Zalo", "PAR Index", "UBND", "TTHC", "KCN"] {
        assert!(out.text.contains(w), "{w} lost in {:?}", out.text);
    }
}
