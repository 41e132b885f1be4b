"""Flamegraphs without special privileges or extra binaries.

``StackSampler`` samples the current thread from a background thread (pure Python, no ptrace)
and yields folded stacks. The format itself (``parse_folded``, ``render_flamegraph``,
``flamegraph_frames``, ``folded_from_svg``) lives in ``driftwatch_nb.core.flamegraph``, shared
with the server, and is re-exported here.
"""

from __future__ import annotations

import os
import sys
import threading
from types import FrameType, TracebackType

from driftwatch_nb.core.flamegraph import (
    Frame,
    flamegraph_frames,
    folded_from_svg,
    parse_folded,
    render_flamegraph,
)

__all__ = [
    "DEFAULT_INTERVAL",
    "NO_SAMPLES_LABEL",
    "Frame",
    "StackSampler",
    "flamegraph_frames",
    "folded_from_svg",
    "parse_folded",
    "render_flamegraph",
]

DEFAULT_INTERVAL = 0.001
"""Seconds between two samples of ``StackSampler``."""

NO_SAMPLES_LABEL = "[no samples: the code ran faster than one sampling interval]"
"""The leaf frame ``StackSampler`` reports when it could not take a single sample."""


# -- sampling ----------------------------------------------------------------------------------


class StackSampler:
    """Sample the calling thread's Python stack every ``interval`` seconds.

    Use as ``with StackSampler() as sampler: run()``; then ``sampler.folded`` maps
    ``"root;...;leaf"`` (labels ``func (file.py:LINE)``, root first) to sample counts. Stacks
    are cut at the frame that entered the ``with`` block, so the caller's own callers (IPython,
    pytest) do not drown the graph. When the block finished before a single sample was taken,
    ``sample_count`` is 0 and ``folded`` holds one stack ending in ``NO_SAMPLES_LABEL``.
    """

    def __init__(self, interval: float = DEFAULT_INTERVAL, *, max_depth: int = 512) -> None:
        if interval <= 0:
            raise ValueError(f"interval must be positive seconds, got {interval!r}")
        self.interval = interval
        self.max_depth = max_depth
        self.sample_count = 0
        self._counts: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._target_id = 0
        self._base: FrameType | None = None
        self._labels: dict[tuple[object, int], str] = {}
        self._old_switch_interval: float | None = None

    @property
    def folded(self) -> dict[str, int]:
        """The folded stacks sampled so far (a copy)."""
        if not self._counts and self._base is not None and self._thread is None:
            return {self._label_stack(self._base) + ";" + NO_SAMPLES_LABEL: 1}
        return dict(self._counts)

    def __enter__(self) -> StackSampler:
        if self._thread is not None:
            raise RuntimeError("this StackSampler is already running")
        self._target_id = threading.get_ident()
        self._base = sys._getframe(1)
        self._stop.clear()
        # A CPU-bound thread holds the GIL for sys.getswitchinterval() (5 ms) at a time, which
        # would starve the sampler; shorten it while sampling.
        self._old_switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(min(self._old_switch_interval, self.interval))
        self._thread = threading.Thread(target=self._run, name="driftwatch-sampler", daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._thread = None
        if self._old_switch_interval is not None:
            sys.setswitchinterval(self._old_switch_interval)

    def _run(self) -> None:
        wait = self._stop.wait
        while not wait(self.interval):
            frame = sys._current_frames().get(self._target_id)
            if frame is None:
                continue
            stack = self._label_stack(frame)
            if not stack:
                continue
            self._counts[stack] = self._counts.get(stack, 0) + 1
            self.sample_count += 1

    def _label_stack(self, frame: FrameType | None) -> str:
        """``root;...;leaf`` up to the ``with`` block's frame; "" for the sampler's own."""
        labels: list[str] = []
        base = self._base
        cache = self._labels
        while frame is not None and len(labels) < self.max_depth:
            if frame.f_code in _OWN_CODES:
                return ""  # the sampler starting or stopping, not the profiled code
            key = (frame.f_code, frame.f_lineno)
            label = cache.get(key)
            if label is None:
                label = cache[key] = _frame_label(frame)
            labels.append(label)
            if frame is base:
                break
            frame = frame.f_back
        labels.reverse()
        return ";".join(labels)


def _frame_label(frame: FrameType) -> str:
    code = frame.f_code
    return f"{code.co_name} ({_short_path(code.co_filename)}:{frame.f_lineno})"


def _short_path(path: str) -> str:
    """The path relative to the longest ``sys.path`` entry containing it, like py-spy."""
    best = ""
    for entry in sys.path:
        if entry and path.startswith(entry.rstrip(os.sep) + os.sep) and len(entry) > len(best):
            best = entry
    return path[len(best.rstrip(os.sep)) + 1 :] if best else os.path.basename(path)


_OWN_CODES = frozenset((StackSampler.__enter__.__code__, StackSampler.__exit__.__code__))
