//! Vietnamese syllable model (placeholder: being written).
