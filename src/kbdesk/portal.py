"""One origin for everything the local server serves: the site, the API and attachments.

/api/*      the ticket function, through the local API Gateway (`gateway.py`)
/_files/*   attachments: the stand-in for S3's presigned POST and downloads (`files.py`)
anything    the built site (`server.Site`)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from tickets.adapters.local_files import DOWNLOAD_PATH, UPLOAD_PATH, LocalFiles

from . import files, gateway

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class Portal:
    def __init__(self, site: WSGIApp, function: gateway.Handler, local_files: LocalFiles) -> None:
        self.site = site
        self.function = function
        self.files = local_files

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/")
        if path == "/api" or path.startswith("/api/"):
            return gateway.call(self.function, environ, start_response)
        if path == UPLOAD_PATH:
            return files.receive_upload(self.files, environ, start_response)
        if path == DOWNLOAD_PATH:
            return files.serve_download(self.files, environ, start_response)
        return self.site(environ, start_response)
