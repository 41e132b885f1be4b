"""IPython magics: ``%%driftwatch run``, ``%driftwatch config`` and ``%driftwatch_upload``.

Load with ``%load_ext driftwatch_nb``. Argument errors are ``UsageError``s with the usage text;
exceptions raised by a benchmarked cell surface as in plain IPython, and nothing is posted.
"""

from __future__ import annotations

import datetime as dt
import html
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from IPython.display import display

from driftwatch_nb._config import ClientConfig, resolve
from driftwatch_nb.core.limits import MAX_SAMPLES_PER_METRIC
from driftwatch_nb.core.measures import format_change, format_duration_ns
from driftwatch_nb.timing import Timings, make_timer, measure
from driftwatch_nb.verdict import Verdict, judge

CONFIG_KEYS = ("project", "branch", "testbed", "url", "token")


@dataclass
class RunResult:
    """What ``%%driftwatch run -o`` returns: the timings and what was stored."""

    benchmark: str
    timings: Timings
    project: str | None = None
    branch: str | None = None
    report_id: str | None = None
    flamegraph_id: str | None = None
    flamegraph_svg: bytes | None = field(default=None, repr=False)
    dry_run: bool = False
    verdict: Verdict | None = None
    """How this run compares with the baseline branch's recent runs (``driftwatch_nb.verdict``)."""
    alerts: tuple[Any, ...] = ()
    """The alerts the report raised for this benchmark (``driftwatch_nb.Alert``)."""

    @property
    def samples(self) -> tuple[float, ...]:
        """The per-loop time of each repeat in nanoseconds, as posted with the latency."""
        return self.timings.samples_ns

    profile_samples: int = 0
    """Samples in the flamegraph (``--profile``)."""
    profile_runs: int = 0
    """How many times the cell ran to collect them."""

    def __repr__(self) -> str:
        verdict = f" [{self.verdict.text}]" if self.verdict else ""
        return f"<driftwatch {self.benchmark}: {self.timings.summary()}{self._where()}{verdict}>"

    def _where(self) -> str:
        if self.dry_run:
            return " — dry run, nothing posted"
        if self.report_id:
            return f" → report {self.report_id} on {self.project}/{self.branch}"
        return ""

    def _repr_html_(self) -> str:
        rows = []
        if self.verdict is not None:
            rows.append(("verdict", self.verdict.text))
            rows.append(("history", self.verdict.sparkline))
        for alert in self.alerts:
            rows.append(("alert", _alert_line(alert)))
        rows += [
            ("benchmark", self.benchmark),
            ("latency", self.timings.summary()),
            (
                "best / worst",
                f"{self.timings.best * 1e9:,.0f} ns / {self.timings.worst * 1e9:,.0f} ns",
            ),
        ]
        if self.report_id:
            rows.append(("report", f"{self.report_id} ({self.project}/{self.branch})"))
        if self.flamegraph_id:
            rows.append(("flamegraph", self.flamegraph_id))
        if self.dry_run:
            rows.append(("posted", "no (dry run)"))
        cells = "".join(
            f"<tr><th style='text-align:left;padding-right:1em'>{html.escape(key)}</th>"
            f"<td>{html.escape(value)}</td></tr>"
            for key, value in rows
        )
        return f"<table class='driftwatch-run'>{cells}</table>"


def _alert_line(alert: Any) -> str:
    """``REGRESSION confirmed: +12.4 % (31.2 ms -> 35.1 ms) since abc1234``."""
    since = f" since {alert.change_git_hash[:7]}" if alert.change_git_hash else ""
    return (
        f"{alert.direction} {alert.confidence.lower()}: {format_change(alert.change)} "
        f"({format_duration_ns(alert.baseline_value)} -> {format_duration_ns(alert.value)}){since}"
    )


@magics_class
class DriftwatchMagics(Magics):
    """The driftwatch magics; state (configuration, last report) lives per kernel."""

    def __init__(self, shell: Any) -> None:
        super().__init__(shell)
        self.config_values: dict[str, str] = {}
        self.last_report_id: str | None = None
        self.last_project: str | None = None
        self._client: Any = None

    # -- configuration ------------------------------------------------------------------------

    def settings(self, *, use_git: bool = True, **explicit: str | None) -> ClientConfig:
        """Settings in the one order every surface uses (``driftwatch_nb._config.resolve``):
        arguments, ``%driftwatch config``, environment, login file, git."""
        return resolve(
            session=self.config_values, default_testbed="notebook", use_git=use_git, **explicit
        )

    def client(self) -> Any:
        """The API client for this kernel (rebuilt when URL or token change)."""
        from driftwatch_nb.client import Client

        config = self.settings(use_git=False)
        if self._client is None or (self._client.url, self._client.token) != (
            config.url,
            config.token,
        ):
            self._client = Client(config.url, config.token)
        return self._client

    def _project_and_branch(self, project: str | None, branch: str | None) -> tuple[str, str]:
        config = self.settings(project=project, branch=branch)
        project, branch = config.project, config.branch
        if not project:
            raise UsageError(
                "no project: pass -p PROJECT, run `%driftwatch config project=NAME`, "
                "or set DRIFTWATCH_PROJECT"
            )
        if not branch:
            raise UsageError(
                "no branch: pass -b BRANCH, run `%driftwatch config branch=NAME`, set "
                "DRIFTWATCH_BRANCH, or work inside a git checkout"
            )
        return project, branch

    # -- %driftwatch / %%driftwatch --------------------------------------------------------------

    @line_cell_magic
    def driftwatch(self, line: str, cell: str | None = None) -> Any:
        """Benchmark cells and configure driftwatch.

        %%driftwatch run [-p PROJECT] [-b BRANCH] [--name BENCHMARK] [-n NUMBER]
                         [-r REPEAT] [--profile] [--dry-run] [-o]
            Time the cell like %timeit, post the latency as a report, and show the result;
            --profile also samples the cell into a flamegraph (re-running it until there are
            1,000 samples or 1 s of the cell's own time) and shows it.

        %driftwatch config [key=value ...]
            Show or set project, branch, testbed, url, token for this kernel.
        """
        command, _, rest = line.strip().partition(" ")
        if command == "run":
            if cell is None:
                raise UsageError(
                    "%%driftwatch run is a cell magic: put it on the first line of a cell"
                )
            return self._run(rest, cell)
        if command == "config":
            return self._config(rest)
        raise UsageError(
            f"unknown driftwatch command {command!r}: use `%%driftwatch run` or "
            "`%driftwatch config` (see %driftwatch?)"
        )

    def _config(self, line: str) -> dict[str, str] | None:
        if not line.strip():
            shown = {
                key: ("***" if key == "token" else value)
                for key, value in self.config_values.items()
            }
            print(shown or "no driftwatch settings for this kernel yet")
            return None
        for item in line.split():
            key, sep, value = item.partition("=")
            if not sep or key not in CONFIG_KEYS:
                raise UsageError(
                    f"cannot read {item!r}: use key=value with key one of {', '.join(CONFIG_KEYS)}"
                )
            self.config_values[key] = value
        return None

    def _run(self, line: str, cell: str) -> RunResult | None:
        args = parse_argstring(_run_arguments, line)
        if args.number is not None and args.number < 1:
            raise UsageError("-n/--number must be at least 1")
        if args.repeat < 1:
            raise UsageError("-r/--repeat must be at least 1")
        if args.repeat > MAX_SAMPLES_PER_METRIC:
            raise UsageError(
                f"-r/--repeat must be at most {MAX_SAMPLES_PER_METRIC:,}: each repeat is one "
                "sample of the latency, and a metric keeps at most that many"
            )
        if args.profile_samples < 1 or not args.profile_seconds > 0:
            raise UsageError("--profile-samples must be at least 1 and --profile-seconds above 0")
        project, branch = (None, None) if args.dry_run else (None, None)
        if not args.dry_run:
            project, branch = self._project_and_branch(args.project, args.branch)
        code = self.shell.transform_cell(cell)
        benchmark = args.name or _default_benchmark_name(code)
        timer = make_timer(code, self.shell.user_ns)

        start = dt.datetime.now(dt.UTC)
        timings = measure(timer, number=args.number, repeat=args.repeat)
        end = dt.datetime.now(dt.UTC)

        svg, samples, runs = (
            self._profile(code, args.profile_samples, args.profile_seconds)
            if args.profile
            else (None, 0, 0)
        )
        result = RunResult(
            benchmark=benchmark,
            timings=timings,
            project=project,
            branch=branch,
            flamegraph_svg=svg,
            dry_run=args.dry_run,
            profile_samples=samples,
            profile_runs=runs,
        )
        if not args.dry_run:
            self._post(result, start=start, end=end)
            if result.report_id:
                result.verdict = self._verdict(result, baseline=args.baseline)
        if not args.output:  # with -o the returned object is shown instead, once
            display(result)
        if svg is not None:
            display(self._viewer(result))
        return result if args.output else None

    def _profile(self, code: str, min_samples: int, min_seconds: float) -> tuple[bytes, int, int]:
        """Sample the cell, re-running it until the profile is worth reading."""
        from driftwatch_nb.core.profiles import render_profile
        from driftwatch_nb.flamegraph import profile_code

        folded, samples, runs = profile_code(
            code, self.shell.user_ns, min_samples=min_samples, min_seconds=min_seconds
        )
        title = f"driftwatch profile: {samples:,} samples over {runs:,} run{'s' * (runs != 1)}"
        return render_profile(folded, title=title), samples, runs

    def _post(self, result: RunResult, *, start: dt.datetime, end: dt.datetime) -> None:
        from driftwatch_nb import DriftwatchError
        from driftwatch_nb.core.svg import SvgValidationError

        client = self.client()
        try:
            report = client.create_report(
                result.project,
                result.branch,
                {result.benchmark: {"latency": result.timings.latency_ns()}},
                testbed=self.settings(use_git=False).testbed,
                adapter="notebook",
                start_time=start,
                end_time=end,
            )
        except DriftwatchError as exc:
            raise UsageError(f"driftwatch: the report was not posted: {exc}") from None
        result.report_id = report.id
        result.alerts = tuple(a for a in report.alerts if a.benchmark == result.benchmark)
        self.last_report_id, self.last_project = report.id, report.project
        if result.flamegraph_svg is None:
            return
        try:
            flamegraph = client.attach_flamegraph(
                report,
                result.flamegraph_svg,
                file_name=f"{result.benchmark}.svg",
                benchmark=result.benchmark,
            )
        except (DriftwatchError, SvgValidationError) as exc:
            # The report stays; say what failed instead of losing the timings.
            print(f"driftwatch: report {report.id} saved, but the flamegraph upload failed: {exc}")
            return
        result.flamegraph_id = flamegraph.id

    def _verdict(self, result: RunResult, *, baseline: str | None) -> Verdict:
        """This run against the baseline branch's recent runs of the same cell and testbed."""
        from driftwatch_nb import DriftwatchError, NotFoundError

        assert result.project is not None
        testbed = self.settings(use_git=False).testbed
        try:
            history = self.client().history(
                result.project, result.benchmark, branch=baseline, testbed=testbed, last=60
            )
        except NotFoundError:
            where = baseline or "the baseline branch"
            return judge(result.timings.mean * 1e9, (), baseline_branch=where)
        except DriftwatchError as exc:
            return Verdict(
                kind="inconclusive",
                text=f"inconclusive: the history could not be read ({exc})",
                baseline_branch=baseline or "",
                baseline=(),
                value=result.timings.mean * 1e9,
            )
        runs = [p.value for p in history.points if p.report_id != result.report_id]
        return judge(result.timings.mean * 1e9, runs, baseline_branch=history.branch)

    def _viewer(self, result: RunResult) -> Any:
        from driftwatch_nb.widget import FlamegraphViewer

        assert result.flamegraph_svg is not None
        if result.flamegraph_id:
            return FlamegraphViewer.from_flamegraph(
                result.flamegraph_id,
                client=self.client(),
                file_name=f"{result.benchmark}.svg",
                local_bytes=result.flamegraph_svg,
            )
        return FlamegraphViewer.from_bytes(
            result.flamegraph_svg, file_name=f"{result.benchmark}.svg"
        )

    # -- %driftwatch_upload ------------------------------------------------------------------------

    @magic_arguments()
    @argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="flamegraph SVGs or profiles (folded stacks, speedscope JSON) to attach",
    )
    @argument("--report", help="report id (default: the last report this kernel posted)")
    @argument("--benchmark", help="link the flamegraphs to this benchmark of the report")
    @line_magic
    def driftwatch_upload(self, line: str) -> None:
        """Attach flamegraphs (SVG, folded stacks, speedscope JSON) to a report and show each."""
        from driftwatch_nb import DriftwatchError
        from driftwatch_nb.core.profiles import (
            ProfileError,
            detect_format,
            load_profile_file,
            render_profile,
        )
        from driftwatch_nb.core.svg import TRANSCODED_NOTE, SvgValidationError, load_svg_file
        from driftwatch_nb.widget import FlamegraphViewer

        args = parse_argstring(self.driftwatch_upload, line)
        report_id = args.report or self.last_report_id
        if not report_id:
            raise UsageError(
                "no report yet in this kernel: pass --report ID or run %%driftwatch run first"
            )
        paths = [Path(os.path.expanduser(name)) for name in args.files]
        shown: dict[Path, bytes] = {}
        try:
            for path in paths:  # all files are checked before anything is sent
                head = b""
                if path.is_file():
                    with path.open("rb") as handle:
                        head = handle.read(65536)
                if path.suffix.lower() == ".svg" or detect_format(head) in ("svg", None):
                    if load_svg_file(path).transcoded:
                        print(f"{path.name}: {TRANSCODED_NOTE}")
                else:  # folded stacks or speedscope: driftwatch renders the SVG
                    shown[path] = render_profile(load_profile_file(path).folded, title=path.name)
        except (SvgValidationError, ProfileError) as exc:
            raise UsageError(str(exc)) from None
        client = self.client()
        project = self.last_project if report_id == self.last_report_id else None
        failures = []
        for path in paths:
            try:
                flamegraph = client.attach_flamegraph(
                    report_id, path, project=project, benchmark=args.benchmark
                )
            except DriftwatchError as exc:
                failures.append(f"{path.name}: {exc}")
                continue
            print(f"{path.name}: attached to report {report_id} as flamegraph {flamegraph.id}")
            display(
                FlamegraphViewer.from_flamegraph(
                    flamegraph.id,
                    client=client,
                    file_name=flamegraph.file_name,
                    local_bytes=shown.get(path) or path.read_bytes(),
                )
            )
        if failures:
            raise UsageError("some uploads failed:\n  " + "\n  ".join(failures))


@magic_arguments()
@argument("-p", "--project", help="project slug (default: %%driftwatch config, DRIFTWATCH_PROJECT)")
@argument("-b", "--branch", help="branch (default: config, DRIFTWATCH_BRANCH, or the git branch)")
@argument(
    "--baseline",
    metavar="BRANCH",
    help="branch whose history the run is judged against (default: main, else the newest)",
)
@argument("--name", help="benchmark name (default: derived from the cell's first line)")
@argument("-n", "--number", type=int, help="loops per repeat (default: calibrated like %%timeit)")
@argument("-r", "--repeat", type=int, default=7, help="repeats (default 7)")
@argument(
    "--profile",
    action="store_true",
    help="also sample the cell into a flamegraph, upload it and show it",
)
@argument(
    "--profile-samples",
    type=int,
    default=1000,
    metavar="N",
    help="--profile re-runs the cell until it has N samples (default 1000)...",
)
@argument(
    "--profile-seconds",
    type=float,
    default=1.0,
    metavar="S",
    help="...or the cell has run S seconds in all (default 1.0)",
)
@argument("--dry-run", action="store_true", help="time (and profile) but post nothing")
@argument("-o", "--output", action="store_true", help="return the RunResult object")
def _run_arguments(line: str) -> None:
    """%%driftwatch run: time a cell like %timeit and keep the result on the server."""


def _default_benchmark_name(code: str) -> str:
    for line in code.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            name = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in stripped)
            return name.strip("_")[:80] or "cell"
    return "cell"


DriftwatchMagics.driftwatch.__doc__ = (
    (DriftwatchMagics.driftwatch.__doc__ or "") + "\n" + (_run_arguments.__doc__ or "")
)


def load_ipython_extension(ipython: Any) -> None:
    """Register the magics with an IPython shell."""
    ipython.register_magics(DriftwatchMagics)
