"""Reminders: "remind me to call mom at 5 pm", "what reminders do I have", "cancel the mom one"."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from rapidfuzz import fuzz, process

from skills.base import (
    Handler,
    IntentRequest,
    Outcome,
    Question,
    ScheduledItem,
    SkillContext,
)
from skills.when import (
    add_real_time,
    describe,
    names_clock_time,
    normalise_spoken,
    parse_duration,
    parse_when,
)

NOT_RUNNING = "Reminders aren't running here, so I can't keep track of that."
MATCH_CUTOFF = 70
"""rapidfuzz score (0-100) a reminder's text must reach to count as the one named."""
_ALARM_WORDS = re.compile(r"\b(alarm|wake me|wake up|get up)\b")


def set_reminder(request: IntentRequest, context: SkillContext) -> Outcome:
    if context.scheduler is None:
        return Outcome(reply=NOT_RUNNING, error_code="scheduler_unavailable")
    now = context.home.now()
    message = _message(request)
    if not message:
        # Nothing to remind of and no alarm asked for: a content-free reminder is most often
        # talk half heard ("... let me forget, Jo's birthday on Friday, actually, I'll write
        # it on the fridge"), so it is asked for, not set.
        return Outcome(
            reply="What should I remind you of?",
            question=Question(kind="choose", pending=request, slot="message"),
            error_code="missing_message",
        )
    spoken_time_slot = request.slots.get("datetime", "").strip()
    spoken_duration = request.slots.get("duration", "").strip()
    if not spoken_time_slot and not spoken_duration:
        return Outcome(
            reply=f"When should I remind you{_to(message)}?",
            question=Question(kind="choose", pending=request, slot="datetime"),
            error_code="missing_time",
        )
    when = parse_when(_waking(spoken_time_slot, request.text), now) if spoken_time_slot else None
    due: datetime | None = when.due if when else None
    if due is None and spoken_duration:
        duration = parse_duration(spoken_duration)
        due = add_real_time(now, duration) if duration else None
    if due is None or due <= now:
        heard = spoken_time_slot or spoken_duration
        return Outcome(
            reply=f"I didn't catch when: {heard}. Try a time like 5 pm or in ten minutes.",
            error_code="bad_time",
        )
    recurrence = when.recurrence if when else None
    item = context.scheduler.add_reminder(message, due, recurrence)
    said_when = item.recurrence or (when.text if when and not recurrence else describe(due, now))
    return Outcome(reply=f"OK, I'll remind you{_to(message)} {said_when}.")


_WAKING = re.compile(r"\b(?:wake|waking|woken|get up|getting up)\b")
_BARE_HOUR = re.compile(r"^(?:at|for|by)?\s*(?:[1-9]|1[01])(?::\d{2})?$")


def _waking(spoken_time: str, text: str) -> str:
    """ "wake me up at 6" is 6 in the morning, whatever the time now (the next 6 o'clock
    would be this evening's); any other bare hour stays the next one."""
    said = normalise_spoken(spoken_time)
    if _WAKING.search(text.lower()) and _BARE_HOUR.match(said):
        return f"{said} am"
    return spoken_time


def list_reminders(request: IntentRequest, context: SkillContext) -> Outcome:
    if context.scheduler is None:
        return Outcome(reply=NOT_RUNNING, error_code="scheduler_unavailable")
    now = context.home.now()
    items = list(context.scheduler.pending("reminder"))
    spoken_time_slot = request.slots.get("datetime", "").strip()
    if spoken_time_slot:
        items = _on_day_of(items, spoken_time_slot, now)
    if not items:
        return Outcome(reply="You have no reminders.")
    said = [_describe_item(item, now) for item in items[:5]]
    more = f", and {len(items) - 5} more" if len(items) > 5 else ""
    count = "one reminder" if len(items) == 1 else f"{len(items)} reminders"
    return Outcome(reply=f"You have {count}: {'; '.join(said)}{more}.")


_SNOOZE = re.compile(r"\b(snooze|dismiss|silence)\b")
SNOOZE_REPLY = (
    "Nothing is ringing: I say a reminder once. To hear it again, say remind me in ten minutes."
)


def cancel_reminder(request: IntentRequest, context: SkillContext) -> Outcome:
    if _SNOOZE.search(request.text.lower()):
        # An alarm here is said once, not rung: "snooze" would cancel the next reminder instead.
        return Outcome(reply=SNOOZE_REPLY, error_code="nothing_ringing")
    if context.scheduler is None:
        return Outcome(reply=NOT_RUNNING, error_code="scheduler_unavailable")
    if not (_REMINDER_WORD.search(request.text.lower()) or _names_an_item(request)):
        # "That reminds me, we're out of milk" and "cancel my 3 o'clock meeting" were taken for
        # a cancel and, with one reminder set, cancelled it: a cancel must say what it cancels.
        return Outcome(
            reply="Which reminder? Say, for example, cancel the reminder to call mum.",
            error_code="unclear_reminder",
        )
    scheduler = context.scheduler
    now = context.home.now()
    items = list(scheduler.pending("reminder"))
    if not items:
        return Outcome(reply="You have no reminders to cancel.", error_code="nothing_to_cancel")
    wants_all = re.search(r"\b(all|every|each)\b", request.text.lower()) is not None
    chosen = find_items(
        items,
        request.slots.get("message", "") or request.slots.get("name", ""),
        request.slots.get("datetime", ""),
        now,
    )
    if not chosen:
        return Outcome(reply="I couldn't find that reminder.", error_code="no_such_reminder")
    if len(chosen) > 1 and not wants_all:
        options = tuple(item.text for item in chosen[:4])
        return Outcome(
            reply=f"Which one: {' or '.join(options)}?",
            question=Question(kind="choose", options=options, pending=request, slot="message"),
        )
    for item in chosen:
        scheduler.cancel(item.id)
    if len(chosen) == 1:
        return Outcome(reply=f"OK, I cancelled the reminder{_to(chosen[0].text)}.")
    return Outcome(reply=f"OK, I cancelled all {len(chosen)} reminders.")


_REMINDER_WORD = re.compile(
    r"\b(?:reminders?|alarms?|alerts?|notifications?|wake[- ]?up(?: call)?|remind me|wake me)\b"
)


def _names_an_item(request: IntentRequest) -> bool:
    return any(request.slots.get(slot, "").strip() for slot in ("message", "name", "datetime"))


def find_items(
    items: Sequence[ScheduledItem], text: str, spoken_when: str, now: datetime
) -> list[ScheduledItem]:
    """The items named by `text` (fuzzy) and/or said time `spoken_when` ("the 5 pm one")."""
    chosen = list(items)
    if spoken_when.strip():
        chosen = _at_time_of(chosen, spoken_when, now)
    if text.strip():
        texts = [item.text for item in chosen]
        matches = process.extract(
            text, texts, scorer=fuzz.token_set_ratio, score_cutoff=MATCH_CUTOFF
        )
        best = max((score for _, score, _ in matches), default=0)
        chosen = [chosen[index] for _, score, index in matches if score == best]
    return chosen


def _at_time_of(items: list[ScheduledItem], spoken_when: str, now: datetime) -> list[ScheduledItem]:
    """Items on the said day; with a clock time, at that moment, else at that time any day."""
    when = parse_when(spoken_when, now)
    if when is None:
        return []
    if not names_clock_time(spoken_when):
        return [i for i in items if i.due.date() == when.due.date()]
    same_clock = [i for i in items if i.due.time() == when.due.time()]
    same_moment = [i for i in same_clock if i.due.date() == when.due.date()]
    return same_moment or same_clock


def _on_day_of(items: list[ScheduledItem], spoken_when: str, now: datetime) -> list[ScheduledItem]:
    when = parse_when(spoken_when, now)
    if when is None:
        return items
    return [item for item in items if item.due.date() == when.due.date()]


def _describe_item(item: ScheduledItem, now: datetime) -> str:
    when = item.recurrence or describe(item.due, now)
    return f"{item.text} {when}" if item.text else f"an alarm {when}"


def _message(request: IntentRequest) -> str:
    message = request.slots.get("message", "").strip().rstrip(".?!")
    message = re.sub(r"(?i)^to\s+", "", message)  # the answer "to call mum"
    if not message and _ALARM_WORDS.search(request.text.lower()):
        return "wake up"
    return message


def _to(message: str) -> str:
    if not message:
        return ""
    return f" to {message}" if not message.startswith(("about ", "of ")) else f" {message}"


INTENTS: dict[str, Handler] = {
    "reminders.set": set_reminder,
    "reminders.list": list_reminders,
    "reminders.cancel": cancel_reminder,
}
