#!/usr/bin/env bash
# How far the document records extracted from restored OCR agree with those extracted from the
# gold text: header fields, sections, indicators, references, dates (`sohoa eval --extract`),
# per notice and in total, over the real scan sample and our notices read by Tesseract `eng`
# (corpus/dev, two fonts); with `vie` first, our notices' scans read by Tesseract `vie`
# (corpus/dev-vie, clean and degraded) restored with `--channel vie`. Extra options go to `sohoa
# eval` (`--raw`: records from the OCR as it is).
#   scripts/eval-extract.sh [vie] [--errors 20] [...]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SOHOA_SHARED:-$ROOT/../shared}
BIN=${SOHOA_BIN:-$ROOT/target/release/sohoa}
pairs=()
if [ "${1:-}" = vie ]; then
    shift
    set -- --channel vie "$@"
    globs=("$ROOT"/corpus/dev-vie/*-clean.gold.txt "$ROOT"/corpus/dev-vie/*-degraded.gold.txt)
else
    pairs+=("$SHARED/samples/notice-part1.gold.txt")
    globs=("$ROOT"/corpus/dev/*-freeserif.gold.txt "$ROOT"/corpus/dev/*-tinos.gold.txt)
fi
for g in "${globs[@]}"; do
    case "$(basename "$g")" in all-*) continue ;; esac
    pairs+=("$g")
done
for g in "${pairs[@]}"; do
    echo "== $(basename "${g%.gold.txt}")"
    "$BIN" eval --extract --errors 0 --gold "$g" --input "${g%.gold.txt}.ocr.txt" "$@" | grep -v '^ *[0-9]* *gold=' | tail -n +2
done | tee /dev/stderr | awk '
    /^record: (header fields|sections|indicators|references|dates) / {
        k = $2 == "header" ? "header" : $2
        split($0, m, /[0-9]+\/[0-9]+/)
        n = 0
        while (match($0, /[0-9]+\/[0-9]+/)) {
            split(substr($0, RSTART, RLENGTH), x, "/")
            n++; if (n == 1) { mg[k] += x[1]; g[k] += x[2] } else { t[k] += x[2] }
            $0 = substr($0, RSTART + RLENGTH)
        }
        seen[k] = 1
    }
    /^record: section kinds/ { split($4, x, "/"); km += x[1]; kg += x[2] }
    END {
        print "== total"
        for (k in seen) printf "%-11s matched %d of %d gold (recall %.3f), of %d extracted (precision %.3f)\n", k, mg[k], g[k], mg[k] / (g[k] ? g[k] : 1), t[k], mg[k] / (t[k] ? t[k] : 1)
        printf "%-11s %d of %d aligned sections classed alike\n", "kinds", km, kg
    }' 2>/dev/null
