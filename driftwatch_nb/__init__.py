"""driftwatch for notebooks and the command line.

``Client`` talks to a driftwatch server; ``%load_ext driftwatch_nb`` adds the magics;
``FlamegraphViewer`` shows flamegraphs inline. Names are imported on first use so that
``import driftwatch_nb`` stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from driftwatch_nb.core import VERSION
from driftwatch_nb.core.errors import (
    ApiError,
    AuthenticationError,
    ConfigurationError,
    ConnectionFailed,
    DriftwatchError,
    InvalidInput,
    NotFoundError,
    PayloadTooLarge,
    PermissionDenied,
    ServiceUnavailable,
    UnsupportedMediaType,
    UploadFailed,
)

if TYPE_CHECKING:
    from driftwatch_nb._types import (
        Alert,
        AlertPage,
        Detection,
        Flamegraph,
        History,
        Metric,
        Project,
        Report,
        ReportList,
    )
    from driftwatch_nb.client import Client
    from driftwatch_nb.core.svg import SvgValidationError
    from driftwatch_nb.history_widget import HistoryViewer
    from driftwatch_nb.widget import FlamegraphViewer

__version__ = VERSION

_LAZY = {
    "Alert": "driftwatch_nb._types",
    "AlertPage": "driftwatch_nb._types",
    "Client": "driftwatch_nb.client",
    "Detection": "driftwatch_nb._types",
    "History": "driftwatch_nb._types",
    "Flamegraph": "driftwatch_nb._types",
    "FlamegraphViewer": "driftwatch_nb.widget",
    "HistoryViewer": "driftwatch_nb.history_widget",
    "Metric": "driftwatch_nb._types",
    "Project": "driftwatch_nb._types",
    "Report": "driftwatch_nb._types",
    "ReportList": "driftwatch_nb._types",
    "SvgValidationError": "driftwatch_nb.core.svg",
}

__all__ = [
    "Alert",
    "AlertPage",
    "ApiError",
    "AuthenticationError",
    "Client",
    "ConfigurationError",
    "ConnectionFailed",
    "Detection",
    "DriftwatchError",
    "Flamegraph",
    "FlamegraphViewer",
    "History",
    "HistoryViewer",
    "InvalidInput",
    "Metric",
    "NotFoundError",
    "PayloadTooLarge",
    "PermissionDenied",
    "Project",
    "Report",
    "ReportList",
    "ServiceUnavailable",
    "SvgValidationError",
    "UnsupportedMediaType",
    "UploadFailed",
    "__version__",
    "load_ipython_extension",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'driftwatch_nb' has no attribute {name!r}")
    return getattr(import_module(module), name)


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext driftwatch_nb``: register the ``%driftwatch`` magics."""
    from driftwatch_nb.magics import load_ipython_extension as load

    load(ipython)
