"""First render of a ~9 MiB flamegraph in the viewer against Chromium opening the SVG itself.

    python -m bench.bench_viewer_render [--rounds N] [--profile]

``make_large_flamegraph()`` (~9 MiB, ~48k frames, flamegraph.pl layout with DOCTYPE and
script) is served by a threaded ``http.server`` on loopback, ``Cache-Control: no-store``, and
measured in one headless Chromium, the two cases interleaved, each on a fresh page:

direct
    ``page.goto(<svg url>)``: Chromium fetches, parses, lays out and paints the SVG document.
    Time = ``performance.now()`` (ms since navigation start) in the first ``setTimeout`` after
    the first ``requestAnimationFrame`` after the load event, that is once a frame is painted.
viewer
    ``page.goto(<viewer page>)``: a small page that imports ``driftwatch_nb/core/static/viewer.js``
    and calls ``mountViewer(host, {url})`` on the same URL. Time = ``performance.now()`` (ms
    since navigation start) in the first ``setTimeout`` after the first
    ``requestAnimationFrame`` after the viewer reports ``"ready"`` through ``onStatus`` (the
    same moment ``data-status="ready"`` is set). The time from ``mountViewer()`` alone is shown
    as well.

Both start at a navigation, so both include fetching the 9 MiB over loopback. The medians and
their ratio (goal: viewer / direct <= 1.5) are printed; the exit code is 1 above the goal.

``--profile`` adds one viewer render under the V8 sampling profiler (Chrome DevTools Protocol
``Profiler`` domain) and the viewer's own phases timed in the page with the module's exports,
and prints where the time goes.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import driftwatch_nb
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402  (one launcher for tests and benches)
from tests.support.flamegraphs import make_large_flamegraph

STATIC = Path(driftwatch_nb.__file__).parent / "core" / "static"
GOAL = 1.5
DEFAULT_ROUNDS = 7
VIEWPORT = {"width": 1280, "height": 800}
NAVIGATION_TIMEOUT_MS = 180_000

# Runs in every document before its own scripts, the SVG document included: records the first
# painted frame after the load event.
PAINTED_AFTER_LOAD_JS = """
window.__painted = new Promise((resolve) => {
  addEventListener("load", () => requestAnimationFrame(() => setTimeout(
    () => resolve(performance.now()), 0)));
});
"""

VIEWER_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>viewer bench</title>
<link rel="stylesheet" href="/static/viewer.css">
<style>body { margin: 8px; }</style></head>
<body><div id="host"></div>
<script type="module">
import { mountViewer } from "/static/viewer.js";
const params = new URLSearchParams(location.search);
window.__result = new Promise((resolve) => {
  const mountedAt = performance.now();
  mountViewer(document.getElementById("host"), {
    url: params.get("svg"),
    onStatus: (status) => {
      if (status === "loading") return;
      requestAnimationFrame(() => setTimeout(() => resolve({
        status, mountedAt, painted: performance.now(),
        frames: document.querySelector("[data-testid=dw-canvas]")
          .shadowRoot.querySelectorAll("g > title").length,
      }), 0));
    },
  });
});
</script></body></html>
"""

# The viewer's pipeline replayed phase by phase with the module's exports, for --profile.
PHASES_JS = """
async (url) => {
  const { sanitizeSvg } = await import("/static/viewer.js");
  const t = [performance.now()];
  const res = await fetch(url, { credentials: "omit" });
  const buf = new Uint8Array(await res.arrayBuffer());
  t.push(performance.now());
  const text = new TextDecoder("utf-8").decode(buf);
  t.push(performance.now());
  const parsed = new DOMParser().parseFromString(text, "image/svg+xml");
  t.push(performance.now());
  const { svg } = sanitizeSvg(text);  // parses again, then sanitizes
  t.push(performance.now());
  const node = document.adoptNode(svg);
  t.push(performance.now());
  const host = document.createElement("div");
  host.style.cssText = "position:absolute;left:0;top:0;width:1200px;height:480px;overflow:hidden";
  document.body.append(host);
  host.attachShadow({ mode: "open" }).append(node);
  void host.offsetHeight;  // style + layout now
  t.push(performance.now());
  await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  t.push(performance.now());
  const names = ["fetch + arrayBuffer", "TextDecoder", "DOMParser (alone)",
                 "sanitizeSvg (parse + sanitize)", "adoptNode", "append + style/layout",
                 "first paint"];
  return { phases: names.map((n, i) => [n, t[i + 1] - t[i]]), elements: parsed
    .getElementsByTagName("*").length };
}
"""


class _Handler(SimpleHTTPRequestHandler):
    """Static files with no caching, so every round fetches the 9 MiB again."""

    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
        ".svg": "image/svg+xml",
        ".html": "text/html; charset=utf-8",
    }

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, *_args: object) -> None:
        pass


@contextmanager
def serve(root: Path) -> Iterator[str]:
    """Serve ``root`` on a free loopback port; yields the base URL."""

    class Handler(_Handler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(root), **kwargs)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def measure_direct(browser: Any, svg_url: str) -> float:
    """Milliseconds from navigation start to the first painted frame after the SVG's load."""
    page = browser.new_page(viewport=VIEWPORT)
    try:
        page.add_init_script(PAINTED_AFTER_LOAD_JS)
        page.goto(svg_url, wait_until="load", timeout=NAVIGATION_TIMEOUT_MS)
        assert page.evaluate("document.documentElement.localName") == "svg"
        return float(page.evaluate("window.__painted"))
    finally:
        page.close()


def measure_viewer(browser: Any, page_url: str) -> tuple[float, float, int]:
    """(ms from navigation start, ms from mountViewer(), frames drawn) to the viewer's first
    painted frame after it reports ready."""
    page = browser.new_page(viewport=VIEWPORT)
    try:
        page.goto(page_url, wait_until="load", timeout=NAVIGATION_TIMEOUT_MS)
        result = page.evaluate("window.__result")
        if result["status"] != "ready":
            raise SystemExit(f"the viewer did not render the flamegraph: {result['status']}")
        return result["painted"], result["painted"] - result["mountedAt"], result["frames"]
    finally:
        page.close()


def profile_viewer(browser: Any, page_url: str, svg_url: str) -> None:
    """Print the viewer's phases and the functions the V8 profiler saw taking the time."""
    page = browser.new_page(viewport=VIEWPORT)
    try:
        page.goto(page_url.replace("svg=", "nosvg="), wait_until="load")  # module, no mount
        page.evaluate("window.__result")  # resolves at once: no URL, status is an error
        phases = page.evaluate(PHASES_JS, svg_url)
        print(f"\nviewer pipeline replayed in the page ({phases['elements']:,} SVG elements):")
        for name, ms in phases["phases"]:
            print(f"  {name:32s} {ms:8.0f} ms")
    finally:
        page.close()

    page = browser.new_page(viewport=VIEWPORT)
    try:
        cdp = page.context.new_cdp_session(page)
        cdp.send("Profiler.enable")
        cdp.send("Profiler.setSamplingInterval", {"interval": 200})
        cdp.send("Profiler.start")
        page.goto(page_url, wait_until="load", timeout=NAVIGATION_TIMEOUT_MS)
        page.evaluate("window.__result")
        profile = cdp.send("Profiler.stop")["profile"]
    finally:
        page.close()
    self_ms, total_ms = _profile_times(profile)
    print("\nV8 CPU profile of one viewer render, self time (native work called from JS, such as")
    print("DOMParser, attribute writes and forced layout, counts for the JS function calling it):")
    for (name, where), ms in sorted(self_ms.items(), key=lambda kv: -kv[1])[:12]:
        print(f"  {ms:8.0f} ms  {name or '(anonymous)'}  {where}")
    print("\nviewer.js functions, inclusive time:")
    rows = [(k, v) for k, v in total_ms.items() if "viewer.js" in k[1]]
    for (name, where), ms in sorted(rows, key=lambda kv: -kv[1])[:12]:
        print(f"  {ms:8.0f} ms  {name or '(anonymous)'}  {where}")


def _profile_times(
    profile: dict[str, Any],
) -> tuple[dict[tuple[str, str], float], dict[tuple[str, str], float]]:
    """Self and inclusive milliseconds per (function, url:line) from a CDP CPU profile."""
    nodes = {node["id"]: node for node in profile["nodes"]}
    parent: dict[int, int] = {}
    for node in profile["nodes"]:
        for child in node.get("children", []):
            parent[child] = node["id"]

    def key(node: dict[str, Any]) -> tuple[str, str]:
        frame = node["callFrame"]
        url = urlsplit(frame["url"]).path.rsplit("/", 1)[-1]
        where = f"{url}:{frame['lineNumber'] + 1}" if url else ""
        return frame["functionName"], where

    self_ms: dict[tuple[str, str], float] = defaultdict(float)
    total_ms: dict[tuple[str, str], float] = defaultdict(float)
    for sample, delta in zip(profile["samples"], profile["timeDeltas"], strict=True):
        ms = delta / 1000
        self_ms[key(nodes[sample])] += ms
        seen = set()
        node_id: int | None = sample
        while node_id is not None:
            k = key(nodes[node_id])
            if k not in seen:  # recursion counts once
                total_ms[k] += ms
                seen.add(k)
            node_id = parent.get(node_id)
    return self_ms, total_ms


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 when the ratio meets the goal, 1 otherwise."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=DEFAULT_ROUNDS, help="rounds (>= 5)")
    parser.add_argument("--profile", action="store_true", help="also show where the time goes")
    args = parser.parse_args(argv)
    if args.rounds < 5:
        parser.error("--rounds must be at least 5")
    if not CHROMIUM.exists():
        print(
            f"headless Chromium is required at {CHROMIUM}: apt-get install chromium chromium-driver",
            file=sys.stderr,
        )
        return 1
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="driftwatch-bench-viewer-") as tmp:
        root = Path(tmp)
        data = make_large_flamegraph()
        (root / "big.svg").write_bytes(data)
        (root / "static").mkdir()
        for name in ("viewer.js", "viewer.css"):
            (root / "static" / name).write_bytes((STATIC / name).read_bytes())
        (root / "viewer.html").write_text(VIEWER_PAGE)
        print(f"flamegraph: {len(data) / 2**20:.1f} MiB, {data.count(b'<g>'):,} frames")

        with serve(root) as base, sync_playwright() as playwright:
            svg_url = f"{base}/big.svg"
            page_url = f"{base}/viewer.html?svg={svg_url}"
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                measure_direct(browser, svg_url)  # warm-up: Chromium's caches, not timed
                measure_viewer(browser, page_url)
                direct: list[float] = []
                viewer: list[float] = []
                from_mount: list[float] = []
                for i in range(args.rounds):
                    # Alternate which goes first, so drift hits both alike.
                    order = ("direct", "viewer") if i % 2 == 0 else ("viewer", "direct")
                    for which in order:
                        if which == "direct":
                            direct.append(measure_direct(browser, svg_url))
                        else:
                            total, mount, frames = measure_viewer(browser, page_url)
                            viewer.append(total)
                            from_mount.append(mount)
                    print(
                        f"  round {i + 1}: direct {direct[-1]:7.0f} ms   viewer {viewer[-1]:7.0f} ms"
                        f" ({from_mount[-1]:.0f} ms from mountViewer, {frames:,} frames drawn)"
                    )
                if args.profile:
                    profile_viewer(browser, page_url, svg_url)
            finally:
                browser.close()

    d, v, m = (statistics.median(x) for x in (direct, viewer, from_mount))
    ratio = v / d
    print(json.dumps({"direct_ms": round(d), "viewer_ms": round(v), "ratio": round(ratio, 2)}))
    print(f"Chromium opening the SVG : {d:8.0f} ms  (median of {len(direct)})")
    print(
        f"viewer first render      : {v:8.0f} ms  (median of {len(viewer)}; {m:.0f} ms from mountViewer)"
    )
    print(f"ratio viewer / direct    : {ratio:8.2f}  (goal <= {GOAL})")
    return 0 if ratio <= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
