"""Object storage for flamegraph SVGs: one protocol, two backends.

``local`` (default) keeps files under the data directory and serves them on Supabase Storage's
REST paths from this app; ``supabase`` uses Supabase Storage through storage3. Both are held to
the same contract by ``tests/storage/test_storage_contract.py``.
"""

from __future__ import annotations

from ..config import Settings
from .base import (
    ObjectInfo,
    ObjectNotFound,
    SignedUpload,
    StorageBackend,
    StorageError,
    StorageUnauthorized,
    StorageUnreachable,
)
from .local import PARTIAL_UPLOAD_MAX_IDLE, STORAGE_API_PREFIX, LocalStorage, service_key
from .routes import build_storage_router

__all__ = [
    "PARTIAL_UPLOAD_MAX_IDLE",
    "STORAGE_API_PREFIX",
    "LocalStorage",
    "ObjectInfo",
    "ObjectNotFound",
    "SignedUpload",
    "StorageBackend",
    "StorageError",
    "StorageUnauthorized",
    "StorageUnreachable",
    "build_storage_router",
    "get_storage",
    "service_key",
]


def get_storage(settings: Settings) -> StorageBackend:
    """The backend ``settings.storage_backend`` names, configured from ``settings``.

    For ``supabase`` the storage3 client is imported only here, so the embedded server runs
    without the ``[supabase]`` extra. Call ``ensure_bucket()`` on the result at startup.
    """
    if settings.storage_backend == "supabase":
        missing = [
            name
            for name, value in (
                ("DRIFTWATCH_SUPABASE_URL", settings.supabase_url),
                ("DRIFTWATCH_SUPABASE_SERVICE_KEY", settings.supabase_service_key),
            )
            if not value
        ]
        if missing:
            raise StorageError(
                f"DRIFTWATCH_STORAGE_BACKEND=supabase needs {' and '.join(missing)}; set "
                f"{'them' if len(missing) > 1 else 'it'}, or unset DRIFTWATCH_STORAGE_BACKEND "
                "to use the embedded storage."
            )
        try:
            from .supabase import SupabaseStorage
        except ImportError as exc:
            raise StorageError(
                "DRIFTWATCH_STORAGE_BACKEND=supabase needs the storage3 client; install "
                "driftwatch-nb[supabase]."
            ) from exc
        assert settings.supabase_url and settings.supabase_service_key
        return SupabaseStorage(
            settings.supabase_url,
            settings.supabase_service_key,
            signed_url_ttl_seconds=settings.signed_url_ttl_seconds,
        )
    return LocalStorage(
        settings.storage_dir,
        public_url=settings.resolved_public_url,
        secret_key=settings.resolved_secret_key(),
        signed_url_ttl_seconds=settings.signed_url_ttl_seconds,
    )
