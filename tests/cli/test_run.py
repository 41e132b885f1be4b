"""``driftwatch run``: the real executable against a real server (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import httpx
import pytest

from driftwatch_nb import Client
from driftwatch_nb.cli import main
from tests.cli.helpers import (
    JOIN,
    SORT,
    benchmark_command_pytest,
    bmf_command,
    clean_env,
    counts,
    driftwatch,
    error_lines,
    json_output,
)
from tests.support import svg as svg_fixtures
from tests.support.server import LiveServer, free_port


def test_run_posts_a_report_with_two_flamegraphs(
    live_server: LiveServer, env: dict[str, str], workdir: Path
) -> None:
    result = driftwatch(
        "run", "-p", "demo", "-b", "main", "--testbed", "ci", "--hash", "0123abcd" * 5,
        "--file", "results.json", "--flamegraph", "a.svg", "--flamegraph-for", JOIN, "b.svg",
        "--format", "json", "--", *benchmark_command_pytest(),
        env=env, cwd=workdir,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    # The command's output still reaches the terminal (stderr, as stdout holds the JSON).
    assert "2 passed" in result.stderr
    summary = json_output(result.stdout)
    assert summary["failed"] == []
    assert summary["url"] == f"{live_server.url}/workspaces/demo"
    assert {(m["benchmark"], m["measure"]) for m in summary["metrics"]} == {
        (SORT, "latency"),
        (JOIN, "latency"),
    }

    report = Client(live_server.url, live_server.token).report(summary["report"])
    assert (report.branch, report.testbed, report.git_hash) == ("main", "ci", "0123abcd" * 5)
    assert all(m.measure == "latency" and m.value > 0 for m in report.metrics)
    assert report.start_time <= report.end_time
    by_name = {f.file_name: f for f in report.flamegraphs}
    assert set(by_name) == {"a.svg", "b.svg"}
    assert by_name["a.svg"].benchmark is None
    assert by_name["b.svg"].benchmark == JOIN
    for name, flamegraph in by_name.items():
        assert flamegraph.file_size == (workdir / name).stat().st_size
        signed = httpx.get(flamegraph.url)
        assert signed.status_code == 200
        assert signed.content == (workdir / name).read_bytes()
    assert len(live_server.stored_files()) == 2


def test_human_summary_and_live_output(
    live_server: LiveServer, env: dict[str, str], workdir: Path
) -> None:
    result = driftwatch(
        "run", "-p", "demo", "-b", "main", "--flamegraph", "a.svg", "--flamegraph", "b.svg",
        *bmf_command(), env=env, cwd=workdir,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("warming up\n"), "the command's stdout is passed through"
    stderr = result.stderr
    (report,) = Client(live_server.url, live_server.token).reports("demo")
    assert f"report {report.id}" in stderr
    assert "demo / main on testbed localhost" in stderr
    assert "render     2.5 ms" in stderr and "400 ops/s" in stderr
    assert "parse      1.5 µs ± 100 ns" in stderr
    for flamegraph in report.flamegraphs:
        assert f"flamegraph {flamegraph.file_name} (" in stderr and flamegraph.id in stderr
    assert f"view: {live_server.url}/workspaces/demo" in stderr
    assert "uploading" not in stderr, "no progress bar when stderr is not a terminal"
    assert report.git_hash is None, "outside a git checkout the hash is silently left out"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_hyperfine_in_shell_form(
    live_server: LiveServer, env: dict[str, str], workdir: Path
) -> None:
    # One argument with shell syntax runs through /bin/sh, like `bencher run "..."`.
    command = (
        "hyperfine --runs 3 --warmup 1 --export-json h.json 'sleep 0.01' 'sleep 0.02' | tail -n 3"
    )
    result = driftwatch(
        "run", "-p", "demo", "-b", "main", "--file", "h.json", "--format", "json",
        "--flamegraph-for", "sleep 0.02", "a.svg", command, env=env, cwd=workdir,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    summary = json_output(result.stdout)
    latency = {m["benchmark"]: m["value"] for m in summary["metrics"] if m["measure"] == "latency"}
    assert set(latency) == {"sleep 0.01", "sleep 0.02"}
    assert latency["sleep 0.01"] > 5e6 and latency["sleep 0.02"] > 15e6  # in nanoseconds
    (flamegraph,) = Client(live_server.url, live_server.token).report(summary["report"]).flamegraphs
    assert flamegraph.benchmark == "sleep 0.02"


def test_dry_run_sends_nothing(live_server: LiveServer, env: dict[str, str], workdir: Path) -> None:
    before = counts(live_server.engine)
    # A closed port: a dry run must not even try to connect.
    offline = {**env, "DRIFTWATCH_URL": f"http://127.0.0.1:{free_port()}"}
    result = driftwatch(
        "run", "-p", "demo", "-b", "main", "--file", "results.json", "--format", "json",
        "--flamegraph", "a.svg", "--flamegraph-for", SORT, "b.svg", "--dry-run",
        "--", *benchmark_command_pytest(), env=offline, cwd=workdir,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    plan = json_output(result.stdout)
    assert plan["dry_run"] is True
    assert set(plan["report"]["results"]) == {SORT, JOIN}
    assert plan["report"]["results"][SORT]["latency"]["value"] > 0
    assert plan["flamegraphs"] == [
        {"file": "a.svg", "size": (workdir / "a.svg").stat().st_size, "benchmark": None},
        {"file": "b.svg", "size": (workdir / "b.svg").stat().st_size, "benchmark": SORT},
    ]
    assert "nothing was sent" in result.stderr
    assert counts(live_server.engine) == before
    assert live_server.stored_files() == []


BAD_FLAMEGRAPHS = {
    # kind: (file contents or None for "absent" / "a directory", part of the reason)
    "missing": (None, "no such file"),
    "directory": (None, "directory"),
    "empty": (b"", "empty"),
    "png": (svg_fixtures.PNG_BYTES, "PNG"),
    "html": (svg_fixtures.HTML_BYTES, "HTML"),
    "truncated": ("truncated", "truncated"),
    "billion_laughs": (svg_fixtures.billion_laughs(), "entit"),
    "external_entity": (svg_fixtures.external_entity("file:///etc/passwd"), "entit"),
    "huge": ("huge", "14.0 MiB"),
    "gzip": ("gzip", "gzip"),
}


def write_bad(kind: str, workdir: Path) -> str:
    """Write the bad flamegraph of ``kind`` next to the good ones; returns its file name."""
    good = (workdir / "b.svg").read_bytes()
    name = f"{kind}.svg"
    content, _ = BAD_FLAMEGRAPHS[kind]
    if kind == "directory":
        (workdir / name).mkdir()
    elif content == "truncated":
        (workdir / name).write_bytes(svg_fixtures.truncated(good))
    elif content == "huge":
        head, end, tail = good.rpartition(b"</svg>")
        padding = b"<!--" + b" " * (14 * 1024 * 1024 - len(good) - 8) + b"-->\n"
        (workdir / name).write_bytes(head + padding + end + tail)
    elif content == "gzip":
        (workdir / name).write_bytes(svg_fixtures.gzipped(good))
    elif isinstance(content, bytes):
        (workdir / name).write_bytes(content)
    return name


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("kind", ["missing", "directory", "png", "billion_laughs", "huge"])
def test_bad_flamegraph_through_the_executable(
    live_server: LiveServer, env: dict[str, str], workdir: Path, kind: str
) -> None:
    name = write_bad(kind, workdir)
    before = counts(live_server.engine)
    result = driftwatch(
        "run", "-p", "demo", "-b", "main", "--flamegraph", "a.svg", "--flamegraph", name,
        *bmf_command(), env=env, cwd=workdir,
    )  # fmt: skip
    assert result.returncode == 1
    (line,) = error_lines(result.stderr)
    assert line.startswith(f"driftwatch: error: {name}: ")
    assert BAD_FLAMEGRAPHS[kind][1].lower() in line.lower()
    assert "Traceback" not in result.stderr
    # An existing bad file stops everything before the command runs; a missing one may be a
    # profile the command writes, so it is looked at again afterwards, still before any send.
    assert (workdir / "command-ran").exists() == (kind == "missing")
    assert counts(live_server.engine) == before
    assert live_server.stored_files() == []


@pytest.mark.parametrize("kind", list(BAD_FLAMEGRAPHS))
def test_bad_flamegraph_in_process(
    kind: str, workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every kind, quickly: the same `main()` the executable runs, with no server at all."""
    name = write_bad(kind, workdir)
    monkeypatch.chdir(workdir)
    monkeypatch.setenv("DRIFTWATCH_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("DRIFTWATCH_TOKEN", "dw_unused")
    code = main(
        ["run", "-p", "demo", "-b", "main", "--flamegraph", name, "--dry-run", *bmf_command()]
    )
    assert code == 1
    err = capsys.readouterr().err
    (line,) = error_lines(err)
    assert line.startswith(f"driftwatch: error: {name}: ")
    assert BAD_FLAMEGRAPHS[kind][1].lower() in line.lower()


def test_a_flamegraph_the_command_writes_is_checked_after_it_ran(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(workdir)
    writer = (
        "import pathlib; pathlib.Path('late.svg').write_bytes(pathlib.Path('a.svg').read_bytes());"
        'print(\'{"b": {"latency": {"value": 1.0}}}\')'
    )
    args = ["run", "-p", "demo", "-b", "main", "--flamegraph", "late.svg", "--dry-run", "--"]
    assert main([*args, sys.executable, "-c", writer]) == 0
    captured = capsys.readouterr()
    assert "late.svg does not exist yet; expecting the benchmark command to write it" in (
        captured.err
    )
    assert '"file": "late.svg"' in captured.out


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_server_token_and_project_problems_stop_before_the_command_runs(
    live_server: LiveServer, env: dict[str, str], workdir: Path
) -> None:
    cases = [
        (
            {"DRIFTWATCH_URL": f"http://127.0.0.1:{free_port()}"},
            "demo",
            "cannot reach the driftwatch server at http://127.0.0.1:",
        ),
        ({"DRIFTWATCH_TOKEN": "dw_wrong"}, "demo", "token"),
        ({"DRIFTWATCH_TOKEN": live_server.other_token}, "demo", "no project 'demo'"),
        ({}, "nope", "create it with `driftwatch projects create nope` or pass --create-project"),
    ]
    for overrides, project, fragment in cases:
        result = driftwatch(
            "run", "-p", project, "-b", "main", *bmf_command(),
            env={**env, **overrides}, cwd=workdir,
        )  # fmt: skip
        assert result.returncode == 1, result.stderr
        (line,) = error_lines(result.stderr)
        assert fragment in line
        assert "Traceback" not in result.stderr
        assert not (workdir / "command-ran").exists(), "no benchmark time is wasted"
    assert counts(live_server.engine)["reports"] == 0


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_failing_or_unparseable_commands_post_nothing(
    live_server: LiveServer, env: dict[str, str], workdir: Path
) -> None:
    run = ["run", "-p", "demo", "-b", "main", "--flamegraph", "a.svg"]
    failing = driftwatch(
        *run, "--", sys.executable, "-c", "raise SystemExit(7)", env=env, cwd=workdir
    )
    assert failing.returncode == 7
    assert "exited with 7; no report was posted" in failing.stderr

    garbage = driftwatch(
        *run, "--", sys.executable, "-c", "print('all good!')", env=env, cwd=workdir
    )
    assert garbage.returncode == 1
    (line,) = error_lines(garbage.stderr)
    assert "results from stdout: no benchmark results recognised" in line

    wrong_adapter = driftwatch(*run, "--adapter", "go_bench", *bmf_command(), env=env, cwd=workdir)
    assert wrong_adapter.returncode == 1
    (line,) = error_lines(wrong_adapter.stderr)
    assert line.startswith("driftwatch: error: results from stdout:")

    no_file = driftwatch(*run, "--file", "nowhere.json", *bmf_command(), env=env, cwd=workdir)
    assert no_file.returncode == 1
    assert error_lines(no_file.stderr) == [
        "driftwatch: error: nowhere.json: the results file does not exist (did the command write it?)"
    ]

    not_found = driftwatch(*run, "--", "no-such-benchmark-tool", "--fast", env=env, cwd=workdir)
    assert not_found.returncode == 127
    assert error_lines(not_found.stderr) == [
        "driftwatch: error: benchmark command not found: no-such-benchmark-tool"
    ]

    for result in (failing, garbage, wrong_adapter, no_file, not_found):
        assert "Traceback" not in result.stderr
    assert counts(live_server.engine)["reports"] == 0
    assert live_server.stored_files() == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_results_from_a_file_without_a_command_and_create_project(
    live_server: LiveServer, env: dict[str, str], workdir: Path
) -> None:
    (workdir / "bmf.json").write_text('{"parse": {"latency": {"value": 42.0}}}')
    result = driftwatch(
        "run", "-p", "fresh", "--create-project", "-b", "nightly", "--file", "bmf.json",
        "--format", "json", env=env, cwd=workdir,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = Client(live_server.url, live_server.token).report(json_output(result.stdout)["report"])
    assert (report.project, report.branch) == ("fresh", "nightly")
    assert [(m.benchmark, m.value) for m in report.metrics] == [("parse", 42.0)]


def test_usage_errors(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DRIFTWATCH_PROJECT", raising=False)
    assert main(["run", "-b", "main", "--", "true"]) == 2
    assert "no project: pass -p PROJECT" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "-p", "demo", "-b", "main", "--adapter", "nope", "--", "true"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'nope'" in capsys.readouterr().err


def test_help_reads_like_a_good_cli(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    top = capsys.readouterr().out
    assert "DRIFTWATCH_URL" in top and "DRIFTWATCH_TOKEN" in top and "examples:" in top
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    run_help = capsys.readouterr().out
    assert "usage: driftwatch run -p PROJECT -b BRANCH [options] [--] COMMAND" in run_help
    for fragment in (
        "--flamegraph-for BENCH FILE",
        "--dry-run",
        "DRIFTWATCH_PROJECT",
        "exit codes:",
    ):
        assert fragment in run_help


def test_results_piped_on_stdin_and_a_killed_command(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    piped = driftwatch(
        "run", "-p", "demo", "-b", "main", "--dry-run", "--format", "json",
        env=clean_env(), cwd=workdir, input='{"parse": {"latency": {"value": 7.0}}}',
    )  # fmt: skip
    assert piped.returncode == 0, piped.stderr
    assert json_output(piped.stdout)["report"]["results"]["parse"]["latency"]["value"] == 7.0

    monkeypatch.chdir(workdir)
    suicide = "import os, signal; os.kill(os.getpid(), signal.SIGTERM)"
    args = ["run", "-p", "demo", "-b", "main", "--dry-run", "--", sys.executable, "-c", suicide]
    assert main(args) == 128 + 15, "a command killed by a signal exits the way a shell says"
    assert "exited with 143; no report was posted" in capsys.readouterr().err


def test_names_the_server_would_refuse_stop_the_run_before_the_command(tmp_path: Path) -> None:
    """One rule (``driftwatch_nb.core.limits``): nothing runs, nothing is sent."""
    marker = tmp_path / "ran"
    command = ["--", sys.executable, "-c", f"open({str(marker)!r}, 'w')"]
    bare = clean_env(DRIFTWATCH_URL="http://127.0.0.1:9", DRIFTWATCH_TOKEN="dw_x")
    for options, field in (
        (["-p", "Not A Slug", "-b", "main"], "project 'Not A Slug' is not valid"),
        (["-p", "demo", "-b", "x" * 201], "branch is longer than 200 characters"),
        (["-p", "demo", "-b", "main", "--testbed", "  "], "testbed must not be empty"),
        (
            ["-p", "demo", "-b", "main", "--flamegraph-for", "", "a.svg"],
            "benchmark must not be empty",
        ),
    ):
        result = driftwatch("run", *options, *command, env=bare, cwd=tmp_path)
        assert result.returncode == 1, result.stderr
        (line,) = error_lines(result.stderr)
        assert field in line
        assert not marker.exists()


def test_a_measure_the_server_would_refuse_is_refused_before_posting(
    live_server: LiveServer, env: dict[str, str], workdir: Path
) -> None:
    (workdir / "bad.json").write_text('{"parse": {"Latency": {"value": 5.0}}}')
    result = driftwatch(
        "run", "-p", "demo", "-b", "main", "--file", "bad.json", "--", sys.executable, "-c", "",
        env=env, cwd=workdir,
    )  # fmt: skip
    assert result.returncode == 1
    (line,) = error_lines(result.stderr)
    assert "measure 'Latency' must be a lowercase slug" in line
    assert Client(live_server.url, live_server.token).reports("demo").total_count == 0


def test_the_summary_formats_latency_like_every_other_surface(
    live_server: LiveServer, env: dict[str, str], workdir: Path
) -> None:
    (workdir / "r.json").write_text('{"parse": {"latency": {"value": 999.96}}}')
    result = driftwatch(
        "run", "-p", "demo", "-b", "main", "--file", "r.json", "--", sys.executable, "-c", "",
        env=env, cwd=workdir,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    (row,) = [line for line in result.stderr.splitlines() if line.startswith("parse ")]
    assert row.split() == ["parse", "1", "µs"]  # as the dashboard and %%driftwatch print it


# --- raw samples ---------------------------------------------------------------------------------


def test_pytest_benchmark_rounds_are_posted_as_samples_and_counted_in_the_summary(
    live_server: LiveServer, env: dict[str, str], workdir: Path
) -> None:
    result = driftwatch(
        "run", "-p", "demo", "-b", "main", "--file", "results.json", "--format", "json",
        "--", *benchmark_command_pytest(), env=env, cwd=workdir,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    exported = json.loads((workdir / "results.json").read_text())
    rounds = {b["fullname"]: b["stats"]["data"] for b in exported["benchmarks"]}
    summary = json_output(result.stdout)
    # The summary counts the samples; the arrays stay out of it.
    assert {m["benchmark"]: m["sample_count"] for m in summary["metrics"]} == {
        name: len(data) for name, data in rounds.items()
    }
    assert all("samples" not in m for m in summary["metrics"])

    client = Client(live_server.url, live_server.token)
    report = client.report(summary["report"], samples=True)
    for metric in report.metrics:
        assert metric.samples == pytest.approx([t * 1e9 for t in rounds[metric.benchmark]])
    listed = driftwatch("reports", "-p", "demo", "--format", "json", env=env, cwd=workdir)
    assert listed.returncode == 0, listed.stderr
    [shown] = json.loads(listed.stdout)
    assert all("samples" not in m for m in shown["metrics"])


def test_dry_run_shows_a_sample_count_per_metric(workdir: Path) -> None:
    bmf = '{"parse": {"latency": {"value": 2.0, "samples": [1.0, 2.0, 3.0]}}, "x": {"n": {"value": 1}}}'
    result = driftwatch(
        "run", "-p", "demo", "-b", "main", "--dry-run", "--format", "json",
        env=clean_env(), cwd=workdir, input=bmf,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    plan = json_output(result.stdout)["report"]["results"]
    assert plan == {
        "parse": {
            "latency": {"value": 2.0, "lower_value": None, "upper_value": None, "sample_count": 3}
        },
        "x": {"n": {"value": 1.0, "lower_value": None, "upper_value": None, "sample_count": 0}},
    }


@pytest.mark.parametrize(
    ("samples", "reason"),
    [
        ("[1.0, NaN]", "samples[1] must be a finite number, got nan"),
        ("[Infinity, 1.0]", "samples[0] must be a finite number, got inf"),
        ("[1.0, -2.0]", "samples[1] is negative (-2.0)"),
        (
            "[" + ", ".join(["1.5"] * 10**6) + "]",
            "samples has 1,000,000 values; at most 10,000 are kept per metric",
        ),
    ],
    ids=["nan", "inf", "negative", "a-million"],
)
def test_bad_samples_are_refused_and_nothing_is_sent(
    live_server: LiveServer, env: dict[str, str], workdir: Path, samples: str, reason: str
) -> None:
    before = counts(live_server.engine)
    (workdir / "bad.json").write_text(
        '{"fine": {"latency": {"value": 1.0}}, '
        '"parse": {"latency": {"value": 5.0, "samples": ' + samples + "}}}"
    )
    result = driftwatch(
        "run", "-p", "demo", "-b", "main", "--file", "bad.json", "--flamegraph", "a.svg",
        "--", sys.executable, "-c", "", env=env, cwd=workdir,
    )  # fmt: skip
    assert result.returncode == 1
    (line,) = error_lines(result.stderr)
    assert line.startswith(
        "driftwatch: error: results from bad.json: benchmark 'parse' measure 'latency': "
    )
    assert reason in line
    assert counts(live_server.engine) == before
    assert Client(live_server.url, live_server.token).reports("demo").total_count == 0
    assert live_server.stored_files() == []


def test_a_harness_over_the_sample_limit_posts_without_samples_and_says_so(
    live_server: LiveServer, env: dict[str, str], workdir: Path
) -> None:
    lines = "".join(f"BenchmarkFast-8  1000  {1 + i % 7} ns/op\n" for i in range(10_001))
    (workdir / "go.txt").write_text("goos: linux\n" + lines + "PASS\n")
    result = driftwatch(
        "run", "-p", "demo", "-b", "main", "--file", "go.txt", "--format", "json",
        "--", sys.executable, "-c", "", env=env, cwd=workdir,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (
        "driftwatch: warning: results from go.txt: benchmark 'BenchmarkFast-8' measure "
        "'latency': 10,001 samples, more than the 10,000 a metric keeps; posting its value and "
        "bounds without samples"
    ) in result.stderr
    [metric] = json_output(result.stdout)["metrics"]
    assert metric["sample_count"] == 0 and metric["value"] > 0
    [posted] = (
        Client(live_server.url, live_server.token)
        .report(json_output(result.stdout)["report"], samples=True)
        .metrics
    )
    assert posted.samples is None
