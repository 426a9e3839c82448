"""The LINE channel's parts for the registry: the channel, its webhook, its preview, its monthly-quota job."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from pydantic import SecretStr

from channels.base import Channel
from channels.line.channel import LineChannel
from channels.line.inbound import LineInbound
from channels.line.ports import LineAudience
from channels.line.quota import line_quota_job
from channels.plugin import ChannelEnv, ChannelParts, Job

__all__ = ["LINE_QUOTA_SECONDS", "PARTS", "LineSettings"]


class LineSettings(Protocol):
    """The settings LINE reads (``bot.settings.Settings`` has them)."""

    @property
    def line_enabled(self) -> bool: ...

    @property
    def line_channel_secret(self) -> SecretStr | None: ...

    @property
    def line_channel_access_token(self) -> SecretStr | None: ...

    @property
    def line_api_url(self) -> str: ...

#: How often the next day's fan-out is fitted into the monthly quota (readers it cannot cover go to "pull").
LINE_QUOTA_SECONDS = 900.0


def _build(env: ChannelEnv) -> LineChannel | None:
    """The channel, or None when ``LINE_CHANNEL_SECRET`` / ``LINE_CHANNEL_ACCESS_TOKEN`` are unset."""
    settings: LineSettings = env.settings
    if not settings.line_enabled or settings.line_channel_access_token is None:
        return None
    return LineChannel(settings.line_channel_access_token.get_secret_value(), settings.line_api_url)


def _inbound(env: ChannelEnv, channel: Channel) -> LineInbound | None:
    settings: LineSettings = env.settings
    secret = settings.line_channel_secret
    if not isinstance(channel, LineChannel) or secret is None:
        return None
    return LineInbound(channel, env.conversation, secret.get_secret_value())


def _preview(env: ChannelEnv) -> LineChannel:
    settings: LineSettings = env.settings
    return LineChannel("preview", settings.line_api_url)


def _jobs(env: ChannelEnv, channel: Channel) -> Sequence[Job]:
    if not isinstance(channel, LineChannel):
        return ()
    audience: LineAudience = env.port(LineAudience)
    return (Job("line-quota", LINE_QUOTA_SECONDS, line_quota_job(channel, audience)),)


PARTS = ChannelParts(build=_build, inbound=_inbound, preview=_preview, jobs=_jobs)
