"""👍/👎 from an email digest: signed links under each story, a confirmation page, and a POST that records.

Routes::

    GET  /feedback/{token}/{story}/like|dislike   a page with one button: mail scanners follow every link they
                                                  see, so a GET never votes
    POST /feedback/{token}/{story}/like|dislike   runs ``like <story>`` / ``dislike <story>`` for the reader the
                                                  token names, through the command language; idempotent

The token (``Purpose.FEEDBACK``, ``bot.store.tokens``, 90 days) carries only the subscription id; the story and
the vote are in the path, so one token per digest serves every button, and a token alone only ever lets its
holder steer that one reader's digest, as the preferences link already does. A forged token gets 403, an expired
one 403 too (with a page saying so), a story id no edition makes or another verb 404; nothing is recorded.
While Redis is unavailable the GET page answers 503 (``bot.web.outage``); a vote (POST) meeting an unavailable
store, before or midway, is journaled (``bot.web.link_requests``) and applied once Redis is back, as the
preference form's changes are: a reader's vote is something they asked for, and nothing asked for is lost.
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from bot.app import Services
from bot.store import UNAVAILABLE
from bot.store.feedback import valid_story_id
from bot.store.models import Subscription
from bot.store.stories import StoryArchive
from bot.store.tokens import LinkTokens, Purpose, TokenError, TokenExpired
from bot.web.link_requests import VOTES, journal_feedback, link_journal
from bot.web.signup_text import email_text
from bot.web.templating import PageRenderer, known_path
from bot.web.wording import pick_language

__all__ = ["routes"]

log = logging.getLogger(__name__)

_PATH = "/feedback/{token}/{story}/{vote}"


def routes(services: Services) -> list[BaseRoute]:
    links = FeedbackLinks(services)
    return [Route(_PATH, links.page, methods=["GET"]), Route(_PATH, links.record, methods=["POST"])]


class FeedbackLinks:
    """The two handlers; the reader is the email subscription the token names."""

    def __init__(self, services: Services) -> None:
        self._services = services
        self._tokens = LinkTokens.from_settings(services.settings)
        self._pages = PageRenderer(services.settings)
        self._archive = StoryArchive(services.runtime.redis)
        self._journal = link_journal(services.settings)

    async def page(self, request: Request) -> Response:
        """The confirmation page: the story, what the button will do, and the button (a POST form)."""
        checked = await self._check(request)
        if isinstance(checked, Response):
            return checked
        _, story, vote, lang = checked
        title = await self._title(story)
        e = email_text(lang)
        context = {
            "e": e, "heading": e[f"fb_{vote}_title"], "button": e[f"fb_{vote}_button"],
            "story_line": e["fb_story"].format(title=title) if title else "",
            "action": known_path(request),  # rebuilt from the route, never the path as sent
        }
        return self._pages.render(request, "email/feedback.html", context, language=lang)

    async def record(self, request: Request) -> Response:
        """Runs the vote as the command a chat button sends; answers with the command's reply.

        The token, the story id and the vote are checked before Redis is asked anything, so only a genuine
        vote is ever journaled; replaying it is harmless (a story's repeated vote counts once).
        """
        checked = self._read(request)
        if isinstance(checked, Response):
            return checked
        sid, story, vote, lang = checked
        try:
            return await self._record(request, sid, story, vote, lang)
        except UNAVAILABLE:
            await journal_feedback(self._journal, sid, story, vote, self._services.store.clock())
            log.info("feedback vote journaled: Redis unavailable")
            e = email_text(lang)
            return self._notice(request, lang, e["queued_fb_title"], e["queued_fb_body"], 202, "ok")

    async def _record(self, request: Request, sid: str, story: str, vote: str, lang: str) -> Response:
        sub = await self._subscription(sid)
        lang = sub.effective_language if sub is not None else lang
        if sub is None:
            e = email_text(lang)
            return self._notice(request, lang, e["not_subscribed_title"], e["not_subscribed_body"], 404, "error")
        reply = await self._services.commands.handle(sub.identity, f"{vote} {story}", language_hint=lang)
        return self._notice(request, lang, email_text(lang)["fb_done_title"] if reply.ok else reply.text,
                            reply.text, 200 if reply.ok else 404, "ok" if reply.ok else "error")

    # ------------------------------------------------------------------------------------------ helpers

    async def _check(self, request: Request) -> tuple[Subscription | None, str, str, str] | Response:
        """``(email subscription, story, vote, language)`` of a genuine link (the reader's language, not the
        browser's), or the refusal page."""
        checked = self._read(request)
        if isinstance(checked, Response):
            return checked
        sid, story, vote, lang = checked
        sub = await self._subscription(sid)
        return sub, story, vote, sub.effective_language if sub is not None else lang

    def _read(self, request: Request) -> tuple[str, str, str, str] | Response:
        """``(sid, story, vote, browser's language)`` of a genuine link, or the refusal page. Asks Redis nothing."""
        lang = pick_language(request)
        story, vote = request.path_params["story"], request.path_params["vote"]
        try:
            sid = self._tokens.read(Purpose.FEEDBACK, request.path_params["token"])["s"]
        except (TokenError, KeyError) as exc:
            log.info("feedback link refused: %s", exc.__class__.__name__)
            e = email_text(lang)
            title, body = (("link_expired_title", "link_expired_body") if isinstance(exc, TokenExpired)
                           else ("link_invalid_title", "link_invalid_body"))
            return self._notice(request, lang, e[title], e[body], 403, "error")
        if vote not in VOTES or not valid_story_id(story):
            e = email_text(lang)
            return self._notice(request, lang, e["link_invalid_title"], e["link_invalid_body"], 404, "error")
        return str(sid), story, vote, lang

    async def _subscription(self, sid: str) -> Subscription | None:
        sub = await self._services.store.get_by_sid(sid)
        return sub if sub is not None and sub.identity.channel == "email" else None

    async def _title(self, story_id: str) -> str:
        for language in ("en", "ja"):
            found = next((s for s in await self._archive.recent(language) if s.id == story_id), None)
            if found is not None:
                return found.title
        return ""

    def _notice(self, request: Request, lang: str, heading: str, line: str, status: int, kind: str) -> HTMLResponse:
        context = {"e": email_text(lang), "kind": kind, "heading": heading, "lines": [line], "action_url": "",
                   "action_label": "", "show_home": True}
        return self._pages.render(request, "email/notice.html", context, status_code=status, language=lang)
