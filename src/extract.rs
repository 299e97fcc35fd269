//! The extraction entry point: pair the original and restored texts, segment, then find
//! references, dates and indicators, and assemble one [`Document`].

use crate::indicators;
use crate::references;
use crate::schema::{Document, SCHEMA_VERSION};
use crate::structure::{self, Text};
use crate::Result;

/// What [`extract`] reads: the OCR text as scanned and its restoration, line for line.
///
/// Pass the same text twice when the input is already clean.
#[derive(Debug, Clone)]
pub struct ExtractInput<'a> {
    /// The original input; every span in the output indexes its characters.
    pub original: &'a str,
    /// The restored text, with the same lines as `original`.
    pub restored: &'a str,
    /// Where the input came from (a file name), copied to the output.
    pub source: Option<String>,
}

/// Segment a restored notice and extract its header, sections, indicators, references,
/// footnotes and dates.
///
/// # Errors
/// [`crate::Error::Input`] when `original` and `restored` do not have the same number of lines.
///
/// # Example
/// ```
/// let text = "THÔNG BÁO\nKết quả\nI. Kết quả đạt được\nTỷ lệ hồ sơ đúng hạn đạt 99,54%.\n";
/// let doc = sohoa::extract(&sohoa::ExtractInput { original: text, restored: text, source: None })?;
/// assert_eq!(doc.sections[0].marker, "I.");
/// assert_eq!(doc.indicators[0].value, 99.54);
/// # Ok::<(), sohoa::Error>(())
/// ```
pub fn extract(input: &ExtractInput) -> Result<Document> {
    let source = input.source.as_deref().unwrap_or("<input>");
    let text = Text::new(input.original, input.restored, source)?;
    let layout = structure::analyse(&text);
    let (refs, mut skip) = references::references(&text, &layout);
    let (dates, date_ranges) = references::dates(&text, &layout);
    skip.extend(date_ranges);
    let indicators = indicators::find(&text, &layout, &skip);
    Ok(Document {
        schema_version: SCHEMA_VERSION.to_string(),
        source: input.source.clone(),
        document: layout.header,
        sections: layout.sections,
        indicators,
        references: refs,
        footnotes: layout.footnotes,
        dates,
        original: input.original.to_string(),
        restored: input.restored.to_string(),
        restoration: None,
    })
}
