"""Start-up of ``driftwatch --help`` against ``python -c "import httpx"``, measured in the same run.

    python -m bench.bench_cli_startup

Goal: ratio (driftwatch --help / import httpx) <= 1.5.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

DRIFTWATCH = str(Path(sys.executable).parent / "driftwatch")
ROUNDS = 15


def elapsed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> int:
    help_times, httpx_times = [], []
    for _ in range(ROUNDS):  # interleaved, so machine noise hits both alike
        help_times.append(elapsed([DRIFTWATCH, "--help"]))
        httpx_times.append(elapsed([sys.executable, "-c", "import httpx"]))
    help_median, httpx_median = statistics.median(help_times), statistics.median(httpx_times)
    ratio = help_median / httpx_median
    print(f"driftwatch --help      : {help_median * 1000:7.1f} ms (median of {ROUNDS})")
    print(f'python -c "import httpx": {httpx_median * 1000:7.1f} ms')
    print(f"ratio                  : {ratio:.2f}  (goal <= 1.5)")
    return 0 if ratio <= 1.5 else 1


if __name__ == "__main__":
    sys.exit(main())
