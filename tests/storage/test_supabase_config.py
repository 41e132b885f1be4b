"""``server/supabase/config.toml`` declares the bucket exactly as the code enforces it."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from driftwatch_nb.core.limits import FLAMEGRAPH_BUCKET, FLAMEGRAPH_MIME_TYPE, MAX_FLAMEGRAPH_BYTES

CONFIG = Path(__file__).resolve().parents[2] / "server" / "supabase" / "config.toml"
_UNITS = {
    "B": 1,
    "KB": 1000,
    "MB": 1000**2,
    "GB": 1000**3,
    "KiB": 1024,
    "MiB": 1024**2,
    "GiB": 1024**3,
}


def parse_size(value: str) -> int:
    """Bytes in a Supabase CLI size such as ``"10MiB"``."""
    match = re.fullmatch(r"(\d+)\s*([KMG]i?B|B)", value)
    assert match, f"unrecognised size {value!r}"
    return int(match.group(1)) * _UNITS[match.group(2)]


def test_flamegraph_bucket_matches_the_constants() -> None:
    config = tomllib.loads(CONFIG.read_text())
    buckets = config["storage"]["buckets"]
    assert list(buckets) == [FLAMEGRAPH_BUCKET]
    bucket = buckets[FLAMEGRAPH_BUCKET]
    assert bucket == {
        "public": False,
        "file_size_limit": "10MiB",
        "allowed_mime_types": [FLAMEGRAPH_MIME_TYPE],
    }
    assert parse_size(bucket["file_size_limit"]) == MAX_FLAMEGRAPH_BYTES == 10_485_760


def test_parse_size() -> None:
    assert parse_size("10MiB") == 10 * 1024 * 1024
    assert parse_size("50MB") == 50_000_000
