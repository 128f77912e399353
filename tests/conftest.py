"""Shared fixtures: the sample site built once, served over real HTTP, and a real Chromium."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from kb_helpers import article, write

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project's site (mkdocs.yml, docs, overrides) with a small knowledge base."""
    for name in ("docs", "overrides"):
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    write(tmp_path / "kb/omni-crm/_product.yml", "name: Omni CRM\ndescription: CRM.\norder: 1\n")
    write(tmp_path / "kb/omni-chat/_product.yml", "name: Omni Chat\norder: 2\n")
    write(tmp_path / "kb/omni-crm/configuracao/impressoras.md", article())
    write(tmp_path / "kb/omni-crm/boletos.md", article("Segunda via de boleto", "Emita a segunda via.", "article",
                                                        "Veja [impressoras](configuracao/impressoras.md).\n"))
    write(tmp_path / "kb/omni-chat/whatsapp.md", article("Conectar o WhatsApp", "Ligue um número.", "manual"))
    return tmp_path


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's own site and sample knowledge base, built as `kbdesk build` does."""
    from kbdesk.build import build_site

    return build_site(ROOT / "mkdocs.yml", tmp_path_factory.mktemp("site") / "site")


@pytest.fixture(scope="session")
def site_url(built_site: Path) -> Iterator[str]:
    """The built site served the way `kbdesk serve` serves it."""
    from waitress import create_server

    from kbdesk.server import compress_site, static_app

    compress_site(built_site)
    server = create_server(static_app(built_site), host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}/"
    server.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=shutil.which("chromium") or shutil.which("chromium-browser"),
            args=["--no-sandbox", "--disable-background-networking", "--disable-component-update"],
        )
        yield chromium
        chromium.close()
