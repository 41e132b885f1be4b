"""An alert's profiles compared, on the dashboard, in a real headless Chromium.

A latency history with a real step, where the profiles after the step spend four times as long
in one function (``tokenize``): the Alerts tab and the benchmark page show the alert's diff
summary naming that function and the top functions by change, ``tokenize`` first; the button
opens the differential flamegraph in the dashboard's viewer, drawn on the canvas from both
sides' stacks (diff mode: ``tokenize`` red, hover shows base/head/delta, legend), the SVG only a
download. The diff SVG is served with the stored-SVG headers, and another user's alert diff
(stacks or SVG) is a 404.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from driftwatch_nb import Client
from driftwatch_nb.core.flamegraph import parse_folded, render_flamegraph
from tests.support.browser import chromium
from tests.support.diffcanvas import assert_canvas_diff
from tests.support.server import LiveServer
from tests.web.test_drift_dashboard_browser import sign_in

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
START = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
BENCH = "parse.records"
BASELINE, SLOW = 24, 6
BEFORE = {"main;parse;tokenize": 100, "main;parse;build": 60, "main;setup": 40}
AFTER = {"main;parse;tokenize": 400, "main;parse;build": 60, "main;setup": 40}
PROFILED = 3  # profiled reports on each side of the step


def hover_text(name: str, base: float, head: float) -> str:
    """The canvas's details line for a diff frame (counts, shares of each side, self change),
    with both sides' counts as the diff hands them over (``scale`` per side's total)."""
    b_share, h_share = (
        BEFORE_SELF[name] / sum(BEFORE.values()),
        AFTER_SELF[name] / sum(AFTER.values()),
    )
    return (
        f"{name} — base {base:,.0f} ({100 * b_share:.2f}%) → head {head:,.0f} "
        f"({100 * h_share:.2f}%); self Δ {100 * (h_share - b_share):+.2f} pp"
    )


BEFORE_SELF = {stack.split(";")[-1]: count for stack, count in BEFORE.items()}
AFTER_SELF = {stack.split(";")[-1]: count for stack, count in AFTER.items()}


def seed(client: Client, slug: str, *, seed: int) -> list[str]:
    rng = random.Random(seed)
    client.create_project(slug, slug)
    before = render_flamegraph(BEFORE, title="parse")
    after = render_flamegraph(AFTER, title="parse")
    ids = []
    for i in range(BASELINE + SLOW):
        level = 1_000_000.0 if i < BASELINE else 2_500_000.0
        value = level * (1 + rng.gauss(0, 0.01))
        report = client.create_report(
            slug,
            "main",
            {BENCH: {"latency": {"value": value}}},
            testbed="ci",
            git_hash=f"{i:02d}".ljust(40, "b"),
            start_time=START + dt.timedelta(hours=i),
        )
        ids.append(report.id)
        if BASELINE - PROFILED <= i < BASELINE + PROFILED:
            svg = before if i < BASELINE else after
            client.attach_flamegraph(report.id, svg, file_name="parse.svg", benchmark=BENCH)
    return ids


def alert_id(client: Client, slug: str) -> str:
    data = client._execute(f'query {{ project(slug: "{slug}") {{ alerts {{ nodes {{ id }} }} }} }}')
    (alert,) = data["project"]["alerts"]["nodes"]
    return alert["id"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    from playwright.sync_api import expect

    expect.set_options(timeout=10_000)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert errors == [], errors


@SQLITE_ONLY
def test_the_alert_shows_its_diff_and_opens_the_differential_flamegraph(
    live_server: LiveServer, page: Page
) -> None:
    from playwright.sync_api import expect

    with Client(live_server.url, live_server.token) as alice:
        seed(alice, "demo", seed=1)
        alert = alert_id(alice, "demo")
    sign_in(page, live_server.url, live_server.token)
    page.goto(f"{live_server.url}/workspaces/demo/alerts")

    card = page.get_by_test_id("alerts-active").get_by_test_id("alert")
    expect(card).to_have_count(1)
    diff = card.get_by_test_id("alert-diff")
    since = f"{BASELINE:02d}".ljust(7, "b")  # the first slow commit's hash, shortened
    expect(diff.get_by_test_id("alert-diff-summary")).to_contain_text(f"slower since {since}")
    expect(diff.get_by_test_id("alert-diff-summary")).to_contain_text("tokenize")
    names = diff.get_by_test_id("alert-diff-function-name")
    expect(names).to_have_count(3)
    assert names.first.inner_text().startswith("tokenize"), names.all_inner_texts()

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    card.screenshot(path=str(ARTIFACTS / "dashboard-alert-diff-card.png"))
    diff.get_by_test_id("open-alert-diff").click()
    modal = page.get_by_test_id("viewer-modal")
    expect(modal).to_be_visible()
    expect(modal.get_by_test_id("viewer-context")).to_contain_text("red grew")
    expect(modal.get_by_test_id("dw-viewer")).to_have_attribute("data-status", "ready")
    expect(modal.get_by_test_id("viewer-cell")).to_have_count(1)
    # Merged runs: each side in parts per million of its samples.
    ppm = 1_000_000
    tokenize = "main;parse;tokenize"
    base_ppm = ppm * BEFORE[tokenize] / sum(BEFORE.values())
    head_ppm = ppm * AFTER[tokenize] / sum(AFTER.values())
    assert_canvas_diff(
        page,
        modal.get_by_test_id("dw-viewer"),
        grew="tokenize",
        shrank="build",
        hover=hover_text("tokenize", base_ppm, head_ppm),
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard-alert-diff.png"))
    # The SVG is a download only: the viewer's download button and the card's link.
    with page.expect_download() as download:
        modal.get_by_test_id("dw-viewer").get_by_test_id("dw-download").click()
    assert download.value.suggested_filename == f"diff-{BENCH}.svg"
    saved = Path(download.value.path()).read_text()
    assert saved.lstrip().startswith("<") and "tokenize" in saved
    modal.get_by_test_id("viewer-close").click()
    link = diff.get_by_test_id("alert-diff-download")
    expect(link).to_have_text("Download SVG")
    expect(link).to_have_attribute("href", f"/workspaces/demo/alerts/{alert}/diff.svg")

    # The benchmark page shows the same diff beside the chart.
    page.goto(f"{live_server.url}/workspaces/demo/benchmarks/{BENCH}?measure=latency&branch=main")
    on_page = page.get_by_test_id("benchmark-alert")
    expect(on_page).to_have_count(1)
    expect(on_page).to_have_attribute("data-alert-id", alert)
    expect(on_page.get_by_test_id("alert-diff-function-name").first).to_contain_text("tokenize")
    on_page.get_by_test_id("open-alert-diff").click()
    expect(page.get_by_test_id("viewer-modal").get_by_test_id("dw-viewer")).to_have_attribute(
        "data-status", "ready"
    )


@SQLITE_ONLY
def test_the_diff_svg_is_served_as_untrusted_svg_and_only_to_its_owner(
    live_server: LiveServer,
) -> None:
    with Client(live_server.url, live_server.token) as alice:
        seed(alice, "demo", seed=3)
        alert = alert_id(alice, "demo")
    with Client(live_server.url, live_server.other_token) as mallory:
        mallory.create_project("mallory-own", "Mallory")

    def signed_in(token: str) -> httpx.Client:
        http = httpx.Client(base_url=live_server.url, follow_redirects=False)
        response = http.post(
            "/login", data={"token": token, "next": "/"}, headers={"Origin": live_server.url}
        )
        assert response.status_code == 303, response.text
        return http

    path = f"/workspaces/demo/alerts/{alert}/diff.svg"
    stacks_path = f"/workspaces/demo/alerts/{alert}/diff"
    assert httpx.get(live_server.url + path).status_code == 401
    assert httpx.get(live_server.url + stacks_path).status_code == 401
    http = signed_in(live_server.token)
    try:
        response = http.get(path)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("image/svg+xml")
        assert "sandbox" in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.text.lstrip().startswith("<")
        assert "tokenize" in response.text
        assert http.get(path + "?shape=base").status_code == 200
        assert http.get(path + "?shape=sideways").status_code == 400
        assert http.get("/workspaces/demo/alerts/nope/diff.svg").status_code == 404
        # The stacks the canvas draws: both sides, merged runs in parts per million.
        body = http.get(stacks_path).json()
        assert body["summary"].startswith("slower since")
        assert body["functions"][0]["name"] == "tokenize"
        base = parse_folded(body["baseFolded"])
        head = parse_folded(body["headFolded"])
        assert set(base) == set(BEFORE) and set(head) == set(AFTER)
        for stack, count in AFTER.items():
            assert head[stack] == round(1_000_000 * count / sum(AFTER.values()))
        assert body["foldedOmitted"] == 0
        assert http.get("/workspaces/demo/alerts/nope/diff").status_code == 404
    finally:
        http.close()
    http = signed_in(live_server.other_token)
    try:
        assert http.get(path).status_code == 404
        assert http.get(stacks_path).status_code == 404
        assert http.get(f"/workspaces/mallory-own/alerts/{alert}/diff.svg").status_code == 404
        assert http.get(f"/workspaces/mallory-own/alerts/{alert}/diff").status_code == 404
    finally:
        http.close()


def flamegraph_ids(client: Client, slug: str) -> dict[str, str]:
    """Report id -> its flamegraph's id, for the profiled reports."""
    data = client._execute(
        f'query {{ project(slug: "{slug}") {{ reports(first: 100) {{ nodes {{ id '
        "flamegraphs { id } } } } }"
    )
    return {
        r["id"]: r["flamegraphs"][0]["id"]
        for r in data["project"]["reports"]["nodes"]
        if r["flamegraphs"]
    }


@SQLITE_ONLY
def test_two_selected_points_on_the_benchmark_page_open_their_diff(
    live_server: LiveServer, page: Page
) -> None:
    from playwright.sync_api import expect

    with Client(live_server.url, live_server.token) as alice:
        ids = seed(alice, "demo", seed=5)
        fg = flamegraph_ids(alice, "demo")
        # A second branch with the benchmark: the chart draws both, with a legend.
        alice.create_report(
            "demo",
            "feature",
            {BENCH: {"latency": 1_100_000.0}},
            testbed="ci",
            start_time=START + dt.timedelta(hours=BASELINE, minutes=30),
        )
    older, newer = ids[BASELINE - 1], ids[BASELINE + 1]  # a fast and a slow profile
    sign_in(page, live_server.url, live_server.token)
    page.goto(f"{live_server.url}/workspaces/demo/benchmarks/{BENCH}")
    chart = page.get_by_test_id("history-chart")
    legend = chart.get_by_test_id("history-legend-item")
    expect(legend).to_have_count(2)
    assert [t.split(" · ")[1] for t in legend.all_inner_texts()] == ["main", "feature"]
    expect(chart.get_by_test_id("history-series")).to_have_count(2)

    def point(report_id: str):  # noqa: ANN202
        return chart.locator(f"[data-testid=history-point][data-report-id='{report_id}']")

    # The newer point first, then the older: the older is the base all the same.
    point(newer).click()
    modal = page.get_by_test_id("viewer-modal")
    expect(modal.get_by_test_id("dw-viewer")).to_have_attribute("data-status", "ready")
    modal.get_by_test_id("viewer-close").click()
    point(older).click(modifiers=["Shift"])
    diff = page.get_by_test_id("compare").get_by_test_id("history-diff")
    expect(diff).to_have_attribute("data-status", "ready")
    expect(modal).to_be_hidden()
    expect(diff).to_have_attribute("data-base", fg[older])
    expect(diff).to_have_attribute("data-head", fg[newer])
    expect(diff.get_by_test_id("history-diff-summary")).to_contain_text("slower: `tokenize")
    names = diff.get_by_test_id("history-diff-function-name")
    expect(names).to_have_count(3)
    assert [n.split()[0] for n in names.all_inner_texts()] == ["tokenize", "build", "setup"]
    viewer = diff.get_by_test_id("dw-viewer")
    # Two flamegraphs: each side's own sample counts.
    tokenize = "main;parse;tokenize"
    assert_canvas_diff(
        page,
        viewer,
        grew="tokenize",
        shrank="build",
        hover=hover_text("tokenize", BEFORE[tokenize], AFTER[tokenize]),
    )
    expect(diff.get_by_test_id("history-diff-legend")).to_contain_text("red grew")
    svg_link = diff.get_by_test_id("history-diff-download")
    expect(svg_link).to_have_text("Download SVG")
    expect(svg_link).to_have_attribute(
        "href", f"/api/flamegraphs/diff.svg?base={fg[older]}&head={fg[newer]}"
    )
    # The shift-click selected a point, not the page's text.
    assert page.evaluate("String(window.getSelection())") == ""
    diff.scroll_into_view_if_needed()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard-benchmark-diff.png"), full_page=True)

    # A plain click on one point goes back to its flamegraph; the diff is gone.
    point(older).click()
    expect(modal.get_by_test_id("dw-viewer")).to_have_attribute("data-status", "ready")
    expect(page.get_by_test_id("history-diff")).to_have_count(0)


def test_the_two_flamegraph_diff_routes_answer_only_their_owner(live_server: LiveServer) -> None:
    with Client(live_server.url, live_server.token) as alice:
        ids = seed(alice, "demo", seed=6)
        fg = flamegraph_ids(alice, "demo")
        picture = alice.attach_flamegraph(
            ids[0],
            b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect/></svg>',
            file_name="picture.svg",
            benchmark=BENCH,
        )
    with Client(live_server.url, live_server.other_token) as mallory:
        other = seed(mallory, "mallory-own", seed=7)
        other_fg = flamegraph_ids(mallory, "mallory-own")
    base, head = fg[ids[BASELINE - 1]], fg[ids[BASELINE]]
    theirs = other_fg[other[BASELINE]]

    def signed_in(token: str) -> httpx.Client:
        http = httpx.Client(base_url=live_server.url, follow_redirects=False)
        response = http.post(
            "/login", data={"token": token, "next": "/"}, headers={"Origin": live_server.url}
        )
        assert response.status_code == 303, response.text
        return http

    svg_path = f"/api/flamegraphs/diff.svg?base={base}&head={head}"
    json_path = f"/api/flamegraphs/diff?base={base}&head={head}"
    assert httpx.get(live_server.url + svg_path).status_code == 401
    assert httpx.get(live_server.url + json_path).status_code == 401
    http = signed_in(live_server.token)
    try:
        response = http.get(svg_path)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("image/svg+xml")
        assert "sandbox" in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "tokenize" in response.text
        assert http.get(svg_path + "&shape=base").status_code == 200
        assert http.get(svg_path + "&shape=sideways").status_code == 400
        body = http.get(json_path).json()
        assert body["summary"].startswith("slower: `tokenize")
        assert body["functions"][0]["name"].startswith("tokenize")
        assert body["functions"][0]["deltaSelf"] > 0
        assert parse_folded(body["baseFolded"]) == BEFORE
        assert parse_folded(body["headFolded"]) == AFTER
        assert http.get(f"/api/flamegraphs/diff?base={base}").status_code == 400
        # A flamegraph kept as a picture only has no stacks to compare: said, not a 500.
        refused = http.get(f"/api/flamegraphs/diff?base={picture.id}&head={head}")
        assert refused.status_code == 422, refused.text
        assert "(picture.svg) has no stacks to compare" in refused.json()["error"]
        # Another user's flamegraph, on either side: 404, as for an id that does not exist.
        for query in (f"base={base}&head={theirs}", f"base={theirs}&head={head}", "base=x&head=y"):
            assert http.get(f"/api/flamegraphs/diff.svg?{query}").status_code == 404, query
            assert http.get(f"/api/flamegraphs/diff?{query}").status_code == 404, query
    finally:
        http.close()
    http = signed_in(live_server.other_token)
    try:
        assert http.get(svg_path).status_code == 404
        assert http.get(json_path).status_code == 404
    finally:
        http.close()
