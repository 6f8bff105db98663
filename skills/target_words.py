"""What a request's words say about its targets: the kind of device, and whether it means all."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from skills.names import spoken_words
from skills.values import normalise

ALL_WORDS = frozenset(["all", "every", "each", "both"])
WHOLE_HOME = re.compile(
    r"\b(?:everything|everywhere|(?:whole|entire) (?:house|home|flat|apartment)"
    r"|(?:in|of) the (?:house|home|flat|apartment))\b"
)
# Generic words per kind; the first is the kind's own word (means every device of the kind).
_KIND_WORDS: dict[str, tuple[str, ...]] = {
    "light": ("light", "lights", "lighting", "lamp", "lamps", "bulb", "bulbs"),
    "thermostat": (
        "thermostat",
        "thermostats",
        "heating",
        "heater",
        "heat",
        "temperature",
        "climate",
        "radiator",
        "boiler",
    ),
    "curtains": (
        "curtains",
        "curtain",
        "blinds",
        "blind",
        "shades",
        "shade",
        "shutters",
        "shutter",
        "drapes",
        "window",
    ),
}
BROAD_WORDS = frozenset(
    {"light", "lights", "lighting", "thermostat", "thermostats", "heating", "heat",
     "temperature", "climate", "curtains", "curtain"}
)  # fmt: skip
"""Generic words that mean the whole kind, where "lamp" or "blinds" may single some out."""


def kind_of_words(words: Iterable[str]) -> str | None:
    """The device kind a generic word in `words` names ("lamp" -> "light"), if any."""
    for word in words:
        for kind, generic in _KIND_WORDS.items():
            if word in generic:
                return kind
    return None


def says_everything(text: str, device_text: str) -> bool:
    """ "all the lights", "every lamp", "everything", "in the whole house" (in slot or sentence)."""
    said = normalise(text)
    device_words = spoken_words(device_text)
    if _all_with_a_singular(device_words):
        return False
    if ALL_WORDS & set(device_words) or WHOLE_HOME.search(said):
        return True
    group = r"\b(all|every|each|both) (?:of )?(?:the |my |our )?(\w+)"
    for match in re.finditer(group, said):
        quantifier, noun = match.groups()
        if noun in device_words and not (
            quantifier in ("all", "both") and _singular_kind_word(noun)
        ):
            return True
    return False


def _all_with_a_singular(words: Sequence[str]) -> bool:
    """ "all light", "both lamp": not English for a group, but what Whisper writes for "hall
    light" or "ball lamp". Taken as a name (matched by sound), never as every device."""
    for index, word in enumerate(words):
        if word in ("all", "both"):
            following = [w for w in words[index + 1 :] if w not in ("the", "my", "our", "of")]
            if following and _singular_kind_word(following[0]):
                return True
    return False


def _singular_kind_word(word: str) -> bool:
    return kind_of_words([word]) is not None and not word.endswith("s") and not word.endswith("ing")


# "turn on the lights at the shop": a place the command ends with, that the tagger did not tag
# as a room; taken as one, it is refused when the home has no such room, instead of acting in
# the room homevox stands in. Not a place: a time ("in the morning") or a spot in a room.
_PLACE = re.compile(r"\b(?:in|at) the ((?:[a-z']+ ){0,2}[a-z']+)\s*(?:[,.!?;]|$)")
_NOT_PLACES = frozenset(
    {"morning", "afternoon", "evening", "night", "moment", "end", "time", "dark", "meantime",
     "weekend", "week", "day", "minute", "minutes", "hour", "hours", "way", "top", "bottom",
     "back", "front", "side", "middle", "corner", "same", "window", "wall", "ceiling", "floor"}
)  # fmt: skip


def untagged_place(text: str, device_text: str = "") -> str:
    """The place named at the end of a clause ("... at the shop."), or "" (also when it is
    part of the device's name)."""
    found = _PLACE.search(text.lower())
    if found is None:
        return ""
    words = found.group(1).split()
    if set(words) & (_NOT_PLACES | set(spoken_words(device_text))) or kind_of_words(words):
        return ""
    return "" if WHOLE_HOME.search(found.group()) else found.group(1)
