"""The payload corpus (``tests/support/svg_payloads.py``) in the notebook widget, in Chromium.

The widget is mounted the way the notebook mounts it: the anywidget module's ``render`` with a
model (a JS stand-in holding the traits), ``viewer.css`` as the widget's ``_css``, on a page
with NO Content-Security-Policy, so nothing the browser would block masks a leak (JupyterLab's
policy does not limit images and styles either). The page, the SVGs and the beacon share one
loopback origin: a same-origin fetch is the easiest one for an SVG to make, so a zero count
here means something.

For every payload: the picture is shown (or refused with a message, for DTDs and entities),
the canary ``top.__pwned`` is never set, no dialog opens, the page stays where it is, no
request other than the page's own reaches any server, and nothing is drawn or placed outside
the viewer's canvas (see ``tests/support/payload_checks.py``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

import driftwatch_nb
from tests.support.browser import chromium
from tests.support.payload_checks import box_problems, interact, rect_of
from tests.support.svg_payloads import PAYLOADS, Payload

pytestmark = pytest.mark.browser

STATIC = Path(driftwatch_nb.__file__).parent / "core" / "static"
CANVAS = "[data-testid=dw-canvas]"
CONTROLS = [
    "[data-testid=dw-zoom-out]",
    "[data-testid=dw-zoom-in]",
    "[data-testid=dw-reset]",
    "[data-testid=dw-search]",
    "[data-testid=dw-download]",
    "[data-testid=dw-fullscreen]",
]

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>payloads</title>
<link rel="stylesheet" href="/static/viewer.css">
<style>body { margin: 16px; } #host { width: 900px; }</style>
</head><body><h1 id="above">above the widget</h1><div id="host"></div>
<p id="below">below the widget</p>
<script type="module">
import widget from "/static/viewer.js";
window.mountWidget = (url) => {
  window.cleanup?.();
  const listeners = {};
  const state = { url, svg_text: "", file_name: "picture.svg", height: 300, status: "", matched: "" };
  const model = {
    get: (k) => state[k],
    set: (k, v) => { state[k] = v; (listeners["change:" + k] || []).forEach((f) => f()); },
    save_changes: () => {},
    on: (ev, f) => { (listeners[ev] ||= []).push(f); },
    off: (ev, f) => { listeners[ev] = (listeners[ev] || []).filter((g) => g !== f); },
    send: () => {},
  };
  window.model = model;
  window.cleanup = widget.render({ model, el: document.getElementById("host") });
};
window.__moduleLoaded = true;
</script></body></html>
"""

BENIGN = Payload("benign", "")


@dataclass
class Origin:
    """The page's loopback server: page, static files, SVGs under /files/, beacon under /beacon/."""

    port: int
    files: dict[str, bytes] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def beacon_hits(self, name: str) -> list[str]:
        with self.lock:
            return [h for h in self.hits if h.startswith(f"/beacon/{name}/")]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        origin = self.server.origin
        path = urlsplit(self.path).path
        with origin.lock:
            origin.hits.append(path)
            stored = origin.files.get(path)
        if path == "/":
            body, kind = PAGE.encode(), "text/html; charset=utf-8"
        elif path.startswith("/static/") and (STATIC / path[len("/static/") :]).is_file():
            file = STATIC / path[len("/static/") :]
            body = file.read_bytes()
            kind = "text/javascript" if file.suffix == ".js" else "text/css"
        elif stored is not None:
            body, kind = stored, "image/svg+xml"
        else:  # the beacon answers anything, so a leak is never hidden by an error
            body, kind = b"", "text/plain"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    origin: Origin


@pytest.fixture(scope="module")
def origin() -> Iterator[Origin]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.origin = Origin(port=server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.origin
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@dataclass
class WidgetPage:
    page: Any
    dialogs: list[str]
    errors: list[str]
    requests: list[str]
    popups: list[str]
    baseline: dict[str, float]


def show(widget: WidgetPage, origin: Origin, payload: Payload) -> str:
    """Mount the widget on the payload's URL; returns its status once loaded."""
    path = f"/files/{payload.name}.svg"
    with origin.lock:
        origin.files[path] = payload.svg(f"{origin.url}/beacon")
    page = widget.page
    page.evaluate("u => window.mountWidget(u)", origin.url + path)
    page.wait_for_function("window.model.get('status') && window.model.get('status') !== 'loading'")
    return page.evaluate("window.model.get('status')")


@pytest.fixture(scope="module")
def widget(origin: Origin) -> Iterator[WidgetPage]:
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1000, "height": 700})
        page = context.new_page()
        page.set_default_timeout(10_000)
        dialogs: list[str] = []
        errors: list[str] = []
        requests: list[str] = []
        popups: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("request", lambda r: requests.append(r.url))
        context.on("page", lambda p: popups.append(p.url))
        page.goto(origin.url + "/")
        page.wait_for_function("window.__moduleLoaded === true")
        shown = WidgetPage(page, dialogs, errors, requests, popups, baseline={})
        assert show(shown, origin, BENIGN) == "ready"
        shown.baseline = rect_of(page, CANVAS)
        yield shown
        context.close()


def _own_request(url: str, origin: Origin) -> bool:
    if not url.startswith(origin.url + "/"):
        return False
    path = urlsplit(url).path
    return path == "/" or path.startswith(("/static/", "/files/"))


def test_the_benign_picture_is_shown_and_the_checks_see_a_cover(widget: WidgetPage) -> None:
    # Control for the box checks: the :host rule an author <style> carried through the old
    # sanitizer, put next to the picture by the test itself, is caught once the canvas's CSS
    # containment (the second line of defence) is switched off.
    page = widget.page
    assert page.locator(CANVAS).locator("#caption").text_content() == "picture"
    assert box_problems(page, CANVAS, widget.baseline, CONTROLS) == []
    page.evaluate(
        "s => { const c = document.querySelector(s); c.style.contain = 'none';"
        " c.parentElement.style.contain = 'none';"
        " const st = document.createElement('style'); st.id = 'cover';"
        " st.textContent = ':host { position: fixed !important; inset: 0 !important;"
        " z-index: 99999 !important; background: red !important }';"
        " c.shadowRoot.querySelector('.dw-stage').append(st); }",
        CANVAS,
    )
    problems = box_problems(page, CANVAS, widget.baseline, CONTROLS)
    page.evaluate(
        "s => { const c = document.querySelector(s); c.shadowRoot.getElementById('cover').remove();"
        " c.style.contain = ''; c.parentElement.style.contain = ''; }",
        CANVAS,
    )
    assert any("covered" in p for p in problems), problems
    assert any("pixels outside" in p for p in problems), problems
    assert box_problems(page, CANVAS, widget.baseline, CONTROLS) == []


@pytest.mark.parametrize("payload", PAYLOADS, ids=lambda p: p.name)
def test_payload_in_the_widget_is_inert_and_stays_in_its_box(
    widget: WidgetPage, origin: Origin, payload: Payload
) -> None:
    page = widget.page
    page.evaluate("delete window.__pwned")
    before = len(widget.requests)
    status = show(widget, origin, payload)
    if payload.server_refuses:
        # The viewer refuses entity declarations with a message; a bare external DTD is never
        # fetched (DOMParser) and the picture is shown.
        assert status == "ready" or "entities" in status, status
    else:
        assert status == "ready", status
        assert page.locator(CANVAS).locator("#caption").text_content() == "picture"
    if status == "ready":
        interact(page, CANVAS)
    problems: list[str] = []
    if page.evaluate("window.__pwned") is not None:
        problems.append("script ran (the canary is set)")
    if widget.dialogs:
        problems.append(f"dialogs opened: {widget.dialogs}")
        widget.dialogs.clear()
    if page.url != origin.url + "/":
        problems.append(f"the page navigated to {page.url}")
        page.goto(origin.url + "/")
        page.wait_for_function("window.__moduleLoaded === true")
    if widget.popups:
        problems.append(f"windows opened: {widget.popups}")
        widget.popups.clear()
    leaked = [u for u in widget.requests[before:] if not _own_request(u, origin)]
    if leaked or origin.beacon_hits(payload.name):
        problems.append(f"requests left the page: {leaked or origin.beacon_hits(payload.name)}")
    if status == "ready" and page.url == origin.url + "/":
        problems.extend(box_problems(page, CANVAS, widget.baseline, CONTROLS))
    assert problems == [], f"{payload.name}: " + "; ".join(problems)


def test_author_stylesheet_rules_survive_as_inline_styles_without_any_style_element(
    widget: WidgetPage, origin: Origin
) -> None:
    # driftwatch's own flamegraph SVG styles its labels from a <style> sheet: the sanitizer
    # applies those simple rules inline (labels 12 px, the title 17 px) and keeps no sheet.
    from driftwatch_nb.core.flamegraph import render_flamegraph

    svg = render_flamegraph({"main;work;leaf": 30, "main;idle": 10}, title="styled")
    path = "/files/styled.svg"
    with origin.lock:
        origin.files[path] = svg
    page = widget.page
    page.evaluate("u => window.mountWidget(u)", origin.url + path)
    page.wait_for_function("window.model.get('status') === 'ready'")
    sizes = page.locator(CANVAS).evaluate(
        """c => {
          const root = c.shadowRoot;
          const font = (el) => getComputedStyle(el).fontSize;
          return {
            styles: root.querySelectorAll('svg style').length,
            title: font(root.querySelector('svg #title')),
            label: font(root.querySelector('svg g > text')),
          };
        }"""
    )
    assert sizes == {"styles": 0, "title": "17px", "label": "12px"}
