"""The rich menu ``aitoday line setup`` installs: its JSON and its image, made here without an image library.

Three buttons across a compact menu (2,500 × 843, LINE's smallest full-width size): **Today's digest**
(how "pull" readers get the digest once the monthly push quota is spent: a postback answered with a free
reply), **Settings** and **Help**. The image is a PNG drawn with a 5 × 7 pixel font, scaled up, so the
setup needs no Pillow and no bundled asset; it is deterministic and well under LINE's 1 MB limit.
"""

from __future__ import annotations

import struct
import zlib
from typing import Any

__all__ = ["MENU_HEIGHT", "MENU_WIDTH", "rich_menu", "rich_menu_png"]

MENU_WIDTH = 2500
MENU_HEIGHT = 843
_BUTTONS = (("TODAY'S\nDIGEST", "cmd=now", "Today's digest"), ("SETTINGS", "cmd=settings", "settings"),
            ("HELP", "cmd=help", "help"))
_COLOURS = ((0x0B, 0x7A, 0x55), (0x25, 0x3A, 0x4F), (0x4A, 0x5D, 0x70))
_INK = (0xFF, 0xFF, 0xFF)
_SCALE = 14

# 5 × 7 glyphs, one string per row, '#' = ink. Only the letters the labels use.
_FONT: dict[str, tuple[str, ...]] = {
    "A": (".###.", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"),
    "D": ("####.", "#...#", "#...#", "#...#", "#...#", "#...#", "####."),
    "E": ("#####", "#....", "#....", "####.", "#....", "#....", "#####"),
    "G": (".###.", "#...#", "#....", "#.###", "#...#", "#...#", ".####"),
    "H": ("#...#", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"),
    "I": ("#####", "..#..", "..#..", "..#..", "..#..", "..#..", "#####"),
    "L": ("#....", "#....", "#....", "#....", "#....", "#....", "#####"),
    "N": ("#...#", "##..#", "#.#.#", "#..##", "#...#", "#...#", "#...#"),
    "O": (".###.", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."),
    "P": ("####.", "#...#", "#...#", "####.", "#....", "#....", "#...."),
    "S": (".####", "#....", "#....", ".###.", "....#", "....#", "####."),
    "T": ("#####", "..#..", "..#..", "..#..", "..#..", "..#..", "..#.."),
    "Y": ("#...#", "#...#", ".#.#.", "..#..", "..#..", "..#..", "..#.."),
    "'": ("..#..", "..#..", ".....", ".....", ".....", ".....", "....."),
    " ": (".....",) * 7,
}


def rich_menu() -> dict[str, Any]:
    """The rich menu object (LINE's JSON): three equal areas, each a postback our webhook understands."""
    width = MENU_WIDTH // len(_BUTTONS)
    areas = []
    for index, (_, data, shown) in enumerate(_BUTTONS):
        x = index * width
        areas.append({
            "bounds": {"x": x, "y": 0, "width": MENU_WIDTH - x if index == len(_BUTTONS) - 1 else width,
                       "height": MENU_HEIGHT},
            "action": {"type": "postback", "data": data, "displayText": shown},
        })
    return {"size": {"width": MENU_WIDTH, "height": MENU_HEIGHT}, "selected": True, "name": "AIToday",
            "chatBarText": "Today's digest", "areas": areas}


def _text_spans(text: str, row: int) -> list[tuple[int, int]]:
    """Ink spans (start, end) in glyph-pixel units of ``text`` at glyph ``row`` (0–6), 1 pixel between letters."""
    spans = []
    for position, char in enumerate(text):
        glyph = _FONT.get(char, _FONT[" "])
        for column, cell in enumerate(glyph[row]):
            if cell == "#":
                start = position * 6 + column
                spans.append((start, start + 1))
    return spans


def rich_menu_png() -> bytes:
    """The menu image: a coloured panel per button with its label (one or two lines) centred in white."""
    width = MENU_WIDTH // len(_BUTTONS)
    line_height = 10 * _SCALE  # 7 rows of glyph and 3 of spacing
    base = bytearray()
    for index in range(len(_BUTTONS)):
        panel = MENU_WIDTH - index * width if index == len(_BUTTONS) - 1 else width
        base += bytes(_COLOURS[index]) * panel
    raw = bytearray()
    for y in range(MENU_HEIGHT):
        row = bytearray(base)
        for index, (label, _, _) in enumerate(_BUTTONS):
            lines = label.split("\n")
            top = (MENU_HEIGHT - (len(lines) * line_height - 3 * _SCALE)) // 2
            line_no, offset = divmod(y - top, line_height)
            if y < top or line_no >= len(lines) or offset >= 7 * _SCALE:
                continue
            text = lines[line_no]
            left = index * width + (width - (len(text) * 6 - 1) * _SCALE) // 2
            for start, end in _text_spans(text, offset // _SCALE):
                a, b = left + start * _SCALE, left + end * _SCALE
                row[a * 3:b * 3] = bytes(_INK) * (b - a)
        raw += b"\x00" + row
    return _png(MENU_WIDTH, MENU_HEIGHT, bytes(raw))


def _png(width: int, height: int, scanlines: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(scanlines, 9)) + chunk(
        b"IEND", b"")
