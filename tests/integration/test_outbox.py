"""Notifications: the outbox delivers through Apprise to a local HTTP server, retries, escalates.

A ``json://`` Apprise URL makes a JSON POST; the test server answers with the
status codes it is given, in turn, and keeps what it received.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import time_machine

from dispatch.bootstrap import Storage
from dispatch.domain.alerts import AlertLevel
from dispatch.domain.notify import NotifyPolicy, NotifyTarget, Secret
from dispatch.domain.ports import SystemClock
from dispatch.notify import AppriseNotifier, mask
from dispatch.services import alerts, deliveries
from tests.integration.test_alerts import DUE, T0, load_directory, open_p1


class Hook:
    """A local HTTP endpoint answering with ``codes`` in turn (then 200)."""

    def __init__(self, codes: list[int]) -> None:
        self.codes = list(codes)
        self.received: list[dict[str, Any]] = []
        self.paths: list[str] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length", 0))
                hook.received.append(json.loads(self.rfile.read(length) or b"{}"))
                hook.paths.append(self.path)
                code = hook.codes.pop(0) if hook.codes else 200
                self.send_response(code)
                self.end_headers()

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> Secret:
        return Secret(f"json://127.0.0.1:{self.port}/{path}?token=s3cret-token")

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def directory(storage: Storage) -> Storage:
    load_directory(storage)
    return storage


@pytest.fixture
def hook() -> Iterator[Hook]:
    server = Hook([500, 500])
    yield server
    server.close()


def deliver(storage: Storage, policy: NotifyPolicy) -> list[Any]:
    return deliveries.deliver_due(
        storage.reader(), storage.writer(), SystemClock(), AppriseNotifier(), policy
    )


def test_the_outbox_retries_while_the_hook_fails_and_sends_once(
    directory: Storage, hook: Hook
) -> None:
    policy = NotifyPolicy(
        targets={"ops": NotifyTarget(hook.url("ops"), levels=frozenset({AlertLevel.BREACH}))},
        retry=(timedelta(seconds=30),),
    )
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        ticket = open_p1(directory)
    at = T0 + DUE + timedelta(minutes=1)
    with time_machine.travel(at, tick=False):
        raised = alerts.sweep_alerts(
            directory.reader(), directory.writer(), SystemClock(), notify=policy
        )
        breach = next(a for a in raised if a.level is AlertLevel.BREACH)
        [(queued, _)] = deliveries.alert_deliveries(directory.reader(), breach.id)
        assert (queued.target, queued.step, queued.state) == ("ops", 0, "pending")
        warning = next(a for a in raised if a.level is AlertLevel.WARNING)
        assert deliveries.alert_deliveries(directory.reader(), warning.id) == []  # breach only
        first = deliver(directory, policy)
        assert [(d.state, d.attempts) for d in first] == [("pending", 1)]
        assert deliver(directory, policy) == []  # not due again yet
    with time_machine.travel(at + timedelta(seconds=31), tick=False):
        assert [(d.state, d.attempts) for d in deliver(directory, policy)] == [("pending", 2)]
    with time_machine.travel(at + timedelta(seconds=62), tick=False):
        assert [(d.state, d.attempts) for d in deliver(directory, policy)] == [("sent", 3)]
    with time_machine.travel(at + timedelta(hours=2), tick=False):
        assert deliver(directory, policy) == []  # never again after a success
    assert len(hook.received) == 3
    assert f"T-{ticket}" in hook.received[-1]["title"]
    assert "Router down" in hook.received[-1]["message"]
    [(sent, attempts)] = deliveries.alert_deliveries(directory.reader(), breach.id)
    assert sent.sent_at == at + timedelta(seconds=62)
    assert [ok for _, ok, _ in attempts] == [False, False, True]
    assert all("s3cret" not in detail for _, _, detail in attempts)


def test_a_delivery_is_given_up_after_max_attempts(directory: Storage) -> None:
    failing = Hook([500] * 10)
    try:
        policy = NotifyPolicy(
            targets={"ops": NotifyTarget(failing.url("ops"))},
            retry=(timedelta(seconds=10),),
            max_attempts=2,
        )
        with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
            open_p1(directory)
        at = T0 + DUE + timedelta(minutes=1)
        with time_machine.travel(at, tick=False):
            alerts.sweep_alerts(
                directory.reader(), directory.writer(), SystemClock(), notify=policy
            )
            assert {d.state for d in deliver(directory, policy)} == {"pending"}
        with time_machine.travel(at + timedelta(seconds=11), tick=False):
            assert {d.state for d in deliver(directory, policy)} == {"failed"}
        with time_machine.travel(at + timedelta(hours=1), tick=False):
            assert deliver(directory, policy) == []
        assert len(failing.received) == 4  # warning and breach, twice each
    finally:
        failing.close()


def test_an_unacknowledged_breach_escalates_step_by_step(directory: Storage) -> None:
    server = Hook([])
    try:
        policy = NotifyPolicy(
            targets={
                "lead": NotifyTarget(server.url("lead")),
                "manager": NotifyTarget(server.url("manager")),
            },
            technicians={"ivan": server.url("ivan"), "ana": server.url("ana")},
            escalation=("lead", "manager"),
            escalate_after=timedelta(minutes=15),
        )
        with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
            open_p1(directory)
        at = T0 + DUE + timedelta(seconds=30)
        with time_machine.travel(at, tick=False):
            raised = alerts.sweep_alerts(
                directory.reader(), directory.writer(), SystemClock(), notify=policy
            )
            breach = next(a for a in raised if a.level is AlertLevel.BREACH)
            deliver(directory, policy)

        def targets() -> list[tuple[int, str, str]]:
            found = deliveries.alert_deliveries(directory.reader(), breach.id)
            return [(d.step, d.target, d.state) for d, _ in found]

        # Unassigned: every on-call technician with an address hears of it first.
        assert targets() == [(0, "tech:ana", "sent"), (0, "tech:ivan", "sent")]
        with time_machine.travel(at + timedelta(minutes=14), tick=False):
            assert deliveries.escalate_alerts(directory.writer(), SystemClock(), policy) == 0
        with time_machine.travel(at + timedelta(minutes=16), tick=False):
            assert deliveries.escalate_alerts(directory.writer(), SystemClock(), policy) == 1
            assert deliveries.escalate_alerts(directory.writer(), SystemClock(), policy) == 0
            deliver(directory, policy)
            assert targets()[-1] == (1, "lead", "sent")
            alerts.acknowledge_alert(directory.writer(), SystemClock(), "ana", breach.id)
        with time_machine.travel(at + timedelta(hours=2), tick=False):
            assert deliveries.escalate_alerts(directory.writer(), SystemClock(), policy) == 0
        assert (2, "manager", "pending") not in targets()
        # The warning went nowhere (technicians hear of breaches; lead and manager
        # are escalation steps); the breach went to ana, ivan, then the lead.
        assert sorted(p.split("?")[0] for p in server.paths) == ["/ana", "/ivan", "/lead"]
    finally:
        server.close()


def test_masking_removes_credentials_from_what_is_kept() -> None:
    url = Secret("mailtos://alerts:hunter22@smtp.example.com?to=ops@example.com&pass=abc123")
    said = "Failed to send to mailtos://alerts:hunter22@smtp.example.com (pass=abc123)"
    cleaned = mask(said, url)
    assert "hunter22" not in cleaned
    assert "abc123" not in cleaned
    assert repr(url) == "Secret('***')"
    assert str(url) == "***"
