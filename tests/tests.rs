//! Integration tests: one binary, one module per feature.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod batch;
mod extract;
mod formats;
mod gate;
mod layering;
// (builds tiny models, so it needs the trainer of the `build-models` feature)
#[cfg(feature = "build-models")]
mod lm;
mod ocr;
mod restore;
mod syllable;
mod wire;
