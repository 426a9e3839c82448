"""``aitoday run | web | worker | scheduler``: the long-running roles."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from bot.cli._types import Subparsers

if TYPE_CHECKING:
    from bot.runtime import Runtime

__all__ = ["register"]

_ROLES = {
    "run": ("every role in one process: web, scheduler and worker", (True, True, True)),
    "web": ("the web app: webhooks, sign-up and preference pages, health, metrics", (True, False, False)),
    "worker": ("a delivery worker (run as many as you like)", (False, False, True)),
    "scheduler": ("the scheduler: ingestion, editions and the due-tick", (False, True, False)),
}


def _preload() -> None:
    """What a role imports, loaded by ``bot.cli.main`` before the event loop starts."""
    import bot.app
    import bot.delivery.worker
    import bot.demo
    import bot.roles
    import bot.web.app  # noqa: F401


def register(sub: Subparsers) -> None:
    for name, (help_text, (web, scheduler, worker)) in _ROLES.items():
        parser: argparse.ArgumentParser = sub.add_parser(name, help=help_text, description=help_text)
        if web:
            parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
            parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
        parser.set_defaults(handler=_serve, roles=(web, scheduler, worker), log_info=True, preload=_preload)


async def _serve(args: argparse.Namespace, runtime: Runtime) -> int:
    from bot.app import build_services
    from bot.demo import seed_for_first_run
    from bot.roles import serve_roles

    web, scheduler, worker = args.roles
    if web and scheduler and worker:  # `aitoday run` on a fresh store: the demo's sample cards until real ones
        await seed_for_first_run(runtime)
    services = build_services(runtime)
    try:
        await serve_roles(services, web=web, scheduler=scheduler, worker=worker,
                          host=getattr(args, "host", "127.0.0.1"), port=getattr(args, "port", 8000))
    finally:
        await services.aclose()
    return 0
