"""Feed bytes → ``ParsedFeed``: format detection by content, a fast lxml path, feedparser as the fallback.

Why two parsers: feedparser reads everything but parses about 2.8 MB/s, and parsing is the CPU hot spot of
ingesting 300 sources. Well-formed RSS 0.9x/1.0/2.0, RDF and Atom (nearly all real feeds) go through lxml,
an order of magnitude faster; JSON Feed goes through ``json``; only documents lxml rejects as malformed
(a bare ``&``, a truncated body) go to feedparser, whose loose parser salvages what it can.

Why it is safe: the body is already capped by the fetcher. lxml runs with ``resolve_entities=False``,
``no_network=True``, ``load_dtd=False`` and ``huge_tree=False`` (libxml2's depth and text-size limits stay
on); a document whose DOCTYPE declares entities (billion laughs, XXE) is refused as ``HostileFeed`` before
any parser sees it, and so never reaches feedparser either. ``parse_feed`` is the parser boundary: only
``ParseError`` subclasses leave it. The service never calls it in its own process: ``summaries.sandbox`` runs
it in a worker process with wall, CPU and memory budgets, killed when it overruns (a thread cannot be). The
prolog check reads the prolog as XML does (``summaries.xmlguard``).

The formats live in their own modules: ``summaries.rss_atom`` (lxml), ``summaries.json_feed``; encoding
detection in ``summaries.encoding``, date parsing in ``summaries.dates``.
"""

from __future__ import annotations

import io
import re

import feedparser
from lxml import etree

from summaries.dates import from_struct
from summaries.encoding import decode_document
from summaries.errors import EmptyDocument, HostileFeed, MalformedFeed, NotAFeed, ParseError
from summaries.json_feed import parse_json_feed
from summaries.models import MAX_ITEMS, ParsedFeed, RawItem
from summaries.rss_atom import parse_xml
from summaries.xmlguard import prolog_end, refused_for_limits

__all__ = ["PARSE_TIMEOUT", "parse_feed"]

PARSE_TIMEOUT = 10.0

_DECL_ANYWHERE = re.compile(rb"<\?xml\s[^>]{0,300}\?>")
_ENTITY_DECL = re.compile(r"<!ENTITY", re.IGNORECASE)
_DOCTYPE = re.compile(r"<!DOCTYPE", re.IGNORECASE)
_FIRST_ELEMENT = re.compile(r"<([A-Za-z_][\w.:-]*)")
_LEADING_JUNK = re.compile(r"^(?:\s+|<!--.*?-->|<\?.*?\?>)*", re.DOTALL)



# ---------------------------------------------------------------------------------------------- entry points


def parse_feed(body: bytes, *, url: str = "", charset: str | None = None) -> ParsedFeed:
    """Parse one feed document. Raises only ``ParseError`` subclasses (the parser boundary)."""
    try:
        return _parse(body, url=url, charset=charset)
    except ParseError:
        raise
    except RecursionError as exc:
        raise HostileFeed("nesting too deep") from exc
    except MemoryError as exc:
        raise HostileFeed("document needs too much memory") from exc
    except Exception as exc:  # the boundary: anything unexpected is a malformed document, never a crash
        raise MalformedFeed(f"unreadable feed ({type(exc).__name__}: {str(exc)[:160]})") from exc


# ---------------------------------------------------------------------------------------------- dispatch


def _parse(body: bytes, *, url: str, charset: str | None) -> ParsedFeed:
    text, encoding = decode_document(body, charset)
    head = _LEADING_JUNK.sub("", text[:65536], count=1)
    if not head.strip():
        raise EmptyDocument("the document is empty (only whitespace or comments)")
    if head.startswith(("{", "[")):
        return parse_json_feed(text, encoding)
    first = _FIRST_ELEMENT.search(text, prolog_end(text), 1_000_000)
    prolog = text[: first.start()] if first else text[:65536]
    if _ENTITY_DECL.search(prolog):
        raise HostileFeed("the DOCTYPE declares entities (entity expansion / XXE); refused")
    if first is None:
        raise EmptyDocument("no root element")
    root_name = first.group(1).lower()
    if root_name == "html" or (_DOCTYPE.search(prolog) and "html" in prolog[:300].lower()):
        raise NotAFeed("an HTML page, not a feed")
    if root_name.rpartition(":")[2] not in ("rss", "rdf", "feed", "channel"):
        raise NotAFeed(f"unknown root element <{first.group(1)[:40]}>")
    xml = _DECL_ANYWHERE.sub(b"", text.encode("utf-8"), count=1)  # the bytes are UTF-8 now, whatever it said
    # The text is up to four bytes a character and the parsers need only the bytes: it goes before the tree
    # is built (the sandbox gives a worker a fixed memory allowance; this leaves more of it for the document).
    del text, head, first, prolog
    try:
        return parse_xml(xml, encoding, url)
    except etree.XMLSyntaxError as exc:
        message = str(exc)
        if refused_for_limits(message):
            raise HostileFeed(f"refused by the XML parser's limits: {message[:160]}") from exc
        return _parse_feedparser(xml, encoding, url, message)


# ---------------------------------------------------------------------------------------------- feedparser


def _parse_feedparser(xml: bytes, encoding: str, url: str, lxml_error: str) -> ParsedFeed:
    result = feedparser.parse(
        io.BytesIO(xml),
        response_headers={"content-type": "application/xml; charset=utf-8", "content-location": url},
        resolve_relative_uris=False,
        sanitize_html=False,
    )
    entries = result.get("entries") or []
    feed = result.get("feed") or {}
    if not entries and not feed.get("title"):
        raise MalformedFeed(f"malformed XML that no parser could salvage: {lxml_error[:160]}")
    items: list[RawItem] = []
    for entry in entries[:MAX_ITEMS]:
        content = entry.get("content") or []
        parsed = entry.get("published_parsed") or entry.get("updated_parsed")
        thumbs = entry.get("media_thumbnail") or []
        items.append(
            RawItem(
                title=str(entry.get("title", "")),
                link=str(entry.get("link", "")),
                guid=str(entry.get("id", "")),
                summary=str(entry.get("summary", "")),
                content=str(content[0].get("value", "")) if content else "",
                published=from_struct(parsed),
                author=str(entry.get("author", "")),
                image_url=str(thumbs[0].get("url", "")) if thumbs else "",
                base=url,
            )
        )
    return ParsedFeed(
        str(result.get("version") or "unknown"), "feedparser", encoding, str(feed.get("title", "")),
        str(feed.get("link", "")), str(feed.get("language", "")), tuple(items),
    )  # fmt: skip
