"""Hostile archives of issue 8, built in the tests, small: overlapping zips, nested zips, members that lie
about their size in bzip2 and LZMA, and GNU sparse tars (hand-made and made by GNU tar).

Nothing is downloaded: each is written field by field from the format's specification (zip: PKWARE APPNOTE
and David Fifield's "A better zip bomb", 2019; tar: the GNU tar manual's sparse formats).
"""

from __future__ import annotations

import bz2
import io
import lzma
import shutil
import struct
import subprocess
import tarfile
import zipfile
import zlib
from pathlib import Path

import pytest

from tests.evidence.archives import DOS_TIME, RawEntry, raw_zip

_LOCAL = b"PK\x03\x04"
_CENTRAL = b"PK\x01\x02"


def _dos() -> tuple[int, int]:
    time = (DOS_TIME[3] << 11) | (DOS_TIME[4] << 5) | (DOS_TIME[5] // 2)
    date = ((DOS_TIME[0] - 1980) << 9) | (DOS_TIME[1] << 5) | DOS_TIME[2]
    return time, date


def overlapping_zip(count: int, kernel_size: int) -> bytes:
    """Fifield's overlapping-files zip: ``count`` entries that all end in one deflated kernel of zeros.

    Each entry's data is a stored deflate block quoting the next entry's local header, then the next
    entry's data: every entry expands to all the headers after it and the kernel, so the archive expands
    to about ``count * kernel_size`` bytes while holding the kernel once.
    """
    time, date = _dos()
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    kernel = compressor.compress(bytes(kernel_size)) + compressor.flush()
    names = [f"{index:04d}.bin".encode() for index in range(count)]
    # Built from the last entry back: an entry's data holds the headers of every entry after it.
    data = kernel
    content_tail = bytes(kernel_size)  # what the data expands to, without the quoted headers before it
    crc_tail = zlib.crc32(content_tail)
    headers: list[bytes] = []
    records: list[tuple[bytes, int, int, int]] = []  # name, crc, compressed, size (from the last entry)
    quoted = b""  # the quoted local headers in the content, in order
    for name in reversed(names):
        crc = zlib.crc32(content_tail, zlib.crc32(quoted)) if quoted else crc_tail
        size = len(quoted) + kernel_size
        header = (
            struct.pack("<4s5H3L2H", _LOCAL, 20, 0, 8, time, date, crc, len(data), size, len(name), 0) + name
        )
        records.append((name, crc, len(data), size))
        headers.append(header)
        # The entry before this one quotes this header in a stored, non-final deflate block.
        block = b"\x00" + struct.pack("<HH", len(header), len(header) ^ 0xFFFF)
        data = block + header + data
        quoted = header + quoted
    # The first entry's header is not quoted: drop the last stored block built for it.
    first_block = 5 + len(headers[-1])
    body = headers[-1] + data[first_block:]
    records.reverse()
    directory = io.BytesIO()
    offset = 0
    for name, crc, compressed, size in records:
        directory.write(
            struct.pack(
                "<4s4B4HL2L5H2L",
                _CENTRAL,
                20,
                0,
                20,
                0,
                0,
                8,
                time,
                date,
                crc,
                compressed,
                size,
                len(name),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + name
        )
        offset += 30 + len(name) + 5
    listing = directory.getvalue()
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(listing), len(body), 0)
    return body + listing + end


def same_data_zip(count: int, size: int) -> bytes:
    """``count`` central directory entries that all point at one local header of ``size`` deflated zeros."""
    data = zlib.compress(bytes(size), 9)[2:-4]
    one = raw_zip([RawEntry(b"zeros.bin", data, method=8, size=size, crc=zlib.crc32(bytes(size)))])
    local_end = one.index(_CENTRAL)
    record = one[local_end : one.index(b"PK\x05\x06")]
    listing = record * count
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(listing), local_end, 0)
    return one[:local_end] + listing + end


def nested_zips(levels: int, fan_out: int, leaf_size: int) -> bytes:
    """42.zip in small: ``fan_out`` copies of a zip at each of ``levels`` levels, ``leaf_size`` zeros in."""
    current = _zip({"zeros.bin": bytes(leaf_size)})
    for level in range(levels):
        current = _zip({f"l{level}-{index:x}.zip": current for index in range(fan_out)})
    return current


def _zip(files: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in files.items():
            archive.writestr(zipfile.ZipInfo(name, DOS_TIME), data, compress_type=method)
    return buffer.getvalue()


def zip_with(method: int, files: dict[str, bytes]) -> bytes:
    """An honest zip made by zipfile with ``method`` (bzip2, LZMA...)."""
    return _zip(files, method)


def lying_zip(method: int, real_size: int, declared: int = 1000) -> bytes:
    """One member of ``real_size`` zeros, bzip2 (12) or LZMA (14), that declares ``declared`` bytes (and
    the CRC-32 of all of them)."""
    zeros = bytes(real_size)
    if method == zipfile.ZIP_BZIP2:
        data = bz2.compress(zeros, 9)
    else:
        lzma_filter = {"id": lzma.FILTER_LZMA1, "dict_size": 1 << 20, "lc": 3, "lp": 0, "pb": 2}
        properties = bytes([(2 * 5 + 0) * 9 + 3]) + struct.pack("<L", 1 << 20)
        body = lzma.compress(zeros, format=lzma.FORMAT_RAW, filters=[lzma_filter])
        data = struct.pack("<BBH", 9, 20, len(properties)) + properties + body
    entry = RawEntry(b"liar.bin", data, method=method, size=declared, crc=zlib.crc32(zeros))
    return raw_zip([entry])


def old_gnu_sparse_tar(
    name: str, size: int, chunks: list[tuple[int, bytes]], *, stored: int | None = None
) -> bytes:
    """A tar holding one old-GNU sparse member ('S'): only ``chunks`` (offset, data) are stored, the rest of
    its ``size`` bytes are holes. ``stored`` overrides the header's size field (a lying archive)."""
    assert len(chunks) <= 4
    data = b"".join(chunk for _, chunk in chunks)
    info = tarfile.TarInfo(name)
    info.size = len(data) if stored is None else stored
    info.mtime = 1_600_000_000
    info.mode = 0o644
    header = bytearray(info.tobuf(format=tarfile.GNU_FORMAT))
    header[156:157] = tarfile.GNUTYPE_SPARSE
    for index, (offset, chunk) in enumerate(chunks):
        at = 386 + 24 * index
        header[at : at + 12] = b"%011o\0" % offset
        header[at + 12 : at + 24] = b"%011o\0" % len(chunk)
    header[482] = 0
    header[483:495] = b"%011o\0" % size
    header[148:156] = b" " * 8
    header[148:156] = b"%06o\0 " % sum(header[:512])
    padding = (-len(data)) % 512
    return bytes(header[:512]) + data + bytes(padding) + bytes(1024)


def sparse_content(size: int, chunks: list[tuple[int, bytes]]) -> bytes:
    """What a sparse file of ``size`` bytes holding ``chunks`` reads as: the holes as zeros."""
    content = bytearray(size)
    for offset, chunk in chunks:
        content[offset : offset + len(chunk)] = chunk
    return bytes(content)


GNU_SPARSE_FORMATS = {  # name -> GNU tar options (the reproduction is `tar -cSf`)
    "oldgnu": ["--format=gnu"],
    "pax-0.0": ["--format=pax", "--sparse-version=0.0"],
    "pax-0.1": ["--format=pax", "--sparse-version=0.1"],
    "pax-1.0": ["--format=pax", "--sparse-version=1.0"],
}


def gnu_tar_sparse(folder: Path, source: Path, format_name: str) -> bytes:
    """``source`` (a sparse file) archived by GNU tar with ``-S`` in one of :data:`GNU_SPARSE_FORMATS`."""
    tar = shutil.which("tar")
    if tar is None or b"GNU tar" not in subprocess.run([tar, "--version"], capture_output=True).stdout:
        pytest.skip("GNU tar is not installed")
    target = folder / f"{format_name}.tar"
    subprocess.run(
        [tar, *GNU_SPARSE_FORMATS[format_name], "-cSf", str(target), "-C", str(source.parent), source.name],
        check=True,
        capture_output=True,
    )
    return target.read_bytes()


def sparse_file(path: Path, size: int, chunks: list[tuple[int, bytes]]) -> None:
    """A file with holes: ``chunks`` written at their offsets, the rest never written."""
    with path.open("wb") as handle:
        for offset, chunk in chunks:
            handle.seek(offset)
            handle.write(chunk)
        handle.truncate(size)
