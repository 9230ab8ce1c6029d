"""The breach sweep against real databases: once per key, late after downtime, one sweeper.

Time is moved with time-machine and read through the production ``SystemClock``.
Tickets go to the demo directory's "Vitosha Retail EOOD" (subscription, 24/7
calendar, P1: response in 4 h, resolution in 12 h; warning at 80 %, so the
response warning comes at 3 h 12 min) and "Plovdiv Print House OOD"
(time-and-material: no guarantee).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine

from dispatch.bootstrap import Storage, build_runtime, open_storage
from dispatch.config import Settings
from dispatch.domain.alerts import Alert, AlertLevel
from dispatch.domain.model import Severity, Target, TicketStatus
from dispatch.domain.ports import SystemClock
from dispatch.domain.ticket import NewTicket
from dispatch.scheduler import SlaMonitor
from dispatch.services import alerts, conversation, tickets
from dispatch.services.alerts import SweepPolicy
from dispatch.services.runtime import Runtime
from tests.conftest import load_demo

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
SUBSCRIBER = "Vitosha Retail EOOD"
NO_GUARANTEE = "Plovdiv Print House OOD"
WARN = timedelta(hours=3, minutes=12)
DUE = timedelta(hours=4)


def load_directory(storage: Storage) -> None:
    """The demo customers, contracts and technicians, and no tickets."""
    load_demo(storage, now=T0, tickets=False)


@pytest.fixture
def directory(storage: Storage) -> Storage:
    load_directory(storage)
    return storage


def runtime_for(storage: Storage) -> Runtime:
    settings = Settings(db_url="unused", db_source="test", config_path=None, user="ana")
    return build_runtime(settings, storage, clock=SystemClock())


def open_p1(storage: Storage, customer: str = SUBSCRIBER, title: str = "Router down") -> int:
    ticket = tickets.open_ticket(
        storage.writer(),
        SystemClock(),
        "ana",
        NewTicket(customer, title, severity=Severity.P1, opened_at=T0),
    )
    return ticket.id


def sweep(storage: Storage, policy: SweepPolicy | None = None) -> list[Alert]:
    return alerts.sweep_alerts(
        storage.reader(), storage.writer(), SystemClock(), policy or SweepPolicy()
    )


def keys(alerts: list[Alert]) -> list[tuple[int, Target, AlertLevel]]:
    return sorted((a.ticket_id, a.target, a.level) for a in alerts)


def test_crossing_the_warning_share_then_the_deadline(directory: Storage) -> None:
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        ticket = open_p1(directory)
        assert sweep(directory) == []
    with time_machine.travel(T0 + WARN + timedelta(seconds=10), tick=False):
        warned = sweep(directory)
        assert keys(warned) == [(ticket, Target.RESPONSE, AlertLevel.WARNING)]
        assert not warned[0].late
        assert warned[0].due_at == T0 + WARN
        assert sweep(directory) == []  # raised once
    with time_machine.travel(T0 + DUE + timedelta(seconds=30), tick=False):
        breached = sweep(directory)
        assert keys(breached) == [(ticket, Target.RESPONSE, AlertLevel.BREACH)]
        assert not breached[0].late
        assert breached[0].ticket_title == "Router down"
        assert sweep(directory) == []
    stored = alerts.list_alerts(directory.reader())
    assert [(a.level, a.due_at) for a in stored] == [
        (AlertLevel.BREACH, T0 + DUE),  # newest first
        (AlertLevel.WARNING, T0 + WARN),
    ]


def test_a_paused_ticket_raises_nothing(directory: Storage) -> None:
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        ticket = open_p1(directory)
        tickets.change_status(
            directory.writer(), SystemClock(), "ana", ticket, TicketStatus.WAITING_CUSTOMER
        )
    with time_machine.travel(T0 + timedelta(days=3), tick=False):
        assert sweep(directory) == []


def test_an_answered_ticket_only_watches_its_resolution(directory: Storage) -> None:
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        ticket = open_p1(directory)
        conversation.log_call(
            directory.writer(), SystemClock(), "ana", ticket, "On it", outbound=True
        )
    with time_machine.travel(T0 + timedelta(hours=13), tick=False):
        raised = sweep(directory)
    assert keys(raised) == [
        (ticket, Target.RESOLUTION, AlertLevel.BREACH),
        (ticket, Target.RESOLUTION, AlertLevel.WARNING),
    ]
    assert all(a.late for a in raised)


def test_contracts_without_a_guarantee_never_alert(directory: Storage) -> None:
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        open_p1(directory, NO_GUARANTEE)
    with time_machine.travel(T0 + timedelta(days=60), tick=False):
        assert sweep(directory) == []


def test_an_hour_of_downtime_over_300_breaching_tickets(directory: Storage) -> None:
    """Warnings raised before the outage; after it, the first sweep raises 300 late breaches."""
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        tickets = {open_p1(directory, title=f"Outage {i}") for i in range(300)}
    runtime = runtime_for(directory)
    policy = SweepPolicy(batch=64)  # several transactions per sweep
    with time_machine.travel(T0 + DUE - timedelta(minutes=30), tick=False):
        before = SlaMonitor(runtime, policy)
        warned = before.run_once()
        assert len(warned) == 300
        assert {a.level for a in warned} == {AlertLevel.WARNING}
        # The process dies here: no clean shutdown, the lease is not given up.
    with time_machine.travel(T0 + DUE + timedelta(minutes=30), tick=False):
        after = SlaMonitor(runtime, policy)  # restarted an hour later
        raised = after.run_once()
    assert after.holds_lease
    assert len(raised) == 300
    assert {a.ticket_id for a in raised} == tickets
    assert {(a.target, a.level) for a in raised} == {(Target.RESPONSE, AlertLevel.BREACH)}
    assert all(a.late for a in raised)


def test_sweepers_in_parallel_threads_raise_each_alert_once(directory: Storage) -> None:
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        tickets = [open_p1(directory, title=f"Parallel {i}") for i in range(40)]
    results: list[list[Alert]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def run() -> None:
        try:
            start.wait()
            results.append(sweep(directory, SweepPolicy(batch=7)))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    with time_machine.travel(T0 + DUE + timedelta(minutes=1), tick=False):
        threads = [threading.Thread(target=run) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    reported = [a for batch in results for a in batch]
    stored = alerts.list_alerts(directory.reader())
    assert len(stored) == 2 * len(tickets)  # a warning and a breach each
    assert len(set(keys(stored))) == len(stored)
    assert sorted(a.id for a in reported) == sorted(a.id for a in stored)  # reported once


def _sweep_in_a_process(url: str, at: str, out: multiprocessing.Queue[list[int]]) -> None:
    """Child process: one sweep at ``at``; put the ids of the alerts it raised."""
    storage = open_storage(url)
    with time_machine.travel(datetime.fromisoformat(at), tick=False):
        raised = sweep(storage, SweepPolicy(batch=5))
    storage.dispose()
    out.put([a.id for a in raised])


def test_sweepers_in_separate_processes_raise_each_alert_once(
    directory: Storage, db_url: str
) -> None:
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        for i in range(30):
            open_p1(directory, title=f"Processes {i}")
    directory.dispose()
    context = multiprocessing.get_context("spawn")
    out: multiprocessing.Queue[list[int]] = context.Queue()
    at = (T0 + DUE + timedelta(minutes=1)).isoformat()
    workers = [
        context.Process(target=_sweep_in_a_process, args=(db_url, at, out)) for _ in range(4)
    ]
    for worker in workers:
        worker.start()
    reported = [i for _ in workers for i in out.get(timeout=120)]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    stored = alerts.list_alerts(directory.reader())
    assert len(stored) == 60
    assert len(set(keys(stored))) == 60
    assert sorted(reported) == sorted(a.id for a in stored)


def test_acknowledging_records_who_and_when_once(directory: Storage) -> None:
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        open_p1(directory)
    with time_machine.travel(T0 + DUE, tick=False):
        sweep(directory)
        first = alerts.list_alerts(directory.reader(), unacked=True)[0]
        acked = alerts.acknowledge_alert(directory.writer(), SystemClock(), "bob", first.id)
        assert acked.acked_by == "bob"
        assert acked.acked_at == T0 + DUE
        with pytest.raises(Exception, match="already acknowledged by bob"):
            alerts.acknowledge_alert(directory.writer(), SystemClock(), "carol", first.id)
    unacked = alerts.list_alerts(directory.reader(), unacked=True)
    assert first.id not in {a.id for a in unacked}
    history = tickets.ticket_detail(directory.reader(), first.ticket_id, T0 + DUE).events
    assert any(e.action == "alert.acknowledged" and e.actor == "bob" for e in history)


# --- the lease ---------------------------------------------------------------------------


def test_one_sweeper_holds_the_lease_until_it_expires(directory: Storage) -> None:
    runtime = runtime_for(directory)
    policy = SweepPolicy(interval=timedelta(seconds=1), lease=timedelta(seconds=30))
    first, second = SlaMonitor(runtime, policy), SlaMonitor(runtime, policy)

    def holders() -> tuple[bool, bool]:
        return first.holds_lease, second.holds_lease

    with time_machine.travel(T0, tick=False):
        first.run_once()
        second.run_once()
        assert holders() == (True, False)
    with time_machine.travel(T0 + timedelta(seconds=31), tick=False):
        second.run_once()  # the first stopped renewing: its lease ran out
        first.run_once()
        assert holders() == (False, True)
        second.stop()  # a clean stop gives it up at once
        first.run_once()
        assert holders() == (True, False)


@pytest.fixture
def scheduler_config(tmp_path: Path) -> dict[str, str]:
    config = tmp_path / "dispatch.toml"
    config.write_text("[alerts]\ninterval_seconds = 0.2\nlease_seconds = 1.5\n")
    return {**os.environ, "DISPATCH_CONFIG": str(config)}


def _holder(storage: Storage) -> str | None:
    found = alerts.lease_holder(storage.reader())
    return found[0] if found else None


def _wait_for(condition: object, what: str, within: float = 20.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"waited {within} s for {what}")


def test_the_lease_moves_to_a_second_process_when_the_first_is_killed(
    directory: Storage, db_url: str, scheduler_config: dict[str, str]
) -> None:
    command = [sys.executable, "-m", "dispatch", "scheduler", "--db", db_url]
    first = subprocess.Popen(command, env=scheduler_config, stderr=subprocess.DEVNULL)
    second: subprocess.Popen[bytes] | None = None
    try:
        _wait_for(lambda: _holder(directory) is not None, "the first scheduler's lease")
        first_holder = _holder(directory)
        assert first_holder is not None
        assert f":{first.pid}:" in first_holder
        # While the first lives, a one-off sweep elsewhere is refused.
        refused = subprocess.run(
            [*command, "--once"], env=scheduler_config, capture_output=True, text=True, check=True
        )
        assert "not swept" in refused.stdout
        second = subprocess.Popen(command, env=scheduler_config, stderr=subprocess.DEVNULL)
        time.sleep(1.0)
        assert _holder(directory) == first_holder
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        _wait_for(
            lambda: (_holder(directory) or "").find(f":{second.pid}:") > 0,
            "the second scheduler to take the lease over",
        )
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=10)


def test_a_steady_sweep_reads_only_news_and_misses_nothing(directory: Storage) -> None:
    """With its state, a sweep looks past its last look, and at tickets changed since."""
    state = alerts.SweepState()
    clock = SystemClock()
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        slow = tickets.open_ticket(
            directory.writer(), clock, "ana",
            NewTicket(SUBSCRIBER, "Slow printer", severity=Severity.P3, opened_at=T0),
        )  # fmt: skip
        fast = open_p1(directory, title="Fast one")
        assert alerts.sweep_alerts(directory.reader(), directory.writer(), clock,
                                     state=state) == []  # fmt: skip
        assert state.looked_until == T0 + timedelta(minutes=5)
    with time_machine.travel(T0 + timedelta(hours=5), tick=False):
        # The P1's response clock passed 80 % and 100 % since the last look: found by time.
        raised = alerts.sweep_alerts(directory.reader(), directory.writer(), clock, state=state)
        assert keys(raised) == [
            (fast, Target.RESPONSE, AlertLevel.BREACH),
            (fast, Target.RESPONSE, AlertLevel.WARNING),
        ]
        # Raising the P3 to P1 moves its deadline (T0 + 4 h) behind the last look.
        tickets.change_severity(directory.writer(), clock, "ana", slow.id, Severity.P1)
        raised = alerts.sweep_alerts(directory.reader(), directory.writer(), clock, state=state)
        assert keys(raised) == [
            (slow.id, Target.RESPONSE, AlertLevel.BREACH),
            (slow.id, Target.RESPONSE, AlertLevel.WARNING),
        ]
        assert alerts.sweep_alerts(directory.reader(), directory.writer(), clock,
                                     state=state) == []  # fmt: skip


def test_a_huge_backlog_is_raised_over_several_sweeps(directory: Storage) -> None:
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        for i in range(30):
            open_p1(directory, title=f"Backlog {i}")
    state = alerts.SweepState()
    policy = SweepPolicy(batch=8, most=25)
    with time_machine.travel(T0 + DUE + timedelta(minutes=1), tick=False):
        sizes = []
        while True:
            raised = alerts.sweep_alerts(
                directory.reader(), directory.writer(), SystemClock(), policy, state=state
            )
            if not raised:
                break
            sizes.append(len(raised))
    assert sizes == [25, 25, 10]  # 60 alerts: a warning and a breach per ticket
    assert len(alerts.list_alerts(directory.reader())) == 60
