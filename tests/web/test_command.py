"""``warden review`` and ``warden user``: loopback by default, the admin's one-time password, accounts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.web.small_case import SmallCase, copy_case
from warden.case import accounts
from warden.cli.review import review_command, user_command
from warden.errors import CaseError, KeyFileError, UsageError


@pytest.fixture
def case_dir(built: SmallCase, tmp_path: Path) -> Path:
    copy_case(built, tmp_path / "case").engine.dispose()
    return tmp_path / "case"


def test_user_add_and_list(case_dir: Path) -> None:
    runner = CliRunner()
    added = runner.invoke(
        user_command,
        ["add", str(case_dir), "kim", "--role", "reviewer", "--password-stdin"],
        input="kim's password\n",
    )
    assert added.exit_code == 0, added.output
    assert "added kim (reviewer)" in added.output
    temporary = runner.invoke(
        user_command,
        ["add", str(case_dir), "lee", "--role", "viewer", "--password-stdin", "--temporary"],
        input="lee's password\n",
    )
    assert temporary.exit_code == 0
    listed = runner.invoke(user_command, ["list", str(case_dir)]).output.splitlines()
    assert "kim\treviewer" in listed
    assert "lee\tviewer\tmust change password" in listed
    short = runner.invoke(
        user_command, ["add", str(case_dir), "max", "--role", "viewer", "--password-stdin"], input="short\n"
    )
    assert isinstance(short.exception, UsageError)


def test_review_stays_on_loopback_unless_told(case_dir: Path) -> None:
    result = CliRunner().invoke(review_command, [str(case_dir), "--host", "0.0.0.0"])
    assert isinstance(result.exception, UsageError) and "not loopback" in str(result.exception)


def test_review_of_a_folder_that_is_no_case_says_so(tmp_path: Path) -> None:
    result = CliRunner().invoke(review_command, [str(tmp_path)])
    assert isinstance(result.exception, CaseError)


def test_review_with_another_audit_key_is_refused_before_serving(
    case_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    served: list[Any] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: served.append(args))
    monkeypatch.setenv("WARDEN_AUDIT_KEY_FILE", str(tmp_path / "nowhere" / "audit.key"))
    result = CliRunner().invoke(review_command, [str(case_dir)])
    assert isinstance(result.exception, KeyFileError) and result.exception.exit_code == 14
    assert "keyed with audit key" in str(result.exception) and served == []


def test_first_run_prints_the_admin_one_time_password_and_the_address(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    from warden.case.folder import Case

    Case.open(tmp_path / "new", create=True).engine.dispose()
    started: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: started.append(options))
    first = CliRunner().invoke(review_command, [str(tmp_path / "new"), "--port", "9123"])
    assert first.exit_code == 0, first.output
    assert "one-time password" in first.output and "http://127.0.0.1:9123/" in first.output
    password = first.output.split("one-time password")[1].split()[0]
    case = Case.open(tmp_path / "new")
    with case.engine.begin() as connection:
        admin = accounts.authenticate(connection, "admin", password)
    assert admin is not None and admin.must_change_password
    assert started == [
        {
            "host": "127.0.0.1",
            "port": 9123,
            "log_level": "warning",
            "access_log": False,
            "server_header": False,
            "proxy_headers": False,
        }
    ]
    again = CliRunner().invoke(review_command, [str(tmp_path / "new")])
    assert "one-time password" not in again.output


def test_remote_listening_is_allowed_with_a_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    from warden.case.folder import Case

    Case.open(tmp_path / "new", create=True).engine.dispose()
    apps: list[Any] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: apps.append(app))
    everywhere = [str(tmp_path / "new"), "--host", "0.0.0.0", "--allow-remote"]
    unnamed = CliRunner().invoke(review_command, everywhere)
    assert isinstance(unnamed.exception, UsageError) and "--hostname" in str(unnamed.exception)
    result = CliRunner().invoke(review_command, [*everywhere, "--hostname", "review.lab.example"])
    assert result.exit_code == 0
    assert "warning" in result.output
    assert apps[0].state.review.config.allowed_hosts == {"0.0.0.0:8765", "review.lab.example:8765"}


def test_the_command_offers_exactly_the_account_roles() -> None:
    from warden.cli.review import ROLES

    assert sorted(ROLES) == sorted(accounts.ROLES)
