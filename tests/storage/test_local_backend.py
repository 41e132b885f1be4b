"""Unit tests of the embedded storage backend (no HTTP): paths, tokens, writes, listing."""

from __future__ import annotations

import os
import time
from pathlib import Path

import jwt
import pytest

import driftwatch_server.storage as storage_pkg
from driftwatch_nb.core.limits import MAX_FLAMEGRAPH_BYTES
from driftwatch_server.config import Settings
from driftwatch_server.storage import (
    LocalStorage,
    ObjectNotFound,
    StorageBackend,
    StorageError,
    get_storage,
    service_key,
)
from driftwatch_server.storage.local import (
    InvalidObjectPath,
    InvalidToken,
    ObjectAlreadyExists,
    ObjectTooLarge,
    TokenExpired,
    UnsupportedContentType,
    is_allowed_content_type,
)

SVG = b'<svg xmlns="http://www.w3.org/2000/svg"/>'
SVG_TYPE = "image/svg+xml"
SECRET = "unit-test-secret-0123456789abcdef0123"


def make_storage(root: Path, **kwargs: object) -> LocalStorage:
    return LocalStorage(root, public_url="http://dw.test/", secret_key=SECRET, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    store = make_storage(tmp_path / "storage")
    store.ensure_bucket()
    return store


def all_files(root: Path) -> list[str]:
    """Every file under ``root`` (sidecars and temporary files included)."""
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_implements_the_protocol(storage: LocalStorage) -> None:
    backend: StorageBackend = storage
    assert backend.bucket == "flamegraphs"


def test_package_all_is_sorted_and_importable() -> None:
    names = storage_pkg.__all__
    assert sorted(names, key=lambda n: (not n.isupper(), not n[0].isupper(), n)) == names
    for name in names:
        assert getattr(storage_pkg, name) is not None


# -- paths -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "",
        "/etc/passwd",
        "../outside.svg",
        "projects/../../outside.svg",
        "projects/./a.svg",
        "..",
        "a\\..\\b.svg",
        "a\x00b.svg",
        "a//b.svg",
        "projects/",
        ".hidden.svg",
        "projects/.a.svg.meta.json",
        "a\nb.svg",
        "x" * 201,
        "a/" * 600 + "b",
    ],
)
def test_rejects_unsafe_paths(storage: LocalStorage, path: str) -> None:
    with pytest.raises(InvalidObjectPath, match="is not allowed"):
        storage.validate_path(path)
    with pytest.raises(InvalidObjectPath):
        storage.create_signed_upload_url(path)
    with pytest.raises(InvalidObjectPath):
        storage.info(path)


def test_accepts_the_design_path(storage: LocalStorage) -> None:
    path = "projects/42/flamegraphs/0b9f_profile.svg"
    assert storage.validate_path(path) == path


def test_symlink_out_of_the_bucket_is_refused(storage: LocalStorage, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, storage.bucket_dir / "link")
    with pytest.raises(InvalidObjectPath, match="outside the bucket"):
        storage.validate_path("link/x.svg")


# -- tokens ------------------------------------------------------------------------------


def test_upload_and_read_tokens_are_not_interchangeable(storage: LocalStorage) -> None:
    upload = storage.sign_upload_token("a.svg")
    read = storage.sign_read_token("a.svg", expires_in=60)
    assert storage.verify_token(upload, purpose="upload", path="a.svg").purpose == "upload"
    assert storage.verify_token(read, purpose="read", path="a.svg").purpose == "read"
    with pytest.raises(InvalidToken, match="another object or operation"):
        storage.verify_token(upload, purpose="read", path="a.svg")
    with pytest.raises(InvalidToken, match="another object or operation"):
        storage.verify_token(read, purpose="upload", path="a.svg")


def test_token_is_bound_to_its_path(storage: LocalStorage) -> None:
    token = storage.sign_read_token("a.svg", expires_in=60)
    with pytest.raises(InvalidToken):
        storage.verify_token(token, purpose="read", path="b.svg")


def test_token_claims_look_like_supabase(storage: LocalStorage) -> None:
    token = storage.sign_upload_token("p/a.svg", upsert=True)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["url"] == "flamegraphs/p/a.svg"
    assert claims["purpose"] == "upload"
    assert claims["upsert"] is True
    assert claims["exp"] - claims["iat"] == 3600


def test_tampered_token_is_refused(storage: LocalStorage) -> None:
    token = storage.sign_read_token("a.svg", expires_in=60)
    header, payload, signature = token.split(".")
    forged_payload = jwt.utils.base64url_encode(
        jwt.utils.base64url_decode(payload).replace(b"a.svg", b"b.svg")
    ).decode()
    for forged in (
        f"{header}.{payload}.{signature[:-2]}AA",
        f"{header}.{forged_payload}.{signature}",
        token[:-1],
        "not-a-jwt",
    ):
        with pytest.raises(InvalidToken, match="not valid"):
            storage.verify_token(forged, purpose="read", path="a.svg")


def test_token_from_another_secret_is_refused(tmp_path: Path) -> None:
    ours = make_storage(tmp_path)
    theirs = LocalStorage(tmp_path, public_url="http://dw.test", secret_key="other")
    with pytest.raises(InvalidToken):
        ours.verify_token(
            theirs.sign_read_token("a.svg", expires_in=60), purpose="read", path="a.svg"
        )


def test_expired_token_is_refused(tmp_path: Path) -> None:
    now = time.time()
    past = make_storage(tmp_path, clock=lambda: now - 7200)
    present = make_storage(tmp_path, clock=lambda: now)
    token = past.sign_read_token("a.svg", expires_in=3600)
    with pytest.raises(TokenExpired, match="expired"):
        present.verify_token(token, purpose="read", path="a.svg")
    assert isinstance(TokenExpired("x"), InvalidToken)


def test_replica_with_a_slow_clock_accepts_fresh_tokens(tmp_path: Path) -> None:
    now = time.time()
    ahead = make_storage(tmp_path, clock=lambda: now + 30)
    behind = make_storage(tmp_path, clock=lambda: now)
    token = ahead.sign_upload_token("a.svg")
    assert behind.verify_token(token, purpose="upload", path="a.svg").path == "a.svg"


def test_service_key(storage: LocalStorage) -> None:
    key = service_key(SECRET)
    assert key == storage.service_key
    assert jwt.decode(key, options={"verify_signature": False})["role"] == "service_role"
    storage.verify_service_key(key)
    with pytest.raises(InvalidToken, match="service-role key"):
        storage.verify_service_key(storage.sign_read_token("a.svg", expires_in=60))
    with pytest.raises(InvalidToken):
        storage.verify_service_key(service_key("other-secret"))
    with pytest.raises(InvalidToken):
        storage.verify_token(key, purpose="read", path="a.svg")


def test_dashboard_style_jwt_on_the_raw_secret_is_refused(storage: LocalStorage) -> None:
    # Storage keys are derived from the secret, so a JWT signed with the secret itself
    # (as a session token might be) is useless against storage.
    forged = jwt.encode(
        {"role": "service_role", "purpose": "service", "url": "flamegraphs/a.svg"},
        SECRET,
        algorithm="HS256",
    )
    with pytest.raises(InvalidToken):
        storage.verify_service_key(forged)


# -- writing and reading -----------------------------------------------------------------


def test_round_trip(storage: LocalStorage) -> None:
    info = storage.write_object("p/1/a.svg", [SVG[:10], SVG[10:]], content_type=SVG_TYPE)
    assert (info.path, info.size, info.content_type) == ("p/1/a.svg", len(SVG), SVG_TYPE)
    stored = storage.info("p/1/a.svg")
    assert stored is not None
    assert (stored.size, stored.content_type) == (len(SVG), SVG_TYPE)
    assert stored.created_at is not None and stored.created_at.tzinfo is not None
    assert b"".join(storage.read("p/1/a.svg")) == SVG
    assert (storage.bucket_dir / "p/1/a.svg").read_bytes() == SVG
    assert storage.object_id("p/1/a.svg")


def test_content_type_parameters_are_allowed() -> None:
    assert is_allowed_content_type("image/svg+xml")
    assert is_allowed_content_type("Image/SVG+XML; charset=utf-8")
    assert not is_allowed_content_type("image/svg")
    assert not is_allowed_content_type("text/plain;charset=UTF-8")
    assert not is_allowed_content_type("image/svg+xml-evil")
    assert not is_allowed_content_type(None)


def test_wrong_content_type_stores_nothing(storage: LocalStorage) -> None:
    with pytest.raises(UnsupportedContentType, match="image/svg\\+xml"):
        storage.write_object("p/a.svg", [SVG], content_type="text/html")
    assert all_files(storage.root) == []


def test_oversize_is_cut_off_and_leaves_nothing(storage: LocalStorage) -> None:
    chunk = b"x" * (1024 * 1024)
    written: list[int] = []

    def chunks() -> object:
        for _ in range(20):
            written.append(len(chunk))
            yield chunk

    with pytest.raises(ObjectTooLarge, match=str(MAX_FLAMEGRAPH_BYTES)):
        storage.write_object("p/big.svg", chunks(), content_type=SVG_TYPE)  # type: ignore[arg-type]
    assert sum(written) == 11 * len(chunk)  # stopped at the chunk that crossed the limit
    assert all_files(storage.root) == []


def test_exactly_the_limit_is_accepted(tmp_path: Path) -> None:
    small = make_storage(tmp_path, max_bytes=100)
    assert small.write_object("a.svg", [b"x" * 100], content_type=SVG_TYPE).size == 100
    with pytest.raises(ObjectTooLarge):
        small.write_object("b.svg", [b"x" * 101], content_type=SVG_TYPE)


def test_no_overwrite_without_upsert(storage: LocalStorage) -> None:
    storage.write_object("a.svg", [SVG], content_type=SVG_TYPE)
    with pytest.raises(ObjectAlreadyExists, match="already exists"):
        storage.write_object("a.svg", [b"<svg/>"], content_type=SVG_TYPE)
    assert b"".join(storage.read("a.svg")) == SVG
    storage.write_object("a.svg", [b"<svg/>"], content_type=SVG_TYPE, upsert=True)
    assert b"".join(storage.read("a.svg")) == b"<svg/>"


def test_racing_writers_cannot_both_win(storage: LocalStorage) -> None:
    first = storage.open_writer("a.svg", content_type=SVG_TYPE)
    second = storage.open_writer("a.svg", content_type=SVG_TYPE)
    first.write(b"1")
    second.write(b"2")
    first.commit()
    with pytest.raises(ObjectAlreadyExists):
        second.commit()
    assert b"".join(storage.read("a.svg")) == b"1"
    assert [f for f in all_files(storage.root) if f.endswith(".part")] == []


def test_object_cannot_sit_under_another_object(storage: LocalStorage) -> None:
    storage.write_object("a.svg", [SVG], content_type=SVG_TYPE)
    with pytest.raises(ObjectAlreadyExists, match="parent folder"):
        storage.write_object("a.svg/b.svg", [SVG], content_type=SVG_TYPE)


def test_read_missing_raises_immediately(storage: LocalStorage) -> None:
    with pytest.raises(ObjectNotFound):
        storage.read("missing.svg")
    assert storage.info("missing.svg") is None


def test_delete_ignores_missing_and_prunes_folders(storage: LocalStorage) -> None:
    storage.write_object("p/1/a.svg", [SVG], content_type=SVG_TYPE)
    storage.delete(["p/1/a.svg", "p/1/missing.svg"])
    assert storage.info("p/1/a.svg") is None
    assert all_files(storage.root) == []
    assert list(storage.bucket_dir.iterdir()) == []
    storage.delete([])


def test_delete_validates_every_path_first(storage: LocalStorage) -> None:
    storage.write_object("a.svg", [SVG], content_type=SVG_TYPE)
    with pytest.raises(InvalidObjectPath):
        storage.delete(["a.svg", "../b.svg"])
    assert storage.info("a.svg") is not None


def test_list_objects_is_recursive_by_folder(storage: LocalStorage) -> None:
    for path in ("projects/1/f/a.svg", "projects/1/f/b.svg", "projects/10/f/c.svg", "top.svg"):
        storage.write_object(path, [SVG], content_type=SVG_TYPE)
    paths = [info.path for info in storage.list_objects()]
    assert paths == ["projects/1/f/a.svg", "projects/1/f/b.svg", "projects/10/f/c.svg", "top.svg"]
    assert [i.path for i in storage.list_objects("projects/1")] == [
        "projects/1/f/a.svg",
        "projects/1/f/b.svg",
    ]
    assert [i.path for i in storage.list_objects("projects/1/")] == [
        "projects/1/f/a.svg",
        "projects/1/f/b.svg",
    ]
    assert list(storage.list_objects("nothing/here")) == []
    assert all(i.content_type == SVG_TYPE and i.size == len(SVG) for i in storage.list_objects())


def test_list_folder_is_one_level_like_supabase(storage: LocalStorage) -> None:
    for path in ("p/a.svg", "p/b.svg", "p/sub/c.svg"):
        storage.write_object(path, [SVG], content_type=SVG_TYPE)
    entries = storage.list_folder("p")
    assert [(e.name, e.info is None) for e in entries] == [
        ("a.svg", False),
        ("b.svg", False),
        ("sub", True),
    ]
    assert [e.name for e in storage.list_folder("p", limit=1, offset=1)] == ["b.svg"]
    assert [e.name for e in storage.list_folder("p", search="b")] == ["b.svg"]
    assert [e.name for e in storage.list_folder("p", descending=True)][0] == "sub"


def test_signed_urls(storage: LocalStorage) -> None:
    upload = storage.create_signed_upload_url("p/my file.svg")
    assert upload.path == "p/my file.svg"
    assert upload.url == (
        "http://dw.test/storage/v1/object/upload/sign/flamegraphs/p/my%20file.svg"
        f"?token={upload.token}"
    )
    storage.write_object("p/a.svg", [SVG], content_type=SVG_TYPE)
    urls = storage.create_signed_read_urls(["p/a.svg", "p/missing.svg"], expires_in=60)
    assert list(urls) == ["p/a.svg"]
    assert urls["p/a.svg"].startswith("http://dw.test/storage/v1/object/sign/flamegraphs/p/a.svg?")
    with pytest.raises(StorageError):
        storage.create_signed_read_urls(["p/a.svg"], expires_in=0)


def test_constructor_checks(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="Bucket name"):
        make_storage(tmp_path, bucket="../x")
    with pytest.raises(StorageError, match="secret key"):
        LocalStorage(tmp_path, public_url="http://x", secret_key="")


# -- get_storage -------------------------------------------------------------------------


def test_get_storage_defaults_to_local(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, secret_key="s", port=9999)
    backend = get_storage(settings)
    assert isinstance(backend, LocalStorage)
    assert backend.root == tmp_path / "storage"
    assert backend.public_url == "http://127.0.0.1:9999"


def test_get_storage_names_missing_supabase_settings(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, storage_backend="supabase", supabase_url="http://x")
    with pytest.raises(StorageError, match="DRIFTWATCH_SUPABASE_SERVICE_KEY") as info:
        get_storage(settings)
    assert "DRIFTWATCH_SUPABASE_URL" not in str(info.value)
    with pytest.raises(StorageError, match="DRIFTWATCH_SUPABASE_URL and"):
        get_storage(Settings(data_dir=tmp_path, storage_backend="supabase"))


def test_get_storage_supabase(tmp_path: Path) -> None:
    from driftwatch_server.storage.supabase import SupabaseStorage

    settings = Settings(
        data_dir=tmp_path,
        storage_backend="supabase",
        supabase_url="https://ref.supabase.co/",
        supabase_service_key="key",
    )
    backend = get_storage(settings)
    assert isinstance(backend, SupabaseStorage)
    assert backend.storage_url == "https://ref.supabase.co/storage/v1/"
    backend.close()


# -- the SVG verdict recorded while the bytes are written ------------------------------------------

FLAMEGRAPH = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><g id="frames">'
    b'<g><title>main (1 samples, 100%)</title><rect x="0" y="0" width="10" height="1"/></g>'
    b"</g></svg>"
)


def test_bytes_accepted_while_written_are_verified_by_their_hash(storage: LocalStorage) -> None:
    # Fed in small chunks: the verdict comes from the streaming validator, not from a re-read.
    chunks = [FLAMEGRAPH[i : i + 7] for i in range(0, len(FLAMEGRAPH), 7)]
    storage.write_object("p/a.svg", chunks, content_type=SVG_TYPE)
    assert storage.read_verified_svg("p/a.svg") == FLAMEGRAPH


@pytest.mark.parametrize(
    "payload",
    [
        b"plain text, not XML",
        FLAMEGRAPH[: len(FLAMEGRAPH) // 2],  # truncated
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "x">]><svg xmlns="http://www.w3.org/2000/svg"/>',
    ],
)
def test_refused_bytes_are_stored_without_a_verdict(storage: LocalStorage, payload: bytes) -> None:
    # The storage stores them like Supabase would; confirm validates them and says why.
    storage.write_object("p/bad.svg", [payload], content_type=SVG_TYPE)
    assert b"".join(storage.read("p/bad.svg")) == payload
    assert storage.read_verified_svg("p/bad.svg") is None


def test_a_verdict_for_other_bytes_is_not_reused(storage: LocalStorage) -> None:
    storage.write_object("p/a.svg", [FLAMEGRAPH], content_type=SVG_TYPE)
    target = storage.object_file("p/a.svg")
    # Overwritten in place, same size, sidecar untouched: the recorded verdict is stale.
    target.write_bytes(b"x" * len(FLAMEGRAPH))
    assert storage.read_verified_svg("p/a.svg") is None
    # Written back byte for byte, the verdict holds again: it is bound to the bytes.
    target.write_bytes(FLAMEGRAPH)
    assert storage.read_verified_svg("p/a.svg") == FLAMEGRAPH


def test_an_upsert_records_the_verdict_of_the_new_bytes(storage: LocalStorage) -> None:
    storage.write_object("p/a.svg", [FLAMEGRAPH], content_type=SVG_TYPE)
    storage.write_object("p/a.svg", [b"not an svg"], content_type=SVG_TYPE, upsert=True)
    assert storage.read_verified_svg("p/a.svg") is None
    storage.write_object("p/a.svg", [SVG], content_type=SVG_TYPE, upsert=True)
    assert storage.read_verified_svg("p/a.svg") == SVG


def test_a_verdict_recorded_for_another_hash_is_ignored(storage: LocalStorage) -> None:
    import json

    storage.write_object("p/a.svg", [FLAMEGRAPH], content_type=SVG_TYPE)
    meta_path = storage.object_file("p/a.svg").parent / ".a.svg.meta.json"
    meta = json.loads(meta_path.read_text())
    assert meta["verdict"] == "svg-valid-v1" and len(meta["sha256"]) == 64
    meta["sha256"] = "0" * 64
    meta_path.write_text(json.dumps(meta))
    assert storage.read_verified_svg("p/a.svg") is None
