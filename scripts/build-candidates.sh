#!/usr/bin/env bash
# Precompute the candidate table (dictionaries/candidates.smt): the channel searches of every
# word token on the OCR side of ../shared/ocr-pairs, and of every 1-3 digit number, under the
# models in dictionaries/ with the default settings. A pure cache (results are identical without
# it); rebuild it after any change to lm.smt, channel.smt, lexicon.smt or the search settings, or
# the restorer ignores it (tests/restore.rs checks that the committed one matches).
#
#   scripts/build-candidates.sh [PAIRS_DIR ...]
#
# Extra folders of pairs (NAME.ocr.txt files) add their OCR tokens: the committed table also used
# /work/data/pairs, made by scripts/make-pairs.sh (see corpus/SOURCES.md).
#
# Our own notices (corpus/dev) are deliberately not used, so that the benchmark on them measures
# documents whose tokens were not precomputed.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SOHOA_SHARED:-$ROOT/../shared}
cd "$ROOT"
cargo build --release --quiet
EXTRA=()
for d in "$@"; do
    EXTRA+=("$d"/*.ocr.txt)
done
target/release/sohoa model candidates --models dictionaries --out dictionaries/candidates.smt \
    "$SHARED"/ocr-pairs/*.ocr.txt "${EXTRA[@]}"
