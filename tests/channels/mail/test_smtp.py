"""Sending through a real SMTP server on loopback that answers each recipient as scripted.

Every reply class maps to one documented action (channels.mail.smtp.classify); these tests send real digests
and check what the worker would see (the exception type) and what the server received.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from channels.base import AmbiguousError, Delivery, Receipt, Recipient, RecipientGone, RenderBug, TransientError
from channels.mail.channel import MAILBOX_FULL_LIMIT, MailChannel, MailConfig, MailRejected, SmtpConfig
from channels.mail.smtp import ReplyAction, SmtpReply, classify
from tests.sample_edition import sample_edition
from tests.stubs.smtp import ScriptedSmtp

from .conftest import MAIL_FROM


def _delivery(address: str, delivery_id: str = "") -> Delivery:
    return Delivery(delivery_id or f"sub:{address}:2026-11-27:0730", Recipient("email", address), sample_edition())


# reply the server gives to RCPT  ->  what send() raises (None: accepted)
SMTP_TABLE = [
    ("250 2.1.5 OK", None),
    ("421 4.7.0 Try again later, closing connection", TransientError),
    ("450 4.2.1 Mailbox busy, try again", TransientError),
    ("451 4.3.0 Temporary local problem", TransientError),
    ("452 4.2.2 Insufficient system storage", TransientError),
    ("550 5.1.1 The email account that you tried to reach does not exist", RecipientGone),
    ("550 Requested action not taken: mailbox unavailable", RecipientGone),
    ("550 5.7.1 Message rejected as spam", MailRejected),
    ("552 5.2.2 Mailbox full", MailRejected),  # gone only on the 3rd delivery in a row (below)
    ("552 5.3.4 Message too big for system", RenderBug),
    ("554 5.7.1 Relay access denied", MailRejected),
    ("554 Transaction failed", MailRejected),
]


@pytest.mark.parametrize(("reply", "expected"), SMTP_TABLE, ids=["-".join(r.split()[:2]) for r, _ in SMTP_TABLE])
async def test_each_reply_maps_to_its_action(
    smtp_server: ScriptedSmtp, smtp_channel: MailChannel, reply: str, expected: type[Exception] | None
) -> None:
    smtp_server.script["reader@example.org"] = [reply]
    if expected is None:
        receipt = await smtp_channel.send(_delivery("reader@example.org"))
        assert isinstance(receipt, Receipt)
        assert receipt.provider_message_id.endswith("@news.example.com>")
        assert len(smtp_server.messages) == 1
        return
    with pytest.raises(expected) as caught:
        await smtp_channel.send(_delivery("reader@example.org"))
    assert type(caught.value) is expected
    assert reply.split()[0] in caught.value.detail
    assert "reader@" not in caught.value.detail  # addresses are masked in what gets logged
    assert smtp_server.messages == []


def test_classification_table() -> None:
    assert classify(SmtpReply(250, "OK")) is ReplyAction.ACCEPTED
    for code in (421, 450, 451, 452):
        assert classify(SmtpReply(code, "")) is ReplyAction.RETRY
    assert classify(SmtpReply(550, "5.1.10 RESOLVER.ADR.RecipientNotFound")) is ReplyAction.GONE
    assert classify(SmtpReply(550, "5.2.1 The email account that you tried to reach is disabled")) \
        is ReplyAction.GONE
    assert classify(SmtpReply(552, "")) is ReplyAction.MAILBOX_FULL
    assert classify(SmtpReply(552, "5.2.2 full")) is ReplyAction.MAILBOX_FULL
    assert classify(SmtpReply(552, "5.3.4 too big")) is ReplyAction.TOO_BIG
    assert classify(SmtpReply(554, "")) is ReplyAction.REJECTED
    assert classify(SmtpReply(553, "")) is ReplyAction.GONE


async def test_mailbox_full_three_deliveries_in_a_row_means_gone(
    smtp_server: ScriptedSmtp, smtp_channel: MailChannel
) -> None:
    smtp_server.script["full@example.org"] = ["552 5.2.2 Mailbox full"]
    for day in range(1, MAILBOX_FULL_LIMIT):
        with pytest.raises(MailRejected):
            await smtp_channel.send(_delivery("full@example.org", f"d{day}"))
        # the same delivery tried again is not a new day in the streak
        with pytest.raises(MailRejected):
            await smtp_channel.send(_delivery("full@example.org", f"d{day}"))
    with pytest.raises(RecipientGone, match="3 deliveries in a row"):
        await smtp_channel.send(_delivery("full@example.org", f"d{MAILBOX_FULL_LIMIT}"))


async def test_an_accepted_delivery_ends_the_mailbox_full_streak(
    smtp_server: ScriptedSmtp, smtp_channel: MailChannel
) -> None:
    smtp_server.script["full@example.org"] = [
        "552 5.2.2 Mailbox full", "552 5.2.2 Mailbox full", "250 OK", "552 5.2.2 Mailbox full",
        "552 5.2.2 Mailbox full",
    ]
    for delivery_id in ("d1", "d2"):
        with pytest.raises(MailRejected):
            await smtp_channel.send(_delivery("full@example.org", delivery_id))
    await smtp_channel.send(_delivery("full@example.org", "d3"))
    for delivery_id in ("d4", "d5"):
        with pytest.raises(MailRejected):  # the streak restarted: two in a row is not three
            await smtp_channel.send(_delivery("full@example.org", delivery_id))


async def test_connection_is_reused_between_sends(smtp_server: ScriptedSmtp, smtp_channel: MailChannel) -> None:
    for n in range(5):
        await smtp_channel.send(_delivery(f"reader{n}@example.org"))
    assert len(smtp_server.messages) == 5
    assert smtp_server.connections == 1
    assert smtp_channel.pool is not None and smtp_channel.pool.connections_opened == 1


async def test_421_on_a_reused_connection_reconnects_and_delivers(
    smtp_server: ScriptedSmtp, smtp_channel: MailChannel
) -> None:
    await smtp_channel.send(_delivery("first@example.org"))
    smtp_server.script["second@example.org"] = ["421 4.4.5 Server busy, try again later.", "250 OK"]
    await smtp_channel.send(_delivery("second@example.org"))
    assert [m[1] for m in smtp_server.messages] == [["first@example.org"], ["second@example.org"]]
    assert smtp_server.connections == 2


async def test_421_on_a_fresh_connection_is_transient_and_the_next_send_reconnects(
    smtp_server: ScriptedSmtp, smtp_channel: MailChannel
) -> None:
    smtp_server.script["busy@example.org"] = ["421 4.3.0 Temporary System Problem. Try again later", "250 OK"]
    with pytest.raises(TransientError):
        await smtp_channel.send(_delivery("busy@example.org"))
    await smtp_channel.send(_delivery("busy@example.org"))
    assert len(smtp_server.messages) == 1
    assert smtp_server.connections == 2


async def test_partial_refusals_settle_each_recipient(smtp_server: ScriptedSmtp, smtp_channel: MailChannel) -> None:
    smtp_server.script["gone@example.org"] = ["550 5.1.1 No such user"]
    smtp_server.script["later@example.org"] = ["451 4.3.0 Try later"]
    assert smtp_channel.pool is not None
    refused = await smtp_channel.pool.transmit(
        "digest@news.example.com", ["ok@example.org", "gone@example.org", "later@example.org"],
        b"Subject: x\r\n\r\nhi\r\n",
    )
    assert {k: classify(v) for k, v in refused.items()} == {
        "gone@example.org": ReplyAction.GONE, "later@example.org": ReplyAction.RETRY,
    }
    assert [m[1] for m in smtp_server.messages] == [["ok@example.org"]]


async def test_421_mid_batch_reconnects_and_keeps_going_for_the_rest(
    smtp_server: ScriptedSmtp, smtp_channel: MailChannel
) -> None:
    await smtp_channel.send(_delivery("warmup@example.org"))  # the pool now holds a connection
    smtp_server.script["b@example.org"] = ["421 4.7.0 closing connection", "250 OK"]
    smtp_server.script["c@example.org"] = ["550 5.1.1 No such user"]
    assert smtp_channel.pool is not None
    refused = await smtp_channel.pool.transmit(
        "digest@news.example.com", ["a@example.org", "b@example.org", "c@example.org", "d@example.org"],
        b"Subject: x\r\n\r\nhi\r\n",
    )
    assert {k: v.code for k, v in refused.items()} == {"c@example.org": 550}
    assert smtp_server.messages[-1][1] == ["a@example.org", "b@example.org", "d@example.org"]
    assert smtp_server.connections == 2


async def test_data_rejection_applies_to_the_message(smtp_server: ScriptedSmtp, smtp_channel: MailChannel) -> None:
    smtp_server.data_reply[:] = ["554 5.7.1 Message content rejected", "250 OK"]
    with pytest.raises(MailRejected):
        await smtp_channel.send(_delivery("reader@example.org"))
    await smtp_channel.send(_delivery("reader@example.org"))
    assert len(smtp_server.messages) == 1


async def test_no_answer_to_data_is_ambiguous_and_the_retry_is_the_same_message(
    smtp_server: ScriptedSmtp, tmp_path: Path
) -> None:
    channel = MailChannel(MailConfig(
        mail_from=MAIL_FROM, public_url="https://news.example.com", outbox_dir=tmp_path,
        smtp=SmtpConfig(host=smtp_server.host, port=smtp_server.port, starttls=False, timeout=0.3),
    ))
    smtp_server.data_delay = 1.0
    with pytest.raises(AmbiguousError):
        await channel.send(_delivery("reader@example.org"))
    smtp_server.data_delay = 0.0
    receipt = await channel.send(_delivery("reader@example.org"))
    await channel.aclose()
    ids = {raw.split(b"Message-ID: ", 1)[1].split(b"\r\n", 1)[0].decode() for _, _, raw in smtp_server.messages}
    assert ids == {receipt.provider_message_id}  # the receiver can tell the two copies are one message


async def test_starttls_is_required_unless_switched_off(smtp_server: ScriptedSmtp, tmp_path: Path) -> None:
    channel = MailChannel(MailConfig(
        mail_from=MAIL_FROM, public_url="https://news.example.com", outbox_dir=tmp_path,
        smtp=SmtpConfig(host=smtp_server.host, port=smtp_server.port, timeout=5),  # starttls defaults to True
    ))
    with pytest.raises(TransientError, match="STARTTLS"):
        await channel.send(_delivery("reader@example.org"))
    await channel.aclose()
    assert smtp_server.messages == []


async def test_unreachable_server_is_transient(tmp_path: Path) -> None:
    from tests.stubs.smtp import _free_port

    channel = MailChannel(MailConfig(
        mail_from=MAIL_FROM, public_url="https://news.example.com", outbox_dir=tmp_path,
        smtp=SmtpConfig(host="127.0.0.1", port=_free_port(), starttls=False, timeout=2),
    ))
    with pytest.raises(TransientError, match=r"unreachable|failed"):
        await channel.send(_delivery("reader@example.org"))
    await channel.aclose()


def test_rate_limits_name_the_relay_and_the_receiving_domain(tmp_path: Path) -> None:
    smtp = MailChannel(MailConfig(mail_from=MAIL_FROM, public_url="https://x.example", outbox_dir=tmp_path,
                                  smtp=SmtpConfig(host="127.0.0.1")))
    buckets = [limit.bucket for limit in smtp.rate_limits(Recipient("email", "a@Gmail.com"))]
    assert buckets == ["email:global", "email:domain:gmail.com"]
    outbox = MailChannel(MailConfig(mail_from=MAIL_FROM, public_url="https://x.example", outbox_dir=tmp_path))
    assert list(outbox.rate_limits(Recipient("email", "a@gmail.com"))) == []
