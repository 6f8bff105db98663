"""Reminders, timers and scheduled actions that survive a SIGKILL and never fire twice.

Two things live in <state_dir>/schedule.sqlite:
- `homevox_items` (the truth: what is pending, its next due instant, its cron rule) and
  `homevox_fired` (one row per fired occurrence, primary key (item, due)), written with sqlite3;
- APScheduler's SQLAlchemy job store, one date job per item at its due instant, which only
  wakes us (a recurring item's next occurrence comes from APScheduler's CronTrigger in the
  home's zone, so DST is handled); at start the jobs are reconciled with the items table.

Firing an occurrence is claimed in ONE transaction before anyone hears it: the ledger row is
inserted and the item deleted (one-off) or moved to its next occurrence (recurring). A kill
after the commit loses at most that one announcement (logged at the next start as
interrupted), a kill before it leaves the item pending, to be announced as missed. Nothing
can be announced twice: the claim is atomic and the ledger's primary key refuses a second.

What fell due while homevox was down is handled at start: within `missed_grace` it goes to
on_due(item, missed=True) ("While I was away: ..."); older, to on_expired (default: a logged
warning), so a stale "take your pills" is not spoken days late but is never dropped silently.
A scheduled device action that was missed is never carried out late: it is reported through
on_due like a reminder. A recurring item that missed several occurrences reports one and moves
on to its next occurrence after now.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import sqlite3
import threading
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import tzlocal
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger

from daemon.config import LoadedConfig
from daemon.errors import HomevoxError
from skills.base import IntentRequest, ScheduledItem
from skills.when import add_real_time, describe_cron, next_cron_time, spoken_time

log = logging.getLogger(__name__)

OnDue = Callable[[ScheduledItem, bool], Awaitable[None]]
"""Speak and publish a due item; the bool is True when it fell due while homevox was down."""
RunAction = Callable[[IntentRequest], Awaitable[None]]
"""Carry out a scheduled device action."""
OnExpired = Callable[[ScheduledItem], Awaitable[None]]
"""An item missed longer ago than the grace period (not spoken; default: logged)."""
Clock = Callable[[], datetime]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS homevox_items (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, text TEXT NOT NULL, due_utc REAL NOT NULL,
    rule TEXT, request TEXT, created_utc REAL NOT NULL);
CREATE TABLE IF NOT EXISTS homevox_fired (
    item_id TEXT NOT NULL, due_utc REAL NOT NULL, fired_utc REAL NOT NULL, kind TEXT NOT NULL,
    text TEXT NOT NULL, outcome TEXT NOT NULL, delivered INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (item_id, due_utc));
"""
_EARLY_SECONDS = 0.5
"""A wake-up this early still counts as due (APScheduler and our clock may differ by ms)."""
_RUNNING: dict[str, HomeScheduler] = {}
"""Started schedulers by database path, so a pickled job can find its scheduler."""


class SchedulerError(HomevoxError):
    """The reminder store cannot be used."""


def state_dir_for(loaded: LoadedConfig) -> Path:
    """[reminders] state_dir, else $STATE_DIRECTORY (systemd), else $XDG_STATE_HOME/homevox."""
    configured = loaded.config.reminders.state_dir
    if configured:
        return loaded.resolve(configured)
    systemd = os.environ.get("STATE_DIRECTORY", "")
    if systemd:
        return Path(systemd.split(":")[0])
    xdg = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(xdg) / "homevox"


def zone_for(loaded: LoadedConfig) -> tzinfo:
    """[assistant] timezone, else the system's zone."""
    name = loaded.config.assistant.timezone
    return ZoneInfo(name) if name else tzlocal.get_localzone()


def reminder_payload(item: ScheduledItem, fired: datetime, missed: bool) -> str:
    """JSON for homevox/<assistant>/reminder: id, text, kind, due, fired (ISO 8601), missed."""
    body = {
        "id": item.id,
        "text": item.text,
        "kind": item.kind,
        "due": item.due.isoformat(),
        "fired": fired.isoformat(),
        "missed": missed,
    }
    return json.dumps(body)


def announcement(item: ScheduledItem, missed: bool) -> str:
    """What the daemon says when `item` is due ("While I was away: ..." when missed)."""
    if item.kind == "timer":
        name = f"{item.text} timer" if item.text else "timer"
        said = (
            f"Your {name} is done."
            if not missed
            else f"your {name} went off at {spoken_time(item.due.time())}."
        )
    elif item.kind == "action":
        said = f"at {spoken_time(item.due.time())} I was to {item.text}; I did not do it late."
    else:
        said = (
            f"Reminder: {item.text}."
            if not missed
            else f"at {spoken_time(item.due.time())}, {item.text}."
        )
    return f"While I was away: {said}" if missed else said


class HomeScheduler:
    """skills.base.Scheduler on APScheduler 3 with a SQLite store; see the module docstring."""

    def __init__(
        self,
        state_dir: Path,
        zone: tzinfo,
        on_due: OnDue,
        run_action: RunAction,
        *,
        missed_grace: timedelta = timedelta(minutes=720),
        on_expired: OnExpired | None = None,
        now: Clock | None = None,
    ) -> None:
        self._path = state_dir / "schedule.sqlite"
        self._zone = zone
        self._on_due = on_due
        self._run_action = run_action
        self._on_expired = on_expired
        self._grace = missed_grace
        self._clock = now or (lambda: datetime.now(zone))
        self._lock = threading.Lock()
        self._fire_lock = asyncio.Lock()
        self._db: sqlite3.Connection | None = None
        self._apscheduler: AsyncIOScheduler | None = None
        self._started_at: datetime | None = None

    @property
    def path(self) -> Path:
        return self._path

    def now(self) -> datetime:
        return self._clock().astimezone(self._zone)

    async def start(self) -> None:
        """Open the store, announce what fell due while down, then wake at each due instant."""
        self._db = self._open()
        self._started_at = self.now()
        self._report_interrupted()
        await self.fire_due()
        store = SQLAlchemyJobStore(url=f"sqlite:///{self._path}", tablename="apscheduler_jobs")
        self._apscheduler = AsyncIOScheduler(
            jobstores={"default": store},
            job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 3},
            timezone=self._zone,
        )
        _RUNNING[str(self._path)] = self
        self._apscheduler.start()
        self._reconcile_jobs()
        log.info("scheduler started with %d pending item(s) in %s", len(self.pending()), self._path)

    async def stop(self) -> None:
        if self._apscheduler is not None and self._apscheduler.running:
            self._apscheduler.shutdown(wait=False)
        _RUNNING.pop(str(self._path), None)
        if self._db is not None:
            self._db.close()
            self._db = None

    # --- skills.base.Scheduler -------------------------------------------------------------

    def add_reminder(
        self, text: str, due: datetime, recurrence: str | None = None
    ) -> ScheduledItem:
        """Remind `text` at `due`; `recurrence` is a crontab rule from skills.when (or None)."""
        if recurrence is not None:
            try:
                CronTrigger.from_crontab(recurrence, timezone=self._zone)
            except ValueError as err:
                raise SchedulerError(
                    "bad_recurrence", f"cannot repeat {recurrence!r}: {err}"
                ) from err
        return self._add("reminder", text, due, rule=recurrence)

    def add_timer(self, name: str, seconds: float) -> ScheduledItem:
        due = add_real_time(self.now(), timedelta(seconds=seconds))
        return self._add("timer", name, due)

    def add_action(self, request: IntentRequest, due: datetime) -> ScheduledItem:
        body = json.dumps(
            {"intent": request.intent, "slots": dict(request.slots), "text": request.text}
        )
        return self._add("action", request.text or request.intent, due, request=body)

    def pending(self, kind: str | None = None) -> Sequence[ScheduledItem]:
        query = "SELECT id, kind, text, due_utc, rule FROM homevox_items"
        rows = (
            self._query(query + " WHERE kind = ? ORDER BY due_utc", (kind,))
            if kind
            else self._query(query + " ORDER BY due_utc", ())
        )
        return [self._item(row) for row in rows]

    def cancel(self, item_id: str) -> bool:
        with self._lock:
            deleted = (
                self._conn().execute("DELETE FROM homevox_items WHERE id = ?", (item_id,)).rowcount
            )
            self._conn().commit()
        self._remove_job(item_id)
        return deleted > 0

    # --- firing ---------------------------------------------------------------------------

    async def fire_due(self) -> list[ScheduledItem]:
        """Fire every item due by now(); called by each wake-up, at start, and by tests."""
        async with self._fire_lock:
            fired: list[ScheduledItem] = []
            now = self.now()
            horizon = (now + timedelta(seconds=_EARLY_SECONDS)).timestamp()
            rows = self._query(
                "SELECT id, kind, text, due_utc, rule, request FROM homevox_items"
                " WHERE due_utc <= ? ORDER BY due_utc",
                (horizon,),
            )
            for row in rows:
                item = self._item(row[:5])
                claimed = self._claim(item, row[4], now)
                if claimed is None:
                    continue
                await self._deliver(item, claimed, row[5], now)
                fired.append(item)
            return fired

    def _claim(self, item: ScheduledItem, rule: str | None, now: datetime) -> str | None:
        """Record the occurrence and advance the item in one transaction; None if already fired."""
        started = self._started_at or now
        missed = item.due < started - timedelta(seconds=_EARLY_SECONDS)
        outcome = (
            "expired"
            if missed and item.due < now - self._grace
            else ("missed" if missed else "on_time")
        )
        next_due = next_cron_time(rule, now) if rule else None
        with self._lock:
            conn = self._conn()
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    conn.execute(
                        "INSERT INTO homevox_fired (item_id, due_utc, fired_utc, kind, text,"
                        " outcome) VALUES (?, ?, ?, ?, ?, ?)",
                        (
                            item.id,
                            item.due.timestamp(),
                            now.timestamp(),
                            item.kind,
                            item.text,
                            outcome,
                        ),
                    )
                except sqlite3.IntegrityError:
                    outcome = ""
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
        if next_due is None:
            self._remove_job(item.id)
        else:
            self._add_job(item.id, next_due)
        if not outcome:
            log.warning(
                "%s %s due %s was already fired; not firing it again", item.kind, item.id, item.due
            )
            return None
        return outcome

    async def _deliver(
        self, item: ScheduledItem, outcome: str, request: str | None, now: datetime
    ) -> None:
        try:
            if outcome == "expired":
                log.warning(
                    "missed %s %r due %s (older than the grace period): not announced",
                    item.kind,
                    item.text,
                    item.due,
                )
                if self._on_expired is not None:
                    await self._on_expired(item)
            elif item.kind == "action" and outcome == "on_time" and request:
                body = json.loads(request)
                await self._run_action(
                    IntentRequest(intent=body["intent"], slots=body["slots"], text=body["text"])
                )
            else:
                await self._on_due(item, outcome == "missed")
        except Exception:
            log.exception("delivering %s %s failed", item.kind, item.id)
        with self._lock:
            self._conn().execute(
                "UPDATE homevox_fired SET delivered = 1 WHERE item_id = ? AND due_utc = ?",
                (item.id, item.due.timestamp()),
            )
            self._conn().commit()

    # --- storage --------------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
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
        return conn

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise SchedulerError("not_started", "the scheduler is not running; start() it first")
        return self._db

    def _query(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        with self._lock:
            return list(self._conn().execute(sql, params).fetchall())

    def _add(
        self,
        kind: Literal["reminder", "timer", "action"],
        text: str,
        due: datetime,
        rule: str | None = None,
        request: str | None = None,
    ) -> ScheduledItem:
        if due.tzinfo is None:
            raise SchedulerError(
                "bad_time", "a due time needs a time zone (use HomeView.now() as the base)"
            )
        item_id = uuid.uuid4().hex[:12]
        with self._lock:
            self._conn().execute(
                "INSERT INTO homevox_items (id, kind, text, due_utc, rule, request, created_utc)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (item_id, kind, text, due.timestamp(), rule, request, self.now().timestamp()),
            )
        item = ScheduledItem(
            id=item_id,
            kind=kind,
            due=due.astimezone(self._zone),
            text=text,
            recurrence=describe_cron(rule) if rule else None,
        )
        self._add_job(item_id, due)
        log.info("scheduled %s %s %r at %s", kind, item_id, text, item.due.isoformat())
        return item

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

    def _report_interrupted(self) -> None:
        rows = self._query("SELECT item_id, kind, text FROM homevox_fired WHERE delivered = 0", ())
        for item_id, kind, text in rows:
            log.warning(
                "homevox stopped while announcing %s %s %r; not repeating it", kind, item_id, text
            )
        with self._lock:
            self._conn().execute("UPDATE homevox_fired SET delivered = -1 WHERE delivered = 0")

    # --- APScheduler jobs (wake-ups only) -------------------------------------------------

    def _add_job(self, item_id: str, due: datetime) -> None:
        """One wake-up at the item's next due instant (a recurring item's job is re-added)."""
        if self._apscheduler is None:
            return
        self._apscheduler.add_job(
            "daemon.scheduler:_wake",
            DateTrigger(run_date=due),
            args=[str(self._path)],
            id=item_id,
            replace_existing=True,
        )

    def _remove_job(self, item_id: str) -> None:
        if self._apscheduler is None:
            return
        with contextlib.suppress(JobLookupError):
            self._apscheduler.remove_job(item_id)

    def _reconcile_jobs(self) -> None:
        assert self._apscheduler is not None
        rows = self._query("SELECT id, due_utc FROM homevox_items", ())
        wanted = {row[0] for row in rows}
        for job in self._apscheduler.get_jobs():
            if job.id not in wanted:
                job.remove()
        for item_id, due_utc in rows:
            self._add_job(item_id, datetime.fromtimestamp(due_utc, UTC))


async def _wake(path: str) -> None:
    """APScheduler job: fire whatever is due in the scheduler of database `path`."""
    scheduler = _RUNNING.get(path)
    if scheduler is not None:
        await scheduler.fire_due()
