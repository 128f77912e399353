"""The products tickets may name: the knowledge base's product folders.

One source of truth: the site build writes `_kb/products.json` from `kb/`,
and the function reads that file (the local server points at its build; the
deployment packages it beside the function).
"""

from __future__ import annotations

import json
from pathlib import Path

from .settings import SettingsError

BUNDLED = Path(__file__).with_name("products.json")


def load_products(path: Path | None) -> dict[str, str]:
    """Product id -> name, in the knowledge base's order."""
    source = path or BUNDLED
    if not source.is_file():
        raise SettingsError(f"no product list at {source}: build the site first (kbdesk build or kbdesk serve)")
    data = json.loads(source.read_text(encoding="utf-8"))
    return {item["id"]: item["name"] for item in data}
