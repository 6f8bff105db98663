"""The words the clock understands, and whether a question says only those."""

from __future__ import annotations

import re

from skills.dates import MONTHS
from skills.when import WEEKDAYS

_FILLER_WORDS = (
    "a about again already am an and any are at be by can check could current currently do um uh "
    "does exact exactly for give going got have here hey how i in is it its just know let me "
    "moment my now of oh ok okay on our please right say see show so tell thank thanks that the "
    "this to us want we well what whats which would you your zone announce"
)
# Wake words and assistant names stay in a transcript ("Hey Jarvis, what time is it?"), and
# people end a question with a name or a word of their own: none of these ask anything else.
_NAMES_AND_ASIDES = (
    "jarvis mycroft alexa computer homevox google siri assistant hello hi mate buddy friend "
    "sir dear quickly quick real again correct actual local precise accurate get need like "
    "wondering wonder mind kindly find out looking id im may might"
)
_FILLER = set(_FILLER_WORDS.split()) | set(_NAMES_AND_ASIDES.split())
TIME_WORDS = {"time", "clock", "hour", "late"}
TODAY_WORDS = {"date", "day", "today", "todays", "tonight"}
NOW_WORDS = _FILLER | TIME_WORDS | TODAY_WORDS | {"week", "month", "year"}
_MORE_DAY_WORDS = (
    "after ago before coming days fall falls holiday holidays how land lands last later left "
    "many next number there till tomorrow tomorrows until was weekday weekdays weekend weekends "
    "weeks when will yesterday yesterdays years"
)
DAY_WORDS = NOW_WORDS | set(_MORE_DAY_WORDS.split())


def only_known(spoken: str, known: set[str]) -> bool:
    """Whether every word is one the clock understands (a month, weekday and number too)."""
    return all(
        word in known
        or word in WEEKDAYS
        or word.capitalize() in MONTHS
        or re.fullmatch(r"\d{1,4}(?:st|nd|rd|th)?", word)
        for word in spoken.split()
    )


def in_the_past(spoken: str) -> bool:
    """Whether the question is about a day gone by ("when was easter")."""
    return re.search(r"\b(?:was|were|did)\b", spoken) is not None
