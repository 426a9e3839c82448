"""Logs an operator ships: JSON when asked, never a secret, never a raw webhook body."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.logging_setup import MAX_MESSAGE, configure_logging
from bot.settings import load_settings

SLACK_SECRET = "8f14e45fceea167a5a36dedd4bea2543"
TELEGRAM_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1"


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Route the root logger to a buffer for one test, then put pytest's handlers back."""
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    buffer = io.StringIO()
    yield buffer
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in saved_handlers:
        root.addHandler(handler)
    root.setLevel(saved_level)


def _configure(buffer: io.StringIO, fmt: str) -> None:
    settings = load_settings(env={"AITODAY_LOG_FORMAT": fmt, "SLACK_SIGNING_SECRET": SLACK_SECRET,
                                  "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN})
    configure_logging(settings, stream=buffer)


def test_json_lines_carry_level_logger_message_and_safe_extras(captured: io.StringIO) -> None:
    _configure(captured, "json")
    logging.getLogger("aitoday.worker").warning("delivery %s rate limited", "d1", extra={"channel": "telegram"})
    entry = json.loads(captured.getvalue().splitlines()[-1])
    assert entry["level"] == "warning"
    assert entry["logger"] == "aitoday.worker"
    assert entry["msg"] == "delivery d1 rate limited"
    assert entry["channel"] == "telegram"
    assert entry["ts"].endswith("+00:00")


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_secrets_and_token_shapes_never_reach_the_log(captured: io.StringIO, fmt: str) -> None:
    _configure(captured, fmt)
    log = logging.getLogger("aitoday.test")
    log.info("verifying with %s", SLACK_SECRET)
    log.info("calling https://api.telegram.org/bot%s/sendMessage", TELEGRAM_TOKEN)
    log.info("redis at redis://default:hunter2hunter2@redis.internal:6379/0 and xoxb-1234567890-abcdefghij")
    try:
        raise ValueError(f"bad token {TELEGRAM_TOKEN}")
    except ValueError:
        log.exception("send failed")
    output = captured.getvalue()
    for secret in (SLACK_SECRET, TELEGRAM_TOKEN, "hunter2hunter2", "xoxb-1234567890-abcdefghij"):
        assert secret not in output
    assert output.count("***") >= 5
    assert "ValueError" in output  # the traceback survives, redacted


def test_webhook_bodies_are_dropped_and_long_messages_cut(captured: io.StringIO) -> None:
    _configure(captured, "json")
    log = logging.getLogger("aitoday.web")
    log.info("line webhook rejected", extra={"body": '{"events":[{"message":{"text":"private"}}]}',
                                             "reason": "signature"})
    log.info("%s", "x" * (MAX_MESSAGE * 3))
    first, second = (json.loads(line) for line in captured.getvalue().splitlines()[-2:])
    assert "body" not in first and "private" not in json.dumps(first)
    assert first["reason"] == "signature"
    assert len(second["msg"]) < MAX_MESSAGE + 100
