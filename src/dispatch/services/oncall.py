"""On-call rotas: adding rotations and overrides, and who is on call when.

Each change is one short transaction that records its event; "who is on
call" is computed from the stored terms (``dispatch.domain.oncall``) and
replaces the technicians' stored ``on_call`` flags wherever a rotation exists
(:func:`technicians_at`, and inside other use cases' transactions
:func:`schedule_at`). Uses the domain's ports.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from dispatch.domain.errors import InvalidInputError, NotFoundError
from dispatch.domain.model import Technician
from dispatch.domain.oncall import Override, Rotation, Schedule, Shift, apply_schedule
from dispatch.domain.ports import Clock, UnitOfWork

SHOW_AHEAD = timedelta(days=7)
"""How far ahead ``show`` lists the shifts when not told."""


def add_rotation(uow: UnitOfWork, clock: Clock, actor: str, rotation: Rotation) -> Rotation:
    """Store a rotation whose members are all known technicians; records ``oncall.rotation_added``.

    Raises:
        NotFoundError: Naming the first member who is no technician (nothing is written).
        InvalidInputError: If the name is taken.
    """
    now = clock.now()
    with uow:
        _require_technicians(uow, rotation.members)
        stored = uow.oncall.add_rotation(replace(rotation, created_at=now))
        uow.events.append(
            at=now,
            actor=actor,
            action="oncall.rotation_added",
            after={
                "rotation": stored.name,
                "layer": stored.layer,
                "timezone": stored.timezone,
                "handover": stored.handover.strftime("%H:%M"),
                "period": stored.period.value,
                "weekday": stored.weekday,
                "start": stored.start.isoformat(),
                "members": list(stored.members),
            },
        )
        uow.commit()
    return stored


def add_override(
    uow: UnitOfWork, clock: Clock, actor: str, override: Override
) -> tuple[Override, list[Shift]]:
    """Store an override; records ``oncall.override_added``. Returns it and the shifts it covers.

    Raises:
        NotFoundError: If either login is no technician.
        InvalidInputError: If the replaced technician has no shift in the span
            (an override that would change nothing is refused, nothing written).
    """
    now = clock.now()
    with uow:
        _require_technicians(uow, (override.login, override.replaces))
        before = Schedule(
            uow.oncall.rotations(), uow.oncall.overrides(override.start, override.end)
        )
        whom = override.replaces
        # Their own turns, and turns of theirs an older override covers (the newer one wins).
        covered = [
            s for s in before.shifts(override.start, override.end) if whom in (s.login, s.replaces)
        ]
        if not covered:
            raise InvalidInputError(
                f"{override.replaces!r} is not on call between {override.start.isoformat()}"
                f" and {override.end.isoformat()}: there is nothing to cover"
            )
        stored = uow.oncall.add_override(replace(override, created_at=now))
        uow.events.append(
            at=now,
            actor=actor,
            action="oncall.override_added",
            after={
                "login": stored.login,
                "replaces": stored.replaces,
                "start": stored.start.isoformat(),
                "end": stored.end.isoformat(),
            },
            note=stored.note or None,
        )
        uow.commit()
    after = Schedule(before.rotations, [*before.overrides, stored])
    return stored, [s for s in after.shifts(stored.start, stored.end) if s.replaces is not None]


@dataclass(frozen=True, slots=True)
class OnCallView:
    """What ``show`` and the console's on-call view present.

    Attributes:
        at: The instant asked about.
        until: The end of the span whose shifts are listed.
        rotations: Every rotation, by layer and name.
        now: The shifts running at ``at``, by layer (empty: nobody, or no rotation).
        shifts: The shifts overlapping ``[at, until)``, by start.
    """

    at: datetime
    until: datetime
    rotations: tuple[Rotation, ...]
    now: tuple[Shift, ...]
    shifts: tuple[Shift, ...]


def show(uow: UnitOfWork, at: datetime, until: datetime | None = None) -> OnCallView:
    """Who is on call at ``at`` and the shifts up to ``until`` (default a week on)."""
    end = until if until is not None else at + SHOW_AHEAD
    if end <= at:
        raise InvalidInputError(
            f"the span to show ends ({end.isoformat()}) before it starts ({at.isoformat()})"
        )
    with uow:
        schedule = Schedule(uow.oncall.rotations(), uow.oncall.overrides(at, end))
    return OnCallView(
        at=at,
        until=end,
        rotations=tuple(schedule.rotations),
        now=tuple(schedule.on_call(at)),
        shifts=tuple(schedule.shifts(at, end)),
    )


def schedule_at(uow: UnitOfWork, at: datetime) -> Schedule:
    """The rotations and the overrides in force at ``at``, inside the caller's transaction."""
    return Schedule(
        uow.oncall.rotations(), uow.oncall.overrides(at, at + timedelta(microseconds=1))
    )


def on_call_at(uow: UnitOfWork, technicians: list[Technician], at: datetime) -> list[Technician]:
    """``technicians`` with ``on_call`` as the rota has it at ``at`` (in the caller's transaction).

    Without any rotation the stored flags stand.
    """
    return apply_schedule(technicians, schedule_at(uow, at), at)


def technicians_at(uow: UnitOfWork, at: datetime) -> list[Technician]:
    """All technicians by login, ``on_call`` as the rota has it at ``at``."""
    with uow:
        return on_call_at(uow, uow.directory.technicians(), at)


def _require_technicians(uow: UnitOfWork, logins: tuple[str, ...]) -> None:
    known = {t.login for t in uow.directory.technicians()}
    for login in logins:
        if login not in known:
            raise NotFoundError(f"no technician with login {login!r}")
