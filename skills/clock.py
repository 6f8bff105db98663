"""The clock: "what time is it?", "what's the date?", from HomeView.now()."""

from __future__ import annotations

import re

from skills.base import Handler, IntentRequest, Outcome, SkillContext
from skills.values import normalise

# English names regardless of the process locale (strftime's %A would follow it).
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def tell_time(request: IntentRequest, context: SkillContext) -> Outcome:
    """clock.time: "It's 5:42 PM.", "Today is Saturday, November 28." or both."""
    now = context.home.now()
    text = normalise(request.text)
    wants_date = re.search(r"\b(date|day|today|month|year)\b", text) is not None
    wants_time = re.search(r"\b(time|clock|hour)\b", text) is not None or not wants_date
    sentences = []
    # "what time is it in Tokyo": no world clock here, and the local time must not pass for it.
    elsewhere = re.search(r"\bin (?!here\b|the (?:morning|afternoon|evening)\b)\w+", text)
    if elsewhere:
        sentences.append("I only know the time here.")
    if wants_time:
        hour = now.hour % 12 or 12
        sentences.append(f"It's {hour}:{now.minute:02d} {'AM' if now.hour < 12 else 'PM'}.")
    if wants_date:
        sentences.append(f"Today is {_DAYS[now.weekday()]}, {_MONTHS[now.month - 1]} {now.day}.")
    return Outcome(" ".join(sentences))


INTENTS: dict[str, Handler] = {"clock.time": tell_time}
