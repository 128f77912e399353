"""Building the site: pages, strictness, search index, language."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from kb_helpers import article, write

from kbdesk.build import BuildError, build_site


@pytest.fixture
def site(project: Path) -> Path:
    return build_site(project / "mkdocs.yml", project / "site")


def html(site: Path, path: str) -> str:
    return (site / path / "index.html").read_text(encoding="utf-8")


def test_articles_become_pages_with_product_type_date_and_call_to_action(site: Path) -> None:
    page = html(site, "omni-crm/configuracao/impressoras")
    assert '<h1 data-pagefind-weight="10">Configuração de impressoras</h1>' in page
    assert 'data-pagefind-filter="product:omni-crm"' in page and 'data-pagefind-filter="type:manual"' in page
    assert ">Omni CRM</a>" in page and "Manual</span>" in page
    assert '<time datetime="2026-11-20">20/11/2026</time>' in page
    assert "Não encontrou o que procurava?" in page
    assert re.search(r'href="[./]*chamados/novo/\?produto=omni-crm"', page)


def test_related_articles_and_product_pages(site: Path) -> None:
    related = html(site, "omni-crm/boletos")
    assert "Artigos relacionados" in related and "configuracao/impressoras/" in related
    product = html(site, "omni-crm")
    assert "<h1>Omni CRM</h1>" in product
    assert product.count('class="kb-card"') == 2
    assert "Conectar o WhatsApp" not in product


def test_articles_stay_out_of_the_navigation(site: Path) -> None:
    page = html(site, "omni-crm/boletos")
    nav = page.split('data-md-type="navigation"')[1].split('data-md-type="toc"')[0]
    links = re.findall(r'href="([^"]+)"', nav)
    assert links and all("impressoras" not in link and "boletos" not in link and "whatsapp" not in link for link in links)
    # Home, the two product pages (the current product's as "../") and the ticket form.
    assert any(link.endswith("omni-chat/") for link in links) and "../" in links
    assert len(set(links)) == 4


def test_home_lists_products_and_first_cards(site: Path) -> None:
    home = html(site, "")
    assert "Como podemos ajudar?" in home
    assert re.findall(r'data-product="([^"]*)"', home) == ["", "omni-crm", "omni-chat"]
    assert home.count('class="kb-card"') == 3
    assert "3 artigos" in home


def test_search_index_and_listings_are_built(site: Path) -> None:
    assert (site / "pagefind/pagefind.js").exists()
    assert list((site / "pagefind/index").glob("*.pf_index"))
    assert (site / "_kb/listing/omni-chat/manual/1.json").exists()
    assert (site / "_kb/search/vocabulary/i.json").read_text().count("impressora") >= 1
    assert not (site / "search").exists()  # Material's own search is off


def test_writer_text_is_escaped(project: Path) -> None:
    write(
        project / "kb/omni-crm/perigoso.md",
        article(title='"<script>alert(1)</script>"', summary='"<img src=x onerror=alert(1)>"'),
    )
    site = build_site(project / "mkdocs.yml", project / "site")
    page = html(site, "omni-crm/perigoso")
    assert "<script>alert(1)</script>" not in page
    assert "<title>&lt;script&gt;alert(1)&lt;/script&gt; - Central de Ajuda</title>" in page
    assert '<h1 data-pagefind-weight="10">&lt;script&gt;alert(1)&lt;/script&gt;</h1>' in page
    assert "<img src=x" not in html(site, "") and "<img src=x" not in html(site, "omni-crm")


def test_a_problem_in_an_article_fails_the_build(project: Path) -> None:
    write(project / "kb/omni-crm/quebrado.md", article(body="Veja [isto](nao-existe.md).\n"))
    with pytest.raises(BuildError, match="strict"):
        build_site(project / "mkdocs.yml", project / "site")
    result = subprocess.run(
        [str(Path(sys.executable).parent / "mkdocs"), "build", "--strict"],
        cwd=project,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "KBDESK_LANGUAGE"},
    )
    assert result.returncode == 1
    # The command speaks the operator's language, pt-BR unless KBDESK_LANGUAGE says otherwise.
    assert "kb/omni-crm/quebrado.md:9: link para uma página que não existe: nao-existe.md" in result.stderr


def test_english_switches_the_sites_own_strings(project: Path) -> None:
    config = project / "mkdocs.yml"
    config.write_text(config.read_text().replace("language: pt-BR", "language: en"))
    site = build_site(config, project / "site")
    home = html(site, "")
    assert "How can we help?" in home and "All products" in home and '<html lang="en"' in home
    page = html(site, "omni-crm/configuracao/impressoras")
    assert "Didn't find what you were looking for?" in page and "11/20/2026" in page
