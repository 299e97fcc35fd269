//! Language model: a tiny model trained on sentences written for this test.

use sohoa::lm::{build_from_texts, unit_of, BuildConfig, LanguageModel, WordId};
use sohoa::token::TokenKind;
use std::borrow::Cow;

const TEXT: &str = "\
Ủy ban nhân dân tỉnh ban hành quyết định về việc thành lập hội đồng.
Ủy ban nhân dân huyện tổ chức hội nghị tổng kết công tác năm 2023.
Hội đồng nhân dân tỉnh thông qua nghị quyết về kế hoạch đầu tư công.
Sở Tài chính chủ trì, phối hợp với các cơ quan có liên quan.
Giám đốc Sở Nội vụ chịu trách nhiệm thi hành quyết định này.
Quyết định này có hiệu lực kể từ ngày ký.
Chủ tịch Ủy ban nhân dân tỉnh ký ban hành quyết định.
Các cơ quan, đơn vị có liên quan chịu trách nhiệm thi hành.
Thực hiện chuyển đổi số trong hoạt động của cơ quan nhà nước.
Thủy lợi và hóa chất là hai lĩnh vực được tỉnh quan tâm.
Ủy ban nhân dân xã báo cáo kết quả thực hiện trước ngày 15.
Sở Tài nguyên và Môi trường chủ trì thực hiện kế hoạch này.
";

fn tiny(cfg: &BuildConfig) -> LanguageModel {
    let (bytes, stats) = build_from_texts(&[TEXT], cfg).unwrap();
    assert_eq!(stats.paragraphs, 12);
    LanguageModel::from_bytes(Cow::Owned(bytes), "tiny").unwrap()
}

fn all_counts() -> BuildConfig {
    BuildConfig {
        min_unit_count: 1,
        min_bigram: 1,
        min_trigram: 1,
        ..BuildConfig::default()
    }
}

fn ids(lm: &LanguageModel, words: &[&str]) -> Vec<WordId> {
    words.iter().map(|w| lm.get(w).unwrap()).collect()
}

fn mass(lm: &LanguageModel, w1: WordId, w2: WordId) -> f64 {
    (0..lm.vocab_len() as u32)
        .map(WordId)
        .filter(|&w| w != lm.bos())
        .map(|w| f64::from(lm.logp(w1, w2, w)).exp())
        .sum()
}

#[test]
fn distributions_sum_to_one() {
    for cfg in [
        all_counts(),
        BuildConfig {
            min_unit_count: 1,
            min_bigram: 2,
            min_trigram: 2,
            ..BuildConfig::default()
        },
    ] {
        let lm = tiny(&cfg);
        let [uy, ban, nhan, dan, so] = ids(&lm, &["ủy", "ban", "nhân", "dân", "sở"])[..]
        else {
            panic!()
        };
        let (bos, unk) = (lm.bos(), lm.unk());
        for (a, b) in [
            (bos, bos),
            (bos, uy),
            (uy, ban),
            (ban, nhan),
            (nhan, dan),
            (so, dan), // unseen history
            (unk, unk),
        ] {
            let m = mass(&lm, a, b);
            assert!((m - 1.0).abs() < 0.02, "history {a:?} {b:?}: mass {m}");
        }
        let uni: f64 = (0..lm.vocab_len() as u32)
            .map(|w| f64::from(lm.logp_unigram(WordId(w))).exp())
            .sum();
        assert!((uni - 1.0).abs() < 1e-3, "unigram mass {uni}");
    }
}

#[test]
fn seen_order_beats_shuffled() {
    let lm = tiny(&all_counts());
    let good = "Ủy ban nhân dân tỉnh ban hành quyết định";
    let bad = "dân ban tỉnh nhân hành Ủy quyết ban định";
    let (pg, _, _) = lm.perplexity(good);
    let (pb, _, _) = lm.perplexity(bad);
    assert!(pg * 3.0 < pb, "perplexity {pg} vs shuffled {pb}");
    let [uy, ban, nhan, dan] = ids(&lm, &["ủy", "ban", "nhân", "dân"])[..] else {
        panic!()
    };
    assert!(lm.logp(uy, ban, nhan) > lm.logp(uy, ban, dan));
    assert!(
        lm.logp(ban, nhan, dan) > -0.5,
        "seen continuation is likely"
    );
}

#[test]
fn logp_many_matches_logp() {
    let lm = tiny(&all_counts());
    let all: Vec<WordId> = (0..lm.vocab_len() as u32).map(WordId).collect();
    let mut out = Vec::new();
    for &(a, b) in &[(2u32, 2u32), (2, 4), (4, 5), (7, 9), (0, 0), (3, 60000)] {
        let (a, b) = (WordId(a), WordId(b));
        lm.logp_many(a, b, &all, &mut out);
        assert_eq!(out.len(), all.len());
        for (&w, &p) in all.iter().zip(&out) {
            assert_eq!(p, lm.logp(a, b, w));
        }
    }
    assert_eq!(lm.logp(lm.bos(), lm.bos(), lm.bos()), sohoa::lm::LOG_ZERO);
}

/// `lower_many` (one binary search per word in the sliced run) gives exactly `lower` of each word
/// in the order given, and `logp_in_many` exactly `logp` after a history, duplicates, `<s>` and ids
/// outside the vocabulary included; on the tiny model and on the shipped one, whose frequent words
/// have bigram runs thousands long.
#[test]
fn lower_many_and_logp_in_many_match_logp() {
    let tiny = tiny(&all_counts());
    let models = sohoa::Models::embedded().unwrap();
    for lm in [&tiny, &models.lm] {
        let v = lm.vocab_len() as u64;
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |m: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % m
        };
        let frequent = ["của", "và", "các", "tỉnh", "ủy"];
        let mut histories: Vec<WordId> = frequent.iter().filter_map(|w| lm.get(w)).collect();
        // Readings drawn from these too: their trigrams after frequent histories exist.
        let common: Vec<WordId> = ["ban", "nhân", "dân", "tỉnh", "của", "các", "và", "năm"]
            .iter()
            .filter_map(|w| lm.get(w))
            .collect();
        histories.extend([lm.bos(), lm.unk(), WordId(v as u32 + 5)]);
        for _ in 0..40 {
            histories.push(WordId(next(v) as u32));
        }
        let mut out = Vec::new();
        for &w2 in &histories {
            for len in [0usize, 1, 2, 7, 20, 64, 70] {
                let mut ws: Vec<WordId> = (0..len)
                    .map(|i| match common.get(i / 2).filter(|_| i % 2 == 0) {
                        Some(&w) => w,
                        None => WordId(next(v) as u32),
                    })
                    .collect();
                if len > 3 {
                    ws[1] = ws[0]; // a duplicate
                    ws[2] = lm.bos();
                    ws[3] = WordId(v as u32 + 1); // outside the vocabulary
                }
                out.clear();
                out.push(7.0); // appended after what `out` holds
                lm.lower_many(w2, &ws, &mut out);
                assert_eq!(out.len(), ws.len() + 1);
                assert_eq!(out[0], 7.0);
                for (&w, &p) in ws.iter().zip(&out[1..]) {
                    assert_eq!(p, lm.lower(w2, w), "w2 {w2:?} w {w:?}");
                }
                // `logp_in_many` after the history (n, w2), with short, long and no trigram runs.
                for n in [lm.bos(), histories[next(histories.len() as u64) as usize]] {
                    let lowers: Vec<f32> = ws.iter().map(|&w| lm.lower(w2, w)).collect();
                    out.clear();
                    lm.logp_in_many(&lm.context(n, w2), &ws, &lowers, &mut out);
                    for (&w, &p) in ws.iter().zip(&out) {
                        assert_eq!(p, lm.logp(n, w2, w), "h {n:?} {w2:?} w {w:?}");
                    }
                    // Histories looked up together (`contexts`), appended after a context
                    // already there: each the same as alone.
                    let hists = [(n, w2), (lm.bos(), w2), (w2, n), (n, w2)];
                    let mut ctxs = vec![lm.context(w2, n)];
                    lm.contexts(&hists, &mut ctxs);
                    assert_eq!(ctxs.len(), hists.len() + 1);
                    let all = std::iter::once((w2, n)).chain(hists);
                    for (ctx, (w1, w2)) in ctxs.iter().zip(all) {
                        let lowers: Vec<f32> = ws.iter().map(|&w| lm.lower(w2, w)).collect();
                        out.clear();
                        lm.logp_in_many(ctx, &ws, &lowers, &mut out);
                        for (&w, &p) in ws.iter().zip(&out) {
                            assert_eq!(p, lm.logp(w1, w2, w), "contexts: {w1:?} {w2:?} w {w:?}");
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn vocabulary_and_counts() {
    let lm = tiny(&all_counts());
    assert_eq!(lm.word(lm.unk()), "<unk>");
    assert_eq!(lm.word(lm.num()), "<num>");
    assert_eq!(lm.word(lm.bos()), "<s>");
    assert_eq!(lm.word(lm.eos()), "</s>");
    for i in 0..lm.vocab_len() as u32 {
        assert_eq!(lm.get(lm.word(WordId(i))), Some(WordId(i)));
    }
    assert_eq!(lm.get("không có"), None);
    assert_eq!(lm.id("không có"), lm.unk());
    let uy = lm.get("ủy").unwrap();
    assert_eq!(lm.count(uy), 4);
    assert_eq!(lm.count(lm.eos()), 12);
    assert_eq!(lm.count(lm.num()), 2);
    // training text in the new style is stored in the documents' style
    assert!(lm.get("thủy").is_some() && lm.get("hóa").is_some());
}

#[test]
fn deterministic_round_trip_and_damage() {
    let (a, _) = build_from_texts(&[TEXT], &all_counts()).unwrap();
    let (b, _) = build_from_texts(&[TEXT], &all_counts()).unwrap();
    assert_eq!(a, b, "builds are deterministic");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lm.smt");
    std::fs::write(&path, &a).unwrap();
    let lm = LanguageModel::load(&path).unwrap();
    let mem = LanguageModel::from_bytes(Cow::Owned(a.clone()), "mem").unwrap();
    assert_eq!(lm.checksum(), mem.checksum());
    assert_eq!(lm.version(), sohoa::lm::VERSION);
    for w in 0..lm.vocab_len() as u32 {
        let w = WordId(w);
        assert_eq!(
            lm.logp(lm.bos(), WordId(4), w),
            mem.logp(lm.bos(), WordId(4), w)
        );
    }
    let mut bad = a.clone();
    let mid = bad.len() / 2;
    bad[mid] ^= 0x40;
    assert!(matches!(
        LanguageModel::from_bytes(Cow::Owned(bad), "bad"),
        Err(sohoa::Error::Checksum { .. })
    ));
    assert!(matches!(
        LanguageModel::from_bytes(Cow::Owned(a[..a.len() - 9].to_vec()), "short"),
        Err(sohoa::Error::ModelFormat { .. })
    ));
    let other = sohoa::model_file::wrap(sohoa::TableKind::Channel, sohoa::lm::VERSION, b"x");
    assert!(matches!(
        LanguageModel::from_bytes(Cow::Owned(other), "kind"),
        Err(sohoa::Error::ModelFormat { .. })
    ));
    // a valid container whose payload is nonsense is a format error, not a panic
    let junk = sohoa::model_file::wrap(
        sohoa::TableKind::LanguageModel,
        sohoa::lm::VERSION,
        &[7u8; 3000],
    );
    assert!(matches!(
        LanguageModel::from_bytes(Cow::Owned(junk), "junk"),
        Err(sohoa::Error::ModelFormat { .. })
    ));
    assert!(matches!(
        LanguageModel::load(&dir.path().join("missing.smt")),
        Err(sohoa::Error::Io { .. })
    ));
}

#[test]
fn units() {
    let u = |k, t| unit_of(k, t).map(|c| c.into_owned());
    assert_eq!(u(TokenKind::Word, "Hoá").as_deref(), Some("hóa"));
    assert_eq!(u(TokenKind::Word, "HOÀ").as_deref(), Some("hòa"));
    assert_eq!(u(TokenKind::Word, "thuỷ").as_deref(), Some("thủy"));
    assert_eq!(u(TokenKind::Word, "Uỷ").as_deref(), Some("ủy"));
    assert_eq!(u(TokenKind::Word, "khoẻ").as_deref(), Some("khỏe"));
    assert_eq!(u(TokenKind::Word, "quý").as_deref(), Some("quý"));
    assert_eq!(u(TokenKind::Word, "hoàn").as_deref(), Some("hoàn"));
    assert_eq!(u(TokenKind::Word, "hóa").as_deref(), Some("hóa"));
    assert_eq!(u(TokenKind::Word, "thu\u{309}y").as_deref(), Some("thủy"));
    assert_eq!(u(TokenKind::Word, "UBND").as_deref(), Some("ubnd"));
    assert_eq!(u(TokenKind::Word, "s6").as_deref(), Some("<unk>"));
    assert_eq!(u(TokenKind::Number, "2023").as_deref(), Some("<num>"));
    assert_eq!(u(TokenKind::Punct, ",").as_deref(), Some(","));
    assert_eq!(u(TokenKind::Punct, "“"), None);
    assert_eq!(u(TokenKind::Space, " "), None);
}
