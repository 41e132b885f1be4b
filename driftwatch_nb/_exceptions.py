"""Exceptions raised by the driftwatch client.

    DriftwatchError
    ├── ConfigurationError        no server URL or token configured
    ├── ConnectionFailed          the server could not be reached
    ├── UploadFailed              the storage refused or dropped a file upload
    └── ApiError                  the server answered with a GraphQL error (``code``)
        ├── AuthenticationError   UNAUTHENTICATED
        ├── PermissionDenied      FORBIDDEN
        ├── NotFoundError         NOT_FOUND
        ├── InvalidInput          BAD_USER_INPUT
        ├── PayloadTooLarge       PAYLOAD_TOO_LARGE
        └── UnsupportedMediaType  UNSUPPORTED_MEDIA_TYPE

Invalid SVG files raise ``driftwatch_nb.svg.SvgValidationError`` (a ``ValueError``) before
anything is sent.
"""

from __future__ import annotations


class DriftwatchError(Exception):
    """Base class of every error the client raises."""


class ConfigurationError(DriftwatchError):
    """The client does not know which server or token to use."""


class ConnectionFailed(DriftwatchError):
    """The server could not be reached, even after retries."""


class UploadFailed(DriftwatchError):
    """A file's bytes could not be stored, even after retries."""


class ApiError(DriftwatchError):
    """The server refused a request; ``code`` is its GraphQL ``extensions.code``."""

    code: str = "INTERNAL_SERVER_ERROR"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class AuthenticationError(ApiError):
    """The token is missing or not valid."""

    code = "UNAUTHENTICATED"


class PermissionDenied(ApiError):
    """The token's user may not do this."""

    code = "FORBIDDEN"


class NotFoundError(ApiError):
    """The project, report or flamegraph does not exist among the user's."""

    code = "NOT_FOUND"


class InvalidInput(ApiError):
    """An argument was refused."""

    code = "BAD_USER_INPUT"


class PayloadTooLarge(ApiError):
    """A file is over the server's size limit."""

    code = "PAYLOAD_TOO_LARGE"


class UnsupportedMediaType(ApiError):
    """A file is not an accepted SVG."""

    code = "UNSUPPORTED_MEDIA_TYPE"


API_ERRORS_BY_CODE: dict[str, type[ApiError]] = {
    cls.code: cls
    for cls in (
        AuthenticationError,
        PermissionDenied,
        NotFoundError,
        InvalidInput,
        PayloadTooLarge,
        UnsupportedMediaType,
    )
}
