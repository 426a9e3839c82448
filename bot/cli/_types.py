"""Types shared by the CLI verb modules."""

from __future__ import annotations

from typing import Any

#: argparse._SubParsersAction[argparse.ArgumentParser] (private in typeshed, so named loosely here)
Subparsers = Any

__all__ = ["Subparsers"]
