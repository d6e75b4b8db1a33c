"""``warden audit verify``: an untouched case verifies; an altered, removed or cut-off entry is named."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, select, update

from warden.case import schema
from warden.case.folder import Case
from warden.cli.audit import AuditBrokenError, audit_command


@pytest.fixture
def case(tmp_path: Path) -> Case:
    case = Case.open(tmp_path / "case", create=True)
    for step in range(1, 6):
        case.audit("test.step", {"step": step})
    return case


def verify(case: Case, *extra: str) -> str:
    result = CliRunner().invoke(audit_command, ["verify", str(case.path), *extra], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def broken(case: Case, *extra: str) -> AuditBrokenError:
    with pytest.raises(AuditBrokenError) as raised:
        audit_command.main(["verify", str(case.path), *extra], standalone_mode=False)
    assert raised.value.exit_code == 10
    return raised.value


def row(case: Case, entry: int) -> tuple[str, str, str]:
    with case.engine.connect() as connection:
        at, action, digest = connection.execute(
            select(schema.audit_log.c.at, schema.audit_log.c.action, schema.audit_log.c.hash).where(
                schema.audit_log.c.id == entry
            )
        ).one()
    return at, action, digest


def test_an_untouched_case_verifies(case: Case) -> None:
    output = verify(case)
    assert output.startswith("audit log verified: 6 entries")
    assert f"last entry: 6:{row(case, 6)[2]}" in output


def test_a_changed_detail_is_named_with_its_time_and_action(case: Case) -> None:
    at, action, _ = row(case, 4)
    with case.engine.begin() as connection:
        connection.execute(
            update(schema.audit_log).where(schema.audit_log.c.id == 4).values(detail='{"step":30}')
        )
    message = broken(case).message
    assert f"entry 4 ({at}, {action}): altered" in message


def test_a_deleted_entry_is_named_as_missing(case: Case) -> None:
    with case.engine.begin() as connection:
        connection.execute(delete(schema.audit_log).where(schema.audit_log.c.id == 3))
    message = broken(case).message
    assert "entry 3: missing" in message and "between entry 2" in message and "and entry 4" in message


def test_removing_the_first_entry_is_found_too(case: Case) -> None:
    with case.engine.begin() as connection:
        connection.execute(delete(schema.audit_log).where(schema.audit_log.c.id == 1))
    assert "entry 1: missing" in broken(case).message


def test_a_log_cut_short_is_found_without_an_anchor(case: Case) -> None:
    with case.engine.begin() as connection:
        connection.execute(delete(schema.audit_log).where(schema.audit_log.c.id >= 5))
    # The chain that is left still holds; the keyed head record names entry 6 as the last.
    message = broken(case).message
    assert "entry 5: missing: the log was cut short after entry 4" in message
    assert "names entry 6 as the last" in message


def test_a_rewritten_log_is_found_with_the_anchor_a_report_quoted(case: Case) -> None:
    _, _, last = row(case, 6)
    assert "entry 6" in broken(case, "--anchor", f"6:{'0' * 64}").message
    assert verify(case, "--anchor", f"6:{last}").startswith("audit log verified: 6 entries")


def test_a_malformed_anchor_is_a_usage_error(case: Case) -> None:
    result = CliRunner().invoke(audit_command, ["verify", str(case.path), "--anchor", "six"])
    assert result.exit_code != 0 and "ENTRY:HASH" in str(result.exception)
