"""Slack installs: bolt's installation and OAuth-state stores, on the bot's storage behind two small ports.

slack_sdk ships installation stores for files, SQL and S3 but none for Redis, and the web, worker and
scheduler processes must all see the same installs, so ``SlackInstallationStore`` implements bolt's async
interface on ``SlackInstallRecords`` (``bot.store.slack`` keeps them in Redis), with the same JSON form as
the SDK's own file store. A workspace is ``(enterprise, team)``; an org-wide install has no team (``-``).

``SlackWorkspaces`` remembers which workspace a subscription belongs to (recorded when it is changed by chat),
so ``app_uninstalled`` / ``tokens_revoked`` (and ``InstallBroken`` from a send) deactivate exactly that
workspace's subscriptions.
"""

from __future__ import annotations

import json
import logging
import secrets
from typing import Any

from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore

from channels.slack.channel import TokenLookup
from channels.slack.ports import NONE, SlackInstallRecords, SlackWorkspaces

__all__ = [
    "STATE_TTL_SECONDS",
    "SlackInstallationStore",
    "SlackStateStore",
    "token_lookup",
]

log = logging.getLogger(__name__)

STATE_TTL_SECONDS = 600


def _id(value: str | None) -> str:
    return value or NONE


class SlackInstallationStore(AsyncInstallationStore):
    """bolt's installation store. Keeps only the latest install per workspace and per installer."""

    def __init__(self, records: SlackInstallRecords) -> None:
        self._records = records

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_save(self, installation: Installation) -> None:
        ent, team = _id(installation.enterprise_id), _id(installation.team_id)
        if installation.is_enterprise_install:
            team = NONE
        await self._records.save_installation(ent, team, _id(installation.user_id), json.dumps(installation.__dict__))
        await self.async_save_bot(installation.to_bot())

    async def async_save_bot(self, bot: Bot) -> None:
        if bot.bot_token is None:
            return
        team = NONE if bot.is_enterprise_install else _id(bot.team_id)
        await self._records.save_bot(_id(bot.enterprise_id), team, json.dumps(bot.__dict__))

    async def async_find_bot(
        self, *, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None = False
    ) -> Bot | None:
        team = NONE if is_enterprise_install else _id(team_id)
        raw = await self._records.find_bot(_id(enterprise_id), team)
        return Bot(**json.loads(raw)) if raw else None

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        team = NONE if is_enterprise_install else _id(team_id)
        raw = await self._records.find_installation(_id(enterprise_id), team, _id(user_id))
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
        await self._records.delete_bot(_id(enterprise_id), _id(team_id))

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        await self._records.delete_installations(_id(enterprise_id), _id(team_id), user_id)

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self._records.delete_all(_id(enterprise_id), _id(team_id))


class SlackStateStore(AsyncOAuthStateStore):
    """OAuth ``state`` values: issued once, consumed once, expiring after ten minutes."""

    def __init__(self, records: SlackInstallRecords, expiration_seconds: int = STATE_TTL_SECONDS) -> None:
        self._records = records
        self._ttl = expiration_seconds

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        state = secrets.token_urlsafe(24)
        await self._records.issue_state(state, self._ttl)
        return state

    async def async_consume(self, state: str) -> bool:
        if not state or len(state) > 200:
            return False
        return await self._records.consume_state(state)


def token_lookup(bot_token: str | None, installs: SlackInstallationStore, workspaces: SlackWorkspaces) -> TokenLookup:
    """``token_for(team)`` for ``SlackChannel``: the configured bot token, else the workspace's installed one."""

    async def token_for(team: str) -> str | None:
        if bot_token is not None:
            return bot_token
        bot = await installs.async_find_bot(enterprise_id=None, team_id=team)
        if bot is None:
            org = await workspaces.org_of(team)
            if org:
                bot = await installs.async_find_bot(enterprise_id=org, team_id=team) or await installs.async_find_bot(
                    enterprise_id=org, team_id=None, is_enterprise_install=True)
        return bot.bot_token if bot is not None else None

    return token_for
