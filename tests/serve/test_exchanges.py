"""Banks filled from hash exchanges through python-threatexchange's real clients, each against a fake of the
exchange on loopback: pages, categories through a profile, incremental fetches, deletions, and hostile
servers that must leave the bank as it was."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.serve.fake_exchanges import (
    ENDLESS,
    ERROR,
    GARBAGE,
    NCMEC_PASSWORD,
    NCMEC_USER,
    SILENT,
    STOPNCII_FETCH_KEY,
    STOPNCII_SUBSCRIPTION_KEY,
    TE_GROUP,
    TE_TOKEN,
    FakeExchange,
    FakeNcmec,
    FakeStopNcii,
    FakeThreatExchange,
    NcmecRecord,
    made_up_md5,
    made_up_pdq,
    made_up_sha1,
    running,
    wait_past,
)
from warden.errors import ExchangeError, UsageError
from warden.hashsets.model import Entry
from warden.hashsets.store import HashSetStore
from warden.model.categories import Category
from warden.serve.banks import Banks, entry_values
from warden.serve.exchange_clients import ExchangeLimits
from warden.serve.exchanges import FetchOptions, exchange_state, fetch_bank, state_path
from warden.serve.live_index import LiveIndex
from warden.serve.lookup import Query, lookup
from warden.servicedb.database import open_service_db

LIMITS = ExchangeLimits(
    timeout=0.5, max_requests=200, max_seconds=60, max_response_bytes=1 << 20, max_records=1000
)


@pytest.fixture
def store() -> HashSetStore:
    return HashSetStore.from_settings()


@pytest.fixture
def profile(tmp_path: Path) -> str:
    """A made-up profile: opinions as the built-in ``threatexchange`` profile reads them, and two made-up
    tags graded A and B."""
    path = tmp_path / "made-up-exchange.json"
    body = {
        "name": "made-up-exchange",
        "map": {
            "positive_class": "uncategorised",
            "investigation_seed": "uncategorised",
            "negative_class": "not_indecent",
        },
        "tags": {"test_a": "A", "test_b": "B"},
    }
    path.write_text(json.dumps(body), encoding="utf-8")
    return str(path)


def by_hash(store: HashSetStore, bank: str, kind: str) -> dict[str, Entry]:
    return {value: e for e in store.load(bank).entries if (value := e.value(kind))}


# ------------------------------------------------------------------------------------------------ NCMEC


def ncmec_record(number: int, timestamp: int, tag: str = "test_a", kind: str = "image") -> NcmecRecord:
    prints = {"md5": made_up_md5(number), "sha1": made_up_sha1(number), "pdq": made_up_pdq(number)}
    if kind == "video":
        prints = {"md5": made_up_md5(number)}
    return NcmecRecord(f"e{number}", 42, timestamp, kind, tag, prints)


@pytest.fixture
def ncmec() -> Iterator[FakeNcmec]:
    now = int(time.time())
    records = [ncmec_record(n, now - 3600 + n * 7, "test_a" if n % 2 else "test_b") for n in range(5)]
    records.append(ncmec_record(50, now - 1800, "test_b", kind="video"))
    with running(FakeNcmec(records=records)) as fake:
        yield fake


def ncmec_options(fake: FakeExchange, profile: str | None = None) -> FetchOptions:
    return FetchOptions(f"{NCMEC_USER}:{NCMEC_PASSWORD}", fake.base_url, "NGO", profile)


def test_ncmec_fills_a_bank_page_by_page_with_every_fingerprint(
    store: HashSetStore, ncmec: FakeNcmec, profile: str
) -> None:
    result = fetch_bank(store, "ncmec-ngo", "ncmec", ncmec_options(ncmec, profile), LIMITS)

    assert (result.added, result.removed, result.entries, result.full) == (6, 0, 6, True)
    entries = by_hash(store, "ncmec-ngo", "md5")
    one = entries[made_up_md5(1)]
    assert (one.sha1, one.pdq, one.category) == (made_up_sha1(1), made_up_pdq(1), Category.A)
    assert entries[made_up_md5(2)].category is Category.B
    assert entries[made_up_md5(50)].pdq is None  # a video: its MD5 only
    assert one.source_id == "ncmec:42-e1"
    opened = store.open("ncmec-ngo")  # and it matches, exactly and by PDQ distance
    assert opened.exact("md5", made_up_md5(3))
    assert opened.pdq(made_up_pdq(4), 10)


def test_ncmec_second_fetch_gets_only_what_changed_since_the_checkpoint(
    store: HashSetStore, ncmec: FakeNcmec, profile: str
) -> None:
    options = ncmec_options(ncmec, profile)
    fetch_bank(store, "ncmec-ngo", "ncmec", options, LIMITS)
    state = exchange_state(store, "ncmec-ngo")
    assert state is not None
    checkpoint = state["checkpoint"]["get_entries_max_ts"]
    ncmec.records.append(ncmec_record(7, checkpoint))  # shared late, stamped at the checkpoint
    gone = ncmec_record(3, checkpoint)
    ncmec.records.append(NcmecRecord(gone.id, 42, checkpoint, deleted=True))  # and one taken back
    ncmec.requests.clear()
    wait_past(checkpoint)

    result = fetch_bank(store, "ncmec-ngo", "ncmec", options, LIMITS)

    assert (result.added, result.removed, result.entries, result.full) == (1, 1, 6, False)
    entries = by_hash(store, "ncmec-ngo", "md5")
    assert made_up_md5(7) in entries and made_up_md5(3) not in entries
    assert not store.open("ncmec-ngo").exact("md5", made_up_md5(3))


# --------------------------------------------------------------------------------------------- StopNCII


@pytest.fixture
def stopncii() -> Iterator[FakeStopNcii]:
    with running(FakeStopNcii(), "/v1") as fake:
        fake.put("ImagePDQ", made_up_pdq(1))
        fake.put(
            "ImagePDQ",
            made_up_pdq(2),
            feedbacks=[{"feedbackValue": "Blocked", "tags": ["test_a"], "source": "Made-up CSP"}],
        )
        fake.put(
            "ImagePDQ", made_up_pdq(3), feedbacks=[{"feedbackValue": "NotBlocked", "source": "Other CSP"}]
        )
        fake.put("VideoMD5", made_up_md5(4))
        fake.put("URL", "https://example.invalid/made-up")
        yield fake


def stopncii_options(fake: FakeExchange, profile: str | None = None) -> FetchOptions:
    return FetchOptions(f"{STOPNCII_FETCH_KEY},{STOPNCII_SUBSCRIPTION_KEY}", fake.base_url, None, profile)


def test_stopncii_fills_a_bank_with_its_opinions_through_the_profile(
    store: HashSetStore, stopncii: FakeStopNcii, profile: str
) -> None:
    result = fetch_bank(store, "stopncii", "stopncii", stopncii_options(stopncii, profile), LIMITS)

    assert (result.added, result.entries) == (4, 4)
    assert result.requests >= 3  # five records, two a page
    pdq = by_hash(store, "stopncii", "pdq")
    assert pdq[made_up_pdq(1)].category is Category.UNCATEGORISED  # submitted, no platform's opinion yet
    assert pdq[made_up_pdq(2)].category is Category.A  # blocked, tagged with a tag the profile grades
    assert pdq[made_up_pdq(3)].category is Category.NOT_INDECENT  # a platform's "not blocked" never counts
    assert made_up_md5(4) in by_hash(store, "stopncii", "md5")
    assert store.manifest("stopncii")["profile"] == "made-up-exchange"


def test_stopncii_second_fetch_adds_new_hashes_and_drops_withdrawn_ones(
    store: HashSetStore, stopncii: FakeStopNcii, profile: str
) -> None:
    options = stopncii_options(stopncii, profile)
    fetch_bank(store, "stopncii", "stopncii", options, LIMITS)
    stopncii.put("ImagePDQ", made_up_pdq(9))
    stopncii.put("ImagePDQ", made_up_pdq(1), status="Withdrawn")
    stopncii.requests.clear()

    result = fetch_bank(store, "stopncii", "stopncii", options, LIMITS)

    assert (result.added, result.removed, result.entries, result.full) == (1, 1, 4, False)
    assert len(stopncii.requests) == 1  # only the two changes, in one page
    pdq = by_hash(store, "stopncii", "pdq")
    assert made_up_pdq(9) in pdq and made_up_pdq(1) not in pdq


# --------------------------------------------------------------------------------------- ThreatExchange


@pytest.fixture
def threatexchange() -> Iterator[FakeThreatExchange]:
    with running(FakeThreatExchange(), "/v26.0") as fake:
        fake.put("HASH_PDQ", made_up_pdq(1), tags=("test_b",))
        fake.put("HASH_PDQ", made_up_pdq(2), status="NON_MALICIOUS")
        fake.put("HASH_VIDEO_MD5", made_up_md5(3))
        fake.put("HASH_MD5", made_up_md5(4), tags=("media_type_video", "test_a"))
        fake.put("HASH_MD5", made_up_md5(5))  # an MD5 of no stated media: not taken as a video's
        fake.put("URI", "https://example.invalid/made-up")
        yield fake


def te_options(fake: FakeExchange, profile: str | None = None) -> FetchOptions:
    return FetchOptions(TE_TOKEN, fake.base_url, str(TE_GROUP), profile)


def test_threatexchange_fills_a_bank_from_threat_updates(
    store: HashSetStore, threatexchange: FakeThreatExchange, profile: str
) -> None:
    result = fetch_bank(store, "te", "threatexchange", te_options(threatexchange, profile), LIMITS)

    assert (result.added, result.entries) == (4, 4)
    assert sum(result.skipped.values()) == 2  # the URL, and the MD5 of no stated media
    pdq = by_hash(store, "te", "pdq")
    assert pdq[made_up_pdq(1)].category is Category.B
    assert pdq[made_up_pdq(2)].category is Category.NOT_INDECENT
    md5 = by_hash(store, "te", "md5")
    assert md5[made_up_md5(4)].category is Category.A
    assert set(md5) == {made_up_md5(3), made_up_md5(4)}
    assert made_up_pdq(1) not in (pdq[made_up_pdq(1)].source_id or "")  # ids never carry a hash in clear


def test_threatexchange_second_fetch_applies_changes_and_deletions(
    store: HashSetStore, threatexchange: FakeThreatExchange, profile: str
) -> None:
    options = te_options(threatexchange, profile)
    fetch_bank(store, "te", "threatexchange", options, LIMITS)
    threatexchange.put("HASH_PDQ", made_up_pdq(8), tags=("test_a",))
    threatexchange.put("HASH_PDQ", made_up_pdq(1), delete=True)
    threatexchange.requests.clear()

    result = fetch_bank(store, "te", "threatexchange", options, LIMITS)

    assert not result.full
    pdq = by_hash(store, "te", "pdq")
    assert pdq[made_up_pdq(8)].category is Category.A
    assert made_up_pdq(1) not in pdq and made_up_pdq(2) in pdq
    asked_from = {q for r in threatexchange.requests for q in r.split("&") if q.startswith("start_time=")}
    assert asked_from and all(int(q.split("=")[1]) > 1_700_000_000 for q in asked_from)


def test_threatexchange_next_page_on_another_server_is_not_followed(
    store: HashSetStore, threatexchange: FakeThreatExchange
) -> None:
    threatexchange.next_server = "http://127.0.0.2:9"
    with pytest.raises(ExchangeError, match="another server"):
        fetch_bank(store, "te", "threatexchange", te_options(threatexchange), LIMITS)
    assert "te" not in store.names()


# ----------------------------------------------------------------------------------- hostile exchanges

FAKES: dict[str, Any] = {
    "ncmec": ("ncmec", ncmec_options),
    "stopncii": ("stopncii", stopncii_options),
    "threatexchange": ("threatexchange", te_options),
}


@pytest.fixture(params=sorted(FAKES))
def exchange(
    request: pytest.FixtureRequest,
    ncmec: FakeNcmec,
    stopncii: FakeStopNcii,
    threatexchange: FakeThreatExchange,
) -> tuple[str, FakeExchange, FetchOptions]:
    name: str = request.param
    fake = {"ncmec": ncmec, "stopncii": stopncii, "threatexchange": threatexchange}[name]
    return name, fake, FAKES[name][1](fake)


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        (ENDLESS, "stopped after 30 requests"),
        (GARBAGE, "not valid (JSON|XML)"),
        (ERROR, "HTTP 500"),
        (SILENT, "did not answer in time"),
    ],
)
def test_a_hostile_exchange_gives_a_clear_error_and_leaves_the_bank_as_it_was(
    store: HashSetStore, exchange: tuple[str, FakeExchange, FetchOptions], mode: str, message: str
) -> None:
    name, fake, options = exchange
    fetch_bank(store, "bank", name, options, LIMITS)
    before = (store.manifest("bank"), store.load("bank").entries, state_path(store, "bank").read_bytes())
    if name == "ncmec":  # its next fetch asks only once a second has passed
        wait_past(json.loads(before[2])["checkpoint"]["get_entries_max_ts"])
    fake.mode = mode
    bounded = ExchangeLimits(timeout=0.3, max_requests=30, max_seconds=60, max_response_bytes=1 << 20)

    with pytest.raises(ExchangeError, match=message) as raised:
        fetch_bank(store, "bank", name, options, bounded)

    assert "left as it was" in str(raised.value)
    assert (
        store.manifest("bank"),
        store.load("bank").entries,
        state_path(store, "bank").read_bytes(),
    ) == before


def test_an_answer_over_the_size_limit_is_refused(
    store: HashSetStore, exchange: tuple[str, FakeExchange, FetchOptions]
) -> None:
    name, _fake, options = exchange
    tiny = ExchangeLimits(timeout=5, max_requests=200, max_seconds=60, max_response_bytes=300)
    with pytest.raises(ExchangeError, match="larger than"):
        fetch_bank(store, "bank", name, options, tiny)
    assert "bank" not in store.names()


def test_wrong_credentials_are_the_exchanges_refusal(
    store: HashSetStore, exchange: tuple[str, FakeExchange, FetchOptions]
) -> None:
    name, _fake, options = exchange
    wrong = {
        "ncmec": "someone:wrong",
        "stopncii": "wrong,keys",
        "threatexchange": "87654321|wrong-token-0123456789ab",
    }
    with pytest.raises(ExchangeError, match=r"HTTP 40[01]"):
        fetch_bank(
            store, "bank", name, FetchOptions(wrong[name], options.base_url, options.collaboration), LIMITS
        )


def test_a_bank_belongs_to_the_exchange_that_filled_it(
    store: HashSetStore, ncmec: FakeNcmec, stopncii: FakeStopNcii
) -> None:
    fetch_bank(store, "bank", "stopncii", stopncii_options(stopncii), LIMITS)
    with pytest.raises(UsageError, match="was not filled from ncmec"):
        fetch_bank(store, "bank", "ncmec", ncmec_options(ncmec), LIMITS)
    with pytest.raises(UsageError, match="no hash exchange named"):
        fetch_bank(store, "bank", "hma", FetchOptions(), LIMITS)
    with pytest.raises(UsageError, match="privacy group"):
        fetch_bank(store, "other", "threatexchange", FetchOptions(TE_TOKEN), LIMITS)


# ------------------------------------------------------------------------------------------ the command


def test_bank_fetch_command_fills_the_service_bank_and_exits_15_on_a_failing_exchange(
    tmp_path: Path, threatexchange: FakeThreatExchange, capsys: pytest.CaptureFixture[str]
) -> None:
    from warden.cli import main

    token = tmp_path / "te-token"
    token.write_text(TE_TOKEN + "\n", encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'serve' / 'service.db'}"
    args = ["bank", "fetch", "TE", "--from", "threatexchange", "--collaboration", str(TE_GROUP),
            "--credentials-file", str(token), "--base-url", threatexchange.base_url, "--db", db]  # fmt: skip

    assert main(args) == 0
    out = capsys.readouterr().out
    assert "bank TE: 4 entries from threatexchange (in full" in out
    assert "not taken: 2 not an image or video hash Warden can match (another kind, or malformed)" in out
    assert "service bank TE: made and 4 added or changed, 0 removed, 4 in all" in out

    # What the exchange holds is what the service matches.
    engine = open_service_db(db)
    banks = Banks.from_settings(engine)
    fetched = HashSetStore.from_settings().load("TE").entries
    index = LiveIndex(banks)
    index.refresh()
    for entry in fetched:
        kind, value = next((k, v) for k, v in entry_values(entry).items())
        (answer,) = lookup(index, [Query(kind, value)])
        assert [m.bank for m in answer.matches] == ["TE"], (kind, value)
    index.close()
    engine.dispose()

    assert main(args) == 0  # nothing new: nothing changes
    assert "service bank TE: 0 added or changed, 0 removed, 4 in all" in capsys.readouterr().out

    threatexchange.mode = ERROR
    assert main(args) == 15
    err = capsys.readouterr().err
    assert "HTTP 500" in err and "left as it was" in err and "Traceback" not in err
    assert len(HashSetStore.from_settings().load("TE").entries) == 4
    assert main([*args[:2], "lower-case", *args[3:]]) == 2  # not a bank name: refused before any request
    assert "UPPER_WITH_UNDERSCORE" in capsys.readouterr().err
