#!/usr/bin/env python3
"""Render the OCR test fixtures from notice.txt (our own text): notice.png (one page),
notice.tif (two pages, CCITT G4) and notice.pdf (two pages). Needs pillow and FreeSerif
(fonts-freefont-ttf). Run from this directory."""
from PIL import Image, ImageDraw, ImageFont

lines = [l for l in open('notice.txt', encoding='utf-8').read().split('\n') if l]
font = ImageFont.truetype('/usr/share/fonts/truetype/freefont/FreeSerif.ttf', 36)


def page(ls):
    img = Image.new('L', (1100, 40 + len(ls) * 56 + 30), 255)
    d = ImageDraw.Draw(img)
    for i, l in enumerate(ls):
        d.text((30, 30 + i * 56), l, font=font, fill=0)
    return img.point(lambda v: 255 if v > 140 else 0).convert('1', dither=Image.Dither.NONE)


page(lines).save('notice.png', optimize=True, dpi=(300, 300))
a, b = page(lines[:2]), page(lines[2:])
a.save('notice.tif', save_all=True, append_images=[b], compression='group4', dpi=(300, 300))
a.save('notice.pdf', save_all=True, append_images=[b], resolution=300)
