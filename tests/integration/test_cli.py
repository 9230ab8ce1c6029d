"""The command line through Click's runner: output, JSON keys, every bad-input case."""

from __future__ import annotations

import json
import os
import pwd
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from dispatch.cli import cli

TICKET_KEYS = {
    "id",
    "title",
    "customer",
    "contract_kind",
    "priority_rank",
    "severity",
    "status",
    "assignee",
    "opened_at",
    "response_due",
    "resolution_due",
    "version",
}


def run(db: str, *args: str) -> Result:
    return CliRunner().invoke(cli, [*args[:2], "--db", db, *args[2:]] if args else ["--db", db])


def ok(db: str, *args: str) -> str:
    result = run(db, *args)
    assert result.exit_code == 0, (result.output, result.stderr)
    return result.stdout


def fails(db: str, code: int, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--db", db, *args])
    assert result.exit_code == code, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("dispatch: error: ")
    return lines[0]


@pytest.fixture
def demo_db(db_url: str) -> str:
    out = CliRunner().invoke(cli, ["demo", "--no-open", "--seed", "5", "--db", db_url])
    assert out.exit_code == 0, out.output
    return db_url


def tickets_json(db: str, *extra: str) -> list[dict[str, Any]]:
    result = CliRunner().invoke(cli, ["ticket", "list", "--json", "--db", db, *extra])
    assert result.exit_code == 0, result.stderr
    data: list[dict[str, Any]] = json.loads(result.stdout)
    return data


def test_demo_then_list_json_in_queue_order(demo_db: str) -> None:
    tickets = tickets_json(demo_db, "--open")
    assert tickets
    for t in tickets:
        assert set(t) >= TICKET_KEYS
        assert t["opened_at"].endswith("+00:00")
    ranks = [t["priority_rank"] for t in tickets]
    assert ranks == sorted(ranks)
    every = tickets_json(demo_db)
    assert {t["status"] for t in every} == {
        "new",
        "assigned",
        "in_progress",
        "waiting_customer",
        "escalated_dev",
        "resolved",
        "closed",
    }
    assert {t["contract_kind"] for t in every} == {
        "subscription",
        "managed",
        "block_hours",
        "time_material",
        "per_job",
        "ad_hoc",
    }
    assert {t["channel"] for t in every} == {"phone", "email", "chat", "remote", "onsite"}
    assert {t["kind"] for t in every} == {"emergency", "regular", "additional"}


def test_demo_reopens_or_resets_its_own_data(demo_db: str) -> None:
    before = tickets_json(demo_db)
    again = CliRunner().invoke(cli, ["demo", "--no-open", "--seed", "9", "--db", demo_db])
    assert again.exit_code == 0
    assert "reopening" in again.stdout
    assert tickets_json(demo_db) == before
    reset = CliRunner().invoke(
        cli, ["demo", "--no-open", "--reset", "--seed", "9", "--db", demo_db]
    )
    assert reset.exit_code == 0
    assert tickets_json(demo_db) != before


def test_demo_never_overwrites_real_data(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'real.db'}"
    assert CliRunner().invoke(cli, ["seed", "--tickets", "10", "--db", url]).exit_code == 0
    line = fails(url, 1, "demo", "--no-open")
    assert "did not create" in line
    assert len(tickets_json(url)) == 10


def test_demo_without_db_uses_its_own_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from dispatch.config import demo_db_url

    real = tmp_path / "real.db"
    monkeypatch.setenv("DISPATCH_DB", f"sqlite:///{real}")
    result = CliRunner().invoke(cli, ["demo", "--no-open"])
    assert result.exit_code == 0, result.stderr
    assert not real.exists()
    assert Path(demo_db_url().removeprefix("sqlite:///")).exists()


def test_ticket_add_show_assign_status(demo_db: str) -> None:
    out = CliRunner().invoke(
        cli,
        [
            "ticket",
            "add",
            "--db",
            demo_db,
            "--customer",
            "Rhein Maschinenbau GmbH",
            "--title",
            "Press line PLC offline",
            "--severity",
            "P1",
            "--channel",
            "phone",
            "--kind",
            "emergency",
            "--skills",
            "network,Server",
            "--onsite",
            "--description",
            "Line 3 stopped at 07:10.",
        ],
    )
    assert out.exit_code == 0, out.stderr
    tid = out.stdout.strip()
    assert tid.isdigit()
    shown = json.loads(
        CliRunner().invoke(cli, ["ticket", "show", f"T-{tid}", "--json", "--db", demo_db]).stdout
    )
    assert shown["skills"] == ["network", "server"]
    assert shown["needs_onsite"] is True
    assert shown["contract_kind"] == "managed"
    assert shown["response_due"] is not None
    assert shown["events"][0]["action"] == "ticket.opened"
    assigned = CliRunner().invoke(
        cli, ["ticket", "assign", tid, "lukas", "--if-version", "1", "--db", demo_db]
    )
    assert assigned.exit_code == 0, assigned.stderr
    assert "assigned to lukas (version 2)" in assigned.stdout
    moved = CliRunner().invoke(
        cli,
        [
            "ticket",
            "status",
            tid,
            "escalated_dev",
            "--bug",
            "DEV-77",
            "--note",
            "fw",
            "--db",
            demo_db,
        ],
    )
    assert moved.exit_code == 0, moved.stderr
    text = CliRunner().invoke(cli, ["ticket", "show", tid, "--db", demo_db]).stdout
    assert "status       escalated (bug DEV-77)" in text  # one name per status
    history = text.split("history:")[1]
    assert "status assigned → escalated" in history
    assert "bug — → DEV-77" in history
    assert "escalated_dev" not in history
    assert not re.search(r"\d\d:\d\d:\d\d\.\d", history)  # minutes, not microseconds
    assert "Line 3 stopped at 07:10." in text


def test_opened_at_in_another_zone_is_stored_in_utc(demo_db: str) -> None:
    out = CliRunner().invoke(
        cli,
        [
            "ticket",
            "add",
            "--db",
            demo_db,
            "--customer",
            "Plovdiv Print House OOD",
            "--title",
            "x",
            "--opened-at",
            "2026-01-05T09:00:00+02:00",
        ],
    )
    assert out.exit_code == 0, out.stderr
    shown = json.loads(
        CliRunner()
        .invoke(cli, ["ticket", "show", out.stdout.strip(), "--json", "--db", demo_db])
        .stdout
    )
    assert shown["opened_at"] == "2026-01-05T07:00:00+00:00"
    assert shown["response_due"] is None  # time and material: no guarantee


@pytest.mark.parametrize(
    ("args", "code", "fragment"),
    [
        (
            ["ticket", "add", "--customer", "Nobody Ltd", "--title", "x"],
            1,
            "no customer named 'Nobody Ltd'",
        ),
        (
            ["ticket", "add", "--customer", "Maria Georgieva", "--title", "x", "--severity", "P9"],
            2,
            "--severity",
        ),
        (
            ["ticket", "add", "--customer", "Maria Georgieva", "--title", "x", "--kind", "urgent"],
            2,
            "--kind",
        ),
        (
            ["ticket", "add", "--customer", "Maria Georgieva", "--title", "x", "--channel", "fax"],
            2,
            "--channel",
        ),
        (
            [
                "ticket",
                "add",
                "--customer",
                "Maria Georgieva",
                "--title",
                "x",
                "--opened-at",
                "yesterday",
            ],
            2,
            "not an ISO-8601 time",
        ),
        (
            [
                "ticket",
                "add",
                "--customer",
                "Maria Georgieva",
                "--title",
                "x",
                "--opened-at",
                "2026-01-01T10:00",
            ],
            2,
            "no UTC offset",
        ),
        (
            [
                "ticket",
                "add",
                "--customer",
                "Maria Georgieva",
                "--title",
                "x",
                "--opened-at",
                "2999-01-01T10:00Z",
            ],
            1,
            "in the future",
        ),
        (["ticket", "add", "--customer", "Maria Georgieva", "--title", "  "], 1, "title is empty"),
        (["ticket", "add", "--title", "x"], 2, "--customer"),
        (["ticket", "show", "T-99999"], 1, "no ticket T-99999"),
        (["ticket", "show", "abc"], 2, "not a ticket id"),
        (["ticket", "assign", "1", "nobody"], 1, "no technician with login 'nobody'"),
        (["ticket", "assign", "99999", "ana"], 1, "no ticket T-99999"),
        (["ticket", "assign", "1", "ana", "--if-version", "0"], 2, "--if-version"),
        (["ticket", "status", "1", "sleeping"], 2, "STATUS"),
        (["ticket", "status", "1", "escalated_dev"], 1, "bug reference"),
        (["ticket", "status", "99999", "resolved"], 1, "no ticket T-99999"),
        (["nonsense"], 2, "No such command"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(
    demo_db: str, args: list[str], code: int, fragment: str
) -> None:
    before = tickets_json(demo_db)
    line = fails(demo_db, code, *args)
    assert fragment in line
    assert tickets_json(demo_db) == before


def test_version_mismatch_exits_3_and_says_who(demo_db: str) -> None:
    first = tickets_json(demo_db, "--open")[0]
    tid, version = str(first["id"]), str(first["version"])
    assert (
        CliRunner()
        .invoke(cli, ["ticket", "assign", tid, "ana", "--if-version", version, "--db", demo_db])
        .exit_code
        == 0
    )
    line = fails(demo_db, 3, "ticket", "assign", tid, "ivan", "--if-version", version)
    assert "was changed by" in line
    assert "assigned to ana" in line
    stored = json.loads(
        CliRunner().invoke(cli, ["ticket", "show", tid, "--json", "--db", demo_db]).stdout
    )
    assert stored["assignee"] == "ana"


def test_closed_ticket_cannot_move(demo_db: str) -> None:
    closed = next(t for t in tickets_json(demo_db) if t["status"] == "closed")
    line = fails(demo_db, 1, "ticket", "status", str(closed["id"]), "in_progress")
    assert "cannot go from closed" in line


def test_lists_of_customers_contracts_and_technicians(demo_db: str) -> None:
    for group, key in (("customer", "timezone"), ("contract", "kind"), ("tech", "skills")):
        data = json.loads(
            CliRunner().invoke(cli, [group, "list", "--json", "--db", demo_db]).stdout
        )
        assert data
        assert all(key in row for row in data)
        text = CliRunner().invoke(cli, [group, "list", "--db", demo_db])
        assert text.exit_code == 0
        assert len(text.stdout.splitlines()) == len(data) + 1


def test_unreachable_database_is_one_line_without_the_password() -> None:
    line = fails("postgresql+psycopg://user:s3cret@127.0.0.1:1/nowhere", 4, "ticket", "list")
    assert "s3cret" not in line
    assert "***" in line


def test_unsupported_url(tmp_path: Path) -> None:
    line = fails("mysql://u:pw@host/db", 1, "ticket", "list")
    assert "unsupported database" in line
    assert "pw@" not in line


def test_db_upgrade(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    first = CliRunner().invoke(cli, ["db", "upgrade", "--db", url])
    assert first.exit_code == 0
    assert "upgraded from empty" in first.stdout
    second = CliRunner().invoke(cli, ["db", "upgrade", "--db", url])
    assert "already at revision" in second.stdout


def test_db_url_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'env.db'}"
    monkeypatch.setenv("DISPATCH_DB", url)
    assert CliRunner().invoke(cli, ["db", "upgrade"]).exit_code == 0
    assert (tmp_path / "env.db").exists()


def test_hostile_text_never_reaches_the_terminal_raw(demo_db: str) -> None:
    evil = "\x1b]0;pwned\x07[bold]\x1b[2J\u202eexe"
    out = CliRunner().invoke(
        cli, ["ticket", "add", "--db", demo_db, "--customer", "Maria Georgieva", "--title", evil]
    )
    assert out.exit_code == 0
    listing = CliRunner().invoke(cli, ["ticket", "list", "--db", demo_db]).stdout
    shown = CliRunner().invoke(cli, ["ticket", "show", out.stdout.strip(), "--db", demo_db]).stdout
    as_json = CliRunner().invoke(cli, ["ticket", "list", "--json", "--db", demo_db]).stdout
    for text in (listing, shown, as_json):
        assert "\x1b" not in text
        assert "\x07" not in text
        assert "\u202e" not in text
    assert "[bold]" in listing
    assert any(t["title"] == evil for t in json.loads(as_json))  # JSON keeps the data exact


def test_seed_bulk(db_url: str) -> None:
    result = CliRunner().invoke(
        cli, ["seed", "--tickets", "2500", "--open-share", "0.2", "--db", db_url]
    )
    assert result.exit_code == 0, result.stderr
    assert "added 2500 tickets" in result.stdout
    tickets = tickets_json(db_url)
    assert len(tickets) == 2500
    open_share = sum(t["status"] not in ("resolved", "closed") for t in tickets) / 2500
    assert 0.15 < open_share < 0.25


def test_scheduler_once_alerts_plans_and_the_alert_commands(demo_db: str) -> None:
    out = CliRunner().invoke(cli, ["scheduler", "--once", "--db", demo_db])
    assert out.exit_code == 0, out.stderr
    assert "alerts raised" in out.stdout
    # The demo's weekly plan opens 8 days ahead: one occurrence, or two from Sunday
    # 07:00 to Monday 07:00 (its zone), when next week's Monday is also in reach.
    assert re.search(r"plans: [12] regular ticket\(s\) opened", out.stdout), out.stdout
    again = CliRunner().invoke(cli, ["scheduler", "--once", "--db", demo_db])
    assert "swept: 0 alerts raised" in again.stdout
    assert "plans:" not in again.stdout  # one ticket per occurrence
    listed = json.loads(ok(demo_db, "alerts", "list", "--json"))
    assert listed
    assert set(listed[0]) >= {
        "id", "ticket_id", "target", "level", "raised_at", "late", "acked_by", "acked_at",
    }  # fmt: skip
    newest = listed[0]["id"]
    assert f"A-{newest}" in ok(demo_db, "alerts", "ack", f"A-{newest}")
    assert "already acknowledged" in fails(demo_db, 1, "alerts", "ack", str(newest))
    unacked = json.loads(ok(demo_db, "alerts", "list", "--json", "--unacked"))
    assert newest not in {a["id"] for a in unacked}
    assert "not an alert id" in fails(demo_db, 2, "alerts", "ack", "T-3")
    assert "no alert with id 99999" in fails(demo_db, 1, "alerts", "ack", "99999")
    plans = json.loads(ok(demo_db, "plan", "list", "--json"))
    assert {p["name"] for p in plans} == {"weekly-backup-check", "monthly-carrier-export"}
    weekly = next(p for p in plans if p["name"] == "weekly-backup-check")
    assert weekly["last_occurrence"] is not None


def test_plans_time_and_balances_from_the_command_line(demo_db: str) -> None:
    out = ok(
        demo_db, "plan", "add", "--contract", "BLK-2026-004", "--name", "monthly-check",
        "--title", "Monthly check", "--cron", "0 8 1 * *",
    )  # fmt: skip
    assert "next:" in out
    assert "already has a plan" in fails(
        demo_db, 1, "plan", "add", "--contract", "BLK-2026-004", "--name", "monthly-check",
        "--title", "x", "--cron", "0 8 1 * *",
    )  # fmt: skip
    assert "not a valid crontab line" in fails(
        demo_db, 1, "plan", "add", "--contract", "BLK-2026-004", "--name", "n",
        "--title", "x", "--cron", "0 25 * * *",
    )  # fmt: skip
    assert "no contract named" in fails(
        demo_db, 1, "plan", "add", "--contract", "NOPE", "--name", "n",
        "--title", "x", "--cron", "0 8 * * *",
    )  # fmt: skip
    ticket = next(t for t in tickets_json(demo_db, "--open") if t["contract_kind"] == "block_hours")
    logged = ok(demo_db, "ticket", "log", ticket["ref"], "1h30m", "--note", "cabling")
    assert "90 min logged" in logged
    assert "h left this period" in logged
    assert "not a duration" in fails(demo_db, 1, "ticket", "log", ticket["ref"], "soon")
    balances = json.loads(ok(demo_db, "contract", "balance", "--json"))
    assert sum(b["used_hours"] for b in balances) == 1.5


def audit(db: str, *args: str) -> str:
    result = CliRunner().invoke(cli, ["audit", "--db", db, *args])
    assert result.exit_code == 0, (result.output, result.stderr)
    return result.stdout


def test_audit_lists_who_did_what_and_when(demo_db: str) -> None:
    ticket = tickets_json(demo_db, "--open")[0]
    ok(demo_db, "ticket", "assign", ticket["ref"], "ivan")
    events = json.loads(audit(demo_db, "--ticket", ticket["ref"], "--json"))
    assert events[0]["action"] == "ticket.opened"
    last = events[-1]
    assert last["action"] == "ticket.assigned"
    assert last["after"]["assignee"] == "ivan"
    assert last["actor"] == pwd.getpwuid(os.getuid()).pw_name  # the process's uid
    assert set(last) >= {"id", "at", "actor", "action", "ticket_id", "before", "after", "note"}
    since = json.loads(audit(demo_db, "--since", last["at"], "--json"))
    assert last["id"] in {e["id"] for e in since}
    assert all(e["at"] >= last["at"] for e in since)
    table = audit(demo_db, "--ticket", ticket["ref"])
    assert "ticket.assigned" in table
    assert "no ticket T-999999" in fails(demo_db, 1, "audit", "--ticket", "T-999999")
    assert "no UTC offset" in fails(demo_db, 2, "audit", "--since", "2026-01-01T00:00")


def test_read_only_refuses_a_change_from_the_command_line_and_writes_nothing(
    demo_db: str,
) -> None:
    before = tickets_json(demo_db)
    result = CliRunner().invoke(
        cli, ["--read-only", "ticket", "assign", str(before[0]["id"]), "ana", "--db", demo_db]
    )
    assert result.exit_code == 1, result.output
    assert result.stderr == (
        "dispatch: error: read-only (--read-only, or [access] read_only): nothing was changed\n"
    )
    assert tickets_json(demo_db) == before
    reading = CliRunner().invoke(cli, ["--read-only", "ticket", "list", "--db", demo_db])
    assert reading.exit_code == 0, reading.stderr
