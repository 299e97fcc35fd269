#!/usr/bin/env bash
# Large-input benchmark: wall time and peak memory of `sohoa restore` on texts far larger than a
# notice and without a blank line, the shape OCR output often has (a paragraph is then the whole
# file, unless the decoder cuts it: see src/decode/paragraphs.rs). From our OCR'd notices
# (corpus/dev/all-freeserif.ocr.txt, 38 KB) repeated to about MB megabytes (default 16) it makes
#   lines.txt     their lines with no blank line, and
#   one-line.txt  the same text joined into a single line,
# restores each to plain text and with --json, extracts its record (with and without
# restoration), and prints wall time and peak RSS (GNU time).
# Nothing generated is kept.
#
#   scripts/bench-large.sh [MB]
#   BIN=path/to/sohoa scripts/bench-large.sh   # another build (e.g. an earlier stop's)
set -euo pipefail
cd "$(dirname "$0")/.."
MB=${1:-16}
if [[ -z "${BIN:-}" ]]; then
    cargo build --release --quiet
    BIN=target/release/sohoa
fi
if [[ ! -x /usr/bin/time ]]; then
    echo "bench-large: needs GNU time (/usr/bin/time; Debian package 'time')" >&2
    exit 1
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
python3 - "$MB" "$TMP" <<'EOF'
import pathlib, sys
mb, out = int(sys.argv[1]), pathlib.Path(sys.argv[2])
src = pathlib.Path("corpus/dev/all-freeserif.ocr.txt").read_text(encoding="utf-8")
lines = [l for l in src.splitlines() if l.strip()]
block = "\n".join(lines) + "\n"
n = max(1, mb * 1_000_000 // len(block.encode()))
(out / "lines.txt").write_text(block * n, encoding="utf-8")
(out / "one-line.txt").write_text(" ".join(lines * n) + "\n", encoding="utf-8")
EOF
printf '%-14s %-20s %10s %10s %12s\n' input command bytes wall "peak RSS"
for f in lines one-line; do
    for mode in "restore" "restore --json" "extract" "extract --no-restore"; do
        read -r -a args <<<"$mode"
        args+=("$TMP/$f.txt")
        /usr/bin/time -f "%e %M" -o "$TMP/time" "$BIN" "${args[@]}" >"$TMP/out"
        read -r wall rss <"$TMP/time"
        printf '%-14s %-20s %10s %9ss %9s MiB\n' "$f.txt" "$mode" "$(stat -c %s "$TMP/$f.txt")" \
            "$wall" "$((rss / 1024))"
    done
done
