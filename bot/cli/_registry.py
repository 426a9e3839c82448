"""The list of CLI verb groups: the bot's own, then each channel's (``aitoday line setup``) from the registry.

Each module exposes ``register(subparsers)`` adding its verbs with ``set_defaults(handler=...)``; a handler is
``async def handler(args, runtime: bot.runtime.Runtime) -> int``. A verb that must not open Redis sets
``needs_runtime=False`` and its handler receives ``(args, settings)`` instead. A channel's verbs come from its
``ChannelEntry.cli`` (``channels.registry``): adding a channel adds no line here.

Keep the verb modules light: at module level they import argparse and ``bot.cli._types`` only; settings,
Redis, rich, a channel's SDK, feedparser and trafilatura are imported inside the handler that uses them, so
``aitoday --help`` and ``aitoday chat`` load none of it (``tests/bot/cli/test_quick.py`` fails otherwise).
A channel's own verbs (``line setup``, ``telegram setup``) follow the same rule.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.cli import chat, comments, deliveries, demo, edition, ingest, preview, serve, sources
from bot.cli._types import Subparsers
from channels.registry import CHANNELS

Registrar = Callable[[Subparsers], None]

REGISTRARS: tuple[Registrar, ...] = (
    serve.register,
    chat.register,
    ingest.register,
    sources.register,
    edition.register,
    demo.register,
    preview.register,
    deliveries.register,
    *(entry.cli for entry in CHANNELS if entry.cli is not None),
    comments.register,
)

__all__ = ["REGISTRARS", "Registrar"]
