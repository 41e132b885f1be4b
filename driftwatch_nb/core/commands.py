"""The contract of every ``driftwatch`` command, the client's and the server's alike: one exit
path, messages to stderr, codes that mean one thing, and how commands are found.

Exit codes: 0 success, 1 runtime or user error, 2 usage error, 3 regression detected (only
when asked for: ``driftwatch run --fail-on-alert``, ``driftwatch compare --fail-on-regression``).
A benchmark command that fails passes its own exit code on.

Commands outside the client package (the server's ``serve``, ``db``, ``admin``, ``demo``) are
found through the entry-point group ``COMMANDS_ENTRY_POINT_GROUP``: each entry point names a
``register(subparsers)`` function, and its handlers return an exit code or call ``abort``.
"""

from __future__ import annotations

import sys
from typing import NoReturn

from driftwatch_nb.core.errors import DriftwatchError

COMMANDS_ENTRY_POINT_GROUP = "driftwatch.commands"
"""Entry points in this group add commands to ``driftwatch``."""

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_REGRESSION = 3
"""A regression was detected and the command was asked to fail on one."""


class CommandError(DriftwatchError):
    """A user-facing failure: printed as one line, exits with ``code``."""

    def __init__(self, message: str, *, code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def abort(message: str, code: int = EXIT_ERROR) -> NoReturn:
    """Stop the command with a one-line error."""
    raise CommandError(message, code=code)


def info(message: str, *, quiet: bool = False) -> None:
    """Progress and summaries for people, on stderr so stdout stays parseable."""
    if not quiet:
        print(message, file=sys.stderr, flush=True)


def error_line(message: str) -> None:
    """Print an error the way every command does."""
    print(f"driftwatch: error: {message}", file=sys.stderr, flush=True)
