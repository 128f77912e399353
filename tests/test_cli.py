"""The `kbdesk` command as writers use it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from kb_helpers import write

from kbdesk.cli import main

BIN = Path(sys.executable).parent


def test_console_command_is_installed_with_help() -> None:
    result = subprocess.run([str(BIN / "kbdesk"), "--help"], capture_output=True, text=True, check=True)
    for command in ("build", "lint", "new", "outbox", "serve", "orgs", "agent", "publish"):
        assert command in result.stdout


@pytest.mark.parametrize(
    "command",
    [
        "build",
        "lint",
        "new",
        "serve",
        "outbox",
        "outbox flush",
        "outbox list",
        "outbox retry",
        "orgs",
        "orgs add",
        "orgs add-member",
        "orgs list",
        "agent",
        "agent list",
        "agent show",
        "agent reply",
        "agent status",
        "publish",
    ],
)
def test_every_subcommand_has_help(command: str) -> None:
    result = CliRunner().invoke(main, [*command.split(), "--help"])
    assert result.exit_code == 0
    assert f"Usage: main {command} [OPTIONS]" in result.output


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (None, ["Responde a um chamado; o solicitante recebe a resposta por e-mail.", "A resposta, como o cliente vai lê-la."]),
        ("en", ["Answer a ticket; the requester gets the answer by e-mail.", "The answer, as the customer will read it."]),
    ],
)
def test_the_command_speaks_the_operators_language(language: str | None, expected: list[str], project: Path) -> None:
    env = {name: value for name, value in os.environ.items() if name != "KBDESK_LANGUAGE"}
    env |= {"KBDESK_LANGUAGE": language} if language else {}
    helped = subprocess.run([str(BIN / "kbdesk"), "agent", "reply", "--help"], env=env, capture_output=True, text=True)
    assert helped.returncode == 0 and all(text in " ".join(helped.stdout.split()) for text in expected), helped.stdout
    write(project / "kb/omni-crm/quebrado.md", "---\ntitle: Quebrado\ntype: manual\nupdated: 2026-11-20\n---\n\nTexto.\n")
    linted = subprocess.run([str(BIN / "kbdesk"), "lint"], cwd=project, env=env, capture_output=True, text=True)
    problem = "missing field 'summary'" if language else "falta o campo 'summary'"
    found = "1 problem found." if language else "1 problema encontrado."
    assert (linted.returncode, linted.stdout, linted.stderr) == (1, f"kb/omni-crm/quebrado.md:1: {problem}\n", f"{found}\n")


def test_lint_prints_problems_and_exits_1(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    assert CliRunner().invoke(main, ["lint"]).exit_code == 0
    write(project / "kb/omni-crm/quebrado.md", "---\ntitle: Quebrado\ntype: manual\nupdated: 2026-11-20\n---\n\n[x](nada.md)\n")
    result = CliRunner().invoke(main, ["lint"])
    assert result.exit_code == 1
    assert "kb/omni-crm/quebrado.md:1: falta o campo 'summary'" in result.output


def test_new_creates_the_article_and_prints_its_path(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    result = CliRunner().invoke(main, ["new", "--product", "omni-chat", "Horário de atendimento"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == os.path.join("kb", "omni-chat", "horario-de-atendimento.md")
    assert (project / "kb/omni-chat/horario-de-atendimento.md").exists()
    refused = CliRunner().invoke(main, ["new", "--product", "nada", "X"])
    assert refused.exit_code == 1 and "produto desconhecido: 'nada'" in refused.output
