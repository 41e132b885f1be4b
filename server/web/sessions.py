"""Dashboard sign-in: an API token is exchanged for a signed, HttpOnly session cookie.

The cookie names a ``dashboard_sessions`` row, which ties it to the API token it was made from:
signing out deletes the row, and revoking the token deletes it too (foreign key cascade), so the
cookie stops working at once instead of living out its 12 hours.
"""

from __future__ import annotations

import datetime as dt

import jwt
import sqlalchemy as sa
from sqlmodel import Session, select

from driftwatch_server.auth import token_for
from driftwatch_server.models import ApiToken, DashboardSession, User, as_utc, utcnow

COOKIE_NAME = "dw_session"
SESSION_LIFETIME = dt.timedelta(hours=12)
_AUDIENCE = "driftwatch-dashboard"


def issue_session(session: Session, token: str, *, secret_key: str) -> str | None:
    """A signed session value for the user of API token ``token``, or ``None`` if unknown."""
    found = token_for(session, token)  # unknown, revoked and expired tokens alike
    if found is None:
        return None
    _user, api_token = found
    now = utcnow()
    session.execute(sa.delete(DashboardSession).where(DashboardSession.expires_at < now))  # type: ignore[arg-type]
    row = DashboardSession(
        user_id=api_token.user_id, token_id=api_token.id, expires_at=now + SESSION_LIFETIME
    )
    session.add(row)
    session.commit()
    claims = {
        "sub": api_token.user_id,
        "sid": row.id,
        "aud": _AUDIENCE,
        "iat": now,
        "exp": now + SESSION_LIFETIME,
    }
    return jwt.encode(claims, secret_key, algorithm="HS256")


def _claims(value: str | None, *, secret_key: str) -> dict[str, object] | None:
    if not value:
        return None
    try:
        return jwt.decode(value, secret_key, algorithms=["HS256"], audience=_AUDIENCE)
    except jwt.PyJWTError:
        return None


def session_user(session: Session, value: str | None, *, secret_key: str) -> User | None:
    """The user of a live session cookie, or ``None`` (expired, ended, revoked, tampered)."""
    claims = _claims(value, secret_key=secret_key)
    if claims is None or not isinstance(claims.get("sid"), str):
        return None
    row = session.exec(
        select(User, DashboardSession, ApiToken)
        .join(DashboardSession, DashboardSession.user_id == User.id)  # type: ignore[arg-type]
        .join(ApiToken, ApiToken.id == DashboardSession.token_id)  # type: ignore[arg-type]
        .where(DashboardSession.id == claims["sid"], User.id == claims.get("sub"))
    ).first()
    if row is None:
        return None
    user, dashboard_session, api_token = row
    if api_token.expires_at is not None and as_utc(api_token.expires_at) <= utcnow():
        return None  # the API token it was made from has expired
    expires_at = dashboard_session.expires_at
    if expires_at.tzinfo is None:
        expires_at = expires_at.replace(tzinfo=dt.UTC)
    return user if expires_at > utcnow() else None


def end_session(session: Session, value: str | None, *, secret_key: str) -> None:
    """Sign out: the session row goes, so the cookie is dead even if someone kept a copy."""
    claims = _claims(value, secret_key=secret_key)
    if claims is None or not isinstance(claims.get("sid"), str):
        return
    row = session.get(DashboardSession, claims["sid"])
    if row is not None:
        session.delete(row)
        session.commit()
