"""The function's instances on one machine: the scheduled sender runs on them, as on AWS."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from test_stores import draft, mail_for

from kbdesk.gateway import LocalContext
from kbdesk.instances import FunctionInstances
from kbdesk.server import send_outbox_every
from tickets.adapters.sqlite_store import SQLiteStore


def test_the_server_runs_the_scheduled_sender_on_its_instances(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    products = tmp_path / "products.json"
    products.write_text('[{"id": "omni-crm", "name": "Omni CRM"}]')
    for name, value in {
        "KBDESK_BACKEND": "local",
        "KBDESK_DATA_DIR": str(tmp_path),
        "KBDESK_PRODUCTS_FILE": str(products),
    }.items():
        monkeypatch.setenv(name, value)
    store = SQLiteStore(tmp_path / "kbdesk.sqlite3")
    store.create_ticket(draft("ana@cliente.com.br"), "PC", mail_for("confirmation"))  # queued, not sent yet
    instances = FunctionInstances(1)
    try:
        assert instances({}, LocalContext("schedule"), handler="flush_outbox") == {
            "sent": 1,
            "failed": 0,
            "given_up": 0,
            "uploads_swept": 0,
        }
        with pytest.raises(ValueError):
            instances({}, LocalContext("x"), handler="reset")  # only the function's entry points

        store.create_ticket(draft("bia@cliente.com.br"), "PC", mail_for("confirmation"))
        stop = send_outbox_every(0.1, instances)
        deadline = time.monotonic() + 30
        while len(list((tmp_path / "outbox").glob("*PC-1002*.eml"))) == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        stop()
        assert len(list((tmp_path / "outbox").glob("*.eml"))) == 2
    finally:
        instances.close()
