"""Differential flamegraphs: two flamegraphs, or the profiles either side of an alert's change.

The arithmetic is ``driftwatch_nb.core.profiles`` (shared with the client's ``driftwatch
diff``); this module finds the stacks, checks ownership and merges runs per side.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import sqlalchemy as sa
from sqlmodel import Session, select

from driftwatch_nb.core.profiles import ProfileDiff, diff_profiles, merge_profiles
from driftwatch_server.flamegraphs import STACKS_READY, folded_of, owned_flamegraph, stacks_of
from driftwatch_server.models import Alert, Flamegraph, Report, User
from driftwatch_server.reports import as_utc
from driftwatch_server.storage.base import StorageBackend

MAX_RUNS_PER_SIDE = 10
"""An alert's diff merges at most this many profiled reports on each side of the change."""


@dataclass(frozen=True)
class SegmentDiff:
    """The diff of the profiles before and after an alert's change point."""

    diff: ProfileDiff
    base_flamegraph_ids: list[str]
    head_flamegraph_ids: list[str]
    change_report: Report


def flamegraph_diff(
    session: Session,
    storage: StorageBackend,
    *,
    user: User,
    base_id: str,
    head_id: str,
    normalize: bool = True,
) -> ProfileDiff:
    """Compare two of the user's flamegraphs (another user's is ``NOT_FOUND``)."""
    base = owned_flamegraph(session, user=user, flamegraph_id=base_id)
    head = owned_flamegraph(session, user=user, flamegraph_id=head_id)
    return diff_profiles(
        folded_of(session, storage, base, field="baseId"),
        folded_of(session, storage, head, field="headId"),
        normalize=normalize,
    )


def alert_diff(session: Session, storage: StorageBackend, *, alert: Alert) -> SegmentDiff | None:
    """The profiles of the alert's benchmark before its change report vs from it on.

    Same project, branch and testbed; up to ``MAX_RUNS_PER_SIDE`` profiled reports per side,
    nearest the change first, each run weighing the same. The flamegraphs linked to the
    alert's benchmark are used when both sides have some; else the reports' unlinked
    flamegraphs (``driftwatch run --flamegraph``: a profile of the whole run, the benchmark
    included). ``None`` when a side has none.
    """
    change = session.get(Report, alert.change_report_id)
    revealing = session.get(Report, alert.report_id)
    if change is None or revealing is None:
        return None
    rows = session.exec(
        select(Flamegraph, Report)
        .join(Report, Report.id == Flamegraph.report_id)  # type: ignore[arg-type]
        .where(
            Report.project_id == alert.project_id,
            Report.branch_id == alert.branch_id,
            Report.testbed_id == alert.testbed_id,
            sa.or_(
                Flamegraph.benchmark_id == alert.benchmark_id,
                Flamegraph.benchmark_id.is_(None),  # type: ignore[union-attr]
            ),
        )
    ).all()
    linked = [(fg, r) for fg, r in rows if fg.benchmark_id == alert.benchmark_id]
    unlinked = [(fg, r) for fg, r in rows if fg.benchmark_id is None]
    for candidates in (linked, unlinked):
        found = _segment_diff(session, storage, candidates, change=change, revealing=revealing)
        if found is not None:
            return _in_alert_direction(found, regression=alert.direction == "REGRESSION")
    return None


def _in_alert_direction(found: SegmentDiff, *, regression: bool) -> SegmentDiff:
    """Rank the functions the alert's way: for a regression what grew first (most first), for
    an improvement what shrank; then the rest by size of change. Ranked by size of change alone, a whole-run profile whose
    biggest function lost share (it did not change: another one grew) would be named first,
    and the summary would read "faster" for a regression."""
    sign = 1.0 if regression else -1.0
    ranked = sorted(
        found.diff.functions,
        key=lambda f: (sign * f.delta_self <= 0, -abs(f.delta_self), -abs(f.delta_total), f.name),
    )
    return replace(found, diff=replace(found.diff, functions=ranked))


def _segment_diff(
    session: Session,
    storage: StorageBackend,
    rows: list[tuple[Flamegraph, Report]],
    *,
    change: Report,
    revealing: Report,
) -> SegmentDiff | None:
    change_at = as_utc(change.start_time)
    end_at = as_utc(revealing.start_time)
    before = sorted(
        ((fg, r) for fg, r in rows if as_utc(r.start_time) < change_at),
        key=lambda pair: as_utc(pair[1].start_time),
        reverse=True,
    )
    after = sorted(
        ((fg, r) for fg, r in rows if change_at <= as_utc(r.start_time) <= end_at),
        key=lambda pair: as_utc(pair[1].start_time),
    )

    def side(pairs: list[tuple[Flamegraph, Report]]) -> tuple[list[dict[str, int]], list[str]]:
        profiles, ids = [], []
        for flamegraph, _report in pairs:
            if len(ids) == MAX_RUNS_PER_SIDE:
                break
            if stacks_of(session, storage, flamegraph).status != STACKS_READY:
                continue
            profiles.append(folded_of(session, storage, flamegraph, field="id"))
            ids.append(flamegraph.id)
        return profiles, ids

    base_profiles, base_ids = side(before)
    head_profiles, head_ids = side(after)
    if not base_profiles or not head_profiles:
        return None
    diff = diff_profiles(
        merge_profiles(base_profiles), merge_profiles(head_profiles), normalize=True
    )
    return SegmentDiff(
        diff=diff, base_flamegraph_ids=base_ids, head_flamegraph_ids=head_ids, change_report=change
    )


__all__ = ["MAX_RUNS_PER_SIDE", "SegmentDiff", "alert_diff", "flamegraph_diff"]
