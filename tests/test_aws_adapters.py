"""The AWS adapters under moto: each honours its port exactly as the embedded one does.

DynamoDB, S3 and SES are moto's in-memory fakes; what moto does not enforce
(POST policies, SES's envelope) is checked on what the adapter asks for.
"""

from __future__ import annotations

import base64
import email
import email.policy
import json
import secrets
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.botocore_stubber import BotocoreStubber
from moto.ses.models import ses_backends

from tickets.adapters import aws
from tickets.adapters.dynamodb_store import TTL_ATTRIBUTE, DynamoDBStore, table_definition
from tickets.adapters.s3_files import S3Files
from tickets.adapters.ses_mail import SESMailer
from tickets.app import create_app
from tickets.backends import aws_backend
from tickets.models import TicketIn, UploadIn
from tickets.ports import StorageError, UploadTaken
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
from tickets.settings import Settings, SettingsError, from_environment

REGION = "us-east-1"
TABLE = "kbdesk"
BUCKET = "kbdesk-attachments"
NOW = datetime(2026, 11, 28, 14, 3, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 5000
READS = {"GetItem", "BatchGetItem", "Query"}


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fake credentials and moto's AWS; clients cached by the backend never outlive one test."""
    for name, value in {
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)  # Powertools names its records' partition after it
    aws.client.cache_clear()
    with mock_aws():
        yield
    aws.client.cache_clear()


@pytest.fixture
def dynamodb(aws_env: None) -> Any:
    client = aws.client("dynamodb")
    client.create_table(**table_definition(TABLE))
    client.update_time_to_live(TableName=TABLE, TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE})
    return client


@pytest.fixture
def store(dynamodb: Any) -> DynamoDBStore:
    return DynamoDBStore(TABLE, dynamodb)


@pytest.fixture
def s3(aws_env: None) -> Any:
    """The backend's own S3 client: how it signs is part of what the tests check."""
    client = aws.client("s3")
    client.create_bucket(Bucket=BUCKET)
    return client


@pytest.fixture
def sesv2(aws_env: None) -> Any:
    client = aws.client("sesv2")
    client.create_email_identity(EmailIdentity="example.com")
    return client


def sent_mail() -> list[Any]:
    """What moto's SES kept: SES v2's SendEmail is served by the v1 backend, which records every message."""
    return ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages


def draft(
    email_address: str = "ana@cliente.com.br",
    attachments: tuple[Attachment, ...] = (),
    organization: str | None = None,
    name: str = "Ana Souza",
) -> TicketDraft:
    return TicketDraft(
        request_type="incident",
        product="omni-crm",
        subject="Lentidão ao salvar contato",
        description="Desde ontem, ao salvar um contato, <b>tudo</b> trava.\nLinha 2: ção, ã, é.",
        requester=Requester(email=email_address, name=name),
        organization=organization,
        created_at=NOW,
        attachments=attachments,
    )


def compose(ticket: Ticket, seconds: int = 0) -> list[Message]:
    created = NOW + timedelta(seconds=seconds)
    return [
        Message(
            id=secrets.token_hex(12),
            ticket=ticket.number,
            kind=kind,
            recipient=recipient,
            raw=f"To: {recipient}\r\nSubject: {ticket.number}\r\n\r\n{kind}\r\n".encode() + b"\x00\xff",
            created_at=created,
        )
        for kind, recipient in (("requester_copy", ticket.requester.email), ("support_notice", "suporte@example.com"))
    ]


def upload(upload_id: str | None = None, size: int = len(PNG), expires_at: datetime = NOW + timedelta(minutes=15)) -> Upload:
    upload_id = upload_id or secrets.token_urlsafe(16)
    return Upload(
        id=upload_id,
        filename="tela do erro.png",
        content_type="image/png",
        size=size,
        key=f"uploads/{upload_id}",
        expires_at=expires_at,
    )


def attachment_of(granted: Upload) -> Attachment:
    return Attachment(
        id=granted.id, filename=granted.filename, content_type=granted.content_type, size=granted.size, key=granted.key
    )


def record_operations(client: Any) -> list[str]:
    """Every API operation the client performs from now on, by name (GetItem, Query, Scan...)."""
    operations: list[str] = []
    service = client.meta.service_model.service_id.hyphenize()
    client.meta.events.register(f"before-call.{service}.*", lambda model, **_: operations.append(model.name))
    return operations


# DynamoDBStore: numbering


@pytest.fixture
def one_call_at_a_time_in_moto(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto is not thread-safe where DynamoDB is: its TransactWriteItems deep-copies the table (to roll
    back) while other threads write to it. Each call runs alone inside moto; the threads still race
    between their calls, which is where the store's numbering could go wrong."""
    lock = threading.Lock()
    process = BotocoreStubber.process_request

    def one_at_a_time(self: BotocoreStubber, request: Any) -> Any:
        with lock:
            return process(self, request)

    monkeypatch.setattr(BotocoreStubber, "process_request", one_at_a_time)


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


# DynamoDBStore: tickets and uploads


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


# DynamoDBStore: the outbox


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


# DynamoDBStore: rate limits


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


# DynamoDBStore: following tickets


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


def in_threads(count: int, work: Any, meet_before: str) -> tuple[list[Any], list[BaseException]]:
    """Run `work(n, store)` in `count` threads, each with its own client, as concurrent Lambdas would.

    Each thread's first `meet_before` call waits until every thread has come to
    its own: all have read before any writes, the race a store must survive.
    """
    results: list[Any] = []
    errors: list[BaseException] = []
    everyone = threading.Barrier(count, timeout=30)

    def run(n: int) -> None:
        client = boto3.session.Session().client("dynamodb", region_name=REGION)
        first = [True]

        def meet(**_: Any) -> None:
            if first[0]:
                first[0] = False
                everyone.wait()

        client.meta.events.register(f"before-call.dynamodb.{meet_before}", meet)
        own = DynamoDBStore(TABLE, client)
        try:
            results.append(work(n, own))
        except BaseException as error:  # collected: an assertion in a thread would be lost
            errors.append(error)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


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


# S3Files


def test_the_upload_form_pins_key_size_type_and_a_short_expiry(s3: Any) -> None:
    files = S3Files(BUCKET, lambda: s3)
    granted = upload(size=1234, expires_at=datetime.now(UTC) + timedelta(hours=2))
    url, fields = files.upload_form(granted)
    assert BUCKET in url
    assert fields["key"] == granted.key and fields["Content-Type"] == "image/png"
    assert fields["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    policy = json.loads(base64.b64decode(fields["policy"]))
    assert ["content-length-range", 1, 1234] in policy["conditions"]
    assert {"Content-Type": "image/png"} in policy["conditions"]
    assert {"key": granted.key} in policy["conditions"]  # a fixed key, not a starts-with prefix
    expires = datetime.strptime(policy["expiration"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert expires - datetime.now(UTC) <= timedelta(minutes=15)  # never longer than 15 minutes

    soon = upload(expires_at=datetime.now(UTC) + timedelta(minutes=5))
    policy = json.loads(base64.b64decode(files.upload_form(soon)[1]["policy"]))
    expires = datetime.strptime(policy["expiration"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert expires <= soon.expires_at + timedelta(seconds=1)  # and never longer than the grant


def test_stat_reads_the_real_size_and_first_bytes(s3: Any) -> None:
    files = S3Files(BUCKET, lambda: s3)
    s3.put_object(Bucket=BUCKET, Key="uploads/abc", Body=PNG, ContentType="application/pdf")
    stored = files.stat("uploads/abc", head_bytes=16)
    assert (stored.size, stored.head) == (len(PNG), PNG[:16])
    assert files.stat("uploads/abc").head == PNG[:4096]
    s3.put_object(Bucket=BUCKET, Key="uploads/empty", Body=b"")
    assert (files.stat("uploads/empty").size, files.stat("uploads/empty").head) == (0, b"")
    assert files.stat("uploads/never-sent") is None


def test_keep_copies_the_checked_bytes_out_of_the_forms_reach(s3: Any) -> None:
    files = S3Files(BUCKET, lambda: s3)
    s3.put_object(Bucket=BUCKET, Key="uploads/abc", Body=PNG)
    checked = files.stat("uploads/abc")
    kept = files.keep("uploads/abc", checked, "abc")
    assert kept.startswith("attachments/abc/") and files.keep("uploads/abc", checked, "abc") != kept  # never reused
    s3.put_object(Bucket=BUCKET, Key="uploads/abc", Body=b"MZ" + PNG)  # the form posted again
    assert (files.stat(kept).size, files.stat(kept).head) == (len(PNG), PNG[:4096])
    # Replaced between the check and the copy: S3 refuses a copy whose source no longer has the
    # checked ETag (412). moto does not enforce the condition, so what is proved here is that the
    # copy asks for it.
    copies: list[dict[str, Any]] = []
    s3.meta.events.register("before-call.s3.CopyObject", lambda params, **_: copies.append(params))
    files.keep("uploads/abc", checked, "abc")
    assert copies[-1]["headers"]["x-amz-copy-source-if-match"] == checked.version


def test_a_download_link_saves_the_file_under_its_utf8_name(s3: Any) -> None:
    url = S3Files(BUCKET, lambda: s3).download_url("uploads/abc", 'relatório "final" ação.pdf', 300)
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    assert urlsplit(url).path.endswith("/uploads/abc")
    assert query["response-content-type"] == "application/octet-stream"
    assert query["response-content-disposition"] == (
        "attachment; filename=\"relatorio final acao.pdf\"; filename*=UTF-8''relat%C3%B3rio%20%22final%22%20a%C3%A7%C3%A3o.pdf"
    )
    assert query["X-Amz-Expires"] == "300"


# SESMailer


def test_a_message_is_sent_raw_to_its_recipient_only(sesv2: Any) -> None:
    raw = "From: Central de Ajuda <suporte@example.com>\r\nTo: ana@cliente.com.br\r\nSubject: [PC-1001] Olá\r\n\r\nção\r\n"
    message = Message(
        id="m1", ticket="PC-1001", kind="requester_copy", recipient="ana@cliente.com.br", raw=raw.encode(), created_at=NOW
    )
    requests: list[dict[str, Any]] = []
    sesv2.meta.events.register("provide-client-params.sesv2.SendEmail", lambda params, **_: requests.append(params))
    SESMailer(sesv2).send(message)
    [sent] = sent_mail()
    assert sent.raw_data == raw
    assert set(sent.destinations) == {"ana@cliente.com.br"}
    assert requests[0]["Destination"] == {"ToAddresses": ["ana@cliente.com.br"]}
    assert "ConfigurationSetName" not in requests[0]

    sesv2.create_configuration_set(ConfigurationSetName="kbdesk")
    SESMailer(sesv2, configuration_set="kbdesk").send(message)
    assert requests[1]["ConfigurationSetName"] == "kbdesk"


def test_a_refused_message_raises_for_the_outbox_to_retry(sesv2: Any) -> None:
    raw = b"From: someone@unverified.example\r\nTo: ana@cliente.com.br\r\nSubject: x\r\n\r\nx\r\n"
    message = Message(id="m1", ticket="PC-1001", kind="requester_copy", recipient="ana@cliente.com.br", raw=raw, created_at=NOW)
    with pytest.raises(ClientError):
        SESMailer(sesv2).send(message)
    assert sent_mail() == []


def test_a_message_ses_refuses_for_its_own_sake_is_mail_rejected(sesv2: Any) -> None:
    """SES says MessageRejected of a message it will never take, and of an unverified sender: only the
    first is the message's fault; the second is the deployment's, and the message waits for it."""
    from botocore.stub import Stubber

    from tickets.ports import MailRejected

    raw = b"From: Central de Ajuda <suporte@example.com>\r\nTo: ana@cliente.com.br\r\nSubject: x\r\n\r\nx\r\n"
    message = Message(id="m1", ticket="PC-1001", kind="requester_copy", recipient="ana@cliente.com.br", raw=raw, created_at=NOW)
    with Stubber(sesv2) as ses:
        ses.add_client_error("send_email", "MessageRejected", "Message contains a virus.")
        with pytest.raises(MailRejected):
            SESMailer(sesv2).send(message)
        ses.add_client_error(
            "send_email",
            "MessageRejected",
            "Email address is not verified. The following identities failed the check in region US-EAST-1: Suporte@example.com",
        )
        with pytest.raises(ClientError):
            SESMailer(sesv2).send(message)
        ses.add_client_error("send_email", "TooManyRequestsException", "Maximum sending rate exceeded.")
        with pytest.raises(ClientError):
            SESMailer(sesv2).send(message)


def test_the_scheduled_sender_keeps_to_each_messages_next_attempt(
    aws_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`tickets.handler.flush_outbox`, run by the schedule: a message that failed is tried again a minute on."""
    from kbdesk.gateway import LocalContext
    from tickets import handler

    env = {
        "KBDESK_BACKEND": "aws",
        "KBDESK_TABLE": TABLE,
        "KBDESK_BUCKET": BUCKET,
        "KBDESK_SIGNING_SECRET": "s",
        "KBDESK_PRODUCTS_FILE": str(aws_settings.products_file),
        "KBDESK_SENDER": "suporte@example.com",
        "KBDESK_SUPPORT_EMAIL": "suporte@example.com",
        "KBDESK_RATE_LIMITS": "off",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    handler.reset()
    desk = handler.get_app().desk
    aws.client("sesv2").delete_email_identity(EmailIdentity="example.com")  # SES refuses the sender: down
    desk.open_ticket(ticket_in(), session_email=None, client_ip="203.0.113.1")
    aws.client("sesv2").create_email_identity(EmailIdentity="example.com")  # and fixed

    def run_at(moment: datetime) -> dict[str, int]:
        monkeypatch.setattr(handler, "utc_now", lambda: moment)
        return handler.flush_outbox({}, LocalContext("schedule"))

    started = datetime.now(UTC)
    assert run_at(started + timedelta(seconds=30)) == {"sent": 0, "failed": 0, "given_up": 0, "uploads_swept": 0}
    assert run_at(started + timedelta(minutes=2)) == {"sent": 2, "failed": 0, "given_up": 0, "uploads_swept": 0}
    assert len(sent_mail()) == 2
    handler.reset()


# aws_backend, end to end


@pytest.fixture
def aws_settings(dynamodb: Any, s3: Any, sesv2: Any, tmp_path: Path) -> Settings:
    products = tmp_path / "products.json"
    products.write_text(json.dumps([{"id": "omni-crm", "name": "Omni CRM"}]))
    return Settings(
        backend="aws",
        table_name=TABLE,
        bucket_name=BUCKET,
        products_file=products,
        signing_secret=b"aws-adapters-secret",
        site_url="http://help.example.com",
        support_email="suporte@example.com",
        sender="Central de Ajuda <suporte@example.com>",
    )


def ticket_in(**changes: Any) -> TicketIn:
    body = {
        "request_type": "incident",
        "product": "omni-crm",
        "subject": "Lentidão ao salvar contato",
        "description": "Desde ontem, ao salvar um contato, tudo trava.",
        "email": "ana@cliente.com.br",
        "name": "Ana Souza",
        **changes,
    }
    return TicketIn.model_validate(body)


def test_the_aws_backend_opens_a_ticket_and_mails_it_once(aws_settings: Settings, s3: Any) -> None:
    desk = aws_backend(aws_settings).desk
    operations = record_operations(aws.client("dynamodb"))
    granted, _, _ = desk.grant_upload(UploadIn(filename="tela.png", content_type="image/png", size=len(PNG)), "203.0.113.9")
    s3.put_object(Bucket=BUCKET, Key=granted.key, Body=PNG)

    ticket = desk.open_ticket(ticket_in(attachments=[granted.id]), session_email=None, client_ip="203.0.113.9")
    assert ticket.number == "PC-1001"
    assert [(a.id, a.content_type, a.size) for a in ticket.attachments] == [(granted.id, "image/png", len(PNG))]
    assert desk.store.get_ticket("PC-1001") == ticket
    mail = {email.message_from_string(m.raw_data, policy=email.policy.default)["To"]: m for m in sent_mail()}
    assert len(sent_mail()) == 2 and set(mail) == {"ana@cliente.com.br", "suporte@example.com"}
    assert all(set(m.destinations) == {to} for to, m in mail.items())
    assert desk.store.pending_messages(desk.clock()) == []
    assert "Scan" not in operations and set(operations) <= READS | {"PutItem", "UpdateItem", "TransactWriteItems"}


# Called without a Lambda context, Powertools cannot bound an in-progress record by the time left; it says so.
@pytest.mark.filterwarnings("ignore:Couldn't determine the remaining time left")
def test_the_aws_backend_answers_a_repeated_request_from_its_idempotency_records(aws_settings: Settings, dynamodb: Any) -> None:
    backend = aws_backend(aws_settings)
    api = create_app(backend.desk, backend.idempotency)
    operations = record_operations(aws.client("dynamodb"))
    first = api.resolve(_event({"Idempotency-Key": "chave-1"}, _body()), None)
    again = api.resolve(_event({"Idempotency-Key": "chave-1"}, _body()), None)
    other = api.resolve(_event({"Idempotency-Key": "chave-1"}, _body(subject="Outro assunto")), None)
    assert (first["statusCode"], again["statusCode"], other["statusCode"]) == (201, 201, 409)
    assert json.loads(again["body"]) == json.loads(first["body"])
    assert len(sent_mail()) == 2
    assert backend.desk.store.get_ticket("PC-1002") is None
    assert "Scan" not in operations
    # The record sits in the store's table, under its own partition, and expires through the same TTL.
    records = dynamodb.query(
        TableName=TABLE, KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": {"S": "idempotency#"}}
    )["Items"]
    assert len(records) == 1 and records[0]["status"]["S"] == "COMPLETED" and TTL_ATTRIBUTE in records[0]


def test_the_aws_backend_needs_its_table_and_bucket(aws_settings: Settings) -> None:
    with pytest.raises(SettingsError, match="KBDESK_TABLE"):
        aws_backend(replace(aws_settings, table_name=""))
    with pytest.raises(SettingsError, match="KBDESK_BUCKET"):
        aws_backend(replace(aws_settings, bucket_name=""))


def _body(**changes: Any) -> str:
    return json.dumps(
        {
            "request_type": "incident",
            "product": "omni-crm",
            "subject": "Lentidão ao salvar contato",
            "description": "Desde ontem, ao salvar um contato, tudo trava.",
            "email": "ana@cliente.com.br",
            "name": "Ana Souza",
            **changes,
        }
    )


def _event(headers: dict[str, str], body: str) -> dict[str, Any]:
    """An API Gateway HTTP API (payload v2) request for POST /api/tickets."""
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/api/tickets",
        "rawQueryString": "",
        "headers": {"content-type": "application/json", **{k.lower(): v for k, v in headers.items()}},
        "requestContext": {
            "http": {
                "method": "POST",
                "path": "/api/tickets",
                "sourceIp": "203.0.113.9",
                "protocol": "HTTP/1.1",
                "userAgent": "pytest",
            },
            "requestId": secrets.token_hex(8),
            "routeKey": "$default",
            "stage": "$default",
        },
        "body": body,
        "isBase64Encoded": False,
    }


def test_the_support_commands_reach_dynamodb_and_ses_when_configured_for_aws(
    dynamodb: Any, sesv2: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`kbdesk orgs` and `kbdesk agent` on the AWS backend: the same commands, configured only by environment."""
    from click.testing import CliRunner

    from kbdesk.cli import main

    aws.client("s3").create_bucket(Bucket=BUCKET)
    products = tmp_path / "products.json"
    products.write_text(json.dumps([{"id": "omni-crm", "name": "Omni CRM"}]))
    env = {
        "KBDESK_BACKEND": "aws",
        "KBDESK_TABLE": TABLE,
        "KBDESK_BUCKET": BUCKET,
        "KBDESK_SIGNING_SECRET": "s",
        "KBDESK_PRODUCTS_FILE": str(products),
        "KBDESK_SENDER": "suporte@example.com",
        "KBDESK_SUPPORT_EMAIL": "suporte@example.com",
        "KBDESK_RATE_LIMITS": "off",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    def kbdesk(*args: str) -> str:
        result = CliRunner().invoke(main, list(args))
        assert result.exit_code == 0, result.output
        return result.output

    kbdesk("orgs", "add", "cliente", "--name", "Cliente S.A.", "--domain", "cliente.com.br")
    kbdesk("orgs", "add-member", "cliente", "joao@parceiro.com")
    assert "members: joao@parceiro.com" in kbdesk("orgs", "list")
    assert DynamoDBStore(TABLE, dynamodb).organization_for("ana@cliente.com.br") == "cliente"

    desk = aws_backend(from_environment()).desk
    request = TicketIn(
        request_type="incident",
        product="omni-crm",
        subject="Lentidão ao salvar",
        description="O cadastro demora mais de 30 segundos.",
        email="ana@cliente.com.br",
    )
    number = desk.open_ticket(request, session_email="ana@cliente.com.br", client_ip="203.0.113.1").number
    kbdesk("agent", "reply", number, "--message", "Corrigido, pode testar?", "--status", "waiting_customer")
    assert "status: waiting_customer" in kbdesk("agent", "show", number)
    assert number in kbdesk("agent", "list", "--organization", "cliente", "--status", "waiting_customer")
    mails = [email.message_from_string(m.raw_data, policy=email.policy.default) for m in sent_mail()]
    answers = [m for m in mails if "Corrigido, pode testar?" in m.get_body(("plain",)).get_content()]
    assert [m["To"] for m in answers] == ["ana@cliente.com.br"]


def test_on_aws_the_secrets_come_from_secrets_manager_and_the_mail_from_the_configuration_set(
    dynamodb: Any, sesv2: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the template gives the function: secrets' ARNs, never their values, and the SES configuration set."""
    secrets_manager = aws.client("secretsmanager")
    signing = secrets_manager.create_secret(Name="kbdesk/signing-secret", SecretString="s" * 48)["ARN"]
    agent = secrets_manager.create_secret(Name="kbdesk/agent-key", SecretString="chave-do-suporte")["ARN"]
    sesv2.create_configuration_set(ConfigurationSetName="kbdesk")
    products = tmp_path / "products.json"
    products.write_text(json.dumps([{"id": "omni-crm", "name": "Omni CRM"}]))
    env = {
        "KBDESK_BACKEND": "aws",
        "KBDESK_TABLE": TABLE,
        "KBDESK_BUCKET": BUCKET,
        "KBDESK_PRODUCTS_FILE": str(products),
        "KBDESK_SIGNING_SECRET_ARN": signing,
        "KBDESK_AGENT_KEY_ARN": agent,
        "KBDESK_SES_CONFIGURATION_SET": "kbdesk",
    }
    settings = from_environment(env)
    assert settings.signing_secret == b"" and settings.agent_key == ""  # nothing secret in the environment

    calls = record_operations(secrets_manager)
    backend = aws_backend(settings)
    assert calls == []  # a cold start that opens a ticket never waits for them
    assert backend.desk.signing_secret == b"s" * 48
    assert backend.desk.agent_key == "chave-do-suporte"
    assert calls == ["GetSecretValue", "GetSecretValue"]
    assert backend.desk.agent_key == "chave-do-suporte" and len(calls) == 2  # read once per container
    assert backend.desk.mailer.configuration_set == "kbdesk"
    with pytest.raises(SettingsError):
        from_environment({k: v for k, v in env.items() if k != "KBDESK_SIGNING_SECRET_ARN"})


@pytest.mark.parametrize("region", ["us-east-1", "sa-east-1"])
def test_upload_forms_post_to_the_origin_the_site_policy_allows(
    aws_env: None, monkeypatch: pytest.MonkeyPatch, region: str
) -> None:
    """template.yaml's CSP names https://<bucket RegionalDomainName>: the form must post exactly there."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", region)
    aws.client.cache_clear()
    files = S3Files(BUCKET, lambda: aws.client("s3"))
    url, _ = files.upload_form(upload())
    assert url.startswith(f"https://{BUCKET}.s3.{region}.amazonaws.com/")


def test_the_outbox_reports_a_failed_send_as_the_services_json_log_line() -> None:
    """What CloudWatch Logs Insights queries (DEPLOY.md): one JSON object a line, with the ticket and no address."""
    import logging

    import tickets.handler  # configures the modules' loggers as the function's

    # The very handler (and formatter) the service logs through.
    shared = [h for h in logging.getLogger("tickets").handlers if h in tickets.handler.logger.handlers]
    assert shared
    handler = shared[0]
    outbox = logging.getLogger("tickets.outbox")
    record = outbox.makeRecord(
        outbox.name,
        logging.WARNING,
        __file__,
        1,
        "e-mail not sent, will retry",
        (),
        None,
        extra={"ticket": "PC-1001", "kind": "reply"},
    )
    line = handler.format(record)
    parsed = json.loads(line)
    assert parsed["service"] == "kbdesk-tickets" and parsed["level"] == "WARNING" and "\n" not in line
    assert parsed["ticket"] == "PC-1001" and parsed["name"] == "tickets.outbox"
