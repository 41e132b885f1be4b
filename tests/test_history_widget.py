"""The Python side of the HistoryViewer widget: traits, validation, from_history's GraphQL call
and shape, the browser's flamegraph-URL requests; and core.history's conversion."""

from __future__ import annotations

import re
from typing import Any

import pytest
import traitlets

from driftwatch_nb import HistoryViewer
from driftwatch_nb.core.graphql import operation
from driftwatch_nb.core.history import series_from_history, sparkline_points

# What the History operation answers (the HistoryFields fragment), for a 3-point series.
HISTORY = {
    "benchmark": {"name": "parse"},
    "measure": "latency",
    "branch": {"name": "main"},
    "testbed": {"name": "ci"},
    "direction": {"higherIsBetter": False, "known": True},
    "points": [
        {
            "report": {
                "id": f"r{i}",
                "gitHash": f"{i}" * 40,
                "startTime": f"2026-11-0{i + 1}T12:00:00+00:00",
                "flamegraphs": (
                    [{"id": f"f{i}", "fileName": "cpu.svg", "benchmark": {"name": "parse"}}]
                    if i != 1
                    else []
                ),
            },
            "value": value,
            "lowerValue": value * 0.9,
            "upperValue": None if i == 2 else value * 1.1,
        }
        for i, value in enumerate([100.0, 101.0, 150.0])
    ],
    "changePoints": [
        {
            "report": {"id": "r2"},
            "index": 2,
            "direction": "REGRESSION",
            "change": 0.49,
            "before": 100.5,
            "after": 150.0,
            "pValue": 0.001,
        }
    ],
}


def series(**extra: Any) -> dict[str, Any]:
    return {**series_from_history(HISTORY), **extra}


class FakeClient:
    """Records the GraphQL calls HistoryViewer.from_history makes."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def _execute(
        self, query: str, variables: dict[str, Any] | None = None, *, idempotent: bool = False
    ) -> dict[str, Any]:
        assert idempotent
        self.calls.append((query, dict(variables or {})))
        answer = {**HISTORY, "branch": {"name": (variables or {}).get("branch") or "main"}}
        answer["benchmark"] = {"name": (variables or {})["benchmark"]}
        return {"project": {"history": answer}}

    def flamegraph_stacks(self, flamegraph_id: str) -> dict[str, int]:
        return {f"main;{flamegraph_id}": 1}

    def flamegraph_url(self, flamegraph_id: str) -> str:
        return f"http://x/storage/{flamegraph_id}.svg?token=t"


def test_series_from_history_is_the_charts_shape() -> None:
    s = series_from_history(HISTORY)
    assert (s["benchmark"], s["measure"], s["branch"], s["testbed"]) == (
        "parse",
        "latency",
        "main",
        "ci",
    )
    assert s["higherIsBetter"] is False
    first = s["points"][0]
    assert first == {
        "reportId": "r0",
        "gitHash": "0" * 40,
        "startTime": "2026-11-01T12:00:00+00:00",
        "value": 100.0,
        "lower": 90.0,
        "upper": pytest.approx(110.0),
        "flamegraphs": [{"id": "f0", "fileName": "cpu.svg", "benchmark": "parse"}],
    }
    assert s["points"][2]["upper"] is None
    assert s["changePoints"] == [
        {
            "index": 2,
            "reportId": "r2",
            "direction": "REGRESSION",
            "change": 0.49,
            "before": 100.5,
            "after": 150.0,
            "pValue": 0.001,
        }
    ]
    assert series_from_history(HISTORY, label="mine")["label"] == "mine"


def test_static_module_and_traits() -> None:
    viewer = HistoryViewer(series=[series()])
    # The history bundle (built from driftwatch_nb/js/src like the flamegraph viewer's).
    assert re.search(r"^export \{[^}]*\bmountHistoryChart\b", viewer._esm, re.M)
    assert "function layoutChart(" in viewer._esm and "function mountViewer(" in viewer._esm
    assert viewer.height == 320 and viewer.selected == [] and viewer.status == ""
    assert len(viewer.series[0]["points"]) == 3
    assert repr(viewer) == "HistoryViewer(parse@main; 3 points)"
    assert repr(HistoryViewer()) == "HistoryViewer(no series; 0 points)"


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (5, "list"),
        ([1], r"series\[0\] must be a dict"),
        ([{"measure": "latency", "points": []}], r"series\[0\]\.benchmark"),
        ([{"benchmark": "p", "measure": "latency", "points": {}}], r"points must be a list"),
        ([{"benchmark": "p", "measure": "latency", "points": [{"value": 1}]}], "reportId"),
        (
            [
                {
                    "benchmark": "p",
                    "measure": "latency",
                    "points": [{"reportId": "r", "startTime": "t", "value": "1"}],
                }
            ],
            r"value must be a number",
        ),
        (
            [
                {
                    "benchmark": "p",
                    "measure": "latency",
                    "points": [{"reportId": "r", "startTime": "t", "value": 1, "lower": "x"}],
                }
            ],
            r"lower must be a number or None",
        ),
        (
            [
                {
                    "benchmark": "p",
                    "measure": "latency",
                    "points": [],
                    "changePoints": [{"index": 0}],
                }
            ],
            r"changePoints\[0\]\.index must be a position",
        ),
    ],
)
def test_series_are_validated(bad: Any, message: str) -> None:
    with pytest.raises(traitlets.TraitError, match=message):
        HistoryViewer(series=bad)
    viewer = HistoryViewer(series=[series()])
    with pytest.raises(traitlets.TraitError, match=message):
        viewer.series = bad
    assert len(viewer.series) == 1  # unchanged


def test_height_and_keywords_are_checked() -> None:
    with pytest.raises(traitlets.TraitError, match="at least 120"):
        HistoryViewer(height=50)
    with pytest.raises(TypeError, match="colour"):
        HistoryViewer(colour="red")
    with pytest.raises(TypeError, match="flamegraph_url must be a callable"):
        HistoryViewer(flamegraph_url="http://x")


def test_from_history_makes_one_series_per_benchmark_and_branch() -> None:
    client = FakeClient()
    viewer = HistoryViewer.from_history(
        "demo",
        ["parse", "render"],
        branch=["main", "feature"],
        last=50,
        client=client,  # type: ignore[arg-type]
    )
    assert [(s["benchmark"], s["branch"]) for s in viewer.series] == [
        ("parse", "main"),
        ("parse", "feature"),
        ("render", "main"),
        ("render", "feature"),
    ]
    query, variables = client.calls[0]
    assert query == operation("History")
    assert variables == {
        "slug": "demo",
        "benchmark": "parse",
        "measure": "latency",
        "branch": "main",
        "testbed": None,
        "last": 50,
    }
    one = HistoryViewer.from_history("demo", "parse", client=client)  # type: ignore[arg-type]
    assert len(one.series) == 1 and client.calls[-1][1]["branch"] is None
    with pytest.raises(ValueError, match="at least one benchmark"):
        HistoryViewer.from_history("demo", [], client=client)  # type: ignore[arg-type]


def test_the_browser_gets_signed_urls_for_the_flamegraphs_of_the_chart_only() -> None:
    sent: list[dict] = []
    viewer = HistoryViewer.from_history("demo", "parse", client=FakeClient())  # type: ignore[arg-type]
    viewer.send = sent.append  # type: ignore[method-assign]
    viewer._on_custom_msg(viewer, {"type": "flamegraph_urls", "ids": ["f0", "f2"]}, [])
    assert sent[-1] == {
        "type": "flamegraph_urls",
        "urls": {"f0": "http://x/storage/f0.svg?token=t", "f2": "http://x/storage/f2.svg?token=t"},
    }
    viewer._on_custom_msg(viewer, {"type": "flamegraph_urls", "ids": ["someone-elses"]}, [])
    assert sent[-1]["type"] == "error" and "someone-elses" in sent[-1]["message"]
    viewer._on_custom_msg(viewer, {"type": "flamegraph_urls", "ids": "f0"}, [])
    assert sent[-1]["type"] == "error"


def test_a_failing_url_source_is_reported_to_the_browser(caplog: pytest.LogCaptureFixture) -> None:
    sent: list[dict] = []

    def broken(_id: str) -> str:
        raise RuntimeError("server down")

    viewer = HistoryViewer(series=[series()], flamegraph_url=broken)
    viewer.send = sent.append  # type: ignore[method-assign]
    viewer._on_custom_msg(viewer, {"type": "flamegraph_urls", "ids": ["f0"]}, [])
    assert sent[-1]["type"] == "error" and "server down" in sent[-1]["message"]
    viewer._on_custom_msg(viewer, {"type": "nope"}, [])
    assert "ignored an unknown message" in caplog.text


def test_sparkline_points_fill_the_box() -> None:
    assert sparkline_points([]) == ""
    # A step fills the box.
    points = [
        tuple(map(float, p.split(",")))
        for p in sparkline_points([1, 2, 3], width=100, height=20).split()
    ]
    assert points == [(0.0, 18.0), (50.0, 10.0), (100.0, 2.0)]
    # Flat or 1 % noise stays near the middle instead of being stretched over the box.
    noisy = [
        float(p.split(",")[1]) for p in sparkline_points([100, 101, 99, 100], height=20).split()
    ]
    assert all(7 <= y <= 13 for y in noisy), noisy
    assert len(sparkline_points([5, 5]).split()) == 2


class FakeDiffClient(FakeClient):
    """FakeClient that also answers flamegraph_diff, recording its arguments."""

    def __init__(self) -> None:
        super().__init__()
        self.diffs: list[tuple[str, str, dict[str, Any]]] = []

    def flamegraph_diff(self, base_id: str, head_id: str, **options: Any) -> dict[str, Any]:
        self.diffs.append((base_id, head_id, options))
        return {
            "normalized": True,
            "summary": "slower: `tokenize` +60 % self time (50.0 % → 80.0 % of samples)",
            "functions": [
                {
                    "name": "tokenize",
                    "baseSelf": 0.5,
                    "headSelf": 0.8,
                    "deltaSelf": 0.3,
                    "baseTotal": 0.5,
                    "headTotal": 0.8,
                    "deltaTotal": 0.3,
                    "relativeSelf": 0.6,
                },
            ],  # fmt: skip
            "svg": f"<svg><title>{base_id} vs {head_id}</title></svg>",
            "baseFolded": f"main;tokenize 5\nmain;{base_id} 5\n",
            "headFolded": f"main;tokenize 8\nmain;{head_id} 2\n",
            "foldedOmitted": 0,
        }


def test_the_browser_gets_the_diff_of_two_flamegraphs_of_the_chart() -> None:
    sent: list[dict] = []
    client = FakeDiffClient()
    viewer = HistoryViewer.from_history("demo", "parse", client=client)  # type: ignore[arg-type]
    viewer.send = sent.append  # type: ignore[method-assign]
    assert viewer.diff is None
    viewer._on_custom_msg(viewer, {"type": "flamegraph_diff", "base": "f0", "head": "f2"}, [])
    assert client.diffs == [("f0", "f2", {"folded": True, "first": 10})]
    answer = sent[-1]
    assert answer["type"] == "flamegraph_diff"
    assert (answer["base"], answer["head"]) == ("f0", "f2")
    assert answer["summary"].startswith("slower: `tokenize`")
    assert answer["functions"] == [
        {
            "name": "tokenize",
            "baseSelf": 0.5,
            "headSelf": 0.8,
            "deltaSelf": 0.3,
            "relativeSelf": 0.6,
        }
    ]
    assert "svg" not in answer  # the SVG is only a download, asked for on its own
    # Both sides' stacks, for the canvas's diff mode.
    assert answer["baseFolded"] == "main;tokenize 5\nmain;f0 5\n"
    assert answer["headFolded"] == "main;tokenize 8\nmain;f2 2\n"
    assert answer["foldedOmitted"] == 0
    assert viewer.diff is not None and viewer.diff["base"] == "f0" and viewer.diff["head"] == "f2"

    # The download button: the differential SVG, from the server only now.
    viewer._on_custom_msg(viewer, {"type": "flamegraph_diff_svg", "base": "f0", "head": "f2"}, [])
    assert client.diffs[-1] == ("f0", "f2", {"svg": True, "first": 0})
    assert sent[-1] == {
        "type": "flamegraph_diff_svg",
        "base": "f0",
        "head": "f2",
        "svg": "<svg><title>f0 vs f2</title></svg>",
    }


def test_the_diff_svg_request_is_checked_and_its_failures_reported() -> None:
    sent: list[dict] = []
    asked: list[tuple[str, str]] = []

    def svg(base: str, head: str) -> str:
        asked.append((base, head))
        return "not markup" if head == "f2" else "<svg/>"

    viewer = HistoryViewer(series=[series()], flamegraph_diff_svg=svg)
    viewer.send = sent.append  # type: ignore[method-assign]
    viewer._on_custom_msg(viewer, {"type": "flamegraph_diff_svg", "base": "f0", "head": "x"}, [])
    assert asked == []
    assert sent[-1]["request"] == "flamegraph_diff_svg"
    assert "not a flamegraph of this chart: x" in sent[-1]["message"]
    viewer._on_custom_msg(viewer, {"type": "flamegraph_diff_svg", "base": "f0", "head": "f2"}, [])
    assert asked == [("f0", "f2")]
    assert sent[-1]["type"] == "error" and "not an SVG" in sent[-1]["message"]
    with pytest.raises(TypeError, match="flamegraph_diff_svg must be a callable"):
        HistoryViewer(series=[series()], flamegraph_diff_svg="nope")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ({"base": "f0", "head": "someone-elses"}, "not a flamegraph of this chart: someone-elses"),
        ({"base": "f0", "head": "f0"}, "the same flamegraph"),
        ({"base": "f0", "head": 3}, "must be flamegraph ids"),
        ({"base": "f0"}, "must be flamegraph ids"),
    ],
)
def test_a_diff_request_is_checked_before_the_server_is_asked(
    message: dict[str, Any], reason: str
) -> None:
    sent: list[dict] = []
    client = FakeDiffClient()
    viewer = HistoryViewer.from_history("demo", "parse", client=client)  # type: ignore[arg-type]
    viewer.send = sent.append  # type: ignore[method-assign]
    viewer._on_custom_msg(viewer, {"type": "flamegraph_diff", **message}, [])
    assert client.diffs == []
    assert sent[-1]["type"] == "error" and sent[-1]["request"] == "flamegraph_diff"
    assert reason in sent[-1]["message"]


def test_a_failing_or_unusable_diff_is_reported_to_the_browser() -> None:
    sent: list[dict] = []

    def broken(_base: str, _head: str) -> dict[str, Any]:
        raise RuntimeError("flamegraph f2 has no stacks")

    viewer = HistoryViewer(series=[series()], flamegraph_diff=broken)
    viewer.send = sent.append  # type: ignore[method-assign]
    viewer._on_custom_msg(viewer, {"type": "flamegraph_diff", "base": "f0", "head": "f2"}, [])
    assert sent[-1]["type"] == "error" and "has no stacks" in sent[-1]["message"]
    assert viewer.diff is None

    without_stacks = HistoryViewer(
        series=[series()],
        flamegraph_diff=lambda b, h: {"summary": "x", "functions": [], "svg": "<svg/>"},
    )
    without_stacks.send = sent.append  # type: ignore[method-assign]
    without_stacks._on_custom_msg(
        without_stacks, {"type": "flamegraph_diff", "base": "f0", "head": "f2"}, []
    )
    assert sent[-1]["type"] == "error" and "no folded stacks" in sent[-1]["message"]
    with pytest.raises(TypeError, match="flamegraph_diff must be a callable"):
        HistoryViewer(series=[series()], flamegraph_diff="nope")  # type: ignore[arg-type]


def test_the_browser_gets_the_stacks_of_the_opened_flamegraphs_to_draw() -> None:
    from driftwatch_nb.core.errors import InvalidInput

    def stacks(flamegraph_id: str) -> dict[str, int]:
        if flamegraph_id == "f2":
            raise InvalidInput("flamegraph f2 has no stacks: a picture", field="id")
        return {"main;tokenize": 3, "main": 1}

    sent: list[dict] = []
    viewer = HistoryViewer(series=[series()], flamegraph_stacks=stacks)
    viewer.send = sent.append  # type: ignore[method-assign]
    viewer._on_custom_msg(viewer, {"type": "flamegraph_stacks", "ids": ["f0", "f2"]}, [])
    assert sent[-1] == {
        "type": "flamegraph_stacks",
        "stacks": {"f0": "main 1\nmain;tokenize 3\n", "f2": None},
    }
    viewer._on_custom_msg(viewer, {"type": "flamegraph_stacks", "ids": ["someone-elses"]}, [])
    assert sent[-1]["type"] == "error" and sent[-1]["request"] == "flamegraph_stacks"
    with pytest.raises(TypeError, match="flamegraph_stacks must be a callable"):
        HistoryViewer(series=[series()], flamegraph_stacks="nope")  # type: ignore[arg-type]
