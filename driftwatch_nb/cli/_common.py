"""Pieces shared by the client commands: connection options, error translation, tables."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from driftwatch_nb.core.commands import abort

if TYPE_CHECKING:
    from driftwatch_nb._types import Metric
    from driftwatch_nb.client import Client


def metric_json(metric: Metric, *, sample_count: int | None = None) -> dict[str, Any]:
    """A metric as JSON output shows it: the numbers, and how many samples it carries (when
    known) rather than the samples themselves, which can be thousands."""
    shown: dict[str, Any] = {
        "benchmark": metric.benchmark,
        "measure": metric.measure,
        "value": metric.value,
        "lower_value": metric.lower_value,
        "upper_value": metric.upper_value,
    }
    if sample_count is not None:
        shown["sample_count"] = sample_count
    return shown


def connection_options() -> argparse.ArgumentParser:
    """``--url`` and ``--token``, for every command that talks to a server."""
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("connection")
    # SUPPRESS: a nested command (`projects --url X create`) must not reset what its parent
    # command parsed back to None.
    group.add_argument(
        "--url",
        default=argparse.SUPPRESS,
        help="server URL (env DRIFTWATCH_URL; default from `driftwatch login`, "
        "else http://127.0.0.1:8787)",
    )
    group.add_argument(
        "--token",
        default=argparse.SUPPRESS,
        help="API token (env DRIFTWATCH_TOKEN; default from `driftwatch login`)",
    )
    return parent


def make_client(args: argparse.Namespace, *, lean: bool = False) -> Client:
    """A client from the command's options, the environment or the login file (``lean``: see
    ``Client``)."""
    from driftwatch_nb.client import Client

    with user_errors():
        return Client(getattr(args, "url", None), getattr(args, "token", None), lean=lean)


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """Turn the client's and the validator's exceptions into one-line errors (exit 1)."""
    from driftwatch_nb.core.errors import DriftwatchError, NotFoundError

    try:
        yield
    except NotFoundError as exc:
        hint = "; create it with `driftwatch projects create SLUG`" if exc.kind == "project" else ""
        abort(exc.message + hint)
    except DriftwatchError as exc:
        abort(str(exc))


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]], *, file=None) -> None:  # type: ignore[no-untyped-def]
    """A plain aligned text table."""
    file = file or sys.stdout
    widths = [
        max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=False)
    ]
    for line in (headers, *rows):
        print(
            "  ".join(
                str(cell).ljust(width) for cell, width in zip(line, widths, strict=False)
            ).rstrip(),
            file=file,
        )
