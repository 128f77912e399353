"""Search indexing: Pagefind's index plus the small files that make it forgiving.

Pagefind stems Portuguese and folds accents, but it finds nothing for a typo
and requires every word of a query. The browser side (`docs/assets/js/search-engine.js`)
corrects typos against the vocabulary written here, expands the writers'
synonyms and the product's lexicon, and ranks by what a query means; this
module writes what it needs, split so that a query downloads only the part
it uses: `terms.json` on the first query, one vocabulary file for a typo.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from tickets.text import fold

from . import lexicon
from .content import KnowledgeBase

SEARCH_DIR = "_kb/search"
MIN_WORD = 4  # shorter words are too ambiguous to correct
# A first letter with more words than this is split by its first two letters,
# so a typo's correction downloads a few kilobytes at any size of site.
VOCABULARY_FILE_WORDS = 1500
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


def vocabulary_files(words: Counter[str]) -> dict[str, dict[str, int]]:
    """The vocabulary by first letter, a crowded letter by its first two."""
    by_letter: dict[str, dict[str, int]] = defaultdict(dict)
    for word, count in sorted(words.items()):
        by_letter[word[0]][word] = count
    files: dict[str, dict[str, int]] = {}
    split = sorted(letter for letter, letter_words in by_letter.items() if len(letter_words) > VOCABULARY_FILE_WORDS)
    for letter, letter_words in by_letter.items():
        if letter not in split:
            files[letter] = letter_words
            continue
        for word, count in letter_words.items():
            files.setdefault(word[:2], {})[word] = count
    return files


def search_files(kb: KnowledgeBase, language: str | None) -> dict[str, Any]:
    """The vocabulary files, and `terms.json`: the site's size, synonyms and lexicon, folded."""
    by_prefix = vocabulary_files(vocabulary(kb))
    files: dict[str, Any] = {f"{SEARCH_DIR}/vocabulary/{prefix}.json": words for prefix, words in by_prefix.items()}
    words = lexicon.load(language)
    writers = {fold(key): [fold(v) for v in values] for key, values in kb.synonyms.items()}
    files[f"{SEARCH_DIR}/terms.json"] = {
        "articles": len(kb.articles),
        # The writers' own synonyms win over the product's phrases.
        "synonyms": words.phrases | writers,
        "forms": words.forms,
        "related": words.related,
        "spoken": words.spoken,
        # The browser asks only for files that exist.
        "vocabulary": sorted(by_prefix),
    }
    return files


def run_pagefind(site_dir: Path) -> None:
    """Index the built site in place; only pages marked `data-pagefind-body` are indexed."""
    # Heading permalinks ("¶") are not words anyone searches for.
    command = [sys.executable, "-m", "pagefind", "--site", str(site_dir), "--exclude-selectors", ".headerlink", "--quiet"]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()
        raise IndexingError(f"pagefind failed ({result.returncode}): {detail}")
