"""Slack installs on Redis: the OAuth installation and state stores, bot tokens for sending, and uninstalls.

slack_sdk ships installation stores for files, SQL and S3 but none for Redis, and the web, worker and
scheduler processes must all see the same installs, so these two classes implement bolt's async interfaces
(``AsyncInstallationStore``, ``AsyncOAuthStateStore``) on our Redis, with the same JSON form as the SDK's
own file store. A workspace is ``(enterprise, team)``; an org-wide install has no team (spelled ``-``).

Which workspace a subscription belongs to is recorded when it is changed by chat (``remember_subscriber``),
so ``app_uninstalled`` / ``tokens_revoked`` (and ``InstallBroken`` from a send) can deactivate exactly that
workspace's subscriptions with ``deactivate_workspace`` instead of scanning every subscription.

The channel factory lives here too: single-workspace mode sends with ``SLACK_BOT_TOKEN``; multi-workspace
mode looks the workspace's bot token up in the installation store.
"""

from __future__ import annotations

import json
import logging
import secrets
from typing import Any

import redis.asyncio as aioredis
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore

from bot import keys
from bot.runtime import Runtime
from bot.store.models import Identity, Subscription
from bot.store.subscriptions import SubscriptionStore
from channels.base import Channel
from channels.slack.channel import SlackChannel, TokenLookup

__all__ = [
    "RedisInstallationStore",
    "RedisOAuthStateStore",
    "deactivate_workspace",
    "remember_subscriber",
    "slack_channel",
    "token_lookup",
]

log = logging.getLogger(__name__)

_NONE = "-"
STATE_TTL_SECONDS = 600


def _id(value: str | None) -> str:
    return value or _NONE


class RedisInstallationStore(AsyncInstallationStore):
    """bolt's installation store on Redis. Keeps only the latest install per workspace and per installer."""

    def __init__(self, redis: aioredis.Redis) -> None:
        self._redis = redis
        self._logger = log

    @property
    def logger(self) -> logging.Logger:
        return self._logger

    async def async_save(self, installation: Installation) -> None:
        ent, team = _id(installation.enterprise_id), _id(installation.team_id)
        if installation.is_enterprise_install:
            team = _NONE
        body = json.dumps(installation.__dict__)
        latest = keys.slack_installation(ent, team, _NONE)
        mine = keys.slack_installation(ent, team, _id(installation.user_id))
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(latest, body)
            pipe.set(mine, body)
            pipe.sadd(keys.slack_install_keys(ent, team), latest, mine)
            await pipe.execute()
        await self.async_save_bot(installation.to_bot())

    async def async_save_bot(self, bot: Bot) -> None:
        if bot.bot_token is None:
            return
        ent, team = _id(bot.enterprise_id), _NONE if bot.is_enterprise_install else _id(bot.team_id)
        key = keys.slack_bot(ent, team)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(key, json.dumps(bot.__dict__))
            pipe.sadd(keys.slack_install_keys(ent, team), key)
            await pipe.execute()

    async def async_find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None:
        team = _NONE if is_enterprise_install else _id(team_id)
        raw = await self._redis.get(keys.slack_bot(_id(enterprise_id), team))
        return Bot(**json.loads(raw)) if raw else None

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        team = _NONE if is_enterprise_install else _id(team_id)
        raw = await self._redis.get(keys.slack_installation(_id(enterprise_id), team, _id(user_id)))
        if not raw:
            return None
        installation = Installation(**json.loads(raw))
        if user_id is not None:  # the installer's row may hold an older bot token: use the latest one
            bot = await self.async_find_bot(enterprise_id=enterprise_id, team_id=team_id,
                                            is_enterprise_install=is_enterprise_install)
            if bot is not None:
                installation.bot_token, installation.bot_id = bot.bot_token, bot.bot_id
                installation.bot_user_id, installation.bot_scopes = bot.bot_user_id, bot.bot_scopes
        return installation

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self._redis.delete(keys.slack_bot(_id(enterprise_id), _id(team_id)))

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        ent, team = _id(enterprise_id), _id(team_id)
        if user_id is not None:
            await self._redis.delete(keys.slack_installation(ent, team, user_id))
            return
        index = keys.slack_install_keys(ent, team)
        members: set[str] = await self._redis.smembers(index)  # type: ignore[assignment,misc]
        doomed = [k for k in members if k.startswith(keys.slack_installation(ent, team, ""))]
        if doomed:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.delete(*doomed)
                pipe.srem(index, *doomed)
                await pipe.execute()

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        ent, team = _id(enterprise_id), _id(team_id)
        index = keys.slack_install_keys(ent, team)
        members: set[str] = await self._redis.smembers(index)  # type: ignore[assignment,misc]
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(keys.slack_bot(ent, team), index, *members)
            await pipe.execute()


class RedisOAuthStateStore(AsyncOAuthStateStore):
    """OAuth ``state`` values on Redis: issued once, consumed once (GETDEL), expiring after ten minutes."""

    def __init__(self, redis: aioredis.Redis, expiration_seconds: int = STATE_TTL_SECONDS) -> None:
        self._redis = redis
        self._ttl = expiration_seconds

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        state = secrets.token_urlsafe(24)
        await self._redis.set(keys.slack_oauth_state(state), "1", ex=self._ttl)
        return state

    async def async_consume(self, state: str) -> bool:
        if not state or len(state) > 200:
            return False
        return await self._redis.getdel(keys.slack_oauth_state(state)) is not None


# ------------------------------------------------------------------ workspaces and their subscriptions


async def remember_subscriber(redis: aioredis.Redis, identity: Identity, enterprise_id: str = "") -> None:
    """Record that ``identity`` (``slack:<team>:<id>``) belongs to its workspace and org.

    Idempotent; called after every chat change so uninstalls find their subscriptions in one SMEMBERS.
    """
    team = identity.parts[0]
    async with redis.pipeline(transaction=False) as pipe:
        pipe.sadd(keys.slack_team_subs(team), identity.sid)
        if enterprise_id:
            pipe.sadd(keys.slack_team_subs(enterprise_id), identity.sid)
            pipe.set(keys.slack_team_org(team), enterprise_id)
        await pipe.execute()


async def deactivate_workspace(redis: aioredis.Redis, store: SubscriptionStore, team_or_org: str,
                               reason: str) -> int:
    """Deactivate every subscription of a workspace (``T…``) or org (``E…``); return how many changed.

    Used on ``app_uninstalled``, on ``tokens_revoked`` of the bot token, and by the worker on
    ``InstallBroken``. A later ``subscribe`` by chat reactivates a subscription as usual.
    """
    sids: set[str] = await redis.smembers(keys.slack_team_subs(team_or_org))  # type: ignore[assignment,misc]
    changed = 0
    for sid in sorted(sids):
        current = await store.get_by_sid(sid)
        if current is None or not current.active:
            continue

        def off(sub: Subscription | None) -> Subscription | None:
            return sub.with_changes(active=False, deactivated_reason=reason) if sub and sub.active else None

        updated = await store.update(current.identity, off)
        changed += int(updated is not None and not updated.active and updated.deactivated_reason == reason)
    log.info("slack %s: deactivated %d subscription(s) (%s)", team_or_org, changed, reason)
    return changed


# ------------------------------------------------------------------ sending: tokens and the channel


def token_lookup(runtime: Runtime) -> TokenLookup:
    """``token_for(team)`` for ``SlackChannel``: the configured bot token, else the workspace's installed one."""
    settings = runtime.settings
    store = RedisInstallationStore(runtime.redis)

    async def token_for(team: str) -> str | None:
        if settings.slack_bot_token is not None:
            return settings.slack_bot_token.get_secret_value()
        bot = await store.async_find_bot(enterprise_id=None, team_id=team)
        if bot is None:
            org = str(await runtime.redis.get(keys.slack_team_org(team)) or "")
            if org:
                bot = await store.async_find_bot(enterprise_id=org, team_id=team) or await store.async_find_bot(
                    enterprise_id=org, team_id=None, is_enterprise_install=True)
        return bot.bot_token if bot is not None else None

    return token_for


def slack_channel(runtime: Runtime) -> Channel | None:
    """The registry's factory: a ``SlackChannel`` when Slack is configured, else None."""
    if not runtime.settings.slack_enabled:
        return None
    return SlackChannel(api_url=runtime.settings.slack_api_url, token_for=token_lookup(runtime))
