//! Print the extraction of a file pair as JSON: `extract_dump ORIGINAL [RESTORED]`.
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let o = std::fs::read_to_string(
        args.first()
            .ok_or("usage: extract_dump ORIGINAL [RESTORED]")?,
    )?;
    let r = match args.get(1) {
        Some(p) => std::fs::read_to_string(p)?,
        None => o.clone(),
    };
    let mut doc = sohoa::extract(&sohoa::ExtractInput {
        original: &o,
        restored: &r,
        source: None,
    })?;
    doc.original.clear();
    doc.restored.clear();
    println!("{}", serde_json::to_string_pretty(&doc)?);
    Ok(())
}
