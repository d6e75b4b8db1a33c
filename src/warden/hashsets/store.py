"""The hash-set store: imported sets kept sealed, each with its keyed, memory-mapped index.

Layout under ``WARDEN_HOME`` (never a case folder)::

    hashsets/<name>/manifest.json   what the set is: source file, its SHA-256, counts (no hash values)
    hashsets/<name>/entries.sealed  every entry, AES-256-GCM sealed (gzip'd JSON lines inside)
    hashsets/<name>/index/          keyed digests and keyed PDQ hashes (see docs/index-format.md)

A set is built whole in a temporary folder and renamed into place, so an import either lands complete or
not at all.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from warden import settings
from warden.clock import utc_now
from warden.errors import HashSetExistsError, HashSetKeyError, HashSetNotFoundError, UsageError
from warden.hashing.digests import file_sha256
from warden.hashing.hash_types import HASH_TYPES, IndexKind
from warden.hashsets.formats import ReadOptions, WriteOptions
from warden.hashsets.model import Entry, HashSet
from warden.hashsets.profiles import load_profile
from warden.hashsets.readers import read_hashset, write_hashset
from warden.hashsets.sealed import derive, fingerprint, load_key, seal, unseal
from warden.index.hash_index import HashIndex, build_index, open_index
from warden.index.keyed import KeyedTransform
from warden.model.categories import Category
from warden.model.hashes import EXACT_KINDS, HashKind, VideoHash, vpdq_from_text, vpdq_to_text
from warden.private import make_private_dir, restrict_tree

STORE_FORMAT = 1
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def check_name(name: str) -> str:
    """A valid set name, or a UsageError saying what names may be."""
    if not _NAME.fullmatch(name):
        raise UsageError(
            f"hash-set name {name!r} must be 1-64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return name


def _entry_json(entry: Entry) -> dict[str, Any]:
    record: dict[str, Any] = {
        key: value
        for key, value in (
            ("md5", entry.md5),
            ("sha1", entry.sha1),
            ("sha256", entry.sha256),
            ("pdq", entry.pdq),
            ("photodna", entry.photodna),
            ("source_id", entry.source_id),
        )
        if value is not None
    }
    if entry.vpdq:
        record["vpdq"] = vpdq_to_text(entry.vpdq)
    if entry.others:
        record["others"] = dict(entry.others)
    record["category"] = entry.category.value
    return record


def _entry_from_json(record: dict[str, Any]) -> Entry:
    vpdq = record.get("vpdq")
    return Entry(
        md5=record.get("md5"),
        sha1=record.get("sha1"),
        sha256=record.get("sha256"),
        pdq=record.get("pdq"),
        vpdq=vpdq_from_text(vpdq) if vpdq else None,
        photodna=record.get("photodna"),
        category=Category(record["category"]),
        source_id=record.get("source_id"),
        others=tuple((record.get("others") or {}).items()),
    )


class OpenHashSet:
    """A stored set opened for matching: keyed lookups in its index, entries unsealed on first need."""

    def __init__(self, store: HashSetStore, manifest: dict[str, Any], index: HashIndex) -> None:
        self.name: str = manifest["name"]
        self.manifest = manifest
        self._store = store
        self._index = index
        self._transform = store.index_transform()
        self._entries: list[Entry] | None = None
        self._videos: list[tuple[int, VideoHash]] | None = None
        self._listed: dict[str, list[tuple[int, str]]] = {}

    def exact(self, kind: str, digest: str) -> list[int]:
        """Rows whose ``kind`` digest equals ``digest``."""
        keyed = self._transform.digest(str(kind), bytes.fromhex(digest))
        return self._index.exact.lookup(str(kind), keyed)

    def pdq(self, pdq: str, threshold: int) -> list[tuple[int, int]]:
        """(row, distance) of every PDQ entry within ``threshold``."""
        if len(self._index.pdq) == 0:
            return []
        return self._index.pdq.query(self._transform.pdq_hash(bytes.fromhex(pdq)), threshold)

    def pdq_many(self, pdqs: Sequence[str], threshold: int) -> list[list[tuple[int, int]]]:
        """:meth:`pdq` of each hash, in order, through one batch search of the index."""
        if len(self._index.pdq) == 0 or not pdqs:
            return [[] for _ in pdqs]
        queries = np.frombuffer(b"".join(bytes.fromhex(pdq) for pdq in pdqs), dtype=np.uint8)
        hits = self._index.pdq.query_batch(self._transform.pdq(queries.reshape(len(pdqs), 32)), threshold)
        return [list(zip(hit.rows.tolist(), hit.distances.tolist(), strict=True)) for hit in hits]

    def entries(self) -> list[Entry]:
        """Every entry, unsealed once and kept."""
        if self._entries is None:
            self._entries = self._store.load(self.name).entries
        return self._entries

    def videos(self) -> Sequence[tuple[int, VideoHash]]:
        """(row, frames) of every entry with a vPDQ hash."""
        if self._videos is None:
            if not self.manifest["hash_counts"].get("vpdq"):
                self._videos = []
            else:
                self._videos = [(row, e.vpdq) for row, e in enumerate(self.entries()) if e.vpdq]
        return self._videos

    def listed(self, kind: str) -> Sequence[tuple[int, str]]:
        """(row, value) of every entry with a value of hash type ``kind``, for a linear scan."""
        if kind not in self._listed:
            rows = enumerate(self.entries()) if self.manifest["hash_counts"].get(kind) else iter(())
            self._listed[kind] = [(row, value) for row, e in rows if (value := e.value(kind)) is not None]
        return self._listed[kind]

    def entry(self, row: int) -> Entry:
        """The entry at ``row``."""
        return self.entries()[row]

    def case_record(self) -> dict[str, Any]:
        """What a case records about the set it was matched against."""
        return {
            "name": self.name,
            "format": self.manifest["format"],
            "profile": self.manifest.get("profile"),
            "entries": self.manifest["entries"],
            "sha256": self.manifest["source_sha256"],
            "source": self.manifest["source"],
        }


class HashSetStore:
    """The store at ``root``, sealed with the key in ``key_file``."""

    def __init__(self, root: Path, key_file: Path) -> None:
        self.root = root
        self.key_file = key_file
        self.key_created = False
        self._key: bytes | None = None
        self._transform: KeyedTransform | None = None

    @classmethod
    def from_settings(cls) -> HashSetStore:
        """The store named by ``WARDEN_HOME`` and ``WARDEN_KEY_FILE``."""
        return cls(settings.get_path(settings.HOME), settings.get_path(settings.KEY_FILE))

    @property
    def key(self) -> bytes:
        """The store key (read on first use).

        Raises:
            HashSetKeyError: there is no key file.
        """
        if self._key is None:
            self._key, self.key_created = load_key(self.key_file, create=False)
        return self._key

    def index_transform(self) -> KeyedTransform:
        """The keyed transform of this store's indexes, made from the key once (it takes a few milliseconds).

        Raises:
            HashSetKeyError: there is no key file.
        """
        if self._transform is None:
            self._transform = KeyedTransform(derive(self.key, "index"))
        return self._transform

    @property
    def _sets(self) -> Path:
        return self.root / "hashsets"

    def _folder(self, name: str) -> Path:
        return self._sets / check_name(name)

    def names(self) -> list[str]:
        """Names of the stored sets, sorted."""
        if not self._sets.is_dir():
            return []
        return sorted(p.name for p in self._sets.iterdir() if (p / "manifest.json").is_file())

    def manifest(self, name: str) -> dict[str, Any]:
        """What the store knows of set ``name`` (no hash values).

        Raises:
            HashSetNotFoundError: no such set.
        """
        path = self._folder(name) / "manifest.json"
        if not path.is_file():
            known = ", ".join(self.names()) or "none"
            raise HashSetNotFoundError(f"no hash set named {name!r} in {self._sets} (sets: {known})")
        manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return manifest

    def manifests(self) -> list[dict[str, Any]]:
        """Every set's manifest, by name."""
        return [self.manifest(name) for name in self.names()]

    def info(self, name: str) -> dict[str, Any]:
        """The manifest with the index's on-disk size, for ``hashset info``."""
        manifest = dict(self.manifest(name))
        index = self._folder(name) / "index"
        manifest["index_bytes"] = sum(p.stat().st_size for p in index.iterdir()) if index.is_dir() else 0
        return manifest

    def import_file(
        self,
        path: Path,
        *,
        name: str,
        format_name: str | None = None,
        profile: str | None = None,
        category: str | None = None,
    ) -> dict[str, Any]:
        """Read ``path`` and store it as ``name``; nothing is stored if the file is malformed.

        Raises:
            HashSetFormatError: the file is malformed (names the line or record).
            HashSetExistsError: a set of that name exists.
            UsageError: bad options (unknown format or profile, a category the format cannot use).
        """
        check_name(name)
        if (self._folder(name) / "manifest.json").exists():
            raise HashSetExistsError(f"a hash set named {name!r} is already in the store; remove it first")
        try:
            default_category = Category.parse(category) if category else None
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        options = ReadOptions(
            profile=load_profile(profile) if profile else None, default_category=default_category
        )
        hashset = read_hashset(path, name, format_name, options)
        return self.add(hashset)

    def add(self, hashset: HashSet, *, replace: bool = False) -> dict[str, Any]:
        """Seal ``hashset`` and build its index, landing both in one rename.

        Args:
            hashset: the set.
            replace: put it in place of a stored set of that name (a bank filled again from an exchange).

        Raises:
            HashSetExistsError: a set of that name exists and ``replace`` is not set.
        """
        if self._key is None:
            self._key, self.key_created = load_key(self.key_file, create=True)
        name = check_name(hashset.name)
        final = self._folder(name)
        if (final / "manifest.json").exists() and not replace:
            raise HashSetExistsError(f"a hash set named {name!r} is already in the store; remove it first")
        make_private_dir(self.root)
        make_private_dir(self._sets)
        building = self._sets / f".building-{name}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        building.mkdir()
        try:
            lines = "".join(json.dumps(_entry_json(e), separators=(",", ":")) + "\n" for e in hashset.entries)
            sealed = seal(self.key, gzip.compress(lines.encode("utf-8"), mtime=0), _context(name))
            (building / "entries.sealed").write_bytes(sealed)
            self._build_index(building / "index", hashset.entries)
            manifest = {
                "store_format": STORE_FORMAT,
                "name": name,
                "format": hashset.format,
                "profile": hashset.profile,
                "source": hashset.source,
                "source_sha256": hashset.source_sha256,
                "entries": len(hashset.entries),
                "counts": hashset.counts(),
                "hash_counts": _hash_counts(hashset.entries),
                "imported_at": utc_now(),
                "key_fingerprint": fingerprint(self.key),
            }
            (building / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
            restrict_tree(building)
            if final.exists():  # the old set moves aside and goes only once the new one is in place
                retired = building.with_name(f".retired-{building.name.removeprefix('.building-')}")
                final.rename(retired)
                building.rename(final)
                shutil.rmtree(retired, ignore_errors=True)
            else:
                building.rename(final)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
        return manifest

    def _build_index(self, folder: Path, entries: list[Entry]) -> None:
        transform = self.index_transform()
        digests: dict[str, tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]] = {}
        for hash_type in HASH_TYPES:
            if hash_type.index is not IndexKind.EXACT:
                continue
            kind = hash_type.name
            rows = [row for row, e in enumerate(entries) if e.value(kind)]
            values = b"".join(bytes.fromhex(entries[row].value(kind) or "") for row in rows)
            width = len(hash_type.examples()[0]) // 2  # every value in normal form has the same length
            array = np.frombuffer(values, dtype=np.uint8).reshape(len(rows), width)
            digests[kind] = (transform.digests(kind, array), np.asarray(rows, dtype=np.int64))
        pdq_rows = [row for row, e in enumerate(entries) if e.pdq]
        pdq = np.frombuffer(b"".join(bytes.fromhex(entries[r].pdq or "") for r in pdq_rows), dtype=np.uint8)
        build_index(
            folder,
            pdq=transform.pdq(pdq.reshape(len(pdq_rows), 32)),
            pdq_rows=np.asarray(pdq_rows, dtype=np.int64),
            digests=digests,
        )

    def load(self, name: str) -> HashSet:
        """Unseal set ``name`` in full.

        Raises:
            HashSetNotFoundError: no such set.
            HashSetKeyError: the key is not the one the set was sealed with.
        """
        manifest = self.manifest(name)
        self._check_key(manifest)
        data = unseal(self.key, (self._folder(name) / "entries.sealed").read_bytes(), _context(name))
        entries = [_entry_from_json(json.loads(line)) for line in gzip.decompress(data).splitlines() if line]
        return HashSet(
            name=name,
            format=manifest["format"],
            entries=entries,
            source=manifest["source"],
            source_sha256=manifest["source_sha256"],
            profile=manifest.get("profile"),
        )

    def _check_key(self, manifest: dict[str, Any]) -> None:
        if manifest.get("key_fingerprint") != fingerprint(self.key):
            raise HashSetKeyError(
                f"hash set {manifest['name']!r} was sealed with another key than {self.key_file}; "
                "set WARDEN_KEY_FILE to the key of this store"
            )

    def open(self, name: str) -> OpenHashSet:
        """Open set ``name`` for matching (its index memory-mapped).

        Raises:
            HashSetNotFoundError: no such set.
            HashSetKeyError: wrong key.
            IndexDamagedError: the index is damaged.
        """
        manifest = self.manifest(name)
        self._check_key(manifest)
        return OpenHashSet(self, manifest, open_index(self._folder(name) / "index"))

    def resolve(self, name_or_file: str) -> str:
        """The stored name for a set given by name, or by a file (imported on first use, matched by SHA-256).

        Raises:
            HashSetNotFoundError: neither a stored set nor a file.
        """
        if _NAME.fullmatch(name_or_file) and name_or_file in self.names():
            return name_or_file
        path = Path(name_or_file)
        if not path.is_file():
            known = ", ".join(self.names()) or "none"
            raise HashSetNotFoundError(
                f"{name_or_file!r} is neither a hash set in the store (sets: {known}) nor a file"
            )
        digest = file_sha256(path)
        for manifest in self.manifests():
            if manifest["source_sha256"] == digest:
                return str(manifest["name"])
        base = re.sub(r"[^A-Za-z0-9._-]", "_", path.stem)[:56].lstrip("._-") or "hashset"
        name, number = base, 2
        while name in self.names():
            name, number = f"{base}-{number}", number + 1
        self.import_file(path, name=name)
        return name

    def export(
        self, name: str, stream: TextIO, *, format_name: str = "csv", profile: str | None = None
    ) -> None:
        """Write set ``name`` to ``stream`` in clear text."""
        hashset = self.load(name)
        options = WriteOptions(profile=load_profile(profile) if profile else None)
        write_hashset(hashset.entries, stream, format_name, options)

    def has(self, name: str) -> bool:
        """Whether set ``name`` is in the store (its manifest is there)."""
        return (self._folder(name) / "manifest.json").is_file()

    def folder(self, name: str) -> Path:
        """The folder of set ``name`` (its manifest, sealed entries and index), whether or not it exists."""
        return self._folder(name)

    def incoming(self, name: str) -> Path:
        """A new private folder beside the sets, to copy set ``name`` into from elsewhere before
        :meth:`install` puts it in place in one rename."""
        name = check_name(name)
        make_private_dir(self.root)
        make_private_dir(self._sets)
        folder = self._sets / f".incoming-{name}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        folder.mkdir(mode=0o700)
        return folder

    def install(self, name: str, folder: Path) -> bool:
        """Put a set copied into ``folder`` (from :meth:`incoming`) in place as ``name``, in one rename;
        False (and ``folder`` removed) when a set of that name is already there."""
        final = self._folder(name)
        restrict_tree(folder)
        try:
            folder.rename(final)
        except OSError:
            if not self.has(name):
                raise
            shutil.rmtree(folder, ignore_errors=True)
            return False
        return True

    def remove(self, name: str) -> None:
        """Delete set ``name``.

        Raises:
            HashSetNotFoundError: no such set.
        """
        self.manifest(name)
        shutil.rmtree(self._folder(name))


def _context(name: str) -> str:
    return f"warden hash set {name}"


def _hash_counts(entries: list[Entry]) -> dict[str, int]:
    counts = {kind.value: 0 for kind in (*EXACT_KINDS, HashKind.PDQ, HashKind.VPDQ, HashKind.PHOTODNA)}
    for entry in entries:
        for kind in counts:
            if getattr(entry, kind):
                counts[kind] += 1
        for kind, _value in entry.others:
            counts[kind] = counts.get(kind, 0) + 1
    return counts
