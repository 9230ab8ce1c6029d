"""The console in a browser: textual-serve's server behind dispatch's guard.

textual-serve (``pip install 'dispatch[web]'``) runs one console process per
browser connection and has no authentication of its own. ``DispatchServer``
adds what a shared console needs, and nothing else:

- a request whose ``Origin`` is not the server's own public origin is refused
  (403), so another site open in the dispatcher's browser cannot drive the
  console (cross-site WebSocket hijacking, DNS rebinding);
- identity comes only from the header a reverse proxy sets after it
  authenticated the user (``[serve] identity_header``): a request without it,
  with it twice, or with a value that is not a login is refused (403). Without
  a configured header every session is read-only, as the OS user serving;
- at most ``max_sessions`` consoles run at once; one more is refused (503).
"""

from __future__ import annotations

import asyncio
import logging
import shlex
from collections.abc import Awaitable, Callable, Sequence
from urllib.parse import urlsplit

from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from dispatch.config import SERVED_LOGIN_ENV, is_login

log = logging.getLogger("dispatch.web")

LOGIN_KEY = web.RequestKey("dispatch_login", str)
"""The login a request's identity header named (absent without a configured header)."""

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def origin_of(url: str) -> str:
    """The origin (``scheme://host[:port]``, default port left out) of a URL or an Origin value."""
    parts = urlsplit(url.strip().lower())
    try:
        port = parts.port
    except ValueError:
        return ""
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"  # IPv6
    if port is None or port == _DEFAULT_PORTS.get(parts.scheme):
        return f"{parts.scheme}://{host}"
    return f"{parts.scheme}://{host}:{port}"


class DispatchServer(Server):
    """textual-serve's ``Server`` with the origin check, proxy identity and session cap.

    Args:
        command: The console's command line (argv); each session runs it.
        host: Address to listen on.
        port: Port to listen on.
        public_url: The URL browsers reach the server at (behind a proxy: the
            proxy's); the only origin allowed.
        identity_header: The header the proxy names the user in; ``None``:
            every session is read-only.
        max_sessions: Most consoles running at once.
    """

    def __init__(
        self,
        command: Sequence[str],
        *,
        host: str,
        port: int,
        public_url: str | None,
        identity_header: str | None,
        max_sessions: int,
    ) -> None:
        argv = list(command)
        if identity_header is None:
            argv.append("--read-only")
        super().__init__(shlex.join(argv), host=host, port=port, title="dispatch")
        if public_url is not None:
            self.public_url = public_url.rstrip("/")
        elif ":" in host:  # IPv6: textual-serve would write http://::1:8000
            self.public_url = f"http://[{host}]:{port}"
        self.origin = origin_of(self.public_url)
        self.identity_header = identity_header
        self.max_sessions = max_sessions
        self.sessions = 0
        """Consoles running now (and handshakes under way)."""

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(self._guard)  # before start-up freezes the list
        return app

    @web.middleware
    async def _guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Refuse a foreign origin and a request the proxy did not vouch for."""
        origin = request.headers.get("Origin")
        if origin is not None and origin_of(origin) != self.origin:
            log.warning("refused a request from origin %r (allowed: %s)", origin, self.origin)
            raise web.HTTPForbidden(text=f"dispatch: requests from {origin!r} are not allowed\n")
        if self.identity_header is not None:
            values = request.headers.getall(self.identity_header, [])
            if len(values) != 1 or not is_login(values[0]):
                log.warning("refused a request without one valid %s", self.identity_header)
                raise web.HTTPForbidden(
                    text=f"dispatch: no valid login in {self.identity_header} "
                    "(the authenticating proxy sets it)\n"
                )
            request[LOGIN_KEY] = values[0]
        return await handler(request)

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        """The page; with every session in use, a refusal saying so instead."""
        if self.sessions >= self.max_sessions:
            raise self._full()
        # The parent's is wrapped by aiohttp_jinja2.template: it returns the rendered page.
        page: web.StreamResponse = await super().handle_index(request)
        return page

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """Run one console for one browser connection, within the cap."""
        if self.sessions >= self.max_sessions:
            raise self._full()
        self.sessions += 1  # counted before the first await: two handshakes cannot both pass
        try:
            return await self._session(request)
        finally:
            self.sessions -= 1

    async def on_startup(self, app: web.Application) -> None:
        """Say where it serves and who the sessions act as."""
        who = (
            f"as the login in {self.identity_header}"
            if self.identity_header
            else "read-only ([serve] identity_header is not set)"
        )
        self.console.print(
            f"dispatch serve: {self.public_url}, at most {self.max_sessions} sessions, {who}",
            highlight=False,
            markup=False,
        )

    def _full(self) -> web.HTTPServiceUnavailable:
        return web.HTTPServiceUnavailable(
            text=f"dispatch: all {self.max_sessions} console sessions are in use; "
            "try again when one closes\n",
            headers={"Retry-After": "30"},
        )

    def _command_for(self, login: str | None) -> str:
        if login is None:
            return self.command
        # The login was checked (is_login) and is quoted: it cannot break out of the
        # shell line textual-serve runs; in the environment it stays off `ps`.
        return f"{SERVED_LOGIN_ENV}={shlex.quote(login)} exec {self.command}"

    async def _session(self, request: web.Request) -> web.WebSocketResponse:
        # Server.handle_websocket with one change: the command of this session
        # (its login) rather than the server's one command.
        websocket = web.WebSocketResponse(heartbeat=15)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        service: AppService | None = None
        try:
            await websocket.prepare(request)
            service = AppService(
                self._command_for(request.get(LOGIN_KEY)),
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=websocket.close,  # type: ignore[arg-type]  # its bool is unused
                download_manager=self.download_manager,
                debug=self.debug,
            )
            await service.start(width, height)
            await self._process_messages(websocket, service)
        except asyncio.CancelledError:
            await websocket.close()
        except Exception:
            log.exception("console session failed")
        finally:
            if service is not None:
                await service.stop()
        return websocket
