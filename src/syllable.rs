//! TEMPORARY STUB (replaced by the syllable model from the `syllable` branch).
#![allow(missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    Lower,
    Title,
    Upper,
    Mixed,
}
pub fn is_valid(s: &str) -> bool {
    let v = "aăâeêioôơuưyàằầèềìòồờùừỳáắấéếíóốớúứýảẳẩẻểỉỏổởủửỷãẵẫẽễĩõỗỡũữỹạặậẹệịọộợụựỵ";
    !s.is_empty()
        && s.chars().count() <= 7
        && s.chars().all(|c| c.is_alphabetic())
        && s.chars().any(|c| v.contains(c))
}
pub fn skeleton(s: &str) -> String {
    s.chars().map(crate::token::base_letter).collect()
}
pub fn case_of(s: &str) -> Case {
    let letters: Vec<char> = s.chars().filter(|c| c.is_alphabetic()).collect();
    if letters.is_empty() {
        return Case::Lower;
    }
    let up = letters.iter().filter(|c| c.is_uppercase()).count();
    if up == 0 {
        Case::Lower
    } else if up == letters.len() && letters.len() > 1 {
        Case::Upper
    } else if letters[0].is_uppercase() && up == 1 {
        Case::Title
    } else {
        Case::Mixed
    }
}
pub fn apply_case(lower: &str, case: Case) -> String {
    match case {
        Case::Lower | Case::Mixed => lower.to_string(),
        Case::Upper => lower.to_uppercase(),
        Case::Title => {
            let mut c = lower.chars();
            match c.next() {
                Some(f) => f.to_uppercase().chain(c).collect(),
                None => String::new(),
            }
        }
    }
}
pub fn alphabet() -> impl Iterator<Item = char> {
    "abcdđeghiklmnopqrstuvxyaăâeêioôơuưyàằầèềìòồờùừỳáắấéếíóốớúứýảẳẩẻểỉỏổởủửỷãẵẫẽễĩõỗỡũữỹạặậẹệịọộợụựỵfjwz".chars()
}
