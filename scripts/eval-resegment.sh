#!/usr/bin/env bash
# Words OCR split or glued: word accuracy of `sohoa restore` with and without re-segmentation on
# our own notices' OCR with such tokens put in (scripts/inject-splits.py, 2% of words each way),
# scored against their gold by ../shared/tools/score.py.
#   scripts/eval-resegment.sh [RATE]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SOHOA_SHARED:-$ROOT/../shared}
BIN=${SOHOA_BIN:-$ROOT/target/release/sohoa}
RATE=${1:-0.02}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
for font in freeserif tinos; do
    gold="$ROOT/corpus/dev/all-$font.gold.txt"
    python3 "$ROOT/scripts/inject-splits.py" "$ROOT/corpus/dev/all-$font.ocr.txt" "$TMP/$font.ocr.txt" --rate "$RATE"
    for cost in inf default; do
        if [ "$cost" = inf ]; then set -- --resegment-cost inf; else set --; fi
        "$BIN" restore "$@" "$TMP/$font.ocr.txt" > "$TMP/$font.$cost.txt"
        printf '%-10s resegment-cost %-8s ' "$font" "$cost"
        python3 "$SHARED/tools/score.py" "$gold" "$TMP/$font.$cost.txt" | tail -1
    done
done
