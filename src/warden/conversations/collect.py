"""What a database reader gathers from one source, kept within its limits: the message count, text length and
undecodable text become problems on the way, never exceptions."""

from __future__ import annotations

import base64
import binascii

from warden.conversations.model import Conversation, Conversations, Message, RowProblem
from warden.conversations.readers import Limits
from warden.conversations.sqlite_copy import BadText

OWNER = "owner"
"""The participant key of the device's own account where the database does not name it (WhatsApp's
databases, and the sender of every sent SMS or iMessage)."""


class Collector:
    """One source's conversations, messages and problems, as a reader finds them.

    Attributes:
        result: what has been gathered.
    """

    def __init__(self, source: str, label: str, limits: Limits) -> None:
        self.result = Conversations(source)
        self.label = label
        self.limits = limits
        self._full = False

    def where(self, table: str, rowid: object) -> str:
        """A row's provenance: ``label//table:rowid``."""
        return f"{self.label}//{table}:{rowid}"

    def problem(self, provenance: str, message: str) -> None:
        """Record a row (or table) that could not be read as it should."""
        self.result.problems.append(RowProblem(provenance, message))

    @property
    def full(self) -> bool:
        """Whether :attr:`Limits.messages` messages are gathered (the rest are left, with one problem)."""
        return self._full

    def conversation(self, conversation: Conversation) -> None:
        """Add a conversation."""
        self.result.conversations.append(conversation)

    def message(self, message: Message) -> bool:
        """Add a message; False (with one problem, the first time) once the limit is reached."""
        if len(self.result.messages) >= self.limits.messages:
            if not self._full:
                self._full = True
                self.problem(
                    message.provenance,
                    f"more than {self.limits.messages:,} messages: the rest of the source was not read "
                    "(raise the messages limit to read them)",
                )
            return False
        self.result.messages.append(message)
        return True

    def text(self, value: object, provenance: str, what: str = "text") -> str | None:
        """A text column's value for the model: None when empty or missing; text that is not UTF-8 kept with
        U+FFFD for its bad bytes, and text over :attr:`Limits.text_chars` cut, each with a problem."""
        if value is None:
            return None
        if isinstance(value, bytes):  # text stored as a BLOB
            try:
                text = value.decode("utf-8")
            except UnicodeDecodeError:
                text = BadText(value.decode("utf-8", "replace"))
        else:
            text = value if isinstance(value, str) else str(value)
        if isinstance(text, BadText):
            self.problem(provenance, f"the {what} is not valid UTF-8: undecodable bytes are shown as U+FFFD")
            text = str.__str__(text)
        if len(text) > self.limits.text_chars:
            self.problem(
                provenance, f"the {what} has {len(text):,} characters: cut to {self.limits.text_chars:,}"
            )
            text = text[: self.limits.text_chars]
        return text or None


def integer(value: object) -> int | None:
    """A whole number from a column, or None."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def sha256_hex(value: object) -> str | None:
    """A SHA-256 as WhatsApp stores it (base64 text, or the 32 raw bytes) in hex; None if it is not one."""
    if isinstance(value, bytes) and len(value) == 32:
        return value.hex()
    if not isinstance(value, str) or not value:
        return None
    try:
        raw = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw.hex() if len(raw) == 32 else None
