"""Spoken times, durations and repeat rules (skills/when.py): tables, including DST nights."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from skills.when import describe_cron, next_cron_time, normalise_spoken, parse_duration, parse_when

BERLIN = ZoneInfo("Europe/Berlin")
SATURDAY = datetime(2026, 11, 28, 15, 20, tzinfo=BERLIN)
"""Saturday 28 November 2026, 15:20 in Berlin (CET, UTC+1)."""


def at(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("ten minutes", 600),
        ("10 minutes", 600),
        ("10 minute", 600),
        ("an hour and a half", 5400),
        ("one and a half hours", 5400),
        ("two and a half minutes", 150),
        ("a minute and a half", 90),
        ("half an hour", 1800),
        ("a quarter of an hour", 900),
        ("90 seconds", 90),
        ("1h 30m", 5400),
        ("1 hour 20 minutes", 4800),
        ("twenty five minutes", 1500),
        ("an hour", 3600),
        ("forty-five seconds", 45),
        ("2 days", 2 * 86400),
        ("", None),
        ("pasta", None),
        ("zero minutes", None),
    ],
)
def test_parse_duration(text: str, seconds: int | None) -> None:
    expected = timedelta(seconds=seconds) if seconds is not None else None
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "due", "spoken"),
    [
        ("at 5 pm", at(11, 28, 17), "today at 5 pm"),
        ("5 p.m.", at(11, 28, 17), "today at 5 pm"),
        ("at 5:00 PM", at(11, 28, 17), "today at 5 pm"),
        ("at seven thirty p.m.", at(11, 28, 19, 30), "today at 7:30 pm"),
        ("at 17:30", at(11, 28, 17, 30), "today at 5:30 pm"),
        ("at 7", at(11, 28, 19), "today at 7 pm"),  # the next 7 o'clock
        ("for 7", at(11, 28, 19), "today at 7 pm"),  # "an alarm for 7"
        ("at 3", at(11, 29, 3), "tomorrow at 3 am"),  # 15:00 has passed
        ("at half past seven", at(11, 28, 19, 30), "today at 7:30 pm"),
        ("at half seven", at(11, 28, 19, 30), "today at 7:30 pm"),  # British: 7:30
        ("half six tomorrow", at(11, 29, 6, 30), "tomorrow at 6:30 am"),  # it read 9 am
        ("in ten minutes", at(11, 28, 15, 30), "at 3:30 pm"),
        ("in 2 hours", at(11, 28, 17, 20), "at 5:20 pm"),
        ("in 2 days", at(11, 30, 15, 20), "on Monday at 3:20 pm"),
        ("in a week", at(12, 5, 15, 20), "on 5 December at 3:20 pm"),
        ("tomorrow morning", at(11, 29, 9), "tomorrow at 9 am"),
        ("tomorrow at 7", at(11, 29, 7), "tomorrow at 7 am"),
        ("at 5 pm tomorrow", at(11, 29, 17), "tomorrow at 5 pm"),
        ("tonight", at(11, 28, 20), "today at 8 pm"),
        ("this evening", at(11, 28, 19), "today at 7 pm"),
        ("on friday at noon", at(12, 4, 12), "on Friday at noon"),
        ("next friday", at(12, 4, 9), "on Friday at 9 am"),
        ("on saturday at 8", at(12, 5, 8), "on 5 December at 8 am"),
        ("on december 3rd at 9 am", at(12, 3, 9), "on Thursday at 9 am"),
        ("on the 5th at noon", at(12, 5, 12), "on 5 December at noon"),
        ("3rd of january at 8", at(1, 3, 8, year=2027), "on 3 January at 8 am"),
    ],
)
def test_parse_when_one_off(text: str, due: datetime, spoken: str) -> None:
    when = parse_when(text, SATURDAY)
    assert when is not None
    assert (when.due, when.recurrence, when.text) == (due, None, spoken)


@pytest.mark.parametrize(
    ("text", "rule", "first", "spoken"),
    [
        ("every weekday at 7", "0 7 * * mon-fri", at(11, 30, 7), "every weekday at 7 am"),
        ("every day at 8:30", "30 8 * * *", at(11, 29, 8, 30), "every day at 8:30 am"),
        ("daily at 6 pm", "0 18 * * *", at(11, 28, 18), "every day at 6 pm"),
        (
            "every monday and wednesday at 6 pm",
            "0 18 * * mon,wed",
            at(11, 30, 18),
            "every Monday and Wednesday at 6 pm",
        ),
        (
            "every weekend at 10 am",
            "0 10 * * sat,sun",
            at(11, 29, 10),
            "every weekend day at 10 am",
        ),
        ("every morning", "0 9 * * *", at(11, 29, 9), "every day at 9 am"),
    ],
)
def test_parse_when_recurring(text: str, rule: str, first: datetime, spoken: str) -> None:
    when = parse_when(text, SATURDAY)
    assert when is not None
    assert (when.due, when.recurrence, when.text) == (first, rule, spoken)
    assert describe_cron(rule) == spoken


@pytest.mark.parametrize(
    "text",
    [
        *("", "call mom", "today at 2", "every so often", "on the 28th at 3 pm"),
        # A bare number: minutes, hours or o'clock? dateparser read "five" as May.
        *("five", "7", "in five", "in 5"),
        # A lone article (the tagger cut "for | an | hour"): dateparser read a date in January.
        *("a", "an", "the a"),
    ],
)
def test_parse_when_gives_none_for_no_time_or_a_past_one(text: str) -> None:
    assert parse_when(text, SATURDAY) is None


def test_parse_when_needs_an_aware_now() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse_when("at 5 pm", datetime(2026, 11, 28, 15, 20))


# Europe/Berlin: 2026-03-29 02:00 CET -> 03:00 CEST; 2026-10-25 03:00 CEST -> 02:00 CET.


def test_in_an_hour_across_spring_forward_is_one_real_hour() -> None:
    now = at(3, 29, 1, 30)
    when = parse_when("in an hour", now)
    assert when is not None
    assert when.due == at(3, 29, 3, 30)  # the wall clock jumps, the hour is real
    assert when.due.timestamp() - now.timestamp() == 3600


def test_in_two_hours_across_fall_back_is_two_real_hours() -> None:
    now = at(10, 25, 1, 30)
    when = parse_when("in two hours", now)
    assert when is not None
    assert when.due.timestamp() - now.timestamp() == 7200
    assert (when.due.hour, when.due.minute, when.due.utcoffset()) == (2, 30, timedelta(hours=1))


def test_tomorrow_at_9_keeps_its_wall_time_across_dst() -> None:
    when = parse_when("tomorrow at 9 am", at(10, 24, 20))
    assert when is not None
    assert (when.due.hour, when.due.utcoffset()) == (9, timedelta(hours=1))
    assert when.due.timestamp() - at(10, 24, 20).timestamp() == 14 * 3600  # 13 h + the extra hour


def test_a_time_in_the_spring_gap_becomes_a_real_instant() -> None:
    when = parse_when("at 2:30 am", at(3, 29, 1, 0))
    assert when is not None
    assert when.due == at(3, 29, 3, 30)
    assert when.due.utcoffset() == timedelta(hours=2)


def test_daily_rule_across_both_transitions_keeps_local_time() -> None:
    rule = "0 7 * * *"
    for before, offset_after in ((at(3, 28, 8), 2), (at(10, 24, 8), 1)):
        due = next_cron_time(rule, before)
        assert due is not None
        assert (due.hour, due.utcoffset()) == (7, timedelta(hours=offset_after))
        assert due.date() == (before + timedelta(days=1)).date()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Remind me at 5 P.M.", "remind me at 5 pm"),
        ("twenty-five minutes", "25 minutes"),
        ("seven thirty pm", "7:30 pm"),
        ("at seven thirty", "at 7:30"),
        ("one hundred twenty seconds", "120 seconds"),
    ],
)
def test_normalise_spoken(text: str, expected: str) -> None:
    assert normalise_spoken(text) == expected
