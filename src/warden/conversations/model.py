"""One model of conversations, whatever app or export they came from.

Every reader (:mod:`warden.conversations.readers`) gives these and nothing else, so what links an attachment
to a matched image, what looks for grooming indicators and what the review app and the report show never
depend on an app's schema. Each message keeps where it was read, down to the row
(``evidence//database//table:rowid``), and its timestamp both as stored and as UTC. Problems with single rows
are data (:class:`RowProblem`), never exceptions: a reader that meets a damaged row goes on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Direction(StrEnum):
    """Whether the device's (or export's) own account sent the message or received it."""

    SENT = "sent"
    RECEIVED = "received"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Participant:
    """Someone in a conversation, as the source identifies them.

    Attributes:
        key: the app's own identifier (a WhatsApp JID, a phone number or e-mail address, a user id or handle);
            unique within one source.
        name: the display name the source gives (a contact name, a profile name), if any.
        is_owner: the account of the device or export itself.
    """

    key: str
    name: str | None = None
    is_owner: bool = False


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file a message carried, as the app recorded it (the file itself may or may not be in the evidence).

    Attributes:
        name: the file name the app recorded, if any.
        path: the path the app recorded (on the device, or inside the export), if any.
        mime: the media type the app recorded, if any.
        size: bytes, as the app recorded them.
        sha256: a SHA-256 the app recorded for the file (WhatsApp keeps one per media item), hex, if any.
        provenance: where the attachment's record was read (``evidence//database//table:rowid``).
    """

    name: str | None = None
    path: str | None = None
    mime: str | None = None
    size: int | None = None
    sha256: str | None = None
    provenance: str = ""


@dataclass(frozen=True, slots=True)
class Message:
    """One message.

    Attributes:
        conversation: the :attr:`Conversation.key` it belongs to.
        sender: the :attr:`Participant.key` of who sent it; None where the source does not say.
        direction: sent by the device's own account, or received.
        utc: when it was sent, timezone-aware UTC; None when the stored value cannot be read as a time.
        raw_time: the timestamp exactly as stored, with its epoch and unit (``1701600000123 ms since
            1970-01-01``, ``722433600 s since 2001-01-01``, ``03/12/2026, 14:05`` in an export).
        text: the message's text (None for a message with attachments only, or a system event).
        attachments: the files it carried.
        provenance: where it was read (``evidence//database//table:rowid``, or ``export//file:line``).
        kind: ``message`` for what a participant wrote or sent; ``system`` for events the app logged
            (joined, left, call, deleted...).
        deleted: the source marks the message deleted (WhatsApp's "deleted for everyone", a message in
            iOS's Recently Deleted) while it still holds the row.
    """

    conversation: str
    sender: str | None
    direction: Direction
    utc: datetime | None
    raw_time: str
    text: str | None
    attachments: tuple[Attachment, ...] = ()
    provenance: str = ""
    kind: str = "message"
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class Conversation:
    """A chat (one to one, or a group) with its participants.

    Attributes:
        key: the source's identifier for the chat; unique within one source.
        source: the reader that read it (``whatsapp-android``, ``ios-sms``, ``telegram-export``...).
        title: the chat's subject or name, if any.
        participants: everyone the source lists in it, the owner included where known.
        provenance: where the chat's record was read.
    """

    key: str
    source: str
    title: str | None = None
    participants: tuple[Participant, ...] = ()
    provenance: str = ""


@dataclass(frozen=True, slots=True)
class RowProblem:
    """A row (or line, or file) a reader could not read: where, and why. The reader goes on."""

    provenance: str
    message: str


@dataclass(slots=True)
class Conversations:
    """What one reader recovered from one source: conversations, their messages in the source's order, and
    the problems met on the way."""

    source: str
    conversations: list[Conversation] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
