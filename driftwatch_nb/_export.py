"""Reading the bulk metrics export (``core.export``) into a pandas DataFrame.

Arrow when pyarrow is installed (``pip install 'driftwatch-nb[arrow]'``; pandas takes Arrow
columns without copying them row by row), else the CSV form of the same export. Either way
the frame has the tidy columns and dtypes of ``ReportList.to_pandas()``.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from driftwatch_nb.core.export import COLUMNS, SAMPLES_COLUMN

if TYPE_CHECKING:
    import pandas as pd

STRING_COLUMNS = ("report", "branch", "testbed", "git_hash", "benchmark", "measure")
FLOAT_COLUMNS = ("value", "lower", "upper")


def have_pyarrow() -> bool:
    """Whether the export can be read as Arrow here."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


class ChunkReader(io.RawIOBase):
    """A read-only file over an iterator of byte chunks (an HTTP body as it arrives), so the
    Arrow and CSV readers consume the stream without the whole body in memory first."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            try:
                self._pending = next(self._chunks)
            except StopIteration:
                return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def read_arrow(stream: io.RawIOBase, *, samples: bool) -> pd.DataFrame:
    """An Arrow IPC stream of the export as the tidy frame."""
    import pyarrow as pa

    table = pa.ipc.open_stream(io.BufferedReader(stream, buffer_size=1 << 20)).read_all()
    sample_lists = None
    if samples:
        sample_lists = table.column(SAMPLES_COLUMN).to_pylist()
        table = table.drop_columns([SAMPLES_COLUMN])
    frame = table.to_pandas()
    if sample_lists is not None:
        frame[SAMPLES_COLUMN] = pd_object_column(sample_lists)
    return normalize(frame, samples=samples)


def read_csv(stream: io.RawIOBase, *, samples: bool) -> pd.DataFrame:
    """The CSV form of the export as the same frame."""
    import pandas as pd

    dtypes: dict[str, Any] = {name: "str" for name in STRING_COLUMNS}
    dtypes.update({name: "float64" for name in FLOAT_COLUMNS})
    if samples:
        dtypes[SAMPLES_COLUMN] = "str"
    frame = pd.read_csv(
        io.BufferedReader(stream, buffer_size=1 << 20),
        dtype=dtypes,
        keep_default_na=False,
        na_values=[""],
    )
    frame["time"] = pd.to_datetime(frame["time"], utc=True, format="ISO8601")
    if samples:
        frame[SAMPLES_COLUMN] = pd_object_column(
            [None if isinstance(v, float) or v is None else json.loads(v) for v in frame["samples"]]
        )
    return normalize(frame, samples=samples)


def pd_object_column(values: list[Any]) -> Any:
    """A column of Python objects (lists and None), as the GraphQL path gives samples."""
    import pandas as pd

    return pd.Series(values, dtype=object)


def normalize(frame: pd.DataFrame, *, samples: bool) -> pd.DataFrame:
    """The tidy column order and dtypes whichever way the export was read."""
    import pandas as pd

    columns = [*COLUMNS, SAMPLES_COLUMN] if samples else list(COLUMNS)
    if frame.empty and list(frame.columns) != columns:
        frame = pd.DataFrame({name: [] for name in columns})
    frame = frame[columns]
    frame["time"] = pd.to_datetime(frame["time"], utc=True).astype("datetime64[us, UTC]")
    for name in FLOAT_COLUMNS:
        frame[name] = frame[name].astype("float64")
    for name in STRING_COLUMNS:
        frame[name] = frame[name].astype("str")
    return frame.reset_index(drop=True)
