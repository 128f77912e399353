"""Helpers for tests that build small knowledge bases."""

from __future__ import annotations

from pathlib import Path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def article(
    title: str = "Configuração de impressoras",
    summary: str = "Como ligar a impressora ao Omni CRM.",
    type_: str = "manual",
    body: str = "Texto do artigo.\n",
    extra: str = "",
) -> str:
    return (
        f"---\ntitle: {title}\nsummary: {summary}\ntype: {type_}\ntags: [configuracao]\nupdated: 2026-11-20\n{extra}---\n\n{body}"
    )
