"""Load on the local server: POST /api/tickets from concurrent clients.

    python bench/tickets_load.py --clients 8 --seconds 20
    python bench/tickets_load.py --checkout ../baseline --checkout . --rounds 3

Starts `kbdesk serve` as its own process on a fresh data dir (SQLite, files
folder, outbox folder; rate limits off), then 8 clients, each on a keep-alive
connection, open tickets as fast as the server answers for 20 seconds. Every
answer is checked to be its own request's ticket (subject and requester), and
afterwards the stored tickets must be exactly the answered ones, each once,
with two e-mails each. Prints tickets per second, p50/p99 latency, errors,
crossed answers and those counts.

With several `--checkout`s (source trees of kbdesk, e.g. a worktree of an
older commit) the runs alternate between them, round after round, on the same
machine and the same Python environment, so their rates compare side by side.
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
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVE = "from kbdesk.cli import main; main()"


@dataclass
class Answers:
    """What the clients saw: one latency and status per request, and any answer that was not its own."""

    latencies: list[float] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    answered: list[str] = field(default_factory=list)  # subjects of the 201s
    crossed: list[str] = field(default_factory=list)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def commit_of(checkout: Path) -> str:
    found = subprocess.run(["git", "-C", str(checkout), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(
        ["git", "-C", str(checkout), "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True
    ).stdout.strip()
    return (found.stdout.strip() or str(checkout)) + ("+changes" if dirty else "")


def start_server(checkout: Path, data_dir: Path, port: int) -> subprocess.Popen:
    """`kbdesk serve` from the checkout's own source (it comes first on the path)."""
    path = os.pathsep.join([str(checkout / "src"), str(checkout / "functions")])
    env = {**os.environ, "KBDESK_RATE_LIMITS": "off", "PYTHONPATH": path}
    process = subprocess.Popen(
        [sys.executable, "-c", SERVE, "serve", "--port", str(port), "--data-dir", str(data_dir), "--no-watch"],
        cwd=checkout,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
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


def client(port: int, number: int, stop_at: float, answers: Answers, lock: threading.Lock) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    sent = 0
    while time.monotonic() < stop_at:
        sent += 1
        subject, email = f"Lentidão ao salvar contato {number}-{sent}", f"cliente{number}@example.com"
        body = json.dumps(
            {
                "request_type": "incident",
                "product": "omni-crm",
                "subject": subject,
                "description": "Desde ontem, ao salvar um contato, os atendentes esperam mais de 30 segundos.",
                "email": email,
                "name": "Cliente",
            }
        )
        started = time.perf_counter()
        connection.request("POST", "/api/tickets", body=body, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        payload = response.read()
        elapsed = time.perf_counter() - started
        with lock:
            answers.latencies.append(elapsed)
            answers.statuses.append(response.status)
            if response.status == 201:
                ticket = json.loads(payload)
                answers.answered.append(subject)
                if (ticket["subject"], ticket["requester"]["email"]) != (subject, email):
                    answers.crossed.append(f"{subject} answered with {ticket['number']}: {ticket['subject']}")


def run(checkout: Path, clients: int, seconds: float) -> dict[str, object]:
    data_dir = Path(tempfile.mkdtemp(prefix="kbdesk-load-"))
    port = free_port()
    server = start_server(checkout, data_dir, port)
    answers, lock = Answers(), threading.Lock()
    try:
        stop_at = time.monotonic() + seconds
        threads = [threading.Thread(target=client, args=(port, n, stop_at, answers, lock)) for n in range(clients)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(timeout=30)

    created = answers.statuses.count(201)
    stored = [row[0] for row in sqlite3.connect(data_dir / "kbdesk.sqlite3").execute("SELECT subject FROM tickets")]
    emails = len(list((data_dir / "outbox").glob("*.eml")))
    ordered = sorted(answers.latencies)
    return {
        "commit": commit_of(checkout),
        "clients": clients,
        "seconds": round(elapsed, 1),
        "tickets_per_second": round(created / elapsed, 1),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p99_ms": round(ordered[int(len(ordered) * 0.99) - 1] * 1000, 1),
        "errors": len(answers.statuses) - created,
        "crossed_answers": len(answers.crossed),
        "created_201": created,
        "stored_tickets": len(stored),
        "emails_written": emails,
        # Each answered ticket stored once, and nothing stored that nobody was answered.
        "stored_equals_created": sorted(stored) == sorted(answers.answered) and emails == 2 * created,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument(
        "--checkout", type=Path, action="append", help="a kbdesk source tree to serve (repeat to compare; default: this one)"
    )
    parser.add_argument("--rounds", type=int, default=1, help="runs per checkout, alternating between them")
    args = parser.parse_args()

    checkouts = [c.resolve() for c in args.checkout or [ROOT]]
    results: dict[Path, list[dict[str, object]]] = {c: [] for c in checkouts}
    for _ in range(args.rounds):
        for checkout in checkouts:
            result = run(checkout, args.clients, args.seconds)
            results[checkout].append(result)
            print(json.dumps(result), flush=True)
    if args.rounds > 1 or len(checkouts) > 1:
        for runs in results.values():
            rates = [float(r["tickets_per_second"]) for r in runs]  # type: ignore[arg-type]
            print(f"{runs[0]['commit']}: median {statistics.median(rates)} tickets/s over {len(rates)} run(s)")


if __name__ == "__main__":
    main()
