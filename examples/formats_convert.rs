//! Restore an hOCR, ALTO or PAGE-XML file and write it back:
//! `formats_convert INPUT [alto|hocr|page|text|json] > OUTPUT` (default: the input's own format).
use std::sync::Arc;

use sohoa::formats::{self, OutputFormat, ProcessingInfo, TextChange};
use sohoa::{Models, RestorerBuilder};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = args
        .first()
        .ok_or("usage: formats_convert INPUT [FORMAT]")?;
    let bytes = std::fs::read(path)?;
    let doc = formats::read(&bytes, path)?;
    let out = match args.get(1) {
        Some(f) => OutputFormat::parse(f, doc.format)?,
        None => OutputFormat::Same,
    };
    let models = Arc::new(Models::embedded()?);
    let model_version = models.version();
    let restorer = RestorerBuilder::new().build(models)?;
    let restored = restorer.restore(&doc.text());
    let changes: Vec<TextChange> = restored.changes.iter().map(TextChange::from).collect();
    let corrections = formats::corrections_from_changes(&doc, &changes);
    let info = ProcessingInfo {
        tool: "sohoa".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        model_version,
        parameters: "default".into(),
        time: ProcessingInfo::now_utc(),
    };
    let bytes = formats::write(&doc, &corrections, &info, out)?;
    eprintln!(
        "{path}: {:?} v{}, {} words, {} corrected",
        doc.format,
        doc.version,
        doc.words().count(),
        corrections.len()
    );
    std::io::Write::write_all(&mut std::io::stdout(), &bytes)?;
    Ok(())
}
