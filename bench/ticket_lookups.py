"""Ticket lookups on the local server: GET /api/tickets over 100,000 tickets in SQLite.

    python bench/ticket_lookups.py --tickets 100000 --organizations 200 --requests 2000

Fills a fresh data dir through the store's own `create_ticket` (the tickets,
as the API would store them, spread over 200 organizations, five people each,
every status and request type), signs in one person of each organization,
starts `kbdesk serve` on it, and asks for the first page of the organization
scope with a status filter (and then its second page, through the cursor)
from one keep-alive client, organization and status picked at random. Prints
p50/p99 latency per kind of request; the target is under 20 ms for both.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tickets_load import free_port, start_server  # noqa: E402

from tickets import catalog
from tickets.adapters.sqlite_store import SQLiteStore
from tickets.records import Organization, Requester, TicketChange, TicketDraft
from tickets.sign_in import SESSION_COOKIE, digest

STATUSES = sorted(catalog.STATUS_IDS)
TYPES = sorted(catalog.REQUEST_TYPE_IDS)
PRODUCTS = ("omni-crm", "omni-chat", "omni-analytics")  # the sample knowledge base's products


def fill(store: SQLiteStore, tickets: int, organizations: int) -> dict[str, str]:
    """The tickets and organizations; a session for one person of each organization (org id -> session)."""
    rng = random.Random(7)
    started = datetime(2025, 1, 1, tzinfo=UTC)
    for n in range(organizations):
        store.save_organization(Organization(id=f"org-{n}", name=f"Cliente {n}", domains=(f"cliente{n}.com.br",)))
    for i in range(tickets):
        org = rng.randrange(organizations)
        draft = TicketDraft(
            request_type=rng.choice(TYPES),
            product=rng.choice(PRODUCTS),
            subject=f"Chamado de teste {i}",
            description="Descrição do chamado de teste.",
            requester=Requester(email=f"p{rng.randrange(5)}@cliente{org}.com.br", name=""),
            organization=f"org-{org}",
            created_at=started + timedelta(minutes=i),
        )
        ticket = store.create_ticket(draft, "PC", lambda t: [])
        status = rng.choice(STATUSES)
        if status != "open":
            store.update_ticket(ticket.number, TicketChange(at=draft.created_at, status=status), lambda t: [])
    sessions = {}
    for n in range(organizations):
        session = f"bench-session-{n}"
        store.save_session(digest(session), f"p0@cliente{n}.com.br", datetime.now(UTC) + timedelta(hours=12))
        sessions[f"org-{n}"] = session
    return sessions


def get(connection: http.client.HTTPConnection, path: str, session: str) -> tuple[float, dict]:
    started = time.perf_counter()
    connection.request("GET", path, headers={"Cookie": f"{SESSION_COOKIE}={session}"})
    response = connection.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - started
    if response.status != 200:
        raise SystemExit(f"{path}: {response.status} {body[:200]!r}")
    return elapsed, json.loads(body)


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--organizations", type=int, default=200)
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="kbdesk-lookups-"))
    started = time.perf_counter()
    sessions = fill(SQLiteStore(data_dir / "kbdesk.sqlite3"), args.tickets, args.organizations)
    filled = time.perf_counter() - started
    port = free_port()
    server = start_server(data_dir, port)
    rng = random.Random(11)
    first: list[float] = []
    second: list[float] = []
    returned: list[int] = []
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        for _ in range(20):  # warm the connection and the server's threads
            get(connection, "/api/tickets?scope=organization&status=open", sessions["org-0"])
        for _ in range(args.requests):
            org = f"org-{rng.randrange(args.organizations)}"
            path = f"/api/tickets?scope=organization&status={rng.choice(STATUSES)}"
            elapsed, page = get(connection, path, sessions[org])
            first.append(elapsed)
            returned.append(len(page["items"]))
            if page["next_cursor"]:
                elapsed, _ = get(connection, f"{path}&cursor={page['next_cursor']}", sessions[org])
                second.append(elapsed)
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(
        json.dumps(
            {
                "tickets": args.tickets,
                "organizations": args.organizations,
                "fill_seconds": round(filled, 1),
                "requests": len(first),
                "median_items_per_page": statistics.median(returned),
                "first_page_ms": {
                    "p50": round(percentile(first, 0.5) * 1000, 2),
                    "p99": round(percentile(first, 0.99) * 1000, 2),
                },
                "second_page_ms": {
                    "p50": round(percentile(second, 0.5) * 1000, 2),
                    "p99": round(percentile(second, 0.99) * 1000, 2),
                    "requests": len(second),
                },
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
