"""Logging for every role: readable lines for a terminal, or one JSON object per line for a log pipeline.

``AITODAY_LOG_FORMAT=json`` switches to JSON (``ts``, ``level``, ``logger``, ``msg``, ``exc`` and any safe
``extra=`` fields). Whatever the format, two rules hold, enforced here rather than trusted to call sites:

* no secrets: every configured secret value (tokens, passwords, the signing key) is replaced by ``***``,
  and so are strings shaped like provider tokens and the password part of URLs;
* no raw webhook bodies: ``extra`` fields named like a body or payload are dropped, and a message is cut at
  ``MAX_MESSAGE`` characters so that a stray ``log.info("%s", body)`` cannot dump a whole request.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from bot.settings import Settings

__all__ = ["MAX_MESSAGE", "JsonFormatter", "Redactor", "configure_logging", "secret_values"]

MAX_MESSAGE = 2000

#: Shapes of credentials that may reach a message even when not configured here (a pasted token, a URL).
_TOKEN_SHAPES = re.compile(
    r"xox[abposr]-[A-Za-z0-9-]{10,}"                   # Slack tokens
    r"|\b\d{6,12}:[A-Za-z0-9_-]{30,}\b"                 # Telegram bot tokens
    r"|(?i:bearer)\s+[A-Za-z0-9._~+/=-]{16,}"           # Authorization headers
    r"|(?<=://)[^/\s:@]*:[^/\s@]+(?=@)"                 # user:password@ in URLs
)
_DROPPED_EXTRAS = {"body", "payload", "raw", "raw_body", "request_body", "data"}
_STANDARD_ATTRS = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}


def secret_values(settings: Settings) -> list[str]:
    """Every secret the settings hold, as plain strings, for the redactor."""
    values: list[str] = []
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if hasattr(value, "get_secret_value"):
            values.append(str(value.get_secret_value()))
    return [v for v in values if len(v) >= 6]


class Redactor(logging.Filter):
    """Replaces secrets in the rendered message and drops body-like extras. Never rejects a record."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = sorted(set(secrets), key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return _TOKEN_SHAPES.sub("***", text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = self.redact(record.getMessage())
        if len(message) > MAX_MESSAGE:
            message = message[:MAX_MESSAGE] + f"… [{len(message) - MAX_MESSAGE} more characters cut]"
        record.msg, record.args = message, None
        for name in _DROPPED_EXTRAS & set(vars(record)):
            delattr(record, name)
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line; ``extra=`` fields are included when they are JSON-able."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if record.exc_text:
            entry["exc"] = record.exc_text
        for name, value in vars(record).items():
            if name not in _STANDARD_ATTRS and name not in entry and not name.startswith("_"):
                entry[name] = value if isinstance(value, str | int | float | bool | None) else str(value)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(settings: Settings, *, level: int = logging.INFO, stream: Any = None) -> None:
    """Install one handler on the root logger for the settings' format; uvicorn's loggers propagate to it.

    ``level`` is the root's: the CLI passes WARNING for one-shot commands, INFO for the long-running roles
    and ``-v``, DEBUG for ``-vv``. HTTP client chatter stays at WARNING unless DEBUG was asked for.
    """
    handler = logging.StreamHandler(stream or sys.stderr)
    if settings.log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(Redactor(secret_values(settings)))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    for noisy in ("httpx", "httpcore", "apscheduler.executors.default", "apscheduler.scheduler"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if level <= logging.DEBUG else logging.WARNING)
