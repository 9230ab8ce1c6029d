"""Benchmark: the console stays as quick with 100,000 open tickets as with 1,000.

Plain script, not a test::

    python tests/bench/bench_console.py [--sizes 1000:1.0,1000:0.1,...] [--keep DIR]

Each size is ``TICKETS:OPEN_SHARE``. A SQLite file per size is seeded with
``dispatch seed``'s bulk loader (the demo directory plus synthetic tickets),
then measured in a fresh child process, so that no size inherits another's
heap, page cache or warmed-up state. The defaults:

* ``1000:1.0`` (1,000 open): the base every ratio is taken against. Its queue
  is larger than one window (200 rows), so scrolling fetches windows as it
  does at every larger size; it is "the 1k case".
* ``1000:0.1``, ``100000:0.1``, ``1000000:0.1``: 10 % open, as in
  ``bench_queue_index.py``.
* ``100000:1.0`` and ``1000000:0.1``: 100,000 open tickets, the issue's target,
  without and with 900,000 closed ones beside them.

Each child runs the console with ``App.run_test(size=(160, 48))`` on a driver
that records when frames are written (a ``HeadlessDriver`` that reports
``is_headless = False``, so Textual renders and writes every frame as it would
to a terminal). Times are taken with ``time.perf_counter`` at the moment the
first frame showing the awaited state is written, so they include Textual's
frame scheduling; the waiting loop sleeps with ``asyncio.sleep`` rather than
``Pilot.pause``, because ``Pilot.pause`` forces a repaint and would hide that
latency. Keys are posted as the terminal driver would post them (``Pilot.press``
also waits for an idle CPU after each key). Every app runs in its own event
loop, as in a fresh process. Measured, as medians:

1. start to populated queue: from entering ``run_test`` to the first frame
   that shows the first window's rows, against a bare ``textual.app.App``
   with one ``Static`` measured the same way (its first frame showing the
   text), and against the console on an empty database (its first frame
   after the empty queue was read: what the console's own widgets cost).
   One unmeasured warm-up start of each comes first; the minimum and maximum
   are printed too, since starts vary (garbage collection and the window's
   read competing with the first layout for the GIL). Also: start to the
   first ticket's detail.
2. cursor move: ``down`` to the frame showing the cursor on the next row, and
   to the frame showing that ticket's detail.
3. page down: ``pagedown`` to the frame showing the cursor's row with its
   ticket (a window is fetched when the cursor leaves the loaded one).
4. filter: ``enter`` on ``/disk`` to the frame showing the filtered window.
5. live refresh: the screen's ``_refresh()`` to the end of the
   ``WindowLoaded`` handler (the five-second refresh's work on the loop);
   and to the end of the ``StatsLoaded`` handler (the header's counts and the
   technicians' loads, read in their own worker beside the window).
6. memory: resident set size after the first measured start, the child's
   peak RSS, and the Python heap one console start allocates until populated
   (``tracemalloc`` peak, in a separate start since tracing slows everything).

Keys are pressed on a settled console (the cursor's detail loaded, no frame
for 50 ms). The five-second refresh runs during moves and pages; a refresh
read before a key and shown after it must not put the cursor back (the
console drops such windows): any move it undoes anyway is counted, and
repeated. It is paused for the
filter and refresh measurements, whose windows it could be mistaken for.

It prints the medians, their ratios to the base size, and the targets: start
within 2x of the bare app, every other measure within 1.5x of the 1k case.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from textual.app import App, ComposeResult
from textual.drivers.headless_driver import HeadlessDriver
from textual.events import Key
from textual.pilot import Pilot
from textual.timer import Timer
from textual.widgets import Input, Static
from textual.worker import WorkerCancelled, WorkerFailed

from dispatch import demo
from dispatch.bootstrap import Storage, build_app, open_storage
from dispatch.config import Settings
from dispatch.domain.ports import FixedClock
from dispatch.services.queue import QueueWindow
from dispatch.store import bulk
from dispatch.ui.app import DispatchApp
from dispatch.ui.screens.dispatch import DispatchScreen
from dispatch.ui.widgets.queue_view import QueueView

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
SIZE = (160, 48)
FILTER_WORD = "disk"
TIMEOUT = float(os.environ.get("BENCH_TIMEOUT", "60"))
"""Seconds to wait for any one state before giving up (``BENCH_TIMEOUT`` overrides)."""
KEY_CHARACTERS = {"enter": "\r", "escape": "\x1b", "slash": "/"}

Probe = Callable[[str], bool]


@dataclass(frozen=True, slots=True)
class Case:
    tickets: int
    open_share: float

    @property
    def label(self) -> str:
        return f"{self.tickets:,}:{self.open_share:g}"

    @property
    def file_name(self) -> str:
        return f"bench-console-{self.tickets}-{self.open_share:g}.db"


# --- seeding (parent process) ---------------------------------------------------------


def build(path: Path, case: Case) -> Storage:
    storage = open_storage(f"sqlite:///{path}")
    data = demo.build(seed=1, now=NOW, tickets=False)
    with storage.writer() as uow:
        bulk.load(
            uow.session,
            customers=data.customers,
            contracts=data.contracts,
            technicians=data.technicians,
            tickets=[],
            calendars=data.calendars,
            at=NOW,
            actor="bench",
            note="bench",
        )
        uow.commit()
    bulk.synthesize(
        storage.writer,
        count=case.tickets,
        open_share=case.open_share,
        seed=1,
        now=NOW,
        actor="bench",
        problems=data.problems,
    )
    return storage


# --- measuring (child process) ----------------------------------------------------------


class RecordingDriver(HeadlessDriver):
    """Renders like a terminal driver; notes when a written frame first satisfies each probe."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.probes: dict[str, Probe] = {}
        self.hits: dict[str, float] = {}
        self.last_write = 0.0

    @property
    def is_headless(self) -> bool:
        return False

    def write(self, data: str) -> None:
        self.last_write = now = time.perf_counter()
        for name, probe in self.probes.items():
            if name not in self.hits and probe(data):
                self.hits[name] = now

    def expect(self, **probes: Probe) -> None:
        """Watch the next frames for ``probes`` (forgetting earlier hits)."""
        self.hits = {}
        self.probes = probes

    def all_hit(self) -> bool:
        return all(name in self.hits for name in self.probes)


class BareApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("bare app first paint")


LOADED: list[tuple[float, QueueWindow]] = []
"""Every ``WindowLoaded`` handled: when its handler returned, and the window."""

COUNTED: list[float] = []
"""When each ``StatsLoaded`` handler (the header's counts) returned."""

OPEN_TICKETS = 0
"""Open tickets in the measured file (read once, before the console starts)."""


def time_window_loaded() -> None:
    """Wrap the screen's ``WindowLoaded`` handler to note when each one finishes.

    ``@on`` handlers are dispatched from the class's ``_decorated_handlers``,
    so that is where the wrapper goes.
    """
    table = DispatchScreen.__dict__["_decorated_handlers"][DispatchScreen.WindowLoaded]
    original, selectors = table[0]

    def timed(screen: DispatchScreen, message: DispatchScreen.WindowLoaded) -> None:
        original(screen, message)
        LOADED.append((time.perf_counter(), message.window))

    table[0] = (timed, selectors)

    stats_table = DispatchScreen.__dict__["_decorated_handlers"][DispatchScreen.StatsLoaded]
    stats_original, stats_selectors = stats_table[0]

    def counted(screen: DispatchScreen, message: DispatchScreen.StatsLoaded) -> None:
        stats_original(screen, message)
        COUNTED.append(time.perf_counter())

    stats_table[0] = (counted, stats_selectors)


def window_since(count: int) -> bool:
    """Whether a window was loaded after the first ``count``."""
    return len(LOADED) > count


def is_filtered(window: QueueWindow) -> bool:
    """Whether ``window`` was read with the filter word (every row matches, some are left out)."""
    return (
        bool(window.tickets)
        and window.total < OPEN_TICKETS
        and all(FILTER_WORD in f"{t.title}\n{t.customer_name}".lower() for t in window.tickets)
    )


def filtered_window_since(view: QueueView, count: int) -> Probe:
    """A frame showing a filtered window loaded after the first ``count``."""

    def probe(_data: str) -> bool:
        return any(
            is_filtered(window) and view.total == window.total for _, window in LOADED[count:]
        )

    return probe


def whole_queue_shown(screen: DispatchScreen, view: QueueView) -> bool:
    """Whether the filter is off and the view shows the whole queue.

    A window read for an older filter can arrive after a newer one and be
    shown (see the report), so the view's total is checked, not the filter.
    """
    latest = LOADED[-1][1] if LOADED else None
    return (
        screen.filter.is_empty
        and latest is not None
        and not is_filtered(latest)
        and view.total == OPEN_TICKETS
    )


def cursor_on(view: QueueView, row: int, *, loaded: bool = False) -> Probe:
    """A frame after the cursor reached ``row`` (``loaded``: with its ticket read)."""

    def probe(_data: str) -> bool:
        return view.cursor_row == row and (not loaded or row in view._rows)  # noqa: SLF001

    return probe


def detail_on(screen: DispatchScreen, view: QueueView, row: int) -> Probe:
    """A frame after the detail of the ticket on ``row`` was shown."""

    def probe(_data: str) -> bool:
        detail = screen.detail
        return (
            view.cursor_row == row
            and detail is not None
            and view.cursor_id is not None
            and detail.ticket.id == view.cursor_id
        )

    return probe


def detail_shown(app: App[Any]) -> Probe:
    """A frame after the detail of the ticket under the cursor was shown."""

    def probe(_data: str) -> bool:
        screen = app.screen
        if not isinstance(screen, DispatchScreen):
            return False
        detail, cursor = screen.detail, screen.query_one(QueueView).cursor_id
        return detail is not None and cursor is not None and detail.ticket.id == cursor

    return probe


def driver_of(app: App[Any]) -> RecordingDriver:
    driver = app._driver  # noqa: SLF001 - the driver run_test made from driver_class
    assert isinstance(driver, RecordingDriver)
    return driver


async def until(ready: Callable[[], bool], what: str, within: float = TIMEOUT) -> None:
    deadline = time.perf_counter() + within
    while not ready():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"waited {within:g} s for {what}")
        await asyncio.sleep(0.001)


async def press(pilot: Pilot[None], key: str) -> None:
    """Post a key as the terminal driver does (``Pilot.press`` also waits for an idle CPU)."""
    pilot.app.post_message(Key(key, key if len(key) == 1 else KEY_CHARACTERS.get(key)))
    await asyncio.sleep(0)


async def focus_field(pilot: Pilot[None], field: Input, value: str) -> None:
    """``/`` to the filter field, and its text set to ``value`` (typing is not measured)."""
    if not field.has_focus:
        await press(pilot, "slash")
        await until(lambda: field.has_focus, "the filter field")
    await asyncio.sleep(0.05)  # the field selects its text once focused, after a refresh
    field.value = value
    field.cursor_position = len(value)


async def clear_filter(
    pilot: Pilot[None], screen: DispatchScreen, view: QueueView, field: Input
) -> None:
    """Back to the whole queue (not measured)."""
    for _ in range(5):
        await focus_field(pilot, field, "")
        await press(pilot, "enter")
        with contextlib.suppress(TimeoutError):
            await until(partial(whole_queue_shown, screen, view), "the whole queue", within=10)
            await asyncio.sleep(0.2)
            if whole_queue_shown(screen, view):
                return
    latest = LOADED[-1][1] if LOADED else None
    raise TimeoutError(
        f"could not clear the filter: {screen.filter}, field {field.value!r}, view total "
        f"{view.total}, latest window total {latest and latest.total} of "
        f"{OPEN_TICKETS} (filtered: {latest and is_filtered(latest)})"
    )


def refresh_timer(screen: DispatchScreen) -> Timer:
    """The screen's five-second refresh timer."""
    found = [
        timer
        for timer in screen._timers  # noqa: SLF001 - MessagePump keeps its timers here
        if getattr(timer, "_callback", None) == screen._timed_refresh  # noqa: SLF001
    ]
    assert len(found) == 1, found
    return found[0]


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def make_console(storage: Storage) -> DispatchApp:
    settings = Settings(
        db_url="sqlite:///bench.db", db_source="bench", config_path=None, user="ana"
    )
    app = build_app(
        settings,
        clock=FixedClock(NOW),
        storage=storage,
        zone=ZoneInfo("Europe/Bucharest"),
        start_scheduler=False,  # the console alone; bench_sweep.py measures the sweep
    )
    app.driver_class = RecordingDriver
    return app


def queue_of(app: App[Any]) -> QueueView | None:
    screen = app.screen
    return screen.query_one(QueueView) if isinstance(screen, DispatchScreen) else None


def populated(app: App[Any]) -> Probe:
    """A frame showing the first window: the view holds rows and the top row is drawn."""

    def probe(data: str) -> bool:
        view = queue_of(app)
        if view is None or view.total == 0:
            return False
        top = view._rows.get(0)  # noqa: SLF001 - the loaded window
        return top is not None and f" {top.ref} " in data

    return probe


async def first_frame(app: App[Any], probe: Probe, what: str) -> float:
    """When the first frame satisfying ``probe`` was written."""
    driver = driver_of(app)
    driver.expect(frame=probe)
    await until(driver.all_hit, what)
    return driver.hits["frame"]


async def drain(app: App[Any]) -> None:
    """Let the app's workers finish, so that no thread outlives the run into the next one."""
    for _ in range(3):
        with contextlib.suppress(WorkerCancelled, WorkerFailed):
            await app.workers.wait_for_complete()
        await asyncio.sleep(0.05)


async def start_bare() -> float:
    app = BareApp(driver_class=RecordingDriver)
    started = time.perf_counter()
    async with app.run_test(headless=False, size=SIZE):
        painted = await first_frame(
            app, lambda data: "bare app first paint" in data, "the bare app's first frame"
        )
        return painted - started


async def start_console(storage: Storage, *, with_rss: bool = False) -> dict[str, float]:
    """Start to the populated queue, and to the first ticket's detail, both painted."""
    app = make_console(storage)
    started = time.perf_counter()
    async with app.run_test(headless=False, size=SIZE):
        driver = driver_of(app)
        driver.expect(populated=populated(app), detail=detail_shown(app))
        await until(driver.all_hit, "the populated queue and the first detail")
        rss = rss_mb() if with_rss else 0.0
        await drain(app)
        return {
            "start": driver.hits["populated"] - started,
            "start_detail": driver.hits["detail"] - started,
            "rss": rss,
        }


async def start_empty(storage: Storage) -> float:
    """Start to the first frame after an empty queue was read: the console's own cost."""
    app = make_console(storage)
    since = len(LOADED)
    started = time.perf_counter()
    async with app.run_test(headless=False, size=SIZE):
        painted = await first_frame(
            app,
            lambda _data: any(window.total == 0 for _, window in LOADED[since:]),
            "the empty queue",
        )
        await drain(app)
        return painted - started


async def traced_start(storage: Storage) -> float:
    """Peak Python heap (MB) allocated by one console start until the queue is populated."""
    tracemalloc.start()
    try:
        app = make_console(storage)
        async with app.run_test(headless=False, size=SIZE):
            await first_frame(app, populated(app), "the populated queue (traced)")
            peak = tracemalloc.get_traced_memory()[1] / 2**20
            await drain(app)
            return peak
    finally:
        tracemalloc.stop()


async def actions(storage: Storage, runs: dict[str, int]) -> dict[str, list[float]]:
    """Cursor moves, pages, filters and refreshes in one running console.

    Each measured key is pressed on a settled console: the cursor's ticket and
    its detail are loaded and no frame has been written for 50 ms.
    """
    samples: dict[str, list[float]] = {
        name: []
        for name in (
            "move",
            "detail",
            "page",
            "filter",
            "refresh",
            "counts",
            "refresh_end",
            "undone",
        )
    }
    app = make_console(storage)
    async with app.run_test(headless=False, size=SIZE) as pilot:
        await first_frame(app, populated(app), "the populated queue")
        driver = driver_of(app)
        screen = app.screen
        assert isinstance(screen, DispatchScreen)
        view = screen.query_one(QueueView)

        def quiet() -> bool:
            detail = screen.detail
            return (
                view.cursor_id is not None
                and detail is not None
                and detail.ticket.id == view.cursor_id
                and view.cursor_row in view._rows  # noqa: SLF001
                and time.perf_counter() - driver.last_write > 0.05
            )

        undone = 0

        async def timed(
            key: str, what: str, row: int | None = None, **probes: Probe
        ) -> dict[str, float] | None:
            """Seconds from ``key`` to each probe's frame.

            ``None`` if the cursor reached ``row`` and was then moved off it: a
            refresh read before the key, arriving after it, puts the cursor back
            on the ticket it was on (counted in ``undone``; the move is repeated).
            """
            nonlocal undone
            await until(quiet, "a settled console")
            driver.expect(**probes)
            reached = False
            windows = len(LOADED)

            def finished() -> bool:
                nonlocal reached
                if row is not None and view.cursor_row == row:
                    reached = True
                moved_back = (
                    row is not None
                    and view.cursor_row != row
                    and (reached or bool(driver.hits) or len(LOADED) > windows)
                )
                return driver.all_hit() or moved_back

            started = time.perf_counter()
            await press(pilot, key)
            try:
                await until(finished, what)
            except TimeoutError as exc:
                detail = screen.detail.ticket.id if screen.detail else None
                raise TimeoutError(
                    f"{exc}: hits {sorted(driver.hits)}, cursor row {view.cursor_row} "
                    f"on {view.cursor_id}, detail of {detail}, {len(LOADED)} windows"
                ) from None
            if not driver.all_hit():
                undone += 1
                return None
            return {name: hit - started for name, hit in driver.hits.items()}

        for _ in range(2 * runs["move"]):
            if len(samples["move"]) == runs["move"]:
                break
            target = min(view.cursor_row + 1, view.total - 1)
            took = await timed(
                "down",
                "a cursor move and its detail",
                target,
                move=cursor_on(view, target),
                detail=detail_on(screen, view, target),
            )
            if took is not None:
                samples["move"].append(took["move"])
                samples["detail"].append(took["detail"])

        page = max(1, view.scrollable_content_region.height - 1)
        for _ in range(2 * runs["page"]):
            if len(samples["page"]) == runs["page"]:
                break
            if view.cursor_row + page >= view.total:
                await press(pilot, "home")
                await until(lambda: view.cursor_row == 0, "the cursor at the top")
            target = view.cursor_row + page
            took = await timed(
                "pagedown", "a page down", target, page=cursor_on(view, target, loaded=True)
            )
            if took is not None:
                samples["page"].append(took["page"])

        # The five-second refresh stays on for moves and pages (a refresh read
        # before a key and shown after it undoes the move: counted). It is paused
        # for filters and refreshes, whose windows it could be mistaken for.
        refresh_timer(screen).pause()
        field = screen.query_one("#filter", Input)
        for _ in range(runs["filter"]):
            await until(quiet, "a settled console")
            await focus_field(pilot, field, FILTER_WORD)
            took = await timed(
                "enter", "the filtered window", filter=filtered_window_since(view, len(LOADED))
            )
            assert took is not None
            samples["filter"].append(took["filter"])
            await clear_filter(pilot, screen, view, field)

        for _ in range(runs["refresh"]):
            await until(quiet, "a settled console")
            since, counted = len(LOADED), len(COUNTED)
            started = time.perf_counter()
            screen._refresh()  # noqa: SLF001 - what the five-second timer calls
            await until(partial(window_since, since), "the refreshed window")
            samples["refresh"].append(LOADED[since][0] - started)
            await until(lambda: len(COUNTED) > counted, "the refreshed counts")  # noqa: B023
            samples["counts"].append(COUNTED[counted] - started)

        # The same refresh with the cursor on the last row: placing the window around
        # the focused ticket asks for its position, deep in the queue.
        await press(pilot, "end")
        last = view.total - 1
        await until(lambda: view.cursor_row == last and last in view._rows, "the last row")  # noqa: SLF001
        for _ in range(runs["refresh"]):
            await until(quiet, "a settled console")
            since = len(LOADED)
            started = time.perf_counter()
            screen._refresh()  # noqa: SLF001
            await until(partial(window_since, since), "the refreshed window at the end")
            samples["refresh_end"].append(LOADED[since][0] - started)
        await drain(app)
    samples["undone"] = [float(undone)]
    return samples


def measure(path: Path, empty: Path, runs: dict[str, int]) -> dict[str, Any]:
    """Everything for one file; each app runs in its own event loop, as in a fresh process.

    (In one long loop the default executor's threads keep every finished app
    alive, and the growing heap makes the garbage collector's pauses grow too.)
    """
    global OPEN_TICKETS  # noqa: PLW0603 - one measured file per child process
    storage = open_storage(f"sqlite:///{path}")
    time_window_loaded()
    try:
        with storage.reader() as uow:
            open_tickets = OPEN_TICKETS = uow.tickets.count_open()
        bare_first = asyncio.run(start_bare())  # warm-up: lazy imports, first compositor
        bare = [asyncio.run(start_bare()) for _ in range(runs["start"])]
        console_first = asyncio.run(start_console(storage))  # warm-up: CSS, caches
        starts = [
            asyncio.run(start_console(storage, with_rss=i == 0)) for i in range(runs["start"])
        ]
        samples = asyncio.run(actions(storage, runs))
        heap = asyncio.run(traced_start(storage))
    finally:
        storage.dispose()
    nothing = open_storage(f"sqlite:///{empty}")
    try:
        asyncio.run(start_empty(nothing))  # warm-up
        empties = [asyncio.run(start_empty(nothing)) for _ in range(runs["start"])]
    finally:
        nothing.dispose()
    return {
        "open": open_tickets,
        "bare_first": bare_first,
        "console_first": console_first["start"],
        "bare": bare,
        "empty": empties,
        "start": [s["start"] for s in starts],
        "start_detail": [s["start_detail"] for s in starts],
        **samples,
        "rss_populated_mb": starts[0]["rss"],
        "rss_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "heap_mb": heap,
    }


# --- reporting (parent process) ----------------------------------------------------------

TIMED = [
    ("start", "start to populated queue"),
    ("start_detail", "start to first detail"),
    ("move", "cursor move"),
    ("detail", "detail after a move"),
    ("page", "page down"),
    ("filter", f"filter /{FILTER_WORD}"),
    ("refresh", "live refresh"),
    ("counts", "refresh to header counts"),
    ("refresh_end", "live refresh, cursor on last row"),
]
"""Timed measures: key in the child's result, label."""

BASE_LIMIT = 1.5
"""Every measure but the start against the bare app: within 1.5x of the base size."""

BARE_LIMIT = 2.0
"""Start to populated queue: within 2x of a bare App's first paint."""


def median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def report(cases: list[Case], results: dict[Case, dict[str, Any]], runs: dict[str, int]) -> None:
    base = cases[0]

    def line(label: str, cells: list[str]) -> None:
        print(f"{label:<34}" + "".join(f"{c:>14}" for c in cells))

    def ms(case: Case, key: str) -> float:
        return median_ms(results[case][key])

    print()
    print("Medians (size = tickets:open share; times in ms, memory in MB)")
    line("size", [c.label for c in cases])
    line("open tickets", [f"{results[c]['open']:,}" for c in cases])
    line("bare App + Static first paint", [f"{ms(c, 'bare'):.1f}" for c in cases])
    line("console, empty database", [f"{ms(c, 'empty'):.1f}" for c in cases])
    for key, label in TIMED:
        line(label, [f"{ms(c, key):.1f}" for c in cases])
        if key == "start":
            line(
                "  (min / max of the starts)",
                [
                    f"{min(results[c][key]) * 1000:.0f}/{max(results[c][key]) * 1000:.0f}"
                    for c in cases
                ],
            )
    line("first start: bare App", [f"{results[c]['bare_first'] * 1000:.1f}" for c in cases])
    line("first start: console", [f"{results[c]['console_first'] * 1000:.1f}" for c in cases])
    line("RSS after populated", [f"{results[c]['rss_populated_mb']:.0f}" for c in cases])
    line("peak RSS of the child", [f"{results[c]['rss_peak_mb']:.0f}" for c in cases])
    line("moves undone by a refresh (count)", [f"{results[c]['undone'][0]:.0f}" for c in cases])
    line("heap of one start (tracemalloc)", [f"{results[c]['heap_mb']:.1f}" for c in cases])
    print(
        "samples per size: "
        + ", ".join(f"{name} {count}" for name, count in runs.items())
        + " (the first start of each app in a child is a warm-up, shown apart)"
    )

    print()
    print(f"Ratios and targets (base: {base.label}, {results[base]['open']:,} open)")
    line("measure (ratio, met/missed)", [c.label for c in cases] + ["target"])
    missed: list[str] = []

    def ratios(label: str, values: list[float], limit: float) -> None:
        line(
            label,
            [f"{r:.2f}x {'met' if r <= limit else 'MISSED'}" for r in values] + [f"<= {limit:g}x"],
        )
        missed.extend(
            f"{label} at {c.label}: {r:.2f}x"
            for c, r in zip(cases, values, strict=True)
            if r > limit
        )

    ratios(
        "start / bare App (same size)",
        [ms(c, "start") / ms(c, "bare") for c in cases],
        BARE_LIMIT,
    )
    line(
        "start / empty console (info)",
        [f"{ms(c, 'start') / ms(c, 'empty'):.2f}x" for c in cases] + ["-"],
    )
    for key, label in TIMED:
        ratios(f"{label} / base", [ms(c, key) / ms(base, key) for c in cases], BASE_LIMIT)
    ratios(
        "RSS after populated / base",
        [results[c]["rss_populated_mb"] / results[base]["rss_populated_mb"] for c in cases],
        BASE_LIMIT,
    )
    print()
    if missed:
        print("Missed targets:")
        for verdict in missed:
            print(f"  - {verdict}")
    else:
        print("All targets met.")


def parse_cases(text: str) -> list[Case]:
    cases = []
    for item in text.split(","):
        tickets, _, share = item.partition(":")
        cases.append(Case(int(tickets), float(share) if share else 0.1))
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes",
        default="1000:1.0,1000:0.1,100000:0.1,100000:1.0,1000000:0.1",
        help="TICKETS:OPEN_SHARE pairs; the first is the base of the ratios.",
    )
    parser.add_argument("--starts", type=int, default=11, help="Measured starts per size.")
    parser.add_argument("--moves", type=int, default=40, help="Cursor moves per size.")
    parser.add_argument("--pages", type=int, default=20, help="Pages down per size.")
    parser.add_argument("--filters", type=int, default=7, help="Filters per size.")
    parser.add_argument("--refreshes", type=int, default=15, help="Refreshes per size.")
    parser.add_argument("--keep", type=Path, help="Keep (and reuse) the seeded files here.")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--empty", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--runs", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.measure is not None:  # child: measure one file, print JSON
        result = measure(args.measure, args.empty, json.loads(args.runs))
        print(json.dumps(result))
        return

    runs = {
        "start": args.starts,
        "move": args.moves,
        "page": args.pages,
        "filter": args.filters,
        "refresh": args.refreshes,
    }
    cases = parse_cases(args.sizes)
    results: dict[Case, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        empty = folder / Case(0, 0.0).file_name
        if not empty.exists():
            build(empty, Case(0, 0.0)).dispose()
        for case in cases:
            path = folder / case.file_name
            if path.exists():
                print(f"reusing {path}", flush=True)
            else:
                started = time.perf_counter()
                build(path, case).dispose()
                took = time.perf_counter() - started
                print(f"seeded {case.label:>13} tickets in {took:6.1f} s", flush=True)
            started = time.perf_counter()
            child = subprocess.run(
                [
                    *(sys.executable, __file__, "--measure", str(path), "--empty", str(empty)),
                    *("--runs", json.dumps(runs)),
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            if child.returncode != 0:
                print(child.stdout[-2000:], child.stderr[-4000:], sep="\n", file=sys.stderr)
                raise SystemExit(f"measuring {case.label} failed")
            results[case] = json.loads(child.stdout.strip().splitlines()[-1])
            took = time.perf_counter() - started
            print(f"measured {case.label:>13} in {took:6.1f} s", flush=True)
    report(cases, results, runs)


if __name__ == "__main__":
    main()
