"""``driftwatch run`` and ``driftwatch upload``: post benchmark results and flamegraphs.

``run`` works like ``bencher run``: it checks what it can, runs the benchmark command (its output
still reaches the terminal), parses the results, posts one report, then uploads the
flamegraphs. Nothing is sent before everything that can be checked locally has been checked; a
flamegraph that fails to upload does not undo the report, and the exit code says so.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from driftwatch_nb._config import git_commit, resolve
from driftwatch_nb.cli._common import (
    connection_options,
    make_client,
    metric_json,
    print_table,
    user_errors,
)
from driftwatch_nb.core.commands import (
    EXIT_ERROR,
    EXIT_REGRESSION,
    EXIT_USAGE,
    abort,
    error_line,
    info,
)
from driftwatch_nb.core.limits import check_name, check_slug
from driftwatch_nb.core.measures import format_bytes, format_spread

if TYPE_CHECKING:
    from driftwatch_nb.adapters import Results
    from driftwatch_nb.client import Client

ADAPTER_NAMES = (
    "auto",
    "json",
    "python_pytest",
    "shell_hyperfine",
    "cpp_google",
    "go_bench",
    "rust_criterion",
)
EXIT_COMMAND_NOT_FOUND = 127  # what a shell answers, so both command forms agree
TEE_CHUNK_BYTES = 64 * 1024
SHELL_SYNTAX = frozenset("|&;<>()$`\\\"'*?[]#~{}!")

RUN_USAGE = "driftwatch run -p PROJECT -b BRANCH [options] [--] COMMAND [ARG ...]"
RUN_DESCRIPTION = """\
Run COMMAND, parse its benchmark results, post them as one report on PROJECT/BRANCH,
and attach flamegraph SVGs to the report.

Before COMMAND starts, the server, the token and the project are checked, and every
flamegraph that already exists is validated; a flamegraph COMMAND writes itself is
validated after it ran. Nothing is sent until all of that passed.

COMMAND is run directly when it has several words (exec form: `-- pytest bench.py`), and
by /bin/sh when it is one argument with spaces or shell syntax (shell form:
`"pytest bench.py | tee out.txt"`), like `bencher run`; --exec forces the exec form.
Without COMMAND, the results are read from --file, or else from stdin.
"""
RUN_EPILOG = """\
linking a flamegraph to a benchmark:
  --flamegraph FILE              attached to the report as a whole
  --flamegraph-for BENCH FILE    attached and linked to the benchmark BENCH of this report
  --profile FILE                 any profile format (flamegraph SVG, folded stacks from
                                 `py-spy record --format raw` or stackcollapse-*, speedscope
                                 JSON), detected by content; driftwatch renders the SVG
  --profile-for BENCH FILE       the same, linked to the benchmark BENCH
  All are repeatable and take the path as its own argument, so any file name works.

examples:
  driftwatch run -p demo -b main -- python bench.py
  driftwatch run -p demo -b main --file results.json -- \\
      pytest bench_test.py --benchmark-json=results.json
  driftwatch run -p demo -b main --file h.json -- hyperfine --export-json h.json 'sleep 0.1'
  driftwatch run -p demo -b main --flamegraph cpu.svg \\
      --flamegraph-for bench_test.py::test_parse parse.svg -- pytest bench_test.py ...
  py-spy record -o cpu.svg -- python bench.py > out.txt && \\
      driftwatch run -p demo -b main --file out.txt --flamegraph cpu.svg
  driftwatch run -p demo -b main --dry-run -- python bench.py    check all, send nothing
  driftwatch run -p demo -b main --format json -q -- python bench.py | jq .report
  driftwatch run -p demo -b main --fail-on-alert --summary "$GITHUB_STEP_SUMMARY" -- python bench.py

drift: the server judges every series the report touches against its history. Each alert it
  raised or updated is one line on stderr (unless -q), e.g.
    REGRESSION parse: +12.4 % (31.2 ms -> 35.1 ms), confirmed, p < 0.001, since abc1234
  SUSPECTED alerts say "suspected: not enough evidence yet" (the newest report looks shifted;
  the reports that follow confirm it or dismiss it). --fail-on-alert exits 3 on an active
  CONFIRMED REGRESSION; --fail-on-alert=any on any active alert (suspected ones and
  improvements too). --format markdown prints a short markdown report on stdout and
  --summary FILE appends the same to FILE (for $GITHUB_STEP_SUMMARY or a PR comment).
  See also `driftwatch alerts` and `driftwatch detection`.

adapters (--adapter): auto (default: detects the others), json (driftwatch / Bencher Metric
  Format), python_pytest (pytest-benchmark JSON), shell_hyperfine (hyperfine --export-json),
  cpp_google (Google Benchmark JSON), go_bench (go test -bench), rust_criterion (cargo bench).
  Raw samples (pytest-benchmark rounds, hyperfine runs, Google Benchmark repetitions, go test
  -count lines, JSON "samples") are posted too, and counted in the --format json summary.

output: COMMAND's stdout and stderr reach the terminal as it runs; the summary goes to stderr
  (human), or to stdout as JSON with --format json (COMMAND's stdout then goes to stderr, so
  stdout holds only the JSON). An upload progress bar is drawn when stderr is a terminal.

exit codes: 0 report posted with every flamegraph; 1 error (nothing was posted, or the report
  was posted but a flamegraph upload failed after retries, or the summary could not be
  written: the output names it); 2 usage; 3 regression detected (only with --fail-on-alert;
  an error, 1, wins over it); 127 COMMAND not found; otherwise COMMAND's own exit code (no
  report is posted).

environment:
  DRIFTWATCH_URL, DRIFTWATCH_TOKEN                      server and token (or `driftwatch login`)
  DRIFTWATCH_PROJECT, DRIFTWATCH_BRANCH, DRIFTWATCH_TESTBED   defaults for -p, -b, --testbed
"""

UPLOAD_DESCRIPTION = """\
Attach flamegraph SVG files to an existing report. Every FILE is validated first; if any
is refused, nothing is sent. A file that still fails to upload after retries does not stop
the others; the summary names it and the exit code is 1.
"""
UPLOAD_EPILOG = """\
examples:
  driftwatch upload --report 3f2c9a1e-... cpu.svg memory.svg
  driftwatch upload --report 3f2c9a1e-... --benchmark bench_test.py::test_parse parse.svg
  driftwatch reports -p demo          find report ids

environment:
  DRIFTWATCH_URL, DRIFTWATCH_TOKEN    server and token (or `driftwatch login`)
"""


@dataclass(frozen=True)
class FlamegraphFile:
    """A flamegraph to attach, optionally linked to a benchmark."""

    path: Path
    benchmark: str | None = None
    any_format: bool = False
    """``--profile``/``upload``: any profile format (else an SVG, as ``--flamegraph``)."""

    @property
    def label(self) -> str:
        """The path as the user wrote it (error messages name files this way)."""
        return str(self.path)


def register(commands: Any) -> None:
    """Add ``run`` and ``upload`` to the top-level parser."""
    connection = connection_options()
    run = commands.add_parser(
        "run",
        parents=[connection],
        usage=RUN_USAGE,
        help="run a benchmark command and post its results as a report",
        description=RUN_DESCRIPTION,
        epilog=RUN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    what = run.add_argument_group("report")
    what.add_argument(
        "-p",
        "--project",
        help="project slug; it must exist unless --create-project (env DRIFTWATCH_PROJECT)",
    )
    what.add_argument(
        "--create-project",
        action="store_true",
        help="create the project if you have none by that slug",
    )
    what.add_argument(
        "-b",
        "--branch",
        help="branch (env DRIFTWATCH_BRANCH; default: the current git branch)",
    )
    what.add_argument(
        "--testbed",
        help="where the benchmarks ran (env DRIFTWATCH_TESTBED; default: localhost)",
    )
    what.add_argument(
        "--hash",
        dest="git_hash",
        metavar="HASH",
        help="git commit (default: `git rev-parse HEAD` in a git checkout, else none)",
    )
    results = run.add_argument_group("results")
    results.add_argument(
        "--adapter",
        default="auto",
        choices=ADAPTER_NAMES,
        metavar="ADAPTER",
        help="format of the results (default: auto; see below)",
    )
    results.add_argument(
        "--file",
        type=Path,
        help="read the results from FILE (written by COMMAND) instead of COMMAND's stdout",
    )
    results.add_argument(
        "--exec",
        dest="exec_form",
        action="store_true",
        help="run a one-argument COMMAND directly instead of through /bin/sh",
    )
    flamegraphs = run.add_argument_group("flamegraphs")
    flamegraphs.add_argument(
        "--flamegraph",
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        help="flamegraph SVG to attach to the report (repeatable)",
    )
    flamegraphs.add_argument(
        "--profile",
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        help="a profile in any format driftwatch reads (flamegraph SVG, folded stacks, "
        "speedscope JSON), detected from its content, rendered and attached (repeatable)",
    )
    flamegraphs.add_argument(
        "--profile-for",
        action="append",
        default=[],
        nargs=2,
        metavar=("BENCH", "FILE"),
        help="a profile in any format, linked to the benchmark BENCH (repeatable)",
    )
    flamegraphs.add_argument(
        "--flamegraph-for",
        action="append",
        default=[],
        nargs=2,
        metavar=("BENCH", "FILE"),
        help="flamegraph SVG to attach, linked to the benchmark BENCH (repeatable)",
    )
    output = run.add_argument_group("output")
    output.add_argument(
        "--dry-run",
        action="store_true",
        help="check, run and parse, print what would be sent; contact no server",
    )
    output.add_argument(
        "--format",
        choices=("human", "json", "markdown"),
        default="human",
        help="summary: human (stderr, default), json or markdown (stdout)",
    )
    output.add_argument(
        "--summary",
        type=Path,
        metavar="FILE",
        help='append the markdown summary to FILE (e.g. "$GITHUB_STEP_SUMMARY")',
    )
    output.add_argument(
        "-q", "--quiet", action="store_true", help="no progress bar and no human summary"
    )
    output.add_argument(
        "--fail-on-alert",
        nargs="?",
        const="confirmed",
        default=None,
        metavar="LEVEL",
        help="exit 3 when the report raised an active confirmed regression; "
        "--fail-on-alert=any: any active alert",
    )
    run.add_argument("command", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    run.set_defaults(handler=_run)

    upload = commands.add_parser(
        "upload",
        parents=[connection],
        help="attach flamegraph SVG files to an existing report",
        description=UPLOAD_DESCRIPTION,
        epilog=UPLOAD_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    upload.add_argument("--report", required=True, metavar="ID", help="the report's id")
    upload.add_argument(
        "--benchmark", metavar="BENCH", help="link the flamegraphs to this benchmark of the report"
    )
    upload.add_argument(
        "--format",
        choices=("human", "json"),
        default="human",
        help="summary: human (stderr, default) or json (stdout)",
    )
    upload.add_argument(
        "-q", "--quiet", action="store_true", help="no progress bar and no human summary"
    )
    upload.add_argument(
        "files",
        nargs="+",
        type=Path,
        metavar="FILE",
        help="flamegraph SVGs or profiles (folded stacks, speedscope JSON), detected by content",
    )
    upload.set_defaults(handler=_upload)


# -- run ------------------------------------------------------------------------------------------


def _run(args: argparse.Namespace) -> int:
    from driftwatch_nb.cli._drift import FAIL_LEVELS

    command = list(args.command)
    if args.fail_on_alert is not None and args.fail_on_alert not in FAIL_LEVELS:
        # `--fail-on-alert python bench.py`: the flag took the command's first word.
        command.insert(0, args.fail_on_alert)
        args.fail_on_alert = "confirmed"
    if command and command[0] == "--":
        command = command[1:]
    if args.summary is not None and (args.summary.is_dir() or not args.summary.parent.is_dir()):
        abort(f"--summary {args.summary}: not a file in an existing directory", EXIT_USAGE)
    config = resolve(project=args.project, branch=args.branch, testbed=args.testbed)
    if not config.project:
        abort("no project: pass -p PROJECT or set DRIFTWATCH_PROJECT", EXIT_USAGE)
    if not config.branch:
        abort("no branch: pass -b BRANCH or set DRIFTWATCH_BRANCH", EXIT_USAGE)
    # Names the server would refuse are refused now, before the benchmark spends any time.
    with user_errors():
        args.project = check_slug(config.project, field="project")
        branch = check_name(config.branch, field="branch")
        args.testbed = check_name(config.testbed, field="testbed")
        for benchmark, _path in args.flamegraph_for:
            check_name(benchmark, field="benchmark")
    if not command and args.file is None and sys.stdin.isatty():
        abort(
            "no benchmark command: put it after `--`, e.g. "
            "driftwatch run -p demo -b main -- python bench.py (or pass --file, or pipe results)",
            EXIT_USAGE,
        )
    flamegraphs = (
        [FlamegraphFile(path) for path in args.flamegraph]
        + [FlamegraphFile(Path(path), benchmark) for benchmark, path in args.flamegraph_for]
        + [FlamegraphFile(path, any_format=True) for path in args.profile]
        + [
            FlamegraphFile(Path(path), benchmark, any_format=True)
            for benchmark, path in args.profile_for
        ]
    )
    # Every file that exists is refused now, before the command spends any time; a missing one
    # may be the profile the command is about to write, and is checked once it has run.
    missing = [f for f in flamegraphs if not os.path.lexists(f.path)]
    _check_flamegraphs([f for f in flamegraphs if f not in missing])
    shell = len(command) == 1 and not args.exec_form and _needs_shell(command[0])
    if command and not shell and shutil.which(command[0]) is None:
        abort(f"benchmark command not found: {command[0]}", EXIT_COMMAND_NOT_FOUND)

    client = None
    if not args.dry_run:
        # A wrong URL, token or project is found before the benchmark runs, not after.
        client = make_client(args)
        _check_project(client, args.project, create=args.create_project)

    for flamegraph in missing:
        info(
            f"driftwatch: {flamegraph.label} does not exist yet; expecting the benchmark "
            "command to write it",
            quiet=args.quiet,
        )
    start = dt.datetime.now(dt.UTC)
    if command:
        # With --format json or markdown, stdout carries only the summary.
        echo = sys.stderr if args.format != "human" else sys.stdout
        returncode, stdout = _run_command(command, shell=shell, echo=echo)
    else:
        returncode, stdout = 0, "" if args.file is not None else sys.stdin.read()
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
    git_hash = args.git_hash or git_commit()
    if args.dry_run:
        _print_plan(args, branch, git_hash, start, end, results, flamegraphs)
        return 0

    assert client is not None
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
    uploaded, failed = _attach_all(client, report.id, report.project, flamegraphs, args)
    _summarize_run(client, report, results, uploaded, failed, args)
    return _drift_outcome(client, report, args, failed=bool(failed))


def _drift_outcome(client: Client, report: Any, args: argparse.Namespace, *, failed: bool) -> int:
    """The alert lines, the markdown summary, and the exit code they lead to."""
    from driftwatch_nb.cli._drift import (
        failing_alerts,
        print_alert_lines,
        run_markdown,
        write_summary,
    )

    if not args.quiet:
        print_alert_lines(report.alerts)
    if args.format == "markdown" or args.summary is not None:
        markdown = run_markdown(report, _dashboard_url(client, report.project))
        if args.format == "markdown":
            print(markdown, end="", flush=True)
        if args.summary is not None:
            write_summary(args.summary, markdown)
    if failed:
        return EXIT_ERROR
    failing = failing_alerts(report.alerts, args.fail_on_alert)
    if failing:
        which = "confirmed regression" if args.fail_on_alert == "confirmed" else "alert"
        plural = "s" if len(failing) > 1 else ""
        names = ", ".join(sorted({a.benchmark for a in failing}))
        info(
            f"driftwatch: {len(failing)} {which}{plural} ({names}): exit {EXIT_REGRESSION} "
            f"(--fail-on-alert{'=any' if args.fail_on_alert == 'any' else ''})"
        )
        return EXIT_REGRESSION
    return 0


def _needs_shell(command: str) -> bool:
    """Whether a one-argument command is shell syntax rather than just a program's path."""
    return any(char.isspace() or char in SHELL_SYNTAX for char in command)


def _check_project(client: Client, slug: str, *, create: bool) -> None:
    from driftwatch_nb.core.errors import NotFoundError

    with user_errors():
        try:
            client.project(slug)
        except NotFoundError:
            if not create:
                abort(
                    f"no project {slug!r} among yours on {client.url}; create it with "
                    f"`driftwatch projects create {slug}` or pass --create-project"
                )
            client.create_project(slug)


def _run_command(command: list[str], *, shell: bool, echo: IO[str]) -> tuple[int, str]:
    """Run the command with its stdout echoed live and captured; stderr passes straight through."""
    try:
        process = subprocess.Popen(
            command[0] if shell else command, stdout=subprocess.PIPE, shell=shell
        )
    except OSError as exc:
        abort(
            f"cannot start the benchmark command {command[0]!r}: {exc.strerror or exc}",
            EXIT_COMMAND_NOT_FOUND,
        )
    assert process.stdout is not None
    captured = bytearray()
    out: IO[bytes] | None = echo.buffer
    descriptor = process.stdout.fileno()
    try:
        # Chunks, not lines: progress output without a newline still shows as it comes.
        while chunk := os.read(descriptor, TEE_CHUNK_BYTES):
            captured += chunk
            if out is not None:
                try:
                    out.write(chunk)
                    out.flush()
                except BrokenPipeError:
                    out = None  # keep draining, or the command would block on a full pipe
        returncode = process.wait()
    except KeyboardInterrupt:
        # The terminal sent SIGINT to the command too; give it a moment to finish on its own.
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
        raise
    finally:
        process.stdout.close()
    if returncode < 0:
        returncode = 128 - returncode  # killed by a signal: report it the way shells do
    elif shell and returncode == EXIT_COMMAND_NOT_FOUND:
        abort(f"benchmark command not found: {command[0]}", EXIT_COMMAND_NOT_FOUND)
    return returncode, captured.decode("utf-8", errors="replace")


def _parse(args: argparse.Namespace, stdout: str) -> Results:
    from driftwatch_nb.adapters import AdapterWarning, parse_results

    if args.file is not None:
        try:
            text = args.file.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            abort(f"{args.file}: the results file does not exist (did the command write it?)")
        except IsADirectoryError:
            abort(f"{args.file}: the results file is a directory")
        except OSError as exc:
            abort(f"{args.file}: cannot read the results file: {exc.strerror or exc}")
        source = str(args.file)
    else:
        text, source = stdout, "stdout" if args.command else "stdin"
    with user_errors(), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", AdapterWarning)
        results = parse_results(text, adapter=args.adapter, source=source)
    for warning in caught:
        if issubclass(warning.category, AdapterWarning):
            info(f"driftwatch: warning: {warning.message}")
        else:  # not ours: let it go on as it would have
            warnings.warn_explicit(
                warning.message, warning.category, warning.filename, warning.lineno
            )
    return results


def _check_flamegraphs(flamegraphs: list[FlamegraphFile]) -> dict[FlamegraphFile, bytes]:
    """Validate every file (exit 1 naming the first refused one); returns the bytes of each SVG
    as checked (UTF-16 transcoded), read once, for a caller that sends them straight away."""
    from driftwatch_nb.core.profiles import ProfileError, detect_format, load_profile_file
    from driftwatch_nb.core.svg import TRANSCODED_NOTE, SvgValidationError, load_svg_file

    checked: dict[FlamegraphFile, bytes] = {}
    for flamegraph in flamegraphs:
        loaded = None
        try:
            if flamegraph.any_format and _sniff(flamegraph.path) not in ("svg", None):
                load_profile_file(flamegraph.path)
            else:
                loaded = load_svg_file(flamegraph.path)
        except (SvgValidationError, ProfileError) as exc:
            # Name the file as it was given: two profiles may share a base name.
            abort(f"{flamegraph.label}: {exc.reason}")
        if loaded is not None:
            if loaded.transcoded:
                info(f"{flamegraph.label}: {TRANSCODED_NOTE}")
            if detect_format(loaded.data) in ("svg", None):
                checked[flamegraph] = loaded.data
    return checked


def _sniff(path: Path) -> str | None:
    from driftwatch_nb.core.profiles import detect_format

    try:
        with open(path, "rb") as handle:
            return detect_format(handle.read(65536))
    except OSError:
        return None  # the SVG check names the problem


def _check_links(flamegraphs: list[FlamegraphFile], results: Results) -> None:
    for flamegraph in flamegraphs:
        if flamegraph.benchmark is not None and flamegraph.benchmark not in results:
            abort(
                f"{flamegraph.label}: --flamegraph-for names the benchmark "
                f"{flamegraph.benchmark!r}, which is not in the results "
                f"(they are: {_names(results)})"
            )


def _names(names: Any) -> str:
    listed = sorted(names)
    shown = ", ".join(listed[:10]) + (f", … ({len(listed)} in all)" if len(listed) > 10 else "")
    return shown or "none"


def _results_json(results: Results) -> dict[str, dict[str, dict[str, float | int | None]]]:
    return {
        benchmark: {
            measure: {
                "value": value.value,
                "lower_value": value.lower_value,
                "upper_value": value.upper_value,
                "sample_count": len(value.samples or ()),
            }
            for measure, value in measures.items()
        }
        for benchmark, measures in results.items()
    }


def _sample_count(results: Results, benchmark: str, measure: str) -> int:
    posted = results.get(benchmark, {}).get(measure)
    return len(posted.samples or ()) if posted is not None else 0


def _print_plan(
    args: argparse.Namespace,
    branch: str,
    git_hash: str | None,
    start: dt.datetime,
    end: dt.datetime,
    results: Results,
    flamegraphs: list[FlamegraphFile],
) -> None:
    plan = {
        "dry_run": True,
        "report": {
            "project": args.project,
            "branch": branch,
            "testbed": args.testbed,
            "git_hash": git_hash,
            "adapter": args.adapter,
            "start_time": start.isoformat(),
            "end_time": end.isoformat(),
            "results": _results_json(results),
        },
        "flamegraphs": [
            {"file": f.label, "size": f.path.stat().st_size, "benchmark": f.benchmark}
            for f in flamegraphs
        ],
    }
    print(json.dumps(plan, indent=2))
    info(
        f"dry run: {len(results)} benchmark(s) and {len(flamegraphs)} flamegraph(s) checked; "
        "nothing was sent",
        quiet=args.quiet,
    )


# -- upload ---------------------------------------------------------------------------------------


def _upload(args: argparse.Namespace) -> int:
    flamegraphs = [FlamegraphFile(path, args.benchmark, any_format=True) for path in args.files]
    checked = _check_flamegraphs(flamegraphs)
    # A short-lived process: GraphQL as plain POSTs on the upload's own connection, no gql.
    client = make_client(args, lean=True)
    with user_errors():
        if args.benchmark is None:
            project = client.report_project(args.report)
        else:
            # Only the one name is looked up; the report's names are listed only to say why not.
            project, found = client.report_benchmarks(args.report, [args.benchmark])
            if not found:
                _, known = client.report_benchmarks(args.report)
                abort(
                    f"report {args.report} has no benchmark named {args.benchmark!r} "
                    f"(it has: {_names(known)})"
                )
    uploaded, failed = _attach_all(client, args.report, project, flamegraphs, args, checked)
    if args.format == "json":
        summary = {
            "report": args.report,
            "project": project,
            "flamegraphs": uploaded,
            "failed": failed,
            "url": _dashboard_url(client, project),
        }
        print(json.dumps(summary, indent=2))
    elif not args.quiet:
        for item in uploaded:
            info(f"{item['file']}: attached to report {args.report} as flamegraph {item['id']}")
    _report_failures(failed)
    return EXIT_ERROR if failed else 0


# -- shared ---------------------------------------------------------------------------------------


def _attach_all(
    client: Client,
    report_id: str,
    project: str,
    flamegraphs: list[FlamegraphFile],
    args: argparse.Namespace,
    checked: dict[FlamegraphFile, bytes] | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Upload each flamegraph; one failing does not stop the others. ``checked`` holds SVG bytes
    already read and validated, sent as they are instead of reading the file again."""
    from driftwatch_nb.core.errors import DriftwatchError

    show_progress = not args.quiet and sys.stderr.isatty()
    uploaded: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    for flamegraph in flamegraphs:
        progress = _ProgressBar(flamegraph.label) if show_progress else None
        try:
            data = (checked or {}).get(flamegraph)
            result = client.attach_flamegraph(
                report_id,
                flamegraph.path if data is None else data,
                file_name=None if data is None else flamegraph.path.name,
                project=project,
                benchmark=flamegraph.benchmark,
                progress=progress,
                validate=False,  # every file was checked before anything was sent
            )
        except (DriftwatchError, OSError) as exc:
            # OSError: the file changed under us since it was checked.
            failed.append({"file": flamegraph.label, "error": str(exc)})
            continue
        finally:
            if progress is not None:
                progress.close()
        uploaded.append(
            {
                "file": flamegraph.label,
                "id": result.id,
                "size": result.file_size,
                "benchmark": result.benchmark,
            }
        )
    return uploaded, failed


class _ProgressBar:
    """A one-line upload progress bar on stderr (only used on a terminal)."""

    WIDTH = 28

    def __init__(self, label: str) -> None:
        self.label = label
        self.drawn = False

    def __call__(self, sent: int, total: int) -> None:
        done = self.WIDTH * sent // total if total else self.WIDTH
        bar = "#" * done + "." * (self.WIDTH - done)
        percent = sent * 100 // max(total, 1)
        sys.stderr.write(
            f"\ruploading {self.label} [{bar}] {percent:3d}% of {format_bytes(total)}\x1b[K"
        )
        sys.stderr.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            sys.stderr.write("\n")
            sys.stderr.flush()


def _dashboard_url(client: Client, project: str) -> str:
    return f"{client.url}/workspaces/{project}"


def _summarize_run(
    client: Client,
    report: Any,
    results: Results,
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
            "start_time": report.start_time.isoformat(),
            "end_time": report.end_time.isoformat(),
            # The samples posted are counted, not printed: there can be thousands.
            "metrics": [
                metric_json(m, sample_count=_sample_count(results, m.benchmark, m.measure))
                for m in report.metrics
            ],
            "flamegraphs": uploaded,
            "failed": failed,
            "alerts": [alert.to_json() for alert in report.alerts],
            "url": _dashboard_url(client, report.project),
        }
        print(json.dumps(summary, indent=2))
    elif args.format == "human" and not args.quiet:
        hash_note = f", commit {report.git_hash[:10]}" if report.git_hash else ""
        info(
            f"\nreport {report.id}\n  {report.project} / {report.branch} on testbed "
            f"{report.testbed}{hash_note}"
        )
        _print_metrics(report.metrics)
        for item in uploaded:
            link = f" -> {item['benchmark']}" if item["benchmark"] else ""
            info(f"flamegraph {item['file']} ({format_bytes(item['size'])}){link}: {item['id']}")
        info(f"view: {_dashboard_url(client, report.project)}")
    _report_failures(failed, report_kept=True)


def _print_metrics(metrics: Any) -> None:
    """Benchmarks as rows, measures as columns: compact even for many benchmarks."""
    measures = sorted({m.measure for m in metrics}, key=lambda m: (m != "latency", m))
    table: dict[str, dict[str, str]] = {}
    for metric in metrics:
        table.setdefault(metric.benchmark, {})[metric.measure] = format_spread(
            metric.value, metric.lower_value, metric.upper_value, metric.measure
        )
    rows = [[name, *(values.get(m, "-") for m in measures)] for name, values in table.items()]
    if rows:
        print_table(["benchmark", *measures], rows, file=sys.stderr)


def _report_failures(failed: list[dict[str, Any]], *, report_kept: bool = False) -> None:
    for item in failed:
        kept = " (the report is saved; attach it later with `driftwatch upload`)"
        error_line(f"{item['file']}: upload failed: {item['error']}{kept if report_kept else ''}")
    if len(failed) > 1:
        error_line(f"{len(failed)} flamegraphs failed to upload")
