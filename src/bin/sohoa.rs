//! The `sohoa` command line: a thin shell over the library. Parses arguments, reads files,
//! calls `sohoa::`, prints, and sets the exit code. `anyhow` lives only here.

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use sohoa::{Models, Restorer, RestorerBuilder};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

/// A restoration makes and frees many small strings and lists and is mostly memory-bound: with
/// mimalloc, `sohoa restore` of a notice took a median 17% less time end to end than with the
/// system allocator, for some 40 MiB more peak memory in a batch (see the README).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "sohoa",
    version,
    about = "Restore Vietnamese OCR of administrative documents and extract their structure"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Args, Clone)]
struct ModelOpts {
    /// Load models from this directory instead of the embedded ones.
    #[arg(long, global = true)]
    models: Option<PathBuf>,
    /// Weight of the channel model against the language model.
    #[arg(long, global = true)]
    channel_weight: Option<f32>,
    /// Beam width.
    #[arg(long, global = true)]
    beam: Option<usize>,
    /// Cost of keeping an unknown token as written.
    #[arg(long, global = true)]
    keep_cost: Option<f32>,
    /// Extra cost of reading a short bare number as a word (`13` → `là`).
    #[arg(long, global = true)]
    number_word_cost: Option<f32>,
    /// Highest channel cost of a candidate reading.
    #[arg(long, global = true)]
    search_limit: Option<f32>,
    /// Most lexicon-trie nodes one token's candidate search expands.
    #[arg(long, global = true)]
    search_budget: Option<usize>,
    /// Cost of reading a mark glued after a word (`si?`) as punctuation.
    #[arg(long, global = true)]
    mark_cost: Option<f32>,
    /// How much better a paragraph must read with a word OCR split (`c ong`) merged or a token
    /// OCR glued (`tochuc`) split; `inf` turns re-segmentation off.
    #[arg(long, global = true)]
    resegment_cost: Option<f32>,
    /// Drop hypotheses this many nats below the best.
    #[arg(long, global = true)]
    beam_delta: Option<f32>,
    /// Drop readings of a token ranked this many nats behind its best.
    #[arg(long, global = true)]
    candidate_delta: Option<f32>,
    /// Most readings kept per token.
    #[arg(long, global = true)]
    max_candidates: Option<usize>,
    /// Channel model: `eng` (OCR without a Vietnamese model; default), `vie` (Tesseract `vie`
    /// output: its own channel and the gate that leaves good readings alone), or a file PATH.
    #[arg(long, global = true)]
    channel: Option<String>,
    /// The gate's margin in nats: a change must beat keeping the token by this much.
    #[arg(long, global = true)]
    change_cost: Option<f32>,
    /// Undo changes whose confidence is below this (0..1).
    #[arg(long, global = true)]
    min_change_confidence: Option<f32>,
    /// Weight of the engine's word confidences (hOCR/ALTO/PAGE input) against changing a word.
    #[arg(long, global = true)]
    prior_weight: Option<f32>,
}

/// How image and PDF input is read (Tesseract).
#[derive(Args, Clone)]
struct OcrArgs {
    /// Tesseract languages for image and PDF input.
    #[arg(long, default_value = "vie+eng")]
    langs: String,
    /// Resolution of image input (and of PDF rasterisation; 300 when not given).
    #[arg(long)]
    dpi: Option<u32>,
    /// Tesseract page segmentation mode for image and PDF input.
    #[arg(long)]
    psm: Option<u8>,
    /// Seconds one Tesseract run (one image or PDF page) may take.
    #[arg(long, default_value_t = 300)]
    ocr_timeout: u64,
    /// Read a page again with local (Sauvola) thresholding when Tesseract's mean word confidence
    /// is below this (0-100), keeping the more confident reading; 0 never reads twice.
    #[arg(long, default_value_t = sohoa::ocr::RETRY_BELOW)]
    retry_below: f32,
    /// Seconds the first reading of a page may take before the page is read with local
    /// thresholding instead (when --retry-below is on).
    #[arg(long, default_value_t = sohoa::ocr::FIRST_READING_TIMEOUT.as_secs())]
    first_reading_timeout: u64,
}

impl OcrArgs {
    fn options(&self) -> sohoa::ocr::OcrOptions {
        sohoa::ocr::OcrOptions {
            langs: self.langs.clone(),
            dpi: self.dpi,
            psm: self.psm,
            timeout: std::time::Duration::from_secs(self.ocr_timeout),
            retry_below: (self.retry_below > 0.0).then_some(self.retry_below),
            first_reading_timeout: std::time::Duration::from_secs(self.first_reading_timeout),
        }
    }
}

#[derive(Subcommand)]
enum Cmd {
    /// Restore Vietnamese in OCR text, an hOCR/ALTO/PAGE-XML file or a scan (PNG, JPEG, TIFF,
    /// PDF). Text keeps its lines; an XML file is written back in its own format by default.
    Restore {
        /// Input file, or `-` (default) for standard input.
        #[arg(default_value = "-")]
        file: String,
        /// Print JSON listing every change with its span (in the text view), original, restored
        /// form and confidence.
        #[arg(long, conflicts_with = "format")]
        json: bool,
        /// Output format: text, json, or the input's own alto, hocr or page (default: the own
        /// format for XML input, text otherwise).
        #[arg(long)]
        format: Option<String>,
        /// Write the output to this file (atomically) instead of standard output; never the input.
        #[arg(long)]
        out: Option<PathBuf>,
        #[command(flatten)]
        o: OcrArgs,
        #[command(flatten)]
        m: ModelOpts,
    },
    /// Restore OCR input and score it against gold: word accuracy and CER as score.py computes them.
    Eval {
        /// The gold text.
        #[arg(long)]
        gold: PathBuf,
        /// The OCR text.
        #[arg(long)]
        input: PathBuf,
        /// Score only the last FRACTION of the aligned lines (the part held out of training).
        #[arg(long)]
        tail: Option<f64>,
        /// Write gold, ocr and restored text of what was scored into this directory.
        #[arg(long)]
        write_dir: Option<PathBuf>,
        /// How many of the most frequent error pairs to print.
        #[arg(long, default_value_t = 20)]
        errors: usize,
        /// Score the input as it is (no restoration): the raw OCR baseline.
        #[arg(long)]
        raw: bool,
        /// Also extract the document record from the gold text and from the restored text and
        /// print how far they agree (header fields, sections, indicators, references, dates),
        /// with the items that differ (as many as --errors).
        #[arg(long)]
        extract: bool,
        /// Also judge every change against gold and print how well the confidences tell right
        /// changes from wrong ones: the AUC (the chance that a right change is more confident
        /// than a wrong one), the Brier score, and how many changes, and wrong ones, fall below
        /// 0.5, 0.9 and 0.99 (what reviewing the changes below a threshold would catch).
        #[arg(long)]
        confidence: bool,
        #[command(flatten)]
        m: ModelOpts,
    },
    /// Restore a notice, then segment it and print one JSON document record (schema 1.0.0).
    Extract {
        /// Input file, or `-` (default) for standard input.
        #[arg(default_value = "-")]
        file: String,
        /// The input is clean text: extract from it as it is, without restoration.
        #[arg(long)]
        no_restore: bool,
        #[command(flatten)]
        o: OcrArgs,
        #[command(flatten)]
        m: ModelOpts,
    },
    /// Read a scanned file (PNG, JPEG, TIFF, PDF) with Tesseract; prints its text, pages separated
    /// by a form feed. Only reads: no restoration.
    Ocr {
        /// The image or PDF.
        file: PathBuf,
        /// Print Tesseract's hOCR (word boxes and confidences) instead of the text.
        #[arg(long)]
        hocr: bool,
        /// Tesseract languages.
        #[arg(long, default_value = "vie+eng")]
        langs: String,
        /// Resolution of the input (and of PDF rasterisation; 300 when not given).
        #[arg(long)]
        dpi: Option<u32>,
        /// Tesseract page segmentation mode.
        #[arg(long)]
        psm: Option<u8>,
        /// Seconds one Tesseract run (one image or PDF page) may take.
        #[arg(long, default_value_t = 300)]
        timeout: u64,
        /// Read a page again with local (Sauvola) thresholding when Tesseract's mean word
        /// confidence is below this (0-100), keeping the more confident reading; 0: never.
        #[arg(long, default_value_t = sohoa::ocr::RETRY_BELOW)]
        retry_below: f32,
        /// Seconds the first reading of a page may take before the page is read with local
        /// thresholding instead (when --retry-below is on).
        #[arg(long, default_value_t = sohoa::ocr::FIRST_READING_TIMEOUT.as_secs())]
        first_reading_timeout: u64,
    },
    /// Build the models of dictionaries/ (deterministic).
    #[command(subcommand)]
    Model(ModelCmd),
    /// Convert a folder tree: per-file JSON, documents.jsonl, errors.jsonl, summary.json; resumable.
    Batch(BatchArgs),
    /// JSON Lines on stdin (`{"id":..,"text":..}`) to one record per line on stdout, in order.
    Stream {
        /// Worker threads (0: one per core).
        #[arg(long, default_value_t = 0)]
        jobs: usize,
        #[command(flatten)]
        m: ModelOpts,
    },
}

#[derive(Args)]
struct BatchArgs {
    /// The folder to convert (read recursively, never modified).
    in_dir: PathBuf,
    /// The output folder.
    #[arg(long)]
    out: PathBuf,
    /// Also write the records into this SQLite database.
    #[arg(long)]
    sqlite: Option<PathBuf>,
    /// Worker threads (0: one per core).
    #[arg(long, default_value_t = 0)]
    jobs: usize,
    /// Only files whose relative path matches this glob (repeatable).
    #[arg(long)]
    include: Vec<String>,
    /// Leave out files whose relative path matches this glob (repeatable).
    #[arg(long)]
    exclude: Vec<String>,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
    /// Reject files larger than this many bytes.
    #[arg(long, default_value_t = sohoa::MAX_INPUT_BYTES as u64)]
    max_bytes: u64,
    #[command(flatten)]
    o: OcrArgs,
    #[command(flatten)]
    m: ModelOpts,
}

#[derive(Subcommand)]
enum ModelCmd {
    /// Learn the OCR channel model from aligned pairs (`NAME.gold.txt` beside `NAME.ocr.txt`).
    Channel {
        /// Directories of pairs used whole.
        #[arg(long = "train")]
        train: Vec<PathBuf>,
        /// Directories of pairs of which only the first (1 - FRACTION) of lines are used.
        #[arg(long = "holdout")]
        holdout: Vec<PathBuf>,
        /// Fraction of lines held out from each `--holdout` pair.
        #[arg(long, default_value_t = 0.3)]
        holdout_fraction: f64,
        /// Directories of pairs from real scans, each counted `--real-weight` times: they are
        /// few, and show confusions that rendered pages do not (`Gy` for ủy).
        #[arg(long = "real")]
        real: Vec<PathBuf>,
        /// How many times a real-scan pair counts.
        #[arg(long, default_value_t = 10)]
        real_weight: usize,
        /// Output file.
        #[arg(long, default_value = "dictionaries/channel.smt")]
        out: PathBuf,
    },
    /// Train the syllable trigram language model on the corpora, without the evaluation texts.
    Lm {
        /// Folder of corpus files (`*.xz` or `*.txt`, one paragraph a line).
        #[arg(long, default_value = "../shared/corpus")]
        corpus: PathBuf,
        /// Texts whose lines must not be trained on (paragraphs holding one are dropped).
        #[arg(long = "exclude")]
        exclude: Vec<PathBuf>,
        /// Held-out text to report perplexity on (each line a paragraph).
        #[arg(long)]
        heldout: Option<PathBuf>,
        /// Output file.
        #[arg(long, default_value = "dictionaries/lm.smt")]
        out: PathBuf,
    },
    /// Precompute the candidate searches of the word tokens in OCR text files (the OCR sides of
    /// training pairs) and of every 1–3 digit number, under the models of `--models` and the
    /// default settings: a cache that spares the search for common tokens.
    Candidates {
        /// OCR text files whose word tokens to precompute.
        files: Vec<PathBuf>,
        /// Folder holding lm.smt, channel.smt and lexicon.smt (the ones it is valid for).
        #[arg(long, default_value = "dictionaries")]
        models: PathBuf,
        /// Output file.
        #[arg(long, default_value = "dictionaries/candidates.smt")]
        out: PathBuf,
    },
    /// Build the lexicon extras (place-name syllables, abbreviations with Đ).
    Lexicon {
        /// The shared lexicon folder.
        #[arg(long, default_value = "../shared/lexicon")]
        lexicon: PathBuf,
        /// Output file.
        #[arg(long, default_value = "dictionaries/lexicon.smt")]
        out: PathBuf,
    },
}

/// Read `file` (`-`: standard input) as text, an OCR format or a scan, by its content.
fn read_input(file: &str, o: &OcrArgs) -> Result<(sohoa::Input, String)> {
    if file == "-" {
        let mut b = Vec::new();
        std::io::stdin().read_to_end(&mut b).context("<stdin>")?;
        Ok((
            sohoa::read_input(&b, "<stdin>", &o.options())?,
            "<stdin>".into(),
        ))
    } else {
        Ok((
            sohoa::read_path(Path::new(file), &o.options())?,
            file.to_string(),
        ))
    }
}

/// Whether `a` and `b` name the same existing file (through symlinks or hard links).
fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(x), Ok(y)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return x.dev() == y.dev() && x.ino() == y.ino();
        }
    }
    matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y)
}

/// The decoder settings that differ from the defaults, for the processing record.
fn parameters(m: &ModelOpts) -> String {
    let mut p = Vec::new();
    if let Some(d) = &m.models {
        p.push(format!("models={}", d.display()));
    }
    let opts = [
        ("channel_weight", m.channel_weight),
        ("keep_cost", m.keep_cost),
        ("number_word_cost", m.number_word_cost),
        ("beam_delta", m.beam_delta),
        ("candidate_delta", m.candidate_delta),
        ("search_limit", m.search_limit),
        ("mark_cost", m.mark_cost),
        ("resegment_cost", m.resegment_cost),
    ];
    if let Some(b) = m.beam {
        p.push(format!("beam={b}"));
    }
    if let Some(n) = m.search_budget {
        p.push(format!("search_budget={n}"));
    }
    if let Some(k) = m.max_candidates {
        p.push(format!("max_candidates={k}"));
    }
    for (k, v) in opts {
        if let Some(v) = v {
            p.push(format!("{k}={v}"));
        }
    }
    if p.is_empty() {
        "default".into()
    } else {
        p.join(" ")
    }
}

/// The batch processor: scans (read by Tesseract `vie`) go through a pipeline with the channel
/// and gate for that engine, everything else through the one the options ask for — the same
/// choice `restore` and `extract` make for a single file (see [`scan_defaults`]).
struct ByInput {
    text: sohoa::Pipeline,
    scan: Option<sohoa::Pipeline>,
}

impl ByInput {
    fn new(m: &ModelOpts) -> Result<Self> {
        let scan = if m.channel.is_none() {
            let mut v = m.clone();
            v.channel = Some("vie".into());
            Some(pipeline(&v)?)
        } else {
            None
        };
        Ok(ByInput {
            text: pipeline(m)?,
            scan,
        })
    }

    fn is_scan(source: &str) -> bool {
        let ext = Path::new(source)
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        matches!(
            ext.as_deref(),
            Some("png" | "jpg" | "jpeg" | "tif" | "tiff" | "pdf")
        )
    }
}

impl sohoa::Processor for ByInput {
    fn model_version(&self) -> String {
        match &self.scan {
            Some(s) => format!("{}; scans {}", self.text.model_version(), s.model_version()),
            None => self.text.model_version(),
        }
    }

    fn process(&self, source: &str, text: &str) -> sohoa::Result<serde_json::Value> {
        match &self.scan {
            Some(s) if Self::is_scan(source) => s.process(source, text),
            _ => self.text.process(source, text),
        }
    }
}

/// A scan was read by Tesseract `vie`: unless told otherwise, correct it with the channel and
/// gate made for that engine rather than those for an engine without a Vietnamese model.
fn scan_defaults(input: &sohoa::Input, m: &ModelOpts) -> ModelOpts {
    let mut m = m.clone();
    if matches!(input, sohoa::Input::Scan { .. }) && m.channel.is_none() {
        m.channel = Some("vie".into());
    }
    m
}

fn restorer(m: &ModelOpts) -> Result<Restorer> {
    let models = match &m.models {
        Some(d) => Models::load_dir(d)?,
        None => Models::embedded()?,
    };
    let (models, mut b) = match m.channel.as_deref() {
        None | Some("eng") => (models, RestorerBuilder::new()),
        Some("vie") => (
            models.with_channel(Models::embedded_channel(sohoa::ChannelKind::Vie)?),
            RestorerBuilder::vie(),
        ),
        Some(path) => (
            models.with_channel(Models::load_channel(std::path::Path::new(path))?),
            RestorerBuilder::new(),
        ),
    };
    if let Some(w) = m.change_cost {
        b.change_cost(w);
    }
    if let Some(w) = m.min_change_confidence {
        b.min_change_confidence(w);
    }
    if let Some(w) = m.prior_weight {
        b.prior_weight(w);
    }
    if let Some(w) = m.channel_weight {
        b.channel_weight(w);
    }
    if let Some(w) = m.beam {
        b.beam_width(w);
    }
    if let Some(w) = m.keep_cost {
        b.keep_cost(w);
    }
    if let Some(w) = m.number_word_cost {
        b.number_word_cost(w);
    }
    if let Some(w) = m.search_limit {
        b.search_limit(w);
    }
    if let Some(n) = m.search_budget {
        b.search_budget(n);
    }
    if let Some(w) = m.mark_cost {
        b.mark_cost(w);
    }
    if let Some(w) = m.resegment_cost {
        b.resegment_cost(w);
    }
    if let Some(w) = m.beam_delta {
        b.beam_delta(w);
    }
    if let Some(w) = m.candidate_delta {
        b.candidate_delta(w);
    }
    if let Some(k) = m.max_candidates {
        b.max_candidates(k);
    }
    Ok(b.build(Arc::new(models))?)
}

/// The record agreement of `sohoa eval --extract`: per item kind, matched of gold (recall) and of
/// extracted (precision), then up to `max` differences.
fn print_agreement(
    out: &mut impl Write,
    a: &sohoa::eval::record::Agreement,
    max: usize,
) -> std::io::Result<()> {
    let pr = |c: &sohoa::eval::record::Counts| {
        format!(
            "{}/{} found, {}/{} right (R={:.3} P={:.3})",
            c.matched,
            c.gold,
            c.matched,
            c.got,
            c.recall(),
            c.precision()
        )
    };
    writeln!(out, "record: header fields {}", pr(&a.header))?;
    writeln!(out, "record: sections {}", pr(&a.sections))?;
    writeln!(
        out,
        "record: section kinds {}/{} alike",
        a.section_kinds.matched, a.section_kinds.gold
    )?;
    writeln!(out, "record: indicators {}", pr(&a.indicators))?;
    writeln!(out, "record: references {}", pr(&a.references))?;
    writeln!(out, "record: dates {}", pr(&a.dates))?;
    for (what, g, t) in a.differences.iter().take(max) {
        writeln!(out, "  {what}: gold={g:?} got={t:?}")?;
    }
    Ok(())
}

fn pipeline(m: &ModelOpts) -> Result<sohoa::Pipeline> {
    Ok(sohoa::Pipeline::new(restorer(m)?))
}

/// `sohoa model channel|lm|lexicon`: train a model from pairs or corpora.
#[cfg(feature = "build-models")]
fn train_model(cmd: ModelCmd) -> Result<()> {
    match cmd {
        ModelCmd::Channel {
            train,
            holdout,
            holdout_fraction,
            real,
            real_weight,
            out,
        } => {
            let mut t = sohoa::channel::ChannelTrainer::new();
            t.add_gold_letters(sohoa::syllable::alphabet());
            for (dirs, frac) in [(&train, 1.0), (&holdout, 1.0 - holdout_fraction)] {
                for d in dirs.iter() {
                    for (g, o) in pair_files(d)? {
                        let n = t.add_files(&g, &o, frac)?;
                        eprintln!("{}: {n} word pairs", g.display());
                    }
                }
            }
            for d in &real {
                for (g, o) in pair_files(d)? {
                    let mut n = 0;
                    for _ in 0..real_weight {
                        n = t.add_files(&g, &o, 1.0)?;
                    }
                    eprintln!(
                        "{}: {n} word pairs (real scan, x{real_weight})",
                        g.display()
                    );
                }
            }
            if t.is_empty() {
                bail!("no training pairs found");
            }
            let (model, stats) = t.train();
            let bytes = model.to_bytes();
            sohoa::write_atomic(&out, &bytes)?;
            eprintln!("{stats:?}; wrote {} ({} bytes)", out.display(), bytes.len());
        }
        ModelCmd::Lm {
            corpus,
            exclude,
            heldout,
            out,
        } => {
            let t0 = std::time::Instant::now();
            let cfg = sohoa::lm::BuildConfig::default();
            let stats = sohoa::lm::build_from_dir(&corpus, &exclude, &cfg, &out)?;
            eprintln!(
                "{stats:#?}\nbuilt in {:.1?}; wrote {}",
                t0.elapsed(),
                out.display()
            );
            if let Some(h) = heldout {
                let lm = sohoa::lm::LanguageModel::load(&out)?;
                let text = std::fs::read_to_string(&h).with_context(|| h.display().to_string())?;
                let (ppl, n, oov) = lm.perplexity(&text);
                eprintln!(
                    "{}: perplexity {ppl:.2} over {n} units ({oov} unknown)",
                    h.display()
                );
            }
        }
        ModelCmd::Lexicon { lexicon, out } => {
            let lx = sohoa::lexicon::build(&lexicon, sohoa::syllable::is_valid)?;
            let bytes = lx.to_bytes();
            sohoa::write_atomic(&out, &bytes)?;
            eprintln!(
                "{} name syllables, {} abbreviations; wrote {}",
                lx.name_syllables.len(),
                lx.abbreviations.len(),
                out.display()
            );
        }
        ModelCmd::Candidates { .. } => bail!("not a training command"),
    }
    Ok(())
}

/// Without the `build-models` feature the training code is not in the binary.
#[cfg(not(feature = "build-models"))]
fn train_model(_: ModelCmd) -> Result<()> {
    bail!("built without the `build-models` feature, which training models needs (cargo build --release --features build-models)")
}

#[cfg(feature = "build-models")]
fn pair_files(dir: &Path) -> Result<Vec<(PathBuf, PathBuf)>> {
    let mut out = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("{}: cannot list", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if let Some(stem) = name.strip_suffix(".gold.txt") {
            let ocr = p.with_file_name(format!("{stem}.ocr.txt"));
            if ocr.exists() {
                out.push((p.clone(), ocr));
            }
        }
    }
    Ok(out)
}

fn run() -> Result<ExitCode> {
    let cli = Cli::parse();
    match cli.cmd {
        Cmd::Restore {
            file,
            json,
            format,
            out,
            o,
            m,
        } => {
            if let Some(out) = &out {
                if file != "-" && same_file(Path::new(&file), out) {
                    bail!(
                        "{}: --out is the input file; refusing to overwrite it",
                        out.display()
                    );
                }
            }
            let (input, _name) = read_input(&file, &o)?;
            // Check the format before the (slow) restoration.
            let fmt = input.output_format(format.as_deref())?;
            let p = pipeline(&scan_defaults(&input, &m))?;
            let mut scratch = sohoa::Scratch::new();
            // What to write, written once the restoration is done: a long text's change list in
            // JSON is several times the text, so it is serialised straight into the output.
            type Emit<'a> = Box<dyn FnOnce(&mut dyn Write) -> std::io::Result<()> + 'a>;
            let write: Emit<'_> =
                if !json && fmt == sohoa::formats::OutputFormat::Text && input.document().is_none()
                {
                    // Plain text in, plain text out: no change list to write, so none is made.
                    let text = p.restore_input_text(&input, &mut scratch);
                    Box::new(move |w| w.write_all(text.as_bytes()))
                } else {
                    let restored = p.restore_input(&input, &mut scratch);
                    if json {
                        Box::new(move |w| {
                            serde_json::to_writer_pretty(&mut *w, &restored)?;
                            w.write_all(b"\n")
                        })
                    } else {
                        let bytes = p.write_input(&input, &restored, fmt, &parameters(&m))?;
                        Box::new(move |w| w.write_all(&bytes))
                    }
                };
            match &out {
                Some(path) => sohoa::write_atomic_with(path, write)?,
                None => {
                    let mut w = std::io::BufWriter::new(std::io::stdout().lock());
                    write(&mut w)?;
                    w.flush()?;
                }
            }
        }
        Cmd::Extract {
            file,
            no_restore,
            o,
            m,
        } => {
            let (input, name) = read_input(&file, &o)?;
            let doc = if no_restore {
                let text = input.text();
                sohoa::extract(&sohoa::ExtractInput {
                    original: &text,
                    restored: &text,
                    source: Some(name),
                })?
            } else {
                pipeline(&scan_defaults(&input, &m))?.document_input(
                    Some(&name),
                    &input,
                    &mut sohoa::Scratch::new(),
                )?
            };
            // (buffered: standard output alone flushes at every line, a write per line of JSON)
            let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
            serde_json::to_writer_pretty(&mut stdout, &doc)?;
            writeln!(stdout)?;
            stdout.flush()?;
        }
        Cmd::Eval {
            gold,
            input,
            tail,
            write_dir,
            errors,
            raw,
            extract,
            confidence,
            m,
        } => {
            let g = std::fs::read_to_string(&gold)
                .with_context(|| format!("{}: cannot read", gold.display()))?;
            let o = std::fs::read_to_string(&input)
                .with_context(|| format!("{}: cannot read", input.display()))?;
            let (g, o) = match tail {
                Some(f) => sohoa::heldout_tail(&g, &o, f),
                None => (g, o),
            };
            if raw && confidence {
                bail!("--confidence judges the changes of a restoration; --raw makes none");
            }
            let restored = if raw {
                None
            } else {
                Some(restorer(&m)?.restore(&o))
            };
            let hyp = restored
                .as_ref()
                .map_or_else(|| o.clone(), |r| r.text.clone());
            if let Some(d) = write_dir {
                std::fs::create_dir_all(&d)?;
                std::fs::write(d.join("gold.txt"), &g)?;
                std::fs::write(d.join("ocr.txt"), &o)?;
                std::fs::write(d.join("restored.txt"), &hyp)?;
            }
            let s = sohoa::eval::score(&g, &hyp, errors);
            let base = sohoa::eval::score(&g, &o, 0);
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "words={} word_acc={:.4} cer={:.4} (raw OCR: word_acc={:.4} cer={:.4})",
                s.words,
                s.word_accuracy(),
                s.cer(),
                base.word_accuracy(),
                base.cer()
            )?;
            for (a, b, n) in &s.errors {
                writeln!(out, "  {n:5}  gold={a:?} got={b:?}")?;
            }
            if let Some(r) = restored.as_ref().filter(|_| confidence) {
                let outcomes =
                    sohoa::eval::change_outcomes(&g, &o, &r.text, r.changes.iter().map(Into::into));
                let c = sohoa::eval::confidence_report(&outcomes, &[0.5, 0.9, 0.99]);
                let auc = c.auc.map_or_else(|| "-".to_string(), |a| format!("{a:.4}"));
                writeln!(
                    out,
                    "confidence: changes={} wrong={} auc={auc} brier={:.4}",
                    c.changes, c.wrong, c.brier
                )?;
                for (t, n, w) in &c.below {
                    writeln!(
                        out,
                        "  below {t}: {n} changes, {w} wrong ({:.0}% of the wrong ones)",
                        100.0 * *w as f64 / c.wrong.max(1) as f64
                    )?;
                }
            }
            if extract {
                let record = |original: &str, restored: &str| {
                    sohoa::extract(&sohoa::ExtractInput {
                        original,
                        restored,
                        source: None,
                    })
                };
                let a = sohoa::eval::record::compare(&record(&g, &g)?, &record(&o, &hyp)?);
                print_agreement(&mut out, &a, errors)?;
            }
        }
        Cmd::Ocr {
            file,
            hocr,
            langs,
            dpi,
            psm,
            timeout,
            retry_below,
            first_reading_timeout,
        } => {
            // The same options as image input to the other commands (there `--ocr-timeout`).
            let opts = OcrArgs {
                langs,
                dpi,
                psm,
                ocr_timeout: timeout,
                retry_below,
                first_reading_timeout,
            }
            .options();
            let pages = sohoa::ocr::ocr_file(&file, &opts)?;
            let mut stdout = std::io::stdout().lock();
            if hocr {
                for h in &pages.hocr {
                    stdout.write_all(h.as_bytes())?;
                }
            } else {
                stdout.write_all(pages.text().as_bytes())?;
                writeln!(stdout)?;
            }
        }
        Cmd::Model(
            m @ (ModelCmd::Channel { .. } | ModelCmd::Lm { .. } | ModelCmd::Lexicon { .. }),
        ) => train_model(m)?,
        Cmd::Model(ModelCmd::Candidates { files, models, out }) => {
            let t0 = std::time::Instant::now();
            let models = sohoa::Models::load_dir(&models)?;
            let restorer = sohoa::RestorerBuilder::new().build(std::sync::Arc::new(models))?;
            let mut texts = Vec::new();
            for f in &files {
                let b = std::fs::read(f).with_context(|| f.display().to_string())?;
                texts.push(sohoa::decode_text(&b, &f.display().to_string())?);
            }
            let table = restorer.candidate_table(texts.iter().map(String::as_str));
            let bytes = table.to_bytes();
            sohoa::write_atomic(&out, &bytes)?;
            eprintln!(
                "{} tokens in {:.1?}; wrote {} ({} bytes)",
                table.len(),
                t0.elapsed(),
                out.display(),
                bytes.len()
            );
        }
        Cmd::Batch(a) => {
            let p = ByInput::new(&a.m)?;
            let mut o = sohoa::batch::BatchOptions::new(&a.out);
            o.sqlite = a.sqlite;
            o.jobs = a.jobs;
            o.include = a.include;
            o.exclude = a.exclude;
            o.quiet = a.quiet;
            o.max_bytes = a.max_bytes;
            o.readers = sohoa::batch::all_readers(a.o.options());
            let rep = sohoa::batch::run(&a.in_dir, &o, &p)?;
            if !a.quiet {
                eprintln!(
                    "{} files: {} ok, {} failed, {} skipped (unchanged); {} syllables in {:.1}s; see {}",
                    rep.files,
                    rep.ok,
                    rep.failed,
                    rep.skipped,
                    rep.syllables,
                    rep.seconds,
                    a.out.display()
                );
            }
            return Ok(ExitCode::from(rep.exit_code()));
        }
        Cmd::Stream { jobs, m } => {
            let p = pipeline(&m)?;
            let stdin = std::io::stdin().lock();
            let stdout = std::io::BufWriter::new(std::io::stdout().lock());
            // Exit 0 even when some lines failed: their error records are the answer, and
            // engines such as Spark fail the whole task on a non-zero exit.
            let _report = sohoa::stream::run_stream(stdin, stdout, &p, jobs)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    match run() {
        Ok(c) => c,
        // A reader that stopped early (`sohoa eval … | head -1`, `sohoa extract … | head`) is
        // not an error, whether the write failed directly or inside the JSON writer.
        Err(e)
            if e.chain().any(|c| {
                let kind = c
                    .downcast_ref::<std::io::Error>()
                    .map(std::io::Error::kind)
                    .or_else(|| c.downcast_ref::<serde_json::Error>()?.io_error_kind());
                kind == Some(std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("sohoa: {}", message(&e));
            ExitCode::from(2)
        }
    }
}

/// The error with its causes, each said once: the crate's errors already end with their cause
/// (`notice.txt: No such file or directory`), which `{:#}` would repeat after them.
fn message(e: &anyhow::Error) -> String {
    let mut s = String::new();
    for cause in e.chain() {
        let m = cause.to_string();
        if s.ends_with(&m) {
            continue;
        }
        if !s.is_empty() {
            s.push_str(": ");
        }
        s.push_str(&m);
    }
    s
}
