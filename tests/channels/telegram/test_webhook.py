"""``POST /telegram/webhook``: forged and replayed updates change nothing and never cost a 5xx."""

from __future__ import annotations

import asyncio
import json
import random
from typing import Any

import httpx
import pytest

from bot.app import build_services
from bot.runtime import Runtime
from bot.settings import load_settings
from bot.web.app import create_app
from tests.channels.telegram.conftest import SECRET, TOKEN, Chat
from tests.conftest import PAYLOADS
from tests.stubs.loopback import serve

_FORGED: list[str | bytes] = ["", "wrong", SECRET[:-1], SECRET + "x", SECRET.upper(), "x" + SECRET,
                              "ß".encode() + SECRET[2:].encode(), SECRET.encode() + b"\xff"]


async def test_forged_secrets_are_refused_before_anything_runs(chat: Chat) -> None:
    statuses = []
    for secret in [None, *_FORGED]:
        for text in ("/start", "/time 05:00", "/stop"):
            response = await chat.post(chat.message_update(text), secret=secret)
            statuses.append(response.status_code)
    assert statuses.count(401) == 3  # missing header
    assert statuses.count(403) == 3 * len(_FORGED)  # wrong secret
    assert chat.stub.sent == [] and chat.stub.calls == []  # not even getMe: PTB never saw them
    assert await chat.sub() is None


@pytest.mark.both_redis
async def test_replayed_update_ids_run_once(chat: Chat) -> None:
    update = chat.message_update("/start")
    first = await chat.post(update)
    sequential = [await chat.post(update) for _ in range(5)]
    concurrent = await asyncio.gather(*(chat.post(update) for _ in range(10)))
    responses = [first, *sequential, *concurrent]
    assert all(r.status_code == 200 for r in responses)
    assert sum(1 for r in responses if r.json().get("duplicate")) == 15
    assert len(chat.stub.messages_to(42)) == 1  # one greeting


@pytest.mark.both_redis
async def test_concurrent_first_deliveries_of_one_update_run_once(chat: Chat) -> None:
    update = chat.message_update("/topics add robotics")
    responses = await asyncio.gather(*(chat.post(update) for _ in range(12)))
    assert [r.status_code for r in responses] == [200] * 12
    assert len(chat.stub.messages_to(42)) == 1


async def test_malformed_bodies_get_4xx_never_5xx(chat: Chat) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    bodies = [b"", b"not json", b"[]", b'{"message": {}}', b'{"update_id": -1}', b'{"update_id": "7"}',
              b'{"update_id": true}', json.dumps({"update_id": 5, "message": {"text": "no chat"}}).encode(),
              b"{" + b" " * (600 * 1024) + b"}"]
    statuses = [(await chat.http.post("/telegram/webhook", content=body, headers=headers)).status_code
                for body in bodies]
    assert all(400 <= status < 500 for status in statuses), statuses
    assert statuses[-1] == 413


async def test_the_documented_sample_update_subscribes(chat: Chat) -> None:
    """core.telegram.org's sample has no bot_command entity: a private "/start" must still work."""
    sample = json.loads((PAYLOADS / "telegram" / "update_message_start.json").read_text(encoding="utf-8"))
    response = await chat.post(sample["body"])
    assert response.status_code == 200
    sub = await chat.sub(1111111)
    assert sub is not None and sub.active
    [greeting] = chat.stub.messages_to(1111111)
    assert greeting.visible.startswith("Welcome to AIToday")


async def test_without_a_configured_secret_everything_is_refused(redis_client: object, redis_url: str) -> None:
    settings = load_settings(env={"AITODAY_REDIS_URL": redis_url, "TELEGRAM_BOT_TOKEN": TOKEN,
                                  "AITODAY_TELEGRAM_API_URL": "http://127.0.0.1:9", "AITODAY_DATA_DIR": "data"})
    services = build_services(Runtime(settings=settings, redis=redis_client, redis_url=redis_url))  # type: ignore[arg-type]
    async with serve(create_app(services)) as url, httpx.AsyncClient(base_url=url) as http:
        for secret in ("", "anything", SECRET):
            response = await http.post("/telegram/webhook", json={"update_id": 1},
                                       headers={"X-Telegram-Bot-Api-Secret-Token": secret})
            assert response.status_code == 403
    await services.aclose()


_ODD_VALUES: list[object] = [None, "", "x", "<b>", -1, 0, 10**20, 1.5, True, [], {}, [1, "a"], {"id": "abc"}]


def _mutate(node: Any, rng: random.Random) -> Any:
    """A copy of ``node`` with one leaf or subtree replaced, or one key dropped."""
    if isinstance(node, dict) and node:
        key = rng.choice(sorted(node))
        copy = dict(node)
        roll = rng.random()
        if roll < 0.2:
            del copy[key]
        elif roll < 0.5:
            copy[key] = rng.choice(_ODD_VALUES)
        else:
            copy[key] = _mutate(node[key], rng)
        return copy
    if isinstance(node, list) and node:
        index = rng.randrange(len(node))
        return [*node[:index], _mutate(node[index], rng), *node[index + 1:]]
    return rng.choice(_ODD_VALUES)


async def test_mangled_updates_with_the_right_secret_never_cost_a_5xx(chat: Chat) -> None:
    """300 mutations of real updates (messages, commands, buttons, membership): 200 or 400, never 5xx."""
    rng = random.Random(8)
    seeds = [chat.message_update("/time 07:30"), chat.message_update("hello", chat_id=-100123),
             chat.callback_update("t:robotics"), chat.message_update("/settings")]
    statuses = []
    for n in range(300):
        body = _mutate(rng.choice(seeds), rng)
        if isinstance(body, dict):
            body["update_id"] = 50_000 + n
        statuses.append((await chat.post(body)).status_code)
    assert all(status in (200, 400) for status in statuses), sorted(set(statuses))
    [greeting] = await chat.say("/start")  # and the bot still answers
    assert greeting.startswith("Welcome to AIToday")
