#!/usr/bin/env bash
# Make channel-model training pairs: real Tesseract (eng) errors on corpus text.
#
#   scripts/make-pairs.sh OUT_DIR
#
# Samples paragraphs deterministically from the shared corpora ($SOHOA_SHARED,
# default ../shared relative to the repository root), skips paragraphs longer
# than 600 characters and paragraphs that overlap the held-out test set
# ($SOHOA_SHARED/ocr-pairs/*.gold.txt: any 80-character-wrapped line of the
# paragraph found there verbatim), and renders each sample with
# $SOHOA_SHARED/tools/render_ocr.py into OUT_DIR/SOURCE-FONT-SIZE.{gold,ocr}.txt.
# SOURCE is phapdien, phapdien-caps (short paragraphs upper-cased, like notice
# headings), legal-qa or news. Fonts, sizes, noise and blur vary by job; every
# job uses different paragraphs (its own residue class), so no text repeats.
#
# The output holds corpus text, so it is NOT committed; rerun this script to
# get the same files. Finished files are moved into place atomically and are
# skipped on a rerun, so an interrupted run can be resumed.
#
# Environment:
#   SOHOA_SHARED    shared data dir (default: REPO/../shared)
#   SOHOA_OCR_LOCK  if set, each render holds `flock` on this file, so several
#                   scripts sharing a machine run one Tesseract at a time
#   SOHOA_PAIRS_SCALE  multiply every job's line budget (default 1; e.g. 0.5)
#   SOHOA_PAIRS_JOBS   run only the first N jobs (default 16: the jobs dictionaries/channel.smt
#                   was trained on; 30 runs them all)
#   SOHOA_PAIRS_PART   I/N: run only the jobs whose number is I modulo N (e.g. 0/2 and 1/2 in two
#                   shells, one Tesseract each); the files are the same as from one run
#
# Needs tesseract-ocr (eng), the fonts listed in render_ocr.py, pillow, numpy.
# All 30 jobs print about 11,000 lines; at ~5 lines/s on one core that is ~40 minutes. The
# default 16 print 6,767 lines: about 12 minutes with SOHOA_PAIRS_PART=0/2 and 1/2 in two shells.
set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 OUT_DIR" >&2
    exit 2
fi
OUT=$1
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SOHOA_SHARED:-$ROOT/../shared}
SCALE=${SOHOA_PAIRS_SCALE:-1}
MAX_JOBS=${SOHOA_PAIRS_JOBS:-16}
PART=${SOHOA_PAIRS_PART:-0/1}
PART_I=${PART%/*}
PART_N=${PART#*/}
RENDER=$SHARED/tools/render_ocr.py
[ -f "$RENDER" ] || { echo "no $RENDER (set SOHOA_SHARED)" >&2; exit 1; }
mkdir -p "$OUT"
export OMP_THREAD_LIMIT=${OMP_THREAD_LIMIT:-1}   # one core per Tesseract

lock=()
if [ -n "${SOHOA_OCR_LOCK:-}" ]; then lock=(flock "$SOHOA_OCR_LOCK"); fi

# Held-out lines: every printed line of the shared test pairs.
HOLD=$(mktemp)
trap 'rm -f "$HOLD" "$OUT"/.tmp-*' EXIT
cat "$SHARED"/ocr-pairs/*.gold.txt > "$HOLD"

# sample SOURCE PERIOD RESIDUE MAXCHARS BUDGET CAPS
# Writes paragraphs (one a line) to stdout until BUDGET printed lines.
sample() {
    local src=$1 period=$2 residue=$3 maxc=$4 budget=$5 caps=$6
    xzcat "$SHARED/corpus/$src.txt.xz" \
        | awk -v p="$period" -v r="$residue" 'NR % p == r' \
        | python3 -c '
import sys, textwrap, unicodedata
hold = set(l.rstrip("\n") for l in open(sys.argv[1], encoding="utf-8"))
maxc, budget, caps = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1"
n = 0
for raw in sys.stdin:
    para = " ".join(unicodedata.normalize("NFC", raw).split())
    if not para or len(para) > maxc:
        continue
    wrapped = textwrap.wrap(para, 80)
    if any(w in hold for w in wrapped):
        continue
    if caps:
        para = para.upper()
        wrapped = textwrap.wrap(para, 80)
    print(para)
    n += len(wrapped)
    if n >= budget:
        break
for _ in sys.stdin:  # drain, so xzcat/awk end cleanly under pipefail
    pass
' "$HOLD" "$maxc" "$budget" "$caps"
}

# Jobs: source font size budget(printed lines) caps maxchars period residue.
# Ordered so that early jobs already cover every font and source.
JOBS=$(cat <<'EOF'
phapdien       freeserif       50 500 0 600 997 13
phapdien       tinos           50 500 0 600 997 101
phapdien       notoserif       50 500 0 600 997 202
phapdien       dejavuserif     50 500 0 600 997 303
phapdien       liberationserif 50 500 0 600 997 404
phapdien-caps  freeserif       50 250 1 200 997 505
phapdien-caps  tinos           60 250 1 200 997 606
legal-qa       freeserif       40 400 0 600 997 17
legal-qa       tinos           60 400 0 600 997 117
news           freeserif       60 350 0 600 211 19
news           tinos           40 350 0 600 211 119
phapdien       freeserif       40 450 0 600 997 21
phapdien       tinos           40 450 0 600 997 121
phapdien       notoserif       60 450 0 600 997 221
phapdien       dejavuserif     40 450 0 600 997 321
phapdien       liberationserif 60 450 0 600 997 421
phapdien-caps  notoserif       40 250 1 200 997 707
phapdien-caps  dejavuserif     50 250 1 200 997 808
phapdien-caps  liberationserif 60 250 1 200 997 909
legal-qa       notoserif       50 400 0 600 997 217
legal-qa       dejavuserif     50 400 0 600 997 317
legal-qa       liberationserif 40 400 0 600 997 417
news           notoserif       50 350 0 600 211 29
news           dejavuserif     60 350 0 600 211 39
news           liberationserif 50 350 0 600 211 49
phapdien       freeserif       60 450 0 600 997 31
phapdien       tinos           60 450 0 600 997 131
phapdien       notoserif       40 450 0 600 997 231
phapdien       dejavuserif     60 450 0 600 997 331
phapdien       liberationserif 40 450 0 600 997 431
EOF
)

k=0
while read -r name font size budget caps maxc period residue; do
    k=$((k + 1))
    # k numbers the job whatever part runs it: noise, blur and seed depend on it.
    if (( k > MAX_JOBS )) || (( k % PART_N != PART_I )); then continue; fi
    src=${name%-caps}
    base=$OUT/$name-$font-$size
    if [ -s "$base.ocr.txt" ] && [ -s "$base.gold.txt" ]; then
        echo "skip $base (done)"
        continue
    fi
    budget=$(python3 -c "print(max(1, round($budget * $SCALE)))")
    # noise 6-12, blur 0.3-0.6, seed: all fixed by the job number.
    noise=$(python3 -c "print(round(6 + ($k * 37 % 61) / 10, 1))")
    blur=$(python3 -c "print(round(0.3 + ($k * 13 % 31) / 100, 2))")
    seed=$((1000 + k))
    tmp=$OUT/.tmp-$name-$font-$size
    sample "$src" "$period" "$residue" "$maxc" "$budget" "$caps" > "$tmp.clean.txt"
    echo "$(date +%T) job $k: $name $font $size noise=$noise blur=$blur seed=$seed" \
         "paragraphs=$(wc -l < "$tmp.clean.txt")"
    "${lock[@]}" nice -n 10 python3 "$RENDER" "$tmp.clean.txt" "$tmp" \
        --font "$font" --size "$size" --seed "$seed" --noise "$noise" --blur "$blur" --lang eng
    mv "$tmp.gold.txt" "$base.gold.txt"
    mv "$tmp.ocr.txt" "$base.ocr.txt"
    rm -f "$tmp.clean.txt"
done <<< "$JOBS"
echo "$(date +%T) done: $(cat "$OUT"/*.gold.txt | wc -l) gold lines in $OUT"
