"""python-threatexchange's exchange clients, pointed at a base URL and held to Warden's bounds.

The clients are the library's own (``threatexchange.exchanges.clients``); what Warden changes is only how
they talk HTTP: every request goes through one :class:`BoundedTransport`, which gives each a timeout, caps
the number of requests and the size of each answer, gives up on a fetch that has run too long, never waits
for a server's ``Retry-After``, and never follows a ``next`` link to another server. The library's own
sessions wait 60 s a request with no overall bound, and its ThreatExchange client does not use its session.
"""

from __future__ import annotations

import time
import typing as t
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from threatexchange.exchanges import fetch_state
from threatexchange.exchanges.clients.fb_threatexchange.api import ThreatExchangeAPI
from threatexchange.exchanges.clients.ncmec.hash_api import NCMECEnvironment, NCMECHashAPI
from threatexchange.exchanges.clients.stopncii import api as stopncii
from threatexchange.exchanges.impl.ncmec_api import NCMECCollabConfig, NCMECSignalExchangeAPI
from threatexchange.exchanges.impl.stop_ncii_api import (
    StopNCIICheckpoint,
    StopNCIISignalExchangeAPI,
    StopNCIISignalMetadata,
)
from threatexchange.signal_type.md5 import VideoMD5Signal
from threatexchange.signal_type.pdq.signal import PdqSignal
from threatexchange.signal_type.signal_base import SignalType
from urllib3.util.retry import Retry

from warden import settings


class ExchangeLimitError(Exception):
    """A bound of :class:`ExchangeLimits` was reached (reported by :mod:`warden.serve.exchanges`)."""


@dataclass(frozen=True, slots=True)
class ExchangeLimits:
    """How far one fetch from an exchange may go.

    Attributes:
        timeout: seconds to connect, and to wait for each read of an answer.
        max_requests: HTTP requests one fetch may make (pages, probes and retries together).
        max_seconds: seconds one fetch may take in all.
        max_response_bytes: bytes one answer may have.
        max_records: records (hashes or entries, added or deleted) one fetch may bring.
    """

    timeout: float = 30.0
    max_requests: int = 2000
    max_seconds: float = 3600.0
    max_response_bytes: int = 64 * 1024 * 1024
    max_records: int = 2_000_000

    @classmethod
    def from_settings(cls) -> ExchangeLimits:
        """The limits the ``WARDEN_EXCHANGE_*`` settings give."""
        return cls(
            timeout=float(settings.get_int(settings.EXCHANGE_TIMEOUT)),
            max_requests=settings.get_int(settings.EXCHANGE_MAX_REQUESTS),
            max_seconds=float(settings.get_int(settings.EXCHANGE_MAX_SECONDS)),
            max_response_bytes=settings.get_int(settings.EXCHANGE_MAX_RESPONSE_MB) * 1024 * 1024,
            max_records=settings.get_int(settings.EXCHANGE_MAX_RECORDS),
        )


class BoundedTransport:
    """The HTTP side of one fetch: counts its requests and time, and makes the sessions the clients use."""

    def __init__(self, limits: ExchangeLimits) -> None:
        self.limits = limits
        self.requests = 0
        self._started = time.monotonic()

    def spend(self) -> None:
        """Count one request.

        Raises:
            ExchangeLimitError: the fetch has made its last allowed request or run out of time.
        """
        self.check_time()
        if self.requests >= self.limits.max_requests:
            raise ExchangeLimitError(
                f"the exchange kept answering with more to fetch: stopped after {self.requests} requests "
                "(WARDEN_EXCHANGE_MAX_REQUESTS)"
            )
        self.requests += 1

    def check_time(self) -> None:
        """Raise ExchangeLimitError when the fetch has run longer than it may."""
        if time.monotonic() - self._started > self.limits.max_seconds:
            raise ExchangeLimitError(
                f"the fetch took longer than {self.limits.max_seconds:g} s (WARDEN_EXCHANGE_MAX_SECONDS)"
            )

    def mount(self, session: requests.Session, *prefixes: str) -> requests.Session:
        """Put this transport under ``session`` for every URL (and over the library's own adapters)."""
        adapter = _BoundedAdapter(self)
        for prefix in ("http://", "https://", *prefixes):
            session.mount(prefix, adapter)
        return session

    def session(self) -> requests.Session:
        """A new session whose every request goes through this transport."""
        return self.mount(requests.Session())


class _BoundedAdapter(HTTPAdapter):
    """Timeout per read, the request budget, a cap on the answer's size, a few retries on busy answers."""

    def __init__(self, transport: BoundedTransport) -> None:
        retry = Retry(
            total=2,
            read=False,  # an answer that does not come in time is not asked for again
            status_forcelist=(429, 502, 503, 504),
            allowed_methods=("GET", "HEAD"),
            backoff_factor=0.2,
            respect_retry_after_header=False,  # a hostile Retry-After must not hold the fetch
            raise_on_status=False,  # the last busy answer comes back and raise_for_status names it
        )
        super().__init__(max_retries=retry)
        self._transport = transport

    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, stream: bool = False, **kwargs: t.Any
    ) -> requests.Response:
        self._transport.spend()
        kwargs["timeout"] = self._transport.limits.timeout
        response = super().send(request, stream=True, **kwargs)
        limit = self._transport.limits.max_response_bytes
        body = bytearray()
        try:
            while chunk := response.raw.read1(65536):
                body += chunk
                if len(body) > limit:
                    raise ExchangeLimitError(
                        f"an answer from the exchange is larger than {limit // (1024 * 1024)} MiB "
                        "(WARDEN_EXCHANGE_MAX_RESPONSE_MB)"
                    )
                self._transport.check_time()
        finally:
            response.close()
        response._content = bytes(body)  # what requests itself does when it reads a body
        response._content_consumed = True  # type: ignore[attr-defined]
        return response


def _same_origin(url: str, base: str) -> bool:
    one, two = urlsplit(url), urlsplit(base)
    return (one.scheme, one.netloc) == (two.scheme, two.netloc)


class BoundedNcmecClient(NCMECHashAPI):
    """NCMEC's hash-sharing client on a chosen base URL, through the transport."""

    def __init__(
        self,
        user: str,
        password: str,
        environment: NCMECEnvironment,
        transport: BoundedTransport,
        base_url: str | None = None,
    ) -> None:
        super().__init__(user, password, environment)
        if base_url:
            self._base_url = base_url.rstrip("/")
        self._transport = transport

    def _get_session(self) -> requests.Session:
        return self._transport.mount(super()._get_session(), self._base_url)


class BoundedNcmecExchange(NCMECSignalExchangeAPI):
    """The library's NCMEC exchange, whose clients are :class:`BoundedNcmecClient`."""

    def __init__(
        self,
        collab: NCMECCollabConfig,
        user: str,
        password: str,
        transport: BoundedTransport,
        base_url: str | None = None,
    ) -> None:
        super().__init__(collab, user, password)
        self._transport = transport
        self._base_url = base_url

    def get_client(self, environment: NCMECEnvironment) -> NCMECHashAPI:
        return BoundedNcmecClient(
            self._username, self._password, environment, self._transport, self._base_url
        )


class BoundedStopNciiClient(stopncii.StopNCIIAPI):
    """StopNCII's client (its own ``base_url_override``), through the transport."""

    def __init__(
        self, subscription_key: str, fetch_key: str, transport: BoundedTransport, base_url: str | None = None
    ) -> None:
        super().__init__(
            subscription_key, fetch_key, base_url_override=base_url.rstrip("/") if base_url else None
        )
        self._transport = transport

    def _get_session(self, endpoint: stopncii.StopNCIIEndpoint) -> requests.Session:
        session: requests.Session = super()._get_session(endpoint)
        return self._transport.mount(session, self._base_url)


_STOPNCII_SIGNALS: dict[stopncii.StopNCIISignalType, type[SignalType]] = {
    stopncii.StopNCIISignalType.ImagePDQ: PdqSignal,
    stopncii.StopNCIISignalType.VideoMD5: VideoMD5Signal,
}
_GONE = (stopncii.StopNCIICaseStatus.Withdrawn, stopncii.StopNCIICaseStatus.Deleted)


class StopNciiExchange(StopNCIISignalExchangeAPI):
    """The library's StopNCII exchange, with withdrawn and deleted hashes coming out as deletions.

    threatexchange 1.2.17 compares the hash's *value* with the withdrawn and deleted statuses, which never
    matches, so a withdrawn hash would stay listed; this ``fetch_iter`` is the library's with the status
    compared instead (and only the image and video hashes Warden matches).
    """

    def fetch_iter(
        self,
        _supported_signal_types: t.Sequence[type[SignalType]],
        checkpoint: StopNCIICheckpoint | None,
    ) -> t.Iterator[fetch_state.FetchDelta[tuple[str, str], StopNCIISignalMetadata, StopNCIICheckpoint]]:
        start = stopncii.StopNCIIAPI.DEFAULT_START_TIME if checkpoint is None else checkpoint.update_time
        for result in self.api.fetch_hashes_iter(start_timestamp=start):
            updates: dict[tuple[str, str], StopNCIISignalMetadata | None] = {}
            for record in result.hashRecords:
                signal = _STOPNCII_SIGNALS.get(record.signalType)
                if signal is None:
                    continue
                gone = record.hashStatus in _GONE
                updates[signal.get_name(), record.hashValue] = (
                    None if gone else StopNCIISignalMetadata(record.CSPFeedbacks)
                )
            yield fetch_state.FetchDelta(updates, StopNCIICheckpoint.from_stopncii_fetch(result))


class BoundedThreatExchangeClient(ThreatExchangeAPI):
    """Meta's ThreatExchange Graph API client (its own ``endpoint_override``), through the transport.

    The library's ``get_json_from_url`` calls ``requests.get`` without its session (no timeout at all) and
    follows whatever ``paging.next`` URL an answer gives; this one uses the transport and follows only
    URLs on the base URL's own server.
    """

    def __init__(self, api_token: str, transport: BoundedTransport, base_url: str | None = None) -> None:
        super().__init__(api_token, endpoint_override=base_url.rstrip("/") if base_url else None)
        self._transport = transport

    def get_json_from_url(
        self,
        url: str,
        params: dict[str, t.Any] | None = None,
        *,
        json_obj_hook: t.Callable[..., t.Any] | None = None,
    ) -> t.Any:
        if not _same_origin(url, self._base_url):
            raise ExchangeLimitError(
                f"the exchange sent a next page on another server ({urlsplit(url).netloc!r}); not followed"
            )
        with self._transport.session() as session:
            response = session.get(url, params=params or {})
            response.raise_for_status()
            return response.json(object_hook=json_obj_hook)
