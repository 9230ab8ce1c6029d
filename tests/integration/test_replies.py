"""Replies out: the outbox sends e-mail replies to a local SMTP server (aiosmtpd) on both backends.

The server is started by each test on 127.0.0.1 at a free port; it refuses,
defers or authenticates as the test tells it (``tests/integration/smtp_server``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import pytest
from click.testing import CliRunner

from dispatch.bootstrap import Storage, build_monitor, build_runtime
from dispatch.cli import cli
from dispatch.config import Settings
from dispatch.config_mail import MailSettings
from dispatch.domain.conversation import Article, ArticleChannel, SendState, Visibility
from dispatch.domain.notify import Delivery, NotifyPolicy, Secret
from dispatch.domain.ports import FixedClock
from dispatch.mail import SmtpMailer
from dispatch.scheduler import SlaMonitor
from dispatch.services import conversation, replies, tickets
from tests.conftest import NOW
from tests.integration.smtp_server import Cert, SmtpServer, free_port, make_cert
from tests.integration.test_conversation import SENDER, first_open

CUSTOMER = "ion@client.example"
BODY = (
    "Bună ziua, domnule Ionescu,\n"
    "Am înlocuit routerul; verificați vă rog conexiunea.\n"
    "\n"
    "Здравейте, хардуерът е подменен — моля, проверете връзката.  \n"
    "Mulțumim / Благодаря"
)  # no final line break: none is added
pytestmark = pytest.mark.filterwarnings(
    # aiosmtpd warns of AUTH without STARTTLS: over TLS from the first byte it is protected.
    "ignore:Requiring AUTH while not requiring TLS:UserWarning"
)
POLICY = NotifyPolicy(retry=(timedelta(seconds=30),), max_attempts=3)


@pytest.fixture
def ticket(seeded: Storage) -> int:
    """A ticket whose customer wrote twice by e-mail."""
    tid = first_open(seeded)
    with seeded.writer() as uow:
        for n, subject in enumerate(("Routerul nu merge", "Re: Routerul nu merge")):
            uow.articles.add(
                Article(
                    id=0,
                    ticket_id=tid,
                    at=NOW - timedelta(hours=2 - n),
                    author=CUSTOMER,
                    channel=ArticleChannel.EMAIL_IN,
                    visibility=Visibility.PUBLIC,
                    body="help",
                    subject=subject,
                    sender=CUSTOMER,
                    recipients=(SENDER,),
                    message_id=f"<in-{n}@client.example>",
                )
            )
        uow.commit()
    return tid


@pytest.fixture
def server() -> Iterator[SmtpServer]:
    smtp = SmtpServer()
    yield smtp
    smtp.close()


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> Cert:
    return make_cert(tmp_path_factory.mktemp("tls"))


def mail_settings(port: int, **fields: object) -> MailSettings:
    base: dict[str, object] = {
        "sender": SENDER,
        "host": "127.0.0.1",
        "port": port,
        "security": "none",
        "timeout_seconds": 5.0,
    }
    return MailSettings(**{**base, **fields})  # type: ignore[arg-type]


def reply(storage: Storage, tid: int, text: str = BODY, **kw: object) -> Article:
    return conversation.reply(
        storage.writer(),
        FixedClock(NOW),
        "ana",
        tid,
        text,
        sender=SENDER,
        **kw,  # type: ignore[arg-type]
    )


def send(
    storage: Storage, mailer: SmtpMailer, clock: FixedClock | None = None, limit: int = 50
) -> list[Delivery]:
    return replies.send_replies(
        storage.reader(),
        storage.writer(),
        clock or FixedClock(NOW + timedelta(minutes=1)),
        mailer,
        POLICY,
        sender=SENDER,
        limit=limit,
    )


def parsed(data: bytes) -> EmailMessage:
    msg = message_from_bytes(data, policy=default)
    assert isinstance(msg, EmailMessage)
    return msg


def attempts_of(storage: Storage, delivery_id: int) -> list[tuple[bool, str]]:
    with storage.reader() as uow:
        return [(ok, detail) for _, ok, detail in uow.outbox.attempts(delivery_id)]


def test_scheduler_once_sends_the_reply_with_the_threads_headers_and_the_exact_body(
    seeded: Storage,
    ticket: int,
    server: SmtpServer,
    db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stored = reply(seeded, ticket)
    config = tmp_path / "dispatch.toml"
    config.write_text(
        f'[mail]\nfrom = "{SENDER}"\nsmtp_host = "127.0.0.1"\nsmtp_port = {server.port}\n'
        'security = "none"\n'
    )
    monkeypatch.setenv("DISPATCH_CONFIG", str(config))
    out = CliRunner().invoke(cli, ["scheduler", "--once", "--db", db_url])
    assert out.exit_code == 0, out.stderr
    assert "replies: 1 sent, 0 to retry, 0 failed" in out.stdout
    [got] = server.received
    assert got.sender == SENDER
    assert got.recipients == [CUSTOMER]
    msg = parsed(got.data)
    assert msg["Message-ID"] == stored.message_id
    assert str(stored.message_id).endswith("@help.example>")
    assert msg["In-Reply-To"] == "<in-1@client.example>"
    assert msg["References"] == "<in-0@client.example> <in-1@client.example>"
    assert msg["Subject"] == f"Re: Routerul nu merge [T-{ticket}]"
    assert msg["From"] == SENDER
    assert msg["To"] == CUSTOMER
    assert msg["X-Dispatch-Ticket"] == f"T-{ticket}"
    assert msg["Auto-Submitted"] is None  # a person wrote it
    assert msg["Date"].datetime == NOW
    assert msg.get_content_type() == "text/plain"
    assert msg.get_content_charset() == "utf-8"
    assert msg.get_content().replace("\r\n", "\n") == BODY  # exact, line ends aside
    assert all(len(line) <= 78 for line in got.data.split(b"\r\n"))
    shown = conversation.articles(seeded.reader(), ticket)[-1]
    assert shown.send_state is SendState.SENT
    again = CliRunner().invoke(cli, ["scheduler", "--once", "--db", db_url])
    assert "replies:" not in again.stdout  # sent once, never again
    assert len(server.received) == 1


def test_a_title_with_a_line_break_cannot_add_a_header(seeded: Storage, server: SmtpServer) -> None:
    tid = first_open(seeded)
    with seeded.writer() as uow:
        t = uow.tickets.get(tid)
        uow.tickets.update(replace(t, title="Down\r\nBcc: evil@attacker.example"), t.version)
        uow.commit()
    reply(seeded, tid, "Hi", to=("ion@client.example",))
    [done] = send(seeded, SmtpMailer(mail_settings(server.port)))
    assert done.state == "sent"
    [got] = server.received
    assert got.recipients == ["ion@client.example"]
    msg = parsed(got.data)
    assert msg["Bcc"] is None
    assert msg["Subject"] == f"[T-{tid}] Down Bcc: evil@attacker.example"
    assert b"\r\nBcc:" not in got.data


def test_a_451_is_retried_later_and_every_attempt_recorded(seeded: Storage, ticket: int) -> None:
    smtp = SmtpServer(data_replies=("451 4.3.0 Try again later",))
    try:
        stored = reply(seeded, ticket)
        mailer = SmtpMailer(mail_settings(smtp.port))
        clock = FixedClock(NOW + timedelta(minutes=1))
        [first] = send(seeded, mailer, clock)
        assert (first.state, first.attempts) == ("pending", 1)
        assert first.last_error is not None
        assert "451 4.3.0 Try again later" in first.last_error
        assert first.next_attempt_at == clock.now() + timedelta(seconds=30)
        shown = conversation.articles(seeded.reader(), ticket)[-1]
        assert shown.send_state is SendState.PENDING
        assert shown.send_error == first.last_error  # the ticket says why it waits
        assert send(seeded, mailer, clock) == []  # not due yet
        clock.advance(timedelta(seconds=31))
        [second] = send(seeded, mailer, clock)
        assert (second.state, second.attempts, second.sent_at) == ("sent", 2, clock.now())
        assert [ok for ok, _ in attempts_of(seeded, second.id)] == [False, True]
        # Sent is an event on the ticket (every console's feed reloads it); a retry is not.
        events = tickets.ticket_detail(seeded.reader(), ticket, clock.now()).events
        replies = [e for e in events if e.action.startswith("ticket.reply_")]
        assert [(e.action, e.actor, e.after) for e in replies] == [
            ("ticket.reply_sent", "outbox", {"article": stored.id, "send_state": "sent"})
        ]
        assert smtp.message_ids() == [stored.message_id]
        clock.advance(timedelta(hours=1))
        assert send(seeded, mailer, clock) == []
    finally:
        smtp.close()


def test_a_refused_recipient_fails_at_once_and_the_ticket_says_why(
    seeded: Storage, ticket: int, db_url: str
) -> None:
    smtp = SmtpServer(refuse=(CUSTOMER,))
    try:
        reply(seeded, ticket, "Hi")
        [done] = send(seeded, SmtpMailer(mail_settings(smtp.port)))
        assert (done.state, done.attempts) == ("failed", 1)
        assert smtp.received == []
        last = tickets.ticket_detail(seeded.reader(), ticket, NOW).events[-1]
        assert last.action == "ticket.reply_failed"
        assert last.note is not None
        assert "550 5.1.1" in last.note
    finally:
        smtp.close()
    out = CliRunner().invoke(cli, ["ticket", "show", f"T-{ticket}", "--db", db_url])
    assert out.exit_code == 0, out.stderr
    assert (
        f"reply → {CUSTOMER} · failed: 127.0.0.1:{smtp.port}: recipients refused: "
        f"{CUSTOMER}: 550 5.1.1 <{CUSTOMER}>: Recipient address rejected: User unknown"
    ) in out.stdout
    assert send(seeded, SmtpMailer(mail_settings(smtp.port))) == []  # given up


def test_one_refused_recipient_of_two_is_recorded_and_the_other_gets_it(
    seeded: Storage, ticket: int
) -> None:
    smtp = SmtpServer(refuse=("gone@client.example",))
    try:
        reply(seeded, ticket, "Hi", to=(CUSTOMER, "gone@client.example"))
        [done] = send(seeded, SmtpMailer(mail_settings(smtp.port)))
        assert done.state == "sent"
        assert [r.recipients for r in smtp.received] == [[CUSTOMER]]
        [(ok, detail)] = attempts_of(seeded, done.id)
        assert ok
        assert "gone@client.example: 550" in detail
    finally:
        smtp.close()


def test_no_server_listening_is_retried(seeded: Storage, ticket: int) -> None:
    reply(seeded, ticket, "Hi")
    [done] = send(seeded, SmtpMailer(mail_settings(free_port())))
    assert (done.state, done.attempts) == ("pending", 1)
    assert done.last_error is not None
    assert "could not talk to the server" in done.last_error


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_login_over_tls_and_a_refused_login_never_shows_the_password(
    seeded: Storage, ticket: int, cert: Cert, security: str
) -> None:
    password = "hunter2-Secret!"
    smtp = SmtpServer(
        users={"support": password},
        tls=cert,
        implicit_tls=security == "tls",
    )
    try:
        wrong = SmtpMailer(
            mail_settings(smtp.port, security=security, user="support", password=Secret("nope")),
            context=cert.client_context(),
        )
        reply(seeded, ticket, "Hi")
        clock = FixedClock(NOW + timedelta(minutes=1))
        [refused] = send(seeded, wrong, clock)
        assert refused.state == "pending"  # a login is fixed in the configuration, then it goes
        assert refused.last_error is not None
        assert "login refused: 535" in refused.last_error
        assert smtp.logins == []
        right = SmtpMailer(
            mail_settings(smtp.port, security=security, user="support", password=Secret(password)),
            context=cert.client_context(),
        )
        # A hostile server echoing the password: the recorded text masks it.
        smtp.users = {"support": "changed"}
        smtp.login_failure = f"535 5.7.8 bad credentials for support/{password}"
        clock.advance(timedelta(seconds=31))
        [echoed] = send(seeded, right, clock)
        assert echoed.last_error is not None
        assert password not in echoed.last_error
        assert "support/***" in echoed.last_error
        smtp.users, smtp.login_failure = {"support": password}, None
        clock.advance(timedelta(seconds=31))
        [sent] = send(seeded, right, clock)
        assert (sent.state, sent.attempts) == ("sent", 3)
        assert smtp.logins == ["support"]
        assert len(smtp.received) == 1
        assert all(password not in d for _, d in attempts_of(seeded, sent.id))
    finally:
        smtp.close()


def test_an_untrusted_certificate_is_not_accepted(seeded: Storage, ticket: int, cert: Cert) -> None:
    smtp = SmtpServer(tls=cert)
    try:
        reply(seeded, ticket, "Hi")
        [done] = send(seeded, SmtpMailer(mail_settings(smtp.port, security="starttls")))
        assert done.state == "pending"
        assert done.last_error is not None
        assert "TLS failed" in done.last_error
        assert smtp.received == []
    finally:
        smtp.close()


def test_two_senders_at_once_send_each_reply_exactly_once(seeded: Storage) -> None:
    load = [first_open(seeded)]
    stored = [reply(seeded, load[0], f"reply {n}", to=(CUSTOMER,)) for n in range(6)]
    smtp = SmtpServer(delay=0.05)
    try:
        mailer = SmtpMailer(mail_settings(smtp.port))
        start = threading.Barrier(2)
        results: list[list[Delivery]] = []
        errors: list[BaseException] = []

        def sender() -> None:
            # One reply a round, so that the two claim side by side all along.
            try:
                start.wait()
                mine: list[Delivery] = []
                # A round may come back empty (the other claimed that reply first):
                # go on while any is due.
                while replies.waiting(seeded.reader(), NOW + timedelta(minutes=1)):
                    mine += send(seeded, mailer, limit=1)
                results.append(mine)
            except BaseException as exc:  # surfaced below
                errors.append(exc)

        threads = [threading.Thread(target=sender) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert errors == []
        assert sorted(smtp.message_ids()) == sorted(str(a.message_id) for a in stored)
        assert sum(len(r) for r in results) == len(stored)
        assert all(d.state == "sent" and d.attempts == 1 for r in results for d in r)
        assert all(results), "both senders sent some"
    finally:
        smtp.close()


def test_without_mail_configured_replies_wait_and_the_scheduler_says_so_once(
    seeded: Storage, ticket: int, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    reply(seeded, ticket, "Hi")
    out = CliRunner().invoke(cli, ["scheduler", "--once", "--db", db_url])
    assert out.exit_code == 0, out.stderr
    assert "replies: 1 waiting: [mail] from is not set, so none is sent" in out.stdout
    settings = Settings(db_url="unused", db_source="test", config_path=None, user="ana")
    monitor = SlaMonitor(build_runtime(settings, seeded, clock=FixedClock(NOW)))
    monitor.holds_lease = True
    with caplog.at_level("WARNING", logger="dispatch.scheduler"):
        monitor._replies_job()
        monitor._replies_job()
    said = [r.getMessage() for r in caplog.records if "[mail] from" in r.getMessage()]
    assert said == ["1 e-mail replies wait in the outbox: [mail] from is not set, so none is sent"]
    assert conversation.articles(seeded.reader(), ticket)[-1].send_state is SendState.PENDING


def test_a_sending_console_monitor_sends_replies_through_its_mailer(
    seeded: Storage, ticket: int, server: SmtpServer
) -> None:
    settings = Settings(
        db_url="unused",
        db_source="test",
        config_path=None,
        user="ana",
        mail=mail_settings(server.port),
    )
    rt = build_runtime(settings, seeded, clock=FixedClock(NOW + timedelta(minutes=1)))
    monitor = build_monitor(settings, rt)
    reply(seeded, ticket, "Hi")
    assert monitor.replies_once() == []  # not the lease holder: someone else sends
    monitor.run_once()
    assert monitor.holds_lease
    [done] = monitor.replies_once()
    assert done.state == "sent"
    assert len(server.received) == 1
    monitor.stop()
