"""Drift detection end to end, on SQLite and PostgreSQL: samples, history, alerts on ingest,
thresholds and directions, ownership, and bad input."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tests.support.server import LiveServer

START = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)

ALERT_FIELDS = """
  id measure direction change baselineValue value pValue confidence status
  benchmark { name } branch { name } testbed { name } report { id } changeReport { id }
"""
CREATE = f"""
mutation($input: ReportInput!) {{
  createReport(input: $input) {{ id alerts {{ {ALERT_FIELDS} }} }}
}}
"""
ALERTS = f"""
query($slug: String!, $status: AlertStatus) {{
  project(slug: $slug) {{
    alerts(status: $status) {{ totalCount nodes {{ {ALERT_FIELDS} }} }}
  }}
}}
"""
HISTORY = """
query($slug: String!, $benchmark: String!, $measure: String!) {
  project(slug: $slug) {
    history(benchmark: $benchmark, measure: $measure) {
      measure branch { name } testbed { name }
      direction { higherIsBetter known }
      points { report { id startTime } value lowerValue upperValue }
      changePoints { report { id } index direction change before after pValue }
    }
  }
}
"""


class Api:
    """GraphQL over HTTP as one user."""

    def __init__(self, server: LiveServer, token: str) -> None:
        self.http = httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=60
        )

    def call(self, query: str, **variables: Any) -> dict[str, Any]:
        body = self.http.post("/graphql", json={"query": query, "variables": variables}).json()
        assert "errors" not in body, body["errors"]
        return body["data"]

    def refusal(self, query: str, **variables: Any) -> dict[str, Any]:
        body = self.http.post("/graphql", json={"query": query, "variables": variables}).json()
        assert body.get("errors"), body
        return body["errors"][0]


def report_input(index: int, values: dict[str, float], **extra: Any) -> dict[str, Any]:
    start = START + dt.timedelta(hours=index)
    results: dict[str, list[dict[str, Any]]] = {}
    for key, value in values.items():
        benchmark, _, measure = key.partition(":")
        results.setdefault(benchmark, []).append({"measure": measure or "latency", "value": value})
    return {
        "projectSlug": "demo",
        "branch": "main",
        "testbed": "ci",
        "gitHash": f"{index:040x}",
        "startTime": start.isoformat(),
        "endTime": (start + dt.timedelta(seconds=30)).isoformat(),
        "results": [{"benchmark": name, "measures": m} for name, m in results.items()],
        **extra,
    }


def noisy(rng: random.Random, level: float, cv: float = 0.02) -> float:
    return level * (1 + rng.gauss(0, cv))


@pytest.fixture
def api(live_server: LiveServer) -> Api:
    client = Api(live_server, live_server.token)
    client.call('mutation { createProject(slug: "demo") { id } }')
    return client


def post_series(
    api: Api, levels: list[float], *, key: str = "parse", seed: int = 1, cv: float = 0.02
) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [
        api.call(CREATE, input=report_input(i, {key: noisy(rng, level, cv)}))["createReport"]
        for i, level in enumerate(levels)
    ]


def test_a_20_percent_step_raises_exactly_one_alert_on_the_report_that_reveals_it(
    api: Api,
) -> None:
    posted = post_series(api, [1_000_000.0] * 40 + [1_200_000.0] * 15)
    raised = [(i, alert) for i, report in enumerate(posted) for alert in report["alerts"]]
    confirmed = [(i, a) for i, a in raised if a["confidence"] == "CONFIRMED"]
    assert len(confirmed) == 1, raised
    index, alert = confirmed[0]
    assert 40 <= index <= 45  # revealed within five reports of the step
    assert alert["direction"] == "REGRESSION"
    assert alert["change"] == pytest.approx(0.2, abs=0.03)
    assert alert["baselineValue"] == pytest.approx(1_000_000, rel=0.02)
    assert alert["report"]["id"] == posted[index]["id"]
    assert alert["changeReport"]["id"] in {r["id"] for r in posted[40 : index + 1]}
    assert 0 <= alert["pValue"] < 0.01
    # No alert before the step, none afterwards (a suspicion on the way is the same alert).
    assert all(i >= 40 for i, _ in raised)
    assert {a["id"] for _, a in raised} == {alert["id"]}

    page = api.call(ALERTS, slug="demo")["project"]["alerts"]
    assert page["totalCount"] == 1 and page["nodes"][0]["id"] == alert["id"]

    history = api.call(HISTORY, slug="demo", benchmark="parse", measure="latency")
    series = history["project"]["history"]
    assert len(series["points"]) == 55
    times = [p["report"]["startTime"] for p in series["points"]]
    assert times == sorted(times)
    (change,) = series["changePoints"]
    assert change["index"] == 40 and change["report"]["id"] == posted[40]["id"]
    assert change["direction"] == "REGRESSION"
    assert change["change"] == pytest.approx(0.2, abs=0.03)
    assert series["direction"] == {"higherIsBetter": False, "known": True}


def test_an_improvement_is_labelled_an_improvement(api: Api) -> None:
    posted = post_series(api, [1_000_000.0] * 30 + [700_000.0] * 8)
    (alert,) = {a["id"]: a for r in posted for a in r["alerts"]}.values()
    assert (alert["direction"], alert["confidence"]) == ("IMPROVEMENT", "CONFIRMED")
    assert alert["change"] == pytest.approx(-0.3, abs=0.03)


def test_throughput_inverts_the_direction(api: Api) -> None:
    posted = post_series(api, [5000.0] * 30 + [4000.0] * 8, key="parse:throughput")
    (alert,) = {a["id"]: a for r in posted for a in r["alerts"]}.values()
    assert (alert["measure"], alert["direction"]) == ("throughput", "REGRESSION")
    history = api.call(HISTORY, slug="demo", benchmark="parse", measure="throughput")
    assert history["project"]["history"]["direction"] == {"higherIsBetter": True, "known": True}


def test_an_unknown_measure_is_assumed_higher_is_worse_and_says_so(api: Api) -> None:
    post_series(api, [100.0] * 25, key="parse:rss")
    history = api.call(HISTORY, slug="demo", benchmark="parse", measure="rss")
    assert history["project"]["history"]["direction"] == {"higherIsBetter": False, "known": False}
    api.call(
        'mutation { setMeasureDirection(projectSlug: "demo", measure: "rss", '
        "higherIsBetter: true) { measure higherIsBetter known } }"
    )
    history = api.call(HISTORY, slug="demo", benchmark="parse", measure="rss")
    assert history["project"]["history"]["direction"] == {"higherIsBetter": True, "known": True}


def test_one_slow_report_after_a_flat_history_is_suspected_not_alerted(api: Api) -> None:
    posted = post_series(api, [1_000_000.0] * 40 + [1_500_000.0], cv=0.01)
    (alert,) = posted[-1]["alerts"]
    assert (alert["confidence"], alert["status"]) == ("SUSPECTED", "ACTIVE")
    # The next reports return to the old level: the suspicion is dismissed by itself.
    rng = random.Random(9)
    for i in range(41, 45):
        api.call(CREATE, input=report_input(i, {"parse": noisy(rng, 1_000_000.0, 0.01)}))
    page = api.call(ALERTS, slug="demo", status="ACTIVE")["project"]["alerts"]
    assert page["totalCount"] == 0
    dismissed = api.call(ALERTS, slug="demo", status="DISMISSED")["project"]["alerts"]
    assert [a["id"] for a in dismissed["nodes"]] == [alert["id"]]


def test_acknowledged_alerts_stay_acknowledged(api: Api) -> None:
    posted = post_series(api, [1_000_000.0] * 30 + [1_300_000.0] * 6)
    (alert_id,) = {a["id"] for r in posted for a in r["alerts"]}
    acked = api.call(
        "mutation($id: ID!) { updateAlert(id: $id, status: ACKNOWLEDGED) { id status } }",
        id=alert_id,
    )
    assert acked["updateAlert"] == {"id": alert_id, "status": "ACKNOWLEDGED"}
    # More reports at the new level neither re-open it nor raise another.
    rng = random.Random(5)
    for i in range(36, 46):
        report = api.call(CREATE, input=report_input(i, {"parse": noisy(rng, 1_300_000.0)}))
        assert report["createReport"]["alerts"] == []
    assert api.call(ALERTS, slug="demo", status="ACTIVE")["project"]["alerts"]["totalCount"] == 0
    kept = api.call(ALERTS, slug="demo", status="ACKNOWLEDGED")["project"]["alerts"]
    assert [a["id"] for a in kept["nodes"]] == [alert_id]


def test_another_user_sees_none_of_it(live_server: LiveServer, api: Api) -> None:
    posted = post_series(api, [1_000_000.0] * 30 + [1_300_000.0] * 6)
    (alert_id,) = {a["id"] for r in posted for a in r["alerts"]}
    mallory = Api(live_server, live_server.other_token)
    for query, variables in (
        (ALERTS, {"slug": "demo"}),
        (HISTORY, {"slug": "demo", "benchmark": "parse", "measure": "latency"}),
        ("mutation($id: ID!) { updateAlert(id: $id, status: DISMISSED) { id } }", {"id": alert_id}),
        ('mutation { setDetectionRule(projectSlug: "demo", minChange: 0.5) { minChange } }', {}),
    ):
        error = mallory.refusal(query, **variables)
        assert error["extensions"]["code"] == "NOT_FOUND", error
    status = api.call(ALERTS, slug="demo")["project"]["alerts"]["nodes"][0]["status"]
    assert status == "ACTIVE"


def test_a_min_change_threshold_silences_smaller_steps(api: Api) -> None:
    set_rule = api.call(
        'mutation { setDetectionRule(projectSlug: "demo", minChange: 0.25) '
        "{ benchmark minChange sensitivity } }"
    )
    assert set_rule["setDetectionRule"] == {
        "benchmark": None,
        "minChange": 0.25,
        "sensitivity": None,
    }
    posted = post_series(api, [1_000_000.0] * 30 + [1_150_000.0] * 10, cv=0.01)
    assert [a for r in posted for a in r["alerts"]] == []
    detection = api.call(
        'query { project(slug: "demo") { detection { rules { benchmark minChange } '
        "defaultMinChange } } }"
    )["project"]["detection"]
    assert detection["rules"] == [{"benchmark": None, "minChange": 0.25}]
    assert detection["defaultMinChange"] == pytest.approx(0.02)


def test_samples_round_trip(api: Api) -> None:
    samples = [1000.0, 1010.5, 990.25]
    report = api.call(
        "mutation($input: ReportInput!) { createReport(input: $input) { metrics { samples } } }",
        input={
            **report_input(0, {}),
            "results": [
                {
                    "benchmark": "parse",
                    "measures": [
                        {"measure": "latency", "value": 1000.25, "samples": samples},
                        {"measure": "throughput", "value": 5.0},
                    ],
                },
            ],
        },
    )["createReport"]
    assert sorted(report["metrics"], key=str) == sorted(
        [{"samples": samples}, {"samples": None}], key=str
    )


@pytest.mark.parametrize(
    ("samples", "fragments"),
    [
        # Not numbers at all: refused while the variables are read, with the path to the value.
        ([1.0, "NaN"], (".results[1].measures[0].samples[1]", "non numeric value: nan")),
        ([1.0, "Infinity"], (".results[1].measures[0].samples[1]", "non numeric value: inf")),
        ([1.0, -5.0], ("'parse'", "samples[1] is negative")),
        ([1.0] * 1_000_000, ("'parse'", "at most 10,000 are kept per metric")),
    ],
)
def test_bad_samples_are_refused_naming_the_field_and_nothing_is_written(
    live_server: LiveServer, api: Api, samples: list[Any], fragments: tuple[str, str]
) -> None:
    body = {
        **report_input(0, {}),
        "results": [
            {"benchmark": "ok", "measures": [{"measure": "latency", "value": 1.0}]},
            {
                "benchmark": "parse",
                "measures": [
                    {"measure": "latency", "value": 1.0, "samples": samples},
                ],
            },
        ],
    }
    # NaN and Infinity are not JSON: send them as Python's json writes them, as clients do.
    payload = (
        httpx.Request("POST", "/", json={"query": CREATE, "variables": {"input": body}})
        .content.replace(b'"NaN"', b"NaN")
        .replace(b'"Infinity"', b"Infinity")
    )
    response = api.http.post(
        "/graphql", content=payload, headers={"Content-Type": "application/json"}
    )
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    for fragment in fragments:  # the benchmark or the path, and the reason
        assert fragment in error["message"], error["message"]
    engine: Engine = live_server.engine
    with engine.connect() as connection:
        assert connection.execute(sa.text("select count(*) from reports")).scalar_one() == 0
        assert connection.execute(sa.text("select count(*) from metrics")).scalar_one() == 0


def test_200_flat_benchmarks_over_60_reports_raise_no_alert(engine: Engine) -> None:
    """The suite-wide false-alert control, through the service layer (no HTTP: 12,000
    metrics)."""
    from driftwatch_server.auth import create_user, user_named
    from driftwatch_server.db import session_scope
    from driftwatch_server.models import Alert
    from driftwatch_server.reports import MeasureValue, ReportCreate, create_project, create_report

    rng = random.Random(2026)
    with session_scope(engine) as session:
        user = create_user(session, name="ci")
        create_project(session, owner=user, slug="suite", name=None)
    levels = [rng.uniform(1e4, 1e8) for _ in range(200)]
    cvs = [rng.choice((0.005, 0.02, 0.05)) for _ in range(200)]
    for index in range(60):
        with session_scope(engine) as session:
            user = user_named(session, "ci")
            assert user is not None
            create_report(
                session,
                user=user,
                data=ReportCreate(
                    project_slug="suite",
                    branch="main",
                    start_time=START + dt.timedelta(hours=index),
                    end_time=START + dt.timedelta(hours=index, minutes=1),
                    values=[
                        MeasureValue(
                            benchmark=f"bench_{b:03d}",
                            measure="latency",
                            value=levels[b] * (1 + rng.gauss(0, cvs[b])),
                        )
                        for b in range(200)
                    ],
                ),
            )
    with session_scope(engine) as session:
        alerts = list(session.exec(sa.select(Alert)).scalars())
    assert [(a.benchmark_id, a.confidence) for a in alerts if a.confidence == "CONFIRMED"] == []


def test_the_detector_cache_holds_the_series_and_is_dropped_when_a_report_goes(
    live_server: LiveServer, api: Api
) -> None:
    """``series_states`` is a cache of the newest values: equal to what the metrics say, gone
    (and rebuilt on the next ingest) when a report is deleted."""
    from driftwatch_server.samples import unpack

    posted = post_series(api, [1000.0] * 12)
    engine: Engine = live_server.engine

    def cached() -> list[float]:
        with engine.connect() as connection:
            rows = connection.execute(sa.text("select points from series_states")).all()
        return [value for (points,) in rows for value in unpack(points) or []]

    def stored() -> list[float]:
        with engine.connect() as connection:
            return list(
                connection.execute(
                    sa.text("select value from metrics order by start_time")
                ).scalars()
            )

    assert cached() == stored() and len(stored()) == 12
    api.call("mutation($id: ID!) { deleteReport(id: $id) }", id=posted[-1]["id"])
    assert cached() == []
    rng = random.Random(3)
    api.call(CREATE, input=report_input(20, {"parse": noisy(rng, 1000.0)}))
    assert cached() == stored() and len(stored()) == 12
    # A report back-dated before the newest point is stored, left to the offline view, and
    # drops the cache so the next ingest reads the series afresh.
    api.call(CREATE, input=report_input(-1, {"parse": noisy(rng, 1000.0)}))
    assert cached() == []
    api.call(CREATE, input=report_input(21, {"parse": noisy(rng, 1000.0)}))
    assert cached() == stored() and len(stored()) == 14
