"""Finding one's tickets: "Meus chamados", "Todos os chamados" of the organization, filters and paging.

Every test runs against each host.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from contract_data import add_organization, confirm, listing, numbers, open_ticket, set_status, sign_in, stored_ticket

ANA, BRUNO, DIEGO, EVA = "ana@cliente.com.br", "bruno@cliente.com.br", "diego@outra.com.br", "eva@gmail.com"

# PC-1001 .. PC-1006, opened through the form in this order.
TICKETS = [
    (ANA, "incident", "omni-crm", "Lentidão ao salvar contato"),
    (BRUNO, "usability", "omni-chat", "Como exportar relatórios"),
    (ANA, "technical", "omni-chat", "Configuração de notificações"),
    (DIEGO, "incident", "omni-crm", "Lentidão no relatório"),
    (ANA, "improvement", "omni-crm", "ÁREA de exportação lenta"),
    (EVA, "usability", "omni-crm", "Dúvida sobre a área de contatos"),
]


@pytest.fixture
def desk(host: Any) -> Any:
    add_organization(host, "cliente", "Cliente S.A.", domains=("cliente.com.br",))
    add_organization(host, "outra", "Outra Ltda.", domains=("outra.com.br",))
    for email, request_type, product, subject in TICKETS:
        reply = open_ticket(host, email=email, request_type=request_type, product=product, subject=subject)
        assert reply.status == 201, reply.text
    confirm(host, *(email for email, *_ in TICKETS))
    set_status(host, "PC-1002", "waiting_customer")
    set_status(host, "PC-1003", "resolved")
    return host


def find(person: Any, **query: str | int) -> list[str]:
    return numbers(person.request("GET", listing("/api/tickets", **query)))


def test_my_tickets_newest_first_by_default(desk: Any) -> None:
    ana = sign_in(desk, ANA)
    assert find(ana) == ["PC-1005", "PC-1003", "PC-1001"]
    assert find(ana, scope="mine") == ["PC-1005", "PC-1003", "PC-1001"]
    assert find(sign_in(desk, BRUNO)) == ["PC-1002"]
    assert find(sign_in(desk, "ze@cliente.com.br")) == []


def test_the_organizations_tickets(desk: Any) -> None:
    assert find(sign_in(desk, ANA), scope="organization") == ["PC-1005", "PC-1003", "PC-1002", "PC-1001"]
    assert find(sign_in(desk, BRUNO), scope="organization") == ["PC-1005", "PC-1003", "PC-1002", "PC-1001"]
    assert find(sign_in(desk, DIEGO), scope="organization") == ["PC-1004"]


def test_without_an_organization_all_tickets_are_ones_own(desk: Any) -> None:
    assert open_ticket(desk, email="fabio@gmail.com").status == 201  # PC-1007: same public domain, not a colleague
    eva = sign_in(desk, EVA)
    assert find(eva, scope="organization") == find(eva, scope="mine") == ["PC-1006"]


def test_an_item_is_the_ticket_without_its_conversation(desk: Any) -> None:
    ana = sign_in(desk, ANA)
    assert ana.request("POST", "/api/tickets/PC-1001/comments", {"body": "Um comentário."}).status == 201
    reply = ana.request("GET", "/api/tickets")
    assert set(reply.json) == {"items", "next_cursor"}
    assert reply.json["next_cursor"] is None
    items = {item["number"]: item for item in reply.json["items"]}
    assert all("comments" not in item for item in items.values())
    whole = ana.request("GET", "/api/tickets/PC-1001").json
    assert len(whole["comments"]) == 1
    whole.pop("comments")
    assert items["PC-1001"] == whole
    assert items["PC-1003"]["status"] == "resolved"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "open"}, ["PC-1005", "PC-1001"]),
        ({"status": "waiting_customer"}, ["PC-1002"]),
        ({"status": "resolved"}, ["PC-1003"]),
        ({"status": "closed"}, []),
        ({"request_type": "incident"}, ["PC-1001"]),
        ({"request_type": "usability"}, ["PC-1002"]),
        ({"product": "omni-chat"}, ["PC-1003", "PC-1002"]),
        ({"created_by": BRUNO}, ["PC-1002"]),
        ({"created_by": ANA}, ["PC-1005", "PC-1003", "PC-1001"]),
        ({"created_by": DIEGO}, []),  # not a colleague: nothing of theirs shows
        ({"q": "PC-1003"}, ["PC-1003"]),
        ({"q": "pc-1003"}, ["PC-1003"]),
        ({"q": " Pc-1002 "}, ["PC-1002"]),
        ({"q": "PC-1004"}, []),  # another organization's number
        ({"q": "PC-100"}, []),  # a number matches exactly, never as a prefix
        ({"q": "lentidao"}, ["PC-1001"]),
        ({"q": "LENTIDÃO salvar"}, ["PC-1001"]),
        ({"q": "salvar relatorio"}, []),  # every word must appear
        ({"q": "relatorios"}, ["PC-1002"]),
        ({"q": "exportação"}, ["PC-1005"]),
        ({"q": "area"}, ["PC-1005"]),
        ({"q": "Notificações Configuração"}, ["PC-1003"]),
        ({"product": "omni-crm", "status": "open"}, ["PC-1005", "PC-1001"]),
        ({"product": "omni-chat", "request_type": "technical"}, ["PC-1003"]),
        ({"q": "lentidao", "product": "omni-chat"}, []),
        ({"status": "open", "created_by": ANA}, ["PC-1005", "PC-1001"]),
        ({"created_by": BRUNO, "status": "waiting_customer", "product": "omni-chat", "q": "exportar"}, ["PC-1002"]),
        ({"created_by": BRUNO, "status": "open"}, []),
    ],
)
def test_filters_narrow_the_organizations_tickets(desk: Any, query: dict[str, str], expected: list[str]) -> None:
    assert find(sign_in(desk, ANA), scope="organization", **query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"created_by": BRUNO}, []),  # in "mine", created_by can only narrow to oneself
        ({"created_by": ANA}, ["PC-1005", "PC-1003", "PC-1001"]),
        ({"product": "omni-chat"}, ["PC-1003"]),
        ({"q": "PC-1002"}, []),
        ({"q": "exportar"}, []),
        ({"status": "resolved", "request_type": "technical"}, ["PC-1003"]),
    ],
)
def test_filters_narrow_my_tickets(desk: Any, query: dict[str, str], expected: list[str]) -> None:
    assert find(sign_in(desk, ANA), **query) == expected


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"scope": "todos"}, "scope"),
        ({"status": "aberto"}, "status"),
        ({"request_type": "duvida"}, "request_type"),
        ({"product": "omni-erp"}, "product"),
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": -1}, "limit"),
        ({"limit": "abc"}, "limit"),
        ({"limit": "1.5"}, "limit"),
        ({"cursor": "nao-e-um-cursor"}, "cursor"),
    ],
)
def test_a_bad_query_value_is_a_400_naming_the_parameter(desk: Any, query: dict[str, str | int], field: str) -> None:
    reply = sign_in(desk, ANA).request("GET", listing("/api/tickets", **query))
    assert (reply.status, reply.error["code"]) == (400, "bad_request"), reply.text
    assert field in reply.error["fields"]


def test_limit_bounds_are_inclusive(desk: Any) -> None:
    ana = sign_in(desk, ANA)
    one = ana.request("GET", listing("/api/tickets", limit=1)).json
    assert [i["number"] for i in one["items"]] == ["PC-1005"] and one["next_cursor"]
    assert find(ana, limit=100) == ["PC-1005", "PC-1003", "PC-1001"]


def test_listing_needs_a_session(desk: Any) -> None:
    reply = desk.request("GET", "/api/tickets?scope=organization")
    assert (reply.status, reply.error["code"]) == (401, "unauthenticated")


# Cursors


def first_page(person: Any, **query: str | int) -> tuple[list[str], str]:
    reply = person.request("GET", listing("/api/tickets", **query))
    assert reply.status == 200, reply.text
    assert reply.json["next_cursor"], reply.json
    return [i["number"] for i in reply.json["items"]], reply.json["next_cursor"]


def test_a_cursor_continues_where_the_page_ended(desk: Any) -> None:
    ana = sign_in(desk, ANA)
    page, cursor = first_page(ana, scope="organization", limit=3)
    assert page == ["PC-1005", "PC-1003", "PC-1002"]
    rest = ana.request("GET", listing("/api/tickets", scope="organization", limit=3, cursor=cursor)).json
    assert ([i["number"] for i in rest["items"]], rest["next_cursor"]) == (["PC-1001"], None)


def test_a_cursor_is_only_good_for_who_got_it_and_the_same_filters(desk: Any) -> None:
    ana, bruno = sign_in(desk, ANA), sign_in(desk, BRUNO)
    _, cursor = first_page(ana, scope="organization", limit=1)
    for person, query in [
        (bruno, {"scope": "organization"}),  # a colleague, with the same filters
        (ana, {"scope": "mine"}),
        (ana, {"scope": "organization", "product": "omni-crm"}),
        (ana, {"scope": "organization", "status": "open"}),
        (ana, {"scope": "organization", "q": "lentidao"}),
        (ana, {"scope": "organization", "created_by": ANA}),
    ]:
        reply = person.request("GET", listing("/api/tickets", limit=1, cursor=cursor, **query))
        assert (reply.status, reply.error["code"]) == (400, "bad_request"), (query, reply.text)
        assert "cursor" in reply.error["fields"]
    assert find(ana, scope="organization", limit=1, cursor=cursor) == ["PC-1003"]


def test_a_tampered_cursor_is_a_400(desk: Any) -> None:
    ana = sign_in(desk, ANA)
    _, cursor = first_page(ana, limit=1)
    middle = len(cursor) // 2
    for tampered in (
        cursor[:middle] + ("A" if cursor[middle] != "A" else "B") + cursor[middle + 1 :],
        cursor[:-4],
        cursor + "AAAA",
    ):
        reply = ana.request("GET", listing("/api/tickets", limit=1, cursor=tampered))
        assert (reply.status, reply.error["code"]) == (400, "bad_request"), tampered
        assert "Traceback" not in reply.text


# Many tickets


@dataclass(frozen=True)
class BusyDesk:
    host: Any
    cliente: list[str]  # every ticket of `cliente`, in the order opened
    chat: list[str]  # those about Omni Chat
    anas: list[str]  # those Ana opened


@pytest.fixture
def busy_desk(host: Any) -> BusyDesk:
    """250 tickets of `cliente` (a few through the form, the rest straight to the store) among 40 of `outra`."""
    add_organization(host, "cliente", "Cliente S.A.", domains=("cliente.com.br",))
    add_organization(host, "outra", "Outra Ltda.", domains=("outra.com.br",))
    cliente: list[tuple[str, str, str]] = []  # number, requester, product
    for email in (ANA, BRUNO, ANA):
        reply = open_ticket(host, email=email, product="omni-chat")
        assert reply.status == 201, reply.text
        cliente.append((reply.json["number"], email, "omni-chat"))
    confirm(host, ANA, BRUNO)
    index = 0
    while len(cliente) < 250:
        index += 1
        if index % 7 == 0:
            stored_ticket(host, index, DIEGO, "outra")
            continue
        email, product = (ANA if index % 2 else BRUNO), ("omni-chat" if index % 3 == 0 else "omni-crm")
        cliente.append((stored_ticket(host, index, email, "cliente", product=product), email, product))
    return BusyDesk(
        host,
        cliente=[number for number, _, _ in cliente],
        chat=[number for number, _, product in cliente if product == "omni-chat"],
        anas=[number for number, email, _ in cliente if email == ANA],
    )


def walk(person: Any, limit: int, **query: str | int) -> list[list[str]]:
    """Every page of a listing, following next_cursor to the end."""
    pages: list[list[str]] = []
    cursor: str | None = None
    while True:
        params = dict(query, limit=limit, **({"cursor": cursor} if cursor else {}))
        reply = person.request("GET", listing("/api/tickets", **params))
        assert reply.status == 200, reply.text
        pages.append([i["number"] for i in reply.json["items"]])
        cursor = reply.json["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 100, "the listing never ends"


def newest_first(tickets: list[str]) -> list[str]:
    return sorted(tickets, key=lambda n: int(n.split("-")[1]), reverse=True)


def test_paging_through_250_tickets_has_no_gaps_or_repeats(busy_desk: BusyDesk) -> None:
    desk = busy_desk
    ana = sign_in(desk.host, ANA)

    pages = walk(ana, 100, scope="organization")
    assert [len(p) for p in pages] == [100, 100, 50]
    assert sum(pages, []) == newest_first(desk.cliente)

    # Sparse matches: a page is full however many tickets the filter skips.
    pages = walk(ana, 20, scope="organization", product="omni-chat")
    assert all(len(p) == 20 for p in pages[:-1]) and 0 < len(pages[-1]) <= 20
    assert sum(pages, []) == newest_first(desk.chat)

    pages = walk(ana, 50)
    assert all(len(p) == 50 for p in pages[:-1]) and 0 < len(pages[-1]) <= 50
    assert sum(pages, []) == newest_first(desk.anas)

    # Twenty a page unless asked otherwise (one setup of 250 tickets serves both checks).
    default = ana.request("GET", "/api/tickets?scope=organization").json
    assert [i["number"] for i in default["items"]] == newest_first(desk.cliente)[:20]
    assert default["next_cursor"]
