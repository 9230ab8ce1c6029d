"""On-call rotations and overrides in SQL (the ``OnCallStore`` port).

Only the rota's terms are stored; shifts and "who is on call" are computed
from them by ``dispatch.domain.oncall``.
"""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dispatch.domain.errors import InvalidInputError
from dispatch.domain.oncall import Override, Period, Rotation
from dispatch.store.schema import OnCallOverrideRow, OnCallRotationRow


class SqlOnCallStore:
    """Rotations and overrides.

    Args:
        session: The unit of work's session.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    def rotations(self) -> list[Rotation]:
        """Every rotation, by layer and name."""
        rows = self._session.scalars(
            select(OnCallRotationRow).order_by(OnCallRotationRow.layer, OnCallRotationRow.name)
        )
        return [_rotation(r) for r in rows]

    def add_rotation(self, rotation: Rotation) -> Rotation:
        """Insert a rotation (its name must be new)."""
        taken = self._session.scalar(
            select(OnCallRotationRow.id).where(OnCallRotationRow.name == rotation.name)
        )
        if taken is not None:
            raise InvalidInputError(f"a rotation named {rotation.name!r} exists already")
        row = OnCallRotationRow(
            name=rotation.name,
            layer=rotation.layer,
            timezone=rotation.timezone,
            handover_minute=rotation.handover.hour * 60 + rotation.handover.minute,
            period=rotation.period.value,
            weekday=rotation.weekday,
            start_day=rotation.start,
            members=list(rotation.members),
            created_at=rotation.created_at,
        )
        self._session.add(row)
        try:
            self._session.flush()
        except IntegrityError:
            # Another writer added the name between the check and the insert (PostgreSQL;
            # SQLite's writers are serialised). The unit of work rolls back on leaving.
            raise InvalidInputError(f"a rotation named {rotation.name!r} exists already") from None
        return _rotation(row)

    def overrides(self, start: datetime, end: datetime) -> list[Override]:
        """Overrides overlapping ``[start, end)``, oldest first."""
        rows = self._session.scalars(
            select(OnCallOverrideRow)
            .where(OnCallOverrideRow.ends_at > start, OnCallOverrideRow.starts_at < end)
            .order_by(OnCallOverrideRow.id)
        )
        return [_override(r) for r in rows]

    def add_override(self, override: Override) -> Override:
        """Insert an override."""
        row = OnCallOverrideRow(
            login=override.login,
            replaces=override.replaces,
            starts_at=override.start,
            ends_at=override.end,
            note=override.note,
            created_at=override.created_at,
        )
        self._session.add(row)
        self._session.flush()
        return _override(row)


def _rotation(row: OnCallRotationRow) -> Rotation:
    return Rotation(
        id=row.id,
        name=row.name,
        layer=row.layer,
        timezone=row.timezone,
        handover=time(row.handover_minute // 60, row.handover_minute % 60),
        period=Period(row.period),
        start=row.start_day,
        members=tuple(row.members),
        weekday=row.weekday,
        created_at=row.created_at,
    )


def _override(row: OnCallOverrideRow) -> Override:
    return Override(
        id=row.id,
        login=row.login,
        replaces=row.replaces,
        start=row.starts_at,
        end=row.ends_at,
        note=row.note,
        created_at=row.created_at,
    )
