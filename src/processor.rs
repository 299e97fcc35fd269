//! The per-document step that batch and stream runs call, behind a trait.
//!
//! Batch conversion and streaming only need "text in, one JSON record out"; what happens inside
//! (restoration, then segmentation and extraction) is built elsewhere and changes often. The
//! [`Processor`] trait keeps the two apart: the runners depend on this trait only, tests plug in a
//! fast closure ([`FnProcessor`]), and the CLI plugs in the real pipeline.
//!
//! [`process_caught`] is the one place where a panicking processor is turned into an error, so
//! that one bad document never takes a whole batch or stream down.

use crate::error::{Error, Result};
use serde_json::Value;

/// Turns one document's text into its JSON record.
///
/// Implementations must be deterministic (same text and version, same record, byte for byte):
/// resumable batches rely on it to give the same output after an interrupted run. They are shared
/// by reference across rayon workers, hence `Sync`.
pub trait Processor: Sync {
    /// Identity of the models and code that make the records. A batch manifest keys its entries on
    /// it, so changing it makes a rerun redo every file.
    fn model_version(&self) -> String;

    /// The record of one document. `source` names it (a path relative to the batch input, or a
    /// stream id) and should be copied into the record's `source` field.
    ///
    /// # Errors
    /// Any [`Error`]; the runner records it against the document and carries on.
    fn process(&self, source: &str, text: &str) -> Result<Value>;
}

/// A [`Processor`] made of a version string and a closure, for tests, benches and the CLI.
///
/// ```
/// use sohoa::{FnProcessor, Processor};
/// let p = FnProcessor::new("upper-1", |source: &str, text: &str| {
///     Ok(serde_json::json!({ "source": source, "restored": text.to_uppercase() }))
/// });
/// assert_eq!(p.process("a.txt", "sở").unwrap()["restored"], "SỞ");
/// ```
pub struct FnProcessor<F> {
    version: String,
    f: F,
}

impl<F> FnProcessor<F>
where
    F: Fn(&str, &str) -> Result<Value> + Sync,
{
    /// Wrap `f`, whose records are identified by `version`.
    #[must_use]
    pub fn new(version: impl Into<String>, f: F) -> Self {
        FnProcessor {
            version: version.into(),
            f,
        }
    }
}

impl<F> std::fmt::Debug for FnProcessor<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FnProcessor")
            .field("version", &self.version)
            .finish()
    }
}

impl<F> Processor for FnProcessor<F>
where
    F: Fn(&str, &str) -> Result<Value> + Sync,
{
    fn model_version(&self) -> String {
        self.version.clone()
    }

    fn process(&self, source: &str, text: &str) -> Result<Value> {
        (self.f)(source, text)
    }
}

/// Run `processor` on one document, turning a panic into an [`Error::Input`] naming `source`.
///
/// # Errors
/// The processor's own error, or the panic message.
pub fn process_caught(processor: &dyn Processor, source: &str, text: &str) -> Result<Value> {
    let run = std::panic::AssertUnwindSafe(|| processor.process(source, text));
    match std::panic::catch_unwind(run) {
        Ok(r) => r,
        Err(payload) => {
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Err(Error::Input {
                path: source.to_string(),
                reason: format!("processing failed (panic: {msg})"),
            })
        }
    }
}

/// The reason of an error without the path prefix, for error records that carry the path apart.
#[must_use]
pub fn reason_of(e: &Error) -> String {
    match e {
        Error::Input { reason, .. } => reason.clone(),
        Error::Io { source, .. } => source.to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn panic_becomes_error() {
        let p = FnProcessor::new("v", |_: &str, _: &str| -> Result<Value> { panic!("boom") });
        let e = process_caught(&p, "x.txt", "t").unwrap_err();
        assert!(reason_of(&e).contains("boom"), "{e}");
        assert!(e.to_string().starts_with("x.txt: "));
    }
}
