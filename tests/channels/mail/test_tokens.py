"""Link tokens: one purpose each, an expiry each, and key rotation where only listed keys verify."""

from __future__ import annotations

import pytest

from bot.settings import load_settings
from bot.store.tokens import LinkTokens, Purpose, TokenExpired, TokenInvalid

NOW = 1_800_000_000.0


def _at(seconds: float) -> LinkTokens:
    return LinkTokens(["current-key"], clock=lambda: seconds)


def test_a_token_reads_back_for_its_own_purpose_only() -> None:
    tokens = _at(NOW)
    for purpose in Purpose:
        token = tokens.make(purpose, {"s": "abc123"})
        assert tokens.read(purpose, token) == {"s": "abc123"}
        for other in Purpose:
            if other is not purpose:
                with pytest.raises(TokenInvalid):
                    tokens.read(other, token)


@pytest.mark.parametrize("purpose", list(Purpose))
def test_tokens_expire_after_their_purposes_lifetime(purpose: Purpose) -> None:
    token = _at(NOW).make(purpose, {"s": "abc"})
    lifetime = purpose.max_age.total_seconds()
    assert _at(NOW + lifetime - 60).read(purpose, token) == {"s": "abc"}
    with pytest.raises(TokenExpired):
        _at(NOW + lifetime + 60).read(purpose, token)


def test_lifetimes_fit_their_use() -> None:
    assert Purpose.CONFIRM.max_age.days <= 7 < Purpose.PREFERENCES.max_age.days <= Purpose.UNSUBSCRIBE.max_age.days


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),
    lambda t: t.replace(".", "", 1),
    lambda t: "x" + t,
    lambda t: "",
    lambda t: t * 40,
])
def test_tampered_tokens_are_invalid(mangle: object) -> None:
    tokens = _at(NOW)
    token = tokens.make(Purpose.UNSUBSCRIBE, {"s": "abc"})
    with pytest.raises(TokenInvalid):
        tokens.read(Purpose.UNSUBSCRIBE, mangle(token))  # type: ignore[operator]


def test_rotation_keeps_old_links_working_until_the_old_key_is_dropped() -> None:
    old = LinkTokens(["key-2025"], clock=lambda: NOW).make(Purpose.PREFERENCES, {"s": "abc"})
    rotating = LinkTokens(["key-2026", "key-2025"], clock=lambda: NOW)
    assert rotating.read(Purpose.PREFERENCES, old) == {"s": "abc"}
    fresh = rotating.make(Purpose.PREFERENCES, {"s": "abc"})
    assert LinkTokens(["key-2026"], clock=lambda: NOW).read(Purpose.PREFERENCES, fresh) == {"s": "abc"}
    with pytest.raises(TokenInvalid):  # new tokens are signed with the new key only
        LinkTokens(["key-2025"], clock=lambda: NOW).read(Purpose.PREFERENCES, fresh)
    with pytest.raises(TokenInvalid):  # rotated out
        LinkTokens(["key-2026"], clock=lambda: NOW).read(Purpose.PREFERENCES, old)


def test_keys_come_from_the_settings() -> None:
    new, older, previous = "new-key-" + "N3w" * 10, "older-key-" + "0ld3r" * 6, "old-key-" + "Pr3v" * 8
    env = {"AITODAY_SECRET_KEY": new, "AITODAY_SECRET_KEY_PREVIOUS": f"{older}, {previous}"}
    settings = load_settings(env=env)
    old = LinkTokens([previous]).make(Purpose.UNSUBSCRIBE, {"s": "x"})
    assert LinkTokens.from_settings(settings).read(Purpose.UNSUBSCRIBE, old) == {"s": "x"}
    assert older not in repr(settings)  # previous keys are secrets too
