"""Slack's storage ports (``channels.slack.installs``) on Redis: install records, OAuth states, workspaces.

Keys (``bot.keys``): ``{slack}:install:<ent>:<team>:<user>``, ``{slack}:bot:<ent>:<team>``, the index
``{slack}:install-keys:<ent>:<team>`` of both (for deleting a workspace), ``{slack}:oauth-state:<state>``,
``{slack}:team-subs:<team>`` (sids per workspace or org) and ``{slack}:team-org:<team>``.
"""

from __future__ import annotations

import logging

from bot import keys
from bot.store.client import RedisClient
from bot.store.subscriptions import SubscriptionStore
from channels.slack.ports import NONE

__all__ = ["RedisSlackInstallRecords", "RedisSlackWorkspaces"]

log = logging.getLogger(__name__)


class RedisSlackInstallRecords:
    """``SlackInstallRecords`` on Redis."""

    def __init__(self, redis: RedisClient) -> None:
        self._redis = redis

    async def save_installation(self, enterprise: str, team: str, user: str, body: str) -> None:
        latest = keys.slack_installation(enterprise, team, NONE)
        mine = keys.slack_installation(enterprise, team, user)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(latest, body)
            pipe.set(mine, body)
            pipe.sadd(keys.slack_install_keys(enterprise, team), latest, mine)
            await pipe.execute()

    async def save_bot(self, enterprise: str, team: str, body: str) -> None:
        key = keys.slack_bot(enterprise, team)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(key, body)
            pipe.sadd(keys.slack_install_keys(enterprise, team), key)
            await pipe.execute()

    async def find_bot(self, enterprise: str, team: str) -> str | None:
        raw = await self._redis.get(keys.slack_bot(enterprise, team))
        return str(raw) if raw else None

    async def find_installation(self, enterprise: str, team: str, user: str) -> str | None:
        raw = await self._redis.get(keys.slack_installation(enterprise, team, user))
        return str(raw) if raw else None

    async def delete_bot(self, enterprise: str, team: str) -> None:
        await self._redis.delete(keys.slack_bot(enterprise, team))

    async def delete_installations(self, enterprise: str, team: str, user: str | None) -> None:
        if user is not None:
            await self._redis.delete(keys.slack_installation(enterprise, team, user))
            return
        index = keys.slack_install_keys(enterprise, team)
        members: set[str] = await self._redis.smembers(index)  # type: ignore[assignment,misc]
        doomed = [k for k in members if k.startswith(keys.slack_installation(enterprise, team, ""))]
        if doomed:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.delete(*doomed)
                pipe.srem(index, *doomed)
                await pipe.execute()

    async def delete_all(self, enterprise: str, team: str) -> None:
        index = keys.slack_install_keys(enterprise, team)
        members: set[str] = await self._redis.smembers(index)  # type: ignore[assignment,misc]
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(keys.slack_bot(enterprise, team), index, *members)
            await pipe.execute()

    async def issue_state(self, state: str, seconds: int) -> None:
        await self._redis.set(keys.slack_oauth_state(state), "1", ex=seconds)

    async def consume_state(self, state: str) -> bool:
        return await self._redis.getdel(keys.slack_oauth_state(state)) is not None


class RedisSlackWorkspaces:
    """``SlackWorkspaces`` on Redis and the subscription store."""

    def __init__(self, redis: RedisClient, store: SubscriptionStore) -> None:
        self._redis = redis
        self._store = store

    async def remember(self, address: str, enterprise: str = "") -> None:
        team = address.split(":", 1)[0]
        sid = keys.subscription_id("slack", *address.split(":", 1))
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.sadd(keys.slack_team_subs(team), sid)
            if enterprise:
                pipe.sadd(keys.slack_team_subs(enterprise), sid)
                pipe.set(keys.slack_team_org(team), enterprise)
            await pipe.execute()

    async def org_of(self, team: str) -> str:
        return str(await self._redis.get(keys.slack_team_org(team)) or "")

    async def deactivate(self, team_or_org: str, reason: str) -> int:
        sids: set[str] = await self._redis.smembers(keys.slack_team_subs(team_or_org))  # type: ignore[assignment,misc]
        changed = 0
        for sid in sorted(sids):
            current = await self._store.get_by_sid(sid)
            if current is not None and current.active:
                changed += int(await self._store.deactivate(current.identity, reason))
        log.info("slack %s: deactivated %d subscription(s) (%s)", team_or_org, changed, reason)
        return changed
