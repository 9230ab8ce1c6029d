"""Import files: read and validate customers, contracts, technicians and tickets.

The reading half of ``dispatch import``: CSV (one file per kind), JSON Lines or
one JSON document, and foreign ticket exports through a TOML mapping. It yields
validated records (``dispatch.domain.records``) and collects every issue with
its file, line and column; it never touches the database. The apply step
resolves the references the files leave open with ``check_references``::

    reader = ImportReader()
    for path in applying_order(paths):
        for record in reader.read(path, encoding=encoding):
            ...  # count it (dry run) or write it (apply), in this order
    summary = reader.finish()
    issues = summary.issues + check_references(summary.unresolved, lookup_in_database)
"""

from __future__ import annotations

from dispatch.services.imports.mapping import TicketMapping, load_mapping
from dispatch.services.imports.reader import ImportReader, applying_order
from dispatch.services.imports.refs import Resolver, check_references

__all__ = [
    "ImportReader",
    "Resolver",
    "TicketMapping",
    "applying_order",
    "check_references",
    "load_mapping",
]
