"""Search as customers really type: questions, typos, plurals, abbreviations.

Each query is typed into the home page's search box of the built sample site,
in Chromium, and the article a support agent would point to must be among the
first three results. The set is measured as a whole and every query must pass:
a query with no exact match must still show the closest articles, never an
empty page.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from browser_page import wait_for_results, watch

pytestmark = pytest.mark.browser

CRM = "omni-crm/"
QUERIES: list[tuple[str, str, str]] = [
    # (kind, query, the article it must find)
    ("question", "como cancelar uma nota emitida errada", CRM + "faturamento/cancelar-nf-e-emitida-com-erro/"),
    ("question", "o que fazer quando o sistema está fora do ar", CRM + "sistema-lento-ou-indisponivel/"),
    ("question", "como eu abro um chamado para o suporte?", CRM + "portal/como-abrir-um-chamado/"),
    ("question", "onde vejo os chamados da minha empresa", CRM + "portal/como-acompanhar-e-filtrar-chamados/"),
    (
        "question",
        "por que meu painel mostra números antigos",
        "omni-analytics/por-que-os-dados-do-dashboard-estao-desatualizados/",
    ),
    ("question", "tela não carrega depois da atualização", CRM + "portal/limpar-cache-e-cookies-do-navegador/"),
    ("typo", "impresora", CRM + "configuracao/configuracao-de-impressoras/"),
    ("typo", "configuraçao de impresoras", CRM + "configuracao/configuracao-de-impressoras/"),
    ("typo", "permisoes de usuario", CRM + "configuracao/perfis-de-usuario-e-permissoes/"),
    ("typo", "whatsap", "omni-chat/conectar-um-numero-de-whatsapp/"),
    ("typo", "mesclar contatos duplicdos", CRM + "contatos/como-mesclar-contatos-duplicados/"),
    ("typo", "exportar relatorio pro exel", CRM + "relatorios/exportar-relatorios-para-o-excel/"),
    ("accents", "configuracao impressora", CRM + "configuracao/configuracao-de-impressoras/"),
    ("accents", "autenticacao em dois fatores", CRM + "configuracao/politica-de-senhas-e-autenticacao-em-dois-fatores/"),
    ("plural", "integração", CRM + "configuracao/integracoes-com-erp/"),
    ("plural", "integracoes", CRM + "configuracao/integracoes-com-erp/"),
    ("plural", "distribuições de conversas", "omni-chat/distribuicao-de-conversas-entre-atendentes/"),
    ("plural", "permissão", CRM + "configuracao/perfis-de-usuario-e-permissoes/"),
    ("stem", "impressoras", CRM + "configuracao/configuracao-de-impressoras/"),
    ("stem", "importando contatos", CRM + "contatos/importar-contatos-de-uma-planilha-csv/"),
    ("abbreviation", "2ª via do boleto", CRM + "faturamento/emitir-segunda-via-de-boleto/"),
    ("abbreviation", "2a via boleto", CRM + "faturamento/emitir-segunda-via-de-boleto/"),
    ("abbreviation", "NF-e", CRM + "faturamento/cancelar-nf-e-emitida-com-erro/"),
    ("abbreviation", "cancelar nfe", CRM + "faturamento/cancelar-nf-e-emitida-com-erro/"),
    ("abbreviation", "nota fiscal eletronica cancelada", CRM + "faturamento/cancelar-nf-e-emitida-com-erro/"),
    ("abbreviation", "sla da fila", CRM + "atendimento/configurar-sla-das-filas-de-atendimento/"),
    ("abbreviation", "vpn", CRM + "portal/verificar-conexao-com-a-internet-e-vpn/"),
]


@pytest.fixture(scope="module")
def results(browser, site_url: str) -> Iterator[dict[str, list[str]]]:
    """The first three result URLs (site paths) for every query."""
    context = browser.new_context(locale="pt-BR")
    page = context.new_page()
    watched = watch(page, site_url)
    page.goto(site_url)
    found: dict[str, list[str]] = {}
    for _, query, _ in QUERIES:
        page.fill("#kb-q", query)
        wait_for_results(page, query)
        hrefs = page.eval_on_selector_all("#kb-results .kb-card__link", "links => links.map(a => new URL(a.href).pathname)")
        found[query] = [href.lstrip("/") for href in hrefs[:3]]
    yield found
    context.close()
    assert watched.errors == [] and watched.foreign_requests == []


def test_every_customer_query_finds_its_article_in_the_first_three(results: dict[str, list[str]]) -> None:
    misses = [(kind, query, expected, results[query]) for kind, query, expected in QUERIES if expected not in results[query]]
    found = len(QUERIES) - len(misses)
    print(f"\nsearch quality: {found}/{len(QUERIES)} queries find their article in the first three")
    assert misses == []


@pytest.mark.parametrize("kind", sorted({kind for kind, _, _ in QUERIES}))
def test_no_query_of_a_kind_shows_an_empty_page(results: dict[str, list[str]], kind: str) -> None:
    assert all(results[query] for k, query, _ in QUERIES if k == kind)
