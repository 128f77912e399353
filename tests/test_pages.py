"""The kb -> pages step, without MkDocs: pages, related articles, listings."""

from __future__ import annotations

from pathlib import Path

from kb_helpers import article, write

from kbdesk.content import load_knowledge_base
from kbdesk.pages import RelatedArticles, listing_pages, source_pages, static_files


def test_every_article_and_product_becomes_a_page(project: Path) -> None:
    kb, _ = load_knowledge_base(project / "kb")
    pages = {p.src_uri: p for p in source_pages(kb)}
    assert set(pages) == {
        "omni-crm/configuracao/impressoras.md",
        "omni-crm/boletos.md",
        "omni-chat/whatsapp.md",
        "omni-crm/index.md",
        "omni-chat/index.md",
    }
    assert pages["omni-crm/boletos.md"].source == project / "kb/omni-crm/boletos.md"
    assert 'title: "Omni CRM"' in pages["omni-crm/index.md"].content
    assert "template: kb/product.html" in pages["omni-crm/index.md"].content


def test_images_beside_articles_are_published(project: Path) -> None:
    write(project / "kb/omni-crm/configuracao/imagens/tela.png", "png")
    kb, _ = load_knowledge_base(project / "kb")
    assert static_files(kb) == [("omni-crm/configuracao/imagens/tela.png", project / "kb/omni-crm/configuracao/imagens/tela.png")]


def test_related_articles_share_product_and_tags_most_shared_first(project: Path) -> None:
    def tagged(title: str, tags: str) -> str:
        return article(title).replace("tags: [configuracao]", f"tags: [{tags}]")

    write(project / "kb/omni-crm/a.md", tagged("A", "fiscal, boleto"))
    write(project / "kb/omni-crm/b.md", tagged("B", "fiscal, boleto, nf-e"))
    write(project / "kb/omni-crm/c.md", tagged("C", "fiscal"))
    write(project / "kb/omni-crm/d.md", tagged("D", "usuarios"))
    write(project / "kb/omni-chat/e.md", tagged("E", "fiscal, boleto"))
    kb, _ = load_knowledge_base(project / "kb")
    a = next(x for x in kb.articles if x.slug == "a")
    assert [r.title for r in RelatedArticles(kb)(a)] == ["B", "C"]


def test_listings_page_through_every_article_per_product_and_type(project: Path) -> None:
    for n in range(5):
        write(
            project / f"kb/omni-chat/extra-{n}.md",
            article(f"Extra {n}", type_="article").replace("2026-11-20", f"2026-10-0{n + 1}"),
        )
    kb, _ = load_knowledge_base(project / "kb")
    listings = listing_pages(kb, per_page=2)

    first = listings["_kb/listing/todos/todos/1.json"]
    assert (first["total"], first["pages"]) == (8, 4)
    seen = [c["url"] for n in range(1, 5) for c in listings[f"_kb/listing/todos/todos/{n}.json"]["cards"]]
    assert sorted(seen) == sorted(a.url for a in kb.articles)  # no gaps, no repeats

    chat = [listings[f"_kb/listing/omni-chat/article/{n}.json"] for n in (1, 2, 3)]
    assert chat[0]["total"] == 5
    assert [c["title"] for page in chat for c in page["cards"]] == ["Extra 4", "Extra 3", "Extra 2", "Extra 1", "Extra 0"]
    assert chat[0]["cards"][0] == {
        "title": "Extra 4",
        "url": "omni-chat/extra-4/",
        "product": "omni-chat",
        "product_name": "Omni Chat",
        "type": "article",
        "summary": "Como ligar a impressora ao Omni CRM.",
        "updated": "2026-10-05",
    }
    # A product with no article of a type still has one (empty) page to show.
    assert listings["_kb/listing/omni-crm/todos/1.json"]["total"] == 2
    assert listings["_kb/listing/omni-chat/manual/1.json"]["cards"][0]["title"] == "Conectar o WhatsApp"
