"""Reminders, timers and scheduled actions that survive a SIGKILL and never fire twice.

Two things live in <state_dir>/schedule.sqlite:
- `homevox_items` (the truth: what is pending, its next due instant, its cron rule) and
  `homevox_fired` (one row per fired occurrence, primary key (item, due)), daemon.schedule_store;
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
import logging
import os
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

import tzlocal
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger

from daemon.config import LoadedConfig
from daemon.schedule_store import SchedulerError, ScheduleStore, decode_request, encode_request
from skills.base import IntentRequest, ScheduledItem
from skills.when import add_real_time, describe_cron, next_cron_time

log = logging.getLogger(__name__)

OnDue = Callable[[ScheduledItem, bool], Awaitable[None]]
"""Speak and publish a due item; the bool is True when it fell due while homevox was down."""
RunAction = Callable[[IntentRequest], Awaitable[None]]
"""Carry out a scheduled device action."""
OnExpired = Callable[[ScheduledItem], Awaitable[None]]
"""An item missed longer ago than the grace period (not spoken; default: logged)."""
Clock = Callable[[], datetime]

_EARLY_SECONDS = 0.5
"""A wake-up this early still counts as due (APScheduler and our clock may differ by ms)."""
_RUNNING: dict[str, HomeScheduler] = {}
"""Started schedulers by database path, so a pickled job can find its scheduler."""


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
        self._store = ScheduleStore(self._path, zone)
        self._fire_lock = asyncio.Lock()
        self._apscheduler: AsyncIOScheduler | None = None
        self._started_at: datetime | None = None

    @property
    def path(self) -> Path:
        return self._path

    def now(self) -> datetime:
        return self._clock().astimezone(self._zone)

    async def start(self) -> None:
        """Open the store, announce what fell due while down, then wake at each due instant."""
        self._store.open()
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
        self._store.close()

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
        body = encode_request(request)
        return self._add("action", request.text or request.intent, due, request=body)

    def pending(self, kind: str | None = None) -> Sequence[ScheduledItem]:
        return self._store.items(kind)

    def cancel(self, item_id: str) -> bool:
        deleted = self._store.delete(item_id)
        self._remove_job(item_id)
        return deleted

    # --- firing ---------------------------------------------------------------------------

    async def fire_due(self) -> list[ScheduledItem]:
        """Fire every item due by now(); called by each wake-up, at start, and by tests."""
        async with self._fire_lock:
            fired: list[ScheduledItem] = []
            now = self.now()
            horizon = (now + timedelta(seconds=_EARLY_SECONDS)).timestamp()
            for item, rule, request in self._store.due_by(horizon):
                claimed = self._claim(item, rule, now)
                if claimed is None:
                    continue
                await self._deliver(item, claimed, request, now)
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
        first = self._store.claim(item, outcome, now, next_due)
        if next_due is None:
            self._remove_job(item.id)
        else:
            self._add_job(item.id, next_due)
        if not first:
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
                await self._run_action(decode_request(request))
            else:
                await self._on_due(item, outcome == "missed")
        except Exception:
            log.exception("delivering %s %s failed", item.kind, item.id)
        self._store.mark_delivered(item)

    # --- helpers --------------------------------------------------------------------------

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
        self._store.insert(item_id, kind, text, due, rule, request, self.now())
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

    def _report_interrupted(self) -> None:
        for item_id, kind, text in self._store.undelivered():
            log.warning(
                "homevox stopped while announcing %s %s %r; not repeating it", kind, item_id, text
            )
        self._store.mark_interrupted()

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
        rows = self._store.due_times()
        wanted = {row[0] for row in rows}
        for job in self._apscheduler.get_jobs():
            if job.id not in wanted:
                job.remove()
        for item_id, due_utc in rows:
            self._add_job(item_id, datetime.fromtimestamp(due_utc, UTC))


# Kept in this module: the job store saves each job's function as the text reference
# "daemon.scheduler:_wake", and a schedule.sqlite written earlier must still resolve it.
async def _wake(path: str) -> None:
    """APScheduler job: fire whatever is due in the scheduler of database `path`."""
    scheduler = _RUNNING.get(path)
    if scheduler is not None:
        await scheduler.fire_due()
