#!/bin/sh
# Rebuild dictionaries/lm.smt from ../shared/corpus, keeping every evaluation text out of training.
# Takes about 90 s of CPU (10 min wall on a busy 2-core machine) and under 1 GB of memory.
set -eu
SHARED=${SOHOA_SHARED:-../shared}
set --
for f in "$SHARED"/ocr-pairs/*.gold.txt "$SHARED"/samples/notice-part1.gold.txt; do
  set -- "$@" --exclude "$f"
done
cargo run --release -- model lm --corpus "$SHARED/corpus" "$@" \
  --heldout "$SHARED/ocr-pairs/phapdien-freeserif.gold.txt" --out dictionaries/lm.smt
