#!/usr/bin/env bash
# Rebuild dictionaries/channel.smt (deterministic for the same inputs):
#   scripts/build-channel.sh [PAIRS_DIR]   (default /work/data/pairs, made by scripts/make-pairs.sh)
# Training data:
#   - PAIRS_DIR: rendered pages of corpus text read by Tesseract eng (scripts/make-pairs.sh);
#   - the first 70% of the aligned lines of each ../shared/ocr-pairs file (the last 30% is our
#     held-out test set);
#   - the first half of the aligned lines of the real scan ../shared/samples/notice-part1, counted
#     10 times (real scans show confusions rendering does not); its second half stays held out.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SOHOA_SHARED:-$ROOT/../shared}
PAIRS=${1:-/work/data/pairs}
BIN=$ROOT/target/release/sohoa
cargo build --release --manifest-path "$ROOT/Cargo.toml" >/dev/null
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
S=$SHARED/samples/notice-part1
"$BIN" eval --raw --tail 1.0 --gold "$S.gold.txt" --input "$S.ocr.txt" --errors 0 --write-dir "$TMP/all" >/dev/null
"$BIN" eval --raw --tail 0.5 --gold "$S.gold.txt" --input "$S.ocr.txt" --errors 0 --write-dir "$TMP/tail" >/dev/null
mkdir -p "$TMP/real"
n=$(( $(wc -l < "$TMP/all/gold.txt") - $(wc -l < "$TMP/tail/gold.txt") ))
head -n "$n" "$TMP/all/gold.txt" > "$TMP/real/sample-head.gold.txt"
head -n "$n" "$TMP/all/ocr.txt" > "$TMP/real/sample-head.ocr.txt"
"$BIN" model channel --train "$PAIRS" --holdout "$SHARED/ocr-pairs" --holdout-fraction 0.3 \
    --real "$TMP/real" --real-weight 10 --out "$ROOT/dictionaries/channel.smt"
