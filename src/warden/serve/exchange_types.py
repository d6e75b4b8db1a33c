"""The hash exchanges a bank can be filled from (ThreatExchange, NCMEC hash sharing, StopNCII): for each, how
python-threatexchange's exchange is made and pointed, and how one of its records becomes Warden entries
through a category profile. Registered in :data:`EXCHANGES`, by the name the command line uses."""

from __future__ import annotations

import typing as t
from collections.abc import Callable
from dataclasses import dataclass

from threatexchange.exchanges import fetch_state
from threatexchange.exchanges.clients.ncmec.hash_api import NCMECEntryType, NCMECEntryUpdate, NCMECEnvironment
from threatexchange.exchanges.collab_config import CollaborationConfigBase
from threatexchange.exchanges.impl.fb_threatexchange_api import (
    FBThreatExchangeCollabConfig,
    FBThreatExchangeCredentials,
    FBThreatExchangeSignalExchangeAPI,
)
from threatexchange.exchanges.impl.ncmec_api import NCMECCollabConfig, NCMECCredentials
from threatexchange.exchanges.impl.stop_ncii_api import StopNCIICredentials
from threatexchange.exchanges.signal_exchange_api import AnySignalExchangeAPI
from threatexchange.signal_type.md5 import VideoMD5Signal
from threatexchange.signal_type.pdq.signal import PdqSignal
from threatexchange.signal_type.sha256 import VideoSHA256Signal
from threatexchange.signal_type.signal_base import SignalType

from warden.errors import UsageError
from warden.hashsets.formats import parse_hex
from warden.hashsets.model import Entry
from warden.hashsets.profiles import CategoryProfile
from warden.hashsets.threatexchange_signals import opinion_category, signal_entry
from warden.model.categories import Category
from warden.model.hashes import HashKind
from warden.registry import Registry
from warden.serve.exchange_clients import (
    BoundedNcmecExchange,
    BoundedStopNciiClient,
    BoundedThreatExchangeClient,
    BoundedTransport,
    StopNciiExchange,
)

SIGNAL_TYPES: tuple[type[SignalType], ...] = (PdqSignal, VideoMD5Signal, VideoSHA256Signal)
"""The library's signal types Warden asks exchanges for: the image and video hashes it matches."""


@dataclass(frozen=True, slots=True)
class FetchOptions:
    """What one fetch is pointed at.

    Attributes:
        credentials: the exchange's credentials in the library's own text form (NCMEC ``user:password``,
            StopNCII ``fetch_key,subscription_key``, ThreatExchange the app token); None reads them where the
            library looks (``TX_NCMEC_CREDENTIALS``, ``TX_STOPNCII_KEYS``, ``TX_ACCESS_TOKEN`` or its files).
        base_url: the exchange's API at another address (a test environment, a mirror); None is the real one.
        collaboration: NCMEC's environment (``NGO``, ``Industry``, ...) or ThreatExchange's privacy group id.
        profile: the category profile for the exchange's opinions and tags (default ``threatexchange``).
    """

    credentials: str | None = None
    base_url: str | None = None
    collaboration: str | None = None
    profile: str | None = None


EntriesOf = Callable[
    [AnySignalExchangeAPI, CollaborationConfigBase, CategoryProfile, t.Any, str, t.Any], list[Entry]
]


@dataclass(frozen=True, slots=True)
class Exchange:
    """One hash exchange Warden can fill a bank from.

    Attributes:
        name: its stable name on the command line (``threatexchange``, ``ncmec``, ``stopncii``).
        description: one line for ``--help``.
        connect: the library's exchange for these options, its HTTP through ``transport``.
        collab: the library's collaboration config for these options.
        entries: the entries one fetched record gives through the profile, from (api, collab, profile, the
            record's key, the entries' source id, the record); ValueError for a malformed record.
    """

    name: str
    description: str
    connect: Callable[[FetchOptions, BoundedTransport, CollaborationConfigBase], AnySignalExchangeAPI]
    collab: Callable[[FetchOptions], CollaborationConfigBase]
    entries: EntriesOf


def _credentials(cls: type[t.Any], api: type[t.Any], text: str | None) -> t.Any:
    if text is None:
        try:
            return cls.get(api)
        except Exception as error:  # the library's missing/invalid credential errors carry its hints
            hint = error.pretty_str() if hasattr(error, "pretty_str") else str(error)
            raise UsageError(f"no usable credentials for {api.get_name()}: {hint}") from None
    try:
        credentials = cls._from_str(text)
    except ValueError as error:
        raise UsageError(f"credentials for {api.get_name()}: {error}") from None
    if credentials is None or not credentials._are_valid():
        raise UsageError(f"the credentials given for {api.get_name()} are not in the form it takes")
    return credentials


def _ncmec_collab(options: FetchOptions) -> CollaborationConfigBase:
    name = options.collaboration or "NGO"
    try:
        environment = NCMECEnvironment[name]
    except KeyError:
        known = ", ".join(e.name for e in NCMECEnvironment)
        raise UsageError(f"NCMEC has no environment {name!r} (environments: {known})") from None
    return NCMECCollabConfig(name=f"ncmec-{environment.name}", environment=environment)


def _ncmec(options: FetchOptions, transport: BoundedTransport, collab: CollaborationConfigBase) -> t.Any:
    creds = _credentials(NCMECCredentials, BoundedNcmecExchange, options.credentials)
    assert isinstance(collab, NCMECCollabConfig)
    return BoundedNcmecExchange(collab, creds.user, creds.password, transport, options.base_url)


_NCMEC_KINDS = {"md5": HashKind.MD5, "sha1": HashKind.SHA1, "pdq": HashKind.PDQ}


def _ncmec_entries(
    api: AnySignalExchangeAPI,
    collab: CollaborationConfigBase,
    profile: CategoryProfile,
    key: t.Any,
    source_id: str,
    value: t.Any,
) -> list[Entry]:
    """One NCMEC entry is one image or video with several fingerprints: one Warden entry with all of them.

    (The library's own conversion keeps only image PDQ and video MD5; NCMEC's MD5 and SHA-1 of images are
    exact hashes Warden matches too.) NCMEC has no false-positive opinion: every entry is a positive one,
    its classification (``A1``, ``B2``, ...) a tag the profile may grade by.
    """
    assert isinstance(value, NCMECEntryUpdate)
    hashes: dict[str, str] = {}
    for name, text in value.fingerprints.items():
        kind = _NCMEC_KINDS.get(name.lower())
        if kind is None or (kind is HashKind.SHA1 and value.entry_type is not NCMECEntryType.image):
            continue
        hashes[kind.value] = parse_hex(kind, text)
    if not hashes:
        return []
    tags = [value.classification] if value.classification else []
    category = opinion_category(profile, "positive_class", tags)
    return [
        Entry(
            md5=hashes.get("md5"),
            sha1=hashes.get("sha1"),
            pdq=hashes.get("pdq"),
            category=category,
            source_id=source_id,
        )
    ]


def _stopncii(options: FetchOptions, transport: BoundedTransport, collab: CollaborationConfigBase) -> t.Any:
    creds = _credentials(StopNCIICredentials, StopNciiExchange, options.credentials)
    base_url = options.base_url or creds.base_url_override
    client = BoundedStopNciiClient(creds.subscription_key, creds.fetch_function_key, transport, base_url)
    return StopNciiExchange(collab, client)


def _threatexchange_collab(options: FetchOptions) -> CollaborationConfigBase:
    group = (options.collaboration or "").strip()
    if not group.isdigit():
        raise UsageError("ThreatExchange needs the privacy group's number (--collaboration ID)")
    return FBThreatExchangeCollabConfig(name=f"threatexchange-{group}", privacy_group=int(group))


def _threatexchange(
    options: FetchOptions, transport: BoundedTransport, collab: CollaborationConfigBase
) -> t.Any:
    creds = _credentials(FBThreatExchangeCredentials, FBThreatExchangeSignalExchangeAPI, options.credentials)
    client = BoundedThreatExchangeClient(creds.api_token, transport, options.base_url)
    assert isinstance(collab, FBThreatExchangeCollabConfig)
    return FBThreatExchangeSignalExchangeAPI(client, collab)


def _signal_entries(
    api: AnySignalExchangeAPI,
    collab: CollaborationConfigBase,
    profile: CategoryProfile,
    key: t.Any,
    source_id: str,
    value: t.Any,
) -> list[Entry]:
    """Records keyed by (signal type, value): the library says which signal types they are, then each
    becomes an entry whose category comes from the opinions as :func:`_category` reads them."""
    converted = type(api).naive_convert_to_signal_type(SIGNAL_TYPES, collab, {key: value})
    entries = []
    for signal_type, signals in converted.items():
        for signal, metadata in signals.items():
            entries.append(
                signal_entry(signal_type.get_name(), signal, _category(profile, metadata), source_id)
            )
    return entries


def _category(profile: CategoryProfile, metadata: fetch_state.FetchedSignalMetadata) -> Category:
    """Each opinion read as a ThreatExchange list's category and tags are; an opinion the profile gives
    ``not_indecent`` or ``known_good`` (a false positive) wins outright, else the most serious."""
    categories = [
        opinion_category(profile, opinion.category.name, sorted(opinion.tags))
        for opinion in metadata.get_as_opinions()
    ]
    for harmless in (Category.NOT_INDECENT, Category.KNOWN_GOOD):
        if harmless in categories:
            return harmless
    return max(categories, key=lambda category: category.severity, default=Category.UNCATEGORISED)


EXCHANGES: Registry[Exchange] = Registry("hash exchange")
for _exchange in (
    Exchange(
        "threatexchange",
        "Meta's ThreatExchange, one privacy group",
        _threatexchange,
        _threatexchange_collab,
        _signal_entries,
    ),
    Exchange("ncmec", "NCMEC hash sharing, one environment", _ncmec, _ncmec_collab, _ncmec_entries),
    Exchange(
        "stopncii",
        "StopNCII.org",
        _stopncii,
        lambda options: CollaborationConfigBase(name="stopncii", api="stop_ncii", enabled=True),
        _signal_entries,
    ),
):
    EXCHANGES.register(_exchange.name, _exchange)
