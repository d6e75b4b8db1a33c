"""Adding a hash type is adding one module: a toy type defined and registered here, and nowhere else, is read
from a hash set, computed in the scan's worker processes, matched and reported like a built-in one."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar

import pytest

from tests.media import media
from warden.cli import main
from warden.hashing.hash_type_checks import HashTypeChecks
from warden.hashing.hash_types import HASH_TYPES, Comparison, HashType

PHOTO = "n01443537_goldfish.jpg"


class ToyHashType(HashType):
    """``toy``: the first 8 hex digits of the SHA-256 of a file's bytes; values match when at most 4 of their
    32 bits differ."""

    name = "toy"
    perceptual = False
    distance_unit = "bits (0-32)"

    def validate(self, text: str) -> str:
        value = text.strip().lower()
        if len(value) != 8 or any(c not in "0123456789abcdef" for c in value):
            raise ValueError("a toy value is 8 hex digits")
        return value

    def compare(self, a: str, b: str) -> Comparison:
        distance = (int(self.validate(a), 16) ^ int(self.validate(b), 16)).bit_count()
        return Comparison(match=distance <= 4, distance=distance)

    def examples(self) -> list[str]:
        return ["00000000", "ffffffff", "0f0f0f0f"]

    def compute(self, path: Path, hashes: Mapping[str, Any]) -> list[tuple[str, str]]:
        return [("original", hashlib.sha256(path.read_bytes()).hexdigest()[:8])]


@pytest.fixture
def toy() -> Iterator[HashType]:
    toy = HASH_TYPES.register("toy", ToyHashType())
    yield toy
    HASH_TYPES.unregister("toy")


class TestToy(HashTypeChecks):
    hash_type: ClassVar[HashType] = ToyHashType()
    registered = False


def _near(value: str) -> str:
    """``value`` with its lowest bit flipped: a toy match at distance 1, and no digest of the photo."""
    return f"{int(value, 16) ^ 1:08x}"


def test_a_registered_toy_type_matches_in_a_real_scan(toy: HashType, tmp_path: Path) -> None:
    evidence = tmp_path / "exhibit"
    evidence.mkdir()
    shutil.copy(media("photos", PHOTO), evidence / "fish.jpg")
    value = hashlib.sha256((evidence / "fish.jpg").read_bytes()).hexdigest()[:8]
    listed = tmp_path / "toy-signals.txt"
    listed.write_text(f"toy {_near(value).upper()}\n")

    assert main(["hashset", "import", str(listed), "--name", "toys", "--format", "threatexchange-text"]) == 0
    case = tmp_path / "case"
    code = main(
        ["scan", str(evidence), "--hashset", "toys", "--case", str(case), "--workers", "2", "--quiet"]
    )

    assert code == 0
    report = json.loads((case / "report.json").read_text())
    (item,) = report["items"]
    assert item["error"] is None
    match = item["match"]
    assert (match["kind"], match["hash_kind"]) == ("toy", "toy")
    assert (match["distance"], match["variant"]) == (1, "original")
    assert match["hashset"] == "toys"
    assert item["established_by"] == "hashset-toy"
    assert report["summary"]["matches_by_kind"] == {"toy": 1}


def test_without_the_type_the_same_list_is_refused(tmp_path: Path) -> None:
    listed = tmp_path / "toy-signals.txt"
    listed.write_text("toy 0123abcd\n")
    assert "toy" not in HASH_TYPES
    assert main(["hashset", "import", str(listed), "--name", "toys", "--format", "threatexchange-text"]) != 0
