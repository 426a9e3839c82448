"""Email sign-up and the signed links in every mail: subscribe, confirm, preferences, one-click unsubscribe.

Routes (DESIGN §4)::

    POST /subscribe              address (+ language, time, timezone, the CSRF token): one confirmation mail
    GET  /confirm/{token}        double opt-in: activates ``email:<address>`` with the preferences asked for
    GET  /preferences/{token}    the subscriber's preferences as a form
    POST /preferences/{token}    apply them through the command language (the same rules as every chat)
    GET  /unsubscribe/{token}    a page with a button only: link scanners prefetch GETs
    POST /unsubscribe/{token}    RFC 8058 one-click: 200, no redirect, no cookie, idempotent

Confirm links are single-use (``bot.store.link_uses``) and never undo a later change: a confirm link issued
before the subscription last changed (an unsubscribe, a new time) changes nothing and says so.

While Redis is unavailable every route here answers 503 (``bot.web.outage``), except the two a reader cannot
easily repeat: a one-click unsubscribe and a preference form are journaled (``bot.web.link_requests``),
answered 202 with a page saying they will be applied, and applied once Redis answers again.

Preferences and unsubscribe changes run as commands through ``services.commands`` so that the rules (time
forms, IANA zones, topic names, 1–20 items, 1–30 minutes, pause ranges) exist once. A rejected token (tampered, another
purpose, expired, signed with a rotated-out key) shows a friendly page and changes nothing.

Sign-ups are rate-limited in Redis per address and per client IP (keyed hashes: neither is stored in the
clear); an address over its limit gets the same "check your inbox" page and no mail, so the page does not
reveal who signed up. Logs show addresses masked (``j***@example.com``).

The one-click POST reads the body but does not require it to parse: RFC 8058 §3.2 allows multipart/form-data
and urlencoded bodies, and the RFC's own multipart example (as printed) has a boundary mismatch that strict
parsers reject. The signed token in the URL is the authority; the body adds nothing to it.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from email_validator import EmailNotValidError, validate_email
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from bot.app import Services
from bot.conversation.i18n import t
from bot.conversation.parser import parse_time, parse_timezone
from bot.store import UNAVAILABLE
from bot.store.link_uses import LinkUses
from bot.store.models import Identity, Subscription
from bot.store.signup_attempts import count_attempt
from bot.store.tokens import LinkTokens, Purpose, TokenError, TokenExpired
from bot.web.link_mail import LinkMail, attempt_key, send_link_mail
from bot.web.link_requests import form_field as _field
from bot.web.link_requests import journal_preferences, journal_unsubscribe, link_journal, preference_commands
from bot.web.session import CsrfRefused, CsrfTokens
from bot.web.signup_text import email_text
from bot.web.templating import PageRenderer
from bot.web.wording import pick_language
from channels.mail import mask_address
from summaries.topics import TOPICS

__all__ = ["SignupLimits", "routes"]

log = logging.getLogger(__name__)

_PAUSE_CHOICES = (3, 7, 14, 30)
_MAX_BODY = 64 * 1024


@dataclass(frozen=True, slots=True)
class SignupLimits:
    """Sign-ups allowed per address per day and per client IP per hour."""

    per_address: int = 3
    address_window_seconds: int = 24 * 3600
    per_ip: int = 20
    ip_window_seconds: int = 3600


def routes(services: Services, limits: SignupLimits | None = None) -> list[BaseRoute]:
    """The sign-up and link routes (``POST /email/inbound`` travels the webhook pipeline)."""
    flow = _EmailFlow(services, limits or SignupLimits())
    return [
        Route("/subscribe", flow.subscribe, methods=["POST"]),
        Route("/confirm/{token}", flow.confirm, methods=["GET"]),
        Route("/preferences/{token}", flow.preferences, methods=["GET", "POST"]),
        Route("/unsubscribe/{token}", flow.unsubscribe_page, methods=["GET"]),
        Route("/unsubscribe/{token}", flow.unsubscribe, methods=["POST"]),
    ]


class _EmailFlow:
    def __init__(self, services: Services, limits: SignupLimits) -> None:
        self._services = services
        self._limits = limits
        self._pages = PageRenderer(services.settings)
        self._tokens = LinkTokens.from_settings(services.settings)
        self._csrf = CsrfTokens(services.settings)
        self._hash_key = hashlib.blake2b(services.settings.secret().encode(), digest_size=32).digest()
        self._base = services.settings.public_url.rstrip("/")
        self._uses = LinkUses(services.runtime.redis)
        self._journal = link_journal(services.settings)

    # ------------------------------------------------------------------------------------------ sign-up

    async def subscribe(self, request: Request) -> Response:
        lang = pick_language(request)
        form = await request.form(max_files=0, max_fields=20)
        raw = _field(form, "email")
        chosen_lang = _field(form, "language") if _field(form, "language") in ("en", "ja") else ""
        page_lang = chosen_lang or lang
        e = email_text(page_lang)
        try:
            self._csrf.check(request, form)
        except CsrfRefused:
            log.info("sign-up refused: CSRF token missing or wrong")
            return self._notice(request, page_lang, "error", e["form_expired_title"], [e["form_expired_body"]],
                                status=403, show_home=True)
        try:
            address = validate_email(raw, check_deliverability=False).normalized.lower()
        except EmailNotValidError as exc:
            return self._notice(request, page_lang, "error", e["invalid_address_title"],
                                [e["invalid_address_body"].format(reason=str(exc))], status=400)
        problems, time_text, zone = self._signup_preferences(form, page_lang)
        if problems:
            return self._notice(request, page_lang, "error", e["invalid_field_title"], problems, status=400)
        client = request.client.host if request.client else "unknown"
        if not await self._allow("ip", client, self._limits.per_ip, self._limits.ip_window_seconds):
            log.info("sign-up refused: too many from one client")
            return self._notice(request, page_lang, "error", e["too_many_title"], [e["too_many_body"]], status=429)
        check = self._notice(request, page_lang, "ok", e["check_title"], [e["check_body"].format(address=address)])
        if not await self._allow("addr", address, self._limits.per_address, self._limits.address_window_seconds):
            log.info("sign-up for %s over its limit: no mail sent", mask_address(address))
            return check
        issued = f"{self._services.store.clock().timestamp():.6f}"  # "never undo a later change" compares it
        token = self._tokens.make(Purpose.CONFIRM, {"a": address, "l": chosen_lang, "t": time_text, "z": zone,
                                                    "i": issued})
        outcome = await send_link_mail(self._services, "confirmation mail", address,
                                       lambda mail, key: mail.send_confirmation(
                                           address, f"{self._base}/confirm/{token}", page_lang, key=key))
        if outcome is LinkMail.UNAVAILABLE:
            return self._notice(request, page_lang, "error", e["send_failed_title"], [e["send_failed_body"]],
                                status=503)
        if outcome is LinkMail.REFUSED:
            return self._notice(request, page_lang, "error", e["refused_title"], [e["refused_body"]], status=400)
        return check

    def _signup_preferences(self, form: FormData, lang: str) -> tuple[list[str], str, str]:
        """Validate the optional time and zone with the command language's own parsers."""
        problems: list[str] = []
        time_text = zone = ""
        if raw_time := _field(form, "time"):
            parsed = parse_time(raw_time)
            if parsed is None:
                problems.append(t(lang, "time_invalid", value=raw_time[:20]))
            else:
                time_text = parsed.strftime("%H:%M")
        if raw_zone := _field(form, "timezone"):
            found = parse_timezone(raw_zone)
            if found is None:
                problems.append(t(lang, "tz_invalid", value=raw_zone[:64]))
            else:
                zone = found
        return problems, time_text, zone

    async def confirm(self, request: Request) -> Response:
        """Double opt-in, once. Redis unavailable: 503 (``bot.web.outage``), and the link stays usable."""
        lang = pick_language(request)
        token = request.path_params["token"]
        try:
            data, signed_at = self._tokens.read_with_time(Purpose.CONFIRM, token)
            identity = Identity.parse("email:" + data["a"])
            issued = datetime.fromtimestamp(float(data["i"]), UTC) if data.get("i") else signed_at
        except (TokenError, KeyError, ValueError) as exc:
            return self._bad_link(request, lang, exc)
        lang = data.get("l") or lang
        e = email_text(lang)
        current = await self._services.store.get(identity)
        if await self._uses.used(token) or (current is not None and current.updated_at > issued):
            log.info("confirm link for %s refused: already used or superseded", mask_address(identity.address))
            return self._notice(request, lang, "ok", e["confirm_used_title"], [e["confirm_used_body"]],
                                show_home=True)
        commands = self._services.commands
        for key, command in (("l", "language"), ("t", "time"), ("z", "timezone")):
            if data.get(key):
                await commands.handle(identity, f"{command} {data[key]}", language_hint=lang)
        reply = await commands.handle(identity, "subscribe", language_hint=lang)
        if not reply.ok:
            log.warning("confirmation for %s not stored", mask_address(identity.address))
            return self._notice(request, lang, "error", e["send_failed_title"], [reply.text], status=500)
        await self._uses.mark(token, Purpose.CONFIRM.max_age)
        log.info("subscription confirmed for %s", mask_address(identity.address))
        return self._notice(request, lang, "ok", e["confirmed_title"], [reply.text],
                            action_url=self._link(Purpose.PREFERENCES, identity), action_label=e["manage"])

    # ------------------------------------------------------------------------------------------ preferences

    async def preferences(self, request: Request) -> Response:
        """The form (GET) and its changes (POST). A change meeting an unavailable store, before or midway, is
        journaled whole and applied later (it states the wanted preferences, so applying it again is harmless)."""
        lang = pick_language(request)
        token = request.path_params["token"]
        form = await request.form(max_files=0, max_fields=50) if request.method == "POST" else None
        try:
            sid = self._tokens.read(Purpose.PREFERENCES, token)["s"]
        except (TokenError, KeyError, ValueError) as exc:
            return self._bad_link(request, lang, exc)
        try:
            return await self._preferences(request, token, sid, form, lang)
        except UNAVAILABLE:
            if form is None:
                raise  # nothing asked for: the 503 page
            await journal_preferences(self._journal, sid, form, self._services.store.clock())
            log.info("preference change journaled: Redis unavailable")
            e = email_text(lang)
            return self._notice(request, lang, "ok", e["queued_prefs_title"], [e["queued_prefs_body"]],
                                status=202, show_home=True)

    async def _preferences(self, request: Request, token: str, sid: str, form: FormData | None,
                           lang: str) -> Response:
        sub = await self._subscription_of(sid)
        e = email_text(sub.effective_language if sub else lang)
        if sub is None:
            return self._notice(request, lang, "error", e["not_subscribed_title"], [e["not_subscribed_body"]],
                                status=404)
        lang = sub.effective_language
        messages: list[dict[str, Any]] = []
        status_code = 200
        if form is not None:
            for text in preference_commands(sub, form):
                reply = await self._services.commands.handle(sub.identity, text, language_hint=lang)
                messages.append({"text": reply.text, "ok": reply.ok})
                status_code = status_code if reply.ok else 400
            if not messages:
                messages.append({"text": e["nothing_changed"], "ok": True})
            sub = await self._services.store.get(sub.identity) or sub
            lang = sub.effective_language
        settings_reply = await self._services.commands.handle(sub.identity, "settings", language_hint=lang)
        context = {
            "e": email_text(lang),
            "messages": messages,
            "status_lines": settings_reply.text.splitlines(),
            "action": f"/preferences/{token}",
            "form": {
                "time": sub.delivery_time.strftime("%H:%M"),
                "timezone": sub.timezone,
                "language": lang,
                "items": sub.items,
                "minutes": sub.minutes,
                "topics": set(sub.topics),
            },
            "topics": TOPICS,
            "pause_choices": _PAUSE_CHOICES,
            "unsubscribe_url": self._link(Purpose.UNSUBSCRIBE, sub.identity),
        }
        return self._pages.render(request, "email/preferences.html", context, status_code=status_code,
                                  language=lang)

    # ------------------------------------------------------------------------------------------ unsubscribe

    async def unsubscribe_page(self, request: Request) -> Response:
        """GET only shows a button: mail security scanners follow every link they see."""
        lang = pick_language(request)
        token = request.path_params["token"]
        try:
            self._tokens.read(Purpose.UNSUBSCRIBE, token)
        except TokenError as exc:
            return self._bad_link(request, lang, exc)
        return self._pages.render(request, "email/unsubscribe.html",
                                  {"e": email_text(lang), "action": f"/unsubscribe/{token}"}, language=lang)

    async def unsubscribe(self, request: Request) -> Response:
        """RFC 8058 one-click: the token is the authority; answer 200 every time, set no cookie."""
        lang = pick_language(request)
        await _drain(request)
        try:
            sid = self._tokens.read(Purpose.UNSUBSCRIBE, request.path_params["token"])["s"]
        except (TokenError, KeyError, ValueError) as exc:
            return _without_cookies(self._bad_link(request, lang, exc))
        try:
            sub = await self._subscription_of(sid)
            if sub is not None:
                lang = sub.effective_language
                if sub.active:
                    await self._services.commands.handle(sub.identity, "unsubscribe", language_hint=lang)
                    log.info("one-click unsubscribe for %s", mask_address(sub.identity.address))
        except UNAVAILABLE:
            await journal_unsubscribe(self._journal, sid, self._services.store.clock())
            log.info("one-click unsubscribe journaled: Redis unavailable")
            e = email_text(lang)
            return _without_cookies(self._notice(request, lang, "ok", e["queued_unsub_title"],
                                                 [e["queued_unsub_body"]], status=202, show_home=True))
        e = email_text(lang)
        return _without_cookies(
            self._notice(request, lang, "ok", e["unsub_done_title"], [e["unsub_done_body"]], show_home=True)
        )

    # ------------------------------------------------------------------------------------------ helpers

    async def _subscription_of(self, sid: str) -> Subscription | None:
        sub = await self._services.store.get_by_sid(sid)
        return sub if sub is not None and sub.identity.channel == "email" else None

    def _link(self, purpose: Purpose, identity: Identity) -> str:
        return f"{self._base}/{purpose.value}/{self._tokens.make(purpose, {'s': identity.sid})}"

    async def _allow(self, kind: str, value: str, limit: int, window: int) -> bool:
        key = attempt_key(self._hash_key, value)
        return await count_attempt(self._services.runtime.redis, kind, key, window) <= limit

    def _bad_link(self, request: Request, lang: str, exc: Exception) -> HTMLResponse:
        e = email_text(lang)
        expired = isinstance(exc, TokenExpired)
        log.info("link refused on %s: %s", request.url.path.split("/")[1], exc.__class__.__name__)
        title, body = ("link_expired_title", "link_expired_body") if expired else ("link_invalid_title",
                                                                                  "link_invalid_body")
        return self._notice(request, lang, "error", e[title], [e[body]], status=410 if expired else 400,
                            show_home=True)

    def _notice(
        self,
        request: Request,
        lang: str,
        kind: str,
        heading: str,
        lines: list[str],
        *,
        status: int = 200,
        action_url: str = "",
        action_label: str = "",
        show_home: bool = False,
    ) -> HTMLResponse:
        context = {
            "e": email_text(lang), "kind": kind, "heading": heading, "lines": lines,
            "action_url": action_url, "action_label": action_label, "show_home": show_home,
        }
        return self._pages.render(request, "email/notice.html", context, status_code=status, language=lang)


async def _drain(request: Request) -> None:
    """Read (and ignore) at most ``_MAX_BODY`` bytes of the body, whatever its encoding."""
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > _MAX_BODY:
            break


def _without_cookies(response: HTMLResponse) -> HTMLResponse:
    if "set-cookie" in response.headers:
        del response.headers["set-cookie"]
    return response
