//! Integration tests: one binary, one module per feature.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod batch;
mod extract;
mod formats;
mod gate;
mod layering;
mod lm;
mod ocr;
mod restore;
mod syllable;
mod wire;
