"""What homevox says and publishes when a reminder, timer or scheduled action falls due."""

from __future__ import annotations

import json
from datetime import datetime

from skills.base import ScheduledItem
from skills.when import spoken_time


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
