"""Reading mail in the domain: headers, machine mail, bodies, names, free-mail domains."""

from __future__ import annotations

from email.utils import make_msgid
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dispatch.config_intake import IntakeSettings, parse_intake
from dispatch.domain.errors import InvalidInputError
from dispatch.domain.mail import (
    AUTO_REPLY,
    BOUNCE,
    BULK,
    LIST,
    LOOP,
    InboundMail,
    derived_message_id,
    is_free_mail,
    our_ticket,
    parse_mail,
    subject_ticket,
)
from dispatch.domain.mail_body import decode_text, safe_file_name
from dispatch.domain.model import Severity
from dispatch.services.master_data import mail_domains

CORPUS = Path(__file__).parent.parent / "data" / "mail"
OURS = "support@help.example"


def read(raw: bytes) -> InboundMail:
    return parse_mail(raw, raw_sha256="ab" * 32, html_to_text=lambda h: h, own_address=OURS)


def mail(extra: str = "", sender: str = "ion@acme.ro", subject: str = "Hi") -> bytes:
    return (
        f"From: {sender}\nTo: {OURS}\nSubject: {subject}\nMessage-ID: <x@acme.ro>\n{extra}\nbody\n"
    ).encode()


@pytest.mark.parametrize(
    "domain",
    [
        "gmail.com",
        "GoogleMail.com",
        "gmx.de",
        "gmx.net",
        "yandex.ru",
        "abv.bg",
        "yahoo.ro",
        "web.de",
    ],
)
def test_free_mail_domains_are_known(domain: str) -> None:
    assert is_free_mail(domain)


@pytest.mark.parametrize("domain", ["acme.ro", "beta.bg", "gmxlogistics.ro"])
def test_company_domains_are_not_free_mail(domain: str) -> None:
    assert not is_free_mail(domain)


def test_domain_rules_are_checked_and_refuse_free_mail() -> None:
    assert mail_domains(["@ACME.ro", "acme.ro", "beta.bg."]) == ("acme.ro", "beta.bg")
    with pytest.raises(InvalidInputError, match="free-mail"):
        mail_domains(["gmail.com"])
    with pytest.raises(InvalidInputError, match="not a domain"):
        mail_domains(["not a domain"])


def test_our_message_ids_name_their_ticket_only_in_our_domain() -> None:
    ours = make_msgid(idstring="T-42", domain="help.example")
    assert our_ticket(ours, "help.example") == 42
    assert our_ticket(ours, "other.example") is None
    assert our_ticket("<abc@help.example>", "help.example") is None
    assert subject_ticket("Re: printer [T-7] again") == 7
    assert subject_ticket("T-7 without brackets") is None


@pytest.mark.parametrize(
    ("extra", "why"),
    [
        ("Auto-Submitted: auto-replied", AUTO_REPLY),
        ("Auto-Submitted: auto-generated", AUTO_REPLY),
        ("Auto-Submitted: no", None),
        ("X-Autoreply: yes", AUTO_REPLY),
        ("Precedence: bulk", BULK),
        ("Precedence: list", LIST),
        ("List-Id: <l.example>", LIST),
        ("Return-Path: <>", BOUNCE),
        ("X-Failed-Recipients: a@b.example", BOUNCE),
        (f"X-Loop: {OURS}", LOOP),
        ("X-Auto-Response-Suppress: All", None),  # a request, not a mark (sisimai#491)
    ],
)
def test_machine_mail_is_recognised(extra: str, why: str | None) -> None:
    assert read(mail(extra)).auto == why


def test_our_own_mail_is_a_loop() -> None:
    assert read(mail(sender=OURS)).own
    assert not read(mail()).own


def test_a_message_without_id_gets_one_from_its_bytes() -> None:
    parsed = read(b"From: a@b.example\n\nhello\n")
    assert parsed.message_id == derived_message_id("ab" * 32)
    assert parsed.derived_id


def test_a_malformed_from_matches_nothing() -> None:
    assert read(mail(sender="ion@acme.ro, eve@evil.example")).sender is None
    assert read(mail(sender="not an address")).sender is None


@pytest.mark.parametrize(
    ("data", "charset", "text"),
    [
        ("Bună".encode("iso-8859-2"), "iso-8859-2", "Bună"),
        ("Здравей".encode("cp1251"), "windows-1251", "Здравей"),
        ("Ştefan".encode(), "us-ascii", "Ştefan"),  # a lying declaration
        (b"caf\xe9", None, "café"),
        (b"caf\xe9", "x-unknown-charset", "café"),
        (b"\xff\xfe\xfa", "utf-8", "\ufffd\ufffd\ufffd"),
    ],
)
def test_text_is_decoded_whatever_the_charset_says(
    data: bytes, charset: str | None, text: str
) -> None:
    assert decode_text(data, charset) == text


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\x\\report.pdf", "report.pdf"),
        ("\x1b[31mred.txt", "[31mred.txt"),
        ("", "attachment-3.pdf"),
        ("...", "attachment-3.pdf"),
    ],
)
def test_file_names_are_made_safe(name: str, safe: str) -> None:
    assert safe_file_name(name, "application/pdf", 3) == safe


def test_every_corpus_message_parses_without_raising() -> None:
    files = sorted(CORPUS.glob("*.eml"))
    assert len(files) >= 30
    for path in files:
        read(path.read_bytes())


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_parse_without_raising(data: bytes) -> None:
    read(data)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_any_header_text_parses_without_raising(text: str) -> None:
    raw = "From: {0}\nSubject: {0}\nMessage-ID: {0}\nReferences: {0}\n\nx".format(
        text.replace("\n", " ")
    )
    read(raw.encode("utf-8", "surrogateescape"))


def test_the_intake_table_is_checked(tmp_path: Path) -> None:
    path = tmp_path / "dispatch.toml"
    assert parse_intake({}, path) == IntakeSettings()
    got = parse_intake({"severity": "P2", "max_attachment_bytes": 5, "spool_dir": "~/s"}, path)
    assert got.severity is Severity.P2
    assert got.max_attachment_bytes == 5
    assert got.spool_dir is not None
    assert "~" not in str(got.spool_dir)
    for bad in ({"severity": "P9"}, {"max_message_bytes": 0}, {"timeout_seconds": 5000}, {"x": 1}):
        with pytest.raises(InvalidInputError, match=r"\[intake\]"):
            parse_intake(bad, path)
