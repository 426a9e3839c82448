"""Slack's v0 request signature, checked on the raw body bytes before anything else reads the request.

Why our own check rather than bolt's: bolt decodes the body as UTF-8 and parses the timestamp with ``int()``
*before* the HMAC is checked, so a forged request with invalid UTF-8 or a non-numeric timestamp raises
inside the framework (a 500, which Slack would retry). Here every malformed header is simply "not signed":

    signature = "v0=" + hex(HMAC_SHA256(signing_secret, b"v0:" + timestamp + b":" + raw_body))

and the timestamp must be within ``WINDOW_SECONDS`` (5 minutes) of our clock, either way, so a captured
request cannot be replayed later. The clock is injectable so Slack's official test vector can be shown
valid at its own time and rejected at ours.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Mapping
from enum import Enum

__all__ = ["WINDOW_SECONDS", "Rejection", "SlackSignature"]

WINDOW_SECONDS = 300
_MAX_TIMESTAMP_DIGITS = 12


class Rejection(Enum):
    """Why a request was refused; the value is the ``webhook_rejections`` counter's ``reason`` label."""

    MISSING = "missing"
    SIGNATURE = "signature"
    STALE = "stale"


class SlackSignature:
    """Verifies ``X-Slack-Signature`` / ``X-Slack-Request-Timestamp`` for one signing secret."""

    def __init__(self, signing_secret: str, clock: Callable[[], float] = time.time) -> None:
        if not signing_secret:
            raise ValueError("SLACK_SIGNING_SECRET is empty")
        self._secret = signing_secret.encode("utf-8")
        self._clock = clock

    def sign(self, body: bytes, timestamp: str) -> str:
        digest = hmac.new(self._secret, b"v0:" + timestamp.encode("ascii") + b":" + body, hashlib.sha256)
        return "v0=" + digest.hexdigest()

    def check(self, body: bytes, headers: Mapping[str, str]) -> Rejection | None:
        """None when ``body`` was signed by Slack within the window; else why not. Never raises."""
        timestamp = headers.get("x-slack-request-timestamp", "")
        signature = headers.get("x-slack-signature", "")
        if not timestamp or not signature:
            return Rejection.MISSING
        if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > _MAX_TIMESTAMP_DIGITS:
            return Rejection.SIGNATURE
        if abs(self._clock() - int(timestamp)) > WINDOW_SECONDS:
            return Rejection.STALE
        if not signature.isascii() or not hmac.compare_digest(self.sign(body, timestamp), signature):
            return Rejection.SIGNATURE
        return None
