"""Powertools' Idempotency utility on SQLite: the same rules as its DynamoDB layer.

A record may be written when none exists, when the old one has expired, or
when an in-progress one outlived its deadline; otherwise the request is a
repeat, and the utility answers it from the stored response (or refuses a
different body with the same key).
"""

from __future__ import annotations

import sqlite3
import time

from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyItemAlreadyExistsError,
    IdempotencyItemNotFoundError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord

from .sqlite_store import SQLiteStore

INPROGRESS = "INPROGRESS"


class SQLiteIdempotency(BasePersistenceLayer):
    def __init__(self, store: SQLiteStore) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # Powertools' own __init__ is unannotated
        self.store = store

    def _get_record(self, idempotency_key: str) -> DataRecord:
        row = self.store.connection().execute("SELECT * FROM idempotency WHERE key = ?", (idempotency_key,)).fetchone()
        if row is None:
            raise IdempotencyItemNotFoundError
        return _record(row)

    def _put_record(self, data_record: DataRecord) -> None:
        now = time.time()
        with self.store.transaction() as db:
            row = db.execute("SELECT * FROM idempotency WHERE key = ?", (data_record.idempotency_key,)).fetchone()
            if row is not None and not _replaceable(row, now):
                old = _record(row)
                # As the DynamoDB layer does: the same key with another body is a conflict, not a repeat.
                self._validate_payload(data_payload=data_record, stored_data_record=old)
                raise IdempotencyItemAlreadyExistsError(old_data_record=old)
            db.execute(
                "INSERT OR REPLACE INTO idempotency (key, status, expiry, in_progress_expiry, response_data, payload_hash) "
                "VALUES (?,?,?,?,?,?)",
                (
                    data_record.idempotency_key,
                    data_record.status,
                    data_record.expiry_timestamp,
                    data_record.in_progress_expiry_timestamp,
                    data_record.response_data,
                    data_record.payload_hash,
                ),
            )

    def _update_record(self, data_record: DataRecord) -> None:
        with self.store.transaction() as db:
            db.execute(
                "UPDATE idempotency SET status = ?, expiry = ?, response_data = ?, payload_hash = ? WHERE key = ?",
                (
                    data_record.status,
                    data_record.expiry_timestamp,
                    data_record.response_data,
                    data_record.payload_hash,
                    data_record.idempotency_key,
                ),
            )

    def _delete_record(self, data_record: DataRecord) -> None:
        with self.store.transaction() as db:
            db.execute("DELETE FROM idempotency WHERE key = ?", (data_record.idempotency_key,))


def _replaceable(row: sqlite3.Row, now: float) -> bool:
    expired = row["expiry"] is not None and row["expiry"] < now
    stalled = row["status"] == INPROGRESS and row["in_progress_expiry"] is not None and row["in_progress_expiry"] < now * 1000
    return expired or stalled


def _record(row: sqlite3.Row) -> DataRecord:
    return DataRecord(
        idempotency_key=row["key"],
        status=row["status"],
        expiry_timestamp=row["expiry"],
        in_progress_expiry_timestamp=row["in_progress_expiry"],
        response_data=row["response_data"] or "",
        payload_hash=row["payload_hash"] or "",
    )
