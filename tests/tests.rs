//! Integration tests: one binary, one module per feature.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod layering;
mod ocr;
