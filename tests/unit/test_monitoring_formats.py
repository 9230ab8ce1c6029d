"""Parsing each monitoring format from realistic payloads, and refusing malformed ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dispatch.domain.monitoring import EventAction, PayloadError, TicketsPer
from dispatch.domain.monitoring_formats import (
    nagios_macros,
    parse,
    parse_alertmanager,
    parse_events_v2,
    parse_nagios,
)

DATA = Path(__file__).parent.parent / "data" / "monitoring"


def load(name: str) -> Any:
    return json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))


def test_an_alertmanager_group_is_one_event_keyed_by_its_group() -> None:
    (event,) = parse_alertmanager(load("alertmanager_firing"))
    assert event.key == '{}/{customer=~".+"}:{alertname="HostDiskFull"}'
    assert event.action is EventAction.TRIGGER
    assert event.summary == "HostDiskFull on node (2 of 2 firing)"
    assert event.severities == ("critical", "warning")
    assert event.labels["customer"] == "Carpathia Logistics SRL"
    assert event.occurrence == "2026-11-23T09:12:04.123456789Z"
    assert "[firing] alertname=HostDiskFull" in event.details
    assert "description: Filesystem /var/lib/postgresql on db2 has 9.8% space left." in (
        event.details
    )


def test_an_alertmanager_resolved_group_resolves() -> None:
    (event,) = parse_alertmanager(load("alertmanager_resolved"))
    assert event.action is EventAction.RESOLVE
    assert event.severities == ()  # no alert fires any more
    assert "ended 2026-11-23T10:02:04.5Z" in event.details


def test_per_alert_each_alert_is_an_event_keyed_by_its_fingerprint() -> None:
    events = parse_alertmanager(load("alertmanager_firing"), tickets_per=TicketsPer.ALERT)
    assert [e.key for e in events] == ["5b1e0c0fbbd83f3a", "8c2d4a1e77b0e9d2"]
    assert [e.summary for e in events] == [
        "HostDiskFull: Disk almost full on db1",
        "HostDiskFull: Disk almost full on db2",
    ]
    assert [e.severities for e in events] == [("critical",), ("warning",)]
    assert events[0].labels["instance"] == "db1.carpathia.example:9100"


def test_truncated_alerts_are_said_in_the_article() -> None:
    doc = load("alertmanager_firing")
    doc["truncatedAlerts"] = 3
    (event,) = parse_alertmanager(doc)
    assert event.truncated == 3
    assert "3 more alert(s) left out by Alertmanager" in event.details


def test_a_long_group_key_is_hashed() -> None:
    doc = load("alertmanager_firing")
    doc["groupKey"] = "x" * 300
    (event,) = parse_alertmanager(doc)
    assert event.key.startswith("sha256:")
    assert len(event.key) == 71


@pytest.mark.parametrize(
    ("name", "path", "says"),
    [
        ("bad_alertmanager_time", "alerts[1].startsAt", "'yesterday' is not an RFC 3339 time"),
        ("bad_alertmanager_version", "version", "only Alertmanager's version"),
        ("bad_alertmanager_label", "alerts[0].labels.severity", "must be a string, not a number"),
    ],
)
def test_a_malformed_alertmanager_notice_names_the_field(name: str, path: str, says: str) -> None:
    with pytest.raises(PayloadError) as caught:
        parse_alertmanager(load(name))
    assert caught.value.path == path
    assert says in str(caught.value)
    assert str(caught.value).startswith(f"{path}: ")


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"alerts": []}, "alerts"),
        ({"status": "burning"}, "status"),
        ({"groupKey": 7}, "groupKey"),
        ({"truncatedAlerts": -1}, "truncatedAlerts"),
        ({"commonLabels": ["a"]}, "commonLabels"),
    ],
)
def test_alertmanager_top_level_fields_are_checked(change: dict[str, Any], path: str) -> None:
    doc = {**load("alertmanager_firing"), **change}
    with pytest.raises(PayloadError) as caught:
        parse_alertmanager(doc)
    assert caught.value.path == path


def test_an_alert_without_a_fingerprint_is_refused() -> None:
    doc = load("alertmanager_firing")
    del doc["alerts"][0]["fingerprint"]
    with pytest.raises(PayloadError, match=r"alerts\[0\]\.fingerprint: is missing"):
        parse_alertmanager(doc)


def test_not_an_object_at_all() -> None:
    with pytest.raises(PayloadError, match="must be a JSON object, not a list"):
        parse("alertmanager", [1, 2])


def test_an_events_v2_trigger() -> None:
    event = parse_events_v2(load("pagerduty_trigger"))
    assert event.key == "zabbix-event-184467"
    assert event.action is EventAction.TRIGGER
    assert event.summary == "Kanzlei file server: SMB service down"
    assert event.severities == ("error",)
    assert event.routing_key == "R0UT1NGK3YB4LTIC"
    assert event.labels["source"] == "fs01.kanzlei-hafen.example"
    assert event.labels["zabbix_event_id"] == "184467"
    assert "component: smbd" in event.details
    assert "trigger: SMB port 445 unreachable" in event.details


def test_events_v2_resolve_and_acknowledge() -> None:
    assert parse_events_v2(load("pagerduty_resolve")).action is EventAction.RESOLVE
    ack = parse_events_v2(load("pagerduty_acknowledge"))
    assert ack.action is EventAction.ACKNOWLEDGE
    assert ack.key == "zabbix-event-184467"


def test_a_trigger_without_dedup_key_is_keyed_by_source_and_summary() -> None:
    doc = load("pagerduty_trigger")
    del doc["dedup_key"]
    first, second = parse_events_v2(doc), parse_events_v2(json.loads(json.dumps(doc)))
    assert first.key == second.key
    assert first.key.startswith("sha256:")


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("bad_pagerduty_severity", "payload.severity"),
        ("bad_pagerduty_resolve_without_key", "dedup_key"),
    ],
)
def test_malformed_events_v2_name_the_field(name: str, path: str) -> None:
    with pytest.raises(PayloadError) as caught:
        parse_events_v2(load(name))
    assert caught.value.path == path


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"event_action": "explode"}, "event_action"),
        ({"routing_key": ""}, "routing_key"),
        ({"dedup_key": "k" * 256}, "dedup_key"),
        ({"payload": None}, "payload"),
    ],
)
def test_events_v2_fields_are_checked(change: dict[str, Any], path: str) -> None:
    with pytest.raises(PayloadError) as caught:
        parse_events_v2({**load("pagerduty_trigger"), **change})
    assert caught.value.path == path


def test_a_nagios_problem_and_its_recovery_share_a_key() -> None:
    problem = parse_nagios(load("nagios_problem"))
    recovery = parse_nagios(load("nagios_recovery"))
    assert problem.key == recovery.key == "mail.clinica-sfmaria.example!SMTP"
    assert problem.action is EventAction.TRIGGER
    assert recovery.action is EventAction.RESOLVE
    assert problem.severities == ("CRITICAL",)
    assert problem.summary.startswith("SMTP on mail.clinica-sfmaria.example is CRITICAL:")
    assert problem.occurrence == recovery.occurrence == "3141"
    assert problem.labels["hostgroupname"] == "clinica"


def test_a_nagios_host_notification_is_keyed_by_the_host() -> None:
    event = parse_nagios(
        {"NOTIFICATIONTYPE": "PROBLEM", "HOSTNAME": "gw1", "HOSTSTATE": "DOWN", "HOSTOUTPUT": "x"}
    )
    assert event.key == "gw1"
    assert event.severities == ("DOWN",)


def test_a_problem_with_state_ok_is_a_recovery_and_downtime_is_a_notice() -> None:
    ok = {"NOTIFICATIONTYPE": "PROBLEM", "HOSTNAME": "h", "SERVICEDESC": "s", "SERVICESTATE": "OK"}
    assert parse_nagios(ok).action is EventAction.RESOLVE
    down = {**ok, "NOTIFICATIONTYPE": "DOWNTIMESTART"}
    assert parse_nagios(down).action is EventAction.INFO


def test_nagios_macros_come_from_the_environment_with_or_without_prefix() -> None:
    env = {
        "NAGIOS_NOTIFICATIONTYPE": "PROBLEM",
        "ICINGA_HOSTNAME": "web1",
        "SERVICEDESC": "HTTP",
        "PATH": "/usr/bin",
        "HOME": "/root",
    }
    macros = nagios_macros(env)
    assert macros == {"NOTIFICATIONTYPE": "PROBLEM", "HOSTNAME": "web1", "SERVICEDESC": "HTTP"}
    assert parse_nagios(macros).key == "web1!HTTP"


def test_malformed_nagios_names_the_macro() -> None:
    with pytest.raises(PayloadError) as caught:
        parse_nagios(load("bad_nagios_type"))
    assert caught.value.path == "NOTIFICATIONTYPE"
    with pytest.raises(PayloadError, match="HOSTNAME: is missing"):
        parse_nagios({"NOTIFICATIONTYPE": "PROBLEM"})
    with pytest.raises(PayloadError, match="SERVICESTATE: 2 is not a string"):
        parse_nagios({"NOTIFICATIONTYPE": "PROBLEM", "HOSTNAME": "h", "SERVICESTATE": 2})


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(PayloadError, match="'zabbix' is not a format"):
        parse("zabbix", {})
