"""``aitoday telegram setup``: point Telegram's webhook at this service and set the command menu (en, ja).

``setWebhook`` goes to ``{AITODAY_PUBLIC_URL}/telegram/webhook`` with ``TELEGRAM_WEBHOOK_SECRET`` as the secret
token Telegram then echoes in ``X-Telegram-Bot-Api-Secret-Token`` (the route refuses anything else);
``setMyCommands`` sets the menu as the default, for ``en`` and for ``ja``. Idempotent: running it again
replaces both. Talks to ``AITODAY_TELEGRAM_API_URL``; opens no Redis.
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any

from channels.base import ChannelError

__all__ = ["register"]

#: What Telegram accepts as ``secret_token``: 1-256 characters of A-Z, a-z, 0-9, _ and -.
_SECRET_FORM = re.compile(r"[A-Za-z0-9_-]{1,256}")


def register(sub: Any) -> None:
    """Add the verbs to ``sub`` (argparse's subparsers); handlers take ``(args, settings)``."""
    telegram = sub.add_parser("telegram", help="Telegram channel tools", description="Telegram channel tools.")
    verbs = telegram.add_subparsers(dest="telegram_command", metavar="VERB", required=True)
    setup = verbs.add_parser("setup", help="set the webhook (with its secret) and the command menu",
                             description="Point Telegram's webhook at AITODAY_PUBLIC_URL/telegram/webhook with "
                                         "TELEGRAM_WEBHOOK_SECRET, and set the command menu in English and Japanese.")
    setup.set_defaults(handler=_setup, needs_runtime=False)


async def _setup(args: argparse.Namespace, settings: Any) -> int:
    token, secret = settings.telegram_bot_token, settings.telegram_webhook_secret
    if token is None or secret is None:
        missing = " and ".join(name for name, value in (("TELEGRAM_BOT_TOKEN", token),
                                                        ("TELEGRAM_WEBHOOK_SECRET", secret)) if value is None)
        print(f"aitoday telegram setup: Telegram is not configured; set {missing}", file=sys.stderr)
        return 2
    if not _SECRET_FORM.fullmatch(secret.get_secret_value()):
        print("aitoday telegram setup: TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -",
              file=sys.stderr)
        return 2
    url = settings.public_url.rstrip("/") + "/telegram/webhook"
    if not url.startswith("https://"):
        print(f"aitoday telegram setup: warning: Telegram delivers webhooks only to HTTPS URLs; {url} is not one",
              file=sys.stderr)
    from channels.telegram.channel import TelegramChannel  # the SDK only when the verb runs

    channel = TelegramChannel(token.get_secret_value(), api_url=settings.telegram_api_url)
    try:
        await channel.setup_webhook(url, secret.get_secret_value())
        menus = await channel.setup_commands()
    except ChannelError as exc:
        print(f"aitoday telegram setup: Telegram refused: {type(exc).__name__}: {exc.detail}", file=sys.stderr)
        return 1
    finally:
        await channel.aclose()
    print(f"Webhook: {url} (secret token set)")
    print(f"Command menu: {', '.join(menus)}")
    return 0
