"""Which recorded items may be an app's export, and which files beside one are copied for its reader."""

from __future__ import annotations

from warden.scan.export_sources import MOST_FILES, Export, export_of, needed, prefixes


def test_an_exports_file_names_it_and_any_other_name_does_not() -> None:
    assert export_of("laptop//Telegram/Export/result.json") == Export(
        "file", "laptop//Telegram/Export/", "result.json"
    )
    assert export_of("_chat.txt") == Export("file", "", "_chat.txt")
    assert export_of("a/WhatsApp Chat with Sam Lee.txt") == Export(
        "file", "a/", "WhatsApp Chat with Sam Lee.txt"
    )
    assert export_of("pkg.zip//messages/index.json") == Export("discord", "pkg.zip//", "")
    assert export_of("x/your_instagram_activity/messages/inbox/sam_1/message_1.json") == Export(
        "instagram", "x/", "your_instagram_activity/messages/inbox/sam_1"
    )
    assert export_of("e.zip//messages/message_requests/jo_2/message_1.json") == Export(
        "instagram", "e.zip//", "messages/message_requests/jo_2"
    )
    for other in (
        "notes.txt",
        "a/index.json",
        "a/inbox/sam/message_1.json",
        "a/messages/inbox/t/message_2.json",
    ):
        assert export_of(other) is None


def test_an_export_is_copied_with_the_files_its_reader_needs_and_no_others() -> None:
    discord = Export("discord", "p/", "")
    rows = [
        ("p/account/user.json", "1", 5),
        ("p/messages/index.json", "2", 5),
        ("p/messages/c1/channel.json", "3", 5),
        ("p/messages/c1/messages.csv", "4", 5),
        ("p/messages/c1/avatar.png", "5", 5),
        ("p/messages/c1/old.zip//messages.json", "6", 5),
    ]
    assert [row[0] for row in needed(discord, rows)] == [row[0] for row in rows[:4]]
    assert prefixes(discord) == ("p/messages/", "p/account/user.json")
    thread = Export("instagram", "e/", "messages/inbox/sam_1")
    rows = [
        (f"e/messages/inbox/sam_1/{name}", "x", 1)
        for name in ("message_1.json", "message_2.json", "photos/1.jpg")
    ]
    personal = ("e/personal_information/personal_information/personal_information.json", "p", 1)
    other = ("e/messages/inbox/jo_2/message_1.json", "y", 1)
    assert [row[0] for row in needed(thread, [*rows, personal, other])] == [
        rows[0][0],
        rows[1][0],
        personal[0],
    ]
    assert prefixes(thread)[0] == "e/messages/inbox/sam_1/"
    assert personal[0] in prefixes(thread)
    single = Export("file", "a/", "result.json")
    assert needed(single, [("a/result.json", "x", 1), ("a/result.json.bak", "y", 1)]) == [
        ("a/result.json", "x", 1)
    ]
    assert MOST_FILES > 0
