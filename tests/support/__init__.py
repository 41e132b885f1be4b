"""Test support shared by the test suite and the benchmarks (``bench/`` imports it as
``tests.support``; run benchmarks as ``python -m bench.NAME`` from the repository root).

* ``server``: a free loopback port, a real driftwatch server in a thread, timing helpers.
* ``flamegraphs``: a big, realistic flamegraph (about 9 MiB, ~50k frames).
* ``svg``: SVG fixtures (real py-spy output, hostile files) and their pytest fixtures.
* ``browser``: headless Debian Chromium through Playwright.
"""
