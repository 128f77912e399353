"""The content model and lint: what writers are told, with file and line."""

from __future__ import annotations

from datetime import date
from pathlib import Path, PurePosixPath

import pytest
from kb_helpers import article, write

from kbdesk.content import load_knowledge_base
from kbdesk.lint import lint


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    """What writers are told, read here in English; test_cli checks the pt-BR default."""
    monkeypatch.setenv("KBDESK_LANGUAGE", "en")


def messages(project: Path) -> list[str]:
    _, problems = lint(project / "kb", project / "docs")
    return [str(p) for p in problems]


def test_a_well_formed_knowledge_base_reads_without_problems(project: Path) -> None:
    kb, problems = load_knowledge_base(project / "kb")
    assert problems == []
    assert [p.id for p in kb.sorted_products()] == ["omni-crm", "omni-chat"]
    printers = next(a for a in kb.articles if a.slug == "impressoras")
    assert printers.product == "omni-crm"
    assert printers.path == PurePosixPath("configuracao/impressoras.md")
    assert printers.url == "omni-crm/configuracao/impressoras/"
    assert (printers.title, printers.type, printers.tags, printers.updated) == (
        "Configuração de impressoras",
        "manual",
        ("configuracao",),
        date(2026, 11, 20),
    )
    assert printers.body.strip() == "Texto do artigo."
    assert messages(project) == []


def test_missing_and_unknown_fields_point_at_their_lines(project: Path) -> None:
    write(
        project / "kb/omni-crm/sem-resumo.md",
        "---\ntitle: Sem resumo\ntype: manual\nupdated: 2026-11-20\nautor: Ana\n---\n\nTexto.\n",
    )
    assert messages(project) == [
        "kb/omni-crm/sem-resumo.md:1: missing field 'summary'",
        "kb/omni-crm/sem-resumo.md:5: unknown field 'autor'",
    ]


def test_wrong_type_bad_date_and_long_summary(project: Path) -> None:
    long_summary = "x" * 201
    write(
        project / "kb/omni-crm/errado.md",
        f"---\ntitle: Errado\nsummary: {long_summary}\ntype: tutorial\nupdated: ontem\n---\n\nTexto.\n",
    )
    assert messages(project) == [
        "kb/omni-crm/errado.md:3: 'summary' is too long (201 characters, at most 200)",
        "kb/omni-crm/errado.md:4: 'type' must be 'manual' or 'article'",
        "kb/omni-crm/errado.md:5: 'updated' must be a date like 2026-11-28",
    ]


def test_summary_of_exactly_200_characters_is_accepted(project: Path) -> None:
    write(project / "kb/omni-crm/limite.md", article(summary="y" * 200))
    assert messages(project) == []


def test_front_matter_missing_or_broken(project: Path) -> None:
    write(project / "kb/omni-crm/sem-cabecalho.md", "# Título\n\nTexto.\n")
    write(project / "kb/omni-crm/yaml-quebrado.md", "---\ntitle: [aberto\nsummary: x\n---\n\nTexto.\n")
    found = messages(project)
    assert found[0].startswith("kb/omni-crm/sem-cabecalho.md:1: missing front matter")
    assert found[1].startswith("kb/omni-crm/yaml-quebrado.md:") and "invalid YAML" in found[1]
    assert len(found) == 2


def test_unknown_product_and_article_outside_products(project: Path) -> None:
    write(project / "kb/omni-erp/artigo.md", article())
    write(project / "kb/solto.md", article())
    assert messages(project) == [
        "kb/omni-erp/_product.yml:0: missing _product.yml: 'omni-erp' is not a product until it has one",
        "kb/omni-erp/artigo.md:1: unknown product 'omni-erp' (no kb/omni-erp/_product.yml)",
        "kb/solto.md:1: article outside a product folder: move it into kb/<product-id>/",
    ]


def test_product_file_fields_are_checked(project: Path) -> None:
    write(project / "kb/omni-chat/_product.yml", "name: Omni Chat\norder: primeiro\ncor: azul\n")
    assert messages(project) == [
        "kb/omni-chat/_product.yml:2: 'order' must be a whole number",
        "kb/omni-chat/_product.yml:3: unknown field 'cor'",
        "kb/omni-chat/whatsapp.md:1: unknown product 'omni-chat' (no kb/omni-chat/_product.yml)",
    ]


def test_file_names_must_be_slugs_and_index_is_reserved(project: Path) -> None:
    write(project / "kb/omni-crm/Configuração.md", article())
    write(project / "kb/omni-crm/index.md", article())
    assert messages(project) == [
        "kb/omni-crm/Configuração.md:1: file name 'Configuração.md' is not a slug: use lowercase letters, digits and hyphens",
        "kb/omni-crm/index.md:1: the slug 'index' is reserved for the product page",
    ]


def test_duplicate_slugs_within_a_product(project: Path) -> None:
    write(project / "kb/omni-crm/outra-pasta/impressoras.md", article())
    # The same slug in another product is fine: products are separate sections.
    write(project / "kb/omni-chat/impressoras.md", article())
    assert messages(project) == [
        "kb/omni-crm/outra-pasta/impressoras.md:1: duplicate slug 'impressoras' (also kb/omni-crm/configuracao/impressoras.md)",
    ]


def test_links_to_missing_articles_and_images_are_reported_on_their_line(project: Path) -> None:
    body = (
        "Primeira linha.\n\n"
        "Veja [boletos](../boletos.md) e [o chat](../../omni-chat/whatsapp.md).\n"
        "Veja [nada](../nao-existe.md).\n"
        "![tela](imagens/tela.png)\n"
        "[site](https://exemplo.com.br) [âncora](#passos) [e-mail](mailto:suporte@exemplo.com)\n"
        "```\n[não é link](../fora.md)\n```\n"
        "Abra um [chamado](../../chamados/novo.md) e [fora do site](../../../x.md).\n"
    )
    write(project / "kb/omni-crm/configuracao/impressoras.md", article(body=body))
    # The body starts on line 8, after seven lines of front matter.
    assert messages(project) == [
        "kb/omni-crm/configuracao/impressoras.md:12: link to a page that does not exist: ../nao-existe.md",
        "kb/omni-crm/configuracao/impressoras.md:13: link to an image that does not exist: imagens/tela.png",
        "kb/omni-crm/configuracao/impressoras.md:18: link to a page that does not exist: ../../../x.md",
    ]
    write(project / "kb/omni-crm/configuracao/imagens/tela.png", "png")
    assert len(messages(project)) == 2


def test_synonyms_file_is_read_and_checked(project: Path) -> None:
    write(project / "kb/_synonyms.yml", "NF-e: nota fiscal eletrônica\n2ª via: [segunda via]\nerrado: 3\n")
    kb, problems = load_knowledge_base(project / "kb")
    assert kb.synonyms == {"nf-e": ["nota fiscal eletrônica"], "2ª via": ["segunda via"]}
    assert [str(p) for p in problems] == ["kb/_synonyms.yml:3: 'errado' must map to a phrase or a list of phrases"]


def test_the_shipped_knowledge_base_is_clean_and_large_enough() -> None:
    root = Path(__file__).resolve().parent.parent
    kb, problems = lint(root / "kb", root / "docs")
    assert problems == []
    assert len(kb.products) >= 3
    assert len(kb.articles) >= 20
    crm = kb.articles_of("omni-crm")
    assert len(crm) > len(kb.articles) / 2
