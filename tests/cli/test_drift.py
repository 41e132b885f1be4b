"""Drift from the command line: ``run`` alert lines, ``--fail-on-alert``, the markdown summary,
``alerts``, ``detection`` and ``compare``; the real executable against a real server (SQLite and
PostgreSQL), with histories seeded through the ``Client``."""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import sys
import textwrap
from pathlib import Path

import pytest

from driftwatch_nb import Client
from tests.cli.helpers import driftwatch, error_lines, json_output
from tests.support.server import LiveServer

LEVEL = 1_500_000.0  # 1.5 ms
FLAT_REPORTS = 30
CHANGE_HASH = "abc1234" + "0" * 33

# A benchmark harness printing driftwatch JSON: parse at LEVEL * argv[1], render flat.
SLOW_SCRIPT = textwrap.dedent(
    f"""
    import json, sys
    factor = float(sys.argv[1])
    print(json.dumps({{"parse": {{"latency": {{"value": {LEVEL} * factor}}}},
                      "render": {{"latency": {{"value": 2.5e6}}}}}}))
    """
)


def seed_flat_history(url: str, token: str, *, reports: int = FLAT_REPORTS) -> None:
    """``reports`` flat reports on demo/main/localhost, in the past, through the Client."""
    rng = random.Random(7)
    start = dt.datetime.now(dt.UTC) - dt.timedelta(hours=reports + 1)
    with Client(url, token) as client:
        for index in range(reports):
            client.create_report(
                "demo",
                "main",
                {
                    "parse": {"latency": LEVEL * (1 + rng.gauss(0, 0.01))},
                    "render": {"latency": 2.5e6 * (1 + rng.gauss(0, 0.01))},
                },
                git_hash=f"{index:040x}",
                start_time=start + dt.timedelta(hours=index),
            )


def run_slow(env: dict[str, str], workdir: Path, factor: float, *options: str, git_hash: str):
    return driftwatch(
        "run", "-p", "demo", "-b", "main", "--hash", git_hash, *options,
        "--", sys.executable, "slow.py", str(factor), env=env, cwd=workdir,
    )  # fmt: skip


@pytest.fixture
def drifting(live_server: LiveServer, env: dict[str, str], workdir: Path) -> Path:
    (workdir / "slow.py").write_text(SLOW_SCRIPT)
    seed_flat_history(live_server.url, live_server.token)
    return workdir


def test_a_real_regression_fails_the_run_with_exit_3(
    live_server: LiveServer, env: dict[str, str], drifting: Path
) -> None:
    # One slow report after a flat history: suspected, not confirmed (the detector wants three
    # reports at the new level), so --fail-on-alert passes and --fail-on-alert=any fails.
    first = run_slow(env, drifting, 1.3, "--fail-on-alert", git_hash=CHANGE_HASH)
    assert first.returncode == 0, first.stderr
    (line,) = [x for x in first.stderr.splitlines() if x.startswith("REGRESSION")]
    assert line.startswith("REGRESSION parse: +")
    assert "(1.5 ms -> 1.95 ms), suspected: not enough evidence yet, p " in line
    assert line.endswith("since abc1234")

    second = run_slow(
        env, drifting, 1.3, "--fail-on-alert=any", "--format", "json", git_hash="b" * 40
    )
    assert second.returncode == 3, second.stderr
    (alert,) = json_output(second.stdout)["alerts"]
    assert (alert["benchmark"], alert["direction"], alert["confidence"]) == (
        "parse",
        "REGRESSION",
        "SUSPECTED",
    )
    assert alert["change_git_hash"] == CHANGE_HASH

    summary = drifting / "summary.md"
    summary.write_text("earlier step\n")  # appended to, as $GITHUB_STEP_SUMMARY is
    third = run_slow(
        env, drifting, 1.3, "--fail-on-alert", "--summary", str(summary), git_hash="c" * 40
    )
    assert third.returncode == 3, third.stderr
    (line,) = [x for x in third.stderr.splitlines() if x.startswith("REGRESSION")]
    assert "(1.5 ms -> 1.95 ms), confirmed, p < 0.001, since abc1234" in line
    assert "1 confirmed regression (parse): exit 3" in third.stderr
    text = summary.read_text()
    assert text.startswith("earlier step\n### driftwatch: demo / main\n")
    assert (
        f"]({live_server.url}/workspaces/demo) on testbed `localhost`, commit `cccccccccc`" in text
    )
    rows = [x for x in text.splitlines() if x.startswith("| ")]
    assert rows[0] == (
        "| benchmark | measure | change | baseline -> value | confidence | direction |"
    )
    assert rows[1] == "| --- | --- | --- | --- | --- | --- |"
    assert rows[2].startswith("| `parse` | latency | +3")
    assert rows[2].endswith(" | 1.5 ms -> 1.95 ms | confirmed | regression |")
    assert len(rows) == 3
    assert "No change detected in 1 benchmark." in text

    # The next report at the new level raises nothing new: the change was reported once.
    fourth = run_slow(
        env, drifting, 1.3, "--fail-on-alert", "--format", "markdown", git_hash="d" * 40
    )
    assert fourth.returncode == 0, fourth.stderr
    assert fourth.stdout.startswith("### driftwatch: demo / main\n"), "stdout holds the markdown"
    assert "No change detected in 2 benchmarks." in fourth.stdout
    assert "REGRESSION" not in fourth.stderr


def test_without_the_flag_a_regression_is_reported_and_the_run_passes(
    live_server: LiveServer, env: dict[str, str], drifting: Path
) -> None:
    flat = run_slow(
        env, drifting, 1.0, "--fail-on-alert", "--format", "markdown", git_hash="e" * 40
    )
    assert flat.returncode == 0, flat.stderr
    assert not [x for x in flat.stderr.splitlines() if x.startswith(("REGRESSION", "IMPROVEMENT"))]
    assert "No change detected in 2 benchmarks." in flat.stdout
    assert "| benchmark |" not in flat.stdout
    with Client(live_server.url, live_server.token) as client:
        for index in range(2):  # two slow reports: the run below is the third at the new level
            client.create_report(
                "demo", "main", {"parse": {"latency": LEVEL * 1.3}}, git_hash=f"{index:x}" * 40
            )
    # $GITHUB_STEP_SUMMARY alone changes nothing: the summary goes where --summary says.
    step_summary = drifting / "step-summary.md"
    github = {**env, "GITHUB_STEP_SUMMARY": str(step_summary)}
    result = run_slow(github, drifting, 1.3, git_hash="f" * 40)
    assert result.returncode == 0, result.stderr
    assert not step_summary.exists()
    (line,) = [x for x in result.stderr.splitlines() if x.startswith("REGRESSION")]
    assert line.startswith("REGRESSION parse: +30.0 % (1.5 ms -> 1.95 ms), confirmed, p < 0.001")
    assert line.endswith("since 0000000")
    assert "view: " in result.stderr, "the human summary is still there"


def seed_alert(url: str, token: str) -> str:
    """A flat history, then three slow reports: one confirmed regression; its id."""
    seed_flat_history(url, token)
    start = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=30)
    with Client(url, token) as client:
        for index in range(3):
            report = client.create_report(
                "demo",
                "main",
                {"parse": {"latency": LEVEL * 1.3}, "render": {"latency": 2.5e6}},
                start_time=start + dt.timedelta(minutes=index),
            )
    (alert,) = report.alerts
    assert (alert.confidence, alert.direction) == ("CONFIRMED", "REGRESSION")
    return alert.id


def test_alerts_list_ack_dismiss_reopen(
    live_server: LiveServer, env: dict[str, str], workdir: Path
) -> None:
    alert_id = seed_alert(live_server.url, live_server.token)
    listed = driftwatch("alerts", "-p", "demo", env=env)
    assert listed.returncode == 0, listed.stderr
    header, row = listed.stdout.splitlines()
    assert header.split()[:4] == ["id", "status", "direction", "confidence"]
    assert row.split()[:5] == [alert_id, "active", "regression", "confirmed", "parse"]
    assert "1.5 ms -> 1.95 ms" in row and "main/localhost" in row

    acked = driftwatch("alerts", "ack", alert_id, env=env)
    assert acked.returncode == 0, acked.stderr
    assert f"alert {alert_id} is now acknowledged: REGRESSION parse" in acked.stderr
    active = driftwatch("alerts", "-p", "demo", env=env)
    assert (active.returncode, active.stdout) == (0, "")
    assert "no active alerts in demo" in active.stderr
    kept = driftwatch(
        "alerts", "-p", "demo", "--status", "acknowledged", "--format", "json", env=env
    )
    assert [(a["id"], a["status"]) for a in json.loads(kept.stdout)] == [(alert_id, "ACKNOWLEDGED")]

    assert driftwatch("alerts", "dismiss", alert_id, env=env).returncode == 0
    reopened = driftwatch("alerts", "reopen", alert_id, "--format", "json", env=env)
    assert json.loads(reopened.stdout)["status"] == "ACTIVE"
    every = driftwatch("alerts", "-p", "demo", "--status", "all", "--branch", "main", env=env)
    assert alert_id in every.stdout


def test_alert_errors_are_one_line(live_server: LiveServer, env: dict[str, str]) -> None:
    unknown = driftwatch("alerts", "ack", "no-such-alert", env=env)
    assert unknown.returncode == 1
    assert error_lines(unknown.stderr) == [
        "driftwatch: error: no alert 'no-such-alert' among your projects"
    ]
    assert len(unknown.stderr.splitlines()) == 1
    other = {**env, "DRIFTWATCH_TOKEN": live_server.other_token}
    mallory = driftwatch("alerts", "-p", "demo", env=other)
    assert mallory.returncode == 1 and len(error_lines(mallory.stderr)) == 1
    no_project = driftwatch("alerts", env=env)
    assert no_project.returncode == 2
    assert "no project" in no_project.stderr


def test_detection_show_and_set(live_server: LiveServer, env: dict[str, str]) -> None:
    seed_flat_history(live_server.url, live_server.token, reports=1)
    shown = driftwatch("detection", "-p", "demo", env=env)
    assert shown.returncode == 0, shown.stderr
    assert "project demo  2.0 % (inherited)  1 (inherited)" in shown.stdout
    assert "defaults: min change 2.0 %, sensitivity 1" in shown.stdout

    result = driftwatch(
        "detection", "-p", "demo", "--min-change", "0.05", "--sensitivity", "2", env=env
    )
    assert result.returncode == 0, result.stderr
    assert "detection rule of project demo: min change 5.0 %, sensitivity 2" in result.stderr
    # One knob at a time keeps the other.
    result = driftwatch("detection", "-p", "demo", "--min-change", "0.1", env=env)
    assert "min change 10.0 %, sensitivity 2" in result.stderr
    result = driftwatch(
        "detection", "-p", "demo", "--benchmark", "parse", "--sensitivity", "0.5",
        "--direction", "rss=higher", env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "rss: higher is better" in result.stderr
    shown = json.loads(driftwatch("detection", "-p", "demo", "--format", "json", env=env).stdout)
    assert sorted(shown["rules"], key=lambda r: r["benchmark"] or "") == [
        {"benchmark": None, "min_change": 0.1, "sensitivity": 2.0},
        {"benchmark": "parse", "min_change": None, "sensitivity": 0.5},
    ]
    assert shown["directions"] == {"rss": True}
    table = driftwatch("detection", "-p", "demo", env=env).stdout
    assert "parse         10.0 % (inherited)  0.5" in table

    for bad in (["--min-change", "-1"], ["--sensitivity", "1000"], ["--direction", "rss=up"]):
        refused = driftwatch("detection", "-p", "demo", *bad, env=env)
        assert refused.returncode == 2, (bad, refused.stderr)
        assert len(error_lines(refused.stderr)) == 1
    missing = driftwatch(
        "detection", "-p", "demo", "--benchmark", "nope", "--min-change", "0.1", env=env
    )
    assert missing.returncode == 1
    assert error_lines(missing.stderr) == [
        "driftwatch: error: project 'demo' has no benchmark named 'nope'"
    ]


def seed_compare(url: str, token: str) -> dict[str, str]:
    """Reports with samples: main, a 30 % slower branch, and a branch with the same code."""

    def samples(seed: int, level: float) -> list[float]:
        rng = random.Random(seed)
        return [level * (1 + rng.gauss(0, 0.03)) for _ in range(40)]

    ids = {}
    start = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    with Client(url, token) as client:
        for index, (branch, factor, seed) in enumerate(
            (("main", 1.0, 1), ("slow", 1.3, 2), ("same", 1.0, 3))
        ):
            parse = samples(seed, LEVEL * factor)
            ids[branch] = client.create_report(
                "demo",
                branch,
                {
                    "parse": {"latency": {"value": sum(parse) / len(parse), "samples": parse}},
                    "render": {"latency": 2.5e6},  # no samples
                },
                testbed="ci",
                start_time=start + dt.timedelta(minutes=index),
            ).id
    return ids


def test_compare_finds_a_real_slowdown_and_not_a_fake_one(
    live_server: LiveServer, env: dict[str, str]
) -> None:
    ids = seed_compare(live_server.url, live_server.token)
    slow = driftwatch("compare", "-p", "demo", "--base", "main", "--head", "slow", env=env)
    assert slow.returncode == 0, slow.stderr
    rows = {line.split()[0]: line for line in slow.stdout.splitlines()[1:]}
    # The samples' medians (40 samples at 3 % noise each side: within a few % of 1.5 and 1.95 ms).
    assert re.fullmatch(
        r"parse +1\.[45]\d? ms +1\.9\d? ms +\+(2[6-9]|3[0-4])\.\d % +\+\d+\.\d % \.\. "
        r"\+\d+\.\d % +p < 0\.001 +slower",
        rows["parse"],
    ), rows["parse"]
    assert rows["render"].endswith("inconclusive")
    assert "render: inconclusive: no samples in the base and head report" in slow.stderr

    failing = driftwatch(
        "compare", "-p", "demo", "--base", "main", "--head", "slow", "--testbed", "ci",
        "--fail-on-regression", "--format", "json", env=env,
    )  # fmt: skip
    assert failing.returncode == 3, failing.stderr
    document = json_output(failing.stdout)
    assert (document["base"]["id"], document["head"]["id"]) == (ids["main"], ids["slow"])
    parse = next(b for b in document["benchmarks"] if b["benchmark"] == "parse")
    assert (parse["verdict"], parse["outcome"]) == ("slower", "regression")
    assert parse["ci_low"] > 0.02 and parse["p_value"] < 0.001

    for seed in (0, 1, 2):  # the same distribution is never "slower", whatever the seed
        same = driftwatch(
            "compare", "--base-report", ids["main"], "--head-report", ids["same"],
            "--seed", str(seed), "--fail-on-regression", "--format", "json", env=env,
        )  # fmt: skip
        assert same.returncode == 0, same.stderr
        verdicts = {b["benchmark"]: b["verdict"] for b in json_output(same.stdout)["benchmarks"]}
        assert verdicts["parse"] in {"no change", "inconclusive"}

    markdown = driftwatch(
        "compare", "-p", "demo", "--base", "main", "--head", "slow", "--format", "markdown", env=env
    )
    lines = markdown.stdout.splitlines()
    assert lines[0] == "### driftwatch compare: slow vs main"
    assert "| benchmark | base | head | change | 95% CI | p | verdict |" in lines
    parse_row = next(x for x in lines if x.startswith("| `parse` |"))
    assert parse_row.endswith("| p < 0.001 | slower |")


def test_compare_bad_input(live_server: LiveServer, env: dict[str, str]) -> None:
    negative = driftwatch(
        "compare", "-p", "demo", "--base", "main", "--head", "x", "--min-change", "-1", env=env
    )
    assert negative.returncode == 2
    assert error_lines(negative.stderr) == [
        "driftwatch: error: --min-change must be a relative change between 0 and 10 "
        "(0.05 = 5 %), got -1.0"
    ]
    half = driftwatch("compare", "-p", "demo", "--base", "main", env=env)
    assert half.returncode == 2
    nothing = driftwatch("compare", "-p", "demo", "--base", "main", "--head", "nope", env=env)
    assert nothing.returncode == 1
    assert error_lines(nothing.stderr) == [
        "driftwatch: error: no report on branch 'main' in 'demo'"
    ]
