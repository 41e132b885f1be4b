"""Issue 13, items 13 and 14: a clean install is quiet and leaves nothing git or ruff pick up."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())


def test_every_packaged_folder_is_a_listed_package() -> None:
    # setuptools warns ("Package '...' is absent from the `packages` configuration") for every
    # folder of data files that is not listed; `make demo` printed ~250 such lines.
    setuptools = PYPROJECT["tool"]["setuptools"]
    package_dirs = setuptools["package-dir"]
    listed = set(setuptools["packages"])
    for package, folder in package_dirs.items():
        root = REPO / folder
        for directory in [root, *root.rglob("*")]:
            if not directory.is_dir() or directory.name in {"__pycache__", "node_modules"}:
                continue
            relative = directory.relative_to(root)
            if any(part.startswith(".") or part == "js" for part in relative.parts):
                continue  # hidden folders and the viewer's JS sources are not packaged
            if not any(child.is_file() for child in directory.iterdir()):
                continue
            name = ".".join([package, *relative.parts])
            if any(name.startswith(other + ".") and other != package for other in package_dirs):
                continue  # mapped by a more specific package-dir entry
            assert name in listed, f"{name} ({directory}) is not in [tool.setuptools] packages"


def test_the_license_is_an_spdx_string() -> None:
    # A TOML table is deprecated and warns on every build.
    assert PYPROJECT["project"]["license"] == "Apache-2.0"


def test_a_build_folder_is_ignored_by_git_and_ruff() -> None:
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "build/lib/driftwatch_nb/client.py"], cwd=REPO, check=False
    )
    assert ignored.returncode == 0, "build/ is not in .gitignore"
    ruff = Path(sys.executable).parent / "ruff"
    linted = subprocess.run(
        [str(ruff), "check", "--force-exclude", "--stdin-filename", "build/lib/x.py", "-"],
        input="import os\n",
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert linted.returncode == 0, linted.stdout
