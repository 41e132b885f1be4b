"""The storage contract, over real HTTP.

The embedded backend's routes run in a real uvicorn server on a loopback port. Against it run:
the official storage3 ``SyncStorageClient`` (no mocks), plain httpx as a browser or our own
client would, and both ``StorageBackend`` implementations: ``LocalStorage`` directly and
``SupabaseStorage``, which is storage3 pointed at the embedded routes. Both backends pass the
same contract test; that is the point.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from storage3 import SyncStorageClient
from storage3.exceptions import StorageApiError
from storage3.types import CreateSignedUploadUrlOptions

from driftwatch_nb.core.limits import MAX_FLAMEGRAPH_BYTES
from driftwatch_server.storage import (
    STORAGE_API_PREFIX,
    LocalStorage,
    ObjectNotFound,
    StorageBackend,
    build_storage_router,
)
from driftwatch_server.storage.supabase import SupabaseStorage
from tests.support.server import free_port, start_server

SVG = b'<svg xmlns="http://www.w3.org/2000/svg"/>'
SVG_TYPE = "image/svg+xml"
SECRET = "contract-test-secret-" + uuid.uuid4().hex
CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


@dataclass
class Embedded:
    """The embedded storage served over HTTP."""

    url: str
    storage: LocalStorage
    root: Path

    @property
    def api(self) -> str:
        return self.url + STORAGE_API_PREFIX

    @property
    def service_headers(self) -> dict[str, str]:
        key = self.storage.service_key
        return {"apikey": key, "Authorization": f"Bearer {key}"}

    def files(self) -> list[str]:
        """Every file on disk under the storage root (sidecars and partial uploads too)."""
        return sorted(
            p.relative_to(self.root).as_posix() for p in self.root.rglob("*") if p.is_file()
        )

    def partial_uploads(self) -> list[str]:
        return [name for name in self.files() if name.endswith(".part")]


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Embedded]:
    root = tmp_path_factory.mktemp("storage")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    storage = LocalStorage(root, public_url=url, secret_key=SECRET)
    storage.ensure_bucket()
    app = FastAPI()
    app.include_router(build_storage_router(storage), prefix=STORAGE_API_PREFIX)
    server, thread = start_server(app, port)
    yield Embedded(url=url, storage=storage, root=root)
    server.should_exit = True  # type: ignore[attr-defined]
    thread.join(timeout=10)


@pytest.fixture
def client(embedded: Embedded) -> Iterator[SyncStorageClient]:
    with SyncStorageClient(embedded.api + "/", embedded.service_headers) as storage_client:
        yield storage_client


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30) as session:
        yield session


def new_path(name: str = "profile.svg") -> str:
    return f"projects/{uuid.uuid4().hex[:8]}/flamegraphs/{uuid.uuid4().hex}_{name}"


def assert_supabase_error(response: httpx.Response, status: str, error: str) -> dict[str, str]:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["statusCode"] == status, body
    assert body["error"] == error, body
    assert body["message"]
    return body


# -- both backends, one contract ---------------------------------------------------------


@pytest.fixture(params=["local", "supabase"])
def backend(request: pytest.FixtureRequest, embedded: Embedded) -> Iterator[StorageBackend]:
    if request.param == "local":
        yield embedded.storage
        return
    supabase = SupabaseStorage(embedded.url, embedded.storage.service_key)
    supabase.ensure_bucket()
    yield supabase
    supabase.close()


def test_backend_contract(backend: StorageBackend, http: httpx.Client) -> None:
    folder = f"projects/{uuid.uuid4().hex[:8]}"
    path = f"{folder}/flamegraphs/{uuid.uuid4().hex}_cpu.svg"
    missing = f"{folder}/flamegraphs/missing.svg"
    assert backend.bucket == "flamegraphs"
    assert backend.info(path) is None

    upload = backend.create_signed_upload_url(path)
    assert upload.path == path
    assert upload.token in upload.url
    response = http.put(upload.url, content=SVG, headers={"Content-Type": SVG_TYPE})
    assert response.status_code == 200, response.text
    assert response.json()["Key"] == f"flamegraphs/{path}"

    info = backend.info(path)
    assert info is not None
    assert (info.path, info.size, info.content_type) == (path, len(SVG), SVG_TYPE)
    assert info.created_at is not None

    urls = backend.create_signed_read_urls([path, missing], expires_in=120)
    assert list(urls) == [path]
    got = http.get(urls[path])
    assert got.status_code == 200
    assert got.content == SVG
    assert got.headers["content-type"] == SVG_TYPE
    assert got.headers["content-security-policy"] == CSP

    assert b"".join(backend.read(path)) == SVG
    with pytest.raises(ObjectNotFound):
        backend.read(missing)

    listed = list(backend.list_objects(folder))
    assert [(o.path, o.size, o.content_type) for o in listed] == [(path, len(SVG), SVG_TYPE)]
    assert path in [o.path for o in backend.list_objects()]

    backend.delete([path, missing])
    assert backend.info(path) is None
    assert list(backend.list_objects(folder)) == []
    backend.delete([])


# -- storage3 against the embedded routes ------------------------------------------------


def upload_with_storage3(client: SyncStorageClient, path: str, data: bytes) -> str:
    bucket = client.from_("flamegraphs")
    signed = bucket.create_signed_upload_url(path)
    bucket.upload_to_signed_url(path, signed["token"], data, {"content-type": SVG_TYPE})
    return signed["token"]


def test_storage3_full_flow(
    client: SyncStorageClient, embedded: Embedded, http: httpx.Client
) -> None:
    bucket = client.from_("flamegraphs")
    path = new_path()
    signed = bucket.create_signed_upload_url(path)
    assert signed["signed_url"].startswith(embedded.api + "/object/upload/sign/flamegraphs/")
    result = bucket.upload_to_signed_url(
        path, signed["token"], SVG, {"content-type": "image/svg+xml; charset=utf-8"}
    )
    assert result.full_path == f"flamegraphs/{path}"
    assert (embedded.root / "flamegraphs" / path).read_bytes() == SVG

    info = bucket.info(path)
    assert info["size"] == len(SVG)
    assert info["content_type"] == SVG_TYPE
    assert info["name"] == path
    assert bucket.exists(path) is True
    assert bucket.exists(new_path()) is False

    single = bucket.create_signed_url(path, 60)
    response = http.get(single["signedURL"], headers={"Origin": "http://notebook.test"})
    assert response.status_code == 200
    assert response.content == SVG
    assert response.headers["content-type"] == SVG_TYPE
    assert response.headers["content-security-policy"] == CSP
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["content-disposition"].startswith("inline")
    cache = response.headers["cache-control"]
    assert cache.startswith("private, max-age=")
    assert 0 < int(cache.rsplit("=", 1)[1]) <= 60

    missing = new_path()
    batch = bucket.create_signed_urls([path, missing], 60)
    assert [item["path"] for item in batch] == [path, missing]
    assert batch[0]["error"] is None
    assert http.get(batch[0]["signedURL"]).content == SVG
    assert batch[1]["signedURL"] is None and batch[1]["error"]

    with pytest.raises(StorageApiError) as not_signed:
        bucket.create_signed_url(missing, 60)
    assert str(not_signed.value.status) == "404"

    assert bucket.download(path) == SVG

    folder, _, name = path.rpartition("/")
    listing = bucket.list(folder)
    assert [entry["name"] for entry in listing] == [name]
    assert listing[0]["metadata"]["size"] == len(SVG)
    assert listing[0]["metadata"]["mimetype"] == SVG_TYPE
    top = bucket.list(folder.rsplit("/", 1)[0])
    assert top == [
        {
            "name": "flamegraphs",
            "id": None,
            "updated_at": None,
            "created_at": None,
            "last_accessed_at": None,
            "metadata": None,
        }
    ]

    removed = bucket.remove([path, missing])
    assert [entry["name"] for entry in removed] == [path]
    assert bucket.exists(path) is False
    assert not (embedded.root / "flamegraphs" / path).exists()
    assert embedded.partial_uploads() == []


def test_storage3_bucket_settings(client: SyncStorageClient) -> None:
    bucket = client.get_bucket("flamegraphs")
    assert bucket.public is False
    assert bucket.file_size_limit == MAX_FLAMEGRAPH_BYTES
    assert bucket.allowed_mime_types == [SVG_TYPE]
    with pytest.raises(StorageApiError) as missing:
        client.get_bucket("other")
    assert str(missing.value.status) == "404"


def test_overwrite_needs_upsert(client: SyncStorageClient, embedded: Embedded) -> None:
    bucket = client.from_("flamegraphs")
    path = new_path()
    token = upload_with_storage3(client, path, SVG)
    with pytest.raises(StorageApiError) as duplicate:
        bucket.upload_to_signed_url(path, token, b"<svg/>", {"content-type": SVG_TYPE})
    assert str(duplicate.value.status) == "409"
    assert duplicate.value.code == "Duplicate"
    # The x-upsert header on the PUT cannot upgrade a token signed without upsert.
    with pytest.raises(StorageApiError):
        bucket.upload_to_signed_url(
            path, token, b"<svg/>", {"content-type": SVG_TYPE, "headers": {"x-upsert": "true"}}
        )
    assert bucket.download(path) == SVG

    upsert = bucket.create_signed_upload_url(path, CreateSignedUploadUrlOptions(upsert="true"))
    bucket.upload_to_signed_url(path, upsert["token"], b"<svg/>", {"content-type": SVG_TYPE})
    assert bucket.download(path) == b"<svg/>"
    assert embedded.partial_uploads() == []


def test_supabase_storage_maps_errors(embedded: Embedded) -> None:
    wrong_key = SupabaseStorage(embedded.url, "not-the-service-key")
    with pytest.raises(Exception) as refused:
        wrong_key.info("a.svg")
    assert type(refused.value).__name__ == "StorageUnauthorized"  # a StorageError (issue 13 item 6)
    assert "DRIFTWATCH_SUPABASE_SERVICE_KEY" in str(refused.value)
    assert isinstance(refused.value.__cause__, StorageApiError)
    wrong_key.close()

    unreachable = SupabaseStorage(f"http://127.0.0.1:{free_port()}", "key")
    with pytest.raises(Exception, match="DRIFTWATCH_SUPABASE_URL"):
        unreachable.create_signed_read_urls(["a.svg"], expires_in=60)
    unreachable.close()


# -- limits while the bytes stream in ----------------------------------------------------


def test_oversize_multipart_upload_is_refused_and_not_stored(
    client: SyncStorageClient, embedded: Embedded, http: httpx.Client
) -> None:
    bucket = client.from_("flamegraphs")
    path = new_path()
    signed = bucket.create_signed_upload_url(path)
    too_big = b"x" * (MAX_FLAMEGRAPH_BYTES + 1)
    with pytest.raises(StorageApiError) as refused:
        bucket.upload_to_signed_url(path, signed["token"], too_big, {"content-type": SVG_TYPE})
    assert str(refused.value.status) == "413"
    assert refused.value.code == "Payload too large"

    response = http.put(signed["signed_url"], files={"file": ("profile.svg", too_big, SVG_TYPE)})
    body = assert_supabase_error(response, "413", "Payload too large")
    assert str(MAX_FLAMEGRAPH_BYTES) in body["message"]
    assert "the request is" not in body["message"]  # cut off while streaming, not up front
    assert response.headers["access-control-allow-origin"] == "*"
    assert not (embedded.root / "flamegraphs" / path).exists()
    assert embedded.partial_uploads() == []
    assert bucket.exists(path) is False


def test_oversize_raw_upload_with_content_length_is_refused_up_front(
    embedded: Embedded, http: httpx.Client
) -> None:
    path = new_path()
    upload = embedded.storage.create_signed_upload_url(path)
    response = http.put(
        upload.url,
        content=b"x" * (MAX_FLAMEGRAPH_BYTES + 1),
        headers={"Content-Type": SVG_TYPE},
    )
    body = assert_supabase_error(response, "413", "Payload too large")
    assert "Content-Length" in body["message"]
    assert not (embedded.root / "flamegraphs" / path).exists()
    assert embedded.partial_uploads() == []


def test_oversize_streamed_upload_is_cut_off_mid_stream(
    embedded: Embedded, http: httpx.Client
) -> None:
    path = new_path()
    upload = embedded.storage.create_signed_upload_url(path)
    chunk = b"x" * (256 * 1024)
    cut_off_while_sending: list[bool] = []

    def body() -> Iterator[bytes]:
        sent = 0
        while sent <= MAX_FLAMEGRAPH_BYTES:
            yield chunk
            sent += len(chunk)
        # Past the limit and still sending: the server must already have dropped the file.
        deadline = time.monotonic() + 10
        while embedded.partial_uploads() and time.monotonic() < deadline:
            time.sleep(0.01)
        cut_off_while_sending.append(not embedded.partial_uploads())
        for _ in range(8):
            yield chunk

    response = http.put(upload.url, content=body(), headers={"Content-Type": SVG_TYPE})
    assert "content-length" not in response.request.headers
    assert_supabase_error(response, "413", "Payload too large")
    assert cut_off_while_sending == [True]
    assert not (embedded.root / "flamegraphs" / path).exists()


def test_exactly_ten_mib_is_accepted(embedded: Embedded, http: httpx.Client) -> None:
    path = new_path()
    upload = embedded.storage.create_signed_upload_url(path)
    response = http.put(
        upload.url, content=b"x" * MAX_FLAMEGRAPH_BYTES, headers={"Content-Type": SVG_TYPE}
    )
    assert response.status_code == 200, response.text
    info = embedded.storage.info(path)
    assert info is not None and info.size == MAX_FLAMEGRAPH_BYTES
    embedded.storage.delete([path])


@pytest.mark.parametrize(
    "content_type", ["text/plain;charset=UTF-8", "image/svg", "text/html", "application/xml", ""]
)
def test_wrong_content_type_is_refused(
    embedded: Embedded, http: httpx.Client, content_type: str
) -> None:
    path = new_path()
    upload = embedded.storage.create_signed_upload_url(path)
    headers = {"Content-Type": content_type} if content_type else {}
    response = http.put(upload.url, content=SVG, headers=headers)
    assert_supabase_error(response, "415", "invalid_mime_type")
    # No type given: httpx guesses application/octet-stream for a name without a suffix.
    response = http.put(upload.url, files={"file": ("profile", SVG, content_type or None)})
    assert_supabase_error(response, "415", "invalid_mime_type")
    assert not (embedded.root / "flamegraphs" / path).exists()
    assert embedded.partial_uploads() == []


def test_storage3_default_content_type_is_refused(client: SyncStorageClient) -> None:
    bucket = client.from_("flamegraphs")
    path = new_path()
    signed = bucket.create_signed_upload_url(path)
    with pytest.raises(StorageApiError) as refused:
        bucket.upload_to_signed_url(path, signed["token"], SVG)  # text/plain by default
    assert str(refused.value.status) == "415"
    assert bucket.exists(path) is False


# -- tokens ------------------------------------------------------------------------------


def test_tampered_token_is_refused(embedded: Embedded, http: httpx.Client) -> None:
    path = new_path()
    upload = embedded.storage.create_signed_upload_url(path)
    tampered = upload.url[:-3] + ("AAA" if not upload.url.endswith("AAA") else "BBB")
    response = http.put(tampered, content=SVG, headers={"Content-Type": SVG_TYPE})
    body = assert_supabase_error(response, "400", "InvalidJWT")
    assert "new signed URL" in body["message"]
    response = http.put(upload.url.split("?")[0], content=SVG, headers={"Content-Type": SVG_TYPE})
    assert_supabase_error(response, "400", "InvalidJWT")
    assert not (embedded.root / "flamegraphs" / path).exists()


def test_expired_tokens_are_refused(embedded: Embedded, http: httpx.Client) -> None:
    path = new_path()
    embedded.storage.write_object(path, [SVG], content_type=SVG_TYPE)
    two_hours_ago = time.time() - 7200
    past = LocalStorage(
        embedded.root, public_url=embedded.url, secret_key=SECRET, clock=lambda: two_hours_ago
    )
    read_url = past.create_signed_read_urls([path], expires_in=3600)[path]
    body = assert_supabase_error(http.get(read_url), "400", "InvalidJWT")
    assert body["code"] == "ExpiredToken"
    assert "expired" in body["message"]

    other = new_path()
    upload = past.create_signed_upload_url(other)
    response = http.put(upload.url, content=SVG, headers={"Content-Type": SVG_TYPE})
    assert assert_supabase_error(response, "400", "InvalidJWT")["code"] == "ExpiredToken"
    assert not (embedded.root / "flamegraphs" / other).exists()


def test_read_and_upload_tokens_are_not_interchangeable(
    client: SyncStorageClient, embedded: Embedded, http: httpx.Client
) -> None:
    bucket = client.from_("flamegraphs")
    path = new_path()
    upload_with_storage3(client, path, SVG)
    read_url = bucket.create_signed_url(path, 60)["signedURL"]
    read_token = read_url.split("token=")[1]

    # A read URL used to upload (with x-upsert, which must not matter either).
    upload_url = read_url.replace("/object/sign/", "/object/upload/sign/")
    response = http.put(
        upload_url, content=b"<svg/>", headers={"Content-Type": SVG_TYPE, "x-upsert": "true"}
    )
    assert_supabase_error(response, "400", "InvalidJWT")
    with pytest.raises(StorageApiError):
        bucket.upload_to_signed_url(path, read_token, b"<svg/>", {"content-type": SVG_TYPE})
    assert bucket.download(path) == SVG

    # An upload URL used to read.
    other = new_path()
    signed = bucket.create_signed_upload_url(other)
    embedded.storage.write_object(other, [SVG], content_type=SVG_TYPE)
    read_with_upload = signed["signed_url"].replace("/object/upload/sign/", "/object/sign/")
    assert_supabase_error(http.get(read_with_upload), "400", "InvalidJWT")

    # A token for one path used on another.
    elsewhere = read_url.replace(path, other)
    assert_supabase_error(http.get(elsewhere), "400", "InvalidJWT")


def test_service_routes_need_the_service_key(embedded: Embedded, http: httpx.Client) -> None:
    path = new_path()
    embedded.storage.write_object(path, [SVG], content_type=SVG_TYPE)
    read_token = embedded.storage.sign_read_token(path, expires_in=60)
    info_url = f"{embedded.api}/object/info/flamegraphs/{path}"
    for headers in ({}, {"Authorization": f"Bearer {read_token}"}, {"Authorization": "Bearer x"}):
        assert_supabase_error(http.get(info_url, headers=headers), "403", "Unauthorized")
        response = http.post(
            f"{embedded.api}/object/sign/flamegraphs",
            json={"expiresIn": 60, "paths": [path]},
            headers=headers,
        )
        assert_supabase_error(response, "403", "Unauthorized")
        response = http.request(
            "DELETE",
            f"{embedded.api}/object/flamegraphs",
            json={"prefixes": [path]},
            headers=headers,
        )
        assert_supabase_error(response, "403", "Unauthorized")
    assert embedded.storage.info(path) is not None


# -- paths -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw_path",
    ["%2e%2e/%2e%2e/escaped.svg", "..%2Fescaped.svg", "a%5C..%5Cescaped.svg", "a%00.svg", ".x.svg"],
)
def test_path_traversal_is_refused(embedded: Embedded, http: httpx.Client, raw_path: str) -> None:
    before = embedded.files()
    sign = http.post(
        f"{embedded.api}/object/upload/sign/flamegraphs/{raw_path}",
        headers=embedded.service_headers,
    )
    assert_supabase_error(sign, "400", "InvalidKey")
    # Even with a valid token for a real path, the PUT path is checked first.
    token = embedded.storage.sign_upload_token("ok.svg")
    response = http.put(
        f"{embedded.api}/object/upload/sign/flamegraphs/{raw_path}?token={token}",
        content=SVG,
        headers={"Content-Type": SVG_TYPE},
    )
    assert_supabase_error(response, "400", "InvalidKey")
    read = http.get(
        f"{embedded.api}/object/sign/flamegraphs/{raw_path}?token={token}",
    )
    assert_supabase_error(read, "400", "InvalidKey")
    assert embedded.files() == before
    assert not (embedded.root.parent / "escaped.svg").exists()


def test_head_object_with_the_service_key(embedded: Embedded, http: httpx.Client) -> None:
    path = new_path()
    embedded.storage.write_object(path, [SVG], content_type=SVG_TYPE)
    for route in ("object", "object/authenticated"):
        url = f"{embedded.api}/{route}/flamegraphs/{path}"
        found = http.head(url, headers=embedded.service_headers)
        assert found.status_code == 200
        assert found.headers["content-length"] == str(len(SVG))
        missing = http.head(url + ".gone", headers=embedded.service_headers)
        assert missing.status_code == 400
        assert http.head(url).status_code == 400
        info = http.get(
            f"{embedded.api}/{route.replace('object', 'object/info')}/flamegraphs/{path}",
            headers=embedded.service_headers,
        )
        assert info.json()["size"] == len(SVG)
        got = http.get(url, headers=embedded.service_headers)
        assert got.content == SVG
        assert got.headers["content-security-policy"] == CSP


def test_storage3_refuses_dot_segments_client_side(client: SyncStorageClient) -> None:
    with pytest.raises(ValueError, match="dot segments"):
        client.from_("flamegraphs").create_signed_upload_url("../escaped.svg")


def test_unknown_bucket(embedded: Embedded, http: httpx.Client) -> None:
    response = http.post(
        f"{embedded.api}/object/upload/sign/other/a.svg", headers=embedded.service_headers
    )
    assert_supabase_error(response, "404", "Bucket not found")


# -- browsers ----------------------------------------------------------------------------


def test_cors_preflight_for_signed_urls(embedded: Embedded, http: httpx.Client) -> None:
    upload = embedded.storage.create_signed_upload_url(new_path())
    response = http.options(
        upload.url,
        headers={
            "Origin": "http://notebook.test",
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "*"
    assert "PUT" in response.headers["access-control-allow-methods"]
    assert "content-type" in response.headers["access-control-allow-headers"]

    put = http.put(
        upload.url,
        content=SVG,
        headers={"Content-Type": SVG_TYPE, "Origin": "http://notebook.test"},
    )
    assert put.status_code == 200
    assert put.headers["access-control-allow-origin"] == "*"


def test_signed_read_offers_download_and_head(embedded: Embedded, http: httpx.Client) -> None:
    path = new_path()
    embedded.storage.write_object(path, [SVG], content_type=SVG_TYPE)
    url = embedded.storage.create_signed_read_urls([path], expires_in=60)[path]
    head = http.head(url)
    assert head.status_code == 200
    assert head.headers["content-length"] == str(len(SVG))
    assert head.headers["content-security-policy"] == CSP
    download = http.get(url + "&download=profile.svg")
    assert download.headers["content-disposition"].startswith("attachment")
    assert download.content == SVG


def test_an_unreachable_supabase_says_the_storage_is_unreachable() -> None:
    # Issue 13, item 3: nothing listens on this port, like a Supabase that is down.
    from driftwatch_server.storage import StorageUnreachable

    storage = SupabaseStorage(f"http://127.0.0.1:{free_port()}", "service-key")
    try:
        with pytest.raises(StorageUnreachable, match="the storage is unreachable"):
            storage.create_signed_upload_url(new_path())
        with pytest.raises(StorageUnreachable, match="the storage is unreachable"):
            storage.create_signed_read_urls([new_path()], expires_in=60)
    finally:
        storage.close()


ACTIVE_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
    b"onload=\"document.title='onload ran'\">"
    b"<script>document.title='script ran'</script>"
    b'<a xlink:href="javascript:document.title=\'link ran\'"><rect width="9" height="9"/></a>'
    b"</svg>"
)


def test_signed_read_urls_force_a_download(backend: StorageBackend, http: httpx.Client) -> None:
    # Issue 13, item 1: Supabase sends no CSP, so a signed URL opened in a tab must not render.
    path = new_path("active.svg")
    upload = backend.create_signed_upload_url(path)
    http.put(upload.url, content=ACTIVE_SVG, headers={"Content-Type": SVG_TYPE})
    url = backend.create_signed_read_urls([path], expires_in=120)[path]
    got = http.get(url)
    assert got.status_code == 200 and got.content == ACTIVE_SVG  # the viewers' fetch still works
    assert got.headers["content-disposition"].startswith("attachment"), got.headers
    assert got.headers["x-content-type-options"] == "nosniff"
    backend.delete([path])


def test_a_signed_url_opened_in_a_browser_tab_runs_nothing(
    backend: StorageBackend, http: httpx.Client
) -> None:
    from tests.support.browser import chromium

    path = new_path("active.svg")
    upload = backend.create_signed_upload_url(path)
    http.put(upload.url, content=ACTIVE_SVG, headers={"Content-Type": SVG_TYPE})
    url = backend.create_signed_read_urls([path], expires_in=120)[path]
    with chromium() as browser:
        context = browser.new_context(accept_downloads=True)
        page = context.new_page()
        page.goto("about:blank")
        with page.expect_download() as download:
            page.evaluate("url => { window.location.href = url; }", url)
        assert download.value.suggested_filename.endswith(".svg")
        page.wait_for_timeout(300)
        assert page.url == "about:blank"  # the tab stayed: nothing rendered in the storage origin
        assert "ran" not in page.title()
        context.close()
    backend.delete([path])


def test_a_key_that_cannot_see_the_bucket_is_an_authorization_problem(
    embedded: Embedded,
) -> None:
    # Issue 13, item 6: Supabase answers "Bucket not found" to a key that cannot see the
    # private bucket (an anon key, another project's); info() used to say "no such object".
    from driftwatch_server.storage import StorageUnauthorized

    storage = SupabaseStorage(embedded.url, embedded.storage.service_key, bucket="not-visible")
    try:
        with pytest.raises(StorageUnauthorized, match="service_role key"):
            storage.info(new_path())
        with pytest.raises(StorageUnauthorized, match="DRIFTWATCH_SUPABASE_SERVICE_KEY"):
            storage.create_signed_read_urls([new_path()], expires_in=60)
    finally:
        storage.close()


def test_a_wrong_service_key_is_an_authorization_problem(embedded: Embedded) -> None:
    from driftwatch_server.storage import StorageUnauthorized

    storage = SupabaseStorage(embedded.url, "not-the-service-key")
    try:
        with pytest.raises(StorageUnauthorized, match="service_role key"):
            storage.info(new_path())
    finally:
        storage.close()
