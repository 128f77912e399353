"""Subject search: words compared without case or accents, as customers type them."""

from __future__ import annotations

import re
import unicodedata

WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    """'Lentidão ao SALVAR' -> 'lentidao ao salvar': what stores keep beside a subject to search it."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> tuple[str, ...]:
    """The folded words of a query, each once, in order."""
    return tuple(dict.fromkeys(WORD.findall(fold(text))))
