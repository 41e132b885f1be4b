"""``driftwatch diff BASE HEAD``: compare two profiles per function, or draw their difference.

BASE and HEAD are each a profile file (any format driftwatch reads: flamegraph SVG, folded
stacks, speedscope JSON) or the id of one of your flamegraphs on the server. The comparison is
``driftwatch_nb.core.profiles.diff_profiles``, the same code the server's ``flamegraphDiff``
runs.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from driftwatch_nb.cli._common import connection_options, make_client, print_table, user_errors
from driftwatch_nb.core.commands import abort

DESCRIPTION = """\
Compare two profiles: functions ranked by the change in their self time (as fractions of all
samples, so profiles of different lengths compare), or the red/blue differential flamegraph
(frames sized by HEAD, red grew, blue shrank; --shape base sizes them by BASE so removed code
shows). BASE and HEAD are files (flamegraph SVG, folded stacks, speedscope JSON; detected by
content) or flamegraph ids.
"""

EPILOG = """\
examples:
  driftwatch diff before.folded after.folded
  driftwatch diff 5f0c... 9a21... --top 10 --format json
  driftwatch diff base.svg head.json --format svg -o diff.svg
"""


def register(commands: Any) -> None:
    diff = commands.add_parser(
        "diff",
        parents=[connection_options()],
        help="compare two profiles (files or flamegraph ids) per function",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    diff.add_argument("base", metavar="BASE", help="profile file or flamegraph id")
    diff.add_argument("head", metavar="HEAD", help="profile file or flamegraph id")
    diff.add_argument("--top", type=int, default=20, metavar="N", help="functions shown (20)")
    diff.add_argument(
        "--format", choices=("text", "json", "svg"), default="text", help="output (text)"
    )
    diff.add_argument(
        "--shape", choices=("head", "base"), default="head", help="svg: whose shape (head)"
    )
    diff.add_argument(
        "--no-normalize",
        dest="normalize",
        action="store_false",
        help="raw sample counts instead of fractions of all samples",
    )
    diff.add_argument("-o", "--output", type=Path, metavar="FILE", help="write here, not stdout")
    diff.set_defaults(handler=_diff)


def _stacks(args: argparse.Namespace, which: str, client_box: list) -> dict[str, int]:
    from driftwatch_nb.core.profiles import ProfileError, load_profile_file

    value = getattr(args, which)
    if os.path.lexists(value):
        try:
            return load_profile_file(value).folded
        except ProfileError as exc:
            abort(f"{value}: {exc.reason}")
    if "/" in value or "." in value:
        abort(f"{which.upper()} {value!r}: no such file (and not a flamegraph id)")
    if not client_box:
        client_box.append(make_client(args))
    with user_errors():
        return client_box[0].flamegraph_stacks(value)


def _diff(args: argparse.Namespace) -> int:
    from driftwatch_nb.core.profiles import diff_profiles, summarize

    if args.top < 0:
        abort("--top must be 0 or more", code=2)
    client_box: list = []
    base = _stacks(args, "base", client_box)
    head = _stacks(args, "head", client_box)
    diff = diff_profiles(base, head, normalize=args.normalize)
    if args.format == "svg":
        data = diff.render(shape=args.shape)
        if args.output:
            args.output.write_bytes(data)
        else:
            sys.stdout.buffer.write(data)
        return 0
    top = diff.functions[: args.top]
    if args.format == "json":
        text = json.dumps(
            {
                "normalized": diff.normalized,
                "baseSamples": diff.base_samples,
                "headSamples": diff.head_samples,
                "summary": summarize(diff),
                "functions": [
                    {
                        "name": f.name,
                        "baseSelf": f.base_self,
                        "headSelf": f.head_self,
                        "deltaSelf": f.delta_self,
                        "baseTotal": f.base_total,
                        "headTotal": f.head_total,
                        "deltaTotal": f.delta_total,
                        "relativeSelf": f.relative_self,
                    }
                    for f in top
                ],
            },
            indent=2,
        )
        _write(args, text + "\n")
        return 0

    def number(value: float) -> str:
        return f"{100 * value:+.2f} %" if diff.normalized else f"{value:+,.0f}"

    def plain(value: float) -> str:
        return f"{100 * value:.2f} %" if diff.normalized else f"{value:,.0f}"

    rows = [
        (
            f.name,
            plain(f.base_self),
            plain(f.head_self),
            number(f.delta_self),
            number(f.delta_total),
        )
        for f in top
    ]
    import io

    out = io.StringIO()
    print(
        f"base {diff.base_samples:,.0f} samples, head {diff.head_samples:,.0f} samples; "
        + summarize(diff),
        file=out,
    )
    print_table(("function", "base self", "head self", "Δ self", "Δ total"), rows, file=out)
    _write(args, out.getvalue())
    return 0


def _write(args: argparse.Namespace, text: str) -> None:
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
