"""Days a spoken question names ("tomorrow", "the 22nd", "christmas") and how replies say them.

Pure functions of the question and `now`: relative days and weekdays go to dateparser, calendar
days ("march tenth", "the 22nd") to skills.when, so the clock reads a date as reminders do.
Named days ("christmas") are in skills.named_days.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import dateparser

from skills.when import WEEKDAYS, calendar_day, normalise_spoken, parse_duration

_MONTH_NAMES = (
    "January February March April May June July August September October November December"
)
MONTHS: tuple[str, ...] = tuple(_MONTH_NAMES.split())
"""English month names regardless of the process locale (calendar.month_name follows it)."""

_ORDINAL_WORDS = (
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
    "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth"
)
_ORDINALS: dict[str, int] = {word: n for n, word in enumerate(_ORDINAL_WORDS.split(), start=1)}
_ORDINALS |= {"twentieth": 20, "thirtieth": 30}
_ORDINAL_RE = re.compile(rf"\b(?:(twenty|thirty) )?({'|'.join(_ORDINALS)})\b")
_WEEKDAY_RE = "|".join(WEEKDAYS)
_MONTH_RE = "|".join(month.lower() for month in MONTHS)
_NTH_WEEKDAY = re.compile(
    rf"\b(1st|2nd|3rd|4th|5th|last) ({_WEEKDAY_RE}) (?:in|of) "
    rf"(?:(?:the|this) month|(next) month|({_MONTH_RE}))\b"
)
_OFFSET = r"(?:\d+|a|an|one) (?:days?|weeks?)"
_RELATIVE = re.compile(
    r"\b(?:(?:the )?day (?:after tomorrow|before yesterday)|tomorrow|yesterday|today|tonight"
    rf"|(?:in|after) {_OFFSET}|{_OFFSET} (?:ago|from now|from today|later)"
    rf"|(?:(?:next|this|last|on|(?:this )?coming) )?(?:{_WEEKDAY_RE}))\b"
)
# A month counts only next to a day number: "may" alone is more often the verb.
_CALENDAR = re.compile(
    rf"\b(?:{_MONTH_RE}) \d{{1,2}}(?:st|nd|rd|th)?\b"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)? (?:of )?(?:{_MONTH_RE})\b|\b\d{{1,2}}(?:st|nd|rd|th)\b"
)
_DATED = re.compile(
    rf"\b(?:({_MONTH_RE}) (\d{{1,2}})(?:st|nd|rd|th)?|(\d{{1,2}})(?:st|nd|rd|th)? of "
    rf"({_MONTH_RE})) (\d{{4}})\b"
)
_IN_MONTH = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)? (?:of )?(this|next) month\b")


@dataclass(frozen=True)
class DaySaid:
    """A day a question names."""

    day: date | None
    """The day meant, or None when the words name a day that cannot be worked out."""


def prepare(text: str) -> str:
    """A question as plain words: lower case, no apostrophes, "twenty second" -> "22nd"."""
    plain = text.lower().replace("’", "").replace("'", "").replace("-", " ")
    plain = re.sub(r"\b(today|tomorrow|yesterday)s\b", r"\1", plain)  # "tomorrow's date"
    return normalise_spoken(_ORDINAL_RE.sub(_ordinal_digits, plain))


def find_day(spoken: str, now: datetime, *, past: bool = False) -> DaySaid | None:
    """The day `spoken` (from prepare) names, seen from `now`; None when it names none.

    Dates without a year are the next such day from today on, or the last one up to today
    when `past` ("what day was the 1st").
    """
    for finder in (_nth_weekday, _with_year, _in_month, _relative, _calendar):
        found = finder(spoken, now, past)
        if found is not None:
            return found
    return None


def spoken_date(day: date, today: date) -> str:
    """ "Friday, December 25"; the year is said when it is not this year's."""
    said = f"{WEEKDAYS[day.weekday()].capitalize()}, {MONTHS[day.month - 1]} {day.day}"
    return said if day.year == today.year else f"{said}, {day.year}"


def spoken_span(days: int, *, in_weeks: bool = False) -> str:
    """ "27 days", "1 day", or with `in_weeks` "3 weeks and 6 days", "1 week"."""
    weeks, rest = divmod(days, 7) if in_weeks else (0, days)
    parts = [_count(weeks, "week")] if weeks else []
    if rest or not parts:
        parts.append(_count(rest, "day"))
    return " and ".join(parts)


def spoken_minutes(minutes: int) -> str:
    """ "6 hours and 18 minutes", "1 hour", "5 minutes"."""
    hours, rest = divmod(minutes, 60)
    parts = [_count(hours, "hour")] if hours else []
    if rest or not parts:
        parts.append(_count(rest, "minute"))
    return " and ".join(parts)


def last_of_month(day: date) -> date:
    """The last day of `day`'s month."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def until_sentence(name: str | None, day: date, today: date, *, in_weeks: bool) -> str:
    """ "Christmas is in 27 days, on Friday, December 25." or "Friday, December 4 is in 6 days."."""
    delta = (day - today).days
    said = spoken_date(day, today)
    if delta < 0:
        return date_sentence(f"{name or 'that'} was on", day, today)
    if delta == 0:
        return date_sentence(f"{name or said} is today", None, today)
    when = "tomorrow" if delta == 1 else f"in {spoken_span(delta, in_weeks=in_weeks)}"
    if name is None:
        return date_sentence(f"{said} is {when}", None, today)
    return date_sentence(f"{name} is {when},{'' if delta == 1 else ' on'}", day, today)


def day_sentence(day: date, today: date) -> str:
    """ "Today is ...", "Tomorrow is ...", "Yesterday was ...", "That's ...", "That was ..."."""
    delta = (day - today).days
    opening = {0: "Today is", 1: "Tomorrow is", -1: "Yesterday was"}.get(delta)
    return date_sentence(opening or ("That's" if delta > 0 else "That was"), day, today)


def date_sentence(opening: str, day: date | None, today: date) -> str:
    """`opening` as a sentence, followed by `day` when given: "Christmas is on Friday, ..."."""
    said = f" {spoken_date(day, today)}" if day is not None else ""
    return f"{opening[:1].upper()}{opening[1:]}{said}."


def _count(number: int, unit: str) -> str:
    return f"{number} {unit}" if number == 1 else f"{number} {unit}s"


def _ordinal_digits(match: re.Match[str]) -> str:
    number = _ORDINALS[match.group(2)] + {"twenty": 20, "thirty": 30}.get(match.group(1) or "", 0)
    suffix = "th" if 11 <= number % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10)
    return f"{number}{suffix or 'th'}"


def _nth_weekday(spoken: str, now: datetime, past: bool) -> DaySaid | None:
    """ "the last friday of the month", "the 1st monday of next month", "the 2nd sunday in may"."""
    match = _NTH_WEEKDAY.search(spoken)
    if match is None:
        return None
    today = now.date()
    year, month = today.year, today.month
    if match.group(3):
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    elif match.group(4):
        month = MONTHS.index(match.group(4).capitalize()) + 1
        year += 1 if month < today.month else 0
    weekday = WEEKDAYS.index(match.group(2))
    days_in_month = calendar.monthrange(year, month)[1]
    if match.group(1) == "last":
        last = date(year, month, days_in_month)
        return DaySaid(last - timedelta(days=(last.weekday() - weekday) % 7))
    first = date(year, month, 1) + timedelta(days=(weekday - date(year, month, 1).weekday()) % 7)
    day = first + timedelta(weeks=int(match.group(1)[0]) - 1)
    return DaySaid(day if day.month == month else None)


def _with_year(spoken: str, now: datetime, past: bool) -> DaySaid | None:
    """ "march 10 2030", "the 1st of may 2027"."""
    match = _DATED.search(spoken)
    if match is None:
        return None
    month_name = match.group(1) or match.group(4)
    day_number = int(match.group(2) or match.group(3))
    month = MONTHS.index(month_name.capitalize()) + 1
    try:
        return DaySaid(date(int(match.group(5)), month, day_number))
    except ValueError:
        return DaySaid(None)


def _in_month(spoken: str, now: datetime, past: bool) -> DaySaid | None:
    """ "the 22nd of this month", "the 3rd of next month"."""
    match = _IN_MONTH.search(spoken)
    if match is None:
        return None
    year, month = now.year, now.month
    if match.group(2) == "next":
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    try:
        return DaySaid(date(year, month, int(match.group(1))))
    except ValueError:
        return DaySaid(None)


def _relative(spoken: str, now: datetime, past: bool) -> DaySaid | None:
    """ "tomorrow", "a week ago", "in 3 days", "next friday", "last saturday": dateparser."""
    match = _RELATIVE.search(spoken)
    if match is None:
        return None
    words = match.group()
    offset = re.fullmatch(
        rf"(?:in|after) ({_OFFSET})|({_OFFSET}) (?:from now|from today|later)", words
    )
    if offset:
        # dateparser reads "2 days from today" as today; the offset is plain arithmetic.
        duration = parse_duration(offset.group(1) or offset.group(2))
        return DaySaid(now.date() + duration if duration else None)
    settings = {
        "PREFER_DATES_FROM": "past" if past else "future",
        "RELATIVE_BASE": now.replace(tzinfo=None),
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    cleaned = re.sub(r"^(?:on |(?:this )?coming )", "", words)
    parsed = dateparser.parse(cleaned, languages=["en"], settings=settings)
    return DaySaid(parsed.date() if parsed else None)


def _calendar(spoken: str, now: datetime, past: bool) -> DaySaid | None:
    """ "march 10th", "the 1st of may", "the 22nd": the next such day (or the last one)."""
    if _CALENDAR.search(spoken) is None:
        return None
    today = now.date()
    day = calendar_day(spoken, today)
    if day is not None and past and day > today:
        day = _latest_before(day, today, named_month=re.search(_MONTH_RE, spoken) is not None)
    return DaySaid(day)


def _latest_before(day: date, today: date, *, named_month: bool) -> date | None:
    """The last day up to `today` with `day`'s day of the month (and month, if one was said)."""
    for back in (12,) if named_month else range(1, 13):
        year, month_index = divmod(day.year * 12 + day.month - 1 - back, 12)
        if day.day <= calendar.monthrange(year, month_index + 1)[1]:
            candidate = date(year, month_index + 1, day.day)
            if candidate <= today:
                return candidate
    return None
