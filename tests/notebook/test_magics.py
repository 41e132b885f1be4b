"""The magics in a real IPython shell against a real server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

from driftwatch_nb import Client
from driftwatch_nb.core.flamegraph import flamegraph_frames, render_flamegraph
from driftwatch_nb.magics import DriftwatchMagics, RunResult
from tests.support.server import LiveServer

BUSY_CELL = """
total = 0
for i in range(scale):
    total += i * i
"""


@pytest.fixture(scope="module")
def shell() -> InteractiveShell:
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "driftwatch_nb")
    return shell


@pytest.fixture
def magics(
    shell: InteractiveShell, live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> Iterator[DriftwatchMagics]:
    for name in ("DRIFTWATCH_PROJECT", "DRIFTWATCH_BRANCH", "DRIFTWATCH_URL", "DRIFTWATCH_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    instance = shell.magics_manager.registry["DriftwatchMagics"]
    instance.config_values.clear()
    instance.last_report_id = None
    instance._client = None
    shell.run_line_magic("driftwatch", f"config url={live_server.url} token={live_server.token}")
    Client(live_server.url, live_server.token).create_project("nb")
    shell.user_ns["scale"] = 2000
    yield instance


def count(live_server: LiveServer, table: str) -> int:
    with live_server.engine.connect() as connection:
        return connection.execute(sa.text(f"select count(*) from {table}")).scalar_one()


def test_help_documents_run_and_its_options(shell: InteractiveShell) -> None:
    doc = shell.find_cell_magic("driftwatch").__doc__
    for option in ("--profile", "--dry-run", "-n NUMBER", "-r REPEAT", "--name", "-o"):
        assert option in doc


def test_run_times_the_cell_and_posts_a_latency_report(
    shell: InteractiveShell, magics: DriftwatchMagics, live_server: LiveServer
) -> None:
    result = shell.run_cell_magic(
        "driftwatch", "run -p nb -b main --name squares -n 20 -r 3 -o", BUSY_CELL
    )
    assert isinstance(result, RunResult)
    assert result.timings.loops == 20 and len(result.timings.runs) == 3
    assert "total" not in shell.user_ns, (
        "like %timeit, the cell's assignments stay in the timing loop"
    )

    report = Client(live_server.url, live_server.token).report(result.report_id)
    assert (report.project, report.branch, report.testbed) == ("nb", "main", "notebook")
    [metric] = report.metrics
    assert (metric.benchmark, metric.measure) == ("squares", "latency")
    assert metric.value == pytest.approx(result.timings.mean * 1e9)
    assert metric.lower_value == pytest.approx(result.timings.best * 1e9)
    assert metric.upper_value == pytest.approx(result.timings.worst * 1e9)
    assert magics.last_report_id == result.report_id


def test_run_posts_the_per_loop_time_of_each_repeat_as_samples(
    shell: InteractiveShell, magics: DriftwatchMagics, live_server: LiveServer
) -> None:
    result = shell.run_cell_magic(
        "driftwatch", "run -p nb -b main --name squares -n 5 -r 4 -o", BUSY_CELL
    )
    assert result.samples == tuple(run * 1e9 for run in result.timings.runs)
    assert len(result.samples) == 4 and all(sample > 0 for sample in result.samples)

    client = Client(live_server.url, live_server.token)
    [metric] = client.report(result.report_id, samples=True).metrics
    assert metric.samples == result.samples
    assert (metric.lower_value, metric.upper_value) == (min(result.samples), max(result.samples))
    [posted] = client.reports("nb", samples=True).to_pandas(samples=True)["samples"]
    assert posted == list(result.samples)


def test_more_repeats_than_a_metric_keeps_samples_are_refused_before_timing(
    shell: InteractiveShell, magics: DriftwatchMagics, live_server: LiveServer
) -> None:
    with pytest.raises(UsageError, match="-r/--repeat must be at most 10,000"):
        shell.run_cell_magic("driftwatch", "run -p nb -b main -n 1 -r 10001", "pass")
    assert count(live_server, "reports") == 0


def test_calibration_picks_loops_like_timeit(
    shell: InteractiveShell, magics: DriftwatchMagics
) -> None:
    result = shell.run_cell_magic("driftwatch", "run --dry-run -r 2 -o", "x = 1 + 1")
    assert result.timings.loops >= 10_000, "a trivial statement needs many loops to fill 0.2 s"
    assert result.report_id is None and result.dry_run


def test_profile_attaches_a_flamegraph_linked_to_the_benchmark(
    shell: InteractiveShell, magics: DriftwatchMagics, live_server: LiveServer
) -> None:
    shell.user_ns["scale"] = 200_000
    result = shell.run_cell_magic(
        "driftwatch", "run -p nb -b main --name squares -n 1 -r 2 --profile -o", BUSY_CELL
    )
    assert result.flamegraph_id is not None
    report = Client(live_server.url, live_server.token).report(result.report_id)
    [flamegraph] = report.flamegraphs
    assert flamegraph.benchmark == "squares"
    frames = flamegraph_frames(
        Client(live_server.url, live_server.token).download_flamegraph(flamegraph.id)
    )
    assert frames, "the uploaded SVG is a real flamegraph with frames"


def test_dry_run_posts_nothing(
    shell: InteractiveShell, magics: DriftwatchMagics, live_server: LiveServer
) -> None:
    before = count(live_server, "reports")
    result = shell.run_cell_magic(
        "driftwatch", "run -p nb -b main --dry-run --profile -n 2 -r 2 -o", BUSY_CELL
    )
    assert result.flamegraph_svg is not None and result.report_id is None
    assert count(live_server, "reports") == before
    assert live_server.stored_files() == []


def test_an_exception_in_the_cell_surfaces_and_nothing_is_posted(
    shell: InteractiveShell, magics: DriftwatchMagics, live_server: LiveServer
) -> None:
    with pytest.raises(ZeroDivisionError):
        shell.run_cell_magic("driftwatch", "run -p nb -b main", "1 / 0")
    assert count(live_server, "reports") == 0


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("run -p nb -b main -n zero", "argument -n/--number: invalid int value"),
        ("run -p nb -b main --bogus", "unrecognized arguments: --bogus"),
        ("run -p nb -b main -r 0", "-r/--repeat must be at least 1"),
        ("walk", "unknown driftwatch command 'walk'"),
    ],
)
def test_argument_errors_are_usage_errors(
    shell: InteractiveShell, magics: DriftwatchMagics, line: str, message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        shell.run_cell_magic("driftwatch", line, "pass")


def test_run_cell_shows_usage_errors_without_a_traceback(
    shell: InteractiveShell, magics: DriftwatchMagics, capsys: pytest.CaptureFixture[str]
) -> None:
    result = shell.run_cell("%%driftwatch run --bogus\npass")
    assert isinstance(result.error_in_exec, UsageError)
    err = capsys.readouterr().err
    assert "unrecognized arguments" in err and "Traceback" not in err


def test_project_and_branch_default_from_config_and_environment(
    shell: InteractiveShell,
    magics: DriftwatchMagics,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.chdir(tmp_path)  # not a git checkout: no branch to guess
    with pytest.raises(UsageError, match="no project"):
        shell.run_cell_magic("driftwatch", "run -n 1 -r 1", "pass")
    shell.run_line_magic("driftwatch", "config project=nb")
    with pytest.raises(UsageError, match="no branch"):
        shell.run_cell_magic("driftwatch", "run -n 1 -r 1", "pass")
    monkeypatch.setenv("DRIFTWATCH_BRANCH", "feature")
    result = shell.run_cell_magic("driftwatch", "run -n 1 -r 1 -o", "pass")
    assert (result.project, result.branch) == ("nb", "feature")


def test_upload_attaches_files_to_the_last_report(
    shell: InteractiveShell, magics: DriftwatchMagics, live_server: LiveServer, tmp_path: Path
) -> None:
    with pytest.raises(UsageError, match="no report yet"):
        shell.run_line_magic("driftwatch_upload", "x.svg")
    result = shell.run_cell_magic(
        "driftwatch", "run -p nb -b main --name squares -n 1 -r 1 -o", BUSY_CELL
    )
    good = tmp_path / "cpu.svg"
    good.write_bytes(render_flamegraph({"main;work": 10, "main;idle": 5}))
    bad = tmp_path / "bad.svg"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n0000")

    with pytest.raises(UsageError, match="bad.svg"):
        shell.run_line_magic("driftwatch_upload", f"{good} {bad}")
    assert live_server.stored_files() == [], "nothing is sent when any file is bad"

    shell.run_line_magic("driftwatch_upload", f"{good} --benchmark squares")
    report = Client(live_server.url, live_server.token).report(result.report_id)
    assert [(f.file_name, f.benchmark) for f in report.flamegraphs] == [("cpu.svg", "squares")]


def test_the_cell_is_judged_against_its_history_on_the_baseline_branch(
    shell: InteractiveShell, magics: DriftwatchMagics
) -> None:
    shell.run_line_magic("driftwatch", "config project=nb branch=main")
    shell.user_ns["time"] = __import__("time")
    line = "run -o --name sleepy -n 1 -r 3"
    first = shell.run_cell_magic("driftwatch", line, "time.sleep(0.004)")
    assert first.verdict.kind == "inconclusive" and "main has 0 runs" in first.verdict.text
    for _ in range(7):
        shell.run_cell_magic("driftwatch", line, "time.sleep(0.004)")
    # Unchanged code: never "slower" (run-to-run noise is the yardstick, not the repeats).
    same = shell.run_cell_magic("driftwatch", line, "time.sleep(0.004)")
    assert same.verdict.kind in {"no change", "inconclusive"}, same.verdict.text
    assert len(same.verdict.baseline) == 8 and "→" in same.verdict.sparkline
    # From another branch, against a calm history on main (posted, so that the machine's
    # load cannot blur it): five times the work is slower.
    client = Client(magics.settings().url, magics.settings().token)
    for index in range(10):
        client.create_report(
            "nb",
            "main",
            {"steady": {"latency": {"value": 4e6 * (1 + 0.002 * (index % 3))}}},
            testbed="notebook",
        )
    shell.run_line_magic("driftwatch", "config branch=feature")
    steady = "run -o --name steady -n 1 -r 3 --baseline main"
    slow = shell.run_cell_magic("driftwatch", steady, "time.sleep(0.02)")
    assert slow.verdict.kind == "slower", slow.verdict.text
    assert "% slower than main (p < 0.001; main's last 10 runs: 4" in slow.verdict.text
    html = slow._repr_html_()
    assert html.index("verdict") < html.index("latency")  # said first, above the timings
    assert "slower than main" in repr(slow)


QUICKSTART_SETUP = """
import json
import random

rng = random.Random(42)
records = [{"id": i, "score": rng.random(), "name": f"item-{i}"} for i in range(5_000)]
"""
QUICKSTART_CELL = """ranked = sorted(records, key=lambda record: record["score"])
payload = json.dumps(ranked)
"""
"""The profiled cell of notebooks/01-quickstart.ipynb, verbatim."""


def test_the_quickstart_profile_is_worth_reading(
    shell: InteractiveShell, magics: DriftwatchMagics, live_server: LiveServer
) -> None:
    shell.run_cell(QUICKSTART_SETUP)
    result = shell.run_cell_magic(
        "driftwatch",
        "run -p nb -b main --name quickstart.sort_and_encode --profile -r 5 -o",
        QUICKSTART_CELL,
    )
    assert result.profile_runs >= 1 and result.profile_samples >= 500
    stacks = Client(live_server.url, live_server.token).flamegraph_stacks(result.flamegraph_id)
    assert sum(stacks.values()) == result.profile_samples >= 500
    frames = {frame for stack in stacks for frame in stack.split(";")}
    own = [f for f in frames if "magics.py" in f or "flamegraph.py" in f or "driftwatch" in f]
    assert own == [], own
    assert all(stack.startswith("<module> (cell:") for stack in stacks), list(stacks)
    # the cell's own line numbers: line 1 sorts, line 2 encodes
    assert any(s.startswith("<module> (cell:1);sorted (built-in)") for s in stacks), list(stacks)
    assert any(s.startswith("<module> (cell:2);dumps (json/") for s in stacks), list(stacks)


def test_profile_sample_target_is_configurable(
    shell: InteractiveShell, magics: DriftwatchMagics
) -> None:
    shell.user_ns["scale"] = 20_000
    result = shell.run_cell_magic(
        "driftwatch",
        "run --dry-run -n 1 -r 1 --profile --profile-samples 50 --profile-seconds 30 -o",
        BUSY_CELL,
    )
    assert 50 <= result.profile_samples < 1000
    assert result.profile_runs >= 1
    with pytest.raises(UsageError, match="--profile-samples"):
        shell.run_cell_magic("driftwatch", "run --dry-run --profile --profile-samples 0", "1")
