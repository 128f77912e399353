"""What `kbdesk new` does: a well-formed article a writer can start from."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from slugify import slugify as _slugify

from .content import PRODUCT_FILE, RESERVED_SLUGS

TEMPLATE = """\
---
title: {title}
summary: {summary}
type: article
tags: []
updated: {updated}
---

Comece com um parágrafo que diga a quem o artigo serve e o que resolve.

## Passo a passo

1. Primeiro passo.
2. Segundo passo.

!!! tip "Dica"

    Um atalho ou uma boa prática.
"""


class AuthoringError(Exception):
    """A new article could not be created; the message says why."""


def slugify(title: str) -> str:
    """A URL-safe slug with accents folded: 'Configuração de impressoras' -> 'configuracao-de-impressoras'."""
    return _slugify(title, max_length=80, word_boundary=True)


def new_article(kb_dir: Path, product: str, title: str, today: date) -> Path:
    folder = kb_dir / product
    if not (folder / PRODUCT_FILE).exists():
        known = sorted(p.name for p in kb_dir.iterdir() if (p / PRODUCT_FILE).exists()) if kb_dir.is_dir() else []
        raise AuthoringError(f"unknown product '{product}'; known products: {', '.join(known) or 'none'}")
    title = " ".join(title.split())
    slug = slugify(title)
    if not slug or slug in RESERVED_SLUGS:
        raise AuthoringError(f"cannot make a slug from the title '{title}'")
    taken = {p.stem for p in folder.rglob("*.md")}
    if slug in taken:
        raise AuthoringError(f"an article with the slug '{slug}' already exists in {product}")
    path = folder / f"{slug}.md"
    summary = "Resumo curto do artigo, mostrado nos cartões da busca (até 200 caracteres)."
    path.write_text(TEMPLATE.format(title=_yaml_text(title), summary=summary, updated=today.isoformat()), encoding="utf-8")
    return path


def _yaml_text(text: str) -> str:
    """Quote a title when YAML would read it as something else."""
    plain = text and text[0].isalnum() and ": " not in text and " #" not in text
    return text if plain else '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
