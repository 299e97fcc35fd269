#!/usr/bin/env bash
# Make channel-model training pairs for Tesseract's Vietnamese model (`vie`): real errors of a
# Vietnamese-aware engine on corpus text, mostly on degraded pages.
#
#   scripts/make-vie-pairs.sh OUT_DIR        (the pairs live in /work/data/vie-pairs)
#
# Samples paragraphs deterministically from the shared corpora ($SOHOA_SHARED/corpus/*.txt.xz:
# every PERIOD-th line from a fixed RESIDUE, 40-600 characters, Latin/Vietnamese letters only) and
# renders each job's sample with $SOHOA_SHARED/tools/render_ocr.py --lang vie into
# OUT_DIR/SOURCE-QUALITY-FONT.{gold,ocr}.txt. A paragraph is skipped when it overlaps the held-out
# texts ($SOHOA_SHARED/ocr-pairs/*.gold.txt and $SOHOA_SHARED/samples/*.gold.txt): any run of six
# words (case-folded) found there. Qualities:
#   degraded  32-34 px (an A4 page scanned at ~200 dpi), blur 0.9-1.2, noise 16-24
#   mid       40 px, blur 0.7, noise 14
#   clean     50 px (300 dpi), blur 0.4, noise 8
# Jobs are ordered so early ones already cover every source and quality; ~3,000 printed lines in
# all (Tesseract vie on a noisy page costs about a minute of CPU).
#
# The output holds corpus text, so it is NOT committed; rerun this script to get the same files.
# Finished files are moved into place atomically and skipped on a rerun (resumable).
#
# Environment:
#   SOHOA_SHARED    shared data dir (default: REPO/../shared)
#   SOHOA_OCR_LOCK  if set, each render holds `flock` on this file (one Tesseract at a time)
#   SOHOA_PAIRS_JOBS   run only the first N jobs (default 5: the jobs dictionaries/channel-vie.smt
#                   was trained on; 12 runs them all)
#   SOHOA_PAIRS_PART   I/N: run only the jobs whose number is I modulo N (parallel shells)
#
# Needs: apt-get install tesseract-ocr tesseract-ocr-vie fonts-freefont-ttf fonts-croscore
# fonts-dejavu-core; pillow, numpy.
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 OUT_DIR" >&2
    exit 2
fi
OUT=$1
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SOHOA_SHARED:-$ROOT/../shared}
RENDER=$SHARED/tools/render_ocr.py
[ -f "$RENDER" ] || { echo "no $RENDER (set SOHOA_SHARED)" >&2; exit 1; }
tesseract --list-langs 2>/dev/null | grep -qx vie \
    || { echo "no Tesseract vie model: apt-get install tesseract-ocr tesseract-ocr-vie" >&2; exit 1; }
MAX_JOBS=${SOHOA_PAIRS_JOBS:-5}
PART=${SOHOA_PAIRS_PART:-0/1}
PART_I=${PART%/*}
PART_N=${PART#*/}
mkdir -p "$OUT"
export OMP_THREAD_LIMIT=${OMP_THREAD_LIMIT:-1}   # one core per Tesseract

lock=()
if [ -n "${SOHOA_OCR_LOCK:-}" ]; then lock=(flock "$SOHOA_OCR_LOCK"); fi

HOLD=$(mktemp)
trap 'rm -f "$HOLD" "$OUT"/.tmp-*' EXIT
cat "$SHARED"/ocr-pairs/*.gold.txt "$SHARED"/samples/*.gold.txt > "$HOLD"

# sample SOURCE PERIOD RESIDUE BUDGET: paragraphs (one a line) until BUDGET printed lines.
sample() {
    local src=$1 period=$2 residue=$3 budget=$4
    xzcat "$SHARED/corpus/$src.txt.xz" \
        | awk -v p="$period" -v r="$residue" 'NR % p == r' \
        | python3 -c '
import re, sys, textwrap, unicodedata
WORD = re.compile(r"[^\W_]+")
def words(s):
    return WORD.findall(unicodedata.normalize("NFC", s).lower())
held = set()
for line in open(sys.argv[1], encoding="utf-8"):
    w = words(line)
    held.update(tuple(w[i:i + 6]) for i in range(max(1, len(w) - 5)))
def latin(c):
    return not c.isalpha() or ord(c) < 0x250 or 0x1E00 <= ord(c) <= 0x1EFF
budget, n = int(sys.argv[2]), 0
for raw in sys.stdin:
    para = " ".join(unicodedata.normalize("NFC", raw).split())
    if not 40 <= len(para) <= 600 or not all(latin(c) for c in para):
        continue
    w = words(para)
    if any(tuple(w[i:i + 6]) in held for i in range(max(1, len(w) - 5))):
        continue
    print(para)
    n += len(textwrap.wrap(para, 80))
    if n >= budget:
        break
for _ in sys.stdin:  # drain, so xzcat/awk end cleanly under pipefail
    pass
' "$HOLD" "$budget"
}

# source quality font size blur noise budget period residue
JOBS=$(cat <<'EOF2'
phapdien  degraded freeserif       33 1.0 20 300 997 503
news      degraded tinos           33 1.1 18 250 211 53
legal-qa  degraded dejavuserif     32 0.9 22 250 997 509
phapdien  clean    tinos           50 0.4 8  200 997 521
phapdien  degraded tinos           34 1.2 16 300 997 541
legal-qa  mid      freeserif       40 0.7 14 200 997 547
news      clean    freeserif       50 0.4 8  150 211 59
news      degraded freeserif       33 1.0 24 250 211 67
phapdien  mid      dejavuserif     40 0.7 14 200 997 557
legal-qa  degraded tinos           33 1.1 20 300 997 563
phapdien  degraded dejavuserif     33 1.0 18 300 997 569
legal-qa  clean    dejavuserif     50 0.4 8  150 997 571
EOF2
)

k=0
while read -r src quality font size blur noise budget period residue; do
    k=$((k + 1))
    # k numbers the job whatever part runs it: the seed depends on it.
    if (( k > MAX_JOBS )) || (( k % PART_N != PART_I )); then continue; fi
    base=$OUT/$src-$quality-$font
    if [ -s "$base.ocr.txt" ] && [ -s "$base.gold.txt" ]; then
        echo "skip $base (done)"
        continue
    fi
    seed=$((2000 + k))
    tmp=$OUT/.tmp-$src-$quality-$font
    sample "$src" "$period" "$residue" "$budget" > "$tmp.clean.txt"
    echo "$(date +%T) job $k: $src $quality $font size=$size blur=$blur noise=$noise seed=$seed" \
         "paragraphs=$(wc -l < "$tmp.clean.txt")"
    "${lock[@]}" nice -n 10 python3 "$RENDER" "$tmp.clean.txt" "$tmp" \
        --font "$font" --size "$size" --seed "$seed" --noise "$noise" --blur "$blur" --lang vie
    mv "$tmp.gold.txt" "$base.gold.txt"
    mv "$tmp.ocr.txt" "$base.ocr.txt"
    rm -f "$tmp.clean.txt"
done <<< "$JOBS"
echo "$(date +%T) done: $(cat "$OUT"/*.gold.txt | wc -l) gold lines in $OUT"
