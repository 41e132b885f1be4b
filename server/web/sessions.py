"""Dashboard sign-in: an API token is exchanged for a signed, HttpOnly session cookie."""

from __future__ import annotations

import datetime as dt

import jwt

COOKIE_NAME = "dw_session"
SESSION_LIFETIME = dt.timedelta(hours=12)
_AUDIENCE = "driftwatch-dashboard"


def issue_session(user_id: str, *, secret_key: str) -> str:
    """A signed session value for ``user_id``."""
    now = dt.datetime.now(dt.UTC)
    claims = {"sub": user_id, "aud": _AUDIENCE, "iat": now, "exp": now + SESSION_LIFETIME}
    return jwt.encode(claims, secret_key, algorithm="HS256")


def session_user_id(value: str | None, *, secret_key: str) -> str | None:
    """The user id of a valid session cookie, or ``None`` (expired, tampered or absent)."""
    if not value:
        return None
    try:
        claims = jwt.decode(value, secret_key, algorithms=["HS256"], audience=_AUDIENCE)
    except jwt.PyJWTError:
        return None
    subject = claims.get("sub")
    return subject if isinstance(subject, str) else None
