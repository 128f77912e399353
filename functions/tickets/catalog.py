"""The ticket desk's vocabulary and limits: one source of truth for the API and the forms.

Identifiers are fixed; labels are localized (pt-BR by default, en available).
Products are not listed here: they are the knowledge base's product folders,
which the site build writes to `products.json` (see `products.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

MiB = 1024 * 1024


@dataclass(frozen=True)
class Term:
    id: str
    names: dict[str, str]
    descriptions: dict[str, str]

    def name(self, language: str) -> str:
        return self.names.get(language) or self.names["pt-BR"]

    def description(self, language: str) -> str:
        return self.descriptions.get(language) or self.descriptions.get("pt-BR", "")


REQUEST_TYPES: tuple[Term, ...] = (
    Term(
        "usability",
        {"pt-BR": "Dúvidas de Usabilidade", "en": "Usability question"},
        {"pt-BR": "Ajuda com um módulo, menu ou funcionalidade.", "en": "Help with a module, menu or feature."},
    ),
    Term(
        "technical",
        {"pt-BR": "Apoio Técnico", "en": "Technical support"},
        {"pt-BR": "Configurações técnicas, regras e parâmetros.", "en": "Technical configuration, rules and parameters."},
    ),
    Term(
        "incident",
        {"pt-BR": "Erros ou Incidentes", "en": "Error or incident"},
        {"pt-BR": "Instabilidade, lentidão ou mensagens de erro.", "en": "Instability, slowness or error messages."},
    ),
    Term(
        "improvement",
        {"pt-BR": "Solicitações de Melhoria e Funcionalidades", "en": "Improvement or feature request"},
        {"pt-BR": "Orçamento de funcionalidades novas ou exclusivas.", "en": "Quotes for new or custom features."},
    ),
)

STATUSES: tuple[Term, ...] = (
    Term("open", {"pt-BR": "Aberto", "en": "Open"}, {}),
    Term("in_progress", {"pt-BR": "Em atendimento", "en": "In progress"}, {}),
    Term("waiting_customer", {"pt-BR": "Aguardando cliente", "en": "Waiting on customer"}, {}),
    Term("resolved", {"pt-BR": "Resolvido", "en": "Resolved"}, {}),
    Term("closed", {"pt-BR": "Fechado", "en": "Closed"}, {}),
)

REQUEST_TYPE_IDS = frozenset(t.id for t in REQUEST_TYPES)
STATUS_IDS = frozenset(s.id for s in STATUSES)

SUBJECT_LENGTH = (3, 200)
DESCRIPTION_LENGTH = (10, 20_000)
NAME_LENGTH = 200
MAX_ATTACHMENT_BYTES = 25 * MiB
MAX_ATTACHMENTS = 10
MAX_BODY_BYTES = 256 * 1024  # a JSON request; attachments never pass through it
UPLOAD_EXPIRY_SECONDS = 15 * 60

# What customers attach: screenshots, videos, PDFs, text, e-mails, office documents, zip.
ALLOWED_TYPES: tuple[str, ...] = (
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/bmp",
    "image/tiff",
    "image/heic",
    "video/mp4",
    "video/quicktime",
    "video/webm",
    "video/x-msvideo",
    "application/pdf",
    "text/plain",
    "text/csv",
    "message/rfc822",
    "application/vnd.ms-outlook",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/zip",
)
