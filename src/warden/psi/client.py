"""The client of a private-membership service (``warden psi serve``): which of its hashes are listed, and
under which category, without sending a hash or receiving the list.

:meth:`PsiClient.query` blinds every hash (a fresh random scalar each), sends them in batches to
``POST /v1/psi/evaluate``, checks each batch's proof with the public key the manifest publishes, removes the
blinding to get each hash's tag, and looks the tags up in the list's filter, fetched once and kept under
``$WARDEN_HOME/psi-cache/<commitment>/`` (checked against the manifest's SHA-256). The server learns how
many hashes were asked and when, never which; the client learns, for each hash it asks, listed or not.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from warden import settings
from warden.errors import DependencyMissingError, PsiListError, PsiServiceError, UsageError
from warden.private import check_key_file, make_private_dir
from warden.psi.inputs import oprf_input
from warden.psi.manifest import FILTER_NAME, MANIFEST_NAME, MAX_MANIFEST_BYTES, ListManifest
from warden.psi.suite import MAX_BATCH, batch_output_bytes, finalize_batch, require_voprf
from warden.psi.tag_filter import TagFilter

BATCH = 1000
"""Hashes per request by default: a 32,064-byte answer, well under a second on one core."""

MAX_REQUEST_ITEMS = 10_000
"""The most a service takes in one request (``warden.serve.routes.psi.MAX_ITEMS``)."""

MAX_TOKEN_BYTES = 4096
RETRIES_ON_LIMIT = 3
"""How many times a batch refused for the key's rate (429) is sent again after ``Retry-After``."""

_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class PsiAnswer:
    """Whether one hash is listed.

    Attributes:
        kind: its kind (md5, sha1, sha256, pdq).
        value: the hash as it was asked.
        category: the category it is listed under; None when it is not listed.
    """

    kind: str
    value: str
    category: str | None

    @property
    def listed(self) -> bool:
        """Whether the list holds the hash."""
        return self.category is not None


def read_token_file(path: Path) -> str:
    """The API key kept in ``path`` (its first line), refused when others may read the file.

    Raises:
        KeyFileError: group or others may read or write it.
        UsageError: it cannot be read, is empty, or is too large to be a key.
    """
    try:
        check_key_file(path, "API key file")
        with path.open("rb") as stream:
            data = stream.read(MAX_TOKEN_BYTES + 1)
    except FileNotFoundError:
        raise UsageError(f"the API key file {path} does not exist") from None
    except OSError as exc:
        raise UsageError(f"the API key file {path} cannot be read: {exc.strerror or exc}") from None
    lines = data.decode("utf-8", errors="replace").strip().splitlines()
    if len(data) > MAX_TOKEN_BYTES or not lines or not lines[0].strip().isprintable():
        raise UsageError(f"the API key file {path} does not hold an API key on its first line")
    return lines[0].strip()


def check_url(url: str) -> str:
    """``url`` without a trailing slash, if it is an http(s) base URL with a host and a valid port.

    Raises:
        UsageError: it is not.
    """
    from urllib.parse import urlsplit

    text = url.strip().rstrip("/")
    try:
        parts = urlsplit(text)
        usable = parts.scheme in ("http", "https") and bool(parts.hostname) and not parts.query
        usable = usable and (parts.port is None or parts.port > 0)  # .port raises past 65535
    except ValueError:  # an unclosed [ or a port that is not a number
        usable = False
    if not usable:
        raise UsageError(f"{url!r} is not the http:// or https:// address of a PSI service")
    return text


def cache_root() -> Path:
    """Where fetched lists are kept: ``$WARDEN_HOME/psi-cache``."""
    return settings.get_path(settings.HOME) / "psi-cache"


class PsiClient:
    """A client of the service at ``url`` with API key ``token`` (scope ``psi``).

    Args:
        url: the service's base URL (``http://127.0.0.1:8787``).
        token: the API key; sent as a bearer token, never shown.
        batch: hashes per request (at most :data:`MAX_REQUEST_ITEMS`).
        timeout: seconds any one request may take.
        wait_on_limit: the longest ``Retry-After`` waited out when the key's rate is used up (0: never
            wait; the query fails with :class:`PsiServiceError`).
        cache: the folder fetched lists are kept in (:func:`cache_root` by default).

    Raises:
        DependencyMissingError: ``voprf`` or ``httpx`` (the ``psi`` extra) is not installed.
        UsageError: ``batch`` is out of range.
    """

    def __init__(
        self,
        url: str,
        token: str,
        *,
        batch: int = BATCH,
        timeout: float = 60.0,
        wait_on_limit: float = 0.0,
        cache: Path | None = None,
    ) -> None:
        require_voprf()
        try:
            import httpx
        except ImportError:
            raise DependencyMissingError("httpx", "psi", "private membership (warden psi)") from None
        if not 1 <= batch <= MAX_REQUEST_ITEMS:
            raise UsageError(f"a PSI batch is 1 to {MAX_REQUEST_ITEMS:,} hashes, not {batch}")
        self.url = check_url(url)
        self.batch = batch
        self.wait_on_limit = wait_on_limit
        self._cache = cache
        self._http = httpx.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout,
            follow_redirects=False,
        )
        self._manifest: ListManifest | None = None
        self._filter: TagFilter | None = None
        self.evaluated = 0
        """Hashes this client has had evaluated (each distinct hash of each query, once)."""

    def close(self) -> None:
        """Close the connection."""
        self._http.close()

    def __enter__(self) -> PsiClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def manifest(self) -> ListManifest:
        """The list's manifest, fetched once per client.

        Raises:
            PsiServiceError: the service cannot be reached or refuses.
            PsiListError: what it sends is not a manifest this Warden reads.
        """
        if self._manifest is None:
            with self._request("GET", "/v1/psi/manifest") as response:
                text = _read_bounded(response, MAX_MANIFEST_BYTES, "the manifest")
            self._manifest = ListManifest.from_json(text, f"the PSI manifest of {self.url}")
        return self._manifest

    def tag_filter(self) -> TagFilter:
        """The list's filter: from the cache when it holds the manifest's, else fetched and checked.

        Raises:
            PsiServiceError: the service cannot be reached or refuses.
            PsiListError: the filter is not the one the manifest names, or cannot be kept.
        """
        if self._filter is None:
            manifest = self.manifest()
            folder = (self._cache or cache_root()) / manifest.commitment
            path = folder / FILTER_NAME
            if not _holds(path, manifest):
                self._fetch_filter(folder, manifest)
            self._filter = TagFilter.open(path, verify=False)  # its SHA-256 was just checked
            if self._filter.count != manifest.total or self._filter.categories != manifest.categories:
                raise PsiListError(f"the PSI filter of {self.url} does not hold the tags its manifest counts")
        return self._filter

    def query(self, hashes: Sequence[tuple[str, str]]) -> list[PsiAnswer]:
        """Whether each (kind, value) is listed, in order.

        Each distinct hash is evaluated once; the server sees only how many there are.

        Raises:
            UsageError: a kind is not one a list holds, or a value is not a hash of its kind (before anything
                is sent).
            PsiServiceError: the service cannot be reached, refuses, or answers wrongly.
            PsiProofError: a batch's proof does not verify with the manifest's public key.
            PsiListError: the filter is damaged or not the manifest's.
        """
        inputs = [oprf_input(kind, value) for kind, value in hashes]
        distinct = list(dict.fromkeys(inputs))
        tag_filter = self.tag_filter()
        public_key = bytes.fromhex(self.manifest().public_key)
        categories: dict[bytes, str | None] = {}
        for start in range(0, len(distinct), self.batch):
            part = distinct[start : start + self.batch]
            tags = self._evaluate(part, public_key)
            categories.update(zip(part, tag_filter.lookup_many(tags), strict=True))
        return [
            PsiAnswer(str(kind), value, categories[data])
            for (kind, value), data in zip(hashes, inputs, strict=True)
        ]

    def _evaluate(self, inputs: list[bytes], public_key: bytes) -> list[bytes]:
        """The tags of ``inputs`` (at most :data:`MAX_BATCH`): blinded, evaluated, proof checked,
        unblinded."""
        from voprf import ristretto

        assert len(inputs) <= MAX_BATCH
        blinded = [ristretto.Client.blind(data) for data in inputs]
        body = b"".join(element.serialize() for _, element in blinded)
        expected = batch_output_bytes(len(inputs))
        with self._request(
            "POST",
            "/v1/psi/evaluate",
            content=body,
            headers={"Content-Type": "application/octet-stream"},
        ) as response:
            answer = _read_bounded(response, expected, "an evaluated batch")
        self.evaluated += len(inputs)
        return finalize_batch([client for client, _ in blinded], answer, public_key)

    def _fetch_filter(self, folder: Path, manifest: ListManifest) -> None:
        try:
            make_private_dir(folder)
            partial = folder / f".{FILTER_NAME}.{secrets.token_hex(8)}.partial"
            digest, size = hashlib.sha256(), 0
            with self._request("GET", "/v1/psi/filter") as response, partial.open("xb") as out:
                try:
                    for chunk in response.iter_bytes(_CHUNK):
                        size += len(chunk)
                        if size > manifest.filter_size:
                            break
                        digest.update(chunk)
                        out.write(chunk)
                except _transport_errors() as exc:
                    raise PsiServiceError(
                        f"the PSI service at {self.url} stopped sending its filter: {exc}"
                    ) from None
                out.flush()
                os.fsync(out.fileno())
            if size != manifest.filter_size or digest.hexdigest() != manifest.filter_sha256:
                partial.unlink(missing_ok=True)
                raise PsiListError(
                    f"the filter the PSI service at {self.url} sent is not the one its manifest names "
                    f"({size:,} bytes; the manifest says {manifest.filter_size:,} and a SHA-256 it must "
                    "match)"
                )
            os.replace(partial, folder / FILTER_NAME)
            (folder / MANIFEST_NAME).write_text(manifest.to_json(), encoding="utf-8")
        except OSError as exc:
            raise PsiListError(f"the PSI filter cannot be kept in {folder}: {exc.strerror or exc}") from None
        finally:
            for leftover in folder.glob(f".{FILTER_NAME}.*.partial") if folder.is_dir() else ():
                leftover.unlink(missing_ok=True)

    @contextmanager
    def _request(self, method: str, path: str, **kwargs: Any) -> Iterator[Any]:
        """A streamed response with status 200; a 429 waited out (up to :attr:`wait_on_limit`, a few
        times); any other failure a :class:`PsiServiceError` naming the status and the server's message."""
        for attempt in range(RETRIES_ON_LIMIT + 1):
            try:
                with self._http.stream(method, path, **kwargs) as response:
                    if response.status_code == 200:
                        yield response
                        return
                    message = _error_message(response)
                    wait = _retry_after(response)
                    status = response.status_code
            except _transport_errors() as exc:
                raise PsiServiceError(f"the PSI service at {self.url} cannot be reached: {exc}") from None
            if status == 429 and attempt < RETRIES_ON_LIMIT and 0 < wait <= self.wait_on_limit:
                time.sleep(wait)
                continue
            raise PsiServiceError(_refusal(self.url, method, path, status, message, wait))
        raise AssertionError("unreachable")  # pragma: no cover


def _holds(path: Path, manifest: ListManifest) -> bool:
    """Whether ``path`` is the manifest's filter (size and SHA-256)."""
    try:
        if path.stat().st_size != manifest.filter_size:
            return False
        digest = hashlib.sha256()
        with path.open("rb") as stream:
            while chunk := stream.read(_CHUNK):
                digest.update(chunk)
    except OSError:
        return False
    return digest.hexdigest() == manifest.filter_sha256


def _read_bounded(response: Any, most: int, what: str) -> bytes:
    """The body of ``response``, refused past ``most`` bytes."""
    parts, size = [], 0
    try:
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > most:
                raise PsiServiceError(f"the PSI service sent more than the {most:,} bytes of {what}")
            parts.append(chunk)
    except _transport_errors() as exc:
        raise PsiServiceError(f"the PSI service stopped sending {what}: {exc}") from None
    return b"".join(parts)


def _transport_errors() -> tuple[type[Exception], ...]:
    import httpx

    return (httpx.TransportError, httpx.TimeoutException, httpx.StreamError)


def _error_message(response: Any) -> str:
    """The server's message in its JSON error body, else the body's start (bounded)."""
    try:
        body = _read_bounded(response, 64 << 10, "an error")
    except PsiServiceError:
        return ""
    try:
        message = json.loads(body)["error"]["message"]
        return str(message)[:500]
    except (ValueError, KeyError, TypeError):
        return body[:200].decode("utf-8", errors="replace")


def _retry_after(response: Any) -> int:
    try:
        return max(0, int(response.headers.get("retry-after", "0")))
    except ValueError:
        return 0


def _refusal(url: str, method: str, path: str, status: int, message: str, wait: int) -> str:
    why = {
        401: "refused the API key (unknown, expired or revoked)",
        403: "refused the API key: it lacks the psi scope",
        404: "has no such route: is it a warden psi serve service?",
        413: "refused a batch as too large",
        429: f"refused for the key's rate (hashes per minute); ask again in {wait} s",
    }.get(status, "failed")
    return (
        f"the PSI service at {url} {why} ({method} {path}: HTTP {status}){': ' + message if message else ''}"
    )
