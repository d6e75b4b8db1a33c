"""The live index: a change made in one process is matched in another within seconds, and swapping the big
index under a stream of lookups loses none of them."""

from __future__ import annotations

import json
import multiprocessing
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path

import pytest

from tests.media import media
from tests.serve.bank_service import PHOTOS, open_banks, photo_csv
from warden.hashing.item import hash_file
from warden.model.categories import Category
from warden.serve.live_index import IndexState, LiveIndex
from warden.serve.lookup import Query, lookup

GIVE_UP_AFTER = 60.0
"""Only so that the waiting loop ends on a broken build: how fast a change is seen is measured by
benchmarks/bench_serve.py, never asserted here."""


def _watch(root: str, pdq: str, pipe: Connection) -> None:
    """In another process: hold a live index over the same database and store; say when ``pdq`` matches."""
    index = LiveIndex(open_banks(Path(root)), poll_seconds=0.1).start(wait=True)
    try:
        pipe.send_bytes(json.dumps({"ready": index.state.value}).encode())
        pipe.recv_bytes()  # the other process has added the content
        started = time.monotonic()
        found: list[str] = []
        while not found and time.monotonic() - started < GIVE_UP_AFTER:
            found = [m.content_id for m in lookup(index, [Query("pdq", pdq)])[0].matches]
            time.sleep(0.02)
        pipe.send_bytes(json.dumps({"found": found}).encode())
    finally:
        index.close()


def test_an_add_in_one_process_is_matched_by_a_lookup_in_another(tmp_path: Path) -> None:
    banks = open_banks(tmp_path)
    banks.create("SHARED")
    banks.fill("SHARED", photo_csv(tmp_path))  # a big index both processes map
    pdq = hash_file(media("photos", "n01514859_hen.jpg")).pdq or ""
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    watcher = context.Process(target=_watch, args=(str(tmp_path), pdq, theirs), daemon=True)
    watcher.start()
    try:
        with LiveIndex(banks, poll_seconds=0.1).start(wait=True) as index:
            assert ours.poll(60), "the other process did not load its index"
            assert json.loads(ours.recv_bytes()) == {"ready": "ready"}
            banks.add("SHARED", {"pdq": pdq}, Category.A, "hen")
            ours.send_bytes(b"added")
            assert ours.poll(60)
            answer = json.loads(ours.recv_bytes())
            assert answer["found"] == ["hen"], "the other process never saw the added content"
            index.refresh()
            assert [m.content_id for m in lookup(index, [Query("pdq", pdq)])[0].matches] == ["hen"]
    finally:
        watcher.join(30)
        if watcher.is_alive():
            watcher.kill()
    assert watcher.exitcode == 0


@pytest.mark.slow
def test_swapping_the_big_index_during_a_stream_of_lookups_loses_none(tmp_path: Path) -> None:
    banks = open_banks(tmp_path)
    banks.create("SWAPPED")
    banks.fill("SWAPPED", photo_csv(tmp_path))
    index = LiveIndex(banks, merge_entries=0)
    assert index.state is IndexState.LOADING
    index.refresh()
    assert index.state is IndexState.READY
    digest = hash_file(media("photos", PHOTOS[0])).sha256 or ""
    answers: list[list[str]] = []
    failures: list[BaseException] = []
    stop = threading.Event()

    def stream() -> None:
        while not stop.is_set() and len(answers) < 1_000_000:
            try:
                answers.append([m.content_id for m in lookup(index, [Query("sha256", digest)])[0].matches])
            except BaseException as error:  # recorded: the test fails on any
                failures.append(error)

    reader = threading.Thread(target=stream)
    reader.start()
    bases = set()
    try:
        for number in range(6):  # each round: a change, a merge into a new big index, a swap
            banks.add("SWAPPED", {"md5": f"{number:032x}"}, content_id=f"extra-{number}")
            index.refresh()
            assert banks.merge("SWAPPED")
            index.refresh()
            view = index.snapshot.banks["SWAPPED"]
            assert view.base is not None
            bases.add(view.base.store_name)
    finally:
        stop.set()
        reader.join(60)
    assert len(bases) == 6, "every merge swapped in a new big index"
    assert failures == []
    assert answers and all(found == ["photo-0"] for found in answers)


@pytest.mark.slow
def test_changes_reach_a_live_index_through_postgresql(tmp_path: Path, postgres_url: str) -> None:
    banks = open_banks(tmp_path, postgres_url)
    banks.create("ON_POSTGRES")
    banks.fill("ON_POSTGRES", photo_csv(tmp_path))
    index = LiveIndex(banks, merge_entries=0)
    index.refresh()
    digest = hash_file(media("photos", PHOTOS[2])).md5 or ""

    def found() -> list[str]:
        return [m.content_id for m in lookup(index, [Query("md5", digest)])[0].matches]

    assert found() == ["photo-2"]
    banks.disable("ON_POSTGRES", "photo-2")
    banks.add("ON_POSTGRES", {"md5": digest}, Category.A, "again")
    assert index.refresh()
    assert found() == ["again"]
    assert banks.merge("ON_POSTGRES")
    assert index.refresh()
    assert found() == ["again"]
    assert banks.content("ON_POSTGRES")[0] == len(PHOTOS) + 1
