"""Building the site: MkDocs with the kbdesk plugin, always strict.

A writer's mistake (a broken link, a missing field) must stop a build rather
than publish a broken page, so every build here is `--strict`.
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config
from mkdocs.exceptions import MkDocsException


class BuildError(Exception):
    """The site was not built; the warnings logged before it say why."""


def build_site(config_file: Path, site_dir: Path | None = None, *, search: bool = True) -> Path:
    """Build the site into `site_dir` (mkdocs.yml's `site_dir` when None) and return it."""
    overrides: dict[str, str] = {}
    if site_dir is not None:
        overrides["site_dir"] = str(site_dir.resolve())
    try:
        config = load_config(str(config_file), strict=True, **overrides)
        if not search:
            config.plugins["kbdesk"].config.search = False
        mkdocs_build(config)
    except MkDocsException as error:
        raise BuildError(str(error)) from error
    return Path(config.site_dir)
