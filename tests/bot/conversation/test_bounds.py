"""Input bounds, as transcripts: mutes come from the source list (with a suggestion on a miss) and stop at 50,
time zones are IANA region zones, and no stored field grows without bound."""

from __future__ import annotations

import pytest

from bot.store.models import MAX_MUTED, FieldTooLong, Identity, Subscription
from bot.store.subscriptions import SubscriptionStore
from summaries.sources import bundled_sources
from tests.bot.conftest import Chat

ALICE = "telegram:42"
HANAKO = "line:Uhanako"


async def _muted(store: SubscriptionStore, who: str) -> tuple[str, ...]:
    sub = await store.get(Identity.parse(who))
    return sub.muted_sources if sub else ()


async def test_a_name_from_the_source_list_is_muted_by_its_display_name(chat: Chat, store: SubscriptionStore) -> None:
    reply = await chat(ALICE, "sources mute openai news")
    assert reply.ok and reply.changed and reply.text.startswith("Muted OpenAI News.")
    assert await _muted(store, ALICE) == ("OpenAI News",)
    assert (await chat(ALICE, "sources mute OpenAI News")).text == "OpenAI News is already muted."


async def test_a_typo_mutes_nothing_and_suggests_the_nearest_source(chat: Chat, store: SubscriptionStore) -> None:
    reply = await chat(ALICE, "sources mute OpenAI Nwes")
    assert not reply.ok and "\n" not in reply.text
    assert reply.text.startswith("No source matches “OpenAI Nwes”. Did you mean: OpenAI News")
    assert reply.text.endswith("Try: sources mute OpenAI News")
    assert await _muted(store, ALICE) == ()


async def test_mutes_is_not_mute(chat: Chat, store: SubscriptionStore) -> None:
    reply = await chat(ALICE, "sources mutes OpenAI News")
    assert not reply.ok and "sources mute" in reply.text
    assert await _muted(store, ALICE) == ()


async def test_made_up_text_is_refused_in_japanese_with_a_suggestion(chat: Chat, store: SubscriptionStore) -> None:
    reply = await chat(HANAKO, "ソース ミュート Hacker Nws")
    assert not reply.ok
    assert reply.text.startswith("「Hacker Nws」に当たるソースがありません。 もしかして: Hacker News")
    assert "例: sources mute Hacker News" in reply.text
    assert await _muted(store, HANAKO) == ()


async def test_at_most_fifty_mutes(chat: Chat, store: SubscriptionStore) -> None:
    names = [s.name for s in bundled_sources()][: MAX_MUTED + 1]
    for name in names[:MAX_MUTED]:
        assert (await chat(ALICE, f"sources mute {name}")).changed, name
    refused = await chat(ALICE, f"sources mute {names[-1]}")
    assert not refused.ok and refused.text.startswith("You have muted 50 sources, the most there can be;")
    assert len(await _muted(store, ALICE)) == MAX_MUTED
    assert (await chat(ALICE, f"sources unmute {names[0]}")).changed
    assert (await chat(ALICE, f"sources mute {names[-1]}")).changed


async def test_a_name_muted_before_it_left_the_list_can_still_be_unmuted(
    chat: Chat, store: SubscriptionStore
) -> None:
    await store.save(Subscription(Identity.parse(ALICE), muted_sources=("Gone Weekly",)))
    reply = await chat(ALICE, "sources unmute gone weekly")
    assert reply.changed and reply.text == "Unmuted Gone Weekly."
    assert await _muted(store, ALICE) == ()


@pytest.mark.parametrize("zone", ["localtime", "Factory", "posixrules", "EST5EDT", "Etc/GMT+9", "US/Eastern"])
async def test_only_region_time_zones_are_accepted(chat: Chat, store: SubscriptionStore, zone: str) -> None:
    reply = await chat(ALICE, f"tz {zone}")
    assert not reply.ok and reply.text.endswith("Try: timezone Asia/Tokyo")
    assert await store.get(Identity.parse(ALICE)) is None


async def test_region_zones_and_utc_still_work_in_both_languages(chat: Chat, store: SubscriptionStore) -> None:
    assert (await chat(ALICE, "tz Europe/Berlin")).changed
    assert (await chat(ALICE, "tz UTC")).changed
    ja = await chat(HANAKO, "タイムゾーン localtime")
    assert not ja.ok and ja.text.startswith("「localtime」は知らないタイムゾーンです")


@pytest.mark.parametrize(
    "change",
    [
        {"muted_sources": tuple(f"source {i}" for i in range(MAX_MUTED + 1))},
        {"muted_sources": ("x" * 201,)},
        {"topics": tuple(f"t{i}" for i in range(33))},
        {"timezone": "A" * 65},
        {"language": "english-please"},
        {"deactivated_reason": "r" * 201},
        {"extra": {f"k{i}": "v" for i in range(17)}},
        {"extra": {"k": "v" * 400}},
    ],
)
async def test_no_stored_field_grows_without_bound(store: SubscriptionStore, change: dict[str, object]) -> None:
    sub = Subscription(Identity.parse(ALICE)).with_changes(**change)
    with pytest.raises(FieldTooLong):
        await store.save(sub)
    assert await store.get(Identity.parse(ALICE)) is None


def test_identity_parts_are_bounded() -> None:
    with pytest.raises(ValueError, match="at most"):
        Identity.parse("telegram:" + "9" * 300)
