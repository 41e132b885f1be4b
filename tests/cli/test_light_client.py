"""Issue 13, item 13: the light client says which extra the viewer needs; a UTF-16 flamegraph
(Windows PowerShell's `>`) is transcoded to UTF-8 on the client, which says so."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from driftwatch_nb import Client
from driftwatch_nb.core.svg import load_svg_file, utf8_svg, validate_svg
from tests.cli.helpers import driftwatch, json_output
from tests.cli.test_upload import make_report
from tests.support.server import LiveServer

REPO = Path(__file__).resolve().parents[2]


def test_the_viewer_without_the_notebook_extra_names_the_extra() -> None:
    # anywidget made unimportable, as in `pip install driftwatch-nb` without [notebook].
    code = (
        "import sys; sys.modules['anywidget'] = None\nfrom driftwatch_nb import FlamegraphViewer\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=False
    )
    assert result.returncode != 0
    assert "ModuleNotFoundError" in result.stderr
    assert "pip install 'driftwatch-nb[notebook]'" in result.stderr


def utf16(svg: bytes, *, declare: bool) -> bytes:
    text = svg.decode()
    if declare:  # PowerShell's XML cmdlets declare what they write
        text = text.replace('<?xml version="1.0"', '<?xml version="1.0" encoding="utf-16"', 1)
    return text.encode("utf-16")  # with its byte-order mark, as PowerShell writes it


def test_utf16_is_transcoded_and_the_declaration_follows(tmp_path: Path) -> None:
    from driftwatch_nb.core.flamegraph import render_flamegraph

    svg = render_flamegraph({"main;a": 3, "main;b": 1}, title="t")
    path = tmp_path / "ps.svg"
    path.write_bytes(utf16(svg, declare=True))
    loaded = load_svg_file(path)
    assert loaded.transcoded
    assert loaded.data.decode("utf-8")
    assert b"UTF-16" not in loaded.data[:100]
    validate_svg(loaded.data, file_name="ps.svg")
    assert utf8_svg(svg) == (svg, False)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_driftwatch_upload_sends_a_utf16_file_as_utf8_and_says_so(
    live_server: LiveServer, env: dict[str, str], workdir: Path
) -> None:
    original = (workdir / "a.svg").read_bytes()
    (workdir / "ps.svg").write_bytes(utf16(original, declare=True))
    report = make_report(live_server.url, live_server.token)
    result = driftwatch(
        "upload", "--report", report.id, "--format", "json", "ps.svg", env=env, cwd=workdir
    )
    assert result.returncode == 0, result.stderr
    assert "ps.svg: it was UTF-16" in result.stderr and "UTF-8" in result.stderr
    assert json_output(result.stdout)["failed"] == []
    client = Client(live_server.url, live_server.token)
    (flamegraph,) = client.report(report.id).flamegraphs
    stored = client.download_flamegraph(flamegraph.id)
    assert stored == original.replace(
        b'<?xml version="1.0"', b'<?xml version="1.0" encoding="UTF-8"', 1
    )
