"""``aitoday run | web | worker | scheduler``: the long-running roles."""

from __future__ import annotations

import argparse

from bot.app import build_services
from bot.cli._types import Subparsers
from bot.demo import seed_for_first_run
from bot.roles import serve_roles
from bot.runtime import Runtime

__all__ = ["register"]

_ROLES = {
    "run": ("every role in one process: web, scheduler and worker", (True, True, True)),
    "web": ("the web app: webhooks, sign-up and preference pages, health, metrics", (True, False, False)),
    "worker": ("a delivery worker (run as many as you like)", (False, False, True)),
    "scheduler": ("the scheduler: ingestion, editions and the due-tick", (False, True, False)),
}


def register(sub: Subparsers) -> None:
    for name, (help_text, (web, scheduler, worker)) in _ROLES.items():
        parser: argparse.ArgumentParser = sub.add_parser(name, help=help_text, description=help_text)
        if web:
            parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
            parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
        parser.set_defaults(handler=_serve, roles=(web, scheduler, worker))


async def _serve(args: argparse.Namespace, runtime: Runtime) -> int:
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
