"""Recorded changes read as people say them: status names, times to the minute in a zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from dispatch.domain.ticket import Event
from dispatch.formats import change_text


def test_a_change_names_fields_and_statuses_and_cuts_times_to_the_minute() -> None:
    event = Event(
        id=1,
        at=datetime(2026, 11, 23, 9, 0, tzinfo=UTC),
        actor="ana",
        action="ticket.status",
        ticket_id=7,
        before={"status": "assigned", "first_response_at": None, "bug_ref": None},
        after={
            "status": "escalated_dev",
            "first_response_at": "2026-11-23T09:00:12.345678+00:00",
            "bug_ref": "DEV-7",
        },
    )
    text = change_text(event, ZoneInfo("Europe/Bucharest"))
    assert text == (
        "status assigned → escalated, bug — → DEV-7, first response — → 2026-11-23 11:00 EET"
    )


def test_an_opening_shows_nothing_when_only_changes_are_asked_for() -> None:
    event = Event(
        id=2,
        at=datetime(2026, 11, 23, 9, 0, tzinfo=UTC),
        actor="ana",
        action="ticket.opened",
        ticket_id=7,
        before={},
        after={"status": "new", "description": "long text", "skills": ["network"]},
    )
    assert change_text(event, ZoneInfo("UTC"), changed_only=True) == ""
    assert change_text(event, ZoneInfo("UTC")) == "status new, skills network"


def test_what_y_copies_carries_no_escape_sequence() -> None:
    from dispatch.ui.screens.dispatch_copy import copy_line, copy_summary
    from tests.unit.test_model import _ticket

    ticket = _ticket(title="Printer \x1b]52;c;ZXZpbA==\x07 down", customer_name="C\x1b[2J")
    for text in (copy_line(ticket), copy_summary(ticket, ticket.opened_at, ZoneInfo("UTC"))):
        assert "\x1b" not in text
        assert "\x07" not in text
