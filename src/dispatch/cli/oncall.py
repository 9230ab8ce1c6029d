"""``dispatch oncall``: on-call rotations, overrides, and who is on call when."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import click

from dispatch.cli.root import AwareTime, db_option, echo_json, json_option, say, using_runtime
from dispatch.domain.errors import DispatchError, InvalidInputError


class WallTime(click.ParamType[time, Any]):
    """A local wall time ``HH:MM`` (24-hour)."""

    name = "HH:MM"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> time:
        """Parse ``HH:MM``."""
        if isinstance(value, time):
            return value
        text = str(value).strip()
        try:
            hours, minutes = text.split(":")
            if len(minutes) != 2:
                raise ValueError(text)
            return time(int(hours), int(minutes))
        except ValueError:
            self.fail(f"{value!r} is not a time of day as HH:MM (e.g. 08:00)", param, ctx)


class Day(click.ParamType[date, Any]):
    """A calendar date ``YYYY-MM-DD``."""

    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        """Parse the date."""
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(f"{value!r} is not a date as YYYY-MM-DD", param, ctx)


class Instant(click.ParamType[datetime, Any]):
    """An ISO-8601 time, with a UTC offset or as a wall time in ``--zone``.

    A wall time without offset is resolved after parsing (:func:`_resolve`),
    once ``--zone`` is known; it stays naive here.
    """

    name = "ISO"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime:
        """Parse the time (naive if no offset is given)."""
        if isinstance(value, datetime):
            return value
        try:
            return datetime.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(
                f"{value!r} is not an ISO-8601 time (e.g. 2026-10-23T18:00 or"
                " 2026-10-23T18:00+03:00)",
                param,
                ctx,
            )


def _resolve(option: str, value: datetime, zone_name: str | None) -> datetime:
    """``value`` as an aware instant: its own offset, else the wall time in ``zone_name``."""
    from dispatch.domain.calendar import wall_instant, zone

    if value.tzinfo is not None:
        return value
    if zone_name is None:
        raise InvalidInputError(
            f"{option} {value.isoformat()!r} has no UTC offset (add Z or +02:00, or give --zone)"
        )
    return wall_instant(value, zone(zone_name))


def _named(option: str, value: object, error: DispatchError) -> DispatchError:
    """``error`` with the option and value it is about in front (one line)."""
    return type(error)(f"{option} {value!r}: {error}")


@click.group()
def oncall() -> None:
    """On-call rotas: rotations, overrides, and who is on call when."""


@oncall.command("add")
@db_option
@click.option("--name", required=True, help="The rotation's name, unique (e.g. primary).")
@click.option(
    "--layer", type=click.IntRange(min=1), default=1, show_default=True,
    help="1 for the first line, 2 for the backup, ... (layers add up).",
)  # fmt: skip
@click.option("--zone", "zone_name", required=True, help="Zone of the hand-over time (IANA).")
@click.option("--handover", type=WallTime(), required=True, help="Local hand-over time, HH:MM.")
@click.option(
    "--every", "period", type=click.Choice(["daily", "weekly"]), required=True,
    help="How often it hands over.",
)  # fmt: skip
@click.option(
    "--weekday", type=click.Choice(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]),
    help="The hand-over day of a weekly rotation.",
)  # fmt: skip
@click.option(
    "--start", type=Day(), required=True,
    help="First day it may hand over (local); the first turn begins at its first hand-over.",
)  # fmt: skip
@click.option(
    "--members", required=True, help="Technicians' logins in turn order, comma-separated."
)
@json_option
@click.pass_context
def oncall_add(
    ctx: click.Context,
    name: str,
    layer: int,
    zone_name: str,
    handover: time,
    period: str,
    weekday: str | None,
    start: date,
    members: str,
    as_json: bool,
) -> None:
    """Add a rotation; prints its first hand-overs."""
    from datetime import UTC

    from dispatch import formats
    from dispatch.domain.calendar import zone
    from dispatch.domain.errors import NotFoundError
    from dispatch.domain.oncall import Period, Rotation, parse_weekday
    from dispatch.domain.text import printable
    from dispatch.services import oncall as service

    try:
        zone(zone_name)
    except InvalidInputError as exc:
        raise _named("--zone", zone_name, exc) from None
    logins = tuple(m.strip() for m in members.split(",") if m.strip())
    if not logins:
        raise InvalidInputError(f"--members {members!r}: name at least one technician's login")
    if period == "weekly" and weekday is None:
        raise InvalidInputError("--weekday: a weekly rotation needs its hand-over day")
    if period == "daily" and weekday is not None:
        raise InvalidInputError(f"--weekday {weekday!r}: a daily rotation hands over every day")
    if not name.strip():
        raise InvalidInputError(f"--name {name!r}: a rotation needs a name")
    draft = Rotation(
        id=0,
        name=name.strip(),
        layer=layer,
        timezone=zone_name,
        handover=handover,
        period=Period(period),
        start=start,
        members=logins,
        weekday=parse_weekday(weekday) if weekday else None,
    )
    with using_runtime(ctx) as rt:
        try:
            stored = service.add_rotation(rt.writer(), rt.clock, rt.actor, draft)
        except NotFoundError as exc:
            raise _named("--members", members, exc) from None
        except InvalidInputError as exc:
            raise _named("--name", name, exc) from None
    if as_json:
        echo_json(formats.rotation_json(stored))
        return
    say(f"rotation {printable(stored.name)} (layer {stored.layer}) added; first hand-overs:")
    for index in range(3):
        at = stored.handover_at(index)
        local = at.astimezone(zone(stored.timezone))
        say(
            f"  {local:%a %Y-%m-%d %H:%M %Z} ({at.astimezone(UTC):%H:%M} UTC)"
            f"  {printable(stored.member(index))}"
        )


@oncall.command("override")
@db_option
@click.option("--login", required=True, help="Who covers.")
@click.option("--replaces", required=True, help="Whose shifts they cover.")
@click.option("--from", "start", type=Instant(), required=True, help="Start (ISO-8601).")
@click.option("--to", "end", type=Instant(), required=True, help="End, exclusive (ISO-8601).")
@click.option("--zone", "zone_name", help="Zone for --from/--to given without a UTC offset (IANA).")
@click.option("--note", default="", help="Why, for the record.")
@json_option
@click.pass_context
def oncall_override(
    ctx: click.Context,
    login: str,
    replaces: str,
    start: datetime,
    end: datetime,
    zone_name: str | None,
    note: str,
    as_json: bool,
) -> None:
    """Put LOGIN on call in place of REPLACES from --from to --to; prints the shifts covered."""
    from dispatch import formats
    from dispatch.domain.errors import NotFoundError
    from dispatch.domain.oncall import Override
    from dispatch.domain.text import printable
    from dispatch.services import oncall as service

    if zone_name is not None:
        from dispatch.domain.calendar import zone

        try:
            zone(zone_name)
        except InvalidInputError as exc:
            raise _named("--zone", zone_name, exc) from None
    begin = _resolve("--from", start, zone_name)
    finish = _resolve("--to", end, zone_name)
    if finish <= begin:
        raise InvalidInputError(
            f"--to {end.isoformat()!r}: the override ends before it starts ({start.isoformat()})"
        )
    if login.strip() == replaces.strip():
        raise InvalidInputError(f"--replaces {replaces!r}: one cannot cover for oneself")
    draft = Override(0, login.strip(), replaces.strip(), begin, finish, note)
    with using_runtime(ctx) as rt:
        known = {t.login for t in service.technicians_at(rt.reader(), rt.clock.now())}
        for option, value in (("--login", draft.login), ("--replaces", draft.replaces)):
            if value not in known:
                raise NotFoundError(f"{option} {value!r}: no technician with this login")
        try:
            stored, covered = service.add_override(rt.writer(), rt.clock, rt.actor, draft)
        except InvalidInputError as exc:
            raise _named("--replaces", replaces, exc) from None
    if as_json:
        echo_json(
            formats.override_json(stored) | {"covers": [formats.shift_json(s) for s in covered]}
        )
        return
    say(
        f"override {stored.id}: {printable(stored.login)} covers {printable(stored.replaces)};"
        " shifts covered (UTC):"
    )
    for shift in covered:
        say(
            f"  {shift.start:%Y-%m-%d %H:%M} – {shift.end:%Y-%m-%d %H:%M}"
            f"  layer {shift.layer} {printable(shift.rotation)}"
        )


@oncall.command("show")
@db_option
@click.option("--at", type=AwareTime(), help="The instant to ask about (default: now).")
@click.option("--until", type=AwareTime(), help="List shifts up to here (default: a week on).")
@click.option("--zone", "zone_name", default="UTC", show_default=True, help="Zone to show in.")
@json_option
@click.pass_context
def oncall_show(
    ctx: click.Context,
    at: datetime | None,
    until: datetime | None,
    zone_name: str,
    as_json: bool,
) -> None:
    """Who is on call at --at (now), and the shifts until --until."""
    from dispatch import formats
    from dispatch.domain.calendar import zone
    from dispatch.domain.text import printable
    from dispatch.services import oncall as service

    try:
        tz = zone(zone_name)
    except InvalidInputError as exc:
        raise _named("--zone", zone_name, exc) from None
    with using_runtime(ctx) as rt:
        when = at if at is not None else rt.clock.now()
        try:
            view = service.show(rt.reader(), when, until)
        except InvalidInputError as exc:
            raise _named("--until", until.isoformat() if until else "", exc) from None
    if as_json:
        echo_json(
            {
                "at": formats.iso(view.at),
                "until": formats.iso(view.until),
                "rotations": [formats.rotation_json(r) for r in view.rotations],
                "on_call": [formats.shift_json(s) for s in view.now],
                "shifts": [formats.shift_json(s) for s in view.shifts],
            }
        )
        return
    if not view.rotations:
        say("no on-call rotations: the technicians' on-call flags apply (dispatch tech list)")
        return

    def local(value: datetime) -> str:
        return f"{value.astimezone(tz):%a %Y-%m-%d %H:%M}"

    say(f"on call at {local(view.at)} {zone_name}:")
    for shift in view.now:
        cover = f" (covering {printable(shift.replaces)})" if shift.replaces else ""
        say(
            f"  layer {shift.layer} {printable(shift.rotation)}: {printable(shift.login)}{cover}"
            f" until {local(shift.end)}"
        )
    if not view.now:
        say("  nobody")
    rows = [
        [
            local(s.start),
            local(s.end),
            str(s.layer),
            formats.clip(s.rotation, 20),
            formats.clip(s.login, 16),
            formats.clip(s.replaces or "", 16),
        ]
        for s in view.shifts
    ]
    say(f"shifts until {local(view.until)} {zone_name}:")
    say(formats.table(["FROM", "TO", "LAYER", "ROTATION", "WHO", "COVERING"], rows))
