//! Print channel costs: `channel_cost MODEL GOLD OCR [GOLD OCR]...` (diagnostics).
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let bytes = std::fs::read(&args[0])?;
    let m = sohoa::channel::ChannelModel::from_bytes(&bytes, &args[0])?;
    for p in args[1..].chunks(2) {
        println!("{:>8} <- {:<8} {:?}", p[0], p[1], m.cost(&p[0], &p[1]));
    }
    Ok(())
}
