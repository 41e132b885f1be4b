"""The words of drift on the command line, without a server: alert lines, the markdown summary,
which alerts fail a run, and how ``--fail-on-alert`` sits next to the benchmark command."""

from __future__ import annotations

import datetime as dt

import pytest

from driftwatch_nb._types import Alert, Metric, Report
from driftwatch_nb.cli import build_parser, main
from driftwatch_nb.cli._drift import alert_line, failing_alerts, format_p, run_markdown

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


def alert(**changes: object) -> Alert:
    fields: dict[str, object] = {
        "id": "a1",
        "benchmark": "parse",
        "measure": "latency",
        "direction": "REGRESSION",
        "change": 0.124,
        "baseline_value": 31.2e6,
        "value": 35.1e6,
        "p_value": 0.0001,
        "confidence": "CONFIRMED",
        "status": "ACTIVE",
        "branch": "main",
        "testbed": "ci",
        "report_id": "r2",
        "change_report_id": "r1abcdef99",
        "change_git_hash": "abc1234def",
        "created_at": NOW,
        "updated_at": NOW,
    }
    fields.update(changes)
    return Alert(**fields)  # type: ignore[arg-type]


def test_alert_lines() -> None:
    assert alert_line(alert()) == (
        "REGRESSION parse: +12.4 % (31.2 ms -> 35.1 ms), confirmed, p < 0.001, since abc1234"
    )
    suspected = alert(confidence="SUSPECTED", p_value=0.0123, change_git_hash=None)
    assert alert_line(suspected) == (
        "REGRESSION parse: +12.4 % (31.2 ms -> 35.1 ms), suspected: not enough evidence yet, "
        "p = 0.012, since report r1abcdef"
    )
    throughput = alert(
        measure="throughput", change=-0.2, baseline_value=5000, value=4000, status="ACKNOWLEDGED"
    )
    assert alert_line(throughput) == (
        "REGRESSION parse throughput: -20.0 % (5,000 ops/s -> 4,000 ops/s), confirmed, "
        "p < 0.001, since abc1234, acknowledged"
    )
    assert format_p(0.5) == "p = 0.5"


def test_which_alerts_fail_a_run() -> None:
    confirmed = alert()
    suspected = alert(id="a2", confidence="SUSPECTED")
    better = alert(id="a3", direction="IMPROVEMENT", change=-0.3)
    acked = alert(id="a4", status="ACKNOWLEDGED")
    every = [confirmed, suspected, better, acked]
    assert failing_alerts(every, None) == []
    assert failing_alerts(every, "confirmed") == [confirmed]
    assert failing_alerts(every, "any") == [confirmed, suspected, better]


def test_markdown_summary_escapes_and_counts() -> None:
    report = Report(
        id="0123456789abcdef",
        project="demo",
        branch="main",
        testbed="ci",
        git_hash="abc1234def567",
        adapter="json",
        start_time=NOW,
        end_time=NOW,
        created_at=NOW,
        metrics=(
            Metric(benchmark="a|b", measure="latency", value=1.0),
            Metric(benchmark="c", measure="latency", value=1.0),
            Metric(benchmark="d", measure="latency", value=1.0),
        ),
        alerts=(alert(benchmark="a|b", direction="IMPROVEMENT", change=-0.3),),
    )
    text = run_markdown(report, "http://dw/workspaces/demo")
    assert text.splitlines() == [
        "### driftwatch: demo / main",
        "",
        "Report [`01234567`](http://dw/workspaces/demo) on testbed `ci`, commit `abc1234def`.",
        "",
        "| benchmark | measure | change | baseline -> value | confidence | direction |",
        "| --- | --- | --- | --- | --- | --- |",
        "| `a\\|b` | latency | -30.0 % | 31.2 ms -> 35.1 ms | confirmed | improvement |",
        "",
        "No change detected in 2 benchmarks.",
    ]


def test_fail_on_alert_does_not_swallow_the_command() -> None:
    parser = build_parser(plugins=False)
    for words, level in (
        (["--fail-on-alert", "--", "python", "b.py"], "confirmed"),
        (["--fail-on-alert=any", "--", "python", "b.py"], "any"),
        (["--fail-on-alert", "any", "python", "b.py"], "any"),
        (["--fail-on-alert", "python", "b.py"], "python"),  # the handler gives it back
    ):
        args = parser.parse_args(["run", "-p", "demo", "-b", "main", *words])
        assert args.fail_on_alert == level, words
        assert args.command[-1] == "b.py"


@pytest.mark.parametrize(
    "words",
    [
        ["compare", "-p", "demo", "--base", "main", "--head", "x", "--min-change", "-1"],
        ["compare", "-p", "demo", "--base-report", "1"],
        ["detection", "-p", "demo", "--sensitivity", "0"],
        ["detection", "-p", "demo", "--benchmark", "parse"],
        ["alerts", "-p", "demo", "--limit", "0"],
    ],
)
def test_usage_errors_exit_2_before_any_connection(
    words: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRIFTWATCH_URL", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("DRIFTWATCH_TOKEN", "dw_x")
    assert main(words) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("driftwatch: error: ")
