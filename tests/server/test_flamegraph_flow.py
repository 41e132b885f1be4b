"""The flamegraph upload protocol through HTTP, on SQLite and PostgreSQL.

create report -> createFlamegraphUploadUrl -> PUT bytes -> confirmFlamegraphUpload ->
report { flamegraphs { url } } -> GET url, plus every refusal the protocol promises, looking at
the storage directory itself to prove nothing is left behind.
"""

from __future__ import annotations

import datetime as dt
import gzip
import time
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx
import pytest
import sqlalchemy as sa

from driftwatch_nb import Client, InvalidInput, NotFoundError, PayloadTooLarge, UnsupportedMediaType
from driftwatch_nb.core.flamegraph import render_flamegraph
from tests.support.server import LiveServer

SECURITY_HEADERS = {
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
    "x-content-type-options": "nosniff",
}
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>
<svg xmlns="http://www.w3.org/2000/svg"><text>&c;</text></svg>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<svg xmlns="http://www.w3.org/2000/svg"><text>&xxe;</text></svg>"""


@pytest.fixture(scope="module")
def flamegraph_svg() -> bytes:
    """A real flamegraph in flamegraph.pl's layout, rendered from folded stacks."""
    return render_flamegraph(
        {
            "main;parse;tokenize": 120,
            "main;parse;build_tree": 80,
            "main;render;layout": 200,
            "main;render;paint;rasterize": 150,
        },
        title="test profile",
    )


@pytest.fixture
def client(live_server: LiveServer) -> Client:
    client = Client(live_server.url, live_server.token, retries=1)
    client.create_project("demo")
    return client


@pytest.fixture
def report_id(client: Client) -> str:
    now = dt.datetime.now(dt.UTC)
    results = {"parse": {"latency": 1200.0}, "render": {"latency": 3400.0}}
    return client.create_report("demo", "main", results, start_time=now, end_time=now).id


def put(url: str, data: bytes, content_type: str = "image/svg+xml") -> httpx.Response:
    return httpx.put(url, content=data, headers={"Content-Type": content_type})


def upload(client: Client, data: bytes, name: str = "cpu.svg", size: int | None = None) -> str:
    """Issue an upload URL and PUT ``data``; returns the storage path."""
    issued = client.get_flamegraph_upload_url("demo", name, size if size is not None else len(data))
    response = put(issued.upload_url, data)
    assert response.status_code == 200, response.text
    return issued.storage_path


def test_whole_flow_returns_the_same_bytes_with_security_headers(
    live_server: LiveServer, client: Client, report_id: str, flamegraph_svg: bytes
) -> None:
    issued = client.get_flamegraph_upload_url("demo", "cpu profile.svg", len(flamegraph_svg))
    assert issued.storage_path.startswith("projects/")
    assert issued.storage_path.endswith("_cpu_profile.svg")
    assert put(issued.upload_url, flamegraph_svg).status_code == 200

    confirmed = client.confirm_flamegraph_upload(
        report_id, issued.storage_path, "cpu profile.svg", len(flamegraph_svg), "render"
    )
    assert confirmed.benchmark == "render"

    report = client.report(report_id)
    assert [(f.id, f.file_name, f.file_size) for f in report.flamegraphs] == [
        (confirmed.id, "cpu profile.svg", len(flamegraph_svg))
    ]
    response = httpx.get(report.flamegraphs[0].url)
    assert response.status_code == 200
    assert response.content == flamegraph_svg
    assert response.headers["content-type"].startswith("image/svg+xml")
    for header, value in SECURITY_HEADERS.items():
        assert response.headers[header] == value
    assert response.headers["access-control-allow-origin"] == "*"

    again = client.confirm_flamegraph_upload(
        report_id, issued.storage_path, "cpu profile.svg", len(flamegraph_svg), "render"
    )
    assert again.id == confirmed.id, "confirming twice returns the same flamegraph"
    assert httpx.get(client.flamegraph_url(confirmed.id)).content == flamegraph_svg
    assert len(live_server.stored_files()) == 1


def test_read_urls_expire_after_one_hour(
    client: Client, report_id: str, flamegraph_svg: bytes
) -> None:
    path = upload(client, flamegraph_svg)
    flamegraph = client.confirm_flamegraph_upload(report_id, path, "cpu.svg", len(flamegraph_svg))
    import jwt

    token = parse_qs(urlsplit(client.flamegraph_url(flamegraph.id)).query)["token"][0]
    claims = jwt.decode(token, options={"verify_signature": False})
    lifetime = claims["exp"] - dt.datetime.now(dt.UTC).timestamp()
    assert 3500 < lifetime <= 3600


def test_another_users_project_is_refused_everywhere(
    live_server: LiveServer, client: Client, report_id: str, flamegraph_svg: bytes
) -> None:
    path = upload(client, flamegraph_svg)
    flamegraph = client.confirm_flamegraph_upload(report_id, path, "cpu.svg", len(flamegraph_svg))
    mallory = Client(live_server.url, live_server.other_token, retries=1)

    with pytest.raises(NotFoundError, match="no project 'demo'"):
        mallory.get_flamegraph_upload_url("demo", "x.svg", 100)
    with pytest.raises(NotFoundError, match="no report"):
        mallory.confirm_flamegraph_upload(report_id, path, "cpu.svg", len(flamegraph_svg))
    with pytest.raises(NotFoundError, match="no flamegraph"):
        mallory.flamegraph_url(flamegraph.id)
    with pytest.raises(NotFoundError):
        mallory.report(report_id)


def test_tampered_and_expired_and_misused_tokens_are_refused(
    live_server: LiveServer, client: Client, flamegraph_svg: bytes
) -> None:
    issued = client.get_flamegraph_upload_url("demo", "cpu.svg", len(flamegraph_svg))
    parts = urlsplit(issued.upload_url)
    token = parse_qs(parts.query)["token"][0]
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    response = put(urlunsplit(parts._replace(query=urlencode({"token": tampered}))), flamegraph_svg)
    assert response.status_code in {400, 401, 403}
    assert "statusCode" in response.json()

    # A token signed with the server's own key two hours ago: its hour is over.
    from driftwatch_server.storage import LocalStorage

    settings = live_server.settings
    two_hours_ago = LocalStorage(
        settings.storage_dir,
        public_url=settings.resolved_public_url,
        secret_key=settings.resolved_secret_key(),
        clock=lambda: time.time() - 7200,
    )
    expired = two_hours_ago.sign_upload_token(issued.storage_path)
    response = put(urlunsplit(parts._replace(query=urlencode({"token": expired}))), flamegraph_svg)
    assert response.status_code in {400, 401, 403}
    assert "expired" in response.text.lower()

    # A read token is not an upload token, even for the same path.
    read_token = two_hours_ago.sign_read_token(issued.storage_path, expires_in=7200 + 3600)
    response = put(
        urlunsplit(parts._replace(query=urlencode({"token": read_token}))), flamegraph_svg
    )
    assert response.status_code in {400, 401, 403}
    assert live_server.stored_files() == []


def live_server_storage(live_server: LiveServer):  # type: ignore[no-untyped-def]
    from driftwatch_server.storage import get_storage

    return get_storage(live_server.settings)  # type: ignore[arg-type]


def test_path_not_issued_by_the_server_is_refused(client: Client, report_id: str) -> None:
    with pytest.raises(InvalidInput, match="was not issued"):
        client.confirm_flamegraph_upload(
            report_id, "projects/someone-else/flamegraphs/x_cpu.svg", "cpu.svg", 100
        )


def test_size_mismatch_is_refused_and_the_object_deleted(
    live_server: LiveServer, client: Client, report_id: str, flamegraph_svg: bytes
) -> None:
    path = upload(client, flamegraph_svg)
    assert len(live_server.stored_files()) == 1
    with pytest.raises(InvalidInput, match="size mismatch"):
        client.confirm_flamegraph_upload(report_id, path, "cpu.svg", len(flamegraph_svg) + 1)
    assert live_server.stored_files() == []
    # The path is spent: confirming again is refused rather than attaching nothing.
    with pytest.raises(InvalidInput, match="was not issued"):
        client.confirm_flamegraph_upload(report_id, path, "cpu.svg", len(flamegraph_svg))


def test_over_ten_mib_is_refused_before_a_url_and_at_the_storage(
    live_server: LiveServer, client: Client
) -> None:
    limit = 10 * 1024 * 1024
    with pytest.raises(PayloadTooLarge, match="over the flamegraph limit"):
        client.get_flamegraph_upload_url("demo", "big.svg", limit + 1)
    with pytest.raises(InvalidInput, match="fileSize must be positive"):
        client.get_flamegraph_upload_url("demo", "empty.svg", 0)

    # A client that lies about the size is cut off by the storage itself.
    issued = client.get_flamegraph_upload_url("demo", "big.svg", 1000)
    response = put(issued.upload_url, b"<svg>" + b" " * limit)
    assert response.status_code == 400
    assert response.json()["statusCode"] == "413"
    assert live_server.stored_files() == []


def test_wrong_content_type_is_refused_by_the_storage(
    live_server: LiveServer, client: Client
) -> None:
    issued = client.get_flamegraph_upload_url("demo", "cpu.svg", 100)
    response = put(issued.upload_url, b"<svg xmlns='http://www.w3.org/2000/svg'/>", "text/plain")
    assert response.status_code == 400
    assert response.json()["statusCode"] == "415"
    assert live_server.stored_files() == []


@pytest.mark.parametrize(
    ("name", "payload", "reason"),
    [
        ("not_svg", b"this is plain text, not XML at all", "not"),
        ("billion_laughs", BILLION_LAUGHS, "entit"),
        ("external_entity", EXTERNAL_ENTITY, "entit"),
        ("gzip", None, "gzip"),
        ("truncated", None, "truncated"),
        ("png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "PNG"),
    ],
)
def test_bad_content_is_refused_at_confirm_and_deleted(
    live_server: LiveServer,
    client: Client,
    report_id: str,
    flamegraph_svg: bytes,
    name: str,
    payload: bytes | None,
    reason: str,
) -> None:
    if name == "gzip":
        payload = gzip.compress(flamegraph_svg)
    elif name == "truncated":
        payload = flamegraph_svg[: len(flamegraph_svg) // 2]
    assert payload is not None
    path = upload(client, payload, name=f"{name}.svg")
    assert len(live_server.stored_files()) == 1
    with pytest.raises(UnsupportedMediaType) as caught:
        client.confirm_flamegraph_upload(report_id, path, f"{name}.svg", len(payload))
    assert f"{name}.svg" in caught.value.message
    assert reason.lower() in caught.value.message.lower()
    assert live_server.stored_files() == []
    assert client.report(report_id).flamegraphs == ()


@pytest.mark.parametrize("file_name", ["../../etc/passwd.svg", "a/b.svg", "..\\x.svg", ".."])
def test_path_traversal_in_file_name_is_refused(client: Client, file_name: str) -> None:
    with pytest.raises(InvalidInput, match="fileName"):
        client.get_flamegraph_upload_url("demo", file_name, 100)


def test_unknown_benchmark_is_not_found(
    client: Client, report_id: str, flamegraph_svg: bytes
) -> None:
    path = upload(client, flamegraph_svg)
    with pytest.raises(NotFoundError, match="no benchmark named 'nope'"):
        client.confirm_flamegraph_upload(report_id, path, "cpu.svg", len(flamegraph_svg), "nope")


def test_deleting_a_report_deletes_its_files(
    live_server: LiveServer, client: Client, report_id: str, flamegraph_svg: bytes
) -> None:
    for name in ("a.svg", "b.svg"):
        client.attach_flamegraph(report_id, flamegraph_svg, file_name=name, project="demo")
    assert len(live_server.stored_files()) == 2
    client.delete_report(report_id)
    assert live_server.stored_files() == []
    with live_server.engine.connect() as connection:
        assert connection.execute(sa.text("select count(*) from flamegraphs")).scalar_one() == 0


def test_sweep_removes_abandoned_uploads_and_orphans(
    live_server: LiveServer, client: Client, report_id: str, flamegraph_svg: bytes
) -> None:
    from driftwatch_server.db import session_scope
    from driftwatch_server.flamegraphs import sweep

    kept = client.attach_flamegraph(report_id, flamegraph_svg, file_name="kept.svg", project="demo")
    abandoned = upload(client, flamegraph_svg, name="abandoned.svg")
    fresh = upload(client, flamegraph_svg, name="fresh.svg")
    storage = live_server_storage(live_server)
    storage.write_object(
        "projects/nobody/flamegraphs/orphan.svg", [flamegraph_svg], content_type="image/svg+xml"
    )
    assert len(live_server.stored_files()) == 4

    with live_server.engine.begin() as connection:
        connection.execute(
            sa.text("update pending_uploads set expires_at = :past where storage_path = :path"),
            {"past": dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1), "path": abandoned},
        )
    with session_scope(live_server.engine) as session:
        first = sweep(session, storage)
        assert (first.expired_uploads, first.orphan_objects) == (1, 0), "fresh: never orphans"
        result = sweep(session, storage, min_age=dt.timedelta(0))
    assert (result.expired_uploads, result.orphan_objects) == (0, 1)
    left = {path.name for path in live_server.stored_files()}
    assert left == {fresh.rsplit("/", 1)[1], kept_name(client, kept.id)}


def kept_name(client: Client, flamegraph_id: str) -> str:
    url = client.flamegraph_url(flamegraph_id)
    return urlsplit(url).path.rsplit("/", 1)[1]


# -- the verdict recorded while the bytes arrived --------------------------------------------------


def test_confirm_trusts_the_verdict_of_the_stored_bytes_without_validating_again(
    live_server: LiveServer,
    client: Client,
    report_id: str,
    flamegraph_svg: bytes,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import driftwatch_server.flamegraphs as service
    from driftwatch_nb.core.profiles import render_profile

    svg = render_profile({"main;parse": 3, "main;render": 5}, title="ours")
    path = upload(client, svg)

    def no_second_pass(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("confirm validated bytes that were validated as they arrived")

    monkeypatch.setattr(service, "validate_svg", no_second_pass)
    flamegraph = client.confirm_flamegraph_upload(report_id, path, "cpu.svg", len(svg))
    assert client.download_flamegraph(flamegraph.id) == svg
    # driftwatch's SVG carries its stacks: stored at confirm, with no frame parsing.
    with live_server.engine.connect() as connection:
        status = connection.execute(
            sa.text("select status from flamegraph_stacks where flamegraph_id = :id"),
            {"id": flamegraph.id},
        ).scalar_one()
    assert status == "READY"


def test_a_verdict_for_bytes_overwritten_since_is_not_reused(
    live_server: LiveServer, client: Client, report_id: str, flamegraph_svg: bytes
) -> None:
    path = upload(client, flamegraph_svg)
    storage = live_server_storage(live_server)
    assert storage.read_verified_svg(path) == flamegraph_svg
    # Same size, sidecar (and its verdict) untouched: only the bytes changed.
    forged = b"x" * len(flamegraph_svg)
    storage.object_file(path).write_bytes(forged)
    with pytest.raises(UnsupportedMediaType, match="cpu.svg: not an SVG file"):
        client.confirm_flamegraph_upload(report_id, path, "cpu.svg", len(forged))
    assert live_server.stored_files() == []
    assert client.report(report_id).flamegraphs == ()


@pytest.mark.server_settings(stacks_workers=0)  # the lazy path alone, as with no worker
def test_stacks_of_a_foreign_svg_are_read_back_on_first_use_and_kept(
    live_server: LiveServer, client: Client, report_id: str, flamegraph_svg: bytes
) -> None:
    from driftwatch_nb.core.profiles import embedded_stacks

    # flamegraph.pl's layout without driftwatch's metadata: stacks come from the frames.
    foreign = flamegraph_svg
    assert embedded_stacks(foreign) is None
    path = upload(client, foreign)
    flamegraph = client.confirm_flamegraph_upload(report_id, path, "cpu.svg", len(foreign))

    def stored() -> int:
        with live_server.engine.connect() as connection:
            return connection.execute(
                sa.text("select count(*) from flamegraph_stacks where flamegraph_id = :id"),
                {"id": flamegraph.id},
            ).scalar_one()

    assert stored() == 0  # confirm did not parse the frames
    assert client.flamegraph_stacks(flamegraph.id) == {
        "main;parse;tokenize": 120,
        "main;parse;build_tree": 80,
        "main;render;layout": 200,
        "main;render;paint;rasterize": 150,
    }
    assert stored() == 1  # kept for the next request, though a query asked
