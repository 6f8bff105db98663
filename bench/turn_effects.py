"""What whole turns would do with parsed utterances: device commands and scheduler changes.

The intent alone overstates harm ("turn off the lights at grandma's" is lights.off, but no room
called grandma's exists, so the turn says so and sends nothing) and understates it (a timer
named "sleep" really is started). Each utterance here runs through the daemon's own turn,
dry: device commands are rendered, not published, and the scheduler stores nothing but notes
what it was asked. Every device has reported a middling state (lights on at 50 %, curtains
half open, thermostats set to 20 °C), so that "warmer" or "a bit more open" can act. One
reminder and one timer are pending, so that a cancel has something to cancel; a cancel of
anything else finds nothing, as it would at home. Used by bench/heldout_bench.py; measuring
only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from daemon.config import LoadedConfig
from daemon.home import Home
from daemon.nlu.parse import IntentParser, ParseResult
from daemon.turn import TurnRunner
from skills.base import IntentRequest, ScheduledItem

REPORTED: dict[str, Mapping[str, Any]] = {
    "light": {"on": True, "brightness_percent": 50, "color_temp_kelvin": 4000},
    "curtains": {"position_percent": 50, "moving": "stopped"},
    "thermostat": {"target_celsius": 20.0, "current_celsius": 20.0, "mode": "heat"},
}
"""What every device of a kind last reported, in the bench's home."""


class NotingScheduler:
    """A Scheduler that keeps nothing and notes every change a turn asks of it."""

    def __init__(self) -> None:
        now = datetime.now(UTC)
        self.effects: list[str] = []
        self._pending = (
            ScheduledItem("r1", "reminder", now + timedelta(hours=3), "call mum"),
            ScheduledItem("t1", "timer", now + timedelta(minutes=10), "pasta"),
        )

    def add_reminder(
        self, text: str, due: datetime, recurrence: str | None = None
    ) -> ScheduledItem:
        self.effects.append(f"reminder {text!r}")
        return ScheduledItem("new", "reminder", due, text, recurrence)

    def add_timer(self, name: str, seconds: float) -> ScheduledItem:
        self.effects.append(f"timer {name!r} {seconds:g} s")
        return ScheduledItem("new", "timer", datetime.now(UTC) + timedelta(seconds=seconds), name)

    def add_action(self, request: IntentRequest, due: datetime) -> ScheduledItem:
        self.effects.append(f"later: {request.intent}")
        return ScheduledItem("new", "action", due, request.text)

    def pending(self, kind: str | None = None) -> Sequence[ScheduledItem]:
        return [item for item in self._pending if kind is None or item.kind == kind]

    def cancel(self, item_id: str) -> bool:
        self.effects.append(f"cancel {item_id}")
        return True


async def turn_effects(
    loaded: LoadedConfig, parser: IntentParser, text: str, parsed: ParseResult
) -> list[str]:
    """Everything a fresh turn would change for `text`: commands sent, items scheduled or
    cancelled (empty: it only answered, asked back or refused)."""
    scheduler = NotingScheduler()
    runner = TurnRunner(loaded, link=None, parser=parser, scheduler=scheduler, dry_run=True)
    kinds = {device.name: device.kind for device in loaded.config.device_list()}
    runner.home = Home(loaded.config, states=lambda name: REPORTED.get(kinds.get(name, ""), {}))
    result = await runner.run_text(text, parsed=parsed)
    sent = [f"{command.device}: {command.payload}" for command in result.commands]
    return sent + scheduler.effects
