"""UFDR reader packages (Cellebrite): the original phone path of each file in the zip, from ``report.xml``.

A UFDR is a zip holding, at its root, ``report.xml`` (root element ``project`` in the namespace
``http://pa.cellebrite.com/report/2.0``) and the extracted files under ``files/<category>/``. In the report,
each ``<file>`` element (under ``<taggedFiles>``) names the file's original path on the phone (attribute
``path``, with ``fs``, ``id`` and ``deleted``), and the zip member that holds it in the text of
``<metadata><item name="Local Path">`` (``files\\Image\\IMG_0001.JPG``) or, in some versions, a ``localPath``
attribute; ``<timestamp name="CreationTime|ModifyTime|AccessTime">`` give the phone's times. This layout is
the one public readers (IPED's ``UfedXmlReader``, UFDR2DIR) rely on; it is not published by Cellebrite.

The zip container (:mod:`warden.evidence.zip`) reads the report first, then adds the phone path to the
provenance of each member it names. The report is parsed as a stream (expat, no tree kept), bounded in bytes,
entries and seconds; a document type declaration (where entity expansion lives) is refused.
"""

from __future__ import annotations

import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import IO
from xml.parsers import expat

from warden.evidence.base import Item, JsonScalar, Limits, Step

FORMAT = "ufdr"
REPORT = "report.xml"
NAMESPACE = "http://pa.cellebrite.com/report/2.0"
REPORT_BYTES = 1 << 30
"""Most bytes of ``report.xml`` read (and the member size limit, if lower): a report past it is a fact."""
_TEXT_CHARS = 8192
_TIMES = {"ModifyTime": "phone_mtime", "CreationTime": "phone_crtime", "AccessTime": "phone_atime"}
_CHUNK = 1 << 20


class ReportError(Exception):
    """``report.xml`` could not be read to its end; the message says why (internal: a fact, not raised)."""


class _NotUfdr(Exception):
    """The zip's ``report.xml`` is some other document: the zip is no UFDR."""


@dataclass(frozen=True, slots=True)
class PhoneFile:
    """One file of the phone as the report names it."""

    local_path: str
    detail: dict[str, JsonScalar]


@dataclass(slots=True)
class Report:
    """The files a UFDR's report names, by the zip member that holds them (its local path, normalised)."""

    files: dict[str, PhoneFile] = field(default_factory=dict)
    problem: str | None = None
    """Why the report was not read to its end (the files found before it are kept), or None."""
    seen: set[str] = field(default_factory=set)

    def annotate(self, item: Item, member_name: str) -> Item:
        """A zip member with its phone path (and the report's facts about it) added to its last step."""
        phone = self.files.get(local(member_name))
        if phone is None or not item.steps:
            return item
        self.seen.add(phone.local_path)
        last = item.steps[-1]
        step = Step(last.kind, last.name, {**last.detail, **phone.detail})
        return replace(item, steps=(*item.steps[:-1], step))

    def unseen(self) -> Iterator[PhoneFile]:
        """The files the report names whose member is not in the archive, in local-path order."""
        for key in sorted(self.files):
            if key not in self.seen:
                yield self.files[key]


def local(name: str) -> str:
    """A local path or member name in one form: ``/`` separators, no leading ``./`` or ``/``."""
    text = name.replace("\\", "/")
    while text.startswith(("./", "/")):
        text = text[2:] if text.startswith("./") else text[1:]
    return text


def report_for(archive: zipfile.ZipFile, limits: Limits) -> Report | None:
    """The report of a UFDR, or None when the zip is no UFDR (no ``report.xml`` at its root, or one of
    another kind). A report that stops part-way keeps what it named before and says why in ``problem``."""
    try:
        info = archive.getinfo(REPORT)
    except KeyError:
        return None
    report = Report()
    cap = min(limits.member_bytes, REPORT_BYTES)
    try:
        if info.file_size > cap:
            raise ReportError(f"{REPORT} declares {info.file_size} bytes, over the {cap} read")
        with archive.open(info) as stream:
            _parse(stream, report, cap, limits.members, time.monotonic() + limits.seconds)
    except _NotUfdr:
        return None
    except ReportError as error:
        report.problem = str(error)
    except (OSError, EOFError, RuntimeError, ValueError, NotImplementedError, zipfile.BadZipFile) as error:
        report.problem = f"{REPORT} cannot be read: {type(error).__name__}: {error}"
    if report.problem is not None and not report.files:
        report.problem += "; members keep their names in the archive, without their paths on the phone"
    return report


def _parse(stream: IO[bytes], report: Report, cap: int, max_files: int, deadline: float) -> None:
    """Feed the report to expat in chunks, collecting the files it names.

    Raises:
        _NotUfdr: the root element is not a UFDR ``project``.
        ReportError: malformed, a document type declaration, too big, too many files, or too slow.
    """
    reader = _Reader(report, max_files)
    parser = expat.ParserCreate(namespace_separator="}")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = reader.doctype
    parser.StartElementHandler = reader.start
    parser.EndElementHandler = reader.end
    parser.CharacterDataHandler = reader.text
    read = 0
    try:
        while chunk := stream.read(_CHUNK):
            read += len(chunk)
            if read > cap:
                raise ReportError(f"{REPORT} goes past {cap} bytes: read no further")
            if time.monotonic() > deadline:
                raise ReportError(f"reading {REPORT} took too long (max_container_seconds): read no further")
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as error:
        if reader.root is None:
            raise _NotUfdr from error
        raise ReportError(f"{REPORT} is not well-formed XML: {error}") from error
    except _Full as full:
        raise ReportError(
            f"{REPORT} names more than {max_files} files (the max_members limit): the rest keep their names "
            "in the archive only"
        ) from full


class _Full(Exception):
    pass


class _Reader:
    """Expat's handlers: the ``<file>`` elements of a UFDR report, nothing else kept."""

    def __init__(self, report: Report, max_files: int) -> None:
        self.report = report
        self.max_files = max_files
        self.root: str | None = None
        self.file: dict[str, JsonScalar] | None = None
        self.local: str | None = None
        self.file_depth = 0
        self.depth = 0
        self.capture: str | None = None
        self.chars: list[str] = []
        self.size = 0

    def doctype(self, *_: object) -> None:
        raise ReportError(f"{REPORT} declares a document type, which no UFDR report does: not read")

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        self.depth += 1
        space, _, name = tag.rpartition("}")
        if self.root is None:
            if name != "project" or space not in (NAMESPACE, ""):
                raise _NotUfdr
            self.root = name
            return
        if name == "file" and self.file is None:
            self.file_depth = self.depth
            self.file = _file_detail(attributes)
            self.local = attributes.get("localPath")
        elif self.file is not None and name in ("item", "timestamp"):
            label = attributes.get("name", "")
            if (name == "item" and label == "Local Path") or (name == "timestamp" and label in _TIMES):
                self.capture, self.chars, self.size = label, [], 0

    def text(self, data: str) -> None:
        if self.capture is not None and self.size < _TEXT_CHARS:
            self.chars.append(data[: _TEXT_CHARS - self.size])
            self.size += len(data)

    def end(self, tag: str) -> None:
        if self.capture is not None:
            value = "".join(self.chars).strip()
            if self.capture == "Local Path" and self.file is not None:
                self.local = value or self.local
            elif self.capture in _TIMES and self.file is not None and value:
                self.file[_TIMES[self.capture]] = value
            self.capture = None
        if self.file is not None and self.depth == self.file_depth:
            if self.local:
                key = local(self.local)
                if key not in self.report.files:
                    if len(self.report.files) >= self.max_files:
                        raise _Full
                    self.file["ufdr_local_path"] = self.local
                    self.report.files[key] = PhoneFile(key, self.file)
            self.file, self.local = None, None
        self.depth -= 1


def _file_detail(attributes: dict[str, str]) -> dict[str, JsonScalar]:
    detail: dict[str, JsonScalar] = {
        "extraction": FORMAT,
        "phone_path": attributes.get("path", "")[:_TEXT_CHARS],
    }
    for attribute, key in (("fs", "phone_file_system"), ("id", "ufdr_file_id")):
        if attributes.get(attribute):
            detail[key] = attributes[attribute][:_TEXT_CHARS]
    if attributes.get("deleted"):
        detail["phone_deleted"] = attributes["deleted"].lower() == "deleted"
    return detail
