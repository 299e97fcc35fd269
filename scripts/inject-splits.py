#!/usr/bin/env python3
"""Make a dev set of words OCR split or glued from an OCR text (for `scripts/eval-resegment.sh`).

    scripts/inject-splits.py IN.ocr.txt OUT.ocr.txt [--rate 0.02] [--seed 1]

Our real-OCR pairs hold almost no such tokens (the renders space words evenly), so this puts them
in, at `rate` of the word tokens each, the way an engine makes them: a space after a word's
leading consonants (`cong` -> `c ong`, `thuc` -> `th uc`), or the space between two words of
letters dropped (`va cac` -> `vacac`). Lines are kept (a line in is a line out), so the gold of
IN is the gold of OUT. Deterministic for a seed.
"""
import argparse
import random
import re

ONSETS = sorted(
    "b c ch d đ g gh h k kh l m n ng ngh nh p ph r s t th tr v x".split(), key=len, reverse=True
)
VOWELS = set("aăâeêioôơuưyáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ")
WORD = re.compile(r"^[^\W\d_]+$")
# An OCR word: letters, and digits where OCR read marked vowels (`c6ng`).
OCR_WORD = re.compile(r"^[^\W\d_][^\W_]*$")


def split_word(w):
    """`w` with a space after its onset, or None when it has no onset then a vowel."""
    low = w.lower()
    for o in ONSETS:
        if low.startswith(o) and len(low) > len(o) + 1 and (low[len(o)] in VOWELS or low[len(o)] in "0123456789"):
            return w[: len(o)] + " " + w[len(o):]
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("inp")
    ap.add_argument("out")
    ap.add_argument("--rate", type=float, default=0.02)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    splits = glues = 0
    out = []
    with open(a.inp, encoding="utf-8") as f:
        for line in f.read().split("\n"):
            toks = line.split(" ")
            res = []
            i = 0
            while i < len(toks):
                t = toks[i]
                plain = bool(OCR_WORD.match(t)) and t[1:] == t[1:].lower()
                nxt = toks[i + 1] if i + 1 < len(toks) else None
                r = rng.random()
                if plain and r < a.rate and split_word(t):
                    res.append(split_word(t))
                    splits += 1
                elif (plain and t == t.lower() and nxt and WORD.match(nxt) and nxt == nxt.lower()
                      and r < 2 * a.rate):
                    res.append(t + nxt)
                    glues += 1
                    i += 1
                else:
                    res.append(t)
                i += 1
            out.append(" ".join(res))
    with open(a.out, "w", encoding="utf-8") as f:
        f.write("\n".join(out))
    print(f"{a.out}: {splits} words split, {glues} pairs glued")


if __name__ == "__main__":
    main()
