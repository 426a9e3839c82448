"""Content-Encoding decoding with a hard cap on the *output*, chunk by chunk (``summaries.fetch`` reads bodies
through it).

Why our own: httpx would inflate a 10 KB gzip bomb to gigabytes before any cap could look at it; here the
decompressor is asked for at most the bytes still allowed, so the output never passes the cap.
"""

from __future__ import annotations

import zlib

from summaries.errors import BadEncoding, BodyTooLarge

__all__ = ["Inflater"]


class Inflater:
    """Decodes a Content-Encoding with a hard cap on the *output*, chunk by chunk.

    Past the cap, ``feed`` and ``flush`` raise ``BodyTooLarge``; with ``truncate`` they return the output cut at
    the cap instead (the caller wants only a prefix and stops reading once it has ``cap`` bytes).
    """

    def __init__(self, encoding: str, cap: int, *, truncate: bool = False) -> None:
        encoding = encoding.strip().lower()
        self._cap = cap
        self._truncate = truncate
        self._size = 0
        self._head, self._sniff = b"", encoding == "deflate"  # "deflate": sniff zlib or raw from 2 bytes
        if encoding in ("", "identity"):
            self._z: zlib._Decompress | None = None
        elif encoding in ("gzip", "x-gzip", "deflate"):
            self._z = zlib.decompressobj(47)  # 32 + 15: accept a gzip or a zlib header
        else:
            raise BadEncoding(f"unsupported Content-Encoding {encoding!r}")

    def _choose(self, chunk: bytes) -> bytes:
        """RFC 9110 "deflate" is zlib-wrapped; many servers send raw deflate: no zlib header, raw inflation."""
        self._head += chunk
        if len(self._head) < 2:
            return b""
        head, self._head, self._sniff = self._head, b"", False
        if head[0] & 0x0F != 8 or (head[0] << 8 | head[1]) % 31 != 0:
            self._z = zlib.decompressobj(-15)
        return head

    def feed(self, chunk: bytes) -> bytes:
        if self._sniff:
            chunk = self._choose(chunk)
        if self._z is None:
            out = chunk
        else:
            try:
                out = self._z.decompress(chunk, self._cap - self._size + 1)
            except zlib.error as exc:
                raise BadEncoding(f"corrupt compressed body: {exc}") from exc
            if self._z.unconsumed_tail and not self._truncate:
                raise BodyTooLarge(f"body exceeds {self._cap} bytes after decompression")
        return self._count(out)

    def _count(self, out: bytes) -> bytes:
        self._size += len(out)
        if self._size > self._cap:
            if not self._truncate:
                raise BodyTooLarge(f"body exceeds {self._cap} bytes")
            out = out[: len(out) - (self._size - self._cap)]
            self._size = self._cap
        return out

    def flush(self) -> bytes:
        if self._z is None or (self._sniff and self._head):  # identity, or a one-byte "deflate" body
            return self._head
        try:
            out = self._z.flush()
        except zlib.error as exc:
            raise BadEncoding(f"corrupt compressed body: {exc}") from exc
        return self._count(out)
