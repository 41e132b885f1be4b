"""Errors the API reports to clients, each with the GraphQL ``extensions.code`` it carries.

    ApiError
    ├── Unauthenticated        UNAUTHENTICATED
    ├── Forbidden              FORBIDDEN
    ├── NotFound               NOT_FOUND
    ├── BadUserInput           BAD_USER_INPUT
    ├── PayloadTooLarge        PAYLOAD_TOO_LARGE
    ├── UnsupportedMediaType   UNSUPPORTED_MEDIA_TYPE
    └── ServiceUnavailable     SERVICE_UNAVAILABLE

Anything else raised in a resolver is masked as "Unexpected error." and logged.
"""

from __future__ import annotations

from typing import Any, ClassVar


class ApiError(Exception):
    """An expected failure with a message a person can act on."""

    code: ClassVar[str] = "INTERNAL_SERVER_ERROR"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    @property
    def extensions(self) -> dict[str, Any]:
        """GraphQL error extensions; graphql-core copies them onto the located error."""
        extensions: dict[str, Any] = {"code": self.code}
        if self.field:
            extensions["field"] = self.field
        return extensions


class Unauthenticated(ApiError):
    """No valid API token was sent."""

    code = "UNAUTHENTICATED"


class Forbidden(ApiError):
    """The user is known but may not do this."""

    code = "FORBIDDEN"


class NotFound(ApiError):
    """The thing does not exist, or belongs to another user."""

    code = "NOT_FOUND"


class BadUserInput(ApiError):
    """An argument is invalid; ``field`` names it."""

    code = "BAD_USER_INPUT"


class PayloadTooLarge(ApiError):
    """A file is over the size limit."""

    code = "PAYLOAD_TOO_LARGE"


class UnsupportedMediaType(ApiError):
    """A file is not of an accepted type."""

    code = "UNSUPPORTED_MEDIA_TYPE"


class ServiceUnavailable(ApiError):
    """A part the server depends on (database, storage) is down or full; the message says which."""

    code = "SERVICE_UNAVAILABLE"
