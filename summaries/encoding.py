"""Decoding feed bytes whose encoding is declared wrongly, or not at all.

Order of evidence, strongest first: a byte-order mark; the XML declaration, if the bytes really decode with
it; UTF-8; the HTTP charset; UTF-8 with a few broken bytes (a truncated or badly spliced copy); a detector
restricted to the encodings it recognises reliably (Shift_JIS, EUC-JP, GBK, Big5, EUC-KR, windows-1251,
KOI8-R); else windows-1252, as browsers do. A Latin-1 document without a declaration is the common case the
detector gets wrong (it guesses Central European), hence the restriction.
"""

from __future__ import annotations

import codecs
import re

import charset_normalizer

__all__ = ["decode_document"]

_XML_DECL = re.compile(rb"^\s*<\?xml[^>]{0,200}?encoding\s*=\s*[\"']([A-Za-z0-9._:-]{1,40})[\"']")
_DETECTABLE = frozenset(
    {
        "shift_jis", "cp932", "euc_jp", "iso2022_jp", "gb2312", "gbk", "gb18030", "big5", "big5hkscs",
        "euc_kr", "cp949", "cp1251", "koi8_r", "koi8_u", "utf_16", "utf_32",
    }
)  # fmt: skip
#: The detector names the JIS X 0213 supersets when a short Japanese text fits both (a 125-byte EUC-JP feed came
#: out as ``euc_jis_2004``); the documents are the common encodings, whose codecs read them.
_COMMON = {
    "euc_jis_2004": "euc_jp", "euc_jisx0213": "euc_jp", "shift_jis_2004": "shift_jis", "shift_jisx0213": "shift_jis",
}  # fmt: skip


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        return None


def decode_document(body: bytes, charset: str | None = None) -> tuple[str, str]:
    """(text, encoding used). Never raises: the last resort is windows-1252/latin-1."""
    for bom, enc in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if body.startswith(bom):
            return body[len(bom) :].decode(enc, errors="replace"), enc
    match = _XML_DECL.match(body[:400])
    declared = _codec(match.group(1).decode("ascii")) if match else None
    for name in (declared, "utf-8", _codec(charset)):
        if name is None:
            continue
        try:
            return body.decode(name), name
        except (UnicodeDecodeError, LookupError):
            continue
    lenient = body.decode("utf-8", errors="replace")
    if len(lenient) < len(body) and lenient.count("\ufffd") <= len(body) // 2000:
        return lenient, "utf-8"  # UTF-8 with a few broken bytes (a truncated copy, a bad splice)
    best = charset_normalizer.from_bytes(body[:16384]).best()
    guess = _codec(best.encoding) if best is not None else None
    guess = _COMMON.get(guess or "", guess)
    if guess in _DETECTABLE:
        return body.decode(guess, errors="replace"), guess
    try:
        return body.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return body.decode("latin-1"), "latin-1"
