"""Every word the ticket function says to people, in each language it speaks: the API's messages and
field reasons, the catalog's names, and the e-mails.

The one table of this side (the site's is `kbdesk.strings`). A language is chosen once, by
`KBDESK_LANGUAGE`, and `texts_for` gives its words; tests check every language has every key and
that no customer-facing Portuguese is written anywhere else. The local stand-in for S3 answers
in English, as S3 does: the form never shows storage's words, only its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

DEFAULT_LANGUAGE = "pt-BR"

TEXTS: dict[str, dict[str, str]] = {
    "pt-BR": {
        # The catalog
        "request_type.usability": "Dúvidas de Usabilidade",
        "request_type.usability.description": "Ajuda com um módulo, menu ou funcionalidade.",
        "request_type.technical": "Apoio Técnico",
        "request_type.technical.description": "Configurações técnicas, regras e parâmetros.",
        "request_type.incident": "Erros ou Incidentes",
        "request_type.incident.description": "Instabilidade, lentidão ou mensagens de erro.",
        "request_type.improvement": "Solicitações de Melhoria e Funcionalidades",
        "request_type.improvement.description": "Orçamento de funcionalidades novas ou exclusivas.",
        "status.open": "Aberto",
        "status.in_progress": "Em atendimento",
        "status.waiting_customer": "Aguardando cliente",
        "status.resolved": "Resolvido",
        "status.closed": "Fechado",
        "agent_name": "Equipe de suporte",
        "unnamed_file": "arquivo",
        # The API's messages
        "internal": "Erro interno. Tente novamente em instantes.",
        "route_not_found": "Rota não encontrada.",
        "method_not_allowed": "Método não permitido para este endereço.",
        "agent_key_missing": "Envie a chave de suporte (Authorization: Bearer).",
        "agent_key_wrong": "Chave de suporte inválida.",
        "body_too_large": "O conteúdo enviado é grande demais.",
        "body_not_json_type": "Envie o conteúdo como application/json.",
        "body_not_json": "O conteúdo não é um JSON válido.",
        "body_not_object": "O conteúdo deve ser um objeto JSON.",
        "idempotency_key_invalid": "O cabeçalho Idempotency-Key é inválido.",
        "idempotency_conflict": "Esta chave de idempotência já foi usada com outro conteúdo.",
        "idempotency_in_progress": "Uma solicitação com esta chave ainda está em andamento.",
        "review_fields": "Revise os campos destacados.",
        "review": "Revise {fields}.",
        "and": "e",
        "field.email": "o e-mail",
        "field.product": "o produto",
        "field.subject": "o assunto",
        "field.description": "a descrição",
        "review_query": "Revise os parâmetros da consulta.",
        "sign_in_needed": "Entre na Central de Ajuda para continuar.",
        "csrf_missing": "Requisição recusada: falta o cabeçalho X-Requested-With.",
        "sign_in_link_invalid": "O link de acesso é inválido, já foi usado ou expirou. Peça um novo.",
        "ticket_not_sent": "Não foi possível enviar o chamado.",
        "ticket_not_found": "Chamado não encontrado.",
        "ticket_closed": "Este chamado está fechado. Abra um novo chamado.",
        "file_too_large": "O arquivo passa do limite de {mb} MB.",
        "file_type_refused": "Este tipo de arquivo não é aceito.",
        "file_program_refused": "Programas e scripts não são aceitos como anexo.",
        "attachment_taken": "Um dos anexos já pertence a outro chamado.",
        "attachment_missing": "Um dos anexos não foi recebido; envie o arquivo de novo.",
        "attachment_too_large": "“{filename}” é maior do que o informado ou passa do limite.",
        "attachment_type_refused": "“{filename}” não é de um tipo aceito.",
        "attachment_changed": "Um dos anexos mudou depois de enviado; envie o arquivo de novo.",
        "rate_limited": "Muitas solicitações em pouco tempo. Tente novamente mais tarde.",
        "cursor_invalid": "O cursor é inválido; recomece a consulta.",
        # Reasons, shown next to a field
        "reason.missing": "obrigatório",
        "reason.too_short": "curto demais",
        "reason.too_long": "longo demais",
        "reason.too_many": "itens demais",
        "reason.invalid": "valor inválido",
        "reason.not_text": "deve ser texto",
        "reason.not_number": "deve ser um número",
        "reason.not_list": "deve ser uma lista",
        "reason.too_small": "valor pequeno demais",
        "reason.unknown_field": "campo desconhecido",
        "reason.ascii_mailbox": "use um endereço sem acentos antes do @",
        "reason.min_chars": "mínimo de {count} caracteres",
        "reason.unknown_product": "produto desconhecido",
        "reason.unknown_status": "situação desconhecida",
        "reason.unknown_request_type": "tipo desconhecido",
        "reason.scope": "use mine ou organization",
        "reason.range": "de {low} a {high}",
        "reason.file_too_large": "grande demais",
        "reason.type_refused": "tipo não aceito",
        "reason.program": "programa ou script",
        "reason.attachment_taken": "anexo já usado",
        "reason.attachment_missing": "anexo não recebido",
        "reason.attachment_too_large": "arquivo grande demais",
        "reason.attachment_type_refused": "tipo de arquivo não aceito",
        "reason.attachment_changed": "anexo alterado",
        "reason.ticket_closed": "chamado fechado",
        # The e-mails
        "mail.sender_name": "Central de Ajuda",
        "mail.copy_intro": "Recebemos o seu chamado. Guarde o número para acompanhar o atendimento.",
        "mail.unconfirmed": "Este chamado foi aberto com o seu endereço de e-mail, sem login. Se foi você, o link "
        "abaixo confirma o chamado, e só então os colegas da sua organização passam a vê-lo. Se não foi você, "
        "alguém usou o seu endereço: não abra o link e responda a este e-mail para nos avisar.",
        "mail.unconfirmed_notice": "Aberto sem login: o endereço do solicitante ainda não foi comprovado, e o chamado "
        "não aparece para a organização até que ele entre pelo link da cópia.",
        "mail.next": "O que acontece agora: a equipe de suporte analisa o chamado e responde por e-mail. "
        "Você também acompanha o andamento e responde pelo portal.",
        "mail.follow": "Acompanhe o chamado",
        "mail.notice_intro": "Um novo chamado foi aberto.",
        "mail.number": "Número",
        "mail.type": "Tipo de solicitação",
        "mail.product": "Produto",
        "mail.subject": "Assunto",
        "mail.description": "Descrição",
        "mail.attachments": "Anexos",
        "mail.requester": "Solicitante",
        "mail.none": "nenhum",
        "mail.status": "Situação",
        "mail.copy_subject": "[{number}] {subject}",
        "mail.notice_subject": "[{number}] Novo chamado: {subject}",
        "mail.sign_in_subject": "Seu link de acesso à Central de Ajuda",
        "mail.sign_in_intro": "Para entrar na Central de Ajuda e acompanhar seus chamados, abra o link abaixo "
        "e confirme no botão Entrar.",
        "mail.sign_in_outro": "O link vale por 15 minutos e só pode ser usado uma vez. "
        "Se não foi você quem pediu o acesso, ignore esta mensagem.",
        "mail.sign_in": "Entrar na Central de Ajuda",
        "mail.comment_subject": "[{number}] Novo comentário: {subject}",
        "mail.comment_intro": "O cliente comentou o chamado.",
        "mail.comment": "Comentário",
        "mail.reply_subject": "[{number}] {subject}",
        "mail.reply_intro": "A equipe de suporte respondeu ao seu chamado.",
        "mail.reply": "Resposta",
        "mail.reply_outro": "Para responder ou enviar anexos, abra o chamado no portal.",
        "mail.status_subject": "[{number}] {status}: {subject}",
        # What the support team's organization commands refuse (kbdesk orgs)
        "org.bad_id": "'{id}' não é um id de organização: use letras minúsculas, algarismos e hifens",
        "org.bad_domain": "'{domain}' não é um domínio de e-mail",
        "org.public_domain": "'{domain}' é um domínio público de e-mail: as pessoas dele não são uma organização",
        "org.domain_taken": "'{domain}' já pertence a outra organização",
        "org.bad_email": "'{email}' não é um endereço de e-mail",
        "org.unknown": "não existe a organização '{id}' (kbdesk orgs add a cria)",
        # The first line of every ticket e-mail, where what comes back is cut
        "mail.reply_above": "##- Responda acima desta linha -##",
        "mail.closed_subject": "[{number}] Chamado fechado: {subject}",
        "mail.open_new": "Abrir um novo chamado",
        "mail.attachment_dropped": "[O anexo “{name}” não foi incluído: {reason}]",
        "mail.no_subject": "(sem assunto)",
        "mail.status_intro": "A situação do seu chamado mudou para: {status}.",
    },
    "en": {
        "request_type.usability": "Usability question",
        "request_type.usability.description": "Help with a module, menu or feature.",
        "request_type.technical": "Technical support",
        "request_type.technical.description": "Technical configuration, rules and parameters.",
        "request_type.incident": "Error or incident",
        "request_type.incident.description": "Instability, slowness or error messages.",
        "request_type.improvement": "Improvement or feature request",
        "request_type.improvement.description": "Quotes for new or custom features.",
        "status.open": "Open",
        "status.in_progress": "In progress",
        "status.waiting_customer": "Waiting on customer",
        "status.resolved": "Resolved",
        "status.closed": "Closed",
        "agent_name": "Support team",
        "unnamed_file": "file",
        "internal": "Internal error. Try again in a moment.",
        "route_not_found": "No such route.",
        "method_not_allowed": "This address does not take that method.",
        "agent_key_missing": "Send the support key (Authorization: Bearer).",
        "agent_key_wrong": "The support key is wrong.",
        "body_too_large": "The body is too large.",
        "body_not_json_type": "Send the body as application/json.",
        "body_not_json": "The body is not valid JSON.",
        "body_not_object": "The body must be a JSON object.",
        "idempotency_key_invalid": "The Idempotency-Key header is not valid.",
        "idempotency_conflict": "This idempotency key was already used with another body.",
        "idempotency_in_progress": "A request with this key is still under way.",
        "review_fields": "Check the highlighted fields.",
        "review": "Check {fields}.",
        "and": "and",
        "field.email": "the e-mail",
        "field.product": "the product",
        "field.subject": "the subject",
        "field.description": "the description",
        "review_query": "Check the query's parameters.",
        "sign_in_needed": "Sign in to the Help Center to go on.",
        "csrf_missing": "Request refused: the X-Requested-With header is missing.",
        "sign_in_link_invalid": "The sign-in link is not valid, was already used or has expired. Ask for a new one.",
        "ticket_not_sent": "The ticket could not be sent.",
        "ticket_not_found": "Ticket not found.",
        "ticket_closed": "This ticket is closed. Open a new ticket.",
        "file_too_large": "The file is over the {mb} MB limit.",
        "file_type_refused": "This type of file is not accepted.",
        "file_program_refused": "Programs and scripts are not accepted as attachments.",
        "attachment_taken": "One of the attachments already belongs to another ticket.",
        "attachment_missing": "One of the attachments was not received; send the file again.",
        "attachment_too_large": "“{filename}” is larger than stated or over the limit.",
        "attachment_type_refused": "“{filename}” is not of an accepted type.",
        "attachment_changed": "One of the attachments changed after it was sent; send the file again.",
        "rate_limited": "Too many requests in a short time. Try again later.",
        "cursor_invalid": "The cursor is not valid; start the lookup again.",
        "reason.missing": "required",
        "reason.too_short": "too short",
        "reason.too_long": "too long",
        "reason.too_many": "too many items",
        "reason.invalid": "invalid value",
        "reason.not_text": "must be text",
        "reason.not_number": "must be a number",
        "reason.not_list": "must be a list",
        "reason.too_small": "value too small",
        "reason.unknown_field": "unknown field",
        "reason.ascii_mailbox": "use an address without accents before the @",
        "reason.min_chars": "at least {count} characters",
        "reason.unknown_product": "unknown product",
        "reason.unknown_status": "unknown status",
        "reason.unknown_request_type": "unknown type",
        "reason.scope": "use mine or organization",
        "reason.range": "from {low} to {high}",
        "reason.file_too_large": "too large",
        "reason.type_refused": "type not accepted",
        "reason.program": "program or script",
        "reason.attachment_taken": "attachment already used",
        "reason.attachment_missing": "attachment not received",
        "reason.attachment_too_large": "file too large",
        "reason.attachment_type_refused": "file type not accepted",
        "reason.attachment_changed": "attachment changed",
        "reason.ticket_closed": "ticket closed",
        "mail.sender_name": "Help Center",
        "mail.copy_intro": "We received your ticket. Keep its number to follow it.",
        "mail.unconfirmed": "This ticket was opened with your e-mail address, without signing in. If it was you, the "
        "link below confirms it, and only then do colleagues in your organization see it. If it was not you, "
        "someone used your address: do not open the link, and reply to this e-mail to let us know.",
        "mail.unconfirmed_notice": "Opened without signing in: the requester's address is not proven yet, and the "
        "organization does not see the ticket until they sign in through the link in their copy.",
        "mail.next": "What happens next: the support team reviews the ticket and answers by e-mail. "
        "You can also follow it and reply in the portal.",
        "mail.follow": "Follow the ticket",
        "mail.notice_intro": "A new ticket was opened.",
        "mail.number": "Number",
        "mail.type": "Request type",
        "mail.product": "Product",
        "mail.subject": "Subject",
        "mail.description": "Description",
        "mail.attachments": "Attachments",
        "mail.requester": "Requester",
        "mail.none": "none",
        "mail.status": "Status",
        "mail.copy_subject": "[{number}] {subject}",
        "mail.notice_subject": "[{number}] New ticket: {subject}",
        "mail.sign_in_subject": "Your sign-in link to the Help Center",
        "mail.sign_in_intro": "To sign in to the Help Center and follow your tickets, open the link below and press Sign in.",
        "mail.sign_in_outro": "The link works for 15 minutes and only once. If you did not ask to sign in, ignore this message.",
        "mail.sign_in": "Sign in to the Help Center",
        "mail.comment_subject": "[{number}] New comment: {subject}",
        "mail.comment_intro": "The customer commented on the ticket.",
        "mail.comment": "Comment",
        "mail.reply_subject": "[{number}] {subject}",
        "mail.reply_intro": "The support team answered your ticket.",
        "mail.reply": "Answer",
        "mail.reply_outro": "To reply or send attachments, open the ticket in the portal.",
        "mail.status_subject": "[{number}] {status}: {subject}",
        # What the support team's organization commands refuse (kbdesk orgs)
        "org.bad_id": "'{id}' is not an organization id: lower-case letters, digits and hyphens",
        "org.bad_domain": "'{domain}' is not an e-mail domain",
        "org.public_domain": "'{domain}' is a public mail domain: its people are not one organization",
        "org.domain_taken": "'{domain}' already belongs to another organization",
        "org.bad_email": "'{email}' is not an e-mail address",
        "org.unknown": "no organization '{id}' (kbdesk orgs add creates it)",
        # The first line of every ticket e-mail, where what comes back is cut
        "mail.reply_above": "##- Reply above this line -##",
        "mail.closed_subject": "[{number}] Ticket closed: {subject}",
        "mail.open_new": "Open a new ticket",
        "mail.attachment_dropped": "[The attachment “{name}” was not included: {reason}]",
        "mail.no_subject": "(no subject)",
        "mail.status_intro": "Your ticket's status changed to: {status}.",
    },
}

LANGUAGES = tuple(TEXTS)


@dataclass(frozen=True)
class Texts:
    """One language's words: `say("ticket_not_found")`, `say("reason.min_chars", count=3)`."""

    language: str

    def __call__(self, key: str, **values: object) -> str:
        text = TEXTS[self.language][key]
        return text.format(**values) if values else text

    def listing(self, items: Sequence[str]) -> str:
        """'a, b and c', as the language writes a list."""
        if len(items) < 2:
            return "".join(items)
        return f"{', '.join(items[:-1])} {self('and')} {items[-1]}"


def texts_for(language: str) -> Texts:
    """The words of `language`, or of the default language when it is not one the function speaks."""
    return Texts(language if language in TEXTS else DEFAULT_LANGUAGE)
