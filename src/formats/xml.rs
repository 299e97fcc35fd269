//! A guarded pull scanner over quick-xml shared by the three readers.
//!
//! Why a wrapper: archival OCR arrives from many tools and sometimes from hostile sources, so every
//! reader gets the same limits (nesting depth, start-tag size, no DTD internal subset, no entity
//! other than the five predefined ones and character references, nothing fetched) and the same
//! typed error naming the file. Each event comes with its byte range in the source, which is what
//! lets the writers re-emit the original bytes and splice only word content.

use std::borrow::Cow;
use std::ops::Range;

use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

use crate::{Error, Result};

/// Deepest element nesting accepted. Real hOCR/ALTO/PAGE stay below 20.
pub(crate) const MAX_DEPTH: usize = 256;
/// Largest start tag (name plus attributes) accepted, in bytes.
pub(crate) const MAX_TAG_BYTES: usize = 64 * 1024;
/// Largest input accepted, in bytes.
pub(crate) const MAX_XML_BYTES: usize = 256 << 20;

/// One scanned event, reduced to what the readers need.
pub(crate) enum Ev<'a> {
    /// `<x ...>`.
    Start(BytesStart<'a>),
    /// `<x .../>`.
    Empty(BytesStart<'a>),
    /// `</x>`, with its local name.
    End(String),
    /// Character data with references resolved.
    Text(Cow<'a, str>),
    /// Comments, declarations, processing instructions, a DOCTYPE without internal subset.
    Other,
    /// End of input.
    Eof,
}

/// The scanner: a quick-xml slice reader plus depth bookkeeping.
pub(crate) struct Scan<'a> {
    reader: Reader<&'a [u8]>,
    path: &'a str,
    depth: usize,
    open: Vec<String>,
}

/// A typed XML error for `path`.
pub(crate) fn err(path: &str, reason: impl Into<String>) -> Error {
    Error::Xml {
        path: path.to_string(),
        reason: reason.into(),
    }
}

impl<'a> Scan<'a> {
    /// A scanner over `src`; `path` names the file in errors.
    pub(crate) fn new(src: &'a str, path: &'a str) -> Result<Self> {
        if src.len() > MAX_XML_BYTES {
            return Err(err(
                path,
                format!("input of {} bytes exceeds {MAX_XML_BYTES}", src.len()),
            ));
        }
        let mut reader = Reader::from_str(src);
        let cfg = reader.config_mut();
        cfg.check_end_names = true;
        cfg.expand_empty_elements = false;
        cfg.trim_text(false);
        Ok(Scan {
            reader,
            path,
            depth: 0,
            open: Vec::new(),
        })
    }

    /// The next event and its byte range in the source.
    pub(crate) fn next(&mut self) -> Result<(Ev<'a>, Range<usize>)> {
        let start = pos(self.reader.buffer_position());
        let ev = match self.reader.read_event() {
            Ok(ev) => ev,
            Err(e) => {
                return Err(err(
                    self.path,
                    format!("at byte {}: {e}", self.reader.error_position()),
                ))
            }
        };
        let end = pos(self.reader.buffer_position());
        let out = match ev {
            Event::Start(e) => {
                self.check_tag(&e, start, end)?;
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return Err(err(
                        self.path,
                        format!("at byte {start}: elements nested deeper than {MAX_DEPTH}"),
                    ));
                }
                self.open.push(local(&e));
                Ev::Start(e)
            }
            Event::Empty(e) => {
                self.check_tag(&e, start, end)?;
                Ev::Empty(e)
            }
            Event::End(e) => {
                self.depth = self.depth.saturating_sub(1);
                self.open.pop();
                let name_q = e.local_name();
                let name: &str = name_q.as_ref();
                Ev::End(name.to_string())
            }
            Event::Text(t) => Ev::Text(t.xml10_content()),
            Event::CData(t) => Ev::Text(t.xml10_content()),
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => match &*r {
                        "lt" => "<".into(),
                        "gt" => ">".into(),
                        "amp" => "&".into(),
                        "apos" => "'".into(),
                        "quot" => "\"".into(),
                        other => {
                            return Err(err(
                                self.path,
                                format!(
                                "at byte {start}: entity &{}; is not one of the five predefined \
                                     XML entities (entities are never expanded)",
                                clip(other)
                            ),
                            ))
                        }
                    },
                    Err(e) => return Err(err(self.path, format!("at byte {start}: {e}"))),
                };
                Ev::Text(Cow::Owned(resolved))
            }
            Event::DocType(d) => {
                if d.contains('[') {
                    return Err(err(
                        self.path,
                        format!(
                            "at byte {start}: DOCTYPE with an internal subset (entity or element \
                             declarations) is refused"
                        ),
                    ));
                }
                Ev::Other
            }
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) => Ev::Other,
            Event::Eof => {
                if let Some(open) = self.open.last() {
                    return Err(err(
                        self.path,
                        format!("unexpected end of input inside <{}>", clip(open)),
                    ));
                }
                Ev::Eof
            }
        };
        Ok((out, start..end))
    }

    fn check_tag(&self, e: &BytesStart<'_>, start: usize, end: usize) -> Result<()> {
        if end.saturating_sub(start) > MAX_TAG_BYTES {
            return Err(err(
                self.path,
                format!(
                    "at byte {start}: start tag <{}> of {} bytes exceeds {MAX_TAG_BYTES}",
                    clip(&local(e)),
                    end - start
                ),
            ));
        }
        // Validate every attribute once (duplicates, missing quotes), so readers that look up
        // only the first match still reject a malformed tag.
        for a in e.attributes() {
            a.map_err(|x| {
                err(
                    self.path,
                    format!(
                        "at byte {start}: bad attribute in <{}>: {x}",
                        clip(&local(e))
                    ),
                )
            })?;
        }
        Ok(())
    }

    /// The value of attribute `name` (local name, any prefix) of `e`, unescaped; `None` if absent.
    pub(crate) fn attr(&self, e: &BytesStart<'_>, name: &str) -> Result<Option<String>> {
        for a in e.attributes() {
            let a =
                a.map_err(|x| err(self.path, format!("bad attribute in <{}>: {x}", local(e))))?;
            let key_q = a.key.local_name();
            let key: &str = key_q.as_ref();
            if key == name {
                let v = a
                    .normalized_value(XmlVersion::Implicit1_0)
                    .map_err(|x| err(self.path, format!("attribute {name}: {x}")))?;
                return Ok(Some(v.into_owned()));
            }
        }
        Ok(None)
    }

    /// Like [`Scan::attr`] but a missing attribute is an error.
    pub(crate) fn need(&self, e: &BytesStart<'_>, name: &str) -> Result<String> {
        self.attr(e, name)?.ok_or_else(|| {
            err(
                self.path,
                format!("<{}> lacks the required attribute {name}", local(e)),
            )
        })
    }

    /// The file name used in errors.
    pub(crate) fn path(&self) -> &str {
        self.path
    }
}

/// Local name of a start tag, as an owned string.
pub(crate) fn local(e: &BytesStart<'_>) -> String {
    let n_q = e.local_name();
    let n: &str = n_q.as_ref();
    n.to_string()
}

fn pos(p: u64) -> usize {
    usize::try_from(p).unwrap_or(usize::MAX)
}

/// At most 40 characters of `s`, for error messages.
fn clip(s: &str) -> String {
    s.chars().take(40).collect()
}

/// Escape text for element content or a double-quoted attribute.
pub(crate) fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            c => o.push(c),
        }
    }
    o
}

/// Rebuild start tag `e` with attributes `set` replaced (or appended when absent; `None` drops
/// them). Other attributes keep their raw value, so geometry is byte-identical. `close` is `>` or
/// `/>`.
pub(crate) fn retag(e: &BytesStart<'_>, set: &[(&str, Option<String>)], close: &str) -> String {
    let name_q = e.name();
    let name: &str = name_q.as_ref();
    let mut o = format!("<{name}");
    let mut done = vec![false; set.len()];
    for a in e.attributes().with_checks(false).flatten() {
        let key_q = a.key;
        let key: &str = key_q.as_ref();
        let lk_q = a.key.local_name();
        let lk: &str = lk_q.as_ref();
        if let Some(i) = set.iter().position(|(k, _)| *k == lk) {
            if let (Some(d), Some((_, v))) = (done.get_mut(i), set.get(i)) {
                if !*d {
                    *d = true;
                    if let Some(v) = v {
                        o.push_str(&format!(" {key}=\"{}\"", esc(v)));
                    }
                }
            }
            continue;
        }
        o.push_str(&format!(" {key}=\"{}\"", a.value.replace('"', "&quot;")));
    }
    for ((k, v), d) in set.iter().zip(done) {
        if let (false, Some(v)) = (d, v) {
            o.push_str(&format!(" {k}=\"{}\"", esc(v)));
        }
    }
    o.push_str(close);
    o
}

/// Apply byte-range replacements to `src`. Ranges must not overlap; empty ranges insert.
pub(crate) fn splice(src: &str, mut edits: Vec<(Range<usize>, String)>) -> String {
    edits.sort_by_key(|(r, _)| (r.start, r.end));
    let mut out = String::with_capacity(src.len() + edits.len() * 64);
    let mut at = 0usize;
    for (r, text) in edits {
        if r.start < at || r.end > src.len() {
            continue;
        }
        out.push_str(src.get(at..r.start).unwrap_or(""));
        out.push_str(&text);
        at = r.end;
    }
    out.push_str(src.get(at..).unwrap_or(""));
    out
}
