"""``FlamegraphViewer``: a flamegraph shown inline in JupyterLab.

The browser does the work (``static/viewer.js``, the module the dashboard uses too). When the
flamegraph's stacks are known (``folded``: from the server's ``flamegraphStacks`` or parsed
here by ``driftwatch_nb.core.profiles``) it draws them itself on a canvas, with flame/icicle
views, a functions table and, with ``base_folded``, a differential view; the author's SVG
never enters the page and is only what the download button saves. A picture-only SVG (no
readable stacks) is fetched through its signed URL, sanitized and shown as before. This class
only holds the state and answers the browser's two requests:

``{"type": "refresh_url"}``
    the signed URL was refused (expired); the ``refresh`` callable gives a new one, set as ``url``.
``{"type": "request_bytes"}``
    the browser could not reach the storage; the SVG text is sent from the kernel as
    ``svg_text`` (from ``fetch_bytes`` or the bytes the widget was built from).

When a request cannot be served the kernel answers ``{"type": "error", "request": ...,
"message": ...}`` so the browser stops waiting and says why.
"""

from __future__ import annotations

import logging
import pathlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

try:
    import anywidget
    import traitlets
except ModuleNotFoundError as _missing:  # the light client: pip install driftwatch-nb
    raise ModuleNotFoundError(
        f"FlamegraphViewer needs the notebook extra ({_missing.name} is missing); install it "
        "with: pip install 'driftwatch-nb[notebook]'",
        name=_missing.name,
    ) from _missing

if TYPE_CHECKING:
    from driftwatch_nb._types import Flamegraph, Report
    from driftwatch_nb.client import Client

__all__ = ["FlamegraphViewer"]

logger = logging.getLogger(__name__)

_STATIC = pathlib.Path(__file__).parent / "core" / "static"
DEFAULT_HEIGHT = 480
DEFAULT_FILE_NAME = "flamegraph.svg"

RefreshUrl = Callable[[], str]
FetchBytes = Callable[[], bytes]


def _validate(data: bytes, file_name: str) -> None:
    """Run the shared SVG validator (imported lazily: it pulls in defusedxml)."""
    from driftwatch_nb.core.svg import validate_svg

    validate_svg(data, file_name=file_name)


def _decode(data: bytes, file_name: str) -> str:
    """SVG bytes as text for the browser; flamegraphs are UTF-8 (a BOM is tolerated)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        from driftwatch_nb.core.svg import SvgValidationError

        raise SvgValidationError(
            file_name, "the SVG is not UTF-8 encoded; re-save it as UTF-8 to show it"
        ) from exc


def _file_name_from_url(url: str) -> str:
    name = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    return name or DEFAULT_FILE_NAME


class FlamegraphViewer(anywidget.AnyWidget):
    """An interactive flamegraph (flamegraph.pl, inferno or py-spy SVG) in a notebook.

    Build it with :meth:`from_url`, :meth:`from_file` or :meth:`from_bytes`. The browser sets
    ``status`` and ``matched``, so a notebook (or a test) can read what the viewer shows.
    """

    _esm = _STATIC / "viewer.js"
    _css = _STATIC / "viewer.css"

    url = traitlets.Unicode("").tag(sync=True)
    """str, default ``""``: signed URL the browser fetches the SVG from."""

    svg_text = traitlets.Unicode("").tag(sync=True)
    """str, default ``""``: the SVG itself, when there is no URL or the URL cannot be reached."""

    file_name = traitlets.Unicode(DEFAULT_FILE_NAME).tag(sync=True)
    """str, default ``"flamegraph.svg"``: name used when the user downloads the SVG."""

    height = traitlets.Int(DEFAULT_HEIGHT).tag(sync=True)
    """int, default ``480``: maximum height of the drawing area in CSS pixels (shorter
    flamegraphs get a drawing area just tall enough for them)."""

    status = traitlets.Unicode("").tag(sync=True)
    """str, default ``""``; set by the browser: ``"loading"``, ``"ready"`` or ``"error: ..."``."""

    matched = traitlets.Unicode("").tag(sync=True)
    """str, default ``""``; set by the browser: share of samples matching the search, ``"12.34%"``."""

    folded = traitlets.Unicode("").tag(sync=True)
    """str, default ``""``: the stacks to draw, folded (``frame;frame;frame COUNT`` per line);
    the head of a diff. Empty: the SVG itself is shown (a picture-only flamegraph)."""

    base_folded = traitlets.Unicode("").tag(sync=True)
    """str, default ``""``: the base profile's folded stacks; set, the view is differential
    (red where a frame's self share grew from base to head, blue where it shrank)."""

    shape = traitlets.Unicode("head").tag(sync=True)
    """str, default ``"head"``: which profile sizes a diff's frames, ``"head"`` or ``"base"``."""

    mode = traitlets.Unicode("flame").tag(sync=True)
    """str, default ``"flame"``: ``"flame"`` (root at the bottom) or ``"icicle"`` (at the top)."""

    @traitlets.validate("shape")
    def _check_shape(self, proposal: dict[str, Any]) -> str:
        value = proposal["value"]
        if value not in ("head", "base"):
            raise traitlets.TraitError(f"shape must be 'head' or 'base', not {value!r}")
        return value

    @traitlets.validate("mode")
    def _check_mode(self, proposal: dict[str, Any]) -> str:
        value = proposal["value"]
        if value not in ("flame", "icicle"):
            raise traitlets.TraitError(f"mode must be 'flame' or 'icicle', not {value!r}")
        return value

    @traitlets.validate("height")
    def _check_height(self, proposal: dict[str, Any]) -> int:
        value = proposal["value"]
        if value <= 0:
            raise traitlets.TraitError(f"height must be a positive number of pixels, not {value}")
        return value

    def __init__(
        self,
        *,
        refresh: RefreshUrl | None = None,
        fetch_bytes: FetchBytes | None = None,
        **kwargs: Any,
    ) -> None:
        """Create a viewer from trait values (prefer the ``from_*`` constructors).

        Args:
            refresh: returns a fresh signed URL when the browser reports the current one expired.
            fetch_bytes: returns the SVG bytes when the browser cannot reach the storage.
            **kwargs: trait values (``url``, ``svg_text``, ``file_name``, ``height``, ...).

        Raises:
            TypeError: for a keyword that is not a trait of this widget.
        """
        allowed = {name for name in self.class_trait_names() if not name.startswith("_")}
        unknown = sorted(set(kwargs) - allowed)
        if unknown:
            raise TypeError(
                f"FlamegraphViewer got unexpected keyword argument(s) {', '.join(unknown)}; "
                "expected some of: refresh, fetch_bytes, url, svg_text, file_name, height, "
                "folded, base_folded, shape, mode"
            )
        for name, func in (("refresh", refresh), ("fetch_bytes", fetch_bytes)):
            if func is not None and not callable(func):
                raise TypeError(f"{name} must be a callable, not {type(func).__name__}")
        self._refresh = refresh
        self._fetch_bytes = fetch_bytes
        self._local_bytes: bytes | None = None
        super().__init__(**kwargs)
        self.on_msg(self._on_custom_msg)

    def __repr__(self) -> str:
        if self.folded:
            source = "diff of stacks" if self.base_folded else "stacks"
        else:
            source = "url" if self.url else "bytes from the kernel"
        return f"FlamegraphViewer(file_name={self.file_name!r}, source={source!r})"

    # -- constructors ------------------------------------------------------------------------

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        file_name: str | None = None,
        refresh: RefreshUrl | None = None,
        fetch_bytes: FetchBytes | None = None,
        **kwargs: Any,
    ) -> FlamegraphViewer:
        """Show the SVG behind a (signed) URL; the browser fetches it, the kernel never does.

        Args:
            url: signed read URL of the SVG.
            file_name: download name; defaults to the URL's last path segment.
            refresh: called when the URL has expired; returns a new signed URL.
            fetch_bytes: called when the browser cannot reach the URL; returns the SVG bytes.
            **kwargs: other trait values, such as ``height``.
        """
        if not isinstance(url, str) or not url:
            raise ValueError("url must be a non-empty string")
        return cls(
            url=url,
            file_name=file_name or _file_name_from_url(url),
            refresh=refresh,
            fetch_bytes=fetch_bytes,
            **kwargs,
        )

    @classmethod
    def from_file(cls, path: str | pathlib.Path, **kwargs: Any) -> FlamegraphViewer:
        """Show a local flamegraph SVG, folded stacks or speedscope JSON file.

        An SVG is checked with the shared SVG validator (a UTF-16 one is shown from its UTF-8
        transcoding); its stacks are read here so the browser draws them itself. Folded and
        speedscope files are drawn from their stacks.

        Raises:
            driftwatch_nb.core.svg.SvgValidationError: when an SVG is not acceptable.
            driftwatch_nb.core.profiles.ProfileError: when another file is not a profile.
        """
        from driftwatch_nb.core.profiles import detect_format, load_profile_file
        from driftwatch_nb.core.svg import load_svg_file

        path = pathlib.Path(path)
        kwargs.setdefault("file_name", path.name)
        with open(path, "rb") as handle:
            head = handle.read(4096)
        if head.startswith((b"\xff\xfe", b"\xfe\xff")) or detect_format(head) in ("svg", None):
            data = load_svg_file(path).data  # a UTF-16 file is shown from its UTF-8 transcoding
            return cls._from_checked_bytes(data, **kwargs)
        profile = load_profile_file(path)
        return cls._from_profile(profile.folded, path.read_bytes(), **kwargs)

    @classmethod
    def from_bytes(
        cls, data: bytes, *, file_name: str = DEFAULT_FILE_NAME, **kwargs: Any
    ) -> FlamegraphViewer:
        """Show SVG bytes held in memory, after checking them with the shared SVG validator.

        Raises:
            driftwatch_nb.core.svg.SvgValidationError: when the bytes are not an acceptable SVG.
        """
        if not isinstance(data, bytes | bytearray | memoryview):
            raise TypeError(f"data must be bytes, not {type(data).__name__}")
        data = bytes(data)
        from driftwatch_nb.core.profiles import detect_format, parse_profile

        kind = detect_format(data)
        if kind in ("folded", "speedscope"):
            profile = parse_profile(data, file_name=file_name)
            return cls._from_profile(profile.folded, data, file_name=file_name, **kwargs)
        _validate(data, file_name)
        return cls._from_checked_bytes(data, file_name=file_name, **kwargs)

    @classmethod
    def from_flamegraph(
        cls,
        flamegraph: str | Flamegraph,
        *,
        client: Client | None = None,
        file_name: str | None = None,
        local_bytes: bytes | None = None,
        **kwargs: Any,
    ) -> FlamegraphViewer:
        """Show a stored flamegraph (an id or a ``Flamegraph`` from the client).

        Its stacks (``local_bytes`` parsed here, else the server's ``flamegraphStacks``) are
        drawn by the browser; the signed URL is kept for the download button, and is what is
        shown when the flamegraph is a picture only. When the URL expires the kernel asks
        ``client`` for a new one, and when the browser cannot reach the storage the kernel sends
        ``local_bytes`` (or downloads the file itself).
        """
        from driftwatch_nb.client import Client as _Client

        client = client or _Client()
        flamegraph_id = flamegraph if isinstance(flamegraph, str) else flamegraph.id
        url = None if isinstance(flamegraph, str) else flamegraph.url
        if file_name is None and not isinstance(flamegraph, str):
            file_name = flamegraph.file_name

        def fetch_bytes() -> bytes:
            return (
                local_bytes
                if local_bytes is not None
                else client.download_flamegraph(flamegraph_id)
            )

        if "folded" not in kwargs:
            folded = _folded_of_bytes(local_bytes, file_name or DEFAULT_FILE_NAME)
            if folded is None:
                folded = _folded_of_flamegraph(client, flamegraph_id)
            kwargs["folded"] = folded or ""
        return cls.from_url(
            url or client.flamegraph_url(flamegraph_id),
            file_name=file_name,
            refresh=lambda: client.flamegraph_url(flamegraph_id),
            fetch_bytes=fetch_bytes,
            **kwargs,
        )

    @classmethod
    def from_report(
        cls,
        report: str | Report,
        *,
        benchmark: str | None = None,
        client: Client | None = None,
        **kwargs: Any,
    ) -> FlamegraphViewer:
        """Show a report's flamegraph (the one linked to ``benchmark``, else the first)."""
        from driftwatch_nb.client import Client as _Client

        client = client or _Client()
        if isinstance(report, str):
            report = client.report(report)
        candidates = [
            f for f in report.flamegraphs if benchmark is None or f.benchmark == benchmark
        ]
        if not candidates:
            which = f" for benchmark {benchmark!r}" if benchmark else ""
            raise ValueError(f"report {report.id} has no flamegraph{which}")
        return cls.from_flamegraph(candidates[0], client=client, **kwargs)

    @classmethod
    def diff(
        cls,
        base: Any,
        head: Any,
        *,
        client: Client | None = None,
        shape: str = "head",
        normalize: bool = True,
        **kwargs: Any,
    ) -> FlamegraphViewer:
        """Show the differential flamegraph of two profiles: frames sized by ``head`` (or by
        ``base`` with ``shape="base"``), red where time grew, blue where it shrank.

        ``base`` and ``head`` are each a flamegraph id or ``Flamegraph``, a profile file path
        (SVG, folded stacks, speedscope JSON) or folded stacks (``{"a;b": count}``). The browser
        draws both stacks itself (``folded`` is the head, ``base_folded`` the base; hover a
        frame for base, head and the change; the toolbar switches the shape); the rendered
        diff SVG is what the download button saves. The ranked functions are on
        ``viewer.functions`` (``FunctionChange`` objects, largest change in self time first)
        and the one-line reading on ``viewer.summary``.
        """
        from driftwatch_nb.core.profiles import diff_profiles, folded_text, summarize

        box: list[Any] = [client]
        folded = [_stacks_of(side, box) for side in (base, head)]
        result = diff_profiles(folded[0], folded[1], normalize=normalize)
        svg = result.render(shape=shape)
        viewer = cls.from_bytes(
            svg,
            file_name=kwargs.pop("file_name", "diff.svg"),
            folded=folded_text(folded[1]),
            base_folded=folded_text(folded[0]),
            shape=shape,
            **kwargs,
        )
        viewer.functions = result.functions
        viewer.summary = summarize(result)
        return viewer

    @classmethod
    def _from_checked_bytes(cls, data: bytes, **kwargs: Any) -> FlamegraphViewer:
        file_name = kwargs.get("file_name", DEFAULT_FILE_NAME)
        text = _decode(data, file_name)
        if "folded" not in kwargs:
            kwargs["folded"] = _folded_of_bytes(data, file_name) or ""
        viewer = cls(svg_text=text, **kwargs)
        viewer._local_bytes = data
        return viewer

    @classmethod
    def _from_profile(
        cls, folded: dict[str, int], original: bytes, **kwargs: Any
    ) -> FlamegraphViewer:
        from driftwatch_nb.core.profiles import folded_text

        viewer = cls(folded=folded_text(folded), **kwargs)
        viewer._local_bytes = original
        return viewer

    # -- messages from the browser -----------------------------------------------------------

    def _on_custom_msg(self, _widget: object, content: object, _buffers: object) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "refresh_url":
            self._answer_refresh_url()
        elif kind == "request_bytes":
            self._answer_request_bytes()
        else:
            logger.warning(
                "FlamegraphViewer ignored an unknown message from the browser: %r", content
            )

    def _send_error(self, request: str, message: str) -> None:
        logger.warning("FlamegraphViewer could not answer %s: %s", request, message)
        self.send({"type": "error", "request": request, "message": message})

    def _answer_refresh_url(self) -> None:
        if self._refresh is None:
            self._send_error("refresh_url", "this viewer has no way to renew its signed URL")
            return
        try:
            new_url = self._refresh()
        except Exception as exc:  # any failure is reported to the browser, never raised there
            self._send_error("refresh_url", f"renewing the signed URL failed: {exc}")
            return
        if not isinstance(new_url, str) or not new_url:
            self._send_error("refresh_url", "renewing the signed URL returned no URL")
        elif new_url == self.url:
            self._send_error("refresh_url", "renewing the signed URL returned the same URL")
        else:
            self.url = new_url

    def _answer_request_bytes(self) -> None:
        try:
            if self._fetch_bytes is not None:
                data = self._fetch_bytes()
                if not isinstance(data, bytes | bytearray | memoryview):
                    raise TypeError(f"fetch_bytes returned {type(data).__name__}, not bytes")
                data = bytes(data)
                _validate(data, self.file_name)
            elif self._local_bytes is not None:
                data = self._local_bytes
                if self.folded and not self.svg_text:
                    # A folded or speedscope file: the download saves it as it was.
                    text = data.decode("utf-8", "replace")
                    self._set_svg_text(text)
                    return
            else:
                self._send_error("request_bytes", "the kernel has no copy of this flamegraph")
                return
            text = _decode(data, self.file_name)
        except Exception as exc:  # reported to the browser, which shows it
            self._send_error("request_bytes", f"the kernel could not read the SVG: {exc}")
            return
        self._set_svg_text(text)

    def _set_svg_text(self, text: str) -> None:
        if text == self.svg_text:
            # Setting an equal value sends nothing; push it so the waiting browser hears back.
            self.send_state("svg_text")
        else:
            self.svg_text = text


def _folded_of_bytes(data: bytes | None, file_name: str) -> str | None:
    """The stacks of a flamegraph SVG (or folded/speedscope file) as folded text, or ``None``
    when it has none that can be read (a picture only)."""
    if data is None:
        return None
    from driftwatch_nb.core.errors import DriftwatchError
    from driftwatch_nb.core.profiles import folded_text, parse_profile

    try:
        folded = parse_profile(data, file_name=file_name, validated_svg=True).folded
    except (DriftwatchError, ValueError):
        return None
    return folded_text(folded) if folded else None


def _folded_of_flamegraph(client: Client, flamegraph_id: str) -> str | None:
    """A stored flamegraph's stacks as folded text; ``None`` for a picture-only one."""
    from driftwatch_nb.core.errors import InvalidInput
    from driftwatch_nb.core.profiles import folded_text

    try:
        stacks = client.flamegraph_stacks(flamegraph_id)
    except InvalidInput:
        return None  # PICTURE_ONLY: the sanitized SVG is shown instead
    return folded_text(stacks) if stacks else None


def _stacks_of(side: Any, box: list[Any]) -> dict[str, int]:
    """Folded stacks from an id, a ``Flamegraph``, a profile path, or folded stacks."""
    import os

    from driftwatch_nb.core.profiles import load_profile_file

    if isinstance(side, dict):
        return dict(side)
    if isinstance(side, pathlib.Path) or (isinstance(side, str) and os.path.exists(side)):
        return load_profile_file(side).folded
    flamegraph_id = side if isinstance(side, str) else getattr(side, "id", None)
    if not isinstance(flamegraph_id, str):
        raise TypeError(f"cannot read a profile from {type(side).__name__}")
    if box[0] is None:
        from driftwatch_nb.client import Client as _Client

        box[0] = _Client()
    return box[0].flamegraph_stacks(flamegraph_id)
