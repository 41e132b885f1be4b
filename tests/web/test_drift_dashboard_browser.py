"""Drift on the dashboard in a real headless Chromium, against a real server (``live_server``).

Alice's project gets a latency history with a real 50 % step (posted through
``driftwatch_nb.Client``, detected by the server on ingest): the Alerts tab lists the alert and
acknowledging it moves it to the acknowledged list; the Benchmarks tab lists the series with
its latest value, change and sparkline; the benchmark page draws the history chart (the shared
``history.js`` module) with a change-point marker at the x of the first slow report, and a click
on a point opens its flamegraph. Another user's alert and benchmark pages are 404, the alert
form refuses cross-site posts, and the Reports tab is paginated.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from driftwatch_nb import Client
from driftwatch_nb.core.flamegraph import render_flamegraph
from tests.support.browser import chromium
from tests.support.diffcanvas import frame_box, frame_colour
from tests.support.server import LiveServer

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
START = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
BENCH = "parse.records"
BASELINE, SLOW = 30, 8  # reports before the step, and at the new level
STEP_INDEX = BASELINE  # the first slow report: where the change point must be
OTHER_SLUG = "mallory-secret"
OTHER_BENCH = "classified.bench"
FOLDED = {"main;parse;tokenize": 120, "main;parse;build": 60, "main;setup": 20}


@dataclass(frozen=True)
class Seeded:
    report_ids: list[str]  # oldest first
    other_alert_id: str
    flamegraph_report_ids: list[str]


def _history(client: Client, slug: str, bench: str, *, seed: int, testbed: str = "ci") -> list[str]:
    rng = random.Random(seed)
    ids = []
    for i in range(BASELINE + SLOW):
        level = 1_000_000.0 if i < BASELINE else 1_500_000.0
        value = level * (1 + rng.gauss(0, 0.01))
        report = client.create_report(
            slug,
            "main",
            {
                bench: {
                    "latency": {
                        "value": value,
                        "lower_value": value * 0.97,
                        "upper_value": value * 1.03,
                    }
                },
                "steady.bench": {"latency": 2_000_000.0 * (1 + rng.gauss(0, 0.01))},
            },
            testbed=testbed,
            git_hash=f"{i:02d}".ljust(40, "a"),
            start_time=START + dt.timedelta(hours=i),
        )
        ids.append(report.id)
    return ids


def seed(server: LiveServer) -> Seeded:
    svg = render_flamegraph(FOLDED, title="parse")
    with Client(server.url, server.token) as alice:
        alice.create_project("demo", "Demo service")
        ids = _history(alice, "demo", BENCH, seed=1)
        with_flamegraph = [ids[STEP_INDEX - 1], ids[STEP_INDEX]]
        for report_id in with_flamegraph:
            alice.attach_flamegraph(report_id, svg, file_name="parse.svg", benchmark=BENCH)
    with Client(server.url, server.other_token) as mallory:
        mallory.create_project(OTHER_SLUG, "Mallory's secret project")
        _history(mallory, OTHER_SLUG, OTHER_BENCH, seed=2)
        data = mallory._execute(
            f'query {{ project(slug: "{OTHER_SLUG}") {{ alerts {{ nodes {{ id }} }} }} }}'
        )
        (other_alert,) = data["project"]["alerts"]["nodes"]
    return Seeded(
        report_ids=ids, other_alert_id=other_alert["id"], flamegraph_report_ids=with_flamegraph
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    from playwright.sync_api import expect

    expect.set_options(timeout=10_000)
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert errors == [], errors


def sign_in(page: Page, base_url: str, token: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{base_url}/login")
    page.get_by_label("API token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("signed-in-as")).to_be_visible()


@SQLITE_ONLY
def test_the_alerts_tab_lists_the_alert_and_acknowledging_moves_it(
    live_server: LiveServer, page: Page
) -> None:
    from playwright.sync_api import expect

    seed(live_server)
    sign_in(page, live_server.url, live_server.token)
    page.goto(f"{live_server.url}/workspaces/demo")
    expect(page.get_by_test_id("active-alert-count")).to_have_text("1")
    page.get_by_test_id("tab-alerts").click()
    expect(page).to_have_url(f"{live_server.url}/workspaces/demo/alerts")

    active = page.get_by_test_id("alerts-active")
    acknowledged = page.get_by_test_id("alerts-acknowledged")
    alert = active.get_by_test_id("alert")
    expect(alert).to_have_count(1)
    expect(alert.get_by_test_id("alert-benchmark")).to_have_text(BENCH)
    expect(alert).to_contain_text("Regression")
    change = alert.get_by_test_id("alert-change").inner_text()
    assert re.fullmatch(r"\+(4[5-9]|5[0-5])\.\d %", change), change
    expect(acknowledged.get_by_test_id("alert")).to_have_count(0)
    # Active comes first on the page.
    boxes = [page.get_by_test_id(f"alerts-{k}").bounding_box() for k in ("active", "acknowledged")]
    assert boxes[0]["y"] < boxes[1]["y"]
    alert_id = alert.get_attribute("data-alert-id")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard-alerts.png"), full_page=True)

    alert.get_by_test_id("acknowledge").click()
    expect(page).to_have_url(re.compile(r"/workspaces/demo/alerts#alert-"))
    expect(active.get_by_test_id("alert")).to_have_count(0)
    expect(active.get_by_test_id("alerts-active-empty")).to_be_visible()
    moved = acknowledged.get_by_test_id("alert")
    expect(moved).to_have_count(1)
    expect(moved).to_have_attribute("data-alert-id", alert_id)
    expect(moved).to_have_attribute("data-status", "ACKNOWLEDGED")
    expect(page.get_by_test_id("active-alert-count")).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "dashboard-alerts-acknowledged.png"), full_page=True)

    # The alert link leads to the benchmark's page.
    moved.get_by_test_id("alert-benchmark").click()
    expect(page.get_by_test_id("benchmark-name")).to_have_text(BENCH)


@SQLITE_ONLY
def test_the_benchmark_page_draws_the_chart_with_the_change_point(
    live_server: LiveServer, page: Page
) -> None:
    from playwright.sync_api import expect

    seeded = seed(live_server)
    with Client(live_server.url, live_server.token) as alice:  # a second branch, one report
        alice.create_report(
            "demo",
            "feature",
            {BENCH: {"latency": 900_000.0}},
            testbed="ci",
            start_time=START + dt.timedelta(hours=BASELINE + SLOW - 1, minutes=30),
        )
    sign_in(page, live_server.url, live_server.token)
    page.goto(f"{live_server.url}/workspaces/demo/benchmarks")
    rows = page.get_by_test_id("benchmark-row")
    # One row per series: parse.records on main and on feature, steady.bench on main.
    expect(rows).to_have_count(3)
    branches = rows.evaluate_all("rs => rs.map(r => [r.dataset.benchmark, r.dataset.branch])")
    assert branches == [[BENCH, "main"], [BENCH, "feature"], ["steady.bench", "main"]]
    feature = page.locator(
        f"[data-testid=benchmark-row][data-benchmark='{BENCH}'][data-branch=feature]"
    )
    expect(feature.get_by_test_id("latest")).to_have_text("900 µs")
    row = page.locator(f"[data-testid=benchmark-row][data-benchmark='{BENCH}'][data-branch=main]")
    latest = row.get_by_test_id("latest").inner_text()
    assert latest.endswith(" ms") and 1.4 < float(latest.split()[0]) < 1.6, latest
    assert re.fullmatch(r"\+(4[5-9]|5[0-5])\.\d %", row.get_by_test_id("change").inner_text())
    points = row.get_by_test_id("sparkline").locator("polyline").get_attribute("points")
    assert len(points.split()) == 30  # the last 30 points
    steady = page.locator("[data-testid=benchmark-row][data-benchmark='steady.bench']")
    expect(steady.get_by_test_id("change")).to_have_text("no change point")
    page.screenshot(path=str(ARTIFACTS / "dashboard-benchmarks.png"), full_page=True)

    row.get_by_role("link", name=BENCH).click()
    expect(page.get_by_test_id("benchmark-name")).to_have_text(BENCH)
    chart = page.get_by_test_id("history-chart")
    # Both branches that have the benchmark on one chart, main first, with a legend.
    legend = chart.get_by_test_id("history-legend-item")
    expect(legend).to_have_count(2)
    expect(legend.nth(0)).to_contain_text(f"{BENCH} · main")
    expect(legend.nth(1)).to_contain_text(f"{BENCH} · feature")
    drawn = chart.get_by_test_id("history-series")
    assert drawn.evaluate_all("gs => gs.map(g => g.dataset.branch)") == ["main", "feature"]
    expect(chart.get_by_test_id("history-point")).to_have_count(BASELINE + SLOW + 1)
    chart = chart.locator("[data-testid=history-series][data-branch=main]")
    circles = chart.get_by_test_id("history-point")
    expect(circles).to_have_count(BASELINE + SLOW)
    expect(chart.get_by_test_id("history-band")).to_have_count(1)
    expect(chart.get_by_test_id("history-segment")).to_have_count(2)
    marker = chart.get_by_test_id("change-point")
    expect(marker).to_have_count(1)
    expect(marker).to_have_attribute("data-report-id", seeded.report_ids[STEP_INDEX])
    expect(marker).to_have_attribute("data-direction", "REGRESSION")
    # The marker sits at the x of the first slow report's point, between its neighbours.
    xs = [float(x) for x in circles.evaluate_all("cs => cs.map(c => c.getAttribute('cx'))")]
    assert xs == sorted(xs)
    step_circle = chart.locator(
        f"[data-testid=history-point][data-report-id='{seeded.report_ids[STEP_INDEX]}']"
    )
    marker_x = float(marker.get_attribute("x1"))
    assert marker_x == pytest.approx(float(step_circle.get_attribute("cx")), abs=0.01)
    assert xs[STEP_INDEX - 1] < marker_x < xs[STEP_INDEX + 1]
    # In the browser's pixels too: the marker's line is drawn where the circle is.
    marker_box, circle_box = marker.bounding_box(), step_circle.bounding_box()
    assert abs(marker_box["x"] - (circle_box["x"] + circle_box["width"] / 2)) < 1.5
    # The slow segment is drawn above the baseline one.
    segs = chart.get_by_test_id("history-segment")
    assert float(segs.nth(1).get_attribute("y1")) < float(segs.nth(0).get_attribute("y1"))
    # The reports of the benchmark, newest first, paginated; the change point is marked.
    listed = page.get_by_test_id("benchmark-report")
    expect(listed).to_have_count(20)
    expect(listed.first).to_have_attribute("data-report-id", seeded.report_ids[-1])
    expect(page.get_by_test_id("change-here")).to_have_count(1)

    # Hover shows the report's details; a click on a point opens its flamegraph.
    step_circle.hover()
    tip = page.get_by_test_id("history-tip")
    expect(tip).to_be_visible()
    expect(tip).to_contain_text(f"{STEP_INDEX:02d}".ljust(40, "a")[:10])
    page.screenshot(path=str(ARTIFACTS / "dashboard-benchmark-chart.png"), full_page=True)
    step_circle.click()
    modal = page.get_by_test_id("viewer-modal")
    expect(modal).to_be_visible()
    expect(modal.get_by_test_id("dw-viewer")).to_have_attribute("data-status", "ready")
    expect(modal.get_by_test_id("viewer-cell")).to_have_count(1)
    page.screenshot(path=str(ARTIFACTS / "dashboard-benchmark-flamegraph.png"))
    modal.get_by_test_id("viewer-close").click()
    expect(modal).to_be_hidden()

    # Shift-click a second point: the diff of the two opens below the chart (here the same
    # profile twice: nothing changed), not the two flamegraphs side by side.
    before = chart.locator(
        f"[data-testid=history-point][data-report-id='{seeded.flamegraph_report_ids[0]}']"
    )
    step_circle.click()
    expect(modal).to_be_visible()
    modal.get_by_test_id("viewer-close").click()
    before.click(modifiers=["Shift"])
    diff = page.get_by_test_id("compare").get_by_test_id("history-diff")
    expect(diff).to_have_attribute("data-status", "ready")
    expect(modal).to_be_hidden()
    expect(diff.get_by_test_id("history-diff-summary")).to_have_text(
        "no function's self time changed by more than 0.5 % of samples"
    )
    # Drawn on the canvas in diff mode from both sides' stacks: nothing changed, so every
    # frame is neutral, and hovering one shows both sides and a zero change.
    viewer = diff.get_by_test_id("dw-viewer")
    expect(viewer).to_have_attribute("data-status", "ready")
    expect(viewer).to_have_attribute("data-source", "stacks")
    expect(viewer).to_have_attribute("data-diff", "true")
    expect(viewer.get_by_test_id("dw-legend")).to_be_visible()
    viewer.scroll_into_view_if_needed()
    for name in ("tokenize", "build", "setup"):
        assert frame_colour(viewer, name) == (250, 250, 250), name
    box = frame_box(viewer, "tokenize")
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(viewer.get_by_test_id("dw-details")).to_have_text(
        "tokenize — base 120 (60.00%) → head 120 (60.00%); self Δ +0.00 pp"
    )
    expect(diff.get_by_test_id("history-diff-download")).to_have_text("Download SVG")
    page.screenshot(path=str(ARTIFACTS / "dashboard-benchmark-compare.png"))


@SQLITE_ONLY
def test_the_benchmark_page_works_at_laptop_width(live_server: LiveServer, page: Page) -> None:
    from playwright.sync_api import expect

    seed(live_server)
    sign_in(page, live_server.url, live_server.token)
    page.set_viewport_size({"width": 1024, "height": 700})
    page.goto(f"{live_server.url}/workspaces/demo/benchmarks/{BENCH}")
    chart = page.get_by_test_id("history-chart")
    expect(chart.get_by_test_id("change-point")).to_have_count(1)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1024  # no sideways scrolling
    box = chart.locator("svg").bounding_box()
    assert box["width"] > 600


def test_another_users_alerts_and_benchmarks_are_404(live_server: LiveServer, page: Page) -> None:
    from playwright.sync_api import expect

    seeded = seed(live_server)
    sign_in(page, live_server.url, live_server.token)
    base = f"{live_server.url}/workspaces/{OTHER_SLUG}"
    for path in ("/alerts", "/benchmarks", f"/benchmarks/{OTHER_BENCH}"):
        response = page.goto(base + path)
        assert response is not None and response.status == 404, path
        expect(page.get_by_test_id("not-found")).to_be_visible()
        expect(page.locator("body")).not_to_contain_text(OTHER_BENCH.upper())
    # A benchmark alice's project does not have is a 404 too.
    response = page.goto(f"{live_server.url}/workspaces/demo/benchmarks/{OTHER_BENCH}")
    assert response is not None and response.status == 404
    # Acknowledging mallory's alert from alice's session: 404, through her project's URL too,
    # and the alert is untouched.
    origin = {"Origin": live_server.url}
    for slug in (OTHER_SLUG, "demo"):
        refused = page.request.post(
            f"{live_server.url}/workspaces/{slug}/alerts/{seeded.other_alert_id}",
            form={"action": "acknowledge"},
            headers=origin,
            max_redirects=0,
        )
        assert refused.status == 404, slug
    with Client(live_server.url, live_server.other_token) as mallory:
        data = mallory._execute(
            f'query {{ project(slug: "{OTHER_SLUG}") {{ alerts {{ nodes {{ id status }} }} }} }}'
        )
    assert data["project"]["alerts"]["nodes"] == [{"id": seeded.other_alert_id, "status": "ACTIVE"}]


@SQLITE_ONLY
def test_the_alert_form_refuses_cross_site_posts(live_server: LiveServer, page: Page) -> None:
    seed(live_server)
    sign_in(page, live_server.url, live_server.token)
    page.goto(f"{live_server.url}/workspaces/demo/alerts")
    alert_id = page.get_by_test_id("alert").first.get_attribute("data-alert-id")
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    url = f"{live_server.url}/workspaces/demo/alerts/{alert_id}"
    for headers in ({"Origin": "https://evil.example"}, {"Origin": "null"}):
        response = httpx.post(url, data={"action": "dismiss"}, headers=headers, cookies=cookies)
        assert response.status_code == 403, headers
    with Client(live_server.url, live_server.token) as alice:
        data = alice._execute('query { project(slug: "demo") { alerts { totalCount } } }')
    assert data["project"]["alerts"]["totalCount"] == 1


@SQLITE_ONLY
def test_the_reports_tab_is_paginated(live_server: LiveServer, page: Page) -> None:
    from playwright.sync_api import expect

    seeded = seed(live_server)  # 38 reports
    newest_first = list(reversed(seeded.report_ids))
    sign_in(page, live_server.url, live_server.token)
    page.goto(f"{live_server.url}/workspaces/demo")
    reports = page.get_by_test_id("report")
    expect(reports).to_have_count(20)
    expect(page.locator(".filters")).to_contain_text("38 reports")
    ids = reports.evaluate_all("rs => rs.map(r => r.dataset.reportId)")
    assert ids == newest_first[:20]
    expect(page.get_by_role("link", name="← Newer")).to_have_count(0)
    page.get_by_role("link", name="Older →").click()
    expect(reports).to_have_count(18)
    assert reports.evaluate_all("rs => rs.map(r => r.dataset.reportId)") == newest_first[20:]
    expect(page.get_by_role("link", name="Older →")).to_have_count(0)
    page.get_by_role("link", name="← Newer").click()
    expect(reports).to_have_count(20)
