"""Issue 13, item 2: an upload URL the storage calls expired is replaced once; if the fresh one
is refused too, the message names the storage setting to change."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from driftwatch_nb import Client, UploadFailed
from driftwatch_nb.core.flamegraph import render_flamegraph
from driftwatch_server.storage import LocalStorage
from tests.support.server import LiveServer


def expire_upload_urls(monkeypatch: pytest.MonkeyPatch, count: int) -> list[str]:
    """The next ``count`` upload URLs are signed already expired, as when the storage's own
    lifetime (self-hosted Supabase: 60 s) ran out before the PUT began."""
    signed: list[str] = []
    original = LocalStorage.sign_upload_token

    def sign(self: LocalStorage, path: str, **kwargs: Any) -> str:
        signed.append(path)
        if len(signed) > count:
            return original(self, path, **kwargs)
        clock = self._clock
        self._clock = lambda: clock() - 2 * self.signed_url_ttl_seconds  # type: ignore[method-assign]
        try:
            return original(self, path, **kwargs)
        finally:
            self._clock = clock  # type: ignore[method-assign]

    monkeypatch.setattr(LocalStorage, "sign_upload_token", sign)
    return signed


@pytest.fixture
def report(live_server: LiveServer) -> tuple[Client, str]:
    client = Client(live_server.url, live_server.token, retries=1)
    client.create_project("demo")
    now = dt.datetime.now(dt.UTC)
    created = client.create_report(
        "demo", "main", {"b": {"latency": 1.0}}, start_time=now, end_time=now
    )
    return client, created.id


SVG = render_flamegraph({"main;a": 3}, title="t")


def test_an_expired_upload_url_is_replaced_once(
    report: tuple[Client, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, report_id = report
    signed = expire_upload_urls(monkeypatch, count=1)
    flamegraph = client.attach_flamegraph(report_id, SVG, file_name="cpu.svg", project="demo")
    assert len(signed) == 2  # the expired URL, then a fresh one
    assert client.download_flamegraph(flamegraph.id) == SVG


def test_a_fresh_url_refused_as_expired_names_the_setting(
    report: tuple[Client, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, report_id = report
    signed = expire_upload_urls(monkeypatch, count=2)
    with pytest.raises(UploadFailed) as failed:
        client.attach_flamegraph(report_id, SVG, file_name="cpu.svg", project="demo")
    assert len(signed) == 2  # one retry, not more
    assert "UPLOAD_SIGNED_URL_EXPIRATION_TIME=3600" in str(failed.value)
    assert "InvalidJWT" in str(failed.value)


def test_supabase_expired_token_answer_is_recognised() -> None:
    # What self-hosted Supabase Storage answers a PUT whose upload URL is past its 60 s.
    from driftwatch_nb.client import _upload_url_expired

    assert _upload_url_expired('400 InvalidJWT: "exp" claim timestamp check failed')
    assert _upload_url_expired("400 InvalidJWT: The signed URL has expired; ask for a new one.")
    assert not _upload_url_expired("400 InvalidJWT: invalid signature")
    assert not _upload_url_expired("413 Payload too large: over 10 MiB")
