"""The product's default search lexicon: readable, folded once, and tuned to no knowledge base.

The lexicon ships with every deployment, so it may hold only words any help
center's customers use. The corpora of the project keep it honest: the sample
knowledge base (`kb/`), the held-out evaluation set (`tests/search_corpus/`)
and the development set (`tests/search_dev/`). A word the lexicon adds to a
query (a related word or another form) that occurs in one corpus and in no
other would be a word picked from that corpus, unless it is general Portuguese
or English: in the system's word lists (Debian's wbrazilian and wamerican), or
named below with why it is general though no list has it.
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
WORD_LISTS = [Path("/usr/share/dict/brazilian"), Path("/usr/share/dict/american-english")]
GENERAL_BUT_UNLISTED = {
    "2fa": "two-factor authentication, named so in every product with a sign-in",
    "reimprimir": "standard Portuguese (in the Academia's VOLP), missing from wbrazilian",
}


def words_in(folder: Path) -> set[str]:
    return {
        w for path in folder.rglob("*.*") if path.suffix in {".md", ".yml"} for w in WORD.findall(fold(path.read_text("utf-8")))
    }


def general_words() -> set[str]:
    missing = [str(path) for path in WORD_LISTS if not path.exists()]
    assert not missing, f"install the word lists (apt-get install wbrazilian wamerican): {missing}"
    return {fold(line.strip()) for path in WORD_LISTS for line in path.read_text("utf-8").splitlines()}


def added_words() -> set[str]:
    """The words the lexicon searches for a customer: related words and other forms."""
    written = lexicon.read("pt-BR")
    return {w for entry in written.related + written.forms for phrase in entry.words for w in WORD.findall(fold(phrase))}


@pytest.mark.parametrize("corpus", ["sample", "held-out"])
def test_no_lexicon_word_comes_from_one_corpus_only(corpus: str) -> None:
    others = set().union(*(words_in(folder) for name, folder in CORPORA.items() if name != corpus))
    only_there = (added_words() & words_in(CORPORA[corpus])) - others - general_words() - set(GENERAL_BUT_UNLISTED)
    assert only_there == set()


def test_a_word_picked_from_a_corpus_is_caught(tmp_path: Path) -> None:
    (tmp_path / "artigo.md").write_text("Use o glorbificador para apagar.", encoding="utf-8")
    picked = {"glorbificador", "apagar"}
    assert (picked & words_in(tmp_path)) - general_words() == {"glorbificador"}


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
