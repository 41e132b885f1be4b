"""Tests of `driftwatch_nb.adapters` on real output of each benchmark tool.

pytest-benchmark and hyperfine are run here; the other tools' output comes from their
documentation (see tests/data/adapters/README.md for each file's source).
"""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import shutil
import statistics
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import driftwatch_nb.adapters as adapters
from driftwatch_nb.adapters import (
    ADAPTERS,
    AdapterError,
    AdapterWarning,
    MetricValue,
    Results,
    parse_results,
)
from driftwatch_nb.adapters._util import ResultsBuilder
from driftwatch_nb.core.limits import MAX_SAMPLES_PER_METRIC, MAX_SAMPLES_PER_REPORT

DATA = Path(__file__).parent / "data" / "adapters"

TRIED = "json, python_pytest, shell_hyperfine, cpp_google, go_bench, rust_criterion"
NOTHING_RECOGNISED = (
    f"no benchmark results recognised (tried {TRIED}); pass --adapter to choose the format "
    "or --file to read the results from a file"
)


def read(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def raises(text: str, message: str, *, adapter: str = "auto", source: str = "stdout") -> None:
    with pytest.raises(AdapterError) as caught:
        parse_results(text, adapter=adapter, source=source)
    assert str(caught.value) == message


def first_json_object(text: str, marker: str) -> dict[str, object]:
    """Decode the JSON object that starts at the last `marker` in mixed output."""
    document, _ = json.JSONDecoder().raw_decode(text, text.rindex(marker))
    return document


# --- public API ------------------------------------------------------------------------------


def test_public_names() -> None:
    assert adapters.__all__ == [
        "ADAPTERS",
        "ALLOCS_PER_OP",
        "BYTES_PER_OP",
        "BYTES_PER_SECOND",
        "LATENCY",
        "THROUGHPUT",
        "AdapterError",
        "AdapterWarning",
        "MetricValue",
        "Results",
        "parse_results",
    ]
    assert list(ADAPTERS) == [
        "json",
        "python_pytest",
        "shell_hyperfine",
        "cpp_google",
        "go_bench",
        "rust_criterion",
    ]


def test_metric_value_is_frozen_with_optional_bounds() -> None:
    metric = MetricValue(1.0)
    assert (metric.lower_value, metric.upper_value, metric.samples) == (None, None, None)
    assert "samples" not in repr(MetricValue(1.0, samples=(1.0,) * 1000))
    with pytest.raises(dataclasses.FrozenInstanceError):
        metric.value = 2.0  # type: ignore[misc]


def test_adapter_error_is_a_value_error_that_survives_pickling() -> None:
    error = AdapterError("out.json", "not hyperfine JSON: missing key 'results'")
    assert isinstance(error, ValueError)
    assert (error.source, error.reason) == ("out.json", "not hyperfine JSON: missing key 'results'")
    copy = pickle.loads(pickle.dumps(error))
    assert str(copy) == "results from out.json: not hyperfine JSON: missing key 'results'"


# --- pytest-benchmark, run for real ------------------------------------------------------------

TINY_BENCHMARKS = """
import pytest


def test_sum(benchmark):
    benchmark(sum, range(100))


@pytest.mark.parametrize("n", [10, 20])
def test_join(benchmark, n):
    benchmark(",".join, ["x"] * n)
"""
TINY_NAMES = [
    "test_tiny.py::test_sum",
    "test_tiny.py::test_join[10]",
    "test_tiny.py::test_join[20]",
]


def run_pytest_benchmark(directory: Path, json_target: str, *extra: str) -> str:
    directory.mkdir(exist_ok=True)
    (directory / "pytest.ini").write_text("[pytest]\n")
    (directory / "test_tiny.py").write_text(TINY_BENCHMARKS)
    # A parent run under xdist leaves PYTEST_XDIST_WORKER set, which makes pytest-benchmark
    # skip benchmarking; PYTEST_ADDOPTS could add options of the parent's plugins.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    # Other installed plugins (nbval pulls in jsonschema) cost seconds at start-up.
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "pytest_benchmark.plugin",
        "-p",
        "no:cacheprovider",
        "-q",
        f"--benchmark-json={json_target}",
        "--benchmark-min-rounds=2",
        "--benchmark-max-time=0.000001",
        "--benchmark-warmup=off",
        *extra,
        "test_tiny.py",
    ]
    done = subprocess.run(
        command, cwd=directory, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Wrote benchmark data" in done.stdout + done.stderr, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def pytest_benchmark_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    directory = tmp_path_factory.mktemp("pytest_benchmark")
    run_pytest_benchmark(directory, str(directory / "out.json"))
    return (directory / "out.json").read_text()


@pytest.fixture(scope="module")
def pytest_benchmark_stdout(tmp_path_factory: pytest.TempPathFactory) -> str:
    # The JSON goes into the same pipe as pytest's own report: real mixed output.
    return run_pytest_benchmark(tmp_path_factory.mktemp("pytest_stdout"), "/dev/stdout")


def assert_pytest_results(results: Results, document: dict[str, object]) -> None:
    entries = document["benchmarks"]
    assert isinstance(entries, list)
    assert [e["fullname"] for e in entries] == list(results)
    assert sorted(results) == sorted(TINY_NAMES)
    for entry in entries:
        stats = entry["stats"]
        mean, stddev = stats["mean"], stats["stddev"]
        metrics = results[entry["fullname"]]
        assert list(metrics) == ["latency"]
        latency = metrics["latency"]
        assert latency.value > 0
        assert latency.value == pytest.approx(mean * 1e9, rel=1e-12)
        assert latency.lower_value == pytest.approx(max(mean - stddev, 0) * 1e9, rel=1e-12)
        assert latency.upper_value == pytest.approx((mean + stddev) * 1e9, rel=1e-12)
        # stats.data: seconds per iteration of each round -> nanoseconds, one per round.
        assert latency.samples is not None
        assert len(latency.samples) == stats["rounds"] == len(stats["data"]) >= 2
        assert latency.samples == pytest.approx([t * 1e9 for t in stats["data"]], rel=1e-12)
        assert statistics.fmean(latency.samples) == pytest.approx(latency.value, rel=1e-9)


def test_python_pytest_reads_real_benchmark_json(pytest_benchmark_file: str) -> None:
    results = ADAPTERS["python_pytest"](pytest_benchmark_file)
    assert_pytest_results(results, json.loads(pytest_benchmark_file))
    assert parse_results(pytest_benchmark_file) == results


def test_python_pytest_json_mixed_into_pytest_report(pytest_benchmark_stdout: str) -> None:
    text = pytest_benchmark_stdout
    assert "3 passed" in text
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)
    expected = first_json_object(text, '{\n    "machine_info"')
    for adapter in ("auto", "python_pytest"):
        assert_pytest_results(parse_results(text, adapter=adapter), expected)


def test_python_pytest_json_has_rounds_without_save_data_but_saved_runs_need_it(
    tmp_path: Path,
) -> None:
    # Which flag makes `data` appear: --benchmark-json always writes it; the storage files of
    # --benchmark-save have it only with --benchmark-save-data.
    for name, extra in (("plain", ()), ("with_data", ("--benchmark-save-data",))):
        directory = tmp_path / name
        storage = directory / "storage"
        run_pytest_benchmark(
            directory,
            str(directory / "out.json"),
            f"--benchmark-save={name}",
            f"--benchmark-storage=file://{storage}",
            *extra,
        )
        exported = (directory / "out.json").read_text()
        assert all("data" in e["stats"] for e in json.loads(exported)["benchmarks"])
        assert all(m["latency"].samples for m in parse_results(exported).values())
        [saved] = storage.rglob(f"*_{name}.json")
        saved_document = json.loads(saved.read_text())
        saved_results = parse_results(saved.read_text())
        assert sorted(saved_results) == sorted(TINY_NAMES)
        if extra:
            assert all("data" in e["stats"] for e in saved_document["benchmarks"])
            assert all(m["latency"].samples for m in saved_results.values())
        else:
            assert not any("data" in e["stats"] for e in saved_document["benchmarks"])
            assert all(m["latency"].samples is None for m in saved_results.values())


def test_python_pytest_real_run_over_the_sample_limit_keeps_its_values(tmp_path: Path) -> None:
    # Fast functions run many rounds; here a real run is made to run one more than a metric
    # keeps. The run is not refused: value and bounds stay, the samples go, a warning says so.
    out = tmp_path / "out.json"
    run_pytest_benchmark(tmp_path, str(out), f"--benchmark-min-rounds={MAX_SAMPLES_PER_METRIC + 1}")
    document = json.loads(out.read_text())
    assert all(e["stats"]["rounds"] > MAX_SAMPLES_PER_METRIC for e in document["benchmarks"])
    with pytest.warns(AdapterWarning, match="more than the 10,000 a metric keeps") as caught:
        results = parse_results(out.read_text())
    assert len(caught) == len(TINY_NAMES)
    for entry in document["benchmarks"]:
        latency = results[entry["fullname"]]["latency"]
        assert latency.value == pytest.approx(entry["stats"]["mean"] * 1e9, rel=1e-12)
        assert latency.samples is None


def test_python_pytest_more_rounds_than_a_metric_keeps_drop_the_samples_only() -> None:
    rounds = [1e-06] * (MAX_SAMPLES_PER_METRIC + 1)
    document = {
        "machine_info": {},
        "benchmarks": [
            {"fullname": "t.py::fast", "stats": {"mean": 1e-06, "stddev": 0.0, "data": rounds}}
        ],
    }
    with pytest.warns(AdapterWarning) as caught:
        results = parse_results(json.dumps(document))
    assert results == {"t.py::fast": {"latency": MetricValue(1000.0, 1000.0, 1000.0)}}
    assert str(caught[0].message) == (
        "results from stdout: benchmark 't.py::fast' measure 'latency': 10,001 samples, more "
        "than the 10,000 a metric keeps; posting its value and bounds without samples"
    )


def test_python_pytest_converts_seconds_to_nanoseconds_exactly() -> None:
    # 1.4e-06 * 1e9 is 1400.0000000000002 in floating point.
    document = {
        "machine_info": {},
        "benchmarks": [
            {"fullname": "t.py::fast", "stats": {"mean": 1.4e-06, "stddev": 1e-07}},
            {"fullname": "t.py::noisy", "stats": {"mean": 1e-06, "stddev": 3e-06}},
        ],
    }
    assert parse_results(json.dumps(document), adapter="python_pytest") == {
        "t.py::fast": {"latency": MetricValue(1400.0, 1300.0, 1500.0)},
        # mean - stddev would be below zero: the lower bound stops at zero.
        "t.py::noisy": {"latency": MetricValue(1000.0, 0.0, 4000.0)},
    }


# --- hyperfine, run for real ------------------------------------------------------------------


def hyperfine() -> str:
    path = shutil.which("hyperfine")
    if path is None:
        pytest.fail(
            "hyperfine is not installed; install the Debian package: apt-get install -y hyperfine"
        )
    return path


def run_hyperfine(*args: str) -> str:
    done = subprocess.run(
        [hyperfine(), "-N", "--style", "basic", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def assert_hyperfine_results(results: Results, document: dict[str, object]) -> None:
    entries = document["results"]
    assert isinstance(entries, list)
    assert [e["command"] for e in entries] == list(results)
    for entry in entries:
        mean, stddev = entry["mean"], entry["stddev"]
        latency = results[entry["command"]]["latency"]
        assert list(results[entry["command"]]) == ["latency"]
        assert latency.value == pytest.approx(mean * 1e9, rel=1e-12)
        assert latency.lower_value == pytest.approx(max(mean - stddev, 0) * 1e9, rel=1e-12)
        assert latency.upper_value == pytest.approx((mean + stddev) * 1e9, rel=1e-12)
        # times: seconds, one per run -> nanoseconds.
        assert latency.samples == pytest.approx([t * 1e9 for t in entry["times"]], rel=1e-12)
        assert len(latency.samples) == len(entry["times"])


def test_shell_hyperfine_reads_real_export_json(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    run_hyperfine("--runs", "3", "--export-json", str(out), "true", "echo hi")
    text = out.read_text()
    results = ADAPTERS["shell_hyperfine"](text)
    assert list(results) == ["true", "echo hi"]
    assert_hyperfine_results(results, json.loads(text))
    assert parse_results(text) == results


def test_shell_hyperfine_single_run_has_no_bounds(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    run_hyperfine("--runs", "1", "--export-json", str(out), "true")
    document = json.loads(out.read_text())
    assert document["results"][0]["stddev"] is None
    latency = parse_results(out.read_text())["true"]["latency"]
    assert latency.value == pytest.approx(document["results"][0]["mean"] * 1e9, rel=1e-12)
    assert (latency.lower_value, latency.upper_value) == (None, None)
    assert latency.samples == pytest.approx([document["results"][0]["times"][0] * 1e9])


def test_shell_hyperfine_samples_are_every_run(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    run_hyperfine("--runs", "5", "--export-json", str(out), "true")
    document = json.loads(out.read_text())
    latency = parse_results(out.read_text(), adapter="shell_hyperfine")["true"]["latency"]
    assert latency.samples is not None and len(latency.samples) == 5
    assert latency.samples == pytest.approx([t * 1e9 for t in document["results"][0]["times"]])


def test_shell_hyperfine_export_to_stdout_reads_the_last_snapshot() -> None:
    # hyperfine rewrites its export after each command, so stdout holds growing snapshots
    # between its human-readable report lines.
    text = run_hyperfine("--runs", "2", "--export-json", "/dev/stdout", "true", "echo hi")
    assert "Benchmark 1: true" in text
    assert text.count('"results"') == 2
    expected = first_json_object(text, '{\n  "results"')
    for adapter in ("auto", "shell_hyperfine"):
        results = parse_results(text, adapter=adapter)
        assert list(results) == ["true", "echo hi"]
        assert_hyperfine_results(results, expected)


# --- Google Benchmark (documented output) ----------------------------------------------------


def test_cpp_google_repetitions_use_mean_and_stddev_aggregates() -> None:
    results = ADAPTERS["cpp_google"](read("google_benchmark_json_format.json"))
    assert list(results) == ["BM_StringCopy/64/repeats:3", "BM_Serialize"]
    copy = results["BM_StringCopy/64/repeats:3"]
    assert list(copy) == ["latency", "throughput", "bytes_per_second"]
    mean, stddev = 5.6101407170781896e01, 1.1345678901234568e-01
    assert copy["latency"].value == mean
    assert copy["latency"].lower_value == pytest.approx(mean - stddev, rel=1e-15)
    assert copy["latency"].upper_value == pytest.approx(mean + stddev, rel=1e-15)
    assert copy["throughput"] == MetricValue(
        17920320.0, 17886708.0, 17953932.0, samples=(17890680.0, 17951750.0, 17918530.0)
    )
    assert copy["bytes_per_second"].value == 1.1467016966666666e09
    assert copy["bytes_per_second"].lower_value == pytest.approx(1.1467016966666666e09 - 1.95678e06)
    assert results["BM_Serialize"] == {"latency": MetricValue(7.8912345678901236e02)}


def test_cpp_google_repetitions_give_each_repetition_as_a_sample() -> None:
    document = json.loads(read("google_benchmark_json_format.json"))
    rows = [
        b
        for b in document["benchmarks"]
        if b["run_name"] == "BM_StringCopy/64/repeats:3" and b["run_type"] == "iteration"
    ]
    assert len(rows) == 3
    for keep_aggregates in (True, False):
        if not keep_aggregates:
            document["benchmarks"] = [
                b for b in document["benchmarks"] if b["run_type"] == "iteration"
            ]
        copy = parse_results(json.dumps(document))["BM_StringCopy/64/repeats:3"]
        assert copy["latency"].samples == tuple(r["real_time"] for r in rows)
        assert copy["throughput"].samples == tuple(r["items_per_second"] for r in rows)
        assert copy["bytes_per_second"].samples == tuple(r["bytes_per_second"] for r in rows)
        # One run is a single value, no samples.
        assert parse_results(json.dumps(document))["BM_Serialize"]["latency"].samples is None


def test_cpp_google_aggregates_only_output_has_no_samples() -> None:
    document = json.loads(read("google_benchmark_json_format.json"))
    document["benchmarks"] = [b for b in document["benchmarks"] if b["run_type"] == "aggregate"]
    copy = parse_results(json.dumps(document))["BM_StringCopy/64/repeats:3"]
    assert copy["latency"].value == 5.6101407170781896e01
    assert all(metric.samples is None for metric in copy.values())


def test_cpp_google_repetitions_without_aggregates_use_mean_and_stdev() -> None:
    document = json.loads(read("google_benchmark_json_format.json"))
    document["benchmarks"] = [b for b in document["benchmarks"] if b["run_type"] == "iteration"]
    latency = parse_results(json.dumps(document))["BM_StringCopy/64/repeats:3"]["latency"]
    times = [5.6214141412345678e01, 5.5987623400000003e01, 5.6102456700000001e01]
    mean, stdev = statistics.mean(times), statistics.stdev(times)
    assert latency.value == pytest.approx(mean, rel=1e-15)
    assert latency.lower_value == pytest.approx(mean - stdev, rel=1e-12)
    assert latency.upper_value == pytest.approx(mean + stdev, rel=1e-12)


@pytest.mark.parametrize(
    ("time_unit", "nanoseconds"),
    [
        ("ns", "789.12345678901236"),
        ("us", "789123.45678901236"),
        ("ms", "789123456.78901236"),
        ("s", "789123456789.01236"),
    ],
)
def test_cpp_google_time_unit_is_converted_exactly(time_unit: str, nanoseconds: str) -> None:
    # Edit the text: a round trip through Python floats would drop the file's extra digits.
    text = read("google_benchmark_json_format.json")
    serialize = '"time_unit": "ns",\n      "label"'
    assert text.count(serialize) == 1
    text = text.replace(serialize, serialize.replace("ns", time_unit))
    results = parse_results(text, adapter="cpp_google")
    assert results["BM_Serialize"]["latency"] == MetricValue(float(nanoseconds))


def test_cpp_google_old_output_without_time_unit_is_nanoseconds() -> None:
    results = ADAPTERS["cpp_google"](read("google_benchmark_user_guide.json"))
    assert results == {
        "BM_SetInsert/1024/1": {
            "latency": MetricValue(29275.0),
            "throughput": MetricValue(33516.0),
            "bytes_per_second": MetricValue(134066.0),
        },
        "BM_SetInsert/1024/8": {
            "latency": MetricValue(32317.0),
            "throughput": MetricValue(246693.0),
            "bytes_per_second": MetricValue(986770.0),
        },
        "BM_SetInsert/1024/10": {
            "latency": MetricValue(32724.0),
            "throughput": MetricValue(299807.0),
            "bytes_per_second": MetricValue(1199226.0),
        },
    }


def test_cpp_google_skips_benchmarks_that_reported_an_error() -> None:
    document = json.loads(read("google_benchmark_user_guide.json"))
    document["benchmarks"].append(
        {"name": "BM_Broken", "error_occurred": True, "error_message": "setup failed"}
    )
    assert "BM_Broken" not in parse_results(json.dumps(document))
    document["benchmarks"] = document["benchmarks"][-1:]
    raises(
        json.dumps(document), "results from stdout: the cpp_google results contain no benchmarks"
    )


# --- go test -bench (documented output) ------------------------------------------------------


def test_go_bench_reads_benchmem_and_mb_per_second_columns() -> None:
    results = ADAPTERS["go_bench"](read("go_bench_flate_benchmem.txt"))
    assert len(results) == 27
    assert results["BenchmarkDecodeDigitsSpeed1e4-8"] == {
        "latency": MetricValue(154125.0),
        "bytes_per_second": MetricValue(64880000.0),
        "bytes_per_op": MetricValue(40418.0),
        "allocs_per_op": MetricValue(7.0),
    }
    assert results["BenchmarkEncodeDigitsDefault1e5-8"] == {
        "latency": MetricValue(13000839.0),
        "bytes_per_second": MetricValue(7690000.0),
    }


def test_go_bench_repeated_runs_give_mean_and_stdev() -> None:
    text = read("go_bench_count.txt")
    results = ADAPTERS["go_bench"](text)
    assert list(results) == ["BenchmarkEncode/format=json-48", "BenchmarkEncode/format=gob-48"]
    times = [1423, 1416, 1411, 1413, 1412, 1426, 1422, 1424, 1447, 1425]
    stdev = statistics.stdev(times)
    latency = results["BenchmarkEncode/format=json-48"]["latency"]
    assert latency.value == 1421.9
    assert latency.lower_value == pytest.approx(1421.9 - stdev, rel=1e-12)
    assert latency.upper_value == pytest.approx(1421.9 + stdev, rel=1e-12)
    assert latency.samples == tuple(float(t) for t in times)
    gob = results["BenchmarkEncode/format=gob-48"]["latency"]
    assert gob.value == 3087.5
    assert gob.samples == (
        3075.0,
        3065.0,
        3059.0,
        3065.0,
        3060.0,
        3081.0,
        3186.0,
        3135.0,
        3087.0,
        3062.0,
    )


def test_go_bench_one_line_per_benchmark_gives_no_samples() -> None:
    results = ADAPTERS["go_bench"](read("go_bench_flate_benchmem.txt"))
    assert all(m.samples is None for measures in results.values() for m in measures.values())


def test_go_bench_ignores_verbose_names_and_other_lines() -> None:
    text = (
        "goos: linux\n"
        "BenchmarkFib/10\n"
        "BenchmarkFib/10-8   \t 5000000\t       325 ns/op\t  custom 12 widgets/op\n"
        "BenchmarkFib/20-8   \t   30000\t 40537.123 ns/op\t       3 widgets/op\n"
        "PASS\nok  \texample.com/fib\t2.345s\n"
    )
    assert parse_results(text) == {
        "BenchmarkFib/20-8": {"latency": MetricValue(40537.123)},
    }


# --- Criterion.rs (documented output) --------------------------------------------------------


def test_rust_criterion_text_has_no_samples() -> None:
    for fixture in (
        "criterion_getting_started.txt",
        "criterion_command_line_output.txt",
        "criterion_throughput_elements.txt",
    ):
        results = parse_results(read(fixture), adapter="rust_criterion")
        assert all(m.samples is None for measures in results.values() for m in measures.values())


def test_rust_criterion_reads_time_lines() -> None:
    assert ADAPTERS["rust_criterion"](read("criterion_getting_started.txt")) == {
        "fib 20": {"latency": MetricValue(26251.0, 26029.0, 26505.0)},
    }


def test_rust_criterion_reads_byte_throughput() -> None:
    assert ADAPTERS["rust_criterion"](read("criterion_command_line_output.txt")) == {
        "alloc": {
            "latency": MetricValue(2530600.0, 2509400.0, 2555300.0),
            # MiB is 1024 * 1024 bytes: 395.17 * 1048576 = 414365777.92
            "bytes_per_second": MetricValue(414365777.92, 410349731.84, 417868021.76),
        },
    }


def test_rust_criterion_reads_names_on_their_own_line_and_element_throughput() -> None:
    assert ADAPTERS["rust_criterion"](read("criterion_throughput_elements.txt")) == {
        "execution/naive/select_1_column/10": {
            "latency": MetricValue(7715.2, 7699.8, 7729.4),
            "throughput": MetricValue(1296100.0, 1293800.0, 1298700.0),
        },
        "execution/naive/select_1_column/100": {
            "latency": MetricValue(30946.0, 30910.0, 30991.0),
            "throughput": MetricValue(3231400.0, 3226800.0, 3235200.0),
        },
    }


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "benchmark               time:   [442.92 ps 453.66 ps 464.78 ps]",
            MetricValue(0.45366, 0.44292, 0.46478),
        ),
        (
            "alloc                   time:   [1.2421 ms 1.2540 ms 1.2667 ms]",
            MetricValue(1254000.0, 1242100.0, 1266700.0),
        ),
        (
            "b  time:   [16.652 \u00b5s 18.019 \u00b5s 19.562 \u00b5s]",
            MetricValue(18019.0, 16652.0, 19562.0),
        ),
        (
            "b  time:   [16.652 \u03bcs 18.019 \u03bcs 19.562 \u03bcs]",
            MetricValue(18019.0, 16652.0, 19562.0),
        ),
        (
            "b  time:   [1.0012 s 1.0023 s 1.0034 s]",
            MetricValue(1002300000.0, 1001200000.0, 1003400000.0),
        ),
        ("b  time:   [222.0 ps 5,280.0 ps 6,333.3 ps]", MetricValue(5.28, 0.222, 6.3333)),
    ],
)
def test_rust_criterion_time_units(line: str, expected: MetricValue) -> None:
    (metric,) = parse_results(line, adapter="rust_criterion").values()
    assert metric == {"latency": expected}


def test_rust_criterion_strips_terminal_colours_and_progress() -> None:
    text = (
        "\rBenchmarking fib 20: Analyzing\r\x1b[32mfib 20\x1b[0m                  "
        "time:   [\x1b[1m26.029 us\x1b[0m 26.251 us 26.505 us]\n"
    )
    assert parse_results(text) == {"fib 20": {"latency": MetricValue(26251.0, 26029.0, 26505.0)}}


# --- Bencher Metric Format -------------------------------------------------------------------


def test_json_reads_the_bencher_metric_format_reference_example() -> None:
    assert ADAPTERS["json"](read("bmf_reference.json")) == {
        "benchmark_name": {
            "latency": MetricValue(88.0, 87.42, 88.88),
            "throughput": MetricValue(5.55, 3.14, 6.30),
        },
        "/bin/sh -c ./my_build_script.sh": {"build-time": MetricValue(87.0)},
        "my_binary": {"file-size": MetricValue(42.0)},
    }


def test_json_samples_extension_is_read_as_given() -> None:
    text = json.dumps(
        {
            "parse": {"latency": {"value": 2.0, "samples": [1.0, 2.0, 3.0]}},
            "build": {"size-delta": {"value": 0.0, "samples": [-1.5, 1.5]}},  # any sign off-list
            "none": {"latency": {"value": 1.0, "samples": None}},
            "empty": {"latency": {"value": 1.0, "samples": []}},
        }
    )
    assert parse_results(text) == {
        "parse": {"latency": MetricValue(2.0, samples=(1.0, 2.0, 3.0))},
        "build": {"size-delta": MetricValue(0.0, samples=(-1.5, 1.5))},
        "none": {"latency": MetricValue(1.0)},
        "empty": {"latency": MetricValue(1.0)},
    }


@pytest.mark.parametrize(
    ("samples", "reason"),
    [
        (
            "[1.0, NaN]",
            "benchmark 'a' measure 'latency': samples[1] must be a finite number, got nan",
        ),
        (
            "[Infinity]",
            "benchmark 'a' measure 'latency': samples[0] must be a finite number, got inf",
        ),
        ("[1.0, 2.0, -3.0]", "benchmark 'a' measure 'latency': samples[2] is negative (-3.0)"),
        (
            '[1, "2"]',
            "not Bencher Metric Format JSON: samples[1] in benchmark 'a' measure 'latency' must be a number, got string",
        ),
        (
            "5",
            "not Bencher Metric Format JSON: key 'samples' in benchmark 'a' measure 'latency' must be an array, got number",
        ),
        (
            "[" + ", ".join(["1"] * (MAX_SAMPLES_PER_METRIC + 1)) + "]",
            "benchmark 'a' measure 'latency': samples has 10,001 values; at most 10,000 are kept per metric (send a summary, or fewer rounds)",
        ),
    ],
    ids=["nan", "inf", "negative", "string", "not-an-array", "over-the-limit"],
)
def test_json_bad_samples_are_refused(samples: str, reason: str) -> None:
    text = '{"a": {"latency": {"value": 1.0, "samples": ' + samples + "}}}"
    for adapter in ("auto", "json"):
        raises(text, f"results from stdout: {reason}", adapter=adapter)


def test_json_samples_over_the_report_limit_are_refused() -> None:
    per_metric = [1.0] * MAX_SAMPLES_PER_METRIC
    count = MAX_SAMPLES_PER_REPORT // MAX_SAMPLES_PER_METRIC + 1
    text = json.dumps(
        {f"b{i}": {"latency": {"value": 1.0, "samples": per_metric}} for i in range(count)}
    )
    raises(
        text,
        "results from stdout: the results carry 510,000 samples in all, more than the 500,000 a "
        "report keeps",
    )


def test_harness_samples_over_the_report_limit_are_dropped_with_a_warning() -> None:
    text = "".join(f"BenchmarkB{i}-8  1000  {n} ns/op\n" for i in range(2) for n in range(1, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert parse_results(text)["BenchmarkB0-8"]["latency"].samples == (1.0, 2.0, 3.0)
    # The rule every harness adapter applies, through the builder they share.
    builder = ResultsBuilder(adapter="go_bench", source="stdout", samples_over_limit="drop")
    per_metric = tuple(float(n) for n in range(1, MAX_SAMPLES_PER_METRIC + 1))
    count = MAX_SAMPLES_PER_REPORT // MAX_SAMPLES_PER_METRIC + 1
    for index in range(count):
        builder.add(f"b{index}", "latency", MetricValue(5000.5, samples=per_metric))
    with pytest.warns(AdapterWarning, match="510,000 samples in all"):
        results = builder.build()
    assert results == {f"b{i}": {"latency": MetricValue(5000.5)} for i in range(count)}


# --- auto detection and mixed output ---------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "adapter"),
    [
        ("bmf_reference.json", "json"),
        ("google_benchmark_json_format.json", "cpp_google"),
        ("google_benchmark_user_guide.json", "cpp_google"),
        ("go_bench_flate_benchmem.txt", "go_bench"),
        ("go_bench_count.txt", "go_bench"),
        ("criterion_getting_started.txt", "rust_criterion"),
        ("criterion_command_line_output.txt", "rust_criterion"),
        ("criterion_throughput_elements.txt", "rust_criterion"),
    ],
)
def test_auto_detects_each_format(fixture: str, adapter: str) -> None:
    text = read(fixture)
    expected = ADAPTERS[adapter](text)
    assert parse_results(text) == expected
    assert parse_results(text, adapter=adapter) == expected


@pytest.mark.parametrize(
    ("fixture", "adapter", "message"),
    [
        (
            "google_benchmark_json_format.json",
            "shell_hyperfine",
            "not hyperfine JSON: missing key 'results'",
        ),
        (
            "bmf_reference.json",
            "python_pytest",
            "not pytest-benchmark JSON: missing key 'benchmarks'",
        ),
        ("go_bench_count.txt", "cpp_google", "not Google Benchmark JSON: no JSON object found"),
        (
            "criterion_getting_started.txt",
            "go_bench",
            "not go test -bench output: no result lines like 'BenchmarkName-8  1000  123 ns/op' found",
        ),
        (
            "go_bench_count.txt",
            "rust_criterion",
            "not Criterion output: no lines like 'name  time: [1.1 ns 1.2 ns 1.3 ns]' found",
        ),
    ],
)
def test_an_adapter_refuses_another_tools_output(fixture: str, adapter: str, message: str) -> None:
    raises(read(fixture), f"results from {fixture}: {message}", adapter=adapter, source=fixture)


def test_json_between_log_lines_is_found() -> None:
    google = read("google_benchmark_json_format.json")
    text = (
        'building...\n{"level": "info", "msg": "starting"}\nrunning benchmarks\n'
        f"{google}\ndone in 1.2 s\n"
    )
    expected = ADAPTERS["cpp_google"](google)
    assert parse_results(text) == expected
    assert parse_results(text, adapter="cpp_google") == expected


def test_the_same_json_printed_twice_is_not_ambiguous() -> None:
    bmf = read("bmf_reference.json")
    assert parse_results(f"{bmf}\nagain:\n{bmf}") == ADAPTERS["json"](bmf)


def test_two_different_json_documents_are_ambiguous() -> None:
    one = '{"a": {"latency": {"value": 1.0}}}'
    two = '{"b": {"latency": {"value": 2.0}}}'
    message = (
        "results from stdout: found 2 different JSON documents with benchmark results; "
        "pass --file to read the one you mean"
    )
    raises(f"first\n{one}\nsecond\n{two}\n", message)
    raises(f"first\n{one}\nsecond\n{two}\n", message, adapter="json")


def test_go_and_criterion_lines_together_are_ambiguous() -> None:
    text = read("go_bench_count.txt") + read("criterion_getting_started.txt")
    raises(
        text,
        "results from stdout: found both go_bench and rust_criterion results; "
        "pass --adapter to choose",
    )
    assert list(parse_results(text, adapter="rust_criterion")) == ["fib 20"]


# --- errors ----------------------------------------------------------------------------------


def test_unknown_adapter_lists_the_valid_ones() -> None:
    raises(
        "BenchmarkX-8 1 1 ns/op",
        "results from stdout: unknown adapter 'pytest'; choose one of auto, cpp_google, "
        "go_bench, json, python_pytest, rust_criterion, shell_hyperfine",
        adapter="pytest",
    )


@pytest.mark.parametrize("text", ["", "  \n\t\n", "\ufeff"])
def test_empty_output_is_refused(text: str) -> None:
    raises(text, "results from stdout: nothing to parse, the output is empty")


@pytest.mark.parametrize(
    "text",
    ["hello\nworld\n", '{"a": 1}', "[1, 2, 3]", '{"a": {"latency": {"valu": 1}}}', "{}"],
)
def test_nothing_recognised_names_what_was_tried(text: str) -> None:
    raises(text, f"results from bench.log: {NOTHING_RECOGNISED}", source="bench.log")


@pytest.mark.parametrize(
    ("text", "adapter", "reason"),
    [
        (
            '{"a": {"latency": {"value": NaN}}}',
            "auto",
            "benchmark 'a' measure 'latency' has value nan, which is not a finite number",
        ),
        (
            '{"a": {"latency": {"value": 5, "upper_value": Infinity}}}',
            "json",
            "benchmark 'a' measure 'latency' has upper_value inf, which is not a finite number",
        ),
        (
            '{"a": {"latency": {"value": 5, "lower_value": -1}}}',
            "json",
            "benchmark 'a' measure 'latency' has lower_value -1.0, which is negative",
        ),
        (
            '{"a": {"latency": {"value": -Infinity}}}',
            "json",
            "benchmark 'a' measure 'latency' has value -inf, which is not a finite number",
        ),
        (
            "BenchmarkX-8  100  NaN ns/op\n",
            "auto",
            "benchmark 'BenchmarkX-8' measure 'latency' has value nan, which is not a finite number",
        ),
        (
            '{"results": [{"command": "sleep 1", "mean": -0.5, "stddev": null}]}',
            "auto",
            "benchmark 'sleep 1' measure 'latency' has value -500000000.0, which is negative",
        ),
        (
            '{"context": {}, "benchmarks": [{"name": "BM_x", "real_time": NaN, "time_unit": "ns"}]}',
            "auto",
            "benchmark 'BM_x' measure 'latency' has value nan, which is not a finite number",
        ),
    ],
)
def test_non_finite_and_negative_numbers_are_refused(text: str, adapter: str, reason: str) -> None:
    raises(text, f"results from stdout: {reason}", adapter=adapter)


@pytest.mark.parametrize(
    ("text", "adapter", "reason"),
    [
        (
            '{"machine_info": {}}',
            "python_pytest",
            "not pytest-benchmark JSON: missing key 'benchmarks'",
        ),
        (
            '{"machine_info": {}, "benchmarks": {}}',
            "python_pytest",
            "not pytest-benchmark JSON: key 'benchmarks' must be an array, got object",
        ),
        (
            '{"machine_info": {}, "benchmarks": [{"fullname": "t.py::x"}]}',
            "auto",
            "not pytest-benchmark JSON: benchmark 't.py::x' is missing key 'stats'",
        ),
        (
            '{"machine_info": {}, "benchmarks": [{"fullname": "t.py::x", "stats": {"mean": "1"}}]}',
            "auto",
            "not pytest-benchmark JSON: key 'mean' in the 'stats' object of benchmark 't.py::x' must be a number, got string",
        ),
        (
            '{"machine_info": {}, "benchmarks": [{"stats": {}}]}',
            "auto",
            "not pytest-benchmark JSON: benchmark 0 is missing key 'name'",
        ),
        (
            '{"machine_info": {}, "benchmarks": []}',
            "auto",
            "the python_pytest results contain no benchmarks",
        ),
        ('{"result": []}', "shell_hyperfine", "not hyperfine JSON: missing key 'results'"),
        (
            '{"results": [{"command": "true"}]}',
            "auto",
            "not hyperfine JSON: command 'true' is missing key 'mean'",
        ),
        (
            '{"results": [{"command": "true", "mean": 1, "stddev": null}, {"command": "true", "mean": 2, "stddev": null}]}',
            "auto",
            "benchmark 'true' measure 'latency' appears more than once",
        ),
        (
            '{"context": {}, "benchmarks": [{"name": "BM_x", "real_time": 1, "time_unit": "fs"}]}',
            "auto",
            "not Google Benchmark JSON: benchmark 'BM_x' has unknown time_unit 'fs'",
        ),
        (
            '{"context": {}, "benchmarks": [{"name": "BM_x", "time_unit": "ns"}]}',
            "auto",
            "not Google Benchmark JSON: benchmark 'BM_x' is missing key 'real_time'",
        ),
        (
            '{"context": {}, "benchmarks": []}',
            "auto",
            "the cpp_google results contain no benchmarks",
        ),
        (
            "[1, 2]",
            "json",
            "not Bencher Metric Format JSON: expected an object mapping benchmark names to measures, got array",
        ),
        (
            '{"a": 3}',
            "json",
            "not Bencher Metric Format JSON: benchmark 'a' must be an object, got number",
        ),
        ('{"a": {}}', "json", "not Bencher Metric Format JSON: benchmark 'a' has no measures"),
        (
            '{"a": {"Latency": {"value": 1}}}',
            "json",
            "benchmark 'a': measure 'Latency' must be a lowercase slug such as 'latency' or 'throughput' (a-z, 0-9, '_' and '-', at most 64 characters)",
        ),
        # Names the server refuses are refused here too (one rule: driftwatch_nb.core.limits).
        (
            '{"a": {"_private": {"value": 1}}}',
            "json",
            "benchmark 'a': measure '_private' must be a lowercase slug such as 'latency' or 'throughput' (a-z, 0-9, '_' and '-', at most 64 characters)",
        ),
        (
            '{"a": {"%s": {"value": 1}}}' % ("m" * 65),
            "json",
            "benchmark 'a': measure '%s' must be a lowercase slug such as 'latency' or 'throughput' (a-z, 0-9, '_' and '-', at most 64 characters)"
            % ("m" * 65),
        ),
        (
            '{"%s": {"latency": {"value": 1}}}' % ("b" * 501),
            "json",
            "benchmark is longer than 500 characters",
        ),
        (
            '{"a": {"latency": {"value": 1, "upper_value": 0.5}}}',
            "json",
            "benchmark 'a' measure 'latency': upper_value is below value",
        ),
        (
            '{"a": {"latency": 3}}',
            "json",
            "not Bencher Metric Format JSON: benchmark 'a' measure 'latency' must be an object, got number",
        ),
        (
            '{"a": {"latency": {"lower_value": 0}}}',
            "json",
            "not Bencher Metric Format JSON: benchmark 'a' measure 'latency' is missing key 'value'",
        ),
        (
            '{"a": {"latency": {"value": 1, "lower": 0}}}',
            "json",
            "not Bencher Metric Format JSON: benchmark 'a' measure 'latency' has unknown key 'lower' (expected value, lower_value, upper_value, samples)",
        ),
        (
            '{"a": {"latency": {"value": true}}}',
            "json",
            "not Bencher Metric Format JSON: key 'value' in benchmark 'a' measure 'latency' must be a number, got boolean",
        ),
        ('{"": {"latency": {"value": 1}}}', "json", "benchmark must not be empty"),
        ("{}", "json", "the json results contain no benchmarks"),
        (
            '{"a": {"latency": {"value": 1',
            "json",
            "not Bencher Metric Format JSON: invalid JSON (Expecting ',' delimiter at line 1 column 30)",
        ),
        ("make: nothing to do", "json", "not Bencher Metric Format JSON: no JSON object found"),
        (
            'log {"a": 1}\nlog {"b": 2}\n',
            "python_pytest",
            "not pytest-benchmark JSON: none of the 2 JSON objects in the output has the expected shape",
        ),
        (
            "fib  time: [1.0 ns 2.0 ns 3.0 ns]\nfib  time: [1.0 ns 2.0 ns 3.0 ns]\n",
            "auto",
            "benchmark 'fib' measure 'latency' appears more than once",
        ),
    ],
)
def test_malformed_results_are_refused(text: str, adapter: str, reason: str) -> None:
    raises(text, f"results from stdout: {reason}", adapter=adapter)
