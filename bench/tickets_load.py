"""Load on the local server: POST /api/tickets from concurrent clients.

    python bench/tickets_load.py --clients 8 --seconds 20

Starts `kbdesk serve` as its own process on a fresh data dir (SQLite, files
folder, outbox folder; rate limits off), then 8 clients, each on a keep-alive
connection, open tickets as fast as the server answers for 20 seconds. Prints
tickets per second, p50/p99 latency, errors, and checks that exactly as many
tickets are stored (and e-mails written) as 201s were returned.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(data_dir: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "KBDESK_RATE_LIMITS": "off"}
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "kbdesk"), "serve", "--port", str(port), "--data-dir", str(data_dir), "--no-watch"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/api/health")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit("the server did not start")


def client(port: int, number: int, stop_at: float, latencies: list[float], statuses: list[int]) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    sent = 0
    while time.monotonic() < stop_at:
        sent += 1
        body = json.dumps({
            "request_type": "incident", "product": "omni-crm",
            "subject": f"Lentidão ao salvar contato {number}-{sent}",
            "description": "Desde ontem, ao salvar um contato, os atendentes esperam mais de 30 segundos.",
            "email": f"cliente{number}@example.com", "name": "Cliente",
        })
        started = time.perf_counter()
        connection.request("POST", "/api/tickets", body=body, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        latencies.append(time.perf_counter() - started)
        statuses.append(response.status)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="kbdesk-load-"))
    port = free_port()
    server = start_server(data_dir, port)
    try:
        latencies: list[float] = []
        statuses: list[int] = []
        stop_at = time.monotonic() + args.seconds
        threads = [threading.Thread(target=client, args=(port, n, stop_at, latencies, statuses)) for n in range(args.clients)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(timeout=30)

    created = statuses.count(201)
    stored = sqlite3.connect(data_dir / "kbdesk.sqlite3").execute("SELECT count(*) FROM tickets").fetchone()[0]
    emails = len(list((data_dir / "outbox").glob("*.eml")))
    ordered = sorted(latencies)
    print(json.dumps({
        "clients": args.clients,
        "seconds": round(elapsed, 1),
        "tickets_per_second": round(created / elapsed, 1),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p99_ms": round(ordered[int(len(ordered) * 0.99) - 1] * 1000, 1),
        "errors": len(statuses) - created,
        "created_201": created,
        "stored_tickets": stored,
        "emails_written": emails,
        "stored_equals_created": stored == created and emails == 2 * created,
    }, indent=2))


if __name__ == "__main__":
    main()
