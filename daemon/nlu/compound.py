"""Compound commands: where an utterance splits into parts, and what a part inherits from the last.

A split happens only at a conjunction the model tagged as outside every slot ("black and
white" is a colour, "milk and eggs" a reminder message) and only when every part is itself an
understood command; the parser checks the latter.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from daemon.nlu.parse import ParsedCommand

CONJUNCTIONS = frozenset({"and", "then", "also", "plus", "afterwards"})
MAX_PARTS = 4
_PRONOUNS = frozenset({"it", "them", "that", "those", "this", "these", "too", "also", "same"})
# Domains whose commands name a device; a later part of the same domain without one acts on
# the device of the part before ("turn on the lamp and set it to 30 percent").
_DEVICE_DOMAINS = frozenset({"lights", "thermostat", "curtains", "devices"})
# A part that is only a switch word ("turn the lamp off | and on again") takes the verb and the
# device of the part before.
_SWITCH_ONLY = re.compile(
    r"(?:back |straight back )?(?:on|off)(?: again| back)?(?: please)?[.!]?", re.IGNORECASE
)
_SLOT_FOR = {("curtains", "brightness"): "position", ("lights", "position"): "brightness"}


@dataclass(frozen=True)
class Part:
    """One part of an utterance and where it starts in the whole text."""

    text: str
    offset: int


def _bare(word: str) -> str:
    return re.sub(r"[^\w']", "", word.lower())


def split_points(text: str, words: Sequence[tuple[int, int]], tags: Sequence[str]) -> list[int]:
    """Indices of the words at which `text` may split (a conjunction outside any slot)."""
    points: list[int] = []
    for index in range(1, len(words) - 1):
        word = _bare(text[words[index][0] : words[index][1]])
        if word not in CONJUNCTIONS or tags[index] != "O":
            continue
        if points and points[-1] == index - 1:
            continue  # "and then": one split
        # A slot continuing across the conjunction ("an hour and a half") is one value.
        if tags[index + 1].startswith("I-"):
            continue
        points.append(index)
    return points[: MAX_PARTS - 1]


def mend_tags(text: str, words: Sequence[tuple[int, int]], tags: Sequence[str]) -> list[str]:
    """The tagger's word tags with a conjunction at the edge of a span put right.

    No slot value ends or begins with a conjunction. Tagged at either edge of a span, it joins
    that span to a neighbouring span of the same slot as one value ("an hour and | a half",
    "black | and white"); with no such neighbour it joins two commands and is outside the span
    ("the kitchen light and | close the curtains").
    """
    mended = list(tags)
    for index, tag in enumerate(mended):
        if tag == "O" or _bare(text[words[index][0] : words[index][1]]) not in CONJUNCTIONS:
            continue
        slot = tag[2:]
        after = mended[index + 1] if index + 1 < len(mended) else "O"
        before = mended[index - 1] if index > 0 else "O"
        if tag.startswith("B-"):  # a span begins with it: part of the one before, or none
            if before[2:] != slot:
                mended[index] = "O"
                continue
            mended[index] = f"I-{slot}"
        if not after.startswith("I-"):  # the span ends with it
            if after == f"B-{slot}":
                mended[index + 1] = f"I-{slot}"
            else:
                mended[index] = "O"
    return mended


def split_text(text: str, points: Sequence[int]) -> list[Part]:
    """The parts between the split points, conjunctions and edge punctuation dropped."""
    spans = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    bounds = [0, *points, len(spans)]
    parts: list[Part] = []
    for number in range(len(bounds) - 1):
        first = bounds[number] + (1 if number else 0)
        last = bounds[number + 1]
        while first < last and _bare(text[spans[first][0] : spans[first][1]]) in CONJUNCTIONS:
            first += 1
        if first >= last:
            return []
        start, end = spans[first][0], spans[last - 1][1]
        piece = text[start:end].rstrip(",;")
        if piece:
            parts.append(Part(piece, start))
    return parts if len(parts) > 1 else []


def name_referent(previous: ParsedCommand, text: str) -> str | None:
    """`text` with "it"/"them" replaced by the device the previous part named, or None.

    "set it to 30 percent" alone could be curtains or lights; after "turn on the lamp" the
    model reads "set the lamp to 30 percent" instead, which it understands without doubt.
    """
    device = previous.slots.get("device")
    if not device or previous.intent.split(".")[0] not in _DEVICE_DOMAINS:
        return None
    named = device if device.lower().startswith(("the ", "all ", "my ")) else f"the {device}"
    if _SWITCH_ONLY.fullmatch(text.strip()):
        return f"turn {named} {text.strip()}"
    match = re.search(r"\b(?:it|them)\b", text, flags=re.IGNORECASE)
    if match is None:
        return None
    return text[: match.start()] + named + text[match.end() :]


# Words a part may hold besides a name and still say nothing but the name.
_NAME_FILLERS = frozenset(
    {"the", "a", "an", "my", "our", "all", "both", "every", "in", "of", "and", "please", "now",
     "here", "there", "too", "also", "as", "well"}
)  # fmt: skip


def says_only_a_name(text: str, slots: Mapping[str, str]) -> bool:
    """Whether `text` names a device or room and says nothing else ("the hall light", "the
    blinds, please"): what to do with it is not in it."""
    named = {
        word
        for key in ("device", "room")
        for word in re.findall(r"[\w']+", slots.get(key, "").lower())
    }
    words = re.findall(r"[\w']+", text.lower())
    return bool(named) and all(word in named or word in _NAME_FILLERS for word in words)


def carry_over(commands: Sequence[ParsedCommand]) -> tuple[ParsedCommand, ...]:
    """Later parts without a device or room take them from the part before, in the same domain;
    a later part that is only a name takes the part before's command ("turn off the kitchen
    light and the hall light")."""
    out: list[ParsedCommand] = [commands[0]]
    for command in commands[1:]:
        previous = out[-1]
        domain = previous.intent.split(".")[0]
        if domain in _DEVICE_DOMAINS and says_only_a_name(command.text, command.slots):
            values = {k: v for k, v in previous.slots.items() if k not in ("device", "room")}
            command = replace(
                command,
                intent=previous.intent,
                confidence=previous.confidence,
                slots={**values, **command.slots},
                top=previous.top,
            )
            out.append(command)
            continue
        refers_back = bool(_PRONOUNS & {_bare(word) for word in command.text.split()})
        if domain in _DEVICE_DOMAINS and refers_back and "device" not in command.slots:
            command = _prefer_domain(command, domain)
        if (
            command.intent.split(".")[0] == domain
            and domain in _DEVICE_DOMAINS
            and "device" not in command.slots
            and "room" not in command.slots
        ):
            inherited: dict[str, str] = {
                key: previous.slots[key] for key in ("device", "room") if key in previous.slots
            }
            command = replace(command, slots={**command.slots, **inherited})
        out.append(command)
    return tuple(out)


def _prefer_domain(command: ParsedCommand, domain: str) -> ParsedCommand:
    """ "set it to 30 percent" after a lights command is a lights command, if the model agrees."""
    if command.intent.startswith(domain + ".") or (
        command.intent == "none" and command.confidence >= 0.5
    ):
        return command
    for label, probability in command.top:
        if label.startswith(domain + ".") and probability >= 0.1:
            slots = {
                _SLOT_FOR.get((domain, key), key): value for key, value in command.slots.items()
            }
            spans = tuple(
                replace(span, slot=_SLOT_FOR.get((domain, span.slot), span.slot))
                for span in command.spans
            )
            return replace(command, intent=label, confidence=probability, slots=slots, spans=spans)
    return command
