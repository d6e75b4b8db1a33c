"""What a built private-membership list publishes about itself, and the commitment that binds it to its tags.

The manifest says which key (its public half), which hash set and how many hashes of each kind, and names
the filter file with its size and SHA-256, so a client can check the filter it fetched. The commitment is
a SHA-256 over the sorted tags: an auditor given the list and the key recomputes every tag and checks it,
and clients that compare commitments learn whether the server gave them all the same list.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from warden.errors import PsiListError
from warden.psi.suite import SUITE_ID
from warden.psi.tag_filter import Tags, as_tag_array, fingerprints

FORMAT_VERSION = 1
COMMITMENT_PREFIX = b"warden-psi-commitment/1"
MANIFEST_NAME = "manifest.json"
FILTER_NAME = "tags.filter"
MAX_MANIFEST_BYTES = 1 << 20


def sorted_tags(tags: Tags) -> npt.NDArray[np.uint8]:
    """The tags in byte order, as an ``(n, 64)`` array (sorted by their first 8 bytes, then by all 64 only
    where two share those, which for OPRF outputs is almost never)."""
    array = as_tag_array(tags)
    keys = fingerprints(array)
    order = np.argsort(keys, kind="stable")
    array, keys = array[order], keys[order]
    if len(keys) > 1 and bool(np.any(keys[1:] == keys[:-1])):
        rows = array.view(f"S{array.shape[1]}").ravel()  # fixed-width bytes compare as the bytes do
        array = array[np.argsort(rows, kind="stable")]
    return np.ascontiguousarray(array)


def commitment(tags: Tags) -> str:
    """SHA-256 (hex) over :data:`COMMITMENT_PREFIX`, the number of tags (8 bytes, big-endian) and every tag
    in byte order; ``tags`` may come in any order (they are sorted here)."""
    ordered = sorted_tags(tags)
    digest = hashlib.sha256(COMMITMENT_PREFIX)
    digest.update(len(ordered).to_bytes(8, "big"))
    digest.update(ordered.tobytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class ListManifest:
    """A built list's public description (``manifest.json``); it holds no hash and no tag.

    Attributes:
        public_key: the OPRF public key, hex; clients check every batch's proof with it.
        hash_set: the name of the hash set the list was built from.
        source_sha256: the SHA-256 of the file that set was imported from, as the store records it.
        counts: hashes listed per kind (distinct values).
        skipped: values of kinds a list cannot hold (vPDQ, PhotoDNA, plug-ins), per kind, not listed.
        total: tags in the list (the filter's count).
        categories: the filter's category table, in code order.
        filter_file: the filter's file name, beside the manifest.
        filter_size: its size in bytes.
        filter_sha256: its SHA-256, hex.
        commitment: :func:`commitment` of the tags.
        built_at: when the list was built, UTC (ISO 8601).
        suite: the OPRF suite's context string.
        format_version: this layout's version.
    """

    public_key: str
    hash_set: str
    source_sha256: str
    counts: dict[str, int]
    skipped: dict[str, int]
    total: int
    categories: list[str]
    filter_file: str
    filter_size: int
    filter_sha256: str
    commitment: str
    built_at: str
    suite: str = SUITE_ID
    format_version: int = FORMAT_VERSION

    def to_dict(self) -> dict[str, Any]:
        """The manifest as JSON-ready data."""
        return asdict(self)

    def to_json(self) -> str:
        """The manifest as the JSON text ``manifest.json`` holds."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_dict(cls, data: object, where: str = "the PSI manifest") -> ListManifest:
        """A manifest from JSON data.

        Raises:
            PsiListError: not a manifest of this format version, or a field is missing or of the wrong type.
        """
        if not isinstance(data, dict):
            raise PsiListError(f"{where} is not a JSON object")
        if data.get("format_version") != FORMAT_VERSION:
            raise PsiListError(
                f"{where} is of format version {data.get('format_version')!r}; "
                f"this Warden reads {FORMAT_VERSION}"
            )
        if data.get("suite") != SUITE_ID:
            raise PsiListError(f"{where} names the OPRF suite {data.get('suite')!r}, not {SUITE_ID!r}")
        known = {f.name for f in fields(cls)}
        missing = sorted(known - set(data))
        if missing:
            raise PsiListError(f"{where} lacks {', '.join(missing)}")
        manifest = cls(**{name: data[name] for name in known})  # fields a later version adds are left out
        manifest._check(where)
        return manifest

    @classmethod
    def from_json(cls, text: str | bytes, where: str = "the PSI manifest") -> ListManifest:
        """A manifest from its JSON text.

        Raises:
            PsiListError: not JSON, or not a manifest (see :meth:`from_dict`).
        """
        try:
            data = json.loads(text)
        except (ValueError, UnicodeDecodeError) as exc:
            raise PsiListError(f"{where} is not JSON: {exc}") from None
        return cls.from_dict(data, where)

    def _check(self, where: str) -> None:
        hexes = {"public_key": 64, "filter_sha256": 64, "commitment": 64}
        texts = ("hash_set", "source_sha256", "filter_file", "built_at")
        wrong = [name for name, width in hexes.items() if not _is_hex(getattr(self, name), width)]
        wrong += [name for name in texts if not isinstance(getattr(self, name), str)]
        wrong += [name for name in ("total", "filter_size") if not _is_count(getattr(self, name))]
        wrong += [
            name
            for name in ("counts", "skipped")
            if not isinstance(getattr(self, name), dict)
            or not all(isinstance(k, str) and _is_count(v) for k, v in getattr(self, name).items())
        ]
        if not isinstance(self.categories, list) or not all(isinstance(c, str) for c in self.categories):
            wrong.append("categories")
        if "filter_file" not in wrong and (
            Path(self.filter_file).name != self.filter_file or not self.filter_file
        ):
            wrong.append("filter_file")
        if wrong:
            raise PsiListError(f"{where} is damaged: {', '.join(wrong)} not as a manifest has them")

    def write(self, folder: Path) -> Path:
        """Write ``manifest.json`` into ``folder`` through a temporary file renamed into place."""
        path = folder / MANIFEST_NAME
        partial = folder / f".{MANIFEST_NAME}.{os.getpid()}.partial"
        try:
            partial.write_text(self.to_json(), encoding="utf-8")
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
        return path

    @classmethod
    def read(cls, folder: Path) -> ListManifest:
        """The manifest in ``folder``.

        Raises:
            PsiListError: missing, unreadable, too large or not a manifest.
        """
        path = folder / MANIFEST_NAME
        try:
            with path.open("rb") as stream:
                text = stream.read(MAX_MANIFEST_BYTES + 1)
        except OSError as exc:
            raise PsiListError(f"the PSI manifest {path} cannot be read: {exc.strerror or exc}") from None
        if len(text) > MAX_MANIFEST_BYTES:
            raise PsiListError(f"the PSI manifest {path} is over {MAX_MANIFEST_BYTES} bytes")
        return cls.from_json(text, f"the PSI manifest {path}")


def _is_hex(value: object, width: int) -> bool:
    return isinstance(value, str) and len(value) == width and all(c in "0123456789abcdef" for c in value)


def _is_count(value: object) -> bool:
    return type(value) is int and value >= 0
