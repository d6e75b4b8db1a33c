"""What one worker process of the service holds while it runs, handed to every router factory."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from warden import settings
from warden.serve.config import ServeConfig
from warden.serve.key_cache import KeyCache
from warden.serve.ratelimit import RateLimiter
from warden.serve.status import Readiness


@dataclass(slots=True)
class ServeState:
    """The service's parts in one worker process.

    Attributes:
        config: the settings it was started with.
        engine: the service database.
        readiness: why the worker is not ready (``/status`` answers 503 while any reason is set).
        limiter: the per-key rate limit.
        keys: the API keys this worker has read.
        parts: what each role keeps for its routes (the hasher's ``UploadHasher`` under ``"hasher"``, an
            index under the matcher's name...), by name.
        on_startup: called once when the worker starts serving (load an index, start a thread).
        on_shutdown: called once when it stops (close what ``on_startup`` opened), in reverse order.
    """

    config: ServeConfig
    engine: Engine
    readiness: Readiness = field(default_factory=Readiness)
    limiter: RateLimiter | None = None
    keys: KeyCache | None = None
    parts: dict[str, Any] = field(default_factory=dict)
    on_startup: list[Callable[[], None]] = field(default_factory=list)
    on_shutdown: list[Callable[[], None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.limiter is None:
            self.limiter = RateLimiter(self.engine)
        if self.keys is None:
            self.keys = KeyCache(self.engine, float(settings.get_int(settings.SERVE_POLL_SECONDS)))
