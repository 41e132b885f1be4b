"""Supabase Storage's REST routes, served by the embedded backend.

Mount with ``app.include_router(build_storage_router(storage), prefix=STORAGE_API_PREFIX)``.
The official storage3 client then works against this app exactly as against Supabase:

=======  ==========================================  ==============  =========================
method   path (under ``/storage/v1``)                auth            storage3 call
=======  ==========================================  ==============  =========================
POST     ``/object/upload/sign/{bucket}/{path}``     service key     create_signed_upload_url
PUT      ``/object/upload/sign/{bucket}/{path}``     ``?token=``     upload_to_signed_url
POST     ``/object/sign/{bucket}/{path}``            service key     create_signed_url
POST     ``/object/sign/{bucket}``                   service key     create_signed_urls
GET      ``/object/sign/{bucket}/{path}``            ``?token=``     (the signed URL itself)
GET      ``/object/info/{bucket}/{path}``            service key     info, exists
GET      ``/object/{bucket}/{path}``                 service key     download
HEAD     ``/object/{bucket}/{path}``                 service key     (older exists)
DELETE   ``/object/{bucket}``                        service key     remove
POST     ``/object/list/{bucket}``                   service key     list
GET      ``/bucket/{bucket}``, POST ``/bucket``      service key     get_bucket, create_bucket
=======  ==========================================  ==============  =========================

Errors have Supabase's shape and status: HTTP 400 (500 for internal errors) with the real code as
a string in the body, ``{"statusCode": "413", "code": "EntityTooLarge", "error": "Payload too
large", "message": ...}``; storage3 turns them into ``StorageApiError``.

Uploads are checked while the bytes stream in: the content type before the first byte is
written, the size limit on every chunk (and on Content-Length up front). An upload that fails
leaves no file behind. uvicorn discards the rest of a request body the app did not read, so the
client still receives the error response.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from starlette.requests import ClientDisconnect

from .base import ObjectInfo, ObjectNotFound, StorageError
from .local import (
    STORAGE_API_PREFIX,
    InvalidObjectPath,
    InvalidToken,
    LocalStorage,
    ObjectAlreadyExists,
    ObjectTooLarge,
    ObjectWriter,
    TokenExpired,
    UnsupportedContentType,
    is_allowed_content_type,
)

try:
    from python_multipart import MultipartParser
    from python_multipart.exceptions import FormParserError
    from python_multipart.multipart import parse_options_header
except ImportError:  # python-multipart < 0.0.13 only ships the old module name
    from multipart import MultipartParser  # type: ignore[no-redef]
    from multipart.exceptions import FormParserError  # type: ignore[no-redef]
    from multipart.multipart import parse_options_header  # type: ignore[no-redef]

__all__ = ["SVG_SECURITY_HEADERS", "STORAGE_API_PREFIX", "build_storage_router"]

SVG_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
    "X-Content-Type-Options": "nosniff",
}
"""Served with every stored SVG so a flamegraph's scripts never run in our origin."""

CORS_HEADERS = {"Access-Control-Allow-Origin": "*"}
PREFLIGHT_HEADERS = {
    **CORS_HEADERS,
    "Access-Control-Allow-Methods": "GET, HEAD, PUT, OPTIONS",
    "Access-Control-Allow-Headers": (
        "authorization, apikey, x-client-info, content-type, x-upsert, cache-control"
    ),
    "Access-Control-Max-Age": "600",
}

# Room for storage3's form fields and part headers around the file in a multipart upload.
MULTIPART_SLACK_BYTES = 64 * 1024
_MAX_FORM_FIELD_BYTES = 4096
_MAX_FORM_PARTS = 16
_MAX_JSON_BODY_BYTES = 1024 * 1024
_MISSING_OBJECT = "Either the object does not exist or you do not have access to it"

P = ParamSpec("P")


class _StorageResponseError(Exception):
    """An error rendered in Supabase Storage's JSON shape."""

    def __init__(
        self, status: str, error: str, message: str, *, code: str, http_status: int = 400
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message
        self.code = code
        self.http_status = http_status

    def response(self, *, cors: bool) -> JSONResponse:
        body = {
            "statusCode": self.status,
            "code": self.code,
            "error": self.error,
            "message": self.message,
        }
        headers = dict(CORS_HEADERS) if cors else {}
        headers["Cache-Control"] = "no-store"
        return JSONResponse(body, status_code=self.http_status, headers=headers)


def _translate(exc: StorageError) -> _StorageResponseError:
    message = str(exc)
    if isinstance(exc, ObjectNotFound):
        # storage3's exists() looks for exactly this status and error.
        return _StorageResponseError("404", "not_found", "Object not found", code="NoSuchKey")
    if isinstance(exc, ObjectTooLarge):
        return _StorageResponseError("413", "Payload too large", message, code="EntityTooLarge")
    if isinstance(exc, UnsupportedContentType):
        return _StorageResponseError("415", "invalid_mime_type", message, code="InvalidMimeType")
    if isinstance(exc, ObjectAlreadyExists):
        return _StorageResponseError("409", "Duplicate", message, code="KeyAlreadyExists")
    if isinstance(exc, InvalidObjectPath):
        return _StorageResponseError("400", "InvalidKey", message, code="InvalidKey")
    if isinstance(exc, TokenExpired):
        return _StorageResponseError("400", "InvalidJWT", message, code="ExpiredToken")
    if isinstance(exc, InvalidToken):
        return _StorageResponseError("400", "InvalidJWT", message, code="InvalidJWT")
    return _StorageResponseError("500", "internal", message, code="InternalError", http_status=500)


def _supabase_errors(
    *, cors: bool = False
) -> Callable[[Callable[P, Awaitable[Response]]], Callable[P, Awaitable[Response]]]:
    """Render StorageError and _StorageResponseError raised by a route in Supabase's error shape."""

    def decorate(func: Callable[P, Awaitable[Response]]) -> Callable[P, Awaitable[Response]]:
        @functools.wraps(func)
        async def wrapper(*args: P.args, **kwargs: P.kwargs) -> Response:
            try:
                return await func(*args, **kwargs)
            except _StorageResponseError as exc:
                return exc.response(cors=cors)
            except StorageError as exc:
                return _translate(exc).response(cors=cors)

        return wrapper

    return decorate


def _bad_request(message: str) -> _StorageResponseError:
    return _StorageResponseError("400", "InvalidRequest", message, code="InvalidRequest")


def _iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def _json_body(request: Request) -> dict[str, Any]:
    body = await request.body()
    if len(body) > _MAX_JSON_BODY_BYTES:
        raise _bad_request("The JSON body is too large.")
    try:
        data = json.loads(body or b"{}")
    except ValueError as exc:
        raise _bad_request(f"The body is not valid JSON ({exc}); send a JSON object.") from exc
    if not isinstance(data, dict):
        raise _bad_request("The body must be a JSON object.")
    return data


def _expires_in(data: dict[str, Any]) -> int:
    # storage3 sends expiresIn as a string ("3600"); Supabase coerces it.
    raw = data.get("expiresIn")
    try:
        value = int(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        value = 0
    if isinstance(raw, bool) or value < 1:
        raise _bad_request("body/expiresIn must be a whole number of seconds, at least 1.")
    return value


def _content_length(request: Request) -> int | None:
    raw = request.headers.get("content-length")
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError as exc:
        raise _bad_request("The Content-Length header is not a number.") from exc


class _RawUpload:
    """A PUT whose body is the object's bytes (``Content-Type: image/svg+xml``)."""

    def __init__(self, writer: ObjectWriter) -> None:
        self._writer = writer

    def feed(self, chunk: bytes) -> None:
        self._writer.write(chunk)

    def finish(self) -> ObjectInfo:
        return self._writer.commit()

    def close(self) -> None:
        self._writer.abort()


class _MultipartUpload:
    """storage3's multipart PUT: a ``file`` part (with its own Content-Type) plus small fields.

    The parser's callbacks only record events; :meth:`feed` then acts on them, so the content
    type is checked when the file part's headers end, before any of its bytes are written.
    """

    def __init__(self, storage: LocalStorage, path: str, boundary: bytes, *, upsert: bool) -> None:
        self._storage = storage
        self._path = path
        self._upsert = upsert
        self._events: list[tuple[str, bytes]] = []
        self._parser = MultipartParser(boundary, callbacks=self._callbacks())
        self._max_total = storage.max_bytes + MULTIPART_SLACK_BYTES
        self._total = 0
        self._parts = 0
        self._headers: dict[str, str] = {}
        self._header_field = bytearray()
        self._header_value = bytearray()
        self._field_bytes = 0
        self._writer: ObjectWriter | None = None
        self._in_file = False
        self._file_done = False
        self._ended = False

    def _callbacks(self) -> dict[str, Callable[..., None]]:
        def mark(kind: str) -> Callable[[], None]:
            return lambda: self._events.append((kind, b""))

        def data(kind: str) -> Callable[[bytes, int, int], None]:
            # The parser reuses its buffer: copy the slice now.
            return lambda buf, start, end: self._events.append((kind, bytes(buf[start:end])))

        return {
            "on_part_begin": mark("part_begin"),
            "on_header_field": data("header_field"),
            "on_header_value": data("header_value"),
            "on_header_end": mark("header_end"),
            "on_headers_finished": mark("headers_finished"),
            "on_part_data": data("part_data"),
            "on_part_end": mark("part_end"),
            "on_end": mark("end"),
        }

    def feed(self, chunk: bytes) -> None:
        self._total += len(chunk)
        if self._total > self._max_total:
            self.close()
            raise ObjectTooLarge(
                f"The object exceeded the maximum allowed size of {self._storage.max_bytes} "
                "bytes; upload a smaller file."
            )
        try:
            self._parser.write(chunk)
        except FormParserError as exc:
            raise _bad_request(f"The multipart body is malformed ({exc}).") from exc
        events, self._events = self._events, []
        for kind, payload in events:
            self._handle(kind, payload)

    def _handle(self, kind: str, payload: bytes) -> None:
        if kind == "part_begin":
            self._parts += 1
            if self._parts > _MAX_FORM_PARTS:
                raise _bad_request("The multipart body has too many parts; send one file.")
            self._headers = {}
        elif kind == "header_field":
            self._header_field += payload
        elif kind == "header_value":
            self._header_value += payload
        elif kind == "header_end":
            name = self._header_field.decode("latin-1").strip().lower()
            self._headers[name] = self._header_value.decode("latin-1").strip()
            self._header_field.clear()
            self._header_value.clear()
        elif kind == "headers_finished":
            self._start_part()
        elif kind == "part_data":
            if self._in_file:
                assert self._writer is not None
                self._writer.write(payload)
            else:
                self._field_bytes += len(payload)
                if self._field_bytes > _MAX_FORM_FIELD_BYTES:
                    raise _bad_request("A form field besides the file is too large.")
        elif kind == "part_end":
            if self._in_file:
                self._in_file = False
                self._file_done = True
        elif kind == "end":
            self._ended = True

    def _start_part(self) -> None:
        _, params = parse_options_header(self._headers.get("content-disposition", ""))
        is_file = b"filename" in params or params.get(b"name") == b"file"
        if not is_file:
            return
        if self._writer is not None:
            raise _bad_request("Send exactly one file per upload.")
        # Fastify's multipart (Supabase) reports a part without Content-Type like this.
        content_type = self._headers.get("content-type", "application/octet-stream")
        self._writer = self._storage.open_writer(
            self._path, content_type=content_type, upsert=self._upsert
        )
        self._in_file = True

    def finish(self) -> ObjectInfo:
        self._parser.finalize()
        if self._writer is None or not self._file_done:
            raise _bad_request("No file provided: send the object as the multipart part 'file'.")
        if not self._ended:
            raise _bad_request("The multipart body ended early; upload again.")
        return self._writer.commit()

    def close(self) -> None:
        if self._writer is not None:
            self._writer.abort()


async def _receive(request: Request, upload: _RawUpload | _MultipartUpload) -> ObjectInfo:
    try:
        async for chunk in request.stream():
            if chunk:
                await anyio.to_thread.run_sync(upload.feed, chunk)
        return await anyio.to_thread.run_sync(upload.finish)
    except ClientDisconnect as exc:
        raise _bad_request(
            "The upload was interrupted before all bytes arrived; nothing was stored."
        ) from exc
    finally:
        # After a commit this is a no-op; otherwise it removes the partial file.
        upload.close()


def build_storage_router(storage: LocalStorage) -> APIRouter:
    """The Supabase Storage REST routes for ``storage``; mount under ``/storage/v1``."""
    router = APIRouter(tags=["storage"])

    def require_service(request: Request) -> None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise _StorageResponseError(
                "403",
                "Unauthorized",
                "This route needs 'Authorization: Bearer <service key>'.",
                code="AccessDenied",
            )
        try:
            storage.verify_service_key(token.strip())
        except InvalidToken as exc:
            raise _StorageResponseError(
                "403", "Unauthorized", str(exc), code="AccessDenied"
            ) from exc

    def check_bucket(bucket: str) -> None:
        if bucket != storage.bucket:
            raise _StorageResponseError(
                "404",
                "Bucket not found",
                f"Bucket {bucket!r} not found; this server stores objects in {storage.bucket!r}.",
                code="NoSuchBucket",
            )

    def query_token(request: Request) -> str:
        token = request.query_params.get("token")
        if not token:
            raise _StorageResponseError(
                "400",
                "InvalidJWT",
                "The URL has no ?token=; use the whole signed URL the server gave you.",
                code="InvalidJWT",
            )
        return token

    def object_json(info: ObjectInfo, *, name: str, object_id: str | None) -> dict[str, Any]:
        created = _iso(info.created_at)
        return {
            "name": name,
            "id": object_id,
            "updated_at": created,
            "created_at": created,
            "last_accessed_at": created,
            "metadata": {
                "size": info.size,
                "mimetype": info.content_type,
                "cacheControl": f"max-age={storage.signed_url_ttl_seconds}",
                "lastModified": created,
                "contentLength": info.size,
                "httpStatusCode": 200,
            },
        }

    def svg_file_response(
        path: str, *, cache_control: str, cors: bool, download: str | None
    ) -> FileResponse:
        target = storage.object_file(path)
        headers = {**SVG_SECURITY_HEADERS, "Cache-Control": cache_control}
        if cors:
            headers.update(CORS_HEADERS)
        # Always the bucket's one type (never what a client claimed), so a browser cannot be
        # talked into rendering stored bytes as HTML.
        return FileResponse(
            target,
            media_type=storage.allowed_content_type,
            headers=headers,
            filename=download or target.name,
            content_disposition_type="inline" if download is None else "attachment",
        )

    # -- signed upload ---------------------------------------------------------------------

    @router.post("/object/upload/sign/{bucket}/{path:path}")
    @_supabase_errors()
    async def create_signed_upload_url(request: Request, bucket: str, path: str) -> Response:
        """Sign an upload URL (storage3 ``create_signed_upload_url``); ``x-upsert`` is signed in."""
        require_service(request)
        check_bucket(bucket)
        upsert = request.headers.get("x-upsert", "").strip().lower() == "true"
        token = storage.sign_upload_token(path, upsert=upsert)
        return JSONResponse(
            {"url": storage.signed_upload_relative_url(path, token), "token": token}
        )

    @router.put("/object/upload/sign/{bucket}/{path:path}")
    @_supabase_errors(cors=True)
    async def upload_to_signed_url(request: Request, bucket: str, path: str) -> Response:
        """Store the object: a raw SVG body, or storage3's multipart form with a ``file`` part.

        Overwriting needs an upload URL signed with ``x-upsert: true``; the header on the PUT
        itself cannot upgrade a token, because an object is validated once, at confirm time.
        """
        check_bucket(bucket)
        storage.validate_path(path)
        claims = storage.verify_token(query_token(request), purpose="upload", path=path)
        length = _content_length(request)
        content_type = request.headers.get("content-type", "")
        media_type, params = parse_options_header(content_type)
        upload: _RawUpload | _MultipartUpload
        if media_type == b"multipart/form-data":
            boundary = params.get(b"boundary")
            if not boundary:
                raise _bad_request("The multipart Content-Type has no boundary.")
            if length is not None and length > storage.max_bytes + MULTIPART_SLACK_BYTES:
                raise ObjectTooLarge(
                    f"The object exceeded the maximum allowed size of {storage.max_bytes} bytes "
                    f"(the request is {length} bytes); upload a smaller file."
                )
            upload = _MultipartUpload(storage, path, boundary, upsert=claims.upsert)
        else:
            if not is_allowed_content_type(content_type, storage.allowed_content_type):
                raise UnsupportedContentType(
                    f"mime type {content_type or '(none)'} is not supported; upload with "
                    f"Content-Type: {storage.allowed_content_type}."
                )
            if length is not None and length > storage.max_bytes:
                raise ObjectTooLarge(
                    f"The object exceeded the maximum allowed size of {storage.max_bytes} bytes "
                    f"(Content-Length is {length}); upload a smaller file."
                )
            writer = storage.open_writer(path, content_type=content_type, upsert=claims.upsert)
            upload = _RawUpload(writer)
        await _receive(request, upload)
        return JSONResponse(
            {"Key": f"{bucket}/{path}", "Id": storage.object_id(path)}, headers=CORS_HEADERS
        )

    @router.options("/object/upload/sign/{bucket}/{path:path}")
    @router.options("/object/sign/{bucket}/{path:path}")
    async def preflight(bucket: str, path: str) -> Response:
        """Answer the browser's CORS preflight for signed URLs."""
        return Response(status_code=204, headers=PREFLIGHT_HEADERS)

    # -- signed read -----------------------------------------------------------------------

    @router.post("/object/sign/{bucket}/{path:path}")
    @_supabase_errors()
    async def create_signed_url(request: Request, bucket: str, path: str) -> Response:
        """Sign a read URL for one existing object (storage3 ``create_signed_url``)."""
        require_service(request)
        check_bucket(bucket)
        expires_in = _expires_in(await _json_body(request))
        storage.object_file(path)
        token = storage.sign_read_token(path, expires_in=expires_in)
        return JSONResponse({"signedURL": storage.signed_read_relative_url(path, token)})

    @router.post("/object/sign/{bucket}")
    @_supabase_errors()
    async def create_signed_urls(request: Request, bucket: str) -> Response:
        """Sign read URLs in one round trip (storage3 ``create_signed_urls``)."""
        require_service(request)
        check_bucket(bucket)
        data = await _json_body(request)
        expires_in = _expires_in(data)
        paths = data.get("paths")
        if (
            not isinstance(paths, list)
            or not paths
            or not all(isinstance(path, str) for path in paths)
        ):
            raise _bad_request("body/paths must be a non-empty list of object paths.")
        results: list[dict[str, Any]] = []
        for path in paths:
            try:
                storage.object_file(path)
            except StorageError:
                results.append({"error": _MISSING_OBJECT, "path": path, "signedURL": None})
                continue
            token = storage.sign_read_token(path, expires_in=expires_in)
            url = storage.signed_read_relative_url(path, token)
            results.append({"error": None, "path": path, "signedURL": url})
        return JSONResponse(results)

    @router.api_route("/object/sign/{bucket}/{path:path}", methods=["GET", "HEAD"])
    @_supabase_errors(cors=True)
    async def get_signed_object(request: Request, bucket: str, path: str) -> Response:
        """Stream an object to whoever holds a read token (browsers included: CORS ``*``)."""
        check_bucket(bucket)
        storage.validate_path(path)
        claims = storage.verify_token(query_token(request), purpose="read", path=path)
        max_age = max(0, claims.expires_at - int(time.time()))
        return svg_file_response(
            path,
            cache_control=f"private, max-age={max_age}",
            cors=True,
            download=request.query_params.get("download"),
        )

    # -- authenticated (service key) -------------------------------------------------------

    # The decorator nearest the function registers first: the literal path must win.
    @router.get("/object/info/{bucket}/{path:path}")
    @router.get("/object/info/authenticated/{bucket}/{path:path}")
    @_supabase_errors()
    async def object_info(request: Request, bucket: str, path: str) -> Response:
        """Object info (storage3 ``info``; ``exists`` reads it and maps 404 to False)."""
        require_service(request)
        check_bucket(bucket)
        info = storage.info(path)
        if info is None:
            raise ObjectNotFound(path)
        created = _iso(info.created_at)
        return JSONResponse(
            {
                "id": storage.object_id(path),
                "name": path,
                "version": None,
                "bucket_id": bucket,
                "size": info.size,
                "content_type": info.content_type,
                "cache_control": f"max-age={storage.signed_url_ttl_seconds}",
                "etag": None,
                "metadata": {},
                "last_modified": created,
                "created_at": created,
            },
            headers={"Cache-Control": "no-cache"},
        )

    @router.delete("/object/{bucket}")
    @_supabase_errors()
    async def remove_objects(request: Request, bucket: str) -> Response:
        """Delete objects by path (storage3 ``remove``); returns those that existed."""
        require_service(request)
        check_bucket(bucket)
        prefixes = (await _json_body(request)).get("prefixes")
        if (
            not isinstance(prefixes, list)
            or not prefixes
            or not all(isinstance(path, str) for path in prefixes)
        ):
            raise _bad_request("body/prefixes must be a non-empty list of object paths.")
        deleted = await anyio.to_thread.run_sync(storage.delete_objects, prefixes)
        return JSONResponse(
            [
                {"bucket_id": bucket, **object_json(info, name=info.path, object_id=None)}
                for info in deleted
            ]
        )

    @router.post("/object/list/{bucket}")
    @_supabase_errors()
    async def list_objects(request: Request, bucket: str) -> Response:
        """The children of folder ``prefix`` (storage3 ``list``); folders have ``id: null``."""
        require_service(request)
        check_bucket(bucket)
        data = await _json_body(request)
        prefix = data.get("prefix", "")
        search = data.get("search", "") or ""
        limit, offset = data.get("limit", 100), data.get("offset", 0)
        sort_by = data.get("sortBy") or {}
        if not isinstance(prefix, str) or not isinstance(search, str):
            raise _bad_request("body/prefix and body/search must be strings.")
        if not isinstance(limit, int) or limit < 1 or not isinstance(offset, int) or offset < 0:
            raise _bad_request("body/limit must be at least 1 and body/offset at least 0.")
        if not isinstance(sort_by, dict):
            raise _bad_request("body/sortBy must be an object.")
        entries = await anyio.to_thread.run_sync(
            functools.partial(
                storage.list_folder,
                prefix,
                search=search,
                limit=limit,
                offset=offset,
                sort_column=str(sort_by.get("column", "name")),
                descending=str(sort_by.get("order", "asc")).lower() == "desc",
            )
        )
        results: list[dict[str, Any]] = []
        for entry in entries:
            if entry.info is None:
                results.append(
                    {
                        "name": entry.name,
                        "id": None,
                        "updated_at": None,
                        "created_at": None,
                        "last_accessed_at": None,
                        "metadata": None,
                    }
                )
            else:
                results.append(object_json(entry.info, name=entry.name, object_id=entry.id))
        return JSONResponse(results)

    @router.get("/bucket/{bucket}")
    @_supabase_errors()
    async def get_bucket(request: Request, bucket: str) -> Response:
        """The bucket's settings (storage3 ``get_bucket``)."""
        require_service(request)
        check_bucket(bucket)
        return JSONResponse(
            {
                "id": storage.bucket,
                "name": storage.bucket,
                "owner": "",
                "public": False,
                "type": "STANDARD",
                "file_size_limit": storage.max_bytes,
                "allowed_mime_types": [storage.allowed_content_type],
                "created_at": "1970-01-01T00:00:00.000Z",
                "updated_at": "1970-01-01T00:00:00.000Z",
            }
        )

    @router.post("/bucket")
    @_supabase_errors()
    async def create_bucket(request: Request) -> Response:
        """The embedded backend has its one bucket already; say so like Supabase would."""
        require_service(request)
        bucket = (await _json_body(request)).get("id")
        if bucket == storage.bucket:
            raise _StorageResponseError(
                "409", "Duplicate", "The resource already exists", code="BucketAlreadyExists"
            )
        raise _bad_request(
            f"The embedded storage serves only the bucket {storage.bucket!r}; use Supabase "
            "for more buckets."
        )

    @router.head("/object/{bucket}/{path:path}")
    @router.head("/object/authenticated/{bucket}/{path:path}")
    @_supabase_errors()
    async def head_object(request: Request, bucket: str, path: str) -> Response:
        """Object headers without a body (what older storage3 ``exists`` sent)."""
        require_service(request)
        check_bucket(bucket)
        info = storage.info(path)
        if info is None:
            raise ObjectNotFound(path)
        return Response(
            status_code=200,
            headers={
                "Content-Length": str(info.size),
                "Content-Type": storage.allowed_content_type,
                "Cache-Control": "no-cache",
            },
        )

    # Registered last: "/object/{bucket}/..." would otherwise swallow "/object/sign/...".
    @router.get("/object/{bucket}/{path:path}")
    @router.get("/object/authenticated/{bucket}/{path:path}")
    @_supabase_errors()
    async def download_object(request: Request, bucket: str, path: str) -> Response:
        """Stream an object to the service role (storage3 ``download``)."""
        require_service(request)
        check_bucket(bucket)
        return svg_file_response(path, cache_control="no-cache", cors=False, download=None)

    return router
