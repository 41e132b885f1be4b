"""Issue 13, items 8 and 9: tokens can be listed, revoked and given an expiry; bad tokens meet
a back-off that never locks out the rightful user; a refused token is called that."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import sqlalchemy as sa

from tests.cli.helpers import clean_env, driftwatch
from tests.support.server import LiveServer

ME = {"query": "{ me { name } }"}


def post(server: LiveServer, token: str | None, body: dict[str, Any] = ME) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.post(f"{server.url}/graphql", json=body, headers=headers, timeout=30)


def error_of(response: httpx.Response) -> dict[str, Any]:
    errors = response.json()["errors"]
    return errors[0]


def test_a_refused_token_is_called_refused_not_missing(live_server: LiveServer) -> None:
    refused = error_of(post(live_server, "dw_not-a-real-token"))
    assert refused["extensions"]["code"] == "UNAUTHENTICATED"
    assert "the server refused this token (revoked" in refused["message"]
    assert "send an API token" not in refused["message"]
    missing = error_of(post(live_server, None))
    assert "send an API token as 'Authorization: Bearer <token>'" in missing["message"]


def test_own_tokens_are_listed_created_with_expiry_and_revoked(live_server: LiveServer) -> None:
    query = (
        'mutation { createToken(label: "ci", expiresInDays: 30) '
        "{ token info { id label expiresAt current } } }"
    )
    created = post(live_server, live_server.token, {"query": query}).json()["data"]["createToken"]
    new_token, info = created["token"], created["info"]
    assert info["label"] == "ci" and info["expiresAt"] and not info["current"]
    assert post(live_server, new_token).json()["data"]["me"]["name"] == "alice"

    listed = post(live_server, new_token, {"query": "{ tokens { id label current } }"})
    tokens = listed.json()["data"]["tokens"]
    assert len(tokens) == 2
    assert [t["current"] for t in tokens if t["id"] == info["id"]] == [True]

    # Mallory cannot revoke (or even see) alice's token.
    revoke = {"query": f'mutation {{ revokeToken(id: "{info["id"]}") }}'}
    assert (
        error_of(post(live_server, live_server.other_token, revoke))["extensions"]["code"]
        == "NOT_FOUND"
    )
    assert post(live_server, live_server.token, revoke).json()["data"]["revokeToken"] is True
    assert "refused this token" in error_of(post(live_server, new_token))["message"]


def test_an_expired_token_is_refused(live_server: LiveServer) -> None:
    created = post(
        live_server,
        live_server.token,
        {
            "query": 'mutation { createToken(label: "short", expiresInDays: 1) { token info { id } } }'
        },
    ).json()["data"]["createToken"]
    assert post(live_server, created["token"]).json()["data"]["me"]["name"] == "alice"
    with live_server.engine.begin() as connection:
        connection.execute(
            sa.text("update api_tokens set expires_at = :past where id = :id"),
            {
                "past": dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1),
                "id": created["info"]["id"],
            },
        )
    assert "refused this token" in error_of(post(live_server, created["token"]))["message"]


def test_admin_lists_and_revokes_tokens(live_server: LiveServer) -> None:
    env = clean_env(
        DRIFTWATCH_DATABASE_URL=live_server.engine.url.render_as_string(hide_password=False),
        DRIFTWATCH_DATA_DIR=str(live_server.data_dir),
    )
    listed = driftwatch("admin", "list-tokens", "--user", "alice", env=env)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.strip().splitlines()
    assert lines[0].split()[:3] == ["id", "user", "label"]
    assert len(lines) == 2 and "alice" in lines[1]
    token_id = lines[1].split()[0]
    revoked = driftwatch("admin", "revoke-token", token_id[:8], env=env)
    assert revoked.returncode == 0, revoked.stderr
    assert "refused this token" in error_of(post(live_server, live_server.token))["message"]
    unknown = driftwatch("admin", "revoke-token", token_id, env=env)
    assert unknown.returncode != 0 and "no token" in unknown.stderr


def test_bad_tokens_back_off_but_the_rightful_user_gets_in(live_server: LiveServer) -> None:
    from driftwatch_nb.core.limits import BAD_TOKEN_FREE_ATTEMPTS

    for attempt in range(BAD_TOKEN_FREE_ATTEMPTS):
        response = post(live_server, f"dw_guess-{attempt}")
        assert error_of(response)["extensions"]["code"] == "UNAUTHENTICATED"
    backing_off = post(live_server, "dw_guess-again")
    assert backing_off.status_code == 200  # the attempt that starts the back-off
    refused = post(live_server, "dw_guess-once-more")
    assert refused.status_code == 429
    assert error_of(refused)["extensions"]["code"] == "RATE_LIMITED"
    assert int(refused.headers["retry-after"]) >= 1
    # Same address, valid token: always accepted.
    assert post(live_server, live_server.token).json()["data"]["me"]["name"] == "alice"


def test_the_back_off_doubles_and_is_forgotten_after_the_window() -> None:
    from driftwatch_server.auth import BadTokenThrottle

    now = [1000.0]
    throttle = BadTokenThrottle(free_attempts=2, window=60, max_backoff=8, clock=lambda: now[0])
    waits = [throttle.failed("10.0.0.1") for _ in range(7)]
    assert waits == [0, 0, 1, 2, 4, 8, 8]
    assert throttle.retry_after("10.0.0.2") == 0  # other addresses are not affected
    now[0] += 120
    assert throttle.retry_after("10.0.0.1") == 0
    assert throttle.failed("10.0.0.1") == 0  # forgotten after the window
