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

MAX_DIFF_FOLDED_BYTES = 8 * 1024 * 1024
"""The most folded text a differential flamegraph hands the viewer (both sides together, 8 MiB):
beyond it the lightest stacks are left out of both sides (``FlamegraphDiff.foldedOmitted``)."""

FLAMEGRAPH_MIME_TYPE = "image/svg+xml"
"""The one content type the bucket accepts."""

MAX_FILE_NAME_LENGTH = 100
"""Stored flamegraph file names are cut to this many characters."""

MAX_NAME_LENGTH = 200
"""Branch and testbed names: at most this many characters."""

MAX_BENCHMARK_NAME_LENGTH = 500
"""Benchmark names (``file.py::test[param]`` gets long): at most this many characters."""

MAX_REPORT_PAGE = 100
"""The most reports one page of ``Project.reports`` returns when it asks for their metrics,
flamegraphs or alerts."""

MAX_BARE_REPORT_PAGE = 1_000
"""The most reports one page of ``Project.reports`` returns when it asks for none of their
lists (metrics, flamegraphs, alerts): machine clients scanning ids, times and hashes."""

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


def check_metric_count(count: int, *, field: str = "results") -> int:
    """The number of metrics of one report: at most ``MAX_METRICS_PER_REPORT``."""
    if count > MAX_METRICS_PER_REPORT:
        raise InvalidInput(
            f"the report carries {count:,} metrics; at most {MAX_METRICS_PER_REPORT:,} are "
            "accepted per report (split it, or send fewer benchmarks or measures)",
            field=field,
        )
    return count


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


MAX_METRICS_PER_REPORT = 5_000
"""The most metrics (benchmark x measure) one report may carry."""

MAX_REQUEST_BYTES = 16 * 1024 * 1024
"""The largest HTTP body ``/graphql`` reads (a report at its sample limit fits, as JSON)."""

GRAPHQL_MAX_DEPTH = 10
"""The deepest selection a GraphQL operation may nest (the deepest named operation is 6)."""

GRAPHQL_MAX_ALIASES = 30
"""The most aliases one GraphQL document may use."""

GRAPHQL_MAX_TOKENS = 20_000
"""The most lexical tokens one GraphQL document may have (the named operations use < 200; a
report written inline, without variables, uses about 12 per metric)."""

GRAPHQL_MAX_COST = 200_000
"""The cost budget of one operation: every field costs 1, list fields multiply what they
select by their page size (``first``, or ``MAX_REPORT_PAGE`` when it is a variable) or by
``GRAPHQL_LIST_COST`` for unpaged lists. A full page of reports with metrics and
flamegraphs costs about 31,000."""

GRAPHQL_LIST_COST = 20
"""The size a cost estimate assumes for an unpaged list (metrics, flamegraphs, branches...)."""

BAD_TOKEN_FREE_ATTEMPTS = 10
"""Bad API tokens one address may send before the server backs off."""

BAD_TOKEN_WINDOW_SECONDS = 60.0
"""Bad tokens older than this are forgotten."""

BAD_TOKEN_MAX_BACKOFF_SECONDS = 60.0
"""The longest an address waits between bad tokens (the back-off doubles up to this)."""

MAX_PENDING_UPLOADS_PER_PROJECT = 20
"""Unconfirmed uploads one project may hold at once: the storage cannot be filled by asking for
upload URLs that are never confirmed (on Supabase a chunked PUT is not held to the 10 MiB)."""
