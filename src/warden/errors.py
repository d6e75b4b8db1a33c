"""Every error a user can act on, one type each, with its exit code and the HTTP status the web answers with.

Both are documented in ``docs/errors.md``; a test keeps the two in step. The command line prints the message
and exits with ``exit_code``; the review app (and any later HTTP API) answers ``http_status`` with the body
``{"error": {"status", "code", "message"}}``. Exceptions that never reach a user (a container that cannot be
read, an image that cannot be decoded: per-item failures recorded as data) live beside the code that raises
and catches them, and say so.
"""

from __future__ import annotations


class WardenError(Exception):
    """Base of every error Warden reports to a user instead of a traceback (on its own: a file or folder
    Warden cannot use)."""

    exit_code: int = 1
    http_status: int = 500
    code: str = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InternalError(WardenError):
    """A fault in Warden itself (a bug), named in one line instead of a traceback."""

    code = "internal_error"


class UsageError(WardenError):
    """The command was called with arguments that cannot work together."""

    exit_code = 2
    http_status = 400
    code = "usage"


class HashSetFormatError(WardenError):
    """A hash-set file is malformed; nothing of it was imported.

    Attributes:
        location: where the first problem is, e.g. ``line 12`` or ``record 3 (MediaID 17)``.
    """

    exit_code = 3
    http_status = 422
    code = "hashset_format"

    def __init__(self, message: str, location: str | None = None, source: str | None = None) -> None:
        where = ", ".join(part for part in (source, location) if part)
        super().__init__(f"{where}: {message}" if where else message)
        self.location = location
        self.source = source


class HashSetNotFoundError(WardenError):
    """No hash set of that name is in the store and no file has that path."""

    exit_code = 4
    http_status = 404
    code = "hashset_not_found"


class HashSetExistsError(WardenError):
    """A hash set of that name is already in the store."""

    exit_code = 4
    http_status = 409
    code = "hashset_exists"


class HashSetKeyError(WardenError):
    """The hash-set key is missing, unreadable or does not open the store."""

    exit_code = 5
    http_status = 500
    code = "hashset_key"


class EvidenceError(WardenError):
    """An evidence path given on the command line does not exist or cannot be read at all."""

    exit_code = 6
    http_status = 404
    code = "evidence"


class CaseError(WardenError):
    """The case folder or database cannot be created, opened or upgraded."""

    exit_code = 7
    http_status = 500
    code = "case"


class CaseMismatchError(CaseError):
    """A scan was resumed with different evidence or hash sets than the case was started with."""

    http_status = 409
    code = "case_mismatch"


class IndexDamagedError(WardenError):
    """An on-disk index is missing, of an unknown version, or damaged."""

    exit_code = 8
    http_status = 500
    code = "index"


class DependencyMissingError(WardenError):
    """An optional dependency is needed for this and is not installed."""

    exit_code = 9
    http_status = 501
    code = "dependency_missing"

    def __init__(self, package: str, extra: str, purpose: str) -> None:
        super().__init__(f"{purpose} needs {package}: install it with  pip install 'warden[{extra}]'")
        self.package = package
        self.extra = extra


class AuditBrokenError(WardenError):
    """The case's audit log has an altered, missing or out-of-order entry, or rows it covers were changed."""

    exit_code = 10
    http_status = 500
    code = "audit_broken"


class ValidationFailedError(WardenError):
    """A check of ``warden validate`` did not pass: the tool is not fit for casework as installed."""

    exit_code = 11
    http_status = 500
    code = "validation_failed"


class CaseBusyError(CaseError):
    """Another Warden process is scanning this case now; a second scan of one case is refused."""

    exit_code = 12
    http_status = 409
    code = "case_busy"


class NoSpaceError(WardenError):
    """The disk holding the case folder or the spool is full; nothing recorded is lost."""

    exit_code = 13
    http_status = 507
    code = "no_space"


class KeyFileError(WardenError):
    """A key file (hash-set or audit key) is readable by other users, is not a key, or cannot be created
    safely; or the audit key at hand is missing or not the one the case's audit log is keyed with."""

    exit_code = 14
    http_status = 500
    code = "key_file"


class EvidenceKeyFileError(KeyFileError):
    """A key file of secrets for encrypted evidence (``warden scan --key-file``) cannot be read or has a line
    that is not ``kind: value``; the message names the file and line, never a secret. Refused before the case
    is touched."""

    exit_code = 2
    http_status = 400
    code = "evidence_key_file"


# ---------------------------------------------------------------- refusals of a request to the review app
# Raised only while the app answers a request, so they never reach the command line (exit 1 if one did).


class RequestRefusedError(WardenError):
    """The review app refuses a request as it was sent (a grade, scope or verdict that is not one)."""

    http_status = 400
    code = "bad_request"


class NotLoggedInError(RequestRefusedError):
    """The request needs a logged-in session and has none."""

    http_status = 401
    code = "unauthenticated"


class ForbiddenError(RequestRefusedError):
    """The account's role may not do this (a viewer grading, a non-admin managing accounts)."""

    http_status = 403
    code = "forbidden"


class PasswordChangeRequiredError(ForbiddenError):
    """The account must change its one-time password before anything else."""

    code = "password_change_required"


class WrongHostError(ForbiddenError):
    """The request names a host the app was not started for (a DNS-rebinding attempt, or a missing
    ``--hostname``)."""

    code = "wrong_host"


class CrossOriginError(ForbiddenError):
    """The request comes from another origin, or a form was not sent from the app's own pages."""

    code = "cross_origin"


class CsrfError(ForbiddenError):
    """A form's CSRF token does not match its session (or the login form's cookie)."""

    code = "csrf"


class NotRevealedError(ForbiddenError):
    """An item's unblurred preview was asked for without revealing it first."""

    code = "not_revealed"


class NotFoundError(RequestRefusedError):
    """The request names an item (or items) this case does not have."""

    http_status = 404
    code = "not_found"


class RequestTooLargeError(RequestRefusedError):
    """The request's body is larger than the app accepts."""

    http_status = 413
    code = "too_large"


class UnsupportedMediaTypeError(RequestRefusedError):
    """The request's body is not a form (``application/x-www-form-urlencoded``)."""

    http_status = 415
    code = "unsupported_media_type"


# ------------------------------------------------------------ refusals of a request to `warden serve`


class ApiKeyError(NotLoggedInError):
    """The request carries no API key, or one that is unknown, expired or revoked."""

    code = "api_key"


class ScopeError(ForbiddenError):
    """The API key lacks the scope this endpoint needs (``hash``, ``match``, ``curate`` or ``admin``)."""

    code = "missing_scope"


class RateLimitedError(RequestRefusedError):
    """The API key made more requests this minute than its rate allows.

    Attributes:
        retry_after: whole seconds until the key may ask again (sent as ``Retry-After``).
    """

    http_status = 429
    code = "rate_limited"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class UploadTooLargeError(RequestTooLargeError):
    """An upload is over the service's size limit, or a video over its length limit."""

    code = "upload_too_large"


class UnhashableUploadError(RequestRefusedError):
    """An uploaded image or video cannot be decoded and hashed (damaged, hostile, too many pixels)."""

    http_status = 422
    code = "unhashable"


class NotMediaError(UnsupportedMediaTypeError):
    """An upload is neither an image nor a video Warden recognises by its bytes."""

    code = "not_media"


class ServiceBusyError(WardenError):
    """Every hashing process of `warden serve` stayed busy for longer than a request may wait (only ever
    an HTTP answer; exit 1 if it reached the command line)."""

    http_status = 503
    code = "busy"


class WebhookSignatureError(RequestRefusedError):
    """A received webhook has no valid ``X-Warden-Signature``, or one whose timestamp is more than the
    tolerance (five minutes) old: a receiver refuses it (``warden.serve.webhooks.verify``)."""

    http_status = 401
    code = "webhook_signature"


class ExchangeError(WardenError):
    """A hash exchange (ThreatExchange, NCMEC, StopNCII) could not be fetched from: refused, unreachable,
    too slow, endless or malformed. The bank was left as it was."""

    exit_code = 15
    http_status = 502
    code = "exchange"


class CrawlError(WardenError):
    """`warden crawl` cannot start: a seed is not an http(s) URL, or the proxy is not one it can use. What a
    site does (timeouts, bombs, invalid TLS, refusals) is never this: it is recorded per URL."""

    exit_code = 16
    http_status = 422
    code = "crawl"


class ClusterError(WardenError):
    """`warden scan --ray`: the Ray cluster cannot be reached or refuses the connection; nothing was scanned
    on it (a node lost during a scan is not this: its items are run again elsewhere)."""

    exit_code = 17
    http_status = 502
    code = "cluster"


class CorpusError(WardenError):
    """A research corpus given to `warden conversations train` or `warden validate --conversations` cannot be
    used: it is not the PAN 2012 XML (``<conversations>`` of ``<conversation id>`` with ``<message line>``,
    ``<author>``, ``<time>``, ``<text>``), it passes a reading limit, or its ground-truth file names no author
    in it. Nothing was trained or measured."""

    exit_code = 18
    http_status = 422
    code = "corpus"


class ConversationModelError(WardenError):
    """A conversation model under ``WARDEN_HOME`` is missing, damaged (not the JSON Warden wrote, or its
    checksum does not hold) or of another format version: train it again with `warden conversations train`."""

    exit_code = 19
    http_status = 500
    code = "conversation_model"


class PsiError(WardenError):
    """Private membership (`warden psi`): a list, its service or a server's answer cannot be used; the base of
    the three below, each of which says what went wrong."""

    exit_code = 20
    http_status = 502
    code = "psi"


class PsiServiceError(PsiError):
    """A private-membership service cannot be reached, answers with an HTTP error, too slowly, or with a body
    of the wrong size; nothing was reported for the hashes of the failed request."""

    code = "psi_service"


class PsiProofError(PsiError):
    """A private-membership server's proof does not verify with the public key its manifest publishes: the
    answers were not computed with the list's key, so nothing of them is reported."""

    exit_code = 21
    code = "psi_proof"


class PsiListError(PsiError):
    """A private-membership list cannot be built or used: its manifest or filter is damaged, truncated, of
    another format version, or does not match the other (size, SHA-256, count), or a tag worker failed while
    building it; nothing was written or looked up."""

    exit_code = 22
    http_status = 500
    code = "psi_list"


EXIT_CODES: dict[int, str] = {
    0: "success (a scan that recorded per-item errors still succeeds)",
    1: "unexpected internal error",
    2: "usage: bad arguments or options",
    3: "a hash-set file is malformed; nothing was imported",
    4: "hash set not found, or a set of that name already exists",
    5: "the hash-set key is missing or wrong",
    6: "an evidence path does not exist or cannot be read",
    7: "the case cannot be created, opened, upgraded or resumed as asked",
    8: "an index is missing or damaged",
    9: "an optional dependency is not installed",
    10: "the audit log has an altered, missing or out-of-order entry, or rows it covers were changed",
    11: "a check of warden validate did not pass",
    12: "another process is scanning this case now",
    13: "no space left on the disk holding the case or the spool; rerun when there is room",
    14: "a key file is readable by other users, cannot be made safely, or is not the case's audit key",
    15: "a hash exchange could not be fetched from; the bank was left as it was",
    16: "a crawl cannot start: a seed URL or the proxy is not usable",
    17: "the Ray cluster of a scan cannot be reached",
    18: "a research corpus or its ground truth is not what a conversation model is trained or measured on",
    19: "a conversation model is missing, damaged or of another version",
    20: "a private-membership service cannot be reached or answered wrongly",
    21: "a private-membership server's proof does not verify with its published key",
    22: "a private-membership list or filter is damaged, does not match its manifest, or could not be built",
    130: "interrupted (Ctrl-C); a scan resumes when run again",
}
