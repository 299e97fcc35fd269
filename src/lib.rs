//! sohoa — restore Vietnamese in OCR of administrative documents, then segment them and extract
//! indicators, references and dates.
//!
//! The pipeline, one module per stage (see `DESIGN.md`): [`token`] splits text, [`syllable`] knows
//! Vietnamese syllables, the channel model scores OCR confusions, the language model scores syllable
//! sequences, and the decoder ([`Restorer`]) picks the best reading.
#![deny(missing_docs)]

mod container;
mod error;
pub mod syllable;
pub mod token;

pub use container::{Reader as ModelReader, TableKind, Writer as ModelWriter};
pub use error::{Error, Result};

/// Model container helpers (header, version, CRC) for the tables in `dictionaries/`.
pub mod model_file {
    pub use crate::container::{unwrap, wrap, HEADER_LEN, MAGIC};
}
