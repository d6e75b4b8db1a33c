"""The Leads queue: conversations whose grooming indicators make a lead, apart from the item queue, and an
examiner's decision on each (audited like a grade). Every page says a lead is not evidence."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from warden.case import conversation_messages, lead_decisions
from warden.case.conversation_messages import StoredConversation, StoredMessage
from warden.conversations.indicator_rules import bundled_rules
from warden.conversations.indicators import BAND_TABLE, Band, Lead, scan_conversation
from warden.errors import NotFoundError, RequestRefusedError
from warden.web.current import Anyone, Grader, State
from warden.web.leads import CONTEXT, NOTICE, rule_rows, shown_messages, stage_rows, who
from warden.web.pages import render
from warden.web.routes.queue import done

router = APIRouter()

LEADS_PER_PAGE = 50
Ref = Annotated[str, Path(min_length=2, max_length=20, pattern=r"^[cm][0-9]+$")]


@router.get("/leads")
def leads_page(
    request: Request, state: State, session: Anyone, page: Annotated[int, Query(ge=1)] = 1
) -> HTMLResponse:
    """Conversations with a lead above band none, highest band first, then the fastest escalation."""
    state.reveals.revoke(session.key)
    queued = state.leads.leads(state.case.engine)
    with state.case.engine.connect() as connection:
        decided = lead_decisions.latest(connection)
    pages = max(1, math.ceil(len(queued) / LEADS_PER_PAGE))
    page = min(page, pages)
    listed = queued[(page - 1) * LEADS_PER_PAGE : page * LEADS_PER_PAGE]
    return render(
        request,
        "leads.html",
        {
            "notice": NOTICE,
            "leads": [
                {
                    "ref": q.conversation.ref,
                    "conversation": q.conversation,
                    "band": str(q.lead.band),
                    "messages": q.messages,
                    "stages": len(q.lead.stages),
                    "escalation": q.lead.senders[0].escalation if q.lead.senders else None,
                    "senders": [
                        who(s.sender, q.conversation.participants)
                        for s in q.lead.senders
                        if s.band > Band.NONE
                    ],
                    "decision": decided.get(q.conversation.ref),
                }
                for q in listed
            ],
            "total": len(queued),
            "page": page,
            "pages": pages,
        },
    )


def _lead(state: State, ref: str) -> tuple[StoredConversation, list[StoredMessage], Lead]:
    with state.case.engine.connect() as connection:
        found = conversation_messages.conversation(connection, ref)
    if found is None:
        raise NotFoundError(f"no conversation {ref} in this case")
    conversation, stored = found
    lead = scan_conversation(conversation.ref, [m.message for m in stored], bundled_rules())
    if lead.band == Band.NONE:
        raise NotFoundError(f"conversation {ref} has no lead")
    return conversation, stored, lead


@router.get("/leads/{ref}")
def lead_page(request: Request, state: State, session: Anyone, ref: Ref) -> HTMLResponse:
    """One lead: the rules that fired, the messages in context with the matched words marked, who sent
    them, the stages in time, and the decisions taken on it."""
    state.reveals.revoke(session.key)
    conversation, stored, lead = _lead(state, ref)
    rules = bundled_rules()
    shown, left = shown_messages(lead, conversation, stored)
    with state.case.engine.connect() as connection:
        history = [d for d in lead_decisions.decisions(connection) if d.ref == ref]
    return render(
        request,
        "lead.html",
        {
            "notice": NOTICE,
            "conversation": conversation,
            "lead": lead,
            "band": str(lead.band),
            "band_rows": [(str(row.band), row.text) for row in BAND_TABLE],
            "rules": rule_rows(lead, conversation, rules),
            "stages": stage_rows(lead, conversation, stored, rules),
            "shown": shown,
            "context": CONTEXT,
            "left": left,
            "total": len(stored),
            "history": history,
            "current": history[-1] if history else None,
            "decisions": lead_decisions.DECISIONS,
            "can_decide": session.account.can_grade,
            "here": f"/leads/{ref}",
        },
    )


@router.post("/leads/{ref}/decision")
def decide(
    request: Request,
    state: State,
    session: Grader,
    ref: Ref,
    decision: Annotated[str, Form(max_length=20)],
    note: Annotated[str, Form(max_length=2000)] = "",
    next_path: Annotated[str, Form(alias="next")] = "/leads",
) -> Response:
    """Record the examiner's decision on a lead (no concern, refer, include), in the audit log."""
    if decision not in lead_decisions.DECISIONS:
        raise RequestRefusedError(f"a decision on a lead is one of {', '.join(lead_decisions.DECISIONS)}")
    conversation, _, _ = _lead(state, ref)
    with state.case.engine.begin() as connection:
        lead_decisions.decide(
            connection, conversation, decision, user_id=session.account.id, note=note.strip() or None
        )
    return done(request, next_path, {"conversation": ref, "decision": decision})
