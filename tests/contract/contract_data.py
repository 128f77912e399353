"""What the contract tests send: sample bodies, files, and the requests they repeat."""

from __future__ import annotations

from typing import Any

PRODUCTS = [{"id": "omni-crm", "name": "Omni CRM"}, {"id": "omni-chat", "name": "Omni Chat"}]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 200
EXE = b"MZ\x90\x00" + b"\x00" * 200


def ticket_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "request_type": "incident",
        "product": "omni-crm",
        "subject": "Lentidão ao salvar contato",
        "description": "Desde ontem, ao salvar um contato, 12 atendentes esperam mais de 30 segundos.",
        "email": "ana@cliente.com.br",
        "name": "Ana Souza",
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def open_ticket(host: Any, headers: dict[str, str] | None = None, **changes: Any):
    return host.request("POST", "/api/tickets", ticket_body(**changes), headers)


def attach(host: Any, content: bytes, filename: str = "tela.png", content_type: str = "image/png", size: int | None = None) -> str:
    grant = host.request("POST", "/api/uploads", {"filename": filename, "content_type": content_type, "size": size or len(content)})
    assert grant.status == 201, grant.text
    host.upload(grant.json, content, filename)
    return grant.json["upload_id"]
