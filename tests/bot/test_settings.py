"""Settings: every DESIGN.md name is read, bad values fail naming the setting, secrets never show."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError, load_settings

DESIGN_NAMES = [
    "AITODAY_REDIS_URL", "AITODAY_DATA_DIR", "AITODAY_PUBLIC_URL", "AITODAY_SECRET_KEY", "AITODAY_SOURCES",
    "AITODAY_FETCH_ALLOW", "AITODAY_LLM_BASE_URL", "AITODAY_LLM_API_KEY", "AITODAY_LLM_MODEL", "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "LINE_CHANNEL_SECRET",
    "LINE_CHANNEL_ACCESS_TOKEN", "TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "SMTP_HOST", "SMTP_PORT",
    "SMTP_USERNAME", "SMTP_PASSWORD", "SMTP_STARTTLS", "AITODAY_MAIL_FROM", "AITODAY_SLACK_API_URL",
    "AITODAY_LINE_API_URL", "AITODAY_TELEGRAM_API_URL",
]


def test_every_design_setting_exists() -> None:
    aliases = {field.alias for field in Settings.model_fields.values()}
    assert [name for name in DESIGN_NAMES if name not in aliases] == []


def test_defaults_are_the_embedded_ones(tmp_path: Path) -> None:
    settings = load_settings(env={})
    assert settings.redis_url is None
    assert settings.public_url == "http://localhost:8000"
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.line_api_url == "https://api.line.me"
    assert settings.telegram_api_url == "https://api.telegram.org"
    assert not (settings.slack_enabled or settings.line_enabled or settings.telegram_enabled or settings.smtp_enabled)


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("SMTP_PORT", "seventy", "SMTP_PORT"),
        ("SMTP_PORT", "70000", "SMTP_PORT"),
        ("AITODAY_REDIS_URL", "http://localhost:6379", "AITODAY_REDIS_URL"),
        ("AITODAY_PUBLIC_URL", "news.example.com", "AITODAY_PUBLIC_URL"),
        ("AITODAY_FETCH_ALLOW", "10.0.0.0/33", "AITODAY_FETCH_ALLOW"),
        ("SMTP_STARTTLS", "perhaps", "SMTP_STARTTLS"),
        ("AITODAY_REDIS_URLL", "redis://x", "AITODAY_REDIS_URLL"),
    ],
)
def test_invalid_values_name_the_setting(name: str, value: str, expected: str) -> None:
    with pytest.raises(SettingsError, match=expected) as error:
        load_settings(env={name: value})
    assert "Traceback" not in str(error.value)


def test_secrets_are_masked_in_repr() -> None:
    settings = load_settings(env={"SLACK_BOT_TOKEN": "xoxb-very-secret", "SMTP_PASSWORD": "hunter2",
                                  "AITODAY_SECRET_KEY": "kq7-Zx9_Wp" * 4})
    shown = repr(settings) + str(settings)
    assert "xoxb-very-secret" not in shown and "hunter2" not in shown and "kq7-Zx9_Wp" * 4 not in shown
    assert settings.slack_bot_token is not None
    assert settings.slack_bot_token.get_secret_value() == "xoxb-very-secret"


def test_generated_secret_key_is_kept_in_the_data_dir(tmp_path: Path) -> None:
    first = load_settings(env={"AITODAY_DATA_DIR": str(tmp_path)}).secret()
    second = load_settings(env={"AITODAY_DATA_DIR": str(tmp_path)}).secret()
    assert first == second and len(first) >= 40
    assert (tmp_path / "secret.key").stat().st_mode & 0o077 == 0
    assert load_settings(env={"AITODAY_DATA_DIR": str(tmp_path / "other")}).secret() != first


def test_fetch_allow_list_splits() -> None:
    settings = load_settings(env={"AITODAY_FETCH_ALLOW": "127.0.0.1/32, localhost;10.0.0.0/8"})
    assert settings.fetch_allow_list == ("127.0.0.1/32", "localhost", "10.0.0.0/8")
