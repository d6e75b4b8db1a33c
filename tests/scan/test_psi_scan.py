"""``warden scan --psi``: a scan matched through a private-membership service finds the exact copies a scan
against the same hash set in clear finds, under the same categories, while the service's log holds none of
the scanned hashes; wrong options are refused before a case is made, and a scan the service failed resumes."""

from __future__ import annotations

import csv
import io
import json
import shutil
import socket
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.media import media
from tests.psi.served_list import psi_config, service_log
from tests.scan.conftest import store_env
from tests.serve.served import Service, serving
from warden.cli import main
from warden.errors import PsiServiceError
from warden.hashing.item import HashOptions, hash_file
from warden.hashsets.store import HashSetStore
from warden.psi.build import KEY_FILE_NAME, build_from_store
from warden.psi.suite import ServerKey
from warden.scan.progress import SilentProgress
from warden.scan.run import ScanOptions, run_scan

CATEGORIES = ["A", "B", "C"]
"""Made-up categories of the first three photos, listed by every hash; the fourth is listed by PDQ only."""


@dataclass(frozen=True)
class Evidence:
    folder: Path
    hashset: Path
    pdq_only: str
    """The file name of the photo listed by its PDQ hash alone."""


def make_evidence(root: Path) -> Evidence:
    """Copies of seven photos and edited copies of two listed ones; a CSV listing four of the photos."""
    photos = sorted(media("photos").glob("*.jpg"))[:7]
    folder = root / "evidence"
    (folder / "edited").mkdir(parents=True)
    for number, photo in enumerate(photos):
        shutil.copyfile(photo, folder / f"{'kept' if number % 2 else 'saved'}-{photo.name}")
    with Image.open(photos[0]) as image:
        image.transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(folder / "edited" / "mirrored.jpg", quality=90)
    with Image.open(photos[1]) as image:
        image.convert("RGB").save(folder / "edited" / "recompressed.jpg", quality=45)
    rows = io.StringIO()
    writer = csv.writer(rows, lineterminator="\n")
    writer.writerow(["md5", "sha1", "sha256", "pdq", "category", "source_id"])
    options = HashOptions()
    for number, photo in enumerate(photos[:4]):
        hashes = hash_file(photo, options).to_json()
        if number < 3:
            digests = [hashes["md5"], hashes["sha1"], hashes["sha256"]]
            writer.writerow([*digests, hashes["pdq"], CATEGORIES[number], f"S{number}"])
        else:
            writer.writerow(["", "", "", hashes["pdq"], "B", f"S{number}"])
    hashset = root / "listed.csv"
    hashset.write_text(rows.getvalue())
    return Evidence(folder, hashset, photos[3].name)


def scan(evidence: Path, case: Path, *options: str) -> int:
    return main(["scan", str(evidence), "--case", str(case), "--workers", "1", "--quiet", *options])


def report(case: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((case / "report.json").read_text())
    return loaded


def by_path(scanned: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["path"]: item for item in scanned["items"]}


def comparable(scanned: dict[str, Any]) -> dict[str, Any]:
    """What two scans of the same evidence against the same list must agree on (not the service's address,
    which each run's service has its own of)."""
    hashsets = [{k: v for k, v in record.items() if k != "source"} for record in scanned["case"]["hashsets"]]
    return {"summary": scanned["summary"], "items": scanned["items"], "hashsets": hashsets}


@dataclass(frozen=True)
class World:
    evidence: Evidence
    list_folder: Path
    list_name: str
    token_file: Path
    service: Service
    local: dict[str, Any]
    private: dict[str, Any]
    log: list[str]


def token_for(service: Service, path: Path) -> Path:
    """A file holding a new key of ``service`` with the psi scope, named as the file is, readable by its
    owner only."""
    path.write_text(service.key(path.stem, "psi", rate=100_000) + "\n")
    path.chmod(0o600)
    return path


@pytest.fixture(scope="module")
def evidence(tmp_path_factory: pytest.TempPathFactory) -> Evidence:
    return make_evidence(tmp_path_factory.mktemp("psi-evidence"))


@pytest.fixture(scope="module")
def world(evidence: Evidence, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The evidence scanned against the hash set in clear, then (into another case) through the service of
    the list built from the same stored set."""
    root = tmp_path_factory.mktemp("psi-scan")
    with pytest.MonkeyPatch.context() as patch:
        store_env(patch, root)
        patch.setenv("TZ", "UTC")
        assert scan(evidence.folder, root / "local", "--hashset", str(evidence.hashset)) == 0
        store = HashSetStore.from_settings()
        name = store.resolve(str(evidence.hashset))  # imported by the scan
        key = ServerKey.generate()
        build_from_store(store, name, key, root / "list", workers=1)
        key.save(root / "list" / KEY_FILE_NAME)
        with serving(psi_config(root / "list", f"sqlite:///{root / 'service.db'}")) as service:
            token_file = token_for(service, root / "examiner.txt")
            with service_log() as lines:
                code = scan(
                    evidence.folder,
                    root / "private",
                    "--psi",
                    service.url,
                    "--psi-token-file",
                    str(token_file),
                )
            assert code == 0
            yield World(
                evidence,
                root / "list",
                name,
                token_file,
                service,
                report(root / "local"),
                report(root / "private"),
                list(lines),
            )


@pytest.mark.slow
def test_the_service_finds_the_exact_copies_the_list_in_clear_finds(world: World) -> None:
    local, private = by_path(world.local), by_path(world.private)
    assert set(local) == set(private)
    exact = [path for path, item in local.items() if item["match"] and item["match"]["kind"] == "exact"]
    assert len(exact) == 3  # the copies of the three photos listed by their digests
    for path in exact:
        found = private[path]["match"]
        assert found is not None, path
        assert (found["kind"], found["distance"], found["hashset"]) == ("exact", 0, world.list_name)
        assert found["category"] == local[path]["match"]["category"]
        assert private[path]["category"] == local[path]["category"]
    for path, item in private.items():  # and nothing the list in clear does not find
        if item["match"] is not None:
            assert local[path]["match"] is not None, path
            assert item["match"]["category"] == local[path]["match"]["category"], path


@pytest.mark.slow
def test_a_copy_listed_by_its_pdq_alone_matches_as_pdq_at_distance_0(world: World) -> None:
    path = next(path for path in by_path(world.private) if path.endswith(world.evidence.pdq_only))
    found = by_path(world.private)[path]["match"]
    assert found is not None
    assert (found["kind"], found["hash_kind"], found["distance"], found["category"]) == ("pdq", "pdq", 0, "B")
    assert by_path(world.local)[path]["match"]["category"] == "B"


@pytest.mark.slow
def test_the_case_records_the_list_by_its_commitment_and_the_services_address(world: World) -> None:
    manifest = json.loads((world.list_folder / "manifest.json").read_text())
    [record] = world.private["case"]["hashsets"]
    assert record["name"] == world.list_name and record["format"] == "psi"
    assert record["sha256"] == manifest["commitment"]
    assert record["source"] == world.service.url
    assert record["entries"] == manifest["total"]


@pytest.mark.slow
def test_the_service_log_counts_items_and_holds_no_scanned_hash(world: World) -> None:
    counts = [line for line in world.log if line.startswith("psi evaluate key=examiner items=")]
    assert counts
    text = "\n".join(world.log).lower()
    hashes = {
        item[kind]
        for item in world.private["items"]
        for kind in ("md5", "sha1", "sha256", "pdq")
        if item[kind]
    }
    assert len(hashes) > 20
    for value in hashes:
        assert value.lower() not in text


# ------------------------------------------------------------------------------------ refused options


def free_url() -> str:
    """The address of a loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


@pytest.fixture
def token_file(tmp_path: Path) -> Path:
    path = tmp_path / "key.txt"
    path.write_text("wdn_made-up\n")
    path.chmod(0o600)
    return path


def test_psi_without_a_token_file_is_refused_before_the_case_is_made(
    evidence: Evidence, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = scan(evidence.folder, tmp_path / "case", "--psi", free_url())
    assert code == 2 and "--psi needs --psi-token-file" in capsys.readouterr().err
    assert not (tmp_path / "case").exists()


def test_a_token_file_without_psi_is_refused(
    evidence: Evidence, tmp_path: Path, token_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = scan(
        evidence.folder,
        tmp_path / "case",
        "--hashset",
        str(evidence.hashset),
        "--psi-token-file",
        str(token_file),
    )
    assert code == 2 and "give --psi URL too" in capsys.readouterr().err
    assert not (tmp_path / "case").exists()


def test_neither_a_hash_set_nor_psi_is_refused(
    evidence: Evidence, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = scan(evidence.folder, tmp_path / "case")
    assert code == 2 and "--hashset" in capsys.readouterr().err and not (tmp_path / "case").exists()


def test_a_token_file_others_may_read_is_refused_before_the_case_is_made(
    evidence: Evidence, tmp_path: Path, token_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    token_file.chmod(0o644)
    code = scan(evidence.folder, tmp_path / "case", "--psi", free_url(), "--psi-token-file", str(token_file))
    err = capsys.readouterr().err
    assert code == 14 and "chmod 600" in err and "wdn_made-up" not in err
    assert not (tmp_path / "case").exists()


def test_a_service_that_is_not_there_exits_20_before_the_case_is_made(
    evidence: Evidence, tmp_path: Path, token_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = free_url()
    code = scan(evidence.folder, tmp_path / "case", "--psi", url, "--psi-token-file", str(token_file))
    err = capsys.readouterr().err
    assert code == 20 and "cannot be reached" in err and url in err and "Traceback" not in err
    assert not (tmp_path / "case").exists()


@pytest.mark.slow
def test_a_list_named_as_a_local_set_matched_too_is_refused(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hashset = tmp_path / f"{world.list_name}.csv"  # imported under the list's name
    shutil.copyfile(world.evidence.hashset, hashset)
    code = scan(
        world.evidence.folder,
        tmp_path / "case",
        "--hashset",
        str(hashset),
        "--psi",
        world.service.url,
        "--psi-token-file",
        str(world.token_file),
    )
    assert code == 2 and "match one or the other" in capsys.readouterr().err
    assert not (tmp_path / "case").exists()


class StopsTheService(SilentProgress):
    """Progress that stops the service once ``after`` items are recorded: the service goes away mid-scan."""

    def __init__(self, stack: ExitStack, after: int) -> None:
        self.stack, self.after, self.recorded = stack, after, 0

    def advance(self, count: int = 1, size: int = 0) -> None:
        self.recorded += count
        if self.recorded >= self.after:
            self.stack.close()


@pytest.mark.slow
def test_a_scan_the_service_failed_resumes_to_the_uninterrupted_result(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setenv("WARDEN_BATCH_SIZE", "2")  # two items recorded, then the service goes away
    case = tmp_path / "case"
    with ExitStack() as stack:
        first = stack.enter_context(serving(psi_config(world.list_folder, f"sqlite:///{tmp_path / 'a.db'}")))
        options = ScanOptions(
            evidence=[world.evidence.folder],
            hashsets=[],
            case_dir=case,
            workers=1,
            psi_url=first.url,
            psi_token_file=token_for(first, tmp_path / "first.txt"),
        )
        with pytest.raises(PsiServiceError, match="cannot be reached") as failed:
            run_scan(options, HashSetStore.from_settings(), StopsTheService(stack, after=3))
    assert failed.value.exit_code == 20
    assert (case / "case.db").exists()
    with serving(psi_config(world.list_folder, f"sqlite:///{tmp_path / 'b.db'}")) as again:
        token = token_for(again, tmp_path / "again.txt")
        assert scan(world.evidence.folder, case, "--psi", again.url, "--psi-token-file", str(token)) == 0
    assert comparable(report(case)) == comparable(world.private)
