"""Signing in with a magic link, and posting, editing, deleting and reporting comments.

``GET  /login``                      ask for a sign-in link (email); ``POST /login`` mails it
``GET  /login/{token}``              the link from the mail: shows a "Log in" button (mail scanners follow GETs,
                                     so a GET never uses the link up)
``POST /login/{token}``              uses the link (once: its nonce is marked in Redis) and signs the browser in
``POST /logout``                     signs this browser out
``POST /stories/{id}/comments``      a new comment (the display name with the first one)
``POST /comments/{id}/edit|delete``  the author's changes, for 15 minutes
``POST /comments/{id}/report``       one report per reader; hidden at 3

Every POST checks the CSRF token first (``bot.web.session``). The link is signed (``Purpose.LOGIN``, 15 minutes)
and goes out through the email channel like the sign-up confirmation, so without SMTP it lands in the outbox.
An expired, used or broken link shows the login form again with the reason. A refused comment re-renders
the story page with the reason and the draft; nothing is stored.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from typing import Any

from email_validator import EmailNotValidError, validate_email
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot import keys
from bot.app import Services
from bot.conversation.i18n import LANGUAGES
from bot.store.comments import (
    CommentEmpty,
    CommentError,
    CommentLocked,
    CommentNotFound,
    CommentNotYours,
    CommentRateLimited,
    CommentTooLong,
    NameInvalid,
    clean_name,
    valid_id,
)
from bot.store.sessions import SessionStore
from bot.store.tokens import LinkTokens, Purpose, TokenError, TokenExpired
from bot.web.link_mail import LinkMail, attempt_key, send_link_mail
from bot.web.session import CSRF_FIELD, CsrfRefused
from bot.web.stories import Draft, StoryPages, story_path
from bot.web.templating import PageRenderer
from bot.web.wording import page_text, pick_language
from channels.mail import mask_address

__all__ = ["LoginLimits", "routes", "safe_next"]

log = logging.getLogger(__name__)

_NEXT = re.compile(r"/[A-Za-z0-9/_\-.]{0,200}")


class LoginLimits:
    """Sign-in links per address and per client IP per hour."""

    per_address = 5
    per_ip = 30
    window_seconds = 3600


def routes(services: Services) -> list[BaseRoute]:
    flow = _Discussion(services)
    return [
        Route("/login", flow.login_form, methods=["GET"]),
        Route("/login", flow.request_link, methods=["POST"]),
        Route("/login/{token}", flow.link_page, methods=["GET"]),
        Route("/login/{token}", flow.use_link, methods=["POST"]),
        Route("/logout", flow.logout, methods=["POST"]),
        Route("/stories/{id}/comments", flow.post_comment, methods=["POST"]),
        Route("/comments/{id}/{action}", flow.change_comment, methods=["POST"]),
    ]


class _Discussion:
    def __init__(self, services: Services) -> None:
        self._services = services
        self._stories = StoryPages(services)
        self._sessions = self._stories.sessions
        self._comments = self._stories.comments
        self._pages = PageRenderer(services.settings)
        self._tokens = LinkTokens.from_settings(services.settings)
        self._store = services.runtime.redis
        self._hash_key = hashlib.blake2b(("login:" + services.settings.secret()).encode(), digest_size=32).digest()
        self._base = services.settings.public_url.rstrip("/")
        self._session_store = SessionStore(services.runtime.redis)
        self._slack = bool(services.settings.slack_client_id and services.settings.slack_client_secret)

    # ------------------------------------------------------------------------------------------ logging in

    async def login_form(self, request: Request) -> Response:
        lang = pick_language(request)
        error = page_text(lang)["login_slack_failed"] if request.query_params.get("e") == "slack" else ""
        return self._login_page(request, lang, next_path=safe_next(request.query_params.get("next")), error=error)

    async def request_link(self, request: Request) -> Response:
        lang = pick_language(request)
        form = await request.form(max_files=0, max_fields=10)
        lang = _lang(form, lang)
        next_path = safe_next(_field(form, "next"))
        text = page_text(lang)
        if (refused := self._csrf(request, form, lang, next_path)) is not None:
            return refused
        try:
            address = validate_email(_field(form, "email"), check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            return self._login_page(request, lang, next_path=next_path, error=text["login_bad_address"], status=400)
        client = request.client.host if request.client else "unknown"
        limits = LoginLimits()
        if not await self._allow("ip", client, limits.per_ip, limits.window_seconds):
            return self._login_page(request, lang, next_path=next_path, error=text["login_too_many"], status=429)
        sent = self._login_page(request, lang, next_path=next_path, sent=text["login_sent_body"].format(
            address=address))
        if not await self._allow("addr", address, limits.per_address, limits.window_seconds):
            log.info("login link for %s over its limit: no mail sent", mask_address(address))
            return sent
        token = self._tokens.make(Purpose.LOGIN, {"a": address, "n": secrets.token_hex(12), "r": next_path,
                                                  "l": lang})
        outcome = await send_link_mail(self._services, "login mail", address,
                                       lambda mail, key: mail.send_login_link(
                                           address, f"{self._base}/login/{token}", lang, key=key))
        if outcome is LinkMail.UNAVAILABLE:
            return self._login_page(request, lang, next_path=next_path, error=text["login_send_failed"], status=503)
        if outcome is LinkMail.REFUSED:
            return self._login_page(request, lang, next_path=next_path, error=text["login_bad_address"], status=400)
        return sent

    async def link_page(self, request: Request) -> Response:
        lang = pick_language(request)
        token = request.path_params["token"]
        data, problem = await self._read_link(token)
        if data is None:
            return self._login_page(request, lang, next_path="/", error=page_text(lang)[problem],
                                    status=400 if problem == "login_invalid" else 410)
        lang = data["l"] if data.get("l") in LANGUAGES else lang
        return self._render(request, "login_confirm.html", lang, {
            "address": mask_address(data.get("a", "")), "action": f"/login/{token}",
        })

    async def use_link(self, request: Request) -> Response:
        lang = pick_language(request)
        form = await request.form(max_files=0, max_fields=5)
        if (refused := self._csrf(request, form, lang, "/")) is not None:
            return refused
        data, problem = await self._read_link(request.path_params["token"])
        if data is None or not await self._session_store.use_nonce(data.get("n", ""), Purpose.LOGIN.max_age):
            return self._login_page(request, lang, next_path="/", error=page_text(lang)[problem or "login_used"],
                                    status=410)
        user_id = keys.subscription_id("email", data.get("a", ""))
        response = RedirectResponse(safe_next(data.get("r")), status_code=303)
        await self._sessions.sign_in(response, request, user_id)
        log.info("signed in %s", mask_address(data.get("a", "")))
        return response

    async def logout(self, request: Request) -> Response:
        lang = pick_language(request)
        form = await request.form(max_files=0, max_fields=5)
        next_path = safe_next(_field(form, "next"))
        if (refused := self._csrf(request, form, lang, next_path)) is not None:
            return refused
        response = RedirectResponse(next_path, status_code=303)
        await self._sessions.sign_out(response, request)
        return response

    # ------------------------------------------------------------------------------------------ comments

    async def post_comment(self, request: Request) -> Response:
        story_id = request.path_params["id"]
        form = await request.form(max_files=0, max_fields=10)
        lang = _lang(form, pick_language(request))
        text = page_text(lang)
        body, name = _field(form, "text", limit=20_000), _field(form, "name", limit=500)
        if (refused := self._csrf(request, form, lang, story_path(story_id, lang))) is not None:
            return refused
        viewer = await self._sessions.viewer(request)
        if viewer is None:
            return await self._stories.render(request, story_id, lang, status=401,
                                              draft=Draft(body, name, text["err_login_needed"]))
        story, _ = await self._stories.find(story_id, lang)
        if story is None:
            return await self._stories.render(request, story_id, lang, status=404)
        try:
            chosen = viewer.name or clean_name(name)
            comment = await self._comments.add(story_id, viewer.user_id, chosen, body)
        except CommentError as exc:
            status, message = _refusal(exc, text)
            return await self._stories.render(request, story_id, lang, status=status,
                                              draft=Draft(body, name, message))
        if not viewer.name:
            await self._comments.set_name(viewer.user_id, chosen)
        return RedirectResponse(f"{story_path(story_id, lang)}?m=comment_posted#c-{comment.id}", status_code=303)

    async def change_comment(self, request: Request) -> Response:
        comment_id, action = request.path_params["id"], request.path_params["action"]
        form = await request.form(max_files=0, max_fields=10)
        lang = _lang(form, pick_language(request))
        text = page_text(lang)
        found = await self._comments.get(comment_id) if valid_id(comment_id) else None
        if action not in ("edit", "delete", "report") or found is None:
            return self._pages.render(request, "not_found.html", {"message": text["err_gone"]}, status_code=404,
                                      language=lang)
        story_id = found.story_id
        if (refused := self._csrf(request, form, lang, story_path(story_id, lang))) is not None:
            return refused
        viewer = await self._sessions.viewer(request)
        if viewer is None:
            return await self._stories.render(request, story_id, lang, status=401,
                                              draft=Draft(error=text["err_login_needed"]))
        try:
            if action == "edit":
                await self._comments.edit(comment_id, viewer.user_id, _field(form, "text", limit=20_000))
                notice, anchor = "comment_saved", f"#c-{comment_id}"
            elif action == "delete":
                await self._comments.delete(comment_id, viewer.user_id)
                notice, anchor = "comment_deleted", "#discussion"
            else:
                await self._comments.report(comment_id, viewer.user_id)
                notice, anchor = "comment_reported", "#discussion"
        except CommentError as exc:
            status, message = _refusal(exc, text)
            return await self._stories.render(request, story_id, lang, status=status, draft=Draft(error=message))
        return RedirectResponse(f"{story_path(story_id, lang)}?m={notice}{anchor}", status_code=303)

    # ------------------------------------------------------------------------------------------ helpers

    def _csrf(self, request: Request, form: FormData, lang: str, back: str) -> Response | None:
        try:
            self._sessions.check_csrf(request, form)
        except CsrfRefused:
            log.info("form refused on %s: CSRF token missing or wrong", request.url.path.split("/")[1])
            return self._render(request, "notice.html", lang, {"heading": page_text(lang)["err_csrf"],
                                                               "back": back}, status=403)
        return None

    async def _read_link(self, token: str) -> tuple[dict[str, str] | None, str]:
        try:
            data = self._tokens.read(Purpose.LOGIN, token)
        except TokenExpired:
            return None, "login_expired"
        except TokenError:
            return None, "login_invalid"
        if await self._store.exists(keys.login_used(data.get("n", ""))):
            return None, "login_used"
        return data, ""

    async def _allow(self, kind: str, value: str, limit: int, window: int) -> bool:
        return await self._session_store.allow_request(kind, attempt_key(self._hash_key, value), limit, window)

    def _login_page(self, request: Request, lang: str, *, next_path: str, error: str = "", sent: str = "",
                    status: int = 200) -> Response:
        return self._render(request, "login.html", lang, {"next": next_path, "error": error, "sent": sent,
                                                          "slack": self._slack}, status=status)

    def _render(self, request: Request, name: str, lang: str, context: dict[str, Any], *,
                status: int = 200) -> Response:
        token, fresh = self._sessions.csrf_token(request)
        values = {"csrf": token, "csrf_field": CSRF_FIELD, **context}
        response = self._pages.render(request, name, values, status_code=status, language=lang)
        return self._sessions.remember_csrf(response, request, fresh)


def _refusal(exc: CommentError, text: Any) -> tuple[int, str]:
    """The status and the reader's sentence for a refused comment action."""
    if isinstance(exc, CommentRateLimited):
        return 429, str(text["err_rate"]).format(n=exc.retry_after)
    if isinstance(exc, CommentTooLong):
        return 400, str(text["err_too_long"]).format(n=f"{exc.length:,}")
    table: dict[type[CommentError], tuple[int, str]] = {
        CommentEmpty: (400, "err_empty"), NameInvalid: (400, "err_name"), CommentNotYours: (403, "err_not_yours"),
        CommentLocked: (403, "err_locked"), CommentNotFound: (404, "err_gone"),
    }
    status, key = table.get(type(exc), (400, "err_gone"))
    return status, str(text[key])


def _field(form: FormData, name: str, *, limit: int = 300) -> str:
    value = form.get(name)
    return value[:limit] if isinstance(value, str) else ""


def _lang(form: FormData, fallback: str) -> str:
    value = form.get("lang")
    return value if isinstance(value, str) and value in LANGUAGES else fallback


def safe_next(value: str | None) -> str:
    """A same-site path to return to; anything else (other hosts, ``//``, odd characters) means the front page."""
    if value and _NEXT.fullmatch(value) and not value.startswith("//"):
        return value
    return "/"
