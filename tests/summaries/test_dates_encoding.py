"""Feed dates to aware UTC, and bytes to text when the declared encoding is missing or wrong."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from summaries.dates import parse_date
from summaries.encoding import decode_document


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Thu, 24 Jul 2025 16:00:00 +0000", datetime(2025, 7, 24, 16, 0, tzinfo=UTC)),
        ("Thu, 24 Jul 2025 18:00:00 +0200", datetime(2025, 7, 24, 16, 0, tzinfo=UTC)),
        ("Thu, 24 Jul 2025 16:00:00 GMT", datetime(2025, 7, 24, 16, 0, tzinfo=UTC)),
        ("2026-04-01T20:00:00.123456Z", datetime(2026, 4, 1, 20, 0, 0, 123456, tzinfo=UTC)),
        ("2017-05-17T08:02:12-07:00", datetime(2017, 5, 17, 15, 2, 12, tzinfo=UTC)),
        ("2012-11-13T14:36:22", datetime(2012, 11, 13, 14, 36, 22, tzinfo=UTC)),  # no zone: UTC
        ("Fri, 17 Oct 2025 00:00:00 ", datetime(2025, 10, 17, tzinfo=UTC)),  # arXiv: trailing space
        ("2025-10-17", datetime(2025, 10, 17, tzinfo=UTC)),
        ("", None),
        ("not a date", None),
        ("Mon, 99 Foo 99999 99:99:99 +9999", None),
        ("1066-10-14T09:00:00Z", None),  # outside 1970–2100: garbage
    ],
)
def test_parse_date(raw: str, expected: datetime | None) -> None:
    assert parse_date(raw) == expected


_SHORT_JA = (
    '<rss version="2.0"><channel><title>日本語のニュース</title><item><title>人工知能の新しいモデル</title></item>'
    "</channel></rss>"
)


@pytest.mark.parametrize(
    ("body", "charset", "text", "encoding"),
    [
        ("Grüße".encode(), None, "Grüße", "utf-8"),
        (b"\xef\xbb\xbf<rss/>", None, "<rss/>", "utf-8"),
        ("<rss/>".encode("utf-16"), None, "<rss/>", "utf-16-le"),
        ('<?xml version="1.0" encoding="ISO-8859-1"?>Gr\xfc\xdfe'.encode("latin-1"), None,
         '<?xml version="1.0" encoding="ISO-8859-1"?>Grüße', "iso8859-1"),
        ('<?xml version="1.0" encoding="utf-8"?>Привет'.encode("cp1251"), "windows-1251",
         '<?xml version="1.0" encoding="utf-8"?>Привет', "cp1251"),  # the declaration lies; the header is right
        ("caf\xe9 cr\xe8me br\xfbl\xe9e".encode("latin-1"), None, "café crème brûlée", "cp1252"),
        ("日本語".encode() + b"\xff" + "の文章です。".encode() * 500, None,
         "日本語\ufffd" + "の文章です。" * 500, "utf-8"),  # one broken byte in a UTF-8 document
        # short Japanese feeds without a declaration (the detector names EUC-JP's JIS X 0213 superset here)
        (_SHORT_JA.encode("euc_jp"), None, _SHORT_JA, "euc_jp"),
        (_SHORT_JA.encode("shift_jis"), None, _SHORT_JA, "cp932"),
    ],
)  # fmt: skip
def test_decode_document(body: bytes, charset: str | None, text: str, encoding: str) -> None:
    assert decode_document(body, charset) == (text, encoding)
