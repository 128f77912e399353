"""The "open a ticket" form in headless Chromium, against the real local server.

Each test runs `kbdesk serve` (site and API on one origin) and uses the form
as a customer would; like every browser test here, a test fails on a console
error or a request that leaves the origin.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from browser_helpers import PHONE, LocalPortal, customer, kbdesk_serve, logged, read_mail, serve_log, text_of, tiny_png
from browser_page import Watched

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
FORM = "chamados/novo/"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
LOGGED_OFFLINE = "Failed to load resource: net::ERR_INTERNET_DISCONNECTED"


@contextmanager
def serve(data_dir: Path) -> Iterator[LocalPortal]:
    """`kbdesk serve` on the repository's site, with its own data dir, without rate limits."""
    with kbdesk_serve(data_dir, ROOT, {"KBDESK_RATE_LIMITS": "off"}) as url:
        yield LocalPortal(url + "/", data_dir)


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPortal]:
    """One server for the tests that do not count tickets."""
    with serve(tmp_path_factory.mktemp("portal") / "data") as running:
        yield running


@pytest.fixture
def fresh_portal(tmp_path: Path) -> Iterator[LocalPortal]:
    """A server of its own: its first ticket is PC-1001 and its outbox starts empty."""
    with serve(tmp_path / "data") as running:
        yield running


@pytest.fixture
def tab(browser, portal: LocalPortal) -> Iterator[Watched]:
    with customer(browser, portal) as watched:
        yield watched


def open_form(page, portal: LocalPortal, query: str = "") -> None:
    page.goto(portal.url + FORM + query)
    page.wait_for_selector("#tf-submit:not([disabled])")  # the catalog is in


def fill_ticket(page, subject: str = "Lentidão ao salvar contato", email: str = "ana@cliente.com.br") -> None:
    page.select_option("#tf-product", "omni-crm")
    page.get_by_role("radio", name="Erros ou Incidentes").check()
    page.get_by_label("Assunto").fill(subject)
    page.get_by_label("Descrição").fill("Desde ontem, salvar um contato leva 40 segundos para a equipe de vendas.")
    page.get_by_label("Nome").fill("Ana Souza")
    page.get_by_label("E-mail").fill(email)


def wait_for_uploads(page, portal: LocalPortal, count: int) -> None:
    """Until no file is still on its way; then every one of them must have arrived."""
    page.wait_for_function(
        "n => document.querySelectorAll('.kb-file').length === n"
        " && document.querySelectorAll('.kb-file[data-state=\"uploading\"]').length === 0",
        arg=count,
        timeout=60_000,
    )
    states = page.locator(".kb-file").evaluate_all("items => items.map(i => i.dataset.state + ': ' + i.innerText)")
    log = serve_log(portal.data_dir)
    assert all(state.startswith("done") for state in states), (states, log.read_text() if log.exists() else "")


def suggestions(page) -> list[str]:
    page.wait_for_selector("#tf-suggestions:not([hidden])")
    return page.locator("#tf-suggestion-list a").all_inner_texts()


def test_a_customer_opens_a_ticket_with_two_attachments(browser, fresh_portal: LocalPortal) -> None:
    with customer(browser, fresh_portal) as tab:
        page = tab.page
        open_form(page, fresh_portal)
        page.select_option("#tf-product", "omni-crm")
        page.get_by_role("radio", name="Erros ou Incidentes").check()

        page.get_by_label("Assunto").fill("Como limpar o cache do navegador")
        found = suggestions(page)
        assert page.get_by_role("heading", name="Talvez estes artigos ajudem").is_visible()
        assert found[0].startswith("Limpar cache e cookies do navegador") and len(found) <= 5
        first = page.locator("#tf-suggestion-list a").first
        assert first.get_attribute("href").endswith("/omni-crm/portal/limpar-cache-e-cookies-do-navegador/")

        page.get_by_label("Descrição").fill("Desde segunda, a tela de contatos leva 40 segundos para salvar para 12 pessoas.")
        page.set_input_files(
            "#tf-files",
            [
                {"name": "tela.png", "mimeType": "image/png", "buffer": tiny_png()},
                {"name": "passos.txt", "mimeType": "text/plain", "buffer": b"Abrir contato, salvar, esperar.\n"},
            ],
        )
        wait_for_uploads(page, fresh_portal, 2)
        assert page.locator(".kb-file progress").evaluate_all("bars => bars.map(b => b.value)") == [1, 1]
        assert page.locator(".kb-file .kb-file__status").all_inner_texts() == ["Enviado", "Enviado"]

        page.get_by_label("Nome").fill("Ana Souza")
        page.get_by_label("E-mail").fill("ana@cliente.com.br")
        with page.expect_request(lambda r: r.url.endswith("/api/tickets")) as sent:
            page.get_by_role("button", name="Enviar chamado").click()
        page.wait_for_selector("#tf-done:not([hidden])")
        assert page.locator("#tf-done-number").inner_text() == "PC-1001"
        done = page.locator("#tf-done-email").inner_text()
        assert "ana@cliente.com.br" in done and "Abra o link que ela traz para confirmar o chamado" in done
        assert page.locator("#tf-form").is_hidden()
        assert page.evaluate("document.activeElement.id") == "tf-done"

    request = sent.value
    body = json.loads(request.post_data)
    assert len(body["attachments"]) == 2 and body["website"] == ""
    assert request.headers["content-type"] == "application/json"
    assert UUID.match(request.headers["idempotency-key"])

    mails = {mail["To"]: text_of(mail) for mail in map(read_mail, fresh_portal.outbox())}
    assert len(mails) == 2  # the requester's copy and support's notice
    copy = mails["ana@cliente.com.br"]
    assert "PC-1001" in copy and "tela.png" in copy and "passos.txt" in copy


def test_the_form_is_reached_from_the_header_and_from_an_articles_call_to_action(tab: Watched, portal: LocalPortal) -> None:
    page = tab.page
    page.goto(portal.url)
    page.get_by_role("link", name="Abrir chamado").click()
    page.wait_for_selector("#tf-submit:not([disabled])")
    assert urlsplit(page.url).path == "/" + FORM
    assert page.get_by_role("heading", level=1).inner_text() == "Abrir um chamado"

    page.goto(portal.url + "omni-chat/conectar-um-numero-de-whatsapp/")
    page.get_by_role("link", name="Abra um chamado").click()
    page.wait_for_selector("#tf-submit:not([disabled])")
    assert page.input_value("#tf-product") == "omni-chat"


def test_a_link_can_preselect_the_product_and_the_request_type(tab: Watched, portal: LocalPortal) -> None:
    page = tab.page
    open_form(page, portal, "?produto=omni-chat&tipo=technical")
    assert page.input_value("#tf-product") == "omni-chat"
    assert page.get_by_role("radio", name="Apoio Técnico").is_checked()
    assert page.locator("input[name=request_type]:checked").count() == 1

    open_form(page, portal, "?produto=nao-existe&tipo=nada")
    assert page.input_value("#tf-product") == ""
    assert page.locator("input[name=request_type]:checked").count() == 0


def test_the_request_types_show_when_to_use_each(tab: Watched, portal: LocalPortal) -> None:
    page = tab.page
    open_form(page, portal)
    group = page.get_by_role("group", name="Tipo de solicitação")
    radios = group.get_by_role("radio")
    assert radios.count() == 4
    incident = group.get_by_role("radio", name="Erros ou Incidentes")
    described_by = incident.get_attribute("aria-describedby")
    assert page.locator(f"#{described_by}").inner_text() == "Instabilidade, lentidão ou mensagens de erro."


def test_suggestions_load_the_index_only_when_used_and_follow_the_product(tab: Watched, portal: LocalPortal) -> None:
    page = tab.page
    open_form(page, portal)
    page.wait_for_load_state("networkidle")
    assert not [url for url in tab.requests if "/pagefind/" in url]

    page.select_option("#tf-product", "omni-chat")
    page.get_by_label("Assunto").fill("atendimento")
    assert suggestions(page)
    assert any(url.endswith("/pagefind/pagefind.js") for url in tab.requests)
    assert set(page.locator(".kb-suggestions__product").all_inner_texts()) == {"Omni Chat"}

    page.get_by_label("Assunto").fill("at")  # under three characters: nothing to suggest
    page.wait_for_selector("#tf-suggestions", state="hidden")


# Queries that take each of the search's paths: a typo, a chat spelling and a
# synonym, a question in the customer's words.
HARD_QUERIES = ["impresora nao imprime", "vc consegue apagar um contato", "sistema travando muito lento"]


@pytest.mark.parametrize("query", HARD_QUERIES)
def test_the_form_suggests_what_the_header_search_finds_on_the_home_page(tab: Watched, portal: LocalPortal, query: str) -> None:
    page = tab.page
    open_form(page, portal)
    page.get_by_label("Assunto").fill(query)
    suggestions(page)
    suggested = page.locator("#tf-suggestion-list a").evaluate_all("links => links.map(a => new URL(a.href).pathname)")

    page.goto(portal.url + "omni-crm/sistema-lento-ou-indisponivel/")
    page.fill("#kb-header-q", query)
    page.press("#kb-header-q", "Enter")
    page.wait_for_function(
        """q => new URL(location.href).searchParams.get("q") === q
                && document.querySelector('#kb-results[data-enhanced][aria-busy="false"] .kb-card__link') !== null""",
        arg=query,
    )
    from_header = page.eval_on_selector_all("#kb-results .kb-card__link", "links => links.map(a => new URL(a.href).pathname)")

    assert suggested, query
    assert suggested == from_header[: len(suggested)]


def test_the_apis_field_errors_show_next_to_their_fields_and_nothing_is_created(browser, portal: LocalPortal) -> None:
    with customer(browser, portal, allowed=(logged(422),)) as tab:
        page = tab.page
        open_form(page, portal)
        fill_ticket(page, subject="", email="ana@")
        before = len(portal.outbox())
        with page.expect_response(lambda r: r.url.endswith("/api/tickets")) as answer:
            page.get_by_role("button", name="Enviar chamado").click()
        assert answer.value.status == 422
        page.wait_for_selector("#tf-error-email:not(:empty)")

        error = answer.value.json()["error"]
        for field, control in (("subject", "#tf-subject"), ("email", "#tf-email")):
            assert page.get_attribute(control, "aria-invalid") == "true"
            assert f"tf-error-{field}" in page.get_attribute(control, "aria-describedby").split()
            assert page.locator(f"#tf-error-{field}").inner_text().lower() == error["fields"][field].lower()
        assert page.get_attribute("#tf-description", "aria-invalid") is None
        assert page.get_by_role("alert").inner_text() == error["message"]
        assert page.evaluate("document.activeElement.id") == "tf-subject"  # the first invalid field
        assert len(portal.outbox()) == before

        page.get_by_label("Assunto").fill("Lentidão ao salvar contato")  # correcting a field clears its error
        assert page.get_attribute("#tf-subject", "aria-invalid") is None
        assert page.locator("#tf-error-subject").inner_text() == ""


def test_a_refused_file_is_explained_and_never_uploaded(tab: Watched, portal: LocalPortal) -> None:
    page = tab.page
    open_form(page, portal)
    page.set_input_files("#tf-files", [{"name": "instalar.exe", "mimeType": "application/x-msdownload", "buffer": b"MZ\x90\x00"}])
    message = page.locator("#tf-error-attachments")
    assert "instalar.exe" in message.inner_text() and "não é aceito" in message.inner_text()
    assert page.get_attribute("#tf-files", "aria-invalid") == "true"
    assert page.locator(".kb-file").count() == 0
    page.wait_for_load_state("networkidle")
    assert not [url for url in tab.requests if "/api/uploads" in url or "/_files/" in url]


def test_a_dropped_file_uploads_and_a_removed_one_is_not_named_by_the_ticket(tab: Watched, portal: LocalPortal) -> None:
    page = tab.page
    open_form(page, portal)
    fill_ticket(page)
    dropped = page.evaluate_handle("""() => {
        const data = new DataTransfer();
        data.items.add(new File(["fica\\n"], "fica.txt", { type: "text/plain" }));
        return data;
    }""")
    page.dispatch_event("#tf-dropzone", "drop", {"dataTransfer": dropped})
    page.set_input_files("#tf-files", [{"name": "sai.txt", "mimeType": "text/plain", "buffer": b"sai\n"}])
    wait_for_uploads(page, portal, 2)
    page.get_by_role("button", name="Remover sai.txt").click()
    assert page.locator(".kb-file__name").all_inner_texts() == ["fica.txt"]
    with page.expect_request(lambda r: r.url.endswith("/api/tickets")) as sent:
        page.get_by_role("button", name="Enviar chamado").click()
    page.wait_for_selector("#tf-done:not([hidden])")
    assert len(json.loads(sent.value.post_data)["attachments"]) == 1


def test_the_button_is_disabled_while_sending_so_a_double_click_opens_one_ticket(tab: Watched, portal: LocalPortal) -> None:
    page = tab.page
    open_form(page, portal)
    fill_ticket(page)
    # Both clicks in one task: the second lands before any answer could arrive.
    disabled_after_click = page.evaluate("""() => {
        const button = document.getElementById("tf-submit");
        button.click();
        const disabled = button.disabled;
        button.click();
        return disabled;
    }""")
    assert disabled_after_click
    page.wait_for_selector("#tf-done:not([hidden])")
    assert len([url for url in tab.requests if url.endswith("/api/tickets")]) == 1


def test_a_retry_after_a_network_error_sends_the_same_idempotency_key(browser, portal: LocalPortal) -> None:
    with customer(browser, portal, allowed=(LOGGED_OFFLINE,)) as tab:
        page = tab.page
        keys: list[str] = []
        page.on("request", lambda r: keys.append(r.headers["idempotency-key"]) if r.url.endswith("/api/tickets") else None)
        open_form(page, portal)
        fill_ticket(page, subject="Como limpar o cache do navegador")
        suggestions(page)  # the search index is loaded before the connection drops
        page.context.set_offline(True)
        page.get_by_role("button", name="Enviar chamado").click()
        page.wait_for_selector("#tf-summary:not(:empty)")
        assert "conexão" in page.get_by_role("alert").inner_text()
        assert page.get_by_role("button", name="Enviar chamado").is_enabled()

        page.context.set_offline(False)
        page.get_by_role("button", name="Enviar chamado").click()
        page.wait_for_selector("#tf-done:not([hidden])")
        assert len(keys) == 2 and keys[0] == keys[1]


def test_the_tips_link_to_articles_that_exist(tab: Watched, portal: LocalPortal) -> None:
    page = tab.page
    open_form(page, portal)
    tips = page.locator(".kb-ticket__tips .admonition-title").all_inner_texts()
    assert tips == ["Dica", "Sugestão", "Lembrete"]
    links = page.locator(".kb-ticket__tips .admonition a").evaluate_all("links => links.map(a => a.href)")
    assert links[0] == portal.url
    for link, title in zip(
        links[1:], ["Limpar cache e cookies do navegador", "Verificar conexão com a internet e VPN"], strict=True
    ):
        assert page.goto(link).status == 200
        assert page.locator("h1").inner_text() == title


def test_phone_sized_screen(browser, portal: LocalPortal) -> None:
    with customer(browser, portal, PHONE, is_mobile=True, has_touch=True) as tab:
        page = tab.page
        open_form(page, portal)
        fill_ticket(page, subject="Como limpar o cache do navegador")
        suggestions(page)
        page.set_input_files(
            "#tf-files",
            [{"name": "um-nome-de-arquivo-bem-comprido-para-caber-na-tela.txt", "mimeType": "text/plain", "buffer": b"texto\n"}],
        )
        page.wait_for_selector('.kb-file[data-state="done"]')
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "the form scrolls sideways"
        widest = page.locator("form *").evaluate_all("nodes => Math.max(...nodes.map(n => n.getBoundingClientRect().right))")
        assert widest <= PHONE["width"]


def test_the_form_works_with_the_keyboard_alone(tab: Watched, portal: LocalPortal) -> None:
    page = tab.page
    open_form(page, portal, "?produto=omni-crm")

    def tab_to(check: str) -> None:
        for _ in range(40):
            page.keyboard.press("Tab")
            if page.evaluate(f"(() => {{ const e = document.activeElement; return {check}; }})()"):
                return
        pytest.fail(f"cannot reach with Tab: {check}")

    tab_to("e.name === 'request_type'")
    page.keyboard.press("Space")
    assert page.get_by_role("radio", name="Dúvidas de Usabilidade").is_checked()
    page.keyboard.press("ArrowDown")
    assert page.get_by_role("radio", name="Apoio Técnico").is_checked()
    page.keyboard.press("ArrowDown")
    assert page.get_by_role("radio", name="Erros ou Incidentes").is_checked()

    tab_to("e.id === 'tf-subject'")
    page.keyboard.type("Contatos duplicados")
    suggestions(page)
    tab_to("e.id === 'tf-description'")
    page.keyboard.type("Desde a importação de ontem, cada contato aparece duas vezes na busca.")
    tab_to("e.id === 'tf-files'")  # the file picker's input is reachable (the picker itself is the system's)
    tab_to("e.id === 'tf-email'")
    page.keyboard.type("bruno@cliente.com.br")
    page.keyboard.press("Enter")
    page.wait_for_selector("#tf-done:not([hidden])")
    assert re.fullmatch(r"PC-\d+", page.locator("#tf-done-number").inner_text())
    assert page.evaluate("document.activeElement.id") == "tf-done"
