"""The product's default search lexicon: what customers type that articles say differently.

Pagefind stems and folds, so inflections need nothing. What it cannot know
is that a customer who types "apagar" means the article that says "excluir",
that "emissão" is the noun of "emitir" (Snowball stems them apart), or that
"vc" is "você". One YAML file a language (`pt-BR.yml` beside this module),
written for this product with a reason on every entry, and shipped with it;
a deployment's own `kb/_synonyms.yml` goes beside it and wins where both
name a phrase.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

from tickets.text import fold

FOLDER = Path(__file__).parent
DEFAULT_LANGUAGE = "pt-BR"


class Entry(BaseModel):
    """Words that stand for one another, and why a writer would agree."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    words: list[str] = Field(min_length=2)
    why: str = Field(min_length=1)


class LexiconFile(BaseModel):
    """A lexicon file as written."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    related: list[Entry] = []
    forms: list[Entry] = []
    colloquial: dict[str, str] = {}


@dataclass(frozen=True)
class Lexicon:
    """A lexicon folded for search, each table keyed by a folded word or phrase."""

    related: dict[str, list[str]] = field(default_factory=dict)
    """A word to the words customers use for the same thing (searched at a discount)."""
    forms: dict[str, list[str]] = field(default_factory=dict)
    """A word to its other forms the stemmer keeps apart: a verb and its noun."""
    phrases: dict[str, list[str]] = field(default_factory=dict)
    """A phrase of several words to the single words of its group: replaced in the query, as writers' synonyms are."""
    spoken: dict[str, str] = field(default_factory=dict)
    """A chat spelling to its standard form; empty for a filler."""


def path_for(language: str | None) -> Path | None:
    """The lexicon file of a language, 'pt' finding 'pt-BR'; None where there is none."""
    language = language or DEFAULT_LANGUAGE
    files = {path.stem.lower(): path for path in FOLDER.glob("*.yml")}
    exact = files.get(language.lower())
    if exact:
        return exact
    prefix = language.split("-")[0].lower()
    return next((path for name, path in sorted(files.items()) if name.split("-")[0] == prefix), None)


def read(language: str | None) -> LexiconFile:
    """A language's lexicon as written; empty for a language that has none."""
    path = path_for(language)
    if path is None:
        return LexiconFile()
    return LexiconFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


@cache
def load(language: str | None) -> Lexicon:
    """The folded lexicon of a site's language."""
    return fold_lexicon(read(language))


def fold_lexicon(written: LexiconFile) -> Lexicon:
    """Tables the browser looks words up in, every word folded as queries are."""
    related = [[_fold(word) for word in entry.words] for entry in written.related]
    forms = [[_fold(word) for word in entry.words] for entry in written.forms]
    phrases: dict[str, list[str]] = {}
    for group in related:
        singles = [word for word in group if " " not in word]
        for phrase in (word for word in group if " " in word):
            phrases[phrase] = singles
    return Lexicon(
        related=_by_word([[word for word in group if " " not in word] for group in related]),
        forms=_by_word(forms),
        phrases={phrase: words for phrase, words in phrases.items() if words},
        spoken={_fold(form): _fold(meaning) for form, meaning in written.colloquial.items()},
    )


def _fold(text: str) -> str:
    return " ".join(fold(text).split())


def _by_word(groups: list[list[str]]) -> dict[str, list[str]]:
    """Each word of a group mapped to the group's other words (a word in two groups gets both)."""
    table: dict[str, list[str]] = {}
    for group in groups:
        for word in group:
            others = [other for other in group if other != word]
            table[word] = list(dict.fromkeys(table.get(word, []) + others))
    return {word: others for word, others in table.items() if others}
