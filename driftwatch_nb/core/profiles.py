"""Profiles as data: detect and parse the formats users produce, compare two profiles.

Pure and standard library only (plus ``core``): the client checks and converts files with it
before sending, the server recovers and stores stacks with it at confirmation, and both compute
differential flamegraphs with it.

Accepted formats (``detect_format``):

* ``svg``: a flamegraph SVG (flamegraph.pl, inferno, py-spy or driftwatch's own layout); its
  stacks are recovered from the frames (``folded_from_svg``), or from the exact stacks
  driftwatch embeds in the SVGs it renders (``<metadata id="driftwatch-stacks">``).
* ``folded``: folded/collapsed stacks, ``frame;frame;frame COUNT`` per line (``py-spy record
  --format raw``, ``stackcollapse-*.pl``, inferno-collapse).
* ``speedscope``: speedscope JSON (py-spy ``--format speedscope``: sampled profiles;
  pyinstrument's speedscope renderer: evented profiles, whose weights become microseconds).

cProfile/pstats files are recognised and refused with a sentence: they record caller edges,
not stacks, so no flamegraph can be rebuilt from them faithfully.

Every refusal is a ``ProfileError`` (an ``InvalidFile``): ``"{file}: line N: reason"``.
"""

from __future__ import annotations

import base64
import json
import os
import re
import stat
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from driftwatch_nb.core.errors import InvalidFile
from driftwatch_nb.core.flamegraph import folded_from_svg, render_layout
from driftwatch_nb.core.limits import MAX_FLAMEGRAPH_BYTES, size_text
from driftwatch_nb.core.svg import SvgValidationError, validate_svg

__all__ = [
    "FORMATS",
    "MAX_PROFILE_BYTES",
    "MAX_STACKS",
    "MAX_STACK_DEPTH",
    "STACKS_METADATA_ID",
    "FunctionChange",
    "Profile",
    "ProfileDiff",
    "ProfileError",
    "DIFF_FADE",
    "DIFF_NEUTRAL",
    "detect_format",
    "diff_colour",
    "diff_folded_texts",
    "diff_profiles",
    "embedded_stacks",
    "folded_text",
    "function_name",
    "load_profile_file",
    "merge_profiles",
    "pack_stacks",
    "parse_profile",
    "render_diff",
    "render_profile",
    "self_share_deltas",
    "speedscope_json",
    "summarize",
    "unpack_stacks",
]

FORMATS = ("svg", "folded", "speedscope")
"""The profile formats driftwatch accepts."""

MAX_PROFILE_BYTES = MAX_FLAMEGRAPH_BYTES
"""The largest profile file accepted, whatever its format (10 MiB)."""

MAX_STACKS = 500_000
"""The most distinct stacks one profile may hold."""

MAX_STACK_DEPTH = 2_048
"""The deepest stack accepted (frames from root to leaf)."""

MAX_COUNT = 2**53
"""Sample counts (or microseconds) above this are not integers a double can hold."""

STACKS_METADATA_ID = "driftwatch-stacks"
"""The ``id`` of the ``<metadata>`` element holding the exact stacks in driftwatch's SVGs."""

_METADATA_RE = re.compile(
    rb'<metadata id="' + STACKS_METADATA_ID.encode() + rb'"[^>]*>([A-Za-z0-9+/=\s]*)</metadata>'
)
_SPEEDSCOPE_UNITS = {
    "none": 1,
    "nanoseconds": 1e-3,
    "microseconds": 1,
    "milliseconds": 1e3,
    "seconds": 1e6,
    "bytes": 1,
}


class ProfileError(InvalidFile):
    """A profile file was refused; ``str(err)`` is ``"{file_name}: {reason}"``."""


@dataclass(frozen=True)
class Profile:
    """Folded stacks (``{"root;...;leaf": count}``) and where they came from."""

    format: str
    folded: dict[str, int]
    svg: bytes | None = field(default=None, repr=False)
    """The original SVG when ``format == "svg"``."""
    unit: str = "samples"
    """What a count is: ``samples``, or ``microseconds`` for time-weighted speedscope input."""

    @property
    def total(self) -> int:
        """All samples (the sum of the counts)."""
        return sum(self.folded.values())


# -- detection and parsing ---------------------------------------------------------------------


def detect_format(data: bytes) -> str | None:
    """``svg``, ``folded``, ``speedscope``, ``pstats`` or ``None`` (not a profile) by content."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((b"<?xml", b"<svg", b"<!DOCTYPE svg", b"<!--")):
        return "svg"
    if head.startswith(b"{"):
        if b'"speedscope' in data[:4096] or b'"shared"' in data[:65536]:
            return "speedscope"
        if data[:1] == b"{" and _looks_like_pstats(data):
            return "pstats"
        return "json"
    if data[:1] in (b"{", b"\xfb") and _looks_like_pstats(data):
        return "pstats"
    first = head.split(b"\n", 1)[0].rstrip(b"\r")
    if re.match(rb"^\S.* \d+$", first) or re.match(rb"^\d+$", first):
        return "folded"
    return None


def _looks_like_pstats(data: bytes) -> bool:
    # marshal's dict (0x7b, or 0xfb with the reference flag) of (file, line, name) tuples.
    return data[:1] in (b"{", b"\xfb") and data[1:2] in (b")", b"\xa9", b"(", b"\xa8")


def parse_profile(data: bytes, *, file_name: str, validated_svg: bool = False) -> Profile:
    """Detect the format of ``data`` and parse it, or raise ``ProfileError`` naming the file.

    ``validated_svg`` skips validating an SVG again that the caller has just validated.
    """
    if not data:
        raise ProfileError(file_name, "the file is empty")
    if len(data) > MAX_PROFILE_BYTES:
        raise ProfileError(
            file_name,
            f"{size_text(len(data))} is over the profile limit of {size_text(MAX_PROFILE_BYTES)}",
        )
    kind = detect_format(data)
    if kind == "svg":
        return _parse_svg(data, file_name, validated=validated_svg)
    if kind == "speedscope":
        return _parse_speedscope(data, file_name)
    if kind == "folded":
        return Profile("folded", _parse_folded_strict(data, file_name))
    if kind == "pstats":
        raise ProfileError(
            file_name,
            "a cProfile/pstats file records caller edges, not stacks, so no flamegraph can be "
            "rebuilt from it; record with `py-spy record --format raw` or pyinstrument's "
            "speedscope renderer instead",
        )
    if kind == "json":
        raise ProfileError(
            file_name, 'line 1: JSON that is not a speedscope profile (no "shared" frames)'
        )
    if data[:2] == b"\x1f\x8b":
        raise ProfileError(file_name, "gzip-compressed data: decompress it first")
    raise ProfileError(
        file_name,
        "line 1: not a profile driftwatch reads (flamegraph SVG, folded stacks "
        "'frame;frame COUNT' per line, or speedscope JSON)",
    )


def load_profile_file(path: str | os.PathLike[str]) -> Profile:
    """Read and parse a profile file, refusing missing files, directories and huge files."""
    name = os.path.basename(os.fspath(path)) or os.fspath(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise ProfileError(name, "no such file") from None
    except OSError as exc:
        raise ProfileError(name, f"cannot read it: {exc.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise ProfileError(name, "is a directory, not a profile file")
    if info.st_size > MAX_PROFILE_BYTES:
        raise ProfileError(
            name,
            f"{size_text(info.st_size)} is over the profile limit of "
            f"{size_text(MAX_PROFILE_BYTES)}",
        )
    with open(path, "rb") as handle:
        data = handle.read(MAX_PROFILE_BYTES + 1)
    return parse_profile(data, file_name=name)


def _parse_svg(data: bytes, file_name: str, *, validated: bool) -> Profile:
    if not validated:
        try:
            validate_svg(data, file_name=file_name)
        except SvgValidationError as exc:
            raise ProfileError(file_name, exc.reason) from None
    embedded = embedded_stacks(data)
    if embedded is not None:
        return Profile("svg", embedded, svg=data)
    try:
        folded = folded_from_svg(data, validated=True)
    except (ValueError, ZeroDivisionError) as exc:
        raise ProfileError(file_name, f"frames that cannot be read back: {exc}") from None
    return Profile("svg", folded, svg=data)


def embedded_stacks(data: bytes) -> dict[str, int] | None:
    """The exact stacks a driftwatch-rendered SVG carries in its metadata, or ``None`` (another
    renderer's SVG, whose stacks must be read back from its frames)."""
    match = _METADATA_RE.search(data)
    if match is None:
        return None
    try:
        return unpack_stacks(base64.b64decode(match[1], validate=False))
    except (ValueError, zlib.error):
        return None  # not ours after all: fall back to the frames


def _parse_folded_strict(data: bytes, file_name: str) -> dict[str, int]:
    folded: dict[str, int] = {}
    number = 0
    for number, raw in enumerate(data.split(b"\n"), 1):  # noqa: B007 - number is used after
        line_bytes = raw.rstrip(b"\r")
        if b"\x00" in line_bytes:
            raise ProfileError(file_name, f"line {number}: contains a NUL byte (binary data?)")
        try:
            line = line_bytes.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ProfileError(
                file_name, f"line {number}: not UTF-8 text (byte {exc.start + 1})"
            ) from None
        line = line.strip()
        if not line or line.isdigit():
            continue  # py-spy writes a bare count for samples without any Python frame
        stack, _, count = line.rpartition(" ")
        if not stack.strip() or not count.isdigit():
            hint = " (truncated?)" if number == data.count(b"\n") + 1 else ""
            raise ProfileError(
                file_name,
                f"line {number}: not 'frame;frame;frame COUNT'{hint}: {line[:80]!r}",
            )
        value = int(count)
        if value > MAX_COUNT:
            raise ProfileError(file_name, f"line {number}: count {value} is too large")
        stack = stack.strip()
        if stack.count(";") >= MAX_STACK_DEPTH:
            raise ProfileError(
                file_name, f"line {number}: stack deeper than {MAX_STACK_DEPTH} frames"
            )
        if value == 0:
            continue
        folded[stack] = folded.get(stack, 0) + value
        if len(folded) > MAX_STACKS:
            raise ProfileError(
                file_name, f"line {number}: more than {MAX_STACKS:,} distinct stacks"
            )
    if not folded:
        raise ProfileError(file_name, f"line {number}: no samples (no stack has a count above 0)")
    return folded


def _json_error(file_name: str, exc: json.JSONDecodeError) -> ProfileError:
    truncated = " (truncated?)" if "Expecting" in exc.msg or "Unterminated" in exc.msg else ""
    return ProfileError(
        file_name, f"line {exc.lineno} column {exc.colno}: invalid JSON: {exc.msg}{truncated}"
    )


def _parse_speedscope(data: bytes, file_name: str) -> Profile:
    try:
        document = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ProfileError(file_name, f"line {line}: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise _json_error(file_name, exc) from None
    except RecursionError:
        raise ProfileError(file_name, "line 1: JSON nested too deeply") from None

    def bad(where: str, reason: str) -> ProfileError:
        return ProfileError(file_name, f"speedscope {where}: {reason}")

    if not isinstance(document, dict):
        raise bad("document", "the top level must be an object")
    shared = document.get("shared")
    frames = shared.get("frames") if isinstance(shared, dict) else None
    if not isinstance(frames, list):
        raise bad("shared.frames", "missing or not a list")
    labels: list[str] = []
    for index, frame in enumerate(frames):
        if not isinstance(frame, dict) or not isinstance(frame.get("name"), str):
            raise bad(f"shared.frames[{index}]", "must be an object with a string 'name'")
        labels.append(_speedscope_label(frame))
    profiles = document.get("profiles")
    if not isinstance(profiles, list) or not profiles:
        raise bad("profiles", "missing or empty")
    folded: dict[str, int] = {}
    timed = False
    for number, profile in enumerate(profiles):
        where = f"profiles[{number}]"
        if not isinstance(profile, dict):
            raise bad(where, "must be an object")
        unit = profile.get("unit", "none")
        if unit not in _SPEEDSCOPE_UNITS:
            raise bad(f"{where}.unit", f"unknown unit {unit!r}")
        scale = _SPEEDSCOPE_UNITS[unit]
        timed = timed or unit.endswith("seconds")
        kind = profile.get("type")
        if kind == "sampled":
            _speedscope_sampled(profile, labels, scale, folded, bad, where)
        elif kind == "evented":
            _speedscope_evented(profile, labels, scale, folded, bad, where)
        else:
            raise bad(f"{where}.type", f"must be 'sampled' or 'evented', got {kind!r}")
        if len(folded) > MAX_STACKS:
            raise bad(where, f"more than {MAX_STACKS:,} distinct stacks")
    folded = {stack: count for stack, count in folded.items() if count > 0}
    if not folded:
        raise bad("profiles", "no samples (every weight is 0)")
    return Profile("speedscope", folded, unit="microseconds" if timed else "samples")


def _speedscope_label(frame: Mapping[str, object]) -> str:
    name = str(frame["name"]).replace(";", ":").replace("\n", " ").strip() or "?"
    file = frame.get("file")
    line = frame.get("line")
    if isinstance(file, str) and file and not name.endswith(")"):
        where = f"{file}:{line}" if isinstance(line, int) else file
        return f"{name} ({where})"
    return name


def _weight(
    value: object, scale: float, bad: Callable[[str, str], ProfileError], where: str
) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise bad(where, f"weight must be a non-negative number, got {value!r}")
    weight = round(value * scale)
    if weight > MAX_COUNT:
        raise bad(where, "weight is too large")
    return weight


def _stack_of(
    indices: object, labels: list[str], bad: Callable[[str, str], ProfileError], where: str
) -> str:
    if not isinstance(indices, list):
        raise bad(where, "a sample must be a list of frame indices")
    if len(indices) > MAX_STACK_DEPTH:
        raise bad(where, f"stack deeper than {MAX_STACK_DEPTH} frames")
    names = []
    for index in indices:
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(labels):
            raise bad(where, f"frame index {index!r} is not in shared.frames")
        names.append(labels[index])
    return ";".join(names)


def _speedscope_sampled(
    profile: dict, labels: list[str], scale: float, folded: dict[str, int], bad, where: str
) -> None:
    samples = profile.get("samples")
    weights = profile.get("weights")
    if not isinstance(samples, list):
        raise bad(f"{where}.samples", "missing or not a list")
    if weights is None:
        weights = [1] * len(samples)
    if not isinstance(weights, list) or len(weights) != len(samples):
        raise bad(f"{where}.weights", "must be a list as long as samples")
    for index, (sample, weight) in enumerate(zip(samples, weights, strict=True)):
        stack = _stack_of(sample, labels, bad, f"{where}.samples[{index}]")
        if not stack:
            continue
        folded[stack] = folded.get(stack, 0) + _weight(
            weight, scale, bad, f"{where}.weights[{index}]"
        )


def _speedscope_evented(
    profile: dict, labels: list[str], scale: float, folded: dict[str, int], bad, where: str
) -> None:
    events = profile.get("events")
    if not isinstance(events, list):
        raise bad(f"{where}.events", "missing or not a list")
    open_frames: list[int] = []
    last = None
    for index, event in enumerate(events):
        spot = f"{where}.events[{index}]"
        if not isinstance(event, dict):
            raise bad(spot, "must be an object")
        at = event.get("at")
        frame = event.get("frame")
        if isinstance(at, bool) or not isinstance(at, int | float):
            raise bad(spot, "'at' must be a number")
        if isinstance(frame, bool) or not isinstance(frame, int) or not 0 <= frame < len(labels):
            raise bad(spot, f"frame index {frame!r} is not in shared.frames")
        if last is not None:
            if at < last:
                raise bad(spot, "events must be in time order")
            if open_frames:
                stack = ";".join(labels[i] for i in open_frames)
                folded[stack] = folded.get(stack, 0) + _weight(at - last, scale, bad, spot)
        last = at
        kind = event.get("type")
        if kind == "O":
            open_frames.append(frame)
            if len(open_frames) > MAX_STACK_DEPTH:
                raise bad(spot, f"stack deeper than {MAX_STACK_DEPTH} frames")
        elif kind == "C":
            if not open_frames or open_frames[-1] != frame:
                raise bad(spot, "closes a frame that is not the innermost open one")
            open_frames.pop()
        else:
            raise bad(spot, f"type must be 'O' or 'C', got {kind!r}")
    if open_frames:
        raise bad(f"{where}.events", "ends with frames still open (truncated?)")


# -- export ------------------------------------------------------------------------------------


def folded_text(folded: Mapping[str, int]) -> str:
    """Folded stacks as text, one ``stack count`` line each, sorted (a stable form)."""
    return "".join(f"{stack} {count}\n" for stack, count in sorted(folded.items()) if count > 0)


def speedscope_json(folded: Mapping[str, int], *, name: str = "driftwatch profile") -> str:
    """Folded stacks as a speedscope "sampled" profile (one sample per distinct stack)."""
    index: dict[str, int] = {}
    samples = []
    weights = []
    for stack, count in sorted(folded.items()):
        if count <= 0:
            continue
        samples.append([index.setdefault(frame, len(index)) for frame in stack.split(";")])
        weights.append(count)
    document = {
        "$schema": "https://www.speedscope.app/file-format-schema.json",
        "shared": {"frames": [{"name": frame} for frame in index]},
        "profiles": [
            {
                "type": "sampled",
                "name": name,
                "unit": "none",
                "startValue": 0,
                "endValue": sum(weights),
                "samples": samples,
                "weights": weights,
            }
        ],
        "name": name,
        "exporter": "driftwatch",
    }
    return json.dumps(document, separators=(",", ":"))


def pack_stacks(folded: Mapping[str, int]) -> bytes:
    """Folded stacks, zlib-compressed: how the server stores a flamegraph's stacks."""
    return zlib.compress(folded_text(folded).encode("utf-8"), 6)


def unpack_stacks(data: bytes) -> dict[str, int]:
    """The inverse of ``pack_stacks``; refuses more than 64 MiB of text (a zlib bomb)."""
    inflater = zlib.decompressobj()
    text = inflater.decompress(data, 64 * 1024 * 1024)
    if inflater.unconsumed_tail:
        raise ValueError("packed stacks inflate to more than 64 MiB")
    folded: dict[str, int] = {}
    for line in text.decode("utf-8").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            raise ValueError("packed stacks are not folded text")
        folded[stack] = folded.get(stack, 0) + int(count)
    return folded


def render_profile(
    folded: Mapping[str, int], *, title: str = "Flame Graph", unit: str = "samples"
) -> bytes:
    """driftwatch's SVG for folded stacks (flamegraph.pl's layout) with the exact stacks
    embedded, so the server stores them without loss."""
    packed = base64.b64encode(pack_stacks(folded)).decode("ascii")
    metadata = f'<metadata id="{STACKS_METADATA_ID}" encoding="zlib+base64">{packed}</metadata>\n'
    return render_layout(
        folded, title=title, width=1200, minwidth=0.1, script=None, extra=metadata, unit=unit
    )


# -- comparing two profiles --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FunctionChange:
    """One function's self and total time in base and head (fractions or counts)."""

    name: str
    base_self: float
    head_self: float
    base_total: float
    head_total: float

    @property
    def delta_self(self) -> float:
        return self.head_self - self.base_self

    @property
    def delta_total(self) -> float:
        return self.head_total - self.base_total

    @property
    def relative_self(self) -> float | None:
        """head / base - 1 of self time; ``None`` when the base had none."""
        return self.head_self / self.base_self - 1 if self.base_self > 0 else None


@dataclass(frozen=True)
class ProfileDiff:
    """Two profiles compared per function."""

    base: dict[str, float]
    head: dict[str, float]
    base_samples: float
    head_samples: float
    normalized: bool
    functions: list[FunctionChange]
    """Every function, ranked by ``abs(delta_self)`` (largest first), then by name."""

    def render(self, *, shape: str = "head", title: str | None = None) -> bytes:
        return render_diff(
            self.base, self.head, shape=shape, title=title or "Differential Flame Graph"
        )


_LINE_SUFFIX = re.compile(r"^(?P<name>.*\(.*?):\d+\)$")


def function_name(frame: str) -> str:
    """A frame's function: ``f (file.py:12)`` and ``f (file.py:30)`` are both ``f (file.py)``."""
    match = _LINE_SUFFIX.match(frame)
    return f"{match['name']})" if match else frame


def _per_function(folded: Mapping[str, float]) -> tuple[dict[str, float], dict[str, float]]:
    own: dict[str, float] = {}
    total: dict[str, float] = {}
    for stack, count in folded.items():
        frames = [function_name(frame) for frame in stack.split(";")]
        leaf = frames[-1]
        own[leaf] = own.get(leaf, 0) + count
        for name in set(frames):
            total[name] = total.get(name, 0) + count
    return own, total


def diff_profiles(
    base: Mapping[str, float], head: Mapping[str, float], *, normalize: bool = True
) -> ProfileDiff:
    """Compare two sets of folded stacks per function, like ``difffolded.pl`` per stack.

    A function's self time is the sum over the stacks whose leaf it is; its total, over the
    stacks it appears in (once per stack, recursion or not). With ``normalize`` every number is
    a fraction of that side's samples, so profiles of different lengths compare.
    """
    base_sum = float(sum(base.values()))
    head_sum = float(sum(head.values()))
    base_n = dict(base)
    head_n = dict(head)
    if normalize:
        base_n = {s: c / base_sum for s, c in base.items()} if base_sum else {}
        head_n = {s: c / head_sum for s, c in head.items()} if head_sum else {}
    base_self, base_total = _per_function(base_n)
    head_self, head_total = _per_function(head_n)
    names = set(base_total) | set(head_total)
    functions = [
        FunctionChange(
            name=name,
            base_self=base_self.get(name, 0.0),
            head_self=head_self.get(name, 0.0),
            base_total=base_total.get(name, 0.0),
            head_total=head_total.get(name, 0.0),
        )
        for name in names
    ]
    functions.sort(key=lambda f: (-abs(f.delta_self), -abs(f.delta_total), f.name))
    return ProfileDiff(
        base=base_n,
        head=head_n,
        base_samples=base_sum,
        head_samples=head_sum,
        normalized=normalize,
        functions=functions,
    )


SUMMARY_FLOOR = 0.005
"""A change in self time below this fraction of all samples is not worth a sentence."""


def summarize(diff: ProfileDiff, *, since: str | None = None) -> str:
    """One sentence for a diff: "slower since abc123: `parse_row` +44 % self time"."""
    top = next(iter(diff.functions), None)
    scale = 1.0 if diff.normalized else 1.0 / (diff.head_samples or 1.0)
    if top is None or abs(top.delta_self) * scale < SUMMARY_FLOOR:
        return "no function's self time changed by more than 0.5 % of samples"
    word = "slower" if top.delta_self > 0 else "faster"
    where = f" since {since}" if since else ""
    change = "new" if top.relative_self is None else f"{100 * top.relative_self:+.0f} %"
    return (
        f"{word}{where}: `{top.name}` {change} self time "
        f"({100 * top.base_self * scale:.1f} % → {100 * top.head_self * scale:.1f} % of samples)"
    )


def merge_profiles(profiles: list[Mapping[str, int]]) -> dict[str, float]:
    """Several runs of one side as one profile: each run weighs the same (fractions averaged)."""
    merged: dict[str, float] = {}
    runs = [p for p in profiles if sum(p.values()) > 0]
    for folded in runs:
        total = sum(folded.values())
        for stack, count in folded.items():
            merged[stack] = merged.get(stack, 0.0) + count / total / len(runs)
    return merged


DIFF_FADE = 210
"""Differential colour: the green/blue (red side) or red/green (blue side) channel of an
unchanged-looking frame; the largest change gets 0 (saturated). ``stacks.js`` ``DIFF_FADE``."""

DIFF_NEUTRAL = "rgb(250,250,250)"
"""Differential colour of a frame whose self share did not change (and of the root)."""


def diff_colour(delta: float, max_abs: float) -> str:
    """flamegraph.pl's differential colour, the one rule of Python and JS (``stacks.js``
    ``diffColour`` computes the same string for the same numbers; both test suites check
    ``driftwatch_nb/js/test/diff_colours.json``).

    ``delta`` is a frame's change in SELF share (head minus base, each a fraction of its own
    side's samples: flamegraph.pl in differential mode adds a stack's delta to its leaf frame
    only); ``max_abs`` the largest ``|delta|`` of the drawn frames. Red where it grew, blue
    where it shrank, saturated in proportion to ``|delta| / max_abs``.
    """
    if not delta or not max_abs > 0:
        return DIFF_NEUTRAL
    fade = int(DIFF_FADE * (1 - min(1.0, abs(delta) / max_abs)))
    return f"rgb(255,{fade},{fade})" if delta > 0 else f"rgb({fade},{fade},255)"


def self_share_deltas(base: Mapping[str, float], head: Mapping[str, float]) -> dict[str, float]:
    """Per frame path (``root;...;frame``), head's self share minus base's: the change of the
    stacks ending at that frame, each side a fraction of its own samples."""
    base_sum = sum(c for c in base.values() if c > 0)
    head_sum = sum(c for c in head.values() if c > 0)
    base_self: dict[str, float] = {}
    head_self: dict[str, float] = {}
    for folded, own in ((base, base_self), (head, head_self)):
        for stack, count in folded.items():
            if count > 0:
                own[stack] = own.get(stack, 0.0) + count
    return {
        path: head_self.get(path, 0.0) / (head_sum or 1)
        - base_self.get(path, 0.0) / (base_sum or 1)
        for path in base_self.keys() | head_self.keys()
    }


def render_diff(
    base: Mapping[str, float],
    head: Mapping[str, float],
    *,
    shape: str = "head",
    title: str = "Differential Flame Graph",
) -> bytes:
    """A red/blue differential flamegraph with flamegraph.pl's semantics.

    ``shape="head"``: frames sized by the head profile; ``shape="base"`` (flamegraph.pl
    ``--negate``) sizes them by the base so removed code shows. Either way a frame's colour is
    the change of its SELF share, head minus base (``diff_colour``): as flamegraph.pl does, a
    stack's delta goes to its leaf frame only, so a caller whose callees grew stays neutral,
    and saturation is relative to the largest change among the drawn frames. The canvas
    viewer (``stacks.js``) colours the same frames the same.
    """
    if shape not in ("head", "base"):
        raise ValueError(f"shape must be 'head' or 'base', got {shape!r}")
    deltas = self_share_deltas(base, head)
    drawn = head if shape == "head" else base
    # Integer weights for the layout: the counts themselves, or parts per million of the drawn
    # side when they are fractions (merged runs).
    drawn_sum = sum(c for c in drawn.values() if c > 0) or 1.0
    integral = all(float(c).is_integer() for c in drawn.values())
    factor = 1.0 if integral else 1_000_000 / drawn_sum
    weights = {s: max(1, round(c * factor)) for s, c in drawn.items() if c > 0}
    drawn_paths: set[str] = set()
    for stack in weights:
        frames = stack.split(";")
        drawn_paths.update(";".join(frames[: i + 1]) for i in range(len(frames)))
    max_abs = max((abs(deltas.get(p, 0.0)) for p in drawn_paths), default=0.0)

    def colour(path: str, name: str) -> str:
        return DIFF_NEUTRAL if path == "" else diff_colour(deltas.get(path, 0.0), max_abs)

    def info(path: str, name: str, count: int, total: int) -> str:
        delta = 100 * deltas.get(path, 0.0)
        return f"{name} ({count:,} samples, {100 * count / total:.2f}%; {delta:+.2f} pp self)"

    return render_layout(
        weights,
        title=title,
        width=1200,
        minwidth=0.1,
        script=None,
        colour=colour,
        info=info,
    )


def diff_folded_texts(
    base: Mapping[str, float],
    head: Mapping[str, float],
    *,
    base_samples: float | None,
    head_samples: float | None,
    max_bytes: int,
) -> tuple[str, str, int]:
    """The two sides of a diff as folded text for the canvas viewer: ``(base, head, omitted)``.

    Each side is scaled so its counts sum to ``*_samples`` (its own samples: a normalized
    side's fractions become its counts again), or to a million when ``None`` (merged runs,
    which have no one sample count). Together the two
    texts stay under ``max_bytes``: the stacks heaviest on either side are kept, the same set
    on both sides (a stack dropped from one side only would read as a change); ``omitted`` is
    how many stacks were left out.
    """

    def scale_of(folded: Mapping[str, float], samples: float | None) -> float:
        total = sum(c for c in folded.values() if c > 0)
        if not total:
            return 0.0
        return (samples if samples is not None else 1_000_000) / total

    bscale = scale_of(base, base_samples)
    hscale = scale_of(head, head_samples)
    btotal = sum(c for c in base.values() if c > 0) or 1.0
    htotal = sum(c for c in head.values() if c > 0) or 1.0
    stacks = sorted(
        base.keys() | head.keys(),
        key=lambda s: (-max(base.get(s, 0.0) / btotal, head.get(s, 0.0) / htotal), s),
    )
    base_lines: list[str] = []
    head_lines: list[str] = []
    used = 0
    omitted = 0
    for stack in stacks:
        lines = []
        for folded, scale, out in ((base, bscale, base_lines), (head, hscale, head_lines)):
            count = folded.get(stack, 0.0)
            weight = max(1, round(count * scale)) if count > 0 else 0
            if weight:
                lines.append((out, f"{stack} {weight}"))
        size = sum(len(line.encode("utf-8")) + 1 for _, line in lines)
        if used + size > max_bytes:
            omitted += 1
            continue
        used += size
        for out, line in lines:
            out.append(line)
    base_lines.sort()
    head_lines.sort()
    return (
        "".join(f"{line}\n" for line in base_lines),
        "".join(f"{line}\n" for line in head_lines),
        omitted,
    )
