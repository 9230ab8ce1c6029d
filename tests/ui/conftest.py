"""Building the console for pilot and snapshot tests: fixed clock, zone, user and data."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest

from dispatch.bootstrap import Storage, build_app
from dispatch.config import Settings
from dispatch.config_mail import MailSettings
from dispatch.domain.filter import SavedView
from dispatch.domain.ports import FixedClock
from dispatch.domain.ports_console import Preferences
from dispatch.ui.app import DispatchApp
from tests.conftest import NOW

ZONE = ZoneInfo("Europe/Bucharest")
"""The dispatcher's zone in UI tests."""

AppFactory = Callable[..., DispatchApp]


@pytest.fixture
def make_app(seeded_sqlite: Storage) -> AppFactory:
    """Make a console on the seeded demo data at ``NOW``.

    Keyword arguments: ``user`` (default ``ana``, a technician, so that "take"
    works), ``clock`` (default a ``FixedClock`` at ``NOW``), ``scheduler``
    (default off: tests sweep through the app's monitor themselves), ``read_only``,
    ``views`` (saved views), ``prefs`` (where the console remembers; default nowhere),
    ``mail`` (the ``[mail]`` settings; default none: replies are not configured).
    """

    def make(
        *,
        user: str = "ana",
        clock: FixedClock | None = None,
        scheduler: bool = False,
        read_only: bool = False,
        views: tuple[SavedView, ...] = (),
        prefs: Preferences | None = None,
        mail: MailSettings | None = None,
    ) -> DispatchApp:
        settings = Settings(
            db_url="sqlite:///dispatch-test.db",
            db_source="test",
            config_path=None,
            user=user,
            read_only=read_only,
            views=views,
            mail=mail or MailSettings(),
        )
        return build_app(
            settings,
            clock=clock or FixedClock(NOW),
            storage=seeded_sqlite,
            zone=ZONE,
            start_scheduler=scheduler,
            prefs=prefs,
        )

    return make


@pytest.fixture
def storage(seeded_sqlite: Storage) -> Storage:
    """The seeded SQLite storage behind ``make_app`` (UI tests run on SQLite only)."""
    return seeded_sqlite
