"""``gridparty`` command line for planners.

Each command lives in its own module of :mod:`gridparty.cli` and registers itself
with :func:`register`; this module only builds the parser and runs the chosen command.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
import warnings
from collections.abc import Sequence

from gridparty.core.errors import GridpartyError
from gridparty.core.workbook import VERSION

__all__ = ["COMMANDS", "main"]

#: Command modules of ``gridparty.cli``, in the order ``--help`` lists them.
COMMANDS = ("validate", "check", "access", "alliances", "zones", "delineate")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 1 issues at --fail-on, 2 bad input)."""
    from gridparty.cli.common import SHOW_PROGRESS, stop_progress

    args = build_parser().parse_args(argv)
    SHOW_PROGRESS["quiet"] = args.quiet
    shown = warnings.showwarning
    warnings.showwarning = _one_line_warning
    try:
        return int(args.run(args))
    except GridpartyError as exc:
        print(f"gridparty: error: {cli_hint(str(exc))}", file=sys.stderr)
        return 2
    finally:
        stop_progress()
        warnings.showwarning = shown


def _one_line_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: object = None,
    line: str | None = None,
) -> None:
    """Print a library warning as one line for people, without Python's source location."""
    text = " ".join(cli_hint(str(message)).split())
    print(f"gridparty: warning: {text}", file=sys.stderr)


#: ``columns={'COLUMN': 'CODE'}`` in a library message, as the command line writes it.
_PY_COLUMNS = re.compile(r"columns=\{'([^']*)': '([^']*)'\}")
#: Code names of the level ids, to say which level a ``--columns`` hint is for.
_ID_LEVELS = {f"{name}_id": name for name in ("community", "grid", "building", "household")}


def cli_hint(message: str) -> str:
    """A library message with its Python hints (``columns={'WGBH': 'grid_id'}``) in the
    syntax of the command line (``--columns grid:WGBH=grid_id``)."""

    def option(match: re.Match[str]) -> str:
        column, code = match.group(1), match.group(2)
        level = _ID_LEVELS.get(code)
        return f"--columns {level + ':' if level else ''}{column}={code}"

    return _PY_COLUMNS.sub(option, message).replace("columns=", "--columns")


def build_parser() -> argparse.ArgumentParser:
    """The ``gridparty`` parser with every command of :data:`COMMANDS`."""
    parser = argparse.ArgumentParser(
        prog="gridparty",
        description="Check and plan grid-based party organisation on a map "
        "(community → grid → building → member household).",
    )
    parser.add_argument("--version", action="version", version=f"gridparty {VERSION}")
    parser.add_argument(
        "--quiet",
        action="store_true",
        help="no progress lines on stderr and no Dask progress bars (results only)",
    )
    sub = parser.add_subparsers(required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"gridparty.cli.{name}").register(sub)
    for command in sub.choices.values():  # --quiet after the command too
        command.add_argument(
            "--quiet", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS
        )
    return parser


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
