"""The Leads queue: grooming leads from a scanned phone's chats, apart from the item queue, every page marked
"not evidence"; rules, marked words in context, senders and stages shown; hostile text escaped; decisions
audited; only an "include" puts a conversation (its messages, nothing of the lead) into the report."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.scan.conversation_phone import DATABASES
from tests.web.conftest import ORIGIN, api, login
from tests.web.lead_case import ALEX, HOSTILE, JO, KIM, PLANTED_TEXTS, build_lead_case, build_msgstore
from tests.web.small_case import SmallCase
from warden.case import schema
from warden.case.folder import Case
from warden.cli import main
from warden.hashsets.store import HashSetStore
from warden.report.case_report import build_case_report
from warden.report.writers import WRITERS
from warden.scan.run import ScanOptions, run_scan
from warden.web.app import create_app
from warden.web.config import ReviewConfig
from warden.web.leads import NOTICE, LeadCache, marked

RULE_IDS = ("age.how-old", "secrecy.dont-tell", "images.send-pic", "meet.meet-up")
"""Some of the rules the planted chat fires: none may reach the report."""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> SmallCase:
    return build_lead_case(tmp_path_factory.mktemp("lead-case"))


@pytest.fixture
def case(built: SmallCase, tmp_path: Path) -> Iterator[Case]:
    shutil.copytree(built.case_dir, tmp_path / "case")
    opened = Case.open(tmp_path / "case")
    yield opened
    opened.engine.dispose()


@pytest.fixture
def app(case: Case) -> FastAPI:
    return create_app(case, ReviewConfig(allowed_hosts=frozenset({"testserver"})))


def client_for(app: FastAPI, name: str) -> tuple[TestClient, str]:
    client = TestClient(app, headers={"Origin": ORIGIN})
    return client, login(client, name)


def rows(page: str) -> list[str]:
    return re.findall(r'<tr class="lead-row">(.*?)</tr>', page, re.S)


def ref_of(row: str) -> str:
    found = re.search(r'href="/leads/([cm][0-9]+)"', row)
    assert found is not None
    return found.group(1)


def leads_by_contact(client: TestClient) -> dict[str, str]:
    """The queue's rows by the contact each chat is with."""
    listed = rows(client.get("/leads").text)
    return {jid: row for row in listed for jid in (ALEX, JO, KIM) if jid in row}


def text_of(html: str) -> str:
    """The page's text without tags, for reading messages whose words are split by <mark>."""
    return re.sub(r"<[^>]+>", "", html)


def test_the_planted_chat_leads_the_queue_with_its_rules_marked_words_senders_and_stages(
    app: FastAPI,
) -> None:
    ann, _ = client_for(app, "ann")
    queue = ann.get("/leads")
    assert queue.status_code == 200 and NOTICE in queue.text
    by_contact = leads_by_contact(ann)
    listed = rows(queue.text)
    assert ALEX in listed[0] and 'class="band high"' in listed[0]  # the highest band first
    assert "Alex (" + ALEX + ")" in listed[0]  # named as the source names the sender
    page = ann.get(f"/leads/{ref_of(by_contact[ALEX])}").text
    assert NOTICE in page
    for rule in RULE_IDS:
        assert f"<code>{rule}</code>" in page
    assert "O&#39;Connell (2003)" in page  # each rule's sources
    assert "<mark>how old are you</mark>" in page
    assert "<mark>send me a pic</mark>" in page
    for text in PLANTED_TEXTS:  # the messages in context, the owner's replies between them too
        assert text.replace("'", "&#39;") in text_of(page)
    timeline = re.search(r'<ol class="timeline">(.*?)</ol>', page, re.S)
    assert timeline is not None
    stages = re.findall(r"<strong>(.*?)</strong>", timeline.group(1))
    assert stages[0].startswith("risk") and len(stages) == 6  # the age question comes first
    assert all("from Alex (" + ALEX + ")" in line for line in timeline.group(1).split("</li>")[:-1])
    for word in ("offender", "victim", "child"):
        assert word not in text_of(page).lower()


def test_adults_flirting_stay_at_the_lowest_band(app: FastAPI) -> None:
    """Low is listed (only band none is left out), so the adults' chat is in the queue, at low, after the
    planted chat."""
    ann, _ = client_for(app, "ann")
    listed = rows(ann.get("/leads").text)
    (adults,) = [row for row in listed if JO in row]
    assert 'class="band low"' in adults and listed.index(adults) > 0


def test_hostile_text_and_names_are_escaped_and_still_marked(app: FastAPI) -> None:
    ann, _ = client_for(app, "ann")
    row = leads_by_contact(ann)[KIM]
    page = ann.get(f"/leads/{ref_of(row)}").text
    assert "<script>alert" not in page and "<script>alert" not in ann.get("/leads").text
    assert "<img src=x" not in page and "<b>bold</b>" not in page and "<b>Kim</b>" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; <mark>how old are you</mark>?" in page
    assert "&lt;/mark&gt;&lt;b&gt;bold&lt;/b&gt;" in page
    assert HOSTILE[1][1] not in page


def test_leads_are_apart_from_the_item_queue_and_unknown_ones_are_not_found(app: FastAPI) -> None:
    ann, _ = client_for(app, "ann")
    assert NOTICE not in ann.get("/queue").text
    assert ann.get("/leads/c999999").status_code == 404
    assert ann.get("/leads/x1").status_code in (404, 422)


def decide(client: TestClient, csrf: str, ref: str, decision: str, note: str = "") -> int:
    response = client.post(
        f"/leads/{ref}/decision", data={"decision": decision, "note": note}, headers=api(csrf)
    )
    return int(response.status_code)


def test_a_decision_is_audited_with_who_and_when_and_the_log_verifies(app: FastAPI, case: Case) -> None:
    ann, csrf = client_for(app, "ann")
    ref = ref_of(leads_by_contact(ann)[ALEX])
    assert decide(ann, csrf, ref, "refer", "for the case officer") == 200
    with case.engine.connect() as connection:
        entry = connection.execute(
            select(schema.audit_log).where(schema.audit_log.c.action == "lead.decision")
        ).one()
    assert entry.actor == "ann" and datetime.fromisoformat(entry.at.replace("Z", "+00:00")).tzinfo is not None
    assert json.loads(entry.detail)["decision"] == "refer"
    assert "band" not in entry.detail and "age.how-old" not in entry.detail
    page = ann.get(f"/leads/{ref}").text
    assert "refer for further investigation" in page and "for the case officer" in page
    assert "refer for further investigation" in ann.get("/leads").text
    vic, vic_csrf = client_for(app, "vic")
    assert decide(vic, vic_csrf, ref, "include") == 403  # viewers only look
    assert decide(ann, csrf, ref, "guilty") == 400
    assert main(["audit", "verify", str(case.path)]) == 0
    after = build_case_report(case)
    assert "conversations" not in after  # only "include" puts anything in the report
    continuity = json.dumps(after["continuity"])
    assert (
        "lead.decision" not in continuity and "refer" not in continuity and "case officer" not in continuity
    )


def test_include_puts_the_messages_in_the_report_and_nothing_of_the_lead(app: FastAPI, case: Case) -> None:
    ann, csrf = client_for(app, "ann")
    ref = ref_of(leads_by_contact(ann)[ALEX])
    assert decide(ann, csrf, ref, "include", "band high, rules fired") == 200
    report = build_case_report(case)
    (included,) = report["conversations"]["included"]
    assert [m["text"] for m in included["messages"]] == PLANTED_TEXTS  # the whole chat, in order
    assert included["included_by"] == "ann" and included["key"] == ALEX
    assert included["messages"][0]["sender"] == {"key": ALEX, "name": "Alex", "is_owner": False}
    dumped = json.dumps(report)
    html = WRITERS.get("html").render(report).decode()
    for text in (dumped, html):
        assert not any(rule in text for rule in RULE_IDS)
        assert "band" not in text.lower() and "lead.decision" not in text and "rules fired" not in text
        assert "risk assessment" not in text.lower() and "grooming" not in text.lower()
    assert "send me a pic" in html and "Conversations" in html
    assert decide(ann, csrf, ref, "no-concern") == 200  # a later decision takes it out again
    assert "conversations" not in build_case_report(case)
    assert main(["audit", "verify", str(case.path)]) == 0


def test_leads_are_computed_again_when_a_scan_stores_more_conversations(
    built: SmallCase, case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = LeadCache()
    first = cache.leads(case.engine)
    assert cache.leads(case.engine) == first and len(first) == 3
    second = tmp_path / "second-phone" / DATABASES
    second.mkdir(parents=True)
    build_msgstore(second / "msgstore.db")
    root = built.evidence.parent  # the same hash set, from the same store, as the first scan
    monkeypatch.setenv("WARDEN_HOME", str(root / "store"))
    monkeypatch.setenv("WARDEN_KEY_FILE", str(root / "key"))
    options = ScanOptions(
        evidence=[tmp_path / "second-phone"], hashsets=[str(root / "set.csv")], case_dir=case.path, workers=1
    )
    result = run_scan(options, HashSetStore.from_settings())
    result.case.engine.dispose()
    again = cache.leads(case.engine)
    assert len(again) == 6 and {q.conversation.source for q in again} > {q.conversation.source for q in first}


def test_marked_pieces_merge_overlapping_spans_and_keep_every_character() -> None:
    pieces = marked("abcdefgh", [(5, 7), (1, 3), (2, 4), (9, 12)])
    assert pieces == [("a", False), ("bcd", True), ("e", False), ("fg", True), ("h", False)]
    assert "".join(piece for piece, _ in pieces) == "abcdefgh"
