"""Project VIC / CAID exchange files (VICS 1.x and 2.0 OData JSON): read both shapes, write 2.0 hash sets."""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from warden.errors import HashSetFormatError, UsageError
from warden.hashsets.formats import (
    MAX_SOURCE_ID,
    HashSetFormat,
    ReadOptions,
    WriteOptions,
    decode_head,
    parse_hex,
    parse_vpdq,
)
from warden.hashsets.model import Entry
from warden.hashsets.profiles import NULL_KEY, CategoryProfile, load_profile, profile_key
from warden.model.hashes import HashKind, VideoHash, preview, vpdq_to_text

V2_CONTEXT = "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/{profile}/$metadata#Media"
"""The ``@odata.context`` a written file carries; ``{profile}`` is UK, US or CUSTOM."""

_V2 = re.compile(r"/DataModels/(?P<version>2\.\d+)\.xml/(?P<profile>[^/$]+)/", re.IGNORECASE)
_V1 = re.compile(r"/DataModels/(?P<version>1\.\d+)\.xml#", re.IGNORECASE)
_HEAD_CONTEXT = re.compile(r'"(?:@odata\.context|odata\.metadata)"\s*:\s*"(?P<url>[^"]*)"')

DEFAULT_PROFILES: dict[str, str] = {"UK": "uk", "US": "us"}
"""The built-in profile a VICS 2.0 file's ``@odata.context`` profile implies; others need ``--profile``."""

_PROFILE_CONTEXTS: dict[str, str] = {value: key for key, value in DEFAULT_PROFILES.items()}


@dataclass(frozen=True, slots=True)
class VicsContext:
    """What a VICS file says about itself: data-model version and (2.0) the category profile segment."""

    version: str | None
    profile: str | None

    @classmethod
    def from_url(cls, url: str) -> VicsContext:
        """Parse an ``odata.metadata`` (1.x) or ``@odata.context`` (2.0) URL; unknown parts are None."""
        if match := _V2.search(url):
            return cls(match["version"], match["profile"].upper())
        if match := _V1.search(url):
            return cls(match["version"], None)
        return cls(None, None)

    def default_profile(self) -> CategoryProfile:
        """The built-in profile this context implies.

        Raises:
            UsageError: the context names no UK or US profile, so the category numbers are ambiguous.
        """
        name = DEFAULT_PROFILES.get(self.profile or "")
        if name is None:
            version = f"version {self.version}" if self.version else "unknown version"
            said = f"says profile {self.profile}" if self.profile else "names no category profile"
            raise UsageError(
                f"this VICS file ({version}) {said}, so its category numbers cannot be read safely: "
                "pass --profile uk, --profile us or your own profile"
            )
        return load_profile(name)


class VicsFormat(HashSetFormat):
    """VICS JSON: a hash set (Media records under ``value``) or a case export (``value[0].Media``).

    Only ``Category`` decides a record's category; ``IsPrecategorized`` and the case's counts are not read,
    because real exports contradict them. Timestamps, MediaFiles, Tags, Series and Comments are not part of
    an entry, so their many spellings cannot break an import.
    """

    name = "vics"
    description = "Project VIC / CAID VICS JSON, versions 1.x and 2.0, hash-set and case-export shapes"
    uses_profile = True

    def sniff(self, head: bytes) -> bool:
        text = decode_head(head).lstrip()
        return text.startswith("{") and ('"odata.metadata"' in text or '"@odata.context"' in text)

    def resolve_profile(self, path: Path, head: bytes, options: ReadOptions) -> CategoryProfile | None:
        if options.profile is not None:
            return options.profile
        # Some .NET serialisers escape every '/' in a URL as '\/'.
        match = _HEAD_CONTEXT.search(decode_head(head).replace("\\/", "/"))
        return VicsContext.from_url(match["url"] if match else "").default_profile()

    def iterate(self, path: Path, options: ReadOptions) -> Iterator[Entry]:
        source = path.name
        document = _load(path)
        context = _context(document, source)
        profile = options.profile or context.default_profile()
        for number, record in enumerate(_media(document, source), start=1):
            yield _entry(record, number, profile, source)

    def write(self, entries: Iterable[Entry], stream: TextIO, options: WriteOptions | None = None) -> None:
        profile = (options.profile if options else None) or load_profile("uk")
        builtin = profile.origin == "built-in"
        segment = _PROFILE_CONTEXTS.get(profile.name, "CUSTOM") if builtin else "CUSTOM"
        stream.write(json.dumps({"@odata.context": V2_CONTEXT.format(profile=segment)})[:-1])
        stream.write(',"value":[\n')
        for number, entry in enumerate(entries, start=1):
            record = _record(entry, number, profile)
            stream.write(("," if number > 1 else "") + json.dumps(record, ensure_ascii=False) + "\n")
        stream.write("]}\n")


def _load(path: Path) -> Any:
    data = path.read_bytes()
    encoding = "utf-8"
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"  # older exporters wrote UTF-16 with a BOM
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise HashSetFormatError(f"not {encoding.upper()} text", f"byte {exc.start}", path.name) from None
    try:
        return json.loads(text, parse_int=_whole_number)
    except json.JSONDecodeError as exc:
        raise HashSetFormatError(
            f"not valid JSON ({exc.msg})", f"line {exc.lineno} column {exc.colno}", path.name
        ) from None
    except RecursionError:
        raise HashSetFormatError("JSON nested too deeply", None, path.name) from None


MAX_ID_CHARACTERS = MAX_SOURCE_ID
"""Longest MediaID (as text) a record may carry: it becomes the entry's source id."""


class _LongNumber(str):
    """A JSON whole number too long to be an id or a category, kept as its digits so the record can be named
    (Python refuses to convert more than 4,300 digits, and a case database could not hold it anyway)."""

    __slots__ = ()


def _whole_number(digits: str) -> int | str:
    return int(digits) if len(digits) <= 40 else _LongNumber(digits)


def _context(document: Any, source: str) -> VicsContext:
    if not isinstance(document, dict):
        raise HashSetFormatError("a VICS file is a JSON object", "line 1", source)
    url = document.get("@odata.context", document.get("odata.metadata"))
    if not isinstance(url, str):
        raise HashSetFormatError("no odata.metadata or @odata.context: not a VICS file", "line 1", source)
    if not isinstance(document.get("value"), list):
        raise HashSetFormatError("no 'value' list of Media records or cases", "top level", source)
    return VicsContext.from_url(url)


def _media(document: dict[str, Any], source: str) -> Iterator[Any]:
    """Media records in file order, from either shape."""
    for index, item in enumerate(document["value"]):
        if isinstance(item, dict) and isinstance(item.get("Media"), list):
            yield from item["Media"]  # case export: value[i].Media[] (each with its MediaFiles[])
        elif isinstance(item, dict) and ("MD5" in item or "MediaID" in item):
            yield item  # hash set: Media records directly under value
        else:
            raise HashSetFormatError(
                "neither a Media record nor a case with Media", f"value[{index}]", source
            )


def _where(number: int, record: dict[str, Any]) -> str:
    media_id = record.get("MediaID")
    if media_id is None or isinstance(media_id, dict | list):
        return f"record {number}"
    shown = str(media_id)
    return f"record {number} (MediaID {shown[:20]}{'…' if len(shown) > 20 else ''})"


def _media_id(value: Any) -> str | None:
    """The record's MediaID as the entry's source id.

    Raises:
        ValueError: not a whole number or text, or longer than :data:`MAX_ID_CHARACTERS`.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"MediaID must be a whole number or text, not {type(value).__name__}")
    text = str(value)
    if len(text) > MAX_ID_CHARACTERS:
        unit = "digits" if isinstance(value, _LongNumber) else "characters"
        raise ValueError(
            f"MediaID is {len(text)} {unit} long; at most {MAX_ID_CHARACTERS} characters are allowed"
        )
    return text


def _entry(record: Any, number: int, profile: CategoryProfile, source: str) -> Entry:
    if not isinstance(record, dict):
        raise HashSetFormatError("a Media record must be a JSON object", f"record {number}", source)
    where = _where(number, record)

    def fail(problem: str) -> HashSetFormatError:
        return HashSetFormatError(problem, where, source)

    hashes: dict[str, Any] = {}

    def put(kind: str, value: Any) -> None:
        if value is None or value == "":
            return
        if not isinstance(value, str):
            raise fail(f"{kind} must be text")
        try:
            parsed: Any = parse_vpdq(value) if kind == "vpdq" else parse_hex(HashKind(kind), value)
        except ValueError as exc:
            raise fail(str(exc)) from None
        if hashes.setdefault(kind, parsed) != parsed:
            raise fail(f"two different {kind} values for one record")

    if not isinstance(record.get("MD5"), str) or not record["MD5"].strip():
        raise fail("no MD5 (VICS keys every Media record on its MD5)")
    put("md5", record["MD5"])
    put("sha1", record.get("SHA1"))
    photodna = record.get("PhotoDNA") or None
    alternatives = record.get("AlternativeHashes") or []
    if not isinstance(alternatives, list):
        raise fail("AlternativeHashes must be a list")
    for alternative in alternatives:
        if not isinstance(alternative, dict):
            raise fail("an AlternativeHashes item must be an object with HashName and HashValue")
        kind = re.sub(r"[-_ ]", "", str(alternative.get("HashName") or "")).lower()
        value = alternative.get("HashValue")
        if kind in {"md5", "sha1", "sha256", "pdq", "vpdq"}:
            put(kind, value)
        elif kind == "photodna" and photodna is None:
            photodna = value or None
        # Any other HashName (a tool's own hash) is not one Warden can match; it is left out.
    if photodna is not None and not isinstance(photodna, str):
        raise fail("PhotoDNA must be text")

    code = record.get("Category")
    if isinstance(code, str) and len(code.strip()) > 40:
        unit = "digits" if isinstance(code, _LongNumber) else "characters"
        raise fail(f"Category is {len(code.strip())} {unit} long: not a category code")
    try:
        source_id = _media_id(record.get("MediaID"))
    except ValueError as exc:
        raise fail(str(exc)) from None
    category = profile.category_for(code)
    if category is None:
        try:
            key = profile_key(code)
        except ValueError:
            raise fail(f"Category {preview(str(code))} is not a number") from None
        raise fail(
            f"category {key} is not in profile {profile.name!r}: map it in a profile of your own "
            "(see docs/hashset-formats.md) or choose another with --profile"
        )
    vpdq: VideoHash | None = hashes.get("vpdq")
    return Entry(
        md5=hashes.get("md5"),
        sha1=hashes.get("sha1"),
        sha256=hashes.get("sha256"),
        pdq=hashes.get("pdq"),
        vpdq=vpdq,
        photodna=photodna.strip() if photodna else None,
        category=category,
        source_id=source_id,
    )


def _record(entry: Entry, number: int, profile: CategoryProfile) -> dict[str, Any]:
    if not entry.md5:
        raise UsageError(f"entry {number} has no MD5, and VICS keys every record on its MD5")
    code = profile.code_for(entry.category)
    if code is None:
        raise UsageError(
            f"entry {number} is {entry.category.value}, which profile {profile.name!r} has no number for"
        )
    source_id = entry.source_id or ""
    record: dict[str, Any] = {
        "MediaID": int(source_id) if source_id.isdigit() else number,
        "Category": None if code == NULL_KEY else int(code) if code.isdigit() else code,
        "MD5": entry.md5.upper(),
    }
    if entry.sha1:
        record["SHA1"] = entry.sha1.upper()
    if entry.photodna:
        record["PhotoDNA"] = entry.photodna
    alternatives = []
    if entry.pdq:
        alternatives.append({"HashName": "PDQ", "HashValue": entry.pdq})
    if entry.sha256:
        alternatives.append({"HashName": "SHA256", "HashValue": entry.sha256.upper()})
    if entry.vpdq:
        alternatives.append({"HashName": "vPDQ", "HashValue": vpdq_to_text(entry.vpdq)})
    if alternatives:
        record["AlternativeHashes"] = alternatives
    return record
