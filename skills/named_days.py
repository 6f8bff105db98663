"""Days a question can name ("christmas", "thanksgiving", "my birthday") and their dates.

Fixed dates are a small table; movable feasts come from dateutil (Easter) and the `holidays`
library. The home's country is not configured, so a day that differs by country is named with
the country whose rule it follows ("Thanksgiving in the United States"), and the home's own
public holidays are not known at all.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

import holidays
from dateutil.easter import easter

_US = " in the United States"


@dataclass(frozen=True)
class NamedDay:
    """A day a question can name."""

    name: str
    """How a reply names it: "Christmas", "Thanksgiving in the United States"."""
    pattern: str
    """Regular expression on the prepared question (see prepare)."""
    on: Callable[[int], date | None] | None = None
    """Its date in a year (None: not known that year); None when never known."""
    unknown: str = ""
    """What to say when `on` is None: "I don't know your birthday."."""

    def date_in(self, year: int) -> date | None:
        """Its date in `year`, None when not known."""
        return self.on(year) if self.on is not None else None


def _fixed(month: int, day: int) -> Callable[[int], date | None]:
    return lambda year: date(year, month, day)


def _easter(year: int) -> date:
    """Western Easter Sunday."""
    found: date = easter(year)
    return found


def _good_friday(year: int) -> date:
    return _easter(year) - timedelta(days=2)


@cache
def _holiday_calendar(country: str, categories: tuple[str, ...], year: int) -> holidays.HolidayBase:
    """One country's holidays in one year, in English; built once per process."""
    with warnings.catch_warnings():
        # The Indian lunisolar dates stop at 2035: past that the library warns and omits them.
        warnings.simplefilter("ignore", UserWarning)
        return holidays.country_holidays(
            country, years=year, categories=categories, language="en_US", expand=False
        )


def _listed(country: str, name: str, *categories: str) -> Callable[[int], date | None]:
    """The (first) day the `holidays` library lists as `name` in `country`'s calendar."""

    def on(year: int) -> date | None:
        found = _holiday_calendar(country, categories, year).get_named(name, lookup="exact")
        return min(found) if found else None

    return on


NAMED_DAYS: tuple[NamedDay, ...] = (
    NamedDay("Christmas Eve", r"(?:christmas|xmas) eve", _fixed(12, 24)),
    NamedDay("Christmas", r"(?:christmas|xmas)(?: day)?", _fixed(12, 25)),
    NamedDay("Boxing Day", r"boxing day", _fixed(12, 26)),
    NamedDay("New Year's Eve", r"new years? eve", _fixed(12, 31)),
    NamedDay("New Year's Day", r"new years?(?: day)?", _fixed(1, 1)),
    NamedDay("Halloween", r"halloween", _fixed(10, 31)),
    NamedDay("Valentine's Day", r"valentines?(?: day)?", _fixed(2, 14)),
    NamedDay("Saint Patrick's Day", r"(?:st|saint) patricks?(?: day)?", _fixed(3, 17)),
    NamedDay("Independence Day" + _US, r"independence day|(?:the )?4th of july", _fixed(7, 4)),
    NamedDay("Easter", r"easter(?: sunday)?", _easter),
    NamedDay("Good Friday", r"good friday", _good_friday),
    NamedDay("Thanksgiving" + _US, r"thanksgiving(?: day)?", _listed("US", "Thanksgiving Day")),
    NamedDay("Memorial Day" + _US, r"memorial day", _listed("US", "Memorial Day")),
    NamedDay("Labor Day" + _US, r"labou?r day", _listed("US", "Labor Day")),
    NamedDay("Mother's Day" + _US, r"mothers day", _listed("US", "Mother's Day", "unofficial")),
    NamedDay("Father's Day" + _US, r"fathers day", _listed("US", "Father's Day", "unofficial")),
    NamedDay("Diwali", r"diwali|deepavali", _listed("IN", "Diwali", "public")),
    NamedDay(
        "the first day of Hanukkah", r"hanukk?ah|chanukk?ah", _listed("IL", "Hanukkah", "school")
    ),
    NamedDay("Ramadan", r"ramadan", unknown="I don't know when Ramadan starts."),
    NamedDay("your birthday", r"my birthday", unknown="I don't know your birthday."),
    NamedDay("birthdays", r"birthdays?", unknown="I don't know anyone's birthday."),
    NamedDay(
        "the seasons",
        r"1st day of (?:spring|summer|autumn|fall|winter)|solstice|equinox",
        unknown="I don't know when the seasons start.",
    ),
    NamedDay(
        "public holidays",
        r"(?:next )?(?:bank|public) holidays?|next holiday",
        unknown="I don't know the public holidays here.",
    ),
)
"""In match order: "christmas eve" before "christmas", "my birthday" before "birthday"."""


def find_named_day(spoken: str) -> tuple[NamedDay, str] | None:
    """The named day `spoken` mentions and the words that named it; None when none."""
    for named in NAMED_DAYS:
        match = re.search(rf"\b(?:{named.pattern})\b", spoken)
        if match:
            return named, match.group()
    return None


def named_days_on(day: date) -> list[str]:
    """Names of the known named days that fall on `day`."""
    return [named.name for named in NAMED_DAYS if named.date_in(day.year) == day]
