"""What ``warden serve`` is told when it starts, read once from the settings (``WARDEN_SERVE_*``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from warden import settings
from warden.errors import UsageError

ROLES = ("hasher", "matcher", "curator", "psi")
"""The parts of the service that can be switched on one by one, as HMA's can; ``psi`` (private membership)
needs a built list (``WARDEN_SERVE_PSI_LIST``) and is what ``warden psi serve`` switches on."""


def default_db_url() -> str:
    """The embedded default: the SQLite file ``serve/service.db`` under ``WARDEN_HOME``."""
    return f"sqlite:///{settings.get_path(settings.HOME) / 'serve' / 'service.db'}"


def db_url() -> str:
    """The service database's URL: ``WARDEN_SERVE_DB``, else the embedded default."""
    return settings.get_str(settings.SERVE_DB).strip() or default_db_url()


def parse_roles(text: str) -> frozenset[str]:
    """``hasher,matcher`` as a set of roles.

    Raises:
        UsageError: no role, or one that is not a role.
    """
    roles = [part.strip() for part in text.split(",") if part.strip()]
    unknown = sorted(set(roles) - set(ROLES))
    if unknown or not roles:
        raise UsageError(f"roles must be among {', '.join(ROLES)}; got {', '.join(unknown) or 'none'}")
    return frozenset(roles)


@dataclass(frozen=True, slots=True)
class ServeConfig:
    """The service's settings.

    Attributes:
        db_url: the service database.
        roles: the parts switched on.
        hash_workers: hashing processes per service worker.
        hash_timeout: seconds one upload may take to hash, waiting for a process included.
        hash_memory_mb: address-space limit of each hashing process.
        max_upload_bytes: largest upload hashed.
        max_image_pixels: largest image decoded.
        max_video_seconds: longest video answered.
        spool: folder under which the private spool is made (None: the system's temporary folder).
        log_hashes: whether log lines may hold hashes of content and query strings.
        psi_list: the folder of the private-membership list the ``psi`` role serves (None: not set).
        psi_key_file: that list's server key (None: ``server.key`` in the list's folder).
    """

    db_url: str
    roles: frozenset[str]
    hash_workers: int = 1
    hash_timeout: float = 60.0
    hash_memory_mb: int = 2048
    max_upload_bytes: int = 100 << 20
    max_image_pixels: int = 50_000_000
    max_video_seconds: float = 600.0
    spool: Path | None = None
    log_hashes: bool = False
    psi_list: Path | None = None
    psi_key_file: Path | None = None

    @classmethod
    def from_settings(cls) -> ServeConfig:
        """The configuration the environment gives (``WARDEN_SERVE_*``, then the defaults)."""
        spool = settings.get_str(settings.SERVE_SPOOL).strip()
        psi_list = settings.get_str(settings.SERVE_PSI_LIST).strip()
        psi_key = settings.get_str(settings.SERVE_PSI_KEY_FILE).strip()
        return cls(
            db_url=db_url(),
            roles=parse_roles(settings.get_str(settings.SERVE_ROLES)),
            hash_workers=max(1, settings.get_int(settings.SERVE_HASH_WORKERS)),
            hash_timeout=float(settings.get_int(settings.SERVE_HASH_TIMEOUT)),
            hash_memory_mb=settings.get_int(settings.SERVE_HASH_MEMORY_MB),
            max_upload_bytes=settings.get_int(settings.SERVE_MAX_UPLOAD_BYTES),
            max_image_pixels=settings.get_int(settings.SERVE_MAX_IMAGE_PIXELS),
            max_video_seconds=float(settings.get_int(settings.SERVE_MAX_VIDEO_SECONDS)),
            spool=Path(spool).expanduser() if spool else None,
            log_hashes=settings.get_bool(settings.SERVE_LOG_HASHES),
            psi_list=Path(psi_list).expanduser() if psi_list else None,
            psi_key_file=Path(psi_key).expanduser() if psi_key else None,
        )

    def hash_for_log(self, value: str | None) -> str:
        """``value`` for a log line: itself when ``log_hashes`` is on, else ``(hidden)``."""
        return str(value) if self.log_hashes else "(hidden)"
