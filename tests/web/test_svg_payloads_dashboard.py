"""The payload corpus (``tests/support/svg_payloads.py``) in the dashboard's report modal.

Every payload goes through the real upload path (``Client.attach_flamegraph``, validated by
``validate_svg`` on both sides, stored in the private bucket) as a picture attached to one
report; the browser signs in, opens each one in the report modal and asserts, as in the
widget test: the picture is shown, the canary is never set, no dialog opens, the page stays,
Chromium reports no Content-Security-Policy refusal at all (the dashboard's CSP would block a
fetch: a refusal is the leak it masked; handler attributes never reach the parser, so even
parsing refuses nothing), the loopback beacon gets no request, and nothing is drawn or placed
outside the viewer's canvas, the modal's Close button included. The files ``validate_svg``
refuses (entities, DTDs) must be refused at upload with a message naming the file.

The whole corpus runs on SQLite and on PostgreSQL: one report holds every payload, and
``PAGES`` signed-in pages (each in its own browser, driven from its own thread) share them out
and open theirs one after the other in the modal, with no new sign-in or page per payload.
Most of a payload's time is the checks' waits, which the pages spend side by side: the full
corpus on PostgreSQL took 176 s on one page, 89 s on three.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from driftwatch_nb import Client
from driftwatch_nb.core.errors import InvalidFile
from tests.support.browser import chromium
from tests.support.payload_checks import box_problems, interact, rect_of
from tests.support.server import LiveServer
from tests.support.svg_payloads import PAYLOADS, Payload
from tests.web.test_dashboard_browser import Tab, csp_violations, sign_in

pytestmark = pytest.mark.browser

MODAL = "[data-testid=viewer-modal]"
CANVAS = f"{MODAL} [data-testid=dw-canvas]"
CONTROLS = [
    f"{MODAL} [data-testid=viewer-close]",
    f"{MODAL} [data-testid=dw-zoom-out]",
    f"{MODAL} [data-testid=dw-zoom-in]",
    f"{MODAL} [data-testid=dw-reset]",
    f"{MODAL} [data-testid=dw-search]",
    f"{MODAL} [data-testid=dw-download]",
    f"{MODAL} [data-testid=dw-fullscreen]",
]
BENCHMARK = "pictures"
BENIGN = Payload("benign", "")
PAGES = 3
"""Pages checking the corpus side by side (each signed in once, one payload after another)."""
# The payloads the old sanitizer let through (requests or drawing outside the box).
GOT_THROUGH_BEFORE = {
    "css-url-escape-75",
    "css-url-escape-000075",
    "css-url-escape-u-r",
    "css-url-escape-upper",
    "css-import-escaped",
    "css-image-set",
    "style-attr-escaped-url",
    "style-attr-image-set",
    "host-fixed-cover",
    "host-context-fixed",
    "host-outline",
    "host-box-shadow",
    "host-negative-margin",
    "host-transform",
    "viewport-fixed",
}


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium() as launched:
        yield launched


def _new_tab(browser) -> Tab:  # noqa: ANN001
    """A new context at laptop width, collecting page errors and console output."""
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    console: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    return Tab(context=context, page=page, errors=errors, console=console)


@pytest.fixture
def tab(browser) -> Iterator[Tab]:  # noqa: ANN001
    made = _new_tab(browser)
    yield made
    made.context.close()


@dataclass
class Beacon:
    """A loopback server that counts every request: any hit is a leak."""

    port: int
    hits: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/beacon"

    def hits_for(self, name: str) -> list[str]:
        with self.lock:
            return [h for h in self.hits if h.startswith(f"/beacon/{name}/")]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args: object) -> None:
        pass

    def _answer(self) -> None:
        with self.server.beacon.lock:
            self.server.beacon.hits.append(self.path)
        self.send_response(200)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = do_OPTIONS = _answer  # noqa: N815


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    beacon: Beacon


@pytest.fixture(scope="module")
def beacon() -> Iterator[Beacon]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.beacon = Beacon(port=server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.beacon
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def _upload(server: LiveServer, beacon: Beacon, payloads: list[Payload]) -> list[Payload]:
    """Attach every payload the validator accepts; returns them. Refusals are asserted."""
    shown: list[Payload] = []
    with Client(server.url, server.token) as alice:
        alice.create_project("demo", "Demo service")
        report = alice.create_report("demo", "main", {BENCHMARK: {"latency": 1000}})
        for payload in [BENIGN, *payloads]:
            name = f"{payload.name}.svg"
            if payload.server_refuses:
                with pytest.raises(InvalidFile) as refused:
                    alice.attach_flamegraph(
                        report, payload.svg(beacon.url), file_name=name, benchmark=BENCHMARK
                    )
                assert name in str(refused.value)
                continue
            alice.attach_flamegraph(
                report, payload.svg(beacon.url), file_name=name, benchmark=BENCHMARK
            )
            shown.append(payload)
    return shown


def _open(page, name: str) -> str:  # noqa: ANN001
    """Open the picture called ``name`` in the modal; returns the viewer's status."""
    page.locator(f'[data-testid=open-flamegraph][data-file-name="{name}.svg"]').click()
    page.wait_for_function(
        "s => { const v = document.querySelector(s);"
        " return v && v.dataset.status && v.dataset.status !== 'loading'; }",
        arg=f"{MODAL} [data-testid=dw-viewer]",
    )
    return page.get_attribute(f"{MODAL} [data-testid=dw-viewer]", "data-status") or ""


def _close(page) -> None:  # noqa: ANN001
    page.evaluate("document.getElementById('viewer-dialog')?.close()")
    page.evaluate("document.getElementById('viewer-host')?.replaceChildren()")


def _run_corpus(server: LiveServer, tab: Tab, beacon: Beacon, payloads: list[Payload]) -> None:
    """Upload the corpus once, then open it in the modal in ``PAGES`` signed-in pages at once:
    this page and one per other browser, each driven from a thread (Playwright's sync API wants one
    instance per thread). Most of a payload's time is the checks' waits for animations and
    transitions, which the two pages then spend side by side."""
    shown = _upload(server, beacon, payloads)[1:]
    parts = [shown[start::PAGES] for start in range(PAGES)]

    def in_other_browser(part: list[Payload]) -> tuple[dict[str, list[str]], list[str]]:
        with chromium() as other_browser:
            other = _new_tab(other_browser)
            try:
                return _check_in_modal(server, other, beacon, part), other.errors
            finally:
                other.context.close()

    with ThreadPoolExecutor(PAGES - 1) as pool:
        others = [pool.submit(in_other_browser, part) for part in parts[1:]]
        failures = _check_in_modal(server, tab, beacon, parts[0])
        errors = list(tab.errors)
        for other in others:
            more_failures, more_errors = other.result(timeout=1800)
            failures.update(more_failures)
            errors.extend(more_errors)
    assert sum(map(len, parts)) == len(shown) == len([p for p in payloads if not p.server_refuses])
    assert failures == {}, "\n".join(f"{k}: {'; '.join(v)}" for k, v in failures.items())
    assert errors == []


def _check_in_modal(
    server: LiveServer, tab: Tab, beacon: Beacon, shown: list[Payload]
) -> dict[str, list[str]]:
    """Sign in, then open each payload in the report modal; the problems of each that has any."""
    page = tab.page
    dialogs: list[str] = []
    requests: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("request", lambda r: requests.append(r.url))
    sign_in(page, server.url, server.token)
    workspace = f"{server.url}/workspaces/demo"
    page.goto(workspace)
    assert _open(page, BENIGN.name) == "ready"
    baseline = rect_of(page, CANVAS)
    assert box_problems(page, CANVAS, baseline, CONTROLS) == []
    _close(page)

    failures: dict[str, list[str]] = {}
    for payload in shown:
        console_before, requests_before = len(tab.console), len(requests)
        page.evaluate("delete window.__pwned")
        status = _open(page, payload.name)
        problems: list[str] = []
        if status != "ready":
            problems.append(f"not shown: {page.inner_text(f'{MODAL} [data-testid=dw-error]')}")
        else:
            caption = page.locator(CANVAS).locator("#caption").text_content()
            if caption != "picture":
                problems.append(f"the picture is not shown (caption {caption!r})")
            interact(page, CANVAS)
        if page.evaluate("window.__pwned") is not None:
            problems.append("script ran (the canary is set)")
        if dialogs:
            problems.append(f"dialogs opened: {dialogs}")
            dialogs.clear()
        if page.url != workspace:
            problems.append(f"the page navigated to {page.url}")
        refusals = csp_violations(tab.console[console_before:])
        if refusals:
            problems.append(f"CSP refusals: {refusals[:3]}")
        leaked = [u for u in requests[requests_before:] if u.startswith(beacon.url)]
        if leaked or beacon.hits_for(payload.name):
            problems.append(f"requests left the page: {leaked or beacon.hits_for(payload.name)}")
        if status == "ready" and page.url == workspace:
            problems.extend(box_problems(page, CANVAS, baseline, CONTROLS))
        if problems:
            failures[payload.name] = problems
        if page.url != workspace:
            page.goto(workspace)
        else:
            _close(page)
    return failures


def test_every_payload_in_the_modal_is_inert_and_stays_in_its_box(
    live_server: LiveServer, tab: Tab, beacon: Beacon
) -> None:
    assert {p.name for p in PAYLOADS} >= GOT_THROUGH_BEFORE
    _run_corpus(live_server, tab, beacon, PAYLOADS)
