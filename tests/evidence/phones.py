"""Phone extractions built in the tests from benign photos: iOS backup folders, Android tars, UFDR zips.

Nothing here is stored. The layouts follow what the tools write: an iOS backup keeps each file as
``<first two hex digits>/<fileID>`` with ``fileID = SHA-1(domain + "-" + relativePath)`` and names it in
``Manifest.db`` (table ``Files``); a UFDR is a zip of ``report.xml`` (Cellebrite's ``project`` schema) and
``files/<category>/...``.
"""

from __future__ import annotations

import hashlib
import io
import plistlib
import sqlite3
import tarfile
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import quoteattr

PHONE_TIME = 1_600_000_000
"""The phone's modification time every built row carries (2020-09-13T12:26:40Z)."""


@dataclass(frozen=True)
class Row:
    """One row of ``Files``: where the file was on the phone, and its bytes (None: listed, not stored)."""

    domain: str
    relative_path: str
    data: bytes | None
    flags: int = 1
    file_id: str | None = None

    @property
    def fid(self) -> str:
        return self.file_id or hashlib.sha1(f"{self.domain}-{self.relative_path}".encode()).hexdigest()


def file_metadata(size: int) -> bytes:
    """A row's ``file`` column as iOS writes it: an NSKeyedArchiver binary plist of an ``MBFile``."""
    archive = {
        "$archiver": "NSKeyedArchiver",
        "$version": 100000,
        "$top": {"root": plistlib.UID(1)},
        "$objects": [
            "$null",
            {
                "LastModified": PHONE_TIME,
                "Birth": PHONE_TIME - 60,
                "LastStatusChange": PHONE_TIME,
                "Size": size,
                "Mode": 0o100644,
                "$class": plistlib.UID(2),
            },
            {"$classname": "MBFile", "$classes": ["MBFile", "NSObject"]},
        ],
    }
    return plistlib.dumps(archive, fmt=plistlib.FMT_BINARY)


def ios_backup(
    folder: Path,
    rows: Sequence[Row],
    *,
    encrypted: bool = False,
    manifest: bytes | None = None,
    filler_rows: int = 0,
) -> Path:
    """Write an iOS backup folder: the plists, ``Manifest.db`` (or ``manifest`` in its place) and the stored
    files; ``filler_rows`` more rows name directories, for a manifest of many rows."""
    folder.mkdir(parents=True)
    info = {"Device Name": "Test iPhone", "Product Version": "17.5", "Unique Identifier": folder.name}
    (folder / "Info.plist").write_bytes(plistlib.dumps(info))
    (folder / "Status.plist").write_bytes(plistlib.dumps({"IsFullBackup": False, "Version": "3.3"}))
    manifest_plist = {"IsEncrypted": encrypted, "Version": "10.0", "Lockdown": {"ProductVersion": "17.5"}}
    (folder / "Manifest.plist").write_bytes(plistlib.dumps(manifest_plist))
    if manifest is not None:
        (folder / "Manifest.db").write_bytes(manifest)
    else:
        connection = sqlite3.connect(folder / "Manifest.db")
        connection.execute(
            "CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, flags INTEGER, "
            "file BLOB)"
        )
        values: list[tuple[object, ...]] = [
            (row.fid, row.domain, row.relative_path, row.flags, file_metadata(len(row.data or b"")))
            for row in rows
        ]
        values += [
            (hashlib.sha1(f"filler-{n}".encode()).hexdigest(), "HomeDomain", f"Library/d{n}", 2, None)
            for n in range(filler_rows)
        ]
        connection.executemany("INSERT INTO Files VALUES (?, ?, ?, ?, ?)", values)
        connection.commit()
        connection.close()
    for row in rows:
        if row.data is not None:
            stored = folder / row.fid[:2] / row.fid
            stored.parent.mkdir(exist_ok=True)
            stored.write_bytes(row.data)
    return folder


def android_tar(files: dict[str, bytes]) -> bytes:
    """A file-system extraction of an Android phone as a tar, each member named by its full path (an
    absolute one kept absolute, as ``tar -P`` writes it)."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), PHONE_TIME, 0o644
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


@dataclass(frozen=True)
class TaggedFile:
    """A ``<file>`` of a UFDR report: its phone path, the member holding it (None: not extracted) and the
    bytes stored there (None: named in the report, missing from the zip)."""

    phone_path: str
    local_path: str | None
    data: bytes | None
    deleted: bool = False


def ufdr_report(files: Iterable[TaggedFile], *, head: str = "") -> bytes:
    """``report.xml`` in the layout public UFDR readers parse; ``head`` goes before the root element."""
    parts = [
        f'<?xml version="1.0" encoding="utf-8"?>{head}',
        '<project id="00000000-0000-4000-8000-000000000000" name="test" reportVersion="7.0" '
        'xmlns="http://pa.cellebrite.com/report/2.0">',
        '<caseInformation><field name="Examiner"><value>test</value></field></caseInformation>',
        "<taggedFiles>",
    ]
    for index, tagged in enumerate(files):
        deleted = "deleted" if tagged.deleted else "intact"
        size = len(tagged.data or b"")
        parts.append(
            f'<file fs="Data" fsid="fs-1" path={quoteattr(tagged.phone_path)} size="{size}" '
            f'id="file-{index}" extractionId="0" deleted="{deleted}">'
        )
        parts.append('<metadata section="File">')
        if tagged.local_path is not None:
            parts.append(f'<item name="Local Path"><![CDATA[{tagged.local_path}]]></item>')
        parts.append('<item name="Tags"><![CDATA[Image]]></item></metadata>')
        parts.append(
            '<accessInfo><timestamp name="CreationTime">2020-09-13T12:25:40.000+00:00</timestamp>'
            '<timestamp name="ModifyTime">2020-09-13T12:26:40.000+00:00</timestamp></accessInfo>'
        )
        parts.append("</file>")
    parts += ["</taggedFiles>", '<decodedData><modelType type="Chat"/></decodedData>', "</project>"]
    return "".join(parts).encode()


def ufdr(files: Sequence[TaggedFile], *, report: bytes | None = None) -> bytes:
    """A UFDR: ``report.xml`` (built from ``files`` unless given) and each extracted file under its local
    path (backslashes as the report writes them become ``/`` in the zip)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("report.xml", report if report is not None else ufdr_report(files))
        for tagged in files:
            if tagged.local_path is not None and tagged.data is not None:
                archive.writestr(tagged.local_path.replace("\\", "/"), tagged.data)
    return out.getvalue()
