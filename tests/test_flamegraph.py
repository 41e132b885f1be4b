"""Flamegraphs: sampling in pure Python, rendering flamegraph.pl's layout, reading SVGs back."""

from __future__ import annotations

import re
import sys
import time

import pytest

from driftwatch_nb.core.flamegraph import (
    flamegraph_frames,
    folded_from_svg,
    parse_folded,
    render_flamegraph,
)
from driftwatch_nb.core.svg import validate_svg
from driftwatch_nb.flamegraph import NO_SAMPLES_LABEL, StackSampler
from tests.support.flamegraphs import make_large_flamegraph
from tests.support.svg import DOCTYPE, large_flamegraph, real_flamegraph, real_folded_text

__all__ = ["large_flamegraph", "real_flamegraph", "real_folded_text"]  # fixtures

LABEL = re.compile(r"^\S+ \(\S+\.py:\d+\)$")


def busy_leaf() -> int:
    return sum(i * i for i in range(2000))


def busy_caller() -> int:
    return busy_leaf()


# -- sampling ------------------------------------------------------------------------------------


def test_sampler_produces_py_spy_style_folded_stacks_root_first() -> None:
    deadline = time.perf_counter() + 20
    with StackSampler() as sampler:
        while sampler.sample_count < 20 and time.perf_counter() < deadline:
            busy_caller()
    assert sampler.sample_count >= 20
    folded = sampler.folded
    assert sum(folded.values()) == sampler.sample_count
    for stack in folded:
        labels = stack.split(";")
        assert labels[0].startswith("test_sampler_produces_py_spy_style_folded_stacks_root_first (")
        assert all(LABEL.match(label) for label in labels), stack
        assert not any("__exit__" in label or "__enter__" in label for label in labels)
    leaf_stacks = [s for s in folded if re.search(r"busy_leaf \((tests/)?test_flamegraph\.py:", s)]
    assert leaf_stacks
    assert all(s.index("busy_caller (") < s.index("busy_leaf (") for s in leaf_stacks)


def test_sampler_says_so_when_the_code_was_too_fast_to_sample() -> None:
    before = sys.getswitchinterval()
    with StackSampler(interval=10.0) as sampler:
        pass
    assert sys.getswitchinterval() == before
    assert sampler.sample_count == 0
    ((stack, count),) = sampler.folded.items()
    assert count == 1
    assert stack.endswith(";" + NO_SAMPLES_LABEL)
    assert stack.startswith("test_sampler_says_so_when_the_code_was_too_fast_to_sample (")
    assert validate_svg(render_flamegraph(sampler.folded)).is_flamegraph


def test_sampler_rejects_a_bad_interval_and_reentry() -> None:
    with pytest.raises(ValueError, match="interval must be positive"):
        StackSampler(interval=0)
    sampler = StackSampler()
    with sampler, pytest.raises(RuntimeError, match="already running"):
        sampler.__enter__()


# -- folded text ---------------------------------------------------------------------------------


def test_parse_folded_merges_repeats_and_skips_blank_lines() -> None:
    text = "main;work;leaf 3\n\nmain;work 2\n 9\nmain;work;leaf 4\n"
    assert parse_folded(text) == {"main;work;leaf": 7, "main;work": 2}


def test_parse_folded_names_a_bad_line() -> None:
    with pytest.raises(ValueError, match="line 2 is not 'frame;frame;frame COUNT'"):
        parse_folded("a;b 1\na;b many\n")


def test_py_spy_raw_output_round_trips_through_our_svg(real_folded_text: str) -> None:
    folded = parse_folded(real_folded_text)
    assert sum(folded.values()) > 50
    assert any("leaf (<string>:" in stack for stack in folded)
    svg = render_flamegraph(folded)
    assert folded_from_svg(svg) == folded


# -- rendering -----------------------------------------------------------------------------------


def test_render_uses_flamegraph_pl_layout_and_passes_validation() -> None:
    svg = render_flamegraph({"main;work;leaf": 1234, "main;work": 66, "main;idle": 700})
    info = validate_svg(svg, file_name="ours.svg")
    assert info.is_flamegraph
    assert info.width == "1200"
    assert svg.startswith(b'<?xml version="1.0" standalone="no"?>\n' + DOCTYPE)
    assert b'xmlns="http://www.w3.org/2000/svg"' in svg
    assert b'<g id="frames">' in svg
    assert b"<script" not in svg
    frames = {frame.name: frame for frame in flamegraph_frames(svg)}
    assert frames["all"].samples == 2000
    assert frames["all"].percent == 100
    assert b"<title>all (2,000 samples, 100%)</title>" in svg
    assert b"<title>leaf (1,234 samples, 61.70%)</title>" in svg
    assert frames["work"].samples == 1300
    assert frames["all"].width == pytest.approx(1180, abs=0.1)
    # root at the bottom: every child is drawn above its parent
    assert frames["all"].y > frames["main"].y > frames["work"].y > frames["leaf"].y
    assert frames["leaf"].x == frames["work"].x
    assert frames["idle"].x + frames["idle"].width <= frames["work"].x + 0.1


def test_render_uses_warm_colours() -> None:
    svg = render_flamegraph({f"f{i}": 1 for i in range(50)})
    fills = re.findall(rb'fill="rgb\((\d+),(\d+),(\d+)\)"', svg)
    assert len(fills) == 51
    for red, green, blue in fills:
        assert int(red) >= 205 and int(green) <= 230 and int(blue) <= 55


def test_render_omits_frames_narrower_than_minwidth() -> None:
    svg = render_flamegraph({"big": 1_000_000, "tiny;deeper": 1})
    names = [frame.name for frame in flamegraph_frames(svg)]
    assert names == ["all", "big"]
    assert [f.name for f in flamegraph_frames(render_flamegraph({"big": 100, "tiny": 1}))] == [
        "all",
        "big",
        "tiny",
    ]


def test_render_escapes_names() -> None:
    nasty = 'f<"x">&y\x01 </g><script>alert(1)</script>'
    svg = render_flamegraph({nasty: 5, "ok": 5}, title="<T&T>")
    validate_svg(svg)
    assert b"<script" not in svg
    names = {frame.name for frame in flamegraph_frames(svg)}
    assert nasty.replace("\x01", "\ufffd") in names
    assert b"&lt;T&amp;T&gt;" in svg


def test_render_refuses_nothing_to_draw() -> None:
    with pytest.raises(ValueError, match="no samples to draw"):
        render_flamegraph({})
    with pytest.raises(ValueError, match="no samples to draw"):
        render_flamegraph({"a": 0})


# -- reading real SVGs ---------------------------------------------------------------------------


def test_frames_of_a_real_py_spy_flamegraph(real_flamegraph: bytes) -> None:
    frames = flamegraph_frames(real_flamegraph)
    root = max(frames, key=lambda frame: frame.samples)
    assert root.name == "all"
    assert root.percent == 100
    assert root.x == pytest.approx(10)
    assert root.width == pytest.approx(1180)
    names = [frame.name for frame in frames]
    for function in ("outer", "middle", "leaf"):
        assert any(name.startswith(f"{function} (<string>:") for name in names)
    for frame in frames:
        assert 0 < frame.samples <= root.samples
        assert root.x - 0.01 <= frame.x <= root.x + root.width + 0.01


def test_folded_from_a_real_py_spy_flamegraph(real_flamegraph: bytes) -> None:
    frames = flamegraph_frames(real_flamegraph)
    folded = folded_from_svg(real_flamegraph)
    assert sum(folded.values()) == max(frame.samples for frame in frames)
    outer_stacks = [s for s in folded if "outer (<string>:" in s]
    assert outer_stacks
    assert all(s.startswith("<module> (<string>:") for s in outer_stacks)
    assert any(
        s.index("outer (") < s.index("middle (") < s.index("leaf (")
        for s in outer_stacks
        if "leaf (" in s
    )


def test_svg_without_frames_has_no_frames() -> None:
    assert flamegraph_frames(b'<svg xmlns="http://www.w3.org/2000/svg"><g/></svg>') == []


# -- the big synthetic one -----------------------------------------------------------------------


def test_large_flamegraph_looks_like_a_real_one(large_flamegraph: bytes) -> None:
    target = 9 * 1024 * 1024
    assert abs(len(large_flamegraph) - target) <= target * 0.02
    assert DOCTYPE in large_flamegraph[:300]
    assert b'<script type="text/ecmascript"><![CDATA[' in large_flamegraph
    frame_count = large_flamegraph.count(b"<g><title>")
    assert 40_000 <= frame_count <= 60_000
    assert validate_svg(large_flamegraph).is_flamegraph


def test_make_large_flamegraph_is_deterministic_and_sized() -> None:
    small = make_large_flamegraph(512 * 1024, seed=3)
    assert small == make_large_flamegraph(512 * 1024, seed=3)
    assert small != make_large_flamegraph(512 * 1024, seed=4)
    assert abs(len(small) - 512 * 1024) <= 512 * 1024 * 0.02
    frames = flamegraph_frames(small)
    assert frames[0].name == "all"
    assert len(frames) == small.count(b"<g><title>")
