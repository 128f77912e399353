"""Following tickets in headless Chromium, against the real local portal.

Sign-in by e-mailed link, the requests page ("Meus chamados" / "Todos os
chamados", filters, search, paging), the ticket page (conversation, replies
with attachments) and the header's menu, used as customers would. Tickets are
opened through the API, organizations and support's answers through the
`kbdesk` commands on the portal's data dir. Like every browser test here, a
test fails on a console error or a request that leaves the origin.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import requests
from browser_helpers import (
    LINK,
    PHONE,
    LocalPortal,
    customer,
    logged,
    mails_since,
    open_ticket,
    query_of,
    sign_in_by_api,
    sign_in_link,
    text_of,
    tiny_png,
    token_of,
    wait_for_list,
    wait_for_ticket,
)
from browser_page import Watched
from click.testing import CliRunner

from kbdesk.cli import main as kbdesk

pytestmark = pytest.mark.browser

HOSTILE = "<img src=x onerror=alert(1)><script>window.hacked = 1</script>"


# The portal and the support team's commands


@pytest.fixture(scope="module")
def portal(start_portal, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPortal]:
    """A portal of this module's own, with two customer companies."""
    with start_portal(tmp_path_factory.mktemp("requests") / "data") as running:
        command(running, "orgs", "add", "cliente", "--name", "Cliente Exemplo", "--domain", "cliente.com.br")
        command(running, "orgs", "add", "outra", "--name", "Outra Empresa", "--domain", "outra.com.br")
        yield running


def command(portal: LocalPortal, *args: str) -> str:
    """Run `kbdesk ...` on the portal's data dir, as the support team does on the server."""
    result = CliRunner().invoke(kbdesk, list(args), env=portal.command_env(), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def sign_in_on_the_page(page, portal: LocalPortal, email: str) -> None:
    """On the sign-in page: ask for a link, open the e-mailed one, press Entrar."""
    before = set(portal.outbox())
    page.get_by_label("E-mail").fill(email)
    page.get_by_role("button", name="Enviar link de acesso").click()
    page.get_by_role("heading", name="Confira a sua caixa de entrada").wait_for()
    page.goto(sign_in_link(portal, before, email))
    page.get_by_role("button", name="Entrar", exact=True).click()


# The pages


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def open_menu(page) -> None:
    """The header's "Solicitações" (a disclosure: <summary>, which no ARIA role names)."""
    page.locator("[data-kb-menu] summary", has_text="Solicitações").click()


def api_requests(tab: Watched, path: str) -> list[str]:
    return [url for url in tab.requests if urlsplit(url).path == path]


# The scenario: sign in by link, find a ticket, reply, get support's answer


def test_a_customer_signs_in_by_link_finds_a_ticket_replies_and_sees_supports_answer(browser, portal) -> None:
    contacts = open_ticket(portal, "ana@cliente.com.br", "Lentidão ao salvar contato", name="Ana Souza")
    chat = open_ticket(
        portal, "ana@cliente.com.br", "WhatsApp desconectado", name="Ana Souza", product="omni-chat", request_type="technical"
    )
    colleagues = open_ticket(portal, "bruno@cliente.com.br", "Relatório de vendas vazio", name="Bruno Lima")

    with customer(browser, portal, allowed=(logged(401),)) as tab:
        page = tab.page
        page.goto(portal.url)
        assert page.get_by_role("link", name="Entrar", exact=True).is_visible()
        assert page.get_by_role("button", name="Sair").count() == 0

        # Signed out, the requests page sends the customer to sign in, and back afterwards.
        page.goto(portal.url + "chamados/")
        page.wait_for_url("**/entrar/?next=*")
        assert query_of(page)["next"] == ["/chamados/"]
        before = set(portal.outbox())
        page.get_by_label("E-mail").fill("ana@cliente.com.br")
        with page.expect_request(lambda r: r.url.endswith("/api/auth/login")) as asked:
            page.get_by_role("button", name="Enviar link de acesso").click()
        assert json.loads(asked.value.post_data) == {"email": "ana@cliente.com.br", "next": "/chamados/"}
        page.get_by_role("heading", name="Confira a sua caixa de entrada").wait_for()
        assert "ana@cliente.com.br" in page.locator("#si-sent").inner_text()

        link = sign_in_link(portal, before, "ana@cliente.com.br")
        assert link.startswith(portal.url + "entrar/?token=") and parse_qs(urlsplit(link).query)["next"] == ["/chamados/"]
        page.goto(link)
        button = page.get_by_role("button", name="Entrar", exact=True)
        button.wait_for()
        assert "token" not in page.url, "the token stays in the address bar"
        assert page.locator('meta[name="referrer"]').get_attribute("content") == "no-referrer"
        page.wait_for_load_state("networkidle")
        assert api_requests(tab, "/api/auth/verify") == [], "the link alone signed in (a mail scanner would)"
        button.click()

        page.wait_for_url("**/chamados/")
        assert wait_for_list(page) == [chat, contacts]  # newest first, only Ana's
        assert page.get_by_role("link", name="Meus chamados").get_attribute("aria-current") == "page"
        assert page.locator("#rq-rows tr").first.locator(".kb-status-badge").inner_text() == "Aberto"
        assert page.get_by_role("button", name="Sair").is_visible()
        assert page.locator(".kb-header-account[data-kb-sign-in]").is_hidden()
        assert colleagues not in wait_for_list(page)

        # Filters live in the address: they survive a reload and the back button undoes them.
        page.get_by_label("Produto").select_option("omni-chat")
        page.wait_for_url("**produto=omni-chat**")
        assert wait_for_list(page) == [chat]
        page.reload()
        assert wait_for_list(page) == [chat]
        assert page.get_by_label("Produto").input_value() == "omni-chat"
        page.go_back()
        assert wait_for_list(page) == [chat, contacts]
        assert page.get_by_label("Produto").input_value() == ""

        page.get_by_label("Tipo de solicitação").select_option("incident")
        assert wait_for_list(page) == [contacts]
        page.get_by_role("button", name="Limpar filtros").click()
        assert wait_for_list(page) == [chat, contacts]

        # A ticket by its number, typed in any case, or by words of its subject without accents.
        search = page.get_by_label("Buscar chamado")
        search.fill(contacts.lower())
        search.press("Enter")
        page.wait_for_url(f"**q={contacts.lower()}**")
        assert wait_for_list(page) == [contacts]
        search.fill("lentidao contato")
        search.press("Enter")
        assert wait_for_list(page) == [contacts]

        page.get_by_role("link", name="Lentidão ao salvar contato").click()
        page.wait_for_url(f"**/chamados/chamado/?numero={contacts}")
        wait_for_ticket(page)
        assert page.get_by_role("heading", level=1).inner_text() == "Lentidão ao salvar contato"
        assert page.locator("#tk-number").inner_text() == contacts
        assert page.locator("#tk-status").inner_text() == "Aberto"
        assert page.locator("#tk-request-type").inner_text() == "Erros ou Incidentes"
        assert page.locator("#tk-product").inner_text() == "Omni CRM"
        assert "ana@cliente.com.br" in page.locator("#tk-requester").inner_text()
        assert page.locator("#tk-organization").inner_text() == "cliente"
        assert page.locator("#tk-description").inner_text() == "Desde ontem, salvar um contato leva 40 segundos."
        assert page.locator("#tk-comments > li").count() == 0

        # A reply with an attachment joins the conversation.
        before = set(portal.outbox())
        page.get_by_label("Sua mensagem").fill("Acontece também no celular.\nSegue a tela.")
        page.set_input_files("#tk-files", [{"name": "tela.png", "mimeType": "image/png", "buffer": tiny_png()}])
        page.wait_for_selector('.kb-file[data-state="done"]')
        with page.expect_request(lambda r: r.url.endswith(f"/api/tickets/{contacts}/comments")) as sent:
            page.get_by_role("button", name="Enviar", exact=True).click()
        page.wait_for_selector("#tk-comments > li.kb-comment--customer")
        assert sent.value.headers["x-requested-with"] == "kbdesk"
        assert len(json.loads(sent.value.post_data)["attachments"]) == 1
        assert page.get_by_role("status").filter(has_text="Mensagem enviada.").is_visible()
        mine = page.locator("#tk-comments > li").first
        assert mine.locator(".kb-comment__body").inner_text() == "Acontece também no celular.\nSegue a tela."
        assert mine.locator(".kb-comment__role").inner_text() == "Cliente"
        assert page.evaluate("document.activeElement.id") == mine.get_attribute("id")
        assert page.get_by_label("Sua mensagem").input_value() == "" and page.locator(".kb-file").count() == 0
        download = mine.get_by_role("link", name="tela.png")
        answer = page.request.get(download.evaluate("a => a.href"))
        assert answer.status == 200 and answer.body() == tiny_png()
        notices = mails_since(portal, before, "suporte@kbdesk.local")
        assert len(notices) == 1 and "Acontece também no celular." in text_of(notices[0])

        # Support answers from the command line: the answer shows on the page and arrives by e-mail.
        before = set(portal.outbox())
        command(portal, "agent", "reply", contacts, "--message", "Olá, Ana. Já estamos analisando a lentidão.")
        page.reload()
        wait_for_ticket(page)
        comments = page.locator("#tk-comments > li")
        assert comments.count() == 2
        answer_item = comments.nth(1)  # oldest first
        assert "kb-comment--agent" in answer_item.get_attribute("class")
        assert answer_item.locator(".kb-comment__author").inner_text() == "Equipe de suporte"
        assert answer_item.locator(".kb-comment__role").inner_text() == "Suporte"
        assert answer_item.locator(".kb-comment__body").inner_text() == "Olá, Ana. Já estamos analisando a lentidão."
        assert page.locator("#tk-status").inner_text() == "Em atendimento"
        colours = comments.evaluate_all("items => items.map(i => getComputedStyle(i).backgroundColor)")
        assert colours[0] != colours[1], "support's answer looks like the customer's"

        answers = mails_since(portal, before, "ana@cliente.com.br")
        assert len(answers) == 1
        body = text_of(answers[0])
        assert "Olá, Ana. Já estamos analisando a lentidão." in body
        assert f"{portal.url}chamados/chamado/?numero={contacts}" in body


def test_the_link_in_supports_answer_opens_the_ticket_after_signing_in(browser, portal) -> None:
    number = open_ticket(portal, "duda@cliente.com.br", "Exportação para Excel falha", name="Duda Reis")
    before = set(portal.outbox())
    command(portal, "agent", "reply", number, "--message", "Pode enviar o arquivo exportado?", "--status", "waiting_customer")
    [answer] = mails_since(portal, before, "duda@cliente.com.br")
    ticket_link = next(link for link in LINK.findall(text_of(answer)) if "/chamados/chamado/" in link)

    with customer(browser, portal, allowed=(logged(401),)) as tab:
        page = tab.page
        page.goto(ticket_link)
        page.wait_for_url("**/entrar/?next=*")
        assert query_of(page)["next"] == [f"/chamados/chamado/?numero={number}"]
        sign_in_on_the_page(page, portal, "duda@cliente.com.br")
        page.wait_for_url(f"**/chamados/chamado/?numero={number}")
        wait_for_ticket(page)
        assert page.locator("#tk-status").inner_text() == "Aguardando cliente"

        # Answering what support asked puts the ticket back in support's hands.
        page.get_by_label("Sua mensagem").fill("Segue em anexo.")
        page.get_by_role("button", name="Enviar", exact=True).click()
        page.get_by_text("Mensagem enviada.").wait_for()
        assert page.locator("#tk-status").inner_text() == "Em atendimento"
        assert page.locator("#tk-comments > li").count() == 2


# Who sees what


def test_a_colleague_sees_the_ticket_under_all_tickets_and_another_company_does_not(browser, portal) -> None:
    command(portal, "orgs", "add", "norte", "--name", "Norte Distribuidora", "--domain", "norte.com.br")
    command(portal, "orgs", "add", "sul", "--name", "Sul Transportes", "--domain", "sul.com.br")
    command(portal, "orgs", "add-member", "norte", "lia@gmail.com")  # a member by name, not by domain
    first = open_ticket(portal, "ana@norte.com.br", "Integração com ERP parada", name="Ana Souza")
    own = open_ticket(portal, "bruno@norte.com.br", "Permissões de gerente", name="Bruno Lima")
    members = open_ticket(portal, "lia@gmail.com", "Exportar contatos", name="Lia Prado")
    elsewhere = open_ticket(portal, "carla@sul.com.br", "Boleto com valor errado", name="Carla Dias")

    with customer(browser, portal) as tab:
        page = tab.page
        sign_in_by_api(tab, portal, "bruno@norte.com.br")
        page.goto(portal.url + "chamados/")
        assert wait_for_list(page) == [own]
        assert page.locator("#rq-created-by").is_hidden()

        page.get_by_role("link", name="Todos os chamados").click()
        page.wait_for_url("**escopo=organizacao**")
        assert wait_for_list(page) == [members, own, first]
        assert page.get_by_role("link", name="Todos os chamados").get_attribute("aria-current") == "page"
        row = page.locator(f'#rq-rows tr[data-number="{first}"]')
        assert row.locator('[data-column="requester"]').inner_text() == "Ana Souza"
        assert page.get_by_role("columnheader", name="Solicitante").is_visible()

        # "Criado por" narrows the organization's list to one person; it offers the people seen.
        people = page.locator("#rq-people option").evaluate_all("options => options.map(o => o.value)")
        assert {"ana@norte.com.br", "bruno@norte.com.br", "lia@gmail.com"} <= set(people)
        page.get_by_label("Criado por").fill("ana@norte.com.br")
        page.get_by_label("Criado por").press("Enter")
        page.wait_for_url("**criado_por=ana%40norte.com.br**")
        assert wait_for_list(page) == [first]
        page.reload()
        assert wait_for_list(page) == [first]
        assert page.get_by_label("Criado por").input_value() == "ana@norte.com.br"

        # Back to "Meus chamados": someone else's filter does not come along.
        page.get_by_role("link", name="Meus chamados").click()
        assert wait_for_list(page) == [own]
        assert "criado_por" not in query_of(page)

        page.goto(f"{portal.url}chamados/chamado/?numero={first}")
        wait_for_ticket(page)
        assert page.get_by_role("heading", level=1).inner_text() == "Integração com ERP parada"

    with customer(browser, portal, allowed=(logged(404),)) as tab:
        page = tab.page
        sign_in_by_api(tab, portal, "carla@sul.com.br")
        page.goto(f"{portal.url}chamados/chamado/?numero={first}")
        wait_for_ticket(page)
        assert page.get_by_role("heading", level=1).inner_text() == "Chamado não encontrado"
        assert page.locator("#tk-ticket").is_hidden()
        assert "Integração" not in page.locator("main").inner_text()
        page.goto(portal.url + "chamados/?escopo=organizacao")
        assert wait_for_list(page) == [elsewhere]


def test_what_customers_write_is_shown_as_text_never_run(browser, portal) -> None:
    number = open_ticket(portal, "ana@cliente.com.br", HOSTILE, name=HOSTILE, description=HOSTILE)

    with customer(browser, portal) as tab:
        page = tab.page
        sign_in_by_api(tab, portal, "ana@cliente.com.br")
        page.goto(f"{portal.url}chamados/?escopo=organizacao&q={number}")
        assert wait_for_list(page) == [number]
        row = page.locator(f'#rq-rows tr[data-number="{number}"]')
        assert row.get_by_role("link").inner_text() == HOSTILE
        assert row.locator('[data-column="requester"]').inner_text() == HOSTILE
        assert row.locator("img, script").count() == 0

        row.get_by_role("link").click()
        wait_for_ticket(page)
        page.get_by_label("Sua mensagem").fill(HOSTILE)
        page.get_by_role("button", name="Enviar", exact=True).click()
        page.wait_for_selector("#tk-comments > li")
        assert page.locator("#tk-subject").inner_text() == HOSTILE
        assert page.locator("#tk-description").inner_text() == HOSTILE
        assert HOSTILE in page.locator("#tk-requester").inner_text()
        assert page.locator("#tk-comments .kb-comment__body").inner_text() == HOSTILE
        assert page.title().startswith(f"{number}: {HOSTILE}")
        assert page.locator("#tk-ticket img, #tk-ticket script").count() == 0
        assert page.evaluate("window.hacked") is None

        page.goto(f"{portal.url}chamados/?escopo=organizacao&q={number}")
        assert wait_for_list(page) == [number]
        assert page.locator("#rq-results img, #rq-results script").count() == 0
        assert page.evaluate("window.hacked") is None
    assert not [url for url in tab.requests if urlsplit(url).path.endswith("/x")], "the image in the text was loaded"


# Signing in: the ways it can go wrong


def test_a_used_link_says_so_and_offers_a_new_one(browser, portal) -> None:
    before = set(portal.outbox())
    assert requests.post(portal.url + "api/auth/login", json={"email": "ana@cliente.com.br"}, timeout=10).status_code == 202
    link = sign_in_link(portal, before, "ana@cliente.com.br")

    with customer(browser, portal, allowed=(logged(401),)) as tab:
        page = tab.page
        page.goto(link)
        page.get_by_role("button", name="Entrar", exact=True).click()
        page.wait_for_url("**/chamados/")

    with customer(browser, portal, allowed=(logged(401),)) as tab:
        page = tab.page
        page.goto(link)  # the same link again, in another browser
        page.get_by_role("button", name="Entrar", exact=True).click()
        alert = page.get_by_role("alert").filter(has_text="expirou ou já foi usado")
        alert.wait_for()
        assert page.evaluate("document.activeElement.id") == "si-email"
        assert page.get_by_role("button", name="Entrar", exact=True).is_hidden()
        assert page.get_by_role("button", name="Enviar link de acesso").is_visible()
        assert urlsplit(page.url).path == "/entrar/" and "token" not in page.url


def test_after_signing_in_only_a_path_of_this_site_is_followed(browser, portal) -> None:
    for next_path in ("//evil.example/chamados/", "/\\evil.example/", "https://evil.example/"):
        before = set(portal.outbox())
        with customer(browser, portal) as tab:
            page = tab.page
            assert page.context.request.post(portal.url + "api/auth/login", data={"email": "ana@cliente.com.br"}).status == 202
            token = token_of(sign_in_link(portal, before, "ana@cliente.com.br"))
            page.goto(f"{portal.url}entrar/?token={token}&next={quote(next_path, safe='')}")
            page.get_by_role("button", name="Entrar", exact=True).click()
            page.wait_for_url("**/chamados/")
            assert urlsplit(page.url).netloc == urlsplit(portal.url).netloc


def test_a_malformed_address_is_refused_next_to_the_field(browser, portal) -> None:
    with customer(browser, portal, allowed=(logged(422),)) as tab:
        page = tab.page
        page.goto(portal.url + "entrar/")
        before = set(portal.outbox())
        page.get_by_label("E-mail").fill("ana@")
        with page.expect_response(lambda r: r.url.endswith("/api/auth/login")) as answer:
            page.get_by_role("button", name="Enviar link de acesso").click()
        assert answer.value.status == 422
        page.wait_for_selector("#si-error-email:not(:empty)")
        field = page.get_by_label("E-mail")
        assert field.get_attribute("aria-invalid") == "true"
        assert "si-error-email" in field.get_attribute("aria-describedby").split()
        assert page.evaluate("document.activeElement.id") == "si-email"
        assert page.get_by_role("alert").inner_text() == answer.value.json()["error"]["message"]
        assert set(portal.outbox()) == before

        field.fill("ana@cliente.com.br")  # correcting the address clears its error
        assert field.get_attribute("aria-invalid") is None


def test_too_many_links_are_refused_with_how_long_to_wait(browser, start_portal, tmp_path: Path) -> None:
    with start_portal(tmp_path / "data", "login=1/h") as limited:
        with customer(browser, limited, allowed=(logged(429),)) as tab:
            page = tab.page
            page.goto(limited.url + "entrar/")
            page.get_by_label("E-mail").fill("ana@cliente.com.br")
            page.get_by_role("button", name="Enviar link de acesso").click()
            page.get_by_role("heading", name="Confira a sua caixa de entrada").wait_for()
            page.get_by_role("button", name="Usar outro e-mail").click()
            page.get_by_label("E-mail").fill("ana@cliente.com.br")
            with page.expect_response(lambda r: r.url.endswith("/api/auth/login")) as answer:
                page.get_by_role("button", name="Enviar link de acesso").click()
            assert answer.value.status == 429
            minutes = -(-int(answer.value.headers["retry-after"]) // 60)
            alert = page.get_by_role("alert")
            alert.filter(has_text="Muitos pedidos").wait_for()
            assert f"{minutes} minuto" in alert.inner_text()
            assert page.get_by_role("button", name="Enviar link de acesso").is_enabled()


# The requests page


def test_paging_goes_forward_and_back_and_survives_a_reload(browser, portal) -> None:
    numbers = [open_ticket(portal, "gil@cliente.com.br", f"Pedido de número {i}", name="Gil") for i in range(23)]
    newest_first = numbers[::-1]

    with customer(browser, portal) as tab:
        page = tab.page
        sign_in_by_api(tab, portal, "gil@cliente.com.br")
        page.goto(portal.url + "chamados/")
        assert wait_for_list(page) == newest_first[:20]
        assert page.get_by_role("status").filter(has_text="20 chamados").count() == 1
        assert page.get_by_role("button", name="Página anterior").is_disabled()

        page.get_by_role("button", name="Próxima página").click()
        page.wait_for_url("**cursor=**")
        assert wait_for_list(page) == newest_first[20:]
        assert page.locator("#rq-page").inner_text() == "Página 2"
        assert page.get_by_role("button", name="Próxima página").is_disabled()
        assert page.evaluate("document.activeElement.id") == "rq-status-line"

        page.reload()
        assert wait_for_list(page) == newest_first[20:]
        page.go_back()
        assert wait_for_list(page) == newest_first[:20]
        page.go_forward()
        assert wait_for_list(page) == newest_first[20:]
        page.get_by_role("button", name="Página anterior").click()
        assert wait_for_list(page) == newest_first[:20]
        assert "cursor" not in query_of(page)


def test_a_cursor_from_someone_else_starts_the_list_over(browser, portal) -> None:
    for i in range(21):
        open_ticket(portal, "hugo@cliente.com.br", f"Dúvida {i}", name="Hugo")
    jades = open_ticket(portal, "jade@cliente.com.br", "Acesso ao painel", name="Jade")
    with customer(browser, portal) as tab:
        page = tab.page
        sign_in_by_api(tab, portal, "hugo@cliente.com.br")
        page.goto(portal.url + "chamados/")
        wait_for_list(page)
        page.get_by_role("button", name="Próxima página").click()
        page.wait_for_url("**cursor=**")
        cursor = query_of(page)["cursor"][0]

    with customer(browser, portal, allowed=(logged(400),)) as tab:
        page = tab.page
        sign_in_by_api(tab, portal, "jade@cliente.com.br")
        # Opened from history with a cursor that is not Jade's: the API refuses it and the list starts over.
        page.goto(portal.url + "chamados/")
        wait_for_list(page)
        page.evaluate("c => { history.pushState({ previous: [''] }, '', '?cursor=' + encodeURIComponent(c)); }", cursor)
        with page.expect_response(lambda r: "/api/tickets?" in r.url and "cursor=" in r.url) as refused:
            page.reload()
        assert refused.value.status == 400
        page.wait_for_function("() => !new URL(location.href).searchParams.has('cursor')")
        assert wait_for_list(page) == [jades]
        assert page.locator("#rq-error").inner_text() == ""


def test_a_customer_without_tickets_is_offered_to_open_one(browser, portal) -> None:
    with customer(browser, portal) as tab:
        page = tab.page
        sign_in_by_api(tab, portal, "nova@cliente.com.br")
        page.goto(portal.url + "chamados/")
        assert wait_for_list(page) == []
        empty = page.locator("#rq-empty")
        assert empty.get_by_role("heading").inner_text() == "Nenhum chamado por aqui."
        empty.get_by_role("link", name="Abrir um chamado").click()
        page.wait_for_url("**/chamados/novo/")

        page.goto(portal.url + "chamados/?status=closed&q=impressora")
        assert wait_for_list(page) == []
        assert empty.get_by_role("heading").inner_text() == "Nenhum chamado atende a estes filtros."
        empty.get_by_role("button", name="Limpar filtros").click()
        page.wait_for_function("() => location.search === ''")


def test_unknown_filters_in_the_address_are_ignored(browser, portal) -> None:
    with customer(browser, portal) as tab:
        page = tab.page
        sign_in_by_api(tab, portal, "ana@cliente.com.br")
        page.goto(portal.url + "chamados/?status=perdido&produto=nada&tipo=x&escopo=organizacao")
        wait_for_list(page)
        assert query_of(page) == {"escopo": ["organizacao"]}
        listing = [url for url in api_requests(tab, "/api/tickets")]
        assert listing and parse_qs(urlsplit(listing[-1]).query) == {"scope": ["organization"], "limit": ["20"]}


# The ticket page


def test_a_closed_ticket_takes_no_reply(browser, portal) -> None:
    number = open_ticket(portal, "ana@cliente.com.br", "Cadastro duplicado", name="Ana Souza")
    command(portal, "agent", "status", number, "closed")
    with customer(browser, portal) as tab:
        page = tab.page
        sign_in_by_api(tab, portal, "ana@cliente.com.br")
        page.goto(f"{portal.url}chamados/chamado/?numero={number}")
        wait_for_ticket(page)
        assert page.locator("#tk-status").inner_text() == "Fechado"
        assert page.locator("#tk-form").is_hidden()
        assert number in page.locator("#tk-closed").inner_text()
        assert page.locator("#tk-closed").get_by_role("link", name="Abrir um novo chamado").is_visible()


def test_replies_by_e_mail_from_both_sides_appear_on_the_ticket_page(browser, portal) -> None:
    before = set(portal.outbox())
    number = open_ticket(portal, "gabi@cliente.com.br", "Relatório de vendas vazio", name="Gabi Lima")
    [copy] = mails_since(portal, before, "gabi@cliente.com.br")

    def answer(sender: str, text: str, to: EmailMessage) -> None:
        """`sender` answers the e-mail `to` from their mail client, quoting it; the mail server hands it on."""
        reply = EmailMessage()
        reply["From"], reply["To"], reply["Subject"] = sender, to["Reply-To"], f"Re: {to['Subject']}"
        reply["Message-ID"], reply["In-Reply-To"] = make_msgid(domain="cliente.com.br"), to["Message-ID"]
        quoted = "\n".join(f"> {line}" for line in text_of(to).splitlines())
        reply.set_content(f"{text}\n\nEm qui., 3 de dez. de 2026 às 10:12, Central de Ajuda escreveu:\n{quoted}\n")
        result = CliRunner().invoke(
            kbdesk,
            ["mail", "receive", "-"],
            input=bytes(reply),
            env={**portal.command_env(), "KBDESK_AGENT_EMAILS": "bia@suporte.kbdesk.local"},
            catch_exceptions=False,
        )
        assert result.exit_code == 0, result.output

    answer("Gabi Lima <gabi@cliente.com.br>", "O relatório de novembro também veio vazio.", copy)
    [notice] = mails_since(portal, before, "suporte@kbdesk.local")[-1:]
    before = set(portal.outbox())
    answer("Bia <bia@suporte.kbdesk.local>", "Corrigimos o filtro de datas; pode gerar de novo?", notice)
    [reply] = mails_since(portal, before, "gabi@cliente.com.br")
    assert "Corrigimos o filtro de datas" in text_of(reply)
    assert reply["In-Reply-To"] == copy["Message-ID"]  # in the customer's mailbox, one thread with the copy

    with customer(browser, portal) as tab:
        page = tab.page
        sign_in_by_api(tab, portal, "gabi@cliente.com.br")
        page.goto(f"{portal.url}chamados/chamado/?numero={number}")
        wait_for_ticket(page)
        comments = page.locator("#tk-comments > li")
        assert comments.count() == 2
        assert "O relatório de novembro também veio vazio." in comments.nth(0).inner_text()
        assert "Corrigimos o filtro de datas; pode gerar de novo?" in comments.nth(1).inner_text()
        assert "escreveu:" not in page.locator("#tk-comments").inner_text()  # the quoted history stays out
        assert page.locator("#tk-status").inner_text() == "Em atendimento"


def test_a_reply_that_meets_an_ended_session_is_kept_through_signing_in(browser, portal) -> None:
    number = open_ticket(portal, "ana@cliente.com.br", "Senha do módulo fiscal", name="Ana Souza")
    with customer(browser, portal, allowed=(logged(401),)) as tab:
        page = tab.page
        sign_in_by_api(tab, portal, "ana@cliente.com.br")
        page.goto(f"{portal.url}chamados/chamado/?numero={number}")
        wait_for_ticket(page)
        page.get_by_label("Sua mensagem").fill("Consegui reproduzir de novo hoje.")
        # The session ends elsewhere (signed out in another tab) while the reply is written.
        assert (
            page.context.request.post(portal.url + "api/auth/logout", data={}, headers={"X-Requested-With": "kbdesk"}).status
            == 204
        )
        page.get_by_role("button", name="Enviar", exact=True).click()
        page.wait_for_url("**/entrar/?next=*")
        assert query_of(page)["next"] == [f"/chamados/chamado/?numero={number}"]
        assert page.get_by_role("link", name="Entrar", exact=True).is_visible(), "the header still says signed in"

        sign_in_on_the_page(page, portal, "ana@cliente.com.br")
        page.wait_for_url(f"**/chamados/chamado/?numero={number}")
        wait_for_ticket(page)
        assert page.get_by_label("Sua mensagem").input_value() == "Consegui reproduzir de novo hoje."


def test_a_ticket_number_that_is_not_one_is_not_found(browser, portal) -> None:
    with customer(browser, portal) as tab:
        page = tab.page
        sign_in_by_api(tab, portal, "ana@cliente.com.br")
        page.goto(portal.url + "chamados/chamado/?numero=../../api/me")
        wait_for_ticket(page)
        assert page.get_by_role("heading", level=1).inner_text() == "Chamado não encontrado"
        assert api_requests(tab, "/api/me") == []


# Signed in, the ticket form uses the session


def test_a_signed_in_customer_opens_a_ticket_with_the_form(browser, portal) -> None:
    with customer(browser, portal) as tab:
        page = tab.page
        sign_in_by_api(tab, portal, "ivo@cliente.com.br")
        page.goto(portal.url + "chamados/novo/")
        page.wait_for_selector("#tf-submit:not([disabled])")
        page.select_option("#tf-product", "omni-crm")
        page.get_by_role("radio", name="Apoio Técnico").check()
        page.get_by_label("Assunto").fill("Regras de SLA por cliente")
        page.get_by_label("Descrição").fill("Precisamos de prazos diferentes para clientes de contrato premium.")
        email = page.get_by_label("E-mail")
        assert email.input_value() == "ivo@cliente.com.br" and not email.is_editable()
        with page.expect_request(lambda r: r.url.endswith("/api/tickets")) as sent:
            page.get_by_role("button", name="Enviar chamado").click()
        page.wait_for_selector("#tf-done:not([hidden])")
        assert sent.value.headers["x-requested-with"] == "kbdesk"  # the session's cookie goes with it
        number = page.locator("#tf-done-number").inner_text()
        done = page.locator("#tf-done-email").inner_text()
        assert "ivo@cliente.com.br" in done and "confirmar" not in done  # signed in, nothing to confirm

        open_menu(page)
        page.get_by_role("link", name="Meus chamados").click()
        assert wait_for_list(page) == [number]


# The header


def test_the_header_menu_works_with_the_keyboard_and_signs_out(browser, portal) -> None:
    with customer(browser, portal) as tab:
        page = tab.page
        sign_in_by_api(tab, portal, "ana@cliente.com.br")
        page.goto(portal.url)
        assert page.get_by_role("button", name="Sair").is_visible()
        assert page.locator(".kb-header-account[data-kb-sign-in]").is_hidden()
        assert api_requests(tab, "/api/me") == [] and not [u for u in tab.requests if "/api/" in u]

        menu = page.locator("[data-kb-menu] summary")
        menu.focus()
        page.keyboard.press("Enter")
        mine = page.get_by_role("link", name="Meus chamados")
        everyone = page.get_by_role("link", name="Todos os chamados")
        assert mine.is_visible() and everyone.is_visible()
        assert path_of(mine.evaluate("a => a.href")) == "/chamados/"
        assert path_of(everyone.evaluate("a => a.href")) == "/chamados/?escopo=organizacao"
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent.trim()") == "Meus chamados"
        page.keyboard.press("Escape")
        assert mine.is_hidden()
        assert page.evaluate("document.activeElement.tagName") == "SUMMARY"

        page.keyboard.press("Enter")
        page.locator("h1").first.click()  # a click elsewhere closes it
        assert mine.is_hidden()

        with page.expect_request(lambda r: r.url.endswith("/api/auth/logout")) as out:
            page.get_by_role("button", name="Sair").click()
        page.wait_for_function("() => !document.cookie.includes('kbdesk_signed_in')")
        assert out.value.headers["x-requested-with"] == "kbdesk"
        page.get_by_role("link", name="Entrar", exact=True).wait_for()
        assert urlsplit(page.url).path == "/"
        assert page.context.request.get(portal.url + "api/me").status == 401


def test_signing_in_from_the_header_returns_to_the_page(browser, portal) -> None:
    with customer(browser, portal) as tab:
        page = tab.page
        page.goto(portal.url + "omni-crm/")
        link = page.locator(".kb-header-account[data-kb-sign-in]")
        assert path_of(link.evaluate("a => a.href")) == "/entrar/?next=%2Fomni-crm%2F"
        link.click()
        page.wait_for_url("**/entrar/?next=*")
        page.get_by_label("E-mail").fill("ana@cliente.com.br")
        with page.expect_request(lambda r: r.url.endswith("/api/auth/login")) as asked:
            page.get_by_role("button", name="Enviar link de acesso").click()
        assert json.loads(asked.value.post_data)["next"] == "/omni-crm/"


def test_phone_sized_screens(browser, portal) -> None:
    number = open_ticket(
        portal, "ana@cliente.com.br", "Um assunto comprido para ver como a lista se ajusta a telas pequenas", name="Ana Souza"
    )
    with customer(browser, portal, PHONE, is_mobile=True, has_touch=True) as tab:
        page = tab.page
        page.goto(portal.url)
        assert page.locator(".kb-header-account[data-kb-sign-in]").is_hidden()  # in the menu on phones
        open_menu(page)
        assert page.locator(".kb-menu__account").get_by_role("link", name="Entrar", exact=True).is_visible()

        sign_in_by_api(tab, portal, "ana@cliente.com.br")
        for path in ("", "entrar/", f"chamados/?escopo=organizacao&q={number}", f"chamados/chamado/?numero={number}"):
            page.goto(portal.url + path)
            if path.startswith("chamados/?"):
                wait_for_list(page)
                row = page.locator(f'#rq-rows tr[data-number="{number}"]')
                assert row.get_by_role("link").is_visible()
            if path.startswith("chamados/chamado/"):
                wait_for_ticket(page)
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), f"/{path} scrolls sideways"
        open_menu(page)
        assert page.locator(".kb-menu__account").get_by_role("button", name="Sair").is_visible()


def test_the_help_beside_the_pages_links_to_articles_that_exist(browser, portal) -> None:
    with customer(browser, portal) as tab:
        page = tab.page
        page.goto(portal.url + "entrar/")
        found = [page.locator(".admonition").get_by_role("link", name="Como entrar no portal").evaluate("a => a.href")]
        sign_in_by_api(tab, portal, "ana@cliente.com.br")
        page.goto(portal.url + "chamados/")
        page.get_by_text("O que significa cada status").click()
        assert page.get_by_role("cell", name="Aguardando cliente").is_visible()
        found.append(page.get_by_role("link", name="Como acompanhar e filtrar chamados").evaluate("a => a.href"))
        for href, title in zip(found, ["Como entrar no portal", "Como acompanhar e filtrar chamados"], strict=True):
            assert page.goto(href).status == 200
            assert page.locator("h1").inner_text() == title
