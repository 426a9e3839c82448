"""The storage Slack needs from the bot, as two small ports (implemented on Redis in ``bot.store.slack``).

Kept apart from ``installs`` so that the bot can name them without importing slack_sdk.
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["NONE", "SlackInstallRecords", "SlackWorkspaces"]

#: The id of "no enterprise" / "no team" / "no user" in a record's key.
NONE = "-"


class SlackInstallRecords(Protocol):
    """Install and bot records (JSON text) per ``(enterprise, team[, user])``; every id is a string, ``-`` for none."""

    async def save_installation(self, enterprise: str, team: str, user: str, body: str) -> None:
        """Store ``body`` as the workspace's latest install and as ``user``'s, atomically."""
        ...

    async def save_bot(self, enterprise: str, team: str, body: str) -> None: ...

    async def find_bot(self, enterprise: str, team: str) -> str | None: ...

    async def find_installation(self, enterprise: str, team: str, user: str) -> str | None: ...

    async def delete_bot(self, enterprise: str, team: str) -> None: ...

    async def delete_installations(self, enterprise: str, team: str, user: str | None) -> None:
        """One installer's record, or (``user`` None) every installation record of the workspace."""
        ...

    async def delete_all(self, enterprise: str, team: str) -> None:
        """Every record of the workspace, its bot included."""
        ...

    async def issue_state(self, state: str, seconds: int) -> None: ...

    async def consume_state(self, state: str) -> bool:
        """True once per issued, unexpired state."""
        ...


class SlackWorkspaces(Protocol):
    """Which subscriptions belong to which workspace or org."""

    async def remember(self, address: str, enterprise: str = "") -> None:
        """``address`` (``team:id``) belongs to its team, and to ``enterprise`` when given. Idempotent."""
        ...

    async def org_of(self, team: str) -> str:
        """The enterprise (org) a workspace belongs to, or ""."""
        ...

    async def deactivate(self, team_or_org: str, reason: str) -> int:
        """Deactivate every subscription of a workspace (``T…``) or org (``E…``); how many changed."""
        ...
