"""A real HomeScheduler in a child process, for kill-and-restart tests (tests/test_scheduler.py).

python tests/scheduler_harness.py STATE_DIR EVENTS [--offset-seconds N] [--grace-minutes N]
    [--add JSON] [--die-on-due TEXT]

Its clock is the wall clock shifted by --offset-seconds (a restart "later" without waiting).
--add takes a JSON list of {"kind": "reminder"|"timer"|"action", "text": ..., "in_seconds": N}.
Every delivery is appended to EVENTS as one fsync'd JSON line. --die-on-due makes the process
SIGKILL itself inside on_due for that text, after the scheduler claimed it. When started and
the items are added it prints one line: READY <pending items as JSON>.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from daemon.scheduler import HomeScheduler
from skills.base import IntentRequest, ScheduledItem

ZONE = ZoneInfo("Europe/Berlin")


def _append(path: Path, record: dict[str, object]) -> None:
    with path.open("a", encoding="utf-8") as events:
        events.write(json.dumps(record) + "\n")
        events.flush()
        os.fsync(events.fileno())


async def _main(args: argparse.Namespace) -> None:
    events = Path(args.events)
    offset = timedelta(seconds=args.offset_seconds)

    def clock() -> datetime:
        return datetime.now(ZONE) + offset

    async def on_due(item: ScheduledItem, missed: bool) -> None:
        if item.text == args.die_on_due:
            os.kill(os.getpid(), signal.SIGKILL)
        _append(
            events,
            {"event": "due", "id": item.id, "text": item.text, "kind": item.kind, "missed": missed},
        )

    async def run_action(request: IntentRequest) -> None:
        _append(events, {"event": "action", "intent": request.intent, "text": request.text})

    async def on_expired(item: ScheduledItem) -> None:
        _append(events, {"event": "expired", "id": item.id, "text": item.text, "kind": item.kind})

    scheduler = HomeScheduler(
        Path(args.state_dir),
        ZONE,
        on_due,
        run_action,
        missed_grace=timedelta(minutes=args.grace_minutes),
        on_expired=on_expired,
        now=clock,
    )
    await scheduler.start()
    for spec in json.loads(args.add):
        due = clock() + timedelta(seconds=spec["in_seconds"])
        if spec["kind"] == "timer":
            scheduler.add_timer(spec["text"], spec["in_seconds"])
        elif spec["kind"] == "action":
            request = IntentRequest(
                intent="curtains.close", slots={"device": "curtains"}, text=spec["text"]
            )
            scheduler.add_action(request, due)
        else:
            scheduler.add_reminder(spec["text"], due, spec.get("rule"))
    pending = [
        {"id": i.id, "kind": i.kind, "text": i.text, "due": i.due.isoformat()}
        for i in scheduler.pending()
    ]
    print("READY " + json.dumps(pending), flush=True)
    await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("state_dir")
    parser.add_argument("events")
    parser.add_argument("--offset-seconds", type=float, default=0.0)
    parser.add_argument("--grace-minutes", type=float, default=720.0)
    parser.add_argument("--add", default="[]")
    parser.add_argument("--die-on-due", default="")
    asyncio.run(_main(parser.parse_args()))


if __name__ == "__main__":
    main()
