"""Recover a foreign flamegraph's stacks off the request path, soon after its confirmation.

Confirm stores stacks only when the SVG carries driftwatch's own (cheap to read). A foreign SVG
(flamegraph.pl, inferno, py-spy) needs its frames read back, about 0.5-1 s at 9 MiB: rather than
make the first reader pay it (``flamegraphs.stacks_of``, which stays as the fallback), the
confirm mutation hands the flamegraph to this worker once its transaction is committed.

The frames are read in a child process (spawned on the first job, at a lower CPU priority):
in a thread of the server's own process the 0.5-1 s of pure Python would hold the GIL against
every request in flight (an upload's PUT beside it took 5x as long). A thread per recovery
reads the file, hands the bytes to the child and stores what comes back.

Bounded by ``Settings.stacks_workers`` (recoveries at once; 0 turns the worker off) and
``Settings.stacks_queue_limit`` (flamegraphs waiting; more are dropped and left to the lazy path
or to the next catch-up). A flamegraph already queued or running is not queued twice.

Idempotent beside the lazy path and beside other replicas: each side inserts the row in its own
transaction, the primary key (``flamegraph_stacks.flamegraph_id``) lets exactly one insert
through on both databases, and the loser keeps the winner's row (``store_stacks``). A reader
that asks while this process's worker is reading the same flamegraph waits for it rather than
parse the SVG a second time (``flamegraphs.recovery_running``).

``catch_up`` queues confirmed flamegraphs that have no stacks row yet (the process stopped
between a confirm and its recovery, or the queue was full): run when ``driftwatch serve`` starts
and after each scheduled sweep.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from driftwatch_server.flamegraphs import recovery_running, stacks_row_of, store_stacks
from driftwatch_server.models import Flamegraph, FlamegraphStacks
from driftwatch_server.stacks_parse import StacksFields, read_stacks
from driftwatch_server.storage.base import StorageBackend

log = logging.getLogger(__name__)

CHILD_NICENESS = 10
"""How much lower the child's CPU priority is: requests go first on a busy machine."""


class StacksWorker:
    """A small thread pool owned by the app that stores the stacks of confirmed flamegraphs."""

    def __init__(
        self, engine: Engine, storage: StorageBackend, *, workers: int, queue_limit: int
    ) -> None:
        self.engine = engine
        self.storage = storage
        self.workers = workers
        self.queue_limit = queue_limit
        self._lock = threading.Lock()
        self._queued: set[str] = set()
        self._executor: ThreadPoolExecutor | None = None
        self._processes: ProcessPoolExecutor | None = None
        self._closed = False

    @property
    def enabled(self) -> bool:
        """Whether this worker recovers anything (``stacks_workers`` > 0 and not closed)."""
        return self.workers > 0 and not self._closed

    def submit(self, flamegraph_id: str) -> bool:
        """Queue one flamegraph; ``False`` if off, already queued, or the queue is full."""
        with self._lock:
            if not self.enabled or flamegraph_id in self._queued:
                return False
            if len(self._queued) >= self.queue_limit:
                log.warning(
                    "stacks queue full (%d): flamegraph %s waits for its first reader or the "
                    "next catch-up",
                    self.queue_limit,
                    flamegraph_id,
                )
                return False
            if self._executor is None:
                self._executor = ThreadPoolExecutor(
                    max_workers=self.workers, thread_name_prefix="driftwatch-stacks"
                )
            self._queued.add(flamegraph_id)
            future = self._executor.submit(self._recover, flamegraph_id)
        future.add_done_callback(lambda done: self._finished(flamegraph_id, done))
        return True

    def catch_up(self) -> int:
        """Queue confirmed flamegraphs without a stacks row, oldest first, as far as the queue
        has room; returns how many were queued."""
        if not self.enabled:
            return 0
        with self._lock:
            room = self.queue_limit - len(self._queued)
        if room <= 0:
            return 0
        with Session(self.engine) as session:
            ids = list(
                session.execute(
                    sa.select(Flamegraph.id)
                    .where(
                        ~sa.exists().where(
                            FlamegraphStacks.flamegraph_id == Flamegraph.id  # type: ignore[arg-type]
                        )
                    )
                    .order_by(Flamegraph.created_at)
                    .limit(room)
                ).scalars()
            )
        return sum(self.submit(flamegraph_id) for flamegraph_id in ids)

    def pending(self) -> int:
        """Flamegraphs queued or being recovered now."""
        with self._lock:
            return len(self._queued)

    def close(self, *, wait: bool = True) -> None:
        """Stop taking work; drop what is queued (catch-up finds it later) and, if ``wait``,
        let the recoveries already running finish."""
        with self._lock:
            self._closed = True
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=wait, cancel_futures=True)
        with self._lock:
            processes, self._processes = self._processes, None
        if processes is not None:
            processes.shutdown(wait=wait, cancel_futures=True)

    def _finished(self, flamegraph_id: str, done: Future[None]) -> None:
        with self._lock:
            self._queued.discard(flamegraph_id)
        if not done.cancelled() and done.exception() is not None:
            log.error(
                "could not recover the stacks of flamegraph %s (its first reader will try again)",
                flamegraph_id,
                exc_info=done.exception(),
            )

    def _recover(self, flamegraph_id: str) -> None:
        recover_stacks(self.engine, self.storage, flamegraph_id, parse=self._parse_in_child)

    def _parse_in_child(self, data: bytes, file_name: str) -> StacksFields:
        with self._lock:
            if self._closed:
                raise RuntimeError("the stacks worker is closed")
            if self._processes is None:
                self._processes = ProcessPoolExecutor(
                    max_workers=self.workers,
                    # Not fork: this process runs threads (the server's, the pool's).
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=os.nice,
                    initargs=(CHILD_NICENESS,),
                )
            processes = self._processes
        try:
            return processes.submit(read_stacks, data, file_name=file_name).result()
        except BrokenProcessPool:
            with self._lock:  # a child died (killed, out of memory): the next job starts anew
                if self._processes is processes:
                    self._processes = None
            raise


def recover_stacks(
    engine: Engine,
    storage: StorageBackend,
    flamegraph_id: str,
    *,
    parse: Callable[[bytes, str], StacksFields] | None = None,
) -> FlamegraphStacks | None:
    """Store one flamegraph's stacks unless it has them; ``None`` if the flamegraph is gone.

    ``parse(data, file_name)`` reads the frames (default: ``read_stacks`` in this process).
    """
    with Session(engine, expire_on_commit=False) as session:
        found = session.get(FlamegraphStacks, flamegraph_id)
        if found is not None:
            return found
        flamegraph = session.get(Flamegraph, flamegraph_id)
        if flamegraph is None:
            return None  # deleted since it was queued
        path, file_name = flamegraph.storage_path, flamegraph.file_name
    with recovery_running(flamegraph_id):
        data = b"".join(storage.read(path))
        fields = parse(data, file_name) if parse else read_stacks(data, file_name=file_name)
        return store_stacks(engine, stacks_row_of(flamegraph_id, fields))


__all__ = ["StacksWorker", "recover_stacks"]
