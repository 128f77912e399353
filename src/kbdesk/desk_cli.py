"""The support team's commands: `kbdesk outbox`, `kbdesk orgs` and `kbdesk agent`.

They call the desk directly, on the backend the environment names: the local
data dir (`--data-dir` or KBDESK_DATA_DIR) or AWS (KBDESK_BACKEND=aws and the
deployment's variables). Answers and status changes e-mail the requester
exactly as the API's support routes do.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from tickets import catalog
from tickets.backends import backend_for
from tickets.desk import Desk, utc_now
from tickets.errors import ApiError
from tickets.lookups import parse_query
from tickets.organizations import OrganizationError
from tickets.outbox import WAITING_AT_MOST
from tickets.outbox import flush as flush_outbox
from tickets.records import Ticket
from tickets.settings import SettingsError, from_environment

DATA_DIR = click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default="var",
    show_default=True,
    envvar="KBDESK_DATA_DIR",
    help="The local data dir (for the embedded backend).",
)
STATUS = click.Choice(sorted(catalog.STATUS_IDS))
# Control characters (an escape sequence can rewrite a terminal) and bidirectional overrides
# (they reorder what is shown) in what customers wrote; new lines and tabs stay.
UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def echo(text: str = "", err: bool = False) -> None:
    """Print to the terminal, never a customer's control characters."""
    click.echo(UNPRINTABLE.sub("\ufffd", text), err=err)


def open_desk(data_dir: Path) -> Desk:
    os.environ["KBDESK_DATA_DIR"] = str(data_dir)  # click has already weighed the flag against the variable
    try:
        return backend_for(from_environment()).desk
    except SettingsError as error:
        raise click.ClickException(str(error)) from error


def _run(action: Callable[[], Any]) -> Any:
    """The desk's refusals as command-line errors (exit 1 with the message), never a traceback."""
    try:
        return action()
    except ApiError as error:
        details = "; ".join(f"{name}: {reason}" for name, reason in error.fields.items())
        raise click.ClickException(error.message + (f" ({details})" if details else "")) from error
    except OrganizationError as error:
        raise click.ClickException(str(error)) from error


# Outbox


@click.group()
def outbox() -> None:
    """The e-mails waiting to be sent (stored with each ticket, sent after)."""


@outbox.command()
@DATA_DIR
def flush(data_dir: Path) -> None:
    """Send every e-mail waiting now, retries included; exit 1 if some could not be sent (retried later, or given up)."""
    desk = open_desk(data_dir)
    total = flush_outbox(desk.store, desk.mailer, utc_now(), waiting_too=True)
    echo(f"{total.sent} e-mail(s) sent, {total.failed} to be retried, {total.given_up} given up.")
    if total.given_up:
        echo("See them with: kbdesk outbox list --failed", err=True)
    if total.failed or total.given_up:
        sys.exit(1)


@outbox.command("list")
@click.option("--failed", is_flag=True, help="The e-mails given up (refused for good, or failing too often), latest first.")
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
@DATA_DIR
def list_messages(failed: bool, limit: int, data_dir: Path) -> None:
    """The e-mails waiting to be sent, soonest first, with why the last attempt failed."""
    store = open_desk(data_dir).store
    now = utc_now()
    messages = store.failed_messages(limit) if failed else store.pending_messages(now, limit, now + WAITING_AT_MOST)
    for message in messages:
        when = f"  given up {message.failed_at:%Y-%m-%d %H:%M}" if message.failed_at else ""
        echo(f"{message.id}  {message.ticket or '-'}  {message.kind}  {message.recipient}  attempts: {message.attempts}{when}")
        if message.error:
            echo(f"    {message.error}")
    if not messages:
        echo("No e-mail given up." if failed else "No e-mail waiting.")


@outbox.command()
@click.argument("message_ids", nargs=-1, required=True)
@DATA_DIR
def retry(message_ids: tuple[str, ...], data_dir: Path) -> None:
    """Queue e-mails given up again (once what refused them is fixed); they go out with the next flush."""
    store = open_desk(data_dir).store
    unknown = [message_id for message_id in message_ids if not store.retry_message(message_id, utc_now())]
    echo(f"{len(message_ids) - len(unknown)} e-mail(s) queued again.")
    if unknown:
        raise click.ClickException(f"not among the e-mails given up: {', '.join(unknown)}")


# Organizations


@click.group()
def orgs() -> None:
    """Customer organizations: people of one organization see each other's tickets."""


@orgs.command("add")
@click.argument("organization_id")
@click.option("--name", required=True, help="The company's name, as customers know it.")
@click.option("--domain", "domains", multiple=True, help="An e-mail domain it owns (repeat for several); never a public one.")
@DATA_DIR
def add_organization(organization_id: str, name: str, domains: tuple[str, ...], data_dir: Path) -> None:
    """Create an organization (or rename it and add domains to it)."""
    organization = _run(lambda: open_desk(data_dir).add_organization(organization_id, name, list(domains)))
    echo(f"{organization.id}: {organization.name}" + (f" ({', '.join(organization.domains)})" if organization.domains else ""))


@orgs.command("add-member")
@click.argument("organization_id")
@click.argument("email")
@DATA_DIR
def add_member(organization_id: str, email: str, data_dir: Path) -> None:
    """List a person as a member (moving them from any other organization)."""
    _run(lambda: open_desk(data_dir).add_member(organization_id, email))
    echo(f"{email.strip().lower()} is a member of {organization_id}.")


@orgs.command("list")
@DATA_DIR
def list_organizations(data_dir: Path) -> None:
    """Every organization with its domains and members."""
    found = open_desk(data_dir).store.list_organizations()
    for organization in found:
        echo(f"{organization.id}\t{organization.name}")
        echo(f"  domains: {', '.join(organization.domains) or '-'}")
        echo(f"  members: {', '.join(organization.members) or '-'}")
    if not found:
        echo("No organizations yet (kbdesk orgs add creates one).")


# Answering tickets


@click.group()
def agent() -> None:
    """Answer tickets as the support team: list, show, reply, change status."""


@agent.command("list")
@click.option("--status", type=STATUS, help="Only tickets with this status.")
@click.option("--request-type", type=click.Choice(sorted(catalog.REQUEST_TYPE_IDS)), help="Only this request type.")
@click.option("--product", help="Only this product (its id).")
@click.option("--organization", help="Only this organization (its id).")
@click.option("--created-by", help="Only tickets this e-mail opened.")
@click.option("--q", help="A ticket number, or words of the subject.")
@click.option("--limit", type=click.IntRange(1, 100), default=20, show_default=True)
@DATA_DIR
def list_tickets(data_dir: Path, limit: int, **filters: str | None) -> None:
    """Tickets of every organization, newest first."""
    desk = open_desk(data_dir)
    params = {name: value for name, value in filters.items() if value} | {"limit": str(limit)}
    tickets, more = _run(lambda: desk.find_tickets(None, parse_query(params, desk.products, desk.settings.say)))
    for ticket in tickets:
        echo(
            "\t".join([ticket.number, ticket.status, ticket.request_type, ticket.product, ticket.requester.email, ticket.subject])
        )
    if not tickets:
        echo("No tickets match.")
    elif more:
        echo("(more tickets match; raise --limit or narrow the filters)")


@agent.command("show")
@click.argument("number")
@DATA_DIR
def show_ticket(number: str, data_dir: Path) -> None:
    """One ticket and its conversation, oldest first."""
    ticket = _run(lambda: open_desk(data_dir).ticket_for(None, number))
    echo(_describe(ticket))


@agent.command("reply")
@click.argument("number")
@click.option("--message", required=True, help="The answer, as the customer will read it.")
@click.option("--status", type=STATUS, help="Set this status with the answer (an open ticket becomes in_progress anyway).")
@DATA_DIR
def reply(number: str, message: str, status: str | None, data_dir: Path) -> None:
    """Answer a ticket; the requester gets the answer by e-mail."""
    desk = open_desk(data_dir)
    _run(lambda: desk.reply(number, message, status))
    ticket = desk.ticket_for(None, number)
    echo(f"Answer added to {ticket.number} (status: {ticket.status}); {ticket.requester.email} is e-mailed.")


@agent.command("status")
@click.argument("number")
@click.argument("status", type=STATUS)
@DATA_DIR
def change_status(number: str, status: str, data_dir: Path) -> None:
    """Change a ticket's status; the requester is e-mailed when it changes."""
    ticket = _run(lambda: open_desk(data_dir).change_status(number, status))
    echo(f"{ticket.number} is {ticket.status}.")


def _describe(ticket: Ticket) -> str:
    lines = [
        f"{ticket.number}  {ticket.subject}",
        f"status: {ticket.status}   request type: {ticket.request_type}   product: {ticket.product}",
        f"requester: {ticket.requester.name} <{ticket.requester.email}>   organization: {ticket.organization or '-'}",
        f"opened: {ticket.created_at.isoformat()}   updated: {ticket.updated_at.isoformat()}",
        "",
        ticket.description,
    ]
    lines += [f"attachment: {a.filename} ({a.size} bytes)" for a in ticket.attachments]
    for comment in ticket.comments:
        lines += [
            "",
            f"--- {comment.author.role} {comment.author.name or ''} <{comment.author.email}>, {comment.created_at.isoformat()}",
            comment.body,
        ]
        lines += [f"attachment: {a.filename} ({a.size} bytes)" for a in comment.attachments]
    return "\n".join(lines)
