"""Every answer is its own request's, however many arrive at once.

The function keeps the request it is handling in process-wide state
(Powertools' router classes, its Logger), so a host that let two requests
share a process at once would answer one customer with another's ticket.
Each test sends many distinct requests at the same moment, round after
round, and checks every answer against its own request, on every host: the
function called from many threads (`lambda`), the test's server over HTTP
(`local`), and `kbdesk serve` itself with its worker processes (`served`).
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from contract_data import (
    AGENT_KEY,
    add_organization,
    agent,
    ask_sign_in,
    browser,
    link_query,
    listing,
    open_ticket,
    sign_in,
    ticket_body,
)
from hosts import Browser, Reply

from tickets import signing
from tickets.adapters.local_files import UPLOAD_POLICY

ROUNDS = 8
AT_ONCE = 40
T = TypeVar("T")


@pytest.fixture(params=["local", "lambda", "served"])
def busy_host(request: pytest.FixtureRequest, make_host: Callable[..., Any]) -> Any:
    return make_host(request.param, agent_key=AGENT_KEY)


def at_once(count: int, work: Callable[[int], T]) -> list[T]:
    """`work(0)` to `work(count - 1)`, each in its own thread, all released at the same moment."""
    start = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(index: int) -> None:
        start.wait()
        try:
            results[index] = work(index)
        except Exception as error:  # kept, so the test shows it instead of a thread's traceback
            results[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def all_tickets(host: Any) -> list[dict[str, Any]]:
    """Every ticket, as support lists them, page after page."""
    found: list[dict[str, Any]] = []
    cursor = None
    while True:
        reply = agent(host, "GET", listing("/api/agent/tickets", limit=100, **({"cursor": cursor} if cursor else {})))
        assert reply.status == 200, reply.text
        found += reply.json["items"]
        cursor = reply.json["next_cursor"]
        if not cursor:
            return found


def test_every_new_ticket_answer_is_the_ticket_its_request_opened(busy_host: Any) -> None:
    crossed: list[str] = []
    expected: set[tuple[str, str]] = set()
    for round_ in range(ROUNDS):

        def submit(i: int, round_: int = round_) -> tuple[str, str, Reply]:
            subject, email = f"Lentidão {round_}-{i}", f"cliente{round_}x{i}@empresa{i}.com.br"
            headers = {"Idempotency-Key": f"chave-{round_}-{i}"} if i % 2 else None  # with and without a key
            return subject, email, open_ticket(busy_host, headers, subject=subject, email=email)

        for subject, email, reply in at_once(AT_ONCE, submit):
            expected.add((subject, email))
            assert reply.status == 201, reply.text
            if (reply.json["subject"], reply.json["requester"]["email"]) != (subject, email):
                crossed.append(f"{subject} answered with {reply.json['number']} {reply.json['subject']}")
    assert crossed == []
    stored = all_tickets(busy_host)
    # None lost, none stored twice, numbered without gaps.
    assert sorted((t["subject"], t["requester"]["email"]) for t in stored) == sorted(expected)
    assert sorted(int(t["number"].split("-")[1]) for t in stored) == list(range(1001, 1001 + ROUNDS * AT_ONCE))


def _granted(host: Any, grant: dict[str, Any]) -> tuple[str, int]:
    """The type and the largest size an upload form lets through (S3's policy, or the local server's)."""
    fields = grant["fields"]
    if "x-amz-signature" in fields:
        policy = json.loads(base64.b64decode(fields["policy"]))
        (size,) = [c[2] for c in policy["conditions"] if isinstance(c, list) and c[0] == "content-length-range"]
        return fields["Content-Type"], size
    local = signing.unsign(host.settings.signing_secret, UPLOAD_POLICY, fields["policy"])
    return fields["Content-Type"], local["max_size"]


def test_every_upload_grant_is_for_the_file_its_request_declared(busy_host: Any) -> None:
    types = ["image/png", "application/pdf", "text/plain", "image/jpeg"]
    crossed: list[str] = []
    for round_ in range(ROUNDS):

        def ask(i: int, round_: int = round_) -> tuple[str, int, Reply]:
            content_type, size = types[i % len(types)], 1000 + round_ * AT_ONCE + i
            body = {"filename": f"arquivo-{i}", "content_type": content_type, "size": size}
            return content_type, size, busy_host.request("POST", "/api/uploads", body)

        for content_type, size, reply in at_once(AT_ONCE, ask):
            assert reply.status == 201, reply.text
            if _granted(busy_host, reply.json) != (content_type, size):
                crossed.append(f"{content_type} {size} granted {_granted(busy_host, reply.json)}")
    assert crossed == []


def test_signed_in_customers_each_see_only_themselves_and_their_tickets(busy_host: Any) -> None:
    people = [f"pessoa{i}@empresa{i}.com.br" for i in range(8)]
    for person in people:
        assert open_ticket(busy_host, email=person, subject=f"Chamado de {person}").status == 201
    browsers = [sign_in(busy_host, person) for person in people]
    anonymous = browser(busy_host)
    wrong: list[str] = []
    for _ in range(ROUNDS):

        def look(i: int) -> tuple[str, str, Reply]:
            who = i % len(people)
            if i % 4 == 0:
                return people[who], "/api/me", browsers[who].request("GET", "/api/me")
            if i % 4 == 1:
                return people[who], "/api/tickets", browsers[who].request("GET", "/api/tickets")
            if i % 4 == 2:  # someone who never signed in, among them
                return "401", "/api/me", anonymous.request("GET", "/api/me")
            subject = f"Chamado anônimo {i}"  # and someone opening a ticket without signing in
            return subject, "/api/tickets", anonymous.request("POST", "/api/tickets", ticket_body(subject=subject))

        for expected, path, reply in at_once(AT_ONCE, look):
            if reply.status == 401:
                seen = "401"
            elif reply.status not in (200, 201):
                seen = reply.text
            elif path == "/api/me":
                seen = reply.json["email"]
            elif reply.status == 201:
                seen = reply.json["subject"]
            else:
                seen = ",".join(sorted({t["requester"]["email"] for t in reply.json["items"]}))
            if seen != expected:
                wrong.append(f"{path} for {expected}: {seen}")
    assert wrong == []


def test_ticket_pages_organization_lists_and_sign_ins_each_answer_their_own_caller(busy_host: Any) -> None:
    organizations = [f"empresa{o}" for o in range(4)]
    for org in organizations:
        add_organization(busy_host, org, org.title(), domains=(f"{org}.com.br",))
    people = [f"pessoa{i}@{organizations[i % 4]}.com.br" for i in range(8)]
    tickets = [open_ticket(busy_host, email=person, subject=f"Chamado de {person}").json["number"] for person in people]
    browsers = [sign_in(busy_host, person) for person in people]
    wrong: list[str] = []
    for round_ in range(ROUNDS):
        newcomers = [f"novo{round_}x{n}@{organizations[n % 4]}.com.br" for n in range(5)]
        tokens = [link_query(ask_sign_in(busy_host, person))["token"] for person in newcomers]

        def look(i: int, newcomers: list[str] = newcomers, tokens: list[str] = tokens) -> tuple[str, Reply]:
            if i < len(newcomers):  # a newcomer presses Entrar: the session is theirs, and the answer names them
                return newcomers[i], browser(busy_host).request("POST", "/api/auth/verify", {"token": tokens[i]})
            who, kind = i % len(people), i % 3
            if kind == 0:  # the ticket page of their own ticket
                return tickets[who], browsers[who].request("GET", f"/api/tickets/{tickets[who]}")
            if kind == 1:  # someone else's ticket, in another organization: as if it did not exist
                foreign = (who + 1) % len(people)
                return "404", browsers[who].request("GET", f"/api/tickets/{tickets[foreign]}")
            return organizations[who % 4], browsers[who].request("GET", "/api/tickets?scope=organization")

        for expected, reply in at_once(AT_ONCE, look):
            if reply.status == 404:
                seen = "404"
            elif reply.status != 200:
                seen = f"{reply.status} {reply.text[:100]}"
            elif "items" in reply.json:
                seen = ",".join(sorted({t["requester"]["email"].split("@")[1][:-7] for t in reply.json["items"]}))
            else:
                seen = reply.json.get("number") or reply.json["email"]
            if seen != expected:
                wrong.append(f"{expected}: {seen}")
    assert wrong == []


def test_the_csrf_guard_reads_each_requests_own_headers(busy_host: Any) -> None:
    number = open_ticket(busy_host, email="ana@empresa.com.br").json["number"]
    ana: Browser = sign_in(busy_host, "ana@empresa.com.br")
    wrong: list[str] = []
    for _ in range(ROUNDS):

        def comment(i: int) -> tuple[bool, Reply]:
            with_header = i % 2 == 0
            body = {"body": f"Comentário {i}, com o cabeçalho: {with_header}"}
            return with_header, ana.request("POST", f"/api/tickets/{number}/comments", body, csrf=with_header)

        for with_header, reply in at_once(AT_ONCE, comment):
            if reply.status != (201 if with_header else 403):
                wrong.append(f"header {with_header}: {reply.status} {reply.text[:100]}")
    assert wrong == []


def test_support_gets_each_ticket_it_asked_for_and_a_wrong_key_never_passes(busy_host: Any) -> None:
    numbers = [open_ticket(busy_host, email=f"c{i}@empresa.com.br", subject=f"Assunto {i}").json["number"] for i in range(10)]
    wrong: list[str] = []
    for _ in range(ROUNDS):

        def fetch(i: int) -> tuple[str, Reply]:
            number = numbers[i % len(numbers)]
            if i % 4 == 3:
                return "403", agent(busy_host, "GET", f"/api/agent/tickets/{number}", key="chave-errada")
            if i % 4 == 2:  # customers open tickets meanwhile
                subject = f"Novo {i}"
                return subject, open_ticket(busy_host, subject=subject)
            return number, agent(busy_host, "GET", f"/api/agent/tickets/{number}")

        for expected, reply in at_once(AT_ONCE, fetch):
            seen = (
                reply.json.get("number")
                if reply.status == 200
                else reply.json.get("subject")
                if reply.status == 201
                else str(reply.status)
            )
            if seen != expected:
                wrong.append(f"{expected}: {reply.status} {seen}")
    assert wrong == []
