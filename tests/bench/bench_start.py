"""Benchmark: the console starts within 2x of a bare Textual app, in a real terminal.

Plain script, not a test::

    python tests/bench/bench_start.py [--sizes 1000:1.0,100000:0.1,1000000:0.1] [--keep DIR]

``bench_console.py`` measures the start inside one process (``run_test``),
which leaves out what a dispatcher waits for first: the interpreter, the
imports, opening the database. This one spawns ``python -m dispatch --db
sqlite:///FILE`` in a real pseudo-terminal (``TERM=xterm-256color``, 160x48
set with ``TIOCSWINSZ``) and times from the spawn to the first output that
holds a ticket row (``T-`` and digits), against a bare Textual app (``App`` +
``Static``, spawned the same way) to the first output holding its text. The
console and the bare app are interleaved run by run (this machine is noisy),
each child quits with ``ctrl+q`` once measured, and every figure is a median.

Files are seeded as ``bench_console.py`` seeds them (its ``build``), and each
size is measured on a copy, so that the seeded file stays as seeded. The
children get a bytecode cache of their own (``PYTHONPYCACHEPREFIX``; these
machines set ``PYTHONDONTWRITEBYTECODE``, with which an editable install would
compile its modules at every start), filled by one unmeasured start of each,
and config, data and state folders of their own (no user's dispatch.toml or
remembered view).

It prints, per size, the medians and the target: start to populated queue
within 2x of the bare app's first paint.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import re
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # for tests.bench.*

from tests.bench.bench_console import Case, build, parse_cases  # noqa: E402

ROWS, COLUMNS = 48, 160
TIMEOUT = float(os.environ.get("BENCH_TIMEOUT", "60"))
LIMIT = 2.0
"""Start to populated queue: within 2x of a bare App's first paint."""

TICKET_ROW = re.compile(rb"T-\d+")
BARE_TEXT = re.compile(rb"bare app first paint")
BARE_APP = """\
from textual.app import App
from textual.widgets import Static

class BareApp(App):
    def compose(self):
        yield Static("bare app first paint")

BareApp().run()
"""


def child_env(home: Path) -> dict[str, str]:
    """The environment of every child: a terminal, and folders of the benchmark's own."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DISPATCH_", "TEXTUAL")) and k != "PYTHONDONTWRITEBYTECODE"
    }
    env.update(
        TERM="xterm-256color",
        COLORTERM="truecolor",
        COLUMNS=str(COLUMNS),
        LINES=str(ROWS),
        PYTHONPYCACHEPREFIX=str(home / "pycache"),
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_STATE_HOME=str(home / "state"),
        XDG_CACHE_HOME=str(home / "cache"),
    )
    return env


def _take_terminal() -> None:
    """In the child: a session of its own, with the pty as its controlling terminal."""
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def spawn_until(argv: list[str], env: dict[str, str], pattern: re.Pattern[bytes]) -> float:
    """Seconds from spawning ``argv`` in a pty to the first output matching ``pattern``."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
    started = time.perf_counter()
    child = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        argv,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        preexec_fn=_take_terminal,  # noqa: PLW1509 - no threads in this process
        close_fds=True,
    )
    os.close(slave)
    seen = b""
    took: float | None = None
    try:
        deadline = started + TIMEOUT
        while took is None:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError(f"no match for {pattern.pattern!r}; last output {seen[-400:]!r}")
            ready, _, _ = select.select([master], [], [], left)
            if not ready:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed the terminal (it exited)
                chunk = b""
            if not chunk:
                raise RuntimeError(f"{argv[1:]} exited: {seen[-2000:]!r}")
            seen = seen[-200:] + chunk  # a match may straddle two reads
            if pattern.search(seen):
                took = time.perf_counter() - started
        os.write(master, b"\x11")  # ctrl+q: quit as a user does (the sweep lease is given up)
        _drain_until_exit(master, child)
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
        os.close(master)
    return took


def _drain_until_exit(master: int, child: subprocess.Popen[bytes], within: float = 10.0) -> None:
    """Keep reading the terminal (a full pty would block the child) until the child exits."""
    deadline = time.perf_counter() + within
    while child.poll() is None and time.perf_counter() < deadline:
        ready, _, _ = select.select([master], [], [], 0.05)
        if ready:
            try:
                if not os.read(master, 65536):
                    break
            except OSError:
                break
    try:
        child.wait(timeout=max(0.1, deadline - time.perf_counter()))
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()


def measure(path: Path, home: Path, runs: int) -> tuple[list[float], list[float]]:
    """Starts of the bare app and of the console on ``path``, interleaved run by run."""
    env = child_env(home)
    console = [sys.executable, "-m", "dispatch", "--db", f"sqlite:///{path}"]
    bare = [sys.executable, "-c", BARE_APP]
    spawn_until(bare, env, BARE_TEXT)  # warm-up: fills the bytecode cache, the page cache
    spawn_until(console, env, TICKET_ROW)
    bares: list[float] = []
    consoles: list[float] = []
    for _ in range(runs):
        bares.append(spawn_until(bare, env, BARE_TEXT))
        consoles.append(spawn_until(console, env, TICKET_ROW))
    return bares, consoles


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes",
        default="1000:1.0,100000:0.1,1000000:0.1",
        help="TICKETS:OPEN_SHARE pairs (seeded as bench_console.py seeds them).",
    )
    parser.add_argument("--runs", type=int, default=11, help="Measured starts of each per size.")
    parser.add_argument("--keep", type=Path, help="Keep (and reuse) the seeded files here.")
    args = parser.parse_args()
    cases: list[Case] = parse_cases(args.sizes)
    results: dict[Case, tuple[list[float], list[float]]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-start-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        home = Path(tmp) / "home"
        home.mkdir()
        for case in cases:
            seeded = folder / case.file_name
            if not seeded.exists():
                started = time.perf_counter()
                build(seeded, case).dispose()
                print(f"seeded {case.label} in {time.perf_counter() - started:.0f} s", flush=True)
            work = Path(tmp) / f"run-{case.file_name}"
            shutil.copyfile(seeded, work)
            results[case] = measure(work, home, args.runs)
            print(f"measured {case.label}", flush=True)
            work.unlink()
    report(cases, results, args.runs)


def report(
    cases: list[Case], results: dict[Case, tuple[list[float], list[float]]], runs: int
) -> None:
    print()
    print(f"Spawn to first paint in a {COLUMNS}x{ROWS} pty (medians of {runs}, ms)")
    print(
        f"{'size':>16} {'bare app':>10} {'console':>10} {'min/max':>12} "
        f"{'ratio':>8} {'target':>8}  met"
    )
    missed = []
    for case in cases:
        bares, consoles = results[case]
        bare, console = statistics.median(bares) * 1000, statistics.median(consoles) * 1000
        ratio = console / bare
        spread = f"{min(consoles) * 1000:.0f}/{max(consoles) * 1000:.0f}"
        met = ratio <= LIMIT
        if not met:
            missed.append(f"{case.label}: {ratio:.2f}x")
        print(
            f"{case.label:>16} {bare:>10.0f} {console:>10.0f} {spread:>12} "
            f"{ratio:>7.2f}x {'<= ' + format(LIMIT, 'g') + 'x':>8}  {'met' if met else 'MISSED'}"
        )
    print()
    print("Missed: " + "; ".join(missed) if missed else "All targets met.")


if __name__ == "__main__":
    main()
