"""``HistoryViewer``: a benchmark's history inline in JupyterLab.

The chart is the front-end module the dashboard's benchmark page draws too
(``core/static/history.js``, built from ``js/src/chart.js`` and ``js/src/history.js``): values
over time with their lower/upper band, the segments between change points and a marker at each
change point, hover details per report. A click selects a point (``selected`` holds its report
id) and opens its flamegraph below the chart in the flamegraph viewer; a shift-click selects a
second point and opens the diff of the two below the chart: the server's ``flamegraphDiff``
with the older point as the base and the newer as the head (whatever the click order), its
one-sentence summary, the functions ranked by change in self time and the red/blue
differential flamegraph drawn on the viewer's canvas from both sides' stacks. The browser asks
the kernel for it (``{"type": "flamegraph_diff", "base": ID, "head": ID}``); the kernel checks
that both are flamegraphs of this chart before asking the server, and keeps the answer on
:attr:`diff`. The differential SVG is only a download, asked for when the viewer's download
button is pressed (``{"type": "flamegraph_diff_svg", "base": ID, "head": ID}``, answered with
``svg``).

The data is plain: ``HistoryViewer(series=[...])`` takes series in the chart's shape (see
:func:`driftwatch_nb.core.history.validate_series`), and :meth:`HistoryViewer.from_history`
builds them from the GraphQL ``history`` query (operation ``History``), one series per
benchmark and branch. The browser asks the kernel for signed flamegraph URLs
(``{"type": "flamegraph_urls", "ids": [...]}``) only for the points opened, and for their
stacks (``{"type": "flamegraph_stacks", "ids": [...]}``, answered ``{"type":
"flamegraph_stacks", "stacks": {id: folded text or null}}``), which the viewers draw
themselves; a picture-only flamegraph (null) is shown as its sanitized SVG.
"""

from __future__ import annotations

import logging
import pathlib
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import anywidget
import traitlets

from driftwatch_nb.core.graphql import operation
from driftwatch_nb.core.history import series_from_history, validate_series

if TYPE_CHECKING:
    from driftwatch_nb.client import Client

__all__ = ["HistoryViewer"]

logger = logging.getLogger(__name__)

_STATIC = pathlib.Path(__file__).parent / "core" / "static"
DEFAULT_HEIGHT = 320
DEFAULT_LAST = 500

DIFF_FUNCTIONS = 10
"""The functions a diff lists below the chart (largest change in self time first)."""

FlamegraphUrl = Callable[[str], str]
FlamegraphDiff = Callable[[str, str], dict[str, Any]]
FlamegraphStacks = Callable[[str], dict[str, int]]
FlamegraphDiffSvg = Callable[[str, str], str]


class HistoryViewer(anywidget.AnyWidget):
    """Benchmarks over time, with change points, in a notebook.

    Several benchmarks and branches share one chart (the x axis is time). The browser sets
    ``selected`` (report ids of the selected points) and ``status``.
    """

    _esm = _STATIC / "history.js"
    _css = _STATIC / "viewer.css"

    series = traitlets.List().tag(sync=True)
    """list of dict: the series drawn (``benchmark``, ``measure``, ``branch``, ``points``,
    ``changePoints``; see :func:`driftwatch_nb.core.history.validate_series`)."""

    height = traitlets.Int(DEFAULT_HEIGHT).tag(sync=True)
    """int, default ``320``: height of the chart in CSS pixels."""

    selected = traitlets.List(traitlets.Unicode()).tag(sync=True)
    """list of str; set by the browser: report ids of the selected points (at most two)."""

    status = traitlets.Unicode("").tag(sync=True)
    """str; set by the browser: ``"ready"``, ``"opened N"``, ``"no flamegraph"``, ``"error: ..."``."""

    @traitlets.validate("series")
    def _check_series(self, proposal: dict[str, Any]) -> list[dict[str, Any]]:
        try:
            return validate_series(proposal["value"])
        except ValueError as exc:
            raise traitlets.TraitError(str(exc)) from None

    @traitlets.validate("height")
    def _check_height(self, proposal: dict[str, Any]) -> int:
        value = proposal["value"]
        if value < 120:
            raise traitlets.TraitError(f"height must be at least 120 pixels, not {value}")
        return value

    def __init__(
        self,
        *,
        flamegraph_url: FlamegraphUrl | None = None,
        flamegraph_diff: FlamegraphDiff | None = None,
        flamegraph_stacks: FlamegraphStacks | None = None,
        flamegraph_diff_svg: FlamegraphDiffSvg | None = None,
        **kwargs: Any,
    ) -> None:
        """Create a chart from plain series (or use :meth:`from_history`).

        Args:
            flamegraph_url: returns a signed URL for a flamegraph id when the browser opens a
                point whose flamegraph came without one; default: a ``Client()`` made on first
                use.
            flamegraph_diff: ``(base_id, head_id)`` to the server's ``flamegraphDiff`` with
                both sides' stacks (``Client.flamegraph_diff(..., folded=True)``), when two
                points are selected;
                default: a ``Client()`` made on first use.
            flamegraph_stacks: returns a flamegraph's stacks (``{"a;b": count}``; raises
                ``InvalidInput`` for a picture only) so the opened viewers draw them; default:
                a ``Client()`` made on first use.
            flamegraph_diff_svg: ``(base_id, head_id)`` to the differential SVG's text, when
                the diff's download button is pressed; default: a ``Client()`` made on first
                use.
            **kwargs: trait values (``series``, ``height``).
        """
        allowed = {"series", "height"}
        unknown = sorted(set(kwargs) - allowed)
        if unknown:
            raise TypeError(
                f"HistoryViewer got unexpected keyword argument(s) {', '.join(unknown)}; "
                "expected some of: series, height, flamegraph_url, flamegraph_diff, "
                "flamegraph_stacks, flamegraph_diff_svg"
            )
        for name, value in (
            ("flamegraph_url", flamegraph_url),
            ("flamegraph_diff", flamegraph_diff),
            ("flamegraph_stacks", flamegraph_stacks),
            ("flamegraph_diff_svg", flamegraph_diff_svg),
        ):
            if value is not None and not callable(value):
                raise TypeError(f"{name} must be a callable, not {type(value).__name__}")
        self._flamegraph_url = flamegraph_url
        self._flamegraph_diff = flamegraph_diff
        self._flamegraph_diff_svg = flamegraph_diff_svg
        self.diff: dict[str, Any] | None = None
        """The last diff of two selected points (``flamegraphDiff``'s fields: ``summary``,
        ``functions``, ``baseFolded``, ``headFolded``...; base and head flamegraph ids under ``base``/``head``), or
        None."""
        self._flamegraph_stacks = flamegraph_stacks
        self._client: Client | None = None
        super().__init__(**kwargs)
        self.on_msg(self._on_custom_msg)

    def __repr__(self) -> str:
        names = ", ".join(f"{s['benchmark']}@{s.get('branch', '?')}" for s in self.series)
        points = sum(len(s["points"]) for s in self.series)
        return f"HistoryViewer({names or 'no series'}; {points} points)"

    @classmethod
    def from_history(
        cls,
        project: str,
        benchmark: str | Iterable[str],
        *,
        measure: str = "latency",
        branch: str | Iterable[str] | None = None,
        testbed: str | None = None,
        last: int = DEFAULT_LAST,
        client: Client | None = None,
        **kwargs: Any,
    ) -> HistoryViewer:
        """One series per benchmark and branch, read with the GraphQL ``History`` operation.

        Args:
            project: the project's slug.
            benchmark: one benchmark name or several.
            measure: ``latency`` (default), ``throughput`` or another measure.
            branch: one branch or several; default the server's choice (``main``, else the
                newest report's branch).
            testbed: default the newest report's testbed on the branch.
            last: the newest points per series (at most 500 by default).
            client: default ``Client()`` with the usual settings order.
        """
        from driftwatch_nb.client import Client as _Client

        client = client or _Client()
        benchmarks = [benchmark] if isinstance(benchmark, str) else list(benchmark)
        branches: list[str | None] = (
            [branch] if branch is None or isinstance(branch, str) else list(branch)
        )
        if not benchmarks or not branches:
            raise ValueError("give at least one benchmark and one branch")
        series = []
        for name in benchmarks:
            for one_branch in branches:
                data = client._execute(
                    operation("History"),
                    {
                        "slug": project,
                        "benchmark": name,
                        "measure": measure,
                        "branch": one_branch,
                        "testbed": testbed,
                        "last": last,
                    },
                    idempotent=True,
                )
                series.append(series_from_history(data["project"]["history"]))
        return cls(
            series=series,
            flamegraph_url=client.flamegraph_url,
            flamegraph_diff=_diff_of(client),
            flamegraph_stacks=client.flamegraph_stacks,
            flamegraph_diff_svg=_diff_svg_of(client),
            **kwargs,
        )

    # -- messages from the browser -----------------------------------------------------------

    def _on_custom_msg(self, _widget: object, content: object, _buffers: object) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "flamegraph_urls":
            self._answer_flamegraph_urls(content.get("ids"))  # type: ignore[union-attr]
        elif kind == "flamegraph_diff":
            self._answer_flamegraph_diff(content.get("base"), content.get("head"))  # type: ignore[union-attr]
        elif kind == "flamegraph_diff_svg":
            self._answer_flamegraph_diff_svg(content.get("base"), content.get("head"))  # type: ignore[union-attr]
        elif kind == "flamegraph_stacks":
            self._answer_flamegraph_stacks(content.get("ids"))  # type: ignore[union-attr]
        else:
            logger.warning("HistoryViewer ignored an unknown message from the browser: %r", content)

    def _default_client(self) -> Client:
        """One ``Client()``, made on first use, for every kernel request without a callable."""
        if self._client is None:
            from driftwatch_nb.client import Client as _Client

            self._client = _Client()
        return self._client

    def _known_flamegraphs(self) -> set[str]:
        return {
            fg["id"] for s in self.series for p in s["points"] for fg in p.get("flamegraphs") or []
        }

    def _answer_flamegraph_urls(self, ids: object) -> None:
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            self._send_error("flamegraph_urls", "ids must be a list of flamegraph ids")
            return
        known = self._known_flamegraphs()
        if unknown := [i for i in ids if i not in known]:
            self._send_error("flamegraph_urls", f"not a flamegraph of this chart: {unknown[0]}")
            return
        try:
            if self._flamegraph_url is None:
                self._flamegraph_url = self._default_client().flamegraph_url
            urls = {i: self._flamegraph_url(i) for i in ids}
        except Exception as exc:  # reported to the browser, which shows it
            self._send_error("flamegraph_urls", f"could not get a signed URL: {exc}")
            return
        self.send({"type": "flamegraph_urls", "urls": urls})

    def _pair_problem(self, base: object, head: object) -> str | None:
        """Why two ids from the browser cannot be compared, or None (checked before the
        server is asked)."""
        if not isinstance(base, str) or not isinstance(head, str) or not base or not head:
            return "base and head must be flamegraph ids"
        if base == head:
            return "base and head are the same flamegraph"
        known = self._known_flamegraphs()
        if unknown := [i for i in (base, head) if i not in known]:
            return f"not a flamegraph of this chart: {unknown[0]}"
        return None

    def _answer_flamegraph_diff(self, base: object, head: object) -> None:
        request = "flamegraph_diff"
        if problem := self._pair_problem(base, head):
            self._send_error(request, problem)
            return
        assert isinstance(base, str) and isinstance(head, str)
        try:
            if self._flamegraph_diff is None:
                self._flamegraph_diff = _diff_of(self._default_client())
            diff = self._flamegraph_diff(base, head)
        except Exception as exc:  # reported to the browser, which shows it
            self._send_error(request, f"the server could not compare them: {exc}")
            return
        problem = _diff_problem(diff)
        if problem:
            self._send_error(request, f"the server's diff is not usable: {problem}")
            return
        self.diff = {**diff, "base": base, "head": head}
        self.send(
            {
                "type": request,
                "base": base,
                "head": head,
                "summary": diff["summary"],
                "normalized": bool(diff.get("normalized", True)),
                "functions": [
                    {
                        key: f.get(key)
                        for key in ("name", "baseSelf", "headSelf", "deltaSelf", "relativeSelf")
                    }
                    for f in diff["functions"]
                ],
                "baseFolded": diff["baseFolded"],
                "headFolded": diff["headFolded"],
                "foldedOmitted": int(diff.get("foldedOmitted") or 0),
            }
        )

    def _answer_flamegraph_diff_svg(self, base: object, head: object) -> None:
        """The differential SVG, for the diff's download button only."""
        request = "flamegraph_diff_svg"
        if problem := self._pair_problem(base, head):
            self._send_error(request, problem)
            return
        assert isinstance(base, str) and isinstance(head, str)
        try:
            if self._flamegraph_diff_svg is None:
                self._flamegraph_diff_svg = _diff_svg_of(self._default_client())
            svg = self._flamegraph_diff_svg(base, head)
        except Exception as exc:  # reported to the browser, which shows it
            self._send_error(request, f"the server could not draw the SVG: {exc}")
            return
        if not isinstance(svg, str) or not svg.lstrip().startswith("<"):
            self._send_error(request, "the server's answer is not an SVG")
            return
        self.send({"type": request, "base": base, "head": head, "svg": svg})

    def _answer_flamegraph_stacks(self, ids: object) -> None:
        """The folded stacks of the opened points' flamegraphs, so the viewers draw them;
        ``None`` for a picture-only one (its viewer shows the SVG)."""
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            self._send_error("flamegraph_stacks", "ids must be a list of flamegraph ids")
            return
        known = self._known_flamegraphs()
        if unknown := [i for i in ids if i not in known]:
            self._send_error("flamegraph_stacks", f"not a flamegraph of this chart: {unknown[0]}")
            return
        from driftwatch_nb.core.errors import InvalidInput
        from driftwatch_nb.core.profiles import folded_text

        stacks: dict[str, str | None] = {}
        try:
            if self._flamegraph_stacks is None:
                self._flamegraph_stacks = self._default_client().flamegraph_stacks
            for i in ids:
                try:
                    stacks[i] = folded_text(self._flamegraph_stacks(i)) or None
                except InvalidInput:
                    stacks[i] = None  # a picture only
        except Exception as exc:  # the viewers fall back to the SVGs
            self._send_error("flamegraph_stacks", f"could not read the stacks: {exc}")
            return
        self.send({"type": "flamegraph_stacks", "stacks": stacks})

    def _send_error(self, request: str, message: str) -> None:
        logger.warning("HistoryViewer could not answer %s: %s", request, message)
        self.send({"type": "error", "request": request, "message": message})


def _diff_of(client: Client) -> FlamegraphDiff:
    """``client.flamegraph_diff`` with both sides' stacks and the functions the chart lists."""

    def diff(base: str, head: str) -> dict[str, Any]:
        return client.flamegraph_diff(base, head, folded=True, first=DIFF_FUNCTIONS)

    return diff


def _diff_svg_of(client: Client) -> FlamegraphDiffSvg:
    """The differential SVG of two flamegraphs (the download), from ``client``."""

    def svg(base: str, head: str) -> str:
        return client.flamegraph_diff(base, head, svg=True, first=0)["svg"]

    return svg


def _diff_problem(diff: object) -> str | None:
    """Why a ``flamegraphDiff`` answer cannot go to the browser, or None when it can."""
    if not isinstance(diff, dict):
        return f"expected a dict, got {type(diff).__name__}"
    if not isinstance(diff.get("summary"), str):
        return "no summary"
    functions = diff.get("functions")
    if not isinstance(functions, list) or not all(
        isinstance(f, dict)
        and isinstance(f.get("name"), str)
        and all(isinstance(f.get(k), int | float) for k in ("baseSelf", "headSelf", "deltaSelf"))
        for f in functions
    ):
        return "functions must be a list of {name, baseSelf, headSelf, deltaSelf}"
    if not all(isinstance(diff.get(k), str) and diff[k] for k in ("baseFolded", "headFolded")):
        return "no folded stacks (ask with folded=True)"
    return None
