"""The ``driftwatch`` command.

Each command lives in its own module with ``register(subparsers)`` and a handler returning an
exit code. Heavy imports (httpx, gql, the server) happen inside handlers, so ``--help`` is fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from driftwatch_nb.cli import _demo, _server, _transfer, _user
from driftwatch_nb.cli._output import EXIT_ERROR, EXIT_USAGE, CommandError, error_line

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

environment:
  DRIFTWATCH_URL     server URL (default: from `driftwatch login`, else http://127.0.0.1:8787)
  DRIFTWATCH_TOKEN   API token (default: from `driftwatch login`)
"""


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (used by ``main`` and by tests)."""
    parser = argparse.ArgumentParser(
        prog="driftwatch",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version="driftwatch 0.1.0")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for module in (_transfer, _user, _server, _demo):
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``driftwatch`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
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
