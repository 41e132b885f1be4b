"""``driftwatch alerts``, ``driftwatch detection`` and ``driftwatch compare``; the alert lines and
the markdown summary ``driftwatch run`` prints.

Detection itself happens on the server, when a report is posted (``driftwatch run`` shows what
it found); ``compare`` is local statistics on two reports' raw samples
(``driftwatch_nb.compare``).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from driftwatch_nb.cli._common import connection_options, make_client, print_table, user_errors
from driftwatch_nb.core.commands import EXIT_REGRESSION, EXIT_USAGE, abort, info
from driftwatch_nb.core.measures import LATENCY, format_change, format_measure, format_time

if TYPE_CHECKING:
    from driftwatch_nb._types import Alert, Detection, Report
    from driftwatch_nb.client import Client
    from driftwatch_nb.compare import Comparison

STATUSES = ("active", "acknowledged", "dismissed", "all")
MAX_ALERTS = 200
FAIL_LEVELS = ("confirmed", "any")

ALERTS_EPILOG = """\
examples:
  driftwatch alerts -p demo                          active alerts, newest first
  driftwatch alerts -p demo --branch main --status all --format json
  driftwatch alerts ack 6f1c...                      acknowledged: seen, kept, not active
  driftwatch alerts dismiss 6f1c...                  a false alarm
  driftwatch alerts reopen 6f1c...                   active again

Alerts are raised by the server when a report is posted (see `driftwatch run`): REGRESSION or
IMPROVEMENT by the measure's direction, CONFIRMED or SUSPECTED (the newest report looks
shifted, the evidence is not enough yet: later reports confirm it or dismiss it by themselves).

exit codes: 0 success; 1 error (e.g. no such alert among your projects); 2 usage.

environment:
  DRIFTWATCH_URL, DRIFTWATCH_TOKEN    server and token (or `driftwatch login`)
  DRIFTWATCH_PROJECT                  default for -p
"""
DETECTION_EPILOG = """\
examples:
  driftwatch detection -p demo                                   show the rules
  driftwatch detection -p demo --min-change 0.05 --sensitivity 2 the whole project
  driftwatch detection -p demo --benchmark parse --min-change 0.1
  driftwatch detection -p demo --benchmark parse --reset         inherit the project's again
  driftwatch detection -p demo --direction rss=lower --direction hits=higher

--min-change is the smallest relative change worth an alert (0.05 = 5 %; default 0.02).
--sensitivity multiplies the false-alert rate the detector accepts (default 1; 10 alerts
earlier and more often, 0.1 later and less). A knob you leave out keeps its value.
--direction says whether higher is better for a measure (latency and throughput are known;
any other measure is assumed "higher is worse" until you say).

exit codes: 0 success; 1 error; 2 usage (e.g. a negative --min-change).
"""
COMPARE_EPILOG = """\
examples:
  driftwatch compare -p demo --base main --head my-branch
  driftwatch compare -p demo --base main --head my-branch --testbed ci --min-change 0.05
  driftwatch compare --base-report ID --head-report ID --format json
  driftwatch compare -p demo --base main --head pr-42 --format markdown >> "$GITHUB_STEP_SUMMARY"

For every benchmark and measure of both reports, on the raw samples: a Mann-Whitney U test
(two-sided, tie-corrected normal approximation, p < 0.05) and a seeded bootstrap 95 %
confidence interval of the ratio of medians (base and head show the samples' medians, or
the reports' values where there are no samples). Verdicts:
  faster / slower     latency: the test is significant and the whole interval lies beyond
                      --min-change (better / worse for other measures, by their direction)
  no change           the whole interval lies within --min-change
  inconclusive        no samples, too few samples (fewer than 5), or the interval straddles
                      the threshold: run more iterations

exit codes: 0 compared (whatever the verdicts); 1 error; 2 usage; 3 with --fail-on-regression,
  when any benchmark got worse.
"""


def register(commands: Any) -> None:
    """Add ``alerts``, ``detection`` and ``compare`` to the top-level parser."""
    connection = connection_options()
    alerts = commands.add_parser(
        "alerts",
        parents=[connection],
        help="list a project's drift alerts; ack, dismiss or reopen one",
        description="List a project's drift alerts, most recently updated first. "
        "`alerts ack|dismiss|reopen ID` changes one alert's status.",
        epilog=ALERTS_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    alerts.add_argument("-p", "--project", help="project slug (env DRIFTWATCH_PROJECT)")
    alerts.add_argument("-b", "--branch", help="only this branch")
    alerts.add_argument(
        "--status", choices=STATUSES, default="active", help="which alerts (default: active)"
    )
    alerts.add_argument(
        "--limit",
        type=int,
        default=50,
        metavar="N",
        help=f"how many (default 50, at most {MAX_ALERTS})",
    )
    _format_option(alerts)
    alerts.set_defaults(handler=_alerts)
    actions = alerts.add_subparsers(dest="alerts_command", metavar="COMMAND")
    for name, status, what in (
        ("ack", "ACKNOWLEDGED", "acknowledge an alert: seen and kept, no longer active"),
        ("dismiss", "DISMISSED", "dismiss an alert (a false alarm)"),
        ("reopen", "ACTIVE", "make an acknowledged or dismissed alert active again"),
    ):
        action = actions.add_parser(
            name,
            parents=[connection],
            help=what,
            description=what[0].upper() + what[1:] + ".",
            epilog=f"example:\n  driftwatch alerts {name} ID      (ids: `driftwatch alerts -p PROJECT`)",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        action.add_argument("id", metavar="ID", help="the alert's id")
        _format_option(action)
        action.set_defaults(handler=_update_alert, status=status, verb=name)

    detection = commands.add_parser(
        "detection",
        parents=[connection],
        help="show or set a project's drift-detection rules and measure directions",
        description="Without options, show the project's detection rules. With --min-change, "
        "--sensitivity, --reset or --direction, set them (for the whole project, or for "
        "one --benchmark).",
        epilog=DETECTION_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    detection.add_argument("-p", "--project", help="project slug (env DRIFTWATCH_PROJECT)")
    detection.add_argument("--benchmark", metavar="BENCH", help="set the rule of this benchmark")
    detection.add_argument(
        "--min-change", type=float, metavar="RATIO", help="smallest relative change (0.05 = 5 %%)"
    )
    detection.add_argument(
        "--sensitivity", type=float, metavar="X", help="false-alert rate multiplier (0.01-100)"
    )
    detection.add_argument(
        "--reset", action="store_true", help="clear the rule's knobs (they inherit again)"
    )
    detection.add_argument(
        "--direction",
        action="append",
        default=[],
        metavar="MEASURE=higher|lower",
        help="whether higher or lower is better for MEASURE (repeatable)",
    )
    _format_option(detection)
    detection.set_defaults(handler=_detection)

    compare = commands.add_parser(
        "compare",
        parents=[connection],
        help="compare two branches' latest reports (or two reports) benchmark by benchmark",
        description="Compare the latest report of --head with the latest of --base (or two "
        "reports by id) on their raw samples, and say per benchmark whether it got faster, "
        "slower, did not change, or whether the evidence is inconclusive.",
        epilog=COMPARE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    compare.add_argument("-p", "--project", help="project slug (env DRIFTWATCH_PROJECT)")
    compare.add_argument("--base", metavar="BRANCH", help="the branch compared against")
    compare.add_argument("--head", metavar="BRANCH", help="the branch under test")
    compare.add_argument("--testbed", help="only reports of this testbed (default: any)")
    compare.add_argument("--base-report", metavar="ID", help="compare this report ...")
    compare.add_argument("--head-report", metavar="ID", help="... with this one")
    compare.add_argument(
        "--min-change",
        type=float,
        default=None,
        metavar="RATIO",
        help="smallest relative change that counts (default 0.02 = 2 %%)",
    )
    compare.add_argument(
        "--seed", type=int, default=0, help="bootstrap seed (default 0: reproducible)"
    )
    compare.add_argument(
        "--fail-on-regression",
        action="store_true",
        help=f"exit {EXIT_REGRESSION} when any benchmark got worse",
    )
    compare.add_argument(
        "--format",
        choices=("human", "json", "markdown"),
        default="human",
        help="a table (default), JSON or markdown, on stdout",
    )
    compare.set_defaults(handler=_compare)


def _format_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=("human", "json"),
        default=argparse.SUPPRESS,
        help="human (default) or JSON on stdout",
    )


def _project(args: argparse.Namespace) -> str:
    from driftwatch_nb._config import resolve
    from driftwatch_nb.core.limits import check_slug

    project = resolve(project=args.project, use_git=False).project
    if not project:
        abort("no project: pass -p PROJECT or set DRIFTWATCH_PROJECT", EXIT_USAGE)
    with user_errors():
        return check_slug(project, field="project")


# -- the words of an alert ------------------------------------------------------------------------


def format_p(p_value: float) -> str:
    """``p < 0.001`` or ``p = 0.012``."""
    return "p < 0.001" if p_value < 0.001 else f"p = {p_value:.2g}"


def _series_name(benchmark: str, measure: str) -> str:
    return benchmark if measure == LATENCY else f"{benchmark} {measure}"


def _since(alert: Alert) -> str:
    if alert.change_git_hash:
        return alert.change_git_hash[:7]
    return f"report {alert.change_report_id[:8]}"


def _confidence(alert: Alert) -> str:
    return "confirmed" if alert.is_confirmed else "suspected: not enough evidence yet"


def alert_line(alert: Alert) -> str:
    """``REGRESSION parse: +12.4 % (31.2 ms -> 35.1 ms), confirmed, p < 0.001, since abc1234``."""
    status = "" if alert.status == "ACTIVE" else f", {alert.status.lower()}"
    return (
        f"{alert.direction} {_series_name(alert.benchmark, alert.measure)}: "
        f"{format_change(alert.change)} ({format_measure(alert.baseline_value, alert.measure)} "
        f"-> {format_measure(alert.value, alert.measure)}), {_confidence(alert)}, "
        f"{format_p(alert.p_value)}, since {_since(alert)}{status}"
    )


def failing_alerts(alerts: Iterable[Alert], level: str | None) -> list[Alert]:
    """The active alerts that make ``run --fail-on-alert[=level]`` exit 3: confirmed
    regressions, or with ``any`` every alert (suspected ones and improvements too)."""
    if level is None:
        return []
    active = [a for a in alerts if a.status == "ACTIVE"]
    if level == "any":
        return active
    return [a for a in active if a.is_regression and a.is_confirmed]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _code(text: str) -> str:
    return f"`{_cell(text)}`" if "`" not in text else _cell(text)


def run_markdown(report: Report, url: str) -> str:
    """The markdown summary of a posted report and its alerts (GitHub step summary, PR comment)."""
    lines = [f"### driftwatch: {report.project} / {report.branch}", ""]
    commit = f", commit `{report.git_hash[:10]}`" if report.git_hash else ""
    lines += [
        f"Report [`{report.id[:8]}`]({url}) on testbed `{_cell(report.testbed)}`{commit}.",
        "",
    ]
    benchmarks = {m.benchmark for m in report.metrics}
    if report.alerts:
        lines += [
            "| benchmark | measure | change | baseline -> value | confidence | direction |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for alert in sorted(report.alerts, key=lambda a: (not a.is_regression, a.benchmark)):
            confidence = "confirmed" if alert.is_confirmed else "suspected"
            if alert.status != "ACTIVE":
                confidence += f" ({alert.status.lower()})"
            lines.append(
                f"| {_code(alert.benchmark)} | {alert.measure} | {format_change(alert.change)} "
                f"| {format_measure(alert.baseline_value, alert.measure)} -> "
                f"{format_measure(alert.value, alert.measure)} | {confidence} "
                f"| {alert.direction.lower()} |"
            )
        lines.append("")
    unchanged = len(benchmarks - {a.benchmark for a in report.alerts})
    if unchanged or not report.alerts:
        noun = "benchmark" if unchanged == 1 else "benchmarks"
        lines.append(f"No change detected in {unchanged} {noun}.")
    return "\n".join(lines) + "\n"


# -- alerts ---------------------------------------------------------------------------------------


def _alerts(args: argparse.Namespace) -> int:
    if not 1 <= args.limit <= MAX_ALERTS:
        abort(f"--limit must be between 1 and {MAX_ALERTS}", EXIT_USAGE)
    project = _project(args)
    status = None if args.status == "all" else args.status.upper()
    client = make_client(args)
    with user_errors(), client:
        page = client.alerts(project, status=status, branch=args.branch, limit=args.limit)
    if getattr(args, "format", "human") == "json":
        print(json.dumps([alert.to_json() for alert in page], indent=2))
        return 0
    if not page:
        where = f" on branch {args.branch}" if args.branch else ""
        which = "" if status is None else f"{args.status} "
        info(f"no {which}alerts in {project}{where}")
        return 0
    rows = [
        [
            alert.id,
            alert.status.lower(),
            alert.direction.lower(),
            alert.confidence.lower(),
            _series_name(alert.benchmark, alert.measure),
            format_change(alert.change),
            f"{format_measure(alert.baseline_value, alert.measure)} -> "
            f"{format_measure(alert.value, alert.measure)}",
            f"{alert.branch}/{alert.testbed}",
            _since(alert),
            format_time(alert.updated_at),
        ]
        for alert in page
    ]
    print_table(
        [
            "id",
            "status",
            "direction",
            "confidence",
            "benchmark",
            "change",
            "baseline -> value",
            "branch/testbed",
            "since",
            "updated",
        ],
        rows,
    )
    if page.total_count > len(page):
        info(f"{len(page)} of {page.total_count} alerts; use --limit for more")
    return 0


def _update_alert(args: argparse.Namespace) -> int:
    client = make_client(args)
    with user_errors(), client:
        alert = client.update_alert(args.id.strip(), args.status)
    if getattr(args, "format", "human") == "json":
        print(json.dumps(alert.to_json(), indent=2))
    else:
        info(f"alert {alert.id} is now {alert.status.lower()}: {alert_line(alert)}")
    return 0


# -- detection ------------------------------------------------------------------------------------


def _parse_directions(values: Sequence[str]) -> dict[str, bool]:
    from driftwatch_nb.core.errors import InvalidInput
    from driftwatch_nb.core.limits import check_measure

    directions: dict[str, bool] = {}
    for value in values:
        measure, _, way = value.partition("=")
        if way.strip().lower() not in ("higher", "lower"):
            abort(f"--direction {value!r}: write MEASURE=higher or MEASURE=lower", EXIT_USAGE)
        try:
            check_measure(measure.strip(), field="direction")
        except InvalidInput as exc:
            abort(f"--direction {value!r}: {exc}", EXIT_USAGE)
        directions[measure.strip()] = way.strip().lower() == "higher"
    return directions


def check_min_change(value: float | None) -> None:
    """A relative change between 0 and 10 (a usage error otherwise)."""
    if value is not None and not (math.isfinite(value) and 0 <= value < 10):
        abort(
            f"--min-change must be a relative change between 0 and 10 (0.05 = 5 %), got {value}",
            EXIT_USAGE,
        )


def _detection(args: argparse.Namespace) -> int:
    check_min_change(args.min_change)
    if args.sensitivity is not None and not (
        math.isfinite(args.sensitivity) and 0.01 <= args.sensitivity <= 100
    ):
        abort(
            f"--sensitivity must be between 0.01 and 100 (1 = default), got {args.sensitivity}",
            EXIT_USAGE,
        )
    if args.reset and (args.min_change is not None or args.sensitivity is not None):
        abort("--reset clears the knobs: give it without --min-change or --sensitivity", EXIT_USAGE)
    directions = _parse_directions(args.direction)
    setting_rule = args.reset or args.min_change is not None or args.sensitivity is not None
    if args.benchmark is not None and not setting_rule:
        abort("--benchmark needs --min-change, --sensitivity or --reset", EXIT_USAGE)
    project = _project(args)
    client = make_client(args)
    with user_errors(), client:
        if setting_rule:
            current = client.detection(project).rule(args.benchmark)
            # Setting one knob keeps the other (the API clears a knob it is not given).
            min_change, sensitivity = None, None
            if not args.reset:
                min_change = (
                    args.min_change
                    if args.min_change is not None
                    else (current.min_change if current else None)
                )
                sensitivity = (
                    args.sensitivity
                    if args.sensitivity is not None
                    else (current.sensitivity if current else None)
                )
            rule = client.set_detection_rule(
                project, args.benchmark, min_change=min_change, sensitivity=sensitivity
            )
            scope = f"benchmark {rule.benchmark}" if rule.benchmark else f"project {project}"
            info(f"detection rule of {scope}: {_knobs(rule.min_change, rule.sensitivity)}")
        for measure, higher in directions.items():
            client.set_measure_direction(project, measure, higher)
            info(f"{measure}: {'higher' if higher else 'lower'} is better")
        if setting_rule or directions:
            return 0
        detection = client.detection(project)
    if getattr(args, "format", "human") == "json":
        print(json.dumps(_detection_json(detection), indent=2))
        return 0
    _print_detection(project, detection)
    return 0


def _knobs(min_change: float | None, sensitivity: float | None) -> str:
    parts = [
        f"min change {format_change(min_change).lstrip('+')}"
        if min_change is not None
        else "min change inherited",
        f"sensitivity {sensitivity:g}" if sensitivity is not None else "sensitivity inherited",
    ]
    return ", ".join(parts)


def _detection_json(detection: Detection) -> dict[str, Any]:
    return {
        "rules": [
            {"benchmark": r.benchmark, "min_change": r.min_change, "sensitivity": r.sensitivity}
            for r in detection.rules
        ],
        "directions": {d.measure: d.higher_is_better for d in detection.directions},
        "default_min_change": detection.default_min_change,
        "default_sensitivity": detection.default_sensitivity,
    }


def _print_detection(project: str, detection: Detection) -> None:
    project_rule = detection.rule(None)
    base_change = (
        project_rule.min_change
        if project_rule and project_rule.min_change is not None
        else detection.default_min_change
    )
    base_sensitivity = (
        project_rule.sensitivity
        if project_rule and project_rule.sensitivity is not None
        else detection.default_sensitivity
    )

    def shown(value: float | None, inherited: float, *, ratio: bool) -> str:
        text = (
            format_change(value if value is not None else inherited).lstrip("+")
            if ratio
            else (f"{value if value is not None else inherited:g}")
        )
        return text if value is not None else f"{text} (inherited)"

    rows = [
        [
            f"project {project}",
            shown(
                project_rule.min_change if project_rule else None,
                detection.default_min_change,
                ratio=True,
            ),
            shown(
                project_rule.sensitivity if project_rule else None,
                detection.default_sensitivity,
                ratio=False,
            ),
        ]
    ]
    for rule in detection.rules:
        if rule.benchmark is not None:
            rows.append(
                [
                    rule.benchmark,
                    shown(rule.min_change, base_change, ratio=True),
                    shown(rule.sensitivity, base_sensitivity, ratio=False),
                ]
            )
    print_table(["rule", "min change", "sensitivity"], rows)
    print(
        f"defaults: min change {format_change(detection.default_min_change).lstrip('+')}, "
        f"sensitivity {detection.default_sensitivity:g}"
    )
    if detection.directions:
        ways = ", ".join(
            f"{d.measure}: {'higher' if d.higher_is_better else 'lower'} is better"
            for d in detection.directions
        )
        print(f"directions: {ways}")
    else:
        print("directions: built in only (latency lower is better, throughput higher is better)")


# -- compare --------------------------------------------------------------------------------------


def _compare(args: argparse.Namespace) -> int:
    from driftwatch_nb.compare import DEFAULT_MIN_CHANGE

    min_change = DEFAULT_MIN_CHANGE if args.min_change is None else args.min_change
    check_min_change(min_change)
    by_id = args.base_report is not None or args.head_report is not None
    by_branch = args.base is not None or args.head is not None
    if by_id and by_branch:
        abort("give --base and --head, or --base-report and --head-report, not both", EXIT_USAGE)
    if by_id and (args.base_report is None or args.head_report is None):
        abort("--base-report and --head-report go together", EXIT_USAGE)
    if not by_id and (args.base is None or args.head is None):
        abort(
            "give --base BRANCH and --head BRANCH (or --base-report and --head-report)", EXIT_USAGE
        )
    project = None if by_id and args.project is None else _project(args)
    client = make_client(args)
    with user_errors(), client:
        if by_id:
            base_id, head_id = args.base_report, args.head_report
        else:
            assert project is not None
            base_id = _latest(client, project, args.base, args.testbed)
            head_id = _latest(client, project, args.head, args.testbed)
        base = client.report_samples(base_id)
        head = client.report_samples(head_id)
        if project is not None and project not in (base.project, head.project):
            abort(f"reports {base.id} and {head.id} are not in project {project!r}")
        if base.project != head.project:
            abort(f"report {base.id} is in {base.project!r}, report {head.id} in {head.project!r}")
        directions = client.detection(base.project).overrides()
    comparisons = compare_reports(
        base, head, min_change=min_change, directions=directions, seed=args.seed
    )
    worse = [c for c in comparisons if c.is_regression]
    if args.format == "json":
        print(
            json.dumps(
                {
                    "project": base.project,
                    "base": _report_json(base),
                    "head": _report_json(head),
                    "min_change": min_change,
                    "seed": args.seed,
                    "benchmarks": [c.to_json() for c in comparisons],
                },
                indent=2,
            )
        )
    elif args.format == "markdown":
        print(compare_markdown(base, head, comparisons, min_change), end="")
    else:
        _print_comparisons(base, head, comparisons, min_change)
    if worse and args.fail_on_regression:
        names = ", ".join(_series_name(c.benchmark, c.measure) for c in worse)
        info(f"driftwatch: regression detected in {names} (exit {EXIT_REGRESSION})")
        return EXIT_REGRESSION
    return 0


def _latest(client: Client, project: str, branch: str, testbed: str | None) -> str:
    found = client.latest_report_id(project, branch=branch, testbed=testbed)
    if found is None:
        on = f" on testbed {testbed!r}" if testbed else ""
        abort(f"no report on branch {branch!r}{on} in {project!r}")
    return found


def compare_reports(
    base: Report,
    head: Report,
    *,
    min_change: float,
    directions: dict[str, bool] | None = None,
    seed: int = 0,
) -> list[Comparison]:
    """Every (benchmark, measure) of either report, judged (``driftwatch_nb.compare``)."""
    from driftwatch_nb.compare import compare_samples

    before = {(m.benchmark, m.measure): m for m in base.metrics}
    after = {(m.benchmark, m.measure): m for m in head.metrics}
    keys = sorted(set(before) | set(after), key=lambda k: (k[0], k[1] != LATENCY, k[1]))
    results = []
    for key in keys:
        old, new = before.get(key), after.get(key)
        results.append(
            compare_samples(
                key[0],
                key[1],
                base_value=old.value if old else None,
                head_value=new.value if new else None,
                base_samples=old.samples if old else None,
                head_samples=new.samples if new else None,
                min_change=min_change,
                directions=directions,
                seed=seed,
            )
        )
    return results


def _report_json(report: Report) -> dict[str, Any]:
    return {
        "id": report.id,
        "branch": report.branch,
        "testbed": report.testbed,
        "git_hash": report.git_hash,
        "start_time": report.start_time.isoformat(),
    }


def _describe(report: Report) -> str:
    commit = f" {report.git_hash[:7]}" if report.git_hash else ""
    return f"{report.branch}{commit} ({report.testbed}, report {report.id[:8]})"


def _ci(comparison: Comparison) -> str:
    if comparison.ci is None:
        return "-"
    low, high = comparison.ci
    return f"{format_change(low)} .. {format_change(high)}"


def _value(median: float | None, value: float | None, measure: str) -> str:
    """The samples' median when there are samples (what the change is measured on), else the
    report's value."""
    return format_measure(median if median is not None else value, measure) or "-"


def _row(comparison: Comparison) -> list[str]:
    return [
        _series_name(comparison.benchmark, comparison.measure),
        _value(comparison.base_median, comparison.base_value, comparison.measure),
        _value(comparison.head_median, comparison.head_value, comparison.measure),
        format_change(comparison.change) if comparison.change is not None else "-",
        _ci(comparison),
        format_p(comparison.p_value) if comparison.p_value is not None else "-",
        comparison.verdict,
    ]


HEADERS = ["benchmark", "base", "head", "change", "95% CI", "p", "verdict"]


def _print_comparisons(
    base: Report, head: Report, comparisons: list[Comparison], min_change: float
) -> None:
    info(f"base: {_describe(base)}\nhead: {_describe(head)}")
    rows = [_row(c) for c in comparisons]
    print_table(HEADERS, rows)
    sys.stdout.flush()  # the table before the notes when both go to one terminal
    for comparison in comparisons:
        if comparison.outcome == "inconclusive":
            info(
                f"{_series_name(comparison.benchmark, comparison.measure)}: inconclusive: "
                f"{comparison.reason}"
            )
    info(_tally(comparisons, min_change))


def _tally(comparisons: list[Comparison], min_change: float) -> str:
    counts: dict[str, int] = {}
    for comparison in comparisons:
        counts[comparison.verdict] = counts.get(comparison.verdict, 0) + 1
    parts = ", ".join(f"{n} {verdict}" for verdict, n in sorted(counts.items()))
    return f"{parts or 'nothing to compare'} (threshold {format_change(min_change).lstrip('+')})"


def compare_markdown(
    base: Report, head: Report, comparisons: list[Comparison], min_change: float
) -> str:
    lines = [
        f"### driftwatch compare: {_cell(head.branch)} vs {_cell(base.branch)}",
        "",
        f"Base {_cell(_describe(base))}, head {_cell(_describe(head))}.",
        "",
        "| " + " | ".join(HEADERS) + " |",
        "| " + " | ".join("---" for _ in HEADERS) + " |",
    ]
    for comparison in comparisons:
        name, *cells = _row(comparison)
        if comparison.outcome == "inconclusive":
            cells[-1] = f"inconclusive: {comparison.reason}"
        lines.append("| " + " | ".join([_code(name), *(_cell(c) for c in cells)]) + " |")
    lines += ["", _tally(comparisons, min_change) + "."]
    return "\n".join(lines) + "\n"


def write_summary(path: Path, text: str) -> None:
    """Append ``text`` to ``path`` (how GitHub's ``$GITHUB_STEP_SUMMARY`` is written)."""
    try:
        with path.open("a", encoding="utf-8") as file:
            file.write(text)
    except OSError as exc:
        abort(f"{path}: cannot write the summary: {exc.strerror or exc}")


def print_alert_lines(alerts: Iterable[Alert]) -> None:
    for alert in alerts:
        print(alert_line(alert), file=sys.stderr, flush=True)
