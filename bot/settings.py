"""Every setting of DESIGN.md §2, read once, typed, in this one place.

Settings come from the environment and an optional ``.env`` file. Unknown ``AITODAY_*`` names and invalid
values fail at start-up with a message naming the setting and the expected form (``SettingsError``).
Secrets are ``SecretStr``: masked in ``repr`` and logs; read them with ``.get_secret_value()`` where used.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import secrets
import tempfile
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["PLACEHOLDER_KEYS", "Settings", "SettingsError", "load_settings"]

_SECRET_FILE = "secret.key"  # noqa: S105 - a file name, not a secret


class SettingsError(Exception):
    """A setting is missing, unknown or malformed. The message names it and the expected form."""


class Settings(BaseSettings):
    """The service's configuration. Field aliases are the environment names operators use."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
        frozen=True,
    )

    redis_url: str | None = Field(default=None, alias="AITODAY_REDIS_URL")
    # auto: ask the server (INFO cluster); true/false: an operator who knows says so (DESIGN §7)
    redis_cluster: Literal["auto", "true", "false"] = Field(default="auto", alias="AITODAY_REDIS_CLUSTER")
    data_dir: Path = Field(default=Path("./data"), alias="AITODAY_DATA_DIR")
    public_url: str = Field(default="http://localhost:8000", alias="AITODAY_PUBLIC_URL")
    secret_key: SecretStr | None = Field(default=None, alias="AITODAY_SECRET_KEY")
    # Keys that signed links before the last rotation (comma-separated): they still verify, never sign
    secret_key_previous: SecretStr | None = Field(default=None, alias="AITODAY_SECRET_KEY_PREVIOUS")
    sources: Path | None = Field(default=None, alias="AITODAY_SOURCES")
    fetch_allow: str = Field(default="", alias="AITODAY_FETCH_ALLOW")
    ingest_interval_minutes: int = Field(default=30, ge=1, le=1440, alias="AITODAY_INGEST_INTERVAL_MINUTES")
    catch_up_hours: float = Field(default=6.0, ge=0, le=48, alias="AITODAY_CATCH_UP_HOURS")
    due_tick_seconds: float = Field(default=60.0, gt=0, le=3600, alias="AITODAY_DUE_TICK_SECONDS")
    worker_name: str | None = Field(default=None, alias="AITODAY_WORKER_NAME")
    worker_concurrency: int = Field(default=64, ge=1, le=4096, alias="AITODAY_WORKER_CONCURRENCY")
    delivery_max_attempts: int = Field(default=5, ge=1, le=50, alias="AITODAY_DELIVERY_MAX_ATTEMPTS")
    delivery_retry_seconds: float = Field(default=30.0, gt=0, le=3600, alias="AITODAY_DELIVERY_RETRY_SECONDS")
    delivery_lease_seconds: float = Field(default=60.0, gt=0, le=3600, alias="AITODAY_DELIVERY_LEASE_SECONDS")
    now_cooldown_seconds: float = Field(default=600.0, ge=0, le=86400, alias="AITODAY_NOW_COOLDOWN_SECONDS")
    full_text: bool = Field(default=True, alias="AITODAY_FULL_TEXT")
    # A Redis without AOF or RDB loses every subscription on restart: refused unless this says it is meant to
    redis_ephemeral: bool = Field(default=False, alias="AITODAY_REDIS_EPHEMERAL")

    llm_base_url: str | None = Field(default=None, alias="AITODAY_LLM_BASE_URL")
    llm_api_key: SecretStr | None = Field(default=None, alias="AITODAY_LLM_API_KEY")
    llm_model: str | None = Field(default=None, alias="AITODAY_LLM_MODEL")
    llm_daily_token_budget: int = Field(default=200_000, ge=0, alias="AITODAY_LLM_DAILY_TOKEN_BUDGET")
    # Chat messages the grammar misses go to the LLM for a command (bot.conversation.intent): at most this many
    # per chat and hour (0: never), each answered within the timeout (inside Slack's 3 s) or not at all
    llm_intents_per_hour: int = Field(default=20, ge=0, le=1000, alias="AITODAY_LLM_INTENTS_PER_HOUR")
    llm_intent_timeout_seconds: float = Field(default=2.0, gt=0, le=60, alias="AITODAY_LLM_INTENT_TIMEOUT_SECONDS")

    slack_bot_token: SecretStr | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    slack_client_id: str | None = Field(default=None, alias="SLACK_CLIENT_ID")
    slack_client_secret: SecretStr | None = Field(default=None, alias="SLACK_CLIENT_SECRET")

    line_channel_secret: SecretStr | None = Field(default=None, alias="LINE_CHANNEL_SECRET")
    line_channel_access_token: SecretStr | None = Field(default=None, alias="LINE_CHANNEL_ACCESS_TOKEN")

    telegram_bot_token: SecretStr | None = Field(default=None, alias="TELEGRAM_BOT_TOKEN")
    telegram_webhook_secret: SecretStr | None = Field(default=None, alias="TELEGRAM_WEBHOOK_SECRET")
    # Shown on the landing page as "add the bot" links (the web pages cannot learn them from the tokens alone)
    telegram_bot_username: str = Field(default="", alias="AITODAY_TELEGRAM_BOT_USERNAME")
    line_basic_id: str = Field(default="", pattern=r"^(@[\w.-]+)?$", alias="AITODAY_LINE_BASIC_ID")

    smtp_host: str | None = Field(default=None, alias="SMTP_HOST")
    smtp_port: int = Field(default=587, ge=1, le=65535, alias="SMTP_PORT")
    smtp_username: str | None = Field(default=None, alias="SMTP_USERNAME")
    smtp_password: SecretStr | None = Field(default=None, alias="SMTP_PASSWORD")
    smtp_starttls: bool = Field(default=True, alias="SMTP_STARTTLS")
    mail_from: str = Field(default="AIToday <digest@localhost>", alias="AITODAY_MAIL_FROM")
    dkim_selector: str | None = Field(default=None, alias="AITODAY_DKIM_SELECTOR")
    dkim_private_key: Path | None = Field(default=None, alias="AITODAY_DKIM_PRIVATE_KEY")
    # Replies to the digest as commands (POST /email/inbound, raw RFC 5322 body): off unless a secret is set
    mail_inbound_secret: SecretStr | None = Field(default=None, alias="AITODAY_MAIL_INBOUND_SECRET")
    # authserv-id of our own receiving server, whose Authentication-Results headers we trust
    mail_authserv_id: str = Field(default="", alias="AITODAY_MAIL_AUTHSERV_ID")

    slack_api_url: str = Field(default="https://slack.com/api/", alias="AITODAY_SLACK_API_URL")
    line_api_url: str = Field(default="https://api.line.me", alias="AITODAY_LINE_API_URL")
    telegram_api_url: str = Field(default="https://api.telegram.org", alias="AITODAY_TELEGRAM_API_URL")

    log_format: str = Field(default="text", pattern="^(text|json)$", alias="AITODAY_LOG_FORMAT")
    # Seconds a Redis command may take before the store counts Redis as unavailable (a frozen server): pages
    # answer 503 then instead of hanging
    redis_timeout_seconds: float = Field(default=3.0, gt=0, le=60, alias="AITODAY_REDIS_TIMEOUT_SECONDS")
    # Proxies whose X-Forwarded-For is believed (comma-separated addresses or CIDRs); none by default
    trusted_proxies: str = Field(default="", alias="AITODAY_TRUSTED_PROXIES")

    # ------------------------------------------------------------------ validation

    @field_validator("redis_url")
    @classmethod
    def _redis_url_scheme(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if urlsplit(value).scheme not in {"redis", "rediss", "unix"}:
            raise ValueError("expected redis://host:port/db, rediss://… or unix:///path/to/socket")
        return value

    @field_validator(
        "public_url", "slack_api_url", "line_api_url", "telegram_api_url", "llm_base_url"
    )
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ValueError("expected an http:// or https:// URL, e.g. https://news.example.com")
        return value

    @field_validator("secret_key", "secret_key_previous")
    @classmethod
    def _strong_keys(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        """Whoever knows the key mints confirm, preference and unsubscribe links for any reader: a short,
        uniform or documented key is as good as none. Previous keys verify links, so they obey the same rule."""
        if value is None or value.get_secret_value() == "":
            return None  # empty = unset, as for every other setting; a space is a (weak) key
        raw = value.get_secret_value()
        keys = [k.strip() for k in raw.split(",") if k.strip()] if info.field_name == "secret_key_previous" else [raw]
        for key in keys or [raw]:
            _check_key(key)
        return value

    @field_validator("fetch_allow")
    @classmethod
    def _allow_list(cls, value: str) -> str:
        for item in _split(value):
            if "/" in item:
                try:
                    ipaddress.ip_network(item, strict=False)
                except ValueError as exc:
                    raise ValueError(f"{item!r} is not a CIDR; expected e.g. 127.0.0.1/32,10.0.0.0/8") from exc
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_list(cls, value: str) -> str:
        for item in _split(value):
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError as exc:
                raise ValueError(f"{item!r} is not an address or CIDR; expected e.g. 10.0.0.5,10.1.0.0/16") \
                    from exc
        return value

    # ------------------------------------------------------------------ derived

    @property
    def trusted_proxy_list(self) -> tuple[str, ...]:
        """Addresses and CIDRs whose ``X-Forwarded-For`` is believed (empty: the peer address is the client)."""
        return tuple(_split(self.trusted_proxies))

    @property
    def fetch_allow_list(self) -> tuple[str, ...]:
        """Hosts, IPs or CIDRs that fetching may reach although they are private or loopback."""
        return tuple(_split(self.fetch_allow))

    @property
    def llm_enabled(self) -> bool:
        return bool(self.llm_base_url and self.llm_model)

    @property
    def slack_enabled(self) -> bool:
        return self.slack_signing_secret is not None and (
            self.slack_bot_token is not None or self.slack_client_id is not None
        )

    @property
    def line_enabled(self) -> bool:
        return self.line_channel_secret is not None and self.line_channel_access_token is not None

    @property
    def telegram_enabled(self) -> bool:
        return self.telegram_bot_token is not None

    @property
    def smtp_enabled(self) -> bool:
        return bool(self.smtp_host)

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"

    def secret(self) -> str:
        """The signing key: the configured one, else one generated once and kept in the data dir.

        Several processes may start on a fresh data dir at once (``aitoday web`` beside ``aitoday worker``):
        the key is written whole to a private temporary file and linked into place, which either wins or finds
        the other's complete key, so no process ever reads a half-written file or signs with a key of its own.
        """
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        path = self.data_dir / _SECRET_FILE
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            _create_key_file(path)
        key = path.read_text(encoding="utf-8").strip()
        try:
            _check_key(key)
        except ValueError as exc:
            raise SettingsError(f"{path} holds a weak key ({exc}); delete it to have a new one made") from None
        return key


#: Values the project's own files have shown as AITODAY_SECRET_KEY (tests/bot/test_secret_key.py keeps it complete)
PLACEHOLDER_KEYS = frozenset(
    {
        "change-me-to-a-long-random-string",
        "REFUSED-placeholder-make-a-key-with-python-secrets-token-urlsafe-48",
    }
)
_MIN_KEY_BYTES = 32
_MIN_KEY_SYMBOLS = 8
_MAKE_KEY = 'python -c "import secrets; print(secrets.token_urlsafe(48))"'


def _check_key(key: str) -> None:
    """Raise ``ValueError`` (named by ``load_settings``) for a key anyone could guess."""
    if key in PLACEHOLDER_KEYS or "change-me" in key.lower():
        problem = "is the documented placeholder"
    elif len(key.encode("utf-8")) < _MIN_KEY_BYTES:
        problem = f"is shorter than {_MIN_KEY_BYTES} bytes"
    elif len(set(key)) < _MIN_KEY_SYMBOLS:
        problem = f"uses fewer than {_MIN_KEY_SYMBOLS} different characters"
    else:
        return
    raise ValueError(f"the key {problem}; make one with: {_MAKE_KEY}")


def _create_key_file(path: Path) -> None:
    """Write a new key to a temporary file, then link it to ``path`` unless another process got there first."""
    fd, temporary = tempfile.mkstemp(prefix=".secret-", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(secrets.token_urlsafe(48))
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(FileExistsError):  # another process won: its key is complete, use it
            os.link(temporary, path)
    finally:
        os.unlink(temporary)


def _split(value: str) -> list[str]:
    return [item.strip() for item in value.replace(";", ",").split(",") if item.strip()]


_KNOWN_PREFIX = "AITODAY_"


def load_settings(env: dict[str, str] | None = None, **overrides: Any) -> Settings:
    """Read and validate the settings; raise ``SettingsError`` naming the bad setting.

    ``env`` replaces ``os.environ`` (tests pass their own); ``overrides`` are field values that win over the
    environment (the CLI's ``--data-dir``).
    """
    environ = dict(os.environ if env is None else env)
    known = {f.alias for f in Settings.model_fields.values() if f.alias}
    unknown = sorted(k for k in environ if k.startswith(_KNOWN_PREFIX) and k not in known)
    if unknown:
        raise SettingsError(
            f"unknown setting {unknown[0]}; known AITODAY_* settings: "
            + ", ".join(sorted(k for k in known if k.startswith(_KNOWN_PREFIX)))
        )
    values: dict[str, Any] = {k: v for k, v in environ.items() if k in known}
    values.update({Settings.model_fields[k].alias or k: v for k, v in overrides.items() if v is not None})
    try:
        if env is None:
            return Settings(**values)
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else "settings"
        field = Settings.model_fields.get(name)
        alias = field.alias if field is not None and field.alias else name
        message = str(first["msg"]).removeprefix("Value error, ")
        raise SettingsError(f"invalid setting {alias}: {message}") from None
