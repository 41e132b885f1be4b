"""The shared core of driftwatch: the rules that the client, the CLI, the notebook, the
dashboard and the server must all agree on.

It imports only the standard library and defusedxml, and nothing else of driftwatch's, so
that both the client (``driftwatch_nb``) and the server (``driftwatch_server``) can stand on it
while never importing each other. See ``ARCHITECTURE.md``.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

VERSION = "0.1.0"
"""The one version string of driftwatch (``pyproject.toml`` reads it from here)."""


def static_dir() -> Path:
    """The viewer's front-end files (``viewer.js``, ``viewer.css``): one bundle for the
    notebook widget and the dashboard alike."""
    return Path(str(files(__name__) / "static"))
