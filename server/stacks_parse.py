"""What a flamegraph SVG's stacks are: the CPU-bound part of recovering them, kept free of the
database and the web stack so that the stacks worker's child process imports little."""

from __future__ import annotations

from dataclasses import dataclass

from driftwatch_nb.core.profiles import Profile, ProfileError, pack_stacks, parse_profile

STACKS_READY = "READY"
STACKS_PICTURE_ONLY = "PICTURE_ONLY"
NO_FRAMES_NOTE = (
    'no flamegraph frames found (no <g id="frames"> of titled frames as flamegraph.pl, '
    "inferno, py-spy and driftwatch write): kept as a picture"
)


@dataclass(frozen=True, kw_only=True)
class StacksFields:
    """The columns of a ``flamegraph_stacks`` row, but its flamegraph id."""

    status: str
    source_format: str
    unit: str = "samples"
    total_samples: int = 0
    stack_count: int = 0
    note: str | None = None
    data: bytes = b""


def read_stacks(data: bytes, *, file_name: str) -> StacksFields:
    """The stacks of a (validated) flamegraph SVG, or PICTURE_ONLY fields saying why not."""
    try:
        profile = parse_profile(data, file_name=file_name, validated_svg=True)
    except ProfileError as exc:
        return picture_only(exc.reason)
    if not profile.folded:
        return picture_only(NO_FRAMES_NOTE)
    return ready(profile)


def ready(profile: Profile) -> StacksFields:
    """READY fields holding ``profile``'s stacks, packed."""
    return StacksFields(
        status=STACKS_READY,
        source_format=profile.format,
        unit=profile.unit,
        total_samples=profile.total,
        stack_count=len(profile.folded),
        data=pack_stacks(profile.folded),
    )


def picture_only(note: str) -> StacksFields:
    """PICTURE_ONLY fields: no stacks, and ``note`` says why."""
    return StacksFields(status=STACKS_PICTURE_ONLY, source_format="svg", note=note[:500])


__all__ = [
    "NO_FRAMES_NOTE",
    "STACKS_PICTURE_ONLY",
    "STACKS_READY",
    "StacksFields",
    "picture_only",
    "read_stacks",
    "ready",
]
