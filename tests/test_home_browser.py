"""The site in headless Chromium, used as a customer would."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from browser_helpers import PHONE, LocalPortal, customer, query_of
from browser_page import Watched, wait_for_results

pytestmark = pytest.mark.browser


@pytest.fixture
def tab(browser, local_portal: LocalPortal) -> Iterator[Watched]:
    with customer(browser, local_portal) as watched:
        yield watched


def search(page, query: str) -> list[str]:
    page.fill("#kb-q", query)
    return wait_for_results(page, query)


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("impressoras", "Configuração de impressoras"),
        ("configuracao de impressora", "Configuração de impressoras"),
        ("Integrações", "Integrações com ERP"),
        ("mesclar contatos duplicados", "Como mesclar contatos duplicados"),
        ("whatsapp", "Conectar um número de WhatsApp"),
    ],
)
def test_typed_query_shows_the_article_first(tab: Watched, site_url: str, query: str, first: str) -> None:
    tab.page.goto(site_url)
    titles = search(tab.page, query)
    assert titles[0] == first
    assert query_of(tab.page)["q"] == [query]


def test_search_downloads_nothing_until_the_box_is_used(tab: Watched, site_url: str) -> None:
    tab.page.goto(site_url)
    tab.page.wait_for_load_state("networkidle")
    assert not [url for url in tab.requests if "/pagefind/" in url or "/_kb/" in url]
    search(tab.page, "boleto")
    assert any(url.endswith("/pagefind/pagefind.js") for url in tab.requests)


def test_product_filter_narrows_results_survives_reload_and_back(tab: Watched, site_url: str) -> None:
    page = tab.page
    page.goto(site_url)
    everywhere = search(page, "atendimento")
    products = set(page.locator("#kb-results .kb-card__product").all_inner_texts())
    assert {"Omni CRM", "Omni Chat"} <= products

    page.get_by_role("link", name="Omni Chat", exact=True).click()
    narrowed = wait_for_results(page, "atendimento")
    assert query_of(page)["produto"] == ["omni-chat"]
    assert narrowed and len(narrowed) < len(everywhere)
    assert set(page.locator("#kb-results .kb-card__product").all_inner_texts()) == {"Omni Chat"}
    assert page.locator('.kb-filter__link[aria-current="true"]').inner_text() == "Omni Chat"

    page.reload()
    assert wait_for_results(page, "atendimento") == narrowed
    assert page.input_value("#kb-q") == "atendimento"
    assert page.locator('.kb-filter__link[aria-current="true"]').inner_text() == "Omni Chat"

    page.go_back()
    assert wait_for_results(page, "atendimento") == everywhere
    assert "produto" not in query_of(page)


def test_empty_query_lists_the_products_articles_and_arrows_page(tab: Watched, site_url: str) -> None:
    page = tab.page
    page.goto(site_url)
    seen: list[str] = []
    first = page.locator("#kb-results .kb-card__title").all_inner_texts()
    assert len(first) == 12
    assert page.locator("#kb-page").inner_text() == "Página 1 de 3"
    assert page.locator("#kb-prev").is_disabled()
    seen += first
    for number in (2, 3):
        page.locator("#kb-next").click()
        page.wait_for_function("n => new URL(location.href).searchParams.get('pagina') === String(n)", arg=number)
        seen += wait_for_results(page, "")
        assert page.locator("#kb-page").inner_text() == f"Página {number} de 3"
    assert page.locator("#kb-next").is_disabled()
    assert len(seen) == len(set(seen)) == 28  # every article once

    page.locator("#kb-prev").click()
    page.wait_for_function("() => new URL(location.href).searchParams.get('pagina') === '2'")
    page.get_by_role("link", name="Omni Analytics", exact=True).click()
    page.wait_for_function("() => !new URL(location.href).searchParams.has('pagina')")
    analytics = wait_for_results(page, "")
    assert len(analytics) == 4
    assert set(page.locator("#kb-results .kb-card__product").all_inner_texts()) == {"Omni Analytics"}
    assert page.locator("#kb-status").inner_text() == "4 artigos"


def test_type_filter_keeps_manuals_or_articles(tab: Watched, site_url: str) -> None:
    page = tab.page
    page.goto(site_url)
    search(page, "chamado")
    page.get_by_role("button", name="Manual", exact=True).click()
    page.wait_for_function("() => new URL(location.href).searchParams.get('tipo') === 'manual'")
    manuals = wait_for_results(page, "chamado")
    assert manuals
    assert set(page.locator("#kb-results .kb-badge").all_inner_texts()) == {"MANUAL"}
    assert page.get_by_role("button", name="Manual", exact=True).get_attribute("aria-pressed") == "true"


def test_call_to_action_opens_the_ticket_form_with_the_product(tab: Watched, site_url: str) -> None:
    page = tab.page
    page.goto(site_url + "omni-chat/conectar-um-numero-de-whatsapp/")
    assert page.locator(".kb-article__product").inner_text() == "Omni Chat"
    assert page.locator("text=Não encontrou o que procurava?").is_visible()
    page.get_by_role("link", name="Abra um chamado").click()
    page.wait_for_load_state()
    assert urlsplit(page.url).path == "/chamados/novo/"
    assert query_of(page)["produto"] == ["omni-chat"]


def test_every_page_has_a_way_into_search(tab: Watched, site_url: str) -> None:
    page = tab.page
    page.goto(site_url + "omni-crm/")
    page.fill("#kb-header-q", "boleto")
    page.press("#kb-header-q", "Enter")
    titles = wait_for_results(page, "boleto")
    assert titles[0] == "Emitir a segunda via de um boleto"


def test_the_home_page_works_with_the_keyboard_alone(tab: Watched, site_url: str) -> None:
    page = tab.page
    page.goto(site_url)
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "kb-q":
            break
    else:
        pytest.fail("the search box cannot be reached with Tab")
    page.keyboard.type("cache")
    page.keyboard.press("Enter")
    assert wait_for_results(page, "cache")[0] == "Limpar cache e cookies do navegador"
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('kb-card__link')"):
            break
    else:
        pytest.fail("the result cards cannot be reached with Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**/limpar-cache-e-cookies-do-navegador/")


def test_phone_sized_screen(browser, local_portal: LocalPortal, site_url: str) -> None:
    with customer(browser, local_portal, PHONE, is_mobile=True, has_touch=True) as tab:
        page = tab.page
        for path in ("", "omni-crm/", "omni-crm/faturamento/cancelar-nf-e-emitida-com-erro/"):
            page.goto(site_url + path)
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), f"/{path} scrolls sideways"
        page.goto(site_url)
        assert page.locator("#kb-product-select").is_visible()
        page.select_option("#kb-product-select", "omni-chat")
        wait_for_results(page, "")
        assert set(page.locator("#kb-results .kb-card__product").all_inner_texts()) == {"Omni Chat"}


@pytest.mark.parametrize("word", ["dashboard", "chamados", "contatos"])
def test_title_matches_rank_before_body_matches(tab: Watched, site_url: str, word: str) -> None:
    tab.page.goto(site_url)
    titles = search(tab.page, word)
    in_title = [word in title.lower() for title in titles]
    assert any(in_title) and not all(in_title), "the word must be in some titles and only in the body of others"
    assert in_title == sorted(in_title, reverse=True), titles


def test_a_page_that_does_not_exist_keeps_a_working_header(browser, local_portal: LocalPortal, site_url: str) -> None:
    # The only console error allowed is the 404 itself; the header's script once read the site's root
    # as "//" here and threw "Invalid URL".
    with customer(
        browser, local_portal, allowed=("Failed to load resource: the server responded with a status of 404 (Not Found)",)
    ) as tab:
        page = tab.page
        answer = page.goto(site_url + "nao/existe/")
        assert answer is not None and answer.status == 404
        page.fill("#kb-header-q", "boleto")
        page.press("#kb-header-q", "Enter")
        assert wait_for_results(page, "boleto")[0] == "Emitir a segunda via de um boleto"
