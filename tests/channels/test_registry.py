"""The channel registry: one entry per channel, light to import, and everything the bot derives from it."""

from __future__ import annotations

import subprocess
import sys

from bot.cli import build_parser
from bot.cli.preview import PREVIEW_CHANNELS
from channels.registry import CHANNELS

SDKS = ("telegram", "slack_bolt", "slack_sdk", "linebot", "aiosmtplib")


def test_importing_the_cli_and_the_registry_imports_no_platform_sdk() -> None:
    probe = ("import sys, bot.cli, channels.registry; "
             f"print(sorted(m for m in {SDKS!r} if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    assert result.stdout.strip() == "[]"


def test_each_channel_is_one_entry_with_a_unique_name_and_webhook() -> None:
    names = [entry.name for entry in CHANNELS]
    assert names == ["slack", "line", "email", "telegram", "console"]
    paths = [entry.webhook_path for entry in CHANNELS if entry.webhook_path]
    assert sorted(paths) == ["/email/inbound", "/line/webhook", "/slack/events", "/telegram/webhook"]


def test_the_cli_verbs_and_the_previews_come_from_the_registry() -> None:
    assert PREVIEW_CHANNELS == {"slack": "slack", "line": "line", "email": "email", "telegram": "telegram",
                                "text": "console"}
    parser = build_parser()
    assert parser.parse_args(["line", "setup"]).needs_runtime is False
    assert parser.parse_args(["telegram", "setup"]).needs_runtime is False


def test_the_bots_settings_have_every_field_a_channel_reads() -> None:
    from bot.settings import load_settings
    from channels.line.plugin import LineSettings
    from channels.slack.plugin import SlackSettings
    from channels.telegram.plugin import TelegramSettings

    settings = load_settings(env={})
    for protocol in (TelegramSettings, LineSettings, SlackSettings):
        fields = [name for name in vars(protocol) if not name.startswith("_")]
        assert fields and [name for name in fields if not hasattr(settings, name)] == [], protocol.__name__
