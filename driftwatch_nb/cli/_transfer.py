"""``driftwatch run`` and ``driftwatch upload``: post benchmark results and flamegraphs.

``run`` works like ``bencher run``: it runs the benchmark command (its output still reaches the
terminal), parses the results, checks every flamegraph, posts one report, then uploads the
flamegraphs. Nothing is sent before everything that can be checked locally has been checked;
a flamegraph that fails to upload does not undo the report, and the exit code says so.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from driftwatch_nb.cli._common import connection_options, make_client, print_table, user_errors
from driftwatch_nb.cli._output import EXIT_ERROR, EXIT_USAGE, abort, info

RUN_EPILOG = """\
flamegraphs:
  --flamegraph FILE               attach FILE to the report (repeatable)
  --flamegraph-for BENCH FILE     attach FILE linked to the benchmark BENCH (repeatable)
  A flamegraph may be written by the benchmark command itself: files are checked after the
  command has run and before anything is sent.

examples:
  driftwatch run -p demo -b main -- pytest --benchmark-json=results.json --file results.json
  driftwatch run -p demo -b main --file results.json -- pytest bench.py --benchmark-json=results.json
  driftwatch run -p demo -b main --adapter shell_hyperfine --file h.json -- hyperfine --export-json h.json 'sleep 0.1'
  driftwatch run -p demo -b main --flamegraph cpu.svg --flamegraph-for parse parse.svg -- python bench.py
  driftwatch run -p demo -b main --dry-run -- python bench.py     check everything, send nothing

adapters: auto (default), json (driftwatch / Bencher Metric Format), python_pytest,
  shell_hyperfine, cpp_google, go_bench, rust_criterion
exit codes: 0 posted; 1 error (nothing posted, or a flamegraph upload failed after the report
  was posted); 2 usage; otherwise the benchmark command's own exit code.
"""


@dataclass(frozen=True)
class FlamegraphFile:
    """A flamegraph to attach, optionally linked to a benchmark."""

    path: Path
    benchmark: str | None = None


def register(commands: Any) -> None:
    """Add ``run`` and ``upload`` to the top-level parser."""
    connection = connection_options()
    run = commands.add_parser(
        "run",
        parents=[connection],
        help="run a benchmark command and post its results as a report",
        description="Run COMMAND, parse its benchmark results, post them as a report on "
        "PROJECT/BRANCH, and attach flamegraphs.",
        epilog=RUN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument(
        "-p",
        "--project",
        default=os.environ.get("DRIFTWATCH_PROJECT"),
        help="project slug (env DRIFTWATCH_PROJECT)",
    )
    run.add_argument(
        "-b",
        "--branch",
        default=os.environ.get("DRIFTWATCH_BRANCH"),
        help="branch (env DRIFTWATCH_BRANCH; default: the current git branch)",
    )
    run.add_argument(
        "--testbed",
        default=os.environ.get("DRIFTWATCH_TESTBED", "localhost"),
        help="testbed name (env DRIFTWATCH_TESTBED, default localhost)",
    )
    run.add_argument(
        "--hash",
        dest="git_hash",
        help="git commit (default: the current commit when in a git checkout)",
    )
    run.add_argument("--adapter", default="auto", help="results format (default: auto-detect)")
    run.add_argument(
        "--file",
        type=Path,
        help="read results from FILE (written by the command) instead of its stdout",
    )
    run.add_argument(
        "--flamegraph",
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        help="flamegraph SVG to attach (repeatable)",
    )
    run.add_argument(
        "--flamegraph-for",
        action="append",
        default=[],
        nargs=2,
        metavar=("BENCH", "FILE"),
        help="flamegraph SVG linked to benchmark BENCH (repeatable)",
    )
    run.add_argument(
        "--dry-run",
        action="store_true",
        help="run and check everything, print what would be sent, send nothing",
    )
    run.add_argument(
        "--format",
        choices=("human", "json"),
        default="human",
        help="summary format (default human)",
    )
    run.add_argument("-q", "--quiet", action="store_true", help="no progress or summary on stderr")
    run.add_argument(
        "command", nargs=argparse.REMAINDER, metavar="-- COMMAND", help="the benchmark command"
    )
    run.set_defaults(handler=_run)

    upload = commands.add_parser(
        "upload",
        parents=[connection],
        help="attach flamegraph SVG files to an existing report",
        description="Check every FILE, then upload each and attach it to the report.",
        epilog="example:\n  driftwatch upload --report 3f2c... --benchmark parse parse.svg cpu.svg",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    upload.add_argument("--report", required=True, help="report id")
    upload.add_argument("--benchmark", help="link the flamegraphs to this benchmark of the report")
    upload.add_argument(
        "--format", choices=("human", "json"), default="human", help="summary format"
    )
    upload.add_argument(
        "-q", "--quiet", action="store_true", help="no progress or summary on stderr"
    )
    upload.add_argument("files", nargs="+", type=Path, metavar="FILE", help="flamegraph SVG files")
    upload.set_defaults(handler=_upload)


# -- run ------------------------------------------------------------------------------------------


def _run(args: argparse.Namespace) -> int:
    command = list(args.command)
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        abort(
            "no benchmark command: put it after `--`, e.g. driftwatch run -p demo -b main -- pytest",
            EXIT_USAGE,
        )
    if not args.project:
        abort("no project: pass -p PROJECT or set DRIFTWATCH_PROJECT", EXIT_USAGE)
    branch = args.branch or _git(["rev-parse", "--abbrev-ref", "HEAD"])
    if not branch or branch == "HEAD":
        abort(
            "no branch: pass -b BRANCH or set DRIFTWATCH_BRANCH (not in a git checkout)", EXIT_USAGE
        )
    flamegraphs = [FlamegraphFile(path) for path in args.flamegraph] + [
        FlamegraphFile(Path(path), benchmark) for benchmark, path in args.flamegraph_for
    ]
    from driftwatch_nb.adapters import ADAPTERS

    if args.adapter != "auto" and args.adapter not in ADAPTERS:
        abort(
            f"unknown adapter {args.adapter!r}; choose one of: auto, {', '.join(ADAPTERS)}",
            EXIT_USAGE,
        )
    # Files that exist already are checked before the command spends any time.
    _check_flamegraphs([f for f in flamegraphs if f.path.exists()])
    if shutil.which(command[0]) is None and not Path(command[0]).exists():
        abort(f"benchmark command not found: {command[0]}")

    start = dt.datetime.now(dt.UTC)
    returncode, stdout = _run_command(command)
    end = dt.datetime.now(dt.UTC)
    if returncode != 0:
        info(
            f"driftwatch: the benchmark command exited with {returncode}; no report was posted",
            quiet=args.quiet,
        )
        return returncode

    results = _parse(args, stdout)
    _check_flamegraphs(flamegraphs)
    _check_links(flamegraphs, results)
    git_hash = args.git_hash or _git(["rev-parse", "HEAD"])
    report_input = {
        "project": args.project,
        "branch": branch,
        "testbed": args.testbed,
        "git_hash": git_hash,
        "adapter": args.adapter,
        "start_time": start.isoformat(),
        "end_time": end.isoformat(),
        "results": {
            name: {m: vars(v) for m, v in measures.items()} for name, measures in results.items()
        },
    }
    if args.dry_run:
        plan = {
            "dry_run": True,
            "report": report_input,
            "flamegraphs": [
                {"file": str(f.path), "size": f.path.stat().st_size, "benchmark": f.benchmark}
                for f in flamegraphs
            ],
        }
        print(json.dumps(plan, indent=2))
        info("dry run: nothing was sent", quiet=args.quiet)
        return 0

    client = make_client(args)
    with user_errors():
        report = client.create_report(
            args.project,
            branch,
            results,
            testbed=args.testbed,
            git_hash=git_hash,
            adapter=args.adapter,
            start_time=start,
            end_time=end,
        )
    uploaded, failed = _attach_all(client, report.id, report.project, flamegraphs, quiet=args.quiet)
    _summarize(client, report, uploaded, failed, args)
    return EXIT_ERROR if failed else 0


def _git(arguments: list[str]) -> str | None:
    try:
        result = subprocess.run(["git", *arguments], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() or None if result.returncode == 0 else None


def _run_command(command: list[str]) -> tuple[int, str]:
    """Run the command with its stdout shown live and captured; stderr passes straight through."""
    try:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
    except OSError as exc:
        abort(f"cannot start the benchmark command {command[0]!r}: {exc.strerror or exc}")
    captured = bytearray()
    assert process.stdout is not None
    try:
        for line in iter(process.stdout.readline, b""):
            captured += line
            sys.stdout.buffer.write(line)
            sys.stdout.buffer.flush()
    except KeyboardInterrupt:
        process.terminate()
        raise
    return process.wait(), captured.decode("utf-8", errors="replace")


def _parse(args: argparse.Namespace, stdout: str) -> Any:
    from driftwatch_nb.adapters import parse_results

    if args.file is not None:
        try:
            text = args.file.read_text(encoding="utf-8")
        except FileNotFoundError:
            abort(f"{args.file}: the results file does not exist (did the command write it?)")
        except OSError as exc:
            abort(f"{args.file}: cannot read the results file: {exc.strerror or exc}")
        source = str(args.file)
    else:
        text, source = stdout, "stdout"
    with user_errors():
        return parse_results(text, adapter=args.adapter, source=source)


def _check_flamegraphs(flamegraphs: list[FlamegraphFile]) -> None:
    from driftwatch_nb.svg import validate_svg_file

    with user_errors():
        for flamegraph in flamegraphs:
            validate_svg_file(flamegraph.path)


def _check_links(flamegraphs: list[FlamegraphFile], results: Any) -> None:
    for flamegraph in flamegraphs:
        if flamegraph.benchmark and flamegraph.benchmark not in results:
            known = ", ".join(sorted(results)) or "none"
            abort(
                f"{flamegraph.path.name}: no benchmark named {flamegraph.benchmark!r} in the results (they are: {known})"
            )


# -- upload ---------------------------------------------------------------------------------------


def _upload(args: argparse.Namespace) -> int:
    flamegraphs = [FlamegraphFile(path, args.benchmark) for path in args.files]
    _check_flamegraphs(flamegraphs)
    client = make_client(args)
    with user_errors():
        project = client.report_project(args.report)
    uploaded, failed = _attach_all(client, args.report, project, flamegraphs, quiet=args.quiet)
    if args.format == "json":
        summary = {"report": args.report, "flamegraphs": uploaded, "failed": failed}
        print(json.dumps(summary, indent=2))
    elif not args.quiet:
        for item in uploaded:
            info(f"{item['file']}: attached to report {args.report} as flamegraph {item['id']}")
    for item in failed:
        info(f"driftwatch: error: {item['file']}: upload failed: {item['error']}")
    return EXIT_ERROR if failed else 0


# -- shared ---------------------------------------------------------------------------------------


def _attach_all(
    client: Any, report_id: str, project: str, flamegraphs: list[FlamegraphFile], *, quiet: bool
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Upload each flamegraph; one failing does not stop the others."""
    from driftwatch_nb._exceptions import DriftwatchError

    uploaded: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    for flamegraph in flamegraphs:
        progress = _ProgressBar(flamegraph.path.name) if not quiet and sys.stderr.isatty() else None
        try:
            result = client.attach_flamegraph(
                report_id,
                flamegraph.path,
                project=project,
                benchmark=flamegraph.benchmark,
                progress=progress,
                validate=False,  # every file was checked before anything was sent
            )
        except DriftwatchError as exc:
            failed.append({"file": str(flamegraph.path), "error": str(exc)})
            continue
        finally:
            if progress:
                progress.close()
        uploaded.append(
            {
                "file": str(flamegraph.path),
                "id": result.id,
                "size": result.file_size,
                "benchmark": result.benchmark,
            }
        )
    return uploaded, failed


class _ProgressBar:
    """A one-line progress bar on stderr (only drawn on a terminal)."""

    WIDTH = 30

    def __init__(self, label: str) -> None:
        self.label = label

    def __call__(self, sent: int, total: int) -> None:
        done = int(self.WIDTH * sent / total) if total else self.WIDTH
        bar = "#" * done + "." * (self.WIDTH - done)
        sys.stderr.write(f"\r{self.label} [{bar}] {sent * 100 // max(total, 1):3d}%")
        sys.stderr.flush()

    def close(self) -> None:
        sys.stderr.write("\n")


def _summarize(
    client: Any,
    report: Any,
    uploaded: list[dict[str, Any]],
    failed: list[dict[str, Any]],
    args: argparse.Namespace,
) -> None:
    if args.format == "json":
        summary = {
            "report": report.id,
            "project": report.project,
            "branch": report.branch,
            "testbed": report.testbed,
            "git_hash": report.git_hash,
            "metrics": [vars(metric) for metric in report.metrics],
            "flamegraphs": uploaded,
            "failed": failed,
            "url": f"{client.url}/workspaces/{report.project}",
        }
        print(json.dumps(summary, indent=2, default=str))
    if args.format == "human" and not args.quiet:
        info(f"\nreport {report.id} on {report.project}/{report.branch} (testbed {report.testbed})")
        rows = [[m.benchmark, m.measure, _human(m.value, m.measure)] for m in report.metrics]
        print_table(["benchmark", "measure", "value"], rows, file=sys.stderr)
        for item in uploaded:
            link = f" -> {item['benchmark']}" if item["benchmark"] else ""
            info(
                f"flamegraph {Path(item['file']).name} ({item['size']:,} bytes){link}: {item['id']}"
            )
        info(f"view: {client.url}/workspaces/{report.project}")
    for item in failed:
        info(
            f"driftwatch: error: {item['file']}: upload failed: {item['error']} (the report is saved)"
        )


def _human(value: float, measure: str) -> str:
    if measure == "latency":
        for scale, unit in ((1e9, "s"), (1e6, "ms"), (1e3, "µs")):
            if value >= scale:
                return f"{value / scale:.3g} {unit}"
        return f"{value:.3g} ns"
    if measure == "throughput":
        return f"{value:,.4g} ops/s"
    return f"{value:.4g}"
