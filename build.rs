//! Embed the models of `dictionaries/` when they are present, so that a fresh clone's binary runs
//! without downloading anything. Without them (while bootstrapping the models themselves) the
//! crate still builds and `Models::embedded` reports that the models are missing. The channel
//! model of Tesseract `vie` errors (`channel-vie.smt`) is optional on its own, and so is the table of
//! precomputed candidate searches (`candidates.smt`, a cache: without it only speed changes).
fn main() {
    println!("cargo::rustc-check-cfg=cfg(sohoa_embedded)");
    println!("cargo::rustc-check-cfg=cfg(sohoa_embedded_vie)");
    println!("cargo::rustc-check-cfg=cfg(sohoa_embedded_candidates)");
    let files = [
        "dictionaries/lm.smt",
        "dictionaries/channel.smt",
        "dictionaries/lexicon.smt",
    ];
    let vie = "dictionaries/channel-vie.smt";
    let candidates = "dictionaries/candidates.smt";
    for f in files.iter().chain([&vie, &candidates]) {
        println!("cargo::rerun-if-changed={f}");
    }
    if files.iter().all(|f| std::path::Path::new(f).exists()) {
        println!("cargo::rustc-cfg=sohoa_embedded");
    }
    if std::path::Path::new(vie).exists() {
        println!("cargo::rustc-cfg=sohoa_embedded_vie");
    }
    if std::path::Path::new(candidates).exists() {
        println!("cargo::rustc-cfg=sohoa_embedded_candidates");
    }
}
