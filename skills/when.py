"""Spoken dates, times, durations and repeat rules turned into aware datetimes and cron rules.

Pure functions: the caller passes `now` (aware, in the home's time zone). Wall-clock times
("at 7", "tomorrow morning") are built in that zone and normalised, so a daylight-saving
change moves neither a reminder's hour nor an "in ten minutes" timer's real length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

import dateparser
from apscheduler.triggers.cron import CronTrigger

PARTS_OF_DAY: dict[str, time] = {
    "morning": time(9, 0),
    "noon": time(12, 0),
    "midday": time(12, 0),
    "afternoon": time(15, 0),
    "evening": time(19, 0),
    "tonight": time(20, 0),
    "night": time(20, 0),
    "midnight": time(0, 0),
}
"""What a part of the day means when no hour is said ("tomorrow morning" = 09:00)."""

WEEKDAYS: tuple[str, ...] = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)
_CRON_DAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_UNIT_SECONDS: dict[str, float] = {"w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1}
_UNIT_RE = r"(weeks?|days?|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)"
_DURATION_PART = re.compile(rf"(\d+(?:\.\d+)?)\s*{_UNIT_RE}\b(\s+and\s+a\s+(half|quarter))?")
_TIME_RE = re.compile(r"\b(\d{1,2})(?::(\d{2}))?\s*(am|pm)?\b")

_MONTH_WORDS = (
    "january february march april may june july august september october november december"
)
_UNIT_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen \
fifteen sixteen seventeen eighteen nineteen"
)
_TENS_WORDS = "twenty thirty forty fifty sixty seventy eighty ninety"
_MONTHS: tuple[str, ...] = tuple(_MONTH_WORDS.split())
_MONTHS_RE = rf"\b({'|'.join(_MONTHS)})\b"
_UNITS: dict[str, int] = {word: value for value, word in enumerate(_UNIT_WORDS.split())}
_TENS: dict[str, int] = {word: 10 * (index + 2) for index, word in enumerate(_TENS_WORDS.split())}


@dataclass(frozen=True)
class When:
    """A resolved spoken time."""

    due: datetime
    """First (or only) occurrence, aware, in now's time zone."""
    recurrence: str | None
    """Crontab rule for APScheduler ("0 7 * * mon-fri"), None for a one-off."""
    text: str
    """Human description for replies ("tomorrow at 9 am", "every weekday at 7 am")."""


def parse_duration(text: str) -> timedelta | None:
    """ "ten minutes", "an hour and a half", "90 seconds", "1h 30m" -> timedelta; None if none."""
    spoken = normalise_spoken(text)
    spoken = re.sub(
        r"\b(?:a|an|one)\s+(hour|minute)\s+and\s+a\s+half\b", r"1 \1 and a half", spoken
    )
    spoken = re.sub(r"\b(\d+)\s+and\s+a\s+half\s+", r"\1.5 ", spoken)
    spoken = re.sub(r"\bhalf\s+(?:an?\s+)?hour\b", "30 minutes", spoken)
    spoken = re.sub(r"\b(?:a\s+)?quarter\s+(?:of\s+)?(?:an?\s+)?hour\b", "15 minutes", spoken)
    spoken = re.sub(r"\b(?:an?|one)\s+(weeks?|days?|hours?|minutes?|seconds?)\b", r"1 \1", spoken)
    spoken = re.sub(r"(\d)(h|m|s)\b", r"\1 \2", spoken)
    total = 0.0
    found = False
    for match in _DURATION_PART.finditer(spoken):
        found = True
        unit = _UNIT_SECONDS[match.group(2)[0]]
        amount = float(match.group(1))
        if match.group(4) == "half":
            amount += 0.5
        elif match.group(4) == "quarter":
            amount += 0.25
        total += amount * unit
    if not found or total <= 0:
        return None
    return timedelta(seconds=round(total))


def parse_when(text: str, now: datetime) -> When | None:
    """Resolve spoken `text` against aware `now`; None when no time can be read from it."""
    if now.tzinfo is None:
        raise ValueError("parse_when needs an aware `now` (in the home's time zone)")
    spoken = normalise_spoken(text)
    if not spoken:
        return None
    if re.search(r"\b(every|each|daily|weekdays)\b", spoken):
        return _parse_recurring(spoken, now)
    relative = re.match(r"^(?:in|after)\s+(.+)$", spoken) or re.match(r"^(.+?)\s+from now$", spoken)
    if relative:
        duration = parse_duration(relative.group(1))
        if duration is not None:
            due = add_real_time(now, duration)
            said = (
                f"at {spoken_time(due.time())}" if due.date() == now.date() else describe(due, now)
            )
            return When(due=due, recurrence=None, text=said)
    # "an alarm for 7", "by 7": seven o'clock, as "at 7".
    spoken = re.sub(r"^(?:for|by)\s+(?=\d{1,2}(?::\d{2})?$)", "at ", spoken)
    if re.fullmatch(r"(?:(?:in|after)\s+)?\d{1,2}", spoken):
        # "in five", "5": minutes, hours or five o'clock? (dateparser reads a month: May.)
        return None
    return _parse_one_off(spoken, now)


def names_clock_time(text: str) -> bool:
    """Whether `text` says a time of day ("at 5", "noon", "tonight"), not only a day."""
    return _time_of_day(normalise_spoken(text)) is not None


def add_real_time(start: datetime, duration: timedelta) -> datetime:
    """`start` + `duration` of real elapsed time (not wall-clock), in start's zone."""
    zone = start.tzinfo
    return (start.astimezone(UTC) + duration).astimezone(zone)


def spoken_time(moment: time) -> str:
    """How a reply says a time of day: "5 pm", "8:30 am", "noon", "midnight"."""
    if moment.minute == 0 and moment.hour == 12:
        return "noon"
    if moment.minute == 0 and moment.hour == 0:
        return "midnight"
    hour = moment.hour % 12 or 12
    suffix = "am" if moment.hour < 12 else "pm"
    return f"{hour} {suffix}" if moment.minute == 0 else f"{hour}:{moment.minute:02d} {suffix}"


def spoken_day(day: date, today: date) -> str:
    """ "today", "tomorrow", "on Friday" (within a week), else "on 3 December"."""
    delta = (day - today).days
    if delta == 0:
        return "today"
    if delta == 1:
        return "tomorrow"
    if 1 < delta < 7:
        return f"on {WEEKDAYS[day.weekday()].capitalize()}"
    return f"on {day.day} {day.strftime('%B')}"


def describe(due: datetime, now: datetime) -> str:
    """ "today at 5 pm", "tomorrow at 9 am", "on Friday at noon"."""
    return f"{spoken_day(due.date(), now.date())} at {spoken_time(due.time())}"


def describe_cron(rule: str) -> str:
    """Human text of a crontab rule made by parse_when: "every weekday at 7 am"."""
    fields = rule.split()
    if len(fields) != 5:
        return rule
    minute, hour, _day, _month, day_of_week = fields
    if not (minute.isdigit() and hour.isdigit()):
        return rule
    at = spoken_time(time(int(hour), int(minute)))
    days = {
        "*": "every day",
        "mon-fri": "every weekday",
        "sat,sun": "every weekend day",
    }.get(day_of_week)
    if days is None:
        names = [
            WEEKDAYS[_CRON_DAYS.index(d)].capitalize()
            for d in day_of_week.split(",")
            if d in _CRON_DAYS
        ]
        days = "every " + " and ".join(names) if names else f"on days {day_of_week}"
    return f"{days} at {at}"


def next_cron_time(rule: str, now: datetime) -> datetime | None:
    """Next occurrence of crontab `rule` strictly after `now`, in now's zone (DST-aware)."""
    trigger = CronTrigger.from_crontab(rule, timezone=now.tzinfo)
    after = trigger.get_next_fire_time(None, now + timedelta(microseconds=1))
    if after is None:
        return None
    return _normalise(after, now.tzinfo)


def _normalise(moment: datetime, zone: tzinfo | None) -> datetime:
    """Resolve a wall time that does not exist (DST gap) or is ambiguous to a real instant."""
    return moment.astimezone(UTC).astimezone(zone)


def _parse_recurring(spoken: str, now: datetime) -> When | None:
    if re.search(r"\bweekdays?\b|\bwork ?days?\b", spoken) and "weekend" not in spoken:
        day_of_week = "mon-fri"
    elif re.search(r"\bweekends?\b", spoken):
        day_of_week = "sat,sun"
    else:
        named = [
            index for index, name in enumerate(WEEKDAYS) if re.search(rf"\b{name}s?\b", spoken)
        ]
        day_of_week = ",".join(_CRON_DAYS[i] for i in named) if named else "*"
    clock = _time_of_day(spoken)
    if clock is None:
        return None
    rule = f"{clock.minute} {clock.hour} * * {day_of_week}"
    due = next_cron_time(rule, now)
    if due is None:
        return None
    return When(due=due, recurrence=rule, text=describe_cron(rule))


def _time_of_day(spoken: str) -> time | None:
    """The clock time said, if any: "5 pm", "17:30", "noon", "half past 7", "morning"."""
    for word in ("noon", "midday", "midnight"):
        if re.search(rf"\b{word}\b", spoken):
            return PARTS_OF_DAY[word]
    past = re.search(r"\b(half|quarter)\s+(past|to)\s+(\d{1,2})\b", spoken)
    if past:
        minutes = 30 if past.group(1) == "half" else 15
        hour = int(past.group(3)) % 24
        if past.group(2) == "to":
            hour, minutes = (hour - 1) % 24, 60 - minutes
        return _with_part_of_day(time(hour, minutes), spoken)
    for match in _TIME_RE.finditer(spoken):
        prefix = spoken[: match.start()].rstrip()
        if not (prefix.endswith(("at", "by", "for")) or match.group(2) or match.group(3)):
            continue
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        if hour > 23 or minute > 59:
            return None
        if match.group(3) == "pm" and hour < 12:
            hour += 12
        elif match.group(3) == "am" and hour == 12:
            hour = 0
        if match.group(3) is None:
            return _with_part_of_day(time(hour, minute), spoken)
        return time(hour, minute)
    for word, moment in PARTS_OF_DAY.items():
        if re.search(rf"\b{word}\b", spoken):
            return moment
    return None


def _with_part_of_day(moment: time, spoken: str) -> time:
    """ "7 in the evening", "at 8 tonight" -> afternoon hours; bare "7" stays as said."""
    if moment.hour < 12 and re.search(r"\b(afternoon|evening|tonight|night)\b", spoken):
        return moment.replace(hour=moment.hour + 12)
    return moment


def _parse_one_off(spoken: str, now: datetime) -> When | None:
    day = _day_said(spoken, now)
    clock = _time_of_day(spoken)
    if clock is None and day is None:
        return _dateparser_fallback(spoken, now)
    if clock is None:
        clock = PARTS_OF_DAY["morning"]
    bare_hour = clock.hour < 12 and not re.search(r"\b(am|morning)\b", spoken)
    candidates = [clock]
    if bare_hour and 1 <= clock.hour <= 11 and not _has_part_of_day(spoken):
        candidates.append(clock.replace(hour=clock.hour + 12))
    days = [day] if day is not None else [now.date(), now.date() + timedelta(days=1)]
    for on_day in days:
        for candidate in candidates:
            due = _at(on_day, candidate, now.tzinfo)
            if due > now:
                return When(due=due, recurrence=None, text=describe(due, now))
    return None


def _has_part_of_day(spoken: str) -> bool:
    return (
        re.search(r"\b(am|pm|afternoon|evening|tonight|night|noon|midnight|midday)\b", spoken)
        is not None
    )


def _day_said(spoken: str, now: datetime) -> date | None:
    today = now.date()
    if re.search(r"\b(tomorrow|tmrw)\b", spoken):
        return today + timedelta(days=1)
    if re.search(r"\b(today|tonight|this (morning|afternoon|evening))\b", spoken):
        return today
    on_calendar = calendar_day(spoken, today)
    if on_calendar is not None:
        return on_calendar
    for index, name in enumerate(WEEKDAYS):
        if re.search(rf"\b{name}\b", spoken):
            ahead = (index - today.weekday()) % 7 or 7
            return today + timedelta(days=ahead)
    return None


def calendar_day(spoken: str, today: date) -> date | None:
    """ "december 3rd", "3rd of december", "the 5th": the next such date from today on."""
    month_match = re.search(_MONTHS_RE, spoken)
    ordinal = re.search(r"\b(\d{1,2})(?:st|nd|rd|th)\b", spoken)
    plain = re.search(r"(?<!:)\b(\d{1,2})\b(?!\s*(?::|am|pm))", spoken)
    if month_match is None and ordinal is None:
        return None
    number = ordinal or plain
    day_number = int(number.group(1)) if number else 1
    if month_match:
        month = _MONTHS.index(month_match.group(1)) + 1
        starts = [(today.year, month), (today.year + 1, month)]
    else:
        starts = [
            ((today.year * 12 + today.month - 1 + k) // 12, (today.month - 1 + k) % 12 + 1)
            for k in range(13)
        ]
    for year, month in starts:
        try:
            candidate = date(year, month, day_number)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    return None


def _at(day: date, clock: time, zone: tzinfo | None) -> datetime:
    return _normalise(datetime.combine(day, clock, tzinfo=zone), zone)


_NOT_A_TIME = re.compile(r"\b(a|an|the|for|of|in|on|at|by|and|it|its|is|me)\b")


def _dateparser_fallback(spoken: str, now: datetime) -> When | None:
    """Dates we have no rule for ("on december 3rd at 9 am"): dateparser, future preferred."""
    zone = now.tzinfo
    settings = {
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": now.replace(tzinfo=None),
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    cleaned = re.sub(r"^(on|at|by)\s+", "", spoken)
    if not re.search(r"\d|[a-z]{3,}", re.sub(_NOT_A_TIME, "", cleaned)):
        return None  # dateparser reads a lone "a" or "an" as a date in January
    parsed = dateparser.parse(cleaned, languages=["en"], settings=settings)
    if parsed is None:
        return None
    due = _normalise(parsed.replace(tzinfo=zone), zone)
    if due <= now:
        return None
    return When(due=due, recurrence=None, text=describe(due, now))


def normalise_spoken(text: str) -> str:
    """Lower case, "p.m." -> "pm", "twenty five" -> "25", "7 30 pm" -> "7:30 pm"."""
    spoken = text.lower().replace("-", " ")
    spoken = re.sub(r"\b([ap])\.\s?m\b\.?", r"\1m", spoken)
    spoken = spoken.replace("o'clock", "").replace("o clock", "")
    spoken = re.sub(r"(\d)(am|pm)\b", r"\1 \2", spoken)
    spoken = re.sub(r"[^\w\s:.]", " ", spoken)
    spoken = re.sub(r"(?<!\d)\.|\.(?!\d)", " ", spoken)
    words: list[str] = []
    current: int | None = None
    for word in spoken.split():
        if word in _UNITS and (
            current is None or (current >= 20 and current % 10 == 0 and current < 100)
        ):
            current = (current or 0) + _UNITS[word]
            continue
        if word in _TENS and (current is None or (current >= 100 and current % 100 == 0)):
            current = (current or 0) + _TENS[word]
            continue
        if word == "hundred" and current is not None and 0 < current < 10:
            current *= 100
            continue
        if current is not None:
            words.append(str(current))
            current = None
        if word in _UNITS:
            current = _UNITS[word]
        elif word in _TENS:
            current = _TENS[word]
        else:
            words.append(word)
    if current is not None:
        words.append(str(current))
    joined = " ".join(words)
    joined = re.sub(r"\b(\d{1,2}) (\d{2})\s*(am|pm)\b", r"\1:\2 \3", joined)
    # British "half six" is 6:30 (dateparser read "half six tomorrow" as 9 am).
    joined = re.sub(
        r"(?<!past )\bhalf (1[0-2]|[1-9])\b(?! ?(?:hours?|minutes?|days?|weeks?))", r"\1:30", joined
    )
    return re.sub(r"\b(at|by) (\d{1,2}) (\d{2})\b", r"\1 \2:\3", joined)
