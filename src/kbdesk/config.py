"""Options of the `kbdesk` MkDocs plugin, as written in mkdocs.yml."""

from __future__ import annotations

from mkdocs.config import base
from mkdocs.config import config_options as c


class KbdeskConfig(base.Config):  # type: ignore[no-untyped-call]  # MkDocs' __init_subclass__ is unannotated
    kb_dir = c.Type(str, default="kb")
    """The writers' folder of product folders, relative to mkdocs.yml."""

    cards_per_page = c.Type(int, default=12)
    """Cards on one page of the home page's list and of search results."""

    search = c.Type(bool, default=True)
    """Build the Pagefind index after the site (off only for quick previews)."""
