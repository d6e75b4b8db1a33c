"""ThreatExchange signal types and opinions, as both ThreatExchange list formats (text and CSV) carry them."""

from __future__ import annotations

import json

from warden.hashing.hash_types import BUILT_IN, HASH_TYPES
from warden.hashsets.formats import ReadOptions, parse_hex, parse_source_id
from warden.hashsets.model import Entry
from warden.hashsets.profiles import CategoryProfile, load_profile, profile_key
from warden.model.categories import Category, most_serious
from warden.model.hashes import HashKind, VideoHash, VpdqFrame, preview

SIGNAL_KINDS: dict[str, HashKind] = {
    "pdq": HashKind.PDQ,
    "video_md5": HashKind.MD5,
    "photo_md5": HashKind.MD5,
    "md5": HashKind.MD5,
    "video_sha256": HashKind.SHA256,
    "photo_sha256": HashKind.SHA256,
    "sha256": HashKind.SHA256,
    "video_vpdq": HashKind.VPDQ,
    "vpdq": HashKind.VPDQ,
}
"""python-threatexchange signal type names (``SignalType.get_name()``) Warden can match, by hash kind."""

UNMATCHABLE_SIGNALS: frozenset[str] = frozenset(
    {"url", "url_md5", "raw_text", "text_md5", "trend_query", "tlsh", "tlsh_pdf", "video_tmk_pdqf", "clip"}
)
"""Signal types ThreatExchange exchanges that are not image or video hashes Warden can match."""


def plug_in_signal(name: str) -> bool:
    """True when ``name`` is a hash type a plug-in registered: its signals are read through that type."""
    return name not in BUILT_IN and name in HASH_TYPES


DEFAULT_PROFILE = "threatexchange"
"""The built-in profile for ThreatExchange opinions when the import names none."""


def profile_or_default(options: ReadOptions) -> CategoryProfile:
    """The profile the import named, else the built-in :data:`DEFAULT_PROFILE`."""
    return options.profile or load_profile(DEFAULT_PROFILE)


def signal_entry(signal_type: str, signal: str, category: Category, source_id: str | None) -> Entry:
    """The entry for one ThreatExchange signal.

    Raises:
        ValueError: an unknown or unmatchable signal type, or a malformed signal; messages show no more
            than a short prefix of the signal.
    """
    source_id = parse_source_id(source_id)
    name = signal_type.strip().lower()
    kind = SIGNAL_KINDS.get(name)
    if kind is None and plug_in_signal(name):
        try:
            value = HASH_TYPES.get(name).validate(signal)
        except ValueError:
            raise ValueError(f"{preview(signal)} is not a {name} value") from None
        return Entry(category=category, source_id=source_id, others=((name, value),))
    if kind is None:
        if name in UNMATCHABLE_SIGNALS:
            raise ValueError(
                f"signal type {name!r} is not an image or video hash Warden can match; export only "
                f"{', '.join(sorted(SIGNAL_KINDS))} (e.g. threatexchange dataset -P -s pdq video_md5)"
            )
        raise ValueError(f"unknown signal type {preview(name)}")
    if kind is HashKind.VPDQ:
        return Entry(vpdq=parse_signal_vpdq(signal), category=category, source_id=source_id)
    value = parse_hex(kind, signal)
    if kind is HashKind.PDQ:
        return Entry(pdq=value, category=category, source_id=source_id)
    if kind is HashKind.MD5:
        return Entry(md5=value, category=category, source_id=source_id)
    return Entry(sha256=value, category=category, source_id=source_id)


def parse_signal_vpdq(signal: str) -> VideoHash:
    """A ``video_vpdq`` signal: a JSON list of ``"pdq_hex,quality,timestamp"`` strings.

    Raises:
        ValueError: not that shape, or a frame is malformed.
    """
    try:
        features = json.loads(signal)
    except json.JSONDecodeError:
        raise ValueError("a video_vpdq signal is a JSON list of 'hex,quality,timestamp' strings") from None
    if not isinstance(features, list) or not features:
        raise ValueError("a video_vpdq signal is a non-empty JSON list of 'hex,quality,timestamp' strings")
    frames = []
    for number, feature in enumerate(features, start=1):
        parts = feature.split(",") if isinstance(feature, str) else []
        try:
            if len(parts) != 3:
                raise ValueError
            quality, timestamp = int(parts[1]), float(parts[2])
            if not 0 <= quality <= 100 or timestamp < 0:
                raise ValueError
            frames.append(VpdqFrame(parse_hex(HashKind.PDQ, parts[0]), quality, timestamp))
        except ValueError:
            raise ValueError(f"vPDQ frame {number} is not 'hex,quality,timestamp'") from None
    return tuple(frames)


def opinion_category(profile: CategoryProfile, label: str | None, tags: list[str]) -> Category:
    """The category of a signal from its opinion label (``category`` column) and tags, through ``profile``.

    A label the profile maps to ``not_indecent`` or ``known_good`` wins outright: a collaboration's
    "false positive" must never count. Otherwise the most serious category a tag maps to wins, then the
    label's own category.

    Raises:
        ValueError: the profile does not map the label.
    """
    label_category = profile.category_for(label)
    if label_category is None:
        raise ValueError(
            f"category {preview(profile_key(label or ''))} is not in profile {profile.name!r}; "
            "map it in a profile of your own or choose another with --profile"
        )
    if label_category in (Category.NOT_INDECENT, Category.KNOWN_GOOD):
        return label_category
    tagged = [category for tag in tags if (category := profile.tag_category(tag)) is not None]
    return most_serious(tagged) or label_category
