//! Extraction: header, sections, indicators, references, footnotes and dates, on fixtures written
//! for these tests, on the shared sample (clean, and OCR paired with its restoration), and as
//! JSON snapshots of the corpus notices, every one validated against the shipped schema.

use sohoa::{extract, json_schema, Document, ExtractInput, IndicatorKind, SectionKind};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(original: &str, restored: &str) -> Document {
    let doc = extract(&ExtractInput {
        original,
        restored,
        source: Some("test".into()),
    })
    .unwrap();
    validate(&doc);
    doc
}

fn clean(text: &str) -> Document {
    run(text, text)
}

/// The sections' markers with their depths, in order.
fn markers(doc: &Document) -> Vec<(&str, u32)> {
    doc.sections
        .iter()
        .map(|s| (s.marker.as_str(), s.level))
        .collect()
}

/// Validate a document against `schema/document.schema.json`.
fn validate(doc: &Document) {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("schema/document.schema.json")).unwrap(),
    )
    .unwrap();
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler
        .add_resource("file:///document.schema.json", schema)
        .unwrap();
    let idx = compiler
        .compile("file:///document.schema.json", &mut schemas)
        .unwrap();
    let value = serde_json::to_value(doc).unwrap();
    if let Err(e) = schemas.validate(&value, idx) {
        panic!("document does not match the schema: {e}");
    }
}

/// The text of a span in `original`.
fn at(original: &str, span: [usize; 2]) -> String {
    original
        .chars()
        .skip(span[0])
        .take(span[1] - span[0])
        .collect()
}

#[test]
fn schema_file_is_current() {
    let path = root().join("schema/document.schema.json");
    let fresh = serde_json::to_string_pretty(&json_schema()).unwrap() + "\n";
    if std::env::var("SOHOA_BLESS").is_ok_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &fresh).unwrap();
    }
    let shipped = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        shipped, fresh,
        "schema/document.schema.json is stale: rerun the tests with SOHOA_BLESS=1"
    );
}

fn heading_table(doc: &Document) -> Vec<(String, u32, Option<SectionKind>)> {
    doc.sections
        .iter()
        .map(|s| (s.marker.clone(), s.level, s.kind))
        .collect()
}

fn sample(name: &str) -> Option<String> {
    let p = root().join("../shared/samples").join(name);
    let p = if p.exists() {
        p
    } else {
        Path::new("/work/shared/samples").join(name)
    };
    std::fs::read_to_string(p).ok()
}

fn check_sample(doc: &Document, original: &str) {
    use SectionKind::{Results as R, Shortcomings as S};
    let numbered: Vec<_> = heading_table(doc)
        .into_iter()
        .filter(|(m, _, _)| m != "-")
        .collect();
    let want = [
        ("I.", 1, R),
        ("1.", 2, R),
        ("a)", 3, R),
        ("b)", 3, S),
        ("2.", 2, R),
        ("a)", 3, R),
        ("b)", 3, S),
    ];
    let want: Vec<_> = want
        .iter()
        .map(|(m, l, k)| (m.to_string(), *l, Some(*k)))
        .collect();
    assert_eq!(numbered, want);
    let bullets: Vec<_> = doc.sections.iter().filter(|s| s.marker == "-").collect();
    assert_eq!(bullets.len(), 8);
    assert!(bullets.iter().all(|b| b.level == 4));
    assert_eq!(
        doc.sections[0].heading.split_whitespace().last(),
        Some("2023")
    );

    let find = |text: &str| {
        doc.indicators
            .iter()
            .find(|i| i.text.starts_with(text))
            .unwrap_or_else(|| panic!("indicator {text} not found"))
    };
    let i = find("82.92 điểm");
    assert_eq!((i.kind, i.value), (IndicatorKind::Score, 82.92));
    assert_eq!(
        i.subject.as_deref(),
        Some("Chỉ số cải cách hành chính cấp tỉnh")
    );
    let i = find("51/63");
    assert_eq!(
        (i.kind, i.value, i.denominator),
        (IndicatorKind::Rank, 51.0, Some(63.0))
    );
    let i = find("0.41");
    assert_eq!((i.kind, i.value), (IndicatorKind::Change, 0.41));
    assert_eq!(i.direction, Some(sohoa::Direction::Down));
    let i = find("04 hạng");
    assert_eq!(
        (i.kind, i.value, i.base_year),
        (IndicatorKind::Change, 4.0, Some(2021))
    );
    assert_eq!(i.direction, Some(sohoa::Direction::Up));
    let i = find("16,3/22");
    assert_eq!(
        (i.kind, i.value, i.denominator),
        (IndicatorKind::Score, 16.3, Some(22.0))
    );
    let i = find("58/63");
    assert_eq!(
        (i.kind, i.value, i.denominator),
        (IndicatorKind::Rank, 58.0, Some(63.0))
    );
    let i = find("3.47/6.5");
    assert_eq!(
        (i.kind, i.value, i.denominator),
        (IndicatorKind::Score, 3.47, Some(6.5))
    );
    let i = find("60/63");
    assert_eq!(
        (i.kind, i.value, i.denominator),
        (IndicatorKind::Rank, 60.0, Some(63.0))
    );
    let i = find("70%");
    assert!(i.target);
    assert_eq!(i.level.as_deref(), Some("cấp sở"));
    // Every PAR-index indicator sits in the last bullet of "b) Các tồn tại, hạn chế".
    let par = doc.indicators.iter().find(|i| i.text == "51/63").unwrap();
    let sec = doc
        .sections
        .iter()
        .find(|s| Some(&s.id) == par.section.as_ref())
        .unwrap();
    assert_eq!(sec.kind, Some(SectionKind::Shortcomings));
    assert_eq!(at(original, par.span), "51/63");

    let refs: Vec<_> = doc
        .references
        .iter()
        .map(|r| (r.number.as_str(), r.date.as_deref(), r.ref_type.as_deref()))
        .collect();
    assert_eq!(
        refs,
        [
            ("5125-CV/TU", Some("2023-05-10"), Some("Văn bản")),
            ("02/CT-UBND", Some("2023-03-02"), Some("Chỉ thị")),
            ("23/KH-UBND", Some("2023-01-19"), Some("Kế hoạch")),
            ("119/QĐ-UBND", Some("2023-01-19"), Some("Quyết định")),
            ("4444/KL-ĐCTLN", Some("2022-10-11"), Some("Kết luận")),
            ("27/2020/QĐ-UBND", Some("2020-06-26"), Some("Quyết định")),
        ]
    );
    // No date or document number is read as a quantity.
    assert!(!doc
        .indicators
        .iter()
        .any(|i| [5125.0, 2023.0, 119.0, 4444.0, 10.0].contains(&i.value)));
    let d = doc.document.date.as_ref().unwrap();
    assert_eq!(d.value, "2023-06-01");
    assert_eq!(doc.document.doc_type.as_ref().unwrap().value, "THÔNG BÁO");
    assert!(doc
        .dates
        .iter()
        .any(|d| d.period.as_deref() == Some("2023-01/2023-06") && d.line == 4));
    assert!(doc
        .dates
        .iter()
        .any(|d| d.period.as_deref() == Some("2023-05") && d.line == 106));
}

#[test]
fn sample_clean() {
    let Some(gold) = sample("notice-part1.gold.txt") else {
        eprintln!("shared sample missing; skipped");
        return;
    };
    let doc = clean(&gold);
    check_sample(&doc, &gold);
    let r = doc
        .references
        .iter()
        .find(|r| r.number == "27/2020/QĐ-UBND")
        .unwrap();
    assert_eq!(
        at(&gold, r.span),
        "Quyết định số 27/2020/QĐ-UBND\nngày 26/6/2020"
    );
}

#[test]
fn sample_ocr_spans_point_into_the_scan() {
    let (Some(gold), Some(ocr)) = (
        sample("notice-part1.gold.txt"),
        sample("notice-part1.ocr.txt"),
    ) else {
        eprintln!("shared sample missing; skipped");
        return;
    };
    let doc = run(&ocr, &gold);
    check_sample(&doc, &ocr);
    let r = doc
        .references
        .iter()
        .find(|r| r.number == "119/QĐ-UBND")
        .unwrap();
    assert_eq!(
        at(&ocr, r.span),
        "Quyét dinh s6\n119/QD-UBND ngay 19/01/2023"
    );
    let i = doc
        .indicators
        .iter()
        .find(|i| i.text == "82.92 điểm")
        .unwrap();
    assert_eq!(at(&ocr, i.span), "82.92 diém");
    let s = doc
        .sections
        .iter()
        .find(|s| s.heading == "Kết quả đạt được")
        .unwrap();
    assert_eq!(at(&ocr, s.span), "a) Két qua dat dwoc");
    for s in &doc.sections {
        assert!(s.span[1] <= s.body_span[0] && s.body_span[0] <= s.body_span[1]);
    }
}

/// A notice of the given type, written for these tests.
fn notice(type_line: &str, code: &str) -> String {
    format!(
        "ỦY BAN NHÂN DÂN\nTỈNH BÌNH PHƯỚC\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n\
Số: 45/{code}-UBND\nBình Phước, ngày 07 tháng 9 năm 2023\n{type_line}\n\
Về việc kiểm tra công tác văn thư, lưu trữ năm 2023\n\
Thực hiện Kế hoạch số 12/KH-UBND ngày 03/02/2023 của UBND tỉnh, UBND tỉnh thông báo như sau:\n\
I. KẾT QUẢ THỰC HIỆN\n1. Tỷ lệ văn bản điện tử có ký số đạt 97,5%.\n\
II. NHIỆM VỤ\n- Phấn đấu tỷ lệ số hóa hồ sơ đạt tối thiểu 80%.\n\
Nơi nhận:\n- Như trên;\n- Lưu: VT, TH.\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH\nTrần Văn Bình\n"
    )
}

#[test]
fn header_of_every_document_type() {
    let types = [
        ("THÔNG BÁO", "TB"),
        ("QUYẾT ĐỊNH", "QĐ"),
        ("KẾ HOẠCH", "KH"),
        ("BÁO CÁO", "BC"),
        ("TỜ TRÌNH", "TTr"),
        ("NGHỊ QUYẾT", "NQ"),
        ("CHỈ THỊ", "CT"),
        ("KẾT LUẬN", "KL"),
        ("CÔNG ĐIỆN", "CĐ"),
    ];
    for (t, code) in types {
        let text = notice(t, code);
        let doc = clean(&text);
        let h = &doc.document;
        assert_eq!(h.doc_type.as_ref().unwrap().value, t);
        assert_eq!(h.number.as_ref().unwrap().value, format!("45/{code}-UBND"));
        assert_eq!(h.date.as_ref().unwrap().value, "2023-09-07");
        assert_eq!(h.place.as_ref().unwrap().value, "Bình Phước");
        assert_eq!(
            h.issuer.as_ref().unwrap().value,
            "ỦY BAN NHÂN DÂN TỈNH BÌNH PHƯỚC"
        );
        assert_eq!(
            h.title.as_ref().unwrap().value,
            "Về việc kiểm tra công tác văn thư, lưu trữ năm 2023"
        );
        let signer = h.signer.as_ref().unwrap();
        assert_eq!(signer.name.as_ref().unwrap().value, "Trần Văn Bình");
        assert_eq!(
            signer.position.as_ref().unwrap().value,
            "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH"
        );
        let rec: Vec<_> = h.recipients.iter().map(|r| r.value.as_str()).collect();
        assert_eq!(rec, ["Như trên", "Lưu: VT, TH"]);
        // The document's own number is not a reference; the cited plan is.
        assert_eq!(doc.references.len(), 1, "{t}");
        assert_eq!(doc.references[0].number, "12/KH-UBND");
        let markers: Vec<_> = doc.sections.iter().map(|s| s.marker.as_str()).collect();
        assert_eq!(markers, ["I.", "1.", "II.", "-"], "{t}");
        let kinds: Vec<_> = doc.indicators.iter().map(|i| (i.kind, i.value)).collect();
        assert_eq!(
            kinds,
            [
                (IndicatorKind::Percent, 97.5),
                (IndicatorKind::Target, 80.0)
            ]
        );
        let span = h.number.as_ref().unwrap().span;
        assert_eq!(at(&text, span), format!("45/{code}-UBND"));
    }
}

#[test]
fn official_letter_header() {
    let text = "UBND TỈNH QUẢNG TRỊ\nSỞ NỘI VỤ\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n\
Số: 812/SNV-CCHC\nV/v đôn đốc báo cáo cải cách hành chính quý III/2023\nQuảng Trị, ngày 02 tháng 10 năm 2023\n\
Kính gửi:\n- Các sở, ban, ngành;\n- UBND các huyện, thị xã, thành phố.\n\
Thực hiện Công văn số 2816/BNV-CCHC ngày 26/5/2023 của Bộ Nội vụ, Sở Nội vụ đề nghị các cơ quan báo cáo trước ngày 10/10/2023.\n\
Nơi nhận:\n- Như trên;\n- Lưu: VT.\nGIÁM ĐỐC\nHồ Thị Lan\n";
    let doc = clean(text);
    let h = &doc.document;
    assert_eq!(h.doc_type.as_ref().unwrap().value, "CÔNG VĂN");
    assert_eq!(
        h.title.as_ref().unwrap().value,
        "đôn đốc báo cáo cải cách hành chính quý III/2023"
    );
    assert_eq!(h.addressees.len(), 2);
    assert_eq!(
        h.issuer.as_ref().unwrap().value,
        "UBND TỈNH QUẢNG TRỊ SỞ NỘI VỤ"
    );
    assert!(doc.sections.is_empty(), "{:?}", doc.sections);
    assert_eq!(doc.references[0].ref_type.as_deref(), Some("Công văn"));
    assert_eq!(doc.references[0].date.as_deref(), Some("2023-05-26"));
    assert!(doc
        .dates
        .iter()
        .any(|d| d.period.as_deref() == Some("2023-07/2023-09")));
    assert_eq!(
        h.signer.as_ref().unwrap().position.as_ref().unwrap().value,
        "GIÁM ĐỐC"
    );
}

const MARKERS: &str = "THÔNG BÁO\nKết quả kiểm tra năm 2023\n\
Sau khi nghe báo cáo, Chủ tịch UBND tỉnh kết luận như sau:\n\
I. KẾT QUẢ ĐẠT ĐƯỢC\n1. Cải cách thể chế\n1.1. Rà soát văn bản\n1.1.1. Văn bản cấp tỉnh\n\
a) Hoàn thành rà soát 120 văn bản.\nb) Tồn tại, hạn chế\n- Một số văn bản ban hành chậm.\n\
+ Văn bản về đất đai.\n• Văn bản về xây dựng.\nc) Bãi bỏ 05 văn bản.\n\
2. Cải cách thủ tục hành chính\n1) Công bố 96 thủ tục mới.\n2) Bãi bỏ 14 thủ tục.\n\
II. NHIỆM VỤ, GIẢI PHÁP\n1. Giao Sở Nội vụ chủ trì.\nIII. KIẾN NGHỊ\nĐề nghị Bộ Nội vụ hướng dẫn.\n";

#[test]
fn every_marker_kind() {
    use SectionKind::{Results as R, Shortcomings as S, Tasks as T};
    let doc = clean(MARKERS);
    let got: Vec<_> = heading_table(&doc);
    let want = [
        ("I.", 1, R),
        ("1.", 2, R),
        ("1.1.", 3, R),
        ("1.1.1.", 4, R),
        ("a)", 5, R),
        ("b)", 5, S),
        ("-", 6, S),
        ("+", 7, S),
        ("•", 8, S),
        ("c)", 5, R),
        ("2.", 2, R),
        ("1)", 3, R),
        ("2)", 3, R),
        ("II.", 1, T),
        ("1.", 2, T),
        ("III.", 1, T),
    ];
    let want: Vec<_> = want
        .iter()
        .map(|(m, l, k)| (m.to_string(), *l, Some(*k)))
        .collect();
    assert_eq!(got, want);
    let parents: Vec<_> = doc.sections.iter().map(|s| s.parent.as_deref()).collect();
    assert_eq!(parents[..4], [None, Some("s1"), Some("s2"), Some("s3")]);
    assert_eq!(doc.sections[1].heading, "Cải cách thể chế");
    // The body of `I.` runs to the line before `II.`.
    let i = &doc.sections[0];
    assert!(at(MARKERS, i.body_span).ends_with("Bãi bỏ 14 thủ tục."));
    let count = doc.indicators.iter().find(|i| i.value == 120.0).unwrap();
    assert_eq!(count.unit.as_deref(), Some("văn bản"));
    assert_eq!(count.section.as_deref(), Some("s5"));
}

#[test]
fn articles() {
    let text = "QUYẾT ĐỊNH\nVề việc phê duyệt kế hoạch\nCăn cứ Nghị định số 30/2020/NĐ-CP ngày 05/3/2020;\nQUYẾT ĐỊNH:\n\
Điều 1. Phê duyệt kế hoạch\n1. Mục tiêu\na) Đạt 100% hồ sơ.\nĐiều 2. Tổ chức thực hiện\n1. Sở Nội vụ chủ trì.\n";
    let doc = clean(text);
    let got = markers(&doc);
    assert_eq!(
        got,
        [
            ("Điều 1.", 1),
            ("1.", 2),
            ("a)", 3),
            ("Điều 2.", 1),
            ("1.", 2)
        ]
    );
    assert_eq!(doc.sections[3].kind, Some(SectionKind::Tasks));
    assert_eq!(doc.references[0].ref_type.as_deref(), Some("Nghị định"));
}

#[test]
fn ocr_damaged_markers() {
    let text = "THÔNG BÁO\nKết quả kiểm tra\n\nI. Kết quả đạt được\n1. Cải cách thể chế\na) Rà soát 120 văn bản.\n\
b) Tồn tại, hạn chế\n¢) Nguyên nhân khách quan\n3. Cải cách tổ chức bộ máy\na) Giảm 03 phòng chuyên môn.\n\
2. Tồn tại về biên chế\nIL. NHIỆM VỤ TRỌNG TÂM\n1. Hoàn thành việc số hóa hồ sơ\n";
    let doc = clean(text);
    let got = markers(&doc);
    assert_eq!(
        got,
        [
            ("I.", 1),
            ("1.", 2),
            ("a)", 3),
            ("b)", 3),
            ("c)", 3),
            ("3.", 2),
            ("a)", 3),
            ("b)", 3),
            ("II.", 1),
            ("1.", 2),
        ]
    );
    assert_eq!(doc.sections[7].kind, Some(SectionKind::Shortcomings));
    assert_eq!(doc.sections[8].kind, Some(SectionKind::Tasks));
}

/// A roman heading whose last `I`s OCR lost (`III.` read `I.` or `II.`) takes its place in the
/// sequence; one that is no such prefix of the next numeral starts afresh.
#[test]
fn roman_headings_that_lost_their_last_i() {
    let parts = |third: &str| {
        format!("KẾ HOẠCH\n\nI. MỤC ĐÍCH\nNội dung.\nII. CHỈ TIÊU\nNội dung.\n{third} NHIỆM VỤ\nNội dung.\n")
    };
    for third in ["I.", "II.", "III."] {
        assert_eq!(
            markers(&clean(&parts(third))),
            [("I.", 1), ("II.", 1), ("III.", 1)],
            "{third}"
        );
    }
    let fresh = "KẾ HOẠCH\n\nI. MỤC ĐÍCH\nNội dung.\nII. A\nNội dung.\nIII. B\nNội dung.\nIV. C\nNội dung.\nV. D\nNội dung.\nVI. E\nNội dung.\nVII. F\nNội dung.\nI. PHỤ LỤC\nNội dung.\n";
    assert_eq!(
        clean(fresh).sections.last().map(|s| s.marker.as_str()),
        Some("I.")
    );
}

#[test]
fn page_break_footnotes_and_furniture() {
    let text = "THÔNG BÁO\nKết quả\n\nI. Kết quả đạt được\n\
Trong kỳ, các sở1 đã tiếp nhận 1.250 hồ sơ, giải quyết đúng hạn đạt 70%! và phản hồi 98,2%? kiến nghị của\n\
2\n1 Các Sở: Nội vụ, Tư pháp, Tài chính.\n! Số liệu tính đến ngày 15/6/2023.\n? Theo phần mềm một cửa.\n\
6 tháng đầu năm 2023, tỷ lệ hồ sơ trực tuyến đạt 45,5%.\nII. Nhiệm vụ\n1. Nâng tỷ lệ lên 60%.\n";
    let doc = clean(text);
    let markers: Vec<_> = doc.sections.iter().map(|s| s.marker.as_str()).collect();
    assert_eq!(markers, ["I.", "II.", "1."]);
    let notes: Vec<_> = doc
        .footnotes
        .iter()
        .map(|f| (f.marker.as_str(), f.text.as_str(), f.calls.len()))
        .collect();
    assert_eq!(
        notes,
        [
            ("1", "Các Sở: Nội vụ, Tư pháp, Tài chính.", 1),
            ("!", "Số liệu tính đến ngày 15/6/2023.", 1),
            ("?", "Theo phần mềm một cửa.", 1),
        ]
    );
    assert_eq!(at(text, doc.footnotes[1].calls[0].span), "!");
    assert_eq!(doc.footnotes[1].calls[0].line, 5);
    let vals: Vec<_> = doc.indicators.iter().map(|i| (i.kind, i.value)).collect();
    assert_eq!(
        vals,
        [
            (IndicatorKind::Count, 1250.0),
            (IndicatorKind::Percent, 70.0),
            (IndicatorKind::Percent, 98.2),
            (IndicatorKind::Percent, 45.5),
            (IndicatorKind::Target, 60.0),
        ]
    );
    assert!(doc
        .dates
        .iter()
        .any(|d| d.period.as_deref() == Some("2023-01/2023-06") && d.line == 10));
}

#[test]
fn number_formats_and_kinds() {
    let text = "BÁO CÁO\nKết quả năm 2022\n\
Tổng đài tiếp nhận 7.946 lượt; tổng số hồ sơ là 1.284.617 hồ sơ; chỉ số thành phần đạt 16,3/22 điểm; \
Chỉ số PAR Index đạt 82.92 điểm, xếp hạng 51/63, giảm 0,41 điểm so với năm 2021; tỷ lệ đúng hạn đạt 99,54%; \
kinh phí 1.250 triệu đồng; thời gian giải quyết 03 ngày làm việc; tỷ lệ số hóa đạt 60-80%; \
170/170 UBND cấp xã kết nối; phấn đấu tối thiểu 70% cấp sở, 30% cấp huyện.\n";
    let doc = clean(text);
    let got: Vec<_> = doc
        .indicators
        .iter()
        .map(|i| (i.kind, i.value, i.denominator, i.unit.as_deref()))
        .collect();
    use IndicatorKind as K;
    assert_eq!(
        got,
        [
            (K::Count, 7946.0, None, Some("lượt")),
            (K::Count, 1_284_617.0, None, Some("hồ sơ")),
            (K::Score, 16.3, Some(22.0), Some("điểm")),
            (K::Score, 82.92, None, Some("điểm")),
            (K::Rank, 51.0, Some(63.0), None),
            (K::Change, 0.41, None, Some("điểm")),
            (K::Percent, 99.54, None, Some("%")),
            (K::Money, 1250.0, None, Some("triệu đồng")),
            (K::Duration, 3.0, None, Some("ngày làm việc")),
            (K::Range, 60.0, None, Some("%")),
            (K::Ratio, 170.0, Some(170.0), Some("UBND")),
            (K::Target, 70.0, None, Some("%")),
            (K::Target, 30.0, None, Some("%")),
        ]
    );
    let range = &doc.indicators[9];
    assert_eq!(range.upper, Some(80.0));
    let change = &doc.indicators[5];
    assert_eq!(change.base_year, Some(2021));
    assert_eq!(change.subject.as_deref(), Some("Chỉ số PAR Index"));
    assert_eq!(doc.indicators[12].level.as_deref(), Some("cấp huyện"));
    assert_eq!(doc.indicators[10].level.as_deref(), Some("cấp xã"));
}

#[test]
fn references_split_across_lines_and_without_type() {
    let text = "THÔNG BÁO\nKết luận\nThực hiện Nghị quyết số 18-NQ/TW ngày 25/10/2017, Quyết định số\n766/QĐ-TTg ngày 23\ntháng 6 năm 2022 và 01/2023/TT-VPCP.\n";
    let doc = clean(text);
    let got: Vec<_> = doc
        .references
        .iter()
        .map(|r| {
            (
                r.ref_type.as_deref(),
                r.number.as_str(),
                r.date.as_deref(),
                r.line,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (Some("Nghị quyết"), "18-NQ/TW", Some("2017-10-25"), 3),
            (Some("Quyết định"), "766/QĐ-TTg", Some("2022-06-23"), 3),
            (Some("Thông tư"), "01/2023/TT-VPCP", None, 5),
        ]
    );
}

#[test]
fn mismatched_line_counts_are_an_error() {
    let r = extract(&ExtractInput {
        original: "a\nb\nc",
        restored: "a\nb",
        source: None,
    });
    assert!(r.is_err());
}

#[test]
fn corpus_notices_snapshots() {
    let dir = root().join("corpus/notices");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    names.sort();
    assert_eq!(names.len(), 8);
    for p in names {
        let text = std::fs::read_to_string(&p).unwrap();
        let name = p.file_stem().unwrap().to_str().unwrap().to_string();
        let mut doc = extract(&ExtractInput {
            original: &text,
            restored: &text,
            source: Some(format!("{name}.txt")),
        })
        .unwrap();
        validate(&doc);
        assert!(doc.document.doc_type.is_some(), "{name}: no type");
        assert!(doc.document.date.is_some(), "{name}: no date");
        assert!(doc.document.signer.is_some(), "{name}: no signer");
        assert!(!doc.sections.is_empty(), "{name}: no sections");
        // The texts are in the corpus already; keep the snapshots to what was extracted.
        doc.original.clear();
        doc.restored.clear();
        insta::assert_json_snapshot!(name, doc);
    }
}

// Record agreement (`sohoa::eval::record`): how `sohoa eval --extract` scores a record.

/// A notice for the record comparison tests.
const NOTICE: &str = "ỦY BAN NHÂN DÂN\nTỈNH ĐỒNG NAI\nSố: 120/TB-UBND\nĐồng Nai, ngày 5 tháng 6 năm 2023\nTHÔNG BÁO\nKết luận của Chủ tịch UBND tỉnh\nI. KẾT QUẢ ĐẠT ĐƯỢC\n1. Tỷ lệ hồ sơ trực tuyến đạt 82,5%, tăng 3,2 điểm so với năm 2022.\n2. Thực hiện Quyết định số 573/QĐ-UBND ngày 31/3/2023 của UBND tỉnh.\nII. TỒN TẠI, HẠN CHẾ\n- Chỉ số PAR Index xếp hạng 51/63.\n";

#[test]
fn a_record_agrees_with_itself_in_full() {
    let d = clean(NOTICE);
    let a = sohoa::eval::record::compare(&d, &d);
    assert!(a.differences.is_empty(), "{:?}", a.differences);
    for c in [a.header, a.sections, a.indicators, a.references, a.dates] {
        assert_eq!(c.matched, c.gold);
        assert_eq!(c.precision(), 1.0);
    }
    assert!(a.indicators.gold >= 3 && a.sections.gold >= 4 && a.references.gold == 1);
}

#[test]
fn a_changed_value_a_lost_section_and_a_wrong_number_are_counted() {
    let gold = clean(NOTICE);
    let got = clean(
        &NOTICE
            .replace("82,5%", "82,6%")
            .replace("- Chỉ số", "Chỉ số")
            .replace("573/QĐ", "578/QĐ"),
    );
    let a = sohoa::eval::record::compare(&gold, &got);
    assert_eq!(a.indicators.gold, a.indicators.got);
    assert_eq!(a.indicators.matched + 1, a.indicators.gold);
    assert_eq!(
        (a.sections.matched + 1, a.sections.got + 1),
        (a.sections.gold, a.sections.gold)
    );
    assert_eq!((a.references.matched, a.references.gold), (0, 1));
    assert!(a
        .differences
        .iter()
        .any(|(k, g, t)| k == "indicator" && g.contains("82.5") && t.contains("82.6")));
}

/// What Tesseract `vie` does to markers: `Điều 1.` read `Điều I.`, a roman heading's full stop
/// lost (`L SỰ CẦN THIẾT`), `c)` read `e)` and `d)` read `đ)`; and a roman heading after clauses
/// (its `I.` lost) is no child of them.
#[test]
fn vie_damaged_articles_and_roman_headings() {
    let decision = "NGHỊ QUYẾT\nQuy định mức hỗ trợ học phí\n\nQUYẾT NGHỊ:\nĐiều I. Phạm vi điều chỉnh\n1. Phạm vi\nNội dung.\n2. Đối tượng\nNội dung.\nĐiều 2. Mức hỗ trợ\n1. Mức chung\nNội dung.\n";
    assert_eq!(
        markers(&clean(decision)),
        [
            ("Điều 1.", 1),
            ("1.", 2),
            ("2.", 2),
            ("Điều 2.", 1),
            ("1.", 2)
        ]
    );
    let report = "TỜ TRÌNH\nVề việc ban hành Nghị quyết\n\nKính gửi: Hội đồng nhân dân tỉnh.\nỦy ban nhân dân tỉnh kính trình dự thảo Nghị quyết như sau:\nL SỰ CẦN THIẾT BAN HÀNH NGHỊ QUYẾT\n1. Cơ sở pháp lý\nNội dung.\n2. Cơ sở thực tiễn\nNội dung.\nII. MỤC ĐÍCH\nNội dung.\nV ĐỀ XUẤT KHÁC\n";
    assert_eq!(
        markers(&clean(report)),
        [("I.", 1), ("1.", 2), ("2.", 2), ("II.", 1)]
    );
    let letters = "BÁO CÁO\nKết quả thực hiện\n\n1. Nhiệm vụ\na) Rà soát văn bản.\nb) Kiểm tra.\ne) Báo cáo.\nđ) Tổng hợp.\n";
    assert_eq!(
        markers(&clean(letters)),
        [("1.", 1), ("a)", 2), ("b)", 2), ("c)", 2), ("d)", 2)]
    );
    let lost = "BÁO CÁO\nKết quả thực hiện\n\n1. Cơ sở pháp lý\nNội dung.\n2. Cơ sở thực tiễn\nNội dung.\nII. MỤC ĐÍCH\nNội dung.\n";
    assert_eq!(markers(&clean(lost)), [("1.", 1), ("2.", 1), ("II.", 1)]);
}

/// A date in words has its day and month in digits: OCR's `I`, `l` or `|` there is a 1
/// (Tesseract `vie` reads `tháng 11` as `tháng II`).
#[test]
fn a_date_in_words_with_ones_read_as_letters() {
    let doc = clean(
        "THÔNG BÁO\nKết quả\n\nCăn cứ Luật ngày 28 tháng II năm 2023; có hiệu lực từ ngày l tháng 7 năm 2024.\n",
    );
    let dates: Vec<_> = doc.dates.iter().filter_map(|d| d.date.clone()).collect();
    assert_eq!(dates, ["2023-11-28", "2024-07-01"]);
}
