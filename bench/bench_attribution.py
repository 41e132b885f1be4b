"""Does an alert's differential flamegraph name the function that got slower?

    python -m bench.bench_attribution

Ten seeded trials. Each posts a history of 40 profiled runs of a synthetic program (six
functions with known costs, each run jittered by 3 % per function, 2,000 samples per profile,
uploaded as flamegraph.pl-layout SVGs through the real upload protocol) to a live server; from
run 30 on one function, picked by the seed, is slower (enough to move the latency about 12 %).
The server's drift detection raises the alert; its ``flamegraphDiff`` (profiles before the
change report vs from it on, merged) must name that function first. Then, for same-code pairs
(two runs before the change), ``flamegraphDiff`` must name no function with a self-time change
above 5 % of samples.

Goal: the right function first in >= 8 of 10 trials; no same-code pair above 5 %.
"""

from __future__ import annotations

import sys

from driftwatch_nb import Client
from tests.support.profiles import ALERT_DIFF, DIFF, History, post_history
from tests.support.server import start_bench_server

TRIALS = 10


def main() -> int:
    server = start_bench_server()
    client = Client(server.url, server.token)
    hits = 0
    worst_same = 0.0
    try:
        for seed in range(TRIALS):
            project = f"attr{seed}"
            client.create_project(project)
            history = History(seed=seed)
            posted = post_history(client, history, project)
            data = client._execute(ALERT_DIFF, {"slug": project})
            alerts = [a for a in data["project"]["alerts"]["nodes"] if a["flamegraphDiff"]]
            named = "-"
            summary = "no alert with a diff"
            if alerts:
                diff = alerts[0]["flamegraphDiff"]
                named = diff["functions"][0]["name"]
                summary = diff["summary"]
            hit = named == history.slowed_function
            hits += hit
            same = []
            for a, b in ((0, 1), (10, 20), (5, 29)):
                pair = client._execute(DIFF, {"base": posted[a][1], "head": posted[b][1]})
                top = pair["flamegraphDiff"]["functions"][0]
                same.append(abs(top["deltaSelf"]))
            worst_same = max(worst_same, *same)
            print(
                f"trial {seed}: slowed {history.slowed_function:<10} x{history.factor:.2f}; "
                f"alert diff names {named:<10} {'ok' if hit else 'MISS'}; "
                f"same-code max |delta self| {100 * max(same):.1f} %  | {summary}"
            )
    finally:
        client.close()
        server.stop()
    print(f"\nright function first: {hits} of {TRIALS} trials (goal >= 8)")
    print(f"largest same-code self-time change: {100 * worst_same:.1f} % of samples (goal <= 5 %)")
    return 0 if hits >= 8 and worst_same <= 0.05 else 1


if __name__ == "__main__":
    sys.exit(main())
