//! One document, start to finish: read the input, restore it, extract its record.
//!
//! The CLI's `extract`, `batch` and `stream` and library users all want the same steps in the same
//! order with the same record; keeping them here means the three stay identical. The pipeline is
//! built once (the models and the lexicon index are the expensive part) and shared by reference
//! across threads; each thread keeps its own [`Scratch`] (the candidate and LM caches).

use crate::decode::{Restored, Restorer, Scratch};
use crate::error::Result;
use crate::extract::{extract, ExtractInput};
use crate::processor::Processor;
use crate::schema::{Correction, Document, Restoration};
use std::cell::RefCell;

thread_local! {
    /// Per-thread caches for [`Processor::process`], which gets no scratch from its caller.
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::new());
}

/// Restoration followed by extraction.
#[derive(Debug)]
pub struct Pipeline {
    restorer: Restorer,
    version: String,
}

impl Pipeline {
    /// A pipeline around `restorer`.
    #[must_use]
    pub fn new(restorer: Restorer) -> Self {
        let version = format!(
            "sohoa {} schema {} models {}",
            env!("CARGO_PKG_VERSION"),
            crate::schema::SCHEMA_VERSION,
            restorer.models().version()
        );
        Pipeline { restorer, version }
    }

    /// The restorer inside.
    #[must_use]
    pub fn restorer(&self) -> &Restorer {
        &self.restorer
    }

    /// Restore `text` and extract its record. `source` names the input in the record.
    ///
    /// # Errors
    /// Whatever [`extract`] reports (it checks that the texts pair line for line).
    pub fn document(
        &self,
        source: Option<&str>,
        text: &str,
        scratch: &mut Scratch,
    ) -> Result<Document> {
        let restored = self.restorer.restore_with(text, scratch);
        self.document_from(source, text, &restored)
    }

    /// The record of `text` given its restoration (for callers that restored it themselves, such
    /// as the XML formats, which restore the text of their words).
    ///
    /// # Errors
    /// Whatever [`extract`] reports.
    pub fn document_from(
        &self,
        source: Option<&str>,
        text: &str,
        restored: &Restored,
    ) -> Result<Document> {
        let mut doc = extract(&ExtractInput {
            original: text,
            restored: &restored.text,
            source: source.map(str::to_string),
        })?;
        doc.restoration = Some(Restoration {
            model_version: self.restorer.models().version(),
            words: restored.words,
            mean_confidence: restored.mean_confidence,
            changes: restored
                .changes
                .iter()
                .map(|c| Correction {
                    line: c.line,
                    span: c.span,
                    original: c.original.clone(),
                    restored: c.restored.clone(),
                    confidence: c.confidence,
                })
                .collect(),
        });
        Ok(doc)
    }
}

impl Processor for Pipeline {
    fn model_version(&self) -> String {
        self.version.clone()
    }

    fn process(&self, source: &str, text: &str) -> Result<serde_json::Value> {
        let doc = SCRATCH.with(|s| self.document(Some(source), text, &mut s.borrow_mut()))?;
        let stats = doc.restoration.as_ref().map(
            |r| serde_json::json!({ "syllables": r.words, "mean_confidence": r.mean_confidence }),
        );
        let mut v = serde_json::to_value(&doc)
            .map_err(|e| crate::Error::Config(format!("{source}: cannot serialise record: {e}")))?;
        if let (Some(stats), Some(obj)) = (stats, v.as_object_mut()) {
            obj.insert("stats".into(), stats);
        }
        Ok(v)
    }
}
