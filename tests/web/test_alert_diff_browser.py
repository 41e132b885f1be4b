"""An alert's profiles compared, on the dashboard, in a real headless Chromium.

A latency history with a real step, where the profiles after the step spend four times as long
in one function (``tokenize``): the Alerts tab and the benchmark page show the alert's diff
summary naming that function and the top functions by change, ``tokenize`` first; the button
opens the differential flamegraph in the dashboard's viewer. The diff SVG is served with the
stored-SVG headers, and another user's alert diff is a 404.
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
from driftwatch_nb.core.flamegraph import render_flamegraph
from tests.support.browser import chromium
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
    expect(modal.locator("svg text").filter(has_text="tokenize").first).to_be_attached()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard-alert-diff.png"))
    modal.get_by_test_id("viewer-close").click()

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
    assert httpx.get(live_server.url + path).status_code == 401
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
    finally:
        http.close()
    http = signed_in(live_server.other_token)
    try:
        assert http.get(path).status_code == 404
        assert http.get(f"/workspaces/mallory-own/alerts/{alert}/diff.svg").status_code == 404
    finally:
        http.close()
