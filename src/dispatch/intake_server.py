"""``dispatch intake serve``: monitoring events over HTTP, one bearer token per source.

aiohttp's web server (aiohttp comes with the ``web`` and ``intake`` extras;
textual-serve runs on it too, so no second server stack is needed). One
route, ``POST /alert/{source}``, and ``GET /health``. Each request runs the
same core as ``dispatch intake alert`` (``services.intake_alert``) in a worker
thread, so the event loop keeps taking requests while the database writes.

Answers (research round 2, M7): 2xx only after the commit; a malformed request
gets a 4xx that Alertmanager does not retry: 400 bad JSON or a bad field (its
path named), 401 a missing or wrong token, 404 an unknown source, 405 another
method, 413 a body over ``[intake] max_body_kib``, 415 not JSON, 422 an event
for no known customer; 503 when the database is unavailable, which monitoring
systems retry. Tokens are compared in constant time and never logged.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from aiohttp import web

from dispatch.config_intake import IntakeSource
from dispatch.domain.errors import DispatchError, InvalidInputError, StorageUnavailableError
from dispatch.domain.monitoring import PayloadError, UnknownTargetError
from dispatch.services.intake_alert import Outcome

log = logging.getLogger("dispatch.intake")

Receive = Callable[[IntakeSource, Any, str], Sequence[Outcome]]
"""Parses and stores one payload of a source (the command's core): the outcomes."""

JSON_TYPES = ("application/json",)
"""The content types a request may have (Alertmanager and PagerDuty senders send this)."""


def make_app(
    sources: Mapping[str, IntakeSource], receive: Receive, *, max_body: int
) -> web.Application:
    """The intake's aiohttp application over ``sources``.

    Args:
        sources: The configured sources by name; each must have its token.
        receive: Parses and stores a payload (run in a worker thread).
        max_body: The largest body read, in bytes.
    """
    app = web.Application(client_max_size=max_body)
    intake = _Intake(sources, receive, max_body)
    app.router.add_post("/alert/{source}", intake.alert)
    app.router.add_get("/health", _health)
    return app


async def start(app: web.Application, host: str, port: int) -> tuple[web.AppRunner, int]:
    """Start serving ``app`` on ``host:port`` (0: any free port); the runner and the port."""
    runner = web.AppRunner(app, access_log=log)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    return runner, int(runner.addresses[0][1])


def serve(app: web.Application, host: str, port: int) -> None:
    """Serve ``app`` until interrupted."""
    web.run_app(app, host=host, port=port, access_log=log, print=None)


class _Intake:
    def __init__(
        self, sources: Mapping[str, IntakeSource], receive: Receive, max_body: int
    ) -> None:
        self._sources = sources
        self._receive = receive
        self._max_body = max_body

    async def alert(self, request: web.Request) -> web.Response:
        name = request.match_info["source"]
        source = self._sources.get(name)
        if source is None:
            return _error(404, f"no source {name!r} is configured")
        if not _authorised(request, source):
            log.warning("source %s: refused a request without its token", name)
            return _error(
                401, "missing or wrong bearer token", headers={"WWW-Authenticate": "Bearer"}
            )
        if request.content_type not in JSON_TYPES:
            return _error(415, f"content type {request.content_type!r}: send application/json")
        if request.content_length is not None and request.content_length > self._max_body:
            return _error(413, f"the body is over {self._max_body:,} bytes")
        try:
            raw = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return _error(413, f"the body is over {self._max_body:,} bytes")
        try:
            text = raw.decode("utf-8")
            doc = json.loads(text, parse_constant=_no_constant)
        except UnicodeDecodeError as exc:
            return _error(400, f"the body is not UTF-8 (byte at offset {exc.start})")
        except json.JSONDecodeError as exc:
            return _error(400, f"not JSON: line {exc.lineno} column {exc.colno}: {exc.msg}")
        except ValueError as exc:
            return _error(400, f"not JSON: {exc}")
        try:
            outcomes = await asyncio.to_thread(self._receive, source, doc, text)
        except PayloadError as exc:
            return _error(400, str(exc), field=exc.path)
        except UnknownTargetError as exc:
            return _error(422, str(exc))
        except StorageUnavailableError as exc:
            log.error("source %s: the database is unavailable: %s", name, exc)
            return _error(503, str(exc), headers={"Retry-After": "30"})
        except InvalidInputError as exc:
            return _error(422, str(exc))
        except DispatchError as exc:
            log.error("source %s: %s", name, exc)
            return _error(503, str(exc), headers={"Retry-After": "30"})
        results = [o.as_json() for o in outcomes]
        log.info(
            "source %s: %s", name, ", ".join(f"{r['result']} {r['ticket'] or ''}" for r in results)
        )
        return web.json_response({"results": results})


async def _health(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def _authorised(request: web.Request, source: IntakeSource) -> bool:
    if source.token is None:
        return False
    given = request.headers.getall("Authorization", [])
    if len(given) != 1:
        return False
    scheme, _, token = given[0].partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return False
    expected = source.token.reveal().encode("utf-8")
    return hmac.compare_digest(token.strip().encode("utf-8", "surrogateescape"), expected)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _error(
    status: int,
    message: str,
    *,
    field: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> web.Response:
    body: dict[str, Any] = {"error": message}
    if field is not None:
        body["field"] = field
    return web.json_response(body, status=status, headers=headers)
