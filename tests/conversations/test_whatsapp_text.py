"""WhatsApp "Export chat" .txt files in the line formats of Android and iOS: every fixture message recovered
exactly, day/month order decided from the whole file, UTC only with a zone, and hostile files (UTF-16, bad
UTF-8, impossible dates, a million lines) problems or one SourceError."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.media import media
from warden.conversations.model import Attachment, Direction, Message, Participant
from warden.conversations.readers import Limits, Source, SourceError
from warden.conversations.whatsapp_text import WhatsAppTextReader

LABEL = "phone.E01//p3//Download/WhatsApp Chat - Family"
BERLIN = timedelta(hours=1)  # Central European Time in March, before the clocks change


@dataclass(frozen=True)
class Said:
    """One fixture message: who, when (local time on the phone), and what."""

    sender: str | None
    local: datetime
    text: str
    photo: bool = False


def local(day: int, hour: int, minute: int, second: int) -> datetime:
    return datetime(2026, 3, day, hour, minute, second)


FAMILY = [
    Said(None, local(12, 14, 5, 9), "system"),
    Said("Alice", local(12, 14, 6, 30), "Dinner at 7? 🍝"),
    Said("Bob", local(12, 14, 7, 0), "Да, конечно! 😊 Café après?"),
    Said("Alice", local(12, 14, 7, 40), "Shopping list:\nmilk\neggs 🥚\n夕飯の材料"),
    Said("Bob", local(12, 14, 8, 15), "Our goldfish 🐟", photo=True),
    Said("+44 7700 900123", local(14, 21, 30, 5), "Happy birthday Gran! 🎂"),
]


@dataclass(frozen=True)
class Style:
    """How one platform and locale writes a message's header, an attachment and an event."""

    name: str
    stamp: Callable[[datetime], str]
    header: Callable[[str], str]
    seconds: bool
    photo: Callable[[datetime], str]
    system: str
    system_text: str
    order: str


def twelve(when: datetime, seconds: bool) -> str:
    clock = f"{(when.hour - 1) % 12 + 1}:{when:%M}" + (f":{when:%S}" if seconds else "")
    return f"{clock}\u202f{'PM' if when.hour >= 12 else 'AM'}"


STYLES = [
    Style(
        "android-en-GB",
        lambda w: f"{w:%d/%m/%Y}, {w:%H:%M}",
        lambda stamp: f"{stamp} - ",
        seconds=False,
        photo=lambda w: "IMG-20260312-WA0004.jpg (file attached)",
        system='Alice created group "Family 👨‍👩‍👧"',
        system_text='Alice created group "Family 👨‍👩‍👧"',
        order="day first",
    ),
    Style(
        "android-en-US",
        lambda w: f"{w.month}/{w.day}/{w:%y}, {twelve(w, False)}",
        lambda stamp: f"{stamp} - ",
        seconds=False,
        photo=lambda w: "IMG-20260312-WA0004.jpg (file attached)",
        system='Alice created group "Family 👨‍👩‍👧"',
        system_text='Alice created group "Family 👨‍👩‍👧"',
        order="month first",
    ),
    Style(
        "android-de",
        lambda w: f"{w:%d.%m.%y}, {w:%H:%M}",
        lambda stamp: f"{stamp} - ",
        seconds=False,
        photo=lambda w: "IMG-20260312-WA0004.jpg (Datei angehängt)",
        system="Alice hat die Gruppe „Family 👨‍👩‍👧“ erstellt.",
        system_text="Alice hat die Gruppe „Family 👨‍👩‍👧“ erstellt.",
        order="day first",
    ),
    Style(
        "ios-de",
        lambda w: f"[{w:%d.%m.%y}, {w:%H:%M:%S}]",
        lambda stamp: f"{stamp} ",
        seconds=True,
        photo=lambda w: f"\u200e<attached: 00000005-PHOTO-{w:%Y-%m-%d-%H-%M-%S}.jpg>",
        system="Family 👨‍👩‍👧: \u200eMessages and calls are end-to-end encrypted.",
        system_text="Family 👨‍👩‍👧: Messages and calls are end-to-end encrypted.",
        order="day first",
    ),
    Style(
        "ios-en-US",
        lambda w: f"[{w.month}/{w.day}/{w:%y}, {twelve(w, True)}]",
        lambda stamp: f"{stamp} ",
        seconds=True,
        photo=lambda w: f"\u200e<attached: 00000005-PHOTO-{w:%Y-%m-%d-%H-%M-%S}.jpg>",
        system="Family 👨‍👩‍👧: \u200eMessages and calls are end-to-end encrypted.",
        system_text="Family 👨‍👩‍👧: Messages and calls are end-to-end encrypted.",
        order="month first",
    ),
]


def render(style: Style, chat: list[Said] = FAMILY) -> str:
    """The chat as this platform and locale export it (iOS prefixes app-written lines with a mark)."""
    lines = []
    for said in chat:
        stamp = style.stamp(said.local)
        mark = "\u200e" if style.seconds and (said.sender is None or said.photo) else ""
        if said.sender is None:
            lines.append(f"{mark}{style.header(stamp)}{style.system}")
        elif said.photo:
            lines.append(f"{mark}{style.header(stamp)}{said.sender}: {style.photo(said.local)}\n{said.text}")
        else:
            sender = f"\u202a{said.sender}\u202c" if said.sender.startswith("+") else said.sender
            lines.append(f"{style.header(stamp)}{sender}: {said.text}")
    return "\n".join(lines) + "\n"


def expected(style: Style, label: str, zone: str | None) -> list[Message]:
    messages = []
    line = 1
    for said in FAMILY:
        when = said.local if style.seconds else said.local.replace(second=0)
        stamp = style.stamp(said.local).strip("[]")
        place = f"{label}:{line}"
        where = f"local time in {zone}" if zone else "local time, zone not given"
        attachments = ()
        if said.photo:
            name = style.photo(said.local).strip("\u200e<>").removeprefix("attached: ").split(" (")[0]
            attachments = (Attachment(name=name, path=name, provenance=place),)
        messages.append(
            Message(
                conversation="_chat.txt",
                sender=said.sender,
                direction=Direction.UNKNOWN,
                utc=(when - BERLIN).replace(tzinfo=UTC) if zone else None,
                raw_time=f"{stamp} ({style.order}: {when.isoformat(' ')} {where})",
                text=style.system_text if said.sender is None else said.text,
                attachments=attachments,
                provenance=place,
                kind="system" if said.sender is None else "message",
            )
        )
        line += said.text.count("\n") + 1 + (1 if said.photo else 0) if said.sender else 1
    return messages


@pytest.mark.parametrize("style", STYLES, ids=lambda s: s.name)
@pytest.mark.parametrize("zone", [None, "Europe/Berlin"])
def test_every_message_is_recovered_exactly(tmp_path: Path, style: Style, zone: str | None) -> None:
    path = tmp_path / "_chat.txt"
    path.write_text(render(style), encoding="utf-8")
    source = Source(path, LABEL + "//_chat.txt", zone=zone)
    reader = WhatsAppTextReader()
    assert reader.recognises(source)

    found = reader.read(source, Limits())

    assert found.messages == expected(style, f"{LABEL}//_chat.txt", zone)
    assert found.problems == []
    assert [(c.key, c.participants) for c in found.conversations] == [
        (
            "_chat.txt",
            (
                Participant("Alice", "Alice"),
                Participant("Bob", "Bob"),
                Participant("+44 7700 900123", "+44 7700 900123"),
            ),
        )
    ]


def test_a_folder_export_keeps_attachment_paths_inside_it(tmp_path: Path) -> None:
    folder = tmp_path / "WhatsApp Chat - Family"
    folder.mkdir()
    (folder / "WhatsApp Chat with Family.txt").write_text(render(STYLES[0]), encoding="utf-8")
    shutil.copyfile(media("photos", "n01443537_goldfish.jpg"), folder / "IMG-20260312-WA0004.jpg")
    (folder / "notes.txt").write_text("not a chat\n")

    found = WhatsAppTextReader().read(Source(folder, LABEL), Limits())

    photo = next(m for m in found.messages if m.attachments)
    assert photo.attachments == (
        Attachment(
            name="IMG-20260312-WA0004.jpg",
            path="IMG-20260312-WA0004.jpg",
            provenance=f"{LABEL}//WhatsApp Chat with Family.txt:8",
        ),
    )
    assert photo.text == "Our goldfish 🐟"
    assert [(c.key, c.title) for c in found.conversations] == [("WhatsApp Chat with Family.txt", "Family")]


def chat_of(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def test_day_month_order_is_decided_by_dates_in_order_when_every_day_is_twelve_or_less(
    tmp_path: Path,
) -> None:
    path = tmp_path / "chat.txt"
    path.write_text(
        chat_of(
            "11/03/2026, 09:00 - Alice: one",
            "12/03/2026, 09:00 - Bob: two",
            "01/04/2026, 09:00 - Alice: three",
        )
    )

    found = WhatsAppTextReader().read(Source(path, "x", zone="UTC"), Limits())

    assert [m.utc for m in found.messages] == [
        datetime(2026, 3, 11, 9, tzinfo=UTC),
        datetime(2026, 3, 12, 9, tzinfo=UTC),
        datetime(2026, 4, 1, 9, tzinfo=UTC),
    ]
    assert (
        found.messages[2].raw_time == "01/04/2026, 09:00 (day first: 2026-04-01 09:00:00 local time in UTC)"
    )


def test_an_order_the_file_cannot_tell_leaves_times_unread_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "chat.txt"
    path.write_text(chat_of("03/04/2026, 09:00 - Alice: one", "03/04/2026, 09:05 - Bob: two"))

    found = WhatsAppTextReader().read(Source(path, "x", zone="UTC"), Limits())

    assert [(m.utc, m.raw_time) for m in found.messages] == [
        (None, "03/04/2026, 09:00 (the order of day and month cannot be told from the file)"),
        (None, "03/04/2026, 09:05 (the order of day and month cannot be told from the file)"),
    ]
    assert [p.message for p in found.problems] == [
        "the order of day and month cannot be told from the dates; local times not read"
    ]


def test_an_impossible_date_is_a_problem_and_the_message_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "chat.txt"
    path.write_text(
        chat_of(
            "28/02/2026, 09:00 - Alice: one", "31/02/2026, 09:01 - Bob: two", "99/99/2026, 25:61 - Bob: three"
        )
    )

    found = WhatsAppTextReader().read(Source(path, "x"), Limits())

    assert [(m.sender, m.text, m.utc) for m in found.messages] == [
        ("Alice", "one", None),
        ("Bob", "two", None),
        ("Bob", "three", None),
    ]
    assert found.messages[1].raw_time == "31/02/2026, 09:01 (not a date, read day first)"
    assert [(p.provenance, p.message) for p in found.problems] == [
        ("x:2", "'31/02/2026, 09:01' is not a date read day first; time not read"),
        ("x:3", "'99/99/2026, 25:61' is not a date read day first; time not read"),
    ]


def test_a_clock_change_hour_is_not_guessed(tmp_path: Path) -> None:
    path = tmp_path / "chat.txt"
    path.write_text(chat_of("25/10/2026, 02:30 - Alice: which one?", "29/03/2026, 02:30 - Bob: never was"))

    found = WhatsAppTextReader().read(Source(path, "x", zone="Europe/Berlin"), Limits())

    assert [m.utc for m in found.messages] == [None, None]
    assert found.messages[0].raw_time.endswith(
        "local time in Europe/Berlin, repeated or skipped by a clock change)"
    )


def test_utf16_with_a_bom_is_read_like_utf8(tmp_path: Path) -> None:
    path = tmp_path / "_chat.txt"
    path.write_text(render(STYLES[3]), encoding="utf-16")
    source = Source(path, LABEL + "//_chat.txt")

    found = WhatsAppTextReader().read(source, Limits())

    assert found.messages == expected(STYLES[3], source.label, None)
    assert found.problems == []


def test_utf16_without_a_bom_is_not_a_chat(tmp_path: Path) -> None:
    path = tmp_path / "_chat.txt"
    path.write_bytes(render(STYLES[0]).encode("utf-16-le"))

    assert not WhatsAppTextReader().recognises(Source(path, "x"))
    with pytest.raises(SourceError, match="no WhatsApp chat export"):
        WhatsAppTextReader().read(Source(path, "x"), Limits())


def test_invalid_utf8_bytes_are_a_problem_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "chat.txt"
    path.write_bytes(b"12/03/2026, 09:00 - Alice: caf\xe9 \xff ok\n13/03/2026, 09:00 - Bob: fine\n")

    found = WhatsAppTextReader().read(Source(path, "x"), Limits())

    assert [m.text for m in found.messages] == ["caf\ufffd \ufffd ok", "fine"]
    assert [(p.provenance, p.message) for p in found.problems] == [
        ("x:1", "not UTF-8 at byte 31 of the line; shown as \ufffd")
    ]


def test_a_million_lines_stop_at_the_message_limit(tmp_path: Path) -> None:
    path = tmp_path / "chat.txt"
    path.write_text("13/03/2026, 09:00 - Alice: again\n" * 1_000_000)

    found = WhatsAppTextReader().read(Source(path, "x"), Limits(messages=1000))

    assert len(found.messages) == 1000
    assert [p.message for p in found.problems] == ["more than 1,000 messages; the rest not read"]


def test_a_long_message_is_cut_to_the_text_limit(tmp_path: Path) -> None:
    path = tmp_path / "chat.txt"
    path.write_text("13/03/2026, 09:00 - Alice: start\n" + "more words here\n" * 10_000 + "x" * 50_000)

    found = WhatsAppTextReader().read(Source(path, "x"), Limits(text_chars=1000))

    assert len(found.messages) == 1
    assert len(found.messages[0].text or "") <= 1000
    assert [(p.provenance, p.message) for p in found.problems] == [
        ("x:1", "text longer than 1,000 characters; cut"),
        ("x:10002", "line longer than 8,096 bytes; the rest of it not read"),
    ]


def test_a_text_file_that_does_not_start_with_a_header_is_not_a_chat(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("Some notes\nmore notes\n12/03/2026, 09:00 - Alice: hi\n")

    assert not WhatsAppTextReader().recognises(Source(path, "x"))
    with pytest.raises(SourceError, match="no WhatsApp chat export"):
        WhatsAppTextReader().read(Source(path, "x"), Limits())


def test_a_long_single_line_message_is_cut_to_the_text_limit(tmp_path: Path) -> None:
    path = tmp_path / "chat.txt"
    path.write_text("13/03/2026, 09:00 - Alice: " + "é" * 1500 + "\n13/03/2026, 09:01 - Bob: ok\n")

    found = WhatsAppTextReader().read(Source(path, "x"), Limits(text_chars=1000))

    assert [m.text for m in found.messages] == ["é" * 1000, "ok"]
    assert [(p.provenance, p.message) for p in found.problems] == [
        ("x:1", "text of 1,500 characters cut to 1,000")
    ]
