"""The main text of an HTML page, by trafilatura: the code that runs inside a ``pages`` sandbox worker.

Kept apart from ``summaries.fulltext`` (fetching, caching) so that a worker imports trafilatura and nothing
of the network stack, and so that the service process never imports trafilatura at all (it is large, and
only workers need it).
"""

from __future__ import annotations

import logging

__all__ = ["MAX_PAGE", "MAX_TEXT", "extract_main_text"]

log = logging.getLogger(__name__)

#: Bytes of a page handed to the extractor. trafilatura's time grows faster than the page (0.5 MB: 1 s,
#: 1 MB: 6.5 s, 8 MB: minutes); an article's text sits in its first half megabyte.
MAX_PAGE = 512 * 1024
MAX_TEXT = 100_000


def extract_main_text(page: bytes, url: str) -> str:
    """The main text of an HTML page ("" when there is none). CPU-bound and untrusted: run it in the sandbox."""
    import trafilatura

    try:
        text = trafilatura.extract(
            page[:MAX_PAGE], url=url, include_comments=False, include_tables=False, favor_precision=True
        )
    except Exception:  # trafilatura's own failures must not end the run: no text is the answer
        log.debug("extraction failed for %s", url, exc_info=True)
        return ""
    return str(text or "")[:MAX_TEXT]
