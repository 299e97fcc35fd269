//! Output types of extraction: one [`Document`] record per notice, serialised as JSON.
//!
//! The field names are a contract with the readers of the JSON (the SQLite store, analysts), so
//! they are fixed here and versioned by [`SCHEMA_VERSION`]; `schema/document.schema.json` is
//! generated from these types by [`json_schema`] and a test fails when it is stale. Every located
//! item carries `line` (1-based) and `span`: `[start, end)` *character* offsets into the original
//! input (not the restored text), so that a reader can highlight the item in what was scanned.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Version of the JSON record. Bump the major part when a field is renamed or removed.
pub const SCHEMA_VERSION: &str = "1.0.0";

/// `[start, end)` character offsets into the original input.
pub type Span = [usize; 2];

/// One extracted notice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Document {
    /// Always [`SCHEMA_VERSION`] when written by this build.
    pub schema_version: String,
    /// Where the input came from (a file name), if known.
    pub source: Option<String>,
    /// The header: type, number, date, issuer, title, signer, recipients.
    pub document: Header,
    /// Headings in reading order, as a flat list linked by `parent`.
    pub sections: Vec<Section>,
    /// Quantitative statements.
    pub indicators: Vec<Indicator>,
    /// Citations of legal documents.
    pub references: Vec<Reference>,
    /// Footnotes set aside from the body and linked to their call sites.
    pub footnotes: Vec<Footnote>,
    /// Dates and periods mentioned anywhere in the text.
    pub dates: Vec<DateMention>,
    /// The original (OCR) input; spans index into it.
    pub original: String,
    /// The restored text, line for line with `original`.
    pub restored: String,
    /// How the restored text was made: every change and the decoder's confidence. Absent when the
    /// caller supplied the restored text itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restoration: Option<Restoration>,
}

/// The restoration step's account of itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Restoration {
    /// Identity of the models used (versions and checksums).
    pub model_version: String,
    /// Word tokens looked at.
    pub words: usize,
    /// Mean confidence over all word tokens, changed or not, in 0..1.
    pub mean_confidence: f32,
    /// Every changed token, in order.
    pub changes: Vec<Correction>,
}

/// One token changed by restoration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Correction {
    /// 1-based line of the input.
    pub line: usize,
    /// `[start, end)` character offsets in the original input.
    pub span: Span,
    /// The token as the OCR wrote it.
    pub original: String,
    /// The restored token.
    pub restored: String,
    /// Confidence in 0..1 that the restored form is right.
    pub confidence: f32,
}

/// A located header value: `value` is normalised (an ISO date, an upper-case type), `text` is as
/// written in the restored text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Field {
    /// The normalised value.
    pub value: String,
    /// The text as written (restored).
    pub text: String,
    /// 1-based line where the value starts.
    pub line: usize,
    /// Character span in the original input.
    pub span: Span,
}

/// The document header and signature block.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Header {
    /// Document type in capitals (`THÔNG BÁO`, `QUYẾT ĐỊNH`, `CÔNG VĂN`, ...).
    #[serde(rename = "type")]
    pub doc_type: Option<Field>,
    /// Number and symbol (`214/TB-UBND`).
    pub number: Option<Field>,
    /// Date of issue; `value` is ISO `YYYY-MM-DD`.
    pub date: Option<Field>,
    /// Place of issue (`Đồng Nai`).
    pub place: Option<Field>,
    /// Issuing body (`ỦY BAN NHÂN DÂN TỈNH ĐỒNG NAI`).
    pub issuer: Option<Field>,
    /// Title or subject (may span lines; joined with spaces).
    pub title: Option<Field>,
    /// Who signed.
    pub signer: Option<Signer>,
    /// The `Nơi nhận:` list, one item per entry.
    pub recipients: Vec<Field>,
    /// The `Kính gửi:` addressees (official letters and submissions).
    pub addressees: Vec<Field>,
}

/// The signature block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Signer {
    /// The signer's name.
    pub name: Option<Field>,
    /// The position lines (`KT. CHỦ TỊCH / PHÓ CHỦ TỊCH`), joined with ` / `.
    pub position: Option<Field>,
}

/// What a section is about; inherited by sub-sections unless they say otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SectionKind {
    /// Results achieved (kết quả, đạt được, tiến độ).
    Results,
    /// Shortcomings (tồn tại, hạn chế, khó khăn, vướng mắc).
    Shortcomings,
    /// Tasks and proposals (nhiệm vụ, giải pháp, phương hướng, kiến nghị, đề xuất).
    Tasks,
}

/// One heading (numbered clause, lettered item or bullet).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Section {
    /// Identifier, unique within the document (`s1`, `s2`, ... in reading order).
    pub id: String,
    /// The enclosing section's id, `null` at the top.
    pub parent: Option<String>,
    /// The marker as read (`I.`, `1.1.`, `a)`, `-`), repaired when OCR damaged it (`IL.` gives `II.`).
    pub marker: String,
    /// Depth, 1 for the top.
    pub level: u32,
    /// Heading text without the marker.
    pub heading: String,
    /// The class of the section, or `null`.
    pub kind: Option<SectionKind>,
    /// Confidence of `kind` in [0, 1]; 0 when `kind` is `null`.
    pub kind_confidence: f64,
    /// 1-based line of the marker.
    pub line: usize,
    /// Span of the marker and heading.
    pub span: Span,
    /// Span from the end of the heading to the start of the next section that is not inside this
    /// one (so the body includes sub-sections).
    pub body_span: Span,
}

/// The kind of a quantitative statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum IndicatorKind {
    /// `99,54%`.
    Percent,
    /// `82.92 điểm`, `16,3/22 điểm`.
    Score,
    /// `xếp hạng 51/63`.
    Rank,
    /// `170/170 UBND cấp xã`.
    Ratio,
    /// `7.946 lượt`.
    Count,
    /// `giảm 0.41 điểm`, `tăng 04 hạng`.
    Change,
    /// `tối thiểu 70%`: a goal rather than an achieved value.
    Target,
    /// `60-80%`: `value` is the low end, `upper` the high end.
    Range,
    /// `1.250 triệu đồng`.
    Money,
    /// `03 ngày làm việc`.
    Duration,
}

/// Direction of a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// tăng, cao hơn.
    Up,
    /// giảm, thấp hơn.
    Down,
}

/// One quantitative statement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Indicator {
    /// What kind of quantity.
    pub kind: IndicatorKind,
    /// The number, Vietnamese format resolved (`7.946` is 7946, `16,3` is 16.3).
    pub value: f64,
    /// High end of a range.
    pub upper: Option<f64>,
    /// Unit as written (`%`, `điểm`, `hạng`, `triệu đồng`, `hồ sơ`).
    pub unit: Option<String>,
    /// The `/63` of `51/63`.
    pub denominator: Option<f64>,
    /// For changes.
    pub direction: Option<Direction>,
    /// A goal (tối thiểu, phấn đấu, ít nhất, ...), not an achieved value.
    pub target: bool,
    /// What is measured (best effort).
    pub subject: Option<String>,
    /// Administrative level the value applies to (`cấp huyện`).
    pub level: Option<String>,
    /// Comparison base (`so với năm 2021`).
    pub base_year: Option<i32>,
    /// Id of the innermost section holding the statement.
    pub section: Option<String>,
    /// The matched text (restored).
    pub text: String,
    /// 1-based line.
    pub line: usize,
    /// Span in the original input.
    pub span: Span,
}

/// A citation of a legal document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Reference {
    /// Document type (`Quyết định`), written out even when only the symbol gave it away.
    #[serde(rename = "type")]
    pub ref_type: Option<String>,
    /// Number and symbol as written (`27/2020/QĐ-UBND`).
    pub number: String,
    /// ISO date of the cited document, when given.
    pub date: Option<String>,
    /// The matched text (restored).
    pub text: String,
    /// 1-based line.
    pub line: usize,
    /// Span in the original input.
    pub span: Span,
}

/// A place where a footnote is called.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Call {
    /// 1-based line.
    pub line: usize,
    /// Span of the call mark in the original input.
    pub span: Span,
}

/// A footnote set aside from the body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Footnote {
    /// The marker as read (`¹`, `1`, `!`, `(*)`).
    pub marker: String,
    /// The footnote text without the marker.
    pub text: String,
    /// Call sites in the body.
    pub calls: Vec<Call>,
    /// 1-based line.
    pub line: usize,
    /// Span in the original input.
    pub span: Span,
}

/// A date or a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DateMention {
    /// The matched text (restored).
    pub text: String,
    /// ISO date `YYYY-MM-DD` for a day.
    pub date: Option<String>,
    /// For a period: ISO month `2023-05`, or an interval `2023-01/2023-06` (6 tháng đầu năm 2023,
    /// quý II/2023: `2023-04/2023-06`), or years `2023/2025`.
    pub period: Option<String>,
    /// 1-based line.
    pub line: usize,
    /// Span in the original input.
    pub span: Span,
}

/// The JSON schema of [`Document`], as shipped in `schema/document.schema.json`.
#[must_use]
pub fn json_schema() -> serde_json::Value {
    let schema = schemars::schema_for!(Document);
    serde_json::to_value(schema).unwrap_or(serde_json::Value::Null)
}
