"""Limits and name rules: the one home of every rule that the client checks before sending and
the server enforces on arrival, so the two can never disagree.

Each ``check_*`` function returns the cleaned value or raises ``InvalidInput`` naming the field.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence

from driftwatch_nb.core.errors import InvalidInput

FLAMEGRAPH_BUCKET = "flamegraphs"
"""The private storage bucket that holds flamegraphs."""

MAX_FLAMEGRAPH_BYTES = 10 * 1024 * 1024
"""The largest flamegraph accepted (10 MiB): the client, the server and the bucket agree."""

FLAMEGRAPH_MIME_TYPE = "image/svg+xml"
"""The one content type the bucket accepts."""

MAX_FILE_NAME_LENGTH = 100
"""Stored flamegraph file names are cut to this many characters."""

MAX_NAME_LENGTH = 200
"""Branch and testbed names: at most this many characters."""

MAX_BENCHMARK_NAME_LENGTH = 500
"""Benchmark names (``file.py::test[param]`` gets long): at most this many characters."""

MAX_REPORT_PAGE = 100
"""The most reports one page of ``Project.reports`` returns."""

MAX_SAMPLES_PER_METRIC = 10_000
"""The most raw samples one metric may carry (pytest-benchmark rounds, hyperfine runs...)."""

MAX_SAMPLES_PER_REPORT = 500_000
"""The most raw samples one report may carry in all (4 MB of float64)."""

DEFAULT_TESTBED = "localhost"
"""The testbed a report is on when none is named."""

SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9_-]{0,62}[a-z0-9])?$")
"""Project slugs: lowercase letters, digits, ``_`` and ``-``, 1-64 characters, no edge ``-``."""

MEASURE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
"""Measure names: a lowercase slug such as ``latency`` or ``throughput``, up to 64 characters."""

_UNSAFE_FILE_CHARACTERS = re.compile(r"[^A-Za-z0-9._-]+")


def check_slug(value: str, *, field: str = "slug") -> str:
    """A project slug, or ``InvalidInput``."""
    if not SLUG_PATTERN.match(value or ""):
        raise InvalidInput(
            f"{field} {value!r} is not valid: use 1-64 lowercase letters, digits, '-' or '_', "
            "starting and ending with a letter or digit",
            field=field,
        )
    return value


def check_measure(value: str, *, field: str = "measure", where: str = "") -> str:
    """A measure name, or ``InvalidInput``; ``where`` prefixes the message (``results[3]: ``)."""
    if not MEASURE_PATTERN.match(value or ""):
        raise InvalidInput(
            f"{where}measure {value!r} must be a lowercase slug such as 'latency' or "
            "'throughput' (a-z, 0-9, '_' and '-', at most 64 characters)",
            field=field,
        )
    return value


def check_name(value: str, *, field: str, where: str = "") -> str:
    """A branch, testbed or benchmark name: not blank, at most ``MAX_NAME_LENGTH`` characters
    (``MAX_BENCHMARK_NAME_LENGTH`` for a benchmark)."""
    value = (value or "").strip()
    limit = MAX_BENCHMARK_NAME_LENGTH if field == "benchmark" else MAX_NAME_LENGTH
    if not value:
        raise InvalidInput(f"{where}{field} must not be empty", field=field)
    if len(value) > limit:
        raise InvalidInput(f"{where}{field} is longer than {limit} characters", field=field)
    return value


def check_samples(
    samples: Sequence[float], *, non_negative: bool, field: str = "samples", where: str = ""
) -> list[float]:
    """Raw samples: finite numbers (and not negative where the measure cannot be), at most
    ``MAX_SAMPLES_PER_METRIC``; returns them as floats."""
    if len(samples) > MAX_SAMPLES_PER_METRIC:
        raise InvalidInput(
            f"{where}{field} has {len(samples):,} values; at most {MAX_SAMPLES_PER_METRIC:,} "
            "are kept per metric (send a summary, or fewer rounds)",
            field=field,
        )
    values = [float(value) for value in samples]
    for index, value in enumerate(values):
        if not math.isfinite(value):
            raise InvalidInput(
                f"{where}{field}[{index}] must be a finite number, got {value}", field=field
            )
        if non_negative and value < 0:
            raise InvalidInput(f"{where}{field}[{index}] is negative ({value})", field=field)
    return values


def safe_file_name(file_name: str, *, field: str = "fileName") -> str:
    """Reduce a client's file name to a safe basename ending in ``.svg``.

    Paths are refused rather than silently reduced: a client that sends ``../x.svg`` has a bug
    worth hearing about.
    """
    name = file_name.strip()
    if not name:
        raise InvalidInput(f"{field} must not be empty", field=field)
    if "/" in name or "\\" in name or name in {".", ".."} or name.startswith(".."):
        raise InvalidInput(
            f"{field} {file_name!r} must be a plain file name, not a path", field=field
        )
    if any(unicodedata.category(char) == "Cc" for char in name):
        raise InvalidInput(f"{field} must not contain control characters", field=field)
    stem = name[:-4] if name.lower().endswith(".svg") else name
    stem = _UNSAFE_FILE_CHARACTERS.sub("_", stem).strip("._") or "flamegraph"
    return stem[: MAX_FILE_NAME_LENGTH - 4] + ".svg"


def size_text(size: int) -> str:
    """``10485760`` -> ``10.0 MiB``: sizes in limit messages."""
    return f"{size / (1024 * 1024):.1f} MiB"
