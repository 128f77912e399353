"""Hostile and odd input: every path answers with the contract's error body, never a 500."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest
from contract_data import AGENT_KEY, PNG, SESSION, agent, attach, open_ticket, sign_in, ticket_body

NESTED = b'{"a": ' + b"[" * 1000 + b"]" * 1000 + b"}"


@pytest.fixture
def desk(make_host: Any, host_kind: str) -> Any:
    return make_host(host_kind, agent_key=AGENT_KEY)


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/api/tickets", 400, "bad_request"),
        ("/api/uploads", 400, "bad_request"),
        ("/api/auth/login", 400, "bad_request"),
        ("/api/agent/tickets/PC-1001/replies", 400, "bad_request"),
        ("/api/nada", 404, "not_found"),  # no route: its body is never read
    ],
)
def test_deeply_nested_json_is_a_bad_request_on_every_route(desk: Any, path: str, status: int, code: str) -> None:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {AGENT_KEY}"}
    reply = desk.request("POST", path, headers=headers, raw=NESTED)
    assert (reply.status, reply.error["code"]) == (status, code), reply.text
    assert "Traceback" not in reply.text


@pytest.mark.parametrize("media_type", ["APPLICATION/JSON", "Application/Json; charset=UTF-8", "application/json;charset=utf-8"])
def test_the_media_type_is_read_whatever_its_case(desk: Any, media_type: str) -> None:
    raw = json.dumps(ticket_body()).encode()
    reply = desk.request("POST", "/api/tickets", headers={"Content-Type": media_type}, raw=raw)
    assert reply.status == 201, reply.text
    assert reply.json["subject"] == ticket_body()["subject"]


def test_a_wrong_support_key_is_refused_before_the_body_is_read(desk: Any) -> None:
    number = open_ticket(desk).json["number"]
    for body in [{"body": ""}, {"nada": 1}, {"body": "Resposta", "status": "inexistente"}]:
        reply = agent(desk, "POST", f"/api/agent/tickets/{number}/replies", body, key="chave-errada")
        assert (reply.status, reply.error["code"]) == (403, "forbidden"), reply.text
        reply = agent(desk, "POST", f"/api/agent/tickets/{number}/replies", body, key=None)
        assert (reply.status, reply.error["code"]) == (401, "unauthenticated"), reply.text
        assert reply.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("size", ["5", True, 5.5, "5e3"])
def test_an_upload_size_must_be_a_whole_number(desk: Any, size: Any) -> None:
    reply = desk.request("POST", "/api/uploads", {"filename": "tela.png", "content_type": "image/png", "size": size})
    assert (reply.status, reply.error["code"]) == (422, "validation_error"), reply.text
    assert "size" in reply.error["fields"]


def test_a_whole_number_written_with_a_point_is_a_size(desk: Any) -> None:
    """JSON has one number type: 5.0 is the integer 5 (JSON Schema says so of `integer` too)."""
    reply = desk.request("POST", "/api/uploads", {"filename": "tela.png", "content_type": "image/png", "size": 5.0})
    assert reply.status == 201, reply.text


@pytest.mark.parametrize("limit", ["²", "٣", "1.5", "-1", "0", "101", "abc"])
def test_a_list_limit_that_is_not_1_to_100_is_a_bad_request(desk: Any, limit: str) -> None:
    person = sign_in(desk, "ana@cliente.com.br")
    query = urlencode({"limit": limit})
    for reply in [person.request("GET", f"/api/tickets?{query}"), agent(desk, "GET", f"/api/agent/tickets?{query}")]:
        assert reply.status in (400, 422), reply.text
        assert reply.error["code"] in ("bad_request", "validation_error")


def test_two_session_cookies_are_no_session(desk: Any) -> None:
    session = sign_in(desk, "ana@cliente.com.br").cookie(SESSION)
    other = sign_in(desk, "bia@cliente.com.br").cookie(SESSION)
    assert desk.request("GET", "/api/me", headers={"Cookie": f"{SESSION}={session}"}).json["email"] == "ana@cliente.com.br"
    for planted in [f"{SESSION}={other}; {SESSION}={session}", f"{SESSION}={session}; {SESSION}=forjado"]:
        reply = desk.request("GET", "/api/me", headers={"Cookie": planted})
        assert (reply.status, reply.error["code"]) == (401, "unauthenticated"), reply.text


SCRIPT = b"@echo off\r\ndel /q %USERPROFILE%\\Documents\\*\r\n"


@pytest.mark.parametrize("filename", ["limpar.bat", "relatorio.PS1", "abrir.vbs", "ajuda.js", "planilha.jar", "atalho.lnk"])
def test_scripts_and_programs_are_refused_by_name_whatever_their_bytes(desk: Any, filename: str) -> None:
    reply = desk.request("POST", "/api/uploads", {"filename": filename, "content_type": "text/plain", "size": len(SCRIPT)})
    assert (reply.status, reply.error["code"]) == (415, "unsupported_media_type"), reply.text
    assert "filename" in reply.error["fields"]


@pytest.mark.parametrize(
    ("content", "filename", "declared"),
    [
        (SCRIPT, "foto.png", "image/png"),  # text named as an image
        (PNG, "contrato.pdf", "application/pdf"),  # an image named as a document
    ],
)
def test_a_file_whose_name_says_another_type_than_its_bytes_is_refused(
    desk: Any, content: bytes, filename: str, declared: str
) -> None:
    reply = open_ticket(desk, attachments=[attach(desk, content, filename, declared)])
    assert (reply.status, reply.error["code"]) == (415, "unsupported_media_type"), reply.text
    assert open_ticket(desk).json["number"] == "PC-1001"


@pytest.mark.parametrize("filename", ["tela.png", "tela.PNG", "tela"])
def test_a_file_named_for_what_it_is_is_kept(desk: Any, filename: str) -> None:
    reply = open_ticket(desk, attachments=[attach(desk, PNG, filename)])
    assert reply.status == 201, reply.text
    assert reply.json["attachments"][0]["content_type"] == "image/png"


@pytest.mark.parametrize("email", ["ana@xn--exmple-qta.com.br", "ana@exámple.com.br", "Ana@EXÁMPLE.com.br"])
def test_an_international_domain_is_kept_in_ascii_for_the_mail_headers(desk: Any, email: str) -> None:
    reply = open_ticket(desk, email=email)
    assert reply.status == 201, reply.text
    assert reply.json["requester"]["email"] == "ana@xn--exmple-qta.com.br"
    (copy,) = [m for m in desk.sent_mail() if "suporte@" not in str(m["To"])]
    assert copy["To"].addresses[0].addr_spec == "ana@xn--exmple-qta.com.br"


def test_an_address_with_accents_before_the_at_is_refused_at_the_form(desk: Any) -> None:
    for reply in [
        open_ticket(desk, email="ação@cliente.com.br"),
        desk.request("POST", "/api/auth/login", {"email": "joão@cliente.com.br"}),
    ]:
        assert (reply.status, reply.error["code"]) == (422, "validation_error"), reply.text
        assert reply.error["fields"]["email"] == "use um endereço sem acentos antes do @"
    assert desk.sent_mail() == []


def test_a_method_a_route_does_not_take_is_405_with_the_methods_it_does(desk: Any) -> None:
    for method, path, allowed in [
        ("PUT", "/api/tickets", "GET, POST"),
        ("DELETE", "/api/tickets/PC-1001", "GET"),
        ("TRACE", "/api/uploads", "POST"),
        ("GET", "/api/auth/login", "POST"),
    ]:
        reply = desk.request(method, path, raw=b"{}", headers={"Content-Type": "text/plain"})
        assert (reply.status, reply.error["code"], reply.headers["allow"]) == (405, "method_not_allowed", allowed), path
    assert desk.request("PUT", "/api/nada").status == 404  # a path that is no route at all


def test_the_local_file_routes_answer_errors_as_the_api_does(make_host: Any) -> None:
    host = make_host("local")  # on AWS these are S3's own routes
    refusals = [
        (host.request("GET", "/_files/upload"), 405, "method_not_allowed"),
        (host.request("POST", "/_files/upload", raw=b"x", headers={"Content-Type": "text/plain"}), 415, "unsupported_media_type"),
        (host.request("GET", "/_files/download?link=forjado"), 403, "forbidden"),
    ]
    for reply, status, code in refusals:
        assert (reply.status, reply.error["code"]) == (status, code), reply.text
        assert reply.headers["content-type"] == "application/json; charset=utf-8"
    assert refusals[0][0].headers["allow"] == "POST"
