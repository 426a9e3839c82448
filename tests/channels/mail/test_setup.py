"""The email channel as the settings make it: always on, SMTP or the outbox, DKIM from a key file."""

from __future__ import annotations

from pathlib import Path

import dkim
import pytest

from bot.app import open_services
from bot.settings import load_settings
from channels.base import Delivery, Recipient
from channels.mail.channel import MailChannel
from channels.mail.plugin import mail_config
from channels.plugin import ChannelSetupError
from tests.sample_edition import sample_edition

from .conftest import DkimPair


async def test_email_is_always_registered_and_writes_signed_mails_to_the_outbox(
    redis_url: str, tmp_path: Path, dkim_pair: DkimPair
) -> None:
    key_file = tmp_path / "dkim.pem"
    key_file.write_bytes(dkim_pair.private_pem)
    settings = load_settings(env={
        "AITODAY_REDIS_URL": redis_url, "AITODAY_DATA_DIR": str(tmp_path / "data"),
        "AITODAY_PUBLIC_URL": "https://news.example.com", "AITODAY_SECRET_KEY": "test-secret-key-0123456789abcdef",
        "AITODAY_MAIL_FROM": "AIToday <digest@news.example.com>",
        "AITODAY_DKIM_SELECTOR": dkim_pair.selector, "AITODAY_DKIM_PRIVATE_KEY": str(key_file),
    })
    async with open_services(settings) as services:
        channel = services.channels["email"]
        assert isinstance(channel, MailChannel) and channel.uses_outbox
        await channel.send(Delivery("sub:2026-11-27", Recipient("email", "reader@example.org"), sample_edition()))
    files = list(settings.outbox_dir.glob("*.eml"))
    assert len(files) == 1
    raw = files[0].read_bytes()
    assert dkim.verify(raw, dnsfunc=dkim_pair.dns) is True
    assert b"List-Unsubscribe: <https://news.example.com/unsubscribe/" in raw


def test_smtp_settings_require_starttls_unless_switched_off(tmp_path: Path) -> None:
    base = {"AITODAY_DATA_DIR": str(tmp_path), "SMTP_HOST": "mail.example.com", "SMTP_PORT": "2525"}
    config = mail_config(load_settings(env=base))
    assert config.smtp is not None and config.smtp.starttls is True and config.smtp.port == 2525
    relaxed = mail_config(load_settings(env={**base, "SMTP_STARTTLS": "false"}))
    assert relaxed.smtp is not None and relaxed.smtp.starttls is False
    assert mail_config(load_settings(env={"AITODAY_DATA_DIR": str(tmp_path)})).smtp is None


def test_an_unreadable_dkim_key_fails_at_start_naming_the_setting(tmp_path: Path) -> None:
    settings = load_settings(env={"AITODAY_DATA_DIR": str(tmp_path), "AITODAY_DKIM_SELECTOR": "s1",
                                  "AITODAY_DKIM_PRIVATE_KEY": str(tmp_path / "missing.pem")})
    with pytest.raises(ChannelSetupError, match="AITODAY_DKIM_PRIVATE_KEY"):
        mail_config(settings)
