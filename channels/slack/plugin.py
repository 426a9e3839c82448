"""The Slack channel's parts for the registry: the channel (bot token or installed tokens), its webhook, preview."""

from __future__ import annotations

from typing import Protocol

from pydantic import SecretStr

from channels.base import Channel
from channels.plugin import ChannelEnv, ChannelParts
from channels.slack.channel import SlackChannel
from channels.slack.inbound import SlackConfig, SlackInbound
from channels.slack.installs import SlackInstallationStore, token_lookup
from channels.slack.ports import SlackInstallRecords, SlackWorkspaces

__all__ = ["PARTS", "SlackSettings"]


class SlackSettings(Protocol):
    """The settings Slack reads (``bot.settings.Settings`` has them)."""

    @property
    def slack_enabled(self) -> bool: ...

    @property
    def slack_bot_token(self) -> SecretStr | None: ...

    @property
    def slack_signing_secret(self) -> SecretStr | None: ...

    @property
    def slack_client_id(self) -> str | None: ...

    @property
    def slack_client_secret(self) -> SecretStr | None: ...

    @property
    def slack_api_url(self) -> str: ...

    @property
    def public_url(self) -> str: ...


def _build(env: ChannelEnv) -> SlackChannel | None:
    """Single-workspace mode sends with ``SLACK_BOT_TOKEN``; multi-workspace mode with each install's token."""
    settings: SlackSettings = env.settings
    if not settings.slack_enabled:
        return None
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token is not None else None
    installs = SlackInstallationStore(env.port(SlackInstallRecords))
    return SlackChannel(api_url=settings.slack_api_url, token_for=token_lookup(token, installs,
                                                                              env.port(SlackWorkspaces)))


def _inbound(env: ChannelEnv, channel: Channel) -> SlackInbound | None:
    settings: SlackSettings = env.settings
    if not settings.slack_enabled or settings.slack_signing_secret is None:
        return None
    config = SlackConfig(
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        api_url=settings.slack_api_url,
        bot_token=settings.slack_bot_token.get_secret_value() if settings.slack_bot_token is not None else None,
        client_id=settings.slack_client_id,
        client_secret=(settings.slack_client_secret.get_secret_value()
                       if settings.slack_client_secret is not None else None),
        public_url=settings.public_url,
    )
    return SlackInbound(config, env.conversation, env.port(SlackInstallRecords), env.port(SlackWorkspaces))


async def _no_token(_team: str) -> str | None:
    return None


def _preview(env: ChannelEnv) -> SlackChannel:
    settings: SlackSettings = env.settings
    return SlackChannel(api_url=settings.slack_api_url, token_for=_no_token)


PARTS = ChannelParts(build=_build, inbound=_inbound, preview=_preview)
