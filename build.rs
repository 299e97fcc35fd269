//! Embed the models of `dictionaries/` when they are present, so that a fresh clone's binary runs
//! without downloading anything. Without them (while bootstrapping the models themselves) the
//! crate still builds and `Models::embedded` reports that the models are missing.
fn main() {
    println!("cargo::rustc-check-cfg=cfg(sohoa_embedded)");
    let files = [
        "dictionaries/lm.smt",
        "dictionaries/channel.smt",
        "dictionaries/lexicon.smt",
    ];
    for f in files {
        println!("cargo::rerun-if-changed={f}");
    }
    if files.iter().all(|f| std::path::Path::new(f).exists()) {
        println!("cargo::rustc-cfg=sohoa_embedded");
    }
}
