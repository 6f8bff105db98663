"""Spoken names: how well words name a configured device or room, and how replies say them.

Matching compares word by word, by spelling and by a rough sound key, so the slips Whisper
makes ("kitchen lite", "sealing light") still find their device while a name that merely
shares a generic word ("tv light") finds none.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from rapidfuzz import fuzz

from devices.base import Device
from skills.base import HomeView
from skills.values import normalise

WORD_CUTOFF = 80.0
"""Least rapidfuzz ratio for a spoken word to count as a word of a name ("lite" ~ "light")."""
NAME_CUTOFF = 85.0
"""Least ratio for a whole spoken name against a whole configured name ("desk lamb")."""
# "it" and "them" stand for the device of an earlier part ("turn on the lamp and dim it"): a
# compound command fills in that device; left alone they name nothing, like an absent slot.
_FILLER_WORDS = frozenset(
    {"the", "my", "our", "your", "a", "an", "this", "that", "these", "those", "please", "it",
     "them"}
)  # fmt: skip
_KIND_NOUNS: dict[str, tuple[str, str]] = {
    "light": ("light", "lights"),
    "thermostat": ("thermostat", "thermostats"),
    "curtains": ("curtains", "curtains"),
}


def kind_noun(kind: str | None, count: int = 1) -> str:
    """ "light" / "lights", "device" / "devices" for no kind."""
    singular, plural = _KIND_NOUNS.get(kind or "", ("device", "devices"))
    return singular if count == 1 else plural


def spoken_words(text: str) -> list[str]:
    """Normalised words of a name, without articles and possessive pronouns."""
    return list(_words(text))


@lru_cache(maxsize=4096)
def _words(text: str) -> tuple[str, ...]:
    text = re.sub(r"'s\b|'", "", normalise(text))
    text = re.sub(r"[^\w ]", " ", text)
    return tuple(word for word in text.split() if word not in _FILLER_WORDS)


# Spellings that sound alike, as Whisper swaps them ("lite", "sealing"): compared as sound keys.
_SOUNDS: tuple[tuple[str, str], ...] = (
    (r"igh|gh", "i"),
    (r"ph", "f"),
    (r"c(?=[eiy])", "s"),
    (r"ck|c|q", "k"),
    (r"wh", "w"),
    (r"z", "s"),
    (r"ee|ea|ei|ie|y", "i"),
    (r"(?<=.)e$", ""),
    (r"(.)\1", r"\1"),
)


@lru_cache(maxsize=4096)
def sound_key(word: str) -> str:
    """A rough English sound key of one word: "lite" and "light" -> "lit"."""
    for pattern, replacement in _SOUNDS:
        word = re.sub(pattern, replacement, word)
    return word


@lru_cache(maxsize=65536)
def word_similarity(spoken: str, configured: str) -> float:
    """0-100: how alike two words are in spelling or in sound."""
    return max(fuzz.ratio(spoken, configured), fuzz.ratio(sound_key(spoken), sound_key(configured)))


def resolve_room(text: str, home: HomeView) -> str | None:
    """The configured room `text` names ("the living room", "livingroom"), or None."""
    words = [word for word in spoken_words(text) if word not in ("in", "room")]
    spoken = " ".join(spoken_words(text))
    best: tuple[float, str] | None = None
    for room in home.rooms:
        configured = " ".join(spoken_words(room))
        if spoken == configured or " ".join(words) == configured.replace(" room", ""):
            return room
        score = fuzz.ratio(spoken.replace(" ", ""), room.replace(" ", ""))
        if score >= NAME_CUTOFF and (best is None or score > best[0]):
            best = (score, room)
    return best[1] if best else None


def name_score(words: list[str], device: Device) -> float:
    """How well spoken `words` name `device`: 0 when they don't.

    Every spoken word must be like a word of the name (room included), so "tv light" never
    matches "kitchen light" on "light" alone; a whole-name ratio catches split or slurred
    words ("desk lamb").
    """
    spoken = " ".join(words)
    best = 0.0
    for key in (device.name, *device.aliases):
        for full in (key, f"{device.room} {key}"):
            key_words = _words(full)
            per_word = [max(word_similarity(word, other) for other in key_words) for word in words]
            if min(per_word) >= WORD_CUTOFF:
                best = max(best, sum(per_word) / len(per_word))
            whole = fuzz.ratio(spoken, " ".join(key_words))
            if whole >= NAME_CUTOFF:
                best = max(best, whole)
    return best


def join_names(devices: Sequence[Device], conjunction: str = "and") -> str:
    """ "the kitchen light", "the lamp and the ceiling light", "the a, the b or the c"."""
    names = [f"the {device.name}" for device in devices]
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} {conjunction} {names[-1]}"


def group_subject(devices: Sequence[Device]) -> str:
    """How a reply's sentence starts for `devices`: "The kitchen light", "All 4 lights"."""
    if len(devices) <= 2:
        text = join_names(devices)
        return text[:1].upper() + text[1:]
    kinds = {device.kind for device in devices}
    noun = kind_noun(kinds.pop() if len(kinds) == 1 else None, len(devices))
    rooms = {device.room for device in devices}
    where = f" in the {rooms.pop()}" if len(rooms) == 1 else ""
    return f"All {len(devices)} {noun}{where}"


def be(devices: Sequence[Device]) -> str:
    """ "is" or "are" for a sentence about `devices` ("the curtains are", "the lamp is")."""
    return "are" if len(devices) > 1 or devices[0].name.endswith("s") else "is"
