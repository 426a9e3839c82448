"""Changes a reader asks for through a signed link, as data: journaled during an outage, applied later.

A one-click unsubscribe or a preference form may arrive while Redis is unavailable. The route then writes the
request to the journal (``bot.store.journal``) and tells the reader it will be applied; ``apply_request``
applies it once Redis answers (``bot.web.outage``). An entry names the subscription by its id (the token's
payload, never the address) and holds what the reader asked for, not a diff, so applying it twice gives the
same subscription::

    {"kind": "unsubscribe", "sid": "...", "at": "<ISO time>"}
    {"kind": "preferences", "sid": "...", "at": "...", "fields": [["time", "08:00"], ["topics", "robotics"], ...]}
    {"kind": "feedback", "sid": "...", "at": "...", "story": "s02", "vote": "like"}

The preference form becomes commands of the command language (``preference_commands``), exactly as a form
sent while Redis is up, so the rules (time forms, zones, 1–20 items, 1–30 minutes) exist once. A 👍/👎 from a
digest's signed link is likewise the ``like``/``dislike`` command its button runs; the feedback store counts a
story's repeated vote once, so a replayed vote changes nothing the second time.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from starlette.datastructures import FormData, UploadFile

from bot.app import Services
from bot.settings import Settings
from bot.store.feedback import valid_story_id
from bot.store.journal import Journal
from bot.store.models import Subscription
from summaries.topics import TOPICS

__all__ = ["FORM_FIELDS", "VOTES", "apply_request", "form_field", "journal_feedback", "journal_preferences",
           "journal_unsubscribe", "link_journal", "preference_commands"]

log = logging.getLogger(__name__)

#: The preference form's fields a journal entry keeps (anything else in a posted form is ignored).
FORM_FIELDS = ("time", "timezone", "language", "items", "minutes", "topics", "pause")
#: The two votes a feedback link carries (each is also the command that records it).
VOTES = ("like", "dislike")


def link_journal(settings: Settings) -> Journal:
    """The data dir's journal of link requests (every instance points at the same files)."""
    return Journal(settings.data_dir / "journal")


async def journal_unsubscribe(journal: Journal, sid: str, at: datetime) -> None:
    await journal.append({"kind": "unsubscribe", "sid": sid, "at": at.isoformat()})


async def journal_preferences(journal: Journal, sid: str, form: FormData, at: datetime) -> None:
    fields = [[name, str(value)[:300]] for name, value in form.multi_items()
              if name in FORM_FIELDS and isinstance(value, str)]
    await journal.append({"kind": "preferences", "sid": sid, "at": at.isoformat(), "fields": fields[:100]})


async def journal_feedback(journal: Journal, sid: str, story: str, vote: str, at: datetime) -> None:
    """``story`` and ``vote`` were checked by the route (a story id, one of ``VOTES``) before this."""
    await journal.append({"kind": "feedback", "sid": sid, "at": at.isoformat(), "story": story, "vote": vote})


async def apply_request(services: Services, entry: Mapping[str, Any]) -> None:
    """Apply one journaled request. Idempotent. Raises only when the store is unavailable (replay stops)."""
    kind, sid = entry.get("kind"), entry.get("sid")
    if not isinstance(sid, str) or kind not in ("unsubscribe", "preferences", "feedback"):
        log.warning("journal entry of unknown form skipped")
        return
    sub = await services.store.get_by_sid(sid)
    if sub is None or sub.identity.channel != "email":
        log.info("journaled %s for a subscription that no longer exists: nothing to do", kind)
        return
    language = sub.effective_language
    if kind == "unsubscribe":
        if sub.active:
            await services.commands.handle(sub.identity, "unsubscribe", language_hint=language)
        log.info("journaled unsubscribe applied")
        return
    if kind == "feedback":
        await _apply_feedback(services, sub, entry)
        return
    raw = entry.get("fields")
    pairs: list[tuple[str, str | UploadFile]] = []
    if isinstance(raw, list):
        pairs = [(str(p[0]), str(p[1])) for p in raw if isinstance(p, list) and len(p) == 2]
    for text in preference_commands(sub, FormData(pairs)):
        await services.commands.handle(sub.identity, text, language_hint=language)
    log.info("journaled preference change applied")


async def _apply_feedback(services: Services, sub: Subscription, entry: Mapping[str, Any]) -> None:
    story, vote = entry.get("story"), entry.get("vote")
    if vote not in VOTES or not isinstance(story, str) or not valid_story_id(story):
        log.warning("journaled feedback of unknown form skipped")
        return
    reply = await services.commands.handle(sub.identity, f"{vote} {story}", language_hint=sub.effective_language)
    log.info("journaled %s %s", vote, "applied" if reply.ok else "not applicable (the story is gone)")


def preference_commands(sub: Subscription, form: FormData) -> list[str]:
    """The commands that turn ``sub`` into what the form asks for; unchanged fields give none."""
    commands: list[str] = []
    time_text = form_field(form, "time")
    if time_text and time_text != sub.delivery_time.strftime("%H:%M"):
        commands.append(f"time {time_text}")
    zone = form_field(form, "timezone")
    if zone and zone != sub.timezone:
        commands.append(f"timezone {zone}")
    language = form_field(form, "language")
    if language and language != sub.effective_language:
        commands.append(f"language {language}")
    items = form_field(form, "items")
    if items and items != str(sub.items):
        commands.append(f"items {items[:3]}")
    minutes = form_field(form, "minutes")
    if minutes and minutes != str(sub.minutes):
        commands.append(f"minutes {minutes[:3]}")
    wanted = [str(v) for v in form.getlist("topics") if str(v) in TOPICS]
    added = [name for name in wanted if name not in sub.topics]
    removed = [name for name in sub.topics if name not in wanted]
    if not wanted and sub.topics:
        commands.append("topics clear")
    else:
        if removed:
            commands.append("topics remove " + ", ".join(removed))
        if added:
            commands.append("topics add " + ", ".join(added))
    pause = form_field(form, "pause")
    if pause == "resume":
        commands.append("resume")
    elif pause.isdigit() and 1 <= int(pause) <= 365:
        commands.append(f"pause {int(pause)} days")
    return commands


def form_field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip()[:300] if isinstance(value, str) else ""
