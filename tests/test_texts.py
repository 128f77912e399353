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


# What the `kbdesk` command prints, raises or shows as help: any words there must come from a table.
SAID_BY = {"echo", "ClickException", "Problem", "AuthoringError", "PublishError", "BuildError", "OrganizationError"}
WORDS = re.compile(r"[A-Za-z]{3,}")
TEXT_KEY = re.compile(r"^[a-z_.]+$")


def _literal_words(node: ast.expr) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [] if TEXT_KEY.match(node.value) else WORDS.findall(node.value)
    if isinstance(node, ast.JoinedStr):
        return [word for part in node.values for word in _literal_words(part)]
    if isinstance(node, ast.BinOp):
        return _literal_words(node.left) + _literal_words(node.right)
    return []


def _said(tree: ast.AST) -> list[tuple[int, list[str]]]:
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        arguments = [*node.args] if name in SAID_BY else []
        arguments += [keyword.value for keyword in node.keywords if keyword.arg == "help"]
        words = [word for argument in arguments for word in _literal_words(argument)]
        if words:
            found.append((node.lineno, words))
    return found


def test_the_command_says_nothing_outside_the_tables() -> None:
    found = []
    for path in CODE:
        for line, words in _said(ast.parse(path.read_text(encoding="utf-8"))):
            found.append(f"{path.relative_to(ROOT)}:{line}: {' '.join(words)}")
    assert not found, "\n".join(found)


def test_the_command_scan_finds_words_where_they_are_written() -> None:
    written = ast.parse(
        'click.echo(f"{count} files published"); raise OrganizationError("org.unknown", id=x)\n'
        '@click.option("--q", help="A ticket number.")\ndef f(): pass'
    )
    assert [words for _, words in _said(written)] == [["files", "published"], ["ticket", "number"]]
