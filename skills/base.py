"""What a skill receives and returns: the contract between skills and the daemon.

A skill is a module with `INTENTS`, a mapping from intent name to a handler. A handler is a
plain function `(IntentRequest, SkillContext) -> Outcome`: it decides, the daemon acts. It
publishes nothing itself, so every handler can be tested without a broker, and the daemon
can confirm, acknowledge and report every device command the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from devices.base import Command, Device

# The fixed label set. The intent model trains to exactly these; a test checks that every
# label has a handler and every handler a label.
INTENT_NAMES: tuple[str, ...] = (
    "lights.on",
    "lights.off",
    "lights.brightness",
    "lights.color",
    "thermostat.set",
    "thermostat.adjust",
    "thermostat.query",
    "curtains.open",
    "curtains.close",
    "curtains.stop",
    "curtains.position",
    "devices.state",
    "clock.time",
    "reminders.set",
    "reminders.list",
    "reminders.cancel",
    "timers.set",
    "timers.cancel",
    "timers.status",
)
NONE_INTENT = "none"

# Slot names the intent model tags and `homevox do` accepts. Values are the spoken text of
# the span ("the kitchen light", "twenty percent", "in ten minutes"); skills resolve them.
SLOT_NAMES: tuple[str, ...] = (
    "device",  # "kitchen light", "lamp", "all the lights"
    "room",  # "kitchen", "living room"
    "brightness",  # absolute level: "30 percent", "half", "full"
    "amount",  # relative change: "20 percent", "a bit", "two degrees"
    "direction",  # "up", "down", "brighter", "dimmer", "warmer", "cooler"
    "color",  # "red", "warm white", "3000 kelvin"
    "temperature",  # "21 degrees", "twenty one"
    "position",  # curtains: "half way", "40 percent"
    "datetime",  # "at 5 pm", "tomorrow morning", "every weekday at 7"
    "duration",  # "ten minutes", "an hour and a half"
    "message",  # reminder text: "call mom"
    "name",  # timer or reminder name: "pasta"
)


@dataclass(frozen=True)
class IntentRequest:
    """One understood command."""

    intent: str
    """One of INTENT_NAMES (never NONE_INTENT: the daemon answers that itself)."""
    slots: Mapping[str, str] = field(default_factory=dict)
    """Spoken text of each tagged slot, by SLOT_NAMES key."""
    text: str = ""
    """The whole transcript this came from, for logs and replies."""


@dataclass(frozen=True)
class DeviceAction:
    """One command to one configured device."""

    device: Device
    command: Command


@dataclass(frozen=True)
class Question:
    """A reply that expects an answer, heard in a short follow-up window without a wake word."""

    kind: Literal["choose", "confirm"]
    """choose: pick one of `options` and re-run `pending` with it; confirm: yes or no."""
    options: tuple[str, ...] = ()
    """For choose: the candidate device names."""
    pending: IntentRequest | None = None
    """For choose: the request to complete with the chosen option in slot `slot`."""
    slot: str = "device"
    """For choose: the slot the answer fills."""
    actions: tuple[DeviceAction, ...] = ()
    """For confirm: what is carried out on "yes"."""
    reply_on_yes: str = ""
    """For confirm: what is said once the confirmed actions are acknowledged."""


@dataclass(frozen=True)
class Outcome:
    """What a handler decided."""

    reply: str
    """What to say; when there are actions, said only once every device acknowledged."""
    actions: tuple[DeviceAction, ...] = ()
    """Device commands to carry out, in order."""
    question: Question | None = None
    """Set when the reply asks something."""
    error_code: str | None = None
    """Stable code when the request could not be done (reply says why), e.g. "no_such_device"."""


class HomeView(Protocol):
    """The configured home and its last known device states, as skills see them."""

    @property
    def assistant_name(self) -> str: ...

    @property
    def assistant_room(self) -> str: ...

    @property
    def devices(self) -> Sequence[Device]: ...

    @property
    def rooms(self) -> Sequence[str]: ...

    def state(self, device_name: str) -> Mapping[str, Any]:
        """Last known normalised state (devices.base.STATE_KEYS); {} when never heard from."""
        ...

    def now(self) -> datetime:
        """Current time, timezone-aware, in the configured time zone."""
        ...


@dataclass(frozen=True)
class ScheduledItem:
    """A pending reminder, timer or scheduled device action."""

    id: str
    kind: Literal["reminder", "timer", "action"]
    due: datetime
    text: str
    """Reminder message, timer name, or the spoken action."""
    recurrence: str | None = None
    """Human description of a repeat rule ("every weekday at 07:00"), None for one-off."""


class Scheduler(Protocol):
    """Persistent reminders, timers and scheduled actions (daemon/scheduler.py)."""

    def add_reminder(
        self, text: str, due: datetime, recurrence: str | None = None
    ) -> ScheduledItem: ...

    def add_timer(self, name: str, seconds: float) -> ScheduledItem: ...

    def add_action(self, request: IntentRequest, due: datetime) -> ScheduledItem: ...

    def pending(self, kind: str | None = None) -> Sequence[ScheduledItem]: ...

    def cancel(self, item_id: str) -> bool: ...


@dataclass(frozen=True)
class SkillContext:
    """Everything a handler may consult."""

    home: HomeView
    scheduler: Scheduler | None = None
    """None where reminders are not running (for example `homevox do` without a state dir)."""


Handler = Callable[[IntentRequest, SkillContext], Outcome]
