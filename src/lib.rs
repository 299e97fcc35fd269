//! sohoa — restore Vietnamese in OCR of administrative documents, then segment them and extract
//! indicators, references and dates.
//!
//! The pipeline, one module per stage (see `DESIGN.md`): [`token`] splits text, [`syllable`] knows
//! Vietnamese syllables, the channel model scores OCR confusions, the language model scores syllable
//! sequences, and the decoder ([`Restorer`]) picks the best reading.
#![deny(missing_docs)]
// One exception, `hint::prefetch` (a cache hint): everything else is safe Rust.
#![deny(unsafe_code)]

mod align;
pub mod batch;
pub mod candidates;
pub mod channel;
mod container;
mod decode;
mod error;
pub mod eval;
pub mod formats;
mod hint;
mod io;
pub mod lexicon;
pub mod lm;
pub mod ocr;
mod pipeline;
mod processor;
pub mod store;
pub mod stream;
pub mod syllable;
pub mod token;

pub use container::{Reader as ModelReader, TableKind, Writer as ModelWriter};
pub use error::{Error, Result};

/// Model container helpers (header, version, CRC) for the tables in `dictionaries/`.
pub mod model_file {
    pub use crate::container::{unwrap, wrap, HEADER_LEN, MAGIC};
}
pub use decode::{
    Change, ChannelKind, Models, Restored, Restorer, RestorerBuilder, Scratch, WordPrior,
};
pub use io::{decode_text, write_atomic, write_atomic_with, MAX_INPUT_BYTES};
pub use pipeline::{read_input, read_path, Input, Pipeline, MAX_RECORD_TEXT_BYTES};
pub use processor::{process_caught, FnProcessor, Processor};

/// The held-out tail of an aligned pair of texts: lines are aligned, and the last `fraction` of
/// the aligned line pairs is returned as (gold, ocr) texts. Channel training uses the rest.
#[must_use]
pub fn heldout_tail(gold: &str, ocr: &str, fraction: f64) -> (String, String) {
    let g: Vec<&str> = gold.lines().collect();
    let o: Vec<&str> = ocr.lines().collect();
    let pairs = align::align_lines(&g, &o);
    let keep = ((pairs.len() as f64) * (1.0 - fraction)).round() as usize;
    let tail = pairs.get(keep..).unwrap_or(&[]);
    let mut gs = String::new();
    let mut os = String::new();
    for (a, b) in tail {
        gs.push_str(a);
        gs.push('\n');
        os.push_str(b);
        os.push('\n');
    }
    (gs, os)
}
mod extract;
mod indicators;
mod references;
mod schema;
mod structure;
pub use extract::{extract, ExtractInput};
pub use schema::{
    json_schema, Call, Correction, DateMention, Direction, Document, Field, Footnote, Header,
    Indicator, IndicatorKind, Reference, Restoration, Section, SectionKind, Signer, Span,
    SCHEMA_VERSION,
};
