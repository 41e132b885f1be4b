"""The server's commands for ``driftwatch``: ``serve``, ``db``, ``admin`` and ``demo``.

Found by the client's ``driftwatch`` command through the ``driftwatch.commands`` entry-point
group (``pyproject.toml``), so the client never imports the server. Importing this package is
cheap; handlers import the server's modules when they run.
"""

from __future__ import annotations

from typing import Any

from driftwatch_server.cli import _demo, _server


def register(commands: Any) -> None:
    """Add the server's commands to the ``driftwatch`` parser."""
    _server.register(commands)
    _demo.register(commands)
