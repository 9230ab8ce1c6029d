"""The console's ticket history: jumps kept, passing through forgotten, back and forth."""

from __future__ import annotations

from dispatch.ui.history import MAX_ENTRIES, TicketHistory


def test_back_and_forth_over_rested_tickets() -> None:
    history = TicketHistory()
    history.visit(1, 0.0)
    history.visit(2, 5.0)
    history.visit(3, 10.0)
    assert history.back() == 2
    assert history.back() == 1
    assert history.back() is None
    assert history.forward() == 2
    assert history.forward() == 3
    assert history.forward() is None


def test_tickets_passed_through_quickly_are_not_kept() -> None:
    history = TicketHistory()
    history.visit(1, 0.0)
    for n, at in ((2, 5.0), (3, 5.2), (4, 5.4)):  # j, j, j
        history.visit(n, at)
    history.visit(5, 9.0)
    assert history.back() == 4
    assert history.back() == 1


def test_a_jump_is_kept_even_when_left_at_once() -> None:
    history = TicketHistory()
    history.visit(1, 0.0)
    history.visit(7, 0.1, jump=True)  # T-7 typed in the filter
    history.visit(8, 0.2)  # and j straight after
    assert history.back() == 7
    assert history.back() == 1


def test_going_elsewhere_after_back_drops_what_lay_ahead() -> None:
    history = TicketHistory()
    for n, at in ((1, 0.0), (2, 5.0), (3, 10.0)):
        history.visit(n, at)
    assert history.back() == 2
    history.visit(2, 10.1)  # the cursor arrives there: nothing new
    history.visit(9, 10.2)  # the ticket gone back to is kept though left at once
    assert history.forward() is None
    assert history.back() == 2
    assert history.back() == 1


def test_the_history_keeps_the_newest_entries_only() -> None:
    history = TicketHistory()
    for n in range(MAX_ENTRIES + 20):
        history.visit(n, float(n * 10))
    steps = 0
    while history.back() is not None:
        steps += 1
    assert steps == MAX_ENTRIES - 1
