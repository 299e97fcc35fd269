// Shared by the three targets: parse, then exercise every API on the result. Nothing may panic.
use sohoa::formats::{self, Correction, OutputFormat, ProcessingInfo};

pub fn exercise(bytes: &[u8]) {
    let Ok(doc) = formats::read(bytes, "fuzz") else {
        return;
    };
    let _ = doc.text();
    let _ = doc.furniture();
    let index = doc.word_index();
    // Correct every other word, then write in every output format and read the result back.
    let corr: Vec<Correction> = (0..index.len())
        .step_by(2)
        .map(|w| Correction {
            word: w,
            text: "Việt<&>\"".into(),
            confidence: 0.5,
        })
        .collect();
    let info = ProcessingInfo {
        tool: "fuzz".into(),
        time: "2026-01-01T00:00:00Z".into(),
        ..ProcessingInfo::default()
    };
    for f in [OutputFormat::Same, OutputFormat::Text, OutputFormat::Json] {
        if let Ok(out) = formats::write(&doc, &corr, &info, f) {
            if f == OutputFormat::Same {
                let back = formats::read(&out, "fuzz-out");
                assert!(back.is_ok(), "own output does not parse: {back:?}");
            }
        }
    }
}

/// Wrap fuzz bytes in a document skeleton so the target reaches its parser's inner states.
pub fn wrapped(open: &str, close: &str, data: &[u8]) -> Vec<u8> {
    let mut v = open.as_bytes().to_vec();
    v.extend_from_slice(data);
    v.extend_from_slice(close.as_bytes());
    v
}
