"""Each side says everything from one table: every language has every key, and no customer-facing
Portuguese is written anywhere else in the code."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from kbdesk.strings import STRINGS
from tickets.texts import TEXTS

ROOT = Path(__file__).resolve().parent.parent
TABLES = {"function": TEXTS, "site": STRINGS}
TABLE_FILES = {ROOT / "functions/tickets/texts.py", ROOT / "src/kbdesk/strings.py"}
CODE = [*sorted((ROOT / "functions/tickets").rglob("*.py")), *sorted((ROOT / "src/kbdesk").rglob("*.py"))]
# Portuguese shows in its accents, or in words English never uses; paths and addresses
# (`/chamados/novo/`, `uol.com.br`) are the site's and the world's names, not text.
PORTUGUESE = re.compile(
    r"[ãõçáéíóúâêôàÃÕÇÁÉÍÓÚÂÊÔ]|(?<![./])\b(não|de|do|da|dos|das|um|uma|para|seu|sua|pelo|pela|"
    r"chamados?|campos?|arquivos?|anexos?|produto|assunto|Revise|Envie|Entre|Tente)\b(?![./])"
)


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("side", TABLES)
def test_every_language_has_every_key_with_the_same_placeholders(side: str) -> None:
    table = TABLES[side]
    first, *others = table
    for language in others:
        assert set(table[language]) == set(table[first]), f"{side}: {language} and {first} differ in keys"
        differ = [key for key in table[first] if _placeholders(table[first][key]) != _placeholders(table[language][key])]
        assert not differ, f"{side}: {language} fills other placeholders in {differ}"


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def test_no_portuguese_is_written_outside_the_tables() -> None:
    found = []
    for path in CODE:
        if path in TABLE_FILES:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = _docstrings(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                if PORTUGUESE.search(node.value):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value[:60]!r}")
    assert not found, "\n".join(found)


def test_the_scan_finds_portuguese_where_it_is_written() -> None:
    assert PORTUGUESE.search("Revise os campos destacados.")
    assert PORTUGUESE.search("um anexo")
    assert PORTUGUESE.search("Chamado não encontrado.")
    assert not PORTUGUESE.search("The ticket could not be sent.")
    assert not PORTUGUESE.search("/chamados/chamado/?numero=")
