"""The kb -> pages step: what the site gets from the knowledge base.

Plain Python with no MkDocs in it, so the same step serves the plugin, the
command line and whatever builds the site after MkDocs 1.x.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from html import escape
from math import ceil
from pathlib import Path
from typing import Any

from .content import PRODUCT_FILE, Article, KnowledgeBase, Product

ALL = "todos"
LISTING_DIR = "_kb/listing"
PRODUCTS_FILE = "_kb/products.json"
PRODUCT_TEMPLATE = "kb/product.html"
ARTICLE_TEMPLATE = "kb/article.html"


@dataclass(frozen=True)
class SourcePage:
    """A page the site gets from the knowledge base: an article's file, or generated Markdown."""

    src_uri: str
    source: Path | None = None
    content: str | None = None


def source_pages(kb: KnowledgeBase) -> list[SourcePage]:
    pages = [SourcePage(article.src_uri, source=article.source) for article in kb.articles]
    pages += [SourcePage(f"{p.id}/index.md", content=product_page(p)) for p in kb.sorted_products()]
    return pages


def static_files(kb: KnowledgeBase) -> list[tuple[str, Path]]:
    """Images and other files writers keep beside their articles, published as they are."""
    files = []
    for product in kb.products:
        folder = kb.root / product
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(folder)
            if (
                path.is_file()
                and path.suffix != ".md"
                and path.name != PRODUCT_FILE
                and not any(part.startswith(".") for part in rel.parts)
            ):
                files.append((f"{product}/{rel.as_posix()}", path))
    return files


def product_page(product: Product) -> str:
    # Material prints page titles as HTML (nav, header); the name must show as text.
    title = json.dumps(escape(product.name), ensure_ascii=False)
    return f"---\ntitle: {title}\ntemplate: {PRODUCT_TEMPLATE}\nhide: [toc]\n---\n"


def listing_order(articles: list[Article]) -> list[Article]:
    """Newest first: what changed lately is what customers ask about."""
    return sorted(articles, key=lambda a: (-a.updated.toordinal(), a.title.casefold(), a.src_uri))


def card(article: Article, products: dict[str, Product]) -> dict[str, Any]:
    """What a card shows; the same shape the search results are drawn with."""
    product = products.get(article.product)
    return {
        "title": article.title,
        "url": article.url,
        "product": article.product,
        "product_name": product.name if product else article.product,
        "type": article.type,
        "summary": article.summary,
        "updated": article.updated.isoformat(),
    }


class RelatedArticles:
    """Articles related to an article: same product, most shared tags first, then the newest.

    Indexed by product and tag once, so a build with thousands of articles
    does not compare every article with every other.
    """

    def __init__(self, kb: KnowledgeBase) -> None:
        self.by_tag: dict[tuple[str, str], list[Article]] = defaultdict(list)
        for article in kb.articles:
            for tag in article.tags:
                self.by_tag[(article.product, tag)].append(article)

    def __call__(self, article: Article, limit: int = 5) -> list[Article]:
        shared: Counter[str] = Counter()
        candidates: dict[str, Article] = {}
        for tag in article.tags:
            for other in self.by_tag[(article.product, tag)]:
                if other.src_uri != article.src_uri:
                    shared[other.src_uri] += 1
                    candidates[other.src_uri] = other
        ranked = sorted(candidates.values(), key=lambda o: (-shared[o.src_uri], -o.updated.toordinal(), o.title.casefold()))
        return ranked[:limit]


def listing_pages(kb: KnowledgeBase, per_page: int) -> dict[str, dict[str, Any]]:
    """Paged card lists for an empty query, per product and type ('todos' for all).

    Small static JSON files: the home page pages through a product's articles
    without loading the search index.
    """
    pages: dict[str, dict[str, Any]] = {}
    ordered = listing_order(kb.articles)
    for product in [ALL, *kb.products]:
        for kind in (ALL, "manual", "article"):
            chosen = [a for a in ordered if product in (ALL, a.product) and kind in (ALL, a.type)]
            total_pages = max(1, ceil(len(chosen) / per_page))
            for number in range(1, total_pages + 1):
                chunk = chosen[(number - 1) * per_page : number * per_page]
                pages[listing_path(product, kind, number)] = {
                    "page": number,
                    "pages": total_pages,
                    "total": len(chosen),
                    "cards": [card(a, kb.products) for a in chunk],
                }
    return pages


def listing_path(product: str, kind: str, number: int) -> str:
    return f"{LISTING_DIR}/{product}/{kind}/{number}.json"


def write_json_files(site_dir: Path, files: dict[str, Any]) -> None:
    for rel, payload in files.items():
        path = site_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(payload, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
