"""The shared SVG validator: real flamegraphs pass, hostile and broken files are named and refused."""

from __future__ import annotations

import random
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

import driftwatch_nb.core.svg as svg_module
from driftwatch_nb.core.svg import (
    MAX_DEPTH,
    MAX_FLAMEGRAPH_BYTES,
    SvgInfo,
    SvgValidationError,
    validate_svg,
    validate_svg_file,
)
from tests.support.svg import (
    DOCTYPE,
    HTML_BYTES,
    HTML_ROOT_XML,
    JSON_BYTES,
    PNG_BYTES,
    SVG_WITHOUT_NAMESPACE,
    billion_laughs,
    deep_nesting,
    external_dtd,
    external_entity,
    gzipped,
    large_flamegraph,
    oversized,
    parameter_entity,
    real_flamegraph,
    svg_document,
)

__all__ = ["large_flamegraph", "real_flamegraph"]  # fixtures used by name below


def refusal(data: bytes, file_name: str = "a.svg") -> SvgValidationError:
    with pytest.raises(SvgValidationError) as info:
        validate_svg(data, file_name=file_name)
    error = info.value
    assert error.file_name == file_name
    assert str(error) == f"{file_name}: {error.reason}"
    assert "\n" not in str(error)
    return error


def chunked(data: bytes, size: int) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


@pytest.fixture
def scan_modes(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Records, per validation, whether the precise (element by element) scan ran."""
    modes: list[bool] = []
    original = svg_module._Scan

    class Recording(original):  # type: ignore[misc, valid-type]
        def __init__(self, file_name: str, *, precise: bool) -> None:
            modes.append(precise)
            super().__init__(file_name, precise=precise)

    monkeypatch.setattr(svg_module, "_Scan", Recording)
    return modes


# -- accepted ------------------------------------------------------------------------------------


def test_real_py_spy_flamegraph_with_doctype_and_script_is_accepted(
    real_flamegraph: bytes, scan_modes: list[bool]
) -> None:
    assert real_flamegraph.startswith(b"<?xml")
    assert DOCTYPE in real_flamegraph[:400]
    assert b"<script" in real_flamegraph

    info = validate_svg(real_flamegraph, file_name="profile.svg")

    assert info.size == len(real_flamegraph)
    assert info.width == "1200"
    assert info.height is not None and info.height.isdigit()
    assert info.is_flamegraph
    assert info.element_count == real_flamegraph.count(b"<g>") + real_flamegraph.count(
        b"<rect"
    ) + real_flamegraph.count(b"<title>") + sum(
        real_flamegraph.count(tag)
        for tag in (
            b"<text",
            b"<svg",
            b"<defs",
            b"<linearGradient",
            b"<stop",
            b"<style",
            b"<script",
        )
    )
    assert scan_modes == [False]  # the fast path proved the depth bound on its own


@pytest.mark.parametrize("chunk_size", [1, 7, 4096])
def test_chunks_give_the_same_answer_as_bytes(real_flamegraph: bytes, chunk_size: int) -> None:
    whole = validate_svg(real_flamegraph)
    assert validate_svg(chunked(real_flamegraph, chunk_size)) == whole
    assert validate_svg(bytearray(real_flamegraph)) == whole
    assert validate_svg(memoryview(real_flamegraph)) == whole


def test_large_flamegraph_is_accepted_on_the_fast_path(
    large_flamegraph: bytes, scan_modes: list[bool]
) -> None:
    info = validate_svg(chunked(large_flamegraph, 1024 * 1024), file_name="big.svg")
    assert info.size == len(large_flamegraph) > 8 * 1024 * 1024
    assert info.is_flamegraph
    assert info.element_count > 150_000
    assert scan_modes == [False]


def test_plain_svg_is_not_a_flamegraph() -> None:
    info = validate_svg(svg_document(b'<rect width="1" height="1"/>', root_attrs=b' width="5"'))
    assert info == SvgInfo(size=info.size, width="5", height=None, element_count=2)
    assert not info.is_flamegraph


def test_prefixed_svg_root_in_the_svg_namespace_is_accepted() -> None:
    data = b'<s:svg xmlns:s="http://www.w3.org/2000/svg"><s:g/></s:svg>'
    assert validate_svg(data).element_count == 2


def test_nesting_exactly_max_depth_is_accepted() -> None:
    # the root is level 1, so MAX_DEPTH - 1 groups inside it reach MAX_DEPTH
    assert validate_svg(deep_nesting(MAX_DEPTH - 1)).element_count == MAX_DEPTH


# -- refused: not an SVG at all ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "the file is empty (0 bytes)"),
        (b"  \n\t ", "not an SVG file: it contains only whitespace"),
        (PNG_BYTES, "not an SVG file: it looks like a PNG image"),
        (HTML_BYTES, "not an SVG file: it looks like an HTML document"),
        (JSON_BYTES, "not an SVG file: it looks like JSON"),
        (b"main;work;leaf 12\nmain;idle 3\n", "it looks like folded stack text"),
        (b"hello world", "not an SVG file: it is not XML"),
        (b"\xff\xfe<\x00s\x00", "UTF-16 encoded; only UTF-8 SVG files are accepted"),
        (HTML_ROOT_XML, "the root element is <html>, not <svg> (it looks like an HTML document)"),
        (SVG_WITHOUT_NAMESPACE, 'the root <svg> has no xmlns; it must declare xmlns="http'),
        (
            b'<svg xmlns="http://example.com/svg"/>',
            'has xmlns="http://example.com/svg"; it must declare',
        ),
        (b'<?xml version="1.0"?>\n', "not an SVG file: it contains no XML element"),
    ],
)
def test_non_svg_data_is_named(data: bytes, reason: str) -> None:
    assert reason in refusal(data, "profile.svg").reason


def test_gzip_of_a_real_flamegraph_is_refused(real_flamegraph: bytes) -> None:
    error = refusal(gzipped(real_flamegraph), "profile.svgz")
    assert error.reason == "gzip-compressed data (.svgz) is not accepted; upload the plain .svg"


def test_png_renamed_to_svg_is_refused_even_in_tiny_chunks() -> None:
    with pytest.raises(SvgValidationError, match="looks like a PNG image"):
        validate_svg(chunked(PNG_BYTES, 1), file_name="x.svg")


# -- refused: hostile ----------------------------------------------------------------------------


def test_billion_laughs_is_refused_before_any_expansion() -> None:
    error = refusal(billion_laughs())
    assert error.reason == (
        "refused: the file declares XML entities (DOCTYPE internal subset), which flamegraphs "
        "never need"
    )


@pytest.mark.parametrize(
    "data",
    [
        external_entity("file:///etc/passwd"),
        external_entity("http://127.0.0.1:9/secret"),
        parameter_entity(),
    ],
    ids=["file-entity", "http-entity", "parameter-entity"],
)
def test_entity_declarations_are_refused(data: bytes) -> None:
    assert "declares XML entities" in refusal(data).reason


@pytest.mark.parametrize("system_id", ["file:///etc/passwd", "http://evil.example/x.dtd"])
def test_external_dtd_other_than_w3c_is_refused(system_id: str) -> None:
    reason = refusal(external_dtd(system_id)).reason
    assert reason.startswith("refused: the DOCTYPE points to an external DTD")
    assert system_id in reason


def test_nothing_is_fetched_from_the_network() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.setblocking(False)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/x"
        standard = DOCTYPE + b"\n" + svg_document(b"<text>ok</text>")
        validate_svg(standard)
        for data in (external_entity(url), external_dtd(url), parameter_entity()):
            with pytest.raises(SvgValidationError):
                validate_svg(data)
        with pytest.raises(BlockingIOError):
            listener.accept()


def test_undeclared_entity_is_refused() -> None:
    data = DOCTYPE + svg_document(b"<text>a&nbsp;b</text>")
    assert "undeclared entity &nbsp;" in refusal(data).reason


def test_deep_nesting_is_refused_with_its_line() -> None:
    data = deep_nesting(MAX_DEPTH).replace(b"<g><g>", b"<g>\n<g>", 1)
    reason = refusal(data).reason
    assert reason.startswith(f"refused: elements are nested more than {MAX_DEPTH} levels deep")
    assert "on line 2" in reason


def test_declared_non_utf8_encoding_is_refused() -> None:
    data = b'<?xml version="1.0" encoding="cp500"?>' + svg_document()
    assert "declares encoding 'cp500'" in refusal(data).reason


# -- refused: broken -----------------------------------------------------------------------------


def test_truncated_real_flamegraph_names_the_open_element(real_flamegraph: bytes) -> None:
    cut = real_flamegraph.index(b"<g><title>", len(real_flamegraph) // 2) + len(b"<g>")
    reason = refusal(real_flamegraph[:cut], "profile.svg").reason
    line = real_flamegraph[:cut].count(b"\n") + 1
    assert reason == (
        f"truncated: the file ends inside <g> at line {line}; upload the complete file"
    )


def test_mismatched_tag_is_a_validation_error_not_an_expat_error() -> None:
    reason = refusal(b'<svg xmlns="http://www.w3.org/2000/svg">\n<g></text></svg>').reason
    assert reason.startswith("malformed XML: a closing tag does not match <g> opened on line 2")


def test_two_files_glued_together_are_refused() -> None:
    reason = refusal(svg_document() + b"\n" + svg_document()).reason
    assert reason.startswith("malformed: there is content after the closing root element")


def test_string_input_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="binary mode"):
        validate_svg("<svg/>")  # type: ignore[arg-type]


# -- size ----------------------------------------------------------------------------------------


def test_over_10_mib_is_refused_from_bytes() -> None:
    data = oversized()
    assert len(data) == MAX_FLAMEGRAPH_BYTES + 1
    assert refusal(data).reason == (
        "too large: 10.0 MiB (10,485,761 bytes) is over the 10 MiB limit for flamegraphs"
    )


def test_over_10_mib_is_refused_while_streaming_without_reading_further() -> None:
    pulled = 0
    head = svg_document()[:-6] + b"<!--"

    def endless() -> Iterator[bytes]:
        nonlocal pulled
        yield head
        while True:
            pulled += 1
            yield b"x" * 65536

    with pytest.raises(SvgValidationError, match="over the 10 MiB limit"):
        validate_svg(endless())
    # the first chunk that crosses the limit is the last one pulled
    assert len(head) + (pulled - 1) * 65536 <= MAX_FLAMEGRAPH_BYTES < len(head) + pulled * 65536


# -- the fast path agrees with the element-by-element scan --------------------------------------


def random_document(rng: random.Random, depth_limit: int) -> bytes:
    """Nested groups mixed with comments, CDATA and PIs full of '<' and '</'."""
    parts = [
        b'<?xml version="1.0"?>\n<!-- a <b> </c> -->',
        b'<svg xmlns="http://www.w3.org/2000/svg">',
    ]
    depth = 1
    for _ in range(rng.randrange(1500, 3000)):
        roll = rng.random()
        if roll < 0.45 and depth < depth_limit:
            parts.append(b"<g>")
            depth += 1
        elif roll < 0.6 and depth > 1:
            parts.append(b"</g>")
            depth -= 1
        elif roll < 0.7:
            parts.append(b'<rect x="1"/>')
        elif roll < 0.8:
            parts.append(b"<![CDATA[ if (a < b) x = '</g>' + '<g>'; ]]>")
        elif roll < 0.85:
            parts.append(b"<!-- <g> <g> </g " + b"<" * rng.randrange(0, 40) + b" -->")
        elif roll < 0.9:
            parts.append(b"<?pi <g></g?>")
        else:
            parts.append(b"text &lt;g&gt; /&gt;")
    parts.extend([b"</g>"] * (depth - 1))
    parts.append(b"</svg>")
    return b"".join(parts)


def precise_result(data: bytes) -> SvgInfo | str:
    scan = svg_module._Scan("r.svg", precise=True)
    try:
        scan.feed(data)
        return scan.finish(len(data))
    except SvgValidationError as exc:
        return exc.reason


@pytest.mark.parametrize("seed", range(12))
def test_fast_path_matches_precise_scan_on_random_documents(seed: int) -> None:
    rng = random.Random(seed)
    data = random_document(rng, depth_limit=MAX_DEPTH + rng.choice((-120, -60, -3, 0, 2, 40)))
    expected = precise_result(data)
    for size in (len(data), rng.randrange(1, 64), rng.randrange(64, 5000)):
        try:
            got: SvgInfo | str = validate_svg(chunked(data, size), file_name="r.svg")
        except SvgValidationError as exc:
            got = exc.reason
        assert got == expected, (seed, size)


# -- files ---------------------------------------------------------------------------------------


def test_file_is_validated(tmp_path: Path, real_flamegraph: bytes) -> None:
    path = tmp_path / "profile.svg"
    path.write_bytes(real_flamegraph)
    assert validate_svg_file(path) == validate_svg(real_flamegraph)
    assert validate_svg_file(str(path)).size == len(real_flamegraph)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SvgValidationError) as info:
        validate_svg_file(tmp_path / "nope.svg")
    assert info.value.file_name == "nope.svg"
    assert info.value.reason == f"no such file: {tmp_path / 'nope.svg'}"


def test_directory(tmp_path: Path) -> None:
    folder = tmp_path / "graphs.svg"
    folder.mkdir()
    with pytest.raises(SvgValidationError, match="is a directory, not an SVG file"):
        validate_svg_file(folder)


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "e.svg").write_bytes(b"")
    with pytest.raises(SvgValidationError, match=r"^e\.svg: the file is empty \(0 bytes\)$"):
        validate_svg_file(tmp_path / "e.svg")


def test_large_file_is_refused_by_its_size_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "huge.svg"
    with open(path, "wb") as handle:
        handle.truncate(25 * 1024 * 1024)

    def no_open(*args: object, **kwargs: object) -> None:
        raise AssertionError("the file must not be opened")

    monkeypatch.setattr(svg_module, "open", no_open, raising=False)
    with pytest.raises(SvgValidationError) as info:
        validate_svg_file(path)
    assert info.value.reason == (
        "too large: 25.0 MiB (26,214,400 bytes) is over the 10 MiB limit for flamegraphs"
    )


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "locked.svg"
    path.write_bytes(svg_document())

    def denied(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(svg_module, "open", denied, raising=False)
    with pytest.raises(SvgValidationError) as info:
        validate_svg_file(path)
    assert info.value.reason == f"cannot read it: Permission denied ({path})"


def test_public_names() -> None:
    assert sorted(svg_module.__all__) == svg_module.__all__
    for name in svg_module.__all__:
        assert hasattr(svg_module, name)
    assert issubclass(SvgValidationError, ValueError)
