"""Where the client finds its server URL and token: arguments, environment, then the file
that ``driftwatch login`` writes."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from driftwatch_nb._exceptions import ConfigurationError

DEFAULT_URL = "http://127.0.0.1:8787"
URL_ENV = "DRIFTWATCH_URL"
TOKEN_ENV = "DRIFTWATCH_TOKEN"


def config_path() -> Path:
    """The login file: ``$XDG_CONFIG_HOME/driftwatch/config.json`` (mode 0600)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "driftwatch" / "config.json"


@dataclass(frozen=True, kw_only=True)
class ClientConfig:
    """A resolved server URL and token."""

    url: str
    token: str | None


def load_config(*, url: str | None = None, token: str | None = None) -> ClientConfig:
    """Resolve URL and token: explicit values, then environment, then the login file."""
    stored = _read_login_file()
    resolved_url = url or os.environ.get(URL_ENV) or stored.get("url") or DEFAULT_URL
    resolved_token = token or os.environ.get(TOKEN_ENV) or stored.get("token")
    return ClientConfig(url=resolved_url.rstrip("/"), token=resolved_token)


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
