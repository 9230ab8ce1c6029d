"""Writes the mail fixture corpus (run once; the .eml files are committed beside it).

    python tests/data/mail/make_corpus.py

The world the messages assume (tests/integration/test_mail_intake.py builds it):
we are support@help.example; "Acme SRL" (RO) has the contact ion@acme.ro and the
domain rule acme.ro; "Beta OOD" (BG) has the contact petar@beta.bg. The first
message, 01, opens T-1 in a fresh database. The 10 MB one is made by the test.
"""

from __future__ import annotations

import base64
import quopri
import random
from pathlib import Path

HERE = Path(__file__).parent
OURS = "<1764000000.1.2.T-1@help.example>"  # as services.conversation.reply makes them


def head(**fields: str) -> bytes:
    lines = [f"{k.replace('_', '-')}: {v}" for k, v in fields.items()]
    return ("\n".join(lines) + "\n").encode("ascii")


def plain(sender: str, subject: str, body: str, msgid: str | None, extra: str = "") -> bytes:
    top = f"From: {sender}\nTo: support@help.example\nSubject: {subject}\n"
    top += f"Message-ID: {msgid}\n" if msgid else ""
    top += "Date: Mon, 23 Nov 2026 09:00:00 +0200\nMIME-Version: 1.0\n" + extra
    top += "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
    return top.encode() + body.encode("utf-8")


def write(name: str, data: bytes) -> None:
    (HERE / name).write_bytes(data)


def main() -> None:
    ion = "Ion Popescu <ion@acme.ro>"
    write(
        "01_plain_contact.eml",
        plain(
            ion,
            "Printer on floor 2 is broken",
            "Hello,\nthe printer jams on every page.\nIon\n",
            "<m01@acme.ro>",
        ),
    )
    write(
        "02_alternative.eml",
        (
            f"From: {ion}\nTo: support@help.example\nSubject: Mail server slow\n"
            "Message-ID: <m02@acme.ro>\nMIME-Version: 1.0\n"
            'Content-Type: multipart/alternative; boundary="alt"\n\n'
            "--alt\nContent-Type: text/plain; charset=utf-8\n\nThe mail server is slow since 8:00.\n"
            "--alt\nContent-Type: text/html; charset=utf-8\n\n<p>The <b>mail server</b> is slow since 8:00.</p>\n"
            "--alt--\n"
        ).encode(),
    )
    write(
        "03_html_only.eml",
        (
            f"From: {ion}\nTo: support@help.example\nSubject: VPN down\n"
            "Message-ID: <m03@acme.ro>\nMIME-Version: 1.0\n"
            "Content-Type: text/html; charset=utf-8\n\n"
            "<html><head><style>p {color: red}</style><script>alert('x')</script></head>"
            "<body><p>The VPN is <b>down</b> &amp; nobody can work.</p>"
            "<table><tr><td>Site</td><td>Cluj</td></tr><tr><td>Since</td><td>07:45</td></tr></table>"
            "<p>[bold]not markup[/bold]</p></body></html>\n"
        ).encode(),
    )
    ro = "Bună ziua,\nimprimanta de la etajul 2 nu funcţionează. Mulţumesc, Ştefan\n"
    write(
        "04_iso8859_2_ro.eml",
        (
            f"From: {ion}\nTo: support@help.example\nSubject: Imprimanta\nMessage-ID: <m04@acme.ro>\n"
            "MIME-Version: 1.0\nContent-Type: text/plain; charset=ISO-8859-2\n"
            "Content-Transfer-Encoding: quoted-printable\n\n"
        ).encode()
        + quopri.encodestring(ro.encode("iso-8859-2")),
    )
    bg = "Здравейте,\nпринтерът в счетоводството не работи.\nПоздрави, Петър\n"
    write(
        "05_cp1251_bg.eml",
        (
            "From: =?windows-1251?B?"
            + base64.b64encode("Петър Иванов".encode("cp1251")).decode()
            + "?= <petar@beta.bg>\nTo: support@help.example\n"
            "Subject: =?windows-1251?B?"
            + base64.b64encode("Принтерът".encode("cp1251")).decode()
            + "?=\n"
            "Message-ID: <m05@beta.bg>\nMIME-Version: 1.0\n"
            "Content-Type: text/plain; charset=windows-1251\nContent-Transfer-Encoding: base64\n\n"
        ).encode()
        + base64.encodebytes(bg.encode("cp1251")),
    )
    subject_b = (
        "=?UTF-8?B?" + base64.b64encode("Problemă urgentă – server oprit".encode()).decode() + "?="
    )
    write("06_subject_b.eml", plain(ion, subject_b, "The server is off.\n", "<m06@acme.ro>"))
    write(
        "07_subject_q.eml",
        plain(
            ion, "=?ISO-8859-2?Q?Re=FEea_c=E3zut=E3?=", "The network is down.\n", "<m07@acme.ro>"
        ),
    )
    write(
        "08_outlook_oof.eml",
        plain(
            "Ion Popescu <ion@acme.ro>",
            "Automatic reply: [T-1] Printer on floor 2 is broken",
            "I am out of the office until Monday.\n",
            "<oof08@acme.ro>",
            f"In-Reply-To: {OURS}\nReferences: <m01@acme.ro> {OURS}\n"
            "Auto-Submitted: auto-replied\nX-Auto-Response-Suppress: All\n"
            "X-MS-Exchange-Inbox-Rules-Loop: ion@acme.ro\nThread-Topic: Printer\n",
        ),
    )
    write(
        "09_gmail_vacation.eml",
        plain(
            "Someone <someone@gmail.com>",
            "Vacation: back on the 30th",
            "I am on vacation.\n",
            "<vac09@mail.gmail.com>",
            "Auto-Submitted: auto-replied\nPrecedence: bulk\n",
        ),
    )
    write(
        "10_dsn_bounce.eml",
        (
            "Return-Path: <>\nFrom: Mail Delivery System <MAILER-DAEMON@mx.help.example>\n"
            "To: support@help.example\nSubject: Undelivered Mail Returned to Sender\n"
            "Message-ID: <dsn10@mx.help.example.invalid>\nMIME-Version: 1.0\n"
            'Content-Type: multipart/report; report-type=delivery-status; boundary="dsn"\n\n'
            "--dsn\nContent-Type: text/plain\n\nThis is the mail system. Your message could not be delivered.\n"
            "--dsn\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.help.example\n\n"
            "Final-Recipient: rfc822; gone@acme.ro\nAction: failed\nStatus: 5.1.1\n\n"
            "--dsn\nContent-Type: text/rfc822-headers\n\nFrom: support@help.example\nTo: gone@acme.ro\n"
            f"Subject: [T-1] Printer on floor 2 is broken\nMessage-ID: {OURS}\n\n"
            "--dsn--\n"
        ).encode(),
    )
    write(
        "11_list.eml",
        plain(
            "Vendor News <news@vendor.example>",
            "Our November newsletter",
            "New products!\n",
            "<news11@vendor.example>",
            "List-Id: Vendor news <news.vendor.example>\nList-Unsubscribe: <mailto:off@vendor.example>\n",
        ),
    )
    write(
        "12_reply_quoted.eml",
        plain(
            ion,
            "Re: Printer on floor 2 is broken",
            "It jams again.\n\nOn Mon, 23 Nov 2026, Support wrote:\n> We replaced the roller.\n>> Hello, the printer jams\n",
            "<m12@acme.ro>",
            "In-Reply-To: <m01@acme.ro>\nReferences: <m01@acme.ro>\n",
        ),
    )
    write(
        "13_attachment_rfc2231.eml",
        (
            f"From: {ion}\nTo: support@help.example\nSubject: Offer attached\nMessage-ID: <m13@acme.ro>\n"
            'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="mix"\n\n'
            "--mix\nContent-Type: text/plain; charset=utf-8\n\nSee the attached offer.\n"
            "--mix\nContent-Type: application/pdf\n"
            "Content-Disposition: attachment; filename*=UTF-8''Ofert%C4%83%202026.pdf\n"
            "Content-Transfer-Encoding: base64\n\n"
            + base64.encodebytes(b"%PDF-1.4 tiny test file\n").decode()
            + "--mix--\n"
        ).encode(),
    )
    write(
        "14_broken_boundary.eml",
        (
            f"From: {ion}\nTo: support@help.example\nSubject: Broken boundary\nMessage-ID: <m14@acme.ro>\n"
            'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="never-there"\n\n'
            "--wrong\nContent-Type: text/plain\n\nThe boundary is wrong and the message is cut"
        ).encode(),
    )
    write("15_no_headers.eml", b"just some text piped in without any header at all\n")
    rng = random.Random(15)
    write("16_binary_garbage.eml", bytes(rng.randrange(256) for _ in range(4096)))
    write("17_no_message_id.eml", plain(ion, "Toner", "We need toner for the HP.\n", None))
    write(
        "18_tag_from_stranger.eml",
        plain(
            "Eve <eve@evil.example>",
            "[T-1] please send me the admin password",
            "Thanks.\n",
            "<eve18@evil.example>",
        ),
    )
    write(
        "19_tag_from_customer.eml",
        plain(
            "Maria <maria@acme.ro>", "More on [T-1]", "It is the HP on floor 2.\n", "<m19@acme.ro>"
        ),
    )
    write(
        "20_reply_to_resolved.eml",
        plain(
            ion,
            "Re: Printer on floor 2 is broken",
            "Still broken!\n",
            "<m20@acme.ro>",
            "In-Reply-To: <m01@acme.ro>\n",
        ),
    )
    write(
        "21_reply_to_closed.eml",
        plain(
            ion,
            "Re: Printer on floor 2 is broken",
            "Broken again, a month later.\n",
            "<m21@acme.ro>",
            "In-Reply-To: <m01@acme.ro>\n",
        ),
    )
    write(
        "22_own_loop.eml",
        plain(
            "Support <support@help.example>",
            "[T-1] Printer on floor 2 is broken",
            "We are on it.\n",
            OURS,
        ),
    )
    write(
        "23_unknown_sender.eml",
        plain(
            "John <john@unknown-company.example>",
            "Do you support Macs?",
            "Hi, a question.\n",
            "<j23@unknown-company.example>",
        ),
    )
    write(
        "24_freemail_sender.eml",
        plain(
            "Acme Boss <acme.boss@gmail.com>",
            "Printer again",
            "From my phone.\n",
            "<b24@mail.gmail.com>",
        ),
    )
    write(
        "25_domain_rule.eml",
        plain(
            "Maria <maria@acme.ro>", "New laptop for Maria", "Please set it up.\n", "<m25@acme.ro>"
        ),
    )
    write(
        "26_subdomain.eml",
        plain("Bot <bot@mail.acme.ro>", "Subdomain sender", "Not matched.\n", "<s26@mail.acme.ro>"),
    )
    write(
        "27_x_loop_us.eml",
        plain(
            "Robot <robot@acme.ro>",
            "Re: your ticket",
            "Auto.\n",
            "<r27@acme.ro>",
            "X-Loop: support@help.example\n",
        ),
    )
    write(
        "28_precedence_junk.eml",
        plain(
            "Spam <win@prize.example>",
            "You won",
            "Click.\n",
            "<w28@prize.example>",
            "Precedence: junk\n",
        ),
    )
    write(
        "29_hostile_filename.eml",
        (
            f"From: {ion}\nTo: support@help.example\nSubject: Log file\nMessage-ID: <m29@acme.ro>\n"
            'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="mix"\n\n'
            "--mix\nContent-Type: text/plain\n\nLog attached.\n"
            '--mix\nContent-Type: text/plain; name="x.log"\n'
            'Content-Disposition: attachment; filename="=?UTF-8?B?'
            + base64.b64encode(b"../../etc/pa\x1b[31msswd").decode()
            + '?="\n\nroot:x:0:0\n--mix\nContent-Type: text/plain; name="x.log"\n'
            'Content-Disposition: attachment; filename="x.log"\n\nsecond\n--mix--\n'
        ).encode(),
    )
    write(
        "30_unknown_charset.eml",
        (
            f"From: {ion}\nTo: support@help.example\nSubject: Weird charset\nMessage-ID: <m30@acme.ro>\n"
            'MIME-Version: 1.0\nContent-Type: text/plain; charset="x-klingon"\n'
            "Content-Transfer-Encoding: 8bit\n\n"
        ).encode()
        + b"Caf\xe9 and \xff\xfe bytes\n",
    )
    write(
        "31_8bit_header.eml",
        "From: Ion <ion@acme.ro>\nTo: support@help.example\nSubject: Ştergere cont – urgent\n"
        "Message-ID: <m31@acme.ro>\nContent-Type: text/plain; charset=utf-8\n\nDelete the account.\n".encode(),
    )
    write(
        "32_koi8r.eml",
        (
            b"From: petar@beta.bg\nTo: support@help.example\nSubject: KOI8\nMessage-ID: <m32@beta.bg>\n"
            b"Content-Type: text/plain; charset=koi8-r\nContent-Transfer-Encoding: 8bit\n\n"
        )
        + "Привет, не работает почта.\n".encode("koi8-r"),
    )
    write(
        "33_inline_image.eml",
        (
            f"From: {ion}\nTo: support@help.example\nSubject: Screenshot\nMessage-ID: <m33@acme.ro>\n"
            'MIME-Version: 1.0\nContent-Type: multipart/related; boundary="rel"\n\n'
            "--rel\nContent-Type: text/plain\n\nSee the screenshot.\n"
            "--rel\nContent-Type: image/png\nContent-Disposition: inline\nContent-ID: <img1>\n"
            "Content-Transfer-Encoding: base64\n\n"
            + base64.encodebytes(b"\x89PNG\r\n\x1a\nfake").decode()
            + "--rel--\n"
        ).encode(),
    )
    write(
        "34_forwarded_message.eml",
        (
            f"From: {ion}\nTo: support@help.example\nSubject: Fwd: strange mail\nMessage-ID: <m34@acme.ro>\n"
            'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="fwd"\n\n'
            "--fwd\nContent-Type: text/plain\n\nIs this phishing?\n"
            "--fwd\nContent-Type: message/rfc822\n\n"
            "From: bank@phish.example\nSubject: Verify your account\nMessage-ID: <p34@phish.example>\n\n"
            "Click here.\n--fwd--\n"
        ).encode(),
    )
    write(
        "35_references_only.eml",
        plain(
            ion,
            "Re: Mail server slow",
            "Now it is fine.\n",
            "<m35@acme.ro>",
            "References: <x@elsewhere> <m02@acme.ro>\n",
        ),
    )
    write(
        "36_rule_forwarded_auto.eml",
        plain(
            ion,
            "FW: Server room temperature",
            "Forwarded by a rule.\n",
            "<m36@acme.ro>",
            "Auto-Submitted: auto-generated\n",
        ),
    )
    write("37_empty.eml", b"")
    write(
        "38_our_id_unstored.eml",
        plain(
            "Petar <petar@beta.bg>",
            "Re: something",
            "Answering your mail.\n",
            "<m38@beta.bg>",
            "In-Reply-To: <1764000001.9.9.T-1@help.example>\n",
        ),
    )
    write(
        "39_crlf_windows.eml",
        (
            b"From: Ion <ion@acme.ro>\r\nTo: support@help.example\r\nSubject: CRLF lines\r\n"
            b"Message-ID: <m39@acme.ro>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            b"Line one\r\nLine two\r\n"
        ),
    )
    write(
        "40_bidi_and_escapes.eml",
        plain(
            ion,
            "Invoice \u202egnp.exe",
            "\x1b[2J\x1b]0;owned\x07 Hello [red]x[/red]\n",
            "<m40@acme.ro>",
        ),
    )


if __name__ == "__main__":
    main()
