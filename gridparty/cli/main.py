"""``gridparty`` command line for planners.

Each command lives in its own module of :mod:`gridparty.cli` and registers itself
with :func:`register`; this module only builds the parser and runs the chosen command.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from gridparty.core.errors import GridpartyError

__all__ = ["COMMANDS", "main"]

#: Command modules of ``gridparty.cli``, in the order ``--help`` lists them.
COMMANDS = ("validate", "check", "access", "alliances", "zones", "delineate")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 1 issues at --fail-on, 2 bad input)."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except GridpartyError as exc:
        print(f"gridparty: error: {exc}", file=sys.stderr)
        return 2


def build_parser() -> argparse.ArgumentParser:
    """The ``gridparty`` parser with every command of :data:`COMMANDS`."""
    parser = argparse.ArgumentParser(
        prog="gridparty",
        description="Check and plan grid-based party organisation on a map "
        "(community → grid → building → member household).",
    )
    sub = parser.add_subparsers(required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"gridparty.cli.{name}").register(sub)
    return parser


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
