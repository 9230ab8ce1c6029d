"""Parsing monitoring payloads into events: pure functions, no I/O.

Three formats (research round 2, §2.4), each documented in the README's
"Monitoring in":

- ``alertmanager``: Prometheus Alertmanager's webhook, version 4. One event
  per notification group (``groupKey``) or per alert (``fingerprint``), as the
  source says (``TicketsPer``).
- ``events-v2``: the PagerDuty Events API v2 shape, dispatch's generic format
  (Zabbix, Grafana and most tools with a PagerDuty integration can send it).
- ``nagios``: Nagios/Icinga notification macros, as a JSON object of macro
  names or the environment a notification command runs in.

Every error is a ``PayloadError`` naming the field's path, e.g.
``alerts[1].startsAt: '2026-13-01' is not an RFC 3339 time``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from dispatch.domain.monitoring import (
    MAX_KEY,
    EventAction,
    MonitoringEvent,
    PayloadError,
    TicketsPer,
)

FORMATS = ("alertmanager", "events-v2", "nagios")
"""The formats a source may speak."""

MAX_SUMMARY = 500
"""The longest summary kept (a ticket title); longer ones are cut."""

MAX_DETAIL = 4_000
"""The longest single value shown in an article (an annotation, an output)."""

MAX_ALERTS = 1_000
"""The most alerts of one Alertmanager notice shown in its article."""

_UNSET_TIME = "0001-01-01T00:00:00Z"  # Go's zero time: Alertmanager's "no endsAt"
_FRACTION = re.compile(r"(\.\d{6})\d+")


def parse(
    fmt: str, doc: Any, *, tickets_per: TicketsPer = TicketsPer.GROUP, severity_label: str = ""
) -> list[MonitoringEvent]:
    """The events in ``doc``, a decoded JSON document (or an environment for ``nagios``).

    Raises:
        PayloadError: The document is not of the format.
    """
    if fmt == "alertmanager":
        return parse_alertmanager(
            doc, tickets_per=tickets_per, severity_label=severity_label or "severity"
        )
    if fmt == "events-v2":
        return [parse_events_v2(doc)]
    if fmt == "nagios":
        return [parse_nagios(doc)]
    raise PayloadError("format", f"{fmt!r} is not a format (known: {', '.join(FORMATS)})")


# --- Alertmanager ---------------------------------------------------------------


def parse_alertmanager(
    doc: Any, *, tickets_per: TicketsPer = TicketsPer.GROUP, severity_label: str = "severity"
) -> list[MonitoringEvent]:
    """An Alertmanager webhook notice (version 4): one event per group, or per alert."""
    top = _object(doc, "")
    version = top.get("version")
    if version != "4":
        raise PayloadError("version", f'{version!r}: only Alertmanager\'s version "4" is read')
    status = _choice(top, "status", ("firing", "resolved"), "")
    group_key = _text(top, "groupKey", "")
    raw_alerts = top.get("alerts")
    if not isinstance(raw_alerts, list) or not raw_alerts:
        raise PayloadError("alerts", "must be a non-empty list of alerts")
    alerts = [_alert(item, f"alerts[{i}]") for i, item in enumerate(raw_alerts)]
    common_labels = _strings(top.get("commonLabels", {}), "commonLabels")
    common_notes = _strings(top.get("commonAnnotations", {}), "commonAnnotations")
    truncated = top.get("truncatedAlerts", 0)
    if isinstance(truncated, bool) or not isinstance(truncated, int) or truncated < 0:
        raise PayloadError("truncatedAlerts", f"{truncated!r} is not a count")
    if tickets_per is TicketsPer.ALERT:
        return [
            MonitoringEvent(
                key=_key(alert["fingerprint"]),
                action=_am_action(alert["status"]),
                summary=_summary(alert["annotations"], alert["labels"]),
                details=_alert_lines([alert], with_status=False),
                severities=_present(alert["labels"].get(severity_label)),
                labels={**common_labels, **alert["labels"]},
                occurrence=alert["startsAt"],
                group=group_key,
                truncated=truncated,
            )
            for alert in alerts
        ]
    firing = [a for a in alerts if a["status"] == "firing"]
    summary = _summary(common_notes, common_labels)
    if len(alerts) > 1 and not common_notes.get("summary"):
        summary = _cut(f"{summary} ({len(firing)} of {len(alerts)} firing)", MAX_SUMMARY)
    lines = _alert_lines(alerts, with_status=True)
    if truncated:
        lines += f"\n{truncated} more alert(s) left out by Alertmanager (truncatedAlerts)"
    return [
        MonitoringEvent(
            key=_key(group_key),
            action=_am_action(status),
            summary=summary,
            details=lines,
            severities=tuple(
                a["labels"][severity_label] for a in firing if severity_label in a["labels"]
            ),
            labels=common_labels,
            occurrence=min((a["startsAt"] for a in alerts), default=None),
            group=group_key,
            truncated=truncated,
        )
    ]


def _alert(item: Any, path: str) -> dict[str, Any]:
    alert = _object(item, path)
    labels = _strings(alert.get("labels", {}), f"{path}.labels")
    if not labels:
        raise PayloadError(f"{path}.labels", "an alert needs its labels")
    ends = alert.get("endsAt")
    return {
        "status": _choice(alert, "status", ("firing", "resolved"), path),
        "labels": labels,
        "annotations": _strings(alert.get("annotations", {}), f"{path}.annotations"),
        "startsAt": _time(_text(alert, "startsAt", path), f"{path}.startsAt"),
        "endsAt": (
            None
            if ends in (None, "", _UNSET_TIME)
            else _time(_text(alert, "endsAt", path), f"{path}.endsAt")
        ),
        "fingerprint": _text(alert, "fingerprint", path),
    }


def _am_action(status: str) -> EventAction:
    return EventAction.TRIGGER if status == "firing" else EventAction.RESOLVE


def _summary(annotations: Mapping[str, str], labels: Mapping[str, str]) -> str:
    text = annotations.get("summary") or annotations.get("description") or ""
    name = labels.get("alertname", "")
    where = labels.get("instance") or labels.get("job") or ""
    if not text:
        text = " on ".join(p for p in (name or "alert", where) if p)
    elif name and name not in text:
        text = f"{name}: {text}"
    return _cut(" ".join(text.split()), MAX_SUMMARY)


def _alert_lines(alerts: Sequence[Mapping[str, Any]], *, with_status: bool) -> str:
    out: list[str] = []
    for alert in alerts[:MAX_ALERTS]:
        labels = ", ".join(f"{k}={v}" for k, v in sorted(alert["labels"].items()))
        head = f"[{alert['status']}] " if with_status else ""
        out.append(f"{head}{_cut(labels, MAX_DETAIL)}")
        out.append(f"  since {alert['startsAt']}")
        if alert["endsAt"] is not None and alert["status"] == "resolved":
            out.append(f"  ended {alert['endsAt']}")
        for name, value in sorted(alert["annotations"].items()):
            out.append(f"  {name}: {_cut(value, MAX_DETAIL)}")
    if len(alerts) > MAX_ALERTS:
        out.append(f"… and {len(alerts) - MAX_ALERTS} more alerts")
    return "\n".join(out)


# --- PagerDuty Events v2 --------------------------------------------------------

_PD_SEVERITIES = ("critical", "error", "warning", "info")


def parse_events_v2(doc: Any) -> MonitoringEvent:
    """A PagerDuty-Events-v2-shaped event: trigger, acknowledge or resolve."""
    top = _object(doc, "")
    routing_key = _text(top, "routing_key", "")
    action = EventAction(_choice(top, "event_action", ("trigger", "acknowledge", "resolve"), ""))
    dedup = top.get("dedup_key")
    if dedup is not None and (not isinstance(dedup, str) or not dedup.strip()):
        raise PayloadError("dedup_key", "must be a non-empty string")
    if isinstance(dedup, str) and len(dedup) > MAX_KEY:
        raise PayloadError("dedup_key", f"{len(dedup)} characters, at most {MAX_KEY}")
    if action is not EventAction.TRIGGER:
        if dedup is None:
            raise PayloadError("dedup_key", f"an {action.value} event needs its dedup_key")
        return MonitoringEvent(
            key=dedup,
            action=action,
            summary="",
            details=f"{action.value} from the monitoring system",
            routing_key=routing_key,
        )
    payload = _object(top.get("payload"), "payload")
    summary = _text(payload, "summary", "payload")
    if len(summary) > 1024:
        raise PayloadError("payload.summary", f"{len(summary)} characters, at most 1024")
    source = _text(payload, "source", "payload")
    severity = _choice(payload, "severity", _PD_SEVERITIES, "payload")
    if "timestamp" in payload:
        _time(_text(payload, "timestamp", "payload"), "payload.timestamp")
    extra = {}
    for name in ("component", "group", "class"):
        if payload.get(name) is not None:
            extra[name] = _text(payload, name, "payload")
    details = payload.get("custom_details", {})
    if not isinstance(details, Mapping):
        raise PayloadError("payload.custom_details", "must be an object")
    labels = {str(k): _scalar_text(v) for k, v in details.items()}
    lines = [f"{source}: {summary}", f"severity: {severity}"]
    lines += [f"{k}: {v}" for k, v in extra.items()]
    lines += [f"{k}: {_cut(v, MAX_DETAIL)}" for k, v in sorted(labels.items())]
    # Without a dedup_key the same summary from the same source is the same problem
    # (PagerDuty would make a fresh key: every repeat a new incident, a storm).
    key = dedup if isinstance(dedup, str) else _digest(f"{source}\n{summary}")
    return MonitoringEvent(
        key=key,
        action=action,
        summary=_cut(" ".join(summary.split()), MAX_SUMMARY),
        details="\n".join(lines),
        severities=(severity,),
        labels={**labels, **extra, "source": source},
        routing_key=routing_key,
    )


# --- Nagios / Icinga ------------------------------------------------------------

_NAGIOS_ACTIONS = {
    "PROBLEM": EventAction.TRIGGER,
    "FLAPPINGSTART": EventAction.TRIGGER,
    "RECOVERY": EventAction.RESOLVE,
    "ACKNOWLEDGEMENT": EventAction.ACKNOWLEDGE,
    "FLAPPINGSTOP": EventAction.INFO,
    "FLAPPINGDISABLED": EventAction.INFO,
    "DOWNTIMESTART": EventAction.INFO,
    "DOWNTIMEEND": EventAction.INFO,
    "DOWNTIMECANCELLED": EventAction.INFO,
    "DOWNTIMEREMOVED": EventAction.INFO,
    "CUSTOM": EventAction.INFO,
}
_RECOVERED_STATES = ("OK", "UP")
_MACRO_PREFIXES = ("NAGIOS_", "ICINGA_")


def nagios_macros(environ: Mapping[str, str]) -> dict[str, str]:
    """The notification macros in an environment (``NAGIOS_HOSTNAME`` -> ``HOSTNAME``).

    Nagios exports its macros with the ``NAGIOS_`` prefix (environment macros
    on), Icinga 2's notification commands with whatever ``env`` names: both
    prefixes are stripped, bare macro names are taken as they are.
    """
    out: dict[str, str] = {}
    for name, value in environ.items():
        upper = name.upper()
        for prefix in _MACRO_PREFIXES:
            if upper.startswith(prefix):
                out[upper.removeprefix(prefix)] = value
                break
        else:
            if upper in _NAGIOS_KEYS:
                out.setdefault(upper, value)
    return out


_NAGIOS_KEYS = frozenset(
    {
        "NOTIFICATIONTYPE",
        "HOSTNAME",
        "HOSTSTATE",
        "HOSTOUTPUT",
        "SERVICEDESC",
        "SERVICESTATE",
        "SERVICEOUTPUT",
        "LONGSERVICEOUTPUT",
        "LONGHOSTOUTPUT",
        "SERVICEPROBLEMID",
        "LASTSERVICEPROBLEMID",
        "HOSTPROBLEMID",
        "LASTHOSTPROBLEMID",
        "HOSTGROUPNAME",
        "NOTIFICATIONAUTHOR",
        "NOTIFICATIONCOMMENT",
        "CUSTOMER",
    }
)


def parse_nagios(doc: Any) -> MonitoringEvent:
    """A Nagios/Icinga notification: an object of macro names (``HOSTNAME``, ...)."""
    raw = _object(doc, "")
    macros = {str(k).upper(): v for k, v in raw.items()}
    for name, value in macros.items():
        if not isinstance(value, str):
            raise PayloadError(name, f"{value!r} is not a string")
    kind = _text(macros, "NOTIFICATIONTYPE", "").upper()
    if kind not in _NAGIOS_ACTIONS:
        raise PayloadError(
            "NOTIFICATIONTYPE", f"{kind!r} is not one of {', '.join(sorted(_NAGIOS_ACTIONS))}"
        )
    host = _text(macros, "HOSTNAME", "")
    service = macros.get("SERVICEDESC", "").strip() or None
    prefix = "SERVICE" if service else "HOST"
    state = macros.get(f"{prefix}STATE", "").strip().upper()
    action = _NAGIOS_ACTIONS[kind]
    if action is EventAction.TRIGGER and state in _RECOVERED_STATES:
        action = EventAction.RESOLVE
    output = macros.get(f"{prefix}OUTPUT", "").strip()
    what = f"{service} on {host}" if service else host
    summary = _cut(" ".join(f"{what} is {state or kind}: {output}".split()), MAX_SUMMARY)
    lines = [f"{kind}: {what} is {state or 'unknown'}"]
    if output:
        lines.append(_cut(output, MAX_DETAIL))
    long_output = macros.get(f"LONG{prefix}OUTPUT", "").strip()
    if long_output:
        lines.append(_cut(long_output, MAX_DETAIL))
    for name in ("NOTIFICATIONAUTHOR", "NOTIFICATIONCOMMENT"):
        if macros.get(name, "").strip():
            lines.append(f"{name.lower()}: {_cut(macros[name].strip(), MAX_DETAIL)}")
    problem = macros.get(
        f"LAST{prefix}PROBLEMID" if action is EventAction.RESOLVE else f"{prefix}PROBLEMID", ""
    ).strip()
    return MonitoringEvent(
        key=_key(f"{host}!{service}" if service else host),
        action=action,
        summary=summary,
        details="\n".join(lines),
        severities=(state,) if state else (),
        labels={k.lower(): v for k, v in macros.items()},
        occurrence=problem if problem and problem != "0" else None,
    )


# --- shared checks --------------------------------------------------------------


def _object(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise PayloadError(path, f"must be a JSON object, not {_kind(value)}")
    return value


def _text(obj: Mapping[str, Any], name: str, path: str) -> str:
    where = f"{path}.{name}" if path else name
    value = obj.get(name)
    if value is None:
        raise PayloadError(where, "is missing")
    if not isinstance(value, str) or not value.strip():
        raise PayloadError(where, f"must be a non-empty string, not {_kind(value)}")
    return value.strip()


def _choice(obj: Mapping[str, Any], name: str, allowed: Sequence[str], path: str) -> str:
    value = _text(obj, name, path)
    if value not in allowed:
        where = f"{path}.{name}" if path else name
        raise PayloadError(where, f"{value!r} is not one of {', '.join(allowed)}")
    return value


def _strings(value: Any, path: str) -> dict[str, str]:
    obj = _object(value, path)
    out: dict[str, str] = {}
    for name, item in obj.items():
        if not isinstance(item, str):
            raise PayloadError(f"{path}.{name}", f"must be a string, not {_kind(item)}")
        out[str(name)] = item
    return out


def _time(text: str, path: str) -> str:
    """The RFC 3339 time as given, checked (nanoseconds allowed, an offset required)."""
    try:
        parsed = datetime.fromisoformat(_FRACTION.sub(r"\1", text))
    except ValueError:
        raise PayloadError(path, f"{text!r} is not an RFC 3339 time") from None
    if parsed.tzinfo is None:
        raise PayloadError(path, f"{text!r} has no UTC offset")
    return text


def _scalar_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None or isinstance(value, bool | int | float):
        return str(value)
    return _cut(repr(value), MAX_DETAIL)


def _present(value: str | None) -> tuple[str, ...]:
    return (value,) if value else ()


def _key(text: str) -> str:
    """The key as given, or its digest when it is too long to index."""
    return text if len(text) <= MAX_KEY else _digest(text)


def _digest(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "an empty string" if not value.strip() else "a string"
    if isinstance(value, list):
        return "a list"
    return "an object" if isinstance(value, Mapping) else type(value).__name__
