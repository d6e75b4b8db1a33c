"""An attachment's recorded path finds the item that is its file by the end of the item's path, in the same
evidence, and never guesses between two copies."""

from __future__ import annotations

from collections.abc import Sequence

from warden.case.conversations import Link, UnlinkedAttachment
from warden.scan.attachment_links import path_links

ITEMS = {
    1: [
        (10, "phone.E01//p3//media/0/WhatsApp/Media/WhatsApp Images/Sent/IMG-20261201-WA0003.jpg"),
        (11, "phone.E01//p3//media/0/WhatsApp/Media/WhatsApp Images/IMG-20261201-WA0004.jpg"),
        (12, "phone.E01//p3//media/0/DCIM/IMG-20261201-WA0004.jpg"),
        (13, "phone.E01//p2//Library/SMS/Attachments/ab/11/GUID-1/IMG_0001.HEIC"),
        (14, "phone.E01//p3//a/Pictures/same.jpg"),
        (15, "phone.E01//p3//b/Pictures/same.jpg"),
    ],
    2: [(20, "other.E01//media/0/WhatsApp/Media/WhatsApp Images/Sent/IMG-20261201-WA0009.jpg")],
}


def links(*attachments: tuple[int, int, str]) -> list[Link]:
    asked: list[int] = []

    def items_of(evidence_id: int) -> Sequence[tuple[int, str]]:
        asked.append(evidence_id)
        return ITEMS[evidence_id]

    found = path_links([UnlinkedAttachment(i, e, p) for i, e, p in attachments], items_of)
    assert len(asked) == len(set(asked))  # each evidence's items read once
    return found


def test_whatsapp_and_ios_paths_find_their_files() -> None:
    assert links(
        (1, 1, "Media/WhatsApp Images/Sent/IMG-20261201-WA0003.jpg"),
        (2, 1, "/storage/emulated/0/WhatsApp/Media/WhatsApp Images/IMG-20261201-WA0004.jpg"),
        (3, 1, "~/Library/SMS/Attachments/ab/11/GUID-1/IMG_0001.HEIC"),
    ) == [Link(1, 10, "path"), Link(2, 11, "path"), Link(3, 13, "path")]


def test_the_item_sharing_the_most_names_is_the_file_and_a_tie_links_none() -> None:
    assert links((1, 1, "WhatsApp Images/IMG-20261201-WA0004.jpg")) == [Link(1, 11, "path")]
    assert links((2, 1, "Pictures/same.jpg")) == []


def test_a_bare_file_name_or_another_evidence_links_nothing() -> None:
    assert links((1, 1, "IMG-20261201-WA0003.jpg")) == []
    assert links((2, 1, "Media/WhatsApp Images/Sent/IMG-20261201-WA0009.jpg")) == []
    assert links((3, 2, "Media/WhatsApp Images/Sent/IMG-20261201-WA0009.jpg")) == [Link(3, 20, "path")]


def test_names_are_compared_as_the_walk_writes_them() -> None:
    assert links((1, 1, "Media\\WhatsApp Images\\Sent\\IMG-20261201-WA0003.jpg")) == [Link(1, 10, "path")]


EXPORT_ITEMS = [
    (30, "laptop.E01//p2//Telegram/A/result.json"),
    (31, "laptop.E01//p2//Telegram/A/photos/photo_1.jpg"),
    (32, "laptop.E01//p2//Telegram/B/photos/photo_1.jpg"),
    (33, "laptop.E01//p2//Chats/Sam/_chat.txt"),
    (34, "laptop.E01//p2//Chats/Sam/IMG-1.jpg"),
    (35, "laptop.E01//p2//ig/your_instagram_activity/messages/inbox/sam_1/message_1.json"),
    (36, "laptop.E01//p2//ig/your_instagram_activity/messages/inbox/sam_1/photos/9.jpg"),
]


def export_links(*attachments: tuple[int, str, str | None]) -> list[Link]:
    unlinked = [UnlinkedAttachment(i, 3, path, source) for i, path, source in attachments]
    return path_links(unlinked, lambda _: EXPORT_ITEMS)


def test_an_exports_relative_path_is_its_own_folders_file_before_any_copy_elsewhere() -> None:
    telegram = "laptop.E01//p2//Telegram/A/result.json"
    chat = "laptop.E01//p2//Chats/Sam/_chat.txt"
    instagram = "laptop.E01//p2//ig/your_instagram_activity/messages/inbox/sam_1/message_1.json"
    assert export_links(
        (1, "photos/photo_1.jpg", telegram),  # the suffix rule alone would tie with Telegram/B
        (2, "IMG-1.jpg", chat),  # a bare name, beside the chat file
        (3, "your_instagram_activity/messages/inbox/sam_1/photos/9.jpg", instagram),  # from the export's root
    ) == [Link(1, 31, "path"), Link(2, 34, "path"), Link(3, 36, "path")]


def test_a_database_source_or_an_absolute_path_is_not_resolved_against_a_folder() -> None:
    assert export_links((1, "photos/photo_1.jpg", None), (2, "IMG-1.jpg", None)) == []
    assert export_links((3, "/photos/photo_1.jpg", "laptop.E01//p2//Telegram/A/result.json")) == []
