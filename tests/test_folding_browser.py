"""One way to fold words on each side: what the build keeps and what the browser asks for must match."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from kbdesk.search import fold  # the build's, which is the Python side's one (tickets.text)

SEARCH_ENGINE = Path(__file__).parents[1] / "docs/assets/js/search-engine.js"
# Ordinals, ligatures, accents, cedillas, capitals and symbols customers type or writers write.
SAMPLE = [
    "2ª via do boleto",
    "1º acesso",
    "Configuração",
    "AÇÃO",
    "ﬁscal",
    "ﬂuxo",
    "Über",
    "São Paulo",
    "Nº 42",
    "½ hora",
    "İstanbul",
    "Ǆ",
    "pão-de-queijo",
    "ÁRVORE",
    "coração",
    "e‑mail",
    "x²",
    "Ⅻ",
    "ﬀ",
    "naïve café",
]

pytestmark = pytest.mark.browser


def test_the_browser_folds_every_word_as_the_build_does(browser) -> None:
    page = browser.new_page()
    try:
        module = "data:text/javascript;base64," + base64.b64encode(SEARCH_ENGINE.read_bytes()).decode()
        folded = page.evaluate("async ([module, sample]) => sample.map((await import(module)).fold)", [module, SAMPLE])
    finally:
        page.close()
    assert folded == [fold(text) for text in SAMPLE]
    assert fold("2ª Via") == "2a via" and fold("ﬁscal") == "fiscal" and fold("AÇÃO") == "acao"
