"""The flamegraph viewer (``driftwatch_nb/core/static/viewer.js``) in a real headless Chromium.

A threaded ``http.server`` on a loopback port serves a test page, ``driftwatch_nb/core/static/`` and
the test SVGs. The page is loaded from ``127.0.0.1`` and the SVGs are fetched from
``localhost``, so every fetch is a real cross-origin request, as with signed storage URLs.

Chromium comes from Debian (``/usr/bin/chromium``); when it is missing these tests fail and say
how to install it.
"""

from __future__ import annotations

import json
import math
import random
import re
import socket
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

import driftwatch_nb
from tests.support.browser import chromium

pytestmark = pytest.mark.browser

STATIC = Path(driftwatch_nb.__file__).parent / "core" / "static"
DATA = Path(__file__).parent / "data"
ARTIFACTS = Path(__file__).parent / "artifacts"
SVG_NS = "http://www.w3.org/2000/svg"
FG_NS = "http://github.com/jonhoo/inferno"
PAGE_TITLE = "driftwatch viewer test"

PAGE = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>{PAGE_TITLE}</title>
<link rel="stylesheet" href="/static/viewer.css">
<style>body {{ margin: 16px; background: #fff; }} #host {{ width: 1000px; }}</style>
</head><body><div id="host"></div>
<script type="module">
import * as viewer from "/static/viewer.js";
window.dwViewer = viewer;
window.__moduleLoaded = true;
</script></body></html>
"""

# ----------------------------------------------------------------------------------------------
# Flamegraph SVGs in the inferno / py-spy layout (percent x/width, fg:x/fg:w, <svg id="frames">)


@dataclass
class Frame:
    name: str
    depth: int
    x: int
    w: int


def frames_from_folded(stacks: dict[str, int]) -> tuple[list[Frame], int]:
    """Lay out folded stacks ("a;b;c" -> samples) the way flamegraph.pl does: sorted, merged."""
    tree: dict = {}
    for stack, count in stacks.items():
        node = tree
        for name in stack.split(";"):
            child = node.setdefault(name, {"": 0})
            child[""] += count
            node = child
    frames: list[Frame] = []
    total = sum(stacks.values())
    frames.append(Frame("all", 0, 0, total))

    def walk(node: dict, depth: int, x: int) -> None:
        for name in sorted(k for k in node if k):
            child = node[name]
            frames.append(Frame(name, depth, x, child[""]))
            walk(child, depth + 1, x)
            x += child[""]

    walk(tree, 1, 0)
    return frames, total


def _label(name: str, px: float) -> str:
    chars = int((px - 3) / (12 * 0.59))
    if chars < 3:
        return ""
    return name if len(name) <= chars else name[: chars - 2] + ".."


def _esc(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _color(name: str) -> str:
    h = sum(map(ord, name)) % 97
    return f"rgb({205 + h % 50},{80 + (h * 7) % 150},{40 + (h * 3) % 50})"


def render_inferno(frames: list[Frame], total: int, *, title: str = "py-spy record") -> str:
    """An SVG like inferno / py-spy write it, <script> and onload included."""
    depth = max(f.depth for f in frames) + 1
    height = depth * 16 + 70
    width = 1200
    out = [
        '<?xml version="1.0" standalone="no"?>',
        '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
        '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">',
        f'<svg version="1.1" width="{width}" height="{height}" onload="init(evt)" '
        f'viewBox="0 0 {width} {height}" xmlns="{SVG_NS}" '
        f'xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:fg="{FG_NS}">',
        '<defs><linearGradient id="background" y1="0" y2="1" x1="0" x2="0">'
        '<stop stop-color="#eeeeee" offset="5%"/><stop stop-color="#eeeeb0" offset="95%"/>'
        "</linearGradient></defs>",
        '<style type="text/css">text { font-family:monospace; font-size:12px } '
        "#title { text-anchor:middle; font-size:17px; } #matched { text-anchor:end; } "
        "#search { text-anchor:end; opacity:0.1; cursor:pointer; } .hide { display:none; } "
        "#frames > *:hover { stroke:black; stroke-width:0.5; cursor:pointer; }</style>",
        '<script type="text/ecmascript"><![CDATA[window.__inlineScriptRan = 1; '
        "function init(evt) { window.__inlineScriptRan = 2; }]]></script>",
        f'<rect x="0" y="0" width="100%" height="{height}" fill="url(#background)"/>',
        f'<text id="title" fill="rgb(0,0,0)" x="50.0000%" y="24.00">{_esc(title)}</text>',
        f'<text id="details" fill="rgb(0,0,0)" x="10" y="{height - 17}.00"> </text>',
        '<text id="unzoom" class="hide" fill="rgb(0,0,0)" x="10" y="24.00">Reset Zoom</text>',
        f'<text id="search" fill="rgb(0,0,0)" x="{width - 10}" y="24.00">Search</text>',
        f'<text id="matched" fill="rgb(0,0,0)" x="{width - 10}" y="{height - 17}.00"> </text>',
        f'<svg id="frames" x="10" width="{width - 20}" total_samples="{total}">',
    ]
    for f in frames:
        y = height - 50 - (f.depth + 1) * 16 + 16
        xp = 100 * f.x / total
        wp = 100 * f.w / total
        pct = 100 * f.w / total
        label = _esc(_label(f.name, wp * (width - 20) / 100))
        out.append(
            f"<g><title>{_esc(f.name)} ({f.w:,} samples, {pct:.2f}%)</title>"
            f'<rect x="{xp:.4f}%" y="{y}" width="{wp:.4f}%" height="15" '
            f'fill="{_color(f.name)}" fg:x="{f.x}" fg:w="{f.w}"/>'
            f'<text x="{xp + 0.25:.4f}%" y="{y + 10.5}">{label}</text></g>'
        )
    out.append("</svg></svg>")
    return "\n".join(out)


PYSPY_STACKS = {
    "<module> (bench.py:1);main (bench.py:40);run (bench.py:31);dumps (json/__init__.py:231);"
    "encode (json/encoder.py:199);iterencode (json/encoder.py:257)": 420,
    "<module> (bench.py:1);main (bench.py:40);run (bench.py:31);loads (json/__init__.py:346);"
    "decode (json/decoder.py:337);raw_decode (json/decoder.py:353)": 310,
    "<module> (bench.py:1);main (bench.py:40);run (bench.py:31);build (bench.py:12);"
    "<listcomp> (bench.py:13)": 180,
    "<module> (bench.py:1);main (bench.py:40);run (bench.py:31);build (bench.py:12);"
    "randint (random.py:362);randrange (random.py:338)": 95,
    "<module> (bench.py:1);main (bench.py:40);setup (bench.py:22);"
    "compile (re/__init__.py:227);_compile (re/__init__.py:294)": 60,
    "<module> (bench.py:1);main (bench.py:40);report (bench.py:50);"
    "encode (json/encoder.py:199)": 35,
}


@pytest.fixture(scope="module")
def pyspy_svg() -> bytes:
    """A small py-spy-style flamegraph."""
    frames, total = frames_from_folded(PYSPY_STACKS)
    return render_inferno(frames, total, title="py-spy record -- python bench.py").encode()


def svg_frames(data: bytes) -> list[tuple[str, float, float]]:
    """(function name, x, width) of every frame, read from the SVG the way flamegraph.pl does."""
    root = ET.fromstring(data)
    frames = []
    for g in root.iter(f"{{{SVG_NS}}}g"):
        title = g.find(f"{{{SVG_NS}}}title")
        rect = g.find(f"{{{SVG_NS}}}rect")
        if title is None or rect is None:
            continue
        name = re.sub(r" \([^()]*\)$", "", title.text or "")
        if rect.get(f"{{{FG_NS}}}w") is not None:
            x, w = float(rect.get(f"{{{FG_NS}}}x")), float(rect.get(f"{{{FG_NS}}}w"))
        else:
            x, w = float(rect.get("x")), float(rect.get("width"))
        frames.append((name, x, w))
    return frames


def expected_match(data: bytes, pattern: str) -> tuple[float, int]:
    """flamegraph.pl's "Matched" percentage and the number of matching frames."""
    frames = svg_frames(data)
    regex = re.compile(pattern, re.IGNORECASE)
    widest: dict[float, float] = {}
    hits = 0
    for name, x, w in frames:
        if regex.search(name):
            hits += 1
            widest[x] = max(w, widest.get(x, 0.0))
    total = max(w for _, _, w in frames)
    count, last_x, last_w = 0.0, -math.inf, 0.0
    for x in sorted(widest):
        if x >= last_x + last_w - total * 1e-7:
            count += widest[x]
            last_x, last_w = x, widest[x]
    return 100 * count / total, hits


# ----------------------------------------------------------------------------------------------
# HTTP server


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str = "application/json"


@dataclass
class SiteState:
    files: dict[str, bytes] = field(default_factory=dict)
    once: dict[str, list[Reply]] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args: object) -> None:
        pass

    def end_headers(self) -> None:
        if not self.path.startswith("/nocors/"):  # a storage without CORS for this page
            self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_OPTIONS(self) -> None:  # noqa: N802
        self.send_response(204)
        self.send_header("Access-Control-Allow-Methods", "GET")
        self.end_headers()

    def do_GET(self) -> None:  # noqa: N802
        state = self.server.state
        path = urlsplit(self.path).path
        with state.lock:
            state.hits.append(self.path)
            queued = state.once.get(path)
            reply = queued.pop(0) if queued else None
            stored = state.files.get(path)
        if reply is not None:
            self._send(reply.status, reply.body, reply.content_type)
        elif path == "/":
            self._send(200, PAGE.encode(), "text/html; charset=utf-8")
        elif path.startswith("/static/") and "/" not in path[len("/static/") :]:
            file = STATIC / path[len("/static/") :]
            if not file.is_file():
                self._send(404, b"not found", "text/plain")
                return
            kind = "text/javascript" if file.suffix == ".js" else "text/css"
            self._send(200, file.read_bytes(), f"{kind}; charset=utf-8")
        elif stored is not None:
            self._send(200, stored, "image/svg+xml")
        else:
            self._send(
                404,
                b'{"statusCode":"404","error":"not_found","message":"Object not found"}',
                "application/json",
            )


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: SiteState


@dataclass
class Site:
    """The test web server: the page at ``page_url``, SVGs at ``svg_base`` (another origin)."""

    port: int
    state: SiteState

    @property
    def page_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def svg_base(self) -> str:
        return f"http://localhost:{self.port}"

    def put(self, path: str, data: bytes) -> str:
        """Serve ``data`` at ``path``; returns its cross-origin URL."""
        with self.state.lock:
            self.state.files[path] = data
        return self.svg_base + path

    def fail_once(self, path: str, status: int, body: dict) -> None:
        """Answer the next request for ``path`` with a Supabase-style JSON error."""
        with self.state.lock:
            self.state.once.setdefault(path, []).append(Reply(status, json.dumps(body).encode()))

    def hits_for(self, prefix: str) -> list[str]:
        with self.state.lock:
            return [h for h in self.state.hits if h.startswith(prefix)]


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.state = SiteState()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Site(port=server.server_address[1], state=server.state)
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def closed_port_url() -> str:
    """A URL nothing listens on: fetching it fails with a network error."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/gone.svg"


# ----------------------------------------------------------------------------------------------
# Browser


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser, site: Site) -> Iterator[object]:  # noqa: ANN001
    context = browser.new_context(accept_downloads=True, viewport={"width": 1100, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(site.page_url)
    page.wait_for_function("window.__moduleLoaded === true")
    page.js_errors = errors  # type: ignore[attr-defined]
    page.dialogs = dialogs  # type: ignore[attr-defined]
    yield page
    context.close()


MOUNT = """
(o) => {
  window.calls = { refresh: 0, fallback: 0 };
  window.statuses = [];
  window.matched = [];
  const opts = {
    url: o.url ?? undefined, svgText: o.svgText ?? undefined, fileName: o.fileName ?? undefined,
    height: o.height ?? 480,
    onStatus: (s) => window.statuses.push(s),
    onMatched: (m) => window.matched.push(m),
  };
  if (o.refreshTo !== null && o.refreshTo !== undefined) {
    opts.refreshUrl = async () => { window.calls.refresh++; return o.refreshTo; };
  }
  if (o.fallbackText !== null && o.fallbackText !== undefined) {
    opts.fallbackBytes = async () => { window.calls.fallback++; return o.fallbackText; };
  }
  window.handle?.destroy();
  window.handle = window.dwViewer.mountViewer(document.getElementById("host"), opts);
}
"""


def mount(page, *, expect: str = "ready", **options: object) -> str:  # noqa: ANN001
    """Mount a viewer and wait until it is no longer loading; returns its status."""
    page.evaluate(MOUNT, options)
    page.wait_for_function(
        "document.querySelector('[data-testid=dw-viewer]')?.dataset.status !== 'loading'"
    )
    status = page.get_attribute("[data-testid=dw-viewer]", "data-status")
    if expect:
        assert status == expect, page.inner_text("[data-testid=dw-error]")
    return status


def frame(page, name: str):  # noqa: ANN001, ANN201
    """The locator of the frame whose function name is ``name``."""
    return page.locator("[data-testid=dw-canvas] g").filter(
        has=page.locator(
            f"xpath=./*[local-name()='title'][starts-with(., {json.dumps(name + ' (')})]"
        )
    )


def data_zoom(page) -> float:  # noqa: ANN001
    return float(page.get_attribute("[data-testid=dw-viewer]", "data-zoom"))


# ----------------------------------------------------------------------------------------------
# Tests


def test_renders_pyspy_flamegraph_without_running_its_script(page, site: Site, pyspy_svg: bytes):
    url = site.put("/svg/pyspy.svg", pyspy_svg)
    mount(page, url=url)
    n_frames = len(svg_frames(pyspy_svg))
    assert page.locator("[data-testid=dw-canvas] g:has(> title):has(> rect)").count() == n_frames
    assert page.locator("[data-testid=dw-canvas] script").count() == 0
    assert page.evaluate("window.__inlineScriptRan") is None
    assert page.inner_text("[data-testid=dw-file-name]") == "pyspy.svg"
    # the labels the SVG carries are drawn
    assert frame(page, "main (bench.py:40)").locator("text").text_content().startswith("main")
    assert page.evaluate("window.statuses") == ["loading", "ready"]
    assert page.js_errors == []


def test_zoom_buttons_wheel_and_reset(page, site: Site, pyspy_svg: bytes):
    mount(page, url=site.put("/svg/pyspy.svg", pyspy_svg))
    assert data_zoom(page) == 1
    page.get_by_test_id("dw-zoom-in").click()
    assert data_zoom(page) == pytest.approx(1.25)
    page.get_by_test_id("dw-zoom-in").click()
    page.get_by_test_id("dw-zoom-out").click()
    assert data_zoom(page) == pytest.approx(1.25)
    page.get_by_test_id("dw-reset").click()
    assert data_zoom(page) == 1

    box = page.get_by_test_id("dw-canvas").bounding_box()
    page.mouse.move(box["x"] + 200, box["y"] + box["height"] - 40)
    page.mouse.wheel(0, -300)
    page.wait_for_function("+document.querySelector('[data-testid=dw-viewer]').dataset.zoom > 1.2")
    zoomed = data_zoom(page)
    # drag to pan: the stage moves with the pointer
    stage_before = (
        page.get_by_test_id("dw-canvas").locator(".dw-stage").evaluate("s => s.style.transform")
    )
    mid = box["y"] + box["height"] / 2  # the canvas is fitted to this short flamegraph
    page.mouse.move(box["x"] + 300, mid)
    page.mouse.down()
    page.mouse.move(box["x"] + 200, mid - 20, steps=5)
    page.mouse.up()
    stage_after = (
        page.get_by_test_id("dw-canvas").locator(".dw-stage").evaluate("s => s.style.transform")
    )
    assert stage_after != stage_before
    assert data_zoom(page) == zoomed
    page.get_by_test_id("dw-canvas").dblclick(position={"x": 5, "y": 5})
    assert data_zoom(page) == 1


# Resolves once window.scrollY has not changed for five animation frames.
SCROLL_SETTLED = """() => new Promise((resolve) => {
  let last = -1, still = 0;
  const tick = () => {
    still = window.scrollY === last ? still + 1 : 0;
    last = window.scrollY;
    if (still >= 5) resolve(last); else requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})"""


def test_wheel_scrolls_the_page_until_the_viewer_is_focused_or_ctrl_is_held(
    page, site: Site, pyspy_svg: bytes
):
    mount(page, url=site.put("/svg/pyspy.svg", pyspy_svg))
    # a page taller than the window, the viewer in sight after scrolling a little
    page.evaluate(
        "document.body.prepend(Object.assign(document.createElement('div'), "
        "{style: 'height: 300px'}));"
        "document.body.append(Object.assign(document.createElement('div'), "
        "{style: 'height: 3000px'}))"
    )
    page.evaluate("document.activeElement?.blur()")

    def over_canvas() -> None:
        top, height = page.evaluate(
            "(() => { const r = document.querySelector('[data-testid=dw-canvas]')"
            ".getBoundingClientRect(); return [r.top, r.height]; })()"
        )
        page.mouse.move(200, top + height / 2)

    over_canvas()
    page.mouse.wheel(0, 100)
    page.wait_for_function("window.scrollY > 0")
    page.evaluate(SCROLL_SETTLED)  # wheel scrolling may be animated
    assert data_zoom(page) == 1  # the page scrolled, the flamegraph did not zoom

    over_canvas()
    scrolled = page.evaluate("window.scrollY")
    page.keyboard.down("Control")
    page.mouse.wheel(0, -300)
    page.keyboard.up("Control")
    page.wait_for_function("+document.querySelector('[data-testid=dw-viewer]').dataset.zoom > 1")
    assert page.evaluate("window.scrollY") == scrolled

    page.get_by_test_id("dw-reset").click()  # focus is in the viewer now: plain wheel zooms
    over_canvas()
    scrolled = page.evaluate("window.scrollY")
    page.mouse.wheel(0, -300)
    page.wait_for_function("+document.querySelector('[data-testid=dw-viewer]').dataset.zoom > 1")
    assert page.evaluate("window.scrollY") == scrolled
    assert page.js_errors == []


DRAG_COVER = """() => {
  const shadow = document.querySelector('[data-testid=dw-canvas]').shadowRoot;
  const cover = shadow.querySelector('.dw-drag-cover');
  return { shown: !cover.hidden, cursor: getComputedStyle(cover).cursor,
           viewport: getComputedStyle(shadow.querySelector('.dw-viewport')).cursor };
}"""


def test_dragging_shows_the_grabbing_cursor_on_a_cover_not_on_every_frame(
    page, site: Site, pyspy_svg: bytes
):
    mount(page, url=site.put("/svg/pyspy.svg", pyspy_svg))
    page.get_by_test_id("dw-zoom-in").click()  # something to pan
    box = page.get_by_test_id("dw-canvas").bounding_box()
    mid = box["y"] + box["height"] / 2
    assert page.evaluate(DRAG_COVER)["shown"] is False
    page.mouse.move(box["x"] + 300, mid)
    page.mouse.down()
    page.mouse.move(box["x"] + 200, mid - 10, steps=5)
    during = page.evaluate(DRAG_COVER)
    # the viewport's own (inherited) cursor never changes, so the frames are not restyled
    assert during == {"shown": True, "cursor": "grabbing", "viewport": "grab"}
    page.mouse.up()
    assert page.evaluate(DRAG_COVER) == {"shown": False, "cursor": "grabbing", "viewport": "grab"}
    # a plain click after the drag still zooms to a frame
    frame(page, "build (bench.py:12)").click()
    assert float(page.get_attribute("[data-testid=dw-viewer]", "data-frame-zoom")) > 1
    assert page.js_errors == []


def test_clicking_a_frame_zooms_to_it_and_reset_undoes_it(page, site: Site, pyspy_svg: bytes):
    mount(page, url=site.put("/svg/pyspy.svg", pyspy_svg))
    target = frame(page, "build (bench.py:12)")
    other = frame(page, "dumps (json/__init__.py:231)")
    all_width = frame(page, "all").locator("rect").bounding_box()["width"]
    before = target.locator("rect").bounding_box()["width"]
    assert before < all_width / 3
    target.locator("rect").click()
    after = target.locator("rect").bounding_box()["width"]
    assert after == pytest.approx(all_width, rel=0.01)
    assert float(page.get_attribute("[data-testid=dw-viewer]", "data-frame-zoom")) > 3
    assert not other.is_visible()  # not under the zoomed frame
    # its children widen too, and its label now fits in full
    child = frame(page, "<listcomp> (bench.py:13)")
    assert child.locator("rect").bounding_box()["width"] > before
    assert target.locator("text").text_content() == "build (bench.py:12)"
    page.get_by_test_id("dw-reset").click()
    assert target.locator("rect").bounding_box()["width"] == pytest.approx(before, rel=0.01)
    assert other.is_visible()
    assert page.get_attribute("[data-testid=dw-viewer]", "data-frame-zoom") == "1"


def test_search_highlights_and_reports_matched_like_flamegraph_pl(
    page, site: Site, pyspy_svg: bytes
):
    mount(page, url=site.put("/svg/pyspy.svg", pyspy_svg))
    pattern = "^(encode|raw_decode)"
    percent, hits = expected_match(pyspy_svg, pattern)
    assert 0 < percent < 100 and hits == 3  # two encode frames overlap: counted once
    page.get_by_test_id("dw-search").fill(pattern)
    page.get_by_test_id("dw-matched").wait_for()
    text = page.inner_text("[data-testid=dw-matched]")
    assert re.fullmatch(r"Matched: \d+\.\d\d%", text), text
    assert float(text.removeprefix("Matched: ").rstrip("%")) == pytest.approx(percent, abs=0.006)
    assert page.locator("[data-testid=dw-canvas] g.dw-frame-match").count() == hits
    fill = (
        frame(page, "raw_decode (json/decoder.py:353)")
        .locator("rect")
        .evaluate("r => getComputedStyle(r).fill")
    )
    assert fill == "rgb(230, 0, 230)"
    assert page.evaluate("window.matched.at(-1)") == text.removeprefix("Matched: ")

    # case-insensitive regex
    searches_before = page.evaluate("window.matched.length")
    page.get_by_test_id("dw-search").fill("JSON/")
    page.wait_for_function(f"window.matched.length > {searches_before}")
    percent2, hits2 = expected_match(pyspy_svg, "JSON/")
    shown = page.inner_text("[data-testid=dw-matched]").removeprefix("Matched: ").rstrip("%")
    assert float(shown) == pytest.approx(percent2, abs=0.006)
    assert page.locator("[data-testid=dw-canvas] g.dw-frame-match").count() == hits2

    # an invalid regex says so inline and leaves the last result alone
    page.get_by_test_id("dw-search").fill("json(")
    page.get_by_test_id("dw-search-error").wait_for()
    assert "Invalid regex" in page.inner_text("[data-testid=dw-search-error]")
    assert page.get_attribute("[data-testid=dw-search]", "aria-invalid") == "true"

    ARTIFACTS.mkdir(exist_ok=True)
    page.get_by_test_id("dw-search").fill("json")
    page.wait_for_function("!document.querySelector('[data-testid=dw-search-error]').textContent")
    frame(page, "run (bench.py:31)").locator("rect").hover(force=True)
    page.locator("#host").screenshot(path=str(ARTIFACTS / "viewer.png"))

    page.get_by_test_id("dw-search").fill("")
    page.wait_for_function("document.querySelector('[data-testid=dw-matched]').hidden")
    assert page.locator("[data-testid=dw-canvas] g.dw-frame-match").count() == 0
    assert page.evaluate("window.matched.at(-1)") == ""


def test_hover_shows_function_samples_and_percent(page, site: Site, pyspy_svg: bytes):
    mount(page, url=site.put("/svg/pyspy.svg", pyspy_svg))
    frame(page, "loads (json/__init__.py:346)").locator("rect").hover(force=True)
    details = page.inner_text("[data-testid=dw-details]")
    total = sum(PYSPY_STACKS.values())
    assert details == f"loads (json/__init__.py:346) — 310 samples ({100 * 310 / total:.2f}%)"
    page.mouse.move(1, 1)
    assert page.inner_text("[data-testid=dw-details]") == ""


def test_fullscreen_toggles(page, site: Site, pyspy_svg: bytes):
    mount(page, url=site.put("/svg/pyspy.svg", pyspy_svg))
    viewer = page.get_by_test_id("dw-viewer")
    height_before = page.get_by_test_id("dw-canvas").bounding_box()["height"]
    page.get_by_test_id("dw-fullscreen").click()
    page.wait_for_function(
        "document.querySelector('[data-testid=dw-viewer]').dataset.fullscreen === 'true'"
    )
    page.wait_for_function(
        f"document.querySelector('[data-testid=dw-canvas]').getBoundingClientRect().height > {height_before + 50}"
    )
    page.get_by_test_id("dw-fullscreen").click()
    page.wait_for_function(
        "document.querySelector('[data-testid=dw-viewer]').dataset.fullscreen === 'false'"
    )
    assert viewer.get_attribute("data-fullscreen") == "false"


def test_fullscreen_falls_back_to_css_when_the_api_is_refused(page, site: Site, pyspy_svg: bytes):
    mount(page, url=site.put("/svg/pyspy.svg", pyspy_svg))
    page.evaluate(
        "() => { Element.prototype.requestFullscreen = HTMLElement.prototype.requestFullscreen ="
        " () => Promise.reject(new TypeError('denied')); }"
    )
    page.get_by_test_id("dw-fullscreen").click()
    page.wait_for_function(
        "document.querySelector('[data-testid=dw-viewer]').dataset.fullscreen === 'true'"
    )
    assert "dw-fs-fallback" in page.get_attribute("[data-testid=dw-viewer]", "class")
    box = page.get_by_test_id("dw-viewer").bounding_box()
    assert box["width"] == 1100 and box["height"] == 800
    page.get_by_test_id("dw-viewer").press("Escape")
    assert page.get_attribute("[data-testid=dw-viewer]", "data-fullscreen") == "false"


def test_download_gives_the_original_bytes_and_name(page, site: Site, pyspy_svg: bytes, tmp_path):
    mount(page, url=site.put("/svg/abc123_bench%20run.svg", pyspy_svg), fileName="bench run.svg")
    with page.expect_download() as info:
        page.get_by_test_id("dw-download").click()
    download = info.value
    assert download.suggested_filename == "bench run.svg"
    saved = tmp_path / "saved.svg"
    download.save_as(saved)
    assert saved.read_bytes() == pyspy_svg  # script and DOCTYPE included: not the sanitized copy


def test_expired_signed_url_is_refreshed_once(page, site: Site, pyspy_svg: bytes):
    site.put("/svg/expired.svg", pyspy_svg)
    fresh = site.put("/svg/fresh.svg", pyspy_svg)
    site.fail_once(
        "/svg/expired.svg",
        400,
        {
            "statusCode": "400",
            "error": "InvalidJWT",
            "message": '"exp" claim timestamp check failed',
        },
    )
    mount(page, url=site.svg_base + "/svg/expired.svg?token=old", refreshTo=fresh + "?token=new")
    assert page.evaluate("window.calls") == {"refresh": 1, "fallback": 0}
    assert site.hits_for("/svg/fresh.svg") == ["/svg/fresh.svg?token=new"]
    assert page.locator("[data-testid=dw-canvas] g:has(> title)").count() == len(
        svg_frames(pyspy_svg)
    )


def test_refresh_is_tried_once_then_the_error_is_shown(page, site: Site):
    body = {"statusCode": "403", "error": "Unauthorized", "message": "invalid signature"}
    site.fail_once("/svg/bad.svg", 403, body)
    site.fail_once("/svg/bad2.svg", 403, body)
    status = mount(
        page,
        expect="error",
        url=site.svg_base + "/svg/bad.svg",
        refreshTo=site.svg_base + "/svg/bad2.svg",
    )
    assert status == "error"
    assert page.evaluate("window.calls") == {"refresh": 1, "fallback": 0}
    message = page.inner_text("[data-testid=dw-error]")
    assert "Could not load bad.svg" in message and "HTTP 403" in message
    assert "invalid signature" in message
    assert page.evaluate("window.statuses.at(-1)").startswith("error: Could not load bad.svg")


def test_network_failure_falls_back_to_kernel_bytes(page, pyspy_svg: bytes):
    mount(page, url=closed_port_url(), fallbackText=pyspy_svg.decode(), fileName="kernel.svg")
    assert page.evaluate("window.calls") == {"refresh": 0, "fallback": 1}
    assert page.locator("[data-testid=dw-canvas] g:has(> title)").count() == len(
        svg_frames(pyspy_svg)
    )


def test_network_failure_without_fallback_shows_error(page):
    mount(page, expect="error", url=closed_port_url())
    message = page.inner_text("[data-testid=dw-error]")
    assert message.startswith(
        "Could not load gone.svg: the browser could not fetch the flamegraph (CORS?)"
    )


def test_a_storage_without_cors_is_named_and_the_kernel_sends_the_bytes(
    page, site: Site, pyspy_svg: bytes
):
    # Issue 13, item 5: a self-hosted storage that does not allow the page's origin.
    url = site.put("/nocors/cpu.svg", pyspy_svg)
    mount(page, expect="error", url=url, fileName="cpu.svg")
    message = page.inner_text("[data-testid=dw-error]")
    assert "the browser could not fetch the flamegraph (CORS?)" in message
    mount(page, url=url, fallbackText=pyspy_svg.decode(), fileName="cpu.svg")
    assert page.evaluate("window.calls") == {"refresh": 0, "fallback": 1}


def test_not_xml_and_not_svg_are_clear_errors(page):
    mount(page, expect="error", svgText="<svg xmlns='http://www.w3.org/2000/svg'><g></svg>")
    assert "not well-formed XML" in page.inner_text("[data-testid=dw-error]")
    mount(page, expect="error", svgText="<html><body>hi</body></html>")
    assert "root element is not an SVG" in page.inner_text("[data-testid=dw-error]")
    mount(
        page,
        expect="error",
        svgText='<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]>'
        '<svg xmlns="http://www.w3.org/2000/svg">&a;</svg>',
    )
    assert "entities" in page.inner_text("[data-testid=dw-error]")


def scripted_svg(beacon: str) -> str:
    """Every way an SVG could try to run script or phone home, around two real frames."""
    return f"""<?xml version="1.0" standalone="no"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<svg version="1.1" width="1200" height="200" viewBox="0 0 1200 200"
     xmlns="{SVG_NS}" xmlns:xlink="http://www.w3.org/1999/xlink"
     xmlns:html="http://www.w3.org/1999/xhtml"
     onload="window.__pwned = 'svg onload'; document.title = 'pwned'">
<style>@import url("{beacon}/css-import"); text {{ font-family: monospace; }}
rect.bg {{ fill: url("{beacon}/css-url"); }}</style>
<script>window.__pwned = 'script'; document.title = 'pwned';</script>
<script type="text/ecmascript" xlink:href="{beacon}/script-src"></script>
<html:script>window.__pwned = 'xhtml script';</html:script>
<rect class="bg" x="0" y="0" width="1200" height="200" fill="#eee"
      style="background-image: url('{beacon}/style-attr')"/>
<a href="javascript:window.__pwned='a href'"><text id="lnk" x="10" y="20">click me</text></a>
<a xlink:href="javascript:window.__pwned='a xlink'"><text id="lnk2" x="110" y="20">me too</text></a>
<image href="{beacon}/image" x="0" y="0" width="10" height="10"
       onerror="window.__pwned = 'image onerror'"/>
<image xlink:href="x" width="1" height="1" onerror="window.__pwned = 'image onerror 2'"/>
<a id="anim"><text x="210" y="20">animated</text>
  <animate attributeName="href" to="javascript:window.__pwned='animate'" begin="0s" dur="0.1s" fill="freeze"/>
  <set attributeName="xlink:href" to="javascript:window.__pwned='set'" begin="0s"/>
  <set attributeName="onclick" to="window.__pwned='set onclick'" begin="0s"/>
</a>
<foreignObject width="100" height="100"><html:iframe src="javascript:parent.__pwned='iframe'"/>
  <html:img src="x" onerror="window.__pwned = 'foreign img'"/></foreignObject>
<use href="data:image/svg+xml,&lt;svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/&gt;"/>
<handler type="application/ecmascript" ev:event="load"
         xmlns:ev="http://www.w3.org/2001/xml-events">window.__pwned = 'handler'</handler>
<g id="frames">
<g onmouseover="window.__pwned = 'frame hover'" onclick="window.__pwned = 'frame click'">
<title>all (100 samples, 100%)</title>
<rect x="10" y="150" width="1180" height="15" fill="rgb(230,120,40)"
      onmouseover="window.__pwned = 'rect hover'"/>
<text x="13" y="160.5">all</text></g>
<g><title>evil (50 samples, 50.00%)</title>
<rect x="10" y="134" width="590" height="15" fill="rgb(230,160,40)"/>
<text x="13" y="144.5" onclick="window.__pwned = 'text click'">evil</text></g>
</g>
</svg>"""


def test_scripted_svg_never_executes(page, site: Site):
    beacon = site.svg_base + "/beacon"
    mount(page, url=site.put("/svg/evil.svg", scripted_svg(beacon).encode()))
    # interact with everything that carried a handler
    page.locator("[data-testid=dw-canvas] #lnk").click()
    page.locator("[data-testid=dw-canvas] #lnk2").click()
    page.locator("[data-testid=dw-canvas] #anim text").click()
    frame(page, "evil").locator("text").click()
    frame(page, "all").locator("rect").hover(force=True)
    page.wait_for_timeout(300)  # give animations and late loads their chance

    assert page.evaluate("window.__pwned") is None
    assert page.title() == PAGE_TITLE
    assert page.url == site.page_url
    assert page.dialogs == []
    assert site.hits_for("/beacon") == []
    assert page.js_errors == []
    canvas = page.get_by_test_id("dw-canvas")
    leftovers = canvas.evaluate(
        """c => [...c.shadowRoot.querySelectorAll('*')].flatMap(e => [
            ...(['script', 'foreignObject', 'handler', 'iframe', 'img', 'set'].includes(e.localName)
                ? [e.localName] : []),
            ...[...e.attributes].filter(a => /^on/i.test(a.localName)
                || (/href$/i.test(a.localName) && !a.value.startsWith('#'))).map(a => a.name),
        ])"""
    )
    assert leftovers == []
    # the frames are still drawn and usable
    assert page.get_attribute("[data-testid=dw-viewer]", "data-status") == "ready"
    assert frame(page, "all").count() == 1 and frame(page, "evil").count() == 1
    assert frame(page, "evil").locator("rect").bounding_box()["width"] > 100
    frame(page, "evil").locator("rect").hover(force=True)
    assert page.inner_text("[data-testid=dw-details]") == "evil — 50 samples (50.00%)"


def test_flamegraph_pl_absolute_layout(page, site: Site):
    data = (DATA / "flamegraph_pl.svg").read_bytes()
    mount(page, url=site.put("/svg/perl.svg", data))
    frames = svg_frames(data)
    assert page.locator("[data-testid=dw-canvas] g:has(> title)").count() == len(frames)
    percent, hits = expected_match(data, "^sha")
    page.get_by_test_id("dw-search").fill("^sha")
    page.get_by_test_id("dw-matched").wait_for()
    shown = page.inner_text("[data-testid=dw-matched]").removeprefix("Matched: ").rstrip("%")
    assert float(shown) == pytest.approx(percent, abs=0.006)
    assert page.locator("[data-testid=dw-canvas] g.dw-frame-match").count() == hits
    target = frame(page, "sha256_block").first  # also under write_output, narrower
    root_width = frame(page, "all").locator("rect").bounding_box()["width"]
    target.locator("rect").click()
    assert target.locator("rect").bounding_box()["width"] == pytest.approx(root_width, rel=0.01)
    frame(page, "all").locator("rect").click()  # the root undoes the zoom, like flamegraph.pl
    assert page.get_attribute("[data-testid=dw-viewer]", "data-frame-zoom") == "1"


def test_frame_zoom_when_frames_do_not_share_a_parent(page):
    # Frames split over two groups, plus a decoration group: each frame is hidden on its own.
    def g(name: str, x: float, w: float, y: int) -> str:
        return (
            f"<g><title>{name} ({int(w)} samples, {w / 10:.2f}%)</title>"
            f'<rect x="{x}" y="{y}" width="{w}" height="15" fill="rgb(230,130,40)"/>'
            f'<text x="{x + 3}" y="{y + 11}">{name}</text></g>'
        )

    svg = (
        f'<svg xmlns="{SVG_NS}" width="1020" height="120" viewBox="0 0 1020 120">'
        '<g id="deco"><rect x="0" y="0" width="1020" height="20" fill="#ddd"/></g>'
        f"<g>{g('all', 10, 1000, 90)}{g('left', 10, 600, 74)}</g>"
        f"<g>{g('right', 610, 400, 74)}{g('leaf', 10, 300, 58)}</g></svg>"
    )
    mount(page, svgText=svg)

    def width(name: str) -> float:
        return frame(page, name).locator("rect").bounding_box()["width"]

    full = width("all")
    frame(page, "left").locator("rect").click()
    assert width("left") == pytest.approx(full, rel=0.01)
    assert width("leaf") == pytest.approx(full / 2, rel=0.01)
    assert not frame(page, "right").is_visible()
    assert page.locator("[data-testid=dw-canvas] #deco").is_visible()
    page.get_by_test_id("dw-reset").click()
    assert frame(page, "right").is_visible()
    assert width("left") == pytest.approx(full * 0.6, rel=0.01)


class FakeModelJs:
    """An anywidget model stand-in, written in JS inside the page."""

    SETUP = """
    (o) => {
      const listeners = {};
      const state = { url: o.url, svg_text: o.svgText, file_name: o.fileName, height: 300,
                      status: "", matched: "" };
      window.sent = [];
      window.model = {
        get: (k) => state[k],
        set: (k, v) => { state[k] = v; (listeners["change:" + k] || []).forEach((f) => f()); },
        save_changes: () => {},
        on: (ev, f) => { (listeners[ev] ||= []).push(f); },
        off: (ev, f) => { listeners[ev] = (listeners[ev] || []).filter((g) => g !== f); },
        send: (msg) => { window.sent.push(msg); },
        emit: (ev, msg) => (listeners[ev] || []).forEach((f) => f(msg)),
        state,
      };
      window.cleanup = window.dwViewer.default.render({ model: window.model,
        el: document.getElementById("host") });
    }
    """


def test_anywidget_render_talks_to_the_kernel(page, site: Site, pyspy_svg: bytes):
    site.put("/svg/w.svg", pyspy_svg)
    site.fail_once(
        "/svg/w.svg", 400, {"statusCode": "400", "error": "InvalidJWT", "message": "jwt expired"}
    )
    page.evaluate(
        FakeModelJs.SETUP,
        {"url": site.svg_base + "/svg/w.svg?t=1", "svgText": "", "fileName": "w.svg"},
    )
    page.wait_for_function("window.sent.length === 1")
    assert page.evaluate("window.sent") == [{"type": "refresh_url"}]
    assert page.evaluate("window.model.state.status") == "loading"
    # the kernel answers by setting the url trait
    page.evaluate(f"window.model.set('url', {json.dumps(site.svg_base + '/svg/w.svg?t=2')})")
    page.wait_for_function("window.model.state.status === 'ready'")
    # height is a maximum: this short flamegraph gets a canvas fitted to its drawn height
    canvas_h = page.get_by_test_id("dw-canvas").bounding_box()["height"]
    svg_h = page.get_by_test_id("dw-canvas").locator("svg").first.bounding_box()["height"]
    assert canvas_h < 300 and canvas_h == pytest.approx(svg_h, abs=1.5)
    page.evaluate("window.model.set('height', 120)")
    assert page.get_by_test_id("dw-canvas").bounding_box()["height"] == 120
    page.get_by_test_id("dw-search").fill("json")
    page.wait_for_function("window.model.state.matched !== ''")
    assert (
        page.evaluate("window.model.state.matched")
        == f"{expected_match(pyspy_svg, 'json')[0]:.2f}%"
    )

    # a later url change reloads; a network failure asks the kernel for the bytes
    page.evaluate(f"window.model.set('url', {json.dumps(closed_port_url())})")
    page.wait_for_function("window.sent.length === 2")
    assert page.evaluate("window.sent[1]") == {"type": "request_bytes"}
    page.evaluate("t => window.model.set('svg_text', t)", pyspy_svg.decode())
    page.wait_for_function("window.model.state.status === 'ready'")

    # the kernel can say it cannot help: the viewer stops waiting and shows why
    page.evaluate("window.model.state.svg_text = ''")
    page.evaluate(f"window.model.set('url', {json.dumps(closed_port_url())})")
    page.wait_for_function("window.sent.length === 3")
    page.evaluate(
        "window.model.emit('msg:custom', {type: 'error', request: 'request_bytes',"
        " message: 'the kernel has no copy of this flamegraph'})"
    )
    page.wait_for_function("window.model.state.status.startsWith('error:')")
    assert "the kernel has no copy" in page.inner_text("[data-testid=dw-error]")
    page.evaluate("window.cleanup()")
    assert page.locator("[data-testid=dw-viewer]").count() == 0


def big_flamegraph(n_frames: int = 50_000, seed: int = 7) -> bytes:
    """A ~9 MiB py-spy-style flamegraph with ``n_frames`` frames."""
    rng = random.Random(seed)
    total = 5_000_000
    frames = [Frame("all", 0, 0, total)]
    queue = [frames[0]]
    modules = ["json", "re", "asyncio", "sqlalchemy", "pandas", "numpy", "httpx", "driftwatch"]
    while queue and len(frames) < n_frames:
        parent = queue.pop(0)
        k = rng.randint(1, 5)
        x = parent.x
        budget = parent.w
        for _ in range(k):
            w = int(budget * rng.uniform(0.15, 0.6))
            if w < 2 or len(frames) >= n_frames:
                break
            mod = rng.choice(modules)
            name = (
                f"{mod}_fn_{len(frames)} ({mod}/core_{rng.randint(0, 99)}.py:{rng.randint(1, 999)})"
            )
            child = Frame(name, parent.depth + 1, x, w)
            frames.append(child)
            queue.append(child)
            x += w
            budget -= w
    return render_inferno(frames, total, title="big").encode()


def test_large_flamegraph_loads_searches_and_zooms(page, site: Site):
    # Behaviour only: how fast this is, is measured in bench/, never asserted in a test.
    page.set_default_timeout(120_000)  # a loaded CI machine is slow, not broken
    data = big_flamegraph()
    assert 8 * 2**20 < len(data) < 10 * 2**20
    url = site.put("/svg/big.svg", data)
    started = time.monotonic()
    mount(page, url=url)
    load_s = time.monotonic() - started
    assert page.get_attribute("[data-testid=dw-viewer]", "data-status") == "ready"

    timing = page.evaluate(
        """async () => {
          const input = document.querySelector('[data-testid=dw-search]');
          const t0 = performance.now();
          window.handle.search('sqlalchemy');
          const search = performance.now() - t0;
          const canvas = document.querySelector('[data-testid=dw-canvas]');
          const g = [...canvas.shadowRoot.querySelectorAll('g')].find(
            (e) => e.querySelector(':scope > title')?.textContent.startsWith('json_fn_'));
          const t1 = performance.now();
          g.querySelector('rect').dispatchEvent(new MouseEvent('click', { bubbles: true }));
          await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
          const zoom = performance.now() - t1;
          const zoomed = document.querySelector('[data-testid=dw-viewer]').dataset.frameZoom;
          const t2 = performance.now();
          window.handle.reset();
          await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
          const reset = performance.now() - t2;
          const afterReset = document.querySelector('[data-testid=dw-viewer]').dataset.frameZoom;
          return { search, zoom, reset, zoomed, afterReset, matched: document.querySelector('[data-testid=dw-matched]').textContent };
        }"""
    )
    assert re.fullmatch(r"Matched: \d+\.\d\d%", timing["matched"]), timing
    assert timing["zoomed"] != "1" and timing["afterReset"] == "1", timing
    print(f"9 MiB flamegraph: load {load_s:.2f}s, {timing}")
