"""Profiles as data and differential flamegraphs through the API, on SQLite and PostgreSQL:
stacks stored at confirmation, ``flamegraphDiff`` equal to difffolded.pl's counts, alert diffs
naming the slowed function, ownership, pictures that are not flamegraphs, other formats."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from driftwatch_nb import Client
from driftwatch_nb.cli import main
from driftwatch_nb.core.profiles import folded_text, speedscope_json
from driftwatch_nb.core.svg import validate_svg
from tests.support.profiles import ALERT_DIFF, DIFF, History, flamegraph_pl_svg, post_history
from tests.support.server import LiveServer
from tests.test_profiles import BASE, HEAD, difffolded, expected_self

STACKS = """
query($id: ID!) {
  flamegraphStacks(id: $id) { status sourceFormat totalSamples stackCount note folded }
}
"""


def gql(server: LiveServer, token: str, query: str, **variables: Any) -> dict[str, Any]:
    return httpx.post(
        f"{server.url}/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    ).json()


@pytest.fixture
def client(live_server: LiveServer) -> Client:
    client = Client(live_server.url, live_server.token)
    client.create_project("prof")
    return client


def attach(client: Client, data: bytes, name: str) -> str:
    report = client.create_report("prof", "main", {"parse": {"latency": 1.0}})
    return client.attach_flamegraph(report, data, file_name=name, benchmark="parse").id


def test_confirm_stores_stacks_and_the_diff_matches_difffolded(
    live_server: LiveServer, client: Client
) -> None:
    base_id = attach(client, flamegraph_pl_svg(BASE), "base.svg")
    head_id = attach(client, flamegraph_pl_svg(HEAD), "head.svg")
    stacks = gql(live_server, live_server.token, STACKS, id=base_id)["data"]["flamegraphStacks"]
    assert stacks["status"] == "READY" and stacks["sourceFormat"] == "svg"
    assert stacks["totalSamples"] == sum(BASE.values()) and stacks["stackCount"] == len(BASE)
    assert client.flamegraph_stacks(base_id) == BASE
    with live_server.engine.connect() as connection:
        (size,) = connection.execute(
            sa.text("select length(data) from flamegraph_stacks where flamegraph_id = :id"),
            {"id": base_id},
        ).one()
    assert 0 < size < len(folded_text(BASE))  # compressed

    expected = expected_self(difffolded(BASE, HEAD))
    body = gql(live_server, live_server.token, DIFF, base=base_id, head=head_id, normalize=False)
    functions = body["data"]["flamegraphDiff"]["functions"]
    got = {f["name"]: (f["baseSelf"], f["headSelf"]) for f in functions}
    assert {k: v for k, v in got.items() if any(v)} == {k: v for k, v in expected.items() if any(v)}
    assert functions[0]["name"] == "parse_row"
    assert functions[0]["deltaSelf"] == expected["parse_row"][1] - expected["parse_row"][0]

    normalized = client.flamegraph_diff(base_id, head_id, svg=True, first=3)
    assert len(normalized["functions"]) == 3
    top = normalized["functions"][0]
    assert top["baseSelf"] == pytest.approx(200 / sum(BASE.values()))
    assert top["headSelf"] == pytest.approx(420 / sum(HEAD.values()))
    validate_svg(normalized["svg"].encode(), file_name="diff.svg")
    based = client.flamegraph_diff(base_id, head_id, svg=True, shape="base")
    assert "old_path" in based["svg"] and "old_path" not in normalized["svg"]


def test_other_users_flamegraphs_are_not_found(live_server: LiveServer, client: Client) -> None:
    mine = attach(client, flamegraph_pl_svg(BASE), "base.svg")
    for query, variables in ((DIFF, {"base": mine, "head": mine}), (STACKS, {"id": mine})):
        body = gql(live_server, live_server.other_token, query, **variables)
        assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND", body


def test_an_svg_that_is_no_flamegraph_is_kept_as_a_picture(
    live_server: LiveServer, client: Client
) -> None:
    picture = b'<svg xmlns="http://www.w3.org/2000/svg"><circle r="3"/></svg>'
    picture_id = attach(client, picture, "logo.svg")
    other = attach(client, flamegraph_pl_svg(BASE), "base.svg")
    stacks = gql(live_server, live_server.token, STACKS, id=picture_id)["data"]["flamegraphStacks"]
    assert stacks["status"] == "PICTURE_ONLY" and stacks["folded"] is None
    assert "kept as a picture" in stacks["note"]
    body = gql(live_server, live_server.token, DIFF, base=picture_id, head=other)
    error = body["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and "logo.svg" in error["message"]


def test_folded_and_speedscope_uploads_keep_their_stacks_exactly(
    live_server: LiveServer, client: Client
) -> None:
    for name, data in (
        ("cpu.folded", folded_text(HEAD).encode()),
        ("cpu.speedscope.json", speedscope_json(HEAD).encode()),
    ):
        report = client.create_report("prof", "main", {"parse": {"latency": 1.0}})
        flamegraph = client.attach_flamegraph(report, data, file_name=name)
        assert flamegraph.file_name.endswith(".svg")
        assert client.flamegraph_stacks(flamegraph.id) == HEAD


def test_cli_diff_between_ids_and_files(
    live_server: LiveServer, client: Client, tmp_path, monkeypatch, capsys
) -> None:  # type: ignore[no-untyped-def]
    base_id = attach(client, flamegraph_pl_svg(BASE), "base.svg")
    (tmp_path / "head.folded").write_text(folded_text(HEAD))
    monkeypatch.setenv("DRIFTWATCH_URL", live_server.url)
    monkeypatch.setenv("DRIFTWATCH_TOKEN", live_server.token)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    assert main(["diff", base_id, str(tmp_path / "head.folded"), "--format", "json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["functions"][0]["name"] == "parse_row"
    assert result["summary"].startswith("slower: `parse_row` +")
    assert main(["diff", base_id, str(tmp_path / "head.folded"), "--top", "2"]) == 0
    text = capsys.readouterr().out
    assert "parse_row" in text and "Δ self" in text
    out = tmp_path / "d.svg"
    assert main(["diff", base_id, base_id, "--format", "svg", "-o", str(out)]) == 0
    validate_svg(out.read_bytes(), file_name="d.svg")
    (tmp_path / "bad.folded").write_text("main;a 1\nmain;b\n")
    assert main(["diff", str(tmp_path / "bad.folded"), base_id]) == 1
    assert "bad.folded: line 2:" in capsys.readouterr().err


def test_the_alert_diff_names_the_slowed_function(live_server: LiveServer, client: Client) -> None:
    history = History(seed=3)
    posted = post_history(client, history, "prof")
    nodes = client._execute(ALERT_DIFF, {"slug": "prof"})["project"]["alerts"]["nodes"]
    with_diff = [node for node in nodes if node["flamegraphDiff"]]
    assert with_diff, nodes
    alert = with_diff[0]
    diff = alert["flamegraphDiff"]
    assert diff["functions"][0]["name"] == history.slowed_function
    since = alert["changeReport"]["gitHash"][:7]
    assert diff["summary"].startswith(f"slower since {since}: `{history.slowed_function}` +")
    ids = {fid for _, fid in posted}
    assert set(diff["baseFlamegraphIds"]) <= ids and set(diff["headFlamegraphIds"]) <= ids
    change_index = [r for r, _ in posted].index(alert["changeReport"]["id"])
    before = {fid for _, fid in posted[:change_index]}
    assert set(diff["baseFlamegraphIds"]) <= before
    assert not set(diff["headFlamegraphIds"]) & before
    validate_svg(diff["svg"].encode(), file_name="alert.svg")
    # same code, two runs: no function moves by more than 5 % of samples
    same = client.flamegraph_diff(posted[3][1], posted[20][1])
    assert abs(same["functions"][0]["deltaSelf"]) < 0.05


def test_the_alert_diff_falls_back_on_the_runs_unlinked_profiles(
    live_server: LiveServer, client: Client
) -> None:
    """``driftwatch run --flamegraph`` (no benchmark: the whole run's profile, as ``make demo``
    posts): the alert's diff reads those."""
    history = History(seed=3)
    client.create_project("whole")
    post_history(client, history, "whole", benchmark=None)
    nodes = client._execute(ALERT_DIFF, {"slug": "whole"})["project"]["alerts"]["nodes"]
    with_diff = [node for node in nodes if node["flamegraphDiff"]]
    assert with_diff, nodes
    assert with_diff[0]["flamegraphDiff"]["functions"][0]["name"] == history.slowed_function


def test_the_diff_hands_over_both_sides_stacks_to_draw(
    live_server: LiveServer, client: Client
) -> None:
    """``baseFolded``/``headFolded``: the stacks the diff compared, each side's own counts,
    so the canvas draws the diff; another user's flamegraph is NOT_FOUND as for the rest."""
    from driftwatch_nb.core.flamegraph import parse_folded

    base_id = attach(client, flamegraph_pl_svg(BASE), "base.svg")
    head_id = attach(client, flamegraph_pl_svg(HEAD), "head.svg")
    diff = client.flamegraph_diff(base_id, head_id, folded=True)
    assert parse_folded(diff["baseFolded"]) == BASE
    assert parse_folded(diff["headFolded"]) == HEAD
    assert diff["foldedOmitted"] == 0
    assert "baseFolded" not in client.flamegraph_diff(base_id, head_id)  # only when asked
    # Raw counts (normalize=False) give the same stacks back.
    raw = client.flamegraph_diff(base_id, head_id, folded=True, normalize=False)
    assert parse_folded(raw["headFolded"]) == HEAD
    query = "query($b: ID!, $h: ID!) { flamegraphDiff(baseId: $b, headId: $h) { baseFolded } }"
    refused = gql(live_server, live_server.other_token, query, b=base_id, h=head_id)
    assert refused["data"] is None
    assert refused["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_the_alert_diff_hands_over_its_merged_sides_in_parts_per_million(
    live_server: LiveServer, client: Client
) -> None:
    from driftwatch_nb.core.flamegraph import parse_folded

    history = History(seed=3)
    post_history(client, history, "prof")
    query = (
        'query { project(slug: "prof") { alerts { nodes { flamegraphDiff { '
        "baseFlamegraphIds baseFolded headFolded foldedOmitted "
        "functions(first: 1) { name } } } } } }"
    )
    nodes = gql(live_server, live_server.token, query)["data"]["project"]["alerts"]["nodes"]
    diff = next(node["flamegraphDiff"] for node in nodes if node["flamegraphDiff"])
    base, head = parse_folded(diff["baseFolded"]), parse_folded(diff["headFolded"])
    # Each side sums to a million (rounding per stack aside).
    assert abs(sum(base.values()) - 1_000_000) <= len(base)
    assert abs(sum(head.values()) - 1_000_000) <= len(head)
    assert diff["foldedOmitted"] == 0

    def self_share(folded: dict[str, int], name: str) -> float:
        total = sum(folded.values())
        return sum(c for s, c in folded.items() if s.split(";")[-1].startswith(name)) / total

    slowed = history.slowed_function
    assert self_share(head, slowed) > self_share(base, slowed)
