"""The ``driftwatch`` command.

Each command lives in its own module with ``register(subparsers)`` and a handler returning an
exit code. Heavy imports (httpx, gql, the server) happen inside handlers, so ``--help`` is fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from driftwatch_nb.cli import _diff, _drift, _transfer, _user
from driftwatch_nb.core import VERSION
from driftwatch_nb.core.commands import (
    COMMANDS_ENTRY_POINT_GROUP,
    EXIT_ERROR,
    EXIT_USAGE,
    CommandError,
    abort,
    error_line,
)

DESCRIPTION = """\
Continuous benchmarking for Python: keep every benchmark run as a report,
with the flamegraphs that explain it.
"""

EPILOG = """\
examples:
  driftwatch serve                                     run the server on embedded defaults
  driftwatch run -p demo -b main -- pytest --benchmark-json=/dev/stdout
  driftwatch run -p demo -b main --flamegraph profile.svg -- python bench.py
  driftwatch upload --report ID profile.svg            attach flamegraphs to a report
  driftwatch diff BASE HEAD                          compare two profiles per function
  driftwatch run -p demo -b main --fail-on-alert -- python bench.py   exit 3 on a regression
  driftwatch alerts -p demo                            drift alerts; `alerts ack ID`
  driftwatch compare -p demo --base main --head my-branch

exit codes: 0 success, 1 error, 2 usage, 3 regression detected (with --fail-on-alert or
  --fail-on-regression); `run` passes a failing benchmark command's own code on.

environment:
  DRIFTWATCH_URL     server URL (default: from `driftwatch login`, else http://127.0.0.1:8787)
  DRIFTWATCH_TOKEN   API token (default: from `driftwatch login`)
"""


CLIENT_COMMANDS = (
    "run",
    "upload",
    "login",
    "projects",
    "reports",
    "alerts",
    "detection",
    "compare",
    "diff",
)
"""The client's own commands: for these, other packages' commands are not looked up."""


def build_parser(*, plugins: bool = True) -> argparse.ArgumentParser:
    """The argument parser (used by ``main`` and by tests); ``plugins=False`` leaves out the
    commands found through the entry-point group (scanning installed packages takes tens of
    milliseconds that a client command need not pay)."""
    parser = argparse.ArgumentParser(
        prog="driftwatch",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"driftwatch {VERSION}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for module in (_transfer, _diff, _user, _drift):
        module.register(commands)
    if plugins:
        _register_plugins(commands)
    return parser


SERVER_COMMANDS = ("serve", "db", "admin", "demo")
"""Commands the server package adds; without it, each says how to install it."""


def _register_plugins(commands: Any) -> None:
    """Commands from other packages (the server's), through the entry-point group."""
    from importlib.metadata import entry_points

    for entry_point in entry_points(group=COMMANDS_ENTRY_POINT_GROUP):
        try:
            register = entry_point.load()
        except ImportError:
            continue
        register(commands)
    for name in SERVER_COMMANDS:
        if name not in commands.choices:
            stub = commands.add_parser(
                name, help="(needs the server: pip install 'driftwatch-nb[server]')"
            )
            stub.set_defaults(handler=_server_missing)


def _server_missing(_args: argparse.Namespace) -> int:
    abort("the server is not installed; install it with: pip install 'driftwatch-nb[server]'")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``driftwatch`` console script."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    command = next((word for word in arguments if not word.startswith("-")), None)
    parser = build_parser(plugins=command not in CLIENT_COMMANDS)
    args = parser.parse_args(arguments)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return int(handler(args) or 0)
    except CommandError as exc:
        error_line(exc.message)
        return exc.code
    except KeyboardInterrupt:
        error_line("interrupted")
        return 130
    except BrokenPipeError:
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
