"""The ticket store's behaviour, run against both backends: SQLite and DynamoDB (under moto).

The same scenarios, the same expectations: whatever the desk relies on from a
store must not depend on where the tickets are kept.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from tickets.adapters.dynamodb import TTL_ATTRIBUTE, DynamoDBStore, table_definition
from tickets.adapters.sqlite_store import SQLiteStore
from tickets.ports import AlreadyOpened, DomainTaken, TicketStore, UploadTaken
from tickets.records import (
    Attachment,
    Author,
    Comment,
    Message,
    Organization,
    Requester,
    Ticket,
    TicketChange,
    TicketDraft,
    TicketFilter,
    Upload,
)
from tickets.text import words

REGION = "us-east-1"
TABLE = "kbdesk"
NOW = datetime(2026, 11, 28, 14, 3, tzinfo=UTC)
SUPPORT = Author(email="suporte@example.com", name="Equipe de suporte", role="agent")


@pytest.fixture(params=["sqlite", "dynamodb"])
def store(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TicketStore]:
    if request.param == "sqlite":
        yield SQLiteStore(tmp_path / "kbdesk.sqlite3")
        return
    for name, value in {
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        client.create_table(**table_definition(TABLE))
        client.update_time_to_live(TableName=TABLE, TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE})
        yield DynamoDBStore(TABLE, client)


def draft(
    email: str = "ana@cliente.com.br",
    organization: str | None = "cliente",
    request_type: str = "incident",
    product: str = "omni-crm",
    subject: str = "Lentidão ao salvar contato",
    attachments: tuple[Attachment, ...] = (),
    at: datetime = NOW,
) -> TicketDraft:
    return TicketDraft(
        request_type=request_type,
        product=product,
        subject=subject,
        description="Desde ontem, ao salvar um contato, tudo trava.\nLinha 2: ção, ã, é.",
        requester=Requester(email=email, name=email.split("@")[0].title()),
        organization=organization,
        created_at=at,
        attachments=attachments,
    )


def no_mail(ticket: Ticket) -> list[Message]:
    return []


def mail_for(kind: str, seen: list[Ticket] | None = None) -> Callable[[Ticket], list[Message]]:
    """A compose that queues one e-mail about the ticket it is given (and remembers that ticket)."""

    def compose(ticket: Ticket) -> list[Message]:
        if seen is not None:
            seen.append(ticket)
        raw = f"To: {ticket.requester.email}\r\nSubject: {ticket.number} {ticket.status}\r\n\r\n{kind}\r\n".encode()
        return [
            Message(
                id=secrets.token_hex(8),
                ticket=ticket.number,
                kind=kind,
                recipient=ticket.requester.email,
                raw=raw,
                created_at=NOW,
            )
        ]

    return compose


def granted(store: TicketStore, filename: str = "tela do erro.png") -> Attachment:
    upload_id = secrets.token_urlsafe(12)
    upload = Upload(
        id=upload_id,
        filename=filename,
        content_type="image/png",
        size=2048,
        key=f"uploads/{upload_id}",
        expires_at=NOW + timedelta(minutes=15),
    )
    store.save_upload(upload)
    return Attachment(
        id=upload.id, filename=upload.filename, content_type=upload.content_type, size=upload.size, key=f"attachments/{upload.id}"
    )


def comment(
    body: str,
    author: Author = SUPPORT,
    at: datetime = NOW,
    attachments: tuple[Attachment, ...] = (),
    comment_id: str | None = None,
) -> Comment:
    return Comment(id=comment_id or secrets.token_hex(8), author=author, body=body, created_at=at, attachments=attachments)


def listed(ticket: Ticket) -> Ticket:
    """A ticket as lookups list it: whole, but without its conversation."""
    return replace(ticket, comments=())


def pages_of(store: TicketStore, which: TicketFilter, limit: int) -> list[list[Ticket]]:
    """Every page of a lookup, each continuing before the last ticket of the one before."""
    pages: list[list[Ticket]] = []
    before = None
    for _ in range(1000):
        tickets, more = store.find_tickets(which, limit, before)
        pages.append(tickets)
        if not more:
            return pages
        assert tickets, "more was promised but the page is empty"
        before = tickets[-1].sequence
    raise AssertionError("the listing never ended")


# Tickets and their conversation


def test_a_ticket_is_numbered_and_read_back_whole(store: TicketStore) -> None:
    first, second = granted(store), granted(store, "log.txt")
    opened = store.create_ticket(draft(attachments=(first, second)), "PC", no_mail)
    assert opened.number == "PC-1001" and opened.status == "open" and opened.sequence == 1001
    assert store.get_ticket("PC-1001") == opened  # attachments in order, no comments yet
    without_organization = store.create_ticket(draft("duda@gmail.com", organization=None), "PC", no_mail)
    assert without_organization.number == "PC-1002"
    assert store.get_ticket("PC-1002") == without_organization
    assert store.get_ticket("PC-9999") is None


def test_comments_come_back_oldest_first_with_their_attachments(store: TicketStore) -> None:
    opened = store.create_ticket(draft(attachments=(granted(store),)), "PC", no_mail)
    customer = Author(email="ana@cliente.com.br", name="Ana", role="customer")
    screenshot = granted(store, "outra tela.png")
    later = comment("Segue outra tela.", customer, NOW + timedelta(minutes=30), (screenshot,), comment_id="a1")
    earlier = comment("Estamos verificando.", at=NOW + timedelta(minutes=5), comment_id="z9")
    # Written out of order: the conversation is ordered by when each was said.
    store.update_ticket(opened.number, TicketChange(at=later.created_at, comment=later), no_mail)
    store.update_ticket(opened.number, TicketChange(at=earlier.created_at, comment=earlier), no_mail)
    # Three in the same second (the desk's clock has no fractions): in the order they were made, whatever their ids.
    same_second = [comment(f"Resposta {n}", at=NOW + timedelta(hours=1), comment_id=i) for n, i in enumerate("cab")]
    for each in same_second:
        store.update_ticket(opened.number, TicketChange(at=each.created_at, comment=each), no_mail)

    ticket = store.get_ticket(opened.number)
    assert ticket is not None
    assert ticket.comments == (earlier, later, *same_second)
    assert ticket.attachments == opened.attachments  # a comment's files stay with the comment
    assert ticket.updated_at == NOW + timedelta(hours=1)


def test_a_status_change_queues_its_mail_and_moves_the_ticket_between_lists(store: TicketStore) -> None:
    opened = store.create_ticket(draft(), "PC", no_mail)
    seen: list[Ticket] = []
    at = NOW + timedelta(hours=2)
    changed = store.update_ticket(opened.number, TicketChange(at=at, status="resolved"), mail_for("status", seen))

    assert changed is not None and (changed.status, changed.updated_at) == ("resolved", at)
    assert [(t.number, t.status, t.updated_at) for t in seen] == [(opened.number, "resolved", at)]
    assert [(m.ticket, m.kind) for m in store.pending_messages(NOW)] == [(opened.number, "status")]
    ticket = store.get_ticket(opened.number)
    assert ticket is not None and (ticket.status, ticket.updated_at, ticket.comments) == ("resolved", at, ())
    for scope in (TicketFilter(requester="ana@cliente.com.br"), TicketFilter(organization="cliente"), TicketFilter()):
        assert store.find_tickets(replace(scope, status="open"), 20) == ([], False)
        assert store.find_tickets(replace(scope, status="resolved"), 20) == ([listed(ticket)], False)


def test_a_comment_and_a_status_change_are_one_change(store: TicketStore) -> None:
    opened = store.create_ticket(draft(), "PC", no_mail)
    store.update_ticket(opened.number, TicketChange(at=NOW, status="waiting_customer"), no_mail)
    customer = Author(email="ana@cliente.com.br", name="Ana", role="customer")
    answer = comment("Ainda acontece.", customer, NOW + timedelta(minutes=7), (granted(store),))
    seen: list[Ticket] = []
    changed = store.update_ticket(
        opened.number, TicketChange(at=answer.created_at, comment=answer, status="in_progress"), mail_for("comment", seen)
    )

    assert changed is not None and changed.status == "in_progress" and changed.updated_at == answer.created_at
    assert seen[0].status == "in_progress"
    ticket = store.get_ticket(opened.number)
    assert ticket is not None and ticket.comments == (answer,) and ticket.status == "in_progress"
    assert [m.kind for m in store.pending_messages(NOW)] == ["comment"]
    assert store.find_tickets(TicketFilter(status="in_progress"), 20)[0] == [listed(ticket)]
    # A comment alone leaves the status as it was.
    store.update_ticket(opened.number, TicketChange(at=NOW + timedelta(minutes=9), comment=comment("Ok.")), no_mail)
    again = store.get_ticket(opened.number)
    assert again is not None and again.status == "in_progress" and len(again.comments) == 2


def test_a_request_key_opens_one_ticket_and_its_repeat_writes_nothing(store: TicketStore) -> None:
    first = store.create_ticket(replace(draft(), request_key="pedido-1"), "PC", mail_for("confirmation"))
    with pytest.raises(AlreadyOpened) as opened:
        store.create_ticket(replace(draft(), request_key="pedido-1"), "PC", mail_for("confirmation"))
    assert opened.value.number == first.number == "PC-1001"
    assert len(store.pending_messages(NOW)) == 1  # the repeat queued no e-mail
    assert store.create_ticket(replace(draft(), request_key="pedido-2"), "PC", no_mail).number == "PC-1002"  # nor drew a number
    assert store.create_ticket(draft(), "PC", no_mail).number == "PC-1003"  # without a key, every draft is new


def test_an_unconfirmed_ticket_is_listed_under_its_organization_once_confirmed(store: TicketStore) -> None:
    by_organization = TicketFilter(organization="cliente")
    waiting = store.create_ticket(replace(draft("ana@cliente.com.br"), confirmed=False), "PC", no_mail)
    store.update_ticket(waiting.number, TicketChange(at=NOW, status="waiting_customer"), no_mail)  # before it is
    store.create_ticket(replace(draft("ana@cliente.com.br", organization=None), confirmed=False), "PC", no_mail)
    seen = store.create_ticket(draft("bia@cliente.com.br"), "PC", no_mail)
    assert [t.number for t in store.find_tickets(by_organization, 10)[0]] == [seen.number]
    assert [t.number for t in store.find_tickets(TicketFilter(requester="ana@cliente.com.br"), 10)[0]] == ["PC-1002", "PC-1001"]
    assert store.get_ticket(waiting.number).confirmed is False

    assert store.confirm_tickets("bia@cliente.com.br") == []
    assert store.confirm_tickets("ana@cliente.com.br") == ["PC-1001", "PC-1002"]
    assert store.confirm_tickets("ana@cliente.com.br") == []
    assert [t.number for t in store.find_tickets(by_organization, 10)[0]] == ["PC-1003", "PC-1001"]
    waiting_customer = TicketFilter(organization="cliente", status="waiting_customer")
    assert [t.number for t in store.find_tickets(waiting_customer, 10)[0]] == ["PC-1001"]
    assert store.get_ticket(waiting.number).confirmed is True


def test_changing_a_missing_ticket_writes_nothing(store: TicketStore) -> None:
    seen: list[Ticket] = []
    assert (
        store.update_ticket("PC-4040", TicketChange(at=NOW, comment=comment("Olá"), status="closed"), mail_for("x", seen)) is None
    )
    assert seen == [] and store.pending_messages(NOW) == []
    assert store.get_ticket("PC-4040") is None
    assert store.find_tickets(TicketFilter(), 20) == ([], False)


def test_an_upload_used_twice_cancels_the_whole_change(store: TicketStore) -> None:
    used = granted(store)
    opened = store.create_ticket(draft(attachments=(used,)), "PC", no_mail)
    fresh = granted(store, "nova tela.png")
    late = comment("Mais uma tela.", attachments=(fresh, used))
    with pytest.raises(UploadTaken):
        store.update_ticket(
            opened.number, TicketChange(at=NOW + timedelta(hours=1), comment=late, status="in_progress"), mail_for("comment")
        )
    with pytest.raises(UploadTaken):  # the same file named twice by one comment
        store.update_ticket(opened.number, TicketChange(at=NOW, comment=comment("x", attachments=(fresh, fresh))), no_mail)
    assert store.get_ticket(opened.number) == opened  # no comment, same status, same updated_at
    assert store.pending_messages(NOW) == []
    # The fresh upload was not taken by the cancelled comment.
    kept = comment("Agora sim.", attachments=(fresh,))
    store.update_ticket(opened.number, TicketChange(at=NOW, comment=kept), no_mail)
    ticket = store.get_ticket(opened.number)
    assert ticket is not None and ticket.comments == (kept,)
    with pytest.raises(UploadTaken):  # and once a comment has it, no ticket can
        store.create_ticket(draft(attachments=(fresh,)), "PC", no_mail)


# Finding tickets

PEOPLE = (
    ("ana@cliente.com.br", "cliente"),
    ("bia@cliente.com.br", "cliente"),
    ("caio@outra.com.br", "outra"),
    ("duda@gmail.com", None),
)
SUBJECTS = (
    "Lentidão ao SALVAR contato",
    "Erro na emissão de boleto",
    "Relatório de vendas não abre",
    "Como configurar a impressora",
    "lentidao geral no sistema",
)
STATUSES = ("open", "in_progress", "waiting_customer", "resolved", "closed")


@pytest.fixture
def desk_tickets(store: TicketStore) -> list[Ticket]:
    """Thirty tickets from four people in two organizations (and one without), of every kind; oldest first."""
    tickets = []
    kinds = itertools.cycle(itertools.product(("incident", "usability", "improvement"), ("omni-crm", "omni-chat")))
    for n in range(30):
        email, organization = PEOPLE[n % 4 if n % 7 else 0]
        request_type, product = next(kinds)
        opened = store.create_ticket(
            draft(email, organization, request_type, product, SUBJECTS[n % 5], at=NOW + timedelta(minutes=n)), "PC", no_mail
        )
        status = STATUSES[(n * 3) % 5]
        if status != "open":
            opened = store.update_ticket(opened.number, TicketChange(at=NOW + timedelta(hours=1), status=status), no_mail)
            assert opened is not None
        tickets.append(opened)
    return tickets


def matches(ticket: Ticket, which: TicketFilter) -> bool:
    """What a filter means, written plainly: every field given must match, every word be in the subject."""
    subject = " ".join(words(ticket.subject))
    return (
        (which.requester is None or ticket.requester.email == which.requester)
        and (which.organization is None or ticket.organization == which.organization)
        and (which.status is None or ticket.status == which.status)
        and (which.request_type is None or ticket.request_type == which.request_type)
        and (which.product is None or ticket.product == which.product)
        and (which.number is None or ticket.number == which.number)
        and all(word in subject for word in which.words)
    )


def test_every_filter_and_combination_lists_what_matches_newest_first(store: TicketStore, desk_tickets: list[Ticket]) -> None:
    newest_first = [listed(t) for t in reversed(desk_tickets)]
    assert len({(t.status, t.request_type, t.product, t.requester.email) for t in desk_tickets}) > 15  # a varied desk
    combinations = itertools.product(
        (None, "ana@cliente.com.br", "duda@gmail.com"),
        (None, "cliente"),
        (None, "open", "resolved"),
        (None, "incident", "improvement"),
        (None, "omni-chat"),
        (None, "PC-1008"),
        ((), ("lentidao",), ("salvar", "contato")),
    )
    nonempty = 0
    for requester, organization, status, request_type, product, number, subject_words in combinations:
        which = TicketFilter(
            requester=requester,
            organization=organization,
            status=status,
            request_type=request_type,
            product=product,
            number=number,
            words=subject_words,
        )
        expected = [t for t in newest_first if matches(t, which)]
        pages = pages_of(store, which, limit=2)
        assert [t for page in pages for t in page] == expected, which
        assert all(len(page) == 2 for page in pages[:-1]), which  # pages are full however many are skipped
        nonempty += bool(expected)
    assert nonempty > 100  # most combinations find something: the comparison above is not between empty lists


def test_words_ignore_case_and_accents_and_must_all_appear(store: TicketStore, desk_tickets: list[Ticket]) -> None:
    def subjects(query: str) -> set[str]:
        return {t.subject for t in store.find_tickets(TicketFilter(words=words(query)), 100)[0]}

    assert subjects("LENTIDÃO") == {"Lentidão ao SALVAR contato", "lentidao geral no sistema"}
    assert subjects("emissao BOLETO") == {"Erro na emissão de boleto"}
    assert subjects("relatório nao abre") == {"Relatório de vendas não abre"}
    assert subjects("boleto impressora") == set()


def test_a_number_is_found_only_where_the_other_filters_allow(store: TicketStore, desk_tickets: list[Ticket]) -> None:
    ticket = desk_tickets[5]
    assert store.find_tickets(TicketFilter(number=ticket.number), 20) == ([listed(ticket)], False)
    assert store.find_tickets(TicketFilter(number=ticket.number, requester=ticket.requester.email), 20)[0] == [listed(ticket)]
    other = next(email for email, _ in PEOPLE if email != ticket.requester.email)
    assert store.find_tickets(TicketFilter(number=ticket.number, requester=other), 20) == ([], False)
    assert store.find_tickets(
        TicketFilter(number=ticket.number, status="closed" if ticket.status != "closed" else "open"), 20
    ) == ([], False)
    assert store.find_tickets(TicketFilter(number="PC-9999"), 20) == ([], False)
    assert store.find_tickets(TicketFilter(number=ticket.number), 20, before=ticket.sequence) == ([], False)


def test_two_hundred_and_fifty_tickets_page_without_gaps_or_repeats(store: TicketStore) -> None:
    opened = []
    for n in range(250):
        email = ("ana@cliente.com.br", "bia@cliente.com.br")[n % 2]
        request_type = "improvement" if n % 10 == 0 else "incident"
        opened.append(store.create_ticket(draft(email, request_type=request_type, at=NOW + timedelta(seconds=n)), "PC", no_mail))
    for ticket in opened[::9]:
        store.update_ticket(ticket.number, TicketChange(at=NOW, status="closed"), no_mail)
    closed = {t.number for t in opened[::9]}

    for which, limit in (
        (TicketFilter(), 20),
        (TicketFilter(organization="cliente"), 7),
        (TicketFilter(requester="bia@cliente.com.br"), 20),
        (TicketFilter(request_type="improvement"), 4),
        (TicketFilter(organization="cliente", status="closed"), 6),
        (TicketFilter(requester="ana@cliente.com.br", status="open", request_type="incident"), 20),
    ):
        expected = [
            t.number for t in reversed(opened) if matches(replace(t, status="closed" if t.number in closed else t.status), which)
        ]
        pages = pages_of(store, which, limit)
        numbers = [t.number for page in pages for t in page]
        assert numbers == expected, which  # newest first, each once, none missing
        assert all(len(page) == limit for page in pages[:-1]) and 0 < len(pages[-1]) <= limit, which
        assert len(pages) == -(-len(expected) // limit), which  # no empty page at the end


# Sign-in and sessions


def test_a_sign_in_link_works_once_and_only_in_time(store: TicketStore) -> None:
    link = Message(
        id="m-login", ticket="", kind="sign_in", recipient="ana@cliente.com.br", raw=b"Subject: x\r\n\r\nx", created_at=NOW
    )
    store.save_sign_in("hash-1", "ana@cliente.com.br", NOW + timedelta(minutes=15), link)
    assert [m.id for m in store.pending_messages(NOW)] == ["m-login"]  # the token and its e-mail, together
    store.save_sign_in("hash-2", "bia@cliente.com.br", NOW + timedelta(minutes=15))  # a ticket's e-mail carries this one
    assert [m.id for m in store.pending_messages(NOW)] == ["m-login"]

    assert store.use_sign_in("hash-1", NOW + timedelta(minutes=14)) == "ana@cliente.com.br"
    assert store.use_sign_in("hash-1", NOW + timedelta(minutes=14)) is None  # single use
    assert store.use_sign_in("hash-2", NOW + timedelta(minutes=16)) is None  # expired
    assert store.use_sign_in("hash-2", NOW + timedelta(minutes=1)) == "bia@cliente.com.br"  # an expired attempt spends nothing
    assert store.use_sign_in("nunca-existiu", NOW) is None


def test_a_session_lasts_until_it_expires_or_ends(store: TicketStore) -> None:
    store.save_session("sessao-1", "ana@cliente.com.br", NOW + timedelta(hours=12))
    store.save_session("sessao-2", "ana@cliente.com.br", NOW + timedelta(hours=12))
    assert store.get_session("sessao-1", NOW + timedelta(hours=11)) == "ana@cliente.com.br"
    assert store.get_session("sessao-1", NOW + timedelta(hours=13)) is None
    store.end_session("sessao-1")
    assert store.get_session("sessao-1", NOW) is None
    assert store.get_session("sessao-2", NOW) == "ana@cliente.com.br"  # signing out on one browser leaves the other
    store.end_session("nunca-existiu")
    assert store.get_session("nunca-existiu", NOW) is None


# Organizations


def test_organizations_are_created_renamed_and_listed(store: TicketStore) -> None:
    store.save_organization(Organization("outra", "Outra Ltda", domains=("outra.com.br",)))
    store.save_organization(Organization("cliente", "Cliente S.A.", domains=("cliente.com.br", "cliente.net")))
    store.save_organization(Organization("cliente", "Cliente Sociedade Anônima"))  # a rename keeps the domains
    store.save_organization(Organization("cliente", "Cliente Sociedade Anônima", domains=("cliente.io",)))
    assert store.list_organizations() == [
        Organization("cliente", "Cliente Sociedade Anônima", domains=("cliente.com.br", "cliente.io", "cliente.net")),
        Organization("outra", "Outra Ltda", domains=("outra.com.br",)),
    ]


def test_a_domain_has_one_owner_and_a_refused_save_changes_nothing(store: TicketStore) -> None:
    store.save_organization(Organization("cliente", "Cliente", domains=("cliente.com.br",)))
    with pytest.raises(DomainTaken):
        store.save_organization(Organization("intrusa", "Intrusa", domains=("intrusa.com.br", "cliente.com.br")))
    store.save_organization(Organization("outra", "Outra", domains=("outra.com.br",)))
    with pytest.raises(DomainTaken):
        store.save_organization(Organization("outra", "Outra renomeada", domains=("outra.net", "cliente.com.br")))
    assert store.list_organizations() == [
        Organization("cliente", "Cliente", domains=("cliente.com.br",)),
        Organization("outra", "Outra", domains=("outra.com.br",)),
    ]
    assert store.organization_for("ana@cliente.com.br") == "cliente"
    assert store.organization_for("ze@intrusa.com.br") is None
    assert store.organization_for("ze@outra.net") is None


def test_members_move_between_organizations_and_come_before_domains(store: TicketStore) -> None:
    store.save_organization(Organization("cliente", "Cliente", domains=("cliente.com.br",)))
    store.save_organization(Organization("parceira", "Parceira"))
    assert store.organization_for("ana@cliente.com.br") == "cliente"  # by domain
    assert store.add_member("parceira", "ana@cliente.com.br") is True
    assert store.organization_for("ana@cliente.com.br") == "parceira"  # the member list wins over the domain
    assert store.organization_for("bia@cliente.com.br") == "cliente"
    assert store.add_member("cliente", "rui@gmail.com") is True
    assert store.add_member("parceira", "rui@gmail.com") is True  # moved, not listed twice
    assert store.add_member("parceira", "rui@gmail.com") is True  # already there
    assert store.add_member("nao-existe", "rui@gmail.com") is False
    assert store.organization_for("rui@gmail.com") == "parceira"
    assert store.organization_for("ze@gmail.com") is None
    assert store.list_organizations() == [
        Organization("cliente", "Cliente", domains=("cliente.com.br",)),
        Organization("parceira", "Parceira", members=("ana@cliente.com.br", "rui@gmail.com")),
    ]
    store.save_organization(Organization("parceira", "Parceira Nova"))  # a rename keeps the members
    assert store.list_organizations()[1].members == ("ana@cliente.com.br", "rui@gmail.com")


def test_hits_are_counted_per_key_and_window_and_refused_ones_are_not(store: TicketStore) -> None:
    start = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)  # a window boundary for one hour
    assert [store.count_hit("tickets:ana", 3600, start + timedelta(minutes=m), at_most=2) for m in (0, 10, 59, 59)] == [
        True,
        True,
        True,
        False,
    ]
    assert store.count_hit("tickets:bia", 3600, start, at_most=2)
    assert store.hits("tickets:ana", 3600, start) == (0, 3) and store.hits("tickets:bia", 3600, start) == (0, 1)
    assert store.count_hit("tickets:ana", 3600, start + timedelta(hours=1), at_most=2)
    assert store.hits("tickets:ana", 3600, start + timedelta(hours=1)) == (3, 1)  # the window before still weighs
    assert store.hits("tickets:ana", 3600, start + timedelta(hours=3)) == (0, 0)
    assert not store.count_hit("tickets:carla", 3600, start, at_most=-0.5)
    assert store.hits("tickets:carla", 3600, start) == (0, 0)
