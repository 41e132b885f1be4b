"""Where the client finds its settings: one order for the CLI, the magics and ``Client``.

Every setting is resolved by ``resolve`` in the same order, first match wins:

1. an explicit argument (``--url``, ``-p``, ``Client(url=...)``);
2. the kernel's ``%driftwatch config key=value`` (magics only);
3. the environment, ``DRIFTWATCH_<KEY>``;
4. the login file ``driftwatch login`` writes (URL and token only);
5. git (the branch and commit of the working directory);
6. the default (``http://127.0.0.1:8787``, the testbed ``localhost``).
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from driftwatch_nb.core.errors import ConfigurationError
from driftwatch_nb.core.limits import DEFAULT_TESTBED

DEFAULT_URL = "http://127.0.0.1:8787"
URL_ENV = "DRIFTWATCH_URL"
TOKEN_ENV = "DRIFTWATCH_TOKEN"
KEYS = ("url", "token", "project", "branch", "testbed")
"""The settings ``resolve`` knows; each also reads ``DRIFTWATCH_<KEY>``."""


def config_path() -> Path:
    """The login file: ``$XDG_CONFIG_HOME/driftwatch/config.json`` (mode 0600)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "driftwatch" / "config.json"


@dataclass(frozen=True, kw_only=True)
class ClientConfig:
    """Resolved settings; ``None`` where nothing named one."""

    url: str
    token: str | None
    project: str | None = None
    branch: str | None = None
    testbed: str = DEFAULT_TESTBED


def resolve(
    *,
    url: str | None = None,
    token: str | None = None,
    project: str | None = None,
    branch: str | None = None,
    testbed: str | None = None,
    session: Mapping[str, str] | None = None,
    default_testbed: str = DEFAULT_TESTBED,
    cwd: Path | None = None,
    use_git: bool = True,
) -> ClientConfig:
    """Resolve every setting in the documented order (module docstring).

    ``session`` holds ``%driftwatch config`` values. The login file is read only when URL or
    token are still missing, and git runs only when the branch is (and ``use_git``).
    """
    explicit = {
        "url": url,
        "token": token,
        "project": project,
        "branch": branch,
        "testbed": testbed,
    }
    session = session or {}
    values: dict[str, str | None] = {}
    for key in KEYS:
        values[key] = (
            explicit[key] or session.get(key) or os.environ.get(f"DRIFTWATCH_{key.upper()}")
        )
    if not values["url"] or not values["token"]:
        stored = _read_login_file()
        values["url"] = values["url"] or stored.get("url")
        values["token"] = values["token"] or stored.get("token")
    if not values["branch"] and use_git:
        values["branch"] = git_branch(cwd)
    return ClientConfig(
        url=(values["url"] or DEFAULT_URL).rstrip("/"),
        token=values["token"],
        project=values["project"],
        branch=values["branch"],
        testbed=values["testbed"] or default_testbed,
    )


def load_config(*, url: str | None = None, token: str | None = None) -> ClientConfig:
    """URL and token only (what ``Client`` needs), in the same order as ``resolve``."""
    values = {"url": url or os.environ.get(URL_ENV), "token": token or os.environ.get(TOKEN_ENV)}
    if not values["url"] or not values["token"]:
        stored = _read_login_file()
        values = {key: values[key] or stored.get(key) for key in values}
    return ClientConfig(url=(values["url"] or DEFAULT_URL).rstrip("/"), token=values["token"])


def git_branch(cwd: Path | None = None) -> str | None:
    """The checked-out branch, or None (outside a checkout, detached HEAD, no git)."""
    branch = _git(cwd, "rev-parse", "--abbrev-ref", "HEAD")
    return branch if branch and branch != "HEAD" else None


def git_commit(cwd: Path | None = None) -> str | None:
    """The checked-out commit, or None."""
    return _git(cwd, "rev-parse", "HEAD")


def _git(cwd: Path | None, *arguments: str) -> str | None:
    """Git's answer, or None outside a checkout or without git (never an error)."""
    try:
        result = subprocess.run(
            ["git", *arguments],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=10,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return (result.stdout.strip() or None) if result.returncode == 0 else None


def save_login(*, url: str, token: str) -> Path:
    """Write the login file readable only by its owner; returns its path."""
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump({"url": url.rstrip("/"), "token": token}, handle)
    os.chmod(path, 0o600)  # an existing file keeps its old mode through O_CREAT
    return path


def _read_login_file() -> dict[str, str]:
    path = config_path()
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ConfigurationError(
            f"{path}: cannot read the login file ({exc}); run `driftwatch login` again"
        ) from exc
    return {key: str(value) for key, value in data.items() if key in {"url", "token"}}
