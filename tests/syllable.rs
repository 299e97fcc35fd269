//! The syllable model: validity table, tone styles, case, NFD input, and properties over the whole
//! generated inventory.

use proptest::prelude::*;
use sohoa::syllable::{
    self, all_syllables, apply_case, case_of, compose_char, decompose_char, is_valid, parse,
    skeleton, to_style, Case, Tone, ToneStyle,
};
use std::sync::OnceLock;
use unicode_normalization::UnicodeNormalization;

fn inventory() -> &'static [String] {
    static ALL: OnceLock<Vec<String>> = OnceLock::new();
    ALL.get_or_init(all_syllables)
}

#[test]
fn valid_and_invalid_examples() {
    let valid = [
        "quốc",
        "giữ",
        "gì",
        "gìn",
        "giếng",
        "gia",
        "giữa",
        "giường",
        "khuya",
        "nghiêng",
        "nghĩa",
        "hóa",
        "hoá",
        "hòe",
        "thủy",
        "thuỷ",
        "ủy",
        "uỷ",
        "quý",
        "quyết",
        "quân",
        "qua",
        "y",
        "ý",
        "ưu",
        "ươi",
        "người",
        "tiếng",
        "yêu",
        "uyên",
        "khuỷu",
        "ngoẹo",
        "hoặc",
        "xuân",
        "thuở",
        "huế",
        "khuếch",
        "xoay",
        "ngoài",
        "xoong",
        "ác",
        "ạc",
        "lý",
        "lí",
        "kỹ",
        "Mỹ",
        "tỷ",
        "Đồng",
        "ĐỒNG",
        "Nai",
        "Biên",
        "Hòa",
        "của",
        "chủ",
        "chức",
        "từ",
        "số",
        "là",
        "xã",
        "đầu",
        "lãnh",
        "lỏng",
        "lệ",
        "Bộ",
        "ích",
        "ếch",
        "ỉa",
        "oanh",
        "buýt",
        "pin",
    ];
    for w in valid {
        assert!(is_valid(w), "{w} should be valid");
        assert!(parse(w).is_some(), "{w}");
    }
    let invalid = [
        "zalo",
        "egov",
        "ctia",
        "chii",
        "tir",
        "chirc",
        "fa",
        "ja",
        "wa",
        "za",
        "àc",
        "ảt",
        "ãch",
        "ùp",
        "ci",
        "ce",
        "ka",
        "ge",
        "ngha",
        "ngê",
        "gha",
        "qúy",
        "hòang",
        "qu",
        "q",
        "gii",
        "iên",
        "yen",
        "ă",
        "â",
        "oo",
        "ab",
        "",
        "1anh",
        "s6",
        "hoa1",
        "ba-",
        "hóà",
        "khuyaa",
        "nghiêngg",
        "tiêa",
        "nghi·",
        "kuy",
        "coa",
    ];
    for w in invalid {
        assert!(!is_valid(w), "{w} should be invalid");
    }
}

#[test]
fn inventory_is_sorted_unique_and_sized() {
    let all = inventory();
    assert!(all.windows(2).all(|w| w[0] < w[1]));
    assert!(all.len() == 15_702, "{}", all.len());
    for w in [
        "hóa", "thủy", "ủy", "quốc", "nghiêng", "người", "gì", "khuya",
    ] {
        assert!(all.binary_search(&w.to_string()).is_ok(), "{w} missing");
    }
    for w in ["hoá", "thuỷ"] {
        assert!(
            all.binary_search(&w.to_string()).is_err(),
            "{w} is New style"
        );
    }
}

#[test]
fn parse_then_render_is_identity_over_inventory() {
    for s in inventory() {
        let syl = parse(s).unwrap_or_else(|| panic!("{s} does not parse"));
        assert_eq!(&syl.render(ToneStyle::Old), s);
        let new = syl.render(ToneStyle::New);
        assert_eq!(parse(&new), Some(syl), "{new}");
        assert_eq!(to_style(&new, ToneStyle::Old).as_deref(), Some(s.as_str()));
    }
}

#[test]
fn styles_differ_only_on_open_oa_oe_uy() {
    let pairs = [
        ("hóa", "hoá"),
        ("hòa", "hoà"),
        ("hòe", "hoè"),
        ("thủy", "thuỷ"),
        ("ủy", "uỷ"),
        ("Khỏe", "Khoẻ"),
        ("HÓA", "HOÁ"),
    ];
    for (old, new) in pairs {
        assert_eq!(to_style(old, ToneStyle::New).as_deref(), Some(new));
        assert_eq!(to_style(new, ToneStyle::Old).as_deref(), Some(old));
    }
    for same in [
        "hoàng", "thuận", "người", "tiếng", "giữ", "quý", "quốc", "khuỷu", "hoài",
    ] {
        assert_eq!(to_style(same, ToneStyle::Old).as_deref(), Some(same));
        assert_eq!(to_style(same, ToneStyle::New).as_deref(), Some(same));
    }
    assert_eq!(ToneStyle::default(), ToneStyle::Old);
}

#[test]
fn skeleton_and_case() {
    assert_eq!(skeleton("Đồng"), "dong");
    assert_eq!(skeleton("NGƯỜI"), "nguoi");
    assert_eq!(skeleton("Hòa"), "hoa");
    assert_eq!(skeleton("QĐ-UBND"), "qd-ubnd");
    assert_eq!(skeleton(&"Đồng".nfd().collect::<String>()), "dong");
    assert_eq!(case_of("Đồng"), Case::Title);
    assert_eq!(case_of("ĐỒNG"), Case::Upper);
    assert_eq!(case_of("đồng"), Case::Lower);
    assert_eq!(case_of("đỒng"), Case::Mixed);
    assert_eq!(apply_case("đồng", Case::Title), "Đồng");
    assert_eq!(apply_case("đồng", Case::Upper), "ĐỒNG");
}

#[test]
fn alphabet_covers_the_inventory() {
    let alpha: Vec<char> = syllable::alphabet().collect();
    for c in "fjwzđ".chars() {
        assert!(alpha.contains(&c));
    }
    for s in inventory() {
        assert!(s.chars().all(|c| alpha.contains(&c)), "{s}");
    }
}

#[test]
fn char_helpers_round_trip() {
    for c in syllable::alphabet() {
        let (base, tone) = decompose_char(c).unwrap();
        assert_eq!(compose_char(base, tone), Some(c));
        let up = c.to_uppercase().next().unwrap();
        let (ubase, utone) = decompose_char(up).unwrap();
        assert_eq!(utone, tone);
        assert_eq!(compose_char(ubase, utone), Some(up));
    }
    assert_eq!(compose_char('ơ', Tone::Grave), Some('ờ'));
}

fn any_syllable() -> impl Strategy<Value = String> {
    (0..inventory().len()).prop_map(|i| inventory()[i].clone())
}

proptest! {
    #[test]
    fn nfd_input_parses_like_nfc(s in any_syllable(), new in any::<bool>()) {
        let style = if new { ToneStyle::New } else { ToneStyle::Old };
        let w = to_style(&s, style).unwrap();
        let nfd: String = w.nfd().collect();
        prop_assert_eq!(parse(&nfd), parse(&w));
        prop_assert_eq!(to_style(&nfd, ToneStyle::Old), Some(s.clone()));
        prop_assert_eq!(skeleton(&nfd), skeleton(&w));
    }

    #[test]
    fn case_round_trips(s in any_syllable(), mask in any::<u16>()) {
        let cased: String = s
            .chars()
            .enumerate()
            .map(|(i, c)| if mask & (1 << i) != 0 { c.to_uppercase().next().unwrap() } else { c })
            .collect();
        prop_assert!(is_valid(&cased));
        prop_assert_eq!(parse(&cased), parse(&s));
        // The style conversion keeps every letter's case.
        let new = to_style(&cased, ToneStyle::New).unwrap();
        prop_assert_eq!(to_style(&new, ToneStyle::Old), Some(cased.clone()));
        // Whole-word case survives case_of / apply_case.
        for case in [Case::Lower, Case::Title, Case::Upper] {
            let w = apply_case(&s, case);
            prop_assert_eq!(case_of(&w), if s.chars().count() == 1 && case == Case::Upper { Case::Title } else { case });
            prop_assert_eq!(w.to_lowercase(), s.clone());
        }
    }

    #[test]
    fn style_round_trip(s in any_syllable()) {
        let new = to_style(&s, ToneStyle::New).unwrap();
        prop_assert_eq!(to_style(&new, ToneStyle::Old), Some(s.clone()));
        prop_assert_eq!(to_style(&new, ToneStyle::New), Some(new.clone()));
        prop_assert_eq!(skeleton(&new), skeleton(&s));
    }

    #[test]
    fn one_more_letter_or_tone_mark_is_never_silently_accepted(s in any_syllable()) {
        // Doubling the tone is always invalid.
        let syl = parse(&s).unwrap();
        if syl.tone != Tone::Level {
            let twice: String = s.chars().chain(std::iter::once('\u{301}')).collect();
            prop_assert!(!is_valid(&twice));
        }
        let longer = format!("{s}z");
        prop_assert!(!is_valid(&longer));
    }
}
