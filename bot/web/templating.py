"""Renders the site's pages: one Jinja2 environment per app, the site-wide context, and safe headers.

Every page extends ``templates/base.html`` (the look shared with the email digest). ``PageRenderer.render``
injects what base.html needs — the language, its copy as ``t``, the language-switch links, the chat links —
so a route module (ours or the email flow's) passes only its own variables::

    pages = PageRenderer(services.settings)
    return pages.render(request, "email/confirmed.html", {"address": address})

Feed text is untrusted: templates pass it through the email digest's ``plain`` and ``safe_url`` filters
(markup stripped, only http(s) links), autoescape is on for every template, and the Content-Security-Policy
allows no script but the one inline time-zone detector, pinned by its hash.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from bot.settings import Settings
from bot.web.wording import LANGUAGE_COOKIE, page_text, pick_language
from channels.labels import byline, point_text
from channels.mail.render import plain_text, safe_url
from summaries.models import Story

__all__ = ["STATIC_DIR", "TEMPLATES_DIR", "TZ_SCRIPT", "ChatLinks", "PageRenderer", "chat_links", "known_path"]

_HERE = Path(__file__).resolve().parent
TEMPLATES_DIR = _HERE / "templates"
STATIC_DIR = _HERE / "static"

#: Fills the sign-up form's time zone from the browser. The page works without it (the field says UTC).
TZ_SCRIPT = (
    "(function(){var f=document.getElementById('timezone');"
    "try{var z=Intl.DateTimeFormat().resolvedOptions().timeZone;if(f&&z){f.value=z;}}catch(e){}})();"
)
_TZ_HASH = base64.b64encode(hashlib.sha256(TZ_SCRIPT.encode()).digest()).decode()

_SECURITY_HEADERS = {
    "Content-Security-Policy": (
        f"default-src 'self'; script-src 'sha256-{_TZ_HASH}'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Vary": "Accept-Language, Cookie",  # the language follows both: a cache must not mix them
}


@dataclass(frozen=True, slots=True)
class ChatLinks:
    """Where a visitor adds the bot; an empty string means the channel is not set up on this server."""

    slack: str
    line: str
    telegram: str


def chat_links(settings: Settings) -> ChatLinks:
    """The add-the-bot links this server can offer, from its settings."""
    slack = "/slack/install" if settings.slack_enabled and settings.slack_client_id else ""
    line = ""
    if settings.line_enabled and settings.line_basic_id:
        line = "https://line.me/R/ti/p/" + settings.line_basic_id
    telegram = ""
    if settings.telegram_enabled and settings.telegram_bot_username:
        telegram = "https://t.me/" + settings.telegram_bot_username.lstrip("@")
    return ChatLinks(slack=slack, line=line, telegram=telegram)


class PageRenderer:
    """Renders a template with the site-wide context into an ``HTMLResponse``."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._links = chat_links(settings)
        self._env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
            autoescape=jinja2.select_autoescape(["html"], default=True),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        # The same cleaning as the email digest: feed text as plain text, only http(s) links.
        self._env.filters["plain"] = plain_text
        self._env.filters["safe_url"] = safe_url
        # The byline and the "the article does not say" lines in the channels' shared words.
        self._env.filters["byline"] = _byline
        self._env.filters["point"] = point_text

    @property
    def environment(self) -> jinja2.Environment:
        return self._env

    def render(
        self,
        request: Request,
        name: str,
        context: Mapping[str, Any] | None = None,
        *,
        status_code: int = 200,
        language: str | None = None,
    ) -> HTMLResponse:
        """The page ``name`` for ``request``; ``language`` wins over the request's own choice."""
        lang = language or pick_language(request)
        values: dict[str, Any] = {
            "lang": lang,
            "t": page_text(lang),
            "path": known_path(request),
            "switch": {code: _with_query(request, lang=code) for code in ("en", "ja")},
            "links": self._links,
            "public_url": self._settings.public_url.rstrip("/"),
            "tz_script": TZ_SCRIPT,
        }
        values.update(context or {})
        body = self._env.get_template(name).render(values)
        response = HTMLResponse(body, status_code=status_code, headers=_SECURITY_HEADERS)
        asked = request.query_params.get("lang")
        if asked == lang:
            response.set_cookie(LANGUAGE_COOKIE, lang, max_age=365 * 86400, samesite="lax", httponly=True)
        return response


def _byline(story: Story, language: str, now: datetime | None) -> str:
    return byline(story, now or datetime.now(UTC), language)


def known_path(request: Request) -> str:
    """This page's path rebuilt from the route that matched it, or ``/`` when none did (a 404).

    Never ``request.url.path``: that is whatever the visitor sent, and ``//evil.example/x`` put into an
    ``href`` is a link to another site. A route's own template with the (quoted) path parameters is ours.
    """
    endpoint = request.scope.get("endpoint")
    params = {name: str(value) for name, value in request.scope.get("path_params", {}).items()}
    app = request.scope.get("app")
    routes = getattr(getattr(app, "router", None), "routes", [])
    for route in routes:
        if not isinstance(route, Route) or route.endpoint is not endpoint or set(route.param_convertors) != set(params):
            continue
        path = route.path_format
        for name in params:
            path = path.replace("{" + name + "}", quote(params[name], safe=""))
        return path
    return "/"


def _with_query(request: Request, **params: str) -> str:
    query = dict(request.query_params)
    query.update(params)
    return known_path(request) + "?" + urlencode(query)
