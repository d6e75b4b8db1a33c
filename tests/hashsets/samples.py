"""Small made-up hash lists in every format, built by code: no hash here belongs to any real list."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Any

UK_CONTEXT = "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/UK/$metadata#Media"
US_CASES_CONTEXT = "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Cases"
V1_METADATA = "http://github.com/ICMEC/ProjectVic/DataModels/1.3.xml#Media"


def fake(digits: int, seed: str) -> str:
    """Made-up lower-case hex of ``digits`` digits, different for each seed."""
    return (hashlib.sha512(seed.encode()).hexdigest() * 2)[:digits]


def md5(seed: str) -> str:
    return fake(32, "md5" + seed)


def sha1(seed: str) -> str:
    return fake(40, "sha1" + seed)


def sha256(seed: str) -> str:
    return fake(64, "sha256" + seed)


def pdq(seed: str) -> str:
    return fake(64, "pdq" + seed)


def write(path: Path, text: str, *, bom: bool = False, encoding: str = "utf-8") -> Path:
    data = text.encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def media(media_id: Any, category: Any, seed: str, **extra: Any) -> dict[str, Any]:
    """A VICS Media record in the shape distributions use: upper-case hex, flags as strings."""
    record: dict[str, Any] = {
        "MediaID": media_id,
        "Category": category,
        "MD5": md5(seed).upper(),
        "SHA1": sha1(seed).upper(),
        "MediaSize": 2835,
        "DateUpdated": "2023-06-07T02:31:49.8300Z",
        "IsPrecategorized": "false",
    }
    record.update(extra)
    return record


def vics_text(context_key: str, context: str, value: list[Any], indent: int | None = 2) -> str:
    return json.dumps({context_key: context, "value": value}, indent=indent)


def canonical_csv(path: Path) -> Path:
    return write(
        path,
        f"md5,sha1,sha256,pdq,category,source_id\n{md5('a')},,,,A,1\n,{sha1('b')},,{pdq('b')},C,2\n",
    )


def vics_file(path: Path) -> Path:
    return write(path, vics_text("@odata.context", UK_CONTEXT, [media(1, 1, "a")]), bom=True)


def te_csv(path: Path) -> Path:
    return write(
        path,
        f"collab,signal_type,signal_str,category,tags\nSample Collab,pdq,{pdq('a')},POSITIVE_CLASS,\n",
    )


def te_text(path: Path) -> Path:
    return write(path, f"pdq {pdq('a')}\nvideo_md5 {md5('b')}\n")


def md5sum(path: Path) -> Path:
    return write(path, f"{md5('a')}  photos/a.jpg\n{md5('b')} *photos/b.jpg\n")


def nsrl_db(path: Path, rows: list[tuple[Any, ...]] | None = None) -> Path:
    """An RDS v3-shaped database: VERSION, PKG and FILE tables (hashes upper-case, as NIST writes them)."""
    rows = (
        rows
        if rows is not None
        else [
            (
                sha256(str(i)).upper(),
                sha1(str(i)).upper(),
                md5(str(i)).upper(),
                "0000ABCD",
                f"f{i}.dll",
                10,
                7,
            )
            for i in range(5)
        ]
    )
    connection = sqlite3.connect(path)
    with connection:
        connection.execute(
            "CREATE TABLE VERSION (version VARCHAR UNIQUE NOT NULL, build_set VARCHAR NOT NULL, "
            "build_date TIMESTAMP NOT NULL, release_date TIMESTAMP NOT NULL, description VARCHAR NOT NULL)"
        )
        connection.execute("INSERT INTO VERSION VALUES ('2024.12.1', 'modern minimal', '', '', 'test')")
        connection.execute(
            "CREATE TABLE PKG (package_id INTEGER NOT NULL, name VARCHAR NOT NULL, version VARCHAR NOT NULL)"
        )
        connection.execute("INSERT INTO PKG VALUES (7, 'Example Office', '1.0')")
        connection.execute(
            "CREATE TABLE FILE (sha256 VARCHAR NOT NULL, sha1 VARCHAR NOT NULL, md5 VARCHAR NOT NULL, "
            "crc32 VARCHAR NOT NULL, file_name VARCHAR NOT NULL, file_size INTEGER NOT NULL, "
            "package_id INTEGER NOT NULL)"
        )
        connection.executemany("INSERT INTO FILE VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    connection.close()
    return path
