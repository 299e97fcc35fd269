#!/usr/bin/env bash
# Make the committed dev set: our own notices (corpus/notices/*.txt) rendered
# as scanned pages and read back by Tesseract's English model.
#
#   scripts/make-devset.sh
#
# Writes corpus/dev/NAME-FONT.gold.txt / .ocr.txt for every notice and font
# (freeserif and tinos, 50 px, default noise and blur, fixed seed), and
# corpus/dev/all-FONT.gold.txt / .ocr.txt, the per-font concatenations.
# Score the raw OCR with
#   python3 ../shared/tools/score.py corpus/dev/all-freeserif.gold.txt corpus/dev/all-freeserif.ocr.txt
#
# Environment:
#   SOHOA_SHARED    shared data dir holding tools/render_ocr.py (default: REPO/../shared)
#   SOHOA_OCR_LOCK  if set, each render holds `flock` on this file (one Tesseract at a time)
#
# Needs tesseract-ocr 5 (eng), fonts-freefont-ttf, fonts-croscore, pillow, numpy.
# Output depends on the Tesseract version; it was made with Tesseract 5.3.0.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SOHOA_SHARED:-$ROOT/../shared}
RENDER=$SHARED/tools/render_ocr.py
[ -f "$RENDER" ] || { echo "no $RENDER (set SOHOA_SHARED)" >&2; exit 1; }
NOTICES=$ROOT/corpus/notices
DEV=$ROOT/corpus/dev
FONTS="freeserif tinos"
SIZE=50
SEED=7
export OMP_THREAD_LIMIT=${OMP_THREAD_LIMIT:-1}

lock=()
if [ -n "${SOHOA_OCR_LOCK:-}" ]; then lock=(flock "$SOHOA_OCR_LOCK"); fi

mkdir -p "$DEV"
for font in $FONTS; do
    for txt in "$NOTICES"/*.txt; do
        name=$(basename "$txt" .txt)
        echo "$name $font: $("${lock[@]}" nice -n 10 python3 "$RENDER" "$txt" "$DEV/$name-$font" \
            --font "$font" --size "$SIZE" --seed "$SEED" --lang eng)"
    done
done
for font in $FONTS; do
    for kind in gold ocr; do
        out=$DEV/all-$font.$kind.txt
        : > "$out"
        for txt in "$NOTICES"/*.txt; do
            cat "$DEV/$(basename "$txt" .txt)-$font.$kind.txt" >> "$out"
        done
    done
done
wc -l "$DEV"/all-*.txt
