"""One origin for everything the local server serves: the site, the API and attachments.

/api/*      the ticket function, through the local API Gateway (`gateway.py`)
/_files/*   attachments: the stand-in for S3's presigned POST and downloads (`files.py`)
anything    the built site (`server.Site`)

`open_portal` is the one place a portal is assembled and put on a port, for `kbdesk serve` and
for the tests alike.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from waitress.server import TcpWSGIServer, create_server

from tickets.adapters.local_files import DOWNLOAD_PATH, UPLOAD_PATH, LocalFiles
from tickets.settings import Settings
from tickets.texts import Texts

from . import files, gateway

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class Portal:
    def __init__(self, site: WSGIApp, function: gateway.Handler, local_files: LocalFiles, say: Texts) -> None:
        self.site = site
        self.function = function
        self.files = local_files
        self.say = say

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/")
        if path == "/api" or path.startswith("/api/"):
            return gateway.call(self.function, environ, start_response, self.say)
        if path == UPLOAD_PATH:
            return files.receive_upload(self.files, environ, start_response)
        if path == DOWNLOAD_PATH:
            return files.serve_download(self.files, environ, start_response)
        return self.site(environ, start_response)


class PortalServer:
    """A portal listening on its port: `run()` serves in this thread, `start()` in a thread of its
    own; `stop()` closes the port and ends the request threads (and the SQLite connections they hold)."""

    def __init__(self, server: TcpWSGIServer, url: str) -> None:
        self.server = server
        self.url = url

    def run(self) -> None:
        self.server.run()

    def start(self) -> PortalServer:
        threading.Thread(target=self._run_until_closed, name="kbdesk-portal", daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.close()
        self.server.task_dispatcher.shutdown()

    def _run_until_closed(self) -> None:
        try:
            self.server.run()
        except OSError:
            pass  # closing the server from another thread ends its loop this way


def open_portal(
    settings: Settings,
    site: WSGIApp,
    function_at: Callable[[str], gateway.Handler],
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    threads: int = 8,
    **server_options: Any,
) -> PortalServer:
    """Listen first, then wire in the function `function_at(url)` makes for the address listened on,
    so the links it e-mails (sign-in, tickets) lead back to this portal."""
    portal = Portal(site, _not_listening_yet, LocalFiles(settings.attachments_dir, settings.signing_secret), settings.say)
    server = create_server(portal, host=host, port=port, threads=threads, ident="kbdesk", **server_options)
    if not isinstance(server, TcpWSGIServer):  # one host and port is one TCP socket
        raise TypeError(f"expected one TCP server, got {type(server).__name__}")
    url = f"http://{host}:{server.getsockname()[1]}"  # the port, when 0 asked for any free one
    portal.function = function_at(url)
    return PortalServer(server, url)


def _not_listening_yet(event: dict[str, Any], context: Any) -> dict[str, Any]:
    raise RuntimeError("the ticket function is wired in once the portal listens")
