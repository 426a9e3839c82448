"""The source list: OPML 2.0 in (bundled ``data/sources.opml`` or an operator's file) and OPML 2.0 out.

Why OPML: it is what every feed reader imports and exports, so an operator can move a list between AIToday
and their reader. Imported files are untrusted, so they are parsed with defusedxml (no DTDs, no entities).
Each source keeps the ``category`` (ranking weighs sources by it) and ``language`` the list gives it; an
outline without its own category inherits the one of the folder it sits in.

Source ids are stable slugs derived from the feed URL, never from user text, so renaming a source keeps its
health record and its articles.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from email.utils import format_datetime
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element, SubElement, tostring

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from summaries.models import Source

__all__ = [
    "CATEGORIES",
    "OPMLError",
    "bundled_sources",
    "load_sources",
    "make_source",
    "parse_opml",
    "read_sample",
    "sample_names",
    "source_id",
    "to_opml",
]

#: Categories of the bundled list; ranking gives each a weight. Unknown categories are kept as given.
CATEGORIES = ("lab", "research", "newsletter", "media", "community", "policy", "japan")

_MAX_OPML = 5 * 1024 * 1024
_SLUG = re.compile(r"[^a-z0-9]+")


class OPMLError(ValueError):
    """The file is not a readable OPML list (malformed, hostile, or without feed outlines)."""


def source_id(feed_url: str) -> str:
    """Stable, readable id of a feed URL: a host+path slug and a short hash, e.g. ``openai-com-news-rss-1a2b3c``."""
    parts = urlsplit(feed_url.strip())
    host = (parts.hostname or "").removeprefix("www.")
    slug = _SLUG.sub("-", f"{host}{parts.path}".lower()).strip("-")
    if len(slug) > 48:  # keep the host's start and the path's end: the informative parts
        slug = f"{slug[:20].strip('-')}-{slug[-27:].strip('-')}"
    digest = hashlib.blake2b(feed_url.strip().encode("utf-8"), digest_size=3).hexdigest()
    return f"{slug or 'feed'}-{digest}"


def make_source(
    feed_url: str,
    *,
    name: str = "",
    site_url: str = "",
    category: str = "media",
    language: str = "en",
    kind: str = "official",
    enabled: bool = True,
) -> Source:
    """A ``Source`` for ``feed_url``; raises ``ValueError`` unless it is an absolute http(s) URL."""
    feed_url = feed_url.strip()
    parts = urlsplit(feed_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) feed URL: {feed_url[:200]!r}")
    return Source(
        id=source_id(feed_url),
        name=(name.strip() or parts.hostname)[:200],
        feed_url=feed_url,
        site_url=site_url.strip(),
        category=(category.strip().lower() or "media")[:40],
        language=(language.strip().lower() or "en")[:16],
        kind=(kind.strip() or "official")[:40],
        enabled=enabled,
    )


def parse_opml(data: bytes | str) -> list[Source]:
    """Every feed outline of an OPML document, in document order, duplicates (same feed URL) dropped."""
    if len(data) > _MAX_OPML:
        raise OPMLError(f"OPML file larger than {_MAX_OPML // (1024 * 1024)} MiB")
    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise OPMLError(f"refused: the file declares a DTD or entities ({type(exc).__name__})") from exc
    except SafeET.ParseError as exc:
        raise OPMLError(f"not well-formed XML: {exc}") from exc
    if root.tag.lower() != "opml":
        raise OPMLError(f"root element is <{root.tag[:40]}>, not <opml>")
    body = root.find("body")
    if body is None:
        raise OPMLError("OPML without a <body>")
    seen: set[str] = set()
    out: list[Source] = []
    for outline, category in _walk(body, None):
        attrs = outline.attrib
        url = (attrs.get("xmlUrl") or attrs.get("xmlurl") or "").strip()
        if not url or url in seen:
            continue
        try:
            source = make_source(
                url,
                name=attrs.get("title") or attrs.get("text") or "",
                site_url=attrs.get("htmlUrl") or "",
                category=attrs.get("category") or category or "media",
                language=attrs.get("language") or "en",
                kind=attrs.get("kind") or "official",
                enabled=attrs.get("enabled", "true").lower() != "false",
            )
        except ValueError:
            continue
        seen.add(url)
        out.append(source)
    return out


def _walk(node: Any, category: str | None) -> Iterable[tuple[Any, str | None]]:
    for child in node:
        if not isinstance(child.tag, str) or child.tag.lower() != "outline":
            continue
        yield child, category
        folder_category = child.attrib.get("category") or category
        # A folder's category is a single word; a multi-valued OPML category ("/tech,/ai") is not ours.
        if folder_category and ("/" in folder_category or "," in folder_category):
            folder_category = category
        yield from _walk(child, folder_category)


def bundled_sources() -> list[Source]:
    """The list that ships with the package (``summaries/data/sources.opml``)."""
    data = resources.files("summaries").joinpath("data/sources.opml").read_bytes()
    return parse_opml(data)


def sample_names() -> list[str]:
    """The bundled demo files (feeds and their OPML list under ``data/samples``), by name."""
    samples = resources.files("summaries").joinpath("data/samples")
    return sorted(p.name for p in samples.iterdir() if p.name.endswith((".xml", ".opml")))


def read_sample(name: str) -> str:
    """One bundled demo file's text (a name from ``sample_names``)."""
    return resources.files("summaries").joinpath("data/samples", name).read_text(encoding="utf-8")


def load_sources(path: Path | None = None) -> list[Source]:
    """The operator's OPML file when given, else the bundled list."""
    if path is None:
        return bundled_sources()
    return parse_opml(path.read_bytes())


def to_opml(sources: Sequence[Source], *, title: str = "AIToday sources", now: datetime | None = None) -> str:
    """OPML 2.0 text, one folder per category, readable by other feed readers."""
    root = Element("opml", version="2.0")
    head = SubElement(root, "head")
    SubElement(head, "title").text = title
    SubElement(head, "dateCreated").text = format_datetime(now or datetime.now(UTC), usegmt=True)
    SubElement(head, "docs").text = "http://opml.org/spec2.opml"
    body = SubElement(root, "body")
    folders: dict[str, Element] = {}
    for source in sources:
        folder = folders.get(source.category)
        if folder is None:
            folder = SubElement(body, "outline", text=source.category, title=source.category)
            folder.set("category", source.category)
            folders[source.category] = folder
        outline = SubElement(folder, "outline", type="rss", text=source.name, title=source.name)
        outline.set("xmlUrl", source.feed_url)
        if source.site_url:
            outline.set("htmlUrl", source.site_url)
        outline.set("category", source.category)
        outline.set("language", source.language)
        outline.set("kind", source.kind)
        if not source.enabled:
            outline.set("enabled", "false")
    xml = tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + xml + "\n"
