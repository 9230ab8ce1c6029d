"""What the use cases run with: the units of work, the clock, who acts.

``dispatch.bootstrap`` builds the :class:`Runtime`; the console, the command
line and the scheduler hand its parts to the use cases of the other modules
of this package. Uses the domain's ports only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from dispatch.domain.calendar import Calendar
from dispatch.domain.ports import Clock, UnitOfWork
from dispatch.domain.ports_console import ChangeFeed

SCHEDULER_ACTOR = "scheduler"
"""Who the event log names for what the scheduler's jobs do."""


@dataclass(frozen=True, slots=True)
class Runtime:
    """What the use cases run with; ``dispatch.bootstrap`` builds it.

    Attributes:
        reader: Makes a unit of work for reading (does not take the write lock).
        writer: Makes a unit of work for changing data.
        clock: The clock.
        actor: The OS login acting, recorded on every event.
        db_label: The database in use, with any password masked.
        calendars: Calendars defined in the configuration file.
        open_feed: Opens a change feed on the database (``None``: no live updates
            beyond the periodic refresh).
        read_only: Nothing may be changed (``writer`` then refuses); the console
            hides and refuses its change keys and writes no heartbeat.
        reply_from: The address e-mail replies come from (``[mail] from``);
            ``None``: replying by e-mail is not configured.
        reply_templates: Reply templates by name (``[mail.templates]``).
    """

    reader: Callable[[], UnitOfWork]
    writer: Callable[[], UnitOfWork]
    clock: Clock
    actor: str
    db_label: str
    calendars: Mapping[str, Calendar] = field(default_factory=dict)
    open_feed: Callable[[], ChangeFeed] | None = None
    read_only: bool = False
    reply_from: str | None = None
    reply_templates: Mapping[str, str] = field(default_factory=dict)
