//! Embed the models of `dictionaries/` when they are present, so that a fresh clone's binary runs
//! without downloading anything. Without them (while bootstrapping the models themselves) the
//! crate still builds and `Models::embedded` reports that the models are missing. The channel
//! model of Tesseract `vie` errors (`channel-vie.smt`) is optional on its own.
fn main() {
    println!("cargo::rustc-check-cfg=cfg(sohoa_embedded)");
    println!("cargo::rustc-check-cfg=cfg(sohoa_embedded_vie)");
    let files = [
        "dictionaries/lm.smt",
        "dictionaries/channel.smt",
        "dictionaries/lexicon.smt",
    ];
    let vie = "dictionaries/channel-vie.smt";
    for f in files.iter().chain([&vie]) {
        println!("cargo::rerun-if-changed={f}");
    }
    if files.iter().all(|f| std::path::Path::new(f).exists()) {
        println!("cargo::rustc-cfg=sohoa_embedded");
    }
    if std::path::Path::new(vie).exists() {
        println!("cargo::rustc-cfg=sohoa_embedded_vie");
    }
}
