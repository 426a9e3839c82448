"""The ``aitoday`` command line: one argparse tree, one sub-module per verb group.

Each sub-module exposes ``register(subparsers)``, which adds its verbs with ``set_defaults(handler=…)``; a
handler is ``async def handler(args, runtime) -> int`` (or ``needs_runtime=False`` for handlers that take
only ``args`` and settings). Exit codes: 0 ok, 1 runtime failure, 2 bad usage (argparse's own code).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Sequence

from bot.cli import _registry
from bot.logging_setup import configure_logging
from bot.runtime import open_runtime
from bot.settings import SettingsError, load_settings

__all__ = ["build_parser", "main"]

log = logging.getLogger("aitoday")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aitoday", description="AI news, condensed into your morning digest.")
    parser.add_argument("--data-dir", help="where the embedded Redis and local files live (AITODAY_DATA_DIR)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for register in _registry.REGISTRARS:
        register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings(data_dir=args.data_dir)
    except SettingsError as exc:
        print(f"aitoday: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings, verbose=args.verbose)
    handler = args.handler
    previous = signal.signal(signal.SIGTERM, _sigterm_as_sigint)
    try:
        if not getattr(args, "needs_runtime", True):
            return int(asyncio.run(handler(args, settings)))

        async def _with_runtime() -> int:
            async with open_runtime(settings) as runtime:
                return int(await handler(args, runtime))

        return asyncio.run(_with_runtime())
    except KeyboardInterrupt:
        return 0
    except Exception as exc:  # the CLI's boundary: a clear line, details only with -v
        log.debug("command failed", exc_info=True)
        print(f"aitoday: {exc.__class__.__name__}: {exc}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGTERM, previous)


def _sigterm_as_sigint(signum: int, frame: object) -> None:
    """SIGTERM (``docker stop``, systemd) stops a role the way Ctrl+C does: uvicorn drains the web server when
    it is serving, otherwise asyncio cancels the main task, so every ``finally`` runs — a worker cancels its
    in-flight sends (their entries stay pending and are reclaimed), the scheduler stops, Redis closes."""
    signal.raise_signal(signal.SIGINT)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
