"""``driftwatch login``, ``projects`` and ``reports`` through the real executable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.helpers import bmf_command, driftwatch, error_lines
from tests.support.server import LiveServer


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_login_then_projects_and_reports(
    live_server: LiveServer, env: dict[str, str], workdir: Path
) -> None:
    bare = {k: v for k, v in env.items() if k not in {"DRIFTWATCH_URL", "DRIFTWATCH_TOKEN"}}
    config = Path(bare["XDG_CONFIG_HOME"]) / "driftwatch" / "config.json"

    refused = driftwatch("login", "--url", live_server.url, "--token", "dw_wrong", env=bare)
    assert refused.returncode == 1
    assert len(error_lines(refused.stderr)) == 1 and "Traceback" not in refused.stderr
    assert not config.exists(), "a token the server refuses is not saved"

    result = driftwatch(
        "login", "--url", live_server.url, "--token", "-", env=bare, input=live_server.token + "\n"
    )
    assert result.returncode == 0, result.stderr
    assert f"logged in to {live_server.url} as alice" in result.stderr
    assert config.stat().st_mode & 0o777 == 0o600
    assert json.loads(config.read_text()) == {"url": live_server.url, "token": live_server.token}

    created = driftwatch("projects", "create", "web-app", "--name", "Web app", env=bare)
    assert created.returncode == 0, created.stderr
    taken = driftwatch("projects", "create", "web-app", env=bare)
    assert taken.returncode == 1 and "is not available" in taken.stderr
    listing = driftwatch("projects", env=bare)
    assert listing.stdout.splitlines() == ["slug     name", "demo     demo", "web-app  Web app"]

    for branch in ("main", "feature"):
        posted = driftwatch(
            "run", "-p", "demo", "-b", branch, "-q", "--flamegraph", "a.svg", *bmf_command(),
            env=bare, cwd=workdir,
        )  # fmt: skip
        assert posted.returncode == 0, posted.stderr
    table = driftwatch("reports", "-p", "demo", env=bare).stdout.splitlines()
    assert table[0].split() == [
        "created", "(UTC)", "id", "branch", "testbed", "hash", "metrics", "flamegraphs",
    ]  # fmt: skip
    assert [row.split()[3:] for row in table[1:]] == [
        ["feature", "localhost", "-", "3", "1"],
        ["main", "localhost", "-", "3", "1"],
    ]
    only_main = json.loads(
        driftwatch("reports", "-p", "demo", "-b", "main", "--format", "json", env=bare).stdout
    )
    assert [
        (r["branch"], len(r["metrics"]), r["flamegraphs"][0]["file_name"]) for r in only_main
    ] == [("main", 3, "a.svg")]
    limited = driftwatch("reports", "-p", "demo", "--limit", "1", env=bare)
    assert len(limited.stdout.splitlines()) == 2 and "1 of 2 reports" in limited.stderr

    # An explicit --url on the parent command survives the nested `create` command.
    unreachable = driftwatch("projects", "--url", "http://127.0.0.1:9", "create", "x", env=bare)
    assert unreachable.returncode == 1
    assert "cannot reach the driftwatch server at http://127.0.0.1:9" in unreachable.stderr
    missing = driftwatch("reports", "-p", "nope", env=bare)
    assert missing.returncode == 1
    assert error_lines(missing.stderr) == [
        "driftwatch: error: no project 'nope' among yours; create it with "
        "`driftwatch projects create SLUG`"
    ]


def test_broken_login_file_is_a_clear_error(tmp_path: Path) -> None:
    from tests.cli.helpers import clean_env

    config = tmp_path / "driftwatch" / "config.json"
    config.parent.mkdir()
    config.write_text("{not json")
    result = driftwatch("projects", env=clean_env(XDG_CONFIG_HOME=str(tmp_path)))
    assert result.returncode == 1
    (line,) = error_lines(result.stderr)
    assert str(config) in line and "run `driftwatch login` again" in line
