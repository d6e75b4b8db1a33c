"""Which items a ``--conversation-mapping`` names: shell-style patterns over item paths that cross folders and
containers, the first matching rule wins, and each mapping file is checked when the rule is read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from warden.errors import UsageError
from warden.scan.mapped_exports import parse_rules, rule_for

MAPPING = {"format": "csv", "chat": "thread", "time": "sent", "time_format": "iso8601"}


def test_patterns_cross_folders_and_containers_and_the_first_rule_wins(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps(MAPPING))
    (tmp_path / "b.json").write_text(json.dumps(MAPPING | {"format": "jsonl"}))
    first, second = parse_rules([f"*/ChatSaver/*.csv={tmp_path / 'a.json'}", f"*.csv={tmp_path / 'b.json'}"])

    assert rule_for("phone.zip//sdcard/ChatSaver/chats.csv", [first, second]) is first
    assert rule_for("Users/x/other.csv", [first, second]) is second
    assert rule_for("Users/x/other.txt", [first, second]) is None
    assert (first.ending, second.ending) == (".csv", ".csv")


def test_a_rule_without_a_wildcard_names_one_path(tmp_path: Path) -> None:
    (tmp_path / "m.json").write_text(json.dumps(MAPPING))
    (rule,) = parse_rules([f"exports/chat.csv={tmp_path / 'm.json'}"])

    assert rule.ending == "exports/chat.csv"
    assert rule_for("exports/chat.csv", [rule]) is rule
    assert rule_for("old/exports/chat.csv", [rule]) is None


def test_a_mapping_that_is_not_json_is_refused_naming_the_rule(tmp_path: Path) -> None:
    (tmp_path / "m.json").write_text("{not json")

    with pytest.raises(UsageError, match=r"--conversation-mapping '\*.csv=.*m.json': mapping m.json"):
        parse_rules([f"*.csv={tmp_path / 'm.json'}"])
