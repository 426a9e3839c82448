"""JSON Feed (https://jsonfeed.org) documents: read with ``json``, mapped onto the same ``RawItem`` as XML feeds."""

from __future__ import annotations

import json

from summaries.dates import parse_date
from summaries.errors import HostileFeed, MalformedFeed, NotAFeed
from summaries.models import MAX_ITEMS, ParsedFeed, RawItem
from summaries.rss_atom import escape_plain

__all__ = ["parse_json_feed"]


def parse_json_feed(text: str, encoding: str) -> ParsedFeed:
    """A JSON Feed (jsonfeed.org 1.x) document. Raises ``HostileFeed``, ``MalformedFeed`` or ``NotAFeed``."""
    try:
        data = json.loads(text)
    except RecursionError as exc:
        raise HostileFeed("JSON nested too deep") from exc
    except ValueError as exc:
        raise MalformedFeed(f"invalid JSON: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise NotAFeed("JSON without a JSON Feed 'items' list")
    version = str(data.get("version", ""))
    if version and "jsonfeed.org" not in version:
        raise NotAFeed(f"unknown JSON feed version {version[:60]!r}")
    base = _str(data.get("feed_url")) or _str(data.get("home_page_url"))
    items: list[RawItem] = []
    for raw in data["items"][:MAX_ITEMS]:
        if not isinstance(raw, dict):
            continue
        author = raw.get("author") or (raw.get("authors") or [None])[0]
        items.append(
            RawItem(
                title=escape_plain(_str(raw.get("title"))),
                link=_str(raw.get("url")) or _str(raw.get("external_url")),
                guid=_str(raw.get("id")),
                summary=escape_plain(_str(raw.get("summary"))),
                content=_str(raw.get("content_html")) or escape_plain(_str(raw.get("content_text"))),
                published=parse_date(_str(raw.get("date_published")) or _str(raw.get("date_modified"))),
                author=_str(author.get("name")) if isinstance(author, dict) else "",
                image_url=_str(raw.get("image")) or _str(raw.get("banner_image")),
                base=base,
            )
        )
    fmt = "json" + (version.rstrip("/").rpartition("/")[2] or "")
    return ParsedFeed(
        fmt, "json", encoding, _str(data.get("title")), _str(data.get("home_page_url")),
        _str(data.get("language")), tuple(items),
    )  # fmt: skip


def _str(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""
