"""Slot spans from the tagger's word tags, mended where the tagger broke a value."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

_EDGE_PUNCTUATION = ',;:!?"()[]{}“”'


@dataclass(frozen=True)
class Span:
    """One tagged slot: its name, its text, and char offsets in the command's text."""

    slot: str
    text: str
    start: int
    end: int


def spans_from_tags(
    text: str, words: Sequence[tuple[int, int]], tags: Sequence[str]
) -> tuple[Span, ...]:
    """BIO word tags merged into spans (a stray I- starts one); edge punctuation trimmed.

    A name the tagger broke around one untagged word ("the living | room | lamp") is one span,
    a time's "am" or "pm" takes the number before it ("a timer for | 7 | am"), and a time the
    tagger split between `datetime` and `duration` ("for | ten | minutes", "for | an | hour")
    is one span: a `duration` when it reads as one, else a `datetime` ("in | 7 pm"). An article
    tagged alone before the rest of its value is part of it ("a | soft yellow", "a | third").
    """
    runs: list[list[Any]] = []  # [slot, first word, last word]
    for index, tag in enumerate(tags):
        name = tag[2:] if tag != "O" else ""
        if runs and tag.startswith("I-") and name == runs[-1][0] and runs[-1][2] == index - 1:
            runs[-1][2] = index
        elif name:
            runs.append([name, index, index])
    for run in runs:
        first = run[1]
        if (
            run[0] == "datetime"
            and first > 0
            and _MERIDIEM.fullmatch(_word(text, words, first))
            and _CLOCK_NUMBER.fullmatch(_word(text, words, first - 1))
            and not any(other[1] <= first - 1 <= other[2] for other in runs)
        ):
            run[1] = first - 1
    _mend_clock_phrases(text, words, runs)
    merged: list[list[Any]] = []
    for run in runs:
        last = merged[-1] if merged else None
        if last is not None and run[1] <= last[2]:
            last[2] = max(last[2], run[2])  # inside a clock phrase mended above
        elif last is not None and _one_value(text, words, last, run):
            last[2] = run[2]
        elif last is not None and {run[0], last[0]} == _TIME_SLOTS and run[1] == last[2] + 1:
            from skills.when import parse_duration  # dateparser: not at import, rarely needed

            last[2] = run[2]
            joined = text[words[last[1]][0] : words[last[2]][1]]
            last[0] = "duration" if parse_duration(joined) is not None else "datetime"
        else:
            merged.append(run)
    spans = [_trimmed(text, slot, words[first][0], words[last][1]) for slot, first, last in merged]
    return tuple(span for span in spans if span.text)


def _mend_clock_phrases(text: str, words: Sequence[tuple[int, int]], runs: list[list[Any]]) -> None:
    """ "at quarter | to | three": a time the tagger cut at "to" or "past" (or tagged its
    "quarter" as something else) is one `datetime` up to its hour."""
    for run in runs:
        end = run[2]
        if (
            end + 2 < len(words)
            and _word(text, words, end).lower() in ("quarter", "half")
            and _word(text, words, end + 1).lower() in ("to", "past")
            and _CLOCK_NUMBER.fullmatch(_word(text, words, end + 2).strip(".,!?"))
            and (run[0] == "datetime" or any(o[0] == "datetime" and o[1] == end + 2 for o in runs))
        ):
            run[0], run[2] = "datetime", end + 2


def _one_value(
    text: str, words: Sequence[tuple[int, int]], last: list[Any], run: list[Any]
) -> bool:
    """Whether two runs of one slot are one value the tagger broke: a name around one word
    that joins it, or an article before the rest of its value."""
    if run[0] != last[0]:
        return False
    if run[0] == "device" and run[1] == last[2] + 2:
        return _joins_a_name(_word(text, words, run[1] - 1))
    return (
        run[1] == last[2] + 1
        and last[1] == last[2]
        and _word(text, words, last[1]).lower() in _ARTICLES
    )


# Words that separate two names rather than sit inside one.
_NOT_IN_A_NAME = frozenset(
    {"and", "or", "then", "in", "on", "at", "to", "of", "the", "with", "for", "by", "from",
     "into", "plus", "also", "a", "an", "my", "our", "please", "too", "off", "up", "down"}
)  # fmt: skip


_TIME_SLOTS = frozenset({"datetime", "duration"})
_ARTICLES = frozenset({"a", "an"})
_MERIDIEM = re.compile(r"(?i)[ap]\.?m\.?")
_CLOCK_NUMBER = re.compile(
    r"(?i)\d{1,2}(?::\d{2})?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
)


def _word(text: str, words: Sequence[tuple[int, int]], index: int) -> str:
    return text[words[index][0] : words[index][1]]


def _joins_a_name(word: str) -> bool:
    return word.isalpha() and word.lower() not in _NOT_IN_A_NAME


def _trimmed(text: str, slot: str, start: int, end: int) -> Span:
    while start < end and text[start] in _EDGE_PUNCTUATION:
        start += 1
    while end > start and (
        text[end - 1] in _EDGE_PUNCTUATION
        or (text[end - 1] == "." and not _abbreviation(text[start:end]))
    ):
        end -= 1
    return Span(slot, text[start:end], start, end)


def _abbreviation(span: str) -> bool:
    """ "5 p.m." keeps its final full stop; "the lamp." does not."""
    return bool(re.search(r"\b(?:[ap]\.m|[a-z]\.[a-z])\.$", span.lower()))
