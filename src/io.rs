//! Reading user input safely and writing outputs atomically.
//!
//! Input files come from scanners and old archives: they may be UTF-8, UTF-8 with a BOM, UTF-16
//! with a BOM, or not text at all. [`decode_text`] accepts the first three and rejects the rest with
//! an error naming the file and saying why (the byte offset of invalid UTF-8, NUL bytes, binary
//! content), never guessing. [`write_atomic`] writes through a temporary file and a rename so that
//! a killed run never leaves half a file.

use crate::error::{Error, Result};
use std::path::Path;

/// Largest input accepted, in bytes (64 MiB): a notice is a few hundred kilobytes; anything far
/// larger is not one, and refusing it keeps memory bounded.
pub const MAX_INPUT_BYTES: usize = 64 << 20;

/// Decode the bytes of an input file as text. `name` is used in errors.
///
/// # Errors
/// [`Error::Input`] for empty, too large, binary, NUL-holding or non-UTF-8/16 input.
pub fn decode_text(bytes: &[u8], name: &str) -> Result<String> {
    let err = |reason: String| Error::Input {
        path: name.to_string(),
        reason,
    };
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(err(format!(
            "too large ({} bytes; the limit is {MAX_INPUT_BYTES})",
            bytes.len()
        )));
    }
    let text = if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        utf8(rest, 3, name)?
    } else if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        utf16(rest, true, name)?
    } else if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        utf16(rest, false, name)?
    } else {
        utf8(bytes, 0, name)?
    };
    if let Some(i) = text.find('\0') {
        return Err(err(format!(
            "contains a NUL byte at offset {i}: binary file?"
        )));
    }
    let controls = text
        .chars()
        .filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{c}'))
        .count();
    if controls > 0 && controls * 100 > text.chars().count().max(1) {
        return Err(err(format!("{controls} control characters: binary file?")));
    }
    if text.trim().is_empty() {
        return Err(err("empty (no text)".into()));
    }
    Ok(text)
}

fn utf8(bytes: &[u8], offset: usize, name: &str) -> Result<String> {
    let e = match std::str::from_utf8(bytes) {
        Ok(s) => return Ok(s.to_string()),
        Err(e) => e,
    };
    // Text in another encoding has no NUL byte; a PDF, an image or a program has them near its
    // start: telling the user to convert one with iconv would mislead.
    let reason = match bytes.iter().take(BINARY_SNIFF).position(|&b| b == 0) {
        Some(i) => format!(
            "a binary file, not text (a NUL byte at offset {}; UTF-16 text needs its byte-order mark)",
            i + offset
        ),
        None => format!(
            "not valid UTF-8 (invalid byte at offset {}); convert it to UTF-8 first (e.g. iconv -f WINDOWS-1258)",
            e.valid_up_to() + offset
        ),
    };
    Err(Error::Input {
        path: name.to_string(),
        reason,
    })
}

/// How far into a file that is not UTF-8 to look for a NUL byte, the mark of a binary file.
const BINARY_SNIFF: usize = 8192;

fn utf16(bytes: &[u8], le: bool, name: &str) -> Result<String> {
    if !bytes.len().is_multiple_of(2) {
        return Err(Error::Input {
            path: name.to_string(),
            reason: "UTF-16 with an odd number of bytes".into(),
        });
    }
    let units = bytes.chunks_exact(2).map(|c| {
        if le {
            u16::from_le_bytes([c[0], c[1]])
        } else {
            u16::from_be_bytes([c[0], c[1]])
        }
    });
    char::decode_utf16(units)
        .collect::<std::result::Result<String, _>>()
        .map_err(|e| Error::Input {
            path: name.to_string(),
            reason: format!("invalid UTF-16: {e}"),
        })
}

/// Write `bytes` to `path` atomically: a temporary file in the same directory, fsync, rename.
///
/// # Errors
/// An I/O error naming the path.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// Write to `path` atomically what `write` writes (through a buffer) to a temporary file in the
/// same directory, then fsync and rename: for output too large to build in memory first (the
/// change list of a long text). The temporary file is removed when `write` fails.
///
/// # Errors
/// An I/O error naming the path.
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("out");
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let res = (|| {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        write(&mut w)?;
        let f = w
            .into_inner()
            .map_err(std::io::IntoInnerError::into_error)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = res {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(path, e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn encodings() {
        assert_eq!(decode_text("Sở".as_bytes(), "f").unwrap(), "Sở");
        assert_eq!(decode_text(b"\xEF\xBB\xBFab", "f").unwrap(), "ab");
        let mut le = vec![0xFF, 0xFE];
        for u in "Sở".encode_utf16() {
            le.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(decode_text(&le, "f").unwrap(), "Sở");
        let e = decode_text(b"ab\xE0cd", "x.txt").unwrap_err().to_string();
        assert!(e.contains("x.txt") && e.contains("offset 2"), "{e}");
        assert!(decode_text(b"a\0b", "f")
            .unwrap_err()
            .to_string()
            .contains("NUL"));
        // not UTF-8 and holding a NUL: a binary file, not text to convert
        let e = decode_text(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n\x00\x01", "scan.pdf")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("scan.pdf") && e.contains("binary") && e.contains("offset 15"),
            "{e}"
        );
        assert!(!e.contains("iconv"), "{e}");
        assert!(decode_text(b"  \n", "f")
            .unwrap_err()
            .to_string()
            .contains("empty"));
    }

    #[test]
    fn an_atomic_write_that_fails_leaves_the_old_file_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.json");
        write_atomic(&path, b"old").unwrap();
        let e = write_atomic_with(&path, |w| {
            w.write_all(&[b'x'; 100_000])?;
            Err(std::io::Error::other("serialiser failed"))
        })
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("out.json") && e.contains("serialiser failed"),
            "{e}"
        );
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        write_atomic_with(&path, |w| w.write_all(b"new")).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
    }
}
