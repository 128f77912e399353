"""DynamoDBStore under moto: the TicketStore port as the embedded store honours it, and never a Scan."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from aws_fakes import (
    NOW,
    READS,
    REGION,
    TABLE,
    attachment_of,
    compose,
    draft,
    in_threads,
    record_operations,
    upload,
)

from tickets.adapters.dynamodb import TTL_ATTRIBUTE, DynamoDBStore
from tickets.ports import StorageError, UploadTaken
from tickets.records import (
    Author,
    Comment,
    Message,
    Organization,
    Ticket,
    TicketChange,
    TicketFilter,
)

# numbering


@pytest.mark.usefixtures("one_call_at_a_time_in_moto")
def test_numbers_are_consecutive_from_1001_under_20_threads(store: DynamoDBStore) -> None:
    numbers: list[str] = []
    errors: list[BaseException] = []

    def open_tickets(n: int) -> None:
        own = DynamoDBStore(TABLE, boto3.session.Session().client("dynamodb", region_name=REGION))
        try:
            for _ in range(3):
                numbers.append(own.create_ticket(draft(f"cliente{n}@example.com"), "PC", compose).number)
        except BaseException as error:  # collected: an assertion in a thread would be lost
            errors.append(error)

    threads = [threading.Thread(target=open_tickets, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(numbers, key=lambda n: int(n.split("-")[1])) == [f"PC-{1001 + n}" for n in range(60)]
    assert store.create_ticket(draft(), "SUP", compose).number == "SUP-1061"  # one counter, whatever the prefix


# tickets and uploads


def test_a_ticket_round_trips_with_its_attachments(store: DynamoDBStore) -> None:
    first, second = upload(), upload()
    store.save_upload(first)
    store.save_upload(second)
    stored = store.create_ticket(draft(attachments=(attachment_of(first), attachment_of(second)), name=""), "PC", compose)
    assert stored.number == "PC-1001" and stored.status == "open" and stored.updated_at == stored.created_at
    assert store.get_ticket("PC-1001") == stored  # attachments in order, empty name and no organization kept as such
    with_organization = store.create_ticket(draft(organization="cliente"), "PC", compose)
    assert store.get_ticket(with_organization.number) == with_organization
    assert store.get_ticket("PC-9999") is None


def test_uploads_are_saved_and_read_back(store: DynamoDBStore, dynamodb: Any) -> None:
    granted = upload()
    store.save_upload(granted)
    assert store.get_upload(granted.id) == granted
    assert store.get_upload("nao-existe") is None
    with pytest.raises(StorageError):  # an id is granted once, as the embedded store's primary key insists
        store.save_upload(granted)
    item = dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": f"UPLOAD#{granted.id}"}, "sk": {"S": "UPLOAD"}})["Item"]
    assert int(item[TTL_ATTRIBUTE]["N"]) == int((granted.expires_at + timedelta(days=1)).timestamp())


def test_a_used_upload_cancels_the_whole_ticket(store: DynamoDBStore, dynamodb: Any) -> None:
    used, fresh = upload(), upload()
    store.save_upload(used)
    store.save_upload(fresh)
    store.create_ticket(draft(attachments=(attachment_of(used),)), "PC", compose)
    composed: list[Message] = []

    def keep(ticket: Ticket) -> list[Message]:
        composed.extend(compose(ticket))
        return composed

    with pytest.raises(UploadTaken):
        store.create_ticket(draft(attachments=(attachment_of(fresh), attachment_of(used))), "PC", keep)
    assert store.get_ticket("PC-1002") is None
    for message in composed:
        key = {"pk": {"S": f"MESSAGE#{message.id}"}, "sk": {"S": "MESSAGE"}}
        assert "Item" not in dynamodb.get_item(TableName=TABLE, Key=key, ConsistentRead=True)
    assert {m.ticket for m in store.pending_messages(NOW)} == {"PC-1001"}
    # The fresh upload was not taken by the cancelled ticket: the next one may use it.
    assert store.create_ticket(draft(attachments=(attachment_of(fresh),)), "PC", compose).attachments[0].id == fresh.id


def test_unknown_and_repeated_uploads_are_taken_as_the_embedded_store_takes_them(store: DynamoDBStore) -> None:
    granted = upload()
    store.save_upload(granted)
    with pytest.raises(UploadTaken):
        store.create_ticket(draft(attachments=(attachment_of(upload("nao-existe")),)), "PC", compose)
    with pytest.raises(UploadTaken):
        store.create_ticket(draft(attachments=(attachment_of(granted), attachment_of(granted))), "PC", compose)
    assert store.pending_messages(NOW) == []


# the outbox


def test_pending_messages_are_oldest_first_and_claimed_once(store: DynamoDBStore) -> None:
    first = store.create_ticket(draft(), "PC", compose)
    store.create_ticket(draft(), "PC", lambda ticket: compose(ticket, seconds=-60))  # queued earlier
    pending = store.pending_messages(NOW)
    assert [m.ticket for m in pending] == ["PC-1002", "PC-1002", "PC-1001", "PC-1001"]
    assert [m.attempts for m in pending] == [0, 0, 0, 0] and pending[-1].raw.endswith(b"\x00\xff")
    assert store.pending_messages(NOW, limit=3) == pending[:3]

    message = next(m for m in pending if m.ticket == first.number)
    assert store.claim_message(message.id, NOW) is True
    assert store.claim_message(message.id, NOW) is False  # another sender has it
    assert message.id not in {m.id for m in store.pending_messages(NOW)}
    assert store.pending_messages(NOW, limit=3) == [m for m in pending if m.id != message.id][:3]  # limit after the filter


def test_a_released_message_is_pending_again_and_a_sent_one_never(store: DynamoDBStore, dynamodb: Any) -> None:
    store.create_ticket(draft(), "PC", compose)
    message = store.pending_messages(NOW)[0]
    assert store.claim_message(message.id, NOW)
    store.release_message(message.id, "TooManyRequestsException: throttled", NOW)
    again = next(m for m in store.pending_messages(NOW) if m.id == message.id)
    assert (again.attempts, again.error) == (1, "TooManyRequestsException: throttled")

    assert store.claim_message(message.id, NOW)
    store.mark_sent(message.id, NOW)
    later = NOW + timedelta(hours=1)
    assert message.id not in {m.id for m in store.pending_messages(later)}
    assert store.claim_message(message.id, later) is False
    store.release_message(message.id, "late failure report", later)  # a sent message stays sent
    assert message.id not in {m.id for m in store.pending_messages(later)}

    store.mark_sent("nao-existe", NOW)
    store.release_message("nao-existe", "x", NOW)
    store.give_up_message("nao-existe", "x", NOW)
    assert store.retry_message("nao-existe", NOW) is False
    key = {"pk": {"S": "MESSAGE#nao-existe"}, "sk": {"S": "MESSAGE"}}
    assert "Item" not in dynamodb.get_item(TableName=TABLE, Key=key)  # an update never creates a message


def test_a_stale_claim_is_given_back_after_ten_minutes(store: DynamoDBStore) -> None:
    store.create_ticket(draft(), "PC", compose)
    message = store.pending_messages(NOW)[0]
    assert store.claim_message(message.id, NOW)
    assert message.id not in {m.id for m in store.pending_messages(NOW + timedelta(minutes=9))}
    assert store.claim_message(message.id, NOW + timedelta(minutes=9)) is False
    assert message.id in {m.id for m in store.pending_messages(NOW + timedelta(minutes=11))}
    assert store.claim_message(message.id, NOW + timedelta(minutes=11)) is True
    assert store.claim_message(message.id, NOW + timedelta(minutes=11)) is False


# rate limits


def test_a_windows_hits_are_kept_while_they_weigh_on_the_next(store: DynamoDBStore, dynamodb: Any) -> None:
    start = datetime(2026, 11, 28, 14, 0, tzinfo=UTC)  # a window boundary for one hour
    assert store.count_hit("tickets:ana", 3600, start, at_most=2)
    window = int(start.timestamp()) // 3600
    key = {"pk": {"S": "RATE#tickets:ana"}, "sk": {"S": str(window)}}
    item = dynamodb.get_item(TableName=TABLE, Key=key)["Item"]
    assert int(item[TTL_ATTRIBUTE]["N"]) == (window + 2) * 3600  # gone once the window after it has passed


def test_the_store_never_scans(store: DynamoDBStore, dynamodb: Any) -> None:
    operations = record_operations(dynamodb)
    granted = upload()
    store.save_upload(granted)
    store.get_upload(granted.id)
    store.create_ticket(draft(attachments=(attachment_of(granted),)), "PC", compose)
    store.create_ticket(draft(), "PC", compose)
    with pytest.raises(UploadTaken):
        store.create_ticket(draft(attachments=(attachment_of(granted),)), "PC", compose)
    first, second, *_ = store.pending_messages(NOW)
    store.claim_message(first.id, NOW)
    store.mark_sent(first.id, NOW)
    store.claim_message(second.id, NOW)
    store.release_message(second.id, "failed", NOW)
    store.claim_message(second.id, NOW)
    store.give_up_message(second.id, "failed for good", NOW)
    store.failed_messages()
    store.retry_message(second.id, NOW)
    store.hasten_messages(NOW)
    store.hits("tickets:ana", 3600, NOW)
    store.count_hit("tickets:ana", 3600, NOW, at_most=10)
    store.count_hit("tickets_ip:203.0.113.9", 3600, NOW, at_most=10)
    store.get_ticket("PC-1001")
    assert "Scan" not in operations
    assert set(operations) == READS | {"PutItem", "UpdateItem", "TransactWriteItems"}


# following tickets


def record_reads(client: Any) -> list[tuple[str, int]]:
    """Every read from now on: (operation, items it read); a Query reads its ScannedCount, a GetItem one."""
    reads: list[tuple[str, int]] = []

    def count(model: Any, parsed: dict[str, Any], **_: Any) -> None:
        if model.name == "Query":
            reads.append(("Query", parsed.get("ScannedCount", 0)))
        elif model.name == "GetItem":
            reads.append(("GetItem", 1))

    client.meta.events.register("after-call.dynamodb.*", count)
    return reads


STATUS_SHARE = {"open": 5, "in_progress": 10, "waiting_customer": 5, "resolved": 30, "closed": 50}  # of every 100
TYPE_SHARE = {"incident": 60, "usability": 25, "technical": 12, "improvement": 3}


@pytest.fixture
def busy_desk(store: DynamoDBStore) -> list[Ticket]:
    """A hundred tickets of two organizations and a few people; few open, few improvements, as desks are."""
    statuses = [status for status, share in STATUS_SHARE.items() for _ in range(share)]
    types = [request_type for request_type, share in TYPE_SHARE.items() for _ in range(share)]
    tickets = []
    for n in range(100):
        email, organization = (
            ("ana@cliente.com.br", "cliente"),
            ("bia@cliente.com.br", "cliente"),
            ("caio@outra.com.br", "outra"),
        )[n % 3]
        ticket = store.create_ticket(
            replace(draft(email, organization=organization), request_type=types[(n * 7) % 100]), "PC", lambda ticket: []
        )
        status = statuses[(n * 13) % 100]
        if status != "open":
            changed = store.update_ticket(ticket.number, TicketChange(at=NOW, status=status), lambda ticket: [])
            assert changed is not None
            ticket = changed
        tickets.append(ticket)
    return tickets


def test_a_status_or_request_type_page_reads_only_what_it_returns(
    store: DynamoDBStore, dynamodb: Any, busy_desk: list[Ticket]
) -> None:
    scopes = (TicketFilter(requester="ana@cliente.com.br"), TicketFilter(organization="cliente"), TicketFilter())
    narrowings = [TicketFilter(status=s) for s in STATUS_SHARE] + [TicketFilter(request_type=t) for t in TYPE_SHARE]
    reads = record_reads(dynamodb)
    for scope in scopes:
        for narrowing in narrowings:
            which = replace(scope, status=narrowing.status, request_type=narrowing.request_type)
            reads.clear()
            tickets, more = store.find_tickets(which, 20)
            expected = [t for t in reversed(busy_desk) if _in(t, which)]
            assert [t.number for t in tickets] == [t.number for t in expected[:20]] and more == (len(expected) > 20)
            # One Query, reading the page and the one ticket after it that tells whether more match.
            assert [operation for operation, _ in reads] == ["Query"], which
            assert sum(items for _, items in reads) == min(len(expected), 21), which


def _in(ticket: Ticket, which: TicketFilter) -> bool:
    return all(
        wanted is None or wanted == actual
        for wanted, actual in (
            (which.requester, ticket.requester.email),
            (which.organization, ticket.organization),
            (which.status, ticket.status),
            (which.request_type, ticket.request_type),
        )
    )


def test_lookups_never_scan(store: DynamoDBStore, dynamodb: Any) -> None:
    store.save_organization(Organization("cliente", "Cliente", domains=("cliente.com.br",)))
    opened = store.create_ticket(draft(organization="cliente"), "PC", compose)
    store.save_sign_in("hash", "ana@cliente.com.br", NOW + timedelta(minutes=15))
    store.save_session("sessao", "ana@cliente.com.br", NOW + timedelta(hours=12))
    operations = record_operations(dynamodb)

    for scope in (TicketFilter(requester="ana@cliente.com.br"), TicketFilter(organization="cliente"), TicketFilter()):
        for narrowing in (
            TicketFilter(),
            TicketFilter(status="open"),
            TicketFilter(request_type="incident"),
            TicketFilter(product="omni-crm"),
            TicketFilter(words=("lentidao",)),
            TicketFilter(number=opened.number),
            TicketFilter(status="open", request_type="incident"),
        ):
            which = replace(narrowing, requester=scope.requester, organization=scope.organization)
            assert store.find_tickets(which, 20) == ([opened], False)
            assert store.find_tickets(which, 20, before=opened.sequence) == ([], False)
    store.get_ticket(opened.number)
    store.update_ticket(
        opened.number,
        TicketChange(at=NOW, comment=Comment("c1", Author("ana@cliente.com.br", "Ana", "customer"), "Ainda trava.", NOW)),
        compose,
    )
    assert store.organization_for("ana@cliente.com.br") == "cliente"
    assert store.organization_for("ze@gmail.com") is None
    assert [o.id for o in store.list_organizations()] == ["cliente"]
    store.add_member("cliente", "ze@gmail.com")
    assert store.use_sign_in("hash", NOW) == "ana@cliente.com.br"
    assert store.get_session("sessao", NOW) == "ana@cliente.com.br"
    store.end_session("sessao")

    assert "Scan" not in operations
    assert set(operations) <= READS | {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems"}
    assert {"GetItem", "Query"} <= set(operations)


@pytest.mark.usefixtures("one_call_at_a_time_in_moto")
def test_comments_made_at_once_are_all_kept(store: DynamoDBStore) -> None:
    opened = store.create_ticket(draft(), "PC", compose)
    same_second = NOW + timedelta(minutes=1)

    def comment_on(n: int, own: DynamoDBStore) -> Ticket | None:
        said = Comment(f"c{n}", Author(f"pessoa{n}@cliente.com.br", "", "customer"), f"Comentário {n}", same_second)
        return own.update_ticket(opened.number, TicketChange(at=same_second, comment=said), lambda ticket: [])

    results, errors = in_threads(6, comment_on, meet_before="TransactWriteItems")
    assert errors == [] and len(results) == 6 and None not in results
    ticket = store.get_ticket(opened.number)
    assert ticket is not None and sorted(c.id for c in ticket.comments) == [f"c{n}" for n in range(6)]


@pytest.mark.usefixtures("one_call_at_a_time_in_moto")
def test_of_many_uses_of_one_sign_in_link_one_wins(store: DynamoDBStore) -> None:
    store.save_sign_in("hash", "ana@cliente.com.br", NOW + timedelta(minutes=15))
    results, errors = in_threads(10, lambda n, own: own.use_sign_in("hash", NOW), meet_before="UpdateItem")
    assert errors == [] and len(results) == 10
    assert results.count("ana@cliente.com.br") == 1 and results.count(None) == 9


@pytest.mark.usefixtures("one_call_at_a_time_in_moto")
def test_a_member_moved_by_many_at_once_ends_in_exactly_one_organization(store: DynamoDBStore) -> None:
    names = ("alfa", "beta", "gama", "delta")
    for name in names:
        store.save_organization(Organization(name, name.title()))
    results, errors = in_threads(8, lambda n, own: own.add_member(names[n % 4], "ze@gmail.com"), meet_before="TransactWriteItems")
    assert errors == [] and results == [True] * 8
    listing = [o.id for o in store.list_organizations() if "ze@gmail.com" in o.members]
    assert listing == [store.organization_for("ze@gmail.com")]


def test_sign_ins_and_sessions_expire_through_ttl_too(store: DynamoDBStore, dynamodb: Any) -> None:
    expires = NOW + timedelta(minutes=15, microseconds=1)
    store.save_sign_in("hash", "ana@cliente.com.br", expires)
    store.save_session("sessao", "ana@cliente.com.br", expires)
    for key in ({"pk": {"S": "SIGNIN#hash"}, "sk": {"S": "SIGNIN"}}, {"pk": {"S": "SESSION#sessao"}, "sk": {"S": "SESSION"}}):
        item = dynamodb.get_item(TableName=TABLE, Key=key)["Item"]
        # Never before it expires: DynamoDB may delete an item as soon as its ttl has passed.
        assert int(item[TTL_ATTRIBUTE]["N"]) == int(NOW.timestamp()) + 15 * 60 + 1
