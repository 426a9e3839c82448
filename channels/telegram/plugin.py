"""The Telegram channel's parts for the registry: one ``TelegramChannel`` (one PTB ``Bot``) sends and replies."""

from __future__ import annotations

from channels.base import Channel
from channels.plugin import ChannelEnv, ChannelParts
from channels.telegram.channel import TelegramChannel
from channels.telegram.inbound import TelegramInbound

__all__ = ["PARTS"]


def _build(env: ChannelEnv) -> TelegramChannel | None:
    """The channel, or None when ``TELEGRAM_BOT_TOKEN`` is unset. Later parts of a long digest take their
    tokens from the delivery engine's shared buckets (``env.pacer``)."""
    token = env.settings.telegram_bot_token
    if token is None:
        return None
    return TelegramChannel(token.get_secret_value(), api_url=env.settings.telegram_api_url, pacer=env.pacer)


def _inbound(env: ChannelEnv, channel: Channel) -> TelegramInbound | None:
    if not isinstance(channel, TelegramChannel):
        return None
    secret = env.settings.telegram_webhook_secret
    return TelegramInbound(channel, env.conversation, secret.get_secret_value() if secret is not None else None)


def _preview(env: ChannelEnv) -> TelegramChannel:
    return TelegramChannel("0:preview", api_url=env.settings.telegram_api_url)


PARTS = ChannelParts(build=_build, inbound=_inbound, preview=_preview)
