"""``warden psi build|query|serve`` as a user runs them: what the build prints and when it builds again, the
query's lines and JSON, and refusals as documented exit codes with a message and no traceback."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.psi.served_list import LISTED, UNLISTED, ServedList, serving_list
from tests.serve.served import command_serving, free_port
from tests.waiting import wait_until
from warden.cli import main
from warden.hashsets.model import Entry, HashSet
from warden.hashsets.store import HashSetStore
from warden.model.categories import Category
from warden.model.hashes import VpdqFrame
from warden.psi.build import list_folder
from warden.psi.manifest import ListManifest


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def store_set(name: str = "made-up", source_sha256: str = "ab" * 32) -> None:
    """:data:`LISTED` as hash set ``name`` in the test's store, with a vPDQ entry a list cannot hold."""
    fields = {"md5": "md5", "sha1": "sha1", "sha256": "sha256", "pdq": "pdq"}
    entries = [
        Entry(**{fields[kind]: value}, category=Category(category))  # type: ignore[arg-type]
        for (kind, value), category in LISTED.items()
    ]
    entries.append(Entry(vpdq=(VpdqFrame("0f" * 32, 100, 0.0),), category=Category.B))
    store = HashSetStore.from_settings()
    store.add(
        HashSet(name=name, format="csv", entries=entries, source="set.csv", source_sha256=source_sha256)
    )


# ------------------------------------------------------------------------------------------------ build


def test_build_prints_the_tags_counts_and_commitment(capsys: pytest.CaptureFixture[str]) -> None:
    store_set()
    code, out, err = run(capsys, "psi", "build", "made-up", "--workers", "1")
    assert code == 0
    manifest = ListManifest.read(list_folder("made-up"))
    assert f"list 'made-up' in {list_folder('made-up')}: 5 tags (2 md5, 1 pdq, 1 sha1, 1 sha256)" in out
    assert "categories: A, B, C, known_good" in out
    assert f"public key: {manifest.public_key}" in out
    assert f"commitment: {manifest.commitment}" in out
    assert "not listed (not exact hashes): 1 vpdq" in out
    assert "created the PSI server key" in err and "building the PSI list of 'made-up'" in err
    for _kind, value in LISTED:
        assert value not in out + err
    assert (list_folder("made-up") / "server.key").stat().st_mode & 0o077 == 0


def test_a_current_list_is_not_built_again_unless_forced(capsys: pytest.CaptureFixture[str]) -> None:
    store_set()
    first = run(capsys, "psi", "build", "made-up", "--workers", "1")
    built = ListManifest.read(list_folder("made-up"))
    again = run(capsys, "psi", "build", "made-up", "--workers", "1")
    assert again[0] == 0 and again[1] == first[1]  # the same list, told the same way
    assert again[2] == ""  # nothing built, no key made
    assert ListManifest.read(list_folder("made-up")) == built
    code, _, err = run(capsys, "psi", "build", "made-up", "--workers", "1", "--force")
    assert code == 0 and "building the PSI list" in err and "created" not in err
    assert ListManifest.read(list_folder("made-up")).commitment == built.commitment  # same key, same set


def test_a_list_is_built_again_when_its_set_changed(capsys: pytest.CaptureFixture[str]) -> None:
    store_set()
    run(capsys, "psi", "build", "made-up", "--workers", "1")
    HashSetStore.from_settings().remove("made-up")
    store_set(source_sha256="cd" * 32)
    code, _, err = run(capsys, "psi", "build", "made-up", "--workers", "1")
    assert code == 0 and "building the PSI list" in err
    assert ListManifest.read(list_folder("made-up")).source_sha256 == "cd" * 32


def test_building_an_unknown_set_exits_4_naming_it(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "psi", "build", "nobody")
    assert code == 4 and out == ""
    assert err.startswith("warden: error: ") and "nobody" in err
    assert not list_folder("nobody").exists()


# ------------------------------------------------------------------------------------------------ query


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedList]:
    with serving_list(tmp_path_factory.mktemp("psi-command")) as running:
        yield running


@pytest.fixture
def token_file(served: ServedList, tmp_path: Path) -> Path:
    path = tmp_path / "key.txt"
    path.write_text(served.service.key(f"examiner-{tmp_path.name}", "psi") + "\n")
    path.chmod(0o600)
    return path


def asked_text(kind: str, value: str) -> str:
    return f"{kind}:{value}"


def test_query_prints_each_hash_listed_or_not(
    served: ServedList, token_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asked = [*LISTED, UNLISTED[0]]
    code, out, err = run(
        capsys, "psi", "query", served.url, "--token-file", str(token_file), *(asked_text(*h) for h in asked)
    )
    assert code == 0
    expected = [f"listed {category}\t{kind}:{value}" for (kind, value), category in LISTED.items()]
    assert out.splitlines() == [*expected, f"not listed\tmd5:{UNLISTED[0][1]}"]
    assert f"5 of 6 listed in 'made-up' (commitment {served.manifest.commitment[:16]}" in err


def test_query_takes_bare_hashes_by_length_and_a_file(
    served: ServedList, token_file: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    listed_md5 = next(value for kind, value in LISTED if kind == "md5")
    listed_pdq = next(value for kind, value in LISTED if kind == "pdq")
    hashes = tmp_path / "hashes.txt"
    hashes.write_text(f"# asked by the examiner\n\n{UNLISTED[2][1]}\npdq:{listed_pdq}\n")
    code, out, _ = run(
        capsys, "psi", "query", served.url, listed_md5, "--file", str(hashes), "--token-file", str(token_file)
    )
    assert code == 0
    assert out.splitlines() == [
        f"listed A\tmd5:{listed_md5}",
        f"not listed\tsha256:{UNLISTED[2][1]}",
        f"listed C\tpdq:{listed_pdq}",
    ]


def test_query_json_is_the_list_and_every_answer(
    served: ServedList, token_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asked = [*LISTED, *UNLISTED]
    code, out, _ = run(
        capsys,
        "psi",
        "query",
        served.url,
        "--token-file",
        str(token_file),
        "--batch",
        "4",
        "--json",
        *(asked_text(*h) for h in asked),
    )
    assert code == 0
    document = json.loads(out)
    manifest = served.manifest
    assert document["list"] == {
        "hash_set": "made-up",
        "total": 5,
        "public_key": manifest.public_key,
        "commitment": manifest.commitment,
    }
    assert document["answers"] == [
        {
            "kind": kind,
            "value": value,
            "listed": (kind, value) in LISTED,
            "category": LISTED.get((kind, value)),
        }
        for kind, value in asked
    ]


@pytest.mark.parametrize(
    ("hash_text", "says"),
    [("abc123", "hash 2: give KIND:VALUE"), ("sha512:" + "0" * 128, "hash 2: 'sha512' is not a kind")],
)
def test_a_bad_hash_exits_2_naming_it(
    served: ServedList, token_file: Path, capsys: pytest.CaptureFixture[str], hash_text: str, says: str
) -> None:
    code, out, err = run(
        capsys,
        "psi",
        "query",
        served.url,
        "--token-file",
        str(token_file),
        f"md5:{UNLISTED[0][1]}",
        hash_text,
    )
    assert code == 2 and out == "" and says in err


def test_a_hash_not_of_its_kind_exits_2(
    served: ServedList, token_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys, "psi", "query", served.url, "--token-file", str(token_file), "md5:" + "z" * 32
    )
    assert code == 2 and out == "" and err.startswith("warden: error: ")


def test_a_token_file_others_may_read_exits_14(
    served: ServedList, token_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    token_file.chmod(0o644)
    code, out, err = run(capsys, "psi", "query", served.url, "--token-file", str(token_file), UNLISTED[0][1])
    assert code == 14 and out == "" and "chmod 600" in err
    assert token_file.read_text().strip() not in err


def test_an_unreachable_service_exits_20(token_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    code, out, err = run(capsys, "psi", "query", url, "--token-file", str(token_file), UNLISTED[0][1])
    assert code == 20 and out == ""
    assert err.startswith("warden: error: ") and "cannot be reached" in err and url in err


# ------------------------------------------------------------------------------------------------ serve


@pytest.mark.slow
def test_psi_serve_builds_and_serves_a_stored_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WARDEN_SERVE_DB", "")
    store_set()
    code, key, _ = run(capsys, "apikey", "create", "examiner", "--scope", "psi")
    assert code == 0
    token_file = tmp_path / "key.txt"
    token_file.write_text(key)
    token_file.chmod(0o600)
    log = tmp_path / "serve.log"
    with command_serving(["psi", "serve", "made-up"], dict(os.environ), log) as url:
        asked = [*LISTED, UNLISTED[0]]
        code, out, _ = run(
            capsys, "psi", "query", url, "--token-file", str(token_file), *(asked_text(*h) for h in asked)
        )
        assert code == 0
        assert [line.split("\t")[0] for line in out.splitlines()] == [
            *(f"listed {category}" for category in LISTED.values()),
            "not listed",
        ]
        wait_until(lambda: "psi evaluate key=examiner items=6 " in log.read_text(), "the batch is logged")
    text = log.read_text()
    assert "building the PSI list of 'made-up'" in text and "Traceback" not in text
    for _kind, value in asked:
        assert value not in text and value.upper() not in text
    assert ListManifest.read(list_folder("made-up")).total == 5
