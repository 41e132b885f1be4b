"""A synthetic profiled history: a program whose functions have known costs, run report after
report, one function made slower at a known report. Shared by the attribution test and
``bench/bench_attribution.py``."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from dataclasses import dataclass, field

from driftwatch_nb.core.flamegraph import render_layout

START = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)

PROGRAM = {
    "main;load;read_file": 20.0,
    "main;load;parse_row": 30.0,
    "main;load;parse_row;validate": 12.0,
    "main;render;encode": 25.0,
    "main;render;escape": 8.0,
    "main;log": 5.0,
}
"""Stack -> milliseconds of self time per run."""


@dataclass
class History:
    """Reports (latency) and their profiles; ``slowed`` gets slower from report ``change_at``."""

    seed: int
    reports: int = 40
    change_at: int = 30
    samples: int = 2_000
    run_cv: float = 0.03
    slowed: str = ""
    factor: float = 1.0
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        if not self.slowed:
            self.slowed = self.rng.choice(sorted(PROGRAM))
        if self.factor == 1.0:
            # Enough that the latency steps by about 12 %, whatever the function's share.
            share = PROGRAM[self.slowed] / sum(PROGRAM.values())
            self.factor = 1 + 0.12 / share

    @property
    def slowed_function(self) -> str:
        return self.slowed.rsplit(";", 1)[-1]

    def run(self, index: int) -> tuple[float, dict[str, int]]:
        """Latency (ns) and a sampled profile of run ``index``."""
        costs = {}
        for stack, ms in PROGRAM.items():
            ms *= max(0.1, self.rng.gauss(1, self.run_cv))
            if stack == self.slowed and index >= self.change_at:
                ms *= self.factor
            costs[stack] = ms
        total = sum(costs.values())
        stacks = list(costs)
        weights = [costs[s] for s in stacks]
        folded: dict[str, int] = {}
        for stack in self.rng.choices(stacks, weights=weights, k=self.samples):
            folded[stack] = folded.get(stack, 0) + 1
        return total * 1e6, folded


def flamegraph_pl_svg(folded: dict[str, int], title: str = "Flame Graph") -> bytes:
    """An SVG in flamegraph.pl's layout (with a <script>, as flamegraph.pl writes), without
    driftwatch's embedded stacks: the server must read the stacks back from the frames."""
    return render_layout(folded, title=title, width=1200, minwidth=0.0, script="var a = 1;")


ALERT_DIFF = """
query($slug: String!) {
  project(slug: $slug) {
    alerts(status: null) {
      nodes {
        id confidence changeReport { id gitHash }
        flamegraphDiff {
          summary baseFlamegraphIds headFlamegraphIds
          functions(first: 5) { name baseSelf headSelf deltaSelf deltaTotal relativeSelf }
          svg
        }
      }
    }
  }
}
"""
DIFF = """
query($base: ID!, $head: ID!, $normalize: Boolean) {
  flamegraphDiff(baseId: $base, headId: $head, normalize: $normalize) {
    baseSamples headSamples
    functions(first: 50) { name baseSelf headSelf deltaSelf deltaTotal }
  }
}
"""


def post_history(
    client: object, history: History, project: str, *, benchmark: str | None = "pipeline"
) -> list[tuple[str, str]]:
    """Post every run as a report with its profile (linked to ``benchmark``, or to none: a
    profile of the whole run); returns ``(report_id, flamegraph_id)``."""
    posted = []
    for index in range(history.reports):
        latency, folded = history.run(index)
        start = START + dt.timedelta(hours=index)
        report = client.create_report(  # type: ignore[attr-defined]
            project,
            "main",
            {"pipeline": {"latency": latency}},
            testbed="ci",
            git_hash=hashlib.sha1(f"run {index}".encode()).hexdigest(),
            start_time=start,
            end_time=start + dt.timedelta(seconds=30),
        )
        flamegraph = client.attach_flamegraph(  # type: ignore[attr-defined]
            report,
            flamegraph_pl_svg(folded),
            file_name=f"run{index}.svg",
            benchmark=benchmark,
        )
        posted.append((report.id, flamegraph.id))
    return posted
