"""The SLA and calendar commands: sla check, sla explain, calendar list/show/load."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from click.testing import CliRunner, Result

from dispatch.cli import cli

CASES = Path(__file__).parents[1] / "data" / "calendar_cases.json"


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def demo_db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    assert invoke("demo", "--no-open", "--db", url).exit_code == 0
    return url


def test_the_shipped_case_file_passes() -> None:
    result = invoke("sla", "check", str(CASES))
    assert result.exit_code == 0, result.stdout
    lines = result.stdout.strip().splitlines()
    cases = json.loads(CASES.read_text())
    total = len(cases["cases"]) + len(cases["elapsed_cases"])
    assert lines[-1] == f"{total} passed, 0 failed"
    assert all(line.startswith("PASS ") for line in lines[:-1])


def _write(tmp_path: Path, data: Any) -> str:
    path = tmp_path / "cases.json"
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return str(path)


CAL = {"timezone": "Europe/Berlin", "hours": {"mon": [["09:00", "17:00"]]}}


def test_a_failing_case_says_expected_and_got_and_exits_1(tmp_path: Path) -> None:
    data = {
        "cases": [
            {
                "calendar": CAL,
                "start": "2026-11-23T09:00:00+01:00",
                "add_minutes": 60,
                "expected": "2026-11-23T10:00:00+01:00",
            },
            {
                "calendar": CAL,
                "start": "2026-11-23T09:00:00+01:00",
                "add_minutes": 60,
                "expected": "2026-11-23T11:00:00+01:00",
            },
        ]
    }
    result = invoke("sla", "check", _write(tmp_path, data))
    assert result.exit_code == 1
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("PASS cases[0]")
    assert lines[1].startswith("FAIL cases[1]")
    assert "expected 2026-11-23T11:00:00+01:00, got 2026-11-23T10:00:00+01:00" in lines[1]
    assert lines[-1] == "1 passed, 1 failed"


@pytest.mark.parametrize(
    ("case", "fragment"),
    [
        (
            {"start": "2026-11-23T09:00:00+01:00", "add_minutes": 1, "expected": "x"},
            "cases[0].calendar: missing",
        ),
        (
            {
                "calendar": CAL,
                "start": "2026-11-23T09:00",
                "add_minutes": 1,
                "expected": "2026-11-23T09:00:00+01:00",
            },
            "cases[0].start: '2026-11-23T09:00' has no UTC offset",
        ),
        (
            {
                "calendar": CAL,
                "start": "2026-11-23T09:00:00+01:00",
                "add_minutes": "ten",
                "expected": "2026-11-23T09:00:00+01:00",
            },
            "cases[0].add_minutes: must be a number",
        ),
        (
            {"calendar": CAL, "start": "2026-11-23T09:00:00+01:00", "add_minutes": 1},
            "cases[0].expected: missing",
        ),
        (
            {
                "calendar": {"hours": {"mon": [["09:00", "17:00"]]}},
                "start": "2026-11-23T09:00:00+01:00",
                "add_minutes": 1,
                "expected": "2026-11-23T09:01:00+01:00",
            },
            "cases[0].calendar.timezone: missing",
        ),
        (
            {
                "calendar": {"timezone": "UTC", "hours": {"mon": [["09:00", "nine"]]}},
                "start": "2026-11-23T09:00:00+01:00",
                "add_minutes": 1,
                "expected": "2026-11-23T09:01:00+01:00",
            },
            "cases[0].calendar.hours.mon[0]",
        ),
        (
            {
                "calendar": CAL,
                "start": "2026-11-23T09:00:00+01:00",
                "add_minutes": 1,
                "pauses": [["2026-11-23T09:00:00+01:00"]],
                "expected": "2026-11-23T09:01:00+01:00",
            },
            "cases[0].pauses[0]: must be a [start, end] pair",
        ),
    ],
)
def test_malformed_cases_name_their_index_and_field(
    tmp_path: Path, case: dict[str, Any], fragment: str
) -> None:
    good = {
        "calendar": CAL,
        "start": "2026-11-23T09:00:00+01:00",
        "add_minutes": 60,
        "expected": "2026-11-23T10:00:00+01:00",
        "unknown_key": "ignored",
    }
    result = invoke("sla", "check", _write(tmp_path, {"cases": [case, good]}))
    assert result.exit_code == 1
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("FAIL cases[0]: malformed: ")
    assert fragment in lines[0]
    assert lines[1].startswith("PASS cases[1]")
    assert lines[-1] == "1 passed, 1 failed"


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "top level must be an object"),
        ('{"cases": 3}', "cases must be a list"),
        ("{}", "no cases"),
    ],
)
def test_malformed_files(tmp_path: Path, content: str, fragment: str) -> None:
    result = invoke("sla", "check", _write(tmp_path, content))
    assert result.exit_code == 1
    assert fragment in result.stderr
    assert result.stderr.startswith("dispatch: error: ")


def test_calendar_list_and_show(demo_db: str) -> None:
    listing = json.loads(invoke("calendar", "list", "--json", "--db", demo_db).stdout)
    sources = {c["name"]: c["source"] for c in listing}
    assert sources == {
        "24/7": "built-in",
        "business-hours": "built-in",
        "print-shop": "database",
        "dental-clinic": "database",
    }
    shown = invoke(
        "calendar",
        "show",
        "business-hours",
        "--customer",
        "Kanzlei Hafen & Partner",
        "--from",
        "2026-12-23",
        "--days",
        "5",
        "--db",
        demo_db,
    )
    assert shown.exit_code == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0].startswith("calendar business-hours, zone Europe/Berlin")
    assert lines[1] == "Wed 2026-12-23  09:00-17:00 CET (08:00-16:00 UTC)"
    assert lines[3] == "Fri 2026-12-25  closed (public holiday: Christmas Day)"
    assert lines[4] == "Sat 2026-12-26  closed (public holiday: Second Day of Christmas)"
    template = invoke("calendar", "show", "business-hours", "--db", demo_db)
    assert template.exit_code == 1
    assert "--customer" in template.stderr


def test_calendar_load_recomputes_open_tickets(demo_db: str, tmp_path: Path) -> None:
    def due_of_print_shop() -> dict[int, Any]:
        rows = json.loads(invoke("ticket", "list", "--open", "--json", "--db", demo_db).stdout)
        return {
            r["id"]: r["resolution_due"] for r in rows if r["customer"] == "Tipografia Dunărea SRL"
        }

    before = due_of_print_shop()
    assert before
    toml = tmp_path / "cal.toml"
    toml.write_text(
        '[calendars.print-shop]\nhours = { mon = [["00:00", "24:00"]], tue = [["00:00", "24:00"]], '
        'wed = [["00:00", "24:00"]], thu = [["00:00", "24:00"]], fri = [["00:00", "24:00"]], '
        'sat = [["00:00", "24:00"]], sun = [["00:00", "24:00"]] }\n'
    )
    loaded = invoke("calendar", "load", str(toml), "--db", demo_db)
    assert loaded.exit_code == 0, loaded.stderr
    guaranteed = sum(1 for due in before.values() if due is not None)
    assert f"recomputed deadlines of {guaranteed} open tickets" in loaded.stdout
    after = due_of_print_shop()
    assert all(after[i] is None or after[i] <= before[i] for i in before)
    assert after != before
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[calendars.x]\ntimezone = "Nowhere/City"\nhours = {mon = [["09:00", "17:00"]]}\n'
    )
    refused = invoke("calendar", "load", str(bad), "--db", demo_db)
    assert refused.exit_code == 1
    assert "[calendars.x]" in refused.stderr
    assert "Nowhere/City" in refused.stderr


def test_waiting_on_the_customer_moves_the_deadline_by_the_pause(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'd.db'}"
    assert invoke("demo", "--no-open", "--db", url).exit_code == 0
    start = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        tid = invoke(
            "ticket",
            "add",
            "--customer",
            "Rhein Maschinenbau GmbH",
            "--title",
            "PLC",
            "--severity",
            "P2",
            "--db",
            url,
        ).stdout.strip()
        invoke("ticket", "status", tid, "in_progress", "--db", url)
    first = json.loads(invoke("ticket", "show", tid, "--json", "--db", url).stdout)
    with time_machine.travel(start + timedelta(hours=1), tick=False):
        assert invoke("ticket", "status", tid, "waiting_customer", "--db", url).exit_code == 0
    with time_machine.travel(start + timedelta(hours=3), tick=False):
        paused = json.loads(invoke("ticket", "show", tid, "--json", "--db", url).stdout)
        assert paused["sla"]["resolution"]["state"] == "paused"
        assert paused["next_due"] is None  # the queue does not chase a paused ticket
        assert invoke("ticket", "status", tid, "in_progress", "--db", url).exit_code == 0
    resumed = json.loads(invoke("ticket", "show", tid, "--json", "--db", url).stdout)
    moved = datetime.fromisoformat(resumed["resolution_due"]) - datetime.fromisoformat(
        first["resolution_due"]
    )
    assert moved == timedelta(hours=2)
    with time_machine.travel(start + timedelta(hours=4), tick=False):
        assert invoke("ticket", "severity", tid, "P1", "--db", url).exit_code == 0
        p1 = json.loads(invoke("ticket", "show", tid, "--json", "--db", url).stdout)
    # P1 at a managed-services contract: 4 h, plus the same 2 h paused.
    assert datetime.fromisoformat(p1["resolution_due"]) == start + timedelta(hours=6)
    explained = invoke("sla", "explain", tid, "--db", url)
    assert "pauses subtracted" in explained.stdout
    assert "calendar 24/7, zone Europe/Berlin" in explained.stdout


def test_explain_says_no_guarantee(demo_db: str) -> None:
    tid = invoke(
        "ticket", "add", "--customer", "Plovdiv Print House OOD", "--title", "x", "--db", demo_db
    ).stdout.strip()
    out = invoke("sla", "explain", tid, "--db", demo_db).stdout
    assert "no guarantee" in out
    assert "time and material contract promises no reaction time" in out


def test_the_readme_example_case_file_passes(tmp_path: Path) -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    section = readme.split("### Calendar case files", 1)[1]
    block = section.split("```json", 1)[1].split("```", 1)[0]
    path = tmp_path / "readme.json"
    path.write_text(block)
    result = invoke("sla", "check", str(path))
    assert result.exit_code == 0, result.stdout
    assert result.stdout.strip().endswith("2 passed, 0 failed")
