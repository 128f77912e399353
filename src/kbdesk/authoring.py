"""What `kbdesk new` does: a well-formed article a writer can start from."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from slugify import slugify as _slugify

from .content import PRODUCT_FILE, RESERVED_SLUGS
from .strings import say, strings_for

TEMPLATE = """\
---
title: {title}
summary: {summary}
type: article
tags: []
updated: {updated}
---

{body}"""


class AuthoringError(Exception):
    """A new article could not be created; the message says why."""


def slugify(title: str) -> str:
    """A URL-safe slug with accents folded: 'Configuração de impressoras' -> 'configuracao-de-impressoras'."""
    return _slugify(title, max_length=80, word_boundary=True)


def new_article(kb_dir: Path, product: str, title: str, today: date, language: str | None = None) -> Path:
    folder = kb_dir / product
    if not (folder / PRODUCT_FILE).exists():
        known = sorted(p.name for p in kb_dir.iterdir() if (p / PRODUCT_FILE).exists()) if kb_dir.is_dir() else []
        raise AuthoringError(say("cli_unknown_product", product=product, known=", ".join(known) or say("cli_none")))
    title = " ".join(title.split())
    slug = slugify(title)
    if not slug or slug in RESERVED_SLUGS:
        raise AuthoringError(say("cli_no_slug", title=title))
    taken = {p.stem for p in folder.rglob("*.md")}
    if slug in taken:
        raise AuthoringError(say("cli_slug_taken", slug=slug, product=product))
    path = folder / f"{slug}.md"
    words = strings_for(language)
    text = TEMPLATE.format(
        title=_yaml_text(title), summary=words["new_article_summary"], updated=today.isoformat(), body=words["new_article_body"]
    )
    path.write_text(text, encoding="utf-8")
    return path


def _yaml_text(text: str) -> str:
    """Quote a title when YAML would read it as something else."""
    plain = text and text[0].isalnum() and ": " not in text and " #" not in text
    return text if plain else '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
