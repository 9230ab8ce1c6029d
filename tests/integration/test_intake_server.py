"""dispatch intake serve for real: an aiohttp server on 127.0.0.1, tokens, limits, a flood."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from dispatch.bootstrap import Storage, build_runtime
from dispatch.cli import cli
from dispatch.cli.intake import receiver
from dispatch.config import Settings, load_settings
from dispatch.config_intake import IntakeSource
from dispatch.domain.errors import StorageUnavailableError
from dispatch.domain.monitoring import SourceRule
from dispatch.domain.notify import Secret
from dispatch.domain.ports import FixedClock
from dispatch.intake_server import make_app, start
from dispatch.services.intake_alert import Outcome
from dispatch.store.schema import TicketRow
from dispatch.store.schema_monitoring import MonitoringIncidentRow

DATA = Path(__file__).parent.parent / "data" / "monitoring"
TOKEN = "tok-3f9a1c0e5b7d4e2a9c8b"
WRONG = "tok-wrong-0000-aaaa-bbbb"
CONFIG = """
[intake]
max_body_kib = 8
[intake.sources.prom]
format = "alertmanager"
token_env = "PROM_TOKEN"
customer_label = "customer"
on_resolve = "close"
[intake.sources.pd]
format = "events-v2"
token_env = "PD_TOKEN"
customers = { R0UT1NGK3YB4LTIC = "Kanzlei Hafen & Partner" }
"""


def intake_settings(tmp_path: Path, db_url: str) -> Settings:
    path = tmp_path / "dispatch.toml"
    path.write_text(CONFIG, encoding="utf-8")
    env = {"DISPATCH_CONFIG": str(path), "PROM_TOKEN": TOKEN, "PD_TOKEN": TOKEN}
    return load_settings(db=db_url, environ=env)


@pytest.fixture
async def served(
    seeded: Storage, db_url: str, tmp_path: Path, clock: FixedClock
) -> AsyncIterator[str]:
    """The intake's server on a free port of 127.0.0.1, over the seeded database: its URL."""
    settings = intake_settings(tmp_path, db_url)
    runtime = build_runtime(settings, seeded, clock=clock)
    app = make_app(
        settings.intake.sources,
        receiver(runtime, settings.intake.on_resolve, None),
        max_body=settings.intake.max_body_bytes,
    )
    runner, port = await start(app, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def auth(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def post(
    url: str,
    body: bytes | str,
    *,
    headers: dict[str, str] | None = None,
    ctype: str = "application/json",
) -> tuple[int, dict[str, Any], dict[str, str]]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            url,
            data=body.encode() if isinstance(body, str) else body,
            headers={"Content-Type": ctype, **(headers if headers is not None else auth())},
        ) as response,
    ):
        return response.status, await response.json(), dict(response.headers)


async def test_an_alertmanager_post_opens_one_ticket_and_its_resolve_closes_it(
    served: str, seeded: Storage
) -> None:
    firing = (DATA / "alertmanager_firing.json").read_bytes()
    status, body, _ = await post(f"{served}/alert/prom", firing)
    assert status == 200, body
    (result,) = body["results"]
    assert result["result"] == "opened"
    status, body, _ = await post(f"{served}/alert/prom", firing)
    assert body["results"][0]["result"] == "updated"  # a repeat adds an article
    status, body, _ = await post(
        f"{served}/alert/prom", (DATA / "alertmanager_resolved.json").read_bytes()
    )
    assert status == 200
    assert body["results"][0] == {
        **result,
        "result": "recovered",
        "article": body["results"][0]["article"],
    }
    ticket_id = int(result["ticket"].removeprefix("T-"))
    with seeded.reader() as uow:
        assert uow.tickets.get(ticket_id).status.value == "resolved"


async def test_events_v2_map_their_routing_key_to_a_customer(served: str, seeded: Storage) -> None:
    status, body, _ = await post(
        f"{served}/alert/pd", (DATA / "pagerduty_trigger.json").read_bytes()
    )
    assert status == 200, body
    ticket_id = int(body["results"][0]["ticket"].removeprefix("T-"))
    with seeded.reader() as uow:
        ticket = uow.tickets.get(ticket_id)
    assert ticket.customer_name == "Kanzlei Hafen & Partner"
    assert ticket.severity.value == "P2"
    status, body, _ = await post(
        f"{served}/alert/pd", (DATA / "pagerduty_acknowledge.json").read_bytes()
    )
    assert body["results"][0]["result"] == "updated"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": f"Bearer {WRONG}"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": "Bearer "},
    ],
)
async def test_a_missing_or_wrong_token_is_401(served: str, headers: dict[str, str]) -> None:
    status, body, response_headers = await post(
        f"{served}/alert/prom", (DATA / "alertmanager_firing.json").read_bytes(), headers=headers
    )
    assert status == 401
    assert body == {"error": "missing or wrong bearer token"}
    assert response_headers["WWW-Authenticate"] == "Bearer"


async def test_one_sources_token_does_not_open_another(served: str, tmp_path: Path) -> None:
    # Both test sources share TOKEN; a source without a token refuses everyone.
    sources = {
        "a": IntakeSource(rule=intake_settings(tmp_path, "sqlite://").intake.source("prom").rule)
    }
    app = make_app(sources, lambda *_: [], max_body=1024)
    runner, port = await start(app, "127.0.0.1", 0)
    try:
        status, _, _ = await post(f"http://127.0.0.1:{port}/alert/a", "{}")
        assert status == 401
    finally:
        await runner.cleanup()


@pytest.mark.parametrize(
    ("body", "field", "says"),
    [
        (b"{nope", None, "not JSON: line 1 column 2"),
        (b"\xff{}", None, "not UTF-8"),
        (b'{"a": Infinity}', None, "Infinity is not a JSON number"),
        ((DATA / "bad_alertmanager_time.json").read_bytes(), "alerts[1].startsAt", "RFC 3339"),
        ((DATA / "bad_alertmanager_version.json").read_bytes(), "version", "version"),
        (b"[]", "", "must be a JSON object"),
    ],
)
async def test_malformed_bodies_are_400_naming_the_field(
    served: str, seeded: Storage, body: bytes, field: str | None, says: str
) -> None:
    status, answer, _ = await post(f"{served}/alert/prom", body)
    assert status == 400
    assert says in answer["error"]
    assert answer.get("field") == field
    with seeded.reader() as uow:
        assert uow.session.scalar(select(func.count()).select_from(MonitoringIncidentRow)) == 0


async def test_a_body_over_the_limit_is_413_with_or_without_its_length(served: str) -> None:
    big = json.dumps({"pad": "x" * 9000})
    status, answer, _ = await post(f"{served}/alert/prom", big)
    assert status == 413
    assert "8,192 bytes" in answer["error"]

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b" " * 1000

    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{served}/alert/prom",
            data=chunks(),
            headers={"Content-Type": "application/json", **auth()},
        ) as response,
    ):
        assert response.status == 413


async def test_wrong_type_method_and_path(served: str) -> None:
    status, answer, _ = await post(f"{served}/alert/prom", "{}", ctype="text/plain")
    assert status == 415
    assert "application/json" in answer["error"]
    status, answer, _ = await post(f"{served}/alert/nope", "{}")
    assert status == 404
    assert answer == {"error": "no source 'nope' is configured"}
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{served}/alert/prom") as response:
            assert response.status == 405
        async with session.post(f"{served}/elsewhere") as response:
            assert response.status == 404
        async with session.get(f"{served}/health") as response:
            assert response.status == 200


async def test_an_unknown_customer_is_422(served: str, seeded: Storage) -> None:
    doc = json.loads((DATA / "alertmanager_firing.json").read_text())
    doc["commonLabels"]["customer"] = "Nobody Ltd"
    status, answer, _ = await post(f"{served}/alert/prom", json.dumps(doc))
    assert status == 422
    assert "no customer named 'Nobody Ltd'" in answer["error"]


async def test_an_unavailable_database_is_503_for_the_monitor_to_retry() -> None:
    def unavailable(*_: object) -> Sequence[Outcome]:
        raise StorageUnavailableError("database error: connection refused")

    source = IntakeSource(
        rule=SourceRule(name="s", format="events-v2", customer="x"), token=Secret(TOKEN)
    )
    runner, port = await start(make_app({"s": source}, unavailable, max_body=1024), "127.0.0.1", 0)
    try:
        status, answer, headers = await post(f"http://127.0.0.1:{port}/alert/s", "{}")
    finally:
        await runner.cleanup()
    assert status == 503
    assert headers["Retry-After"] == "30"
    assert "connection refused" in answer["error"]


async def test_tokens_never_reach_the_log(served: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    firing = (DATA / "alertmanager_firing.json").read_bytes()
    await post(f"{served}/alert/prom", firing, headers={"Authorization": f"Bearer {WRONG}"})
    await post(f"{served}/alert/prom", firing)
    await post(f"{served}/alert/prom", b"{bad")
    assert "refused a request without its token" in caplog.text
    assert "source prom: opened" in caplog.text
    assert TOKEN not in caplog.text
    assert WRONG not in caplog.text


async def test_a_flood_of_a_thousand_events_posted_at_once(served: str, seeded: Storage) -> None:
    """1,000 Events v2 triggers for 40 keys, 25 each, all in flight together: 40 tickets,
    1,000 articles (a repeat adds one), 1,000 occurrences counted."""
    template = json.loads((DATA / "pagerduty_trigger.json").read_text())
    bodies = []
    for n in range(1000):
        doc = json.loads(json.dumps(template))
        doc["dedup_key"] = f"flood-{n % 40}"
        bodies.append(json.dumps(doc))
    with seeded.reader() as uow:
        before = uow.session.scalar(select(func.count()).select_from(TicketRow))
    connector = aiohttp.TCPConnector(limit=100)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one(body: str) -> int:
            async with session.post(
                f"{served}/alert/pd",
                data=body,
                headers={"Content-Type": "application/json", **auth()},
            ) as response:
                await response.read()
                return response.status

        started = time.monotonic()
        statuses = await asyncio.gather(*(one(b) for b in bodies))
        elapsed = time.monotonic() - started
    assert statuses == [200] * 1000
    with seeded.reader() as uow:
        after = uow.session.scalar(select(func.count()).select_from(TicketRow))
        occurrences = uow.session.scalars(select(MonitoringIncidentRow.occurrences)).all()
        articles = [
            a
            for tid in uow.session.scalars(select(MonitoringIncidentRow.ticket_id)).all()
            for a in uow.articles.for_ticket(tid)
        ]
    assert (after or 0) - (before or 0) == 40
    assert sorted(occurrences) == [25] * 40
    assert len(articles) == 1000
    print(f"flood: 1,000 events in {elapsed:.1f} s")


# --- the command ------------------------------------------------------------------


@pytest.mark.parametrize("command", [["intake", "serve"], ["serve", "intake"]])
def test_serve_refuses_to_start_without_every_token(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    path = tmp_path / "dispatch.toml"
    path.write_text(CONFIG, encoding="utf-8")
    monkeypatch.setenv("DISPATCH_CONFIG", str(path))
    monkeypatch.setenv("PROM_TOKEN", TOKEN)
    result = CliRunner().invoke(cli, [*command, "--db", sqlite_url])
    assert result.exit_code == 1
    assert "not set: pd (PD_TOKEN)" in result.output
    assert TOKEN not in result.output


def test_the_command_serves_on_loopback(tmp_path: Path, seeded: Storage, db_url: str) -> None:
    path = tmp_path / "dispatch.toml"
    path.write_text(CONFIG, encoding="utf-8")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "DISPATCH_CONFIG": str(path),
        "PROM_TOKEN": TOKEN,
        "PD_TOKEN": TOKEN,
        "PYTHONPATH": str(Path(__file__).parents[2] / "src"),
    }
    process = subprocess.Popen(
        # The spelling; `dispatch intake serve` is the same command.
        [sys.executable, "-m", "dispatch", "serve", "intake", "--db", db_url, "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        status = asyncio.run(_post_when_up(f"http://127.0.0.1:{port}"))
        assert status == 200
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0].decode()
    assert f"http://127.0.0.1:{port}/alert/<source>" in output
    assert TOKEN not in output


async def _post_when_up(url: str) -> int:
    deadline = time.monotonic() + 20
    async with aiohttp.ClientSession() as session:
        while True:
            try:
                async with session.get(f"{url}/health") as response:
                    if response.status == 200:
                        break
            except aiohttp.ClientConnectionError:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.2)
        async with session.post(
            f"{url}/alert/prom",
            data=(DATA / "alertmanager_firing.json").read_bytes(),
            headers={"Content-Type": "application/json", **auth()},
        ) as response:
            return response.status
