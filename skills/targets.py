"""Which configured devices a request means, from its `device` and `room` slot texts.

Only Device objects from the configuration ever come out of here: spoken text selects among
them and never becomes part of a topic. What cannot be decided is an Outcome to say instead
(a question when several devices fit about equally, an error when none does), never a guess.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz

from devices.base import Device
from skills.base import HomeView, IntentRequest, Outcome, Question
from skills.values import normalise

WORD_CUTOFF = 80.0
"""Least rapidfuzz ratio for a spoken word to count as a word of a name ("lite" ~ "light")."""
NAME_CUTOFF = 85.0
"""Least ratio for a whole spoken name against a whole configured name ("desk lamb")."""
TIE_MARGIN = 5.0
"""Devices scoring within this of the best are equally likely: ask, don't pick."""
MAX_NAME_CHARS = 60
"""Longest device name config.toml accepts; longer slot text names nothing."""

# Topic wildcards, separators and control characters are in no spoken name: such slot text
# comes from a garbled transcript or an attack, and is neither matched nor repeated.
_UNSPEAKABLE = re.compile(r"[#+/\x00-\x1f]")

_FILLER_WORDS = frozenset(
    ["the", "my", "our", "your", "a", "an", "this", "that", "these", "those", "please"]
)
_ALL_WORDS = frozenset(["all", "every", "each", "both"])
_WHOLE_HOME = re.compile(
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
_BROAD_WORDS = frozenset(
    {"light", "lights", "lighting", "thermostat", "thermostats", "heating", "heat",
     "temperature", "climate", "curtains", "curtain"}
)  # fmt: skip
"""Generic words that mean the whole kind, where "lamp" or "blinds" may single some out."""
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


def kind_of_words(words: Iterable[str]) -> str | None:
    """The device kind a generic word in `words` names ("lamp" -> "light"), if any."""
    for word in words:
        for kind, generic in _KIND_WORDS.items():
            if word in generic:
                return kind
    return None


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


def resolve_targets(
    request: IntentRequest, home: HomeView, kind: str | None, *, for_command: bool = True
) -> tuple[Device, ...] | Outcome:
    """The devices `request` means, of `kind` (None: any kind), or the Outcome to say instead.

    `for_command`: the devices will be switched, so voice-disabled ones are refused.
    """
    device_text = request.slots.get("device", "").strip()
    room_text = request.slots.get("room", "").strip()
    if _UNSPEAKABLE.search(device_text) or len(device_text) > MAX_NAME_CHARS:
        article = "those" if kind == "curtains" else "that"
        return Outcome(f"I don't know {article} {kind_noun(kind)}.", error_code="no_such_device")
    if _UNSPEAKABLE.search(room_text) or len(room_text) > MAX_NAME_CHARS:
        return Outcome("I don't know that room.", error_code="no_such_room")
    room: str | None = None
    everything = _says_everything(request.text, device_text)
    if room_text and _WHOLE_HOME.search(f"in the {' '.join(spoken_words(room_text))}"):
        everything = True
    elif room_text:
        room = resolve_room(room_text, home)
        if room is None:
            return Outcome(f"I don't know a room called {room_text}.", error_code="no_such_room")
    found = _find(request, home, kind, device_text, room, everything=everything)
    if isinstance(found, Outcome) or not for_command:
        return found
    allowed = tuple(device for device in found if device.voice)
    if not allowed:
        return Outcome(
            f"Sorry, {join_names(found)} {be(found)} not controlled by voice.",
            error_code="voice_disabled",
        )
    return allowed


def _says_everything(text: str, device_text: str) -> bool:
    """ "all the lights", "every lamp", "everything", "in the whole house" (in slot or sentence)."""
    said = normalise(text)
    device_words = spoken_words(device_text)
    if _ALL_WORDS & set(device_words) or _WHOLE_HOME.search(said):
        return True
    for match in re.finditer(r"\b(?:all|every|each|both) (?:of )?(?:the |my |our )?(\w+)", said):
        if match.group(1) in device_words:
            return True
    return False


def _find(
    request: IntentRequest,
    home: HomeView,
    kind: str | None,
    device_text: str,
    room: str | None,
    *,
    everything: bool,
) -> tuple[Device, ...] | Outcome:
    words = spoken_words(device_text)
    kind = kind or kind_of_words(words) or kind_of_words(spoken_words(request.text))
    of_kind = [device for device in home.devices if kind is None or device.kind == kind]
    words = [word for word in words if word not in _ALL_WORDS]
    if not words:
        if everything and room is None:
            return tuple(of_kind) or _nothing_there(kind, None)
        return _in_room(request, of_kind, kind, room, home, explicit_room=room is not None)
    exact = _exact(words, home.devices)
    if exact is not None:
        if kind is not None and exact.kind != kind:
            return Outcome(f"The {exact.name} isn't a {kind_noun(kind)}.", error_code="wrong_kind")
        return (exact,)
    generic = [word for word in words if kind_of_words([word]) is not None]
    rest = [word for word in words if word not in generic]
    if rest and room is None:
        room_named = resolve_room(" ".join(rest), home)
        if room_named is not None:
            room, rest = room_named, []
    if not rest:
        pool = [device for device in of_kind if room is None or device.room == room]
        narrow = _narrowed(generic, pool)
        if everything:
            return tuple(pool if narrow is None else narrow) or _nothing_there(kind, room)
        if narrow:
            # "the lamp": the lamps of the room meant, else the only lamp, else a question.
            here = [device for device in narrow if device.room == (room or home.assistant_room)]
            return tuple(here) if here else _one_or_ask(request, narrow, kind)
        return _in_room(request, of_kind, kind, room, home, explicit_room=room is not None)
    return _fuzzy(request, of_kind, kind, rest + generic, device_text, room)


def _exact(words: list[str], devices: Sequence[Device]) -> Device | None:
    spoken = " ".join(words)
    for device in devices:
        keys = (device.name, *device.aliases, f"{device.room} {device.name}")
        if spoken in (" ".join(spoken_words(key)) for key in keys):
            return device
    return None


def _narrowed(generic: list[str], devices: list[Device]) -> list[Device] | None:
    """Devices a narrower generic word ("lamp", "blinds") names; None when there is no such word."""
    narrow = {word.rstrip("s") for word in generic if word not in _BROAD_WORDS}
    if not narrow:
        return None
    return [
        device
        for device in devices
        if any(
            word.rstrip("s") in narrow
            for key in (device.name, *device.aliases)
            for word in spoken_words(key)
        )
    ]


def _in_room(
    request: IntentRequest,
    of_kind: list[Device],
    kind: str | None,
    room: str | None,
    home: HomeView,
    *,
    explicit_room: bool,
) -> tuple[Device, ...] | Outcome:
    """The room's devices; without a room, the assistant's room, else the only one or a question."""
    here = [device for device in of_kind if device.room == (room or home.assistant_room)]
    if here:
        return tuple(here)
    if explicit_room:
        return _nothing_there(kind, room)
    return _one_or_ask(request, of_kind, kind)


def _one_or_ask(
    request: IntentRequest, devices: list[Device], kind: str | None
) -> tuple[Device, ...] | Outcome:
    if len(devices) == 1:
        return (devices[0],)
    if not devices:
        return _nothing_there(kind, None)
    return choose(request, devices)


def _fuzzy(
    request: IntentRequest,
    of_kind: list[Device],
    kind: str | None,
    words: list[str],
    device_text: str,
    room: str | None,
) -> tuple[Device, ...] | Outcome:
    scored = [(_score(words, device), device) for device in of_kind]
    scored = [(score, device) for score, device in scored if score > 0]
    if room is not None and any(device.room == room for _, device in scored):
        scored = [(score, device) for score, device in scored if device.room == room]
    if not scored:
        spoken = " ".join(spoken_words(device_text)) or device_text
        article = "any" if kind == "curtains" else "a"
        return Outcome(
            f"I don't know {article} {kind_noun(kind)} called {spoken}.",
            error_code="no_such_device",
        )
    best = max(score for score, _ in scored)
    close = [device for score, device in scored if score >= best - TIE_MARGIN]
    return (close[0],) if len(close) == 1 else choose(request, close)


def _score(words: list[str], device: Device) -> float:
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


def choose(request: IntentRequest, devices: Sequence[Device]) -> Outcome:
    """A question asking which of `devices` was meant, to be re-run with the answer."""
    options = tuple(device.name for device in devices)
    return Outcome(
        f"Which one: {join_names(devices, conjunction='or')}?",
        question=Question(kind="choose", options=options, pending=request, slot="device"),
        error_code="ambiguous_device",
    )


def _nothing_there(kind: str | None, room: str | None) -> Outcome:
    where = f" in the {room}" if room else ""
    if kind == "curtains":
        return Outcome(f"There are no curtains{where}.", error_code="no_such_device")
    return Outcome(f"There's no {kind_noun(kind)}{where}.", error_code="no_such_device")


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


def describe_targets(slots: Mapping[str, str], home: HomeView) -> dict[str, Any]:
    """The devices (or question, or error) the device and room slots resolve to."""
    request = IntentRequest(intent="devices.state", slots=dict(slots))
    result: dict[str, Any] = {}
    if slots.get("room"):
        result["room"] = resolve_room(slots["room"], home)
    found = resolve_targets(request, home, None, for_command=False)
    if isinstance(found, Outcome):
        if found.question is not None:
            result["choose"] = list(found.question.options)
        else:
            result["device_error"] = found.error_code
    else:
        result["devices"] = [device.name for device in found]
    return result
