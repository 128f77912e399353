"""axe-core on every kind of page a customer uses, signed in where the page needs it: no serious or
critical violation. axe-core comes with the axe-playwright-python package (pinned), and is put in
the page by Playwright's evaluate, so the pages keep their production Content-Security-Policy."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from browser_helpers import LocalPortal, customer, open_ticket, sign_in_by_api, wait_for_list, wait_for_ticket

pytestmark = pytest.mark.browser

SEVERE = ("serious", "critical")
EMAIL = "acessivel@cliente.com.br"


@pytest.fixture(scope="module")
def portal(start_portal: LocalPortal, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPortal]:
    with start_portal(tmp_path_factory.mktemp("accessibility") / "data") as running:
        yield running


@pytest.fixture(scope="module")
def number(portal: LocalPortal) -> str:
    return open_ticket(portal, EMAIL, "Relatório de vendas não abre")


def severe_violations(page: Any) -> list[str]:
    results = Axe().run(page)
    return [
        f"{rule['id']} ({rule['impact']}): {', '.join(str(node['target']) for node in rule['nodes'])}"
        for rule in results.response["violations"]
        if rule["impact"] in SEVERE
    ]


PAGES = {
    "home": ("", lambda page: page.wait_for_selector("#kb-results[data-enhanced]")),
    "product": ("omni-crm/", lambda page: page.wait_for_selector(".kb-card")),
    "article": ("omni-crm/configuracao/configuracao-de-impressoras/", lambda page: page.wait_for_selector("article h1")),
    "ticket form": ("chamados/novo/", lambda page: page.get_by_label("Assunto").wait_for()),
    "sign-in": ("entrar/", lambda page: page.get_by_label("E-mail").wait_for()),
}


@pytest.mark.parametrize("name", PAGES)
def test_a_page_has_no_serious_violation(browser: Any, portal: LocalPortal, name: str) -> None:
    path, ready = PAGES[name]
    with customer(browser, portal) as tab:
        tab.page.goto(portal.url + path)
        ready(tab.page)
        assert severe_violations(tab.page) == []


def test_the_requests_and_ticket_pages_have_no_serious_violation(browser: Any, portal: LocalPortal, number: str) -> None:
    with customer(browser, portal) as tab:
        sign_in_by_api(tab, portal, EMAIL)
        tab.page.goto(portal.url + "chamados/")
        assert number in wait_for_list(tab.page)
        assert severe_violations(tab.page) == []
        tab.page.goto(portal.url + f"chamados/chamado/?numero={number}")
        wait_for_ticket(tab.page)
        assert severe_violations(tab.page) == []


def test_axe_finds_a_serious_violation_where_there_is_one(browser: Any, portal: LocalPortal) -> None:
    with customer(browser, portal) as tab:
        tab.page.goto(portal.url + "entrar/")
        tab.page.evaluate("""() => {  // styled through the CSSOM, which the page's policy allows
            const pale = Object.assign(document.createElement("p"), { id: "pale", textContent: "Texto claro demais" });
            Object.assign(pale.style, { color: "#ccc", background: "#fff" });
            document.querySelector("main").append(pale);
        }""")
        assert "color-contrast (serious): ['#pale']" in severe_violations(tab.page)
