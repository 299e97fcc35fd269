//! The decoder's gate for Vietnamese-engine OCR and the engine's word confidences as priors.
//! Fixtures are sentences written for these tests. Runs when the models are embedded (a build
//! without `dictionaries/` skips them and says so).

use sohoa::{ChannelKind, Models, Restorer, RestorerBuilder, Scratch, WordPrior};
use std::sync::Arc;

/// A Tesseract-`vie`-like reading: one tone swapped (`báo` for `bảo`) in a good sentence.
const VIE_READING: &str =
    "Ủy ban nhân dân tỉnh đề nghị các sở, ngành đảm báo tiến độ thực hiện kế hoạch.\n";

/// Correct Vietnamese, as a Vietnamese-aware engine reads a clean page.
const CORRECT: &str =
    "Các cơ quan, đơn vị có trách nhiệm phối hợp triển khai thực hiện nghiêm túc.\n\
Sở Tư pháp chủ trì thẩm định dự thảo nghị quyết trước ngày 15 tháng 7 năm 2024.\n\
Hội đồng nhân dân tỉnh khóa X xem xét, quyết định tại kỳ họp thường lệ cuối năm.\n";

/// A distribution list whose `đơn vị tỉnh` is right, though `đơn vị tính` (unit of measure) is
/// the likelier phrase: what only the gate keeps.
const UNIT_OR_PROVINCE: &str =
    "Nơi nhận:\n- Thường trực HĐND tỉnh;\n- Đại biểu Quốc hội đơn vị tỉnh;\n- Lưu: VT.\n";

fn vie_restorer() -> Option<Restorer> {
    let (Ok(models), Ok(channel)) = (
        Models::embedded(),
        Models::embedded_channel(ChannelKind::Vie),
    ) else {
        eprintln!("skipped: this build embeds no models or no channel-vie.smt");
        return None;
    };
    RestorerBuilder::vie()
        .build(Arc::new(models.with_channel(channel)))
        .ok()
}

fn eng_restorer() -> Option<Restorer> {
    let Ok(models) = Models::embedded() else {
        eprintln!("skipped: this build embeds no models");
        return None;
    };
    RestorerBuilder::new().build(Arc::new(models)).ok()
}

/// Character span of the first `word` in `text`.
fn span_of(text: &str, word: &str) -> [usize; 2] {
    let b = text.find(word).unwrap();
    let s = text[..b].chars().count();
    [s, s + word.chars().count()]
}

/// The engine's confidence in `word` of `VIE_READING`, as the one prior of a restore.
fn prior_on(word: &str, confidence: f32) -> [WordPrior; 1] {
    [WordPrior {
        span: span_of(VIE_READING, word),
        confidence,
    }]
}

#[test]
fn vie_mode_fixes_a_swapped_tone() {
    let Some(r) = vie_restorer() else { return };
    let out = r.restore(VIE_READING);
    assert_eq!(
        out.text,
        "Ủy ban nhân dân tỉnh đề nghị các sở, ngành đảm bảo tiến độ thực hiện kế hoạch.\n"
    );
    assert_eq!(out.changes.len(), 1);
    assert_eq!(out.changes[0].original, "báo");
    assert_eq!(out.changes[0].span, span_of(VIE_READING, "báo"));
}

#[test]
fn vie_mode_leaves_correct_vietnamese_untouched() {
    let Some(r) = vie_restorer() else { return };
    let out = r.restore(CORRECT);
    assert_eq!(out.text, CORRECT);
    assert!(out.changes.is_empty(), "{:?}", out.changes);
}

#[test]
fn vie_mode_keeps_an_unknown_acronym() {
    let Some(r) = vie_restorer() else { return };
    let text = "Chỉ số PAPI năm 2023 của tỉnh tăng so với năm trước.\n";
    assert_eq!(r.restore(text).text, text);
}

#[test]
fn the_gate_is_what_keeps_good_readings() {
    // `đơn vị tỉnh` is right, but `đơn vị tính` (unit of measure) is a likelier phrase: without
    // the gate the decoder "corrects" it; with the gate the engine's good reading stands.
    let (Ok(models), Ok(channel)) = (
        Models::embedded(),
        Models::embedded_channel(ChannelKind::Vie),
    ) else {
        return;
    };
    let models = Arc::new(models.with_channel(channel));
    let gated = RestorerBuilder::vie().build(models.clone()).unwrap();
    let mut open = RestorerBuilder::vie();
    open.change_cost(0.0).min_change_confidence(0.0);
    let open = open.build(models).unwrap();
    let text = UNIT_OR_PROVINCE;
    assert!(open.restore(text).text.contains("đơn vị tính;"));
    let g = gated.restore(text);
    assert_eq!(g.text, text);
    assert!(g.changes.is_empty());
}

#[test]
fn a_confident_word_stays() {
    let Some(r) = vie_restorer() else { return };
    let mut scratch = Scratch::new();
    let sure = prior_on("báo", 0.995);
    let out = r.restore_with_priors(VIE_READING, &sure, &mut scratch);
    assert_eq!(
        out.text, VIE_READING,
        "a word the engine is sure of is kept"
    );
    assert!(out.changes.is_empty());
    // An unsure engine (even odds) adds nothing: the swapped tone is fixed as without priors.
    let unsure = prior_on("báo", 0.4);
    let out = r.restore_with_priors(VIE_READING, &unsure, &mut scratch);
    assert_eq!(out, r.restore(VIE_READING));
    assert!(out.text.contains("đảm bảo"));
}

/// The text alone (`restore_text_with`) is the full restoration's text with the gate on (which
/// still weighs the confidence of each change it might undo) and with priors.
#[test]
fn the_text_alone_keeps_the_gate_and_the_priors() {
    let Some(r) = vie_restorer() else { return };
    let sure = prior_on("báo", 0.995);
    for priors in [&sure[..], &[]] {
        for text in [VIE_READING, CORRECT] {
            let full = r.restore_with_priors(text, priors, &mut Scratch::new());
            let alone = r.restore_text_with(text, priors, &mut Scratch::new());
            assert_eq!(alone, full.text, "priors {priors:?}");
        }
    }
    // The gate decides text: an open decoder makes a change the gate undoes, and the text alone
    // follows the gate.
    let text = UNIT_OR_PROVINCE;
    assert_eq!(r.restore_text_with(text, &[], &mut Scratch::new()), text);
    assert_eq!(
        r.restore_text_with(VIE_READING, &sure, &mut Scratch::new()),
        VIE_READING
    );
    assert!(r
        .restore_text_with(VIE_READING, &[], &mut Scratch::new())
        .contains("đảm bảo"));
}

#[test]
fn a_prior_on_other_words_does_not_block_a_change() {
    let Some(r) = vie_restorer() else { return };
    let priors = prior_on("tiến", 0.99);
    let out = r.restore_with_priors(VIE_READING, &priors, &mut Scratch::new());
    assert!(out.text.contains("đảm bảo"), "{}", out.text);
}

#[test]
fn a_confident_word_stays_in_eng_mode_too() {
    let Some(r) = eng_restorer() else { return };
    let text = "Uy ban nhan dan tinh de nghi cac so nganh thuc hien\n";
    let plain = r.restore(text);
    let changed = plain
        .changes
        .iter()
        .find(|c| c.original == "nganh")
        .expect("the eng decoder restores nganh");
    let priors = [WordPrior {
        span: changed.span,
        confidence: 0.995,
    }];
    let mut b = RestorerBuilder::new();
    b.prior_weight(5.0);
    let strong = b.build(Arc::new(Models::embedded().unwrap())).unwrap();
    let out = strong.restore_with_priors(text, &priors, &mut Scratch::new());
    assert!(out.changes.iter().all(|c| c.original != "nganh"));
    assert!(out.text.contains(" nganh "));
}

#[test]
fn no_priors_is_restore() {
    for r in [eng_restorer(), vie_restorer()].into_iter().flatten() {
        for text in [
            VIE_READING,
            CORRECT,
            "Uy ban nhan dan tinh Dong Nai\n\nQuyet dinh so 573/QD-UBND ngay 5/6/2023\n",
        ] {
            let mut s = Scratch::new();
            assert_eq!(r.restore_with_priors(text, &[], &mut s), r.restore(text));
            // Priors out of range or empty are ignored.
            let junk = [
                WordPrior {
                    span: [10_000, 10_005],
                    confidence: 1.0,
                },
                WordPrior {
                    span: [3, 3],
                    confidence: 1.0,
                },
            ];
            assert_eq!(r.restore_with_priors(text, &junk, &mut s), r.restore(text));
        }
    }
}

#[test]
fn priors_from_a_document_index() {
    let index = [
        sohoa::formats::WordPos {
            page: 0,
            line: 1,
            span: [0, 3],
        },
        sohoa::formats::WordPos {
            page: 0,
            line: 1,
            span: [4, 7],
        },
    ];
    let priors = WordPrior::from_words(&index, &[None, Some(0.9)]);
    assert_eq!(
        priors,
        vec![WordPrior {
            span: [4, 7],
            confidence: 0.9
        }]
    );
}

/// One scratch space shared by two restorers (as a batch worker shares its thread's scratch
/// between text files and scans): the second must not read the first one's candidates.
#[test]
fn a_scratch_serves_one_restorer_at_a_time() {
    let (Some(eng), Some(vie)) = (eng_restorer(), vie_restorer()) else {
        return;
    };
    let text = "Két luan ctia Chii tich UBND tinh tai cudc hop ngành đảm báo tiến độ.\n";
    let fresh_vie = vie.restore(text);
    let fresh_eng = eng.restore(text);
    assert_ne!(
        fresh_vie, fresh_eng,
        "the fixture must read differently under the two channels"
    );
    let mut scratch = Scratch::new();
    let _ = eng.restore_with(text, &mut scratch);
    assert_eq!(vie.restore_with(text, &mut scratch), fresh_vie);
    assert_eq!(eng.restore_with(text, &mut scratch), fresh_eng);
}
