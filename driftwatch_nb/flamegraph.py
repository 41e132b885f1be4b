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
import time
from types import FrameType, TracebackType

from driftwatch_nb.core.flamegraph import (
    Frame,
    flamegraph_frames,
    folded_from_svg,
    parse_folded,
    render_flamegraph,
)

__all__ = [
    "CELL_FILENAME",
    "DEFAULT_INTERVAL",
    "DEFAULT_MIN_SAMPLES",
    "DEFAULT_MIN_SECONDS",
    "NO_SAMPLES_LABEL",
    "Frame",
    "HookSampler",
    "StackSampler",
    "flamegraph_frames",
    "folded_from_svg",
    "parse_folded",
    "profile_code",
    "pyinstrument_folded",
    "render_flamegraph",
]

DEFAULT_INTERVAL = 0.001
"""Seconds between two samples of ``StackSampler``."""

CELL_FILENAME = "<cell>"
"""The file name profiled notebook cells are compiled with: frames read ``<module> (cell:3)``."""

DEFAULT_MIN_SAMPLES = 1000
"""``%%driftwatch run --profile`` re-runs the cell until it has this many samples..."""

DEFAULT_MIN_SECONDS = 1.0
"""...or the cell has run this long in all (a slow cell is run once)."""


def profile_code(
    code: str,
    namespace: dict,
    *,
    min_samples: int = DEFAULT_MIN_SAMPLES,
    min_seconds: float = DEFAULT_MIN_SECONDS,
    max_runs: int = 10_000,
    interval: float = DEFAULT_INTERVAL,
    engine: str = "hook",
) -> tuple[dict[str, int], int, int]:
    """Sample ``code`` run in ``namespace`` until there are ``min_samples`` samples or it has
    run ``min_seconds`` in all (at least once, at most ``max_runs`` times).

    Returns ``(folded, samples, runs)``. Stacks start at the cell (``cell:LINE``): none of the
    frames that run it (driftwatch's, IPython's) appear. ``engine``: ``hook``
    (``HookSampler``, the default: exact cell lines, no dependency; see
    ``bench/bench_profiler.py``), ``thread`` (``StackSampler``), ``pyinstrument`` (frames
    carry each function's first line only), or ``auto`` (pyinstrument when installed).
    """

    compiled = compile(code, CELL_FILENAME, "exec")
    runs = 0
    spent = 0.0
    if engine == "auto":
        engine = "pyinstrument" if _has_pyinstrument() else "hook"
    if engine == "pyinstrument":
        from pyinstrument import Profiler

        profiler = Profiler(interval=interval)
        profiler.start()
        try:
            while True:
                started = time.perf_counter()
                exec(compiled, namespace)  # noqa: S102 - the user's own cell
                spent += time.perf_counter() - started
                runs += 1
                if spent >= min_samples * interval or spent >= min_seconds or runs >= max_runs:
                    break
        finally:
            session = profiler.stop()
        folded = pyinstrument_folded(session, root_filename=CELL_FILENAME, interval=interval)
        return folded, sum(folded.values()), runs
    if engine not in ("hook", "thread"):
        raise ValueError(f"engine must be auto, pyinstrument, hook or thread, got {engine!r}")
    sampler_class = HookSampler if engine == "hook" else StackSampler
    with sampler_class(interval, root_filename=CELL_FILENAME) as sampler:
        while True:
            started = time.perf_counter()
            exec(compiled, namespace)  # noqa: S102 - the user's own cell
            spent += time.perf_counter() - started
            runs += 1
            if sampler.sample_count >= min_samples or spent >= min_seconds or runs >= max_runs:
                break
    return sampler.folded, sampler.sample_count, runs


def _has_pyinstrument() -> bool:
    import importlib.util

    return importlib.util.find_spec("pyinstrument") is not None


def pyinstrument_folded(
    session: object, *, root_filename: str | None = None, interval: float = DEFAULT_INTERVAL
) -> dict[str, int]:
    """A pyinstrument session as folded stacks in ``interval`` ticks (frames labelled
    ``func (file:LINE)``, LINE the function's first line; C functions ``name (built-in)``).
    With ``root_filename`` stacks start at the outermost frame from that file."""
    root = session.root_frame(trim_stem=False)  # type: ignore[attr-defined]
    folded: dict[str, float] = {}

    def label(frame: object) -> str:
        name = frame.function  # type: ignore[attr-defined]
        path = frame.file_path or ""  # type: ignore[attr-defined]
        if path == "<built-in>":
            return f"{name} (built-in)"
        line = frame.line_no or 0  # type: ignore[attr-defined]
        if path.startswith("<") and path.endswith(">"):
            return f"{name} ({path[1:-1]}:{line})"
        return f"{name} ({_short_path(path)}:{line})"

    def walk(frame: object, stack: list[str], inside: bool) -> None:
        path = getattr(frame, "file_path", None)
        if not inside and root_filename is not None and path == root_filename:
            inside = True
        name = frame.function  # type: ignore[attr-defined]
        if name == "[self]":
            if inside and stack:
                key = ";".join(stack)
                folded[key] = folded.get(key, 0.0) + frame.time  # type: ignore[attr-defined]
            return
        here = [*stack, label(frame)] if inside else stack
        children = frame.children  # type: ignore[attr-defined]
        if not children and inside:
            key = ";".join(here)
            folded[key] = folded.get(key, 0.0) + frame.time  # type: ignore[attr-defined]
        for child in children:
            walk(child, here, inside)

    walk(root, [], root_filename is None)
    ticks = {stack: round(seconds / interval) for stack, seconds in folded.items()}
    return {stack: count for stack, count in ticks.items() if count > 0}


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

    def __init__(
        self,
        interval: float = DEFAULT_INTERVAL,
        *,
        max_depth: int = 512,
        root_filename: str | None = None,
    ) -> None:
        """``root_filename``: stacks start at the outermost frame of code compiled with this
        file name (the profiled cell), so no frame of whoever runs it appears; samples taken
        while no such frame is on the stack are dropped."""
        if interval <= 0:
            raise ValueError(f"interval must be positive seconds, got {interval!r}")
        self.interval = interval
        self.max_depth = max_depth
        self.root_filename = root_filename
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
            prefix = self._label_stack(self._base)
            return {f"{prefix};{NO_SAMPLES_LABEL}" if prefix else NO_SAMPLES_LABEL: 1}
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
        root = self.root_filename
        keep = 0 if root is None else -1
        while frame is not None and len(labels) < self.max_depth:
            code = frame.f_code
            if code in _OWN_CODES:
                return ""  # the sampler starting or stopping, not the profiled code
            key = (code, frame.f_lineno)
            label = cache.get(key)
            if label is None:
                label = cache[key] = _frame_label(frame)
            labels.append(label)
            if root is not None and code.co_filename == root:
                keep = len(labels)  # the outermost cell frame so far
            if frame is base:
                break
            frame = frame.f_back
        if keep < 0:
            return ""  # not inside the profiled code (yet, or any more)
        if keep:
            del labels[keep:]
        labels.reverse()
        return ";".join(labels)


def _frame_label(frame: FrameType) -> str:
    code = frame.f_code
    filename = code.co_filename
    if filename.startswith("<") and filename.endswith(">"):
        return f"{code.co_name} ({filename[1:-1]}:{frame.f_lineno})"  # <cell> -> cell:LINE
    return f"{code.co_name} ({_short_path(filename)}:{frame.f_lineno})"


def _short_path(path: str) -> str:
    """The path relative to the longest ``sys.path`` entry containing it, like py-spy."""
    best = ""
    for entry in sys.path:
        if entry and path.startswith(entry.rstrip(os.sep) + os.sep) and len(entry) > len(best):
            best = entry
    return path[len(best.rstrip(os.sep)) + 1 :] if best else os.path.basename(path)


class HookSampler(StackSampler):
    """Time-weighted sampling through the profile hook (``sys.setprofile``), as pyinstrument
    does it, in pure Python: no thread, no privileges.

    On each call/return event at least ``interval`` seconds after the previous sample, the
    elapsed time is charged to the stack that was running (for ``c_return``, the C function
    that just finished, labelled ``name (built-in)``). Counts are in ``interval`` ticks, so
    one second is about 1,000 samples at the default interval whatever the code does. Unlike
    the thread sampler it sees inside C calls that hold the GIL (``sorted``, ``json.dumps``):
    a background thread cannot take a sample until they return.
    """

    def __enter__(self) -> HookSampler:
        if self._thread is not None:
            raise RuntimeError("this sampler is already running")
        self._target_id = threading.get_ident()
        self._base = sys._getframe(1)
        self._thread = threading.current_thread()  # "running" marker
        self._previous_profile = sys.getprofile()
        self._c_calls: list[tuple[FrameType, object]] = []
        self._events = 0
        self._seconds: dict[str, float] = {}
        self._total = 0.0
        self._event_cost = _hook_event_cost()
        self._last = time.perf_counter()
        sys.setprofile(self._hook)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        sys.setprofile(self._previous_profile)
        self._thread = None
        interval = self.interval
        self._counts = {
            stack: ticks
            for stack, value in self._seconds.items()
            if (ticks := round(value / interval)) > 0
        }
        self.sample_count = sum(self._counts.values())

    def _hook(self, frame: FrameType, event: str, arg: object) -> None:
        now = time.perf_counter()
        elapsed = now - self._last
        c_calls = self._c_calls
        if elapsed < self.interval:
            self._events += 1
            if event == "c_call":
                c_calls.append((frame, arg))
            elif event != "call" and event != "return" and c_calls and c_calls[-1][0] is frame:
                c_calls.pop()
            return
        # The hook's own cost on the events since the last sample is not the code's time.
        elapsed -= self._events * self._event_cost
        self._events = 0
        leaf = None
        if event == "call":
            frame = frame.f_back  # type: ignore[assignment]  # the time was the caller's
            if c_calls and c_calls[-1][0] is frame:
                leaf = _builtin_label(c_calls[-1][1])  # a C function calling back (sort key)
        elif event == "c_call":
            c_calls.append((frame, arg))
        elif event != "return":  # c_return, c_exception: the C function's own time
            leaf = _builtin_label(arg)
            if c_calls and c_calls[-1][0] is frame:
                c_calls.pop()
        stack = self._label_stack(frame)
        if stack and elapsed > 0:
            if leaf is not None:
                stack = f"{stack};{leaf}"
            # Seconds, not rounded ticks: rounding each sample would bias short stretches.
            seconds = self._seconds
            seconds[stack] = seconds.get(stack, 0.0) + elapsed
            self._total += elapsed
            self.sample_count = int(self._total / self.interval)
        self._last = time.perf_counter()  # the time spent recording is not the code's either


_EVENT_COST: list[float] = []


def _hook_event_cost() -> float:
    """Seconds one profile-hook event costs on this machine (the hook's fast path plus the
    interpreter's call into it), measured once per process."""
    if not _EVENT_COST:

        def nothing() -> None:
            pass

        calls = 20_000
        start = time.perf_counter()
        for _ in range(calls):
            nothing()
        plain = time.perf_counter() - start
        probe = HookSampler(interval=3600.0)
        probe._last = time.perf_counter()
        probe._c_calls = []
        probe._events = 0
        previous = sys.getprofile()
        sys.setprofile(probe._hook)
        try:
            start = time.perf_counter()
            for _ in range(calls):
                nothing()
            hooked = time.perf_counter() - start
        finally:
            sys.setprofile(previous)
        # Each call of `nothing` is two events (call, return).
        _EVENT_COST.append(max(0.0, (hooked - plain) / (2 * calls)))
    return _EVENT_COST[0]


def _builtin_label(function: object) -> str:
    name = getattr(function, "__qualname__", None) or getattr(function, "__name__", "?")
    owner = getattr(function, "__self__", None)
    if owner is not None and not isinstance(owner, type) and type(owner).__name__ != "module":
        name = f"{type(owner).__name__}.{getattr(function, '__name__', name)}"
    return f"{name} (built-in)"


_OWN_CODES = frozenset(
    (
        StackSampler.__enter__.__code__,
        StackSampler.__exit__.__code__,
        HookSampler.__enter__.__code__,
        HookSampler.__exit__.__code__,
        HookSampler._hook.__code__,
    )
)
