//! Batch conversion, SQLite output and streaming, on real files and a real database, with a fast
//! processor (not the models) so that the tests stay quick.

use serde_json::{json, Value};
use sohoa::batch::{run, BatchOptions};
use sohoa::store::Store;
use sohoa::{FnProcessor, Processor};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

/// A record in the shape of the extraction contract, made from the text without any model:
/// one section per line starting with a Roman numeral, one indicator per number followed by `%`.
fn fake_record(source: &str, text: &str) -> sohoa::Result<Value> {
    let mut sections = Vec::new();
    let mut indicators = Vec::new();
    let mut references = Vec::new();
    let mut section: Option<usize> = None;
    for (i, line) in text.lines().enumerate() {
        let first = line.split_whitespace().next().unwrap_or("");
        if first.ends_with('.')
            && first
                .trim_end_matches('.')
                .chars()
                .all(|c| "IVX".contains(c))
            && !first.is_empty()
            && first != "."
        {
            let id = sections.len();
            let kind = if line.contains("hạn chế") {
                json!("shortcomings")
            } else if line.contains("kết quả") {
                json!("results")
            } else {
                Value::Null
            };
            sections.push(
                json!({"id": id, "parent": null, "marker": first, "level": 1,
                "heading": line, "kind": kind, "line": i + 1, "span": [0, line.chars().count()]}),
            );
            section = Some(id);
        }
        for w in line.split_whitespace() {
            let w = w.trim_end_matches([',', '.', ';']);
            if let Some(n) = w.strip_suffix('%') {
                if let Ok(v) = n.replace(',', ".").parse::<f64>() {
                    indicators.push(
                        json!({"kind": "ratio", "value": v, "unit": "%", "denominator": null,
                        "direction": null, "target": null, "subject": null, "section": section,
                        "text": line, "line": i + 1, "span": [0, 1]}),
                    );
                }
            }
            if w.contains("/QĐ-") {
                references.push(
                    json!({"type": "quyết định", "number": w, "date": null, "text": line,
                    "line": i + 1, "span": [0, 1]}),
                );
            }
        }
    }
    let syllables = text.split_whitespace().count();
    Ok(json!({
        "schema_version": 1,
        "source": source,
        "document": {"type": "báo cáo", "number": format!("{}/BC-UBND", syllables), "date": "2024-03-15",
            "place": "Đồng Nai", "issuer": "UBND", "title": null, "signer": {"name": null, "position": null}},
        "sections": sections,
        "indicators": indicators,
        "references": references,
        "dates": [], "footnotes": [],
        "original": text, "restored": text,
        "stats": {"syllables": syllables, "mean_confidence": 0.75},
    }))
}

fn fast() -> FnProcessor<fn(&str, &str) -> sohoa::Result<Value>> {
    FnProcessor::new(
        "fake-1",
        fake_record as fn(&str, &str) -> sohoa::Result<Value>,
    )
}

fn notice(i: usize) -> String {
    format!(
        "BÁO CÁO\nKết quả công tác quý {q} năm 2024 của xã số {i}\n\
         I. Những kết quả đạt được\nTỷ lệ hộ dùng nước sạch đạt {a}% so với kế hoạch.\n\
         II. Tồn tại, hạn chế\nTỷ lệ hồ sơ trễ hạn còn {b}%, thực hiện theo Quyết định số {i}/QĐ-UBND.\n",
        q = i % 4 + 1,
        a = 80 + i % 20,
        b = i % 7 + 1,
    )
}

/// A tree of `n` good notices in nested folders plus the bad files; returns the bad file names.
fn make_tree(dir: &Path, n: usize) -> Vec<&'static str> {
    for i in 0..n {
        let sub = dir
            .join(format!("huyen-{}", i % 3))
            .join(format!("xa-{}", i % 5));
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(sub.join(format!("tb-{i:03}.txt")), notice(i)).unwrap();
    }
    let bad = dir.join("hong");
    std::fs::create_dir_all(&bad).unwrap();
    std::fs::write(bad.join("rong.txt"), b"").unwrap();
    std::fs::write(
        bad.join("nhi-phan.txt"),
        [0x89u8, b'P', b'N', b'G', 0, 0, 1, 2, 0xff, 0xfe, 3],
    )
    .unwrap();
    // "Sở Y tế" in Windows-1258/Latin-1-like single bytes: invalid UTF-8.
    std::fs::write(bad.join("latin1.txt"), b"S\xf5 Y t\xea\n").unwrap();
    std::fs::write(bad.join("nul.txt"), b"Thong bao\0ket luan\n").unwrap();
    // Ignored: no reader takes it.
    std::fs::write(dir.join("anh.png"), [0u8, 1, 2]).unwrap();
    vec![
        "hong/latin1.txt",
        "hong/nhi-phan.txt",
        "hong/nul.txt",
        "hong/rong.txt",
    ]
}

fn opts(out: &Path, jobs: usize) -> BatchOptions {
    let mut o = BatchOptions::new(out);
    o.jobs = jobs;
    o.quiet = true;
    o
}

/// Every file under `dir` (relative path → bytes), except the summary (it holds timings).
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut m = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().to_string();
                if rel != "summary.json" {
                    m.insert(rel, std::fs::read(&p).unwrap());
                }
            }
        }
    }
    m
}

fn lines(p: &Path) -> Vec<Value> {
    std::fs::read_to_string(p)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn good_and_bad_files_rerun_and_change() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    let out = tmp.path().join("out");
    let bad = make_tree(&input, 40);
    let before = snapshot(&input);

    let rep = run(&input, &opts(&out, 2), &fast()).unwrap();
    assert_eq!(
        (rep.files, rep.ok, rep.failed, rep.processed, rep.skipped),
        (44, 40, 4, 44, 0)
    );
    assert_eq!(rep.exit_code(), 1);
    assert!(rep.syllables > 40 * 20);
    assert!((rep.mean_confidence.unwrap() - 0.75).abs() < 1e-9);

    let docs = lines(&out.join("documents.jsonl"));
    assert_eq!(docs.len(), 40);
    let sources: Vec<&str> = docs.iter().map(|d| d["source"].as_str().unwrap()).collect();
    let mut sorted = sources.clone();
    sorted.sort_unstable();
    assert_eq!(sources, sorted, "documents.jsonl is sorted by path");
    assert!(out.join("records/huyen-0/xa-0/tb-000.txt.json").is_file());

    let errs = lines(&out.join("errors.jsonl"));
    let paths: Vec<&str> = errs.iter().map(|e| e["path"].as_str().unwrap()).collect();
    assert_eq!(paths, bad);
    let reason = |p: &str| {
        errs.iter().find(|e| e["path"] == p).unwrap()["error"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(
        reason("hong/latin1.txt").contains("offset 1"),
        "{}",
        reason("hong/latin1.txt")
    );
    assert!(reason("hong/nul.txt").contains("NUL"));
    assert!(reason("hong/rong.txt").contains("empty"));
    assert!(!reason("hong/nhi-phan.txt").is_empty());
    let summary: Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["ok"], 40);
    assert_eq!(summary["failed"], 4);

    // Rerun: everything skipped, outputs unchanged, inputs untouched.
    let first = snapshot(&out);
    let rep2 = run(&input, &opts(&out, 2), &fast()).unwrap();
    assert_eq!(
        (rep2.skipped, rep2.processed, rep2.ok, rep2.failed),
        (44, 0, 40, 4)
    );
    assert_eq!(snapshot(&out), first);
    assert_eq!(snapshot(&input), before);

    // A changed file is redone, and a removed one leaves the outputs.
    let changed = input.join("huyen-1/xa-1/tb-001.txt");
    std::fs::write(
        &changed,
        notice(1) + "III. Phương hướng\nTăng 5% so với cùng kỳ.\n",
    )
    .unwrap();
    std::fs::remove_file(input.join("huyen-2/xa-2/tb-002.txt")).unwrap();
    let rep3 = run(&input, &opts(&out, 1), &fast()).unwrap();
    assert_eq!((rep3.processed, rep3.skipped, rep3.ok), (1, 42, 39));
    let rec: Value = serde_json::from_slice(
        &std::fs::read(out.join("records/huyen-1/xa-1/tb-001.txt.json")).unwrap(),
    )
    .unwrap();
    assert!(rec["original"].as_str().unwrap().contains("Phương hướng"));
    assert!(!out.join("records/huyen-2/xa-2/tb-002.txt.json").exists());
    assert_eq!(lines(&out.join("documents.jsonl")).len(), 39);

    // A new model version redoes everything.
    let other = FnProcessor::new("fake-2", fake_record);
    let rep4 = run(&input, &opts(&out, 2), &other).unwrap();
    assert_eq!(rep4.processed, 43);
}

#[test]
fn include_exclude_and_size_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    make_tree(&input, 10);
    let out = tmp.path().join("out");
    let mut o = opts(&out, 1);
    o.exclude = vec!["hong/**".into()];
    o.include = vec!["**/xa-1/*.txt".into(), "**/xa-2/*.txt".into()];
    let rep = run(&input, &o, &fast()).unwrap();
    assert_eq!((rep.ok, rep.failed), (4, 0));
    assert_eq!(rep.exit_code(), 0);

    let out2 = tmp.path().join("out2");
    let mut o = opts(&out2, 1);
    o.exclude = vec!["hong/**".into()];
    o.max_bytes = 150;
    let rep = run(&input, &o, &fast()).unwrap();
    assert_eq!(rep.ok, 0);
    let errs = lines(&out2.join("errors.jsonl"));
    assert!(errs[0]["error"].as_str().unwrap().contains("too large"));

    let mut o = opts(&tmp.path().join("out3"), 1);
    o.include = vec!["[".into()];
    assert!(
        run(&input, &o, &fast()).is_err(),
        "a bad glob is an error of the run"
    );
}

#[test]
fn a_panicking_processor_fails_one_file_only() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    make_tree(&input, 12);
    let p = FnProcessor::new("panicky", |source: &str, text: &str| {
        if source.ends_with("tb-007.txt") {
            panic!("hỏng ở tệp 7");
        }
        fake_record(source, text)
    });
    let rep = run(&input, &opts(&tmp.path().join("out"), 2), &p).unwrap();
    assert_eq!((rep.ok, rep.failed), (11, 5));
    let errs = lines(&tmp.path().join("out/errors.jsonl"));
    assert!(errs
        .iter()
        .any(|e| e["error"].as_str().unwrap().contains("hỏng ở tệp 7")));
}

#[test]
fn cancelled_run_then_rerun_equals_clean_run() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    make_tree(&input, 60);
    let clean = tmp.path().join("clean");
    let db_clean = tmp.path().join("clean.db");
    let mut o = opts(&clean, 2);
    o.sqlite = Some(db_clean.clone());
    let _ = run(&input, &o, &fast()).unwrap();

    // Stop after 15 files, as Ctrl-C would.
    let resumed = tmp.path().join("resumed");
    let db_resumed = tmp.path().join("resumed.db");
    let stop = Arc::new(AtomicBool::new(false));
    let seen = AtomicUsize::new(0);
    let stopping = {
        let stop = stop.clone();
        FnProcessor::new("fake-1", move |s: &str, t: &str| {
            if seen.fetch_add(1, Ordering::SeqCst) >= 15 {
                stop.store(true, Ordering::SeqCst);
            }
            fake_record(s, t)
        })
    };
    let mut o = opts(&resumed, 2);
    o.sqlite = Some(db_resumed.clone());
    o.cancel = Some(stop);
    let rep = run(&input, &o, &stopping).unwrap();
    assert!(rep.interrupted && rep.processed < 64, "{rep:?}");
    assert_eq!(rep.exit_code(), 1);
    assert!(!resumed.join("documents.jsonl").exists());

    let mut o = opts(&resumed, 2);
    o.sqlite = Some(db_resumed.clone());
    let rep = run(&input, &o, &fast()).unwrap();
    assert!(rep.skipped >= 15, "{rep:?}");
    assert_eq!(snapshot(&resumed), snapshot(&clean));
    assert_eq!(db_dump(&db_resumed), db_dump(&db_clean));
}

/// Every row of the four tables, as text.
fn db_dump(db: &Path) -> Vec<String> {
    let s = Store::open(db).unwrap();
    let c = s.connection();
    let mut out = Vec::new();
    for (t, order) in [
        ("documents", "source"),
        ("sections", "document_id, ord"),
        ("indicators", "document_id, ord"),
        ("references", "document_id, ord"),
    ] {
        let mut st = c
            .prepare(&format!("SELECT * FROM \"{t}\" ORDER BY {order}"))
            .unwrap();
        let n = st.column_count();
        let rows = st
            .query_map([], |r| {
                let mut s = String::from(t);
                for i in 0..n {
                    let v: rusqlite::types::Value = r.get(i)?;
                    s.push_str(&format!("|{v:?}"));
                }
                Ok(s)
            })
            .unwrap();
        out.extend(rows.map(|r| r.unwrap()));
    }
    out
}

#[test]
fn sqlite_rows_queries_and_idempotence() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    make_tree(&input, 30);
    let db = tmp.path().join("vb.db");
    let mut o = opts(&tmp.path().join("out"), 2);
    o.sqlite = Some(db.clone());
    let _ = run(&input, &o, &fast()).unwrap();
    let c = Store::open(&db).unwrap().counts().unwrap();
    assert_eq!(
        (c.documents, c.sections, c.indicators, c.references),
        (30, 60, 60, 30)
    );
    let before = db_dump(&db);

    // A rerun, and a rerun into a fresh output folder (all processed again), keep the same rows.
    let _ = run(&input, &o, &fast()).unwrap();
    assert_eq!(db_dump(&db), before);
    let mut o2 = opts(&tmp.path().join("out-again"), 1);
    o2.sqlite = Some(db.clone());
    let _ = run(&input, &o2, &fast()).unwrap();
    assert_eq!(db_dump(&db), before);

    // The analyst's query: percent indicators in shortcomings sections, per document and date.
    let s = Store::open(&db).unwrap();
    let mut st = s
        .connection()
        .prepare(
            "SELECT d.source, d.date, i.value FROM indicators i
             JOIN documents d ON d.id = i.document_id
             JOIN sections s ON s.document_id = i.document_id AND s.id = i.section
             WHERE s.kind = 'shortcomings' AND i.unit = '%'
             ORDER BY d.date, d.source",
        )
        .unwrap();
    let rows: Vec<(String, String, f64)> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(rows.len(), 30);
    assert!(rows
        .iter()
        .all(|(_, d, v)| d == "2024-03-15" && (1.0..=7.0).contains(v)));

    // Foreign keys hold: deleting a document removes its rows.
    s.connection()
        .execute("DELETE FROM documents WHERE source = ?1", [&rows[0].0])
        .unwrap();
    let c = s.counts().unwrap();
    assert_eq!((c.documents, c.sections), (29, 58));
    let jm: String = s
        .connection()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(jm, "wal");
    let uv: i64 = s
        .connection()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(uv, sohoa::store::SCHEMA_VERSION);
}

#[test]
fn stream_keeps_order_and_answers_bad_lines() {
    let mut input = Vec::new();
    for i in 0..25 {
        input.extend_from_slice(
            serde_json::to_string(&json!({"id": format!("d{i}"), "text": notice(i)}))
                .unwrap()
                .as_bytes(),
        );
        input.push(b'\n');
        if i == 5 {
            input.extend_from_slice(b"{not json\n");
            input.extend_from_slice(b"\n");
            input.extend_from_slice(br#"{"id": 7, "text": ""}"#);
            input.push(b'\n');
            input.extend_from_slice(br#"{"id": "x", "body": "?"}"#);
            input.push(b'\n');
            input.extend_from_slice(b"{\"id\": \"bad-utf8\", \"text\": \"S\xf5\"}\n");
        }
    }
    let p = FnProcessor::new("s", |source: &str, text: &str| {
        if source == "d9" {
            panic!("d9 hỏng");
        }
        fake_record(source, text)
    });
    let mut out = Vec::new();
    let rep = sohoa::stream::run_stream(&input[..], &mut out, &p, 2).unwrap();
    assert_eq!((rep.ok, rep.failed), (24, 5));
    let recs: Vec<Value> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(recs.len(), 29);
    let ids: Vec<Value> = recs.iter().map(|r| r["id"].clone()).collect();
    assert_eq!(ids[5], "d5");
    assert_eq!(ids[6], Value::Null);
    assert_eq!(ids[7], 7);
    assert_eq!(ids[8], "x");
    assert_eq!(ids[9], Value::Null);
    assert_eq!(ids[10], "d6");
    assert!(recs[7]["error"].as_str().unwrap().contains("empty"));
    assert!(recs[9]["error"].as_str().unwrap().contains("UTF-8"));
    let d9 = recs.iter().find(|r| r["id"] == "d9").unwrap();
    assert!(d9["error"].as_str().unwrap().contains("d9 hỏng"));
    assert_eq!(recs[28]["id"], "d24");
    assert_eq!(recs[28]["source"], "d24");
    assert_eq!(p.model_version(), "s");
}

/// Helper for [`killed_run_then_rerun_equals_clean_run`]: run in a child process (the test binary
/// itself), slowly, until the parent kills it.
#[test]
#[ignore = "run by killed_run_then_rerun_equals_clean_run in a child process"]
fn child_batch() {
    let Ok(dirs) = std::env::var("SOHOA_BATCH_CHILD") else {
        return;
    };
    let (input, out) = dirs.split_once('\n').unwrap();
    let slow = FnProcessor::new("fake-1", |s: &str, t: &str| {
        std::thread::sleep(std::time::Duration::from_millis(40));
        fake_record(s, t)
    });
    let mut o = opts(Path::new(out), 2);
    o.sqlite = Some(PathBuf::from(format!("{out}.db")));
    let _ = run(Path::new(input), &o, &slow);
}

#[test]
fn killed_run_then_rerun_equals_clean_run() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    make_tree(&input, 80);
    let clean = tmp.path().join("clean");
    let mut o = opts(&clean, 2);
    o.sqlite = Some(tmp.path().join("clean.db"));
    let _ = run(&input, &o, &fast()).unwrap();

    let killed = tmp.path().join("killed");
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "batch::child_batch", "--ignored", "--nocapture"])
        .env(
            "SOHOA_BATCH_CHILD",
            format!("{}\n{}", input.display(), killed.display()),
        )
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until some records exist (and the manifest has been saved), then SIGKILL.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while std::time::Instant::now() < deadline {
        if killed.join("manifest.json").exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::thread::sleep(std::time::Duration::from_millis(150));
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        !killed.join("documents.jsonl").exists(),
        "the child finished before the kill"
    );

    let mut o = opts(&killed, 2);
    o.sqlite = Some(PathBuf::from(format!("{}.db", killed.display())));
    let rep = run(&input, &o, &fast()).unwrap();
    assert!(rep.skipped > 0, "{rep:?}");
    assert_eq!(snapshot(&killed), snapshot(&clean));
    assert_eq!(
        db_dump(&PathBuf::from(format!("{}.db", killed.display()))),
        db_dump(&tmp.path().join("clean.db"))
    );
}

#[test]
fn a_damaged_record_is_redone() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    make_tree(&input, 6);
    let out = tmp.path().join("out");
    let _ = run(&input, &opts(&out, 1), &fast()).unwrap();
    let clean = snapshot(&out);
    // As a power loss could leave it: the record truncated, a temporary left behind.
    let rec = out.join("records/huyen-1/xa-1/tb-001.txt.json");
    std::fs::write(&rec, b"{\"source\": ").unwrap();
    std::fs::write(out.join("records/huyen-1/.tb-009.txt.json.4242.tmp"), b"{").unwrap();
    let rep = run(&input, &opts(&out, 1), &fast()).unwrap();
    assert_eq!((rep.processed, rep.skipped), (1, 9));
    assert_eq!(snapshot(&out), clean);
}

/// With the real pipeline, a text too long for one record fails alone, before any restoration,
/// with the reason named; the notice beside it is converted, and documents.jsonl holds its record
/// exactly as its record file has it, on one line.
#[test]
fn an_oversized_text_fails_alone_with_the_real_pipeline() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::write(input.join("notice.txt"), notice(1)).unwrap();
    let line = "Két luan ctia Chii tich UBND tinh tai cudc hop.\n";
    let big = line.repeat(sohoa::MAX_RECORD_TEXT_BYTES / line.len() + 1);
    std::fs::write(input.join("big.txt"), &big).unwrap();
    let models = sohoa::Models::embedded().unwrap();
    let restorer = sohoa::RestorerBuilder::new()
        .build(Arc::new(models))
        .unwrap();
    let pipeline = sohoa::Pipeline::new(restorer);
    let out = tmp.path().join("out");
    let rep = run(&input, &opts(&out, 2), &pipeline).unwrap();
    assert_eq!((rep.ok, rep.failed), (1, 1));
    let errs = lines(&out.join("errors.jsonl"));
    assert_eq!(errs[0]["path"], "big.txt");
    let reason = errs[0]["error"].as_str().unwrap();
    assert!(reason.contains("too long for one record"), "{reason}");
    let docs = std::fs::read_to_string(out.join("documents.jsonl")).unwrap();
    assert_eq!(docs.lines().count(), 1);
    let record = std::fs::read_to_string(out.join("records").join("notice.txt.json")).unwrap();
    // the record file's pretty JSON without the white space outside its strings
    let squeezed: String = {
        let mut s = String::new();
        let (mut in_string, mut escaped) = (false, false);
        for c in record.trim_end().chars() {
            if in_string {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == '"' {
                    in_string = false;
                }
            } else if c == '"' {
                in_string = true;
            } else if c.is_whitespace() {
                continue;
            }
            s.push(c);
        }
        s
    };
    assert_eq!(docs.trim_end(), squeezed);
    let a: Value = serde_json::from_str(docs.trim_end()).unwrap();
    assert_eq!(a["source"], "notice.txt");
    assert!(a["restored"].as_str().unwrap().len() > 100);
}
