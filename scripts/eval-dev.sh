#!/usr/bin/env bash
# Word accuracy of `sohoa restore` on every dev set, with any extra options passed through:
#   scripts/eval-dev.sh [--keep-cost 9 ...]
# Sets: the real scan sample, the held-out tails (last 30% of lines) of ../shared/ocr-pairs per
# font (the channel model trains on the first 70% only), and our own notices in corpus/dev.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SOHOA_SHARED:-$ROOT/../shared}
BIN=${SOHOA_BIN:-$ROOT/target/release/sohoa}
HO=${SOHOA_HELDOUT:-$(mktemp -d)}
if [ ! -f "$HO/tinos.gold.txt" ]; then
    for f in "$SHARED"/ocr-pairs/*.gold.txt; do
        n=$(basename "$f" .gold.txt)
        "$BIN" eval --raw --tail 0.3 --gold "$f" --input "${f%.gold.txt}.ocr.txt" --errors 0 --write-dir "$HO/$n" >/dev/null
    done
    for font in freeserif tinos; do
        cat "$HO"/*-$font/gold.txt > "$HO/$font.gold.txt"
        cat "$HO"/*-$font/ocr.txt > "$HO/$font.ocr.txt"
    done
fi
run() {
    printf '%-28s ' "$1"
    "$BIN" eval --gold "$2" --input "$3" --errors 0 "${@:4}"
}
run sample "$SHARED/samples/notice-part1.gold.txt" "$SHARED/samples/notice-part1.ocr.txt" "$@"
# The second half of the real sample is held out of the channel model's training.
run sample-heldout-half "$SHARED/samples/notice-part1.gold.txt" "$SHARED/samples/notice-part1.ocr.txt" --tail 0.5 "$@"
run heldout-freeserif "$HO/freeserif.gold.txt" "$HO/freeserif.ocr.txt" "$@"
run heldout-tinos "$HO/tinos.gold.txt" "$HO/tinos.ocr.txt" "$@"
run own-freeserif "$ROOT/corpus/dev/all-freeserif.gold.txt" "$ROOT/corpus/dev/all-freeserif.ocr.txt" "$@"
run own-tinos "$ROOT/corpus/dev/all-tinos.gold.txt" "$ROOT/corpus/dev/all-tinos.ocr.txt" "$@"
