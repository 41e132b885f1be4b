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
