"""Users and API tokens. Tokens are random, shown once, and stored only as SHA-256 hashes."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, select

from driftwatch_nb.core.errors import InvalidInput, NotFoundError
from driftwatch_nb.core.limits import (
    BAD_TOKEN_FREE_ATTEMPTS,
    BAD_TOKEN_MAX_BACKOFF_SECONDS,
    BAD_TOKEN_WINDOW_SECONDS,
)
from driftwatch_server.models import ApiToken, User, as_utc, utcnow

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


MAX_TOKEN_LABEL = 100
LAST_USED_RESOLUTION = dt.timedelta(minutes=10)
"""``last_used_at`` is written at most this often per token (not on every request)."""


def issue_token(
    session: Session,
    *,
    user: User,
    label: str = "",
    expires_in: dt.timedelta | None = None,
) -> str:
    """Create a new API token for ``user`` and return it in clear (the only time it is seen);
    with ``expires_in`` it stops working after that long."""
    token, _row = issue_token_row(session, user=user, label=label, expires_in=expires_in)
    return token


def issue_token_row(
    session: Session,
    *,
    user: User,
    label: str = "",
    expires_in: dt.timedelta | None = None,
) -> tuple[str, ApiToken]:
    """``issue_token``, also returning the stored row."""
    if len(label) > MAX_TOKEN_LABEL:
        raise InvalidInput(f"label is longer than {MAX_TOKEN_LABEL} characters", field="label")
    if expires_in is not None and expires_in <= dt.timedelta(0):
        raise InvalidInput("a token's lifetime must be positive", field="expiresInDays")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id,
        token_hash=hash_token(token),
        label=label,
        expires_at=utcnow() + expires_in if expires_in is not None else None,
    )
    session.add(row)
    session.flush()
    return token, row


def token_for(session: Session, token: str) -> tuple[User, ApiToken] | None:
    """The user and row of a live token, or ``None`` (unknown, revoked or expired).

    The row is found by the SHA-256 of the token through a unique index; the hashes are then
    compared in constant time, so the answer's timing tells nothing about how close a guess was.
    """
    digest = hash_token(token)
    row = session.exec(
        select(User, ApiToken)
        .join(ApiToken, sa.and_(ApiToken.user_id == User.id))
        .where(ApiToken.token_hash == digest)
    ).first()
    if row is None or not hmac.compare_digest(row[1].token_hash, digest):
        return None
    user, api_token = row
    now = utcnow()
    if api_token.expires_at is not None and as_utc(api_token.expires_at) <= now:
        return None
    last = api_token.last_used_at
    if last is None or as_utc(last) < now - LAST_USED_RESOLUTION:
        session.execute(
            sa.update(ApiToken).where(ApiToken.id == api_token.id).values(last_used_at=now)  # type: ignore[arg-type]
        )
        session.commit()
    return user, api_token


def user_for_token(session: Session, token: str) -> User | None:
    """The user a live token belongs to, or ``None``."""
    found = token_for(session, token)
    return found[0] if found else None


def list_tokens(session: Session, *, user: User | None = None) -> list[tuple[ApiToken, User]]:
    """Tokens (never their secret) with their user, oldest first; ``user`` restricts to one."""
    statement = select(ApiToken, User).join(User, User.id == ApiToken.user_id)  # type: ignore[arg-type]
    if user is not None:
        statement = statement.where(ApiToken.user_id == user.id)
    return list(session.exec(statement.order_by(ApiToken.created_at, ApiToken.id)))


def revoke_token(session: Session, token_id: str, *, user: User | None = None) -> ApiToken:
    """Delete a token by id (or a unique prefix of 8+ characters); ``user`` restricts the
    search to that user's tokens (others' look not found). Dashboard sessions made from it end
    too (foreign key cascade)."""
    token_id = token_id.strip()
    statement = select(ApiToken)
    if len(token_id) >= 8 and len(token_id) < 36:
        statement = statement.where(ApiToken.id.startswith(token_id))  # type: ignore[attr-defined]
    else:
        statement = statement.where(ApiToken.id == token_id)
    if user is not None:
        statement = statement.where(ApiToken.user_id == user.id)
    rows = list(session.exec(statement.limit(2)))
    if not rows:
        raise NotFoundError(f"no token with id {token_id!r}", kind="token", field="id")
    if len(rows) > 1:
        raise InvalidInput(
            f"{token_id!r} names more than one token; give more of the id", field="id"
        )
    session.delete(rows[0])
    session.flush()
    return rows[0]


def client_address(request: object) -> str:
    """The address a request came from (behind a proxy: the proxy's, unless uvicorn is told
    to trust its ``X-Forwarded-For`` with ``--forwarded-allow-ips``)."""
    client = getattr(request, "client", None)
    return client.host if client is not None else "unknown"


@dataclass
class _Failures:
    count: int
    first: float
    blocked_until: float = 0.0


class BadTokenThrottle:
    """Back off on repeated bad tokens from one address, without locking anyone out.

    An address may send ``BAD_TOKEN_FREE_ATTEMPTS`` bad tokens per ``BAD_TOKEN_WINDOW_SECONDS``;
    after that each further bad token doubles the wait (1 s, 2 s, 4 s ... up to
    ``BAD_TOKEN_MAX_BACKOFF_SECONDS``) during which bad tokens from it are answered 429
    ``RATE_LIMITED`` with ``Retry-After``. A valid token is always accepted, even from an address
    that is backing off: the rightful user behind the same address (a NAT, a CI runner) is never
    locked out. State is per server process; at most ``max_addresses`` are remembered.
    """

    def __init__(
        self,
        *,
        free_attempts: int = BAD_TOKEN_FREE_ATTEMPTS,
        window: float = BAD_TOKEN_WINDOW_SECONDS,
        max_backoff: float = BAD_TOKEN_MAX_BACKOFF_SECONDS,
        max_addresses: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.free_attempts = free_attempts
        self.window = window
        self.max_backoff = max_backoff
        self.max_addresses = max_addresses
        self.clock = clock
        self._lock = threading.Lock()
        self._failures: OrderedDict[str, _Failures] = OrderedDict()

    def retry_after(self, address: str) -> float:
        """Seconds before a bad token from ``address`` is looked at again (0: now)."""
        with self._lock:
            entry = self._failures.get(address)
            if entry is None:
                return 0.0
            return max(0.0, entry.blocked_until - self.clock())

    def failed(self, address: str) -> float:
        """Record a bad token from ``address``; returns the wait it now has to observe."""
        now = self.clock()
        with self._lock:
            entry = self._failures.get(address)
            if entry is None or (now - entry.first > self.window and entry.blocked_until < now):
                entry = _Failures(count=0, first=now)
            entry.count += 1
            over = entry.count - self.free_attempts
            if over > 0:
                entry.blocked_until = now + min(self.max_backoff, 2.0 ** (over - 1))
            self._failures[address] = entry
            self._failures.move_to_end(address)
            while len(self._failures) > self.max_addresses:
                self._failures.popitem(last=False)
            return max(0.0, entry.blocked_until - now)


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
