"""Full text for teasers: when a feed gives only a line or two, read the article page itself.

Why: the summarizer needs the article's own words to write "what happened" and "why it matters"; many
feeds (generated ones especially) carry a title and a sentence. The page is fetched with the same
``Fetcher`` as feeds (so the same SSRF guard, per-origin limits, timeouts and body cap apply), only its first
``MAX_PAGE`` bytes are read (the rest is never downloaded), and their main text is extracted with trafilatura,
a maintained extractor, in the sandbox's ``pages`` lane (a worker process with a wall, CPU and memory budget:
``summaries.sandbox``). Results, failures included, are cached by canonical URL so a page is read once.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from summaries.clean import count_words, reading_minutes
from summaries.errors import IngestError
from summaries.extract import MAX_PAGE, extract_main_text
from summaries.fetch import PAGE_ACCEPT, Fetcher
from summaries.models import Article
from summaries.ports import FullTextCache
from summaries.sandbox import Sandbox

__all__ = ["MIN_WORDS", "FullTextExtractor", "extract_main_text"]

log = logging.getLogger(__name__)

#: Items with fewer words than this are teasers.
MIN_WORDS = 80


class FullTextExtractor:
    """Replaces a teaser's text by the page's main text when the page has more to say."""

    def __init__(
        self, fetcher: Fetcher, cache: FullTextCache, sandbox: Sandbox, *, min_words: int = MIN_WORDS
    ) -> None:
        self._fetcher = fetcher
        self._sandbox = sandbox
        self._cache = cache
        self._min_words = min_words

    def wants(self, article: Article) -> bool:
        return article.word_count < self._min_words

    async def enrich(self, article: Article) -> Article:
        """The article with the page's text, or unchanged (cached miss, fetch failure, shorter page)."""
        if not self.wants(article):
            return article
        text = await self._cache.get_text(article.url)
        if text is None:
            text = await self._read(article.url)
            await self._cache.put_text(article.url, text)
        words, cjk = count_words(text)
        if words + cjk <= article.word_count:
            return article
        return replace(article, text=text, word_count=words + cjk, reading_minutes=reading_minutes(text))

    async def _read(self, url: str) -> str:
        try:
            # only the start is read: an 8 MB page is never held whole, the extractor sees its first MAX_PAGE bytes
            result = await self._fetcher.fetch(url, accept=PAGE_ACCEPT, prefix=MAX_PAGE)
        except IngestError as exc:
            log.info("full text of %s not fetched: %s", url, exc)
            return ""
        if not result.body or "html" not in (result.content_type or "text/html"):
            return ""
        return await self._sandbox.extract_text(result.body, result.url)
