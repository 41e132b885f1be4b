"""The import rule of ARCHITECTURE.md, checked on every module (function-level imports too):

* ``driftwatch_nb.core`` imports only the standard library, defusedxml and itself;
* the server (``driftwatch_server``, and the migrations it ships) imports ``driftwatch_nb.core``
  and nothing else of the client;
* the client (``driftwatch_nb`` outside the core) never imports ``driftwatch_server``.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Package name of each source folder (pyproject.toml's package-dir).
PACKAGES = {
    "driftwatch_nb": "driftwatch_nb",
    "server": "driftwatch_server",
    "migrations": "driftwatch_server.migrations",
}
CORE = "driftwatch_nb.core"
CORE_THIRD_PARTY = frozenset({"defusedxml"})


def _module_name(root: Path, path: Path) -> str:
    relative = path.relative_to(root).with_suffix("")
    folder, *rest = relative.parts
    parts = [PACKAGES[folder], *rest]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, module: str) -> Iterator[tuple[int, str]]:
    """``(line, imported module)`` for every import statement in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            yield node.lineno, target


def _is_under(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def violations(root: Path = ROOT) -> list[str]:
    """Every import that breaks the rule, as ``path:line: module imports X (why)``."""
    found: list[str] = []
    for folder in PACKAGES:
        for path in sorted((root / folder).rglob("*.py")):
            if "node_modules" in path.parts:
                continue
            module = _module_name(root, path)
            for line, target in _imports(path, module):
                top = target.partition(".")[0]
                where = f"{path.relative_to(root)}:{line}: {module} imports {target}"
                if _is_under(module, CORE):
                    allowed = (
                        _is_under(target, CORE)
                        or top in sys.stdlib_module_names
                        or top in CORE_THIRD_PARTY
                        or top == "__future__"
                    )
                    if not allowed:
                        found.append(f"{where} (the core imports only the standard library)")
                elif _is_under(module, "driftwatch_server"):
                    if top == "driftwatch_nb" and not _is_under(target, CORE):
                        found.append(f"{where} (the server may import only driftwatch_nb.core)")
                elif top == "driftwatch_server":
                    found.append(f"{where} (the client never imports the server)")
    return found


def test_the_tree_follows_the_import_rule() -> None:
    assert violations() == []


@pytest.mark.parametrize(
    ("file", "statement", "complaint"),
    [
        ("server/reports.py", "from driftwatch_nb.client import Client", "only driftwatch_nb.core"),
        ("server/cli/_demo.py", "    import driftwatch_nb.widget", "only driftwatch_nb.core"),
        ("driftwatch_nb/cli/_user.py", "from driftwatch_server import db", "never imports"),
        ("driftwatch_nb/core/limits.py", "import httpx", "only the standard library"),
        ("driftwatch_nb/core/svg.py", "from ..client import Client", "only the standard library"),
    ],
)
def test_one_wrong_import_is_caught(
    tmp_path: Path, file: str, statement: str, complaint: str
) -> None:
    for folder in PACKAGES:
        for path in (ROOT / folder).rglob("*.py"):
            target = tmp_path / path.relative_to(ROOT)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    assert violations(tmp_path) == []
    changed = tmp_path / file
    text = changed.read_text()
    if statement.startswith(" "):  # inside a function: where lazy imports hide
        text += f"\n\ndef _sneaky() -> None:\n{statement}\n"
    else:
        text += f"\n{statement}\n"
    changed.write_text(text)
    (problem,) = violations(tmp_path)
    assert problem.startswith(f"{file}:") and complaint in problem
