"""SVG test data: real py-spy flamegraphs and the hostile or broken files the validator refuses.

``real_flamegraph`` records a real program with the venv's py-spy (session-scoped: one
recording per test run). py-spy needs permission to read another process's memory; it is
given the simplest case, a child it launches itself, and when the kernel still refuses
(``ptrace_scope``/seccomp in some containers) the fixture retries with ``--nonblocking`` and then
fails with py-spy's own message, never skips.
"""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import pytest

from driftwatch_nb.core.limits import MAX_FLAMEGRAPH_BYTES
from driftwatch_nb.core.svg import MAX_DEPTH

SVG_NS = "http://www.w3.org/2000/svg"
DOCTYPE = (
    b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
    b'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">'
)
BUSY_PROGRAM = """
import time
def leaf(n):
    return sum(i * i for i in range(n))
def middle():
    for _ in range(20):
        leaf(20_000)
def outer():
    deadline = time.perf_counter() + 0.6
    while time.perf_counter() < deadline:
        middle()
outer()
"""


def py_spy_executable() -> str:
    """py-spy next to the running interpreter (the venv's), else the one on PATH."""
    candidate = Path(sys.executable).with_name("py-spy")
    return str(candidate) if candidate.exists() else "py-spy"


def record_with_py_spy(output: Path, *, fmt: str = "flamegraph") -> bytes:
    """Run ``BUSY_PROGRAM`` under ``py-spy record`` and return what it wrote."""
    base = [py_spy_executable(), "record", "--format", fmt, "-o", str(output), "--rate", "500"]
    target = ["--", sys.executable, "-c", BUSY_PROGRAM]
    errors = []
    for extra in ([], ["--nonblocking"]):
        result = subprocess.run(
            [*base, *extra, *target], capture_output=True, text=True, timeout=120
        )
        if result.returncode == 0 and output.exists() and output.stat().st_size:
            return output.read_bytes()
        errors.append(f"{' '.join(extra) or 'default'}: {result.stderr.strip()[-500:]}")
    pytest.fail(
        "py-spy could not record a profile here (it needs ptrace/process_vm_readv on its own "
        "child; run the tests as a user allowed to, or with CAP_SYS_PTRACE):\n" + "\n".join(errors),
        pytrace=False,
    )


@pytest.fixture(scope="session")
def real_flamegraph(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A flamegraph SVG written by py-spy (inferno layout, DOCTYPE and script included)."""
    return record_with_py_spy(tmp_path_factory.mktemp("py-spy") / "profile.svg")


@pytest.fixture(scope="session")
def real_folded_text(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Folded stacks written by ``py-spy record --format raw``."""
    raw = record_with_py_spy(tmp_path_factory.mktemp("py-spy-raw") / "profile.txt", fmt="raw")
    return raw.decode("utf-8")


@pytest.fixture(scope="session")
def large_flamegraph() -> bytes:
    """The ~9 MiB, ~50k-frame synthetic flamegraph the benchmark uses."""
    from tests.support.flamegraphs import make_large_flamegraph

    return make_large_flamegraph()


def svg_document(body: bytes = b"", *, prolog: bytes = b"", root_attrs: bytes = b"") -> bytes:
    """A minimal SVG with ``body`` inside the root."""
    return prolog + b'<svg xmlns="' + SVG_NS.encode() + b'"' + root_attrs + b">" + body + b"</svg>"


def billion_laughs() -> bytes:
    """The classic exponential entity expansion, in an SVG."""
    entities = [b'<!ENTITY lol0 "lol">']
    for level in range(1, 10):
        refs = b"".join(b"&lol%d;" % (level - 1) for _ in range(10))
        entities.append(b'<!ENTITY lol%d "%s">' % (level, refs))
    return (
        b'<?xml version="1.0"?>\n<!DOCTYPE svg [\n'
        + b"\n".join(entities)
        + b"\n]>\n"
        + svg_document(b"<text>&lol9;</text>")
    )


def external_entity(system_id: str) -> bytes:
    """XXE: an external general entity pointing at ``system_id`` (file:// or http://)."""
    return (
        b'<?xml version="1.0"?>\n<!DOCTYPE svg [ <!ENTITY xxe SYSTEM "'
        + system_id.encode()
        + b'"> ]>\n'
        + svg_document(b"<text>&xxe;</text>")
    )


def external_dtd(system_id: str) -> bytes:
    """A DOCTYPE whose external subset lives at ``system_id``."""
    return b'<!DOCTYPE svg SYSTEM "' + system_id.encode() + b'">\n' + svg_document()


def parameter_entity() -> bytes:
    """A parameter entity that would pull in a remote DTD."""
    return (
        b'<?xml version="1.0"?>\n<!DOCTYPE svg [ <!ENTITY % remote SYSTEM '
        b'"http://127.0.0.1:9/evil.dtd"> %remote; ]>\n' + svg_document()
    )


def truncated(svg: bytes) -> bytes:
    """``svg`` cut in the middle of its frames."""
    return svg[: len(svg) * 2 // 3]


def gzipped(svg: bytes) -> bytes:
    """``svg`` as .svgz would store it."""
    return gzip.compress(svg)


PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(64))
HTML_BYTES = b"<!DOCTYPE html>\n<html><head><title>x</title></head><body>hi</body></html>\n"
HTML_ROOT_XML = b'<?xml version="1.0"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><body/></html>'
JSON_BYTES = b'{"shared": {"frames": []}, "profiles": []}'
SVG_WITHOUT_NAMESPACE = b'<?xml version="1.0"?>\n<svg width="10" height="10"><rect/></svg>'


def deep_nesting(depth: int = MAX_DEPTH + 1) -> bytes:
    """Elements nested ``depth`` levels below the root."""
    return svg_document(b"<g>" * depth + b"</g>" * depth)


def oversized() -> bytes:
    """A valid-looking SVG of exactly ``MAX_FLAMEGRAPH_BYTES + 1`` bytes."""
    head = svg_document()[:-6] + b"<!--"
    tail = b"--></svg>"
    return head + b"x" * (MAX_FLAMEGRAPH_BYTES + 1 - len(head) - len(tail)) + tail
