//! The module ranks of DESIGN.md: a module may use only modules of a lower rank. This test scans
//! the `crate::` paths of every source file and fails on an upward or sideways dependency.

use std::collections::BTreeMap;

fn ranks() -> BTreeMap<&'static str, u8> {
    [
        ("error", 0),
        ("hint", 0),
        ("container", 1),
        ("token", 1),
        ("align", 1),
        ("io", 1),
        ("syllable", 1),
        ("schema", 1),
        ("lexicon", 2),
        ("eval", 2),
        ("channel", 3),
        ("candidates", 2),
        ("lm", 3),
        ("formats", 3),
        ("decode", 4),
        ("structure", 5),
        ("indicators", 6),
        ("references", 6),
        ("extract", 7),
        ("pipeline", 8),
        ("processor", 1),
        ("store", 8),
        ("ocr", 4),
        ("batch", 9),
        ("stream", 9),
    ]
    .into_iter()
    .collect()
}

#[test]
fn modules_only_use_lower_ranks() {
    let ranks = ranks();
    let mut problems = Vec::new();
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    for e in std::fs::read_dir(&src).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "rs") {
            files.push(p);
        } else if p.is_dir() && p.file_name().is_some_and(|n| n != "bin") {
            for f in std::fs::read_dir(&p).unwrap() {
                files.push(f.unwrap().path());
            }
        }
    }
    for f in files {
        let stem = if f.parent().unwrap() == src {
            f.file_stem().unwrap().to_str().unwrap().to_string()
        } else {
            f.parent()
                .unwrap()
                .file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .to_string()
        };
        if stem == "lib" {
            continue;
        }
        let Some(&mine) = ranks.get(stem.as_str()) else {
            problems.push(format!("{}: module not in the rank table", f.display()));
            continue;
        };
        let text = std::fs::read_to_string(&f).unwrap();
        for (i, line) in text.lines().enumerate() {
            let mut rest = line;
            while let Some(pos) = rest.find("crate::") {
                rest = &rest[pos + 7..];
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if name == stem || name.is_empty() {
                    continue;
                }
                match ranks.get(name.as_str()) {
                    Some(&r) if r < mine => {}
                    Some(&r) => problems.push(format!(
                        "{}:{}: {stem} (rank {mine}) uses {name} (rank {r})",
                        f.display(),
                        i + 1
                    )),
                    None => {} // re-exports at the crate root (crate::Error, crate::Result)
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "layering violations:\n{}",
        problems.join("\n")
    );
}
