"""A story's own page: the card in full, related articles, the discussion, and the sign-up.

``GET /stories/{id}``         the story in the visitor's language
``GET /stories/{id}/{lang}``  the same in a fixed language (``/ja`` is the Japanese twin a reader shares)

The story comes from the editions of the last 14 days (``bot.store.stories``); an id no edition carries is the
friendly 404. Related articles are chosen by ``summaries.related`` (shared names and topics, never the same
cluster). The page carries Open Graph and Twitter card tags so a shared link unfurls in Slack, LINE and
Telegram. ``StoryPages.render`` is also what the comment routes (``bot.web.discussion``) answer with when a
comment is refused, so the reader sees their draft and the reason in place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.app import Services
from bot.content.editions import story_page_url
from bot.conversation.i18n import LANGUAGES
from bot.store.comments import Comment, CommentStore, valid_id
from bot.store.sessions import SessionStore
from bot.store.stories import StoryArchive
from bot.web.comment_format import comment_html, visible_text
from bot.web.session import CSRF_FIELD, WebSessions
from bot.web.templating import PageRenderer
from bot.web.wording import page_text, pick_language
from channels.mail.render import plain_text
from summaries.models import Story
from summaries.related import related_stories

__all__ = ["NOTICES", "StoryPages", "routes", "story_path"]

#: The confirmations a redirect may ask the page to show (``?m=``); anything else shows nothing.
NOTICES = ("comment_posted", "comment_saved", "comment_deleted", "comment_reported")


def story_path(story_id: str, language: str) -> str:
    """The site-relative path of a story page."""
    return story_page_url("", story_id, language)


@dataclass(frozen=True, slots=True)
class Draft:
    """What a refused comment form held, to show again with the reason."""

    text: str = ""
    name: str = ""
    error: str = ""


class StoryPages:
    """Loads a story with its related articles and comments and renders its page."""

    def __init__(self, services: Services) -> None:
        self._pages = PageRenderer(services.settings)
        env = self._pages.environment
        env.filters["comment_html"] = comment_html
        env.filters["visible"] = visible_text
        self._archive = StoryArchive(services.runtime.redis)
        self.comments = CommentStore(services.runtime.redis)
        self.sessions = WebSessions(services.settings, SessionStore(services.runtime.redis), self.comments)
        self._public = services.settings.public_url.rstrip("/")

    async def find(self, story_id: str, language: str) -> tuple[Story | None, list[Story]]:
        """The story (None when unknown) and the other recent stories of ``language``."""
        if not valid_id(story_id):
            return None, []
        stories = await self._archive.recent(language)
        story = next((s for s in stories if s.id == story_id), None)
        return story, stories

    async def render(
        self, request: Request, story_id: str, language: str, *, status: int = 200, notice: str = "",
        draft: Draft | None = None,
    ) -> Response:
        story, stories = await self.find(story_id, language)
        if story is None:
            text = page_text(language)
            return self._pages.render(request, "not_found.html", {"message": text["not_found_story"]},
                                      status_code=404, language=language)
        now = datetime.now(UTC)
        viewer = await self.sessions.viewer(request)
        token, fresh = self.sessions.csrf_token(request)
        comments = [c for c in await self.comments.for_story(story.id) if c.visible]
        path = story_path(story.id, language)
        context: dict[str, Any] = {
            "story": story,
            "path_here": path,
            "canonical": self._public + path,
            "other_language": "ja" if language == "en" else "en",
            "other_path": story_path(story.id, "ja" if language == "en" else "en"),
            "ago": _ago(story.published, now, language),
            "related": related_stories(story, stories),
            "comments": [_comment_view(c, viewer.user_id if viewer else "", now, language) for c in comments],
            "viewer": viewer,
            "csrf": token,
            "csrf_field": CSRF_FIELD,
            "notice": page_text(language).get(notice, "") if notice in NOTICES else "",
            "draft": draft or Draft(),
            "description": plain_text(story.card.gist or story.card.what_happened),
        }
        response = self._pages.render(request, "story.html", context, status_code=status, language=language)
        return self.sessions.remember_csrf(response, request, fresh)


def routes(services: Services) -> list[BaseRoute]:
    pages = StoryPages(services)

    async def story_page(request: Request) -> Response:
        lang = request.path_params.get("lang")
        if lang is None:
            lang = pick_language(request)
        elif lang not in LANGUAGES:
            raise HTTPException(404)
        return await pages.render(request, request.path_params["id"], lang,
                                  notice=request.query_params.get("m", ""))

    return [
        Route("/stories/{id}", story_page, methods=["GET"]),
        Route("/stories/{id}/{lang}", story_page, methods=["GET"]),
    ]


def _ago(published: datetime, now: datetime, language: str) -> str:
    """"3h ago" / "3時間前": minutes under an hour, hours under two days, then days."""
    text = page_text(language)
    minutes = max(0, int((now - published).total_seconds() // 60))
    if minutes < 60:
        return text["minutes_ago"].format(n=max(1, minutes))
    if minutes < 48 * 60:
        return text["hours_ago"].format(n=minutes // 60)
    return text["days_ago"].format(n=minutes // (24 * 60))


def _comment_view(comment: Comment, user_id: str, now: datetime, language: str) -> dict[str, Any]:
    return {
        "id": comment.id,
        "name": comment.name,
        "text": comment.text,
        "when": datetime.fromtimestamp(comment.created, UTC),
        "ago": _ago(datetime.fromtimestamp(comment.created, UTC), now, language),
        "edited": comment.edited > 0,
        "mine": comment.author == user_id,
        "editable": comment.editable_by(user_id, now.timestamp()),
        "can_report": bool(user_id) and comment.author != user_id,
    }
