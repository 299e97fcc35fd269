#!/usr/bin/env bash
# Make the committed Vietnamese-engine dev set: our own notices (corpus/notices/*.txt) rendered as
# scanned pages at two qualities and read back by Tesseract's Vietnamese model (`vie`).
#
#   scripts/make-devset-vie.sh
#
# Writes corpus/dev-vie/NAME-QUALITY.{gold,ocr}.txt for every notice and quality, and the
# concatenations corpus/dev-vie/all-QUALITY.{gold,ocr}.txt. Qualities (font freeserif, seed 7):
#   clean     50 px on an A4 page at 300 dpi, render_ocr.py's default noise 8 and blur 0.4
#   degraded  33 px (the same text scanned at ~200 dpi), blur 1.0, noise 20
# The text is ours (corpus/notices), so the output is committed. Finished files are skipped on a
# rerun (delete them to remake). Score the raw OCR with
#   python3 ../shared/tools/score.py corpus/dev-vie/all-degraded.gold.txt corpus/dev-vie/all-degraded.ocr.txt
#
# Environment:
#   SOHOA_SHARED    shared data dir holding tools/render_ocr.py (default: REPO/../shared)
#   SOHOA_OCR_LOCK  if set, each render holds `flock` on this file (one Tesseract at a time)
#   SOHOA_DEV_QUALITIES  only these qualities (e.g. "clean:50:0.4:8"), to run two renders at once
#
# Needs: apt-get install tesseract-ocr tesseract-ocr-vie fonts-freefont-ttf; pillow, numpy.
# Output depends on the Tesseract version; it was made with Tesseract 5.3.0.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SOHOA_SHARED:-$ROOT/../shared}
RENDER=$SHARED/tools/render_ocr.py
[ -f "$RENDER" ] || { echo "no $RENDER (set SOHOA_SHARED)" >&2; exit 1; }
tesseract --list-langs 2>/dev/null | grep -qx vie \
    || { echo "no Tesseract vie model: apt-get install tesseract-ocr tesseract-ocr-vie" >&2; exit 1; }
NOTICES=$ROOT/corpus/notices
DEV=$ROOT/corpus/dev-vie
SEED=7
export OMP_THREAD_LIMIT=${OMP_THREAD_LIMIT:-1}   # one core per Tesseract

lock=()
if [ -n "${SOHOA_OCR_LOCK:-}" ]; then lock=(flock "$SOHOA_OCR_LOCK"); fi

# quality size blur noise
QUALITIES=${SOHOA_DEV_QUALITIES:-"degraded:33:1.0:20 clean:50:0.4:8"}

mkdir -p "$DEV"
for q in $QUALITIES; do
    IFS=: read -r name size blur noise <<< "$q"
    for txt in "$NOTICES"/*.txt; do
        base=$DEV/$(basename "$txt" .txt)-$name
        if [ -s "$base.gold.txt" ] && [ -s "$base.ocr.txt" ]; then continue; fi
        tmp=$DEV/.tmp-$(basename "$base")
        echo "$(basename "$base"): $("${lock[@]}" nice -n 10 python3 "$RENDER" "$txt" "$tmp" \
            --font freeserif --size "$size" --blur "$blur" --noise "$noise" --seed "$SEED" --lang vie)"
        mv "$tmp.gold.txt" "$base.gold.txt"
        mv "$tmp.ocr.txt" "$base.ocr.txt"
    done
done
for q in $QUALITIES; do
    name=${q%%:*}
    for kind in gold ocr; do
        out=$DEV/all-$name.$kind.txt
        : > "$out"
        for txt in "$NOTICES"/*.txt; do
            cat "$DEV/$(basename "$txt" .txt)-$name.$kind.txt" >> "$out"
        done
    done
done
wc -l "$DEV"/all-*.txt
