"""The list of CLI verb groups. Add a module here to add verbs; nothing else changes.

Each module exposes ``register(subparsers)`` adding its verbs with ``set_defaults(handler=...)``; a handler is
``async def handler(args, runtime: bot.runtime.Runtime) -> int``. A verb that must not open Redis sets
``needs_runtime=False`` and its handler receives ``(args, settings)`` instead.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.cli import chat, deliveries, demo, edition, ingest, line, preview, serve, sources, telegram
from bot.cli._types import Subparsers

Registrar = Callable[[Subparsers], None]

REGISTRARS: tuple[Registrar, ...] = (
    serve.register,
    chat.register,
    ingest.register,
    sources.register,
    line.register,
    edition.register,
    telegram.register,
    demo.register,
    preview.register,
    deliveries.register,
)

__all__ = ["REGISTRARS", "Registrar"]
