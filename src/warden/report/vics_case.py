"""The case as a VICS 2.0 case export (``value[0].Media[]`` with ``MediaFiles[]``), for Griffeye/CAID-style
tools: one Media record per distinct file content (by MD5), one MediaFiles record per copy found."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from warden import TOOL_NAME, __version__
from warden.errors import UsageError
from warden.hashsets.profiles import NULL_KEY, CategoryProfile, load_profile
from warden.model.categories import Category, most_serious
from warden.model.records import Media, item_place
from warden.model.states import State

CASES_CONTEXT = "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/{profile}/$metadata#Cases"
"""The ``@odata.context`` of a written case export; ``{profile}`` is UK, US or CUSTOM."""

_PROFILE_SEGMENTS = {"uk": "UK", "us": "US"}


def content_category(item: Mapping[str, Any]) -> Category:
    """The category of an item's content as an exchange file carries it: the examiner's grade (including not
    indecent), else the best match's category, else uncategorised."""
    grade = item.get("grade")
    if grade:
        return Category(grade["category"])
    match = item.get("match")
    if match:
        return Category(match["category"])
    return Category.UNCATEGORISED


def _exported(item: Mapping[str, Any]) -> bool:
    # Media and anything categorised, with the MD5 VICS keys on; never known-good software files.
    if not item.get("md5"):
        return False
    if content_category(item) is Category.KNOWN_GOOD:
        return False
    return item["media"] != Media.OTHER or item.get("category") is not None


def _split(path: str) -> tuple[str, str]:
    """(folder part, file name) of an item path: the name is what follows the last ``/``."""
    folder, _, name = path.rpartition("/")
    return folder.rstrip("/"), name


def _media_file(item: Mapping[str, Any], source_id: int) -> dict[str, Any]:
    folder, name = _split(item_place(item["evidence"], item["path"]))
    state = item.get("state", State.LIVE)
    return {
        "FileName": name,
        "FilePath": folder,
        "FileSize": item.get("size"),
        "Created": item.get("crtime"),
        "Written": item.get("mtime"),
        "Accessed": item.get("atime"),
        "Deleted": state == State.DELETED,
        "Unallocated": state == State.CARVED,
        "SourceID": source_id,
    }


def _code(profile: CategoryProfile, category: Category) -> int | str | None:
    code = profile.code_for(category)
    if code is None:
        raise UsageError(
            f"category profile {profile.name!r} has no number for {category.value}, so the case cannot be "
            "exported with it; choose another profile"
        )
    if code == NULL_KEY:
        return None
    return int(code) if code.isdigit() else code


def vics_case(report: Mapping[str, Any], profile: CategoryProfile) -> dict[str, Any]:
    """The case export as a dict (pure: the same report and profile give the same dict).

    ``SourceID`` of a copy is its exhibit's ``number`` in the report's ``exhibits``. ``IsPrecategorized`` is
    true where the category came from a hash-set match and no examiner graded the file.
    """
    exhibits = {exhibit["label"]: exhibit["number"] for exhibit in report.get("exhibits", [])}
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for item in report["items"]:
        if _exported(item):
            groups.setdefault(item["md5"], []).append(item)
    media = []
    for number, copies in enumerate(groups.values(), start=1):
        first = copies[0]
        category = most_serious([content_category(copy) for copy in copies]) or Category.UNCATEGORISED
        graded = any(copy.get("grade") for copy in copies)
        record: dict[str, Any] = {
            "MediaID": number,
            "Category": _code(profile, category),
            "MD5": first["md5"].upper(),
            "SHA1": (first.get("sha1") or "").upper() or None,
            "MediaSize": first.get("size"),
            "IsPrecategorized": not graded and any(copy.get("match") for copy in copies),
            "MediaFiles": [_media_file(copy, exhibits.get(copy["evidence"], 0)) for copy in copies],
        }
        alternatives = []
        if first.get("sha256"):
            alternatives.append({"HashName": "SHA256", "HashValue": first["sha256"].upper()})
        pdq = first.get("pdq")
        if pdq:
            alternatives.append({"HashName": "PDQ", "HashValue": pdq})
        if alternatives:
            record["AlternativeHashes"] = alternatives
        how = sorted({copy["established_by"] for copy in copies if copy.get("established_by")})
        if how:
            record["Comments"] = "category established by " + ", ".join(how)
        media.append(record)
    case = report["case"]
    segment = _PROFILE_SEGMENTS.get(profile.name, "CUSTOM") if profile.origin == "built-in" else "CUSTOM"
    return {
        "@odata.context": CASES_CONTEXT.format(profile=segment),
        "value": [
            {
                "CaseID": case["id"],
                "CaseNumber": case["id"],
                "SourceApplicationName": TOOL_NAME,
                "SourceApplicationVersion": __version__,
                "TotalMediaFiles": sum(len(record["MediaFiles"]) for record in media),
                "Media": media,
            }
        ],
    }


def render_vics_case(report: Mapping[str, Any], profile: str | None = None) -> bytes:
    """The case export as UTF-8 JSON, keys in a fixed order, one Media record per line."""
    document = vics_case(report, load_profile(profile or "uk"))
    case = document["value"][0]
    head = {key: value for key, value in case.items() if key != "Media"}
    lines = [
        json.dumps({"@odata.context": document["@odata.context"]})[:-1] + ',"value":[',
        json.dumps(head, ensure_ascii=False)[:-1] + ',"Media":[',
    ]
    records = [json.dumps(record, ensure_ascii=False) for record in case["Media"]]
    lines.append(",\n".join(records))
    lines.append("]}]}")
    return ("\n".join(lines) + "\n").encode("utf-8")
