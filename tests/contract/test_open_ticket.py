"""API.md, as a customer's browser and a careless or hostile client meet it.

Every test runs against each host (see conftest.HOSTS): the same requests must
get the same answers.
"""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from contract_data import EXE, PNG, attach, later, link_query, open_ticket, sign_in, sign_in_link

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


# Reading the catalog


def test_health(host: Any) -> None:
    reply = host.request("GET", "/api/health")
    assert (reply.status, reply.json) == (200, {"status": "ok"})
    assert reply.headers["content-type"].startswith("application/json")


def test_catalog_has_the_knowledge_bases_products_and_the_vocabulary(host: Any) -> None:
    catalog = host.request("GET", "/api/catalog").json
    assert catalog["products"] == [{"id": "omni-crm", "name": "Omni CRM"}, {"id": "omni-chat", "name": "Omni Chat"}]
    assert [(t["id"], t["name"]) for t in catalog["request_types"]] == [
        ("usability", "Dúvidas de Usabilidade"),
        ("technical", "Apoio Técnico"),
        ("incident", "Erros ou Incidentes"),
        ("improvement", "Solicitações de Melhoria e Funcionalidades"),
    ]
    assert all(t["description"] for t in catalog["request_types"])
    assert [s["id"] for s in catalog["statuses"]] == ["open", "in_progress", "waiting_customer", "resolved", "closed"]
    assert catalog["limits"]["max_attachment_bytes"] == 25 * 1024 * 1024
    assert catalog["limits"]["max_attachments"] == 10
    assert "application/pdf" in catalog["limits"]["allowed_types"]
    assert not any("executable" in t or "msdownload" in t for t in catalog["limits"]["allowed_types"])


def test_openapi_describes_the_routes(host: Any) -> None:
    spec = host.request("GET", "/api/openapi.json").json
    assert spec["openapi"].startswith("3.1")
    for path, method in [("/api/tickets", "post"), ("/api/uploads", "post"), ("/api/catalog", "get"), ("/api/health", "get")]:
        assert method in spec["paths"][path], path
    ticket_in = spec["components"]["schemas"]["TicketIn"]
    assert {"request_type", "product", "subject", "description"} <= set(ticket_in["required"])
    answers = spec["paths"]["/api/tickets"]["post"]["responses"]
    assert {"201", "400", "409", "413", "415", "422", "429", "500"} <= set(answers)
    error = answers["409"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert spec["components"]["schemas"][error]["required"] == ["error"]
    assert "content" not in spec["paths"]["/api/auth/logout"]["post"]["responses"]["204"]  # signing out answers nothing


# Opening a ticket


def test_a_ticket_is_numbered_stored_and_returned_as_sent(host: Any) -> None:
    text = "  <script>alert('x')</script>\nLinha 2 com acentuação: ção, ã, é.  "
    first = open_ticket(host, description=text)
    assert first.status == 201, first.text
    ticket = first.json
    assert ticket["number"] == "PC-1001"
    assert ticket["status"] == "open"
    assert ticket["description"] == text  # exactly as sent: the site renders it as text
    assert ticket["requester"] == {"email": "ana@cliente.com.br", "name": "Ana Souza"}
    assert (ticket["request_type"], ticket["product"], ticket["subject"]) == (
        "incident",
        "omni-crm",
        "Lentidão ao salvar contato",
    )
    assert ISO.match(ticket["created_at"]) and ticket["created_at"] == ticket["updated_at"]
    assert ticket["attachments"] == [] and ticket["comments"] == []
    assert open_ticket(host).json["number"] == "PC-1002"


def test_prefix_is_configurable(make_host: Any, host_kind: str) -> None:
    host = make_host(host_kind, ticket_prefix="SUP")
    assert open_ticket(host).json["number"] == "SUP-1001"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"request_type": None}, "request_type"),
        ({"request_type": "duvida"}, "request_type"),
        ({"product": "omni-erp"}, "product"),
        ({"subject": "ab"}, "subject"),
        ({"subject": "     "}, "subject"),
        ({"subject": "x" * 201}, "subject"),
        ({"description": "curto"}, "description"),
        ({"description": "y" * 20_001}, "description"),
        ({"email": None}, "email"),
        ({"email": "não-é-email"}, "email"),
        ({"attachments": [f"id-{n}" for n in range(11)]}, "attachments"),
        ({"prioridade": "alta"}, "prioridade"),
        ({"subject": 42}, "subject"),
    ],
)
def test_each_field_rule_answers_422_naming_the_field(host: Any, changes: dict[str, Any], field: str) -> None:
    reply = open_ticket(host, **changes)
    assert reply.status == 422, reply.text
    assert reply.error["code"] == "validation_error"
    assert field in reply.error["fields"]
    assert reply.error["message"]
    assert open_ticket(host).json["number"] == "PC-1001"  # nothing was stored


@pytest.mark.parametrize(("subject", "description"), [("abc", "0123456789"), ("s" * 200, "d" * 20_000)])
def test_limits_are_inclusive(host: Any, subject: str, description: str) -> None:
    assert open_ticket(host, subject=subject, description=description).status == 201


@pytest.mark.parametrize(
    ("headers", "raw", "status", "code"),
    [
        ({"Content-Type": "application/json"}, b"{not json", 400, "bad_request"),
        ({"Content-Type": "application/json"}, b"[1, 2]", 400, "bad_request"),
        ({"Content-Type": "application/json"}, b"\xff\xfe", 400, "bad_request"),
        ({"Content-Type": "text/plain"}, b'{"subject": "x"}', 415, "unsupported_media_type"),
        ({}, b'{"subject": "x"}', 415, "unsupported_media_type"),
        ({"Content-Type": "application/json"}, b'{"d": "' + b"x" * 300_000 + b'"}', 413, "too_large"),
    ],
)
def test_malformed_bodies_get_the_error_body(host: Any, headers: dict[str, str], raw: bytes, status: int, code: str) -> None:
    reply = host.request("POST", "/api/tickets", headers=headers, raw=raw)
    assert (reply.status, reply.error["code"]) == (status, code), reply.text
    assert "Traceback" not in reply.text


def test_unknown_routes_are_404_and_unknown_methods_405_with_the_error_body(host: Any) -> None:
    for method, path, status, code in [
        ("GET", "/api/nada", 404, "not_found"),
        ("POST", "/api/nada/x", 404, "not_found"),
        ("DELETE", "/api/tickets", 405, "method_not_allowed"),
        ("GET", "/api/uploads", 405, "method_not_allowed"),
    ]:
        reply = host.request(method, path)
        assert (reply.status, reply.error["code"]) == (status, code), (method, path, reply.text)


def test_honeypot_filled_by_a_robot_stores_nothing(host: Any) -> None:
    reply = open_ticket(host, website="http://spam.example")
    assert reply.status == 422
    assert host.sent_mail() == []
    assert open_ticket(host).json["number"] == "PC-1001"


# Idempotency


def test_same_key_same_body_answers_the_same_ticket_and_sends_nothing_more(host: Any) -> None:
    key = {"Idempotency-Key": "0f7c1a52-2a7e-4f0e-9f51-1f5b0e0c3d11"}
    first = open_ticket(host, key)
    again = open_ticket(host, key)
    assert first.status == again.status == 201
    assert again.json == first.json
    assert len(host.sent_mail()) == 2
    assert open_ticket(host).json["number"] == "PC-1002"  # the repeat created nothing


def test_same_key_another_body_is_a_conflict(host: Any) -> None:
    key = {"Idempotency-Key": "c1b3"}
    assert open_ticket(host, key).status == 201
    reply = open_ticket(host, key, subject="Outro assunto")
    assert (reply.status, reply.error["code"]) == (409, "idempotency_conflict")
    assert len(host.sent_mail()) == 2


def test_a_refused_request_does_not_burn_its_key(host: Any) -> None:
    key = {"Idempotency-Key": "tentativa-1"}
    assert open_ticket(host, key, product="omni-erp").status == 422
    assert open_ticket(host, key).status == 201


def test_a_request_whose_process_died_after_storing_opens_one_ticket_whatever_its_retries_meet(host: Any) -> None:
    key = {"Idempotency-Key": "depois-da-queda"}
    host.die_before_recording_the_outcome()
    assert open_ticket(host, key).status == 500  # the ticket is stored; its record still says "in progress"
    assert host.desk.store.get_ticket("PC-1001") is not None

    busy = open_ticket(host, key)  # while the first could still be answering
    assert (busy.status, busy.error["code"], busy.headers["retry-after"]) == (409, "idempotency_in_progress", "2")
    assert open_ticket(host, key, subject="Outro assunto").error["code"] == "idempotency_conflict"

    host.lapse_requests_in_progress()  # the first will never answer: the retry goes through
    retry = open_ticket(host, key)
    assert (retry.status, retry.json["number"]) == (201, "PC-1001")  # the ticket it had opened, not a second
    assert open_ticket(host, key).json == retry.json
    assert host.desk.store.get_ticket("PC-1002") is None
    host.flush_outbox()
    assert sorted(m["To"] for m in host.sent_mail()) == ["ana@cliente.com.br", "suporte@example.com"]  # once
    assert open_ticket(host).json["number"] == "PC-1002"  # no number was drawn for the retry


# E-mails


def test_the_requester_gets_a_copy_and_support_a_notice(host: Any) -> None:
    upload = attach(host, PNG, "tela do erro.png")
    ticket = open_ticket(host, description="Passos:\n1. <b>Salvar</b>\n2. Esperar", attachments=[upload]).json
    mail = {m["To"]: m for m in host.sent_mail()}
    assert set(mail) == {"ana@cliente.com.br", "suporte@example.com"}

    copy = mail["ana@cliente.com.br"]
    assert copy["Subject"] == f"[{ticket['number']}] Lentidão ao salvar contato"
    # Replies go to the ticket's signed reply address; the copy is the thread's root.
    assert re.fullmatch(r"suporte\+pc-1001\.[a-z2-7]{10}@example\.com", copy["Reply-To"])
    assert copy["In-Reply-To"] is None and copy["Auto-Submitted"] == "auto-generated"
    text = copy.get_body(("plain",)).get_content()
    for expected in (
        ticket["number"],
        "Erros ou Incidentes",
        "Omni CRM",
        "Lentidão ao salvar contato",
        "1. <b>Salvar</b>",
        "tela do erro.png",
        "O que acontece agora",
    ):
        assert expected in text, expected
    # The link to follow the ticket signs its requester in and then opens the ticket's page.
    assert link_query(sign_in_link(host, copy))["next"] == "/chamados/chamado/?numero=PC-1001"
    html = copy.get_body(("html",)).get_content()
    assert "&lt;b&gt;Salvar&lt;/b&gt;" in html and "<b>Salvar</b>" not in html

    notice = mail["suporte@example.com"]
    assert notice["Subject"] == f"[{ticket['number']}] Novo chamado: Lentidão ao salvar contato"
    # Support's reply to the notice reaches the ticket (and so the customer), threaded under the copy.
    assert notice["Reply-To"] == copy["Reply-To"]
    assert notice["In-Reply-To"] == notice["References"] == copy["Message-ID"]
    assert notice["Message-ID"] != copy["Message-ID"]
    assert "Ana Souza <ana@cliente.com.br>" in notice.get_body(("plain",)).get_content()


def test_a_subject_with_a_line_break_cannot_split_the_mail_headers(host: Any) -> None:
    ticket = open_ticket(host, subject="Erro\r\nBcc: todos@example.com").json
    assert ticket["subject"] == "Erro\r\nBcc: todos@example.com"
    for message in host.sent_mail():
        assert message["Bcc"] is None
        assert message["Subject"].endswith("Erro Bcc: todos@example.com")


# Attachments


def test_attachments_are_checked_again_on_the_server(host: Any) -> None:
    upload = attach(host, PNG, "../../etc/tela.png", content_type="application/pdf")
    ticket = open_ticket(host, attachments=[upload]).json
    assert ticket["attachments"] == [{"id": upload, "filename": "tela.png", "content_type": "image/png", "size": len(PNG)}]


def test_uploads_are_refused_up_front_by_size_and_type(host: Any) -> None:
    big = host.request(
        "POST", "/api/uploads", {"filename": "filme.mp4", "content_type": "video/mp4", "size": 25 * 1024 * 1024 + 1}
    )
    assert (big.status, big.error["code"]) == (413, "too_large")
    exe = host.request("POST", "/api/uploads", {"filename": "setup.exe", "content_type": "application/x-msdownload", "size": 10})
    assert (exe.status, exe.error["code"]) == (415, "unsupported_media_type")
    empty = host.request("POST", "/api/uploads", {"filename": "", "content_type": "image/png", "size": 0})
    assert empty.status == 422 and {"filename", "size"} <= set(empty.error["fields"])


def test_a_file_that_is_not_what_it_claims_is_refused_and_no_ticket_is_made(host: Any) -> None:
    disguised = attach(host, EXE, "foto.png")
    reply = open_ticket(host, attachments=[disguised])
    assert (reply.status, reply.error["code"]) == (415, "unsupported_media_type")
    assert host.sent_mail() == []
    assert open_ticket(host).json["number"] == "PC-1001"


def test_a_file_larger_than_declared_is_never_attached(host: Any) -> None:
    grant = host.request("POST", "/api/uploads", {"filename": "tela.png", "content_type": "image/png", "size": 100}).json
    host.upload(grant, PNG, "tela.png")  # 210 bytes for a grant of 100
    reply = open_ticket(host, attachments=[grant["upload_id"]])
    assert reply.status in (413, 422), reply.text  # refused at upload (local) or when named (S3)
    assert reply.error["fields"]["attachments"]
    assert open_ticket(host).json["number"] == "PC-1001"


def test_missing_unknown_and_reused_uploads(host: Any) -> None:
    never_sent = host.request("POST", "/api/uploads", {"filename": "a.png", "content_type": "image/png", "size": 10}).json
    for upload_id in (never_sent["upload_id"], "nao-existe"):
        reply = open_ticket(host, attachments=[upload_id])
        assert (reply.status, reply.error["fields"].keys()) == (422, {"attachments"})
    upload = attach(host, PNG)
    assert open_ticket(host, attachments=[upload]).status == 201
    reused = open_ticket(host, attachments=[upload])
    assert reused.status == 422 and reused.error["fields"]["attachments"]
    assert len(host.sent_mail()) == 2  # only the first ticket's


# Rate limits


def test_too_many_tickets_from_one_email_are_refused_for_a_while(make_host: Any, host_kind: str) -> None:
    host = make_host(host_kind, rate_limits={"tickets": (2, 3600), "tickets_ip": (100, 3600)})
    assert [open_ticket(host).status for _ in range(3)] == [201, 201, 429]
    refused = open_ticket(host)
    assert refused.error["code"] == "rate_limited"
    assert 0 < int(refused.headers["retry-after"]) <= 2 * 3600  # the burst slides out of the window, then one more fits
    assert open_ticket(host, email="bia@cliente.com.br").status == 201


def test_a_window_boundary_lets_no_second_burst_through_and_retry_after_is_when_one_fits(make_host: Any, host_kind: str) -> None:
    host = make_host(host_kind, rate_limits={"tickets": (100, 3600), "tickets_ip": (3, 3600)})
    boundary = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)

    def at(moment: datetime, email: str) -> Any:
        host.desk.clock = lambda: moment
        return open_ticket(host, email=email)

    assert [at(boundary - timedelta(minutes=1), f"p{i}@cliente.com.br").status for i in range(3)] == [201, 201, 201]
    refused = at(boundary + timedelta(minutes=1), "p3@cliente.com.br")  # a fixed window would start over here
    assert refused.status == 429
    wait = int(refused.headers["retry-after"])
    assert at(boundary + timedelta(minutes=1, seconds=wait - 60), "p4@cliente.com.br").status == 429
    assert at(boundary + timedelta(minutes=1, seconds=wait), "p5@cliente.com.br").status == 201


def test_an_addresss_variants_share_its_quota(make_host: Any, host_kind: str) -> None:
    host = make_host(host_kind, rate_limits={"tickets": (3, 3600), "tickets_ip": (100, 3600)})
    variants = ["joao.silva@gmail.com", "joaosilva+suporte@gmail.com", "Joao.Silva@googlemail.com", "j.o.a.o.silva@gmail.com"]
    assert [open_ticket(host, email=v).status for v in variants] == [201, 201, 201, 429]
    assert open_ticket(host, email="ana+x@cliente.com.br").status == 201
    assert open_ticket(host, email="ana.souza@cliente.com.br").status == 201  # dots matter outside Gmail


def test_too_many_tickets_from_one_address_are_refused_for_a_while(make_host: Any, host_kind: str) -> None:
    host = make_host(host_kind, rate_limits={"tickets": (100, 3600), "tickets_ip": (3, 3600)})
    people = ["ana", "bia", "caio", "dani"]
    assert [open_ticket(host, email=f"{p}@cliente.com.br").status for p in people] == [201, 201, 201, 429]


def test_too_many_uploads_from_one_address_are_refused_for_a_while(make_host: Any, host_kind: str) -> None:
    host = make_host(host_kind, rate_limits={"uploads_ip": (3, 3600)})
    grants = [
        host.request("POST", "/api/uploads", {"filename": f"tela{i}.png", "content_type": "image/png", "size": 100})
        for i in range(4)
    ]
    assert [g.status for g in grants] == [201, 201, 201, 429]
    assert grants[-1].error["code"] == "rate_limited" and 0 < int(grants[-1].headers["retry-after"]) <= 2 * 3600


def test_what_one_address_or_person_may_upload_in_a_day_is_bounded_in_bytes(make_host: Any, host_kind: str) -> None:
    host = make_host(host_kind, rate_limits={"upload_mib_ip": (100, 86400), "upload_mib": (60, 86400)})
    big = {"filename": "video.mp4", "content_type": "video/mp4", "size": 25 * 1024 * 1024}
    ana = sign_in(host, "ana@cliente.com.br")
    assert [ana.request("POST", "/api/uploads", big).status for _ in range(3)] == [201, 201, 429]  # her 60 MiB
    # The address's 100 MiB count every attempt from it, hers included: 75 so far.
    assert [host.request("POST", "/api/uploads", big).status for _ in range(2)] == [201, 429]
    refused = host.request("POST", "/api/uploads", {**big, "size": 1})
    assert (refused.status, refused.error["code"]) == (429, "rate_limited")
    assert int(refused.headers["retry-after"]) > 3600  # full until enough of the day slides out
    assert host.request("POST", "/api/uploads", {**big, "size": 26 * 1024 * 1024}).status == 413  # not counted


def test_the_local_backend_sweeps_uploads_no_ticket_used_a_day_after_they_expired(make_host: Any) -> None:
    host = make_host("local")  # on AWS, the upload's item expires by TTL and S3's lifecycle rule removes its file
    unused, used = attach(host, PNG, "esquecida.png"), attach(host, PNG, "usada.png")
    ticket = open_ticket(host, attachments=[used]).json
    files = host.settings.attachments_dir / "uploads"
    assert host.desk.sweep() == 0 and len(list(files.iterdir())) == 2  # still within its day

    later(host, days=1, minutes=14)
    assert host.desk.sweep() == 0  # the grant expired 15 minutes after it was given: not a day yet
    later(host, days=1, minutes=16)
    assert host.desk.sweep() == 1
    assert host.desk.store.get_upload(unused) is None and [f.name for f in files.iterdir()] == [used]
    (kept,) = sign_in(host, "ana@cliente.com.br").request("GET", f"/api/tickets/{ticket['number']}").json["attachments"]
    assert host.download(kept["download_url"]).body == PNG  # a ticket's attachment stays
    assert open_ticket(host, attachments=[unused]).error["fields"] == {"attachments": "anexo não recebido"}


def test_behind_cloudfront_each_viewer_has_a_quota_of_its_own_and_no_caller_can_pick_one(make_host: Any) -> None:
    from hosts import ORIGIN_SECRET

    host = make_host("lambda", rate_limits={"tickets": (100, 3600), "tickets_ip": (2, 3600)})

    def via(viewer: str, secret: str = ORIGIN_SECRET) -> dict[str, str]:
        return {"CloudFront-Viewer-Address": viewer, "X-Kbdesk-Origin": secret}

    # Every request arrives from one CloudFront edge (the same sourceIp): viewers are counted apart.
    statuses = [open_ticket(host, via("198.51.100.7:46532"), email=f"ana{i}@cliente.com.br").status for i in range(3)]
    assert statuses == [201, 201, 429]
    assert open_ticket(host, via("[2001:db8::7]:46532"), email="bia@cliente.com.br").status == 201
    assert open_ticket(host, via("2001:db8::8:46532"), email="caio@cliente.com.br").status == 201
    # Straight to the API, a caller cannot claim an address: without the secret it counts as itself.
    forged = [
        open_ticket(host, via(f"192.0.2.{i}:1", secret="palpite"), email=f"dani{i}@cliente.com.br").status for i in range(3)
    ]
    assert forged == [201, 201, 429]


def test_rate_limits_can_be_turned_off(make_host: Any, host_kind: str) -> None:
    host = make_host(host_kind, rate_limits=None)
    assert {open_ticket(host).status for _ in range(12)} == {201}


# Failures and concurrency


def test_fifty_customers_at_once_get_fifty_consecutive_numbers(make_host: Any) -> None:
    # The local server's thread pool; a Lambda container takes one event at a time.
    host = make_host("local")
    numbers: list[str] = []
    errors: list[str] = []

    def submit(n: int) -> None:
        subject = f"Chamado número {n}"
        reply = open_ticket(host, email=f"cliente{n}@example.com", subject=subject)
        if reply.status == 201 and reply.json["subject"] == subject:  # each answer is its own request's
            numbers.append(reply.json["number"])
        else:
            errors.append(reply.text)

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(numbers, key=lambda n: int(n.split("-")[1])) == [f"PC-{1001 + n}" for n in range(50)]


def test_the_lambda_reads_dynamodb_by_key_and_query_never_by_scan(make_host: Any) -> None:
    host = make_host("lambda", rate_limits={"tickets": (5, 3600), "tickets_ip": (50, 3600)})
    upload = attach(host, PNG)
    key = {"Idempotency-Key": "sem-scan"}
    assert open_ticket(host, key, attachments=[upload]).status == 201
    assert open_ticket(host, key, attachments=[upload]).status == 201
    assert open_ticket(host, attachments=[upload]).status == 422
    host.break_mail()
    assert open_ticket(host, email="bia@cliente.com.br").status == 201
    host.repair_mail()
    assert host.flush_outbox() == 2
    assert {"GetItem", "Query", "TransactWriteItems", "UpdateItem", "PutItem"} <= set(host.operations)
    assert "Scan" not in host.operations


def test_posting_the_form_again_cannot_change_what_a_ticket_keeps(host: Any) -> None:
    grant = host.request("POST", "/api/uploads", {"filename": "tela.png", "content_type": "image/png", "size": len(PNG)}).json
    host.upload(grant, PNG, "tela.png")
    ticket = open_ticket(host, attachments=[grant["upload_id"]]).json
    host.upload(grant, EXE, "tela.png")  # the form is still valid: refused (local) or written (S3)
    kept = host.desk.store.get_ticket(ticket["number"]).attachments[0]
    assert kept.size == len(PNG)
    assert host.desk.files.stat(kept.key).head == PNG
