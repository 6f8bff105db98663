"""The request a `homevox do INTENT slot=value ...` command line names, checked word by word."""

from __future__ import annotations

from collections.abc import Sequence

from daemon.errors import HomevoxError
from skills.base import INTENT_NAMES, SLOT_NAMES, IntentRequest


def request_from_cli(intent: str, pairs: Sequence[str]) -> IntentRequest:
    """IntentRequest from `homevox do INTENT slot=value ...`; HomevoxError on bad words."""
    if intent not in INTENT_NAMES:
        raise HomevoxError(
            "unknown_intent", f"unknown intent {intent!r}; known: {', '.join(INTENT_NAMES)}"
        )
    slots: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or name not in SLOT_NAMES:
            raise HomevoxError(
                "bad_slot",
                f"bad slot {pair!r}: expected NAME=VALUE with NAME one of {', '.join(SLOT_NAMES)}",
            )
        slots[name] = value
    return IntentRequest(intent=intent, slots=slots, text=" ".join([intent, *pairs]))
