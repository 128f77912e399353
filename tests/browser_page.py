"""A browser page that records what a careful reviewer watches: console errors and requests."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class Watched:
    page: object
    origin: str
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    @property
    def foreign_requests(self) -> list[str]:
        return [url for url in self.requests if not url.startswith(("data:", "blob:")) and _origin(url) != self.origin]


def watch(page: object, base_url: str) -> Watched:
    watched = Watched(page, _origin(base_url))
    page.on("console", lambda message: watched.errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: watched.errors.append(str(error)))
    page.on("request", lambda request: watched.requests.append(request.url))
    return watched


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def wait_for_results(page: object, query: str) -> list[str]:
    """Wait until the home page shows the results for `query` ("" for the plain list); their titles."""
    page.wait_for_function(
        """q => new URL(location.href).searchParams.get("q") === q
                && document.querySelector('#kb-results[data-enhanced][aria-busy="false"]') !== null""",
        arg=query or None,
    )
    return page.locator("#kb-results .kb-card__title").all_inner_texts()
