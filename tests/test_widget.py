"""The thin Python side of the FlamegraphViewer widget."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from driftwatch_nb.core.flamegraph import render_flamegraph
from driftwatch_nb.core.svg import SvgValidationError
from driftwatch_nb.widget import FlamegraphViewer

SVG = render_flamegraph({"main;work": 3, "main;idle": 1})


def test_static_module_and_traits() -> None:
    viewer = FlamegraphViewer.from_url(
        "http://x/storage/v1/object/sign/flamegraphs/a/b_cpu.svg?token=t"
    )
    # the shared module (the bundle built from driftwatch_nb/js/src), as text
    assert re.search(r"^export \{[^}]*\bmountViewer\b", viewer._esm, re.M)
    assert "function mountViewer(" in viewer._esm
    assert viewer.file_name == "b_cpu.svg" and viewer.height == 480 and viewer.svg_text == ""
    assert "viewer.js" not in repr(viewer) and "b_cpu.svg" in repr(viewer)


def test_unknown_keyword_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="colour"):
        FlamegraphViewer(url="http://x/a.svg", colour="red")


def test_from_bytes_and_file_validate(tmp_path: Path) -> None:
    viewer = FlamegraphViewer.from_bytes(SVG, file_name="cpu.svg")
    assert viewer.svg_text == SVG.decode() and viewer.file_name == "cpu.svg"
    bad = tmp_path / "bad.svg"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n")
    with pytest.raises(SvgValidationError, match="bad.svg"):
        FlamegraphViewer.from_file(bad)


def test_refresh_message_sets_a_new_url() -> None:
    urls = iter(["http://x/new.svg?token=2"])
    viewer = FlamegraphViewer.from_url("http://x/new.svg?token=1", refresh=lambda: next(urls))
    viewer._on_custom_msg(viewer, {"type": "refresh_url"}, [])
    assert viewer.url == "http://x/new.svg?token=2"


def test_request_bytes_sends_the_svg_from_the_kernel() -> None:
    viewer = FlamegraphViewer.from_url("http://x/a.svg?token=1", fetch_bytes=lambda: SVG)
    viewer._on_custom_msg(viewer, {"type": "request_bytes"}, [])
    assert viewer.svg_text == SVG.decode()


def test_request_bytes_refuses_bad_bytes_and_unknown_messages_are_ignored(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sent: list[dict] = []
    viewer = FlamegraphViewer.from_url("http://x/a.svg?token=1", fetch_bytes=lambda: b"not svg")
    viewer.send = sent.append  # type: ignore[method-assign]
    viewer._on_custom_msg(viewer, {"type": "request_bytes"}, [])
    assert viewer.svg_text == "" and sent[0]["type"] == "error" and "a.svg" in sent[0]["message"]
    viewer._on_custom_msg(viewer, {"type": "launch_missiles"}, [])
    assert "unknown message" in caplog.text


def test_diff_shows_the_differential_flamegraph(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from driftwatch_nb.core.profiles import folded_text

    base = {"main;parse_row": 50, "main;read": 50}
    (tmp_path / "head.folded").write_text(folded_text({"main;parse_row": 90, "main;read": 50}))
    viewer = FlamegraphViewer.diff(base, str(tmp_path / "head.folded"))
    assert viewer.file_name == "diff.svg"
    assert "parse_row" in viewer.svg_text and 'fill="rgb(255,' in viewer.svg_text
    assert viewer.functions[0].name == "parse_row"
    assert viewer.summary.startswith("slower: `parse_row` +")


# -- drawing from stacks -----------------------------------------------------------------------


def test_svg_bytes_and_files_carry_their_stacks_for_the_browser(tmp_path: Path) -> None:
    from driftwatch_nb.core.profiles import folded_text

    viewer = FlamegraphViewer.from_bytes(SVG, file_name="cpu.svg")
    assert viewer.folded == folded_text({"main;work": 3, "main;idle": 1})
    assert viewer.base_folded == "" and viewer.mode == "flame" and viewer.shape == "head"
    assert "stacks" in repr(viewer)
    utf16 = tmp_path / "cpu16.svg"
    utf16.write_bytes(SVG.decode().encode("utf-16"))
    assert FlamegraphViewer.from_file(utf16).folded == viewer.folded


def test_folded_and_speedscope_files_are_drawn_and_downloaded_as_they_were(
    tmp_path: Path,
) -> None:
    from driftwatch_nb.core.profiles import folded_text, speedscope_json

    stacks = {"main;parse": 7, "main;read": 3}
    folded = tmp_path / "cpu.folded"
    folded.write_text("main;read 3\nmain;parse 7\n")
    viewer = FlamegraphViewer.from_file(folded)
    assert viewer.folded == folded_text(stacks) and viewer.svg_text == ""
    assert viewer.file_name == "cpu.folded"
    viewer._on_custom_msg(viewer, {"type": "request_bytes"}, [])  # the download button
    assert viewer.svg_text == folded.read_text()
    speedscope = tmp_path / "cpu.speedscope.json"
    speedscope.write_text(speedscope_json(stacks))
    assert FlamegraphViewer.from_file(speedscope).folded == folded_text(stacks)
    assert FlamegraphViewer.from_bytes(b"main;a 2\n", file_name="x.folded").folded == "main;a 2\n"


def test_a_picture_only_svg_is_shown_as_a_picture() -> None:
    picture = (
        b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        b'<rect width="10" height="10" fill="red"/></svg>'
    )
    viewer = FlamegraphViewer.from_bytes(picture, file_name="logo.svg")
    assert viewer.folded == "" and viewer.svg_text == picture.decode()


class _FakeClient:
    def __init__(self, stacks: dict[str, int] | None) -> None:
        self.stacks = stacks
        self.asked: list[str] = []

    def flamegraph_stacks(self, flamegraph_id: str) -> dict[str, int]:
        from driftwatch_nb.core.errors import InvalidInput

        self.asked.append(flamegraph_id)
        if self.stacks is None:
            raise InvalidInput(f"flamegraph {flamegraph_id} has no stacks: a picture", field="id")
        return self.stacks

    def flamegraph_url(self, flamegraph_id: str) -> str:
        return f"http://s/{flamegraph_id}.svg?token=1"


def test_from_flamegraph_asks_the_server_for_stacks_and_keeps_the_url_for_download() -> None:
    client = _FakeClient({"a;b": 2})
    viewer = FlamegraphViewer.from_flamegraph("fg1", client=client)  # type: ignore[arg-type]
    assert client.asked == ["fg1"] and viewer.folded == "a;b 2\n"
    assert viewer.url == "http://s/fg1.svg?token=1"
    picture = FlamegraphViewer.from_flamegraph("fg2", client=_FakeClient(None))  # type: ignore[arg-type]
    assert picture.folded == "" and picture.url == "http://s/fg2.svg?token=1"
    # local bytes are parsed here: no round trip
    local = _FakeClient({"x": 1})
    shown = FlamegraphViewer.from_flamegraph("fg3", client=local, local_bytes=SVG)  # type: ignore[arg-type]
    assert local.asked == [] and "main;work 3" in shown.folded


def test_diff_hands_both_stacks_to_the_browser() -> None:
    from driftwatch_nb.core.profiles import folded_text

    base = {"main;parse_row": 50, "main;read": 50}
    head = {"main;parse_row": 90, "main;read": 50}
    viewer = FlamegraphViewer.diff(base, head, shape="base")
    assert viewer.folded == folded_text(head) and viewer.base_folded == folded_text(base)
    assert viewer.shape == "base" and "diff of stacks" in repr(viewer)


def test_mode_and_shape_are_checked() -> None:
    import traitlets

    with pytest.raises(traitlets.TraitError, match="mode must be 'flame' or 'icicle'"):
        FlamegraphViewer(folded="a 1\n", mode="sideways")
    with pytest.raises(traitlets.TraitError, match="shape must be 'head' or 'base'"):
        FlamegraphViewer(folded="a 1\n", shape="middle")
    with pytest.raises(TypeError, match="folded, base_folded, shape, mode"):
        FlamegraphViewer(foldedd="a 1\n")
