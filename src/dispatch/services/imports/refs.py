"""References between import records, checked once every file has been read.

Records refer to each other by external id, possibly across files and in any
order (a ticket file may come before the contract file). ``References`` keeps
the ids each file defines and, per referenced id, only where it is first
referred to and how often: memory grows with the number of distinct ids, not
with the file size. ``unresolved`` lists what the files do not define; the
apply step looks those up in the database (``check_references``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from dispatch.domain.calendar import BUILTIN_CALENDARS
from dispatch.domain.records import ImportIssue, RecordKind, Reference, Source

Resolver = Callable[[RecordKind, frozenset[str]], Iterable[str]]
"""Given a kind and ids the files do not define, returns those the database holds."""

_NAMES = {
    RecordKind.CUSTOMER: "customer",
    RecordKind.CALENDAR: "calendar",
    RecordKind.CONTRACT: "contract",
    RecordKind.TECHNICIAN: "technician (login)",
}


@dataclass(slots=True)
class References:
    """Ids defined and referred to across the files of one import."""

    defined: dict[RecordKind, dict[str, Source]] = field(default_factory=dict)
    wanted: dict[tuple[RecordKind, str], Reference] = field(default_factory=dict)

    def define(self, kind: RecordKind, key: str, source: Source, name: str) -> ImportIssue | None:
        """Note that the files define ``key``; an issue if they already did."""
        seen = self.defined.setdefault(kind, {})
        if key in seen:
            return ImportIssue(source, name, f"defined twice (first at {seen[key]})", repr(key))
        seen[key] = source
        return None

    def refer(self, kind: RecordKind, key: str, source: Source, name: str) -> None:
        """Note a reference to ``key`` from ``name`` at ``source``."""
        if kind is RecordKind.CALENDAR and key in BUILTIN_CALENDARS:
            return
        known = self.wanted.get((kind, key))
        if known is None:
            self.wanted[(kind, key)] = Reference(kind, key, source, name)
        else:
            self.wanted[(kind, key)] = Reference(
                kind, key, known.source, known.field, known.count + 1
            )

    def unresolved(self) -> list[Reference]:
        """References to ids the files do not define, in order of first mention."""
        out = [
            ref for (kind, key), ref in self.wanted.items() if key not in self.defined.get(kind, {})
        ]
        return sorted(out, key=lambda ref: ref.source)


def check_references(references: Iterable[Reference], resolve: Resolver) -> list[ImportIssue]:
    """The hook for the apply step: refuse references neither the files nor the database hold.

    Args:
        references: ``ImportSummary.unresolved`` of a read.
        resolve: Looks ids up in the database (one call per kind).

    Returns:
        One issue per missing id, at the place it is first referred to.
    """
    by_kind: dict[RecordKind, list[Reference]] = {}
    for ref in references:
        by_kind.setdefault(ref.kind, []).append(ref)
    issues: list[ImportIssue] = []
    for kind, refs in by_kind.items():
        found = set(resolve(kind, frozenset(ref.key for ref in refs)))
        for ref in refs:
            if ref.key not in found:
                more = f" (and {ref.count - 1} more references)" if ref.count > 1 else ""
                issues.append(
                    ImportIssue(
                        ref.source,
                        ref.field,
                        f"no {_NAMES.get(kind, kind.value)} with this id in the files "
                        f"or the database{more}",
                        repr(ref.key),
                    )
                )
    return sorted(issues, key=lambda issue: issue.source)
