"""The one SVG validator shared by the client and the server.

``validate_svg(data, file_name=...)`` accepts what flamegraph.pl, inferno and py-spy write (an
``<?xml?>`` declaration, the SVG 1.1 ``<!DOCTYPE>`` and a ``<script>``) and refuses, with a
sentence naming the file, anything else a flamegraph upload could smuggle in: empty or non-XML
data (PNG, gzip/.svgz, HTML, JSON, folded stack text), truncated files, a root that is not
``<svg>`` in the SVG namespace, entity declarations (billion laughs), external entities and DTDs
(XXE), more than ``MAX_FLAMEGRAPH_BYTES`` and nesting deeper than ``MAX_DEPTH``.

How it parses, and why not ``defusedxml.ElementTree``:

* Parsing is streaming: bytes go to expat slice by slice and no tree is built, so memory stays
  flat and a stored object can be validated chunk by chunk.
* It is defused the way defusedxml defuses expat: the same handlers (entity declarations and
  external entity references raise ``defusedxml.EntitiesForbidden`` /
  ``ExternalReferenceForbidden``), parameter entities and the external DTD are never parsed,
  and stricter still, any DOCTYPE internal subset is refused before it is read. Nothing is ever
  fetched. defusedxml's own ElementTree parser runs a Python callback for every element and
  builds a tree, which is about 8x slower than bare expat on a 9 MiB flamegraph.
* Depth without a Python callback per element: the only per-element callback is a C one
  (``list.append`` as the end-element handler), which counts element ends exactly. Element
  starts are counted from the bytes: in well-formed UTF-8 XML every ``<`` opens a start tag, an
  end tag (``</``) or a construct whose text expat reports through a rare handler (comment,
  CDATA section, processing instruction, declarations), so ``count(b"<") - count(b"</")`` minus
  those is the exact number of start tags. Before each slice is fed, the depth at its start
  plus the start tags it could contain must stay within ``MAX_DEPTH``; slices shrink until that
  holds. When it cannot be proven (a genuinely deep or odd document) the input is parsed again
  with a Python handler per element, which also gives the exact line of the offence.
* Every error, including expat's, surfaces as ``SvgValidationError``.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pyexpat import errors as expat_errors
from xml.parsers import expat

import defusedxml

from driftwatch_nb.core.errors import InvalidFile
from driftwatch_nb.core.limits import MAX_FLAMEGRAPH_BYTES

__all__ = [
    "LoadedSvg",
    "MAX_DEPTH",
    "SVG_NAMESPACE",
    "SvgInfo",
    "SvgStreamValidator",
    "SvgValidationError",
    "TRANSCODED_NOTE",
    "load_svg_file",
    "utf8_svg",
    "validate_svg",
    "validate_svg_file",
]

MAX_DEPTH = 256
"""The deepest element nesting accepted; flamegraphs nest about 5 levels."""

SVG_NAMESPACE = "http://www.w3.org/2000/svg"
"""The namespace the root ``<svg>`` element must be in."""

# Only the W3C's own DTD identifiers may appear in a DOCTYPE; they are never fetched, but a
# SYSTEM id pointing elsewhere is what an XXE probe looks like.
_ALLOWED_DTD_PREFIXES = ("http://www.w3.org/", "https://www.w3.org/")
_SNIFF_BYTES = 1024
_INITIAL_SLICE = 8 * 1024
_MAX_SLICE = 1024 * 1024
_FRAMES_MARKERS = (b'<g id="frames"', b'<svg id="frames"')


class SvgValidationError(InvalidFile):
    """An SVG file was refused; ``str(err)`` is ``"{file_name}: {reason}"``."""


@dataclass(frozen=True, slots=True)
class SvgInfo:
    """What validation learned about an accepted SVG."""

    size: int
    """Size in bytes."""
    width: str | None
    """The root's ``width`` attribute, as written (``"1200"``, ``"100%"``), if any."""
    height: str | None
    """The root's ``height`` attribute, as written, if any."""
    element_count: int
    """Number of XML elements, the root included."""
    is_flamegraph: bool = False
    """Whether it has flamegraph.pl / inferno structure (a ``frames`` group of frames)."""


class _NeedPrecise(Exception):
    """The fast path could not prove the depth bound; parse again element by element."""


def validate_svg(
    data: bytes | bytearray | memoryview | Iterable[bytes], *, file_name: str = "<svg>"
) -> SvgInfo:
    """Validate an SVG given as bytes or as an iterable of byte chunks.

    Raises ``SvgValidationError`` naming ``file_name`` when the data is not an SVG this product
    accepts (see the module docstring). An iterable is consumed chunk by chunk and abandoned as
    soon as the data is refused, e.g. at the first byte past ``MAX_FLAMEGRAPH_BYTES``.
    """
    if isinstance(data, str):
        raise TypeError("validate_svg() takes bytes; read the file in binary mode")
    if isinstance(data, bytes | bytearray | memoryview):
        whole = data if isinstance(data, bytes | bytearray) else memoryview(data).tobytes()
        if len(whole) > MAX_FLAMEGRAPH_BYTES:
            raise SvgValidationError(file_name, _too_large_reason(len(whole)))
        chunks: Iterator[bytes] = iter((whole,))
    else:
        chunks = iter(data)
    return _validate_chunks(chunks, file_name)


TRANSCODED_NOTE = "it was UTF-16 (as Windows PowerShell's `>` writes); sending it as UTF-8"
"""What the client says when it transcodes a UTF-16 flamegraph."""

_UTF16_DECLARATION = re.compile(
    rb"""^(\s*<\?xml[^>]*?encoding\s*=\s*["'])utf-?16(?:[lb]e)?(["'])""", re.IGNORECASE
)


def utf8_svg(data: bytes) -> tuple[bytes, bool]:
    """``data`` as UTF-8: a UTF-16 file (with its byte-order mark) is transcoded, and an XML
    declaration naming UTF-16 is changed to UTF-8; returns the bytes and whether they changed.
    Anything else, or UTF-16 that does not decode, is returned as it was (the validator then
    says what is wrong). Used by the client only: the server stores and checks bytes as sent."""
    if not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data, False
    try:
        text = data.decode("utf-16")
    except UnicodeDecodeError:
        return data, False
    encoded = text.encode("utf-8")
    return _UTF16_DECLARATION.sub(rb"\1UTF-8\2", encoded, count=1), True


@dataclass(frozen=True)
class LoadedSvg:
    """A checked flamegraph file's bytes, as they are to be sent."""

    data: bytes
    info: SvgInfo
    transcoded: bool
    """The file was UTF-16 and ``data`` is its UTF-8 transcoding (``TRANSCODED_NOTE``)."""


def load_svg_file(path: str | os.PathLike[str]) -> LoadedSvg:
    """Read and validate an SVG file for upload; a UTF-16 one is transcoded to UTF-8 first.

    The file is read once, and the bytes validated are the bytes returned.
    """
    file_name = os.path.basename(os.fspath(path)) or os.fspath(path)
    size = _stat_svg_file(path, file_name).st_size
    # A UTF-16 file may be up to twice the limit: it is checked again once transcoded.
    if size > 2 * MAX_FLAMEGRAPH_BYTES + 2:
        raise SvgValidationError(file_name, _too_large_reason(size))
    try:
        with open(path, "rb") as handle:
            raw = handle.read(2 * MAX_FLAMEGRAPH_BYTES + 3)
    except OSError as exc:
        raise SvgValidationError(
            file_name, f"cannot read it: {exc.strerror or exc} ({os.fspath(path)})"
        ) from exc
    data, transcoded = utf8_svg(raw)
    if not transcoded and len(data) > MAX_FLAMEGRAPH_BYTES:
        raise SvgValidationError(file_name, _too_large_reason(len(data)))
    return LoadedSvg(data=data, info=validate_svg(data, file_name=file_name), transcoded=transcoded)


def validate_svg_file(path: str | os.PathLike[str]) -> SvgInfo:
    """Validate the SVG file at ``path``; the error names the file by its base name.

    The size is checked before anything is read, and the file is read in 1 MiB chunks.
    """
    file_name = os.path.basename(os.fspath(path)) or os.fspath(path)
    st = _stat_svg_file(path, file_name)
    if st.st_size > MAX_FLAMEGRAPH_BYTES:
        raise SvgValidationError(file_name, _too_large_reason(st.st_size))
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below, after the generator is done
    except OSError as exc:
        raise SvgValidationError(
            file_name, f"cannot read it: {exc.strerror or exc} ({os.fspath(path)})"
        ) from exc
    with handle:
        try:
            return _validate_chunks(iter(lambda: handle.read(1024 * 1024), b""), file_name)
        except OSError as exc:
            raise SvgValidationError(
                file_name, f"cannot read it: {exc.strerror or exc} ({os.fspath(path)})"
            ) from exc


def _stat_svg_file(path: str | os.PathLike[str], file_name: str) -> os.stat_result:
    """The file's status, or the refusal naming it: missing, unreadable, a directory."""
    try:
        st = os.stat(path)
    except FileNotFoundError as exc:
        raise SvgValidationError(file_name, f"no such file: {os.fspath(path)}") from exc
    except OSError as exc:
        raise SvgValidationError(
            file_name, f"cannot read it: {exc.strerror or exc} ({os.fspath(path)})"
        ) from exc
    if stat.S_ISDIR(st.st_mode):
        raise SvgValidationError(file_name, f"is a directory, not an SVG file: {os.fspath(path)}")
    return st


def _too_large_reason(size: int) -> str:
    return (
        f"too large: {size / (1024 * 1024):.1f} MiB ({size:,} bytes) is over the "
        f"{MAX_FLAMEGRAPH_BYTES // (1024 * 1024)} MiB limit for flamegraphs"
    )


def _validate_chunks(chunks: Iterator[bytes], file_name: str) -> SvgInfo:
    """Feed every chunk to one streaming validator and return its verdict."""
    validator = SvgStreamValidator(file_name=file_name)
    for chunk in chunks:
        validator.feed(chunk)
    return validator.finish()


class SvgStreamValidator:
    """``validate_svg`` for data that arrives in pieces: ``feed`` each chunk as it comes, then
    ``finish`` for the ``SvgInfo``. Either raises ``SvgValidationError`` as soon as the data so
    far is refused (e.g. at the first byte past ``MAX_FLAMEGRAPH_BYTES``); after that the
    validator is spent. The server feeds it an upload's bytes as they are written.

    It sniffs the first bytes, runs the fast scan, and falls back to the precise scan from the
    start when the fast one cannot decide, so it keeps every chunk it was given (at most
    ``MAX_FLAMEGRAPH_BYTES``) until ``finish``.
    """

    def __init__(self, *, file_name: str = "<svg>") -> None:
        self.file_name = file_name
        self._seen: list[bytes] = []
        self._total = 0
        self._head = b""
        self._scan: _Scan | None = None  # set once the head was sniffed

    @property
    def size(self) -> int:
        """How many bytes were fed so far."""
        return self._total

    def feed(self, chunk: bytes | bytearray | memoryview) -> None:
        """Take the next chunk; raises ``SvgValidationError`` if the data is refused."""
        if not isinstance(chunk, bytes | bytearray | memoryview):
            raise TypeError(f"SVG chunks must be bytes, not {type(chunk).__name__}")
        if not chunk:
            return
        piece = chunk if isinstance(chunk, bytes) else bytes(chunk)
        self._total += len(piece)
        if self._total > MAX_FLAMEGRAPH_BYTES:
            raise SvgValidationError(self.file_name, _too_large_reason(self._total))
        self._seen.append(piece)
        if self._scan is None:
            self._head += piece[: _SNIFF_BYTES - len(self._head)]
            if len(self._head) >= _SNIFF_BYTES:
                self._start()
            return
        self._feed_scan(piece)

    def finish(self) -> SvgInfo:
        """Signal the end of the data; returns what was learned or raises the refusal."""
        if not self._seen:
            raise SvgValidationError(self.file_name, "the file is empty (0 bytes)")
        if self._scan is None:
            self._start()
        assert self._scan is not None
        if not self._scan.precise:
            try:
                return self._scan.finish(self._total)
            except (_NeedPrecise, expat.ExpatError):
                self._go_precise()
        return self._scan.finish(self._total)

    def _start(self) -> None:
        lookalike = _sniff_lookalike(self._head)
        if lookalike:
            raise SvgValidationError(self.file_name, lookalike)
        self._scan = _Scan(self.file_name, precise=False)
        for piece in self._seen:
            self._feed_scan(piece)
            if self._scan.precise:
                return  # the precise scan was fed everything seen so far

    def _feed_scan(self, piece: bytes) -> None:
        assert self._scan is not None
        if self._scan.precise:
            self._scan.feed(piece)
            return
        try:
            self._scan.feed(piece)
        except (_NeedPrecise, expat.ExpatError):
            # The precise scan repeats an expat error with a better description (open
            # elements, line), or settles a depth the fast one could not prove.
            self._go_precise()

    def _go_precise(self) -> None:
        self._scan = _Scan(self.file_name, precise=True)
        for piece in self._seen:
            self._scan.feed(piece)


def _sniff_lookalike(head: bytes) -> str | None:
    """Name common non-SVG files by their first bytes."""
    magic = (
        (b"\x89PNG\r\n\x1a\n", "not an SVG file: it looks like a PNG image"),
        (b"\xff\xd8\xff", "not an SVG file: it looks like a JPEG image"),
        (b"GIF87a", "not an SVG file: it looks like a GIF image"),
        (b"GIF89a", "not an SVG file: it looks like a GIF image"),
        (b"%PDF-", "not an SVG file: it looks like a PDF document"),
        (b"PK\x03\x04", "not an SVG file: it looks like a ZIP archive"),
        (
            b"\x1f\x8b",
            "gzip-compressed data (.svgz) is not accepted; upload the plain .svg",
        ),
        (
            b"\xff\xfe",
            "the file is UTF-16 encoded; only UTF-8 SVG files are accepted, re-save it as UTF-8",
        ),
        (
            b"\xfe\xff",
            "the file is UTF-16 encoded; only UTF-8 SVG files are accepted, re-save it as UTF-8",
        ),
    )
    for prefix, reason in magic:
        if head.startswith(prefix):
            return reason
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if not text:
        return "not an SVG file: it contains only whitespace"
    lowered = text[:64].lower()
    if lowered.startswith((b"<!doctype html", b"<html")):
        return "not an SVG file: it looks like an HTML document"
    if text[:1] in (b"{", b"["):
        return "not an SVG file: it looks like JSON (a speedscope or py-spy raw profile?)"
    if text[:1] != b"<":
        first_line = text.split(b"\n", 1)[0]
        if b";" in first_line and first_line.rstrip().rsplit(b" ", 1)[-1].isdigit():
            return (
                "not an SVG file: it looks like folded stack text; render it with "
                "driftwatch_nb.core.flamegraph.render_flamegraph, inferno or flamegraph.pl first"
            )
        return "not an SVG file: it is not XML (it does not start with '<')"
    return None


class _Scan:
    """One pass of expat over the data; ``precise`` tracks every element in Python."""

    def __init__(self, file_name: str, *, precise: bool) -> None:
        self.file_name = file_name
        self.precise = precise
        # encoding="utf-8" overrides any declared encoding, so a document can never switch
        # expat to a codec in which b"<" means something else (the byte counts rely on it).
        parser = expat.ParserCreate(encoding="utf-8", intern=None)
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.XmlDeclHandler = self._xml_decl
        parser.StartDoctypeDeclHandler = self._start_doctype
        parser.EntityDeclHandler = self._entity_decl
        parser.UnparsedEntityDeclHandler = self._unparsed_entity_decl
        parser.ExternalEntityRefHandler = self._external_entity_ref
        parser.SkippedEntityHandler = self._skipped_entity
        parser.CommentHandler = self._comment
        parser.ProcessingInstructionHandler = self._processing_instruction
        parser.StartCdataSectionHandler = self._start_cdata
        parser.EndCdataSectionHandler = self._end_cdata
        self.parser = parser
        self.root_seen = False
        self.width: str | None = None
        self.height: str | None = None
        self.is_flamegraph = False
        self._tail = b""  # last bytes fed, to find markers and "</" across slice edges
        # Fast-path bookkeeping: byte counts of b"<" and b"</" fed so far, the part of those
        # that belongs to comments, CDATA, PIs and declarations, and exact element ends.
        self._lt = 0
        self._lt_slash = 0
        self._other_lt = 0
        self._other_lt_slash = 0
        self._cdata_last_lt = False
        self._ends: list[str] = []
        self._end_total = 0
        self._slice = _INITIAL_SLICE
        # Precise-path bookkeeping: the open elements with the line each started on.
        self._stack: list[tuple[str, int]] = []
        self._elements = 0
        if precise:
            parser.StartElementHandler = self._start_precise
            parser.EndElementHandler = self._end_precise
        else:
            parser.StartElementHandler = self._start_root
            parser.EndElementHandler = self._ends.append

    # -- feeding -----------------------------------------------------------------------------

    def feed(self, piece: bytes) -> None:
        """Parse one chunk (any size)."""
        if not self.is_flamegraph:
            edge = self._tail + piece[:32]
            self.is_flamegraph = any(m in edge or m in piece for m in _FRAMES_MARKERS)
        if self.precise:
            self._parse(piece)
        else:
            self._feed_fast(piece)
        self._tail = piece[-32:] if len(piece) >= 32 else (self._tail + piece)[-32:]

    def _feed_fast(self, piece: bytes) -> None:
        if self._tail.endswith(b"<") and piece.startswith(b"/"):
            self._lt_slash += 1  # a "</" split between two chunks
        view = memoryview(piece)
        pos, size_total = 0, len(piece)
        count = piece.count
        while pos < size_total:
            budget = MAX_DEPTH - self._depth_upper()
            size = self._slice
            while True:
                end = min(size_total, pos + size)
                if end < size_total and piece[end - 1] == 0x3C:  # keep "</" in one slice
                    end += 1
                lt = count(b"<", pos, end)
                lt_slash = count(b"</", pos, end)
                if lt - lt_slash <= budget:
                    break
                if size <= 1:
                    raise _NeedPrecise
                size //= 2
            self._parse(view[pos:end])
            self._lt += lt
            self._lt_slash += lt_slash
            self._end_total += len(self._ends)
            self._ends.clear()
            starts = lt - lt_slash
            if starts * 4 < budget and size < _MAX_SLICE:
                self._slice = size * 2
            elif starts * 4 > budget * 3:
                self._slice = max(256, size // 2)
            else:
                self._slice = size
            pos = end

    def _depth_upper(self) -> int:
        """An upper bound of the current depth; exact outside comments and PIs."""
        starts = (self._lt - self._lt_slash) - (self._other_lt - self._other_lt_slash)
        return starts - self._end_total

    def _parse(self, data: bytes | memoryview, final: bool = False) -> None:
        try:
            self.parser.Parse(data, final)
        except defusedxml.DefusedXmlException as exc:
            raise SvgValidationError(self.file_name, _defused_reason(exc)) from exc
        except expat.ExpatError as exc:
            if not self.precise:
                raise
            raise SvgValidationError(self.file_name, self._expat_reason(exc)) from exc

    def finish(self, size: int) -> SvgInfo:
        """Signal the end of the data and return what was learned."""
        self._parse(b"", True)
        if not self.root_seen:  # pragma: no cover - expat reports "no element found" first
            raise SvgValidationError(self.file_name, "not an SVG file: it has no root element")
        elements = self._elements if self.precise else self._end_total + len(self._ends)
        return SvgInfo(
            size=size,
            width=self.width,
            height=self.height,
            element_count=elements,
            is_flamegraph=self.is_flamegraph,
        )

    # -- element handlers --------------------------------------------------------------------

    def _start_root(self, name: str, attrs: dict[str, str]) -> None:
        self._check_root(name, attrs)
        # From here on element starts are counted from the bytes, not by a callback.
        self.parser.StartElementHandler = None

    def _start_precise(self, name: str, attrs: dict[str, str]) -> None:
        if not self.root_seen:
            self._check_root(name, attrs)
        self._elements += 1
        self._stack.append((name, self.parser.CurrentLineNumber))
        if len(self._stack) > MAX_DEPTH:
            raise SvgValidationError(
                self.file_name,
                f"refused: elements are nested more than {MAX_DEPTH} levels deep (at <{name}> "
                f"on line {self.parser.CurrentLineNumber}); flamegraphs nest about 5 levels",
            )

    def _end_precise(self, name: str) -> None:
        self._stack.pop()

    def _check_root(self, name: str, attrs: dict[str, str]) -> None:
        self.root_seen = True
        prefix, _, local = name.rpartition(":")
        namespace = attrs.get(f"xmlns:{prefix}" if prefix else "xmlns")
        if local != "svg":
            hint = " (it looks like an HTML document)" if local.lower() == "html" else ""
            raise SvgValidationError(
                self.file_name,
                f"not an SVG file: the root element is <{name}>, not <svg>{hint}",
            )
        if namespace != SVG_NAMESPACE:
            found = f'xmlns="{namespace}"' if namespace is not None else "no xmlns"
            raise SvgValidationError(
                self.file_name,
                f"not an SVG file: the root <{name}> has {found}; it must declare "
                f'xmlns="{SVG_NAMESPACE}" for browsers to render it as SVG',
            )
        self.width = attrs.get("width")
        self.height = attrs.get("height")

    # -- the rare constructs: defusing, and exact counts of the "<" inside them -------------

    def _note_text(self, text: str | None, openers: int = 0) -> None:
        self._other_lt += openers
        if text:
            self._other_lt += text.count("<")
            self._other_lt_slash += text.count("</")

    def _xml_decl(self, version: str, encoding: str | None, standalone: int) -> None:
        self._note_text(None, openers=1)
        if encoding and encoding.lower().replace("_", "-") not in ("utf-8", "utf8", "us-ascii"):
            raise SvgValidationError(
                self.file_name,
                f"the file declares encoding {encoding!r}; only UTF-8 SVG files are accepted, "
                "re-save it as UTF-8",
            )

    def _start_doctype(
        self, name: str, system_id: str | None, public_id: str | None, has_internal_subset: int
    ) -> None:
        if has_internal_subset:
            raise SvgValidationError(
                self.file_name,
                "refused: the file declares XML entities (DOCTYPE internal subset), which "
                "flamegraphs never need",
            )
        if system_id and not system_id.startswith(_ALLOWED_DTD_PREFIXES):
            raise SvgValidationError(
                self.file_name,
                f"refused: the DOCTYPE points to an external DTD ({system_id!r}); only the "
                "W3C SVG DTD may be named, and it is never fetched",
            )
        self._note_text(system_id, openers=1)
        self._note_text(public_id)

    def _entity_decl(
        self,
        name: str,
        is_parameter_entity: int,
        value: str | None,
        base: str | None,
        system_id: str | None,
        public_id: str | None,
        notation_name: str | None,
    ) -> None:
        raise defusedxml.EntitiesForbidden(name, value, base, system_id, public_id, notation_name)

    def _unparsed_entity_decl(
        self,
        name: str,
        base: str | None,
        system_id: str | None,
        public_id: str | None,
        notation_name: str | None,
    ) -> None:
        raise defusedxml.EntitiesForbidden(name, None, base, system_id, public_id, notation_name)

    def _external_entity_ref(
        self, context: str | None, base: str | None, system_id: str | None, public_id: str | None
    ) -> int:
        raise defusedxml.ExternalReferenceForbidden(context, base, system_id, public_id)

    def _skipped_entity(self, name: str, is_parameter_entity: int) -> None:
        raise SvgValidationError(
            self.file_name,
            f"refused: it uses the undeclared entity &{name}; (line "
            f"{self.parser.CurrentLineNumber}); write the character itself or a numeric "
            "reference such as &#160;",
        )

    def _comment(self, text: str) -> None:
        self._note_text(text, openers=1)

    def _processing_instruction(self, target: str, data: str) -> None:
        self._note_text(data, openers=1)

    def _start_cdata(self) -> None:
        self._note_text(None, openers=1)
        self._cdata_last_lt = False
        self.parser.CharacterDataHandler = self._cdata_text

    def _cdata_text(self, text: str) -> None:
        if self._cdata_last_lt and text.startswith("/"):
            self._other_lt_slash += 1
        self._cdata_last_lt = text.endswith("<")
        self._note_text(text)

    def _end_cdata(self) -> None:
        self.parser.CharacterDataHandler = None

    # -- messages ----------------------------------------------------------------------------

    def _expat_reason(self, exc: expat.ExpatError) -> str:
        code = exc.code
        where = f"line {exc.lineno}, column {exc.offset + 1}"
        message = expat_errors.messages.get(code, str(exc))
        at_eof = code in (
            _code("XML_ERROR_NO_ELEMENTS"),
            _code("XML_ERROR_UNCLOSED_TOKEN"),
            _code("XML_ERROR_PARTIAL_CHAR"),
            _code("XML_ERROR_UNCLOSED_CDATA_SECTION"),
        )
        if at_eof and self._stack:
            name, _ = self._stack[-1]
            return (
                f"truncated: the file ends inside <{name}> at line {exc.lineno}; "
                "upload the complete file"
            )
        if not self.root_seen:
            if code == _code("XML_ERROR_NO_ELEMENTS"):
                return "not an SVG file: it contains no XML element"
            return f"not an SVG file: it is not well-formed XML ({message} at {where})"
        if code == _code("XML_ERROR_JUNK_AFTER_DOC_ELEMENT"):
            return (
                f"malformed: there is content after the closing root element (at {where}); "
                "is it two files glued together?"
            )
        if code == _code("XML_ERROR_TAG_MISMATCH") and self._stack:
            name, line = self._stack[-1]
            return (
                f"malformed XML: a closing tag does not match <{name}> opened on line {line} "
                f"(at {where})"
            )
        return f"malformed XML: {message} (at {where})"


def _code(name: str) -> int:
    return expat_errors.codes[getattr(expat_errors, name)]


def _defused_reason(exc: defusedxml.DefusedXmlException) -> str:
    if isinstance(exc, defusedxml.ExternalReferenceForbidden):
        return (
            f"refused: the file references an external entity ({exc.sysid!r}); "
            "nothing is ever fetched for a flamegraph"
        )
    if isinstance(exc, defusedxml.EntitiesForbidden):
        return (
            f"refused: the file declares the XML entity {exc.name!r}, which flamegraphs never need"
        )
    return f"refused: {exc}"  # pragma: no cover - the two above are all the handlers raise
