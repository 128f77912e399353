"""What a page of tickets costs on DynamoDB: items read for the items listed.

    python bench/ticket_reads_dynamodb.py --tickets 5000 --organizations 20

Under moto, in this process: the store's own table (its GSIs as
`table_definition` declares them) seeded with tickets from several people in
each of 20 organizations, statuses and request types spread as a real desk
spreads them (few open, few improvement requests). Then, for each scope (one
requester's tickets, one organization's, every ticket as support sees them)
and each filter (none, each status, each request type, a product, a status
with a request type, words of the subject, a number), the first page of 20.

Botocore's event hooks count what DynamoDB reports: every Query's ScannedCount
(the items it read, before any FilterExpression) and one item per GetItem.
Prints a Markdown table: read operations, items read, items returned, and
read/returned. Exits non-zero if a page filtered by a status or a request type
alone reads more than 5 times what it returns.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from moto import mock_aws

from tickets.adapters.dynamodb import DynamoDBStore, table_definition, ticket_item
from tickets.records import Requester, Ticket, TicketFilter
from tickets.text import words

REGION = "us-east-1"
TABLE = "kbdesk-reads"
PAGE = 20
MOST_READ_PER_RETURNED = 5
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

# Shares of every 100 tickets: most are finished, few wait on anyone.
STATUSES = {"open": 5, "in_progress": 10, "waiting_customer": 5, "resolved": 30, "closed": 50}
REQUEST_TYPES = {"incident": 55, "usability": 25, "technical": 15, "improvement": 5}
PRODUCTS = {"omni-crm": 70, "omni-chat": 25, "omni-analytics": 5}
SUBJECTS = (
    "Lentidão ao salvar contato",
    "Erro ao emitir boleto",
    "Dúvida sobre o menu de relatórios",
    "Como configurar regras de distribuição",
    "Instabilidade no login do Omni Chat",
    "Orçamento para novo painel",
    "Mensagem de erro ao exportar planilha",
    "Parametrização de filas de atendimento",
    "Acesso ao módulo de campanhas",
    "Integração com o WhatsApp parou",
)


@dataclass
class Reads:
    """What DynamoDB reported for the calls made since the last reset."""

    operations: int = 0
    items: int = 0

    def hook(self, model: Any, parsed: dict[str, Any], **_: Any) -> None:
        if model.name == "Query":
            self.operations += 1
            self.items += parsed.get("ScannedCount", 0)
        elif model.name == "GetItem":
            self.operations += 1
            self.items += 1  # found or not, a GetItem reads (and is billed for) one item


def spread(rng: random.Random, shares: dict[str, int]) -> str:
    return rng.choices(list(shares), weights=list(shares.values()))[0]


def seed(client: Any, count: int, organizations: int, rng: random.Random) -> list[Ticket]:
    """The desk's tickets, written as the store writes them; oldest first.

    Written with BatchWriteItem rather than the store's create_ticket: moto
    copies the whole table for every transaction, which makes thousands of
    them take hours; the items, their index keys and so what is read, are the same.
    """
    people = [(f"pessoa{p}@empresa{o}.com.br", f"empresa{o}") for o in range(organizations) for p in range(rng.randint(3, 8))] + [
        (f"cliente{p}@gmail.com", None) for p in range(10)
    ]
    # Some people open far more tickets than others, as at a real desk.
    weights = [rng.paretovariate(1.2) for _ in people]
    tickets = []
    for n in range(count):
        email, organization = rng.choices(people, weights=weights)[0]
        created = START + timedelta(minutes=37 * n)
        tickets.append(
            Ticket(
                number=f"PC-{1001 + n}",
                status=spread(rng, STATUSES),
                request_type=spread(rng, REQUEST_TYPES),
                product=spread(rng, PRODUCTS),
                subject=rng.choice(SUBJECTS),
                description="Descrição do chamado. " * 20,
                requester=Requester(email=email, name=email.split("@")[0].title()),
                organization=organization,
                created_at=created,
                updated_at=created,
            )
        )
    for start in range(0, len(tickets), 25):
        requests = [{"PutRequest": {"Item": ticket_item(t)}} for t in tickets[start : start + 25]]
        while requests:
            answer = client.batch_write_item(RequestItems={TABLE: requests})
            requests = answer.get("UnprocessedItems", {}).get(TABLE, [])
    return tickets


def filters(tickets: list[Ticket], rng: random.Random) -> list[tuple[str, TicketFilter, bool]]:
    """(label, filter, checked): every filter of the benchmark; checked ones must stay within the bound."""
    some = rng.choice(tickets)
    narrowing: list[tuple[str, TicketFilter, bool]] = [("none", TicketFilter(), False)]
    narrowing += [(f"status={s}", TicketFilter(status=s), True) for s in STATUSES]
    narrowing += [(f"request_type={t}", TicketFilter(request_type=t), True) for t in REQUEST_TYPES]
    narrowing += [
        ("product=omni-chat", TicketFilter(product="omni-chat"), False),
        ("product=omni-analytics", TicketFilter(product="omni-analytics"), False),
        ("status=open + request_type=incident", TicketFilter(status="open", request_type="incident"), False),
        ("status=closed + request_type=improvement", TicketFilter(status="closed", request_type="improvement"), False),
        ("q=lentidão", TicketFilter(words=words("lentidão")), False),
        ("q=erro exportar", TicketFilter(words=words("erro exportar")), False),
        (f"q={some.number}", TicketFilter(number=some.number), False),
    ]
    return narrowing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=5000)
    parser.add_argument("--organizations", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    for name, value in {"AWS_DEFAULT_REGION": REGION, "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench"}.items():
        os.environ.setdefault(name, value)

    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        client.create_table(**table_definition(TABLE))
        tickets = seed(client, args.tickets, args.organizations, rng)
        store = DynamoDBStore(TABLE, client)
        reads = Reads()
        client.meta.events.register("after-call.dynamodb.*", reads.hook)

        by_requester = Counter(t.requester.email for t in tickets if t.organization)
        by_organization = Counter(t.organization for t in tickets if t.organization)
        requester = by_requester.most_common()[len(by_requester) // 4][0]  # a busy person, not the busiest
        organization = by_organization.most_common()[len(by_organization) // 2][0]
        scopes = [
            (f"requester ({by_requester[requester]} tickets)", TicketFilter(requester=requester)),
            (f"organization ({by_organization[organization]} tickets)", TicketFilter(organization=organization)),
            (f"all ({len(tickets)} tickets)", TicketFilter()),
        ]
        print(
            f"{len(tickets)} tickets, {len(by_organization)} organizations, {len(by_requester)} requesters in them; "
            f"first page of {PAGE}\n"
        )
        print("| scope | filter | reads | items read | returned | read / returned |")
        print("| --- | --- | ---: | ---: | ---: | ---: |")
        too_costly = []
        for scope_label, scope in scopes:
            for label, narrowing, checked in filters(tickets, rng):
                which = replace(narrowing, requester=scope.requester, organization=scope.organization)
                reads.operations = reads.items = 0
                page, _ = store.find_tickets(which, PAGE)
                ratio = reads.items / len(page) if page else None
                shown = f"{ratio:.2f}" if ratio is not None else "–"
                print(f"| {scope_label} | {label} | {reads.operations} | {reads.items} | {len(page)} | {shown} |")
                if checked and ratio is not None and ratio > MOST_READ_PER_RETURNED:
                    too_costly.append(f"{scope_label}, {label}: {ratio:.2f}")
    if too_costly:
        print(f"\nmore than {MOST_READ_PER_RETURNED}x read for what was returned:\n  " + "\n  ".join(too_costly))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
