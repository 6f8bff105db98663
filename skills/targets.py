"""Which configured devices a request means, from its `device` and `room` slot texts.

Only Device objects from the configuration ever come out of here: spoken text selects among
them and never becomes part of a topic. What cannot be decided is an Outcome to say instead
(a question when several devices fit about equally, an error when none does), never a guess.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from devices.base import Device
from skills.base import HomeView, IntentRequest, Outcome, Question
from skills.names import (
    be,
    join_names,
    kind_noun,
    name_score,
    resolve_room,
    spoken_words,
)
from skills.target_words import (
    ALL_WORDS,
    BROAD_WORDS,
    WHOLE_HOME,
    kind_of_words,
    says_everything,
    untagged_place,
)

TIE_MARGIN = 5.0
"""Devices scoring within this of the best are equally likely: ask, don't pick."""
MAX_NAME_CHARS = 60
"""Longest device name config.toml accepts; longer slot text names nothing."""

# Topic wildcards, separators and control characters are in no spoken name: such slot text
# comes from a garbled transcript or an attack, and is neither matched nor repeated.
_UNSPEAKABLE = re.compile(r"[#+/\x00-\x1f]")

_EXCEPT = re.compile(
    r"\b(?:except|excepting|apart from|other than|besides|but not|not the|"
    r"but (?:the|my|for the|leave))\b"
)


def resolve_targets(
    request: IntentRequest, home: HomeView, kind: str | None, *, for_command: bool = True
) -> tuple[Device, ...] | Outcome:
    """The devices `request` means, of `kind` (None: any kind), or the Outcome to say instead.

    `for_command`: the devices will be switched, so voice-disabled ones are refused.
    """
    if _EXCEPT.search(request.text.lower()):
        # "all the lights except the kitchen": the tagger finds the kitchen, and the kitchen
        # is the one the user wants left alone.
        return Outcome(
            f"I can't leave some {kind_noun(kind, 2)} out. Name the ones you mean.",
            error_code="exception_unsupported",
        )
    device_text = request.slots.get("device", "").strip()
    room_text = request.slots.get("room", "").strip() or untagged_place(request.text, device_text)
    if _UNSPEAKABLE.search(device_text) or len(device_text) > MAX_NAME_CHARS:
        article = "those" if kind == "curtains" else "that"
        return Outcome(f"I don't know {article} {kind_noun(kind)}.", error_code="no_such_device")
    if _UNSPEAKABLE.search(room_text) or len(room_text) > MAX_NAME_CHARS:
        return Outcome("I don't know that room.", error_code="no_such_room")
    room: str | None = None
    everything = says_everything(request.text, device_text)
    if room_text and WHOLE_HOME.search(f"in the {' '.join(spoken_words(room_text))}"):
        everything = True
    elif room_text:
        room = resolve_room(room_text, home)
        if room is None:
            repaired = _repair_room(request, home, room_text, device_text)
            if repaired is None:
                reply = f"I don't know a room called {room_text}."
                return Outcome(reply, error_code="no_such_room")
            device_text = repaired
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
    if everything:
        words = [word for word in words if word not in ALL_WORDS]
    if not words:
        if everything and room is None:
            return tuple(of_kind) or _nothing_there(kind, None)
        return _in_room(request, of_kind, kind, room, home, explicit_room=room is not None)
    # "all the curtains" is every curtain, even where "curtains" is one device's alias.
    generic_only = everything and all(kind_of_words([word]) for word in words)
    exact = None if generic_only else _exact(words, home.devices)
    if exact is not None:
        if kind is not None and exact.kind != kind:
            negated = "aren't" if be([exact]) == "are" else "isn't"
            reply = f"The {exact.name} {negated} a {kind_noun(kind)}."
            return Outcome(reply, error_code="wrong_kind")
        return (exact,)
    generic = [word for word in words if kind_of_words([word]) is not None]
    named_kinds = {kind_of_words([word]) for word in generic}
    if kind is not None and named_kinds and kind not in named_kinds:
        # "close the light": a word for another kind, never a device of this one.
        other = next(iter(sorted(k for k in named_kinds if k is not None)))
        return Outcome(f"That's {_a(other)}, not {_a(kind)}.", error_code="wrong_kind")
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


# Words before a room that say it is a place: "in the attic", "the attic light", "upstairs".
_PLACE_WORDS = frozenset({"in", "into", "of", "at", "on", "from", "inside", "near", "upstairs"})


def _repair_room(
    request: IntentRequest, home: HomeView, room_text: str, device_text: str
) -> str | None:
    """The device text to use when the tagger's room names no room but is no place either,
    or None: the room was meant ("in the attic") and is unknown.

    "daylight on the desk | lamp" tagged "desk" as a room: "desk lamp" names a device.
    "kitchen light in blue for the party" and "heating to 22, quick, the guests...": "party"
    and "guests" follow no word that makes a place of them, so they are no room at all.
    """
    joined = " ".join(spoken_words(f"{room_text} {device_text}"))
    if device_text and _exact(joined.split(), home.devices) is not None:
        return joined
    said = f" {' '.join(spoken_words(request.text))} "
    spoken_room = " ".join(spoken_words(room_text))
    at = said.find(f" {spoken_room} ") if spoken_room else -1
    if at < 0:
        return None
    before = said[:at].split()  # without articles: spoken_words drops them
    if not before or before[-1] in _PLACE_WORDS:
        return None
    return device_text


def _a(kind: str) -> str:
    """ "a light", "a thermostat", "curtains"."""
    noun = kind_noun(kind)
    return noun if noun.endswith("s") else f"a {noun}"


def _exact(words: list[str], devices: Sequence[Device]) -> Device | None:
    spoken = " ".join(words)
    for device in devices:
        keys = (device.name, *device.aliases, f"{device.room} {device.name}")
        if spoken in (" ".join(spoken_words(key)) for key in keys):
            return device
    return None


def _narrowed(generic: list[str], devices: list[Device]) -> list[Device] | None:
    """Devices a narrower generic word ("lamp", "blinds") names; None when there is no such word."""
    narrow = {word.rstrip("s") for word in generic if word not in BROAD_WORDS}
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
    scored = [(name_score(words, device), device) for device in of_kind]
    scored = [(score, device) for score, device in scored if score > 0]
    if room is not None and any(device.room == room for _, device in scored):
        scored = [(score, device) for score, device in scored if device.room == room]
    if not scored:
        elsewhere = _named_elsewhere(request, of_kind)
        if elsewhere is not None:
            return (elsewhere,)
        spoken = " ".join(spoken_words(device_text)) or device_text
        article = "any" if kind == "curtains" else "a"
        return Outcome(
            f"I don't know {article} {kind_noun(kind)} called {spoken}.",
            error_code="no_such_device",
        )
    best = max(score for score, _ in scored)
    close = [device for score, device in scored if score >= best - TIE_MARGIN]
    return (close[0],) if len(close) == 1 else choose(request, close)


def _named_elsewhere(request: IntentRequest, of_kind: Sequence[Device]) -> Device | None:
    """The one device of the kind named word for word elsewhere in what was said, when the
    tagged name names nothing ("I can barely see the keyboard, desk lamp on please": the
    tagger took "keyboard"). Only names of two words or more: a one-word alias is a common
    word ("these curtains")."""
    said = f" {' '.join(spoken_words(request.text))} "
    keys = {
        device.name: [" ".join(spoken_words(key)) for key in (device.name, *device.aliases)]
        for device in of_kind
    }
    named = [
        device
        for device in of_kind
        if any(" " in key and f" {key} " in said for key in keys[device.name])
    ]
    return named[0] if len(named) == 1 else None


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
