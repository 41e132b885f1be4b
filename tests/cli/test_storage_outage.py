"""Issue 13, item 3: a storage outage is not a missing project, and the CLI says what is down."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from driftwatch_nb import Client
from driftwatch_nb.core.flamegraph import render_flamegraph
from tests.cli.helpers import driftwatch
from tests.support.server import LiveServer


@pytest.fixture
def with_flamegraph(live_server: LiveServer, env: dict[str, str]) -> str:
    client = Client(live_server.url, live_server.token, retries=1)
    now = dt.datetime.now(dt.UTC)
    report = client.create_report(
        "demo", "main", {"b": {"latency": 1.0}}, start_time=now, end_time=now
    )
    svg = render_flamegraph({"main;a": 3}, title="t")
    client.attach_flamegraph(report.id, svg, file_name="cpu.svg", project="demo")
    return report.id


def break_storage(monkeypatch: pytest.MonkeyPatch) -> None:
    from driftwatch_server.storage import LocalStorage, StorageUnreachable

    def broken(*_args: object, **_kwargs: object) -> object:
        # What the backends raise when the storage cannot be reached at all.
        raise StorageUnreachable("the storage is unreachable: connection refused")

    monkeypatch.setattr(LocalStorage, "create_signed_read_urls", broken)
    monkeypatch.setattr(LocalStorage, "create_signed_upload_url", broken)


def test_reports_say_the_storage_is_unreachable(
    env: dict[str, str], with_flamegraph: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    break_storage(monkeypatch)
    result = driftwatch("reports", "-p", "demo", env=env)
    assert "Unexpected error" not in result.stderr + result.stdout
    assert with_flamegraph[:8] in result.stdout  # the reports are still listed
    assert "storage is unreachable" in result.stderr


def test_upload_says_the_storage_is_unreachable(
    env: dict[str, str], with_flamegraph: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    break_storage(monkeypatch)
    svg = tmp_path / "cpu.svg"
    svg.write_bytes(render_flamegraph({"main;a": 3}, title="t"))
    result = driftwatch("upload", "--report", with_flamegraph, str(svg), env=env)
    assert result.returncode != 0
    assert "Unexpected error" not in result.stderr + result.stdout
    assert "storage" in result.stderr and "unreachable" in result.stderr, result.stderr


def test_the_dashboard_answers_503_when_the_storage_is_down(
    live_server: LiveServer, with_flamegraph: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import httpx

    break_storage(monkeypatch)
    with httpx.Client(base_url=live_server.url, headers={"Origin": live_server.url}) as browser:
        browser.post("/login", data={"token": live_server.token, "next": "/"})
        page = browser.get("/workspaces/demo")
    assert page.status_code == 503, page.text[:300]
    assert "There is no project" not in page.text
    assert 'data-testid="storage-unavailable"' in page.text
