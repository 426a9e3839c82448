"""The ``aitoday`` command line: one argparse tree, one sub-module per verb group.

Each sub-module exposes ``register(subparsers)``, which adds its verbs with ``set_defaults(handler=…)``; a
handler is ``async def handler(args, runtime) -> int`` (or ``needs_runtime=False`` for handlers that take
only ``args`` and settings). Exit codes: 0 ok, 1 runtime failure, 2 bad usage (argparse's own code), 130 a
one-shot command stopped by a signal (a long-running role stopped by a signal exits 0).

Quick by construction: importing this package and building the parser loads argparse and the verb modules'
``register`` functions only. Settings (pydantic), Redis, rich, the channel SDKs, feedparser and trafilatura
are imported by the handler that uses them, so ``aitoday --help`` and ``aitoday chat`` pay only for what
they run (``tests/bot/cli/test_quick.py`` keeps it so).

Logging: one-shot commands log warnings and errors only (their output is the answer); long-running roles
(``set_defaults(log_info=True)``) and ``-v`` log INFO too; ``-vv`` logs DEBUG.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.cli import _registry
from bot.cli._signals import StopSignals

if TYPE_CHECKING:
    from bot.settings import Settings

__all__ = ["build_parser", "main"]

log = logging.getLogger("aitoday")

#: The exit code of a one-shot command stopped by SIGINT or SIGTERM (the shell's 128 + SIGINT).
EXIT_STOPPED = 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aitoday", description="AI news, condensed into your morning digest.")
    parser.add_argument("--data-dir", help="where the embedded Redis and local files live (AITODAY_DATA_DIR)")
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="log more: -v informational lines, -vv debug lines")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for register in _registry.REGISTRARS:
        register(sub)
    return parser


def _log_level(args: argparse.Namespace) -> int:
    if args.verbose >= 2:
        return logging.DEBUG
    if args.verbose == 1 or getattr(args, "log_info", False):
        return logging.INFO
    return logging.WARNING


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from bot.logging_setup import configure_logging
    from bot.settings import SettingsError, load_settings

    try:
        settings = load_settings(data_dir=args.data_dir)
    except SettingsError as exc:
        print(f"aitoday: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings, level=_log_level(args))
    try:
        # A role's modules load before its event loop starts: seconds on a busy machine, during which a stop
        # acts at once (Ctrl+C raises, SIGTERM ends the process) since nothing is open yet to clean up.
        preload = getattr(args, "preload", None)
        if preload is not None:
            preload()
        return asyncio.run(_run(args, settings))
    except KeyboardInterrupt:  # a Ctrl+C before the handler's loop took the signals over
        return EXIT_STOPPED
    except Exception as exc:  # the CLI's boundary: a clear line, details only with -vv
        log.debug("command failed", exc_info=True)
        print(f"aitoday: {exc.__class__.__name__}: {exc}", file=sys.stderr)
        return 1


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    """Run the verb's handler as the main task; SIGINT and SIGTERM cancel it, whatever the inherited
    dispositions (``&`` in a script starts a process with SIGINT ignored), so every ``finally`` runs: a role's
    cleanup, the runtime's Redis close and the embedded server's stop."""
    long_running = bool(getattr(args, "log_info", False))
    with StopSignals() as stop:
        try:
            if not getattr(args, "needs_runtime", True):
                return int(await args.handler(args, settings))
            from bot.runtime import open_runtime

            async with open_runtime(settings) as runtime:
                return int(await args.handler(args, runtime))
        except asyncio.CancelledError:
            if not stop.requested:
                raise
            log.info("stopped by %s", stop.requested)
            return 0 if long_running else EXIT_STOPPED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
