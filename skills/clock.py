"""The clock: the time and date here, the date of other days and named days, and days until.

It answers only what it can know from HomeView.now(). What it cannot (the time elsewhere,
birthdays, the home's public holidays, a day it cannot read, anything else) gets a plain
"I don't know", never today's date in its place.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

from skills.base import Handler, IntentRequest, Outcome, SkillContext
from skills.clock_words import (
    DAY_WORDS,
    NOW_WORDS,
    TIME_WORDS,
    TODAY_WORDS,
    in_the_past,
    only_known,
)
from skills.dates import (
    MONTHS,
    date_sentence,
    day_sentence,
    find_day,
    last_of_month,
    prepare,
    spoken_date,
    spoken_minutes,
    spoken_span,
    until_sentence,
)
from skills.named_days import NamedDay, find_named_day, named_days_on
from skills.when import WEEKDAYS

DONT_KNOW = "Sorry, I don't know that."

_ELSEWHERE = re.compile(
    r"\bin (?!here\b|now\b|the (?:morning|afternoon|evening)\b|(?:this|the|a) (?:month|year|week)\b"
    r"|an? (?:day|week)\b|\d|(?:this|my|our) time ?zone\b|(?:american|european|long|short)\b"
    rf"|(?:{'|'.join(month.lower() for month in MONTHS)})\b)\w+"
)
_YES_NO = re.compile(
    r"^(?:is|does|will|was) (?P<subject>.*?) ?(?:(?:fall|falls|be) )?(?:on )?(?:a |the )?"
    rf"(?P<kind>weekend|weekday|{'|'.join(WEEKDAYS)})(?: today)?$"
)
_UNTIL = re.compile(r"\bhow (?:many (days|weeks)|long)\b.*\b(?:until|till|to|before)\b")
_LEFT_IN = re.compile(r"\bhow many (days|weeks)\b.*\b(?:left|remaining|end of)\b.*\b(month|year)\b")
_UNTIL_CLOCK = re.compile(
    r"\bhow (?:many (?:hours|minutes)|long)\b.*\b(?:until|till|to|before) (midnight|noon|midday)\b"
)
_NTH_THIS_MONTH = re.compile(
    r"^(?:is there|do we have|are there) a (?:the )?(\d{1,2})(?:st|nd|rd|th)? (?:day |date )?"
    r"(?:this|in this) month$"
)
_PARTS_OF_DAY = {"morning": (5, 12), "afternoon": (12, 17), "evening": (17, 21), "night": (21, 29)}


def tell_time(request: IntentRequest, context: SkillContext) -> Outcome:
    """clock.time: "It's 5:42 PM.", "Tomorrow is Sunday, November 29.", or "I don't know"."""
    now = context.home.now()
    spoken = prepare(request.text)
    for answer in _ANSWERS:
        reply = answer(spoken, now)
        if reply is not None:
            return Outcome(reply)
    return Outcome(DONT_KNOW)


def _elsewhere(spoken: str, now: datetime) -> str | None:
    """ "what time is it in tokyo": no world clock here, and the local time must not pass for it."""
    if _ELSEWHERE.search(spoken) is None:
        return None
    words = set(spoken.split())
    if words & (TIME_WORDS | set(_PARTS_OF_DAY)) or not words & (TODAY_WORDS | {"week"}):
        return f"I only know the time here. {_clock(now)}"
    return "I only know the date here."


def _named_day(spoken: str, now: datetime) -> str | None:
    """ "when is christmas", "how many days until easter", "is christmas on a friday"."""
    found = find_named_day(spoken)
    if found is None:
        return None
    named, words = found
    if named.on is None:
        return named.unknown
    rest = spoken.replace(words, " ")
    if not only_known(rest, DAY_WORDS):  # "chinese new year" is not New Year's Day
        return DONT_KNOW
    today = now.date()
    day = _occurrence(named, rest, today)
    if day is None:
        return f"I don't know when {named.name} is."
    yes_no = _YES_NO.match(" ".join(rest.split()))
    if yes_no:
        return _yes_or_no(
            yes_no.group("kind"), day, date_sentence(f"{named.name} is on", day, today)
        )
    until = _UNTIL.search(rest)
    if until:
        return until_sentence(named.name, day, today, in_weeks=until.group(1) == "weeks")
    delta = (day - today).days
    verb = "is today," if delta == 0 else "was on" if delta < 0 else "is on"
    return date_sentence(f"{named.name} {verb}", day, today)


def _occurrence(named: NamedDay, spoken: str, today: date) -> date | None:
    """The year the question means: said, else the next one from today (the last if "was")."""
    for words, offset in (("next year", 1), ("last year", -1), ("this year", 0)):
        if words in spoken:
            return named.date_in(today.year + offset)
    year = re.search(r"\b(\d{4})\b", spoken)
    if year:
        return named.date_in(int(year.group(1))) if 1900 <= int(year.group(1)) <= 2100 else None
    this_year = named.date_in(today.year)
    if in_the_past(spoken):
        if this_year is not None and this_year <= today:
            return this_year
        return named.date_in(today.year - 1)
    if this_year is not None and this_year >= today:
        return this_year
    return named.date_in(today.year + 1)


def _holiday_on(spoken: str, now: datetime) -> str | None:
    """ "is there a holiday on the 4th": only the named days above are known."""
    if re.search(r"\bholidays?\b", spoken) is None:
        return None
    said = find_day(spoken, now, past=in_the_past(spoken))
    if said is None or not only_known(spoken, DAY_WORDS):
        return "I don't know the public holidays here."
    if said.day is None:
        return DONT_KNOW
    when = spoken_date(said.day, now.date())
    names = named_days_on(said.day)
    if names:
        return f"{when} is {' and '.join(names)}."
    return f"I don't know whether {when} is a holiday here."


def _days_in_month(spoken: str, now: datetime) -> str | None:
    """ "is there a 31st this month"."""
    match = _NTH_THIS_MONTH.match(spoken)
    if match is None:
        return None
    length = last_of_month(now.date()).day
    answer = "Yes" if int(match.group(1)) <= length else "No"
    return f"{answer}, {MONTHS[now.month - 1]} has {length} days."


def _left_in(spoken: str, now: datetime) -> str | None:
    """ "how many days are left in the month", "how many weeks are left in this year"."""
    match = _LEFT_IN.search(spoken)
    if match is None:
        return None
    today = now.date()
    if match.group(2) == "month":
        last, period = last_of_month(today), MONTHS[today.month - 1]
    else:
        last, period = date(today.year, 12, 31), str(today.year)
    days = (last - today).days
    if days == 0:
        return f"Today is the last day of {period}."
    span = spoken_span(days, in_weeks=match.group(1) == "weeks")
    verb = "is" if span.startswith("1 ") else "are"
    return f"There {verb} {span} left in {period} after today."


def _until_clock(spoken: str, now: datetime) -> str | None:
    """ "how many hours until midnight": real time, so a clock change on the way counts."""
    match = _UNTIL_CLOCK.search(spoken)
    if match is None:
        return None
    target = time(0) if match.group(1) == "midnight" else time(12)
    day = now.date() if target > now.time() else now.date() + timedelta(days=1)
    moment = datetime.combine(day, target, tzinfo=now.tzinfo)
    minutes = int((moment.astimezone(UTC) - now.astimezone(UTC)).total_seconds() // 60)
    return f"It's {spoken_minutes(minutes)} until {match.group(1)}."


def _days_until(spoken: str, now: datetime) -> str | None:
    """ "how many days until friday", "how many weeks until the 22nd"."""
    match = _UNTIL.search(spoken)
    if match is None:
        return None
    said = find_day(spoken, now)
    if said is None or said.day is None or not only_known(spoken, DAY_WORDS):
        return DONT_KNOW
    return until_sentence(None, said.day, now.date(), in_weeks=match.group(1) == "weeks")


def _part_of_day(spoken: str, now: datetime) -> str | None:
    """ "is it evening yet": yes or no, with the time to judge by."""
    match = re.fullmatch(rf"is it ({'|'.join(_PARTS_OF_DAY)})(?: yet| already| now)?", spoken)
    if match is None:
        return None
    start, end = _PARTS_OF_DAY[match.group(1)]
    hour = now.hour if now.hour >= 5 else now.hour + 24
    return f"{'Yes' if start <= hour < end else 'No'}, {_lower_first(_clock(now))}"


def _now(spoken: str, now: datetime) -> str | None:
    """The time, today's date, this week, month or year."""
    words = set(spoken.split())
    if not words or not words <= NOW_WORDS:
        return None
    sentences = [_clock(now)] if words & TIME_WORDS else []
    if words & TODAY_WORDS:
        sentences.append(day_sentence(now.date(), now.date()))
    elif "week" in words:
        sentences.append(f"It's week {now.isocalendar().week}.")
    elif words & {"month", "year"}:
        said = [MONTHS[now.month - 1]] if "month" in words else []
        said += [str(now.year)] if "year" in words else []
        sentences.append(f"It's {' '.join(said)}.")
    return " ".join(sentences) or None


def _yes_no_day(spoken: str, now: datetime) -> str | None:
    """ "is it the weekend", "is tomorrow a weekday", "does june 21 fall on a sunday"."""
    match = _YES_NO.match(spoken)
    if match is None:
        return None
    subject = match.group("subject")
    day: date | None = now.date()
    if subject not in ("", "it", "today", "it today"):
        said = find_day(subject, now, past=spoken.startswith("was "))
        day = said.day if said is not None and only_known(subject, DAY_WORDS) else None
    if day is None:
        return DONT_KNOW
    return _yes_or_no(match.group("kind"), day, _lower_first(day_sentence(day, now.date())))


def _other_day(spoken: str, now: datetime) -> str | None:
    """ "what's the date tomorrow", "what day of the week is march tenth"."""
    said = find_day(spoken, now, past=in_the_past(spoken))
    if said is None:
        return None
    if said.day is None or not only_known(spoken, DAY_WORDS):
        return DONT_KNOW
    if re.search(r"\bweek (?:number|of the year)\b", spoken):
        return f"{spoken_date(said.day, now.date())} is in week {said.day.isocalendar().week}."
    return day_sentence(said.day, now.date())


def _yes_or_no(kind: str, day: date, sentence: str) -> str:
    if kind == "weekend":
        matches = day.weekday() >= 5
    elif kind == "weekday":
        matches = day.weekday() < 5
    else:
        matches = WEEKDAYS[day.weekday()] == kind
    return f"{'Yes' if matches else 'No'}, {sentence}"


def _clock(now: datetime) -> str:
    hour = now.hour % 12 or 12
    return f"It's {hour}:{now.minute:02d} {'AM' if now.hour < 12 else 'PM'}."


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


_ANSWERS: tuple[Callable[[str, datetime], str | None], ...] = (
    _elsewhere,
    _named_day,
    _holiday_on,
    _days_in_month,
    _left_in,
    _until_clock,
    _days_until,
    _part_of_day,
    _now,
    _yes_no_day,
    _other_day,
)
"""In order: the first that recognises the question answers it."""

INTENTS: dict[str, Handler] = {"clock.time": tell_time}
