"""`kbdesk new`: slugs from titles, and an article that passes lint as created."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from kbdesk.authoring import AuthoringError, new_article, slugify
from kbdesk.content import load_knowledge_base
from kbdesk.lint import lint


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    """What writers are told, read here in English; test_cli checks the pt-BR default."""
    monkeypatch.setenv("KBDESK_LANGUAGE", "en")


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Configuração de impressoras", "configuracao-de-impressoras"),
        ("Emitir a 2ª via do boleto", "emitir-a-2a-via-do-boleto"),
        ("  Integrações   com ERP!  ", "integracoes-com-erp"),
        ("NF-e: cancelamento (SEFAZ)", "nf-e-cancelamento-sefaz"),
        ("Por que os dados estão desatualizados?", "por-que-os-dados-estao-desatualizados"),
    ],
)
def test_slugs_fold_accents_and_keep_only_safe_characters(title: str, slug: str) -> None:
    assert slugify(title) == slug


def test_new_article_is_well_formed_and_dated_today(project: Path) -> None:
    path = new_article(project / "kb", "omni-crm", "Exportação de relatórios: passo a passo", date(2026, 11, 28))
    assert path == project / "kb/omni-crm/exportacao-de-relatorios-passo-a-passo.md"
    kb, problems = lint(project / "kb", project / "docs")
    assert problems == []
    created = next(a for a in kb.articles if a.source == path)
    assert created.title == "Exportação de relatórios: passo a passo"
    assert created.updated == date(2026, 11, 28)
    assert created.type == "article"


def test_new_article_refuses_unknown_products_and_taken_slugs(project: Path) -> None:
    with pytest.raises(AuthoringError, match="unknown product 'omni-erp'; known products: omni-chat, omni-crm"):
        new_article(project / "kb", "omni-erp", "Qualquer", date(2026, 11, 28))
    with pytest.raises(AuthoringError, match="already exists"):
        new_article(project / "kb", "omni-crm", "Impressoras", date(2026, 11, 28))
    with pytest.raises(AuthoringError, match="cannot make a slug"):
        new_article(project / "kb", "omni-crm", "???", date(2026, 11, 28))
    kb, _ = load_knowledge_base(project / "kb")
    assert len(kb.articles) == 3
