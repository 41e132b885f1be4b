"""Users and API tokens. Tokens are random, shown once, and stored only as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import secrets

import sqlalchemy as sa
from sqlmodel import Session, select

from driftwatch_nb.core.errors import InvalidInput
from driftwatch_server.models import ApiToken, User

TOKEN_PREFIX = "dw_"


def hash_token(token: str) -> str:
    """The stored form of a token (a fast hash is enough: tokens carry 256 random bits)."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(session: Session, *, name: str, is_admin: bool = False) -> User:
    """Create a user; the name must be new."""
    name = name.strip()
    if not name:
        raise InvalidInput("name must not be empty", field="name")
    if session.exec(select(User).where(User.name == name)).first():
        raise InvalidInput(f"a user named {name!r} already exists", field="name")
    user = User(name=name, is_admin=is_admin)
    session.add(user)
    session.flush()
    return user


def issue_token(session: Session, *, user: User, label: str = "") -> str:
    """Create a new API token for ``user`` and return it in clear (the only time it is seen)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=hash_token(token), label=label))
    session.flush()
    return token


def user_for_token(session: Session, token: str) -> User | None:
    """The user a token belongs to, or ``None``."""
    statement = (
        select(User)
        .join(ApiToken, sa.and_(ApiToken.user_id == User.id))
        .where(ApiToken.token_hash == hash_token(token))
    )
    return session.exec(statement).first()


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer ...`` header, if any."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def ensure_admin(session: Session) -> str | None:
    """On an empty database create the ``admin`` user and return its first token."""
    if session.exec(select(User.id).limit(1)).first() is not None:
        return None
    admin = create_user(session, name="admin", is_admin=True)
    return issue_token(session, user=admin, label="first start")


def user_named(session: Session, name: str) -> User | None:
    """The user called ``name``, if there is one."""
    return session.exec(select(User).where(User.name == name)).first()
