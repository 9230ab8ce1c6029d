"""Use cases: what dispatchers, the command line and the scheduler do, on the ports only.

One module per capability; callers import the module, not its names
(``from dispatch.services import alerts``, then ``alerts.sweep_alerts(...)``):

- ``tickets``: open, assign, take, move, change severity; a ticket in full.
- ``queue``: windows of the filtered queue, its figures, the technicians' ranking.
- ``directory``: customers, contracts, technicians; the contract new work falls under.
- ``calendars``: business calendars and their working windows.
- ``deadlines``: which SLA engine governs a ticket; recomputing its deadlines.
- ``alerts``: the breach sweep, the sweeper's lease, acknowledging.
- ``deliveries``: the notification outbox, escalation, delivery.
- ``plans``: maintenance plans and the regular tickets opened from them.
- ``hours``: time logged and block-hours balances.
- ``oncall``: on-call rotations and overrides; who is on call at an instant.
- ``presence``: heartbeats, who else is looking, what changed since the last look.
- ``audit``: what every change records in the event log, and reading it back.
- ``export``: every row of a kind as flat records, streamed (one read transaction).
- ``runtime``: the ``Runtime`` that ``dispatch.bootstrap`` builds for them all.

Services import the domain (its model, rules and ``ports``) and each other,
never the store, SQLAlchemy, Textual, APScheduler or Click (import-linter
contracts in ``pyproject.toml``). Each use case takes a fresh unit of work,
runs one short transaction in it and returns frozen domain objects.
"""
