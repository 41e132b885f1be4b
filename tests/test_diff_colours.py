"""The differential colour rule on the Python side: ``profiles.diff_colour`` and the SVG of
``render_diff`` agree with the vectors the JS tests check too
(``driftwatch_nb/js/test/diff_colours.json``), so the canvas and the SVG colour alike."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from driftwatch_nb.core.flamegraph import parse_folded
from driftwatch_nb.core.profiles import (
    DIFF_NEUTRAL,
    diff_colour,
    diff_folded_texts,
    merge_profiles,
    render_diff,
    self_share_deltas,
)

VECTORS = json.loads(
    (Path(__file__).parents[1] / "driftwatch_nb/js/test/diff_colours.json").read_text()
)
_FRAME = re.compile(r'<g[^>]*>\s*<title>([^<]*)</title>\s*<rect\b[^>]*?fill="([^"]*)"')


@pytest.mark.parametrize("case", VECTORS["colour"], ids=lambda c: f"{c['delta']}/{c['maxAbs']}")
def test_diff_colour_matches_the_shared_vectors(case: dict) -> None:
    assert diff_colour(case["delta"], case["maxAbs"]) == case["colour"]


def _fills(svg: bytes) -> dict[str, str]:
    fills = {}
    for title, fill in _FRAME.findall(svg.decode()):
        name = html.unescape(title).split(" (", 1)[0]
        if name != "all":
            fills[name] = fill
    return fills


@pytest.mark.parametrize("shape", ["head", "base"])
def test_render_diff_colours_frames_by_change_in_self_share(shape: str) -> None:
    base = parse_folded(VECTORS["base"])
    head = parse_folded(VECTORS["head"])
    assert _fills(render_diff(base, head, shape=shape)) == VECTORS["frames"][shape]


def test_a_caller_whose_callee_grew_is_neutral_not_red() -> None:
    # x's inclusive share grew from 1/8 to 4/16; its self share stayed 1/8: flamegraph.pl
    # gives the delta to the leaf (y) only.
    deltas = self_share_deltas(parse_folded(VECTORS["base"]), parse_folded(VECTORS["head"]))
    assert deltas["a;x"] == 0
    assert deltas["a;x;y"] == pytest.approx(2 / 16)
    fills = _fills(render_diff(parse_folded(VECTORS["base"]), parse_folded(VECTORS["head"])))
    assert fills["x"] == DIFF_NEUTRAL


def test_diff_folded_texts_give_back_counts_or_parts_per_million() -> None:
    base = {"a;b": 0.25, "a;c": 0.75}
    head = {"a;b": 0.5, "a;d": 0.5}
    b, h, omitted = diff_folded_texts(base, head, base_samples=8, head_samples=4, max_bytes=1_000)
    assert (parse_folded(b), parse_folded(h), omitted) == (
        {"a;b": 2, "a;c": 6},
        {"a;b": 2, "a;d": 2},
        0,
    )
    merged = merge_profiles([{"a;b": 1, "a;c": 3}, {"a;b": 1, "a;c": 1}])
    b, _, _ = diff_folded_texts(merged, head, base_samples=None, head_samples=None, max_bytes=1_000)
    assert parse_folded(b) == {"a;b": 375_000, "a;c": 625_000}


def test_diff_folded_texts_drop_the_lightest_stacks_from_both_sides_beyond_the_bound() -> None:
    base = {f"main;f{i:03d}": 1000 - i for i in range(200)}
    head = {**base, "main;f199": 5000}  # the lightest base stack is the heaviest head one
    b, h, omitted = diff_folded_texts(
        base, head, base_samples=None, head_samples=None, max_bytes=2_000
    )
    assert len(b.encode()) + len(h.encode()) <= 2_000
    assert omitted > 0
    kept_b, kept_h = parse_folded(b), parse_folded(h)
    assert set(kept_b) == set(kept_h)  # the same stacks on both sides
    assert "main;f199" in kept_h and len(kept_b) + omitted == 200
    assert "main;f198" not in kept_b  # among the lightest on both sides
