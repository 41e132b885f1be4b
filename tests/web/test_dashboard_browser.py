"""The dashboard in a real headless Chromium, against a real server (``live_server``).

Data is posted with ``driftwatch_nb.Client`` like any user would; the browser then signs in
with the API token, browses alice's project, opens a flamegraph in the modal viewer and works
it (zoom, search, full screen, download). Access control, cookie flags, CSP headers and the
never-execute-an-SVG rule are checked from the browser and, where the browser would hide a
detail, with plain httpx.

The long UI flows run on SQLite only; sign-in, redirects and the 404 for another user's
project run on SQLite and PostgreSQL. Chromium comes from Debian (``/usr/bin/chromium``):
when it is missing these tests fail and say how to install it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from driftwatch_nb import Client
from driftwatch_nb.core.flamegraph import flamegraph_frames, render_flamegraph
from driftwatch_nb.core.profiles import folded_text

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Locator, Page

from tests.support.browser import chromium
from tests.support.server import LiveServer

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
COOKIE_NAME = "dw_session"
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

# 590 samples over flamegraph.pl's 1180 px: 2 px a sample, so every frame edge is exact.
FOLDED = {
    "main;run_benchmarks;json.dumps;JSONEncoder.encode;iterencode": 240,
    "main;run_benchmarks;json.loads;JSONDecoder.decode;raw_decode": 160,
    "main;run_benchmarks;write_report;JSONEncoder.encode": 60,
    "main;setup;re.compile": 90,
    "main;run_benchmarks;build_payload": 40,
}
FLAMEGRAPH_NAME = "json-bench.svg"
SEARCH = "encode"

# Newest last, as posted. Values chosen to exercise every unit the tables use.
REPORTS = [
    {
        "branch": "main",
        "testbed": "ci-linux-x86",
        "git_hash": "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678",
        "results": {
            "json.dumps": {
                "latency": {"value": 1_234_567, "lower_value": 1_200_000, "upper_value": 1_300_000},
                "throughput": 12_345.6,
            },
            "json.loads": {"latency": 845, "throughput": 1_183_000},
        },
    },
    {
        "branch": "feature/faster-json",
        "testbed": "laptop-m2",
        "git_hash": "0f9e8d7c6b5a49382716051423324150617a8b9c",
        "results": {
            "json.dumps": {"latency": 987_000, "throughput": 15_873.2},
            "json.loads": {"latency": 812, "throughput": 1_231_527},
        },
    },
    {
        "branch": "main",
        "testbed": "ci-linux-x86",
        "git_hash": "5555aaaa6666bbbb7777cccc8888dddd9999eeee",
        "results": {
            "json.dumps": {
                "latency": {"value": 1_200_000, "lower_value": 1_150_000, "upper_value": 1_260_000},
                "throughput": 13_000,
            },
            "json.loads": {"latency": 2_500, "throughput": 400_000},
        },
    },
]
# What each report's table must show (benchmark -> latency cell, throughput cell), newest first.
EXPECTED_TABLES = [
    {
        "json.dumps": ["1.2 ms (1.15 ms – 1.26 ms)", "13,000 ops/s"],
        "json.loads": ["2.5 µs", "400,000 ops/s"],
    },
    {
        "json.dumps": ["987 µs", "15,873 ops/s"],
        "json.loads": ["812 ns", "1,231,527 ops/s"],
    },
    {
        "json.dumps": ["1.23 ms (1.2 ms – 1.3 ms)", "12,346 ops/s"],
        "json.loads": ["845 ns", "1,183,000 ops/s"],
    },
]
FLAMEGRAPH_REPORT = 1  # the feature-branch report carries the flamegraph

OTHER_SLUG = "mallory-secret"
OTHER_NAME = "Mallory's secret project"
OTHER_BENCHMARK = "classified.bench"

SCRIPTED_SVG = b"""<?xml version="1.0" standalone="no"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<svg version="1.1" width="1200" height="110" viewBox="0 0 1200 110"
     xmlns="http://www.w3.org/2000/svg" onload="window.__pwned=1">
<script>window.__pwned=1</script>
<script type="text/ecmascript"><![CDATA[document.documentElement.setAttribute("data-pwned", "1");]]></script>
<text x="600" y="24" onload="window.__pwned=1">scripted flamegraph</text>
<g id="frames">
<g onmouseover="window.__pwned=1"><title>all (100 samples, 100%)</title>
<rect x="10" y="70" width="1180" height="15" fill="rgb(230,120,40)" onload="window.__pwned=1"/>
<text x="13" y="81">all</text></g>
<g onclick="window.__pwned=1"><title>evil (100 samples, 100.00%)</title>
<rect x="10" y="54" width="1180" height="15" fill="rgb(220,60,40)"/>
<text x="13" y="65">evil</text></g>
</g>
</svg>
"""


@dataclass(frozen=True)
class Seeded:
    """What ``seed`` posted: ids to find things again and the bytes that were uploaded."""

    report_ids: list[str]  # newest first, the order the page must show
    flamegraph_id: str
    flamegraph_bytes: bytes
    other_report_id: str
    other_flamegraph_id: str


def seed(server: LiveServer) -> Seeded:
    """Alice's project ``demo`` with three reports and a flamegraph; a project of mallory's."""
    svg = render_flamegraph(FOLDED, title="python bench_json.py")
    with Client(server.url, server.token) as alice:
        alice.create_project("demo", "Demo service")
        reports = [
            alice.create_report(
                "demo",
                spec["branch"],
                spec["results"],
                testbed=spec["testbed"],
                git_hash=spec["git_hash"],
            )
            for spec in REPORTS
        ]
        flamegraph = alice.attach_flamegraph(
            reports[FLAMEGRAPH_REPORT], svg, file_name=FLAMEGRAPH_NAME, benchmark="json.dumps"
        )
    with Client(server.url, server.other_token) as mallory:
        mallory.create_project(OTHER_SLUG, OTHER_NAME)
        theirs = mallory.create_report(OTHER_SLUG, "main", {OTHER_BENCHMARK: {"latency": 42}})
        their_flamegraph = mallory.attach_flamegraph(
            theirs, svg, file_name="classified.svg", benchmark=OTHER_BENCHMARK
        )
    return Seeded(
        report_ids=[report.id for report in reversed(reports)],
        flamegraph_id=flamegraph.id,
        flamegraph_bytes=svg,
        other_report_id=theirs.id,
        other_flamegraph_id=their_flamegraph.id,
    )


def matched_percent(folded: dict[str, int], pattern: str) -> float:
    """flamegraph.pl's "Matched": the share of samples under at least one matching frame."""
    regex = re.compile(pattern, re.IGNORECASE)
    total = sum(folded.values())
    hits = sum(
        count
        for stack, count in folded.items()
        if any(regex.search(name) for name in ["all", *stack.split(";")])
    )
    return 100 * hits / total


# ----------------------------------------------------------------------------------------------
# Browser fixtures


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@dataclass
class Tab:
    """A page in a fresh browser context, with the errors and console messages it produced."""

    context: BrowserContext
    page: Page
    errors: list[str]
    console: list[str]


@pytest.fixture
def tab(browser: Browser) -> Iterator[Tab]:
    """A new context (no cookies) at laptop width, collecting page errors and console output."""
    from playwright.sync_api import expect

    expect.set_options(timeout=10_000)
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    console: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    yield Tab(context=context, page=page, errors=errors, console=console)
    context.close()


def sign_in(page: Page, base_url: str, token: str) -> None:
    """Sign in through the token form and wait for the signed-in header."""
    from playwright.sync_api import expect

    page.goto(f"{base_url}/login")
    page.get_by_label("API token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("signed-in-as")).to_be_visible()


def session_cookie(context: BrowserContext) -> dict:
    """The dashboard's session cookie as the browser stores it."""
    cookies = [c for c in context.cookies() if c["name"] == COOKIE_NAME]
    assert len(cookies) == 1, context.cookies()
    return cookies[0]


def csp_violations(console: list[str]) -> list[str]:
    """Console messages in which Chromium reports a Content-Security-Policy refusal."""
    return [line for line in console if "Content Security Policy" in line]


def frame(canvas: Locator, name: str) -> Locator:
    """The viewer's group for the frame called ``name`` (its ``<title>`` is "name (...)")."""
    title = json.dumps(name + " (")
    return canvas.locator("g").filter(
        has=canvas.page.locator(f"xpath=./*[local-name()='title'][starts-with(., {title})]")
    )


def frame_box(viewer: Locator, name: str) -> dict[str, float] | None:
    """Where the viewer drawing from stacks shows the widest frame called ``name`` (client
    pixels), or None when it is not in sight."""
    return viewer.evaluate("(v, n) => v.dwViewer.frameBox(n)", name)


def metric_tables(page: Page) -> list[dict[str, list[str]]]:
    """Every report's metrics table as benchmark -> cell texts, in page order."""
    return page.get_by_test_id("report").evaluate_all(
        """articles => articles.map(a => Object.fromEntries(
            [...a.querySelectorAll("table.metrics tbody tr")].map(tr => {
              const cells = [...tr.cells].map(c => c.textContent.replace(/\\s+/g, " ").trim());
              return [cells[0], cells.slice(1)];
            })))"""
    )


# ----------------------------------------------------------------------------------------------
# The main flow


@SQLITE_ONLY
def test_browse_reports_and_work_a_flamegraph_in_the_modal(
    live_server: LiveServer, tab: Tab, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    seeded = seed(live_server)
    page = tab.page
    sign_in(page, live_server.url, live_server.token)

    # project list: alice's project only
    projects = page.get_by_test_id("project-list")
    expect(projects.get_by_role("link")).to_have_count(1)
    expect(projects).to_contain_text("Demo service")
    expect(projects).not_to_contain_text(OTHER_NAME)
    projects.get_by_role("link", name=re.compile("Demo service")).click()
    expect(page).to_have_url(f"{live_server.url}/workspaces/demo")
    expect(page.get_by_role("heading", name="Demo service")).to_be_visible()

    # reports, newest first, each with branch, testbed, hash and formatted metrics
    reports = page.get_by_test_id("report")
    expect(reports).to_have_count(3)
    assert [reports.nth(i).get_attribute("data-report-id") for i in range(3)] == seeded.report_ids
    for i, spec in enumerate(reversed(REPORTS)):
        header = reports.nth(i).locator("header")
        expect(header).to_contain_text(spec["branch"])
        expect(header).to_contain_text(spec["testbed"])
        expect(header.locator("code.hash")).to_have_text(spec["git_hash"][:10])
        expect(header.locator("code.hash")).to_have_attribute("title", spec["git_hash"])
        heads = reports.nth(i).locator("table.metrics thead th")
        expect(heads).to_have_text(["Benchmark", "latency", "throughput"])
    assert metric_tables(page) == EXPECTED_TABLES

    # the flamegraph is listed on its report only, with name, size and benchmark
    expect(page.get_by_test_id("open-flamegraph")).to_have_count(1)
    with_flamegraph = reports.nth(2 - FLAMEGRAPH_REPORT)
    button = with_flamegraph.get_by_test_id("open-flamegraph")
    expect(button).to_have_text(FLAMEGRAPH_NAME)
    size = len(seeded.flamegraph_bytes)
    assert 1024 <= size < 1024 * 1024
    expect(with_flamegraph.get_by_test_id("flamegraph-meta")).to_have_text(
        f"{size / 1024:.1f} KiB · json.dumps"
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)

    # open it: the modal shows the shared viewer with every frame of the SVG
    button.click()
    modal = page.get_by_test_id("viewer-modal")
    expect(modal).to_be_visible()
    expect(modal.get_by_test_id("viewer-title")).to_have_text(FLAMEGRAPH_NAME)
    expect(modal.get_by_test_id("viewer-context")).to_have_text(
        f"json.dumps · feature/faster-json · {REPORTS[FLAMEGRAPH_REPORT]['git_hash'][:10]}"
    )
    viewer = modal.get_by_test_id("dw-viewer")
    expect(viewer).to_have_attribute("data-status", "ready")
    expect(modal.get_by_test_id("dw-error")).to_be_hidden()
    frames = flamegraph_frames(seeded.flamegraph_bytes)
    assert len(frames) == 1 + len({n for s in FOLDED for n in _prefixes(s)})
    canvas = modal.get_by_test_id("dw-canvas")
    # drawn from the stored stacks on a canvas: every frame, and none of the SVG's markup
    expect(viewer).to_have_attribute("data-source", "stacks")
    expect(viewer).to_have_attribute("data-frames", str(len(frames)))
    expect(canvas.locator("g, svg, script")).to_have_count(0)
    leaf = frame_box(viewer, "iterencode")
    assert leaf is not None and leaf["width"] > 50
    # the canvas uses the dialog's height rather than a fixed strip
    assert canvas.bounding_box()["height"] > 0.6 * modal.bounding_box()["height"]

    # zoom in
    before = viewer.get_attribute("data-zoom") or ""
    modal.get_by_test_id("dw-zoom-in").click()
    expect(viewer).not_to_have_attribute("data-zoom", before)
    assert float(viewer.get_attribute("data-zoom") or 0) > float(before)
    modal.get_by_test_id("dw-reset").click()
    expect(viewer).to_have_attribute("data-zoom", "1")

    # search: the matched share is flamegraph.pl's, computed here from the folded stacks
    expected = matched_percent(FOLDED, SEARCH)
    assert 0 < expected < 100
    modal.get_by_test_id("dw-search").fill(SEARCH)
    expect(modal.get_by_test_id("dw-matched")).to_have_text(f"Matched: {expected:.2f}%")
    expect(viewer).to_have_attribute("data-matched-frames", "3")
    page.screenshot(path=str(ARTIFACTS / "dashboard-modal.png"))

    # full screen and back, the modal stays open
    modal.get_by_test_id("dw-fullscreen").click()
    expect(viewer).to_have_attribute("data-fullscreen", "true")
    modal.get_by_test_id("dw-fullscreen").click()
    expect(viewer).to_have_attribute("data-fullscreen", "false")
    expect(modal).to_be_visible()

    # download: the bytes that were uploaded, under the original name
    with page.expect_download() as info:
        modal.get_by_test_id("dw-download").click()
    download = info.value
    assert download.suggested_filename == FLAMEGRAPH_NAME
    saved = tmp_path / "downloaded.svg"
    download.save_as(saved)
    assert saved.read_bytes() == seeded.flamegraph_bytes

    # close: the dialog goes away and the viewer is torn down
    modal.get_by_test_id("viewer-close").click()
    expect(modal).to_be_hidden()
    expect(page.get_by_test_id("dw-viewer")).to_have_count(0)

    # the same page at 800 px: no sideways scrolling, the table still readable
    page.set_viewport_size({"width": 800, "height": 860})
    assert page.evaluate("document.documentElement.scrollWidth") <= 800
    page.screenshot(path=str(ARTIFACTS / "dashboard-800.png"), full_page=True)

    assert tab.errors == []
    assert csp_violations(tab.console) == []


def _prefixes(stack: str) -> list[str]:
    """``a;b;c`` -> ``["a", "a;b", "a;b;c"]``: one flamegraph frame each."""
    names = stack.split(";")
    return [";".join(names[: i + 1]) for i in range(len(names))]


@SQLITE_ONLY
def test_escape_in_the_search_box_clears_it_before_closing_the_modal(
    live_server: LiveServer, tab: Tab
) -> None:
    from playwright.sync_api import expect

    seed(live_server)
    page = tab.page
    sign_in(page, live_server.url, live_server.token)
    page.goto(f"{live_server.url}/workspaces/demo")
    page.get_by_test_id("open-flamegraph").click()
    modal = page.get_by_test_id("viewer-modal")
    expect(modal.get_by_test_id("dw-viewer")).to_have_attribute("data-status", "ready")
    search = modal.get_by_test_id("dw-search")
    search.fill(SEARCH)
    expect(modal.get_by_test_id("dw-matched")).to_be_visible()
    search.press("Escape")
    expect(search).to_have_value("")
    expect(modal.get_by_test_id("dw-matched")).to_be_hidden()
    expect(modal).to_be_visible()
    search.press("Escape")  # nothing left to clear: now it closes
    expect(modal).to_be_hidden()
    assert tab.errors == []


@SQLITE_ONLY
def test_viewer_loads_when_the_dashboard_is_reached_under_another_host_name(
    live_server: LiveServer, tab: Tab
) -> None:
    """Signed URLs name ``public_url`` (127.0.0.1); the page is read at ``localhost``."""
    from playwright.sync_api import expect

    seed(live_server)
    other_host = live_server.url.replace("127.0.0.1", "localhost")
    page = tab.page
    sign_in(page, other_host, live_server.token)
    page.goto(f"{other_host}/workspaces/demo")
    button = page.get_by_test_id("open-flamegraph")
    assert button.get_attribute("data-url").startswith(live_server.url)
    button.click()
    viewer = page.get_by_test_id("dw-viewer")
    expect(viewer).not_to_have_attribute("data-status", "loading")
    assert viewer.get_attribute("data-status") == "ready", page.get_by_test_id(
        "dw-error"
    ).text_content()
    assert csp_violations(tab.console) == []


# ----------------------------------------------------------------------------------------------
# An SVG's scripts never run


@SQLITE_ONLY
def test_a_scripted_svg_never_runs_in_the_modal_nor_at_its_signed_url(
    live_server: LiveServer, tab: Tab
) -> None:
    from playwright.sync_api import expect

    with Client(live_server.url, live_server.token) as alice:
        alice.create_project("demo", "Demo service")
        report = alice.create_report("demo", "main", {"evil": {"latency": 1000}})
        # The SVG validator accepts scripts (real flamegraphs carry them): it is stored as is.
        flamegraph = alice.attach_flamegraph(
            report, SCRIPTED_SVG, file_name="scripted.svg", benchmark="evil"
        )
        assert alice.download_flamegraph(flamegraph.id) == SCRIPTED_SVG
        signed_url = alice.flamegraph_url(flamegraph.id)

    page = tab.page
    sign_in(page, live_server.url, live_server.token)
    page.goto(f"{live_server.url}/workspaces/demo")
    page.get_by_test_id("open-flamegraph").click()
    modal = page.get_by_test_id("viewer-modal")
    expect(modal.get_by_test_id("dw-viewer")).to_have_attribute("data-status", "ready")
    canvas = modal.get_by_test_id("dw-canvas")
    viewer = modal.get_by_test_id("dw-viewer")
    # Its stacks are readable, so the viewer draws them itself: none of the markup is shown.
    expect(viewer).to_have_attribute("data-source", "stacks")
    expect(viewer).to_have_attribute("data-frames", "2")
    expect(canvas.locator("script")).to_have_count(0)
    expect(canvas.locator("[onload], [onmouseover], [onclick]")).to_have_count(0)
    # Moving over and clicking the frames must not try to run a handler.
    shown = len(tab.console)
    evil = frame_box(viewer, "evil")
    assert evil is not None
    page.mouse.move(evil["x"] + 20, evil["y"] + 7)
    expect(page.get_by_test_id("dw-details")).to_contain_text("evil")
    page.mouse.click(evil["x"] + 20, evil["y"] + 7)
    root = frame_box(viewer, "all")
    assert root is not None
    page.mouse.move(root["x"] + 20, root["y"] + 7)
    assert page.evaluate("window.__pwned") is None
    expect(canvas.locator("[data-pwned]")).to_have_count(0)
    assert csp_violations(tab.console[shown:]) == []
    assert not [line for line in csp_violations(tab.console) if "inline script" in line]
    assert tab.errors == []

    # Straight to the signed URL: it forces a download (issue 13, item 1), so nothing renders.
    assert signed_url.endswith("&download=")
    with page.expect_download() as download:
        page.evaluate("url => { window.location.href = url; }", signed_url)
    assert download.value.suggested_filename.endswith(".svg")
    # Without its download parameter it renders, with a sandboxing CSP: nothing in it runs.
    response = page.goto(signed_url.removesuffix("&download="))
    assert response is not None and response.status == 200
    headers = response.headers
    assert headers["content-type"].startswith("image/svg+xml")
    assert "sandbox" in headers["content-security-policy"]
    assert "default-src 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    expect(page.locator("svg text").first).to_have_text("scripted flamegraph")
    assert page.evaluate("window.__pwned") is None
    assert page.locator("svg").first.get_attribute("data-pwned") is None

    # Control: the same bytes without those headers do run here, so the checks above can fail.
    control = "http://control.invalid/scripted.svg"
    page.route(
        control,
        lambda route: route.fulfill(body=SCRIPTED_SVG, content_type="image/svg+xml"),
    )
    page.goto(control)
    page.wait_for_function("window.__pwned === 1")
    assert page.locator("svg").first.get_attribute("data-pwned") == "1"


# ----------------------------------------------------------------------------------------------
# Sign-in, redirects, headers and access control (both databases)


def test_a_bad_token_is_refused_with_a_clear_message(live_server: LiveServer, tab: Tab) -> None:
    from playwright.sync_api import expect

    page = tab.page
    page.goto(f"{live_server.url}/login")
    page.get_by_label("API token").fill("dw_not-a-real-token")
    with page.expect_response(
        lambda r: r.url.endswith("/login") and r.request.method == "POST"
    ) as posted:
        page.get_by_role("button", name="Sign in").click()
    assert posted.value.status == 401
    error = page.get_by_test_id("login-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("That token was not accepted")
    expect(error).to_contain_text("driftwatch admin create-token")
    expect(page.get_by_test_id("signed-in-as")).to_have_count(0)
    assert [c for c in tab.context.cookies() if c["name"] == COOKIE_NAME] == []


def test_signed_out_visit_goes_to_login_and_comes_back_after_signing_in(
    live_server: LiveServer, tab: Tab
) -> None:
    from playwright.sync_api import expect

    with Client(live_server.url, live_server.token) as alice:
        alice.create_project("demo", "Demo service")
    page = tab.page
    page.goto(f"{live_server.url}/workspaces/demo")
    expect(page).to_have_url(re.compile(re.escape(f"{live_server.url}/login") + r"(\?.*)?$"))
    expect(page.get_by_label("API token")).to_be_visible()
    expect(page.get_by_test_id("project-list")).to_have_count(0)

    page.get_by_label("API token").fill(live_server.token)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server.url}/workspaces/demo")
    expect(page.get_by_role("heading", name="Demo service")).to_be_visible()

    # and without a cookie, plain HTTP gets the same redirect
    response = httpx.get(f"{live_server.url}/workspaces/demo", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_sign_in_never_redirects_off_site(live_server: LiveServer) -> None:
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        response = httpx.post(
            f"{live_server.url}/login",
            data={"token": live_server.token, "next": target},
            follow_redirects=False,
        )
        assert response.status_code == 303
        assert response.headers["location"] == "/", target


def test_session_cookie_is_httponly_and_strict_and_pages_carry_a_csp(
    live_server: LiveServer, tab: Tab
) -> None:
    page = tab.page
    sign_in(page, live_server.url, live_server.token)
    cookie = session_cookie(tab.context)
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"
    assert COOKIE_NAME not in page.evaluate("document.cookie")

    with Client(live_server.url, live_server.token) as alice:
        alice.create_project("demo", "Demo service")
    for path, status in [("/", 200), ("/login", 200), ("/workspaces/demo", 200)]:
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == status, path
        policy = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in policy, path
        assert "frame-ancestors 'none'" in policy, path
        assert "unsafe-inline" not in policy.split("script-src", 1)[1].split(";")[0], path
        assert response.headers.get("x-content-type-options") == "nosniff", path


def test_another_users_project_is_not_found_and_shows_nothing_of_it(
    live_server: LiveServer, tab: Tab
) -> None:
    from playwright.sync_api import expect

    seeded = seed(live_server)
    page = tab.page
    sign_in(page, live_server.url, live_server.token)
    expect(page.get_by_test_id("project-list")).not_to_contain_text(OTHER_NAME)

    response = page.goto(f"{live_server.url}/workspaces/{OTHER_SLUG}")
    assert response is not None and response.status == 404
    expect(page.get_by_test_id("not-found")).to_be_visible()
    expect(page.get_by_test_id("report")).to_have_count(0)
    html = page.content()
    for secret in (OTHER_NAME, OTHER_BENCHMARK, seeded.other_report_id, "classified.svg"):
        assert secret not in html
    assert "content-security-policy" in response.headers

    # the same with plain HTTP and alice's session cookie
    cookies = {COOKIE_NAME: session_cookie(tab.context)["value"]}
    with httpx.Client(base_url=live_server.url, cookies=cookies) as http:
        theirs = http.get(f"/workspaces/{OTHER_SLUG}")
        nowhere = http.get("/workspaces/no-such-project")
        assert theirs.status_code == nowhere.status_code == 404
        for secret in (OTHER_NAME, OTHER_BENCHMARK, seeded.other_report_id, "classified.svg"):
            assert secret not in theirs.text
        # nor can alice's session mint a signed URL for mallory's flamegraph
        minted = http.get(f"/api/flamegraphs/{seeded.other_flamegraph_id}/url")
        assert minted.status_code == 404
        assert "storage" not in minted.text
        mine = http.get(f"/api/flamegraphs/{seeded.flamegraph_id}/url")
        assert mine.status_code == 200 and mine.json()["url"].startswith(live_server.url)
        # nor read its stacks, which the viewer draws: 404, nothing of them in the answer
        theirs_stacks = http.get(f"/api/flamegraphs/{seeded.other_flamegraph_id}/stacks")
        assert theirs_stacks.status_code == 404
        assert "classified" not in theirs_stacks.text
        mine_stacks = http.get(f"/api/flamegraphs/{seeded.flamegraph_id}/stacks")
        assert mine_stacks.status_code == 200 and mine_stacks.json()["status"] == "READY"
        assert mine_stacks.json()["folded"] == folded_text(FOLDED)
    with httpx.Client(base_url=live_server.url) as anonymous:
        assert anonymous.get(f"/api/flamegraphs/{seeded.flamegraph_id}/stacks").status_code == 401
