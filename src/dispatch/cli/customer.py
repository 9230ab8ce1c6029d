"""``dispatch customer`` and ``contact``: the customers and the people at them.

Every write is one transaction through ``services.master_data`` (contacts:
``services.contacts``): bad input is refused with one line naming the field
and the value, and nothing is written.
"""

from __future__ import annotations

from typing import Any

import click

from dispatch.cli.root import db_option, echo_json, json_option, say, using_runtime


@click.group()
def customer() -> None:
    """Customers: list, add, edit, retire."""


@customer.command("list")
@db_option
@json_option
@click.pass_context
def customer_list(ctx: click.Context, as_json: bool) -> None:
    """All customers (retired ones marked)."""
    from dispatch import formats
    from dispatch.services import directory

    with using_runtime(ctx) as rt:
        customers = directory.list_customers(rt.reader())
    if as_json:
        echo_json([formats.customer_json(c) for c in customers])
        return
    rows = [
        [
            str(c.id),
            formats.clip(c.name, 40),
            c.timezone,
            c.country + (f"-{c.region}" if c.region else ""),
            str(len(c.contacts)),
            formats.clip(c.external_id or "", 20),
            "retired" if c.retired_at else "",
        ]
        for c in customers
    ]
    say(formats.table(["ID", "NAME", "TIMEZONE", "COUNTRY", "CONTACTS", "EXTERNAL", ""], rows))


def _place_options(func: Any) -> Any:
    for option in reversed(
        [
            click.option("--timezone", help="IANA zone of the site, e.g. Europe/Bucharest."),
            click.option("--country", help="ISO 3166 code, for public holidays (RO, BG, DE)."),
            click.option("--region", help="Subdivision code for regional holidays (e.g. BY)."),
            click.option("--address", help="Site address for on-site visits."),
            click.option("--external-id", help="Its id in the system it came from."),
        ]
    ):
        func = option(func)
    return func


_MAIL_DOMAIN = click.option(
    "--mail-domain",
    "mail_domains",
    multiple=True,
    help="Mail from this domain is the customer's when the sender is no contact (repeat; "
    "never a free-mail domain). On edit the given list replaces the old; '' clears it.",
)


@customer.command("add")
@click.argument("name")
@_place_options
@_MAIL_DOMAIN
@db_option
@json_option
@click.pass_context
def customer_add(
    ctx: click.Context,
    /,
    name: str,
    as_json: bool,
    mail_domains: tuple[str, ...],
    **place: str | None,
) -> None:
    """Add a customer NAME (--timezone and --country are needed)."""
    from dispatch import formats
    from dispatch.domain.errors import InvalidInputError
    from dispatch.domain.model import Customer
    from dispatch.services import master_data

    for needed in ("timezone", "country"):
        if not place[needed]:
            raise InvalidInputError(f"--{needed}: needed to add a customer")
    new = Customer(
        id=0,
        name=name,
        timezone=str(place["timezone"]),
        country=str(place["country"]),
        region=place["region"],
        address=place["address"] or "",
        external_id=place["external_id"],
        mail_domains=mail_domains,
    )
    with using_runtime(ctx) as rt:
        stored = master_data.add_customer(rt.writer(), rt.clock, rt.actor, new)
    _said(stored, as_json, "added", formats.customer_json)


@customer.command("edit")
@click.argument("ref", metavar="CUSTOMER")
@click.option("--name", help="A new name.")
@_place_options
@_MAIL_DOMAIN
@db_option
@json_option
@click.pass_context
def customer_edit(
    ctx: click.Context,
    /,
    ref: str,
    as_json: bool,
    mail_domains: tuple[str, ...],
    **changes: str | None,
) -> None:
    """Change the given fields of CUSTOMER (its name or external id)."""
    from dispatch import formats
    from dispatch.services import master_data

    given: dict[str, Any] = {k: v for k, v in changes.items() if v is not None}
    if mail_domains:
        given["mail_domains"] = tuple(d for d in mail_domains if d.strip())
    if "region" in given and given["region"] == "":
        given["region"] = None  # --region "": no subdivision
    with using_runtime(ctx) as rt:
        stored = master_data.edit_customer(rt.writer(), rt.clock, rt.actor, ref, given)
    _said(stored, as_json, "saved", formats.customer_json)


@customer.command("retire")
@click.argument("ref", metavar="CUSTOMER")
@db_option
@json_option
@click.pass_context
def customer_retire(ctx: click.Context, ref: str, as_json: bool) -> None:
    """Retire CUSTOMER: its tickets stay readable, new tickets for it are refused."""
    from dispatch import formats
    from dispatch.services import master_data

    with using_runtime(ctx) as rt:
        stored = master_data.retire_customer(rt.writer(), rt.clock, rt.actor, ref)
    _said(stored, as_json, "retired", formats.customer_json)


@click.group()
def contact() -> None:
    """A customer's contacts: add, edit, remove (list: ``dispatch customer list --json``)."""


def _contact_options(func: Any) -> Any:
    for option in reversed(
        [
            click.option("--email", "emails", multiple=True, help="An e-mail address (repeat)."),
            click.option("--phone", "phones", multiple=True, help="A phone number (repeat)."),
            click.option("--role", help="What they are, e.g. 'IT lead'."),
            click.option("--external-id", help="Their id in the system they came from."),
        ]
    ):
        func = option(func)
    return func


@contact.command("add")
@click.argument("customer_ref", metavar="CUSTOMER")
@click.option("--name", required=True, help="The contact's name.")
@_contact_options
@db_option
@json_option
@click.pass_context
def contact_add(
    ctx: click.Context,
    customer_ref: str,
    name: str,
    emails: tuple[str, ...],
    phones: tuple[str, ...],
    role: str | None,
    external_id: str | None,
    as_json: bool,
) -> None:
    """Add a contact to CUSTOMER."""
    from dispatch import formats
    from dispatch.domain.model import Contact
    from dispatch.services import contacts

    new = Contact(
        id=0,
        customer_id=0,
        name=name,
        emails=emails,
        phones=phones,
        role=role or "",
        external_id=external_id,
    )
    with using_runtime(ctx) as rt:
        stored = contacts.add_contact(rt.writer(), rt.clock, rt.actor, customer_ref, new)
    _said(stored, as_json, "added", formats.contact_json)


@contact.command("edit")
@click.argument("contact_id", type=int, metavar="ID")
@click.option("--name", help="A new name.")
@_contact_options
@db_option
@json_option
@click.pass_context
def contact_edit(
    ctx: click.Context,
    contact_id: int,
    name: str | None,
    emails: tuple[str, ...],
    phones: tuple[str, ...],
    role: str | None,
    external_id: str | None,
    as_json: bool,
) -> None:
    """Change the given fields of contact ID (--email and --phone replace the lists)."""
    from dispatch import formats
    from dispatch.services import contacts

    given: dict[str, Any] = {
        k: v
        for k, v in {"name": name, "role": role, "external_id": external_id}.items()
        if v is not None
    }
    if emails:
        given["emails"] = tuple(e for e in emails if e)  # --email "": none
    if phones:
        given["phones"] = tuple(p for p in phones if p)
    with using_runtime(ctx) as rt:
        stored = contacts.edit_contact(rt.writer(), rt.clock, rt.actor, contact_id, given)
    _said(stored, as_json, "saved", formats.contact_json)


@contact.command("remove")
@click.argument("contact_id", type=int, metavar="ID")
@db_option
@json_option
@click.pass_context
def contact_remove(ctx: click.Context, contact_id: int, as_json: bool) -> None:
    """Remove contact ID (the audit log keeps what it was)."""
    from dispatch import formats
    from dispatch.services import contacts

    with using_runtime(ctx) as rt:
        gone = contacts.remove_contact(rt.writer(), rt.clock, rt.actor, contact_id)
    _said(gone, as_json, "removed", formats.contact_json)


def _said(stored: Any, as_json: bool, verb: str, to_json: Any) -> None:
    """The stored record as JSON, or one line saying what was done."""
    from dispatch import formats

    if as_json:
        echo_json(to_json(stored))
        return
    what = type(stored).__name__.lower()
    say(f"{what} {stored.id} {formats.clip(stored.name, 60)!r} {verb}")
