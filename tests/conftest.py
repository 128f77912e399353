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
def site_url(built_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The built site and the ticket API on one origin, served the way `kbdesk serve` does."""
    from waitress import create_server

    from kbdesk.portal import Portal
    from kbdesk.server import compress_site, static_app
    from tickets.adapters.local_files import LocalFiles
    from tickets.app import create_app
    from tickets.backends import local_backend
    from tickets.settings import Settings

    compress_site(built_site)
    data_dir = tmp_path_factory.mktemp("data")
    settings = Settings(data_dir=data_dir, products_file=built_site / "_kb/products.json", signing_secret=b"browser-tests",
                        rate_limits=None)
    backend = local_backend(settings)
    portal = Portal(static_app(built_site), create_app(backend.desk, backend.idempotency).resolve,
                    LocalFiles(settings.attachments_dir, settings.signing_secret))
    server = create_server(portal, host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=_run_until_closed, args=(server,), daemon=True).start()
    yield f"http://127.0.0.1:{server.effective_port}/"
    server.close()


def _run_until_closed(server: object) -> None:
    try:
        server.run()
    except OSError:
        pass  # closing the server from the test ends its loop this way


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
