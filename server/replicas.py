"""Replicas on one database must share the embedded storage's files, or refuse to start.

With ``DRIFTWATCH_STORAGE_BACKEND=local`` the flamegraph files live in the data directory. A
replica with a directory of its own would accept uploads the others cannot see (a confirm on
the wrong replica finds nothing), so the first server records its directory's id in the
database and every later one must present the same id.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from driftwatch_server.models import ServerState
from driftwatch_server.storage.local import LocalStorage

STORAGE_ID_KEY = "local_storage_id"


class StorageNotShared(RuntimeError):
    """This server's embedded storage is not the one the database's other servers use."""


def claim_local_storage(engine: Engine, storage: LocalStorage) -> None:
    """Record this data directory's storage id in the database, or refuse a different one."""
    ours = storage.storage_id()
    for _attempt in range(2):
        with Session(engine) as session:
            row = session.get(ServerState, STORAGE_ID_KEY)
            if row is None:
                session.add(ServerState(key=STORAGE_ID_KEY, value=ours))
                try:
                    session.commit()
                except IntegrityError:
                    continue  # another replica claimed it at the same moment: compare
                return
            if row.value == ours:
                return
            raise StorageNotShared(
                f"This database is already served with the embedded storage of another data "
                f"directory (storage id {row.value}; {storage.root} has {ours}). Replicas with "
                "DRIFTWATCH_STORAGE_BACKEND=local must share one DRIFTWATCH_DATA_DIR (e.g. a "
                "shared volume), or use DRIFTWATCH_STORAGE_BACKEND=supabase. If this directory "
                f"really replaces the old one, delete the row {STORAGE_ID_KEY!r} from the "
                "server_state table."
            )
    raise StorageNotShared("could not record the embedded storage's id; try again")
