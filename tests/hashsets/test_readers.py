"""The format registry, detection by content, and reading a file whole into a HashSet."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.hashsets import samples
from warden.errors import HashSetFormatError, HashSetNotFoundError, UsageError
from warden.hashsets.formats import HashSetFormat, ReadOptions, WriteOptions
from warden.hashsets.model import Entry
from warden.hashsets.profiles import load_profile
from warden.hashsets.readers import (
    FORMATS,
    detect_format,
    get_format,
    read_hashset,
    read_head,
    register,
    write_hashset,
)
from warden.model.categories import Category
from warden.registry import DuplicateNameError

BUILT_IN = ["csv", "vics", "threatexchange-csv", "threatexchange-text", "hashsum", "pdq-text", "nsrl-rds"]

SAMPLES: dict[str, Callable[[Path], Path]] = {
    "csv": samples.canonical_csv,
    "vics": samples.vics_file,
    "threatexchange-csv": samples.te_csv,
    "threatexchange-text": samples.te_text,
    "hashsum": samples.md5sum,
    "nsrl-rds": samples.nsrl_db,
}


def test_builtin_formats_are_registered_under_stable_names() -> None:
    assert FORMATS.names() == BUILT_IN
    assert [f.name for f in FORMATS if f.can_write] == ["csv", "vics"]
    with pytest.raises(DuplicateNameError):
        register(get_format("csv"))


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_each_sample_is_detected_as_exactly_its_format_whatever_its_file_name(
    tmp_path: Path, name: str
) -> None:
    path = SAMPLES[name](tmp_path / "list.txt")  # a misleading name: only the content counts
    assert detect_format(read_head(path), path.name).name == name
    assert read_hashset(path, "x").format == name


def test_bare_64_digit_lines_must_be_named_with_format(tmp_path: Path) -> None:
    path = samples.write(tmp_path / "needles.txt", f"{samples.pdq('a')}\n{samples.pdq('b')}\n")
    with pytest.raises(UsageError, match="could be hashsum or pdq-text"):
        read_hashset(path, "x")
    assert read_hashset(path, "x", format="pdq-text").entries[0].pdq == samples.pdq("a")
    assert read_hashset(path, "x", format="hashsum").entries[0].sha256 == samples.pdq("a")


def test_unknown_content_empty_file_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(HashSetFormatError, match="matches no known hash-set format"):
        read_hashset(samples.write(tmp_path / "notes.txt", "dear diary\n"), "x")
    with pytest.raises(HashSetFormatError, match="empty"):
        read_hashset(samples.write(tmp_path / "empty.csv", "\n"), "x")
    with pytest.raises(HashSetFormatError, match="no entries"):
        read_hashset(samples.write(tmp_path / "head.csv", "md5,sha1,sha256,pdq,category,source_id\n"), "x")
    with pytest.raises(HashSetNotFoundError):
        read_hashset(tmp_path / "absent.csv", "x")
    with pytest.raises(UsageError, match="unknown hash-set format 'xml'"):
        read_hashset(samples.canonical_csv(tmp_path / "a.csv"), "x", format="xml")


def test_read_hashset_records_where_the_set_came_from(tmp_path: Path) -> None:
    path = samples.vics_file(tmp_path / "caid-export.json")
    hash_set = read_hashset(path, "caid")
    assert (hash_set.name, hash_set.format, hash_set.profile) == ("caid", "vics", "uk")
    assert hash_set.source == "caid-export.json"
    assert hash_set.source_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert hash_set.counts()["A"] == 1
    us = read_hashset(path, "caid", options=ReadOptions(profile=load_profile("us")))
    assert us.profile == "us"
    assert us.counts()["uncategorised"] == 1


def test_options_a_format_cannot_use_are_refused(tmp_path: Path) -> None:
    csv_path = samples.canonical_csv(tmp_path / "a.csv")
    with pytest.raises(UsageError, match="--profile applies to vics"):
        read_hashset(csv_path, "x", options=ReadOptions(profile=load_profile("uk")))
    with pytest.raises(UsageError, match="--category applies to lists without categories"):
        read_hashset(
            samples.vics_file(tmp_path / "v.json"), "x", options=ReadOptions(default_category=Category.A)
        )
    sums = read_hashset(
        samples.md5sum(tmp_path / "s.txt"), "x", options=ReadOptions(default_category=Category.A)
    )
    assert sums.counts()["A"] == 2
    assert sums.profile is None


def test_export_then_import_gives_the_same_entries(tmp_path: Path) -> None:
    original = read_hashset(samples.vics_file(tmp_path / "v.json"), "v")
    for name in ("csv", "vics"):
        buffer = io.StringIO()
        write_hashset(original.entries, buffer, name, WriteOptions(profile=load_profile("uk")))
        again = read_hashset(samples.write(tmp_path / f"out-{name}", buffer.getvalue()), "v")
        assert again.entries == original.entries
        assert again.format == name
    with pytest.raises(UsageError, match="exportable: csv, vics"):
        write_hashset(original.entries, io.StringIO(), "hashsum")


def test_a_file_that_changes_while_it_is_read_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = samples.canonical_csv(tmp_path / "growing.csv")
    csv_format = get_format("csv")
    original = type(csv_format).read

    def read_while_appending(self: HashSetFormat, file: Path, options: ReadOptions) -> list[Entry]:
        entries = original(self, file, options)
        with file.open("a", encoding="utf-8") as stream:
            stream.write(f"{samples.md5('late')},,,,A,\n")
        return entries

    monkeypatch.setattr(type(csv_format), "read", read_while_appending)
    with pytest.raises(HashSetFormatError, match="changed while it was read"):
        read_hashset(path, "x")
