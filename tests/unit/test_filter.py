"""The filter syntax: terms, commas, negation, bounds, and errors that name what is wrong."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dispatch.domain.errors import InvalidInputError
from dispatch.domain.filter import FILTER_TERMS, Bound, Choice, QueueFilter, ticket_ref
from dispatch.domain.model import Severity, TicketKind, TicketStatus


def test_commas_repeats_and_negation_build_one_choice_per_key() -> None:
    where = QueueFilter.parse(
        "status:new,assigned s:in_progress !sev:P4 -sev:3 work:reg disk -file"
    )
    assert where.statuses == Choice(
        frozenset({TicketStatus.NEW, TicketStatus.ASSIGNED, TicketStatus.IN_PROGRESS})
    )
    assert where.severities == Choice(never=frozenset({Severity.P4, Severity.P3}))
    assert where.works == Choice(frozenset({TicketKind.REGULAR}))
    assert (where.words, where.not_words) == (("disk",), ("file",))


def test_bounds_ids_and_aliases() -> None:
    where = QueueFilter.parse("age:>1h30m due:<45m id:T-19,23 tech:- a:ana")
    assert where.age == (Bound(below=False, span=timedelta(hours=1, minutes=30)),)
    assert where.due == (Bound(below=True, span=timedelta(minutes=45)),)
    assert where.ids == Choice(frozenset({19, 23}))
    assert where.assignees == Choice(frozenset({"-", "ana"}))
    assert ticket_ref(" T-19 ") == 19
    assert ticket_ref("19") == 19
    assert ticket_ref("T19x") is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("prio:1", "unknown key 'prio'"),
        ("sev:P5", "severity:P5 matches no single severity"),
        ("work:urgent", "work:urgent matches no single kind of work"),
        ("status:xyz", "status:xyz matches no single status"),
        ("id:abc", "id:abc is not a ticket number"),
        ("age:2h", "age:2h needs < or > before the duration"),
        ("due:<soon", "soon is not a duration"),
        ("!age:>2h", "write the other side"),
        ("status:new,,assigned", "an empty value between commas"),
        ("sla:late", "sla:late is not one of"),
        ('customer:"unclosed', "filter: No closing quotation"),
    ],
)
def test_errors_name_the_term_at_fault(text: str, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        QueueFilter.parse(text)


def test_a_lone_dash_or_bang_is_a_word_not_a_negation() -> None:
    assert QueueFilter.parse("- !").words == ("-", "!")


@pytest.mark.parametrize(("example", "meaning"), FILTER_TERMS)
def test_every_example_of_the_help_parses(example: str, meaning: str) -> None:
    assert meaning
    QueueFilter.parse(example)


def test_the_help_names_every_filter_key() -> None:
    shown = " ".join(example for example, _ in FILTER_TERMS)
    for key in ("id:", "status:", "severity:", "work:", "tech:", "customer:", "kind:", "sla:"):
        assert key in shown
    assert "age:>" in shown
    assert "due:<" in shown
