"""The notebook layer in a real JupyterLab, driven by headless Chromium through Playwright.

Each test starts JupyterLab on a free loopback port (a throwaway HOME and Jupyter directories,
news and update checks off, the language-server and terminal server extensions off), its
kernels wired to ``live_server`` through ``DRIFTWATCH_*`` variables; it writes a notebook into
the root directory, opens it, runs all cells and works the flamegraph viewer the magics show.
Assertions cover pixels (what the viewer shows), the server (what was stored) and the kernel
(the widget traits the browser synced back).

Chromium comes from Debian (``/usr/bin/chromium``); without it these tests fail, never skip.
"""

from __future__ import annotations

import json
import math
import os
import re
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import nbformat
import pytest
from playwright.sync_api import Locator, Page, expect

from driftwatch_nb import Client
from driftwatch_nb.core.flamegraph import flamegraph_frames
from driftwatch_nb.core.svg import validate_svg
from tests.support.browser import ARTIFACTS, chromium
from tests.support.diffcanvas import assert_canvas_diff
from tests.support.server import LiveServer, free_port

pytestmark = [pytest.mark.jupyter, pytest.mark.browser]

PROJECT = "ui"
BRANCH = "main"
START_TIMEOUT_S = 120
# A loaded 2-core machine takes tens of seconds to load JupyterLab, start a kernel and run the
# profile: generous limits on purpose (Playwright returns as soon as the condition holds).
SLOW_MS = 120_000
STEP_MS = 20_000

HOT_CODE = """\
def ui_hot_loop(n):
    total = 0
    for i in range(n):
        total += i * i
    return total


def ui_cold_path():
    return sorted(range(100_000), key=lambda v: -v)


def ui_outer():
    for _ in range(10):
        ui_hot_loop(200_000)  # about half the samples
        ui_cold_path()
"""

# Run again after the interactions: prints the traits the browser synced back to the kernel.
STATE_CELL = """\
import gc, json
from driftwatch_nb.widget import FlamegraphViewer
print("DW-STATE " + json.dumps(sorted(
    [v.file_name, v.status, v.matched] for v in gc.get_objects() if isinstance(v, FlamegraphViewer)
)))
"""

# Every way this SVG tries to run script. The shared validator accepts them all (real
# flamegraphs carry <script> and onload); the viewer must neutralize them.
SCRIPTED_SVG = b"""<?xml version="1.0" standalone="no"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<svg version="1.1" width="1200" height="120" viewBox="0 0 1200 120" onload="window.__pwned=2"
     xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">
<script>window.__pwned = 1</script>
<a href="javascript:window.__pwned=3"><text id="dw-evil-link" x="10" y="20">click me</text></a>
<image href="x" x="300" y="5" width="20" height="20" onerror="window.__pwned=4"/>
<g id="frames">
<g><title>all (100 samples, 100%)</title>
<rect x="10" y="90" width="1180" height="15" fill="rgb(230,120,40)"/>
<text x="13" y="100.5">all</text></g>
<g><title>evil (50 samples, 50.00%)</title>
<rect x="10" y="74" width="590" height="15" fill="rgb(230,160,40)"
      onmouseover="window.__pwned=5" onclick="window.__pwned=6"/>
<text x="13" y="84.5">evil</text></g>
</g>
</svg>
"""

# What may not survive sanitizing, looked for inside the viewer's shadow root.
LEFTOVERS_JS = """c => [...c.shadowRoot.querySelectorAll('*')].flatMap(e => [
    ...(e.localName === 'script' ? ['<script>'] : []),
    ...[...e.attributes]
        .filter(a => /^on/i.test(a.localName) || /javascript:/i.test(a.value)
                     || (/href$/i.test(a.localName) && !a.value.startsWith('#')))
        .map(a => `${e.localName}@${a.name}`),
])"""


# ----------------------------------------------------------------------------------------------
# Helpers


def matched_percent(svg: bytes, pattern: str) -> tuple[float, int]:
    """flamegraph.pl's "Matched" share of ``pattern`` (case-insensitive regex) and hit count.

    The widest match per start x, then the top-most non-overlapping matches summed, over the
    root's width: flamegraph.pl's search, on the frames ``flamegraph_frames`` reads.
    """
    frames = flamegraph_frames(svg)
    regex = re.compile(pattern, re.IGNORECASE)
    widest: dict[float, float] = {}
    hits = 0
    for frame in frames:
        if regex.search(frame.name):
            hits += 1
            widest[frame.x] = max(frame.width, widest.get(frame.x, 0.0))
    total = max(frame.width for frame in frames)
    covered, last_x, last_w = 0.0, -math.inf, 0.0
    for x in sorted(widest):
        if x >= last_x + last_w - total * 1e-7:
            covered += widest[x]
            last_x, last_w = x, widest[x]
    return 100 * covered / total, hits


def matched_share_of_stacks(svg: bytes, pattern: str) -> float:
    """The percentage of samples whose stack has a frame matching ``pattern`` (case-insensitive),
    from the exact stacks a driftwatch SVG embeds."""
    from driftwatch_nb.core.profiles import embedded_stacks

    stacks = embedded_stacks(svg)
    assert stacks, "the stored flamegraph embeds its stacks"
    regex = re.compile(pattern, re.IGNORECASE)
    total = sum(stacks.values())
    hit = sum(n for stack, n in stacks.items() if any(map(regex.search, stack.split(";"))))
    return 100 * hit / total


def frame(viewer: Locator, prefix: str) -> Locator:
    """The viewer's frames (``<g>`` with a ``<title>``) whose title starts with ``prefix``."""
    return viewer.locator("[data-testid=dw-canvas] g").filter(
        has=viewer.page.locator(
            f"xpath=./*[local-name()='title'][starts-with(., {json.dumps(prefix)})]"
        )
    )


def width_of(locator: Locator) -> float:
    """Drawn width in CSS pixels."""
    box = locator.bounding_box()
    assert box is not None, "the element is not drawn"
    return box["width"]


def write_notebook(path: Path, *cells: str) -> None:
    """A notebook for the ``python3`` kernel with these code cells."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    nbformat.write(notebook, path)


def rerun_state_cell(page: Page, cell: Locator, expected: list[list[str]]) -> None:
    """Run the state cell again and wait until it prints ``expected`` (the kernel's traits)."""
    cell.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Shift+Enter")
    expect(cell.locator(".jp-OutputArea-output")).to_have_text(
        "DW-STATE " + json.dumps(sorted(expected)), timeout=STEP_MS
    )


# ----------------------------------------------------------------------------------------------
# Fixtures


@dataclass
class Lab:
    """A running JupyterLab: where it listens, its token, its root directory and its log."""

    base_url: str
    token: str
    root: Path
    log: Path

    def notebook_url(self, name: str) -> str:
        """The URL that opens notebook ``name`` (relative to the root) in JupyterLab."""
        return f"{self.base_url}/lab/tree/{name}?token={self.token}"


def _jupyter_env(home: Path, live_server: LiveServer) -> dict[str, str]:
    """JupyterLab's (and its kernels') environment: nothing of the user's setup leaks in."""
    inherited = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("JUPYTER", "IPYTHON", "DRIFTWATCH_", "PYTEST_"))
    }
    return {
        **inherited,
        "HOME": str(home),
        "JUPYTER_CONFIG_DIR": str(home / "jupyter-config"),
        "JUPYTER_DATA_DIR": str(home / "jupyter-data"),
        "JUPYTER_RUNTIME_DIR": str(home / "jupyter-runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "lab-settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "lab-workspaces"),
        "IPYTHONDIR": str(home / "ipython"),
        "DRIFTWATCH_URL": live_server.url,
        "DRIFTWATCH_TOKEN": live_server.token,
        "DRIFTWATCH_PROJECT": PROJECT,
        "DRIFTWATCH_BRANCH": BRANCH,
    }


def _quiet_config(home: Path) -> None:
    """Config files that keep JupyterLab offline, quiet and free of dialogs.

    The announcements plugin (news and update checks) is disabled the way ``jupyter
    labextension disable`` does it (``labconfig/page_config.json``); the server-side checks
    are off on the command line. User settings say no to news again, in case the plugin comes
    back, and start the notebook's kernel without the "Select Kernel" dialog.
    """
    labconfig = home / "jupyter-config" / "labconfig"
    labconfig.mkdir(parents=True)
    (labconfig / "page_config.json").write_text(
        json.dumps({"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}})
    )
    settings = {
        "apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
        "notebook-extension/tracker": {"autoStartDefaultKernel": True},
    }
    for name, values in settings.items():
        path = home / "lab-settings" / "@jupyterlab" / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


@pytest.fixture
def lab(live_server: LiveServer, tmp_path: Path) -> Iterator[Lab]:
    """A real JupyterLab on a free loopback port, its kernels wired to ``live_server``."""
    root, home = tmp_path / "lab", tmp_path / "home"
    root.mkdir()
    home.mkdir()
    _quiet_config(home)
    Client(live_server.url, live_server.token).create_project(PROJECT)
    port, token = free_port(), secrets.token_urlsafe(16)
    command = [
        sys.executable, "-m", "jupyter", "lab",
        "--no-browser", "--ip=127.0.0.1", f"--port={port}", "--allow-root",
        f"--ServerApp.root_dir={root}",
        f"--IdentityProvider.token={token}",
        "--ServerApp.jpserver_extensions={'jupyter_lsp': False, 'jupyter_server_terminals': False}",
        "--ServerApp.terminals_enabled=False",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]  # fmt: skip
    log_path = tmp_path / "jupyterlab.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            command,
            env=_jupyter_env(home, live_server),
            cwd=root,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                status = httpx.get(
                    f"{base_url}/api/status", headers={"Authorization": f"token {token}"}
                )
                if status.status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(
                    f"JupyterLab did not start (exit code {process.poll()}); its log ends with:\n"
                    + log_path.read_text()[-4000:],
                    pytrace=False,
                )
            time.sleep(0.25)  # polling another process's port: nothing to auto-wait on
        yield Lab(base_url=base_url, token=token, root=root, log=log_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for the module."""
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Any) -> Iterator[Page]:
    """A fresh browser context (downloads allowed) and page."""
    context = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(STEP_MS)
    yield page
    context.close()


def open_and_run_all(page: Page, lab: Lab, notebook: str) -> None:
    """Open the notebook, wait for its kernel, then Run → Run All Cells."""
    page.goto(lab.notebook_url(notebook))
    # The status bar names the kernel once the session is connected. The toolbar's execution
    # indicator says "idle" before that, and cells run that early are dropped without a word.
    expect(page.get_by_role("button", name=re.compile(r"^Python 3 .*\| Idle$"))).to_be_visible(
        timeout=SLOW_MS
    )
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    expect(page.locator(".jp-CodeCell .jp-InputPrompt").first).to_have_text("[1]:", timeout=SLOW_MS)


# ----------------------------------------------------------------------------------------------
# Tests


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_profile_cell_shows_an_interactive_flamegraph_in_jupyterlab(
    live_server: LiveServer, lab: Lab, page: Page, tmp_path: Path
) -> None:
    write_notebook(
        lab.root / "ui.ipynb",
        "%load_ext driftwatch_nb\n\n" + HOT_CODE,
        "%%driftwatch run --profile --name ui.busy -n 1 -r 2\nui_outer()",
        STATE_CELL,
    )
    open_and_run_all(page, lab, "ui.ipynb")

    viewer = page.get_by_test_id("dw-viewer")
    expect(viewer).to_have_attribute("data-status", "ready", timeout=SLOW_MS)
    # Drawn from the flamegraph's stacks on a canvas: none of the SVG's markup is in the page.
    expect(viewer).to_have_attribute("data-source", "stacks")
    expect(viewer.locator("[data-testid=dw-canvas] g")).to_have_count(0)
    names = viewer.evaluate("v => v.dwViewer.names()")
    hot_name = next(n for n in names if n.startswith("ui_hot_loop ("))
    assert any(n.startswith("ui_outer (") for n in names)

    # The server: one report with the latency of ui.busy and one flamegraph linked to it.
    client = Client(live_server.url, live_server.token)
    reports = client.reports(PROJECT)
    assert len(reports) == 1
    report = reports[0]
    assert (report.branch, report.adapter) == (BRANCH, "notebook")
    assert [(m.benchmark, m.measure) for m in report.metrics] == [("ui.busy", "latency")]
    assert report.metrics[0].value > 0
    assert [(f.benchmark, f.file_name) for f in report.flamegraphs] == [("ui.busy", "ui.busy.svg")]
    stored = client.download_flamegraph(report.flamegraphs[0].id)
    # Every function of the stored SVG is in the graph the viewer drew.
    assert {f.name for f in flamegraph_frames(stored)} - {"all"} <= set(names)

    # Zoom in: data-zoom grows by one step; reset brings it back.
    expect(viewer).to_have_attribute("data-zoom", "1")
    viewer.get_by_test_id("dw-zoom-in").click()
    expect(viewer).to_have_attribute("data-zoom", "1.25")
    viewer.get_by_test_id("dw-reset").click()
    expect(viewer).to_have_attribute("data-zoom", "1")

    # Click a frame: it fills the root's width and frames beside it leave; reset undoes it.
    def box(name: str) -> dict[str, float] | None:
        return viewer.evaluate("(v, n) => v.dwViewer.frameBox(n)", name)

    root_width = box("all")["width"]
    before = box(hot_name)
    assert before["width"] < root_width * 0.9
    cold_name = next(n for n in names if n.startswith("ui_cold_path ("))
    page.mouse.click(before["x"] + before["width"] / 2, before["y"] + 7)
    expect(viewer).not_to_have_attribute("data-frame-zoom", "1")
    assert float(viewer.get_attribute("data-frame-zoom") or 0) > 1.1
    assert box(hot_name)["width"] == pytest.approx(root_width, abs=2)
    assert box(cold_name) is None
    expect(viewer.get_by_test_id("dw-zoom-label")).to_contain_text("ui_hot_loop")
    viewer.get_by_test_id("dw-reset").click()
    expect(viewer).to_have_attribute("data-frame-zoom", "1")
    assert box(hot_name)["width"] == pytest.approx(before["width"], abs=1)

    # Search: the matched share is flamegraph.pl's (the samples under the top-most matches),
    # computed from the exact stacks the stored SVG embeds: the canvas counts samples, so the
    # SVG's rounded frame widths would be off by up to a few hundredths of a percent.
    _, hits = matched_percent(stored, "ui_hot_loop")
    percent = matched_share_of_stacks(stored, "ui_hot_loop")
    assert hits >= 1 and 0 < percent < 100
    viewer.get_by_test_id("dw-search").fill("ui_hot_loop")
    matched = viewer.get_by_test_id("dw-matched")
    expect(matched).to_have_text(re.compile(r"^Matched: \d+\.\d\d%$"))
    shown = matched.inner_text().removeprefix("Matched: ").removesuffix("%")
    assert float(shown) == pytest.approx(percent, abs=0.006)
    expect(viewer).to_have_attribute("data-matched-frames", str(hits))
    page.mouse.move(before["x"] + 5, before["y"] + 7)
    expect(viewer.get_by_test_id("dw-details")).to_contain_text("ui_hot_loop")
    viewer.scroll_into_view_if_needed()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "jupyterlab-viewer.png"))

    # Full screen and back.
    viewer.get_by_test_id("dw-fullscreen").click()
    expect(viewer).to_have_attribute("data-fullscreen", "true")
    page.screenshot(path=str(ARTIFACTS / "jupyterlab-viewer-fullscreen.png"))
    viewer.get_by_test_id("dw-fullscreen").click()
    expect(viewer).to_have_attribute("data-fullscreen", "false")

    # Download: the stored bytes (script and DOCTYPE included), under the benchmark's name.
    with page.expect_download() as info:
        viewer.get_by_test_id("dw-download").click()
    download = info.value
    assert download.suggested_filename == "ui.busy.svg"
    saved = tmp_path / "downloaded.svg"
    download.save_as(saved)
    assert saved.read_bytes() == stored

    # The kernel heard back from the browser: the status and matched traits are synced.
    rerun_state_cell(
        page, page.locator(".jp-CodeCell").nth(2), [["ui.busy.svg", "ready", f"{shown}%"]]
    )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_scripted_svg_is_shown_but_never_executes(
    live_server: LiveServer, lab: Lab, page: Page
) -> None:
    validate_svg(SCRIPTED_SVG, file_name="scripted.svg")  # accepted, like real flamegraphs
    client = Client(live_server.url, live_server.token)
    report = client.create_report(PROJECT, BRANCH, {"ui.scripted": {"latency": 1000.0}})
    (lab.root / "scripted.svg").write_bytes(SCRIPTED_SVG)
    write_notebook(
        lab.root / "scripted.ipynb",
        f"%load_ext driftwatch_nb\n%driftwatch_upload --report {report.id} scripted.svg",
        STATE_CELL,
    )
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    open_and_run_all(page, lab, "scripted.ipynb")

    viewer = page.get_by_test_id("dw-viewer")
    expect(viewer).to_have_attribute("data-status", "ready", timeout=SLOW_MS)
    expect(page.locator(".jp-OutputArea-output").first).to_contain_text(
        f"scripted.svg: attached to report {report.id}"
    )
    # Its stacks are readable: the viewer draws them itself and none of the markup (link,
    # image, handlers) enters the page.
    expect(viewer).to_have_attribute("data-source", "stacks")
    expect(
        viewer.locator("[data-testid=dw-canvas] #dw-evil-link, [data-testid=dw-canvas] g")
    ).to_have_count(0)
    evil = viewer.evaluate("v => v.dwViewer.frameBox('evil')")
    assert evil is not None and evil["width"] > 100

    # Hover and click where the frame that carried handlers is drawn.
    page.mouse.move(evil["x"] + 20, evil["y"] + 7)
    expect(viewer.get_by_test_id("dw-details")).to_contain_text("evil")
    page.mouse.click(evil["x"] + 20, evil["y"] + 7)
    # zoomed into it (its stacks hold all the samples, so the width does not change)
    expect(viewer.get_by_test_id("dw-zoom-label")).to_have_text("100% · evil")

    # Nothing ran: not in the viewer, not in JupyterLab's page, not in any frame of it.
    assert viewer.get_by_test_id("dw-canvas").evaluate(LEFTOVERS_JS) == []
    for each in page.frames:
        assert each.evaluate("typeof window.__pwned") == "undefined", each.url
    assert dialogs == []
    assert [url for url in requests if url.endswith("/x") or url.startswith("javascript:")] == []
    assert page.url.startswith(f"{lab.base_url}/lab/tree/scripted.ipynb")

    # The server kept the file as uploaded, scripts too (it serves it under a sandboxing CSP).
    [stored] = client.report(report.id).flamegraphs
    assert stored.file_name == "scripted.svg"
    assert client.download_flamegraph(stored.id) == SCRIPTED_SVG
    # The kernel saw the viewer ready; still nothing ran after that round trip.
    rerun_state_cell(page, page.locator(".jp-CodeCell").nth(1), [["scripted.svg", "ready", ""]])
    assert page.evaluate("typeof window.__pwned") == "undefined"


DIFF_CELL = """\
from driftwatch_nb.widget import FlamegraphViewer
base = {"main;parse_row": 50, "main;read": 50}
head = {"main;parse_row": 90, "main;read": 50}
diff = FlamegraphViewer.diff(base, head)
diff
"""

ICICLE_CELL = """\
icicle = FlamegraphViewer.from_bytes(
    b"main;load;parse 30\\nmain;load;read 10\\nmain;report 20\\nidle 5\\n",
    file_name="cpu.folded", mode="icicle",
)
icicle
"""

VIEWS_STATE_CELL = """\
import json
print("DW-VIEWS " + json.dumps([[v.file_name, v.status, v.matched] for v in (diff, icicle)]))
"""


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_diff_icicle_and_functions_table_in_jupyterlab(lab: Lab, page: Page) -> None:
    write_notebook(lab.root / "views.ipynb", DIFF_CELL, ICICLE_CELL, VIEWS_STATE_CELL)
    open_and_run_all(page, lab, "views.ipynb")
    viewers = page.get_by_test_id("dw-viewer")
    expect(viewers).to_have_count(2, timeout=SLOW_MS)
    diff, icicle = viewers.nth(0), viewers.nth(1)
    for viewer in (diff, icicle):
        expect(viewer).to_have_attribute("data-status", "ready", timeout=SLOW_MS)
        expect(viewer).to_have_attribute("data-source", "stacks")

    # Diff mode: both profiles drawn by the browser, a legend, base/head/change on hover.
    expect(diff).to_have_attribute("data-diff", "true")
    expect(diff.get_by_test_id("dw-legend")).to_be_visible()
    parse = diff.evaluate("v => v.dwViewer.frameBox('parse_row')")
    page.mouse.move(parse["x"] + 10, parse["y"] + 7)
    grew = 100 * (90 / 140 - 50 / 100)
    expect(diff.get_by_test_id("dw-details")).to_have_text(
        f"parse_row — base 50 (50.00%) → head 90 ({100 * 90 / 140:.2f}%); self Δ +{grew:.2f} pp"
    )
    ARTIFACTS.mkdir(exist_ok=True)
    diff.screenshot(path=str(ARTIFACTS / "jupyterlab-diff.png"))

    # Icicle: the root on top; the functions table sorts and highlights.
    expect(icicle).to_have_attribute("data-mode", "icicle")
    canvas = icicle.get_by_test_id("dw-canvas").bounding_box()
    root = icicle.evaluate("v => v.dwViewer.frameBox('all')")
    assert root["y"] == pytest.approx(canvas["y"], abs=1)
    icicle.get_by_test_id("dw-functions-toggle").click()
    rows = icicle.get_by_test_id("dw-function-row")
    expect(rows).to_have_count(6)
    expect(rows.first).to_have_attribute("data-name", "parse")  # most self time
    icicle.get_by_test_id("dw-sort-total").click()
    expect(rows.first).to_have_attribute("data-name", "main")
    rows.filter(has_text="load").first.click()
    expect(icicle.get_by_test_id("dw-matched")).to_have_text(f"Matched: {100 * 40 / 65:.2f}%")
    icicle.screenshot(path=str(ARTIFACTS / "jupyterlab-icicle-functions.png"))

    # The kernel heard back: both ready, the table's highlight as the icicle's matched share.
    cell = page.locator(".jp-CodeCell").nth(2)
    cell.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Shift+Enter")
    expect(cell.locator(".jp-OutputArea-output")).to_have_text(
        "DW-VIEWS "
        + json.dumps([["diff.svg", "ready", ""], ["cpu.folded", "ready", f"{100 * 40 / 65:.2f}%"]]),
        timeout=STEP_MS,
    )


HISTORY_BENCH = "parse.records"
HISTORY_STATE_CELL = """\
import json
print("DW-HISTORY " + json.dumps([history.status, history.selected]))
"""


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_history_viewer_shows_the_change_point_and_opens_a_points_flamegraph(
    live_server: LiveServer, lab: Lab, page: Page
) -> None:
    import datetime as dt
    import random

    from driftwatch_nb.core.flamegraph import render_flamegraph

    # A history with a 50 % step at report 30, its flamegraph on the first slow report.
    rng = random.Random(3)
    start = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
    with Client(live_server.url, live_server.token) as client:
        ids = []
        for i in range(36):
            value = (1e6 if i < 30 else 1.5e6) * (1 + rng.gauss(0, 0.01))
            report = client.create_report(
                PROJECT,
                BRANCH,
                {HISTORY_BENCH: {"latency": value}},
                git_hash=f"{i:02d}".ljust(40, "b"),
                start_time=start + dt.timedelta(hours=i),
            )
            ids.append(report.id)
        svg = render_flamegraph({"main;parse;tokenize": 30, "main;parse;build": 10})
        client.attach_flamegraph(ids[30], svg, file_name="slow.svg", benchmark=HISTORY_BENCH)
    write_notebook(
        lab.root / "history.ipynb",
        "from driftwatch_nb import HistoryViewer\n"
        f"history = HistoryViewer.from_history({PROJECT!r}, {HISTORY_BENCH!r})\n"
        "history",
        HISTORY_STATE_CELL,
    )
    open_and_run_all(page, lab, "history.ipynb")
    chart = page.get_by_test_id("history-chart")
    expect(chart).to_be_visible(timeout=SLOW_MS)
    expect(chart.get_by_test_id("history-point")).to_have_count(36)
    marker = chart.get_by_test_id("change-point")
    expect(marker).to_have_count(1)
    expect(marker).to_have_attribute("data-report-id", ids[30])
    slow_point = chart.locator(f"[data-testid=history-point][data-report-id='{ids[30]}']")
    assert float(marker.get_attribute("x1")) == pytest.approx(
        float(slow_point.get_attribute("cx")), abs=0.01
    )

    slow_point.hover()
    expect(page.get_by_test_id("history-tip")).to_contain_text("click: flamegraph")
    slow_point.click()
    opened = page.get_by_test_id("history-flamegraph")
    expect(opened).to_have_count(1)
    expect(opened).to_have_attribute("data-report-id", ids[30])
    viewer = opened.get_by_test_id("dw-viewer")
    expect(viewer).to_have_attribute("data-status", "ready", timeout=STEP_MS)
    # drawn from the point's stacks, which the kernel sent
    expect(viewer).to_have_attribute("data-source", "stacks")
    assert viewer.evaluate("v => v.dwViewer.names()").count("tokenize") == 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "jupyterlab-history-viewer.png"), full_page=True)

    # The kernel heard the selection back.
    state = page.locator(".jp-CodeCell").nth(1)
    state.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Shift+Enter")
    expect(state.locator(".jp-OutputArea-output")).to_have_text(
        "DW-HISTORY " + json.dumps(["opened 1", [ids[30]]]), timeout=STEP_MS
    )


HISTORY_DIFF_STATE_CELL = """\
import json
d = history.diff
print("DW-DIFF " + json.dumps([history.status, history.selected,
      d and [d["base"], d["head"], d["functions"][0]["name"].split()[0]]]))
"""


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_history_viewer_opens_the_diff_of_two_selected_points(
    live_server: LiveServer, lab: Lab, page: Page
) -> None:
    import datetime as dt
    import random

    from driftwatch_nb.core.flamegraph import render_flamegraph

    # A history with a step at report 30; a profile on each side of it, the slow one spending
    # four times as long in tokenize.
    before = {"main;parse;tokenize": 100, "main;parse;build": 60, "main;setup": 40}
    after = {**before, "main;parse;tokenize": 400}
    rng = random.Random(4)
    start = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
    with Client(live_server.url, live_server.token) as client:
        ids = []
        for i in range(36):
            value = (1e6 if i < 30 else 1.5e6) * (1 + rng.gauss(0, 0.01))
            report = client.create_report(
                PROJECT,
                BRANCH,
                {HISTORY_BENCH: {"latency": value}},
                git_hash=f"{i:02d}".ljust(40, "d"),
                start_time=start + dt.timedelta(hours=i),
            )
            ids.append(report.id)
        base = client.attach_flamegraph(
            ids[28], render_flamegraph(before), file_name="fast.svg", benchmark=HISTORY_BENCH
        )
        head = client.attach_flamegraph(
            ids[32], render_flamegraph(after), file_name="slow.svg", benchmark=HISTORY_BENCH
        )
    write_notebook(
        lab.root / "history-diff.ipynb",
        "from driftwatch_nb import HistoryViewer\n"
        f"history = HistoryViewer.from_history({PROJECT!r}, {HISTORY_BENCH!r})\n"
        "history",
        HISTORY_DIFF_STATE_CELL,
    )
    open_and_run_all(page, lab, "history-diff.ipynb")
    chart = page.get_by_test_id("history-chart")
    expect(chart.get_by_test_id("history-point")).to_have_count(36, timeout=SLOW_MS)

    def point(report_id: str) -> Locator:
        return chart.locator(f"[data-testid=history-point][data-report-id='{report_id}']")

    # The newer point first, then the older one: the older is still the base.
    point(ids[32]).click()
    expect(page.get_by_test_id("history-flamegraph")).to_have_count(1)
    point(ids[28]).click(modifiers=["Shift"])
    diff = page.get_by_test_id("history-diff")
    expect(diff).to_have_attribute("data-status", "ready", timeout=STEP_MS)
    expect(page.get_by_test_id("history-flamegraph")).to_have_count(0)  # no side by side
    expect(diff).to_have_attribute("data-base", base.id)
    expect(diff).to_have_attribute("data-head", head.id)
    summary = diff.get_by_test_id("history-diff-summary")
    expect(summary).to_contain_text(re.compile(r"^slower: `tokenize"))
    names = diff.get_by_test_id("history-diff-function-name")
    expect(names.first).to_have_text(re.compile(r"^tokenize"))  # the slower function first
    expect(names).to_have_count(3)  # the functions with self time: callers only are left out
    listed = [name.split()[0] for name in names.all_inner_texts()]
    assert listed == ["tokenize", "build", "setup"], listed
    changes = diff.get_by_test_id("history-diff-function").locator("td.num:last-child")
    assert changes.first.inner_text().startswith("+"), changes.all_inner_texts()
    viewer = diff.get_by_test_id("dw-viewer")
    expect(viewer).to_have_attribute("data-status", "ready", timeout=STEP_MS)
    # Drawn on the canvas in diff mode from both sides' stacks: tokenize's self share grew
    # (red), build's shrank (blue); hovering tokenize shows base, head and the change.
    assert_canvas_diff(
        page,
        viewer,
        grew="tokenize",
        shrank="build",
        hover="tokenize — base 100 (50.00%) → head 400 (80.00%); self Δ +30.00 pp",
    )
    expect(diff.get_by_test_id("history-diff-legend")).to_contain_text("red grew")
    diff.scroll_into_view_if_needed()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "jupyterlab-history-diff.png"), full_page=True)
    # The SVG only as a download (the kernel sent it with the answer).
    with page.expect_download() as download:
        viewer.get_by_test_id("dw-download").click()
    assert download.value.suggested_filename == "diff.svg"
    saved = Path(download.value.path()).read_text()
    assert saved.lstrip().startswith("<") and "tokenize" in saved

    # The kernel computed it (base = older point) and heard the selection back.
    state = page.locator(".jp-CodeCell").nth(1)
    state.locator(".jp-InputArea-editor").click()
    page.keyboard.press("Shift+Enter")
    expect(state.locator(".jp-OutputArea-output")).to_have_text(
        "DW-DIFF " + json.dumps(["diff ready", [ids[28], ids[32]], [base.id, head.id, "tokenize"]]),
        timeout=STEP_MS,
    )


VERDICT_BENCH = "ui.verdict_cell"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_run_cell_verdict_says_slower_than_main_in_jupyterlab(
    live_server: LiveServer, lab: Lab, page: Page
) -> None:
    import datetime as dt
    import random

    # main's history of the cell, with a step (10 µs, then 20 µs from report 24): far below
    # what the cell really takes (milliseconds), so "slower" is certain whatever the machine.
    rng = random.Random(5)
    start = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
    with Client(live_server.url, live_server.token) as client:
        for i in range(32):
            value = (10_000.0 if i < 24 else 20_000.0) * (1 + rng.gauss(0, 0.01))
            client.create_report(
                PROJECT,
                BRANCH,
                {VERDICT_BENCH: {"latency": value}},
                testbed="notebook",  # the magics' testbed in a notebook
                git_hash=f"{i:02d}".ljust(40, "c"),
                start_time=start + dt.timedelta(hours=i),
            )
        history = client.history(PROJECT, VERDICT_BENCH, branch=BRANCH, testbed="notebook")
        assert [c.index for c in history.change_points] == [24], history.change_points
    write_notebook(
        lab.root / "verdict.ipynb",
        "%load_ext driftwatch_nb",
        f"%%driftwatch run --name {VERDICT_BENCH} -b feature --baseline {BRANCH} -n 3 -r 3\n"
        "total = sum(i * i for i in range(300_000))",
    )
    open_and_run_all(page, lab, "verdict.ipynb")
    cell = page.locator(".jp-CodeCell").nth(1)
    output = cell.locator(".jp-OutputArea-output")
    rows = output.locator("table.driftwatch-run tr")
    verdict_row = rows.filter(has=page.locator("th", has_text=re.compile(r"^verdict$")))
    expect(verdict_row).to_have_count(1, timeout=SLOW_MS)
    expect(verdict_row).to_contain_text(re.compile(r"\d[\d,]*\.\d % slower than main"))
    expect(verdict_row).to_contain_text("p < 0.001")
    expect(verdict_row).to_contain_text("main's last 20 runs")
    history_row = rows.filter(has=page.locator("th", has_text=re.compile(r"^history$")))
    expect(history_row).to_contain_text("→ █")
    ARTIFACTS.mkdir(exist_ok=True)
    cell.screenshot(path=str(ARTIFACTS / "jupyterlab-verdict-cell.png"))
    page.screenshot(path=str(ARTIFACTS / "jupyterlab-verdict.png"), full_page=True)

    # The run went to the branch, not to main's history.
    with Client(live_server.url, live_server.token) as client:
        feature = client.history(PROJECT, VERDICT_BENCH, branch="feature", testbed="notebook")
        assert len(feature.points) == 1
