"""When mail or storage fails: the ticket is never lost, never half-written, never mailed twice."""

from __future__ import annotations

from typing import Any

from contract_data import PNG, attach, ticket_body


def test_mail_failing_at_send_time_keeps_the_ticket_and_sends_once_after_recovery(host: Any) -> None:
    host.break_mail()
    reply = host.request("POST", "/api/tickets", ticket_body())
    assert reply.status == 201  # the ticket is stored before any e-mail is tried
    host.repair_mail()
    assert host.sent_mail() == []

    assert host.flush_outbox() == 2
    assert host.flush_outbox() == 0  # never twice
    assert sorted(m["To"] for m in host.sent_mail()) == ["ana@cliente.com.br", "suporte@example.com"]


def test_a_request_sends_its_own_mail_only_and_what_failed_earlier_waits_for_the_flush(host: Any) -> None:
    host.break_mail()
    assert host.request("POST", "/api/tickets", ticket_body()).status == 201
    host.repair_mail()
    assert host.request("POST", "/api/tickets", ticket_body(email="bia@cliente.com.br")).status == 201
    subjects = sorted(m["Subject"] for m in host.sent_mail())
    assert [s.split("]")[0] for s in subjects] == ["[PC-1002", "[PC-1002"]  # no request pays for another's retry
    assert host.flush_outbox() == 2
    assert sorted(m["Subject"].split("]")[0] for m in host.sent_mail()) == ["[PC-1001", "[PC-1001", "[PC-1002", "[PC-1002"]


def test_a_storage_failure_mid_write_leaves_nothing_behind(host: Any) -> None:
    upload = attach(host, PNG)
    host.break_storage_mid_write()
    reply = host.request("POST", "/api/tickets", ticket_body(attachments=[upload]))
    assert (reply.status, reply.error["code"]) == (500, "internal")
    assert "Traceback" not in reply.text and "disk I/O" not in reply.text
    assert host.sent_mail() == [] and host.flush_outbox() == 0

    retry = host.request("POST", "/api/tickets", ticket_body(attachments=[upload]))
    assert retry.status == 201, retry.text  # the upload was not taken by the failed write
    assert retry.json["attachments"][0]["id"] == upload
    # The failed write left no ticket (DynamoDB may skip the number it drew; SQLite reuses it).
    stored = [n for n in ("PC-1001", "PC-1002") if host.desk.store.get_ticket(n)]
    assert stored == [retry.json["number"]]
    assert len(host.sent_mail()) == 2
