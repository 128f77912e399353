"""Shared fixtures: the sample site built once, served over real HTTP, and a real Chromium."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from browser_helpers import LocalPortal
from kb_helpers import article, write

ROOT = Path(__file__).resolve().parent.parent
SIGNING_SECRET = b"browser-tests"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project's site (mkdocs.yml, docs, overrides) with a small knowledge base."""
    for name in ("docs", "overrides"):
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    write(tmp_path / "kb/omni-crm/_product.yml", "name: Omni CRM\ndescription: CRM.\norder: 1\n")
    write(tmp_path / "kb/omni-chat/_product.yml", "name: Omni Chat\norder: 2\n")
    write(tmp_path / "kb/omni-crm/configuracao/impressoras.md", article())
    write(
        tmp_path / "kb/omni-crm/boletos.md",
        article("Segunda via de boleto", "Emita a segunda via.", "article", "Veja [impressoras](configuracao/impressoras.md).\n"),
    )
    write(tmp_path / "kb/omni-chat/whatsapp.md", article("Conectar o WhatsApp", "Ligue um número.", "manual"))
    return tmp_path


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's own site and sample knowledge base, built as `kbdesk build` does."""
    from kbdesk.build import build_site

    return build_site(ROOT / "mkdocs.yml", tmp_path_factory.mktemp("site") / "site")


@contextmanager
def running_portal(built_site: Path, data_dir: Path, rate_limits: str = "off") -> Iterator[LocalPortal]:
    """The built site and the ticket API on one origin, served the way `kbdesk serve` does.

    The API learns the server's address once it listens, so the links it e-mails
    (sign-in, tickets) lead back to this server.
    """
    from kbdesk.portal import open_portal
    from kbdesk.server import static_app
    from tickets.app import create_app
    from tickets.backends import local_backend
    from tickets.settings import Settings, parse_rate_limits

    data_dir.mkdir(parents=True, exist_ok=True)
    # What `kbdesk` commands read from a data dir: the same secret and products as this server's.
    (data_dir / "signing-secret").write_text(SIGNING_SECRET.decode())
    shutil.copy(built_site / "_kb/products.json", data_dir / "products.json")
    settings = Settings(
        data_dir=data_dir,
        products_file=data_dir / "products.json",
        signing_secret=SIGNING_SECRET,
        rate_limits=parse_rate_limits(rate_limits),
    )

    def function_at(url: str) -> Any:
        backend = local_backend(replace(settings, site_url=url))
        return create_app(backend.desk, backend.idempotency).resolve

    server = open_portal(settings, static_app(built_site), function_at, threads=4).start()
    try:
        yield LocalPortal(server.url + "/", data_dir)
    finally:
        server.stop()


@pytest.fixture(scope="session")
def served_site(built_site: Path) -> Path:
    from kbdesk.server import compress_site

    compress_site(built_site)
    return built_site


@pytest.fixture(scope="session")
def local_portal(served_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPortal]:
    """One portal for the whole session, without rate limits."""
    with running_portal(served_site, tmp_path_factory.mktemp("data")) as portal:
        yield portal


@pytest.fixture(scope="session")
def site_url(local_portal: LocalPortal) -> str:
    return local_portal.url


@pytest.fixture(scope="session")
def start_portal(served_site: Path) -> Any:
    """For tests that need a portal of their own: `with start_portal(tmp_path / "data", "login=1/h") as portal:`."""
    return lambda data_dir, rate_limits="off": running_portal(served_site, data_dir, rate_limits)


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
