"""Sign in with Slack (OpenID Connect), offered on the login page when Slack client settings are present.

``GET /login/slack``           remembers a one-time ``state`` (and where to return) and sends the browser to Slack
``GET /login/slack/callback``  takes the state back (once), exchanges the code for the reader's identity
                               (``channels.slack.oidc``) and signs the browser in as ``slack:<team>:<user>``

Without ``SLACK_CLIENT_ID`` and ``SLACK_CLIENT_SECRET`` both routes are the 404. A failed round trip (the reader
said no, the state is unknown or used, Slack refused the code or is down) returns to the login page with one
sentence; the magic link is always there as the other way in.
"""

from __future__ import annotations

import logging
import secrets

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot import keys
from bot.app import Services
from bot.store.comments import CommentStore
from bot.store.sessions import SessionStore
from bot.web.discussion import safe_next
from bot.web.session import WebSessions
from channels.base import TransientError

__all__ = ["routes", "slack_sign_in_enabled"]

log = logging.getLogger(__name__)


def slack_sign_in_enabled(services: Services) -> bool:
    settings = services.settings
    return bool(settings.slack_client_id and settings.slack_client_secret)


def routes(services: Services) -> list[BaseRoute]:
    settings = services.settings
    store = SessionStore(services.runtime.redis)
    sessions = WebSessions(settings, store, CommentStore(services.runtime.redis))
    redirect_uri = settings.public_url.rstrip("/") + "/login/slack/callback"
    enabled = slack_sign_in_enabled(services)

    async def start(request: Request) -> Response:
        if not enabled:
            raise HTTPException(404)
        from channels.slack.oidc import authorize_url  # slack_sdk only once someone signs in with Slack

        state = secrets.token_urlsafe(24)
        await store.put_state(state, safe_next(request.query_params.get("next")))
        url = authorize_url(settings.slack_api_url, client_id=str(settings.slack_client_id),
                            redirect_uri=redirect_uri, state=state)
        return RedirectResponse(url, status_code=302)

    async def callback(request: Request) -> Response:
        if not enabled or settings.slack_client_secret is None:
            raise HTTPException(404)
        from channels.slack.oidc import SlackSignInFailed, identify

        next_path = await store.take_state(request.query_params.get("state", ""))
        code = request.query_params.get("code", "")
        if next_path is None or not code or len(code) > 500:
            log.info("slack sign-in refused: unknown state or no code")
            return RedirectResponse("/login?e=slack", status_code=303)
        try:
            who = await identify(settings.slack_api_url, client_id=str(settings.slack_client_id),
                                 client_secret=settings.slack_client_secret.get_secret_value(), code=code,
                                 redirect_uri=redirect_uri)
        except (SlackSignInFailed, TransientError) as exc:
            log.info("slack sign-in failed: %s", exc)
            return RedirectResponse(f"/login?e=slack&next={next_path}", status_code=303)
        response = RedirectResponse(next_path, status_code=303)
        await sessions.sign_in(response, request, keys.subscription_id("slack", who.team_id, who.user_id))
        log.info("signed in a Slack user of team %s", who.team_id)
        return response

    return [
        Route("/login/slack", start, methods=["GET"]),
        Route("/login/slack/callback", callback, methods=["GET"]),
    ]
