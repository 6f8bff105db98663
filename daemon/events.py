"""What happened in a turn, in order: frozen, past-tense events that tests and logs compare."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class TextTranscribed:
    text: str
    accepted: bool
    """False when Whisper's own scores say it was not speech: the turn stops there."""


@dataclass(frozen=True)
class IntentRecognized:
    intent: str
    confidence: float
    slots: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ConfirmationAsked:
    devices: tuple[str, ...]


@dataclass(frozen=True)
class CommandPublished:
    device: str
    topic: str
    payload: str


@dataclass(frozen=True)
class CommandAcknowledged:
    device: str
    acknowledged: bool


@dataclass(frozen=True)
class ActionScheduled:
    item_id: str
    due: str


@dataclass(frozen=True)
class ReplyDecided:
    text: str
    error_code: str | None = None


Event = (
    TextTranscribed
    | IntentRecognized
    | ConfirmationAsked
    | CommandPublished
    | CommandAcknowledged
    | ActionScheduled
    | ReplyDecided
)
