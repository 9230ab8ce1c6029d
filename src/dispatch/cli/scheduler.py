"""``dispatch scheduler``: the breach sweep and the other jobs, headless or ``--once``."""

from __future__ import annotations

import click

from dispatch.cli.root import db_option, say, using_storage
from dispatch.domain.notify import Delivery
from dispatch.domain.text import printable


@click.command()
@db_option
@click.option("--once", is_flag=True, help="Run one sweep and exit.")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.1),
    help="Seconds between sweeps (default: [alerts] interval_seconds, 15).",
)
@click.pass_context
def scheduler(ctx: click.Context, once: bool, interval: float | None) -> None:
    """Run the breach sweep headless (as a service), or --once."""
    import logging

    from dispatch.bootstrap import build_monitor, freeze_startup_heap
    from dispatch.services import alerts

    with using_storage(ctx) as (settings, _storage_, rt):
        monitor = build_monitor(settings, rt, interval=interval)
        if once:
            raised = monitor.run_once()
            if not monitor.holds_lease:
                holder = alerts.lease_holder(rt.reader())
                who = f"{holder[0]} until {holder[1]:%H:%M:%S} UTC" if holder else "another process"
                say(f"not swept: the sweep lease is held by {printable(who)}")
                return
            late = sum(a.late for a in raised)
            say(f"swept: {len(raised)} alerts raised ({late} late)")
            opened = monitor.plans_once()
            if opened:
                say(f"plans: {len(opened)} regular ticket(s) opened")
            _started, low = monitor.block_hours_once()
            for balance in low:
                say(
                    f"block hours low: {printable(balance.contract_name)} "
                    f"{balance.left_hours:.1f} of {balance.prepaid_hours:g} h left"
                )
            done = monitor.deliver_once()
            if done:
                sent = sum(d.state == "sent" for d in done)
                say(f"notifications: {sent} sent, {len(done) - sent} not (yet)")
            _say_replies(monitor.replies_once(), monitor.replies_waiting)
            monitor.stop()
            return
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s"
        )
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
        say(
            f"dispatch scheduler: sweeping every {monitor.policy.interval.total_seconds():g} s "
            f"as {monitor.holder} (ctrl+c stops)",
            err=True,
        )
        freeze_startup_heap()
        monitor.run_forever()


def _say_replies(done: list[Delivery], waiting: int) -> None:
    """``replies: 1 sent, 0 to retry, 0 failed``, or why replies wait."""
    if waiting:
        say(f"replies: {waiting} waiting: [mail] from is not set, so none is sent")
    if done:
        sent = sum(d.state == "sent" for d in done)
        failed = sum(d.state == "failed" for d in done)
        say(f"replies: {sent} sent, {len(done) - sent - failed} to retry, {failed} failed")
