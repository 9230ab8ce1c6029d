"""``dispatch intake mail`` on the fixture corpus (tests/data/mail): for the MTA and the tickets.

Each test builds a small world (see make_corpus.py): we are support@help.example;
Acme SRL has the contact ion@acme.ro and the domain rule acme.ro; Beta OOD has
petar@beta.bg. Messages go in through the real command line, bytes on stdin.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from dispatch.bootstrap import Storage, open_storage
from dispatch.cli import cli
from dispatch.domain.conversation import Article, ArticleChannel
from dispatch.domain.model import (
    Contact,
    Contract,
    ContractKind,
    Customer,
    Severity,
    SlaPolicy,
    SlaTarget,
    TicketStatus,
)
from dispatch.domain.ports import SystemClock
from dispatch.services import contracts, conversation, master_data, tickets

CORPUS = Path(__file__).parent.parent / "data" / "mail"
OURS = "support@help.example"
CORPUS_OURS = b"<1764000000.1.2.T-1@help.example>"  # the corpus's stand-in for our reply's id


def corpus(name: str) -> bytes:
    return next(CORPUS.glob(f"{name}_*.eml")).read_bytes()


@dataclass
class World:
    """A database, a spool, and the command line to deliver into them."""

    url: str
    spool: Path
    storage: Storage
    runner: CliRunner

    def deliver(self, data: bytes) -> tuple[int, str]:
        result = self.runner.invoke(
            cli, ["intake", "mail", "--db", self.url, "--spool", str(self.spool)], input=data
        )
        return result.exit_code, result.output

    def take(self, name: str) -> str:
        code, output = self.deliver(corpus(name))
        assert code == 0, output
        return output

    def articles(self, ticket_id: int) -> list[Article]:
        return conversation.articles(self.storage.reader(), ticket_id)

    def ticket_of(self, message_id: str) -> int:
        with self.storage.reader() as uow:
            found = uow.articles.by_message_id(message_id)
            assert found is not None, f"{message_id} was not stored"
            return found.ticket_id

    def customer_of(self, message_id: str) -> str:
        ticket_id = self.ticket_of(message_id)
        with self.storage.reader() as uow:
            return uow.tickets.get(ticket_id).customer_name

    def count(self) -> int:
        with self.storage.reader() as uow:
            return sum(uow.articles.count(t.id) for t in uow.tickets.queue(open_only=False))


def build_world(url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    config = tmp_path / "dispatch.toml"
    config.write_text(f'[mail]\nfrom = "{OURS}"\n', encoding="utf-8")
    monkeypatch.setenv("DISPATCH_CONFIG", str(config))
    storage = open_storage(url)
    clock, actor = SystemClock(), "admin"
    sla = SlaPolicy({Severity.P3: SlaTarget(timedelta(hours=4), timedelta(hours=24))})
    for name, country, zone, contact, domains in [
        ("Acme SRL", "RO", "Europe/Bucharest", "ion@acme.ro", ("acme.ro",)),
        ("Beta OOD", "BG", "Europe/Sofia", "petar@beta.bg", ()),
    ]:
        master_data.add_customer(
            storage.writer(),
            clock,
            actor,
            Customer(
                id=0,
                name=name,
                timezone=zone,
                country=country,
                contacts=(Contact(id=0, customer_id=0, name=contact, emails=(contact,)),),
                mail_domains=domains,
            ),
        )
        contracts.add_contract(
            storage.writer(),
            clock,
            actor,
            name,
            Contract(
                id=0,
                customer_id=0,
                name=f"SUB-{country}",
                kind=ContractKind.SUBSCRIPTION,
                sla=sla,
                fixed_fee=100.0,
            ),
        )
    return World(url, tmp_path / "spool", storage, CliRunner())


@pytest.fixture
def world(sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    made = build_world(sqlite_url, tmp_path, monkeypatch)
    yield made
    made.storage.dispose()


# --- the MTA contract ---------------------------------------------------------------------


def test_a_contacts_mail_opens_a_ticket_under_its_customer_and_is_spooled_first(
    world: World,
) -> None:
    output = world.take("01")
    assert "stored T-1 (opened)" in output
    tid = world.ticket_of("<m01@acme.ro>")
    with world.storage.reader() as uow:
        ticket = uow.tickets.get(tid)
    assert ticket.customer_name == "Acme SRL"
    assert ticket.title == "Printer on floor 2 is broken"
    assert ticket.channel.value == "email"
    assert ticket.response_due is not None  # the customer's contract: its SLA runs
    [article] = world.articles(tid)
    assert article.channel is ArticleChannel.EMAIL_IN
    assert article.sender == "ion@acme.ro"
    assert article.body == "Hello,\nthe printer jams on every page.\nIon\n"
    assert article.raw_ref is not None
    kept = world.spool / "cur" / f"{article.raw_ref}.eml"
    assert kept.read_bytes() == corpus("01")
    assert not list((world.spool / "tmp").iterdir())


def test_the_same_message_delivered_twice_is_one_article(world: World) -> None:
    world.take("01")
    output = world.take("01")
    assert "duplicate" in output
    assert world.count() == 1


def test_a_message_without_message_id_gets_a_stable_one_and_dedups(world: World) -> None:
    world.take("17")
    world.take("17")
    assert world.count() == 1
    with world.storage.reader() as uow:
        [ticket] = uow.tickets.queue(open_only=False)
        [article] = uow.articles.for_ticket(ticket.id)
    assert article.message_id is not None
    assert article.message_id.startswith("<mail-")


def test_empty_input_is_ignored_with_exit_0(world: World) -> None:
    code, output = world.deliver(b"")
    assert code == 0
    assert "empty input" in output
    assert world.count() == 0


@pytest.mark.parametrize("name", ["14", "15", "16"])
def test_malformed_mail_is_kept_never_bounced(world: World, name: str) -> None:
    """A broken boundary, no headers, binary garbage: stored or quarantined, exit 0."""
    code, output = world.deliver(corpus(name))
    assert code == 0, output
    stored = "stored" in output
    quarantined = list((world.spool / "quarantine").glob("*.eml"))
    assert stored or quarantined


def test_a_bug_quarantines_the_message_with_the_error_and_exits_0(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dispatch.services import intake_mail

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("a bug of ours")

    monkeypatch.setattr(intake_mail, "take_in", broken)
    code, output = world.deliver(corpus("01"))
    assert code == 0
    assert "quarantined" in output
    [kept] = (world.spool / "quarantine").glob("*.eml")
    assert kept.read_bytes() == corpus("01")
    assert "a bug of ours" in kept.with_suffix(".error").read_text()


def test_an_unreachable_database_is_a_temporary_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "dispatch.toml"
    config.write_text(f'[mail]\nfrom = "{OURS}"\n', encoding="utf-8")
    monkeypatch.setenv("DISPATCH_CONFIG", str(config))
    url = "postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2"
    spool = tmp_path / "spool"
    result = CliRunner().invoke(
        cli, ["intake", "mail", "--db", url, "--spool", str(spool)], input=corpus("01")
    )
    assert result.exit_code == 75, result.output
    assert "tempfail" in result.output
    assert [p.name for p in (spool / "new").iterdir()]  # kept for the retry


def test_a_locked_sqlite_database_is_a_temporary_failure(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dispatch.store import db

    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 200)
    path = world.url.removeprefix("sqlite:///")
    holder = sqlite3.connect(path)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        code, output = world.deliver(corpus("01"))
    finally:
        holder.rollback()
        holder.close()
    assert code == 75, output
    code, output = world.deliver(corpus("01"))  # the MTA's retry
    assert code == 0, output
    assert world.count() == 1


def test_a_spool_that_is_not_writable_is_a_temporary_failure(world: World) -> None:
    if os.geteuid() == 0:
        world.spool.parent.joinpath("spool").write_text("a file, not a directory")
    else:
        world.spool.mkdir()
        world.spool.chmod(stat.S_IRUSR | stat.S_IXUSR)
    code, output = world.deliver(corpus("01"))
    assert code == 75, output
    assert "spool" in output


def test_a_message_above_the_limit_is_quarantined_not_bounced(world: World, tmp_path: Path) -> None:
    config = Path(os.environ["DISPATCH_CONFIG"])
    config.write_text(config.read_text() + "[intake]\nmax_message_bytes = 100\n")
    code, output = world.deliver(corpus("01"))
    assert code == 0
    assert "too large" in output
    assert list((world.spool / "quarantine").glob("*.eml"))
    assert world.count() == 0


# --- threading -----------------------------------------------------------------------------


def test_replies_thread_by_stored_message_ids(world: World) -> None:
    world.take("01")
    world.take("02")
    world.take("12")  # In-Reply-To <m01>
    world.take("35")  # References only, the stored one not last
    assert world.ticket_of("<m12@acme.ro>") == world.ticket_of("<m01@acme.ro>")
    assert world.ticket_of("<m35@acme.ro>") == world.ticket_of("<m02@acme.ro>")
    assert "> We replaced the roller." in world.articles(1)[-1].body


def test_our_own_message_id_names_its_ticket_even_unstored_from_its_customer(
    world: World,
) -> None:
    world.take("01")
    world.take("38")  # Beta's Petar cites an unstored Message-ID of ours naming Acme's T-1
    assert world.ticket_of("<m38@beta.bg>") != 1  # unsigned: it could be made up
    world.deliver(
        corpus("38").replace(b"petar@beta.bg", b"ion@acme.ro").replace(b"<m38@", b"<m38b@")
    )
    assert world.ticket_of("<m38b@beta.bg>") == 1


def test_a_subject_tag_from_a_stranger_opens_a_new_ticket(world: World) -> None:
    world.take("01")
    output = world.take("18")
    assert world.ticket_of("<eve18@evil.example>") != 1
    assert world.customer_of("<eve18@evil.example>") == "Unknown senders"
    assert "(triage)" in output


def test_a_subject_tag_from_the_customer_joins_the_ticket(world: World) -> None:
    world.take("01")
    world.take("19")  # maria@acme.ro: no contact, but Acme's domain rule
    assert world.ticket_of("<m19@acme.ro>") == 1


def test_a_tag_naming_another_customers_ticket_is_not_followed(world: World) -> None:
    world.take("01")
    world.deliver(corpus("19").replace(b"maria@acme.ro", b"petar@beta.bg"))
    assert world.customer_of("<m19@acme.ro>") == "Beta OOD"
    assert world.ticket_of("<m19@acme.ro>") != 1


# --- senders -------------------------------------------------------------------------------


def test_senders_find_their_customer_by_contact_then_domain_rule(world: World) -> None:
    world.take("05")
    world.take("25")
    assert world.customer_of("<m05@beta.bg>") == "Beta OOD"  # a contact
    assert world.customer_of("<m25@acme.ro>") == "Acme SRL"  # the domain rule


@pytest.mark.parametrize(
    ("name", "message_id"),
    [
        ("23", "<j23@unknown-company.example>"),
        ("24", "<b24@mail.gmail.com>"),  # free mail: no domain rule could claim it
        ("26", "<s26@mail.acme.ro>"),  # a sub-domain is another domain
    ],
)
def test_unknown_senders_wait_in_triage_with_no_sla(
    world: World, name: str, message_id: str
) -> None:
    world.take(name)
    tid = world.ticket_of(message_id)
    with world.storage.reader() as uow:
        ticket = uow.tickets.get(tid)
        customer = uow.directory.customer(ticket.customer_id)
    assert customer.triage
    assert ticket.response_due is None
    assert ticket.resolution_due is None


def test_a_dispatcher_moves_a_triage_ticket_to_its_customer(world: World) -> None:
    world.take("23")
    tid = world.ticket_of("<j23@unknown-company.example>")
    result = world.runner.invoke(
        cli,
        ["ticket", "move", str(tid), "--customer", "Beta OOD", "--add-sender", "--db", world.url],
    )
    assert result.exit_code == 0, result.output
    with world.storage.reader() as uow:
        ticket = uow.tickets.get(tid)
        beta = uow.directory.customer_by_name("Beta OOD")
        events = [e.action for e in uow.events.for_ticket(tid)]
    assert ticket.customer_name == "Beta OOD"
    assert ticket.response_due is not None  # now under Beta's SLA, from when the mail came
    assert ticket.response_due == ticket.opened_at + timedelta(hours=4)
    assert "ticket.moved" in events
    assert any("john@unknown-company.example" in k.emails for k in beta.contacts)
    world.deliver(corpus("23").replace(b"<j23@", b"<j23b@"))
    assert world.customer_of("<j23b@unknown-company.example>") == "Beta OOD"


def test_free_mail_domains_are_refused_as_domain_rules(world: World) -> None:
    result = world.runner.invoke(
        cli, ["customer", "edit", "Acme SRL", "--mail-domain", "GMX.de", "--db", world.url]
    )
    assert result.exit_code == 1
    assert "free-mail" in result.output


# --- machine mail and loops ----------------------------------------------------------------


def test_our_own_mail_coming_back_is_dropped(world: World) -> None:
    world.take("01")
    for name in ("22", "27"):
        output = world.take(name)
        assert "dropped" in output
    assert world.count() == 1


@pytest.mark.parametrize(
    ("name", "message_id", "why"),
    [
        ("09", "<vac09@mail.gmail.com>", "auto-reply"),
        ("11", "<news11@vendor.example>", "list"),
        ("28", "<w28@prize.example>", "bulk"),
        ("36", "<m36@acme.ro>", "auto-reply"),
    ],
)
def test_machine_mail_that_threads_nowhere_waits_in_triage(
    world: World, name: str, message_id: str, why: str
) -> None:
    world.take(name)
    tid = world.ticket_of(message_id)
    [article] = world.articles(tid)
    assert article.auto == why
    assert world.customer_of(message_id) == "Unknown senders"


def test_auto_replies_and_bounces_thread_but_never_reopen(world: World) -> None:
    world.take("01")
    tickets.change_status(world.storage.writer(), SystemClock(), "ana", 1, TicketStatus.RESOLVED)
    sent = conversation.reply(world.storage.writer(), SystemClock(), "ana", 1, "Hi", sender=OURS)
    assert sent.message_id is not None
    ours = sent.message_id.encode()
    for name in ("08", "10"):  # Outlook out-of-office to our reply; a DSN returning it
        code, output = world.deliver(corpus(name).replace(CORPUS_OURS, ours))
        assert code == 0, output
    autos = [a.auto for a in world.articles(1)]
    assert autos == [None, None, "auto-reply", "bounce"]
    with world.storage.reader() as uow:
        assert uow.tickets.get(1).status is TicketStatus.RESOLVED


# --- reopen rules --------------------------------------------------------------------------


def test_a_reply_to_a_resolved_ticket_reopens_it(world: World) -> None:
    world.take("01")
    tickets.change_status(world.storage.writer(), SystemClock(), "ana", 1, TicketStatus.RESOLVED)
    output = world.take("20")
    assert "(reopened)" in output
    with world.storage.reader() as uow:
        ticket = uow.tickets.get(1)
        last_status = [e for e in uow.events.for_ticket(1) if e.action == "ticket.status"][-1]
    assert ticket.status is TicketStatus.IN_PROGRESS
    assert ticket.resolved_at is None
    assert last_status.actor == "mail"


def test_a_reply_to_a_closed_ticket_opens_a_new_one_that_follows_it(world: World) -> None:
    world.take("01")
    for status in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        tickets.change_status(world.storage.writer(), SystemClock(), "ana", 1, status)
    output = world.take("21")
    assert "(follows T-1)" in output
    new = world.ticket_of("<m21@acme.ro>")
    assert new != 1
    assert world.customer_of("<m21@acme.ro>") == "Acme SRL"
    result = world.runner.invoke(cli, ["ticket", "show", str(new), "--db", world.url])
    assert "follows      T-1" in result.output
    result = world.runner.invoke(cli, ["ticket", "show", "1", "--json", "--db", world.url])
    assert '"followed_by": [\n    "T-' in result.output


# --- bodies, charsets, attachments ---------------------------------------------------------


def test_bodies_prefer_plain_text_and_html_becomes_text_never_markup(world: World) -> None:
    world.take("02")
    world.take("03")
    [alt] = world.articles(world.ticket_of("<m02@acme.ro>"))
    assert alt.body == "The mail server is slow since 8:00.\n".rstrip("\n")
    [html] = world.articles(world.ticket_of("<m03@acme.ro>"))
    assert "The VPN is down & nobody can work." in html.body
    assert "Cluj" in html.body
    assert "<" not in html.body
    assert "alert(" not in html.body
    assert "color: red" not in html.body
    assert "[bold]not markup[/bold]" in html.body  # kept literally, shown literally


def test_romanian_and_bulgarian_charsets_and_encoded_subjects_are_decoded(world: World) -> None:
    for name in ("04", "05", "06", "07", "31", "32"):
        world.take(name)
    [ro] = world.articles(world.ticket_of("<m04@acme.ro>"))
    assert ro.body.startswith("Bună ziua,\nimprimanta de la etajul 2 nu funcţionează.")
    [bg] = world.articles(world.ticket_of("<m05@beta.bg>"))
    assert bg.body.startswith("Здравейте,\nпринтерът в счетоводството не работи.")
    assert bg.subject == "Принтерът"
    with world.storage.reader() as uow:
        titles = {t.title for t in uow.tickets.queue(open_only=False)}
    assert {"Problemă urgentă – server oprit", "Reţea căzută", "Ştergere cont – urgent"} <= titles
    [koi] = world.articles(world.ticket_of("<m32@beta.bg>"))
    assert koi.body.startswith("Привет")


def test_an_unknown_charset_decodes_with_replacement(world: World) -> None:
    world.take("30")
    [article] = world.articles(world.ticket_of("<m30@acme.ro>"))
    assert article.body.startswith("Caf")
    assert "bytes" in article.body


def test_attachments_are_stored_by_content_with_safe_names(world: World) -> None:
    for name in ("13", "29", "33", "34"):
        world.take(name)
    [offer] = world.articles(world.ticket_of("<m13@acme.ro>"))
    [pdf] = offer.attachments
    assert pdf.name == "Ofertă 2026.pdf"
    assert pdf.stored
    blob = world.spool / "attachments" / pdf.sha256[:2] / pdf.sha256
    assert blob.read_bytes() == b"%PDF-1.4 tiny test file\n"
    [log] = world.articles(world.ticket_of("<m29@acme.ro>"))
    names = [a.name for a in log.attachments]
    assert len(names) == 2
    assert all("/" not in n and "\x1b" not in n for n in names)
    assert names[1] == "x.log"
    assert names[0] != "x.log"
    [shot] = world.articles(world.ticket_of("<m33@acme.ro>"))
    assert [a.content_type for a in shot.attachments] == ["image/png"]
    [fwd] = world.articles(world.ticket_of("<m34@acme.ro>"))
    assert [a.name for a in fwd.attachments] == ["Verify your account.eml"]


def test_hostile_text_is_kept_exactly_and_shown_safely(world: World) -> None:
    world.take("40")
    world.take("39")
    [article] = world.articles(world.ticket_of("<m40@acme.ro>"))
    assert "\x1b[2J" in article.body  # kept exactly
    assert "\x1b" not in article.display
    result = world.runner.invoke(cli, ["ticket", "show", "1", "--db", world.url])
    assert "\x1b" not in result.output
    assert "\u202e" not in result.output
    [crlf] = world.articles(world.ticket_of("<m39@acme.ro>"))
    assert crlf.body == "Line one\nLine two\n"


def test_a_10_mb_attachment_is_streamed_to_the_store(world: World) -> None:
    data = make_big_message(10_500_000)
    code, output = world.deliver(data)
    assert code == 0, output
    [article] = world.articles(world.ticket_of("<big@acme.ro>"))
    assert article.body.startswith("The logs are attached.")
    [big] = article.attachments
    assert big.size == 10_500_000
    assert not big.stored  # above [intake] max_attachment_bytes: only in the raw message
    assert big.name == "logs.bin"


def test_the_corpus_has_at_least_30_messages() -> None:
    assert len(list(CORPUS.glob("*.eml"))) >= 30


def make_big_message(size: int, *, name: str = "logs.bin") -> bytes:
    """A message with one attachment of ``size`` bytes (base64), made at test time."""
    import base64

    payload = base64.encodebytes(bytes(range(256)) * (size // 256) + b"x" * (size % 256))
    head = (
        "From: Ion <ion@acme.ro>\nTo: support@help.example\nSubject: Big logs\n"
        "Message-ID: <big@acme.ro>\nMIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="b"\n\n'
        "--b\nContent-Type: text/plain\n\nThe logs are attached.\n"
        "--b\nContent-Type: application/octet-stream\n"
        f'Content-Disposition: attachment; filename="{name}"\n'
        "Content-Transfer-Encoding: base64\n\n"
    ).encode()
    return head + payload + b"--b--\n"
