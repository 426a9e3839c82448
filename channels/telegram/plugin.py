"""The Telegram channel's parts for the registry: one ``TelegramChannel`` (one PTB ``Bot``) sends and replies."""

from __future__ import annotations

from typing import Protocol

from pydantic import SecretStr

from channels.base import Channel
from channels.plugin import ChannelEnv, ChannelParts
from channels.telegram.channel import TelegramChannel
from channels.telegram.inbound import TelegramInbound

__all__ = ["PARTS", "TelegramSettings"]


class TelegramSettings(Protocol):
    """The settings Telegram reads (``bot.settings.Settings`` has them)."""

    @property
    def telegram_bot_token(self) -> SecretStr | None: ...

    @property
    def telegram_webhook_secret(self) -> SecretStr | None: ...

    @property
    def telegram_api_url(self) -> str: ...


def _build(env: ChannelEnv) -> TelegramChannel | None:
    """The channel, or None when ``TELEGRAM_BOT_TOKEN`` is unset. Later parts of a long digest take their
    tokens from the delivery engine's shared buckets (``env.pacer``)."""
    settings: TelegramSettings = env.settings
    token = settings.telegram_bot_token
    if token is None:
        return None
    return TelegramChannel(token.get_secret_value(), api_url=settings.telegram_api_url, pacer=env.pacer)


def _inbound(env: ChannelEnv, channel: Channel) -> TelegramInbound | None:
    if not isinstance(channel, TelegramChannel):
        return None
    settings: TelegramSettings = env.settings
    secret = settings.telegram_webhook_secret
    return TelegramInbound(channel, env.conversation, secret.get_secret_value() if secret is not None else None)


def _preview(env: ChannelEnv) -> TelegramChannel:
    settings: TelegramSettings = env.settings
    return TelegramChannel("0:preview", api_url=settings.telegram_api_url)


PARTS = ChannelParts(build=_build, inbound=_inbound, preview=_preview)
