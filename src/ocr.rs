//! Reading scanned pages: drive the Tesseract 5 command line with its Vietnamese model.
//!
//! Why the CLI and not libtesseract bindings: there is no C/C++ library to build or link (the
//! crate stays pure Rust and builds anywhere), the hOCR that `tesseract … hocr` writes is a stable,
//! documented format with word boxes and confidences (read by the formats layer), and all a user
//! needs is the Debian package: `apt-get install tesseract-ocr tesseract-ocr-vie`. The cost, one
//! process per image or PDF page, is small next to the recognition itself.
//!
//! Nothing here falls back silently: a missing `tesseract`, a missing language model (checked
//! with `tesseract --list-langs`) or a missing `pdftoppm` is a typed error carrying the install
//! command; a child that fails or runs past its timeout is an error naming the input file.

use crate::error::{Error, Result};
use crate::formats;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The kinds of scanned input sohoa can read, told apart by their first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    /// PNG (`\x89PNG\r\n\x1a\n`).
    Png,
    /// JPEG (`FF D8 FF`).
    Jpeg,
    /// TIFF, little- or big-endian (`II*\0`, `MM\0*`); may hold several pages.
    Tiff,
    /// PDF (`%PDF-`): rasterised page by page with `pdftoppm` before reading.
    Pdf,
}

/// Tell an image or PDF from its magic bytes; `None` for anything else (text, say).
#[must_use]
pub fn detect_image(bytes: &[u8]) -> Option<ImageKind> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(ImageKind::Png)
    } else if bytes.starts_with(b"\xFF\xD8\xFF") {
        Some(ImageKind::Jpeg)
    } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        Some(ImageKind::Tiff)
    } else if bytes.starts_with(b"%PDF-") {
        Some(ImageKind::Pdf)
    } else {
        None
    }
}

/// Install command for the Tesseract engine and the Vietnamese model.
pub const INSTALL_TESSERACT: &str = "apt-get install tesseract-ocr tesseract-ocr-vie";
/// Install command for `pdftoppm`, the PDF rasteriser.
pub const INSTALL_PDFTOPPM: &str = "apt-get install poppler-utils";

/// Default [`OcrOptions::retry_below`]: Tesseract's mean word confidence on clean and on
/// ordinarily degraded pages of our dev set is about 95; a page that lost lines to noise is far
/// below.
pub const RETRY_BELOW: f32 = 85.0;

/// How to run Tesseract.
#[derive(Debug, Clone)]
pub struct OcrOptions {
    /// Tesseract languages joined by `+`; `vie+eng` reads Vietnamese and keeps Latin words
    /// (product names, English titles) that the `vie` model alone would mangle.
    pub langs: String,
    /// Resolution of the input, passed as `--dpi` (images whose header lacks it), and the
    /// resolution at which PDF pages are rasterised (300 when `None`).
    pub dpi: Option<u32>,
    /// Tesseract page segmentation mode (`--psm`); `None` keeps Tesseract's default (3, automatic).
    pub psm: Option<u8>,
    /// Longest one child process (one image, or one PDF page) may run before it is killed.
    pub timeout: Duration,
    /// When the mean word confidence of a reading is below this (0–100), read the image again
    /// with Sauvola's local thresholding (`-c thresholding_method=2`) and keep the reading with
    /// the higher mean confidence; `None` never reads twice. Why: on a noisy page Tesseract's
    /// default global (Otsu) threshold turns speckle into ink and can lose whole blocks of short
    /// lines (a signature block read as `sào`, `có co`), which no post-correction can bring
    /// back; local thresholding reads them, but is a little worse on good pages, so it is only a
    /// second opinion.
    pub retry_below: Option<f32>,
    /// Longest the first reading may run when a second reading is allowed (`retry_below`); past
    /// it the page is read with local thresholding instead (a noisy page is also a slow one).
    pub first_reading_timeout: Duration,
}

impl Default for OcrOptions {
    fn default() -> Self {
        OcrOptions {
            langs: "vie+eng".into(),
            dpi: None,
            psm: None,
            timeout: Duration::from_secs(300),
            retry_below: Some(RETRY_BELOW),
            first_reading_timeout: FIRST_READING_TIMEOUT,
        }
    }
}

/// What Tesseract read from one input file.
#[derive(Debug, Clone, Default)]
pub struct OcrPages {
    /// hOCR documents, one per Tesseract run: one per PDF page, one for an image file (a
    /// multi-page TIFF's document holds one `ocr_page` per page).
    pub hocr: Vec<String>,
    /// Plain text of every page, in order (a blank page is an empty string).
    pub pages: Vec<String>,
}

impl OcrPages {
    /// The plain text of the whole file, pages separated by a form feed (`\f`).
    #[must_use]
    pub fn text(&self) -> String {
        self.pages.join("\u{c}")
    }
}

/// The languages the installed Tesseract can read (`tesseract --list-langs`).
///
/// # Errors
/// [`Error::MissingTool`] when `tesseract` is not on the `PATH`; [`Error::Ocr`] when it fails.
pub fn tesseract_langs() -> Result<Vec<String>> {
    let out = match Command::new("tesseract")
        .arg("--list-langs")
        .stdin(Stdio::null())
        .output()
    {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(missing_tesseract()),
        Err(e) => return Err(Error::io("tesseract", e)),
    };
    if !out.status.success() {
        return Err(Error::Ocr {
            path: "tesseract --list-langs".into(),
            reason: format!(
                "{}: {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        });
    }
    // Tesseract 5 prints the header and list on stdout (older builds on stderr).
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("List of") && !l.contains(' '))
        .map(str::to_string)
        .collect())
}

/// Check that Tesseract is installed with every language in `langs` (`vie+eng`).
///
/// # Errors
/// [`Error::MissingTool`] without `tesseract`; [`Error::MissingLanguage`] for a missing model.
pub fn check_tesseract(langs: &str) -> Result<()> {
    let have = tesseract_langs()?;
    for lang in langs.split('+').filter(|l| !l.is_empty()) {
        if !have.iter().any(|h| h == lang) {
            return Err(Error::MissingLanguage {
                lang: lang.to_string(),
                install: format!("apt-get install tesseract-ocr-{lang}"),
            });
        }
    }
    Ok(())
}

/// Read a scanned file (PNG, JPEG, TIFF, or PDF through `pdftoppm`) with Tesseract.
///
/// # Errors
/// [`Error::Input`] when the file is not an image or PDF; [`Error::MissingTool`] /
/// [`Error::MissingLanguage`] when Tesseract, a language model or `pdftoppm` is missing;
/// [`Error::Ocr`] naming the file when a child process fails or times out; [`Error::Io`].
pub fn ocr_file(path: &Path, opts: &OcrOptions) -> Result<OcrPages> {
    let kind = sniff(path)?;
    check_tesseract(&opts.langs)?;
    let work = TempDir::new()?;
    read_scan(path, path, kind, opts, &work)
}

/// Read a scanned file held in memory (standard input, a batch worker's bytes): the bytes go to a
/// private scratch file, since Tesseract and `pdftoppm` read files. `name` names the input in
/// errors.
///
/// # Errors
/// As [`ocr_file`].
pub fn ocr_bytes(bytes: &[u8], name: &str, opts: &OcrOptions) -> Result<OcrPages> {
    let kind = detect_image(bytes).ok_or_else(|| Error::Input {
        path: name.to_string(),
        reason: "not a PNG, JPEG, TIFF or PDF file".into(),
    })?;
    check_tesseract(&opts.langs)?;
    let work = TempDir::new()?;
    let ext = match kind {
        ImageKind::Png => "png",
        ImageKind::Jpeg => "jpg",
        ImageKind::Tiff => "tif",
        ImageKind::Pdf => "pdf",
    };
    let file = work.0.join(format!("input.{ext}"));
    std::fs::write(&file, bytes).map_err(|e| Error::io(&file, e))?;
    read_scan(&file, Path::new(name), kind, opts, &work)
}

/// Run the reading of `path` (of `kind`) in `work`; `name` is the user's file, for errors.
fn read_scan(
    path: &Path,
    name: &Path,
    kind: ImageKind,
    opts: &OcrOptions,
    work: &TempDir,
) -> Result<OcrPages> {
    let mut pages = OcrPages::default();
    if kind == ImageKind::Pdf {
        let dpi = opts.dpi.unwrap_or(300);
        for (i, png) in rasterise(path, name, dpi, work, opts.timeout)?
            .iter()
            .enumerate()
        {
            let (hocr, text) = best_reading(png, name, Some(dpi), opts, work, i)?;
            pages.hocr.push(hocr);
            pages.pages.extend(split_pages(&text));
        }
    } else {
        let (hocr, text) = best_reading(path, name, opts.dpi, opts, work, 0)?;
        pages.hocr.push(hocr);
        pages.pages = split_pages(&text);
    }
    Ok(pages)
}

/// Read `image`, and again with local thresholding when the first reading's confidence is low
/// (see [`OcrOptions::retry_below`]); the reading with the higher mean word confidence.
fn best_reading(
    image: &Path,
    name: &Path,
    dpi: Option<u32>,
    opts: &OcrOptions,
    work: &TempDir,
    n: usize,
) -> Result<(String, String)> {
    // A reading that runs past its pass's timeout is `None`.
    let read = |timeout: Duration, config: &[&str]| {
        tesseract(image, name, dpi, opts, Pass { timeout, config }, work, n)
    };
    let Some(floor) = opts.retry_below else {
        return read(opts.timeout, &[])?.ok_or_else(|| timed_out("tesseract", name, opts.timeout));
    };
    // Speckle is also what makes the default reading slow (minutes for a page that takes
    // seconds): one that runs past the first-reading timeout is as doubtful as a low-confidence
    // one. (With a user timeout shorter than that, running past it is an error, as always.)
    let quick = opts.timeout.min(opts.first_reading_timeout);
    let first = read(quick, &[])?;
    if first.is_none() && quick >= opts.timeout {
        return Err(timed_out("tesseract", name, quick));
    }
    let c1 = first.as_ref().and_then(|f| mean_confidence(&f.0));
    if let Some(f) = first.as_ref().filter(|_| c1.is_some_and(|c| c >= floor)) {
        return Ok(f.clone());
    }
    let second = read(opts.timeout, &["thresholding_method=2"])?
        .ok_or_else(|| timed_out("tesseract", name, opts.timeout))?;
    let c2 = mean_confidence(&second.0);
    Ok(match (first, c1, c2) {
        (Some(f), _, None) => f,
        (Some(f), Some(a), Some(b)) if a >= b => f,
        _ => second,
    })
}

/// One reading of a page: how long it may take and the Tesseract `-c` settings it adds.
#[derive(Clone, Copy)]
struct Pass<'a> {
    timeout: Duration,
    config: &'a [&'a str],
}

/// Default [`OcrOptions::first_reading_timeout`]: a clean A4 page at 300 dpi takes seconds.
pub const FIRST_READING_TIMEOUT: Duration = Duration::from_secs(60);

/// Mean engine word confidence (0–100, Tesseract's `x_wconf` scale) of an hOCR reading, read by
/// the hOCR parser of [`crate::formats`]; `None` when it is not hOCR or has no word confidence.
#[must_use]
pub fn mean_confidence(hocr: &str) -> Option<f32> {
    let doc = formats::read(hocr.as_bytes(), "<tesseract hOCR>").ok()?;
    let (sum, n) = doc
        .pages
        .iter()
        .flat_map(|p| &p.blocks)
        .flat_map(|b| &b.lines)
        .flat_map(|l| &l.words)
        .filter_map(|w| w.confidence)
        .fold((0f64, 0u32), |(s, n), c| (s + f64::from(c), n + 1));
    (n > 0).then(|| (100.0 * sum / f64::from(n)) as f32)
}

fn missing_tesseract() -> Error {
    Error::MissingTool {
        tool: "tesseract".into(),
        install: INSTALL_TESSERACT.into(),
    }
}

/// The kind of the file at `path`, from its first bytes.
fn sniff(path: &Path) -> Result<ImageKind> {
    let mut head = [0u8; 8];
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut n = 0;
    while n < head.len() {
        match f.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::io(path, e)),
        }
    }
    detect_image(&head[..n]).ok_or_else(|| Error::Input {
        path: path.display().to_string(),
        reason: "not a PNG, JPEG, TIFF or PDF file".into(),
    })
}

/// Tesseract's text renderer ends every page with a form feed; split on it, keeping blank pages.
fn split_pages(text: &str) -> Vec<String> {
    let mut parts: Vec<String> = text
        .split('\u{c}')
        .map(|p| p.trim_end().to_string())
        .collect();
    if parts.len() > 1 && parts.last().is_some_and(|p| p.trim().is_empty()) {
        parts.pop();
    }
    parts
}

/// Paths handed to a child must not look like options.
fn arg_path(p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        Path::new(".").join(p)
    }
}

/// Run Tesseract on one image into hOCR and text; `name` is the user's file, for errors.
fn tesseract(
    image: &Path,
    name: &Path,
    dpi: Option<u32>,
    opts: &OcrOptions,
    pass: Pass<'_>,
    work: &TempDir,
    n: usize,
) -> Result<Option<(String, String)>> {
    let Pass { timeout, config } = pass;
    let base = work.0.join(format!("out-{n}"));
    let mut cmd = Command::new("tesseract");
    cmd.arg(arg_path(image))
        .arg(&base)
        .arg("-l")
        .arg(&opts.langs);
    if let Some(p) = opts.psm {
        cmd.arg("--psm").arg(p.to_string());
    }
    if let Some(d) = dpi {
        cmd.arg("--dpi").arg(d.to_string());
    }
    for c in config {
        cmd.arg("-c").arg(c);
    }
    cmd.arg("hocr").arg("txt");
    if !run_child(cmd, "tesseract", name, work, timeout)? {
        return Ok(None);
    }
    let read = |ext: &str| {
        let p = base.with_extension(ext);
        std::fs::read(&p)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .map_err(|e| Error::Ocr {
                path: name.display().to_string(),
                reason: format!("tesseract wrote no {ext} output: {e}"),
            })
    };
    Ok(Some((read("hocr")?, read("txt")?)))
}

/// Rasterise every page of a PDF to PNG at `dpi`; the page images in page order.
fn rasterise(
    pdf: &Path,
    name: &Path,
    dpi: u32,
    work: &TempDir,
    timeout: Duration,
) -> Result<Vec<PathBuf>> {
    let dir = work.0.join("pdf");
    std::fs::create_dir(&dir).map_err(|e| Error::io(&dir, e))?;
    let mut cmd = Command::new("pdftoppm");
    cmd.arg("-r")
        .arg(dpi.to_string())
        .arg("-png")
        .arg(arg_path(pdf))
        .arg(dir.join("page"));
    run(cmd, "pdftoppm", name, work, timeout)?;
    // pdftoppm names pages page-1.png or page-01.png (padded to the page count): sort by number.
    let mut pages: Vec<(u64, PathBuf)> = std::fs::read_dir(&dir)
        .map_err(|e| Error::io(&dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter_map(|p| {
            let stem = p.file_stem()?.to_str()?;
            let num = stem.strip_prefix("page-")?.parse().ok()?;
            (p.extension()? == "png").then_some((num, p))
        })
        .collect();
    pages.sort();
    if pages.is_empty() {
        return Err(Error::Ocr {
            path: name.display().to_string(),
            reason: "pdftoppm produced no pages".into(),
        });
    }
    Ok(pages.into_iter().map(|(_, p)| p).collect())
}

/// Run a child with stdin closed and stderr captured to a file (no pipe to fill up), killing it
/// after `timeout`.
fn run(cmd: Command, tool: &str, name: &Path, work: &TempDir, timeout: Duration) -> Result<()> {
    if run_child(cmd, tool, name, work, timeout)? {
        Ok(())
    } else {
        Err(timed_out(tool, name, timeout))
    }
}

/// The error of a child that ran past `timeout`.
fn timed_out(tool: &str, name: &Path, timeout: Duration) -> Error {
    Error::Ocr {
        path: name.display().to_string(),
        reason: format!("{tool} timed out after {} s", timeout.as_secs()),
    }
}

/// Run a child to completion: `Ok(true)` when it succeeded, `Ok(false)` when it ran past
/// `timeout` and was killed, an error naming the file when it failed.
fn run_child(
    mut cmd: Command,
    tool: &str,
    name: &Path,
    work: &TempDir,
    timeout: Duration,
) -> Result<bool> {
    let log = work.0.join(format!("{tool}.stderr"));
    let err_file = std::fs::File::create(&log).map_err(|e| Error::io(&log, e))?;
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::from(err_file));
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::MissingTool {
                tool: tool.into(),
                install: if tool == "pdftoppm" {
                    INSTALL_PDFTOPPM.into()
                } else {
                    INSTALL_TESSERACT.into()
                },
            })
        }
        Err(e) => return Err(Error::io(tool, e)),
    };
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if start.elapsed() >= timeout => {
                // Best effort: the child may have exited between the two calls.
                let _ = child.kill();
                let _ = child.wait();
                return Ok(false);
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(Error::io(tool, e)),
        }
    };
    if status.success() {
        return Ok(true);
    }
    let stderr = std::fs::read_to_string(&log).unwrap_or_default();
    let tail: Vec<&str> = stderr.lines().rev().take(3).collect();
    let tail: Vec<&str> = tail.into_iter().rev().collect();
    Err(Error::Ocr {
        path: name.display().to_string(),
        reason: format!("{tool} failed ({status}): {}", tail.join(" / ")),
    })
}

/// A private scratch directory, removed when dropped (no `tempfile` in the run-time build).
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Result<Self> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let root = std::env::temp_dir();
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        loop {
            let k = COUNTER.fetch_add(1, Ordering::Relaxed);
            let p = root.join(format!("sohoa-ocr-{}-{nanos}-{k}", std::process::id()));
            match std::fs::create_dir(&p) {
                Ok(()) => return Ok(TempDir(p)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && k < 1000 => {}
                Err(e) => return Err(Error::io(p, e)),
            }
        }
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        // Best effort: a leftover scratch directory in the temp dir is harmless.
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_split_on_form_feed() {
        assert_eq!(split_pages("a\nb\n\u{c}c\n\u{c}"), vec!["a\nb", "c"]);
        assert_eq!(split_pages("a\u{c}\u{c}b\u{c}"), vec!["a", "", "b"]);
        assert_eq!(split_pages("only"), vec!["only"]);
    }
}
