"""The scheduler's SQLite tables: pending items and the ledger of fired occurrences."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

from daemon.errors import HomevoxError
from skills.base import IntentRequest, ScheduledItem
from skills.when import describe_cron

_SCHEMA = """
CREATE TABLE IF NOT EXISTS homevox_items (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, text TEXT NOT NULL, due_utc REAL NOT NULL,
    rule TEXT, request TEXT, created_utc REAL NOT NULL);
CREATE TABLE IF NOT EXISTS homevox_fired (
    item_id TEXT NOT NULL, due_utc REAL NOT NULL, fired_utc REAL NOT NULL, kind TEXT NOT NULL,
    text TEXT NOT NULL, outcome TEXT NOT NULL, delivered INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (item_id, due_utc));
"""


class SchedulerError(HomevoxError):
    """The reminder store cannot be used."""


def encode_request(request: IntentRequest) -> str:
    """A scheduled action's request as stored in homevox_items.request."""
    return json.dumps(
        {"intent": request.intent, "slots": dict(request.slots), "text": request.text}
    )


def decode_request(stored: str) -> IntentRequest:
    """The request that encode_request stored."""
    body = json.loads(stored)
    return IntentRequest(intent=body["intent"], slots=body["slots"], text=body["text"])


class ScheduleStore:
    """homevox_items and homevox_fired in one SQLite file; each access holds one lock."""

    def __init__(self, path: Path, zone: tzinfo) -> None:
        self._path = path
        self._zone = zone
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None

    def open(self) -> None:
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                self._path, timeout=10, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as err:
            raise SchedulerError(
                "state_dir",
                f"cannot use {self._path} ({err}); set [reminders] state_dir to a writable folder",
            ) from err
        self._db = conn

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    # --- items ----------------------------------------------------------------------------

    def insert(
        self,
        item_id: str,
        kind: str,
        text: str,
        due: datetime,
        rule: str | None,
        request: str | None,
        created: datetime,
    ) -> None:
        with self._lock:
            self._conn().execute(
                "INSERT INTO homevox_items (id, kind, text, due_utc, rule, request, created_utc)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (item_id, kind, text, due.timestamp(), rule, request, created.timestamp()),
            )

    def items(self, kind: str | None = None) -> list[ScheduledItem]:
        """Pending items (of one kind, or all), soonest first."""
        query = "SELECT id, kind, text, due_utc, rule FROM homevox_items"
        rows = (
            self._query(query + " WHERE kind = ? ORDER BY due_utc", (kind,))
            if kind
            else self._query(query + " ORDER BY due_utc", ())
        )
        return [self._item(row) for row in rows]

    def due_by(self, horizon_utc: float) -> Iterator[tuple[ScheduledItem, str | None, str | None]]:
        """(item, crontab rule, stored request) of each item due by `horizon_utc`, soonest first."""
        rows = self._query(
            "SELECT id, kind, text, due_utc, rule, request FROM homevox_items"
            " WHERE due_utc <= ? ORDER BY due_utc",
            (horizon_utc,),
        )
        for row in rows:
            yield self._item(row[:5]), row[4], row[5]

    def due_times(self) -> list[tuple[str, float]]:
        """(id, due_utc) of every pending item."""
        return [
            (row[0], row[1]) for row in self._query("SELECT id, due_utc FROM homevox_items", ())
        ]

    def delete(self, item_id: str) -> bool:
        with self._lock:
            deleted = (
                self._conn().execute("DELETE FROM homevox_items WHERE id = ?", (item_id,)).rowcount
            )
            self._conn().commit()
        return deleted > 0

    # --- fired occurrences ----------------------------------------------------------------

    def claim(
        self, item: ScheduledItem, outcome: str, fired: datetime, next_due: datetime | None
    ) -> bool:
        """In one transaction, the ledger row of this occurrence and the item deleted (one-off)
        or moved to `next_due`; False when the ledger already had it (the item moves anyway)."""
        with self._lock:
            conn = self._conn()
            try:
                conn.execute("BEGIN IMMEDIATE")
                first = self._insert_fired(conn, item, outcome, fired)
                if next_due is None:
                    conn.execute("DELETE FROM homevox_items WHERE id = ?", (item.id,))
                else:
                    conn.execute(
                        "UPDATE homevox_items SET due_utc = ? WHERE id = ?",
                        (next_due.timestamp(), item.id),
                    )
                conn.execute("COMMIT")
            except sqlite3.Error as err:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise SchedulerError(
                    "store_failed",
                    f"cannot record {item.kind} {item.id} as fired in {self._path}: {err}",
                ) from err
        return first

    @staticmethod
    def _insert_fired(
        conn: sqlite3.Connection, item: ScheduledItem, outcome: str, fired: datetime
    ) -> bool:
        """The ledger row of this occurrence; False when its primary key is already there."""
        try:
            conn.execute(
                "INSERT INTO homevox_fired (item_id, due_utc, fired_utc, kind, text,"
                " outcome) VALUES (?, ?, ?, ?, ?, ?)",
                (item.id, item.due.timestamp(), fired.timestamp(), item.kind, item.text, outcome),
            )
        except sqlite3.IntegrityError:
            return False
        return True

    def mark_delivered(self, item: ScheduledItem) -> None:
        with self._lock:
            self._conn().execute(
                "UPDATE homevox_fired SET delivered = 1 WHERE item_id = ? AND due_utc = ?",
                (item.id, item.due.timestamp()),
            )
            self._conn().commit()

    def undelivered(self) -> list[tuple[str, str, str]]:
        """(item id, kind, text) of each occurrence claimed but never delivered."""
        rows = self._query("SELECT item_id, kind, text FROM homevox_fired WHERE delivered = 0", ())
        return [(row[0], row[1], row[2]) for row in rows]

    def mark_interrupted(self) -> None:
        """Mark the undelivered occurrences as interrupted, so they are reported only once."""
        with self._lock:
            self._conn().execute("UPDATE homevox_fired SET delivered = -1 WHERE delivered = 0")

    # --- helpers --------------------------------------------------------------------------

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise SchedulerError("not_started", "the scheduler is not running; start() it first")
        return self._db

    def _query(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        with self._lock:
            return list(self._conn().execute(sql, params).fetchall())

    def _item(self, row: tuple[Any, ...]) -> ScheduledItem:
        item_id, kind, text, due_utc, rule = row
        due = datetime.fromtimestamp(due_utc, UTC).astimezone(self._zone)
        return ScheduledItem(
            id=item_id,
            kind=kind,
            due=due,
            text=text,
            recurrence=describe_cron(rule) if rule else None,
        )
