"""Who is signed in, and the CSRF token every form carries.

Session: the ``aitoday_session`` cookie holds a random value whose hash maps to a user id in Redis
(``bot.store.sessions``). It is HttpOnly (no script reads it), SameSite=Lax (no cross-site POST carries it)
and Secure whenever the site is served over https (``AITODAY_PUBLIC_URL`` or the request's own scheme).

CSRF: double submit, signed. The ``aitoday_csrf`` cookie holds a random value; a form carries
``HMAC(secret, value)``. A POST is accepted only when the two agree, so a page on another site, which can
neither read our cookie nor compute the HMAC, cannot forge a form. The cookie is set by the first page that
shows a form; it is HttpOnly too, because the token travels in the page, not through script.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from bot.settings import Settings
from bot.store.comments import CommentStore
from bot.store.sessions import SESSION_TTL, SessionStore

__all__ = ["CSRF_COOKIE", "CSRF_FIELD", "SESSION_COOKIE", "CsrfRefused", "CsrfTokens", "Viewer", "WebSessions"]

SESSION_COOKIE = "aitoday_session"
CSRF_COOKIE = "aitoday_csrf"
CSRF_FIELD = "csrf"


class CsrfRefused(Exception):
    """A form came without the token of this browser (another site's form, or a stale page)."""


@dataclass(frozen=True, slots=True)
class Viewer:
    """The signed-in reader of a page: their user id and display name ("" until their first comment)."""

    user_id: str
    name: str


class CsrfTokens:
    """The signed double-submit token: ``aitoday_csrf`` cookie value → the form's token."""

    def __init__(self, settings: Settings) -> None:
        self._key = hashlib.blake2b(("csrf:" + settings.secret()).encode(), digest_size=32).digest()
        self._https = settings.public_url.lower().startswith("https://")

    def token_for(self, cookie: str) -> str:
        """The form token that goes with the cookie value ``cookie``."""
        return hmac.new(self._key, cookie.encode("utf-8"), hashlib.sha256).hexdigest()

    def issue(self, request: Request) -> tuple[str, str]:
        """The form token for this browser, and the cookie value to set ("" when the browser has one)."""
        current = request.cookies.get(CSRF_COOKIE, "")
        fresh = ""
        if not (16 <= len(current) <= 64):
            current = fresh = secrets.token_urlsafe(24)
        return self.token_for(current), fresh

    def remember(self, response: Response, request: Request, fresh: str) -> Response:
        if fresh:
            response.set_cookie(CSRF_COOKIE, fresh, path="/", httponly=True, samesite="lax",
                                secure=self.secure(request))
        return response

    def check(self, request: Request, form: FormData) -> None:
        """Raise ``CsrfRefused`` unless the form's token belongs to this browser's cookie."""
        cookie = request.cookies.get(CSRF_COOKIE, "")
        sent = form.get(CSRF_FIELD)
        if not cookie or not isinstance(sent, str) or not hmac.compare_digest(sent, self.token_for(cookie)):
            raise CsrfRefused("the form's security token is missing or belongs to another page")

    def secure(self, request: Request) -> bool:
        return self._https or request.url.scheme == "https"


class WebSessions:
    """Reads and writes the session and CSRF cookies for the page and form routes."""

    def __init__(self, settings: Settings, sessions: SessionStore, comments: CommentStore) -> None:
        self.csrf = CsrfTokens(settings)
        self._sessions = sessions
        self._comments = comments

    async def viewer(self, request: Request) -> Viewer | None:
        user_id = await self._sessions.user_for(request.cookies.get(SESSION_COOKIE, ""))
        if user_id is None:
            return None
        return Viewer(user_id=user_id, name=await self._comments.name_of(user_id))

    async def sign_in(self, response: Response, request: Request, user_id: str) -> None:
        token = await self._sessions.create(user_id)
        response.set_cookie(SESSION_COOKIE, token, max_age=int(SESSION_TTL.total_seconds()), path="/",
                            httponly=True, samesite="lax", secure=self.csrf.secure(request))

    async def sign_out(self, response: Response, request: Request) -> None:
        await self._sessions.end(request.cookies.get(SESSION_COOKIE, ""))
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax",
                               secure=self.csrf.secure(request))

    def csrf_token(self, request: Request) -> tuple[str, str]:
        return self.csrf.issue(request)

    def remember_csrf(self, response: Response, request: Request, fresh: str) -> Response:
        return self.csrf.remember(response, request, fresh)

    def check_csrf(self, request: Request, form: FormData) -> None:
        self.csrf.check(request, form)
