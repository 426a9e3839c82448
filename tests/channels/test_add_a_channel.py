"""A channel added through the registry alone: one package's worth of code (here, in this file) plus one entry.

"Pigeon" is a throwaway channel whose provider is a small HTTP server on loopback. Nothing in ``bot`` names it:
the services are built from ``CHANNELS + (PIGEON,)``, the web app mounts its webhook from the entry, and the
real planner, queue and worker deliver its digest. A reader subscribes by a signed webhook (the one inbound
pipeline), gets the reply over HTTP through the same channel object, and then gets the digest.
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.app import build_services
from bot.content.editions import FixedEditions
from bot.conversation.port import identity_of
from bot.delivery.planner import Planner
from bot.delivery.worker import Worker, WorkerConfig
from bot.runtime import Runtime
from bot.settings import load_settings
from bot.store.client import RedisClient
from bot.web.app import create_app
from channels.base import Channel, Delivery, InboundMessage, RateLimit, Receipt, Recipient, TransientError
from channels.console import render_text
from channels.inbound import (
    BadSignature,
    Conversation,
    HttpAnswer,
    HttpRequest,
    InboundBase,
    Malformed,
    Unsigned,
    Update,
    loads_json,
)
from channels.plugin import ChannelEntry, ChannelEnv, ChannelParts
from channels.registry import CHANNELS
from summaries.models import Edition
from tests.bot.delivery.conftest import make_due, pending_total, wait_until
from tests.sample_edition import sample_edition
from tests.stubs.loopback import serve
from tests.tasks import stop

KEY = "pigeon-key-0123456789"


# ---------------------------------------------------------------------------------------------- the channel


class PigeonChannel:
    """Sends a digest (and a reply) as one JSON POST to the provider."""

    name = "pigeon"

    def __init__(self, provider_url: str) -> None:
        self._http = httpx.AsyncClient(base_url=provider_url, timeout=5.0)

    def render(self, edition: Edition, language: str) -> str:
        return render_text(edition, language)

    def rate_limits(self, recipient: Recipient) -> Sequence[RateLimit]:
        return ()

    async def send(self, delivery: Delivery) -> Receipt:
        text = self.render(delivery.edition, delivery.recipient.language)
        return Receipt(provider_message_id=await self._post("/deliver", delivery.recipient.address, text))

    async def say(self, address: str, text: str) -> None:
        await self._post("/say", address, text)

    async def _post(self, path: str, address: str, text: str) -> str:
        try:
            response = await self._http.post(path, json={"to": address, "text": text})
        except httpx.HTTPError as exc:
            raise TransientError(exc.__class__.__name__) from None
        if response.status_code != 200:
            raise TransientError(f"provider answered {response.status_code}")
        return str(response.json()["id"])

    async def aclose(self) -> None:
        await self._http.aclose()


class PigeonInbound(InboundBase):
    """``{"id", "from", "text"}`` signed with a shared key in ``X-Pigeon-Key``."""

    max_body = 4096

    def __init__(self, channel: PigeonChannel, conversation: Conversation) -> None:
        self._channel = channel
        self._conversation = conversation

    def verify(self, request: HttpRequest) -> None:
        given = request.headers.get("x-pigeon-key")
        if given is None:
            raise Unsigned("signature")
        if not hmac.compare_digest(given.encode(), KEY.encode()):
            raise BadSignature("signature")

    def parse(self, request: HttpRequest) -> Sequence[Update]:
        data = loads_json(request.body)
        if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in ("id", "from", "text")):
            raise Malformed("malformed")
        return [Update(data["id"], data)]

    async def handle(self, update: Update, request: HttpRequest) -> HttpAnswer | None:
        sender, text = update.payload["from"], update.payload["text"]
        answer = await self._conversation.handle(InboundMessage("pigeon", sender, text))
        await self._channel.say(sender, answer.text)
        return None


def pigeon_entry(provider_url: str) -> ChannelEntry:
    """The one line a real channel adds to ``channels.registry.CHANNELS``."""

    def build(env: ChannelEnv) -> PigeonChannel:
        return PigeonChannel(provider_url)

    def inbound(env: ChannelEnv, channel: Channel) -> PigeonInbound:
        assert isinstance(channel, PigeonChannel)
        return PigeonInbound(channel, env.conversation)

    return ChannelEntry("pigeon", lambda: ChannelParts(build=build, inbound=inbound), webhook_path="/pigeon/hook")


# ---------------------------------------------------------------------------------------------- its provider


class Provider:
    """The pigeon provider on loopback: records every message it is given."""

    def __init__(self) -> None:
        self.received: list[tuple[str, str, str]] = []  # (kind, to, text)

    def app(self) -> Starlette:
        async def take(request: Request) -> JSONResponse:
            body: dict[str, Any] = await request.json()
            self.received.append((request.url.path.strip("/"), body["to"], body["text"]))
            return JSONResponse({"id": f"p{len(self.received)}"})

        return Starlette(routes=[Route("/deliver", take, methods=["POST"]), Route("/say", take, methods=["POST"])])

    def to(self, kind: str, address: str) -> list[str]:
        return [text for k, to, text in self.received if k == kind and to == address]


# ---------------------------------------------------------------------------------------------- the test


async def test_a_channel_added_through_the_registry_answers_commands_and_gets_digests(
    redis_client: RedisClient, redis_url: str
) -> None:
    provider = Provider()
    async with serve(provider.app()) as provider_url:
        settings = load_settings(env={"AITODAY_REDIS_URL": redis_url, "AITODAY_DATA_DIR": "data"})
        services = build_services(Runtime(settings=settings, redis=redis_client, redis_url=redis_url),
                                  entries=(*CHANNELS, pigeon_entry(provider_url)))
        assert isinstance(services.channels["pigeon"], PigeonChannel)
        try:
            async with serve(create_app(services)) as url, httpx.AsyncClient(base_url=url) as http:
                hello = {"id": "m1", "from": "ada", "text": "subscribe"}
                assert (await http.post("/pigeon/hook", json=hello, headers={"X-Pigeon-Key": KEY})).status_code == 200
                [reply] = provider.to("say", "ada")
                assert reply.startswith("Subscribed: your digest arrives daily at 07:30")
                again = await http.post("/pigeon/hook", json=hello, headers={"X-Pigeon-Key": KEY})
                assert again.status_code == 200 and len(provider.to("say", "ada")) == 1  # claimed once
                forged = await http.post("/pigeon/hook", json={**hello, "id": "m2"}, headers={"X-Pigeon-Key": "x"})
                assert forged.status_code == 403 and len(provider.to("say", "ada")) == 1
                deep = b"[" * 100_000 + b"]" * 100_000
                assert (await http.post("/pigeon/hook", content=deep[:4000], headers={"X-Pigeon-Key": KEY})
                        ).status_code == 400

            sub = await services.store.get_by_sid(identity_of("pigeon", "ada", {"pigeon": 1}).sid)
            assert sub is not None and sub.active
            await make_due(redis_client, [sub], datetime.now(UTC) - timedelta(minutes=1))
            assert (await Planner(redis_client, catch_up=timedelta(hours=6)).tick()).planned == 1
            editions = FixedEditions({"en": sample_edition("en")})
            worker = Worker(redis_client, services.store, services.channels, editions,
                            WorkerConfig(name="w1", lease_seconds=2.0, retry_seconds=0.05, retry_poll=0.05,
                                         idle_max=0.05))
            task = asyncio.create_task(worker.run())
            try:
                await wait_until(lambda: _delivered(provider, redis_client), what="the pigeon digest")
            finally:
                await stop(task)
            [digest] = provider.to("deliver", "ada")
            assert digest.startswith("AIToday — 2026-11-27") and "1. " in digest
        finally:
            await services.aclose()


async def _delivered(provider: Provider, redis: RedisClient) -> bool:
    return bool(provider.to("deliver", "ada")) and await pending_total(redis) == 0
