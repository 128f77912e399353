"""Search indexing: Pagefind's index plus the small files that make it forgiving.

Pagefind stems Portuguese and folds accents, but it finds nothing for a typo
and requires every word of a query. The browser side (`docs/assets/js/search-engine.js`)
corrects typos against the vocabulary written here, expands the writers'
synonyms and falls back to the closest articles; this module writes what it
needs, split so that a query downloads only the part it uses.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from tickets.text import fold

from .content import KnowledgeBase

SEARCH_DIR = "_kb/search"
MIN_WORD = 4  # shorter words are too ambiguous to correct
WORD = re.compile(r"[a-z]+")
LINK_TARGET = re.compile(r"\]\([^)]*\)")


class IndexingError(Exception):
    """Pagefind could not index the site."""


def vocabulary(kb: KnowledgeBase) -> Counter[str]:
    """Every indexed word with how often it occurs, for typo correction."""
    words: Counter[str] = Counter()
    for article in kb.articles:
        text = " ".join((article.title, article.summary, LINK_TARGET.sub("]", article.body)))
        words.update(w for w in WORD.findall(fold(text)) if len(w) >= MIN_WORD)
    return words


def search_files(kb: KnowledgeBase) -> dict[str, Any]:
    """The vocabulary, one file per first letter, and the synonyms, folded."""
    by_letter: dict[str, dict[str, int]] = defaultdict(dict)
    for word, count in sorted(vocabulary(kb).items()):
        by_letter[word[0]][word] = count
    files: dict[str, Any] = {f"{SEARCH_DIR}/vocabulary/{letter}.json": words for letter, words in by_letter.items()}
    synonyms = {fold(key): [fold(v) for v in values] for key, values in kb.synonyms.items()}
    files[f"{SEARCH_DIR}/synonyms.json"] = synonyms
    return files


def run_pagefind(site_dir: Path) -> None:
    """Index the built site in place; only pages marked `data-pagefind-body` are indexed."""
    # Heading permalinks ("¶") are not words anyone searches for.
    command = [sys.executable, "-m", "pagefind", "--site", str(site_dir), "--exclude-selectors", ".headerlink", "--quiet"]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()
        raise IndexingError(f"pagefind failed ({result.returncode}): {detail}")
