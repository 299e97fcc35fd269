//! The crate's one error type. Every failure that can come from input (files, model bytes, XML, rows)
//! is a variant here, and the ones tied to a file carry its path so that a batch log names the culprit.

use std::path::PathBuf;

/// Result alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in sohoa. `#[non_exhaustive]` so new kinds do not break callers.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// A model file is not in the expected format (bad magic, truncated, wrong table kind).
    #[error("{path}: not a valid sohoa model file: {reason}")]
    ModelFormat {
        /// The model file (or `<embedded>`).
        path: String,
        /// What was wrong.
        reason: String,
    },
    /// A model file has a format version this build cannot read.
    #[error("{path}: model format version {found}, this build reads version {expected}")]
    ModelVersion {
        /// The model file.
        path: String,
        /// The version this build reads.
        expected: u16,
        /// The version found in the file.
        found: u16,
    },
    /// A model file failed its CRC32 check: it was damaged after it was written.
    #[error("{path}: model checksum mismatch (file damaged)")]
    Checksum {
        /// The model file.
        path: String,
    },
    /// An input document could not be decoded (binary, wrong encoding, NUL bytes, too large, empty).
    #[error("{path}: {reason}")]
    Input {
        /// The input file (or `<stdin>`).
        path: String,
        /// Why it was rejected.
        reason: String,
    },
    /// Malformed XML (hOCR, ALTO, PAGE).
    #[error("{path}: XML error: {reason}")]
    Xml {
        /// The input file.
        path: String,
        /// What the parser reported.
        reason: String,
    },
    /// SQLite failed.
    #[error("sqlite: {0}")]
    Sqlite(String),
    /// An external program sohoa drives (Tesseract, pdftoppm) is not installed.
    #[error("{tool} is not installed (or not on PATH); install it with: {install}")]
    MissingTool {
        /// The program.
        tool: String,
        /// The command that installs it.
        install: String,
    },
    /// Tesseract is installed but lacks a language model it was asked to use.
    #[error("Tesseract has no '{lang}' language model; install it with: {install}")]
    MissingLanguage {
        /// The Tesseract language code (`vie`).
        lang: String,
        /// The command that installs it.
        install: String,
    },
    /// OCR of an input file failed (the engine exited with an error, timed out or wrote nothing).
    #[error("{path}: OCR failed: {reason}")]
    Ocr {
        /// The input file.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// A configuration or argument was invalid.
    #[error("configuration: {0}")]
    Config(String),
}

impl Error {
    /// Convenience for an I/O error tied to a path.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
