"""Who each row of a bank's big index is: its content id and category, memory-mapped beside the store's set.

The store's index answers with row numbers; unsealing a million entries in every worker to name them would
cost each worker hundreds of megabytes. These two arrays (content ids, category codes) are written once per
merge and mapped read-only, so every worker shares one copy in the page cache. They hold no hash values.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from warden.errors import IndexDamagedError
from warden.index.format import ArrayFile, load_array, save_array
from warden.model.categories import Category
from warden.private import make_private_dir

HEADER = "bank-rows.json"
IDS_FILE = "bank.content_ids.npy"
CATEGORIES_FILE = "bank.categories.npy"
_CATEGORIES = tuple(Category)


def write_rows(folder: Path, content_ids: Sequence[str], categories: Sequence[Category]) -> None:
    """Write the rows' content ids and categories into ``folder`` (replaced whole)."""
    if folder.exists():
        shutil.rmtree(folder)
    make_private_dir(folder)
    encoded = [content_id.encode("utf-8") for content_id in content_ids]
    width = max((len(value) for value in encoded), default=1) or 1
    ids = np.array(encoded, dtype=f"S{width}") if encoded else np.zeros(0, dtype="S1")
    codes = np.array([_CATEGORIES.index(category) for category in categories], dtype=np.uint8)
    files = [save_array(folder, IDS_FILE, ids), save_array(folder, CATEGORIES_FILE, codes)]
    header = {
        "categories": [category.value for category in _CATEGORIES],
        "files": {record.name: record.to_json() for record in files},
    }
    (folder / HEADER).write_text(json.dumps(header, indent=2) + "\n", encoding="utf-8")


class BankRows:
    """The content id and category of each row of a bank's big index, mapped read-only.

    Raises:
        IndexDamagedError: the files are missing or do not agree with their header.
    """

    def __init__(self, folder: Path) -> None:
        try:
            header: dict[str, Any] = json.loads((folder / HEADER).read_text(encoding="utf-8"))
            records = {name: ArrayFile.from_json(name, value) for name, value in header["files"].items()}
            self._categories = tuple(Category(value) for value in header["categories"])
            self._ids = load_array(folder, records[IDS_FILE], preload=True)
            self._codes = load_array(folder, records[CATEGORIES_FILE], preload=True)
        except (OSError, KeyError, TypeError, ValueError) as error:
            raise IndexDamagedError(f"{folder}: the bank's row names cannot be read ({error})") from error
        if len(self._ids) != len(self._codes):
            raise IndexDamagedError(f"{folder}: content ids and categories differ in length")

    def __len__(self) -> int:
        return len(self._ids)

    def content_id(self, row: int) -> str:
        """The content id of ``row``."""
        return bytes(self._ids[row]).decode("utf-8")

    def contains(self, content_id: str) -> bool:
        """Whether some row has ``content_id`` (a scan of the mapped ids: for curation, not for lookups)."""
        wanted = content_id.encode("utf-8")
        if len(self._ids) == 0 or len(wanted) > self._ids.dtype.itemsize:
            return False
        return bool(np.any(self._ids == wanted))

    def category(self, row: int) -> Category:
        """The category of ``row``."""
        return self._categories[int(self._codes[row])]
