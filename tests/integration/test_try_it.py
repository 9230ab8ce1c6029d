"""The README's "Try it" command, run as a user would: twice in a row, in a terminal."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

from sqlalchemy import create_engine, func
from sqlalchemy import select as sql_select

from dispatch.config import demo_db_url
from dispatch.store.schema import PresenceRow


def _read_until(fd: int, wanted: bytes, timeout: float) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while wanted not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                seen += os.read(fd, 65536)
            except OSError:  # the child closed the terminal
                break
    return seen


def _run_demo_and_quit() -> tuple[int, bytes]:
    """``dispatch demo --reset`` at 80x24: wait for the queue, press q, wait for the exit."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24"}
    child = subprocess.Popen(
        [sys.executable, "-m", "dispatch", "demo", "--reset"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        close_fds=True,
    )
    os.close(slave)
    try:
        shown = _read_until(master, b"Assign", 60)
        assert b"Assign" in shown, shown[-2000:]
        time.sleep(1.5)  # the detail is read and the heartbeat written
        os.write(master, b"q")
        rest = b""
        deadline = time.monotonic() + 30
        while child.poll() is None and time.monotonic() < deadline:
            rest += _read_until(master, b"\x00never\x00", 0.5)
        code = child.wait(timeout=5)
        return code, shown + rest
    finally:
        if child.poll() is None:
            child.kill()
        os.close(master)


def test_the_try_it_command_runs_twice_in_a_row() -> None:
    first, _ = _run_demo_and_quit()
    assert first == 0
    # The console left its presence behind: the reset must clear it too.
    engine = create_engine(demo_db_url())
    try:
        with engine.connect() as conn:
            assert (conn.scalar(sql_select(func.count()).select_from(PresenceRow)) or 0) >= 1
    finally:
        engine.dispose()
    second, output = _run_demo_and_quit()
    assert b"FOREIGN KEY" not in output
    assert b"dispatch: error" not in output, output[-2000:]
    assert second == 0
    assert Path(demo_db_url().removeprefix("sqlite:///")).exists()
