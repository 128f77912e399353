"""The local server: the built site on one origin, rebuilt as writers edit.

Waitress serves WSGI with a pool of threads; WhiteNoise serves the files with
caching headers and the gzip copies made after each build. A rebuild goes to
a fresh folder and replaces the served one in a single assignment, so a
request never sees a half-built site, and a failed build leaves the last good
one up.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import signal
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from whitenoise import WhiteNoise
from whitenoise.compress import Compressor

from tickets.adapters.local_files import LocalFiles
from tickets.catalog import MAX_ATTACHMENT_BYTES
from tickets.settings import from_environment

from . import csp
from .build import BuildError, build_site
from .gateway import LocalContext
from .instances import DEFAULT_WORKERS, FunctionInstances, InstanceFailed
from .pages import PRODUCTS_FILE
from .portal import open_portal
from .receiving import start_receiving
from .strings import say

FLUSH_SECONDS = 60  # how often the server sends what requests could not, as AWS's schedule does
MULTIPART_FORM_BYTES = 64 * 1024  # an upload form's fields and boundaries, beside the file
log = logging.getLogger("kbdesk.serve")

# Content-addressed files never change under their name: Material's bundles,
# Pagefind's index chunks.
IMMUTABLE = re.compile(r"(\.[0-9a-f]{8,}\.min\.(js|css)|/pagefind/(index|fragment|filter)/.+|\.pf_meta)$")
COMPRESSED_SUFFIXES = (".html", ".js", ".css", ".json", ".svg", ".xml", ".txt")
WATCHED = ("kb", "docs", "overrides", "mkdocs.yml")

StartResponse = Callable[..., Any]


def compress_site(site_dir: Path) -> None:
    """Write .gz beside each text file that shrinks, for clients that accept gzip."""
    compressor = Compressor(use_brotli=False, quiet=True)
    for path in site_dir.rglob("*"):
        if path.suffix in COMPRESSED_SUFFIXES and path.is_file():
            compressor.compress(str(path))


# The sign-in page's address holds a one-time token: no request it makes may carry it elsewhere.
SIGN_IN_PAGE = "/entrar/"


def security_headers(site_dir: Path) -> Callable[[Any, str, str], None]:
    """The headers CloudFront adds in production, with the policy for this build's inline scripts."""
    hashes = (site_dir / csp.HASHES_FILE).read_text().split() if (site_dir / csp.HASHES_FILE).exists() else []
    policy = csp.content_security_policy(hashes)

    def add(headers: Any, path: str, url: str) -> None:
        headers["Content-Security-Policy"] = policy
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "no-referrer" if url.startswith(SIGN_IN_PAGE) else "strict-origin-when-cross-origin"

    return add


def static_app(site_dir: Path) -> WhiteNoise:
    return WhiteNoise(
        _not_found(site_dir),
        root=str(site_dir),
        index_file=True,
        max_age=0,  # HTML and listings revalidate: an edit shows on the next reload
        allow_all_origins=False,
        immutable_file_test=lambda path, url: bool(IMMUTABLE.search(url)),
        add_headers_function=security_headers(site_dir),
    )


def _not_found(site_dir: Path) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    page = site_dir / "404.html"
    body = page.read_bytes() if page.exists() else b"Not found"

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        start_response("404 Not Found", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))])
        return [body]

    return app


class Site:
    """The built site being served, and how to rebuild it."""

    def __init__(self, config_file: Path, builds_dir: Path) -> None:
        self.config_file = config_file
        self.builds_dir = builds_dir
        self.current: Path | None = None
        self.app: WhiteNoise | None = None
        self.lock = threading.Lock()

    def rebuild(self) -> bool:
        """Build into a new folder and serve it; keep the old site if the build fails."""
        with self.lock:
            target = self.builds_dir / f"build-{time.time_ns()}"
            started = time.monotonic()
            try:
                build_site(self.config_file, target)
            except BuildError as error:
                log.error("build failed, still serving the previous site: %s", error)
                shutil.rmtree(target, ignore_errors=True)
                return False
            compress_site(target)
            # The ticket function reads the products from a path that outlives each build.
            shutil.copyfile(target / PRODUCTS_FILE, self.builds_dir.parent / "products.json")
            previous, self.current = self.current, target
            self.app = static_app(target)
            log.info("site built in %.1f s", time.monotonic() - started)
            if previous:
                shutil.rmtree(previous, ignore_errors=True)
            return True

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        app = self.app
        if app is None:
            start_response("503 Service Unavailable", [("Content-Type", "text/plain"), ("Retry-After", "2")])
            return [b"The site is being built."]
        answer: Iterable[bytes] = app(environ, start_response)
        return answer


def configure_function(data_dir: Path) -> None:
    """The environment the ticket function reads, as on AWS, pointing at the embedded default."""
    os.environ.setdefault("KBDESK_BACKEND", "local")
    os.environ["KBDESK_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("KBDESK_PRODUCTS_FILE", str(data_dir / "products.json"))


def watch(site: Site, root: Path, delay: float = 0.3) -> Callable[[], None]:
    """Rebuild the site when writers change what it is made of; returns a stop function."""
    changed = threading.Event()

    class Handler(FileSystemEventHandler):
        def on_any_event(self, event: FileSystemEvent) -> None:
            if event.event_type not in ("opened", "closed_no_write"):
                changed.set()

    observer = Observer()
    for name in WATCHED:
        path = root / name
        if path.exists():
            observer.schedule(Handler(), str(path if path.is_dir() else root), recursive=path.is_dir())
    observer.start()
    stopping = threading.Event()

    def loop() -> None:
        while not stopping.is_set():
            if changed.wait(0.5):
                time.sleep(delay)  # let an editor finish saving several files
                changed.clear()
                log.info("change detected, rebuilding")
                site.rebuild()

    threading.Thread(target=loop, name="kbdesk-rebuild", daemon=True).start()

    def stop() -> None:
        stopping.set()
        observer.stop()
        observer.join(timeout=2)

    return stop


def send_outbox_every(seconds: float, instances: FunctionInstances) -> Callable[[], None]:
    """Run the function's scheduled sender on one of its instances every `seconds`; returns a stop
    function, which waits for a flush under way to end (the instances are closed after it)."""
    stopping = threading.Event()

    def loop() -> None:
        while not stopping.wait(seconds):
            try:
                instances({}, LocalContext(aws_request_id=f"outbox-{time.time_ns()}"), handler="flush_outbox")
            except InstanceFailed as error:  # logged, and tried again at the next turn
                log.error("the outbox could not be flushed: %s", error)

    sender = threading.Thread(target=loop, name="kbdesk-outbox", daemon=True)
    sender.start()

    def stop() -> None:
        stopping.set()
        sender.join()

    return stop


def waitress_options(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """What one client may hold of the server, and whom to believe about the caller's address.

    Waitress reads a whole request before the app sees it, so its body limit is the largest
    request anyone needs (an attachment and its form); idle and stalled connections are closed
    after `KBDESK_IDLE_SECONDS`, and up to `KBDESK_CONNECTIONS` may be open at once. Behind a
    reverse proxy (README), `KBDESK_TRUSTED_PROXY` is its address: only from it is
    X-Forwarded-For the caller's, which rate limits count by.
    """
    env = os.environ if env is None else env
    options: dict[str, Any] = {
        "max_request_body_size": MAX_ATTACHMENT_BYTES + MULTIPART_FORM_BYTES,
        "connection_limit": int(env.get("KBDESK_CONNECTIONS", "1000")),
        "channel_timeout": int(env.get("KBDESK_IDLE_SECONDS", "30")),
        "cleanup_interval": 5,  # how often waitress looks for connections past that time
    }
    if env.get("KBDESK_TRUSTED_PROXY"):
        options.update(
            trusted_proxy=env["KBDESK_TRUSTED_PROXY"],
            trusted_proxy_count=1,
            trusted_proxy_headers={"x-forwarded-for", "x-forwarded-proto"},
            clear_untrusted_proxy_headers=True,
        )
    return options


def serve(
    config_file: Path,
    data_dir: Path,
    host: str,
    port: int,
    *,
    watch_changes: bool = True,
    workers: int = DEFAULT_WORKERS,
    smtp_port: int | None = None,
) -> None:
    """Build the site, serve it and the ticket API until Ctrl-C, and rebuild on every change;
    with `smtp_port`, take the support address's mail there too."""
    data_dir = data_dir.resolve()
    builds_dir = data_dir / "site"
    shutil.rmtree(builds_dir, ignore_errors=True)  # builds of an earlier run
    builds_dir.mkdir(parents=True, exist_ok=True)
    site = Site(config_file.resolve(), builds_dir)
    if not site.rebuild():
        raise BuildError(say("cli_serve_failed"))
    stop_watching = watch(site, config_file.resolve().parent) if watch_changes else (lambda: None)
    configure_function(data_dir)
    started: list[FunctionInstances] = []

    def function_at(url: str) -> FunctionInstances:
        # Links in e-mails point here unless the site has a public address of its own; the workers,
        # started now, read it.
        os.environ.setdefault("KBDESK_SITE_URL", url)
        started.append(FunctionInstances(workers))
        return started[0]

    # The site keeps threads of its own beyond those that wait for the function's workers.
    settings = from_environment()
    server = open_portal(settings, site, function_at, host=host, port=port, threads=workers + 8, **waitress_options())
    instances = started[0]
    stop_sending = send_outbox_every(FLUSH_SECONDS, instances)
    files = LocalFiles(settings.attachments_dir, settings.signing_secret)
    receiving = start_receiving(host, smtp_port, settings.support_email, files, instances) if smtp_port else None
    log.info("serving on %s/ (Ctrl-C to stop)", server.url)
    if receiving:
        log.info("receiving %s's mail by SMTP on %s:%d", settings.support_email, host, smtp_port)
    # Ctrl-C, and SIGTERM from a service manager, stop it cleanly; set here because a server
    # started in the background inherits SIGINT ignored, and Python then never raises it.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        server.run()
    except KeyboardInterrupt:
        log.info("stopping")
    finally:
        stop_watching()
        if receiving:
            receiving.stop()
        stop_sending()
        server.stop()
        instances.close()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
