"""The notebook layer in a real JupyterLab, driven by headless Chromium.

JupyterLab is started by the test on a free loopback port, wired to a live driftwatch server
through DRIFTWATCH_* variables. A notebook runs ``%%driftwatch run --profile``; the viewer must
render the uploaded flamegraph and its controls must work; a scripted SVG must not execute.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import nbformat
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from driftwatch_nb import Client
from tests.browser import ARTIFACTS, chromium
from tests.conftest import LiveServer, free_port
from tests.test_viewer_browser import expected_match

pytestmark = [pytest.mark.jupyter, pytest.mark.browser]

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
        ui_hot_loop(30_000)
        ui_cold_path()
"""
SCRIPTED_SVG = b"""<?xml version="1.0" standalone="no"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="400" height="60"
     onload="window.__pwned = 2">
<script>window.__pwned = 1</script>
<g><title>all (10 samples, 100%)</title><rect x="0" y="40" width="400" height="15" fill="rgb(230,100,30)"/>
<text x="2" y="51">all</text></g>
<g><title>evil (5 samples, 50%)</title><rect x="0" y="24" width="200" height="15" fill="rgb(230,120,30)"
   onmouseover="window.__pwned = 5"/><text x="2" y="35">evil</text></g>
<a xlink:href="javascript:window.__pwned = 3"><text x="300" y="20">click</text></a>
<image href="missing.png" x="0" y="0" width="1" height="1" onerror="window.__pwned = 4"/>
</svg>
"""


def write_notebook(path: Path) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    notebook.cells = [
        nbformat.v4.new_code_cell("%load_ext driftwatch_nb\n" + HOT_CODE),
        nbformat.v4.new_code_cell(
            "%%driftwatch run --profile --name ui.busy -n 1 -r 2\nui_outer()"
        ),
        nbformat.v4.new_code_cell("%driftwatch_upload scripted.svg"),
    ]
    nbformat.write(notebook, path)


@pytest.fixture
def jupyterlab(live_server: LiveServer, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A real JupyterLab on a free port; yields (lab URL with token, root dir)."""
    root = tmp_path / "lab"
    root.mkdir()
    home = tmp_path / "home"
    home.mkdir()
    port, token = free_port(), secrets.token_urlsafe(12)
    Client(live_server.url, live_server.token).create_project("ui")
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("PYTEST_", "JUPYTER_", "DRIFTWATCH_"))
        },
        "HOME": str(home),
        "JUPYTER_CONFIG_DIR": str(home / ".jupyter"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "DRIFTWATCH_URL": live_server.url,
        "DRIFTWATCH_TOKEN": live_server.token,
        "DRIFTWATCH_PROJECT": "ui",
        "DRIFTWATCH_BRANCH": "main",
    }
    command = [
        sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
        f"--ServerApp.root_dir={root}", f"--IdentityProvider.token={token}",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.news_url=",
        "--allow-root",  # CI runs as root
    ]  # fmt: skip
    log = (tmp_path / "jupyterlab.log").open("w")
    process = subprocess.Popen(command, env=env, cwd=root, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            if (
                httpx.get(f"{base}/api/status", params={"token": token}, timeout=2).status_code
                == 200
            ):
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(
                "JupyterLab did not start:\n" + (tmp_path / "jupyterlab.log").read_text()[-3000:]
            )
        time.sleep(0.3)
    try:
        yield f"{base}/lab/tree/ui.ipynb?token={token}", root
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_profile_cell_renders_an_interactive_flamegraph_in_jupyterlab(
    live_server: LiveServer, jupyterlab: tuple[str, Path]
) -> None:
    url, root = jupyterlab
    write_notebook(root / "ui.ipynb")
    (root / "scripted.svg").write_bytes(SCRIPTED_SVG)
    client = Client(live_server.url, live_server.token)

    with chromium() as browser:
        context = browser.new_context(
            accept_downloads=True, viewport={"width": 1400, "height": 1000}
        )
        page = context.new_page()
        page.set_default_timeout(120_000)
        page.goto(url)
        page.locator(".jp-Notebook").wait_for()
        select_kernel = page.locator(".jp-Dialog").get_by_role("button", name="Select")
        try:
            select_kernel.wait_for(timeout=20_000)
            select_kernel.click()
        except PlaywrightTimeout:
            pass  # this JupyterLab started the notebook's kernel without asking
        page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first.wait_for()
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_text("Run All Cells", exact=True).click()

        viewers = page.locator("[data-testid=dw-viewer]")
        viewers.nth(1).wait_for()  # the profile's viewer, then the uploaded scripted SVG's
        first = viewers.nth(0)
        page.wait_for_function(
            "() => document.querySelectorAll('[data-testid=dw-viewer][data-status=ready]').length >= 2",
            timeout=120_000,
        )
        page.set_default_timeout(15_000)

        # Python state: a report with the latency and one flamegraph linked to the benchmark.
        [report] = client.reports("ui", limit=5)
        assert [(m.benchmark, m.measure) for m in report.metrics] == [("ui.busy", "latency")]
        profile = next(f for f in report.flamegraphs if f.benchmark == "ui.busy")
        stored = client.download_flamegraph(profile.id)

        zoom_before = float(first.get_attribute("data-zoom"))
        first.get_by_test_id("dw-zoom-in").click()
        page.wait_for_function(
            f"() => parseFloat(document.querySelector('[data-testid=dw-viewer]').dataset.zoom) > {zoom_before}"
        )
        first.get_by_test_id("dw-reset").click()

        hot = (
            first.locator("[data-testid=dw-canvas] g")
            .filter(
                has=page.locator("xpath=./*[local-name()='title'][starts-with(., 'ui_hot_loop')]")
            )
            .first
        )
        hot.locator("rect").click(force=True)
        page.wait_for_function(
            "() => document.querySelector('[data-testid=dw-viewer]').dataset.frameZoom !== '1'"
        )
        first.get_by_test_id("dw-reset").click()

        first.get_by_test_id("dw-search").fill("ui_hot_loop")
        matched = first.get_by_test_id("dw-matched")
        matched.wait_for()
        percent, hits = expected_match(stored, "ui_hot_loop")
        assert hits >= 1
        shown = float(matched.inner_text().removeprefix("Matched: ").rstrip("%"))
        assert shown == pytest.approx(percent, abs=0.006)

        first.get_by_test_id("dw-fullscreen").click()
        page.wait_for_function(
            "() => document.querySelector('[data-testid=dw-viewer]').dataset.fullscreen === 'true'"
        )
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "jupyterlab-viewer-fullscreen.png"))
        first.get_by_test_id("dw-fullscreen").click()
        page.wait_for_function(
            "() => document.querySelector('[data-testid=dw-viewer]').dataset.fullscreen === 'false'"
        )
        with page.expect_download() as download_info:
            first.get_by_test_id("dw-download").click()
        download = download_info.value
        assert download.suggested_filename == "ui.busy.svg"
        assert Path(download.path()).read_bytes() == stored
        first.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "jupyterlab-viewer.png"))

        # The scripted SVG is drawn, and none of its scripts ran, in the viewer or the page.
        scripted = viewers.nth(1)
        evil = scripted.locator("[data-testid=dw-canvas] g").filter(
            has=page.locator("xpath=./*[local-name()='title'][starts-with(., 'evil')]")
        )
        evil.locator("rect").hover(force=True)
        evil.locator("rect").click(force=True)
        assert page.evaluate("() => window.__pwned") is None
        assert page.evaluate("() => typeof window.__pwned") == "undefined"
        context.close()
    assert json.loads(json.dumps(report.id))  # the report id came from the server
