#!/usr/bin/env bash
# Batch benchmark: generate N notices (default 1000) by mixing the committed sample notices (their
# rendered OCR in corpus/dev, or the clean ones in corpus/notices) with varied numbers, then run
# `sohoa batch` with 1 and 2 threads. Prints files/s, syllables/s and peak memory of each run,
# and the time of a rerun that skips everything. Nothing generated is committed: it all lives in
# a temporary folder that is removed at the end.
#
#   scripts/bench-batch.sh [N]            # embedded models
#   MODELS=dir scripts/bench-batch.sh     # models from a folder (lm.smt, channel.smt, lexicon.smt)
#   BIN=path/to/sohoa scripts/bench-batch.sh   # another build (e.g. an earlier stop's, alternating)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000}
if [[ -z "${BIN:-}" ]]; then
    cargo build --release --quiet
    BIN=target/release/sohoa
fi
MODEL_ARGS=()
if [[ -n "${MODELS:-}" ]]; then MODEL_ARGS=(--models "$MODELS"); fi
if ! echo "thử" | "$BIN" restore "${MODEL_ARGS[@]}" >/dev/null 2>&1; then
    echo "bench-batch: no usable models (build dictionaries/ or set MODELS=dir)" >&2
    exit 1
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

python3 - "$N" "$TMP/in" <<'EOF'
import pathlib, re, sys
n, out = int(sys.argv[1]), pathlib.Path(sys.argv[2])
src = sorted(p for p in pathlib.Path("corpus/dev").glob("*.ocr.txt") if not p.name.startswith("all-"))
if not src:
    src = sorted(pathlib.Path("corpus/notices").glob("*.txt"))
texts = [p.read_text(encoding="utf-8") for p in src]
for i in range(n):
    # Shift every standalone number by a per-file amount, so no two files are identical. Digits
    # inside words (`d4u`, OCR's reading of đầu) are left alone: shifting them would make
    # garbage that no OCR engine writes.
    t = re.sub(r"(?<![^\W\d_])\d+(?![^\W\d_])", lambda m: str(int(m.group()) + i % 97),
               texts[i % len(texts)])
    d = out / f"nam-{2020 + i % 5}" / f"don-vi-{i % 13:02d}"
    d.mkdir(parents=True, exist_ok=True)
    (d / f"tb-{i:04d}.txt").write_text(t, encoding="utf-8")
EOF

run() { # jobs out-dir label
    /usr/bin/time -v "$BIN" batch "$TMP/in" --out "$2" --jobs "$1" --quiet "${MODEL_ARGS[@]}" \
        2>"$TMP/time.txt" || true
    python3 - "$2/summary.json" "$TMP/time.txt" "$3" <<'EOF'
import json, re, sys
s = json.load(open(sys.argv[1]))
t = open(sys.argv[2]).read()
rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", t)
cpu = sum(float(m) for m in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", t))
mb = int(rss.group(1)) / 1024 if rss else float("nan")
sec = s["seconds"]
print(f"{sys.argv[3]:<10} files={s['files']} ok={s['ok']} processed={s['processed']} skipped={s['skipped']} "
      f"time={sec:.2f}s files/s={s['processed'] / sec:.1f} syllables/s={s['syllables'] / sec:,.0f} "
      f"cpu={cpu:.2f}s peak_rss={mb:.0f}MiB")
EOF
}
echo "sohoa batch over $N generated notices ($(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)):"
run 1 "$TMP/out1" "1 thread"
run 2 "$TMP/out2" "2 threads"
run 2 "$TMP/out2" "rerun"
