"""First render of a ~9 MiB, ~48k-frame flamegraph in the viewer module against Chromium
opening the same SVG directly, measured in the same run in headless Chromium.

    python bench/bench_viewer_render.py

Baseline: navigate to the SVG's URL until the load event plus one painted frame. Viewer: a page
that imports driftwatch_nb/static/viewer.js, mounts it on the same URL, and waits until it
reports ready plus one painted frame. Goal: ratio (viewer / direct) <= 1.5.
"""

from __future__ import annotations

import functools
import statistics
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import driftwatch_nb
from driftwatch_nb.flamegraph import make_large_flamegraph

sys.path.insert(0, str(Path(__file__).parent.parent))
from tests.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

ROUNDS = 5
PAGE = """<!doctype html><meta charset="utf-8"><link rel="stylesheet" href="/static/viewer.css">
<div id="host" style="width:1200px;height:700px"></div>
<script type="module">
import { mountViewer } from "/static/viewer.js";
window.render = (url) => new Promise((resolve) => {
  const t0 = performance.now();
  const host = document.getElementById("host");
  host.replaceChildren();
  mountViewer(host, { url, fileName: "big.svg" });
  const check = () => {
    const root = host.querySelector("[data-testid=dw-viewer]");
    if (root && root.dataset.status !== "loading") {
      requestAnimationFrame(() => resolve(performance.now() - t0));
    } else {
      requestAnimationFrame(check);
    }
  };
  check();
});
</script>"""


def main() -> int:
    from playwright.sync_api import sync_playwright

    root = Path(tempfile.mkdtemp(prefix="driftwatch-bench-viewer-"))
    (root / "static").symlink_to(Path(driftwatch_nb.__file__).parent / "static")
    (root / "big.svg").write_bytes(make_large_flamegraph(9 * 1024 * 1024))
    (root / "index.html").write_text(PAGE)

    class QuietHandler(SimpleHTTPRequestHandler):
        def log_message(self, *_args: object) -> None:
            pass

    handler = functools.partial(QuietHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"

    direct_times, viewer_times = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        for _ in range(ROUNDS):  # interleaved; each on a fresh page
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            started = time.perf_counter()
            page.goto(f"{base}/big.svg", wait_until="load", timeout=120_000)
            page.evaluate("new Promise((r) => requestAnimationFrame(() => r()))")
            direct_times.append((time.perf_counter() - started) * 1000)
            page.close()

            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(f"{base}/index.html")
            page.wait_for_function("typeof window.render === 'function'")
            started = time.perf_counter()
            page.evaluate(f"window.render({base + '/big.svg'!r})")
            viewer_times.append((time.perf_counter() - started) * 1000)
            status = page.get_attribute("[data-testid=dw-viewer]", "data-status")
            assert status == "ready", status
            page.close()
        browser.close()
    server.shutdown()
    direct, viewer = statistics.median(direct_times), statistics.median(viewer_times)
    print(f"Chromium opening the SVG : {direct:8.0f} ms (median of {ROUNDS})")
    print(f"viewer first render      : {viewer:8.0f} ms")
    print(f"ratio viewer/direct      : {viewer / direct:.2f}  (goal <= 1.5)")
    return 0 if viewer / direct <= 1.5 else 1


if __name__ == "__main__":
    sys.exit(main())
