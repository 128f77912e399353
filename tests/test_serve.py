"""`kbdesk serve`: one origin for the site, rebuilt while writers edit."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from kb_helpers import article, write


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def wait_until(check, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def start(project: Path, *options: str, env: dict[str, str] | None = None) -> tuple[subprocess.Popen, str]:
    """`kbdesk serve` on a free port in the project, once it answers; the process and its address."""
    port = free_port()
    log = open(project / "serve.log", "w")
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "kbdesk"), "serve", "--port", str(port), "--data-dir", "var", *options],
        cwd=project,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **(env or {})},
    )
    log.close()
    url = f"http://127.0.0.1:{port}/"

    def up() -> bool:
        try:
            return get(url + "api/health")[0] == 200
        except OSError:
            return False

    assert wait_until(up, 60), (project / "serve.log").read_text()
    return process, url


def interrupt(process: subprocess.Popen, project: Path) -> None:
    process.send_signal(signal.SIGINT)
    process.wait(timeout=10)
    assert process.returncode == 0, (project / "serve.log").read_text()  # Ctrl-C stops it cleanly


@pytest.fixture
def server(project: Path) -> Iterator[str]:
    process, url = start(project)
    yield url
    interrupt(process, project)


def test_sigterm_stops_the_server_cleanly(project: Path) -> None:
    process, _ = start(project, "--no-watch")
    process.terminate()
    assert process.wait(timeout=10) == 0


def test_serves_the_site_with_caching_headers_and_gzip(server: str) -> None:
    status, headers, body = get(server)
    assert status == 200 and "Como podemos ajudar?" in body.decode()
    assert headers["Cache-Control"] == "max-age=0, public"
    status, headers, _ = get(server + "pagefind/pagefind.js", {"Accept-Encoding": "gzip"})
    assert status == 200 and headers.get("Content-Encoding") == "gzip"
    status, _, _ = get(server + "omni-crm/boletos/")
    assert status == 200
    status, _, body = get(server + "nao-existe/")
    assert status == 404 and "404" in body.decode()


def test_the_sign_in_page_never_sends_its_token_as_a_referrer(server: str) -> None:
    status, headers, _ = get(server + "entrar/?token=abc")
    assert status == 200 and headers["Referrer-Policy"] == "no-referrer"
    status, headers, _ = get(server)
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin" and headers["X-Content-Type-Options"] == "nosniff"


def test_pages_carry_a_content_security_policy_that_allows_exactly_their_inline_scripts(server: str) -> None:
    from kbdesk.csp import inline_scripts, script_hash

    for path in ("", "omni-crm/boletos/", "chamados/novo/", "entrar/"):
        status, headers, body = get(server + path)
        policy = dict(part.split(" ", 1) for part in headers["Content-Security-Policy"].split("; "))
        allowed = policy["script-src"].split()
        assert status == 200 and {"'self'", "'wasm-unsafe-eval'"} <= set(allowed) and "'unsafe-inline'" not in allowed
        scripts = inline_scripts(body.decode())
        assert scripts and all(script_hash(script) in allowed for script in scripts)
        assert policy["connect-src"] == "'self'" and policy["frame-ancestors"] == "'none'"


def test_an_edit_shows_on_reload_without_restarting(server: str, project: Path) -> None:
    page = server + "omni-crm/boletos/"
    write(project / "kb/omni-crm/boletos.md", article("Segunda via de boleto, revisada", "Resumo novo.", "article"))
    assert wait_until(lambda: "Segunda via de boleto, revisada" in get(page)[2].decode(), 20)

    write(project / "kb/omni-crm/novo-artigo.md", article("Artigo recém-criado"))
    assert wait_until(lambda: get(server + "omni-crm/novo-artigo/")[0] == 200, 20)


def test_a_broken_edit_keeps_the_last_good_site(server: str, project: Path) -> None:
    page = server + "omni-crm/boletos/"
    write(project / "kb/omni-crm/boletos.md", "---\ntitle: sem os outros campos\n---\n")
    log = project / "serve.log"
    assert wait_until(lambda: "build failed, still serving the previous site" in log.read_text(), 20)
    assert "kb/omni-crm/boletos.md:1: falta o campo 'summary'" in log.read_text()
    status, _, body = get(page)
    assert status == 200 and "Segunda via de boleto" in body.decode()


def stalled_connection(url: str, declared: int) -> socket.socket:
    """A client that sends a request's headers and one byte of its body, then nothing more."""
    host, port = url.removeprefix("http://").rstrip("/").split(":")
    connection = socket.create_connection((host, int(port)), timeout=5)
    connection.sendall(
        f"POST /api/tickets HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {declared}\r\n\r\n{{".encode()
    )
    return connection


def test_two_hundred_stalled_clients_do_not_keep_others_out(server: str) -> None:
    stalled = [stalled_connection(server, 1000) for _ in range(200)]
    try:
        started = time.monotonic()
        status, _, body = get(server + "api/health")
        assert (status, body) == (200, b'{"status":"ok"}')
        assert time.monotonic() - started < 1  # waiting behind them would take waitress's idle timeout
        assert get(server)[0] == 200
    finally:
        for connection in stalled:
            connection.close()


def test_a_body_declared_larger_than_any_request_is_refused_before_it_is_sent(server: str) -> None:
    connection = stalled_connection(server, 26 * 1024 * 1024)  # more than an attachment and its form
    with connection:
        answer = connection.recv(200)
    assert answer.startswith(b"HTTP/1.1 413"), answer


def ask_sign_in(url: str, forwarded_for: str) -> int:
    request = urllib.request.Request(
        url + "api/auth/login",
        data=json.dumps({"email": "ana@cliente.com.br"}).encode(),
        headers={"Content-Type": "application/json", "X-Forwarded-For": forwarded_for},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.parametrize(("trusted", "second_caller"), [("127.0.0.1", 202), ("", 429)])
def test_the_callers_address_comes_from_x_forwarded_for_only_behind_a_trusted_proxy(
    project: Path, trusted: str, second_caller: int
) -> None:
    env = {"KBDESK_TRUSTED_PROXY": trusted, "KBDESK_RATE_LIMITS": "login_ip=2/h"}
    process, url = start(project, "--no-watch", env=env)
    try:
        assert [ask_sign_in(url, "198.51.100.7") for _ in range(3)] == [202, 202, 429]
        assert ask_sign_in(url, "203.0.113.20") == second_caller  # another caller, or the same one lying
    finally:
        interrupt(process, project)
