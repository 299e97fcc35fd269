//! JSON Lines in, JSON Lines out: how sohoa runs inside engines that spread work over many
//! machines (Spark `rdd.pipe`, Hadoop streaming, Ray).
//!
//! Each input line is `{"id": .., "text": ..}`; each output line is the document's record with
//! `id` added, or `{"id": .., "error": ..}` when the line or its text is bad. Output lines come in
//! input order, one per non-blank input line (blank lines are ignored), so the engine can zip
//! them back. Lines are read in chunks of a few per worker and each chunk is processed in
//! parallel, which keeps memory bounded by the chunk, not the input; a line longer than
//! [`MAX_LINE_BYTES`] is skipped over without being held and answered with an error record.

use crate::error::{Error, Result};
use crate::io::{decode_text, MAX_INPUT_BYTES};
use crate::processor::{process_caught, reason_of, Processor};
use rayon::prelude::*;
use serde_json::{Map, Value};
use std::io::{BufRead, Write};

/// Longest input line accepted: a maximal document with room for JSON escapes.
pub const MAX_LINE_BYTES: usize = MAX_INPUT_BYTES * 2;

/// Lines per worker in a chunk: enough to keep every worker busy, few enough to bound memory.
const LINES_PER_WORKER: usize = 4;

/// Counts of a stream run.
#[must_use]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct StreamReport {
    /// Records written.
    pub ok: usize,
    /// Error records written.
    pub failed: usize,
}

/// One line read: its bytes, or the fact that it was too long.
enum Line {
    Bytes(Vec<u8>),
    TooLong(usize),
}

/// Read one line of at most `limit` bytes (without its terminator); `None` at end of input.
fn read_line<R: BufRead>(r: &mut R, limit: usize) -> std::io::Result<Option<Line>> {
    let mut buf = Vec::new();
    let mut total = 0usize;
    let mut any = false;
    loop {
        let chunk = r.fill_buf()?;
        if chunk.is_empty() {
            break;
        }
        any = true;
        let (take, done) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (i, true),
            None => (chunk.len(), false),
        };
        total += take;
        if total <= limit {
            buf.extend_from_slice(&chunk[..take]);
        } else if !buf.is_empty() {
            buf = Vec::new();
        }
        r.consume(take + usize::from(done));
        if done {
            break;
        }
    }
    if !any {
        return Ok(None);
    }
    if total > limit {
        return Ok(Some(Line::TooLong(total)));
    }
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    Ok(Some(Line::Bytes(buf)))
}

fn error_record(id: Value, reason: String) -> Value {
    serde_json::json!({ "id": id, "error": reason })
}

/// Answer one input line: the record with its id, or an error record.
fn answer(line: &[u8], processor: &dyn Processor) -> (Value, bool) {
    let text = match std::str::from_utf8(line) {
        Ok(t) => t,
        Err(e) => {
            let msg = format!(
                "not valid UTF-8 (invalid byte at offset {})",
                e.valid_up_to()
            );
            return (error_record(Value::Null, msg), false);
        }
    };
    let v: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => return (error_record(Value::Null, format!("not JSON: {e}")), false),
    };
    let id = v.get("id").cloned().unwrap_or(Value::Null);
    let name = match &id {
        Value::String(s) => s.clone(),
        Value::Null => "<no id>".to_string(),
        other => other.to_string(),
    };
    let Some(doc) = v.get("text").and_then(Value::as_str) else {
        return (error_record(id, "no \"text\" string".into()), false);
    };
    let checked =
        decode_text(doc.as_bytes(), &name).and_then(|doc| process_caught(processor, &name, &doc));
    match checked {
        Ok(Value::Object(rec)) => {
            let mut m = Map::new();
            m.insert("id".into(), id);
            for (k, v) in rec {
                if k != "id" {
                    m.insert(k, v);
                }
            }
            (Value::Object(m), true)
        }
        Ok(other) => {
            let mut m = Map::new();
            m.insert("id".into(), id);
            m.insert("record".into(), other);
            (Value::Object(m), true)
        }
        Err(e) => (error_record(id, reason_of(&e)), false),
    }
}

/// Read JSON Lines from `reader`, write one record per line to `writer`, in order, with `jobs`
/// workers (0: one per core). Output is flushed after every chunk, so a downstream reader sees
/// records as they are made.
///
/// # Errors
/// Only when reading the input or writing the output fails (a closed pipe); bad lines become
/// error records.
pub fn run_stream<R: BufRead, W: Write>(
    mut reader: R,
    mut writer: W,
    processor: &dyn Processor,
    jobs: usize,
) -> Result<StreamReport> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|e| Error::Config(format!("thread pool: {e}")))?;
    let chunk_len = pool.current_num_threads().max(1) * LINES_PER_WORKER;
    let io_in = |e| Error::io("<stdin>", e);
    let io_out = |e| Error::io("<stdout>", e);
    let mut report = StreamReport::default();
    let mut chunk: Vec<Line> = Vec::with_capacity(chunk_len);
    let mut eof = false;
    while !eof {
        chunk.clear();
        while chunk.len() < chunk_len {
            match read_line(&mut reader, MAX_LINE_BYTES).map_err(io_in)? {
                None => {
                    eof = true;
                    break;
                }
                Some(Line::Bytes(b)) if b.iter().all(u8::is_ascii_whitespace) => {}
                Some(l) => chunk.push(l),
            }
        }
        let answers: Vec<(Value, bool)> = pool.install(|| {
            chunk
                .par_iter()
                .map(|l| match l {
                    Line::Bytes(b) => answer(b, processor),
                    Line::TooLong(n) => (
                        error_record(
                            Value::Null,
                            format!("line too long ({n} bytes; the limit is {MAX_LINE_BYTES})"),
                        ),
                        false,
                    ),
                })
                .collect()
        });
        for (v, ok) in answers {
            if ok {
                report.ok += 1;
            } else {
                report.failed += 1;
            }
            serde_json::to_writer(&mut writer, &v).map_err(|e| io_out(e.into()))?;
            writer.write_all(b"\n").map_err(io_out)?;
        }
        writer.flush().map_err(io_out)?;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn long_lines_are_skipped_not_held() {
        let input = b"aaaaaaaaaa\nbb\n";
        let mut r = &input[..];
        assert!(matches!(
            read_line(&mut r, 4).unwrap(),
            Some(Line::TooLong(10))
        ));
        assert!(matches!(read_line(&mut r, 4).unwrap(), Some(Line::Bytes(b)) if b == b"bb"));
        assert!(read_line(&mut r, 4).unwrap().is_none());
    }
}
