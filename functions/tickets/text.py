"""Subject search: words compared without case or accents, as customers type them."""

from __future__ import annotations

import re
import unicodedata

WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    """'Lentidão ao SALVAR' -> 'lentidao ao salvar', '2ª via' -> '2a via': how every word is compared.

    The Python side's one folding function: stores keep a subject's fold to search it, and the
    site's build folds its vocabulary with it. The browser's `fold` (search-engine.js) takes the
    same three steps: compatibility decomposition, marks dropped, lower case.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn").lower()


def words(text: str) -> tuple[str, ...]:
    """The folded words of a query, each once, in order."""
    return tuple(dict.fromkeys(WORD.findall(fold(text))))
