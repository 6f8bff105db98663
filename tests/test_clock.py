"""The clock skill: exact replies for a fixed `now`, worked out by hand from a calendar.

The default `now` is Saturday 2026-11-28 17:42 in Berlin (tests/fake_home.py). Facts used:
2026-11-26 was US Thanksgiving; 2027-01-01 is a Friday; Easter 2027 is March 28; Hanukkah
2026 begins at sundown on December 4; Diwali 2026 is November 8.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from skills import clock
from skills.base import IntentRequest, SkillContext
from tests.fake_home import SATURDAY_EVENING, FakeHome

BERLIN = ZoneInfo("Europe/Berlin")
DONT_KNOW = "Sorry, I don't know that."


def ask(text: str, now: datetime = SATURDAY_EVENING) -> str:
    request = IntentRequest(intent="clock.time", text=text)
    return clock.INTENTS["clock.time"](request, SkillContext(home=FakeHome(clock=now))).reply


def at(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("text", "reply"),
    [
        # The time and today.
        ("what time is it", "It's 5:42 PM."),
        # wake words and names left in the transcript ask nothing else
        ("Hey Jarvis, what time is it?", "It's 5:42 PM."),
        ("What time is it, Jarvis?", "It's 5:42 PM."),
        ("okay computer what day is it", "Today is Saturday, November 28."),
        ("what time is it mate", "It's 5:42 PM."),
        ("give me the time quickly", "It's 5:42 PM."),
        ("what is the correct time", "It's 5:42 PM."),
        ("can i get the time", "It's 5:42 PM."),
        ("i need to know what is the date today", "Today is Saturday, November 28."),
        ("What's the time and date?", "It's 5:42 PM. Today is Saturday, November 28."),
        ("how late is it", "It's 5:42 PM."),
        ("what does the clock say", "It's 5:42 PM."),
        ("what time is it in here", "It's 5:42 PM."),
        ("what time is it in my time zone", "It's 5:42 PM."),
        ("what's the date", "Today is Saturday, November 28."),
        ("What is today's date?", "Today is Saturday, November 28."),
        ("what day is it today", "Today is Saturday, November 28."),
        ("what day of the week is it today", "Today is Saturday, November 28."),
        ("what week is it", "It's week 48."),
        ("which month are we in", "It's November."),
        ("what year is it", "It's 2026."),
        ("is it the weekend", "Yes, today is Saturday, November 28."),
        ("is today friday", "No, today is Saturday, November 28."),
        ("is it evening yet", "Yes, it's 5:42 PM."),
        ("is it morning", "No, it's 5:42 PM."),
        # Other days, relative and named.
        ("What's the date tomorrow?", "Tomorrow is Sunday, November 29."),
        ("What is tomorrow's date?", "Tomorrow is Sunday, November 29."),
        ("what was yesterdays date", "Yesterday was Friday, November 27."),
        ("what day was it yesterday", "Yesterday was Friday, November 27."),
        ("what date was it a week ago", "That was Saturday, November 21."),
        ("what date is it in three days", "That's Tuesday, December 1."),
        ("what day is the day after tomorrow", "That's Monday, November 30."),
        ("what day is next friday", "That's Friday, December 4."),
        ("what's the date on saturday", "That's Saturday, December 5."),
        ("what day of the week is march tenth", "That's Wednesday, March 10, 2027."),
        ("What day of the week is March 10th?", "That's Wednesday, March 10, 2027."),
        ("what day is the first of may", "That's Saturday, May 1, 2027."),
        ("what day is the 31st", "That's Thursday, December 31."),
        ("what day was the 1st", "That was Sunday, November 1."),
        ("what day of the week is march 10 2030", "That's Sunday, March 10, 2030."),
        ("what day is the last friday of the month", "Yesterday was Friday, November 27."),
        ("what's the date of the first monday of next month", "That's Monday, December 7."),
        ("is the 22nd a weekend", "No, that's Tuesday, December 22."),
        ("is the twenty-second a weekday", "Yes, that's Tuesday, December 22."),
        ("does june 21 fall on a sunday", "No, that's Monday, June 21, 2027."),
        ("is tomorrow a weekday", "No, tomorrow is Sunday, November 29."),
        ("what week number is the 22nd", "Tuesday, December 22 is in week 52."),
        ("what day is february 30th", DONT_KNOW),
        # Named days: fixed, movable, per country, unknown.
        ("when is christmas this year", "Christmas is on Friday, December 25."),
        ("How many days until Christmas?", "Christmas is in 27 days, on Friday, December 25."),
        (
            "how many weeks until christmas",
            "Christmas is in 3 weeks and 6 days, on Friday, December 25.",
        ),
        ("what day is christmas next year", "Christmas is on Saturday, December 25, 2027."),
        ("what day is christmas in 2027", "Christmas is on Saturday, December 25, 2027."),
        ("does christmas fall on a weekend", "No, Christmas is on Friday, December 25."),
        ("what day is new year's eve", "New Year's Eve is on Thursday, December 31."),
        (
            "how many days until new year",
            "New Year's Day is in 34 days, on Friday, January 1, 2027.",
        ),
        ("how many days until easter", "Easter is in 120 days, on Sunday, March 28, 2027."),
        ("when is good friday", "Good Friday is on Friday, March 26, 2027."),
        ("when was easter", "Easter was on Sunday, April 5."),
        (
            "what day does thanksgiving fall on",
            "Thanksgiving in the United States is on Thursday, November 25, 2027.",
        ),
        (
            "when is mother's day",
            "Mother's Day in the United States is on Sunday, May 9, 2027.",
        ),
        ("when is labor day", "Labor Day in the United States is on Monday, September 6, 2027."),
        ("when is hanukkah", "The first day of Hanukkah is on Saturday, December 5."),
        ("when is st. patrick's day", "Saint Patrick's Day is on Wednesday, March 17, 2027."),
        ("when is my birthday", "I don't know your birthday."),
        ("how many days until my birthday", "I don't know your birthday."),
        ("when is ramadan", "I don't know when Ramadan starts."),
        ("when is the first day of spring", "I don't know when the seasons start."),
        ("when is the next bank holiday", "I don't know the public holidays here."),
        ("when is chinese new year", DONT_KNOW),
        ("what day is eid", DONT_KNOW),
        # Holidays on a day.
        ("is there a holiday on december 25th", "Friday, December 25 is Christmas."),
        (
            "is there a holiday on the 4th",
            "I don't know whether Friday, December 4 is a holiday here.",
        ),
        ("is there a bank holiday on the 4th", "I don't know the public holidays here."),
        ("are there any birthdays on the 22nd", "I don't know anyone's birthday."),
        # Counting.
        ("how many days until friday", "Friday, December 4 is in 6 days."),
        ("how many days until the 22nd", "Tuesday, December 22 is in 24 days."),
        ("how many days are left in the month", "There are 2 days left in November after today."),
        (
            "how many weeks are left in this year",
            "There are 4 weeks and 5 days left in 2026 after today.",
        ),
        ("how many days until the end of the year", "There are 33 days left in 2026 after today."),
        ("is there a 31st day this month", "No, November has 30 days."),
        ("how many hours until midnight", "It's 6 hours and 18 minutes until midnight."),
        # Elsewhere, and what the clock cannot answer.
        ("what time is it in Tokyo?", "I only know the time here. It's 5:42 PM."),
        ("What's the local time in Paris?", "I only know the time here. It's 5:42 PM."),
        ("what day is it in tokyo", "I only know the date here."),
        ("what time is sunset", DONT_KNOW),
        ("what's the time there", DONT_KNOW),
        ("tell me a joke", DONT_KNOW),
    ],
)
def test_replies_on_a_saturday_evening(text: str, reply: str) -> None:
    assert ask(text) == reply


@pytest.mark.parametrize(
    ("text", "now", "reply"),
    [
        ("what's the time", at(2026, 11, 28, 0, 5), "It's 12:05 AM."),
        ("what time is it", at(2026, 11, 28, 12, 0), "It's 12:00 PM."),
        ("what time is it", at(2026, 11, 28, 9, 7), "It's 9:07 AM."),
        (
            "how many days until christmas",
            at(2026, 12, 24),
            "Christmas is tomorrow, Friday, December 25.",
        ),
        ("how many days until christmas", at(2026, 12, 25), "Christmas is today."),
        ("when is christmas", at(2026, 12, 25), "Christmas is today, Friday, December 25."),
        ("when is christmas this year", at(2026, 12, 26), "Christmas was on Friday, December 25."),
        ("when is christmas", at(2026, 12, 26), "Christmas is on Saturday, December 25, 2027."),
        (
            "when is thanksgiving",
            at(2026, 11, 1),
            "Thanksgiving in the United States is on Thursday, November 26.",
        ),
        ("when is diwali", at(2026, 10, 1), "Diwali is on Sunday, November 8."),
        # The library's Indian calendar stops at 2035: it warns, and the clock says it doesn't know.
        ("when is diwali", at(2040, 1, 10), "I don't know when Diwali is."),
        (
            "how many days are left in the month",
            at(2026, 11, 29),
            "There is 1 day left in November after today.",
        ),
        (
            "how many days are left in the month",
            at(2026, 11, 30),
            "Today is the last day of November.",
        ),
        ("how many days are left in the year", at(2026, 12, 31), "Today is the last day of 2026."),
        ("how many minutes till noon", at(2026, 11, 28, 11, 40), "It's 20 minutes until noon."),
        # The clocks go back an hour at 03:00 on 2026-10-25: 22:00 to noon is 15 real hours.
        ("how many hours until noon", at(2026, 10, 24, 22, 0), "It's 15 hours until noon."),
        ("is it night", at(2026, 11, 28, 2, 30), "Yes, it's 2:30 AM."),
        ("what day was the 22nd", at(2026, 11, 20), "That was Thursday, October 22."),
    ],
)
def test_replies_at_other_times(text: str, now: datetime, reply: str) -> None:
    assert ask(text, now) == reply


@pytest.mark.parametrize(
    "text",
    [
        "how many days until christmas",
        "how many days till halloween",
        "when is easter",
        "what day does thanksgiving fall on",
        "how many days until my birthday",
        "is there a holiday on the 4th",
        "what day is the 22nd",
        "when is eid",
        "how many days until the summer solstice",
        "what's the date in tokyo",
    ],
)
def test_a_question_about_another_day_never_gets_todays_date(text: str) -> None:
    reply = ask(text)
    assert "Today is" not in reply
    assert "November 28" not in reply
