"""Search quality, measured as a customer meets it: queries typed into the home page of a built site.

A query set is a YAML list of `{kind, query, expected, product?}`, where
`expected` is the article's path under its kb folder without `.md`. Each query
is typed into the home page's search box in Chromium and passes when the
expected article is among the first three cards; the same query is also put to
the bare Pagefind API on the same index, for comparison.

Used by `tests/test_search_corpus.py` and `bench/search_quality.py`.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
TOP = 3


@dataclass(frozen=True)
class Query:
    kind: str
    query: str
    expected: str
    product: str = ""


@dataclass(frozen=True)
class Outcome:
    query: Query
    shown: list[str]
    """The first cards' article paths, as the home page showed them."""
    bare: list[str]
    """The first results' article paths from Pagefind's own API."""

    @property
    def found(self) -> bool:
        return self.query.expected in self.shown

    @property
    def found_bare(self) -> bool:
        return self.query.expected in self.bare


def load_queries(path: Path) -> list[Query]:
    return [Query(**item) for item in yaml.safe_load(path.read_text(encoding="utf-8"))]


def build_site(kb_dir: Path, work: Path) -> Path:
    """The project's site around another knowledge base, built as `kbdesk build` does."""
    from kbdesk.build import build_site as build

    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    config["docs_dir"] = str(ROOT / "docs")
    config["theme"]["custom_dir"] = str(ROOT / "overrides")
    config["plugins"] = [{"kbdesk": {"kb_dir": str(kb_dir.resolve())}}]
    work.mkdir(parents=True, exist_ok=True)
    (work / "mkdocs.yml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return build(work / "mkdocs.yml", work / "site")


@contextmanager
def serving(site_dir: Path) -> Iterator[str]:
    """The built site served as `kbdesk serve` serves it; its base URL."""
    from waitress import create_server

    from kbdesk.server import compress_site, static_app

    compress_site(site_dir)
    server = create_server(static_app(site_dir), host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}/"
    finally:
        server.close()


@contextmanager
def chromium() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium") or shutil.which("chromium-browser"), args=["--no-sandbox"]
        )
        try:
            yield browser
        finally:
            browser.close()


def run_queries(browser: object, base_url: str, queries: list[Query]) -> list[Outcome]:
    """Type every query into one home page, as one customer after another would."""
    context = browser.new_context(locale="pt-BR")
    page = context.new_page()
    try:
        page.goto(base_url)
        return [Outcome(q, shown_articles(page, base_url, q), bare_articles(page, base_url, q)) for q in queries]
    finally:
        context.close()


def shown_articles(page: object, base_url: str, query: Query) -> list[str]:
    """Choose the query's product in the menu (or none), type the query, read the first cards."""
    chosen = page.evaluate("() => new URL(location.href).searchParams.get('produto') || ''")
    if chosen != query.product:
        page.goto(base_url + (f"?produto={query.product}" if query.product else ""))
    page.fill("#kb-q", query.query)
    page.wait_for_function(
        """q => new URL(location.href).searchParams.get("q") === q
                && document.querySelector('#kb-results[data-enhanced][aria-busy="false"]') !== null""",
        arg=query.query,
    )
    hrefs = page.eval_on_selector_all("#kb-results .kb-card__link", "links => links.map(a => new URL(a.href).pathname)")
    return [_article(href) for href in hrefs[:TOP]]


def bare_articles(page: object, base_url: str, query: Query) -> list[str]:
    urls = page.evaluate(
        """async ([root, query, product, top]) => {
            const pagefind = await import(new URL("pagefind/pagefind.js", root).href);
            const response = await pagefind.search(query, { filters: product ? { product } : {} });
            return Promise.all(response.results.slice(0, top).map(async (r) => (await r.data()).url));
        }""",
        [base_url, query.query, query.product, TOP],
    )
    return [_article(url) for url in urls]


def rates(outcomes: list[Outcome]) -> dict[str, dict[str, float]]:
    """Per kind (and "all"): how many queries, and the share found by kbdesk and by bare Pagefind."""
    kinds = sorted({o.query.kind for o in outcomes})
    table = {}
    for kind in [*kinds, "all"]:
        group = [o for o in outcomes if kind in ("all", o.query.kind)]
        table[kind] = {
            "queries": len(group),
            "kbdesk": sum(o.found for o in group) / len(group),
            "pagefind": sum(o.found_bare for o in group) / len(group),
        }
    return table


def _article(path: str) -> str:
    """'/rh/ferias/solicitar/' -> 'rh/ferias/solicitar'."""
    return path.strip("/")
