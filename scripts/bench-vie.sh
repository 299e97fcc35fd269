#!/usr/bin/env bash
# Benchmark on scans read by Tesseract's Vietnamese model: our own notices (corpus/notices) are
# rendered as pages at several qualities, read with `tesseract -l vie`, restored by sohoa, and
# scored with score.py. Prints word accuracy and CER of Tesseract alone and of sohoa.
#
#   scripts/bench-vie.sh [--models DIR] [--out DIR] [--qualities "clean mid degraded"]
#
# Models: DIR must hold lm.smt and lexicon.smt (default: dictionaries/); the channel model used is
# DIR/channel-vie.smt if present, else dictionaries/channel-vie.smt (the one learned from
# Tesseract-vie errors, `sohoa model channel --train /work/data/vie-pairs …`). They are assembled
# into OUT/models, which is what `sohoa restore --models` reads. Without an lm.smt only the
# Tesseract figures are printed (sohoa: skipped, with the reason).
#
# Tesseract alone: `tesseract -l vie --psm 4` on each rendered page (what render_ocr.py does).
# sohoa: `sohoa restore --channel vie --langs vie --psm 4 PAGE.png` on the same page images: the
# same engine settings, plus the second reading of doubtful pages and the correction.
#
# Qualities (font freeserif, seed 7; clean and degraded are those of scripts/make-devset-vie.sh):
#   clean     50 px (A4 at 300 dpi), blur 0.4, noise 8
#   mid       40 px (~240 dpi),      blur 0.7, noise 14
#   degraded  33 px (~200 dpi),      blur 1.0, noise 20
#   poor      30 px (~180 dpi),      blur 1.3, noise 26
# Renders, page images and readings are cached in OUT (default target/bench-vie) and reused.
#
# Environment: SOHOA_SHARED (default REPO/../shared), SOHOA_OCR_LOCK (flock file), SOHOA_BIN
# (the sohoa binary; default: cargo build --release, target/release/sohoa).
# Needs: apt-get install tesseract-ocr tesseract-ocr-vie fonts-freefont-ttf; pillow, numpy.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SOHOA_SHARED:-$ROOT/../shared}
RENDER=$SHARED/tools/render_ocr.py
SCORE=$SHARED/tools/score.py
MODELS=$ROOT/dictionaries
OUT=$ROOT/target/bench-vie
QUALITIES="clean mid degraded poor"
while [ $# -gt 0 ]; do
    case $1 in
        --models) MODELS=$2; shift 2 ;;
        --out) OUT=$2; shift 2 ;;
        --qualities) QUALITIES=$2; shift 2 ;;
        *) echo "usage: $0 [--models DIR] [--out DIR] [--qualities \"clean mid degraded poor\"]" >&2; exit 2 ;;
    esac
done
[ -f "$RENDER" ] || { echo "no $RENDER (set SOHOA_SHARED)" >&2; exit 1; }
tesseract --list-langs 2>/dev/null | grep -qx vie \
    || { echo "no Tesseract vie model: apt-get install tesseract-ocr tesseract-ocr-vie" >&2; exit 1; }
export OMP_THREAD_LIMIT=${OMP_THREAD_LIMIT:-1}
lock=()
if [ -n "${SOHOA_OCR_LOCK:-}" ]; then lock=(flock "$SOHOA_OCR_LOCK"); fi
if [ -z "${SOHOA_BIN:-}" ]; then
    (cd "$ROOT" && cargo build --release --quiet)
    SOHOA_BIN=$ROOT/target/release/sohoa
fi
mkdir -p "$OUT"

params() {  # quality -> "size blur noise"
    case $1 in
        clean) echo "50 0.4 8" ;;
        mid) echo "40 0.7 14" ;;
        degraded) echo "33 1.0 20" ;;
        poor) echo "30 1.3 26" ;;
        *) echo "unknown quality $1" >&2; exit 2 ;;
    esac
}

# Assemble the models directory.
M=$OUT/models
mkdir -p "$M"
why=""
channel=$MODELS/channel-vie.smt
[ -f "$channel" ] || channel=$ROOT/dictionaries/channel-vie.smt
for f in lm.smt lexicon.smt; do
    if [ -f "$MODELS/$f" ]; then cp "$MODELS/$f" "$M/$f"; else why="no $MODELS/$f"; fi
done
if [ -f "$channel" ]; then cp "$channel" "$M/channel.smt"; else why="no channel-vie.smt"; fi
# The Vietnamese-engine mode: its channel plus the gate that leaves good readings alone
# (`--channel vie`; for another channel file, the same gate settings spelled out).
vie=(--channel vie)
if [ "$(cd "$(dirname "$channel")" && pwd)/$(basename "$channel")" != "$ROOT/dictionaries/channel-vie.smt" ]; then
    vie=(--channel "$M/channel.smt" --change-cost 2.5 --keep-cost 2 --min-change-confidence 0.5)
fi

# render_ocr.py renders pages into a temporary folder and reads them with `tesseract -l vie
# --psm 4`; this wrapper runs it unchanged but keeps a copy of every page image it hands to
# Tesseract, so that sohoa can read the very same pages itself.
keep_pages() {  # clean.txt out_prefix size blur noise
    "${lock[@]}" nice -n 10 python3 - "$RENDER" "$@" <<'PY'
import runpy, shutil, subprocess, sys
render, clean, prefix, size, blur, noise = sys.argv[1:7]
real_run, n = subprocess.run, [0]
def run(cmd, *a, **k):
    if cmd and cmd[0] == 'tesseract':
        shutil.copy(cmd[1], f'{prefix}-page{n[0]}.png'); n[0] += 1
    return real_run(cmd, *a, **k)
subprocess.run = run
sys.argv = [render, clean, prefix, '--font', 'freeserif', '--size', size, '--blur', blur,
            '--noise', noise, '--seed', '7', '--lang', 'vie']
runpy.run_path(render, run_name='__main__')
PY
}

printf '%-9s %7s  %-22s %-22s\n' quality words "tesseract acc / cer" "sohoa acc / cer"
for q in $QUALITIES; do
    read -r size blur noise <<< "$(params "$q")"
    gold=$OUT/all-$q.gold.txt
    ocr=$OUT/all-$q.ocr.txt
    res=$OUT/all-$q.sohoa.txt
    : > "$gold"; : > "$ocr"; : > "$res"
    for txt in "$ROOT"/corpus/notices/*.txt; do
        base=$OUT/$(basename "$txt" .txt)-$q
        if [ ! -s "$base.ocr.txt" ] || [ ! -s "$base-page0.png" ]; then
            keep_pages "$txt" "$base" "$size" "$blur" "$noise" > /dev/null
        fi
        cat "$base.gold.txt" >> "$gold"
        cat "$base.ocr.txt" >> "$ocr"
        if [ -z "$why" ]; then
            # sohoa reads the same pages with the same engine settings (vie, --psm 4), reads a
            # doubtful page again (--retry-below), then corrects with the vie channel and gate.
            if [ ! -s "$base.sohoa.txt" ]; then
                for png in "$base"-page*.png; do
                    "${lock[@]}" nice -n 10 "$SOHOA_BIN" restore --models "$M" "${vie[@]}" \
                        --langs vie --psm 4 "$png"
                done | grep -v '^[[:space:]]*$' > "$base.sohoa.tmp"
                mv "$base.sohoa.tmp" "$base.sohoa.txt"
            fi
            cat "$base.sohoa.txt" >> "$res"
        fi
    done
    raw=$(python3 "$SCORE" "$gold" "$ocr" --json)
    words=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["hyp"]["words"])' "$raw")
    t=$(python3 -c 'import json,sys; h=json.loads(sys.argv[1])["hyp"]; print("%.4f / %.4f" % (h["word_acc"], h["cer"]))' "$raw")
    if [ -z "$why" ]; then
        s=$(python3 "$SCORE" "$gold" "$res" --json \
            | python3 -c 'import json,sys; h=json.load(sys.stdin)["hyp"]; print("%.4f / %.4f" % (h["word_acc"], h["cer"]))')
    else
        s="skipped ($why)"
    fi
    printf '%-9s %7s  %-22s %-22s\n' "$q" "$words" "$t" "$s"
done
