//! The `.smt` model container shared by every table in `dictionaries/`.
//!
//! Layout (little-endian): 8-byte magic `b"SOHOAMT\0"`, `u16` format version, `u16` table kind,
//! `u64` payload length, the payload, then a CRC32 of header and payload (as tantivy's footer does),
//! so a damaged or truncated file is rejected with a typed error instead of decoding garbage.
//! [`Reader`] and [`Writer`] are the little helpers that table payloads are written with; every
//! read checks its length first, so short input is an error, never a panic.

use crate::error::{Error, Result};

/// The 8-byte magic that opens every model file.
pub const MAGIC: &[u8; 8] = b"SOHOAMT\0";
/// Header length: magic + version + kind + payload length.
pub const HEADER_LEN: usize = 8 + 2 + 2 + 8;

/// Which table a container holds; stored as a `u16` so a lexicon is never read as an LM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u16)]
pub enum TableKind {
    /// Syllable and abbreviation lexicon.
    Lexicon = 1,
    /// OCR channel (confusion) model.
    Channel = 2,
    /// Syllable n-gram language model.
    LanguageModel = 3,
    /// Precomputed candidate searches for frequent OCR tokens.
    Candidates = 4,
}

/// Wrap `payload` in a container with its header and CRC.
#[must_use]
pub fn wrap(kind: TableKind, version: u16, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len() + 4);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&version.to_le_bytes());
    out.extend_from_slice(&(kind as u16).to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(payload);
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// Check a container and return its payload. `path` names the file in errors.
///
/// # Errors
/// [`Error::ModelFormat`] for a wrong magic, kind or length, [`Error::ModelVersion`] for another
/// version, [`Error::Checksum`] when the CRC does not match.
pub fn unwrap<'a>(bytes: &'a [u8], kind: TableKind, version: u16, path: &str) -> Result<&'a [u8]> {
    let fmt = |reason: &str| Error::ModelFormat {
        path: path.to_string(),
        reason: reason.to_string(),
    };
    let header = bytes
        .get(..HEADER_LEN)
        .ok_or_else(|| fmt("shorter than the header"))?;
    if &header[..8] != MAGIC {
        return Err(fmt("bad magic"));
    }
    let found = u16::from_le_bytes([header[8], header[9]]);
    if found != version {
        return Err(Error::ModelVersion {
            path: path.to_string(),
            expected: version,
            found,
        });
    }
    let k = u16::from_le_bytes([header[10], header[11]]);
    if k != kind as u16 {
        return Err(fmt(&format!("table kind {k}, expected {}", kind as u16)));
    }
    let mut len8 = [0u8; 8];
    len8.copy_from_slice(&header[12..20]);
    let len = usize::try_from(u64::from_le_bytes(len8)).map_err(|_| fmt("payload too large"))?;
    let end = HEADER_LEN
        .checked_add(len)
        .ok_or_else(|| fmt("bad length"))?;
    let crc_bytes = bytes
        .get(end..end + 4)
        .ok_or_else(|| fmt("truncated payload"))?;
    if bytes.len() != end + 4 {
        return Err(fmt("trailing bytes after checksum"));
    }
    let crc = u32::from_le_bytes([crc_bytes[0], crc_bytes[1], crc_bytes[2], crc_bytes[3]]);
    if crc32fast::hash(&bytes[..end]) != crc {
        return Err(Error::Checksum {
            path: path.to_string(),
        });
    }
    Ok(&bytes[HEADER_LEN..end])
}

/// Append-only little-endian writer for payloads.
#[derive(Default, Debug)]
pub struct Writer {
    /// The bytes written so far.
    pub buf: Vec<u8>,
}

impl Writer {
    /// A new empty writer.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }
    /// Write a byte.
    pub fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }
    /// Write a `u16`.
    pub fn u16(&mut self, v: u16) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    /// Write a `u32`.
    pub fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    /// Write a `u64`.
    pub fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    /// Write an `f32`.
    pub fn f32(&mut self, v: f32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    /// Write a length-prefixed (`u32`) byte string.
    pub fn bytes(&mut self, v: &[u8]) {
        self.u32(v.len() as u32);
        self.buf.extend_from_slice(v);
    }
    /// Write a length-prefixed UTF-8 string.
    pub fn str(&mut self, v: &str) {
        self.bytes(v.as_bytes());
    }
}

/// Bounds-checked little-endian reader over a payload.
#[derive(Debug)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    path: &'a str,
}

impl<'a> Reader<'a> {
    /// Read `buf`; `path` names the file in errors.
    #[must_use]
    pub fn new(buf: &'a [u8], path: &'a str) -> Self {
        Reader { buf, pos: 0, path }
    }
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(n);
        match end.and_then(|e| self.buf.get(self.pos..e)) {
            Some(s) => {
                self.pos += n;
                Ok(s)
            }
            None => Err(Error::ModelFormat {
                path: self.path.to_string(),
                reason: format!("truncated at byte {}", self.pos),
            }),
        }
    }
    /// Read a byte.
    pub fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }
    /// Read a `u16`.
    pub fn u16(&mut self) -> Result<u16> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    /// Read a `u32`.
    pub fn u32(&mut self) -> Result<u32> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    /// Read a `u64`.
    pub fn u64(&mut self) -> Result<u64> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }
    /// Read an `f32`.
    pub fn f32(&mut self) -> Result<f32> {
        let b = self.take(4)?;
        Ok(f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    /// Read a length-prefixed byte string.
    pub fn bytes(&mut self) -> Result<&'a [u8]> {
        let n = self.u32()? as usize;
        self.take(n)
    }
    /// Read a length-prefixed UTF-8 string.
    pub fn str(&mut self) -> Result<&'a str> {
        let b = self.bytes()?;
        std::str::from_utf8(b).map_err(|_| Error::ModelFormat {
            path: self.path.to_string(),
            reason: "invalid UTF-8 string".into(),
        })
    }
    /// Bytes not yet read.
    #[must_use]
    pub fn rest(&self) -> &'a [u8] {
        &self.buf[self.pos.min(self.buf.len())..]
    }
    /// Is everything read?
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.pos >= self.buf.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_damage() {
        let c = wrap(TableKind::Channel, 3, b"hello");
        assert_eq!(unwrap(&c, TableKind::Channel, 3, "x").unwrap(), b"hello");
        assert!(matches!(
            unwrap(&c, TableKind::Channel, 4, "x"),
            Err(Error::ModelVersion { found: 3, .. })
        ));
        assert!(matches!(
            unwrap(&c, TableKind::LanguageModel, 3, "x"),
            Err(Error::ModelFormat { .. })
        ));
        let mut bad = c.clone();
        bad[HEADER_LEN] ^= 1;
        assert!(matches!(
            unwrap(&bad, TableKind::Channel, 3, "x"),
            Err(Error::Checksum { .. })
        ));
        for n in 0..c.len() {
            assert!(unwrap(&c[..n], TableKind::Channel, 3, "x").is_err());
        }
    }

    #[test]
    fn reader_rejects_short_input() {
        let mut w = Writer::new();
        w.u32(7);
        w.str("ab");
        let mut r = Reader::new(&w.buf, "x");
        assert_eq!(r.u32().unwrap(), 7);
        assert_eq!(r.str().unwrap(), "ab");
        assert!(r.u8().is_err());
        let mut r = Reader::new(&w.buf[..5], "x");
        assert!(r.u64().is_err());
    }
}
