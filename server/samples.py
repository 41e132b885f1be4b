"""Raw samples stored compactly: one metric's samples as packed little-endian float64.

100 samples cost 800 bytes in one column of the metric's row, not 100 rows: 10k reports x 200
benchmarks x 100 samples is 1.6 GB, not 200 million rows.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Sequence


def pack(samples: Sequence[float] | None) -> bytes | None:
    """``[1.0, 2.0]`` -> 16 bytes; ``None`` or no samples -> ``None``."""
    if not samples:
        return None
    packed = array("d", samples)
    if sys.byteorder != "little":  # pragma: no cover - every platform we run on is little
        packed.byteswap()
    return packed.tobytes()


def unpack(data: bytes | None) -> list[float] | None:
    """The inverse of ``pack``."""
    if data is None:
        return None
    values = array("d")
    values.frombytes(data)
    if sys.byteorder != "little":  # pragma: no cover
        values.byteswap()
    return values.tolist()
