"""On-call rotas in the database: stored terms, and the rota driving ranking and breach pages.

The demo technicians carry stored flags (ana and ivan on call, tom and radu
not); once a rotation exists those flags no longer count.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from click.testing import CliRunner
from sqlalchemy import func, select

from dispatch.bootstrap import Storage
from dispatch.cli import cli
from dispatch.domain.alerts import AlertLevel
from dispatch.domain.errors import InvalidInputError, NotFoundError
from dispatch.domain.notify import NotifyPolicy, Secret
from dispatch.domain.oncall import Override, Period, Rotation, Shift
from dispatch.domain.ports import FixedClock, SystemClock
from dispatch.services import alerts, audit, deliveries, oncall, queue
from dispatch.store.schema import EventRow, OnCallOverrideRow, OnCallRotationRow
from tests.integration.test_alerts import DUE, T0, load_directory, open_p1

SOFIA = "Europe/Sofia"


@pytest.fixture
def directory(storage: Storage) -> Storage:
    load_directory(storage)
    return storage


def primary(start: date = date(2026, 11, 23)) -> Rotation:
    return Rotation(0, "primary", 1, SOFIA, time(8, 0), Period.DAILY, start, ("tom", "radu"))


def test_rotations_and_overrides_round_trip(directory: Storage) -> None:
    clock = FixedClock(T0)
    daily = oncall.add_rotation(directory.writer(), clock, "disp", primary())
    weekly = oncall.add_rotation(
        directory.writer(),
        clock,
        "disp",
        Rotation(
            0, "backup", 2, SOFIA, time(9, 30), Period.WEEKLY, date(2026, 11, 1), ("ivan",), 0
        ),
    )
    with directory.reader() as uow:
        assert uow.oncall.rotations() == [daily, weekly]  # by layer
    assert (daily.handover, daily.created_at, weekly.weekday) == (time(8, 0), T0, 0)
    cover, covered = oncall.add_override(
        directory.writer(),
        clock,
        "disp",
        Override(0, "ana", "tom", T0 + timedelta(hours=2), T0 + timedelta(hours=6), "dentist"),
    )
    assert covered == [
        Shift("primary", 1, "ana", T0 + timedelta(hours=2), T0 + timedelta(hours=6), "tom")
    ]
    with directory.reader() as uow:
        assert uow.oncall.overrides(T0, T0 + timedelta(hours=3)) == [cover]
        assert uow.oncall.overrides(T0 + timedelta(hours=6), T0 + timedelta(hours=9)) == []
    # Tom's turn is covered by ana already: a newer cover of tom takes its place.
    _, covered = oncall.add_override(
        directory.writer(),
        clock,
        "disp",
        Override(0, "radu", "tom", T0 + timedelta(hours=3), T0 + timedelta(hours=4)),
    )
    assert [(s.login, s.start, s.end) for s in covered] == [
        ("radu", T0 + timedelta(hours=3), T0 + timedelta(hours=4))
    ]
    view = oncall.show(directory.reader(), T0, T0 + timedelta(hours=7))
    primary_shifts = [s for s in view.shifts if s.rotation == "primary"]
    assert [(s.login, s.replaces, s.end - T0) for s in primary_shifts[:4]] == [
        ("tom", None, timedelta(hours=2)),
        ("ana", "tom", timedelta(hours=3)),
        ("radu", "tom", timedelta(hours=4)),
        ("ana", "tom", timedelta(hours=6)),
    ]
    actions = [e.action for e in audit.read_log(directory.reader())]
    assert actions[-4:] == [
        "oncall.rotation_added",
        "oncall.rotation_added",
        "oncall.override_added",
        "oncall.override_added",
    ]


def test_refused_changes_write_nothing(directory: Storage) -> None:
    clock = FixedClock(T0)
    with pytest.raises(NotFoundError, match="'nobody'"):
        oncall.add_rotation(
            directory.writer(),
            clock,
            "disp",
            Rotation(0, "x", 1, SOFIA, time(8), Period.DAILY, date(2026, 11, 1), ("nobody",)),
        )
    oncall.add_rotation(directory.writer(), clock, "disp", primary())
    with pytest.raises(InvalidInputError, match="exists already"):
        oncall.add_rotation(directory.writer(), clock, "disp", primary())
    with pytest.raises(InvalidInputError, match="nothing to cover"):
        oncall.add_override(
            directory.writer(),
            clock,
            "disp",
            Override(0, "tom", "ivan", T0, T0 + timedelta(hours=1)),
        )
    with directory.reader() as uow:
        session = uow.session
        assert session.scalar(select(func.count()).select_from(OnCallRotationRow)) == 1
        assert session.scalar(select(func.count()).select_from(OnCallOverrideRow)) == 0
        assert (
            session.scalar(
                select(func.count()).select_from(EventRow).where(EventRow.action.like("oncall.%"))
            )
            == 1
        )


def test_without_rotations_the_stored_flags_stand(directory: Storage) -> None:
    techs = oncall.technicians_at(directory.reader(), T0)
    with directory.reader() as uow:
        assert techs == uow.directory.technicians()
    assert {"ana", "ivan"} <= {t.login for t in techs if t.on_call}


def test_the_rota_decides_who_ranks_as_on_call(directory: Storage) -> None:
    oncall.add_rotation(directory.writer(), FixedClock(T0), "disp", primary())
    ticket_id = open_p1(directory)
    _, ranked = queue.technician_ranking(directory.reader(), ticket_id, T0)
    on_call = {c.tech.login for c in ranked if "on call" in c.reasons}
    assert on_call == {"tom"}  # 23 Nov 08:00 Sofia: tom's turn; ana's flag no longer counts
    _, ranked = queue.technician_ranking(directory.reader(), ticket_id, T0 + timedelta(days=1))
    assert {c.tech.login for c in ranked if "on call" in c.reasons} == {"radu"}


def _breach_targets(directory: Storage) -> list[str]:
    policy = NotifyPolicy(
        technicians={
            login: Secret(f"json://127.0.0.1:9/{login}") for login in ("ana", "ivan", "tom")
        },
    )
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        open_p1(directory)
    with time_machine.travel(T0 + DUE + timedelta(seconds=30), tick=False):
        raised = alerts.sweep_alerts(
            directory.reader(), directory.writer(), SystemClock(), notify=policy
        )
    breach = next(a for a in raised if a.level is AlertLevel.BREACH)
    return [d.target for d, _ in deliveries.alert_deliveries(directory.reader(), breach.id)]


def test_a_breach_pages_whoever_the_rota_has_on_call(directory: Storage) -> None:
    oncall.add_rotation(directory.writer(), FixedClock(T0), "disp", primary())
    # The breach is at 12:00:30 UTC on 23 Nov: tom's turn (ana and ivan: flagged, not on the rota).
    assert _breach_targets(directory) == ["tech:tom"]


def test_a_breach_during_an_override_pages_the_cover(directory: Storage) -> None:
    clock = FixedClock(T0)
    oncall.add_rotation(directory.writer(), clock, "disp", primary())
    cover = Override(0, "ana", "tom", T0 + timedelta(hours=3), T0 + timedelta(hours=5))
    oncall.add_override(directory.writer(), clock, "disp", cover)
    assert _breach_targets(directory) == ["tech:ana"]


def test_cli_add_override_show(directory: Storage) -> None:
    url = directory.engine.url.render_as_string(hide_password=False)

    def run(*args: str) -> str:
        result = CliRunner().invoke(cli, ["oncall", args[0], "--db", url, *args[1:]])
        assert result.exit_code == 0, (result.stdout, result.stderr)
        return result.stdout

    out = run(
        "add", "--name", "primary", "--zone", SOFIA, "--handover", "08:00", "--every", "daily",
        "--start", "2026-10-19", "--members", "tom,radu",
    )  # fmt: skip
    assert "Mon 2026-10-19 08:00 EEST (05:00 UTC)  tom" in out
    run(
        "override", "--login", "ana", "--replaces", "tom", "--zone", SOFIA,
        "--from", "2026-10-23T18:00", "--to", "2026-10-26T08:00",
    )  # fmt: skip
    import json

    shown = json.loads(
        run("show", "--at", "2026-10-23T12:00Z", "--until", "2026-10-26T12:00Z", "--json")
    )
    assert shown["on_call"] == [
        {
            "rotation": "primary",
            "layer": 1,
            "login": "tom",
            "start": "2026-10-23T05:00:00+00:00",
            "end": "2026-10-23T15:00:00+00:00",
            "replaces": None,
        }
    ]
    assert [(s["login"], s["start"], s["replaces"]) for s in shown["shifts"]] == [
        ("tom", "2026-10-23T05:00:00+00:00", None),
        ("ana", "2026-10-23T15:00:00+00:00", "tom"),
        ("radu", "2026-10-24T05:00:00+00:00", None),
        ("ana", "2026-10-25T06:00:00+00:00", "tom"),  # 08:00 EET after the fall-back
        ("radu", "2026-10-26T06:00:00+00:00", None),
    ]
    text = run("show", "--at", "2026-10-24T12:00Z", "--zone", SOFIA)
    assert "layer 1 primary: radu until Sun 2026-10-25 08:00" in text


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["add", "--zone", "Mars/Olympus"], 1, "--zone 'Mars/Olympus': unknown time zone"),
        (["add", "--handover", "25:00"], 2, "'--handover': '25:00' is not a time of day"),
        (["add", "--members", "tom,nobody"], 1, "--members 'tom,nobody': no technician"),
        (["add", "--every", "weekly"], 1, "--weekday: a weekly rotation needs"),
        (["add", "--start", "2026-13-01"], 2, "'--start': '2026-13-01' is not a date"),
    ],
)
def test_cli_add_refuses_bad_input_in_one_line(
    directory: Storage, args: list[str], code: int, message: str
) -> None:
    url = directory.engine.url.render_as_string(hide_password=False)
    terms = {
        "--name": "primary",
        "--zone": SOFIA,
        "--handover": "08:00",
        "--every": "daily",
        "--start": "2026-10-19",
        "--members": "tom,radu",
    }
    terms[args[1]] = args[2]
    flat = [x for pair in terms.items() for x in pair]
    result = CliRunner().invoke(cli, ["oncall", "add", "--db", url, *flat])
    assert result.exit_code == code, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("dispatch: error: ")
    assert message in lines[0]
    with directory.reader() as uow:
        assert uow.oncall.rotations() == []


def test_cli_override_refuses_what_covers_nothing(directory: Storage) -> None:
    url = directory.engine.url.render_as_string(hide_password=False)
    oncall.add_rotation(directory.writer(), FixedClock(T0), "disp", primary())
    base = ["oncall", "override", "--db", url, "--login", "ana"]
    span = ["--from", "2026-11-24T00:00Z", "--to", "2026-11-24T01:00Z"]
    for extra, message in [
        (["--replaces", "ivan", *span], "--replaces 'ivan': 'ivan' is not on call"),
        (["--replaces", "zed", *span], "--replaces 'zed': no technician"),
        (
            ["--replaces", "tom", "--from", "2026-11-24T00:00", "--to", "2026-11-24T01:00"],
            "--from '2026-11-24T00:00:00' has no UTC offset",
        ),
        (
            ["--replaces", "tom", "--from", "2026-11-24T01:00Z", "--to", "2026-11-24T00:00Z"],
            "--to '2026-11-24T00:00:00+00:00': the override ends before it starts",
        ),
    ]:
        result = CliRunner().invoke(cli, [*base, *extra])
        assert result.exit_code == 1, (result.stdout, result.stderr)
        assert result.stderr.count("\n") == 1
        assert message in result.stderr
    with directory.reader() as uow:
        assert uow.oncall.overrides(datetime(2000, 1, 1, tzinfo=UTC), T0 + timedelta(days=9)) == []
