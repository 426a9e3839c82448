"""Replies to the digest as commands: run for a proven subscriber, skipped (and said why) for anyone else."""

from __future__ import annotations

import email
from collections.abc import AsyncIterator
from email import policy
from email.message import EmailMessage
from pathlib import Path

import dkim
import pytest
from starlette.applications import Starlette

from bot.app import Services
from bot.store.claims import ClaimStore
from bot.store.models import Identity
from bot.store.tokens import LinkTokens, Purpose
from bot.web.webhooks import webhook_routes
from channels.mail.channel import MailChannel
from channels.mail.inbound import read_inbound
from channels.mail.ports import MailLinkSigner
from channels.mail.webhook import SECRET_HEADER, MailInbound

from .conftest import DkimPair, EmailSite, email_site

INBOUND_SECRET = "inbound-secret-123"
AUTHSERV = "mx.aitoday.test"


def _reply(sender: str, body: str, *, subject: str = "Re: AIToday 27 Nov 2026: OpenAI releases GPT-6",
           extra: dict[str, str] | None = None) -> bytes:
    message = EmailMessage(policy=policy.SMTP)
    for name, value in (extra or {}).items():
        message[name] = value
    message["From"] = f"Jane <{sender}>"
    message["To"] = "AIToday <digest@localhost>"
    message["Subject"] = subject
    message["Message-ID"] = "<reply-1@mail.example>"
    message["In-Reply-To"] = "<abc.aitoday@localhost>"
    message.set_content(body)
    return message.as_bytes()


def _signed(raw: bytes, pair: DkimPair) -> bytes:
    signature = dkim.sign(raw, pair.selector.encode(), pair.domain.encode(), pair.private_pem,
                          include_headers=[b"from", b"to", b"subject", b"message-id"])
    return bytes(signature) + raw


QUOTED = "pause 7 days\n\nOn Fri, 27 Nov 2026 at 07:30, AIToday <digest@localhost> wrote:\n> resume\n> stop\n"


@pytest.fixture
async def inbound(redis_url: str, tmp_path: Path, dkim_pair: DkimPair) -> AsyncIterator[EmailSite]:
    def app(services: Services) -> Starlette:
        """The registry's email inbound, with DKIM's DNS lookups answered by the test's key pair."""
        channel, env = services.channels["email"], services.env
        assert isinstance(channel, MailChannel) and env is not None
        inbound = MailInbound(channel, env.conversation, env.port(MailLinkSigner), INBOUND_SECRET,
                              authserv_id=AUTHSERV, dns=dkim_pair.dns)
        return Starlette(routes=webhook_routes([("email", "/email/inbound", inbound)],
                                               ClaimStore(services.runtime.redis)))

    async with email_site(redis_url, tmp_path / "data", make_app=app, AITODAY_MAIL_INBOUND_SECRET=INBOUND_SECRET,
                          AITODAY_MAIL_AUTHSERV_ID=AUTHSERV) as site:
        yield site


async def _post(site: EmailSite, raw: bytes, secret: str = INBOUND_SECRET) -> dict[str, object]:
    response = await site.client.post("/email/inbound", content=raw,
                                      headers={SECRET_HEADER: secret, "Content-Type": "message/rfc822"})
    assert response.status_code in (200, 401, 403)
    result: dict[str, object] = response.json()
    return result


async def _subscriber(site: EmailSite, address: str) -> Identity:
    identity = Identity.parse("email:" + address)
    await site.services.commands.handle(identity, "subscribe")
    return identity


async def test_a_dkim_signed_reply_runs_its_command_and_gets_a_threaded_answer(
    inbound: EmailSite, dkim_pair: DkimPair
) -> None:
    identity = await _subscriber(inbound, "jane@news.example.com")
    result = await _post(inbound, _signed(_reply("jane@news.example.com", QUOTED), dkim_pair))
    assert result == {"status": "ran", "command": "pause", "ok": True}
    sub = await inbound.services.store.get(identity)
    assert sub is not None and sub.paused_until is not None and sub.active  # "stop" in the quote was ignored
    [answer] = [f for f in inbound.mails() if f.name.startswith("reply-")]
    message = email.message_from_bytes(answer.read_bytes(), policy=policy.default)
    assert message["In-Reply-To"] == "<reply-1@mail.example>"
    assert str(message["Subject"]).startswith("Re: AIToday")
    assert "Paused until" in message.get_content()  # type: ignore[attr-defined]


@pytest.mark.parametrize("case", ["unsigned", "not aligned", "tampered", "foreign results header"])
async def test_unproven_senders_are_skipped_with_a_reason(inbound: EmailSite, dkim_pair: DkimPair, case: str) -> None:
    identity = await _subscriber(inbound, "jane@news.example.com")
    raw = {
        "unsigned": _reply("jane@news.example.com", QUOTED),
        "not aligned": _signed(_reply("jane@other.example", QUOTED), dkim_pair),
        "tampered": _signed(_reply("jane@news.example.com", QUOTED), dkim_pair).replace(b"pause 7", b"pause 9"),
        "foreign results header": _reply("jane@news.example.com", QUOTED, extra={
            "Authentication-Results": "mx.attacker.example; dkim=pass header.d=news.example.com"}),
    }[case]
    if case == "not aligned":
        await _subscriber(inbound, "jane@other.example")
    result = await _post(inbound, raw)
    assert result["status"] == "skipped"
    assert "not authenticated" in str(result["reason"])
    sub = await inbound.services.store.get(identity)
    assert sub is not None and sub.paused_until is None
    assert not [f for f in inbound.mails() if f.name.startswith("reply-")]  # no backscatter


async def test_our_own_servers_spf_pass_is_proof(inbound: EmailSite) -> None:
    identity = await _subscriber(inbound, "jane@news.example.com")
    raw = _reply("jane@news.example.com", "items 3\n", extra={
        "Authentication-Results": f"{AUTHSERV}; spf=pass smtp.mailfrom=jane@news.example.com; dkim=none"})
    assert (await _post(inbound, raw))["status"] == "ran"
    sub = await inbound.services.store.get(identity)
    assert sub is not None and sub.items == 3


async def test_strangers_cannot_subscribe_by_mail(inbound: EmailSite, dkim_pair: DkimPair) -> None:
    result = await _post(inbound, _signed(_reply("jane@news.example.com", "subscribe\n"), dkim_pair))
    assert result["status"] == "skipped" and "not a subscriber" in str(result["reason"])
    assert await inbound.services.store.get(Identity.parse("email:jane@news.example.com")) is None


async def test_the_list_unsubscribe_mailto_works_without_sender_authentication(inbound: EmailSite) -> None:
    identity = await _subscriber(inbound, "jane@example.org")
    token = LinkTokens.from_settings(inbound.services.settings).make(Purpose.UNSUBSCRIBE, {"s": identity.sid})
    bad = await _post(inbound, _reply("jane@example.org", "", subject="unsubscribe " + token[:-2] + "xx"))
    assert bad["status"] == "skipped"
    assert await _post(inbound, _reply("jane@example.org", "", subject="unsubscribe " + token)) \
        == {"status": "unsubscribed"}
    sub = await inbound.services.store.get(identity)
    assert sub is not None and not sub.active


async def test_a_wrong_secret_is_refused_and_the_route_is_off_without_one(
    inbound: EmailSite, redis_url: str, tmp_path: Path
) -> None:
    assert (await inbound.client.post("/email/inbound", content=b"x", headers={SECRET_HEADER: "nope"})
            ).status_code == 403
    assert (await inbound.client.post("/email/inbound", content=b"x")).status_code == 401
    async with email_site(redis_url, tmp_path / "other") as plain:
        assert (await plain.client.post("/email/inbound", content=b"x")).status_code == 404


def test_reading_a_reply_finds_the_command_above_the_quote() -> None:
    mail = read_inbound(_reply("a@b.example", "\n\n  time 6:30  \n-- \nJane\n"))
    assert mail.command == "time 6:30" and mail.sender == "a@b.example" and mail.authenticated == ""
    assert read_inbound(_reply("a@b.example", "> quoted only\n")).command == ""
    assert read_inbound(b"\x00\x01 not mail").reason
