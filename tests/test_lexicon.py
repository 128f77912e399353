"""The product's default search lexicon: readable, folded once, and tuned to no knowledge base.

The lexicon ships with every deployment, so it may hold only words any help
center's customers use. Two corpora keep it honest: the sample knowledge base
(`kb/`) and the held-out evaluation set (`tests/search_corpus/`). A lexicon
word found in one of them and in no other text of the project would be a word
picked from that corpus.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kbdesk import lexicon
from tickets.text import fold

ROOT = Path(__file__).resolve().parents[1]
CORPORA = {
    "sample": ROOT / "kb",
    "held-out": ROOT / "tests" / "search_corpus",
    "development": ROOT / "tests" / "search_dev",
}
WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def words_in(folder: Path) -> set[str]:
    return {
        w for path in folder.rglob("*.*") if path.suffix in {".md", ".yml"} for w in WORD.findall(fold(path.read_text("utf-8")))
    }


def lexicon_words() -> set[str]:
    written = lexicon.read("pt-BR")
    phrases = [w for entry in written.related + written.forms for w in entry.words]
    phrases += [*written.colloquial, *written.colloquial.values()]
    return {w for phrase in phrases for w in WORD.findall(fold(phrase))}


@pytest.mark.parametrize("corpus", ["sample", "held-out"])
def test_no_lexicon_word_comes_from_one_corpus_only(corpus: str) -> None:
    others = set().union(*(words_in(folder) for name, folder in CORPORA.items() if name != corpus))
    only_there = (lexicon_words() & words_in(CORPORA[corpus])) - others
    assert only_there == set()


def test_every_entry_says_why_and_the_tables_are_folded() -> None:
    written = lexicon.read("pt-BR")
    assert written.related and written.forms and written.colloquial
    assert all(entry.why.strip() for entry in written.related + written.forms)
    folded = lexicon.load("pt-BR")
    assert "excluir" in folded.related["apagar"]
    assert folded.spoken["vc"] == "voce"
    every_key = [*folded.related, *folded.forms, *folded.phrases, *folded.spoken]
    assert all(key == fold(key) for key in every_key)


def test_a_word_in_no_related_group_twice() -> None:
    written = lexicon.read("pt-BR")
    seen = [fold(w) for entry in written.related for w in entry.words]
    assert sorted(w for w in set(seen) if seen.count(w) > 1) == []


def test_a_language_without_a_lexicon_searches_without_one() -> None:
    assert lexicon.path_for("pt") == lexicon.path_for("pt-BR") != None  # noqa: E711
    assert lexicon.path_for("en") is None and lexicon.load("en") == lexicon.Lexicon()
