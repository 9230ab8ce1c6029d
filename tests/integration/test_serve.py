"""``dispatch serve`` for real: the server process, WebSockets, and a headless Chromium.

Each test starts ``dispatch serve`` on 127.0.0.1 on a free port against a SQLite
file holding the demo data, and speaks to it as a browser would (aiohttp's
client sends the ``Origin`` and proxy headers a browser and nginx would).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import aiohttp
import pytest
from click.testing import CliRunner
from playwright.sync_api import Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from dispatch.bootstrap import open_storage
from dispatch.cli import cli
from dispatch.web import origin_of
from tests.conftest import load_demo

HEADER = "X-Forwarded-User"
_CSI = re.compile(r"\x1b(\[[0-9;?<>=]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-_])")

Serve = Callable[..., str]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_for_port(port: int, child: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if child.poll() is not None:
            pytest.fail(f"dispatch serve exited {child.returncode}: {log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"dispatch serve did not listen on {port}: {log.read_text()}")


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Serve]:
    """Start ``dispatch serve`` with a ``[serve]`` table; returns its base URL."""
    url = f"sqlite:///{tmp_path / 'served.db'}"
    storage = open_storage(url)
    load_demo(storage)
    storage.dispose()
    children: list[subprocess.Popen[bytes]] = []

    def start(serve_table: str = "", *args: str) -> str:
        config = tmp_path / "dispatch.toml"
        config.write_text(f"[serve]\n{serve_table}\n")
        port = _free_port()
        log = tmp_path / f"serve-{port}.log"
        child = subprocess.Popen(
            [sys.executable, "-m", "dispatch", "serve", "--db", url, "--port", str(port), *args],
            env={**os.environ, "DISPATCH_CONFIG": str(config)},
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its consoles go with it
        )
        children.append(child)
        _wait_for_port(port, child, log)
        return f"http://127.0.0.1:{port}"

    yield start
    for child in children:
        os.killpg(child.pid, signal.SIGTERM)
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()


def _screen_text(data: bytes) -> str:
    """The text a console wrote, without its escape sequences."""
    return _CSI.sub("", data.decode("utf-8", "replace"))


async def _console_shows(ws: aiohttp.ClientWebSocketResponse, *words: str) -> str:
    """Read the console's output until every word has been drawn (or fail after 30 s)."""
    seen = b""
    async with asyncio.timeout(30):
        while not all(word in _screen_text(seen) for word in words):
            message = await ws.receive()
            if message.type == aiohttp.WSMsgType.BINARY:
                seen += message.data
            elif message.type in {aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED}:
                pytest.fail(f"the console closed: {_screen_text(seen)[-2000:]}")
    return _screen_text(seen)


async def _status(session: aiohttp.ClientSession, url: str, **headers: str) -> int:
    async with session.get(url, headers=headers) as response:
        return response.status


async def _ws_refused(session: aiohttp.ClientSession, url: str, **headers: str) -> int:
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await session.ws_connect(f"{url}/ws?width=160&height=40", headers=headers)
    return refused.value.status


def test_origin_is_compared_without_default_ports_or_case() -> None:
    assert origin_of("HTTPS://Dispatch.Example.com:443/app/") == "https://dispatch.example.com"
    assert origin_of("http://127.0.0.1:8000") == "http://127.0.0.1:8000"
    assert origin_of("http://[::1]:8000/") == "http://[::1]:8000"
    assert origin_of("null") != origin_of("http://127.0.0.1:8000")


async def test_a_foreign_origin_is_refused(serve: Serve) -> None:
    url = serve()
    async with aiohttp.ClientSession() as session:
        assert await _status(session, url) == 200  # no Origin: curl, a proxy's health check
        assert await _status(session, url, Origin=url) == 200
        assert await _status(session, url, Origin="http://evil.example") == 403
        assert await _status(session, url, Origin="null") == 403
        assert await _status(session, url, Origin="http://localhost:1") == 403
        assert await _ws_refused(session, url, Origin="http://evil.example") == 403


async def test_behind_a_proxy_only_the_public_origin_is_allowed(serve: Serve) -> None:
    url = serve("", "--public-url", "https://dispatch.example.com/")
    async with aiohttp.ClientSession() as session:
        assert await _status(session, url, Origin="https://dispatch.example.com") == 200
        assert await _status(session, url, Origin=url) == 403
        async with session.get(url) as response:
            assert "wss://dispatch.example.com/ws" in await response.text()


async def test_with_an_identity_header_a_request_without_one_is_refused(serve: Serve) -> None:
    url = serve(f'identity_header = "{HEADER}"')
    async with aiohttp.ClientSession() as session:
        assert await _status(session, url) == 403
        assert await _status(session, f"{url}/static/js/textual.js") == 403
        assert await _status(session, url, **{HEADER: "a b"}) == 403
        assert await _status(session, url, **{HEADER: "-rf"}) == 403
        assert await _status(session, url, **{HEADER: "<b>x</b>"}) == 403
        assert await _ws_refused(session, url) == 403
        async with session.get(url, headers=[(HEADER, "ana"), (HEADER, "root")]) as twice:
            assert twice.status == 403
        assert await _status(session, url, **{HEADER: "ana"}) == 200


async def test_the_session_acts_as_the_proxys_login_and_may_change(serve: Serve) -> None:
    url = serve(f'identity_header = "{HEADER}"')
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(f"{url}/ws?width=160&height=40", headers={HEADER: "ana"}) as ws,
    ):
        screen = await _console_shows(ws, "ana @", "T-")
        assert "read-only" not in screen


async def test_access_read_only_applies_to_the_proxys_login(serve: Serve) -> None:
    url = serve(f'identity_header = "{HEADER}"\n[access]\nread_only = ["lead"]')
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(f"{url}/ws?width=160&height=40", headers={HEADER: "lead"}) as ws,
    ):
        await _console_shows(ws, "read-only", "lead @")


async def test_without_an_identity_header_every_session_is_read_only(serve: Serve) -> None:
    url = serve()
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(
            f"{url}/ws?width=160&height=40", headers={HEADER: "ana", "Origin": url}
        ) as ws,
    ):
        screen = await _console_shows(ws, "read-only", "T-")
        assert "ana @" not in screen  # a header nobody configured is not believed


async def test_sessions_beyond_the_cap_are_refused(serve: Serve) -> None:
    url = serve("max_sessions = 5", "--max-sessions", "1")  # the flag wins
    async with aiohttp.ClientSession() as session:
        first = await session.ws_connect(f"{url}/ws?width=120&height=30")
        await _console_shows(first, "T-")
        assert await _ws_refused(session, url) == 503
        async with session.get(url) as page:
            assert page.status == 503
            assert "all 1 console sessions are in use" in await page.text()
        await first.close()
        for _ in range(100):  # the closed console's place is free again
            if await _status(session, url) == 200:
                break
            await asyncio.sleep(0.2)
        else:
            pytest.fail("a closed session still counts against the cap")
        async with session.ws_connect(f"{url}/ws?width=120&height=30") as again:
            await _console_shows(again, "T-")


# xterm.js draws on a canvas (WebGL), so the screen is not in the DOM. textual-serve
# keeps its Terminal in a closure; the page's own `this.terminal = new Terminal(...)`
# goes through this setter, which keeps a reference. The test then reads xterm's
# buffer: exactly the cells the browser draws.
_KEEP_TERMINAL = """
Object.defineProperty(Object.prototype, "terminal", {
  configurable: true,
  get() { return undefined; },
  set(value) {
    Object.defineProperty(this, "terminal", {value, writable: true, configurable: true});
    if (value && value.buffer && typeof value.write === "function") { window.xtermForTest = value; }
  },
});
window.screenText = () => {
  const term = window.xtermForTest;
  if (!term) { return ""; }
  const buffer = term.buffer.active;
  const rows = [];
  for (let y = 0; y < term.rows; y++) {
    const line = buffer.getLine(buffer.viewportY + y);
    rows.push(line ? line.translateToString(true) : "");
  }
  return rows.join("\\n");
};
"""


def _wait_for_screen(page: Page, condition: str, what: str) -> str:
    """Wait until ``condition`` (JavaScript on ``screen``, the text) holds; fail showing it."""
    try:
        page.wait_for_function(f"(screen => {condition})(window.screenText())", timeout=20_000)
    except PlaywrightTimeout:
        pytest.fail(f"the browser never showed {what}; it shows:\n{page.evaluate('screenText()')}")
    text: str = page.evaluate("window.screenText()")
    return text


def test_a_browser_shows_the_queue_and_takes_keys(serve: Serve) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("no chromium binary on PATH (apt-get install -y chromium)")

    url = serve()
    # Root (CI here) cannot use Chromium's sandbox; the page is our own, on loopback.
    args = ["--no-sandbox"] if os.geteuid() == 0 else []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=args)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            # The page asks a font host for Roboto Mono: nothing leaves this machine.
            page.route(re.compile(r"^https?://(?!127\.0\.0\.1)"), lambda route: route.abort())
            page.add_init_script(_KEEP_TERMINAL)
            page.goto(url)
            screen = _wait_for_screen(page, "/\\bT-\\d+\\b/.test(screen)", "the queue")
            header = screen.splitlines()[0]
            assert re.search(r"\b(read-only|RO)\b", header), header
            page.locator(".xterm-helper-textarea").focus()
            page.keyboard.press("/")
            _wait_for_screen(page, "screen.includes('▔▔▔')", "the filter box")
            page.keyboard.type("T-19", delay=50)
            _wait_for_screen(page, "screen.includes('▊  T-19')", "the typed filter")
            page.keyboard.press("Enter")  # a ticket's ref in the filter goes to that ticket
            _wait_for_screen(page, "screen.includes('╭─ T-19 ─')", "T-19 in the detail pane")
        finally:
            browser.close()


@pytest.mark.parametrize(
    ("args", "config", "code", "error"),
    [
        (["--public-url", "dispatch.example.com"], "", 2, "must start with http:// or https://"),
        (["--max-sessions", "0"], "", 2, "--max-sessions"),
        ([], "[serve]\nmax_sessions = -1\n", 1, r"\[serve\] max_sessions must be a positive"),
        ([], "[serve]\nidentity_header = 'X User'\n", 1, r"\[serve\] identity_header must be"),
    ],
)
def test_bad_serve_options_and_settings_are_refused_before_serving(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    config: str,
    code: int,
    error: str,
) -> None:
    toml = tmp_path / "dispatch.toml"
    toml.write_text(config)
    monkeypatch.setenv("DISPATCH_CONFIG", str(toml))
    result = CliRunner().invoke(
        cli, ["serve", "--db", f"sqlite:///{tmp_path / 'x.db'}", "--port", "1", *args]
    )
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert re.search(error, result.stderr), result.stderr
    assert result.stderr.count("\n") == 1  # one line, as every dispatch error
