"""Numbers and ids too large for Python or for a case database (issue 8, point 16): a VICS ``MediaID`` of
5,000 digits, a category of thousands of digits, a source id longer than a case can record. Each is a
hash-set format error naming the record or line (exit 3), never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from warden.cli import main

V1 = "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/1.3.xml#Media"
MD5 = "0123456789abcdef0123456789abcdef"


def vics(path: Path, record_json: str) -> Path:
    path.write_text(
        '{"odata.metadata":"'
        + V1
        + '","value":[{"MediaID":1,"Category":1,"MD5":"'
        + MD5
        + '"},'
        + record_json
        + "]}"
    )
    return path


@pytest.mark.parametrize(
    ("record", "said"),
    [
        ('{"MediaID":' + "9" * 5000 + ',"Category":1,"MD5":"' + MD5 + '"}', "MediaID is 5000 digits long"),
        ('{"MediaID":"' + "9" * 5000 + '","Category":1,"MD5":"' + MD5 + '"}', "MediaID is 5000 characters"),
        ('{"MediaID":' + "7" * 4097 + ',"Category":1,"MD5":"' + MD5 + '"}', "MediaID is 4097 digits long"),
        ('{"MediaID":2,"Category":' + "1" * 5000 + ',"MD5":"' + MD5 + '"}', "Category is 5000 digits long"),
        ('{"MediaID":2,"Category":"' + "0" * 4999 + '1","MD5":"' + MD5 + '"}', "Category is 5000 characters"),
        ('{"MediaID":[1],"Category":1,"MD5":"' + MD5 + '"}', "MediaID must be a whole number or text"),
    ],
)
def test_an_absurd_vics_number_is_a_format_error_naming_the_record(
    tmp_path: Path, record: str, said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = vics(tmp_path / "list.json", record)
    assert main(["hashset", "import", str(path), "--name", "vics", "--profile", "uk"]) == 3
    err = capsys.readouterr().err
    assert "record 2" in err and said in err
    assert "Traceback" not in err and len(err) < 400


def test_a_long_but_reasonable_media_id_is_kept_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    long_id = "1" * 40  # beyond 64-bit integers, still an id a case can record
    path = vics(tmp_path / "list.json", '{"MediaID":' + long_id + ',"Category":2,"MD5":"' + "f" * 32 + '"}')
    assert main(["hashset", "import", str(path), "--name", "vics", "--profile", "uk"]) == 0
    capsys.readouterr()
    assert main(["hashset", "export", "vics", "--format", "vics", "--profile", "uk"]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert int(long_id) in [record["MediaID"] for record in exported["value"]]


def test_a_source_id_longer_than_a_case_can_record_is_refused_naming_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "list.csv"
    path.write_text(
        "md5,sha1,sha256,pdq,category,source_id\n" + f"{MD5},,,,A,ok\n" + f"{MD5[::-1]},,,,A,{'x' * 4097}\n"
    )
    assert main(["hashset", "import", str(path), "--name", "long"]) == 3
    err = capsys.readouterr().err
    assert "line 3" in err and "4097 characters" in err


def test_a_threatexchange_collaboration_name_too_long_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "signals.csv"
    path.write_text(f"collab,signal_type,signal_str,category,tags\n{'c' * 4097},md5,{MD5},POSITIVE_CLASS,\n")
    assert main(["hashset", "import", str(path), "--name", "te", "--format", "threatexchange-csv"]) == 3
    assert "4097 characters" in capsys.readouterr().err
