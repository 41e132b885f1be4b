"""Transport refusals are GraphQL-shaped, GraphiQL is off, slugs say nothing (issue 15, item 8)."""

from __future__ import annotations

import httpx
import pytest

from tests.support.server import LiveServer


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'{"query": "{ me { name } }"', "application/json"),  # malformed JSON
        (b'[{"query": "{ me { name } }"}]', "application/json"),  # a batch
        (b'{"variables": {}}', "application/json"),  # no query
    ],
)
def test_transport_errors_carry_a_code(
    live_server: LiveServer, content: bytes, content_type: str
) -> None:
    response = httpx.post(
        f"{live_server.url}/graphql",
        content=content,
        headers={**auth(live_server.token), "Content-Type": content_type},
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["data"] is None
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert error["message"]


def test_graphiql_is_off_by_default(live_server: LiveServer) -> None:
    response = httpx.get(f"{live_server.url}/graphql", headers={"Accept": "text/html"})
    assert "text/html" not in response.headers.get("content-type", "")
    assert "cdn.jsdelivr" not in response.text and "unpkg" not in response.text
    assert response.json()["errors"][0]["extensions"]["code"]


def test_create_project_answers_the_same_for_another_users_slug_and_ones_own(
    live_server: LiveServer,
) -> None:
    def create(token: str, slug: str) -> dict:
        query = f'mutation {{ createProject(slug: "{slug}") {{ id }} }}'
        return httpx.post(
            f"{live_server.url}/graphql", json={"query": query}, headers=auth(token)
        ).json()

    assert "errors" not in create(live_server.other_token, "theirs")
    assert "errors" not in create(live_server.token, "mine")
    theirs = create(live_server.token, "theirs")["errors"][0]
    mine = create(live_server.token, "mine")["errors"][0]
    assert theirs["message"].replace("theirs", "X") == mine["message"].replace("mine", "X")
    assert theirs["extensions"] == mine["extensions"] == {"code": "BAD_USER_INPUT", "field": "slug"}
    assert "not available" in theirs["message"]
