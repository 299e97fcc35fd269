//! Decoder tests on text we wrote: our notices read by real Tesseract (`corpus/dev`), and small
//! garbled fixtures that show each kind of OCR damage the restorer must undo.

use sohoa::candidates::Mode;
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

/// `restore_text_with` (no change list, no confidences) gives the bytes `restore` gives, on our
/// notices in both fonts (splits, glues, numbers read as words, codes and acronyms among them)
/// and with a scratch warmed by the other font's notices, as in a batch.
#[test]
fn the_text_alone_is_the_text_of_a_full_restore() {
    let mut warm = sohoa::Scratch::new();
    for font in ["freeserif", "tinos"] {
        let ocr = read(&format!("corpus/dev/all-{font}.ocr.txt"));
        let full = restorer().restore(&ocr);
        assert!(
            full.changes.len() > 1000,
            "{font}: too few changes to compare"
        );
        let cold = restorer().restore_text_with(&ocr, &[], &mut sohoa::Scratch::new());
        assert_eq!(cold, full.text, "{font}: cold scratch");
        let warmed = restorer().restore_text_with(&ocr, &[], &mut warm);
        assert_eq!(warmed, full.text, "{font}: warm scratch");
    }
}

/// The confidences mean something: on one of our notices, judged against its gold, wrong changes
/// are mostly less confident than right ones, and the changes below 0.9 hold most wrong ones
/// while being few.
#[test]
fn confidences_single_out_wrong_changes() {
    let gold = read("corpus/dev/all-freeserif.gold.txt");
    let ocr = read("corpus/dev/all-freeserif.ocr.txt");
    let out = restorer().restore(&ocr);
    let views = out.changes.iter().map(Into::into);
    let outcomes = sohoa::eval::change_outcomes(&gold, &ocr, &out.text, views);
    // (nearly) every change is placed and judged
    assert!(
        outcomes.len() * 100 >= out.changes.len() * 99,
        "{} of {}",
        outcomes.len(),
        out.changes.len()
    );
    let r = sohoa::eval::confidence_report(&outcomes, &[0.9]);
    assert!(r.wrong > 10 && r.wrong * 20 < r.changes, "{r:?}");
    assert!(r.auc.unwrap() > 0.9, "{r:?}");
    let (_, below, wrong_below) = r.below[0];
    assert!(wrong_below * 2 > r.wrong && below * 20 < r.changes, "{r:?}");
}

/// `sohoa eval --confidence` prints the report; with `--raw` (no changes to judge) it refuses.
#[test]
fn eval_prints_the_confidence_report() {
    let dir = env!("CARGO_MANIFEST_DIR");
    let args = |extra: &[&str]| {
        let mut a = vec![
            "eval".to_string(),
            "--gold".into(),
            format!("{dir}/corpus/dev/quyet-dinh-dak-lak-tinos.gold.txt"),
            "--input".into(),
            format!("{dir}/corpus/dev/quyet-dinh-dak-lak-tinos.ocr.txt"),
            "--errors".into(),
            "0".into(),
        ];
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let run = |extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_sohoa"))
            .args(args(extra))
            .output()
            .unwrap()
    };
    let out = run(&["--confidence"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("confidence: changes="))
        .unwrap_or_else(|| panic!("{text}"));
    let changes: usize = line["confidence: changes=".len()..]
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(changes > 300, "{line}");
    assert_eq!(
        text.lines().filter(|l| l.starts_with("  below ")).count(),
        3,
        "{text}"
    );
    let raw = run(&["--confidence", "--raw"]);
    assert!(!raw.status.success());
    assert!(String::from_utf8_lossy(&raw.stderr).contains("--raw"));
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

/// A paragraph longer than the decoder reads at once (OCR text often has no blank lines, and a
/// line may hold a whole page) is read in parts: every line still comes out whole, every sentence
/// restored, and every change points at its place in the original, past the cuts too.
#[test]
fn a_paragraph_longer_than_the_decoder_reads_at_once_is_restored_whole() {
    let ocr = "Két luan ctia Chii tich UBND tinh tai cudc hop ngay 31/3/2023.";
    let gold = "Kết luận của Chủ tịch UBND tỉnh tại cuộc họp ngày 31/3/2023.";
    // a line of 160 KB, then 1,800 lines of a sentence each (about 115 KB, no blank line)
    let long_line = vec![ocr; 2_500].join(" ");
    let mut text = long_line.clone();
    text.push('\n');
    for _ in 0..1_800 {
        text.push_str(ocr);
        text.push('\n');
    }
    let out = restorer().restore(&text);
    let lines: Vec<&str> = out.text.split('\n').collect();
    assert_eq!(
        lines.len(),
        text.split('\n').count(),
        "a line in is a line out"
    );
    assert_eq!(lines[0], vec![gold; 2_500].join(" "));
    for (i, l) in lines[1..1_801].iter().enumerate() {
        assert_eq!(*l, gold, "line {}", i + 2);
    }
    let chars: Vec<char> = text.chars().collect();
    let long_chars = long_line.chars().count();
    // ten words of the sentence change (all but UBND and the date), in every copy
    assert_eq!(out.changes.len(), 10 * (2_500 + 1_800));
    for c in &out.changes {
        let orig: String = chars[c.span[0]..c.span[1]].iter().collect();
        assert_eq!(orig, c.original);
        assert_eq!(
            c.line,
            if c.span[0] < long_chars {
                1
            } else {
                2 + (c.span[0] - long_chars - 1) / (ocr.chars().count() + 1)
            }
        );
    }
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

/// An acronym in capitals keeps its letters: it may gain its `Đ` (and a mark), never swap or gain
/// a letter to become another abbreviation of the lexicon (`DTI` was read `CĐTƯ`, `NDXP` `NĐTP`).
#[test]
fn acronyms_keep_their_letters_and_gain_only_their_d() {
    let out = restorer().restore(
        "Chi s6 chuyén d6i s6 (DTI) tinh, nén tang NDXP, Nghi quyét cia HDND va HPND tinh",
    );
    assert_eq!(
        out.text,
        "Chỉ số chuyển đổi số (DTI) tỉnh, nền tảng NDXP, Nghị quyết của HĐND và HĐND tỉnh"
    );
    // An acronym that is an abbreviation's letters but for its `Đ` is that abbreviation, even
    // where little context says so: it is not kept at the price of an unknown acronym.
    let out = restorer().restore("Theo HPND huyen Tan Phu\n\nHPND huyen\n");
    assert_eq!(out.text, "Theo HĐND huyện Tân Phú\n\nHĐND huyện\n");
    // An acronym with `Đ` the corpora use that the abbreviation list lacks (`LĐVP`, lãnh đạo Văn
    // phòng) is one too.
    let out = restorer().restore("- LDVP, Trung tam Phuc vu hanh chinh cong;\n");
    assert_eq!(out.text, "- LĐVP, Trung tâm Phục vụ hành chính công;\n");
    // An acronym made of abbreviations gains the `Đ` of those that have one (`PCT` + `HĐND`);
    // not where its fewest parts read it without one (`UBND` + `TP`), where a part with `Đ` would
    // be two letters (`NDXP`), or where one abbreviation explains it (`HPND` is HĐND, not HP+NĐ).
    let out =
        restorer().restore("Luu: VT, PCTHDND.\n- UBNDTP; nen tang NDXP; Nghi quyet HPND tinh.\n");
    assert_eq!(
        out.text,
        "Lưu: VT, PCTHĐND.\n- UBNDTP; nền tảng NDXP; Nghị quyết HĐND tỉnh.\n"
    );
}

/// The first line of a signature block keeps its prefix (`TL.` thừa lệnh, `KT.` ký thay, `TM.`
/// thay mặt, `TUQ.`, `Q.`): `TL. CHU TICH` was read `TỪ. CHỦ TỊCH`. Elsewhere the same letters
/// are read as any word.
#[test]
fn signature_block_prefixes_are_kept() {
    let out = restorer().restore(
        "- Luu: VT, KGVX.\nTL. CHU TICH\nKT. CHANH VAN PHONG\n\nTM. UY BAN NHAN DAN\nTUQ. CHU TICH\nQ. CHU TICH",
    );
    assert_eq!(
        out.text,
        "- Lưu: VT, KGVX.\nTL. CHỦ TỊCH\nKT. CHÁNH VĂN PHÒNG\n\nTM. ỦY BAN NHÂN DÂN\nTUQ. CHỦ TỊCH\nQ. CHỦ TỊCH"
    );
}

/// The committed candidate table is a cache of the committed models: the restorer uses it (a
/// stale table would be ignored, and restoring would silently slow down), and restoring with or
/// without it gives the same result, changes and confidences included.
#[test]
fn candidate_table_is_used_and_changes_nothing() {
    let with = restorer();
    assert!(
        with.uses_candidate_table(),
        "dictionaries/candidates.smt does not match the models: run scripts/build-candidates.sh"
    );
    let models = Models {
        candidates: None,
        ..Models::embedded().unwrap()
    };
    let without = RestorerBuilder::new().build(Arc::new(models)).unwrap();
    assert!(!without.uses_candidate_table());
    let text = read("corpus/dev/all-tinos.ocr.txt");
    assert_eq!(with.restore(&text), without.restore(&text));
    // Other settings change the searches: the table must then be left alone.
    let models = Arc::new(Models::embedded().unwrap());
    let other = RestorerBuilder::new()
        .search_limit(12.0)
        .build(models)
        .unwrap();
    assert!(!other.uses_candidate_table());
}

/// A table computed for some text answers exactly what the search would.
#[test]
fn a_computed_candidate_table_matches_the_search() {
    let text = "Két luan ctia Chii tich UBND tinh tai cudc hop ngay 13 thang 6\n\
                THONG BAO KET LUAN cta Ban Chi dao 13 d4u nim, tro’ lai si? dung\n";
    let plain = Models {
        candidates: None,
        ..Models::embedded().unwrap()
    };
    let searcher = RestorerBuilder::new().build(Arc::new(plain)).unwrap();
    let table = searcher.candidate_table([text]);
    assert!(table.len() > 1110, "word tokens and every 1-3 digit number");
    // A word with a mark glued after it is searched with the mark too, as the decoder does.
    for glued in ["tro’", "si?"] {
        assert!(table.get(Mode::Word, glued).is_some(), "{glued} tabled");
        assert!(table.get(Mode::Upper, glued).is_some(), "{glued} tabled");
    }
    assert!(
        table.get(Mode::Word, "lai,").is_none(),
        "a comma is not a glued mark"
    );
    let cached = Models {
        candidates: Some(table),
        ..Models::embedded().unwrap()
    };
    let cached = RestorerBuilder::new().build(Arc::new(cached)).unwrap();
    assert!(cached.uses_candidate_table());
    assert_eq!(cached.restore(text), searcher.restore(text));
    assert_eq!(cached.restore(text).text.lines().count(), 2);
}

/// Parts of codes only ever gain their Đ (`d`, and `p`/`b` where the LM knows the abbreviation):
/// an abbreviation the LM never saw is still restored from the lexicon, and nothing else about a
/// code changes.
#[test]
fn codes_only_gain_their_d() {
    let ocr = "Kết luận số 4444/KL-DCTLN; Quyết định 7/QP-UBND; Nghị định 3/NB-CP; 5/TB-VPDK; 12/KH-SNV.\n";
    let out = restorer().restore(ocr);
    for want in [
        "4444/KL-ĐCTLN",
        "7/QĐ-UBND",
        "3/NĐ-CP",
        "5/TB-VPDK",
        "12/KH-SNV",
    ] {
        assert!(out.text.contains(want), "{want:?} not in {:?}", out.text);
    }
    assert_eq!(out.text.chars().count(), ocr.chars().count());
}

#[test]
fn roman_numerals_read_with_l_for_i_are_restored_where_they_stand() {
    let r = restorer();
    let text = "Il. KET QUA THUC HIEN\nIll. NHIEM VU TRONG TAM\n\
                Ket qua quy Il nam 2023 va Chuong Ill cua Luat\n";
    let out = r.restore(text);
    let lines: Vec<&str> = out.text.lines().collect();
    assert!(lines[0].starts_with("II. "), "{}", lines[0]);
    assert!(lines[1].starts_with("III. "), "{}", lines[1]);
    assert!(lines[2].contains("quý II năm 2023"), "{}", lines[2]);
    assert!(lines[2].contains("Chương III"), "{}", lines[2]);
    // Every numeral restored is a traced change.
    let c = out.changes.iter().find(|c| c.original == "Il").unwrap();
    assert_eq!((c.restored.as_str(), c.span, c.line), ("II", [0, 2], 1));
    // Elsewhere the same letters are words, or left alone: never a numeral.
    let out = r.restore("Xu ly VI PHAM HANH CHINH\nOng Il di cong tac\n");
    assert!(out.text.contains("VI PHẠM"), "{}", out.text);
    assert!(!out.text.contains("II"), "{}", out.text);
}

#[test]
fn words_in_capitals_with_a_small_marked_letter_stay_in_capitals() {
    // OCR reads a marked capital as a small letter (`CHi` for CHỈ).
    let out = restorer().restore("KET QUA CAC CHi SO NAM 2022\nTHONG BAO KET LUAN CUa CHU TiCH\n");
    assert_eq!(
        out.text,
        "KẾT QUẢ CÁC CHỈ SỐ NĂM 2022\nTHÔNG BÁO KẾT LUẬN CỦA CHỦ TỊCH\n"
    );
}

#[test]
fn a_line_break_does_not_glue_tokens_into_a_code_or_url() {
    // The previous line ending in `.` or a URL must not make the next line's first word part of
    // one (the lines of a paragraph are decoded together).
    let out = restorer()
        .restore("Thuc hien tot.\nIll. KET QUA\nXem tai www.dongnai.gov.vn\nKet qua tot\n");
    let lines: Vec<&str> = out.text.lines().collect();
    assert_eq!(lines[1], "III. KẾT QUẢ");
    assert_eq!(lines[2], "Xem tại www.dongnai.gov.vn");
    assert_eq!(lines[3], "Kết quả tốt");
}

#[test]
fn list_markers_stay_letters_and_a_second_d_is_d_with_stroke() {
    let text = "a) Cai cach the che\nb) Cai cach TTHC\nc) Cai cach to chuc bo may\n\
                d) Cai cach che do cong vu\nd) Cai cach tai chinh cong\ne) Xay dung chinh quyen so\n";
    let out = restorer().restore(text);
    let markers: Vec<&str> = out
        .text
        .lines()
        .map(|l| &l[..l.find(' ').unwrap()])
        .collect();
    assert_eq!(
        markers,
        ["a)", "b)", "c)", "d)", "đ)", "e)"],
        "{}",
        out.text
    );
    let c = out.changes.iter().find(|c| c.restored == "đ").unwrap();
    assert_eq!((c.original.as_str(), c.line), ("d", 5));
    assert!(out.text.contains("Cải cách tài chính công"), "{}", out.text);
}

#[test]
fn a_capital_i_or_g_read_for_a_small_letter_is_not_a_capital() {
    // `Iy` is lý with its `l` read as `I`; `Gy` is ủy with its `ủ` read as `G`: small letters,
    // unless a sentence starts there.
    let out = restorer()
        .restore("Chi dao xu Iy dut diem.\nThuong truc Tinh Gy chi dao.\nGy ban nhan dan tinh\n");
    assert!(out.text.contains("xử lý dứt điểm"), "{}", out.text);
    assert!(out.text.contains("Tỉnh ủy chỉ đạo"), "{}", out.text);
    assert!(out.text.contains("\nỦy ban nhân dân tỉnh"), "{}", out.text);
}

#[test]
fn two_capitals_amid_small_letters_are_a_capital_and_a_marked_vowel() {
    // `SO` is Sở with its `ở` read as a capital O; in a heading it stays in capitals, and a word
    // restoring leaves unmarked (`II`) keeps its capitals.
    let out = restorer().restore("Giao SO Noi vu va BO Y te\nSO NOI VU\nChien tranh the gioi II\n");
    assert_eq!(
        out.text,
        "Giao Sở Nội vụ và Bộ Y tế\nSỞ NỘI VỤ\nChiến tranh thế giới II\n"
    );
}

#[test]
fn a_number_read_for_a_word_is_restored_where_its_context_wants_the_word() {
    // Real scans read `lệ` as `16` or `18` (`ty 16` for tỷ lệ, the subject of most indicators):
    // the number's readings must hold `lệ` although the channel prices it far below the `ô`
    // family (`lổ`, `lộ`), so that the language model, which wants `tỷ lệ`, can choose it. Where
    // a number stands (a score, a rank, a date, a count) it stays.
    let out = restorer().restore(
        "Nang cao ty 18 thanh toan truc tuyén.\nTinh da nang ty 16 thanh toan truc tuyén lén 80%.\nDiém trung binh cua tinh dat 16 diém, xép thir 18.\nNgay 16 thang 3, co 18 hd so.\n",
    );
    assert_eq!(
        out.text,
        "Nâng cao tỷ lệ thanh toán trực tuyến.\nTỉnh đã nâng tỷ lệ thanh toán trực tuyến lên 80%.\nĐiểm trung bình của tỉnh đạt 16 điểm, xếp thứ 18.\nNgày 16 tháng 3, có 18 hồ sơ.\n"
    );
}

#[test]
fn a_marked_vowel_read_as_a_digit_training_never_showed_is_restored() {
    // Rendered training pages show `ô` read as `6` and `ã` as `4`; real scans also show `8` for
    // `ệ` and `3` for `à` (`ty 18` for tỷ lệ, `13` for là), which the channel prices at the
    // pooled rate of marked vowels read as any digit. The numbers beside them stay.
    let out = restorer().restore(
        "Kiém tra cac x4, nhét 13 tai cac don vi con cham.\nNang cao ty 18 hai long cua nguoi dan.\nToan tinh co 12 xa dat chuan, chiem ty 18\n30% so xa.\n",
    );
    assert_eq!(
        out.text,
        "Kiểm tra các xã, nhất là tại các đơn vị còn chậm.\nNâng cao tỷ lệ hài lòng của người dân.\nToàn tỉnh có 12 xã đạt chuẩn, chiếm tỷ lệ\n30% số xã.\n"
    );
}

#[test]
fn a_word_ocr_split_or_glued_is_read_as_the_words_it_was() {
    // An engine reads a space inside a syllable (`c ong` for công, where a mark confused it)
    // or loses the one between two (`tochuc` for tổ chức, `cdctrudng` for các trường): merged or
    // split where the sentence reads much better so, and traced as one change each.
    // Neighbours are judged together (`d ung ch inh`: each alone leaves the other's garble
    // beside it), and a glued token's parts may be OCR forms (`m6itrudng`, `t6chirc`).
    let ocr = "Ket luan ve c ong tac cai cach hanh chinh.\nTinh da tochuc hoi nghi; cac s&, ban, nganh vacac dia phuong nghiem tuc th uc hien.\nChi dao cdctrudng hoc to chirc ve sinh.\nXay d ung ch inh quyen so; tong ve sinh m6itrudng; da t6chirc hoi nghi.\n";
    let out = restorer().restore(ocr);
    assert_eq!(
        out.text,
        "Kết luận về công tác cải cách hành chính.\nTỉnh đã tổ chức hội nghị; các sở, ban, ngành và các địa phương nghiêm túc thực hiện.\nChỉ đạo các trường học tổ chức vệ sinh.\nXây dựng chính quyền số; tổng vệ sinh môi trường; đã tổ chức hội nghị.\n"
    );
    let chars: Vec<char> = ocr.chars().collect();
    for (original, restored) in [
        ("c ong", "công"),
        ("tochuc", "tổ chức"),
        ("vacac", "và các"),
        ("th uc", "thực"),
        ("cdctrudng", "các trường"),
        ("m6itrudng", "môi trường"),
    ] {
        let c = out
            .changes
            .iter()
            .find(|c| c.original == original)
            .unwrap_or_else(|| panic!("no change of {original:?}"));
        assert_eq!(c.restored, restored);
        let span: String = chars[c.span[0]..c.span[1]].iter().collect();
        assert_eq!(span, original, "the change's span is its original text");
    }
}

#[test]
fn letters_units_names_and_foreign_words_are_not_resegmented() {
    // A letter that names a point of a clause, a unit after a number, a name in capitals or
    // with capitals inside, a foreign word the corpora use: none is a word OCR split or glued.
    let out = restorer().restore(
        "Theo diem c khoan 2 Dieu 5 va diem a khoan 3.\nChieu dai 5 m ong thoat nuoc.\nSan pham VietGAP, xem video tren Zalo.\n",
    );
    assert_eq!(
        out.text,
        "Theo điểm c khoản 2 Điều 5 và điểm a khoản 3.\nChiều dài 5 m ống thoát nước.\nSản phẩm VietGAP, xem video trên Zalo.\n"
    );
    // With re-segmentation off, a split word stays two.
    let models = Models::embedded().unwrap();
    let off = RestorerBuilder::new()
        .resegment_cost(f32::INFINITY)
        .build(Arc::new(models))
        .unwrap();
    assert_eq!(restorer().restore("ve c ong tac").text, "về công tác");
    assert_eq!(off.restore("ve c ong tac").text.split(' ').count(), 4);
}

/// Pieces that arbitrary OCR text is made of here: garbled and correct words, words OCR split or
/// glued, look-alike digits and marks, numbers, codes, URLs, list markers, roman numerals,
/// punctuation, every kind of space and line break, decomposed (NFD) marks, and stray symbols.
const PIECES: &[&str] = &[
    "Két",
    "luan",
    "ctia",
    "Chii",
    "tich",
    "UBND",
    "tinh",
    "cudc",
    "hop",
    "c",
    "ong",
    "th",
    "uc",
    "tochuc",
    "vacac",
    "m6itrudng",
    "s6",
    "13",
    "18",
    "1anh",
    "Gy",
    "S&",
    "x3",
    "d4u",
    "B6",
    "HDND",
    "QD-UBND",
    "573/QD-UBND",
    "31/3/2023",
    "82,5%",
    "99.54",
    "https://a.gov.vn/p?x=1",
    "d)",
    "a)",
    "II.",
    "Il.",
    "VI",
    "quý",
    "si?",
    "tro’",
    "'khung'",
    "Zalo",
    "VietGAP",
    "Đồng",
    "Nai",
    "tỷ",
    "lệ",
    "ngày",
    "ò",
    "A\u{301}",
    "o\u{302}\u{300}",
    "-",
    "—",
    "(",
    ")",
    ",",
    ".",
    ":",
    ";",
    "?",
    "!",
    "\"",
    "…",
    "%",
    "/",
    "№",
    "😀",
    "中",
    "\u{200b}",
    "\u{feff}",
    "\t",
    " ",
    "  ",
    "\n",
    "\r\n",
    "\n\n",
    "\r",
];

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]

    /// Whatever the input, nothing is lost or moved: the output is the input with the listed
    /// changes applied (so every difference is traced to its span), changes name what they
    /// replace and do not overlap, and the lines stay the lines.
    #[test]
    fn the_output_is_the_input_with_the_listed_changes_applied(
        picks in proptest::collection::vec((0..PIECES.len(), 0..3usize), 0..40)
    ) {
        let mut input = String::new();
        for (i, sep) in picks {
            input.push_str(PIECES[i]);
            input.push_str(["", " ", "\n"][sep]);
        }
        let out = restorer().restore(&input);
        let chars: Vec<char> = input.chars().collect();
        let mut rebuilt = String::new();
        let mut at = 0;
        for c in &out.changes {
            proptest::prop_assert!(c.span[0] >= at && c.span[0] < c.span[1] && c.span[1] <= chars.len(),
                "bad span {:?} in {:?}", c.span, input);
            let original: String = chars[c.span[0]..c.span[1]].iter().collect();
            proptest::prop_assert_eq!(&original, &c.original);
            proptest::prop_assert!((0.0..=1.0).contains(&c.confidence));
            let line = chars[..c.span[0]].iter().filter(|&&ch| ch == '\n').count() + 1;
            proptest::prop_assert_eq!(line, c.line);
            rebuilt.extend(&chars[at..c.span[0]]);
            rebuilt.push_str(&c.restored);
            at = c.span[1];
        }
        rebuilt.extend(&chars[at..]);
        proptest::prop_assert_eq!(&rebuilt, &out.text, "input {:?}", input);
        proptest::prop_assert_eq!(input.matches('\n').count(), out.text.matches('\n').count());
    }
}

/// The candidate search's bounds (which count what the OCR characters a node's column has not
/// read yet must still cost) never exceed the cost of a word below the node: with no budget,
/// the search over the real models and vocabulary finds exactly the words a scan of every word's
/// cost finds, best first; long foreign words and garbles, where those bounds prune most,
/// included.
#[test]
fn the_bounded_search_finds_what_a_scan_finds() {
    use sohoa::channel::{RankedQuery, Trie};
    use sohoa::lm::WordId;
    let models = Models::embedded().unwrap();
    let (m, lm) = (&models.channel, &models.lm);
    let words: Vec<&str> = (0..lm.vocab_len() as u32)
        .map(|i| lm.word(WordId(i)))
        .collect();
    let priors: Vec<f32> = (0..lm.vocab_len() as u32)
        .map(|i| -lm.logp_unigram(WordId(i)).max(-30.0))
        .collect();
    let trie = Trie::build_ranked(m, &words, &priors);
    let q = RankedQuery {
        limit: 16.0,
        k: 20,
        weight: 1.5,
        slack: 10.0,
        budget: usize::MAX,
    };
    for ocr in [
        "rainforest",
        "smartcity",
        "thu6ot",
        "ctia",
        "chii",
        "s6h6",
        "kréng",
        "tt",
        "x3",
    ] {
        let found = m.search_ranked(&trie, ocr, q, |_| true);
        let mut scan: Vec<(f32, u32)> = (0..words.len() as u32)
            .filter_map(|i| {
                let w = words[i as usize];
                let c = m.cost(w, ocr).filter(|&c| c <= q.limit)?;
                // (the trie holds a spelling once, under its first word)
                let first = words.iter().position(|&x| x == w) == Some(i as usize);
                first.then_some((q.weight * c + priors[i as usize], i))
            })
            .collect();
        scan.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        scan.truncate(q.k);
        let top = scan.first().map_or(f32::INFINITY, |f| f.0);
        scan.retain(|f| f.0 <= top + q.slack);
        let want: Vec<u32> = scan.iter().map(|f| f.1).collect();
        let got: Vec<u32> = found.iter().map(|f| f.0).collect();
        assert_eq!(got, want, "{ocr}");
    }
    // What the scan finds for a far garble: the search must not have pruned it.
    let thuot = m.search_ranked(&trie, "thu6ot", q, |_| true);
    assert!(
        thuot.iter().any(|f| words[f.0 as usize] == "thuột"),
        "thu6ot"
    );
}

/// A word token of thousands of letters (junk in a bad input) is kept as written, and its
/// search stays small: the bound of the characters still to read keeps rows only up to the
/// longest word (it once took the token's length squared) and prunes every prefix at once.
#[test]
fn a_huge_word_token_is_kept_as_written() {
    for n in [3_000, 100_000] {
        let junk = "ab".repeat(n / 2);
        let text = format!("Kết luận của {junk} tại cuộc họp\n");
        let out = restorer().restore(&text);
        assert_eq!(out.text, text, "{n}");
        assert!(out.changes.is_empty());
    }
}
