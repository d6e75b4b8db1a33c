"""``PsiClient`` against a real served list: listed hashes found under their categories and nothing else, the
filter fetched once and kept, a filter or proof that is not the list's refused with nothing reported, and each
refusal of the service an error that says why."""

from __future__ import annotations

import dataclasses
import hashlib
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.psi.served_list import LISTED, UNLISTED, ServedList, entries, service_log, serving_list
from tests.waiting import wait_until
from warden.errors import KeyFileError, PsiListError, PsiProofError, PsiServiceError, UsageError
from warden.psi.build import build_list
from warden.psi.client import PsiAnswer, PsiClient, read_token_file
from warden.psi.suite import ServerKey


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedList]:
    with serving_list(tmp_path_factory.mktemp("psi-client")) as running:
        yield running


@pytest.fixture(scope="module")
def token(served: ServedList) -> str:
    return served.service.key("examiner", "psi", rate=100_000)


def client(served: ServedList, token: str, cache: Path, *, batch: int = 1000) -> PsiClient:
    return PsiClient(served.url, token, cache=cache, batch=batch)


def test_listed_hashes_are_found_under_their_categories_in_the_order_asked(
    served: ServedList, token: str, tmp_path: Path
) -> None:
    asked = [UNLISTED[0], *LISTED, *UNLISTED[1:]]
    with client(served, token, tmp_path) as psi:
        answers = psi.query(asked)
    assert answers == [PsiAnswer(kind, value, LISTED.get((kind, value))) for kind, value in asked]
    assert [answer.listed for answer in answers] == [False] + [True] * len(LISTED) + [False] * 4
    assert psi.evaluated == len(asked)


def test_a_hash_asked_twice_is_evaluated_once(served: ServedList, token: str, tmp_path: Path) -> None:
    (kind, value), category = next(iter(LISTED.items()))
    asked = [(kind, value), UNLISTED[0], (kind, value.upper()), (kind, value)]
    with client(served, token, tmp_path) as psi:
        answers = psi.query(asked)
    assert [answer.category for answer in answers] == [category, None, category, category]
    assert answers[2].value == value.upper()  # told back as it was asked
    assert psi.evaluated == 2


def test_batches_smaller_than_the_query_give_the_same_answers(
    served: ServedList, token: str, tmp_path: Path
) -> None:
    asked = [*LISTED, *UNLISTED]
    assert len(asked) == 10
    with client(served, token, tmp_path) as whole, service_log() as lines:
        expected = whole.query(asked)
        with client(served, token, tmp_path, batch=3) as parts:
            assert parts.query(asked) == expected
            assert parts.evaluated == 10
        wait_until(lambda: sum("POST /v1/psi/evaluate 200" in line for line in lines) == 5, "five batches")
    items = sorted(int(line.split("items=")[1].split()[0]) for line in lines if "items=" in line)
    assert items == [1, 3, 3, 3, 10]


def test_the_filter_is_kept_under_the_commitment_and_fetched_once(
    served: ServedList, token: str, tmp_path: Path
) -> None:
    kept = tmp_path / served.manifest.commitment / "tags.filter"
    with service_log() as lines:
        with client(served, token, tmp_path) as first:
            first.query(UNLISTED)
        assert kept.read_bytes() == (served.folder / "tags.filter").read_bytes()
        before = kept.stat()
        with client(served, token, tmp_path) as second:
            assert second.query(list(LISTED))[0].listed
        wait_until(lambda: sum("/v1/psi/manifest 200" in line for line in lines) == 2, "two manifests")
    assert sum("GET /v1/psi/filter" in line for line in lines) == 1
    after = kept.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert sorted(path.name for path in kept.parent.iterdir()) == ["manifest.json", "tags.filter"]


def test_a_damaged_cached_filter_is_fetched_again(served: ServedList, token: str, tmp_path: Path) -> None:
    kept = tmp_path / served.manifest.commitment / "tags.filter"
    with client(served, token, tmp_path) as first:
        first.tag_filter()
    damaged = bytearray(kept.read_bytes())
    damaged[-1] ^= 0xFF
    kept.write_bytes(bytes(damaged))
    with client(served, token, tmp_path) as second:
        answers = second.query(list(LISTED))
    assert all(answer.category == LISTED[answer.kind, answer.value] for answer in answers)
    assert kept.read_bytes() == (served.folder / "tags.filter").read_bytes()


def test_a_filter_that_is_not_the_manifests_is_refused(tmp_path: Path) -> None:
    with serving_list(tmp_path / "service") as served:
        token = served.service.key("examiner", "psi")
        filter_path = served.folder / "tags.filter"
        changed = bytearray(filter_path.read_bytes())
        changed[-1] ^= 0xFF  # changed on the server's disk after it started
        filter_path.write_bytes(bytes(changed))
        with client(served, token, tmp_path / "cache") as psi, pytest.raises(PsiListError) as refused:
            psi.query(list(LISTED))
    assert "not the one its manifest names" in str(refused.value)
    folder = tmp_path / "cache" / served.manifest.commitment
    assert not (folder / "tags.filter").exists()
    assert list(folder.iterdir()) == []  # no partial download left behind


def test_a_list_built_again_while_served_is_not_mixed_with_the_one_served(tmp_path: Path) -> None:
    """``warden psi build --force`` replaces the filter file under a running service: the service goes on
    sending the filter it checked at start, which its manifest names, until it is restarted."""
    with serving_list(tmp_path / "service") as served:
        token = served.service.key("examiner", "psi")
        original = (served.folder / "tags.filter").read_bytes()
        build_list(entries()[:2], ServerKey.generate(), served.folder, 1, hash_set="made-up")
        assert (served.folder / "tags.filter").read_bytes() != original
        with client(served, token, tmp_path / "cache") as psi:
            answers = psi.query(list(LISTED))
    assert [answer.category for answer in answers] == list(LISTED.values())
    assert (tmp_path / "cache" / served.manifest.commitment / "tags.filter").read_bytes() == original


def test_a_proof_from_another_key_than_the_manifests_stops_the_query(
    served: ServedList, token: str, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    with client(served, token, tmp_path) as psi:
        manifest = psi.manifest()
        # As if the service published one key and answered with another.
        other = ServerKey.generate().public_key().hex()
        psi._manifest = dataclasses.replace(manifest, public_key=other)
        answers: list[PsiAnswer] | None = None
        with pytest.raises(PsiProofError, match="does not verify"):
            answers = psi.query(list(LISTED))
        assert answers is None
    assert "panic" not in capfd.readouterr().err  # the library's panic text never reaches the user


def test_a_bad_key_is_refused_with_401(served: ServedList, tmp_path: Path) -> None:
    with client(served, "wdn_not-a-key", tmp_path) as psi, pytest.raises(PsiServiceError) as refused:
        psi.query(UNLISTED)
    assert "HTTP 401" in str(refused.value) and "refused the API key" in str(refused.value)
    assert "wdn_not-a-key" not in str(refused.value)


def test_a_key_without_the_psi_scope_is_refused_with_403(served: ServedList, tmp_path: Path) -> None:
    matcher = served.service.key("matcher", "match")
    with client(served, matcher, tmp_path) as psi, pytest.raises(PsiServiceError) as refused:
        psi.query(UNLISTED)
    assert "HTTP 403" in str(refused.value) and "psi scope" in str(refused.value)


def test_a_key_over_its_rate_is_refused_with_429_and_the_wait(served: ServedList, tmp_path: Path) -> None:
    limited = served.service.key("limited", "psi", rate=5)
    asked = [("md5", hashlib.md5(b"%d" % number).hexdigest()) for number in range(10)]
    with client(served, limited, tmp_path) as psi, pytest.raises(PsiServiceError) as refused:
        psi.query(asked)
    message = str(refused.value)
    assert "HTTP 429" in message and "ask again in" in message
    assert psi.evaluated == 0


def test_a_service_that_is_not_there_is_a_service_error(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed when the block ends: nothing listens there
    url = f"http://127.0.0.1:{port}"
    with (
        PsiClient(url, "wdn_any", cache=tmp_path, timeout=10) as psi,
        pytest.raises(PsiServiceError) as refused,
    ):
        psi.query(UNLISTED)
    assert "cannot be reached" in str(refused.value) and url in str(refused.value)
    assert list(tmp_path.iterdir()) == []


def test_a_bad_hash_is_refused_before_anything_is_sent(
    served: ServedList, token: str, tmp_path: Path
) -> None:
    with client(served, token, tmp_path) as psi:
        with pytest.raises(UsageError):
            psi.query([UNLISTED[0], ("md5", "not-hex")])
        with pytest.raises(UsageError, match="exact hashes only"):
            psi.query([("vpdq", "00")])
    assert psi.evaluated == 0
    assert list(tmp_path.iterdir()) == []  # not even the list's filter was fetched


def test_a_batch_out_of_range_is_refused(served: ServedList, token: str) -> None:
    for batch in (0, 10_001):
        with pytest.raises(UsageError, match="a PSI batch is 1 to 10,000"):
            PsiClient(served.url, token, batch=batch)


def test_the_token_file_holds_the_key_on_its_first_line(tmp_path: Path) -> None:
    path = tmp_path / "key.txt"
    path.write_text("  wdn_abc  \nanything else\n")
    path.chmod(0o600)
    assert read_token_file(path) == "wdn_abc"


def test_a_token_file_others_may_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "key.txt"
    path.write_text("wdn_abc\n")
    path.chmod(0o644)
    with pytest.raises(KeyFileError, match="chmod 600"):
        read_token_file(path)


def test_a_missing_or_empty_token_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        read_token_file(tmp_path / "missing.txt")
    empty = tmp_path / "empty.txt"
    empty.write_text("\n  \n")
    empty.chmod(0o600)
    with pytest.raises(UsageError, match="does not hold an API key"):
        read_token_file(empty)
