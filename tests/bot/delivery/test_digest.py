"""What one reader gets (issue 16): never an empty digest, five minutes of cards, Japanese stories first."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import redis.asyncio as aioredis

from bot.app import now_requester
from bot.content.digest import digest_of
from bot.content.editions import FixedEditions
from bot.conversation.commands import CommandHandler
from bot.delivery.planner import NowRequests
from bot.store.delivery_log import DeliveryLog, Outcome
from bot.store.models import Identity, Subscription
from channels.console import render_text
from summaries.digest import card_seconds
from summaries.models import Card, Edition, Story
from tests.bot.delivery.conftest import add_subscribers, make_due, pending_total, wait_until
from tests.bot.delivery.engine import running_worker
from tests.bot.delivery.test_cli import aitoday
from tests.sample_edition import sample_edition
from tests.stubs.recording_provider import RecordingProvider


async def _settled(redis: aioredis.Redis) -> bool:
    return await pending_total(redis) == 0


async def test_a_day_when_nothing_matches_sends_nothing_and_the_log_says_why(
    redis_client: aioredis.Redis, redis_url: str, provider: RecordingProvider
) -> None:
    async with running_worker(redis_client, provider.url) as engine:
        picky, anyone = await add_subscribers(engine.store, ["picky", "anyone"])
        picky = await engine.store.save(replace(picky, topics=("quantum-knitting",)))
        await make_due(redis_client, [picky, anyone], datetime.now(UTC) - timedelta(seconds=5))
        await engine.planner.tick()
        await provider.wait_accepted(1)
        await wait_until(lambda: _settled(redis_client), what="both settled")
    assert [a.address for a in provider.accepted] == ["anyone"]
    (entry,) = await DeliveryLog(redis_client).read(picky.sid)
    assert entry.outcome is Outcome.SKIPPED and entry.detail == "nothing matched"
    shown = aitoday(redis_url, "deliveries", "--for", "telegram:picky")
    assert shown.returncode == 0, shown.stderr
    assert "skipped" in shown.stdout and "nothing matched" in shown.stdout


async def test_now_says_there_is_nothing_to_send_instead_of_on_its_way(
    redis_client: aioredis.Redis, provider: RecordingProvider
) -> None:
    async with running_worker(redis_client, provider.url) as engine:
        editions = FixedEditions({"en": sample_edition("en"), "ja": sample_edition("ja")})
        handler = CommandHandler(
            engine.store, request_now=now_requester(editions, NowRequests(redis_client, cooldown_seconds=600))
        )
        who = Identity.parse("telegram:41")
        await handler.handle(who, "subscribe")
        await handler.handle(who, "topics add vision")  # no sample story is about vision
        reply = await handler.handle(who, "now")
        assert reply.text.startswith("Nothing in today's edition matches your topics, so there is nothing to send.")
        assert "on its way" not in reply.text
        ja = Identity.parse("telegram:42")
        await handler.handle(ja, "購読")
        await handler.handle(ja, "言語 ja")
        empty = replace(sample_edition("ja"), stories=())
        nothing = CommandHandler(
            engine.store,
            request_now=now_requester(FixedEditions({"ja": empty}), NowRequests(redis_client, cooldown_seconds=600)),
        )
        answer = (await nothing.handle(ja, "now")).text
        assert answer == "今日はお届けする記事がないため、送るものはありません。"
        assert "トピック" not in answer  # a reader without topics never hears about topics
    assert provider.accepted_count == 0


def _long_edition(count: int = 40) -> Edition:
    base = sample_edition("en")
    stories = []
    for i in range(count):
        story = base.stories[i % len(base.stories)]
        longer = replace(story.card, why_it_matters=" ".join([story.card.why_it_matters] * 3))  # a real card's size
        stories.append(replace(story, id=f"n{i:02d}", score=100.0 - i, card=longer))
    return replace(base, stories=tuple(stories))


def test_a_digest_is_filled_to_five_minutes_of_cards_by_default() -> None:
    edition = _long_edition()
    sub = Subscription(identity=Identity.parse("telegram:1"), active=True)
    digest = digest_of(edition, sub)
    seconds = sum(card_seconds(s) for s in digest.stories)
    assert seconds <= 300 < seconds + card_seconds(edition.stories[len(digest.stories)])
    assert len(digest.stories) > 5  # more than the old fixed five stories
    assert digest.reading_minutes == 5
    assert render_text(digest, "en").splitlines()[0] == f"AIToday — {digest.date.isoformat()} · 5-minute read"
    assert "5分で読めます" in render_text(digest_of(edition, replace(sub, language="ja")), "ja").splitlines()[0]
    two = digest_of(edition, replace(sub, minutes=2))
    assert sum(card_seconds(s) for s in two.stories) <= 120 and two.reading_minutes == 2
    capped = digest_of(edition, replace(sub, items=3))
    assert len(capped.stories) == 3  # items still caps the count


def test_a_japanese_reader_gets_the_japanese_stories_first() -> None:
    base = sample_edition("en")
    ja_card = Card(
        gist="国内向けの新モデル。",
        what_happened="国内企業が新モデルを公開した。",
        why_it_matters="日本語の精度が上がる。",
        what_to_watch="来月に提供を始める予定だ。",
        language="ja",
    )
    ja_story = Story(
        id="ja1",
        title="国産モデル公開",
        url="https://ja.example.com/1",
        source_id="ainow",
        source_name="AIジャパン・ナウ",
        published=base.generated_at,
        card=ja_card,
        score=1.0,
    )
    edition = replace(base, stories=(*base.stories[:3], ja_story))
    reader = Subscription(identity=Identity.parse("line:U1"), active=True, language="ja")
    assert digest_of(edition, reader).stories[0].id == "ja1"
    english = digest_of(edition, replace(reader, language="en"))
    assert english.stories[-1].id == "ja1"  # an English reader keeps the edition's order
