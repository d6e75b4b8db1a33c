"""A private-membership list built from a hash set: one OPRF tag per exact hash, published as a filter and a
manifest, never as the tags or the hashes themselves.

Built lists live in ``$WARDEN_HOME/psi/<set name>/`` (``manifest.json``, ``tags.filter``), the server's key
beside them in ``server.key`` (0600) unless another key file is named. A sealed hash set is read through the
store, so building needs the hash-set key as everything reading the store does.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from warden import settings
from warden.clock import utc_now
from warden.errors import PsiListError
from warden.hashing.digests import file_sha256
from warden.hashing.hash_types import HASH_TYPES
from warden.hashsets.store import HashSetStore, check_name
from warden.model.categories import Category
from warden.private import make_private_dir
from warden.psi.inputs import is_exact, oprf_input
from warden.psi.manifest import FILTER_NAME, ListManifest, commitment
from warden.psi.suite import ServerKey
from warden.psi.tag_filter import TagFilter
from warden.psi.tag_worker import compute_tags

KEY_FILE_NAME = "server.key"

PsiEntry = tuple[str, str, Category]
"""One listed hash: its kind (a :class:`~warden.model.hashes.HashKind` or a hash type's name), its value as
hex, and the category it is listed under."""


@dataclass(frozen=True)
class ListSource:
    """The entries of a stored hash set, with what the manifest says of where they came from.

    Attributes:
        hash_set: the set's name in the store.
        source_sha256: the SHA-256 of the file it was imported from, as the store records it.
        entries: every hash of every entry, exact or not (the build counts what it skips).
    """

    hash_set: str
    source_sha256: str
    entries: list[PsiEntry]


def list_folder(name: str) -> Path:
    """Where the list built from hash set ``name`` lives: ``$WARDEN_HOME/psi/<name>/``."""
    return settings.get_path(settings.HOME) / "psi" / check_name(name)


def default_key_file(name: str) -> Path:
    """The server key of the list built from hash set ``name``, beside the list."""
    return list_folder(name) / KEY_FILE_NAME


def read_sealed_set(store: HashSetStore, name: str) -> ListSource:
    """Every hash of stored set ``name``, unsealed with the store's key.

    Raises:
        HashSetNotFoundError: no such set.
        HashSetKeyError: the key is missing or is not the one the set was sealed with.
    """
    hashset = store.load(name)
    kinds = [*HASH_TYPES.names(), "photodna"]  # PhotoDNA is kept from lists, never a hash type
    entries: list[PsiEntry] = []
    for entry in hashset.entries:
        for kind in kinds:
            value = entry.value(kind) if kind != "photodna" else entry.photodna
            if value is not None:
                entries.append((kind, value, entry.category))
    return ListSource(hash_set=name, source_sha256=hashset.source_sha256, entries=entries)


def build_list(
    entries: Iterable[PsiEntry],
    key: ServerKey,
    out_dir: Path,
    workers: int | None = None,
    *,
    hash_set: str = "",
    source_sha256: str = "",
    progress: Callable[[int], None] | None = None,
) -> ListManifest:
    """Tag every exact hash of ``entries`` with ``key`` and write the filter and manifest into ``out_dir``.

    A hash listed more than once is tagged once, under the most serious of its categories. Hashes of kinds a
    list cannot hold are counted per kind in the manifest's ``skipped``. The filter and the manifest are each
    written to a temporary file and renamed into place, the manifest last.

    Args:
        entries: (kind, value as hex, category) of each listed hash.
        key: the server's key.
        out_dir: the list's folder (made 0700 if missing).
        workers: tag worker processes (the number of CPUs by default).
        hash_set: the hash set's name, for the manifest.
        source_sha256: the SHA-256 of the file the set came from, for the manifest.
        progress: called now and then with the number of tags computed so far.

    Returns:
        The manifest written.

    Raises:
        UsageError: an exact hash is not a value of its kind.
        PsiListError: a tag worker failed; nothing was written.
    """
    listed: dict[bytes, Category] = {}
    counts: Counter[str] = Counter()
    skipped: Counter[str] = Counter()
    for kind, value, category in entries:
        name = str(kind)
        if not is_exact(name):
            skipped[name] += 1
            continue
        data = oprf_input(name, value)
        held = listed.get(data)
        if held is None:
            counts[name] += 1
            listed[data] = Category(category)
        elif Category(category).severity > held.severity:
            listed[data] = Category(category)
    inputs = list(listed)
    tags = compute_tags(inputs, key, workers, progress=progress)
    present = set(listed.values())
    table = [category.value for category in Category if category in present]
    code = {name: number for number, name in enumerate(table)}
    codes = [code[listed[data].value] for data in inputs]
    tag_filter = TagFilter.build(tags, codes, table)
    make_private_dir(out_dir)
    filter_path = out_dir / FILTER_NAME
    tag_filter.to_file(filter_path)
    manifest = ListManifest(
        public_key=key.public_key().hex(),
        hash_set=hash_set,
        source_sha256=source_sha256,
        counts=dict(sorted(counts.items())),
        skipped=dict(sorted(skipped.items())),
        total=len(inputs),
        categories=table,
        filter_file=FILTER_NAME,
        filter_size=filter_path.stat().st_size,
        filter_sha256=file_sha256(filter_path),
        commitment=commitment(tags),
        built_at=utc_now(),
    )
    manifest.write(out_dir)
    return manifest


def build_from_store(
    store: HashSetStore,
    name: str,
    key: ServerKey,
    out_dir: Path | None = None,
    workers: int | None = None,
    *,
    progress: Callable[[int], None] | None = None,
) -> ListManifest:
    """:func:`build_list` of stored hash set ``name`` (into :func:`list_folder` unless ``out_dir`` is given).

    Raises:
        HashSetNotFoundError: no such set.
        HashSetKeyError: the hash-set key is missing or wrong.
        PsiListError: a tag worker failed; nothing was written.
    """
    source = read_sealed_set(store, name)
    return build_list(
        source.entries,
        key,
        out_dir or list_folder(name),
        workers,
        hash_set=source.hash_set,
        source_sha256=source.source_sha256,
        progress=progress,
    )


def list_is_current(folder: Path, key: ServerKey, source_sha256: str) -> bool:
    """Whether ``folder`` holds a list built with ``key`` from the set file with SHA-256 ``source_sha256``
    (its manifest readable and its filter of the size the manifest says); False means build it again."""
    try:
        manifest = ListManifest.read(folder)
    except PsiListError:
        return False
    filter_path = folder / manifest.filter_file
    return (
        manifest.public_key == key.public_key().hex()
        and manifest.source_sha256 == source_sha256
        and filter_path.is_file()
        and filter_path.stat().st_size == manifest.filter_size
    )


def open_list(folder: Path) -> tuple[ListManifest, TagFilter]:
    """A built list's manifest and its filter, the filter checked against the manifest (size, SHA-256,
    count, categories).

    Raises:
        PsiListError: either is missing or damaged, or they do not match.
    """
    manifest = ListManifest.read(folder)
    path = folder / manifest.filter_file
    try:
        size, digest = path.stat().st_size, file_sha256(path)
    except OSError as exc:
        raise PsiListError(f"the PSI filter {path} cannot be read: {exc.strerror or exc}") from None
    if size != manifest.filter_size or digest != manifest.filter_sha256:
        raise PsiListError(
            f"the PSI filter {path} is not the one its manifest names (size or SHA-256 differ)"
        )
    tag_filter = TagFilter.open(path, verify=False)
    if tag_filter.count != manifest.total or tag_filter.categories != manifest.categories:
        raise PsiListError(f"the PSI filter {path} does not hold the tags its manifest counts")
    return manifest, tag_filter


def open_served(folder: Path, key_file: Path | None = None) -> tuple[ListManifest, ServerKey]:
    """A built list's manifest and the key that serves it: the filter checked against the manifest
    (:func:`open_list`) and the key against the manifest's public key.

    Args:
        folder: the list's folder.
        key_file: its server key (``server.key`` in ``folder`` by default).

    Raises:
        PsiListError: the list is missing or damaged, or the key is not the one it was built with.
        KeyFileError: the key file is missing, readable by others or not a key.
    """
    manifest, _ = open_list(folder)
    return manifest, key_of(manifest, folder, key_file)


def key_of(manifest: ListManifest, folder: Path, key_file: Path | None = None) -> ServerKey:
    """The server key in ``key_file`` (``server.key`` in ``folder`` by default), checked to be the one
    ``manifest`` publishes.

    Raises:
        PsiListError: it is another key.
        KeyFileError: the key file is missing, readable by others or not a key.
    """
    key_file = key_file or folder / KEY_FILE_NAME
    key = ServerKey.load(key_file)
    if key.public_key().hex() != manifest.public_key:
        raise PsiListError(
            f"the PSI server key {key_file} is not the key the list in {folder} was built with "
            "(its public key differs from the manifest's)"
        )
    return key
