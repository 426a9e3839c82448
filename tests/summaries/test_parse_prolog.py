"""The hostile-XML pre-check reads the prolog as XML does: nothing in a comment or a quoted string hides an
entity declaration, and a document the XML parser refuses for its limits never reaches feedparser."""

from __future__ import annotations

import pytest

from summaries.errors import HostileFeed, NotAFeed
from summaries.parse import parse_feed

LEVELS = "\n".join(
    ['<!ENTITY a0 "' + "x" * 40 + '">'] + [f'<!ENTITY a{i} "' + f"&a{i - 1};" * 10 + '">' for i in range(1, 10)]
)
BODY = '<rss version="2.0"><channel><title>&a9;</title><item><title>&a9;</title></item></channel></rss>'


def _doc(hider: str) -> bytes:
    return f'<?xml version="1.0"?>\n<!DOCTYPE rss [\n{hider}\n{LEVELS}\n]>\n{BODY}'.encode()


@pytest.mark.parametrize(
    "hider",
    [
        "<!-- <rss -->",  # a comment that looks like the root element
        "<!-- <rss version='2.0'><channel> -->",
        '<!ATTLIST rss note CDATA "<rss">',  # a quoted default value that does
        "<?pi <rss ?>",
    ],
)
def test_entity_declarations_hidden_behind_a_fake_root_are_hostile(hider: str) -> None:
    with pytest.raises(HostileFeed, match="entities"):
        parse_feed(_doc(hider))


def test_a_doctype_that_never_ends_is_hostile() -> None:
    doc = b'<?xml version="1.0"?><!DOCTYPE rss [<!-- <rss --> ' + b"<!ELEMENT x ANY>" * 1000
    with pytest.raises(HostileFeed):
        parse_feed(doc)


def test_a_plain_doctype_still_parses() -> None:
    doc = (
        b'<?xml version="1.0"?><!-- a comment --><!DOCTYPE rss [<!ELEMENT rss ANY>]>'
        b'<rss version="2.0"><channel><title>t</title><item><title>one</title></item></channel></rss>'
    )
    feed = parse_feed(doc)
    assert [i.title for i in feed.items] == ["one"] and feed.parser == "lxml"


def test_html_behind_a_doctype_is_still_not_a_feed() -> None:
    with pytest.raises(NotAFeed):
        parse_feed(b"<!DOCTYPE html><!-- <rss> --><html><body>x</body></html>")
