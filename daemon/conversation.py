"""The spoken side of a turn: confirmations, answers to questions, questions said as commands."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Literal

from rapidfuzz import fuzz, process

from skills.base import DeviceAction, IntentRequest, Question

DEVICE_INTENTS = ("lights.", "thermostat.set", "thermostat.adjust", "curtains.")
YES = {
    "yes",
    "yeah",
    "yep",
    "yup",
    "sure",
    "ok",
    "okay",
    "confirm",
    "confirmed",
    "do it",
    "go ahead",
    "please do",
    "yes please",
}
NO = {
    "no",
    "nope",
    "cancel",
    "don't",
    "do not",
    "stop",
    "never mind",
    "nevermind",
    "no thanks",
    "forget it",
}


def join_names(names: Sequence[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def describe_action(action: DeviceAction) -> str:
    """What an action does, as a verb phrase: "turn on the kitchen light"."""
    name, command = action.device.name, action.command
    match command.action:
        case "power":
            return f"turn {'on' if command.value else 'off'} the {name}"
        case "cover":
            return f"{command.value} the {name}"
        case "brightness":
            return f"set the {name} to {command.value} percent"
        case "position":
            return f"move the {name} to {command.value} percent open"
        case "setpoint":
            return f"set the {name} to {command.value:g} degrees"
        case "color_temp":
            return f"set the {name} to {command.value} kelvin"
        case "color":
            return f"change the colour of the {name}"
        case _:
            return f"set the {name} to {command.value}"


def confirmation_prompt(actions: Sequence[DeviceAction]) -> str:
    """ "Turn on the garage heater? Say yes to confirm." """
    phrases = join_names([describe_action(action) for action in actions])
    return f"{phrases[0].upper()}{phrases[1:]}? Say yes to confirm."


def _normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w' ]+", " ", text.lower()).split())


def interpret_answer(question: Question, text: str) -> str | Literal["yes", "no"] | None:
    """ "yes", "no", the chosen option, or None when `text` is not an answer (a new command)."""
    words = _normalise(text)
    if words in NO or words.startswith(("no ", "don't", "do not", "cancel")):
        return "no"
    if question.kind == "confirm":
        return "yes" if words in YES or words.startswith(("yes ", "yeah ")) else None
    if not question.options:
        # An open question ("When should I remind you?"): the answer is the slot's text.
        return text.strip() or None
    stripped = re.sub(r"\b(the|my|one|please)\b", " ", words).strip()
    if not stripped:
        return None
    match = process.extractOne(
        stripped, question.options, scorer=fuzz.token_set_ratio, score_cutoff=80
    )
    return match[0] if match else None


_SWITCHING = frozenset({"lights.on", "lights.off", "curtains.open", "curtains.close"})
_POINTING = frozenset({"the", "my", "our", "all", "both", "every", "any"})


def as_state_question(request: IntentRequest) -> IntentRequest:
    """ "the hall light on?", "blinds closed?": a switching command said as a question that
    starts at the device (its "is" lost after the wake word, or never said) asks how the
    device is; switching it would be a guess. Anything else is returned as it is."""
    if request.intent not in _SWITCHING or not request.text.rstrip().endswith("?"):
        return request
    words = _normalise(request.text).split()
    named = [_normalise(request.slots.get(slot, "")) for slot in ("device", "room")]
    if words and (
        words[0] in _POINTING or any(name.startswith(words[0]) for name in named if name)
    ):
        return replace(request, intent="devices.state")
    return request
