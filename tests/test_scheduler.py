"""HomeScheduler on a real SQLite store and a real APScheduler: restarts, DST, cancelling."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from daemon.announcements import announcement, reminder_payload
from daemon.config import Config, LoadedConfig
from daemon.scheduler import HomeScheduler, state_dir_for
from skills.base import IntentRequest, ScheduledItem

BERLIN = ZoneInfo("Europe/Berlin")
HARNESS = Path(__file__).with_name("scheduler_harness.py")


# --- kill and restart a real child process --------------------------------------------------


def _start(
    state: Path, events: Path, *extra: str
) -> tuple[subprocess.Popen[str], list[dict[str, Any]]]:
    child = subprocess.Popen(
        [sys.executable, str(HARNESS), str(state), str(events), *extra],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    line = child.stdout.readline()  # bounded by pytest-timeout
    assert line.startswith("READY "), f"harness did not start: {line!r}"
    return child, json.loads(line.removeprefix("READY "))


def _kill(child: subprocess.Popen[str]) -> None:
    child.kill()  # SIGKILL
    code = child.wait(timeout=10)
    if child.stdout is not None:
        child.stdout.close()
    assert code == -9


def _events(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_kill_and_restart_keeps_pending_announces_missed_once(tmp_path: Path) -> None:
    state, events = tmp_path / "state", tmp_path / "events.jsonl"
    add = [
        {"kind": "reminder", "text": "water the plants", "in_seconds": 60},  # expired by restart
        {"kind": "reminder", "text": "call mom", "in_seconds": 1200},  # due while down
        {"kind": "timer", "text": "pasta", "in_seconds": 1500},  # due while down
        {"kind": "action", "text": "close the curtains", "in_seconds": 1800},  # due while down
        {"kind": "reminder", "text": "take the bins out", "in_seconds": 7200},  # after restart
    ]
    first, pending = _start(state, events, "--add", json.dumps(add), "--grace-minutes", "30")
    assert [item["text"] for item in pending] == [spec["text"] for spec in add]
    _kill(first)
    assert _events(events) == []

    # 40 minutes later: three fell due within the 30-minute grace, one before it.
    later = ("--offset-seconds", "2400", "--grace-minutes", "30")
    second, pending = _start(state, events, *later)
    assert [item["text"] for item in pending] == ["take the bins out"]
    seen = _events(events)
    assert seen == [
        {"event": "expired", "id": seen[0]["id"], "text": "water the plants", "kind": "reminder"},
        {
            "event": "due",
            "id": seen[1]["id"],
            "text": "call mom",
            "kind": "reminder",
            "missed": True,
        },
        {"event": "due", "id": seen[2]["id"], "text": "pasta", "kind": "timer", "missed": True},
        {
            "event": "due",
            "id": seen[3]["id"],
            "text": "close the curtains",
            "kind": "action",
            "missed": True,
        },
    ]
    _kill(second)

    third, pending = _start(state, events, *later)
    _kill(third)
    assert [item["text"] for item in pending] == ["take the bins out"]
    assert _events(events) == seen, "a restart fired something twice"


def test_kill_while_announcing_never_repeats(tmp_path: Path) -> None:
    state, events = tmp_path / "state", tmp_path / "events.jsonl"
    add = [{"kind": "reminder", "text": "pills", "in_seconds": 60}]
    first, _ = _start(state, events, "--add", json.dumps(add))
    _kill(first)
    dying = subprocess.Popen(
        [
            sys.executable,
            str(HARNESS),
            str(state),
            str(events),
            "--offset-seconds",
            "120",
            "--die-on-due",
            "pills",
        ],
        stdout=subprocess.DEVNULL,
    )
    assert dying.wait(timeout=60) == -9, "the harness should have killed itself inside on_due"
    third, pending = _start(state, events, "--offset-seconds", "180")
    _kill(third)
    assert pending == []
    assert _events(events) == [], "the claimed reminder was announced again after the kill"


# --- in-process, with a controllable clock ---------------------------------------------------


@dataclass
class Recorder:
    due: list[tuple[ScheduledItem, bool]] = field(default_factory=list)
    actions: list[IntentRequest] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def on_due(self, item: ScheduledItem, missed: bool) -> None:
        self.due.append((item, missed))
        self.arrived.set()

    async def run_action(self, request: IntentRequest) -> None:
        self.actions.append(request)
        self.arrived.set()


@dataclass
class Clock:
    moment: datetime

    def __call__(self) -> datetime:
        return self.moment


@pytest.fixture
async def started(tmp_path: Path) -> AsyncIterator[tuple[HomeScheduler, Recorder, Clock]]:
    clock = Clock(datetime(2026, 10, 24, 12, 0, tzinfo=BERLIN))
    recorder = Recorder()
    scheduler = HomeScheduler(tmp_path, BERLIN, recorder.on_due, recorder.run_action, now=clock)
    await scheduler.start()
    yield scheduler, recorder, clock
    await scheduler.stop()


async def test_recurring_reminder_across_autumn_dst_fires_once_per_day(
    started: tuple[HomeScheduler, Recorder, Clock],
) -> None:
    scheduler, recorder, clock = started
    first = datetime(2026, 10, 25, 2, 30, tzinfo=BERLIN)  # 02:30 happens twice that night
    item = scheduler.add_reminder("check the boiler", first, "30 2 * * *")
    assert item.recurrence == "every day at 2:30 am"
    clock.moment = datetime(2026, 10, 25, 4, 0, tzinfo=BERLIN)
    await scheduler.fire_due()
    await scheduler.fire_due()
    assert [(i.text, missed) for i, missed in recorder.due] == [("check the boiler", False)]
    (next_one,) = scheduler.pending()
    assert next_one.due == datetime(2026, 10, 26, 2, 30, tzinfo=BERLIN)
    assert next_one.due.utcoffset() == timedelta(hours=1)


async def test_spring_forward_gap_and_real_length_timer(tmp_path: Path) -> None:
    clock = Clock(datetime(2026, 3, 29, 1, 30, tzinfo=BERLIN))
    recorder = Recorder()
    scheduler = HomeScheduler(tmp_path, BERLIN, recorder.on_due, recorder.run_action, now=clock)
    await scheduler.start()
    try:
        timer = scheduler.add_timer("bread", 3600)
        # 01:30 CET + one real hour is 03:30 CEST: the clock skips 02:00-03:00.
        assert timer.due == datetime(2026, 3, 29, 3, 30, tzinfo=BERLIN)
        assert timer.due.timestamp() - clock.moment.timestamp() == 3600
        clock.moment = datetime(2026, 3, 29, 3, 29, tzinfo=BERLIN)
        assert await scheduler.fire_due() == []
        clock.moment = datetime(2026, 3, 29, 3, 30, tzinfo=BERLIN)
        assert [item.text for item in await scheduler.fire_due()] == ["bread"]
    finally:
        await scheduler.stop()


async def test_cancel_by_id_and_never_twice(started: tuple[HomeScheduler, Recorder, Clock]) -> None:
    scheduler, recorder, clock = started
    soon = clock.moment + timedelta(minutes=5)
    keep = scheduler.add_reminder("feed the cat", soon)
    drop = scheduler.add_reminder("call the plumber", soon)
    assert [i.text for i in scheduler.pending("reminder")] == ["feed the cat", "call the plumber"]
    assert scheduler.cancel(drop.id) is True
    assert scheduler.cancel(drop.id) is False
    clock.moment += timedelta(minutes=6)
    await asyncio.gather(scheduler.fire_due(), scheduler.fire_due())
    assert [(i.id, missed) for i, missed in recorder.due] == [(keep.id, False)]
    assert scheduler.pending() == []


async def test_action_runs_on_time(started: tuple[HomeScheduler, Recorder, Clock]) -> None:
    scheduler, recorder, clock = started
    request = IntentRequest("curtains.close", {"device": "curtains"}, "close the curtains")
    scheduler.add_action(request, clock.moment + timedelta(minutes=1))
    clock.moment += timedelta(minutes=1)
    await scheduler.fire_due()
    assert recorder.actions == [request]
    assert recorder.due == []


async def test_real_wake_up_fires_a_short_timer(tmp_path: Path) -> None:
    recorder = Recorder()
    scheduler = HomeScheduler(tmp_path, BERLIN, recorder.on_due, recorder.run_action)
    await scheduler.start()
    try:
        scheduler.add_timer("tea", 0.3)
        await asyncio.wait_for(recorder.arrived.wait(), timeout=15)
        assert [(item.text, missed) for item, missed in recorder.due] == [("tea", False)]
    finally:
        await scheduler.stop()


# --- helpers the daemon uses ---------------------------------------------------------------


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    monkeypatch.delenv("STATE_DIRECTORY", raising=False)
    monkeypatch.delenv("XDG_STATE_HOME", raising=False)
    yield monkeypatch


def _loaded(tmp_path: Path, state_dir: str = "") -> LoadedConfig:
    config = Config.model_validate(
        {"assistant": {"room": "kitchen"}, "reminders": {"state_dir": state_dir}}
    )
    return LoadedConfig(config=config, path=tmp_path / "config.toml")


def test_state_dir_order(tmp_path: Path, clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("HOME", str(tmp_path / "home"))
    assert state_dir_for(_loaded(tmp_path)) == tmp_path / "home" / ".local" / "state" / "homevox"
    clean_env.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    assert state_dir_for(_loaded(tmp_path)) == tmp_path / "xdg" / "homevox"
    clean_env.setenv("STATE_DIRECTORY", str(tmp_path / "systemd"))
    assert state_dir_for(_loaded(tmp_path)) == tmp_path / "systemd"
    assert state_dir_for(_loaded(tmp_path, "state")) == tmp_path / "state"


def test_announcement_and_payload() -> None:
    due = datetime(2026, 11, 28, 17, 0, tzinfo=BERLIN)
    item = ScheduledItem(id="abc", kind="reminder", due=due, text="call mom")
    assert announcement(item, missed=False) == "Reminder: call mom."
    assert announcement(item, missed=True) == "While I was away: at 5 pm, call mom."
    timer = ScheduledItem(id="t", kind="timer", due=due, text="pasta")
    assert announcement(timer, missed=False) == "Your pasta timer is done."
    fired = due + timedelta(seconds=2)
    assert json.loads(reminder_payload(item, fired, False)) == {
        "id": "abc",
        "text": "call mom",
        "kind": "reminder",
        "due": "2026-11-28T17:00:00+01:00",
        "fired": "2026-11-28T17:00:02+01:00",
        "missed": False,
    }
