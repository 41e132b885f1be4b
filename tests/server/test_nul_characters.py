"""NUL characters in any string argument are BAD_USER_INPUT naming the field (issue 15, item 7).

Before, PostgreSQL answered INTERNAL_SERVER_ERROR and SQLite stored them.
"""

from __future__ import annotations

import httpx
import pytest
import sqlalchemy as sa

from tests.support.server import LiveServer

REPORT = """
mutation($input: ReportInput!) { createReport(input: $input) { id } }
"""


def post(live_server: LiveServer, query: str, variables: dict | None = None) -> dict:
    response = httpx.post(
        f"{live_server.url}/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"Bearer {live_server.token}"},
    )
    assert response.status_code == 200, response.text
    return response.json()


def report_input(**overrides: object) -> dict:
    data = {
        "projectSlug": "demo",
        "branch": "main",
        "startTime": "2026-01-01T00:00:00Z",
        "endTime": "2026-01-01T00:00:01Z",
        "results": [{"benchmark": "parse", "measures": [{"measure": "latency", "value": 1.0}]}],
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("query", "variables", "field"),
    [
        ('mutation { createProject(slug: "a\\u0000b") { id } }', None, "slug"),
        ('mutation { createProject(slug: "ok", name: "x\\u0000") { id } }', None, "name"),
        ("query($s: String!) { project(slug: $s) { id } }", {"s": "\x00"}, "slug"),
        (REPORT, {"input": report_input(branch="ma\x00in")}, "input.branch"),
        (REPORT, {"input": report_input(gitHash="\x00")}, "input.gitHash"),
        (
            REPORT,
            {"input": report_input(results=[{"benchmark": "p\x00", "measures": []}])},
            "input.results[0].benchmark",
        ),
        (
            'mutation { createFlamegraphUploadUrl(projectSlug: "demo", '
            'fileName: "a\\u0000.svg", fileSize: 10) { storagePath } }',
            None,
            "fileName",
        ),
    ],
)
def test_nul_is_refused_naming_the_field(
    live_server: LiveServer, query: str, variables: dict | None, field: str
) -> None:
    assert "errors" not in post(live_server, 'mutation { createProject(slug: "demo") { id } }')
    body = post(live_server, query, variables)
    (error,) = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": field}, body
    assert "NUL" in error["message"]
    with live_server.engine.connect() as connection:
        assert connection.execute(sa.text("select count(*) from projects")).scalar_one() == 1
        assert connection.execute(sa.text("select count(*) from reports")).scalar_one() == 0
        assert connection.execute(sa.text("select count(*) from pending_uploads")).scalar_one() == 0
