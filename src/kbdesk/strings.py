"""The site's own words, in each language the site can be built in.

Material translates its own interface from `theme.language`; these are the
words kbdesk adds (home page, cards, article pages, search). The build picks
the set that matches `theme.language` and falls back to pt-BR.
"""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "pt-BR": {
        "hero_title": "Como podemos ajudar?",
        "hero_lead": "Pesquise manuais e artigos da base de conhecimento ou abra um chamado para o suporte.",
        "search_label": "Pesquisar na base de conhecimento",
        "search_placeholder": "Descreva sua dúvida, por exemplo: configurar impressora",
        "search_button": "Pesquisar",
        "products": "Produtos",
        "all_products": "Todos os produtos",
        "type_filter": "Tipo de conteúdo",
        "all_types": "Todos",
        "manual": "Manual",
        "article": "Artigo",
        "previous": "Anterior",
        "next": "Próxima",
        "pagination": "Paginação",
        "page_of": "Página {page} de {pages}",
        "results_one": "1 resultado",
        "results_other": "{count} resultados",
        "articles_one": "1 artigo",
        "articles_other": "{count} artigos",
        "no_results": "Nenhum artigo encontrado. Tente outras palavras ou abra um chamado.",
        "close_results": "Nenhum artigo tem todas as palavras; estes são os mais próximos.",
        "did_you_mean": "Mostrando resultados para",
        "loading": "Pesquisando…",
        "search_error": "A busca não está disponível agora. Tente novamente em instantes.",
        "updated": "Atualizado em",
        "product": "Produto",
        "type": "Tipo",
        "related": "Artigos relacionados",
        "cta_title": "Não encontrou o que procurava?",
        "cta_link": "Abra um chamado",
        "cta_lead": "O suporte responde por e-mail, e você acompanha tudo pelo portal.",
        "open_ticket": "Abrir chamado",
        "product_articles": "Artigos de {product}",
        "empty_product": "Este produto ainda não tem artigos publicados.",
        "header_search": "Pesquisar",
    },
    "en": {
        "hero_title": "How can we help?",
        "hero_lead": "Search the knowledge base's manuals and articles, or open a ticket with support.",
        "search_label": "Search the knowledge base",
        "search_placeholder": "Describe your question, for example: set up a printer",
        "search_button": "Search",
        "products": "Products",
        "all_products": "All products",
        "type_filter": "Content type",
        "all_types": "All",
        "manual": "Manual",
        "article": "Article",
        "previous": "Previous",
        "next": "Next",
        "pagination": "Pagination",
        "page_of": "Page {page} of {pages}",
        "results_one": "1 result",
        "results_other": "{count} results",
        "articles_one": "1 article",
        "articles_other": "{count} articles",
        "no_results": "No article found. Try other words or open a ticket.",
        "close_results": "No article has every word; these are the closest.",
        "did_you_mean": "Showing results for",
        "loading": "Searching…",
        "search_error": "Search is not available right now. Please try again shortly.",
        "updated": "Updated on",
        "product": "Product",
        "type": "Type",
        "related": "Related articles",
        "cta_title": "Didn't find what you were looking for?",
        "cta_link": "Open a ticket",
        "cta_lead": "Support answers by e-mail, and you follow everything in the portal.",
        "open_ticket": "Open a ticket",
        "product_articles": "{product} articles",
        "empty_product": "This product has no published articles yet.",
        "header_search": "Search",
    },
}

DEFAULT_LANGUAGE = "pt-BR"


def strings_for(language: str | None) -> dict[str, str]:
    """The closest set: 'pt-BR' exactly, then 'pt' or 'en' by prefix, then pt-BR."""
    language = language or DEFAULT_LANGUAGE
    if language in STRINGS:
        return STRINGS[language]
    prefix = language.split("-")[0].lower()
    for name, strings in STRINGS.items():
        if name.split("-")[0].lower() == prefix:
            return strings
    return STRINGS[DEFAULT_LANGUAGE]


def date_format(language: str | None) -> str:
    return "%m/%d/%Y" if (language or "").startswith("en") else "%d/%m/%Y"
