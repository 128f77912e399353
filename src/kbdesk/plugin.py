"""The `kbdesk` MkDocs plugin: wires the knowledge base into the site build.

It only connects events to the plain modules beside it: `content` reads the
knowledge base, `lint` finds problems (logged as warnings, so that
`mkdocs build --strict` refuses them), `pages` turns articles into pages and
listings, `search` indexes the built site, and `csp` allows the inline
scripts the pages carry.
"""

from __future__ import annotations

import logging
from html import escape
from pathlib import Path
from typing import Any, cast

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.utils.templates import TemplateContext

from . import csp, lint, pages, search
from .config import KbdeskConfig
from .content import Article, KnowledgeBase, Problem, Product
from .strings import date_format, strings_for

log = logging.getLogger("mkdocs.plugins.kbdesk")


class KbdeskPlugin(BasePlugin[KbdeskConfig]):  # type: ignore[no-untyped-call]  # as KbdeskConfig
    supports_multiple_instances = False

    def __init__(self) -> None:
        self.kb = KnowledgeBase(root=Path("kb"))
        self.articles: dict[str, Article] = {}
        self.product_pages: dict[str, Product] = {}
        self.problems: list[Problem] = []
        self.related = pages.RelatedArticles(self.kb)
        self.listings: dict[str, Any] = {}
        self.script_hashes: set[str] = set()

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        root = Path(config.config_file_path or "mkdocs.yml").parent
        kb_dir = (root / self.config.kb_dir).resolve()
        self.kb, self.problems = lint.lint(kb_dir, Path(config.docs_dir))
        self.articles = {a.src_uri: a for a in self.kb.articles}
        self.product_pages = {f"{p.id}/index.md": p for p in self.kb.sorted_products()}
        self.related = pages.RelatedArticles(self.kb)
        self.listings = pages.listing_pages(self.kb, self.config.cards_per_page)
        if config.nav is None:
            # Articles stay out of the nav: with thousands of pages it is what makes builds slow.
            config.nav = ["index.md", *self.product_pages, *_if_exists(config, "chamados/novo.md")]
        config.watch.append(str(kb_dir))
        return config

    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        for problem in self.problems:
            log.warning(str(problem))
        for page in pages.source_pages(self.kb):
            if files.get_file_from_path(page.src_uri):
                log.warning(f"docs/{page.src_uri} hides the knowledge base's page of the same path")
                continue
            files.append(_generated(config, page.src_uri, page.source, page.content))
        for src_uri, path in pages.static_files(self.kb):
            files.append(_generated(config, src_uri, path, None))
        return files

    def on_page_markdown(self, markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        article = self.articles.get(page.file.src_uri)
        if article:
            page.meta["template"] = pages.ARTICLE_TEMPLATE
            # Material prints titles as HTML (<title>, header, nav): give it the title as safe text.
            page.meta["title"] = escape(article.title)
        return markdown

    def on_template_context(self, context: TemplateContext, /, *, template_name: str, config: MkDocsConfig) -> TemplateContext:
        """Static pages such as 404.html get the header's search too."""
        return self._site_context(context, config)

    def on_page_context(
        self, context: TemplateContext, /, *, page: Page, config: MkDocsConfig, nav: Navigation
    ) -> TemplateContext:
        self._site_context(context, config)
        ours = _ours(context)
        article = self.articles.get(page.file.src_uri)
        if article:
            ours["kb_article"] = article
            ours["kb_product"] = self.kb.products.get(article.product)
            ours["kb_related"] = self.related(article)
        product = self.product_pages.get(page.file.src_uri)
        if product:
            ours["kb_product"] = product
            ours["kb_cards"] = [pages.card(a, self.kb.products) for a in pages.listing_order(self.kb.articles_of(product.id))]
        if page.is_homepage:
            ours["kb_listing"] = self.listings[pages.listing_path(pages.ALL, pages.ALL, 1)]
        return context

    def _site_context(self, context: TemplateContext, config: MkDocsConfig) -> TemplateContext:
        language = config.theme.get("language")
        ours = _ours(context)
        ours["kb_t"] = strings_for(language)
        ours["kb_date_format"] = date_format(language)
        ours["kb_products"] = self.kb.sorted_products()
        ours["kb_product_list"] = [{"id": p.id, "name": p.name} for p in self.kb.sorted_products()]
        ours["kb_cards_per_page"] = self.config.cards_per_page
        return context

    def on_pre_build(self, config: MkDocsConfig) -> None:
        self.script_hashes = set()  # a rebuild of the preview server starts over

    @event_priority(-100)  # the page as written, after every other plugin's changes
    def on_post_page(self, output: str, page: Page, config: MkDocsConfig) -> str:
        self.script_hashes.update(csp.script_hash(body) for body in csp.inline_scripts(output))
        return output

    @event_priority(-100)
    def on_post_template(self, output_content: str, template_name: str, config: MkDocsConfig) -> str:
        self.script_hashes.update(csp.script_hash(body) for body in csp.inline_scripts(output_content))
        return output_content

    @event_priority(-100)  # after every other plugin has written its files
    def on_post_build(self, config: MkDocsConfig) -> None:
        site_dir = Path(config.site_dir)
        (site_dir / csp.HASHES_FILE).parent.mkdir(parents=True, exist_ok=True)
        (site_dir / csp.HASHES_FILE).write_text("".join(f"{h}\n" for h in sorted(self.script_hashes)))
        pages.write_json_files(site_dir, self.listings)
        pages.write_json_files(site_dir, search.search_files(self.kb, config.theme.get("language")))
        # What the ticket function accepts as products: the knowledge base's, in its order.
        pages.write_json_files(site_dir, {pages.PRODUCTS_FILE: [{"id": p.id, "name": p.name} for p in self.kb.sorted_products()]})
        if self.config.search:
            try:
                search.run_pagefind(site_dir)
            except search.IndexingError as error:
                raise PluginError(str(error)) from error


def _generated(config: MkDocsConfig, src_uri: str, source: Path | None, content: str | None) -> File:
    if source is not None:
        return File.generated(config, src_uri, abs_src_path=str(source))
    return File.generated(config, src_uri, content=content or "")


def _if_exists(config: MkDocsConfig, src_uri: str) -> list[str]:
    return [src_uri] if (Path(config.docs_dir) / src_uri).exists() else []


def _ours(context: TemplateContext) -> dict[str, Any]:
    """The context as the templates read it: MkDocs' TypedDict names only MkDocs' own keys, beside which
    the theme's `kb_*` variables go."""
    return cast("dict[str, Any]", context)
