"""The spoken side of a turn: confirmations, answers to questions, timed device actions."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

from rapidfuzz import fuzz, process

from daemon.events import ActionScheduled
from skills.base import DeviceAction, Handler, IntentRequest, Outcome, Question, SkillContext

if TYPE_CHECKING:
    from daemon.turn_result import TurnResult

DEVICE_INTENTS = ("lights.", "thermostat.set", "thermostat.adjust", "curtains.")
TIME_SLOTS = ("datetime", "duration")
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
        case "color" | "color_temp":
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


_NEGATED = re.compile(
    r"\b(?:don'?t|do not|never|didn'?t|did not|no need to)\b(?:\s+\w+){0,3}?\s+"
    r"(?:turn|switch|open|close|dim|brighten|set|put|change|make|raise|lower|shut|draw|pull|"
    r"heat|cool|warm)\b"
)


# A device command asked of someone else, or as a question to the room: "shall I close the
# blinds?", "tell Sam to switch his light off", "I'll put the desk lamp on myself".
_NOT_ASKED = re.compile(
    r"^\W*(?:shall|should) (?:i|we)\b"
    r"|\b(?:tell|ask|get) (?!me\b|us\b)\w+ to (?:turn|switch|open|close|dim|put|set|shut)\b"
    r"|\b(?:i'll|i will|i'm going to|i am going to) (?:turn|switch|put|open|close|dim|set|shut|do)"
    r"\b[^,.;]*\bmyself\b"
)


def declined(request: IntentRequest) -> Outcome | None:
    """What to say to a device command that is not one to carry out (the model hears the
    command in it): said not to be done ("don't turn off the lights"; "I don't need the lights
    on" still is a command), or not asked of homevox ("shall I close the blinds?")."""
    if not request.intent.startswith(DEVICE_INTENTS):
        return None
    said = request.text.lower()
    if _NEGATED.search(said):
        return Outcome("OK, I won't.", error_code="negated")
    if _NOT_ASKED.search(said):
        return Outcome("I'll leave that to you.", error_code="not_asked")
    return None


def is_timed(request: IntentRequest) -> bool:
    """A device command for later: "at 7 pm close the curtains", "lights off in 20 minutes"."""
    return request.intent.startswith(DEVICE_INTENTS) and any(
        request.slots.get(s) for s in TIME_SLOTS
    )


async def schedule(
    request: IntentRequest, handler: Handler, context: SkillContext, result: TurnResult
) -> Outcome:
    """Check the command now (devices, values), then keep it in the scheduler for its time."""
    from skills.when import add_real_time, describe, parse_duration, parse_when

    checked = _checked_for_later(request, handler, context, "schedule it")
    if isinstance(checked, Outcome):
        return checked
    untimed, outcome = checked
    refused = _not_schedulable(request)
    if refused is not None:
        return refused
    now = context.home.now()
    due = None
    if request.slots.get("duration"):
        delta = parse_duration(request.slots["duration"])
        # Real elapsed time: "in 20 minutes" is 20 minutes even across a clock change.
        due = add_real_time(now, delta) if delta and delta > timedelta(0) else None
    if due is None and request.slots.get("datetime"):
        when = parse_when(request.slots["datetime"], now)
        if when is not None and when.recurrence:
            return Outcome(
                reply=f"I can do that once, not {when.text}. Say one time for it.",
                error_code="repeated_action",
            )
        due = when.due if when is not None else None
    if due is None or due <= now:
        spoken = request.slots.get("datetime") or request.slots.get("duration")
        return Outcome(reply=f"I didn't catch when to do that ({spoken}).", error_code="bad_time")
    assert context.scheduler is not None  # _checked_for_later checked it
    item = context.scheduler.add_action(untimed, due)
    result.events.append(ActionScheduled(item.id, due.isoformat()))
    what = join_names([describe_action(action) for action in outcome.actions])
    return Outcome(reply=f"OK, {describe(due, now)} I'll {what}.")


def _checked_for_later(
    request: IntentRequest, handler: Handler, context: SkillContext, what: str
) -> tuple[IntentRequest, Outcome] | Outcome:
    """The request without its time and what its skill would do now, when that can be left to
    the scheduler; else the Outcome to say (a question, an error, a device needing a yes)."""
    untimed = replace(
        request, slots={k: v for k, v in request.slots.items() if k not in TIME_SLOTS}
    )
    outcome = handler(untimed, context)
    if outcome.question is not None or outcome.error_code or not outcome.actions:
        return outcome
    if any(action.device.confirm for action in outcome.actions):
        return Outcome(
            reply=f"That device needs a spoken yes, so I can't {what}.",
            error_code="confirm_needed",
        )
    if context.scheduler is None:
        return Outcome(
            reply="Scheduled actions are not running here.", error_code="scheduler_unavailable"
        )
    return untimed, outcome


def _not_schedulable(request: IntentRequest) -> Outcome | None:
    """A refusal for "turn on the lights for ten minutes" (see plan_for_a_while): scheduling
    it as a command for later would switch them on in ten minutes."""
    if for_a_while(request):
        return Outcome(
            reply="I can do that now and undo it later only for switching or opening.",
            error_code="for_a_while",
        )
    return None


UNDO = {
    "lights.on": "lights.off",
    "lights.off": "lights.on",
    "curtains.open": "curtains.close",
    "curtains.close": "curtains.open",
}
"""Commands that can be done for a while, and the command that undoes each."""
FOR_A_WHILE_MAX = timedelta(hours=24)


def for_a_while(request: IntentRequest) -> bool:
    """ "turn on the porch light for ten minutes": its time says how long, not when."""
    spoken = request.slots.get("duration") or request.slots.get("datetime") or ""
    pattern = rf"\bfor (?:the next |another )?{re.escape(spoken)}"
    return bool(spoken) and re.search(pattern, request.text, re.IGNORECASE) is not None


@dataclass(frozen=True)
class WhilePlan:
    """A command to do now and the request that undoes it when the time is up."""

    outcome: Outcome
    undo: IntentRequest
    due: datetime


def plan_for_a_while(
    request: IntentRequest, handlers: Mapping[str, Handler], context: SkillContext
) -> WhilePlan | Outcome:
    """What "for ten minutes" does: the command now, its opposite at the end (checked now);
    an Outcome to say instead when it cannot be done that way."""
    from skills.when import add_real_time, describe, parse_duration

    undo_intent = UNDO.get(request.intent)
    if undo_intent is None:
        return _not_schedulable(request) or Outcome("", error_code="for_a_while")
    checked = _checked_for_later(request, handlers[request.intent], context, "undo it later")
    if isinstance(checked, Outcome):
        return checked
    now_request, outcome = checked
    spoken = request.slots.get("duration") or request.slots.get("datetime") or ""
    length = parse_duration(spoken)
    if length is None or length <= timedelta(0) or length > FOR_A_WHILE_MAX:
        return Outcome(f"I didn't catch for how long ({spoken}).", error_code="bad_time")
    now = context.home.now()
    due = add_real_time(now, length)
    undo = replace(now_request, intent=undo_intent)
    undo_outcome = handlers[undo_intent](undo, context)
    if not undo_outcome.actions:
        return undo_outcome
    what = join_names([describe_action(action) for action in undo_outcome.actions])
    reply = f"{outcome.reply} I'll {what} {describe(due, now)}."
    return WhilePlan(replace(outcome, reply=reply), replace(undo, text=what), due)
