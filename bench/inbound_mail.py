"""Processing one received e-mail on the local host: a 200 KB reply with one attachment.

    python bench/inbound_mail.py --messages 500

Opens 50 tickets on a fresh data dir, then replies to them as their
requesters' mail client does (the copy's Reply-To and Message-ID, a Gmail
quote of the copy, a 145 KB PNG attached: about 200 KB on the wire), each
message with a Message-ID of its own. Measured two ways, with rate limits off:

- `receive`: the function's own work, `tickets.inbound.receive` on the local
  backend (parse, match, cut the quote, check and keep the attachment, store
  the comment and its notice, keep the raw message), in this process;
- `smtp`: what the sending mail server waits for, from MAIL FROM to the 250
  of `kbdesk serve --smtp-port`, whose answer comes once the function took
  the message on one of its worker processes.

Prints p50/p99 per way; the target is p99 under 50 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import smtplib
import sys
import tempfile
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tickets_load import free_port, start_server  # noqa: E402

from tickets import inbound
from tickets.backends import local_backend
from tickets.models import TicketIn
from tickets.settings import from_environment

ROOT = Path(__file__).resolve().parent.parent
TICKETS = 50


def attachment(size: int) -> bytes:
    """A PNG of `size` bytes: its signature and header, then noise (as a screenshot compresses)."""
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + random.Random(3).randbytes(size - 16)


def replies(copies: list[EmailMessage], count: int, png: bytes) -> list[bytes]:
    rng = random.Random(5)
    messages = []
    for _ in range(count):
        copy = rng.choice(copies)
        reply = EmailMessage()
        reply["From"] = copy["To"]
        reply["To"] = copy["Reply-To"]
        reply["Subject"] = f"Re: {copy['Subject']}"
        reply["Message-ID"] = make_msgid(domain="cliente.com.br")
        reply["In-Reply-To"] = copy["Message-ID"]
        reply["References"] = copy["Message-ID"]
        quoted = "\n".join(f"> {line}" for line in copy.get_body(("plain",)).get_content().splitlines())
        reply.set_content(
            "Continua acontecendo hoje pela manhã.\nSegue a tela.\n\n"
            f"Em qui., 3 de dez. de 2026 às 10:12, Central de Ajuda <suporte@kbdesk.local> escreveu:\n{quoted}\n"
        )
        reply.add_attachment(png, maintype="image", subtype="png", filename="tela.png")
        messages.append(bytes(reply).replace(b"\n", b"\r\n"))  # as SMTP carries it
    return messages


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def summary(samples: list[float]) -> dict[str, float]:
    return {"p50_ms": round(percentile(samples, 0.5) * 1000, 1), "p99_ms": round(percentile(samples, 0.99) * 1000, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=500)
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="kbdesk-inbound-"))
    products = data_dir / "products.json"
    products.write_text(json.dumps([{"id": "omni-crm", "name": "Omni CRM"}]))
    env = {"KBDESK_DATA_DIR": str(data_dir), "KBDESK_PRODUCTS_FILE": str(products), "KBDESK_RATE_LIMITS": "off"}
    os.environ.update(env)
    desk = local_backend(from_environment(env)).desk
    for n in range(TICKETS):
        request = TicketIn(
            request_type="incident",
            product="omni-crm",
            subject=f"Lentidão ao salvar contato {n}",
            description="Desde ontem, ao salvar um contato, a tela fica parada por mais de 30 segundos.",
            email=f"pessoa{n}@cliente.com.br",
            name=f"Pessoa {n}",
        )
        desk.open_ticket(request, None, "127.0.0.1", f"bench-{n}")
    outbox = sorted((data_dir / "outbox").glob("*.eml"))
    copies = [message_from_bytes(p.read_bytes(), policy=policy.default) for p in outbox]
    copies = [m for m in copies if str(m["To"]).startswith("pessoa")]
    png = attachment(145_000)
    messages = replies(copies, args.messages * 2 + 20, png)
    size = sum(map(len, messages)) // len(messages)

    in_process = []
    for raw in messages[: args.messages]:
        started = time.perf_counter()
        outcome = inbound.receive(desk, raw)
        in_process.append(time.perf_counter() - started)
        assert outcome.action == "commented", outcome

    smtp_port = free_port()
    os.environ["KBDESK_SMTP_PORT"] = str(smtp_port)
    server = start_server(ROOT, data_dir, free_port())
    by_smtp = []
    try:
        with smtplib.SMTP("127.0.0.1", smtp_port, timeout=30) as smtp:
            for i, raw in enumerate(messages[args.messages :]):
                started = time.perf_counter()
                smtp.sendmail("pessoa@cliente.com.br", ["suporte@kbdesk.local"], raw)
                if i >= 20:  # the first ones warm the workers
                    by_smtp.append(time.perf_counter() - started)
    finally:
        server.terminate()
        server.wait(timeout=10)
    comments = sum(len(desk.ticket_for(None, c["Subject"].split("]")[0][1:]).comments) for c in copies)
    print(
        json.dumps(
            {
                "messages": args.messages,
                "message_bytes": size,
                "receive": summary(in_process),
                "smtp": summary(by_smtp),
                "comments_stored": comments,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
