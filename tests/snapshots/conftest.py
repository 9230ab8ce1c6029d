"""Snapshot fixtures: the console from ``tests.ui.conftest``, a typed ``snap_compare``, a guard.

pytest finds conftest fixtures only along a test's directory path, so the UI
fixtures are re-exported here.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Protocol

import pytest
from textual.app import App
from textual.pilot import Pilot

from tests.ui.conftest import AppFactory, make_app

__all__ = ["AppFactory", "SnapCompare", "make_app"]

BASELINE_PYTHON = (3, 11)
"""Baselines are written on one Python only, so that they do not flip between versions."""


class SnapCompare(Protocol):
    """The ``snap_compare`` fixture of pytest-textual-snapshot (the plugin's own hint is wrong)."""

    def __call__(
        self,
        app: App[Any],
        press: Iterable[str] = (),
        terminal_size: tuple[int, int] = (80, 24),
        run_before: Callable[[Pilot[Any]], Awaitable[None] | None] | None = None,
    ) -> bool: ...


@pytest.fixture(autouse=True)
def baseline_python_only(request: pytest.FixtureRequest) -> None:
    """Refuse ``--snapshot-update`` on any Python but the baseline one."""
    if request.config.getoption("--snapshot-update", default=False) and (
        sys.version_info[:2] != BASELINE_PYTHON
    ):
        pytest.fail("update snapshots on Python {}.{} only".format(*BASELINE_PYTHON), pytrace=False)
