"""The live index one worker process serves lookups from: every bank's mapped base, its delta and tombstones,
kept up to date by polling the service database's change log, swapped whole so a lookup never waits.

Workers share nothing but the database and the files: each maps the same base files (one copy in the page
cache, however many workers), and each polls ``bank_log_head`` every ``poll_seconds``. A change loads only
the banks it names; a lookup takes :attr:`LiveIndex.snapshot` once (one reference read) and uses that
immutable view to the end, so a swap during a lookup neither blocks nor breaks it. A second thread merges a
bank whose delta has grown past ``merge_entries`` (one process at a time, claimed in the database).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import Connection

from warden.errors import HashSetKeyError, HashSetNotFoundError, IndexDamagedError, WardenError
from warden.serve.bank_sets import BankView, BaseSet, DeltaSet
from warden.serve.banks import Banks
from warden.servicedb import banks as db

__all__ = ["BankView", "IndexState", "LiveIndex", "Snapshot"]


class IndexState(StrEnum):
    """What ``/status`` says of the index."""

    LOADING = "loading"
    """Not loaded yet: lookups would miss everything (503)."""
    READY = "ready"
    """Loaded and polled within ``stale_seconds``."""
    STALE = "stale"
    """The last successful poll is older than ``stale_seconds`` (the database is unreachable, say) (503)."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Every bank at change ``seq``, as one worker matches them.

    Attributes:
        seq: the last change this snapshot holds.
        banks: the banks by name.
        loaded_at: when it was made (``time.time()``).
    """

    seq: int
    banks: dict[str, BankView] = field(default_factory=dict)
    loaded_at: float = 0.0


class LiveIndex:
    """The banks of one service, live, in this process.

    Args:
        banks: the service's banks.
        poll_seconds: how often the change log is polled.
        stale_seconds: after this long without a successful poll the state is ``stale``.
        merge_entries: a bank whose change log holds this many content changes is merged into a new base by
            a background thread (0: never here; another process merges).
        merge: how that thread merges a bank (default: ``banks.merge`` in this process; the service passes
            :func:`warden.serve.bank_jobs.merge`, which runs it in a child process).
    """

    def __init__(
        self,
        banks: Banks,
        *,
        poll_seconds: float = 1.0,
        stale_seconds: float = 30.0,
        merge_entries: int = 10_000,
        merge: Callable[[str], bool] | None = None,
    ) -> None:
        self.banks = banks
        self._merge = merge or banks.merge
        self.poll_seconds = poll_seconds
        self.stale_seconds = stale_seconds
        self.merge_entries = merge_entries
        self._snapshot: Snapshot | None = None
        self._polled_at = 0.0
        self._stop = threading.Event()
        self._merge_wanted = threading.Event()
        self._threads: list[threading.Thread] = []
        self._refreshing = threading.Lock()
        self.last_error: str | None = None
        """Why the last poll failed, None after one succeeds."""

    # What the HTTP layer reads.

    @property
    def snapshot(self) -> Snapshot:
        """The current view of every bank (empty while loading)."""
        return self._snapshot or Snapshot(seq=-1)

    @property
    def state(self) -> IndexState:
        """Loading, ready or stale."""
        if self._snapshot is None:
            return IndexState.LOADING
        if time.monotonic() - self._polled_at > self.stale_seconds:
            return IndexState.STALE
        return IndexState.READY

    def status(self) -> dict[str, object]:
        """What ``/status`` and HMA's ``/m/index/status`` can show: state, change number, banks and sizes."""
        snapshot = self.snapshot
        return {
            "state": self.state.value,
            "seq": snapshot.seq,
            "loaded_at": snapshot.loaded_at,
            "banks": {name: view.count() for name, view in sorted(snapshot.banks.items())},
            "error": self.last_error,
        }

    # Running.

    def start(self, *, wait: bool = False) -> LiveIndex:
        """Load in the background and keep polling until :meth:`close`; with ``wait``, load first.

        Raises:
            WardenError: with ``wait``, the first load failed.
        """
        if wait:
            self.refresh()
        poller = threading.Thread(target=self._poll_loop, name="warden-live-index", daemon=True)
        self._threads.append(poller)
        if self.merge_entries > 0:
            merger = threading.Thread(target=self._merge_loop, name="warden-bank-merge", daemon=True)
            self._threads.append(merger)
        for thread in self._threads:
            thread.start()
        return self

    def close(self, timeout: float = 10.0) -> None:
        """Stop polling and merging (a merge in progress finishes first, up to ``timeout``)."""
        self._stop.set()
        self._merge_wanted.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    def __enter__(self) -> LiveIndex:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _poll_loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.refresh()
            except WardenError as error:
                self.last_error = str(error)
            except Exception as error:  # the poller must outlive a dropped connection; the state says stale
                self.last_error = f"{type(error).__name__}: {error}"
            self._stop.wait(self.poll_seconds)

    def _merge_loop(self) -> None:
        while not self._stop.is_set():
            self._merge_wanted.wait()
            self._merge_wanted.clear()
            if self._stop.is_set():
                return
            for view in list(self.snapshot.banks.values()):
                if self._stop.is_set():
                    return
                try:
                    if self.banks.pending(view.name, view.base_seq) >= self.merge_entries:
                        self._merge(view.name)
                except HashSetNotFoundError:
                    continue  # deleted meanwhile
                except Exception as error:  # a failed merge leaves the log; the next poll tries again
                    self.last_error = f"merge of {view.name}: {type(error).__name__}: {error}"

    def refresh(self) -> bool:
        """Poll once: load what changed since the snapshot and swap it in; True if anything changed.

        Raises:
            WardenError: the database or a base cannot be read (the old snapshot stays).
        """
        with self._refreshing:
            old = self._snapshot
            seen = -1 if old is None else old.seq
            newest, changed = db.changed_since(self.banks.engine, seen)
            if old is not None and not changed and newest == seen:
                self._polled_at = time.monotonic()
                return False
            views = {} if old is None else dict(old.banks)
            with self._connect() as connection:
                names = set(db.names(connection)) if old is None else changed
                for name in sorted(names):
                    row = db.find(connection, name)
                    if row is None:
                        views.pop(name, None)
                        continue
                    views[name] = self._view(connection, row, views.get(name), newest)
            self._snapshot = Snapshot(seq=newest, banks=views, loaded_at=time.time())
            self._polled_at = time.monotonic()
            self.last_error = None
            if self.merge_entries > 0 and any(
                len(v.delta) + len(v.hidden) >= self.merge_entries for v in views.values()
            ):
                self._merge_wanted.set()
            return True

    def _connect(self) -> Connection:
        connection = self.banks.engine.connect()
        if connection.dialect.name == "postgresql":
            # One consistent moment for the bank row, its log and its disabled ids.
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        return connection

    def _view(self, connection: Connection, row: db.BankRow, old: BankView | None, upto: int) -> BankView:
        """The bank's new view: only the changes since ``old`` when its base is the same."""
        if old is not None and old.base_seq == row.base_seq and _base_name(old) == row.base:
            base = old.base
            delta = dict(old.delta)
            hidden = set(old.hidden)
            after = old.applied
        else:
            base = self._open_base(row) if row.base else None
            delta, hidden, after = {}, set(), row.base_seq
        changes = db.changes(connection, row.name, after, upto)
        for change in changes:
            hidden.add(change.content_id)
            delta.pop(change.content_id, None)
            if change.op == db.ADD and change.entry is not None:
                delta[change.content_id] = self.banks.unseal_entry(row.name, change.entry)
        added: DeltaSet
        if old is not None and not changes and old.delta == delta:
            added = old.added
        else:
            added = DeltaSet(row.name, list(delta.values()))
        return BankView(
            name=row.name,
            matching_enabled_ratio=row.matching_enabled_ratio,
            base=base,
            base_seq=row.base_seq,
            applied=max(after, upto),
            delta=delta,
            hidden=frozenset(hidden),
            disabled=frozenset(db.disabled(connection, row.name)),
            added=added,
        )

    def _open_base(self, row: db.BankRow) -> BaseSet:
        name = str(row.base)
        try:
            self.banks.local(name)  # copied from the service database first when merged on another machine
            return BaseSet(row.name, self.banks.store.open(name), self.banks.open_rows(name))
        except (HashSetNotFoundError, IndexDamagedError, HashSetKeyError) as error:
            raise type(error)(f"bank {row.name}: its index {name} cannot be opened: {error}") from error


def _base_name(view: BankView) -> str | None:
    return None if view.base is None else view.base.store_name
