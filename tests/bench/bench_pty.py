"""Benchmark: what the console writes to a real terminal, and what it costs while idle.

Plain script, not a test::

    python tests/bench/bench_pty.py [--sizes 1000:1.0,100000:0.1,...] [--keep DIR]
                                    [--idle-seconds 60] [--runs 2]

Each size is ``TICKETS:OPEN_SHARE``, seeded as ``bench_console.py`` seeds it
(its ``build``: the demo directory plus ``dispatch seed``'s synthetic tickets).
The console runs as ``python -m dispatch --db sqlite:///FILE`` in a pseudo-
terminal (``pty.fork``; ``TERM=xterm-256color``, ``COLORTERM=truecolor``, the
window size set with ``TIOCSWINSZ``), exactly as a dispatcher starts it; the
bench reads everything it writes. A bare Textual ``DataTable`` app with as
many rows as the console's queue (at most 100,000: it builds every row) runs
the same way, as the base of the bytes per move.

Per size and terminal size (80x24, queue only; 160x48, with the side panes),
after the first queue row is on screen and the start has settled:

1. bytes per cursor move: write ``j``, read until the output is quiet for
   100 ms, count the bytes (median of the moves, from the top of the queue,
   so none scrolls; the few in which the one-second clock also painted do
   not move the median).
2. key to paint: from writing the key to the end of the first frame it
   caused (the cursor drawn), and to the end of the whole burst (with the
   side panes: the ticket's detail, read in a worker), for single keys on a
   quiet console and for bursts of 10 keys typed 120 ms apart (each key of
   a burst timed to the end of the output that followed it before the next).
3. idle: bytes per second written and CPU share of one core used by the
   child (``/proc/PID/stat`` utime + stime) over ``--idle-seconds``, and its
   resident set at the start and the end of that idle run.

Sizes are interleaved run by run (``--runs``), since this machine is noisy;
the table shows medians over the runs, each figure against its target:
bytes per move at most 2x the bare DataTable's and flat in queue size (within
1.2x of the base size); idle at most 1 KB/s and 0.5 % of a core; key to paint
median at most 16.7 ms, p95 at most 50 ms, at each size within 1.2x of the base.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import re
import select
import signal
import statistics
import struct
import sys
import tempfile
import termios
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from tests.bench.bench_console import Case, build, parse_cases  # noqa: E402

TERMINALS: tuple[tuple[int, int], ...] = ((80, 24), (160, 48))
QUIET = 0.1
"""Seconds without output that end the burst a key caused."""
FRAME_GAP = 0.004
"""Seconds without output that end one frame (a frame is one write by Textual's writer thread)."""
START_TIMEOUT = 180.0
SETTLE = 6.0
"""Seconds after the first row before measuring: the start's reads, sweep and toasts."""
BURST_KEYS = 10
BURST_PAUSE = 0.12
TICK = os.sysconf("SC_CLK_TCK")
ROW = re.compile(rb"T-\d+")

BARE_APP = r"""
import sys
from textual.app import App
from textual.widgets import DataTable

ROWS = int(sys.argv[1])

class Table(DataTable):
    BINDINGS = [("j", "cursor_down", "Down")]

class Bare(App):
    def compose(self):
        yield Table(cursor_type="row")

    def on_mount(self):
        table = self.query_one(Table)
        table.add_columns("S", "Ticket", "Kind", "Sev", "Due/age", "Status", "Assignee", "Title")
        table.add_rows(
            ("●", f"T-{i}", "SLA", "P2", "1h 12m", "New", "ana", f"Printer {i} jams on tray 2")
            for i in range(1, ROWS + 1)
        )
        table.focus()

Bare().run()
"""


@dataclass
class Child:
    """A program running in a pseudo-terminal, and what it wrote."""

    pid: int
    fd: int
    out: bytearray = field(default_factory=bytearray)

    @classmethod
    def spawn(cls, argv: list[str], size: tuple[int, int], cwd: Path) -> Child:
        env = dict(os.environ, TERM="xterm-256color", COLORTERM="truecolor")
        env.pop("TEXTUAL", None)
        env.pop("NO_COLOR", None)
        pid, fd = pty.fork()
        if pid == 0:  # the child: size its terminal, then become the program
            cols, rows = size
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
            os.chdir(cwd)
            os.execvpe(argv[0], argv, env)
        return cls(pid, fd)

    def read(self, timeout: float) -> bytes:
        """What arrives within ``timeout`` seconds (empty if nothing)."""
        ready, _, _ = select.select([self.fd], [], [], max(timeout, 0.0))
        if not ready:
            return b""
        try:
            data = os.read(self.fd, 1 << 16)
        except OSError:
            return b""
        self.out += data
        return data

    def wait_for(self, found: Callable[[bytes], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not found(bytes(self.out)):
            if time.monotonic() > deadline:
                tail = bytes(self.out[-400:])
                raise SystemExit(f"timed out waiting for {what}; last output: {tail!r}")
            self.read(0.05)

    def drain(self, quiet: float) -> tuple[int, float | None, float | None]:
        """Read until quiet for ``quiet`` s: bytes, end of the first frame, end of the last."""
        count = 0
        first_end: float | None = None
        last: float | None = None
        in_first = True
        while True:
            data = self.read(quiet)
            if not data:
                return count, first_end, last
            now = time.perf_counter()
            if last is not None and now - last >= FRAME_GAP:
                in_first = False
            if in_first:
                first_end = now
            count += len(data)
            last = now

    def write(self, data: bytes) -> float:
        os.write(self.fd, data)
        return time.perf_counter()

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def stop(self) -> None:
        with_timeout = time.monotonic() + 5
        try:
            os.kill(self.pid, signal.SIGTERM)
            while time.monotonic() < with_timeout:
                done, _ = os.waitpid(self.pid, os.WNOHANG)
                if done:
                    break
                self.read(0.05)
            else:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(self.fd)


def settle(child: Child, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        child.read(deadline - time.monotonic())


def moves(child: Child, count: int) -> tuple[list[int], list[float], list[float]]:
    """Single ``j`` presses on a quiet console: bytes, first-frame and burst latencies (ms)."""
    sizes: list[int] = []
    frame: list[float] = []
    burst: list[float] = []
    for _ in range(count):
        child.drain(QUIET)  # start quiet
        sent = child.write(b"j")
        size, first_end, last = child.drain(QUIET)
        if first_end is None or last is None:
            continue
        sizes.append(size)
        frame.append((first_end - sent) * 1000)
        burst.append((last - sent) * 1000)
    return sizes, frame, burst


def bursts(child: Child, count: int) -> list[float]:
    """Keys typed ``BURST_PAUSE`` apart: each key to the end of its first frame (ms)."""
    latencies: list[float] = []
    for _ in range(count):
        child.drain(QUIET)
        for _ in range(BURST_KEYS):
            sent = child.write(b"j")
            deadline = sent + BURST_PAUSE
            first_end: float | None = None
            while (left := deadline - time.perf_counter()) > 0:
                data = child.read(min(left, FRAME_GAP) if first_end is not None else left)
                if not data and first_end is not None:
                    settle(child, deadline - time.perf_counter())  # the frame ended
                    break
                if data:
                    first_end = time.perf_counter()
            if first_end is not None:
                latencies.append((first_end - sent) * 1000)
    return latencies


def idle(child: Child, seconds: float) -> dict[str, float]:
    """Bytes per second, CPU share and RSS over ``seconds`` untouched."""
    child.drain(QUIET)
    rss_start = child.rss_mb()
    before = len(child.out)
    cpu = child.cpu_seconds()
    started = time.perf_counter()
    settle(child, seconds)
    took = time.perf_counter() - started
    return {
        "idle_bps": (len(child.out) - before) / took,
        "idle_cpu": (child.cpu_seconds() - cpu) / took * 100,
        "rss_start": rss_start,
        "rss_end": child.rss_mb(),
    }


def first_row(data: bytes) -> bool:
    return ROW.search(data) is not None


def run_console(path: Path, size: tuple[int, int], args: argparse.Namespace) -> dict[str, float]:
    argv = [sys.executable, "-m", "dispatch", "--db", f"sqlite:///{path}"]
    child = Child.spawn(argv, size, ROOT)
    try:
        child.wait_for(first_row, START_TIMEOUT, "the first queue row")
        settle(child, args.settle)
        sizes, frame, burst = moves(child, args.moves)
        typed = bursts(child, args.bursts)
        result = {
            "bytes": statistics.median(sizes),
            "frame_med": statistics.median(frame),
            "frame_p95": p95(frame),
            "burst_med": statistics.median(burst),
            "burst_p95": p95(burst),
            "typed_med": statistics.median(typed),
            "typed_p95": p95(typed),
        }
        result.update(idle(child, args.idle_seconds))
        return result
    finally:
        child.stop()


def run_bare(rows: int, size: tuple[int, int], args: argparse.Namespace) -> dict[str, float]:
    child = Child.spawn([sys.executable, "-c", BARE_APP, str(rows)], size, ROOT)
    try:
        child.wait_for(first_row, START_TIMEOUT, "the bare table's first row")
        settle(child, 1.0)
        sizes, frame, _ = moves(child, args.moves)
        return {"bytes": statistics.median(sizes), "frame_med": statistics.median(frame)}
    finally:
        child.stop()


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def open_count(path: Path) -> int:
    import sqlite3

    with sqlite3.connect(path) as db:
        (count,) = db.execute(
            "select count(*) from tickets where status not in ('resolved', 'closed')"
        ).fetchone()
    return int(count)


def report(
    cases: list[Case],
    results: dict[tuple[str, tuple[int, int]], list[dict[str, float]]],
) -> None:
    def value(label: str, term: tuple[int, int], key: str) -> float:
        return statistics.median(r[key] for r in results[(label, term)])

    print()
    print(f"{'figure':<44} {'value':>10} {'target':>10} {'ratio':>7}  result")
    print("-" * 82)

    def line(figure: str, got: float, target: float, unit: str = "") -> None:
        ratio = got / target if target else float("inf")
        verdict = "met" if got <= target else "MISSED"
        print(f"{figure:<44} {got:>9.1f}{unit} {target:>9.1f}{unit} {ratio:>6.2f}x  {verdict}")

    base = cases[0].label
    for term in TERMINALS:
        tag = f"{term[0]}x{term[1]}"
        for case in cases:
            label = case.label
            bare = value(f"bare:{label}", term, "bytes")
            got = value(label, term, "bytes")
            line(f"{tag} {label} bytes/move (vs 2x bare {bare:.0f})", got, 2 * bare, "")
            if label != base:
                line(f"{tag} {label} bytes/move vs base", got, 1.2 * value(base, term, "bytes"))
            for key, what in (
                ("frame", "key to frame"),
                ("burst", "key to burst end"),
                ("typed", "typed burst key to frame"),
            ):
                line(f"{tag} {label} {what} median ms", value(label, term, f"{key}_med"), 16.7)
                line(f"{tag} {label} {what} p95 ms", value(label, term, f"{key}_p95"), 50.0)
                if label != base:
                    for stat in ("med", "p95"):
                        line(
                            f"{tag} {label} {what} {stat} vs base",
                            value(label, term, f"{key}_{stat}"),
                            1.2 * value(base, term, f"{key}_{stat}"),
                        )
            line(f"{tag} {label} idle bytes/s", value(label, term, "idle_bps"), 1024.0)
            line(f"{tag} {label} idle CPU % of a core", value(label, term, "idle_cpu"), 0.5)
            start, end = value(label, term, "rss_start"), value(label, term, "rss_end")
            line(f"{tag} {label} idle RSS MB (start {start:.1f})", end, start * 1.02)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1000:1.0,100000:0.1,1000000:0.1")
    parser.add_argument("--keep", type=Path, help="Keep (and reuse) the seeded files here.")
    parser.add_argument("--idle-seconds", type=float, default=60.0)
    parser.add_argument("--settle", type=float, default=SETTLE)
    parser.add_argument("--moves", type=int, default=30)
    parser.add_argument("--bursts", type=int, default=3)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--terminals", default="80x24,160x48")
    args = parser.parse_args()
    global TERMINALS  # noqa: PLW0603 - one knob for the report too
    TERMINALS = tuple(
        (int(w), int(h)) for w, h in (t.split("x") for t in args.terminals.split(","))
    )
    cases = parse_cases(args.sizes)
    results: dict[tuple[str, tuple[int, int]], list[dict[str, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for case in cases:
            path = folder / case.file_name
            if not path.exists():
                started = time.perf_counter()
                build(path, case).dispose()
                print(f"seeded {case.label} in {time.perf_counter() - started:.1f} s", flush=True)
        rows = {case.label: min(open_count(folder / case.file_name), 100_000) for case in cases}
        for run in range(args.runs):
            for term in TERMINALS:
                for case in cases:  # interleaved: bare, console, next size
                    label = case.label
                    bare = run_bare(rows[label], term, args)
                    results.setdefault((f"bare:{label}", term), []).append(bare)
                    got = run_console(folder / case.file_name, term, args)
                    results.setdefault((label, term), []).append(got)
                    print(
                        f"run {run + 1} {term[0]}x{term[1]} {label}: "
                        + ", ".join(f"{k}={v:.1f}" for k, v in got.items())
                        + f" (bare bytes={bare['bytes']:.0f})",
                        flush=True,
                    )
    report(cases, results)


if __name__ == "__main__":
    main()
