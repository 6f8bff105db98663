"""What one turn did: its intents, device commands, replies, timings and events."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from daemon.events import Event, IntentRecognized
from skills.base import NONE_INTENT, Question


@dataclass(frozen=True)
class CommandReport:
    """One device command of a turn, as published (or not)."""

    device: str
    topic: str
    payload: str
    acknowledged: bool


@dataclass
class TurnResult:
    """Everything one turn did; `to_json` is what --json prints."""

    text: str = ""
    intents: list[IntentRecognized] = field(default_factory=list)
    commands: list[CommandReport] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)
    question: Question | None = None
    error_code: str | None = None
    error_detail: str | None = None
    """What went wrong and what to fix, for the log and --json; the reply says less."""
    timings_ms: dict[str, float] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)

    @property
    def reply(self) -> str:
        """Every part's reply, each said once ("I'll leave that to you." for two parts)."""
        return " ".join(dict.fromkeys(reply for reply in self.replies if reply))

    @property
    def intent(self) -> str:
        return self.intents[0].intent if self.intents else NONE_INTENT

    def merge(self, other: TurnResult) -> None:
        """Add a later part of a compound command."""
        self.intents += other.intents
        self.commands += other.commands
        self.replies += other.replies
        self.events += other.events
        self.question = other.question or self.question
        self.error_code = self.error_code or other.error_code
        self.error_detail = self.error_detail or other.error_detail
        for stage, ms in other.timings_ms.items():
            self.timings_ms[stage] = self.timings_ms.get(stage, 0.0) + ms

    def to_json(self) -> dict[str, Any]:
        first = self.intents[0] if self.intents else None
        return {
            "text": self.text,
            "intent": self.intent,
            "confidence": round(first.confidence, 4) if first else 0.0,
            "slots": dict(first.slots) if first else {},
            "intents": [
                {"intent": i.intent, "confidence": round(i.confidence, 4), "slots": dict(i.slots)}
                for i in self.intents
            ],
            "commands": [vars(command).copy() for command in self.commands],
            "reply": self.reply,
            "question": self.question.kind if self.question else None,
            "error_code": self.error_code,
            "error_detail": self.error_detail,
            "timings_ms": {stage: round(ms, 1) for stage, ms in self.timings_ms.items()},
        }
