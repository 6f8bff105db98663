"""Device commands with a time: kept for later ("close the curtains at 9 pm"), or done now and
undone when the time is up ("turn on the porch light for ten minutes")."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from daemon.conversation import DEVICE_INTENTS, describe_action, join_names
from daemon.events import ActionScheduled
from skills.base import DeviceAction, Handler, IntentRequest, Outcome, Question, SkillContext

if TYPE_CHECKING:
    from daemon.turn_result import TurnResult

TIME_SLOTS = ("datetime", "duration")


def is_timed(request: IntentRequest) -> bool:
    """A device command for later: "at 7 pm close the curtains", "lights off in 20 minutes".

    Not one whose time only says it is for now on ("put the thermostat on 19 for the night",
    "lights on for now"): that is done now, with no undo promised.
    """
    spoken = [request.slots.get(s, "").strip() for s in TIME_SLOTS]
    spoken = [text for text in spoken if text and not _NO_TIME.fullmatch(text)]
    return (
        request.intent.startswith(DEVICE_INTENTS)
        and any(spoken)
        and not any(_from_now_on(text, request.text) for text in spoken if text)
    )


# A time slot that holds only a hedge: the tagger's stray cut of "down to | about | a third".
# (A lone article stays a time: "for | a | while" asks how long.)
_NO_TIME = re.compile(r"(?i)\W*(?:(?:about|around|roughly|approximately|just|like)\W*)+")


_FROM_NOW_ON = re.compile(
    r"(?i)\b(?:for (?:the night|tonight|now|the moment|the time being)|overnight)\b"
)


def _from_now_on(spoken: str, said: str) -> bool:
    """Whether the time slot `spoken` lies inside a "for the night" of `said`."""
    return any(spoken.lower() in match.group().lower() for match in _FROM_NOW_ON.finditer(said))


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
            reply=(
                "I can do that now and undo it later only for switching, opening, "
                "brightness, colour or the heating."
            ),
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
RESTORED = frozenset({"lights.brightness", "lights.color", "thermostat.set", "thermostat.adjust"})
"""Commands that can be done for a while by putting each device back as it last reported
itself ("set the heating to 23 for an hour": back to the 20 degrees it was set to)."""
FOR_A_WHILE_MAX = timedelta(hours=24)
_A_WHILE = re.compile(
    r"(?i)\bfor (?:a (?:little |short )?while|a bit|a little|some time|a few minutes|a moment)\b"
)
"""A while of no length said: how long is asked back."""


def for_a_while(request: IntentRequest) -> bool:
    """ "turn on the porch light for ten minutes": its time says how long, not when."""
    spoken = request.slots.get("duration") or request.slots.get("datetime") or ""
    if re.match(r"(?i)for\b", spoken) or _A_WHILE.search(request.text):
        return True  # the tagger took "for" into the slot, or how long was asked back
    pattern = rf"\bfor (?:the next |another )?{re.escape(spoken)}"
    return bool(spoken) and re.search(pattern, request.text, re.IGNORECASE) is not None


@dataclass(frozen=True)
class WhilePlan:
    """A command to do now and the requests that undo it when the time is up."""

    outcome: Outcome
    undos: tuple[IntentRequest, ...]
    due: datetime


def plan_for_a_while(
    request: IntentRequest, handlers: Mapping[str, Handler], context: SkillContext
) -> WhilePlan | Outcome:
    """What "for ten minutes" does: the command now and, at the end, its opposite or each
    device put back as it was (checked now); an Outcome to say instead when it cannot be done
    that way."""
    from skills.when import add_real_time, describe, parse_duration

    if request.intent not in UNDO and request.intent not in RESTORED:
        return _not_schedulable(request) or Outcome("", error_code="for_a_while")
    checked = _checked_for_later(request, handlers[request.intent], context, "undo it later")
    if isinstance(checked, Outcome):
        return checked
    now_request, outcome = checked
    spoken = request.slots.get("duration") or request.slots.get("datetime") or ""
    length = parse_duration(spoken)
    if length is None and _A_WHILE.search(request.text):
        question = Question(kind="choose", pending=now_request, slot="duration")
        return Outcome("For how long?", question=question, error_code="missing_duration")
    if length is None or length <= timedelta(0) or length > FOR_A_WHILE_MAX:
        return Outcome(f"I didn't catch for how long ({spoken}).", error_code="bad_time")
    now = context.home.now()
    due = add_real_time(now, length)
    undos = (
        (replace(now_request, intent=UNDO[request.intent]),)
        if request.intent in UNDO
        else restoring(outcome.actions, context)
    )
    if isinstance(undos, Outcome):
        return undos
    undone: list[IntentRequest] = []
    for undo in undos:
        undo_outcome = handlers[undo.intent](undo, context)
        if not undo_outcome.actions:
            return undo_outcome
        what = join_names([describe_action(action) for action in undo_outcome.actions])
        undone.append(replace(undo, text=what))
    what = join_names([undo.text for undo in undone])
    reply = f"{outcome.reply} I'll {what} {describe(due, now)}."
    return WhilePlan(replace(outcome, reply=reply), tuple(undone), due)


def restoring(
    actions: Sequence[DeviceAction], context: SkillContext
) -> tuple[IntentRequest, ...] | Outcome:
    """Requests that put each device of `actions` back as it last reported itself (a light
    that was off goes off again); an Outcome to say when one never reported the value."""
    undos: list[IntentRequest] = []
    for action in actions:
        name = action.device.name
        state = context.home.state(name)
        kind = action.command.action
        if kind != "setpoint" and state.get("on") is False:
            undos.append(IntentRequest("lights.off", {"device": name}, name))
            continue
        slot, spoken = _last_reported(kind, state)
        if not spoken:
            return Outcome(
                f"I don't know how the {name} is set now, so I couldn't put it back. "
                "Say it without the time.",
                error_code="state_unknown",
            )
        intent = _RESTORING.get(kind, "lights.color")
        undos.append(IntentRequest(intent, {"device": name, slot: spoken}, name))
    return tuple(undos)


_RESTORING = {"setpoint": "thermostat.set", "brightness": "lights.brightness"}


def _last_reported(kind: str, state: Mapping[str, object]) -> tuple[str, str]:
    """The slot and its spoken value that set what a command of `kind` changes back to its
    last reported state ("" when never reported)."""
    celsius, level = state.get("target_celsius"), state.get("brightness_percent")
    kelvin, hex_code = state.get("color_temp_kelvin"), state.get("color_hex")
    if kind == "setpoint" and isinstance(celsius, int | float):
        return "temperature", f"{celsius:g} degrees"
    if kind == "brightness" and isinstance(level, int | float):
        return "brightness", f"{round(level)} percent"
    if kind in ("color", "color_temp") and isinstance(kelvin, int | float):
        return "color", f"{round(kelvin)} kelvin"
    if kind in ("color", "color_temp") and isinstance(hex_code, str):
        return "color", hex_code
    return "", ""
