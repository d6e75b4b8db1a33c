"""Banks: the named hash sets a platform matches uploads against, created, filled and curated while served.

A bank's content up to one change is a set in the hash-set store (its *base*: sealed, indexed, memory-mapped)
with :mod:`warden.serve.bank_rows` beside it; what changed since is in the service database's change log,
each added entry sealed with the store's key. :meth:`Banks.merge` folds the log into a new base; every
worker's :class:`~warden.serve.live_index.LiveIndex` sees both, so a change is matched within one poll.
Content is keyed by its content id (an entry's ``source_id``): adding an id again replaces it.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import Engine

from warden import settings
from warden.errors import HashSetNotFoundError, NotFoundError, UsageError
from warden.hashing.hash_types import HASH_TYPES
from warden.hashsets.formats import ReadOptions
from warden.hashsets.model import Entry, HashSet
from warden.hashsets.profiles import load_profile
from warden.hashsets.readers import read_hashset
from warden.hashsets.sealed import load_key, seal, unseal
from warden.hashsets.store import HashSetStore
from warden.model.categories import Category
from warden.model.hashes import vpdq_from_text
from warden.serve import shared_bases
from warden.serve.bank_rows import BankRows, write_rows
from warden.servicedb import banks as db
from warden.servicedb.banks import ADD, REMOVE, BankRow
from warden.servicedb.base_files import forget as forget_published

__all__ = ["BankContent", "BankRow", "Banks", "check_bank_name", "entry_of", "entry_values"]

_BANK_NAME = re.compile(r"[A-Z_][A-Z0-9_]{0,39}")
_FIELDS = ("md5", "sha1", "sha256", "pdq", "photodna")
MERGE_CLAIM_SECONDS = 600.0
"""How long one process holds a bank's merge before another may take it over (a merge that died)."""


def check_bank_name(name: str) -> str:
    """A valid bank name (HMA's rule: UPPER_WITH_UNDERSCORE, here at most 40 characters).

    Raises:
        UsageError: it is not one.
    """
    if not _BANK_NAME.fullmatch(name):
        raise UsageError(f"bank name {name!r} must be UPPER_WITH_UNDERSCORE: A-Z, 0-9 and '_', 1-40 long")
    return name


def check_ratio(ratio: float) -> float:
    """A ``matching_enabled_ratio`` between 0 and 1.

    Raises:
        UsageError: it is outside.
    """
    if not 0.0 <= ratio <= 1.0:
        raise UsageError(f"matching_enabled_ratio must be between 0 and 1, got {ratio}")
    return float(ratio)


def entry_values(entry: Entry) -> dict[str, str]:
    """The entry's hash values by hash-type name (``photodna`` too when listed)."""
    values = {name: value for name in (*HASH_TYPES.names(), "photodna") if (value := entry.value(name))}
    values.update({name: value for name, value in entry.others if name not in values})
    return values


def entry_of(values: Mapping[str, str], category: Category, content_id: str) -> Entry:
    """An entry from hash values by type name, each validated through its hash type.

    Raises:
        UsageError: a type is not registered, a value is not one of its type, or there is no value.
    """
    fields: dict[str, str] = {}
    others: list[tuple[str, str]] = []
    vpdq = None
    for kind, text in values.items():
        if kind == "photodna":
            fields[kind] = text
            continue
        if kind not in HASH_TYPES:
            raise UsageError(f"unknown hash type {kind!r} (types: {', '.join(HASH_TYPES.names())})")
        try:
            value = HASH_TYPES.get(kind).validate(text)
            if kind == "vpdq":
                vpdq = vpdq_from_text(value)
        except ValueError as error:
            raise UsageError(f"not a {kind} value: {error}") from None
        if kind in _FIELDS:
            fields[kind] = value
        elif kind != "vpdq":
            others.append((kind, value))
    if not fields.keys() - {"photodna"} and not others and vpdq is None:
        raise UsageError("an entry needs at least one hash value")
    return Entry(**fields, vpdq=vpdq, category=category, source_id=content_id, others=tuple(others))


@dataclass(frozen=True, slots=True)
class BankContent:
    """One content of a bank as the curator sees it.

    Attributes:
        content_id: its id (the entry's ``source_id``).
        category: its category.
        enabled: matched (False: kept but disabled).
        hashes: its hash values by type name.
    """

    content_id: str
    category: Category
    enabled: bool
    hashes: Mapping[str, str]


class Banks:
    """The banks of one service: state in ``engine``, bases in ``store``, row names in ``rows_root``.

    Args:
        engine: the service database (:func:`warden.servicedb.database.open_service_db`).
        store: the hash-set store the bases are kept in (its key seals the change log's entries too).
        rows_root: where each base's :mod:`~warden.serve.bank_rows` folder is written.

    With a PostgreSQL service database the bases are also published in it, and a base this machine lacks is
    copied from it before it is opened (:mod:`warden.serve.shared_bases`): replicas on several machines.
    """

    def __init__(self, engine: Engine, store: HashSetStore, rows_root: Path) -> None:
        self.engine = engine
        self.store = store
        self.rows_root = rows_root
        self.shared = shared_bases.is_shared(engine)
        self._key: bytes | None = None

    @classmethod
    def from_settings(cls, engine: Engine) -> Banks:
        """The service's banks as the settings place them: bases in the hash-set store, row names under
        ``WARDEN_HOME/serve/bank-rows``."""
        return cls(
            engine, HashSetStore.from_settings(), settings.get_path(settings.HOME) / "serve" / "bank-rows"
        )

    @property
    def key(self) -> bytes:
        """The store's key (created with the store's first set, or here by the first change)."""
        if self._key is None:
            self._key, _created = load_key(self.store.key_file, create=True)
        return self._key

    # Sealing and the files of a base.

    def seal_entry(self, bank: str, entry: Entry) -> bytes:
        """``entry`` sealed for the change log of ``bank``."""
        record = {"h": entry_values(entry), "c": entry.category.value, "i": entry.source_id}
        return seal(self.key, json.dumps(record).encode("utf-8"), f"warden bank {bank}")

    def unseal_entry(self, bank: str, data: bytes) -> Entry:
        """The entry :meth:`seal_entry` sealed.

        Raises:
            HashSetKeyError: another key, or altered.
        """
        record = json.loads(unseal(self.key, data, f"warden bank {bank}"))
        return entry_of(record["h"], Category(record["c"]), str(record["i"]))

    def rows_folder(self, base: str) -> Path:
        """The folder of the row names of the base set ``base``."""
        return self.rows_root / base

    def open_rows(self, base: str) -> BankRows:
        """The row names of the base set ``base``, mapped."""
        self.local(base)
        return BankRows(self.rows_folder(base))

    def local(self, base: str) -> None:
        """Make sure the base set ``base`` is on this machine: copied from the service database when it was
        merged on another (then this bank's older copies here go, but the one before it).

        Raises:
            HashSetNotFoundError: it is neither here nor published.
            IndexDamagedError: its copy arrived damaged.
        """
        if not self.shared or self.store.has(base):
            return
        if shared_bases.install(self.engine, self.store, self.rows_root, base):
            bank, _, generation = base.removeprefix("bank.").rpartition(".g")
            older = [
                n
                for n in self._generations(bank)
                if n != base and int(n.rpartition(".g")[2]) < int(generation)
            ]
            self._prune(bank, keep=(base, *older[-1:]))

    # Banks.

    def create(self, name: str, matching_enabled_ratio: float = 1.0) -> BankRow:
        """Create an empty bank.

        Raises:
            UsageError: a bad name or ratio.
            HashSetExistsError: the bank exists.
        """
        return db.create(self.engine, check_bank_name(name), check_ratio(matching_enabled_ratio))

    def get(self, name: str) -> BankRow:
        """The bank ``name``.

        Raises:
            HashSetNotFoundError: no such bank.
        """
        return db.get(self.engine, name)

    def list_banks(self) -> list[BankRow]:
        """Every bank, by name."""
        return db.all_banks(self.engine)

    def set_ratio(self, name: str, matching_enabled_ratio: float) -> None:
        """Change the share of lookups the bank takes part in (HMA's ``matching_enabled_ratio``).

        Raises:
            UsageError: a bad ratio.
            HashSetNotFoundError: no such bank.
        """
        db.set_ratio(self.engine, name, check_ratio(matching_enabled_ratio))

    def delete(self, name: str) -> None:
        """Delete the bank and its content (workers drop it at their next poll).

        Raises:
            HashSetNotFoundError: no such bank.
        """
        db.drop(self.engine, name)
        self._prune(name, keep=())
        if self.shared:
            forget_published(self.engine, name, keep=())

    # Content.

    def add(
        self,
        bank: str,
        values: Mapping[str, str],
        category: Category = Category.UNCATEGORISED,
        content_id: str | None = None,
    ) -> str:
        """Add one content (its hash values by type name) and return its content id (made when not given).

        Raises:
            UsageError: a bad value or content id.
            HashSetNotFoundError: no such bank.
        """
        content_id = _check_content_id(content_id or uuid.uuid4().hex)
        self.add_entries(bank, [entry_of(values, category, content_id)])
        return content_id

    def add_entries(self, bank: str, entries: Sequence[Entry]) -> list[str]:
        """Add entries through the change log (a few; :meth:`fill` merges a whole list); returns their ids.

        Raises:
            HashSetNotFoundError: no such bank.
        """
        named = [e if e.source_id else replace(e, source_id=uuid.uuid4().hex) for e in entries]
        changes = [(ADD, str(e.source_id), self.seal_entry(bank, e)) for e in named]
        db.record(self.engine, bank, changes)
        return [str(e.source_id) for e in named]

    def remove(self, bank: str, content_ids: Iterable[str]) -> None:
        """Remove content from the bank.

        Raises:
            HashSetNotFoundError: no such bank.
        """
        db.record(self.engine, bank, [(REMOVE, content_id, None) for content_id in content_ids])

    def has_content(self, bank: str, content_id: str) -> bool:
        """Whether ``bank`` holds ``content_id`` now (added since its base and not removed, or in its base and
        not removed since).

        Raises:
            HashSetNotFoundError: no such bank.
        """
        with self.engine.connect() as connection:
            row = db.need(connection, bank)
            last = db.last_content_op(connection, bank, content_id, row.base_seq)
        if last is not None:
            return last == ADD
        return row.base is not None and self.open_rows(row.base).contains(content_id)

    def disable(self, bank: str, content_id: str) -> None:
        """Keep the content but stop matching it.

        Raises:
            HashSetNotFoundError: no such bank.
            NotFoundError: the bank holds no such content.
        """
        self._need_content(bank, content_id)
        db.set_enabled(self.engine, bank, [content_id], enabled=False)

    def enable(self, bank: str, content_id: str) -> None:
        """Match disabled content again.

        Raises:
            HashSetNotFoundError: no such bank.
            NotFoundError: the bank holds no such content.
        """
        self._need_content(bank, content_id)
        db.set_enabled(self.engine, bank, [content_id], enabled=True)

    def _need_content(self, bank: str, content_id: str) -> None:
        if not self.has_content(bank, content_id):
            raise NotFoundError(f"bank {bank!r} holds no content {content_id!r}")

    def fill(
        self,
        bank: str,
        path: Path,
        *,
        format_name: str | None = None,
        profile: str | None = None,
        category: str | None = None,
    ) -> int:
        """Add every entry of a hash-set file (any supported format) in one merge; returns how many.

        Entries without a content id get ``<file SHA-256 prefix>-<row>``. Nothing is added if the file is
        malformed.

        Raises:
            HashSetFormatError: the file is malformed.
            UsageError: bad options.
            HashSetNotFoundError: no such bank.
        """
        self.get(bank)
        try:
            default = Category.parse(category) if category else None
        except ValueError as error:
            raise UsageError(str(error)) from None
        options = ReadOptions(profile=load_profile(profile) if profile else None, default_category=default)
        hashset = read_hashset(path, bank, format_name, options)
        prefix = hashset.source_sha256[:12]
        entries = [
            e if e.source_id else replace(e, source_id=f"{prefix}-{row}")
            for row, e in enumerate(hashset.entries)
        ]
        self.merge(bank, extra=entries, wait=True)
        return len(entries)

    def content(self, bank: str, *, offset: int = 0, limit: int = 100) -> tuple[int, list[BankContent]]:
        """(how many there are, one page of the bank's content): the base's rows, then what was added since.

        Raises:
            HashSetNotFoundError: no such bank.
        """
        entries, disabled = self._current(bank)
        page = entries[max(offset, 0) : max(offset, 0) + max(limit, 0)]
        return len(entries), [
            BankContent(str(e.source_id), e.category, e.source_id not in disabled, entry_values(e))
            for e in page
        ]

    def _current(self, bank: str) -> tuple[list[Entry], set[str]]:
        with self.engine.connect() as connection:
            row = db.need(connection, bank)
            changes = db.changes(connection, bank, row.base_seq)
            disabled = db.disabled(connection, bank)
        base = self._entries(row.base)
        return _apply(bank, base, changes, self), disabled

    def _entries(self, base: str | None) -> list[Entry]:
        if base is None:
            return []
        self.local(base)
        return self.store.load(base).entries

    # Merging.

    def merge(self, bank: str, *, extra: Sequence[Entry] = (), wait: bool = False) -> bool:
        """Fold the bank's change log (and ``extra`` entries) into a new base; False if another process holds
        the merge (with ``wait``, a held merge is an error instead).

        Raises:
            HashSetNotFoundError: no such bank.
            UsageError: ``wait`` and another process is merging the bank.
        """
        if not db.claim_merge(self.engine, bank, MERGE_CLAIM_SECONDS):
            db.get(self.engine, bank)
            if wait:
                raise UsageError(f"bank {bank!r} is being merged by another process; try again shortly")
            return False
        try:
            with self.engine.connect() as connection:
                row = db.need(connection, bank)
                upto = db.head(self.engine)
                changes = db.changes(connection, bank, row.base_seq, upto)
            base = self._entries(row.base)
            replaced = {str(e.source_id) for e in extra}
            entries = [e for e in _apply(bank, base, changes, self) if e.source_id not in replaced]
            entries += extra
            name = f"bank.{bank}.g{upto}" if entries else None
            if name is not None:
                self._prune(bank, keep=(row.base,) if row.base else ())
                self.store.add(HashSet(name=name, format="bank", entries=entries, source=f"bank {bank}"))
                write_rows(
                    self.rows_folder(name), [str(e.source_id) for e in entries], [e.category for e in entries]
                )
                if self.shared:
                    shared_bases.publish(self.engine, self.store, self.rows_root, bank, name)
            if not db.finish_merge(self.engine, bank, name, upto):
                self._prune(bank, keep=())
                if self.shared:
                    forget_published(self.engine, bank, keep=())
                return True
        except BaseException:
            db.release_merge(self.engine, bank)
            raise
        # The old base stays one generation: a worker opening it as this commits still finds it.
        kept = tuple(n for n in (name, row.base) if n)
        self._prune(bank, keep=kept)
        if self.shared:
            forget_published(self.engine, bank, keep=kept)
        return True

    def pending(self, bank: str, after: int) -> int:
        """How many content changes of ``bank`` after ``after`` wait for a merge."""
        return db.pending(self.engine, bank, after)

    def _generations(self, bank: str) -> list[str]:
        """The bank's bases on this machine, oldest first."""
        prefix = f"bank.{bank}.g"
        names = [n for n in self.store.names() if n.startswith(prefix) and n[len(prefix) :].isdigit()]
        return sorted(names, key=lambda n: int(n[len(prefix) :]))

    def _prune(self, bank: str, keep: Iterable[str]) -> None:
        """Delete the bank's bases other than ``keep`` (files stay readable to workers that mapped them)."""
        kept = set(keep)
        for name in self._generations(bank):
            if name not in kept:
                with contextlib.suppress(HashSetNotFoundError):
                    self.store.remove(name)
                shutil.rmtree(self.rows_folder(name), ignore_errors=True)


def _check_content_id(content_id: str) -> str:
    if not 0 < len(content_id) <= 256 or not content_id.isprintable():
        raise UsageError("a content id is 1-256 printable characters")
    return content_id


def _apply(bank: str, base: list[Entry], changes: Sequence[db.Change], banks: Banks) -> list[Entry]:
    """The entries after ``changes``: an id touched by a change leaves the base; its last add comes back."""
    last: dict[str, db.Change] = {}
    for change in changes:
        last.pop(change.content_id, None)
        last[change.content_id] = change
    kept = [e for e in base if e.source_id not in last]
    return kept + [
        banks.unseal_entry(bank, change.entry)
        for change in last.values()
        if change.op == ADD and change.entry is not None
    ]
