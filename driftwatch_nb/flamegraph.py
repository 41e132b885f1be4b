"""Flamegraphs without special privileges or extra binaries.

* ``StackSampler`` samples the current thread from a background thread (pure Python, no ptrace)
  and yields folded stacks, the text format flamegraph.pl, inferno and py-spy share.
* ``render_flamegraph`` draws folded stacks as an SVG in flamegraph.pl's layout (root at the
  bottom, warm colours, ``<title>`` per frame "func (1,234 samples, 12.34%)"), without a
  ``<script>``: driftwatch's viewer provides the interaction, and an SVG without script is
  one less thing for its sanitizer to strip.
* ``flamegraph_frames`` / ``folded_from_svg`` read frames back from flamegraph.pl, inferno and
  py-spy SVGs; ``parse_folded`` reads folded text.
* ``make_large_flamegraph`` builds a big, realistic flamegraph (DOCTYPE and script included) for
  benchmarks and browser tests.
"""

from __future__ import annotations

import bisect
import os
import random
import re
import sys
import threading
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from types import FrameType, TracebackType
from xml.parsers import expat

from driftwatch_nb.svg import validate_svg

__all__ = [
    "DEFAULT_INTERVAL",
    "Frame",
    "StackSampler",
    "flamegraph_frames",
    "folded_from_svg",
    "make_large_flamegraph",
    "parse_folded",
    "render_flamegraph",
]

DEFAULT_INTERVAL = 0.001
"""Seconds between two samples of ``StackSampler``."""

NO_SAMPLES_LABEL = "[no samples: the code ran faster than one sampling interval]"
"""The leaf frame ``StackSampler`` reports when it could not take a single sample."""

_FRAME_HEIGHT = 16
_FONT_SIZE = 12
_FONT_WIDTH = 0.59
_X_PAD = 10
_Y_PAD_TOP = _FONT_SIZE * 3
_Y_PAD_BOTTOM = _FONT_SIZE * 2 + 10
_INVALID_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_TITLE_RE = re.compile(
    r"^(?P<name>.*) \((?P<count>[\d,]+) [^,()]+, (?P<pct>[\d.]+)%[^()]*\)$", re.S
)


@dataclass(frozen=True, slots=True)
class Frame:
    """One frame of a flamegraph SVG; geometry in SVG user units (pixels)."""

    name: str
    samples: int
    percent: float
    x: float
    y: float
    width: float


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


# -- folded text -------------------------------------------------------------------------------


def parse_folded(text: str) -> dict[str, int]:
    """Parse folded stacks (``"a;b;c 12"`` per line) into ``{stack: count}``, merging repeats.

    Blank lines and bare counts (samples without frames) are ignored; a line without a
    trailing integer count raises ``ValueError``.
    """
    folded: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.isdigit():
            continue  # py-spy writes a bare count for samples without any Python frame
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            raise ValueError(f"line {number} is not 'frame;frame;frame COUNT': {line[:80]!r}")
        folded[stack] = folded.get(stack, 0) + int(count)
    return folded


# -- rendering ---------------------------------------------------------------------------------


class _Node:
    __slots__ = ("children", "name", "total")

    def __init__(self, name: str) -> None:
        self.name = name
        self.total = 0
        self.children: dict[str, _Node] = {}


def render_flamegraph(
    folded: Mapping[str, int],
    *,
    title: str = "Flame Graph",
    width: int = 1200,
    minwidth: float = 0.1,
) -> bytes:
    """Render folded stacks as a flamegraph.pl-style SVG (UTF-8 bytes).

    Frames narrower than ``minwidth`` pixels are left out, as flamegraph.pl does. Raises
    ``ValueError`` when there is no positive count to draw.
    """
    return _render(folded, title=title, width=width, minwidth=minwidth, script=None)


def _render(
    folded: Mapping[str, int],
    *,
    title: str,
    width: int,
    minwidth: float,
    script: str | None,
) -> bytes:
    root = _Node("all")
    for stack, count in folded.items():
        if count <= 0:
            continue
        root.total += count
        node = root
        for name in stack.split(";"):
            child = node.children.get(name)
            if child is None:
                child = node.children[name] = _Node(name)
            child.total += count
            node = child
    if root.total == 0:
        raise ValueError("no samples to draw: the folded stacks are empty or all counts are 0")
    if width < 2 * _X_PAD + 10:
        raise ValueError(f"width must be at least {2 * _X_PAD + 10} pixels, got {width}")

    per_sample = (width - 2 * _X_PAD) / root.total
    # Walk once to lay frames out (depth, start) and find the height.
    laid: list[tuple[_Node, int, int]] = []
    todo: list[tuple[_Node, int, int]] = [(root, 0, 0)]
    max_depth = 0
    while todo:
        node, depth, start = todo.pop()
        if node.total * per_sample < minwidth:
            continue
        laid.append((node, depth, start))
        max_depth = max(max_depth, depth)
        offset = start
        children = sorted(node.children.values(), key=lambda n: n.name)
        pending = []
        for child in children:
            pending.append((child, depth + 1, offset))
            offset += child.total
        todo.extend(reversed(pending))
    height = (max_depth + 1) * _FRAME_HEIGHT + _Y_PAD_TOP + _Y_PAD_BOTTOM

    out: list[str] = [
        '<?xml version="1.0" standalone="no"?>\n'
        '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
        '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
        f'<svg version="1.1" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">\n'
        "<!-- Flame graph stack visualization, drawn by driftwatch in the layout of "
        "https://github.com/brendangregg/FlameGraph -->\n"
        '<defs><linearGradient id="background" y1="0" y2="1" x1="0" x2="0">'
        '<stop stop-color="#eeeeee" offset="5%"/><stop stop-color="#eeeeb0" offset="95%"/>'
        "</linearGradient></defs>\n"
        '<style type="text/css">text { font-family:Verdana; font-size:12px; fill:rgb(0,0,0); }'
        " #title { text-anchor:middle; font-size:17px; }</style>\n"
    ]
    if script is not None:
        out.append(f'<script type="text/ecmascript"><![CDATA[{script}]]></script>\n')
    out.append(
        f'<rect x="0.0" y="0" width="{width}" height="{height}" fill="url(#background)"/>\n'
        f'<text id="title" x="{width / 2:.2f}" y="24">{_escape(title)}</text>\n'
        '<g id="frames">\n'
    )
    total = root.total
    for node, depth, start in laid:
        x1 = _X_PAD + start * per_sample
        box_width = node.total * per_sample
        y1 = height - _Y_PAD_BOTTOM - (depth + 1) * _FRAME_HEIGHT + 1
        name = _escape(node.name)
        if depth == 0:
            info = f"all ({total:,} samples, 100%)"
        else:
            info = f"{name} ({node.total:,} samples, {100 * node.total / total:.2f}%)"
        chars = int(box_width / (_FONT_SIZE * _FONT_WIDTH))
        if chars < 3:
            label = ""
        elif len(node.name) <= chars:
            label = name
        else:
            label = _escape(node.name[: chars - 2]) + ".."
        out.append(
            f'<g><title>{info}</title><rect x="{x1:.1f}" y="{y1:.1f}" width="{box_width:.1f}" '
            f'height="{_FRAME_HEIGHT - 1:.1f}" fill="{_colour(node.name)}" rx="2" ry="2"/>'
            f'<text x="{x1 + 3:.2f}" y="{y1 + _FRAME_HEIGHT / 2 + 3.5:.2f}">{label}</text></g>\n'
        )
    out.append("</g>\n</svg>\n")
    return "".join(out).encode("utf-8")


def _escape(text: str) -> str:
    text = _INVALID_XML_CHARS.sub("\ufffd", text)
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _colour(name: str) -> str:
    """flamegraph.pl's "hot" palette, seeded by the name so a function keeps its colour."""
    seed = zlib.crc32(name.encode("utf-8", "replace"))
    v1 = (seed & 0xFF) / 255
    v2 = ((seed >> 8) & 0xFF) / 255
    v3 = ((seed >> 16) & 0xFF) / 255
    return f"rgb({205 + int(50 * v3)},{int(230 * v1)},{int(55 * v2)})"


# -- reading SVGs back -------------------------------------------------------------------------


def flamegraph_frames(data: bytes) -> list[Frame]:
    """The frames of a flamegraph.pl, inferno or py-spy SVG, in document order.

    The SVG is validated first (``SvgValidationError`` if refused); an SVG without a
    ``frames`` group gives an empty list. Percent geometry (inferno, py-spy) is converted to
    pixels using the nested ``<svg id="frames">``'s ``x`` and ``width``.
    """
    validate_svg(data, file_name="flamegraph.svg")
    reader = _FrameReader()
    parser = expat.ParserCreate(encoding="utf-8")
    # Validation refused entities and DTDs already; these settings only keep parsing inert.
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartElementHandler = reader.start
    parser.EndElementHandler = reader.end
    parser.CharacterDataHandler = reader.text
    parser.buffer_text = True
    parser.Parse(data, True)
    return reader.frames


class _FrameReader:
    def __init__(self) -> None:
        self.frames: list[Frame] = []
        self.depth = 0
        self.frames_depth: int | None = None
        self.origin = 0.0
        self.scale: float | None = None
        self.in_title = False
        self.title: list[str] = []
        self.rect: dict[str, str] | None = None

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.depth += 1
        if self.frames_depth is None:
            if attrs.get("id") == "frames" and name in ("g", "svg"):
                self.frames_depth = self.depth
                if name == "svg":
                    self.origin = float(attrs.get("x", "0") or 0)
                    self.scale = float(attrs.get("width", "0") or 0) / 100
            return
        if name == "g" and self.depth == self.frames_depth + 1:
            self.title, self.rect = [], None
        elif name == "title" and self.depth == self.frames_depth + 2:
            self.in_title = True
        elif name == "rect" and self.depth == self.frames_depth + 2:
            self.rect = attrs

    def text(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)

    def end(self, name: str) -> None:
        if self.frames_depth is not None:
            if name == "title":
                self.in_title = False
            elif name == "g" and self.depth == self.frames_depth + 1:
                self._add_frame()
            elif self.depth == self.frames_depth:
                self.frames_depth = None
        self.depth -= 1

    def _add_frame(self) -> None:
        match = _TITLE_RE.match("".join(self.title))
        if match is None or self.rect is None:
            return
        self.frames.append(
            Frame(
                name=match["name"],
                samples=int(match["count"].replace(",", "")),
                percent=float(match["pct"]),
                x=self._length(self.rect.get("x", "0"), offset=True),
                y=float(self.rect.get("y", "0")),
                width=self._length(self.rect.get("width", "0"), offset=False),
            )
        )

    def _length(self, value: str, *, offset: bool) -> float:
        if value.endswith("%"):
            number = float(value[:-1]) * (self.scale or 0.0)
            return self.origin + number if offset else number
        return float(value)


def folded_from_svg(data: bytes) -> dict[str, int]:
    """Rebuild folded stacks from a flamegraph SVG's frames (self samples per stack).

    Works for root-at-bottom (flamegraph.pl, driftwatch) and root-at-top (py-spy) layouts.
    Frames that the renderer left out for being too narrow are lost, as in the picture.
    """
    frames = flamegraph_frames(data)
    if not frames:
        return {}
    root = max(frames, key=lambda f: (f.samples, f.width))
    ys = sorted({f.y for f in frames})
    step = min((b - a for a, b in zip(ys, ys[1:], strict=False)), default=1.0)
    levels: dict[int, list[Frame]] = {}
    for frame in frames:
        level = round(abs(frame.y - root.y) / step)
        levels.setdefault(level, []).append(frame)
    paths: dict[int, str] = {id(root): ""}
    child_samples: dict[int, int] = {}
    for level in sorted(levels):
        if level == 0:
            continue
        parents = sorted(levels.get(level - 1, []), key=lambda f: f.x)
        starts = [p.x for p in parents]
        for frame in levels[level]:
            index = bisect.bisect_right(starts, frame.x + frame.width / 2) - 1
            if index < 0 or id(parents[index]) not in paths:
                continue
            parent = parents[index]
            prefix = paths[id(parent)]
            paths[id(frame)] = f"{prefix};{frame.name}" if prefix else frame.name
            child_samples[id(parent)] = child_samples.get(id(parent), 0) + frame.samples
    folded: dict[str, int] = {}
    for frame in frames:
        path = paths.get(id(frame))
        if not path:
            continue
        own = frame.samples - child_samples.get(id(frame), 0)
        if own > 0:
            folded[path] = folded.get(path, 0) + own
    return folded


# -- big synthetic flamegraphs -----------------------------------------------------------------

# The size and shape of the interaction script real flamegraphs carry (comparisons and
# closing tags in strings included), so parsers see what they would see in the wild.
_DEMO_SCRIPT = """
"use strict";
var details, searchbtn, unzoombtn, matchedtxt, svg, searching, frames;
function init(evt) {
    details = document.getElementById("details").firstChild;
    frames = document.getElementById("frames");
}
function find_child(node, selector) {
    var children = node.querySelectorAll(selector);
    if (children.length) return children[0];
}
function update_text(e) {
    var r = find_child(e, "rect"), t = find_child(e, "text");
    var w = parseFloat(r.attributes.width.value) - 3;
    var txt = find_child(e, "title").textContent.replace(/\\([^(]*\\)$/, "");
    if (w < 2 * 12 * 0.59) { t.textContent = ""; return; }
    t.textContent = txt;
    for (var x = txt.length - 2; x > 0 && t.getSubStringLength(0, x + 2) > w; x--) {
        t.textContent = txt.substring(0, x) + "..";
    }
}
function html_note(s) { return "<b>" + s + "</b>"; }
"""


def make_large_flamegraph(
    target_bytes: int = 9 * 1024 * 1024, *, seed: int = 0, width: int = 1200
) -> bytes:
    """A deterministic flamegraph of about ``target_bytes`` (~50k frames at 9 MiB).

    It has the DOCTYPE and a ``<script>`` like flamegraph.pl / py-spy output, frame names in
    py-spy's ``func (path/module.py:LINE)`` style, and it passes ``validate_svg``.
    """
    rng = random.Random(seed)
    modules = [f"pkg{rng.randrange(30)}/mod{i}.py" for i in range(200)]
    names = [
        f"{rng.choice(('run', 'call', 'visit', 'handle', 'load', 'parse'))}_{i} "
        f"({rng.choice(modules)}:{rng.randrange(1, 900)})"
        for i in range(4000)
    ]

    def build(stacks: int) -> bytes:
        folded: dict[str, int] = {}
        for _ in range(stacks):
            depth = rng.randrange(8, 40)
            # Shared prefixes make a tree, as real profiles do; the tail varies.
            stack = [names[i] for i in range(min(depth, 6))]
            stack += [rng.choice(names) for _ in range(depth - len(stack))]
            key = ";".join(stack)
            folded[key] = folded.get(key, 0) + rng.randrange(1, 50)
        return _render(
            folded,
            title="driftwatch synthetic flamegraph",
            width=width,
            minwidth=0.0,
            script=_DEMO_SCRIPT,
        )

    state = rng.getstate()
    stacks = 200
    # Shared prefixes make the size grow a little slower than the stack count: re-aim twice.
    for _ in range(3):
        rng.setstate(state)
        svg = build(stacks)
        if abs(len(svg) - target_bytes) <= target_bytes * 0.01:
            break
        stacks = max(1, round(stacks * target_bytes / len(svg)))
    return svg
