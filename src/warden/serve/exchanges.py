"""Banks filled from hash exchanges: ThreatExchange, NCMEC hash sharing and StopNCII, through
python-threatexchange's own exchange clients (as HMA fills its banks).

A bank here is a hash set in the store. A fetch reads every page the exchange has since the bank's
checkpoint, turns each record into entries through a category profile (the exchange's opinions and tags, read
as the ThreatExchange list formats read them), and only when the whole fetch has come in puts the new set in
place of the old one, then records the new checkpoint. A fetch that fails (refused, unreachable, too slow,
endless pages, a malformed answer) raises :class:`~warden.errors.ExchangeError` and changes nothing. Each
entry's ``source_id`` names the record it came from (``ncmec:<esp>-<entry id>``, or for a record keyed by its
hash ``stopncii:pdq:<digest of the hash>``), so a later update or deletion of that record replaces or removes
exactly its entries. A bank belongs to the one exchange and collaboration it was first filled
from; its checkpoint lives in ``$WARDEN_HOME/exchanges/<bank>.json`` (no hash values).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import typing as t
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import dacite
import requests
from threatexchange.exchanges.collab_config import CollaborationConfigBase
from threatexchange.exchanges.signal_exchange_api import AnySignalExchangeAPI

from warden.clock import utc_now
from warden.errors import ExchangeError, HashSetNotFoundError, UsageError, WardenError
from warden.hashsets.model import Entry, HashSet
from warden.hashsets.profiles import CategoryProfile, load_profile
from warden.hashsets.store import HashSetStore, check_name
from warden.hashsets.threatexchange_signals import DEFAULT_PROFILE
from warden.private import make_private_dir
from warden.serve.exchange_clients import (
    BoundedTransport,
    ExchangeLimitError,
    ExchangeLimits,
)
from warden.serve.exchange_types import EXCHANGES, SIGNAL_TYPES, Exchange, FetchOptions

STATE_FORMAT = 1
MAX_PROBLEMS = 20
"""Records not read that a fetch names one by one (all are counted)."""


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What one fetch did to a bank."""

    bank: str
    exchange: str
    added: int
    removed: int
    entries: int
    requests: int
    full: bool
    skipped: dict[str, int] = field(default_factory=dict)
    problems: tuple[str, ...] = ()


def _key_text(exchange: str, key: object) -> str:
    """The source id of a record's entries: the exchange's own id, or for a (type, hash) key the type and
    a digest of the hash, so a source id shown in a report or a log never carries a hash in clear."""
    if isinstance(key, tuple):
        signal_type, value = key
        return f"{exchange}:{signal_type}:{hashlib.sha256(str(value).encode()).hexdigest()[:20]}"
    return f"{exchange}:{key}"


class _State:
    """A bank's exchange state file: which exchange and collaboration, the checkpoint, and the bank's
    source SHA-256 after the fetch that wrote it (a bank changed since is fetched again in full)."""

    def __init__(self, store: HashSetStore, bank: str) -> None:
        self.path = store.root / "exchanges" / f"{check_name(bank)}.json"

    def read(self) -> dict[str, t.Any] | None:
        if not self.path.is_file():
            return None
        try:
            data: dict[str, t.Any] = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None  # unreadable state: fetch in full, which is always right
        return data if data.get("state_format") == STATE_FORMAT else None

    def write(self, data: dict[str, t.Any]) -> None:
        make_private_dir(self.path.parent.parent)
        make_private_dir(self.path.parent)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        temporary.chmod(0o600)
        temporary.replace(self.path)


def _checkpoint(api: AnySignalExchangeAPI, state: Mapping[str, t.Any] | None) -> t.Any:
    if not state or state.get("checkpoint") is None:
        return None
    try:
        checkpoint = dacite.from_dict(type(api).get_checkpoint_cls(), state["checkpoint"])
    except (dacite.DaciteError, TypeError, ValueError):
        return None
    return None if checkpoint.is_stale() else checkpoint


def fetch_bank(
    store: HashSetStore,
    bank: str,
    exchange_name: str,
    options: FetchOptions | None = None,
    limits: ExchangeLimits | None = None,
) -> FetchResult:
    """Fill ``bank`` from the exchange: created on first fetch, then updated from its checkpoint.

    Raises:
        ExchangeError: the exchange refused, was unreachable, too slow, endless or malformed; nothing changed.
        UsageError: unknown exchange or collaboration, bad credentials or profile, or a bank that was not
            filled from this exchange and collaboration.
    """
    options = options or FetchOptions()
    limits = limits or ExchangeLimits.from_settings()
    check_name(bank)
    try:
        exchange = EXCHANGES.get(exchange_name)
    except KeyError:
        raise UsageError(
            f"no hash exchange named {exchange_name!r} (exchanges: {', '.join(EXCHANGES.names())})"
        ) from None
    profile = load_profile(options.profile or DEFAULT_PROFILE)
    collab = exchange.collab(options)
    owner = {"exchange": exchange.name, "collaboration": collab.name, "profile": profile.name}
    state_file = _State(store, bank)
    state = state_file.read()
    try:
        manifest: dict[str, t.Any] | None = store.manifest(bank)
    except HashSetNotFoundError:
        manifest = None
    if manifest is not None and (state is None or {k: state.get(k) for k in owner} != owner):
        raise UsageError(
            f"bank {bank!r} exists and was not filled from {exchange.name} ({collab.name}) with profile "
            f"{profile.name!r}; fetch into a bank of its own"
        )
    if manifest is None or state is None or state.get("bank_sha256") != manifest["source_sha256"]:
        state = None
    transport = BoundedTransport(limits)
    api = exchange.connect(options, transport, collab)
    checkpoint = _checkpoint(api, state)
    full = checkpoint is None
    by_key: dict[str, list[Entry]] = {}
    if not full:
        for entry in store.load(bank).entries:
            by_key.setdefault(entry.source_id or "", []).append(entry)
    before = {key: len(held) for key, held in by_key.items()}
    try:
        checkpoint, touched, skipped, problems = _apply(
            api, exchange, collab, profile, checkpoint, by_key, limits
        )
    except WardenError:
        raise
    except Exception as error:  # the library's clients raise anything: requests, XML, JSON, asserts
        raise ExchangeError(f"{exchange.name}: {_describe(error)}; the bank was left as it was") from None
    added = sum(len(by_key[key]) for key in touched if key in by_key)
    removed = sum(count for key, count in before.items() if key not in by_key)
    entries = [entry for key in sorted(by_key) for entry in by_key[key]]
    lines = "".join(
        f"{e.source_id}\t{e.category.value}\t{e.md5}\t{e.sha1}\t{e.sha256}\t{e.pdq}\n" for e in entries
    )
    new_manifest = store.add(
        HashSet(
            name=bank,
            format=f"exchange:{exchange.name}",
            entries=entries,
            source=f"{exchange.name} {collab.name}" + (f" at {options.base_url}" if options.base_url else ""),
            source_sha256=hashlib.sha256(lines.encode()).hexdigest(),
            profile=profile.name,
        ),
        replace=manifest is not None,
    )
    state_file.write(
        owner
        | {
            "state_format": STATE_FORMAT,
            "checkpoint": dataclasses.asdict(checkpoint) if checkpoint is not None else None,
            "bank_sha256": new_manifest["source_sha256"],
            "fetched_at": utc_now(),
        }
    )
    return FetchResult(
        bank, exchange.name, added, removed, len(entries), transport.requests, full, skipped, tuple(problems)
    )


def _apply(
    api: AnySignalExchangeAPI,
    exchange: Exchange,
    collab: CollaborationConfigBase,
    profile: CategoryProfile,
    checkpoint: t.Any,
    by_key: dict[str, list[Entry]],
    limits: ExchangeLimits,
) -> tuple[t.Any, set[str], dict[str, int], list[str]]:
    """Fetch every page from ``checkpoint`` on, applying each record to ``by_key`` (source id to entries).

    A record seen twice (NCMEC's time windows may overlap by a second) counts once; the last one wins.

    Returns:
        The last page's checkpoint, the source ids written, the records not taken per reason, and the first
        :data:`MAX_PROBLEMS` malformed records named.
    """
    touched: set[str] = set()
    not_taken: dict[str, str] = {}
    problems: list[str] = []
    records = 0
    for delta in api.fetch_iter(list(SIGNAL_TYPES), checkpoint):
        for key, value in delta.updates.items():
            records += 1
            if records > limits.max_records:
                raise ExchangeLimitError(
                    f"the exchange sent more than {limits.max_records} records in one fetch "
                    "(WARDEN_EXCHANGE_MAX_RECORDS)"
                )
            source_id = _key_text(exchange.name, key)
            by_key.pop(source_id, None)
            not_taken.pop(source_id, None)
            touched.add(source_id)
            merged = type(api).fetch_value_merge(None, value) if value is not None else None
            if merged is None:
                continue
            try:
                entries = exchange.entries(api, collab, profile, key, source_id, merged)
            except ValueError as error:  # one bad record is that record's problem, kept as data
                not_taken[source_id] = "malformed or not mapped by the profile"
                if len(problems) < MAX_PROBLEMS:
                    problems.append(f"record {source_id}: {error}")
                continue
            if entries:
                by_key[source_id] = entries
            else:
                not_taken[source_id] = (
                    "not an image or video hash Warden can match (another kind, or malformed)"
                )
        checkpoint = delta.checkpoint
    skipped: dict[str, int] = {}
    for reason in not_taken.values():
        skipped[reason] = skipped.get(reason, 0) + 1
    return checkpoint, touched, skipped, problems


def _describe(error: Exception) -> str:
    """One line for what went wrong, without a URL's query (it may carry a token or a hash)."""
    if isinstance(error, requests.HTTPError) and error.response is not None:
        url = error.response.url.split("?")[0]
        return f"the exchange answered HTTP {error.response.status_code} ({error.response.reason}) to {url}"
    if isinstance(error, requests.Timeout):
        return "the exchange did not answer in time (WARDEN_EXCHANGE_TIMEOUT)"
    if isinstance(error, requests.ConnectionError):
        return "the exchange could not be reached"
    if isinstance(error, ExchangeLimitError):
        return str(error)
    if isinstance(error, json.JSONDecodeError | requests.JSONDecodeError):
        return "the exchange's answer is not valid JSON"
    name = type(error).__name__
    if "ParseError" in name:
        return "the exchange's answer is not valid XML"
    return f"the exchange's answer is not what its API documents ({name})"


def exchange_state(store: HashSetStore, bank: str) -> dict[str, t.Any] | None:
    """What the bank's state file says (exchange, collaboration, profile, checkpoint, when), or None."""
    return _State(store, bank).read()


def state_path(store: HashSetStore, bank: str) -> Path:
    """Where the bank's exchange state is kept."""
    return _State(store, bank).path
