"""The support team's commands: `kbdesk outbox`, `kbdesk orgs`, `kbdesk agent` and `kbdesk mail`.

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
from typing import Any, BinaryIO

import click

from tickets import catalog, inbound
from tickets.backends import backend_for
from tickets.desk import Desk, utc_now
from tickets.errors import ApiError
from tickets.lookups import parse_query
from tickets.organizations import OrganizationError
from tickets.outbox import WAITING_AT_MOST
from tickets.outbox import flush as flush_outbox
from tickets.records import Ticket
from tickets.settings import SettingsError, from_environment

from .strings import say

DATA_DIR = click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default="var",
    show_default=True,
    envvar="KBDESK_DATA_DIR",
    help=say("cli_data_dir"),
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


def _run(desk: Desk, action: Callable[[Desk], Any]) -> Any:
    """The desk's refusals as command-line errors (exit 1 with the message, in the desk's language), never a traceback."""
    try:
        return action(desk)
    except ApiError as error:
        details = "; ".join(f"{name}: {reason}" for name, reason in error.fields.items())
        raise click.ClickException(error.message + (f" ({details})" if details else "")) from error
    except OrganizationError as error:
        raise click.ClickException(desk.settings.say(error.key, **error.values)) from error


# Outbox


@click.group(help=say("cli_outbox"))
def outbox() -> None:
    pass


@outbox.command(help=say("cli_flush"))
@DATA_DIR
def flush(data_dir: Path) -> None:
    desk = open_desk(data_dir)
    total = flush_outbox(desk.store, desk.mailer, utc_now(), waiting_too=True)
    echo(say("cli_flushed", sent=total.sent, failed=total.failed, given_up=total.given_up))
    if total.given_up:
        echo(say("cli_see_failed"), err=True)
    if total.failed or total.given_up:
        sys.exit(1)


@outbox.command("list", help=say("cli_outbox_list"))
@click.option("--failed", is_flag=True, help=say("cli_failed"))
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True, help=say("cli_limit"))
@DATA_DIR
def list_messages(failed: bool, limit: int, data_dir: Path) -> None:
    store = open_desk(data_dir).store
    now = utc_now()
    messages = store.failed_messages(limit) if failed else store.pending_messages(now, limit, now + WAITING_AT_MOST)
    for message in messages:
        columns = [
            message.id,
            message.ticket or "-",
            message.kind,
            message.recipient,
            say("cli_attempts", count=message.attempts),
        ]
        if message.failed_at:
            columns.append(say("cli_given_up_at", when=f"{message.failed_at:%Y-%m-%d %H:%M}"))
        echo("  ".join(columns))
        if message.error:
            echo(f"    {message.error}")
    if not messages:
        echo(say("cli_none_given_up") if failed else say("cli_none_waiting"))


@outbox.command(help=say("cli_retry"))
@click.argument("message_ids", nargs=-1, required=True)
@DATA_DIR
def retry(message_ids: tuple[str, ...], data_dir: Path) -> None:
    store = open_desk(data_dir).store
    unknown = [message_id for message_id in message_ids if not store.retry_message(message_id, utc_now())]
    echo(say("cli_queued_again", count=len(message_ids) - len(unknown)))
    if unknown:
        raise click.ClickException(say("cli_not_given_up", ids=", ".join(unknown)))


# Organizations


@click.group(help=say("cli_orgs"))
def orgs() -> None:
    pass


@orgs.command("add", help=say("cli_orgs_add"))
@click.argument("organization_id")
@click.option("--name", required=True, help=say("cli_org_name"))
@click.option("--domain", "domains", multiple=True, help=say("cli_org_domain"))
@DATA_DIR
def add_organization(organization_id: str, name: str, domains: tuple[str, ...], data_dir: Path) -> None:
    organization = _run(open_desk(data_dir), lambda desk: desk.add_organization(organization_id, name, list(domains)))
    echo(f"{organization.id}: {organization.name}" + (f" ({', '.join(organization.domains)})" if organization.domains else ""))


@orgs.command("add-member", help=say("cli_add_member"))
@click.argument("organization_id")
@click.argument("email")
@DATA_DIR
def add_member(organization_id: str, email: str, data_dir: Path) -> None:
    _run(open_desk(data_dir), lambda desk: desk.add_member(organization_id, email))
    echo(say("cli_member_added", email=email.strip().lower(), organization=organization_id))


@orgs.command("list", help=say("cli_orgs_list"))
@DATA_DIR
def list_organizations(data_dir: Path) -> None:
    found = open_desk(data_dir).store.list_organizations()
    for organization in found:
        echo(f"{organization.id}\t{organization.name}")
        echo("  " + say("cli_org_domains", domains=", ".join(organization.domains) or "-"))
        echo("  " + say("cli_org_members", members=", ".join(organization.members) or "-"))
    if not found:
        echo(say("cli_no_orgs"))


# Answering tickets


@click.group(help=say("cli_agent"))
def agent() -> None:
    pass


@agent.command("list", help=say("cli_agent_list"))
@click.option("--status", type=STATUS, help=say("cli_only_status"))
@click.option("--request-type", type=click.Choice(sorted(catalog.REQUEST_TYPE_IDS)), help=say("cli_only_request_type"))
@click.option("--product", help=say("cli_only_product"))
@click.option("--organization", help=say("cli_only_organization"))
@click.option("--created-by", help=say("cli_only_created_by"))
@click.option("--q", help=say("cli_only_q"))
@click.option("--limit", type=click.IntRange(1, 100), default=20, show_default=True, help=say("cli_limit"))
@DATA_DIR
def list_tickets(data_dir: Path, limit: int, **filters: str | None) -> None:
    desk = open_desk(data_dir)
    params = {name: value for name, value in filters.items() if value} | {"limit": str(limit)}
    tickets, more = _run(desk, lambda desk: desk.find_tickets(None, parse_query(params, desk.products, desk.settings.say)))
    for ticket in tickets:
        echo(
            "\t".join([ticket.number, ticket.status, ticket.request_type, ticket.product, ticket.requester.email, ticket.subject])
        )
    if not tickets:
        echo(say("cli_no_tickets"))
    elif more:
        echo(say("cli_more_tickets"))


@agent.command("show", help=say("cli_show"))
@click.argument("number")
@DATA_DIR
def show_ticket(number: str, data_dir: Path) -> None:
    ticket = _run(open_desk(data_dir), lambda desk: desk.ticket_for(None, number))
    echo(_describe(ticket))


@agent.command("reply", help=say("cli_reply"))
@click.argument("number")
@click.option("--message", required=True, help=say("cli_reply_message"))
@click.option("--status", type=STATUS, help=say("cli_reply_status"))
@DATA_DIR
def reply(number: str, message: str, status: str | None, data_dir: Path) -> None:
    desk = open_desk(data_dir)
    _run(desk, lambda desk: desk.reply(number, message, status))
    ticket = desk.ticket_for(None, number)
    echo(say("cli_replied", number=ticket.number, status=ticket.status, email=ticket.requester.email))


@agent.command("status", help=say("cli_status"))
@click.argument("number")
@click.argument("status", type=STATUS)
@DATA_DIR
def change_status(number: str, status: str, data_dir: Path) -> None:
    ticket = _run(open_desk(data_dir), lambda desk: desk.change_status(number, status))
    echo(say("cli_status_changed", number=ticket.number, status=ticket.status))


# Mail

EX_TEMPFAIL = 75  # sysexits.h: a mail server keeps the message and delivers it again later


@click.group(help=say("cli_mail"))
def mail() -> None:
    pass


@mail.command("receive", help=say("cli_mail_receive"))
@click.argument("message", type=click.File("rb"))
@click.option("--recipient", "recipients", multiple=True, help=say("cli_mail_recipient"))
@DATA_DIR
def receive_mail(message: BinaryIO, recipients: tuple[str, ...], data_dir: Path) -> None:
    try:
        outcome = inbound.receive(open_desk(data_dir), message.read(inbound.MAX_MESSAGE_BYTES + 1), recipients)
    except Exception as error:
        # Whatever failed (the settings, a locked database, a full disk), the message is not lost: a non-zero exit other
        # than this one would make the mail server bounce it, and a bounce goes to whoever the From claims.
        echo(say("cli_mail_failed", error=f"{type(error).__name__}: {error}"), err=True)
        sys.exit(EX_TEMPFAIL)
    if outcome.action == "ignored":
        echo(say("cli_mail_ignored", reason=outcome.reason))
    else:
        echo(say(f"cli_mail_{outcome.action}", number=outcome.number))


def _describe(ticket: Ticket) -> str:
    lines = [
        f"{ticket.number}  {ticket.subject}",
        say("cli_ticket_status", status=ticket.status, request_type=ticket.request_type, product=ticket.product),
        say(
            "cli_ticket_requester",
            name=ticket.requester.name,
            email=ticket.requester.email,
            organization=ticket.organization or "-",
        ),
        say("cli_ticket_dates", opened=ticket.created_at.isoformat(), updated=ticket.updated_at.isoformat()),
        "",
        ticket.description,
    ]
    lines += [say("cli_attachment", name=a.filename, size=a.size) for a in ticket.attachments]
    for comment in ticket.comments:
        lines += [
            "",
            f"--- {comment.author.role} {comment.author.name or ''} <{comment.author.email}>, {comment.created_at.isoformat()}",
            comment.body,
        ]
        lines += [say("cli_attachment", name=a.filename, size=a.size) for a in comment.attachments]
    return "\n".join(lines)
