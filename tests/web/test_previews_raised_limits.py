"""Issue 8 follow-up: an item found only because a limit was raised for its exhibit (``warden scan
--raise-limit``) is previewed by the review app and shown in the court annex, under the limit the scan used.

Before, previews opened containers with the settings' limits: a zip with more members than ``max_members``
was scanned in full with the limit raised, yet its last member could not be previewed ("not in the evidence
any more"). Every raisable limit is a way to reach an item the defaults refuse, so each is tried: members,
nesting, member size and compression ratio. Evidence is benign (shared photos, an image drawn here), listed
in a made-up hash set.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from tests.evidence.archives import photos, zip_of
from tests.scan.listed_scan import read_report, scan_listed
from tests.web.conftest import ORIGIN, login
from tests.web.small_case import item_ids
from warden.case import accounts
from warden.case.folder import Case
from warden.case.raised_limits import recorded_raises
from warden.cli import main
from warden.evidence.containers import limits_from_settings, register_built_in
from warden.evidence.limits import raised
from warden.evidence.locate import ItemNotFoundError, open_item
from warden.report.annex import annex_entries
from warden.web.app import create_app
from warden.web.config import ReviewConfig

PASSWORD = "ann's long password"


def _members(seized: Path) -> tuple[str, bytes]:
    """A zip of five photos; the last is what a limit of three members leaves out."""
    files = photos(5)
    (seized / "photos.zip").write_bytes(zip_of(files))
    last = sorted(files)[-1]
    return f"photos.zip//{last}", files[last]


def _nesting(seized: Path) -> tuple[str, bytes]:
    """A photo in a zip in a zip: one level deeper than a nesting limit of 1 opens."""
    [(name, photo)] = photos(1).items()
    (seized / "outer.zip").write_bytes(zip_of({"inner.zip": zip_of({name: photo})}))
    return f"outer.zip//inner.zip//{name}", photo


def _member_bytes(seized: Path) -> tuple[str, bytes]:
    """One photo in a zip, larger than a member size limit of 1,000 bytes."""
    [(name, photo)] = photos(1).items()
    assert len(photo) > 1000
    (seized / "photos.zip").write_bytes(zip_of({name: photo}))
    return f"photos.zip//{name}", photo


def _ratio(seized: Path) -> tuple[str, bytes]:
    """A flat grey BMP drawn here (3.6 MB), deflated far more than 50 times."""
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 1000), (120, 130, 140)).save(buffer, "BMP")
    drawing = buffer.getvalue()
    (seized / "drawings.zip").write_bytes(zip_of({"flat.bmp": drawing}, method=zipfile.ZIP_DEFLATED))
    return "drawings.zip//flat.bmp", drawing


SCENARIOS: dict[str, tuple[Callable[[Path], tuple[str, bytes]], str, str, str]] = {
    # name: (evidence builder, setting lowered, its low value, the raise for the exhibit)
    "members": (_members, "WARDEN_MAX_MEMBERS", "3", "seized:max_members=10"),
    "nesting": (_nesting, "WARDEN_MAX_NESTING", "1", "seized:max_nesting=2"),
    "member_bytes": (_member_bytes, "WARDEN_MAX_MEMBER_BYTES", "1000", "seized:max_member_bytes=10M"),
    "ratio": (_ratio, "WARDEN_MAX_RATIO", "50", "seized:max_ratio=100000"),
}


def _client(case: Case) -> TestClient:
    with case.engine.begin() as connection:
        accounts.ensure_admin(connection)
        accounts.create(connection, "ann", "examiner", PASSWORD, by="test")
    app = create_app(case, ReviewConfig(allowed_hosts=frozenset({"testserver"})))
    return TestClient(app, headers={"Origin": ORIGIN})


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_an_item_found_under_a_raised_limit_is_previewed_and_annexed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scenario: str
) -> None:
    build, setting, low, raise_limit = SCENARIOS[scenario]
    seized = tmp_path / "seized"
    seized.mkdir()
    target, listed = build(seized)
    monkeypatch.setenv(setting, low)
    folder = tmp_path / "case"

    assert scan_listed(seized, listed, folder, "--raise-limit", raise_limit) == 0

    items = {item["path"]: item for item in read_report(folder)["items"]}
    assert items[target]["category"] == "A" and items[target]["error"] is None
    # The limits the settings give cannot reach it: only the raised one the scan recorded can.
    register_built_in()
    refused = pytest.raises(OSError, match=r"not in the evidence|\(limit max_")
    with refused, open_item(seized, target, limits_from_settings()):
        pass

    case = Case.open(folder)
    try:
        client = _client(case)
        login(client, "ann", PASSWORD)
        item_id = item_ids(case)[target]
        preview = client.get(f"/previews/{item_id}")
        assert preview.status_code == 200
        assert preview.headers["x-warden-preview"] == "blurred", preview.headers
        assert preview.headers["content-type"] == "image/jpeg"

        [entry] = annex_entries(case, read_report(folder))
        assert target in entry.copies[0]
        assert entry.problem is None and entry.thumbnail
    finally:
        case.engine.dispose()


def test_a_limit_raised_for_another_exhibit_does_not_open_this_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two exhibits hold the same zip; only one has its member limit raised. The other's last member is
    # never found, and the limits previews and the annex use for the other exhibit stay the settings'.
    seized, other = tmp_path / "seized", tmp_path / "other"
    seized.mkdir()
    other.mkdir()
    target, listed = _members(seized)
    _members(other)
    monkeypatch.setenv("WARDEN_MAX_MEMBERS", "3")
    folder = tmp_path / "case"
    hashset = tmp_path / "listed.csv"
    hashset.write_text(f"md5,sha1,sha256,pdq,category,source_id\n{hashlib.md5(listed).hexdigest()},,,,A,T1\n")
    arguments = ["scan", str(seized), str(other), "--hashset", str(hashset), "--case", str(folder)]
    assert main([*arguments, "--quiet", "--workers", "1", "--raise-limit", "seized:max_members=10"]) == 0
    found = {(item["evidence"], item["path"]) for item in read_report(folder)["items"]}
    assert ("seized", target) in found
    assert ("other", target) not in found
    refused = [
        item["error"] or item.get("reason") or ""
        for item in read_report(folder)["items"]
        if item["evidence"] == "other" and "max_members" in (item["error"] or "")
    ]
    assert refused and "--raise-limit 'other:max_members=N', N > 3" in refused[0]
    case = Case.open(folder)
    try:
        raises = recorded_raises(case.engine)
    finally:
        case.engine.dispose()
    assert raises == {"seized": {"max_members": 10}}
    register_built_in()
    for exhibit, reached in (("seized", True), ("other", False)):
        limits = raised(limits_from_settings(), exhibit, raises.get(exhibit, {}))
        try:
            with open_item(tmp_path / exhibit, target, limits) as stream:
                assert stream.read() == listed
        except ItemNotFoundError:
            assert not reached, exhibit
        else:
            assert reached, exhibit
