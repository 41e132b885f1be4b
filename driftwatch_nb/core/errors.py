"""The one exception tree of driftwatch, shared by the client, the CLI and the server.

    DriftwatchError
    ├── ConfigurationError        no server URL or token configured, or a bad setting
    ├── ConnectionFailed          the server could not be reached
    ├── UploadFailed              the storage refused or dropped a file upload
    │   └── UploadUrlExpired      ... because the signed upload URL had expired
    ├── InvalidFile               a local file was refused before anything was sent
    │   └── SvgValidationError    ... because it is not an acceptable SVG (``core.svg``)
    └── ApiError                  a refusal with a GraphQL ``extensions.code``
        ├── AuthenticationError   UNAUTHENTICATED
        ├── PermissionDenied      FORBIDDEN
        ├── NotFoundError         NOT_FOUND
        ├── InvalidInput          BAD_USER_INPUT (``field`` names the argument)
        ├── PayloadTooLarge       PAYLOAD_TOO_LARGE
        ├── UnsupportedMediaType  UNSUPPORTED_MEDIA_TYPE
        ├── ServiceUnavailable    SERVICE_UNAVAILABLE
        ├── QueryTooComplex       QUERY_TOO_COMPLEX (tokens, aliases, depth, cost)
        └── RateLimited           RATE_LIMITED (repeated bad tokens: back off)

The server raises ``ApiError`` subclasses; GraphQL carries ``code``, ``field`` and ``kind``
(what was not found, e.g. ``"project"``) in the error's extensions; the client turns them back
into the same classes with ``api_error_from``. Callers never need to read a message's text.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar


class ErrorCode(StrEnum):
    """Every ``extensions.code`` the API sends."""

    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    BAD_USER_INPUT = "BAD_USER_INPUT"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    BAD_REQUEST = "BAD_REQUEST"
    """The HTTP request itself was malformed (not JSON, a batch, no query)."""
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
    """The operation is over a query limit (tokens, aliases, depth, cost)."""
    RATE_LIMITED = "RATE_LIMITED"
    """Too many bad tokens from this address: wait ``Retry-After`` seconds."""
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"


class DriftwatchError(Exception):
    """Base class of every error driftwatch raises on purpose."""


class ConfigurationError(DriftwatchError):
    """The client does not know which server or token to use, or a setting is invalid."""


class ConnectionFailed(DriftwatchError):
    """The server could not be reached, even after retries."""


class UploadFailed(DriftwatchError):
    """A file's bytes could not be stored, even after retries."""


class UploadUrlExpired(UploadFailed):
    """The storage refused a signed upload URL as expired (Supabase: ``400 InvalidJWT: "exp"
    claim timestamp check failed``); the client asks for a fresh one and tries once more."""


class InvalidFile(DriftwatchError, ValueError):
    """A local file was refused; ``str(err)`` is ``"{file_name}: {reason}"``."""

    def __init__(self, file_name: str, reason: str) -> None:
        super().__init__(f"{file_name}: {reason}")
        self.file_name = file_name
        self.reason = reason

    def __reduce__(self) -> tuple[type[InvalidFile], tuple[str, str]]:
        return (type(self), (self.file_name, self.reason))


class ApiError(DriftwatchError):
    """A refusal with a code; ``field`` names the argument, ``kind`` what was not found."""

    code: ClassVar[ErrorCode] = ErrorCode.INTERNAL_SERVER_ERROR

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        kind: str | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.kind = kind
        if code is not None:  # a code this version does not know, from a newer server
            self.code = code  # type: ignore[misc]

    @property
    def extensions(self) -> dict[str, Any]:
        """GraphQL error extensions; graphql-core copies them onto the located error."""
        extensions: dict[str, Any] = {"code": str(self.code)}
        if self.field:
            extensions["field"] = self.field
        if self.kind:
            extensions["kind"] = self.kind
        return extensions


class AuthenticationError(ApiError):
    """The token is missing or not valid."""

    code = ErrorCode.UNAUTHENTICATED


class PermissionDenied(ApiError):
    """The token's user may not do this."""

    code = ErrorCode.FORBIDDEN


class NotFoundError(ApiError):
    """The thing does not exist, or belongs to another user (the two look the same)."""

    code = ErrorCode.NOT_FOUND


class InvalidInput(ApiError):
    """An argument was refused; ``field`` names it."""

    code = ErrorCode.BAD_USER_INPUT


class PayloadTooLarge(ApiError):
    """A file or request is over a size limit."""

    code = ErrorCode.PAYLOAD_TOO_LARGE


class UnsupportedMediaType(ApiError):
    """A file is not of an accepted type."""

    code = ErrorCode.UNSUPPORTED_MEDIA_TYPE


class ServiceUnavailable(ApiError):
    """A part the server needs (database, storage) is down; try again later."""

    code = ErrorCode.SERVICE_UNAVAILABLE


class QueryTooComplex(ApiError):
    """The operation is over a query limit (``core.limits``: tokens, aliases, depth, cost)."""

    code = ErrorCode.QUERY_TOO_COMPLEX


class RateLimited(ApiError):
    """Too many bad tokens came from this address; the server backs off."""

    code = ErrorCode.RATE_LIMITED


API_ERRORS_BY_CODE: dict[str, type[ApiError]] = {
    cls.code: cls
    for cls in (
        AuthenticationError,
        PermissionDenied,
        NotFoundError,
        InvalidInput,
        PayloadTooLarge,
        UnsupportedMediaType,
        ServiceUnavailable,
        QueryTooComplex,
        RateLimited,
    )
}


def api_error_from(message: str, extensions: dict[str, Any] | None) -> ApiError:
    """The exception for a GraphQL error as the server sent it."""
    extensions = extensions or {}
    code = str(extensions.get("code") or ErrorCode.INTERNAL_SERVER_ERROR)
    cls = API_ERRORS_BY_CODE.get(code, ApiError)
    return cls(
        message,
        field=extensions.get("field"),
        kind=extensions.get("kind"),
        code=code if cls is ApiError else None,
    )
