"""Key files for encrypted evidence: one secret a line, refused whole (naming the line) when malformed, and a
secret's value never shown: not in a repr, an error message, or the limits' JSON a work unit carries."""

from __future__ import annotations

from pathlib import Path

import pytest

from warden.errors import EvidenceKeyFileError, KeyFileError
from warden.evidence.base import Limits
from warden.evidence.keys import Keys, Secret, load_key_files, load_keys

RECOVERY = "123456-234567-345678-456789-567890-678901-789012-890123"


def test_a_key_file_gives_each_secret_with_the_line_it_came_from(tmp_path: Path) -> None:
    path = tmp_path / "keys.txt"
    path.write_text(
        "# exhibit 3, from the notebook\n"
        "\n"
        "password:  hunter2 with spaces  \n"
        f"recovery-key: {RECOVERY}\n"
        "key: 00 11 22 33 44 55 66 77 88 99 aa bb cc dd ee ff\n"
        "Password: second: with a colon\n"
    )
    keys = load_keys(path)
    assert [(s.kind, s.value, s.source) for s in keys.secrets] == [
        ("password", "hunter2 with spaces", "keys.txt line 3"),
        ("recovery-key", RECOVERY, "keys.txt line 4"),
        ("key", "00112233445566778899aabbccddeeff", "keys.txt line 5"),
        ("password", "second: with a colon", "keys.txt line 6"),
    ]
    assert [s.source for s in keys.of_kind("password")] == ["keys.txt line 3", "keys.txt line 6"]
    assert keys.secrets[2].key_bytes() == bytes.fromhex("00112233445566778899aabbccddeeff")
    assert keys and not Keys()
    assert keys.files == (str(path),)


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ("hunter2: more", "an unknown kind"),
        ("just a password", "not 'kind: value'"),
        ("password:", "the password is empty"),
        ("key: 0g11", "even number of hex digits"),
        ("key: abc", "even number of hex digits"),
        ("recovery-key: 1234-5678", "a recovery key is 8 groups of 6 digits"),
    ],
)
def test_a_malformed_line_refuses_the_whole_file_naming_the_line_never_the_secret(
    line: str, said: str, tmp_path: Path
) -> None:
    path = tmp_path / "keys.txt"
    path.write_text(f"password: fine-one\n# a comment\n{line}\n")
    with pytest.raises(EvidenceKeyFileError) as refused:
        load_keys(path)
    message = str(refused.value)
    assert f"{path} line 3" in message and said in message
    assert "fine-one" not in message and "hunter2" not in message and "0g11" not in message
    assert refused.value.exit_code == 2 and isinstance(refused.value, KeyFileError)


def test_an_unreadable_or_binary_key_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(EvidenceKeyFileError, match="cannot be read"):
        load_keys(tmp_path / "missing.txt")
    (tmp_path / "binary").write_bytes(b"password: \xff\xfe\n")
    with pytest.raises(EvidenceKeyFileError, match="not UTF-8 text"):
        load_keys(tmp_path / "binary")


def test_a_secret_is_never_in_a_repr_nor_in_the_limits_json(tmp_path: Path) -> None:
    path = tmp_path / "keys.txt"
    path.write_text("password: s3cret-value\n")
    keys = load_key_files([path])
    limits = Limits(keys=keys)
    for shown in (repr(keys), repr(keys.secrets[0]), repr(limits), str(limits.to_json())):
        assert "s3cret-value" not in shown
    assert limits.to_json()["key_files"] == [str(path)]
    assert "key_files" not in Limits().to_json()
    again = Limits.from_json(limits.to_json())  # a work unit's node reads the secrets from the file itself
    assert again.keys.secrets == (Secret("password", "s3cret-value", "keys.txt line 1"),)
    assert again == limits  # the keys take no part in comparing limits
