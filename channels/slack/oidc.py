"""Sign in with Slack (OpenID Connect): the authorize URL, and a code exchanged for who the reader is.

Why through ``slack_sdk``: the token call authenticates with our client secret and both calls honour
``AITODAY_SLACK_API_URL``, so tests talk to the local stand-in. The identity comes from
``openid.connect.userInfo`` with the access token Slack just gave us over TLS, so the ID token's signature need
not be checked here; the ``state`` the caller keeps in Redis protects the redirect.

Errors::

    SlackSignInFailed      Slack refused the code (expired, reused, wrong client) or sent no identity
    channels.base.TransientError   Slack unreachable or answering 5xx / rate-limited: try again later
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from channels.base import TransientError

__all__ = ["SlackIdentity", "SlackSignInFailed", "authorize_url", "identify"]


class SlackSignInFailed(Exception):
    """The sign-in did not produce an identity; the message names Slack's error code, never a secret."""


@dataclass(frozen=True, slots=True)
class SlackIdentity:
    team_id: str
    user_id: str
    name: str


def authorize_url(api_url: str, *, client_id: str, redirect_uri: str, state: str) -> str:
    """Where to send the browser: Slack's OpenID authorize page (``https://slack.com/openid/connect/authorize``)."""
    base = api_url.rstrip("/")
    base = base.removesuffix("/api")
    query = urlencode({"response_type": "code", "scope": "openid profile", "client_id": client_id,
                       "redirect_uri": redirect_uri, "state": state})
    return f"{base}/openid/connect/authorize?{query}"


async def identify(api_url: str, *, client_id: str, client_secret: str, code: str, redirect_uri: str) -> SlackIdentity:
    """Exchange the authorization ``code`` for the reader's Slack team, user and name."""
    base = api_url if api_url.endswith("/") else api_url + "/"
    try:
        # The client credentials go in the form body (Slack accepts them there): the SDK's Basic-auth path
        # uses aiohttp.BasicAuth, deprecated in aiohttp and warning on every call.
        granted = await AsyncWebClient(base_url=base).api_call("openid.connect.token", data={
            "client_id": client_id, "client_secret": client_secret, "code": code, "redirect_uri": redirect_uri})
        token = str(granted.get("access_token") or "")
        if not token:
            raise SlackSignInFailed("no access token")
        info = await AsyncWebClient(token=token, base_url=base).openid_connect_userInfo()
    except SlackApiError as exc:
        status = exc.response.status_code
        if status >= 500 or status == 429:
            raise TransientError(f"slack answered {status}") from None
        raise SlackSignInFailed(str(exc.response.get("error") or "refused")) from None
    except SlackClientError as exc:
        raise TransientError(f"slack unreachable: {exc.__class__.__name__}") from None
    except (OSError, TimeoutError, aiohttp.ClientError) as exc:
        raise TransientError(f"slack unreachable: {exc.__class__.__name__}") from None
    team = str(info.get("https://slack.com/team_id") or "")
    user = str(info.get("https://slack.com/user_id") or "")
    if not (team and user):
        raise SlackSignInFailed("no identity")
    return SlackIdentity(team_id=team, user_id=user, name=str(info.get("name") or ""))
