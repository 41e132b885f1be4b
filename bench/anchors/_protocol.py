"""The JSON protocol every anchor runner speaks (stdin -> stdout), shared by the runners.

Input: ``{"series": [[float, ...], ...], "online": {"start": int, "stride": int} | null,
"seed": int}``. Output: ``{"offline": [[cp, ...], ...], "online": [[[m, [cp, ...]], ...], ...]}``
where a change point ``cp`` is the index of the first point of the new segment and ``m`` the
length of the prefix it was computed on (online: every ``stride``-th prefix from ``start``, and
always the full series). This file is imported by the runners with their own interpreter, so it
uses only the standard library.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable


def prefixes(n: int, start: int, stride: int) -> list[int]:
    out = list(range(start, n + 1, stride))
    if not out or out[-1] != n:
        out.append(n)
    return out


def serve(change_points: Callable[[list[float]], list[int]]) -> None:
    """Read the request, run ``change_points`` offline (and on prefixes), write the answer."""
    req = json.load(sys.stdin)
    online_req = req.get("online")
    offline, online = [], []
    for y in req["series"]:
        offline.append(sorted(int(c) for c in change_points(y)))
        if online_req:
            runs = []
            for m in prefixes(len(y), online_req["start"], online_req["stride"]):
                runs.append([m, sorted(int(c) for c in change_points(y[:m]))])
            online.append(runs)
    json.dump({"offline": offline, "online": online}, sys.stdout)
