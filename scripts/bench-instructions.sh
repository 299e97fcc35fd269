#!/usr/bin/env bash
# Instructions per syllable of one restore, counted by valgrind (callgrind): unlike wall or CPU
# time, the count is the same from run to run whatever else the machine does, so it shows the
# effect of a change that the timings of a shared VM hide. (It does not see cache misses: confirm a
# gain with `cargo bench --bench decode`.)
#
#   scripts/bench-instructions.sh [FILE]     # default corpus/dev/all-freeserif.ocr.txt
#
# Runs examples/restore_speed under callgrind with 0 and with 2 timed restores after its first one
# and halves the difference: the cost of one restore from a fresh Scratch (cold) and, with
# WARM=1, of one restore of text already seen; with TEXT=1 of the text alone (no change list, no
# confidences). Needs valgrind (apt-get install valgrind).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
FILE=${1:-$ROOT/corpus/dev/all-freeserif.ocr.txt}
cd "$ROOT"
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install valgrind)" >&2; exit 2; }
cargo build --release --quiet --example restore_speed
BIN=target/release/examples/restore_speed
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
count() { # RUNS [ENV...] -> total instructions
    env "${@:2}" valgrind --tool=callgrind --callgrind-out-file="$TMP/out" "$BIN" "$FILE" "$1" \
        >"$TMP/stdout" 2>"$TMP/log"
    sed -n 's/^==[0-9]*== Collected : \([0-9]*\)$/\1/p' "$TMP/log"
}
syl=$("$BIN" "$FILE" 1 | sed -n 's/.*: \([0-9]*\) syllables,.*/\1/p')
for mode in cold warm "cold, text alone" "warm, text alone"; do
    case "$mode" in
        cold) set -- SOHOA_UNUSED=1 ;;
        warm) set -- WARM=1 ;;
        "cold, text alone") set -- TEXT=1 ;;
        *) set -- WARM=1 TEXT=1 ;;
    esac
    a=$(count 0 "$@")
    b=$(count 2 "$@")
    per=$(( (b - a) / 2 ))
    printf '%s: %s syllables, %s instructions per restore, %s per syllable (%s)\n' \
        "$(basename "$FILE")" "$syl" "$per" "$(( per / syl ))" "$mode"
done
