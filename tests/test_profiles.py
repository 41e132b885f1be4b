"""Profiles as data (``driftwatch_nb.core.profiles``): every accepted format round-trips, bad
input is refused naming the file and line, and the diff matches ``difffolded.pl``."""

from __future__ import annotations

import json
import marshal
from collections import Counter
from pathlib import Path

import pytest

from driftwatch_nb.core.flamegraph import FONT_FAMILY, folded_from_svg, render_layout
from driftwatch_nb.core.profiles import (
    MAX_PROFILE_BYTES,
    ProfileError,
    detect_format,
    diff_profiles,
    folded_text,
    load_profile_file,
    merge_profiles,
    pack_stacks,
    parse_profile,
    render_diff,
    render_profile,
    speedscope_json,
    summarize,
    unpack_stacks,
)
from driftwatch_nb.core.svg import validate_svg
from tests.support.svg import real_flamegraph, record_with_py_spy  # noqa: F401 - fixture

KNOWN = {
    "main;load;read_file": 120,
    "main;load;parse_row": 300,
    "main;load;parse_row;float_of": 80,
    "main;render;encode": 200,
    "main;render": 40,
    "main": 10,
}
"""Folded stacks every round trip starts from."""


def multiset(folded: dict[str, int]) -> Counter[str]:
    return Counter({stack: count for stack, count in folded.items() if count})


def flamegraph_pl_svg(folded: dict[str, int]) -> bytes:
    """flamegraph.pl's layout with its <script>, and no embedded stacks: read from frames."""
    return render_layout(folded, title="Flame Graph", width=1200, minwidth=0.0, script="var a;")


# -- round trips, per format ---------------------------------------------------------------------


def test_folded_round_trip() -> None:
    profile = parse_profile(folded_text(KNOWN).encode(), file_name="cpu.folded")
    assert profile.format == "folded"
    assert multiset(profile.folded) == multiset(KNOWN)
    again = parse_profile(folded_text(profile.folded).encode(), file_name="again.folded")
    assert again.total == sum(KNOWN.values())


def test_speedscope_round_trip() -> None:
    profile = parse_profile(speedscope_json(KNOWN).encode(), file_name="cpu.speedscope.json")
    assert profile.format == "speedscope"
    assert multiset(profile.folded) == multiset(KNOWN)
    again = parse_profile(speedscope_json(profile.folded).encode(), file_name="x.json")
    assert multiset(again.folded) == multiset(KNOWN) and again.total == sum(KNOWN.values())


def test_driftwatch_svg_round_trip_is_exact_even_for_frames_too_narrow_to_draw() -> None:
    folded = {**KNOWN, "main;tiny": 1}
    folded["main;load;parse_row"] = 1_000_000  # "main;tiny" is far below 0.1 px
    svg = render_profile(folded, title="cpu")
    validate_svg(svg, file_name="cpu.svg")
    profile = parse_profile(svg, file_name="cpu.svg")
    assert profile.format == "svg" and multiset(profile.folded) == multiset(folded)


def test_flamegraph_pl_svg_round_trip_from_its_frames() -> None:
    svg = flamegraph_pl_svg(KNOWN)
    profile = parse_profile(svg, file_name="perl.svg")
    assert multiset(profile.folded) == multiset(KNOWN)
    assert profile.total == sum(KNOWN.values())
    # and re-exported as driftwatch's SVG, the stacks stay the same
    assert multiset(parse_profile(render_profile(profile.folded), file_name="x.svg").folded) == (
        multiset(KNOWN)
    )


def test_evented_speedscope_like_pyinstrument_counts_microseconds() -> None:
    document = {
        "$schema": "https://www.speedscope.app/file-format-schema.json",
        "shared": {
            "frames": [
                {"name": "main", "file": "app.py", "line": 1},
                {"name": "work", "file": "app.py", "line": 5},
            ]
        },
        "profiles": [
            {
                "type": "evented",
                "name": "p",
                "unit": "seconds",
                "startValue": 0,
                "endValue": 0.003,
                "events": [
                    {"type": "O", "frame": 0, "at": 0.0},
                    {"type": "O", "frame": 1, "at": 0.001},
                    {"type": "C", "frame": 1, "at": 0.003},
                    {"type": "C", "frame": 0, "at": 0.003},
                ],
            }
        ],
    }
    profile = parse_profile(json.dumps(document).encode(), file_name="pyinstrument.json")
    assert profile.unit == "microseconds"
    assert profile.folded == {"main (app.py:1)": 1000, "main (app.py:1);work (app.py:5)": 2000}


def test_real_py_spy_speedscope_and_raw_are_read(tmp_path: Path) -> None:
    speedscope = record_with_py_spy(tmp_path / "p.json", fmt="speedscope")
    profile = parse_profile(speedscope, file_name="p.json")
    assert profile.format == "speedscope" and profile.total > 0
    assert any("leaf" in stack for stack in profile.folded)
    raw = record_with_py_spy(tmp_path / "p.txt", fmt="raw")
    folded = parse_profile(raw, file_name="p.txt")
    assert folded.format == "folded" and any("leaf" in stack for stack in folded.folded)
    # re-exported through driftwatch's SVG, both keep every stack and sample
    for original in (profile, folded):
        back = parse_profile(render_profile(original.folded), file_name="x.svg")
        assert multiset(back.folded) == multiset(original.folded)


def test_real_py_spy_svg_stacks_are_recovered(real_flamegraph: bytes) -> None:  # noqa: F811
    profile = parse_profile(real_flamegraph, file_name="py-spy.svg")
    assert profile.total > 0
    assert any(stack.split(";")[-1].startswith("leaf") for stack in profile.folded)


def test_packed_stacks_round_trip_and_are_small() -> None:
    big = {f"main;mod{i % 50};fn{i}": i + 1 for i in range(20_000)}
    packed = pack_stacks(big)
    assert unpack_stacks(packed) == big
    assert len(packed) < len(folded_text(big)) / 3


def test_detect_format() -> None:
    assert detect_format(render_profile(KNOWN)) == "svg"
    assert detect_format(folded_text(KNOWN).encode()) == "folded"
    assert detect_format(speedscope_json(KNOWN).encode()) == "speedscope"
    assert detect_format(marshal.dumps({("a.py", 1, "f"): (1, 1, 0.1, 0.1, {})})) == "pstats"
    assert detect_format(b"\x89PNG\r\n") is None


def test_the_renderer_names_a_sans_serif_font_stack() -> None:
    svg = render_profile(KNOWN).decode()
    assert f"font-family:{FONT_FAMILY};" in svg
    assert FONT_FAMILY.startswith("Verdana") and FONT_FAMILY.endswith("sans-serif")


# -- bad input, per format, refused naming the file (and the line) -------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"main;a 10\nmain;b 2", None),  # control: fine
        (b"main;a 10\nmain;b", "cpu.txt: line 2: not 'frame;frame;frame COUNT' (truncated?)"),
        (b"main;a 10\nmain;b x3\n", "cpu.txt: line 2: not 'frame;frame;frame COUNT'"),
        (b"main;a 10\nma\xffin 3\n", "cpu.txt: line 2: not UTF-8 text"),
        (b"main;a 0\n", "cpu.txt: line 2: no samples"),
        (b"main;a 10\n" + b"x;" * 3000 + b"y 1\n", "cpu.txt: line 2: stack deeper than"),
    ],
)
def test_bad_folded_is_refused_with_file_and_line(data: bytes, expected: str | None) -> None:
    if expected is None:
        assert parse_profile(data, file_name="cpu.txt").total == 12
        return
    with pytest.raises(ProfileError) as caught:
        parse_profile(data, file_name="cpu.txt")
    assert str(caught.value).startswith(expected)


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda text: text[: len(text) // 2], "p.json: line 1 column"),
        (
            lambda text: text.replace('"samples":[', '"samples":[[99],').replace(
                '"weights":[', '"weights":[1,'
            ),
            "frame index 99",
        ),
        (
            lambda text: text.replace('"samples":[', '"samples":[[0],').replace(
                '"weights":[', '"weights":[-1,'
            ),
            "weight must be a non-negative number",
        ),
        (lambda text: text.replace('"type":"sampled"', '"type":"other"'), "profiles[0].type"),
    ],
)
def test_bad_speedscope_is_refused_naming_the_file(mutate, expected: str) -> None:  # type: ignore[no-untyped-def]
    text = mutate(speedscope_json(KNOWN))
    with pytest.raises(ProfileError) as caught:
        parse_profile(text.encode(), file_name="p.json")
    assert str(caught.value).startswith("p.json: ") and expected in str(caught.value)


def test_truncated_svg_wrong_format_and_huge_files_are_refused(tmp_path: Path) -> None:
    svg = render_profile(KNOWN)
    with pytest.raises(ProfileError, match=r"^cut\.svg: .*(truncated|unclosed|no element)"):
        parse_profile(svg[: len(svg) // 2], file_name="cut.svg")
    with pytest.raises(ProfileError, match=r"^pic\.png: line 1: not a profile"):
        parse_profile(b"\x89PNG\r\n\x1a\n", file_name="pic.png")
    with pytest.raises(ProfileError, match=r"^x\.json: line 1: JSON that is not a speedscope"):
        parse_profile(b'{"a": 1}', file_name="x.json")
    with pytest.raises(ProfileError, match=r"^prof\.out: a cProfile/pstats file"):
        parse_profile(marshal.dumps({("a.py", 1, "f"): (1, 1, 0.1, 0.1, {})}), file_name="prof.out")
    huge = tmp_path / "huge.folded"
    with huge.open("wb") as handle:
        line = b"main;" + b"f;" * 40 + b"leaf 1\n"
        handle.write(line * (MAX_PROFILE_BYTES // len(line) + 2))
    with pytest.raises(ProfileError, match=r"^huge\.folded: .* over the profile limit"):
        load_profile_file(huge)
    with pytest.raises(ProfileError, match=r"^huge\.folded: .* over the profile limit"):
        parse_profile(huge.read_bytes(), file_name="huge.folded")
    with pytest.raises(ProfileError, match=r"^missing\.txt: no such file"):
        load_profile_file(tmp_path / "missing.txt")
    with pytest.raises(ProfileError, match="is a directory"):
        load_profile_file(tmp_path)


def test_an_svg_that_is_no_flamegraph_has_no_stacks() -> None:
    picture = b'<svg xmlns="http://www.w3.org/2000/svg"><circle r="3"/></svg>'
    assert parse_profile(picture, file_name="pic.svg").folded == {}


# -- the diff against difffolded.pl ----------------------------------------------------------------

BASE = {
    "main;load;read_file": 100,
    "main;load;parse_row": 200,
    "main;render;encode": 150,
    "main;render": 50,
    "main;old_path": 40,
}
HEAD = {
    "main;load;read_file": 110,
    "main;load;parse_row": 420,
    "main;load;parse_row;float_of": 30,
    "main;render;encode": 140,
    "main;render": 50,
}


def difffolded(base: dict[str, int], head: dict[str, int]) -> list[tuple[str, int, int]]:
    """What ``difffolded.pl`` prints (without -n): ``stack base_count head_count`` per stack
    in either input, written here from its documentation, independently of driftwatch."""
    return [(stack, base.get(stack, 0), head.get(stack, 0)) for stack in sorted({*base, *head})]


def expected_self(rows: list[tuple[str, int, int]]) -> dict[str, tuple[int, int]]:
    """Per function: the sum of the counts of the stacks whose leaf it is."""
    out: dict[str, tuple[int, int]] = {}
    for stack, base_count, head_count in rows:
        leaf = stack.split(";")[-1]
        b, h = out.get(leaf, (0, 0))
        out[leaf] = (b + base_count, h + head_count)
    return out


def test_flamegraph_diff_of_flamegraph_pl_svgs_matches_difffolded() -> None:
    base = parse_profile(flamegraph_pl_svg(BASE), file_name="base.svg").folded
    head = parse_profile(flamegraph_pl_svg(HEAD), file_name="head.svg").folded
    expected = expected_self(difffolded(BASE, HEAD))

    raw = diff_profiles(base, head, normalize=False)
    got = {f.name: (f.base_self, f.head_self) for f in raw.functions if f.base_self or f.head_self}
    assert got == {name: counts for name, counts in expected.items() if any(counts)}
    for f in raw.functions:
        if f.name in expected:
            assert f.delta_self == expected[f.name][1] - expected[f.name][0]

    normalized = diff_profiles(base, head)
    base_total, head_total = sum(BASE.values()), sum(HEAD.values())
    for f in normalized.functions:
        b, h = expected.get(f.name, (0, 0))
        assert f.base_self == pytest.approx(b / base_total)
        assert f.head_self == pytest.approx(h / head_total)
    assert normalized.functions[0].name == "parse_row"  # ranked by |delta self|
    assert "slower" in summarize(normalized, since="abc123")
    assert summarize(normalized, since="abc123").startswith("slower since abc123: `parse_row` +")


def test_total_counts_a_function_once_per_stack_and_names_drop_the_line() -> None:
    diff = diff_profiles(
        {"f (a.py:1);f (a.py:2);g (a.py:9)": 10}, {"f (a.py:1);g (a.py:9)": 10}, normalize=False
    )
    by_name = {f.name: f for f in diff.functions}
    assert by_name["f (a.py)"].base_total == 10 and by_name["g (a.py)"].head_self == 10


def test_differential_svg_is_red_where_head_grew_and_blue_where_it_shrank() -> None:
    svg = render_diff(BASE, HEAD).decode()
    validate_svg(svg.encode(), file_name="diff.svg")
    frames = folded_from_svg(svg.encode())
    assert "main;load;parse_row;float_of" in frames  # head's shape
    assert "main;old_path" not in frames
    assert 'fill="rgb(255,' in svg and ",255)" in svg  # red and blue frames
    negated = folded_from_svg(render_diff(BASE, HEAD, shape="base"))
    assert "main;old_path" in negated  # removed code shows in the base's shape
    assert "parse_row (" in svg and "; +" in svg  # titles carry the change


def test_merge_weighs_each_run_the_same() -> None:
    merged = merge_profiles([{"a": 1}, {"b": 99, "a": 1}])
    assert merged["a"] == pytest.approx((1 + 0.01) / 2)
    assert sum(merged.values()) == pytest.approx(1.0)


def test_the_fast_frame_reader_agrees_with_the_parser(real_flamegraph: bytes) -> None:  # noqa: F811
    from driftwatch_nb.core.flamegraph import _frames_by_parser, flamegraph_frames
    from tests.support.flamegraphs import make_large_flamegraph

    for svg in (real_flamegraph, make_large_flamegraph(512 * 1024), render_diff(BASE, HEAD)):
        assert flamegraph_frames(svg) == _frames_by_parser(svg)


@pytest.mark.parametrize("kind", ["svg", "folded", "speedscope"])
def test_huge_input_is_refused_in_every_format(kind: str) -> None:
    pad = MAX_PROFILE_BYTES + 1
    data = {
        "svg": render_profile(KNOWN)[:-7] + b" " * pad + b"</svg>\n",
        "folded": folded_text(KNOWN).encode() + b"\n" * pad,
        "speedscope": speedscope_json(KNOWN).encode() + b" " * pad,
    }[kind]
    with pytest.raises(ProfileError, match=rf"^big\.{kind}: .* over the profile limit"):
        parse_profile(data, file_name=f"big.{kind}")
