"""Permanent redirects move a feed once the new address has answered twice in a row; temporary ones never do.

Against a real loopback server: the fetcher reports where a chain of permanent redirects leads
(``FetchResult.moved_to``), and the ingest confirms the move on the second answer in a row
(``SourceOutcome.moved_to``).
"""

from __future__ import annotations

import pytest
from aiohttp import web

from bot.store.articles import RedisArticleStore
from bot.store.client import RedisClient
from summaries.fetch import Fetcher
from summaries.ingest import Ingestor
from summaries.sources import make_source
from tests.conftest import FIXTURE_FEEDS
from tests.summaries.feedserver import FeedServer

FEED = (FIXTURE_FEEDS / "lab-news_rss2.xml").read_bytes()


async def _hop(status: int, location: str) -> web.Response:
    return web.Response(status=status, headers={"Location": location})


@pytest.mark.parametrize(("chain", "moves_to"), [
    ((301,), "/new.xml"),
    ((308,), "/new.xml"),
    ((302,), None),
    ((307,), None),
    ((303,), None),
    ((301, 301), "/new.xml"),      # permanent all the way: the last address
    ((301, 302), "/hop1"),         # permanent, then temporary: the permanent part only
    ((302, 301), None),            # a temporary first hop: nothing is permanent about the old address
])  # fmt: skip
async def test_the_fetcher_reports_where_permanent_redirects_lead(
    feed_server: FeedServer, fetcher: Fetcher, chain: tuple[int, ...], moves_to: str | None
) -> None:
    feed_server.document("/new.xml", FEED)
    paths = ["/old.xml", *[f"/hop{i}" for i in range(1, len(chain))], "/new.xml"]
    for here, status, there in zip(paths, chain, paths[1:], strict=False):
        target = feed_server.url(there)
        feed_server.route(here, lambda _r, s=status, t=target: _hop(s, t))
    result = await fetcher.fetch(feed_server.url("/old.xml"))
    assert result.status == 200
    assert result.moved_to == (feed_server.url(moves_to) if moves_to else None)


@pytest.mark.parametrize(("status", "moved_after"), [(301, 2), (308, 2), (302, None), (307, None)])
async def test_a_source_moves_on_the_second_answer_in_a_row(
    feed_server: FeedServer, fetcher: Fetcher, redis_client: RedisClient, status: int, moved_after: int | None
) -> None:
    new = feed_server.document("/new.xml", FEED)
    feed_server.route("/old.xml", lambda _r: _hop(status, new))
    source = make_source(feed_server.url("/old.xml"), name="Northwind")
    store = RedisArticleStore(redis_client)
    ingestor = Ingestor(fetcher, store, store)
    moved = [(await ingestor.run([source])).outcomes[0].moved_to for _ in range(3)]
    if moved_after is None:
        assert moved == ["", "", ""]
    else:
        assert moved[moved_after - 1] == new and moved[: moved_after - 1] == [""] * (moved_after - 1)


async def test_an_interrupted_move_starts_counting_again(
    feed_server: FeedServer, fetcher: Fetcher, redis_client: RedisClient
) -> None:
    new = feed_server.document("/new.xml", FEED)
    redirecting = {"on": True}

    async def old(request: web.Request) -> web.StreamResponse:
        if redirecting["on"]:
            return await _hop(301, new)
        return web.Response(body=FEED, headers={"Content-Type": "application/xml"})

    feed_server.route("/old.xml", old)
    source = make_source(feed_server.url("/old.xml"), name="Northwind")
    store = RedisArticleStore(redis_client)
    ingestor = Ingestor(fetcher, store, store)
    assert (await ingestor.run([source])).outcomes[0].moved_to == ""
    redirecting["on"] = False  # the old address answers again itself
    assert (await ingestor.run([source])).outcomes[0].moved_to == ""
    redirecting["on"] = True
    assert (await ingestor.run([source])).outcomes[0].moved_to == ""  # one in a row, not two
    assert (await ingestor.run([source])).outcomes[0].moved_to == new
