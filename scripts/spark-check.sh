#!/usr/bin/env bash
# Prove the Spark round trip: install pyspark into a throwaway virtualenv, convert a small folder
# with examples/spark_pipe.py (local mode, through `sohoa stream`), and check that every input
# comes back once, with its id, as a record or an error record. Exits 0 with "SKIP: ..." when Java
# or pyspark cannot be had (offline CI), 1 when the round trip is wrong.
#
#   scripts/spark-check.sh            # embedded models
#   MODELS=dir scripts/spark-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
skip() { echo "SKIP: $*"; exit 0; }

command -v java >/dev/null 2>&1 || skip "no java on PATH (pyspark needs a JVM)"
command -v python3 >/dev/null 2>&1 || skip "no python3"
cargo build --release --quiet
BIN=$PWD/target/release/sohoa
SOHOA_ARGS=""
if [[ -n "${MODELS:-}" ]]; then SOHOA_ARGS="--models $MODELS"; fi
# shellcheck disable=SC2086
echo "thử" | "$BIN" restore $SOHOA_ARGS >/dev/null 2>&1 || { echo "spark-check: no usable models (set MODELS=dir)" >&2; exit 1; }

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
python3 -m venv "$TMP/venv" >/dev/null 2>&1 || skip "python3 -m venv failed"
"$TMP/venv/bin/pip" install --quiet pyspark >"$TMP/pip.log" 2>&1 || skip "pip install pyspark failed: $(tail -1 "$TMP/pip.log")"

mkdir -p "$TMP/in"
i=0
for f in corpus/notices/*.txt; do
    cp "$f" "$TMP/in/$(basename "$f")"
    i=$((i + 1))
done
printf '' > "$TMP/in/rong.txt"   # an empty file: must come back as an error record
i=$((i + 1))

"$TMP/venv/bin/python" examples/spark_pipe.py "$TMP/in" "$TMP/out" --sohoa "$BIN" \
    --sohoa-args "$SOHOA_ARGS" --partitions 2 >"$TMP/run.log" 2>"$TMP/spark.log" \
    || { tail -20 "$TMP/spark.log"; echo "spark-check: FAIL (spark run)"; exit 1; }

python3 - "$TMP/out" "$TMP/in" "$i" <<'PY'
import json, os, pathlib, sys
out, inp, n = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), int(sys.argv[3])
recs = [json.loads(l) for p in sorted(out.glob("part-*")) for l in p.read_text(encoding="utf-8").splitlines() if l]
ids = sorted(r["id"] for r in recs)
want = sorted(os.listdir(inp))
assert ids == want, f"ids {ids} != files {want}"
bad = [r for r in recs if "error" in r]
assert [r["id"] for r in bad] == ["rong.txt"], bad
good = [r for r in recs if "error" not in r]
assert all(r.get("restored") for r in good), "a record without restored text"
print(f"spark-check: OK ({len(good)} records, {len(bad)} error record, {n} files)")
PY
