"""Kitchen timers: "set a 10 minute pasta timer", "cancel the pasta timer", "how long is left"."""

from __future__ import annotations

import math
import re
from datetime import datetime

from rapidfuzz import fuzz, process

from skills.base import Handler, IntentRequest, Outcome, Question, ScheduledItem, SkillContext
from skills.values import read_on
from skills.when import parse_duration

NOT_RUNNING = "Timers aren't running here, so I can't keep track of that."
MATCH_CUTOFF = 70
"""rapidfuzz score (0-100) a timer's name must reach to count as the one named."""
MAX_TIMER_SECONDS = 24 * 3600


_ADD_TO_RUNNING = re.compile(r"\b(?:add|put)\b.*\b(?:to|on)\s+(?:the|my|that)\b|\bextend\b")
_PAUSE = re.compile(r"\b(?:pause|hold|freeze|resume)\b")


def set_timer(request: IntentRequest, context: SkillContext) -> Outcome:
    if _ADD_TO_RUNNING.search(request.text.lower()):
        # "add five minutes to the timer" is not a new five minute timer.
        return Outcome(
            reply="I can't add time to a running timer. I can set another one.",
            error_code="cannot_extend",
        )
    if context.scheduler is None:
        return Outcome(reply=NOT_RUNNING, error_code="scheduler_unavailable")
    spoken = request.slots.get("duration", "").strip()
    if not spoken:
        return Outcome(
            reply="For how long?",
            question=Question(kind="choose", pending=request, slot="duration"),
            error_code="missing_duration",
        )
    duration = parse_duration(spoken)
    if duration is None:
        duration = read_on(request.text, spoken, parse_duration)
    if duration is None or duration.total_seconds() > MAX_TIMER_SECONDS:
        return Outcome(
            reply=f"I didn't catch how long: {spoken}. Try ten minutes, or up to a day.",
            error_code="bad_duration",
        )
    name = timer_name(request.slots.get("name", ""))
    context.scheduler.add_timer(name, duration.total_seconds())
    label = f"{name} timer" if name else "timer"
    return Outcome(reply=f"OK, {label} set for {spoken_length(duration.total_seconds())}.")


def cancel_timer(request: IntentRequest, context: SkillContext) -> Outcome:
    if _PAUSE.search(request.text.lower()):
        # Cancelling is not pausing: the time left would be lost.
        return Outcome(
            reply="I can't pause a timer. Say cancel the timer to stop it.",
            error_code="cannot_pause",
        )
    if context.scheduler is None:
        return Outcome(reply=NOT_RUNNING, error_code="scheduler_unavailable")
    if not (_TIMER_WORD.search(request.text.lower()) or request.slots.get("name", "").strip()):
        # A cancel that names no timer ("Don't bother with the rice") cancels nothing.
        return Outcome(reply="Which timer? Say cancel the timer.", error_code="unclear_timer")
    timers = list(context.scheduler.pending("timer"))
    if not timers:
        return Outcome(reply="There are no timers running.", error_code="nothing_to_cancel")
    wants_all = re.search(r"\b(all|timers)\b", request.text.lower()) is not None
    chosen = timers if wants_all else _named(timers, request)
    if chosen is None:
        return _which(timers, request)
    if not chosen:
        return Outcome(reply="I couldn't find that timer.", error_code="no_such_timer")
    for item in chosen:
        context.scheduler.cancel(item.id)
    if len(chosen) == 1:
        return Outcome(reply=f"OK, I cancelled the {_label(chosen[0])}.")
    return Outcome(reply=f"OK, I cancelled {len(chosen)} timers.")


def timer_status(request: IntentRequest, context: SkillContext) -> Outcome:
    if context.scheduler is None:
        return Outcome(reply=NOT_RUNNING, error_code="scheduler_unavailable")
    timers = list(context.scheduler.pending("timer"))
    if not timers:
        return Outcome(reply="There are no timers running.")
    now = context.home.now()
    chosen = _named(timers, request)
    if chosen == []:
        return Outcome(reply="I couldn't find that timer.", error_code="no_such_timer")
    said = [
        f"{spoken_length(_left(item, now))} left on the {_label(item)}" for item in chosen or timers
    ]
    return Outcome(reply=_capitalise("; ".join(said)) + ".")


def timer_name(spoken: str) -> str:
    """ "the pasta" -> "pasta"; "" when no name was said."""
    name = re.sub(r"\b(the|a|an|my|timer|for)\b", " ", spoken.lower())
    return " ".join(name.split())


def spoken_length(seconds: float) -> str:
    """ "4 minutes 10 seconds", "1 hour 30 minutes", "45 seconds"."""
    total = max(0, math.ceil(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [
        f"{value} {unit}{'' if value == 1 else 's'}"
        for value, unit in ((hours, "hour"), (minutes, "minute"), (secs, "second"))
        if value
    ]
    return " ".join(parts) if parts else "0 seconds"


_TIMER_WORD = re.compile(r"\b(?:timers?|countdown|count down|counting)\b")


def _named(timers: list[ScheduledItem], request: IntentRequest) -> list[ScheduledItem] | None:
    """Timers named in the request; all of one when only one runs; None when it is ambiguous."""
    name = timer_name(request.slots.get("name", ""))
    if name:
        names = [item.text for item in timers]
        matches = process.extract(
            name, names, scorer=fuzz.token_set_ratio, score_cutoff=MATCH_CUTOFF
        )
        best = max((score for _, score, _ in matches), default=0)
        return [timers[index] for _, score, index in matches if score == best]
    return timers if len(timers) == 1 else None


def _which(timers: list[ScheduledItem], request: IntentRequest) -> Outcome:
    options = tuple(item.text or "unnamed" for item in timers)
    return Outcome(
        reply=f"Which timer: the {' or the '.join(options)}?",
        question=Question(kind="choose", options=options, pending=request, slot="name"),
    )


def _left(item: ScheduledItem, now: datetime) -> float:
    return (item.due - now).total_seconds()


def _label(item: ScheduledItem) -> str:
    return f"{item.text} timer" if item.text else "timer"


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


INTENTS: dict[str, Handler] = {
    "timers.set": set_timer,
    "timers.cancel": cancel_timer,
    "timers.status": timer_status,
}
