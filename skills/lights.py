"""Lights: on, off, brightness (absolute or relative to the last known level) and colour."""

from __future__ import annotations

import re
from collections.abc import Sequence

from devices.base import Command, Device, clamp, clamp_kelvin
from skills.base import DeviceAction, Handler, IntentRequest, Outcome, SkillContext
from skills.names import be, group_subject
from skills.targets import resolve_targets
from skills.values import (
    BRIGHTNESS_STEP_PERCENT,
    find_colour,
    parse_colour,
    parse_direction,
    parse_percent,
    parse_step,
    parse_tone_shift,
)

UNKNOWN_BRIGHTNESS_PERCENT = 50
"""What "brighter" starts from when a light has never reported its level."""
TONE_STEP_KELVIN = 500
"""What "warmer" or "cooler" moves a light's white tone by."""
UNKNOWN_KELVIN = 4000
"""What "warmer" starts from when a light has never reported its white tone (neutral white)."""


def turn_on(request: IntentRequest, context: SkillContext) -> Outcome:
    """lights.on; "turn on the lamp at 30 percent" or "... in red" also set that."""
    if request.slots.get("brightness"):
        return set_brightness(request, context)
    if request.slots.get("color"):
        return set_colour(request, context)
    return _switch(request, context, on=True)


def turn_off(request: IntentRequest, context: SkillContext) -> Outcome:
    """lights.off; "darken the bedroom" dims it a step (dark, not off, unless said so)."""
    if _DARKEN.search(request.text) and not _FULLY.search(request.text):
        targets = resolve_targets(request, context.home, "light")
        if isinstance(targets, Outcome):
            return targets
        return _relative(targets, context, -BRIGHTNESS_STEP_PERCENT)
    return _switch(request, context, on=False)


_DARKEN = re.compile(r"(?i)\bdarken\b")
_FULLY = re.compile(r"(?i)\b(?:completely|fully|entirely|totally|all the way|off|out)\b")


def _switch(request: IntentRequest, context: SkillContext, *, on: bool) -> Outcome:
    targets = resolve_targets(request, context.home, "light")
    if isinstance(targets, Outcome):
        return targets
    return _power(targets, on=on)


def _power(targets: Sequence[Device], *, on: bool) -> Outcome:
    actions = tuple(DeviceAction(device, Command("power", on)) for device in targets)
    state = "on" if on else "off"
    return Outcome(f"{group_subject(targets)} {be(targets)} {state}.", actions)


def set_brightness(request: IntentRequest, context: SkillContext) -> Outcome:
    """lights.brightness: "set the kitchen light to 30 percent", "dim it by 20", "brighter"."""
    targets = resolve_targets(request, context.home, "light")
    if isinstance(targets, Outcome):
        return targets
    level_text = request.slots.get("brightness", "")
    amount = request.slots.get("amount")
    direction = parse_direction(request.slots.get("direction", ""))
    if level_text and re.search(rf"\bby\s+{re.escape(level_text)}", request.text, re.IGNORECASE):
        # "up by twenty percent" is a change, not a level, whichever slot the tagger chose.
        amount, level_text = level_text, ""
        direction = direction or parse_direction(request.text)
    shift = _tone_shift(request)
    if shift is not None and not level_text:
        # "make the lights a bit warmer" is their white tone, never their brightness.
        return _shift_tone(targets, context, shift)
    if not level_text and direction is None:
        direction = parse_direction(request.text)
        if direction is None and request.slots.get("amount"):
            level_text = request.slots["amount"]  # "set it to 30 percent" tagged as an amount
        elif direction is None:
            level_text = _level_after_to(request.text)  # "desk lamp to full brightness", untagged
    if level_text:
        level = parse_percent(level_text)
        if level is None:
            # The tagger cut the level short ("down to about | a third", "to full | ... tiny"):
            # read what follows "to" instead.
            level = parse_percent(_level_after_to(request.text))
        if level is None:
            return _unclear("I didn't catch the brightness.")
        if level == 0:
            return _power(targets, on=False)
        actions = tuple(DeviceAction(device, Command("brightness", level)) for device in targets)
        return Outcome(f"{group_subject(targets)} {be(targets)} at {level} percent.", actions)
    if direction is None:
        return _unclear("How bright?")
    step = parse_step(amount, BRIGHTNESS_STEP_PERCENT, percent=True)
    if step is None:
        return _unclear("I didn't catch by how much.")
    return _relative(targets, context, direction * step)


def _level_after_to(text: str) -> str:
    """What follows "to", when it reads as a level ("... to full brightness, I'm reading"),
    else ""."""
    after_to = re.search(r"\bto\s+(.+)$", text, re.IGNORECASE)
    if after_to is None or parse_percent(after_to.group(1)) is None:
        return ""
    return after_to.group(1)


def _relative(targets: Sequence[Device], context: SkillContext, change: float) -> Outcome:
    """Each light moved from its own last known level; an off light is not dimmed on."""
    levels: dict[str, int] = {}
    for device in targets:
        state = context.home.state(device.name)
        if change < 0 and state.get("on") is False:
            continue
        if state.get("on") is False:
            current = 0
        else:
            current = int(state.get("brightness_percent", UNKNOWN_BRIGHTNESS_PERCENT))
        levels[device.name] = round(clamp(current + change, 1, 100))
    if not levels:
        return Outcome(f"{group_subject(targets)} {be(targets)} already off.")
    moved = [device for device in targets if device.name in levels]
    actions = tuple(DeviceAction(d, Command("brightness", levels[d.name])) for d in moved)
    if len(set(levels.values())) == 1:
        level = next(iter(levels.values()))
        return Outcome(f"{group_subject(moved)} {be(moved)} at {level} percent.", actions)
    way = "brighter" if change > 0 else "dimmer"
    return Outcome(f"{group_subject(moved)} {be(moved)} {way} now.", actions)


def set_colour(request: IntentRequest, context: SkillContext) -> Outcome:
    """lights.color: a CSS colour name or a white tone ("warm white", "3000 kelvin")."""
    targets = resolve_targets(request, context.home, "light")
    if isinstance(targets, Outcome):
        return targets
    colour_text = request.slots.get("color", "")
    colour = parse_colour(colour_text)
    shift = _tone_shift(request)
    if colour is None and shift is not None:
        return _shift_tone(targets, context, shift)
    if colour is None:
        # "to a nice warm white" tagged as "nice", or "daylight" not tagged at all.
        colour = find_colour(colour_text) or find_colour(_without_names(request))
    if colour is None:
        said = f"I don't know the colour {colour_text}." if colour_text else "Which colour?"
        return Outcome(
            f"{said} Say a colour such as red, or a white such as warm white.",
            error_code="unclear_value",
        )
    actions = tuple(DeviceAction(device, colour.command()) for device in targets)
    return Outcome(f"{group_subject(targets)} {be(targets)} {colour.name} now.", actions)


def _without_names(request: IntentRequest) -> str:
    """The request's text without its device and room names (a "red lamp" names no colour)."""
    text = request.text
    for slot in ("device", "room"):
        if request.slots.get(slot):
            text = re.sub(rf"\b{re.escape(request.slots[slot])}\b", " ", text)
    return text


def _tone_shift(request: IntentRequest) -> str | None:
    """ "warmer" or "cooler" when the request moves a white tone (whichever slot holds it)."""
    for text in (request.slots.get("direction", ""), request.slots.get("color", ""), request.text):
        shift = parse_tone_shift(text)
        if shift is not None:
            return shift
    return None


def _shift_tone(targets: Sequence[Device], context: SkillContext, shift: str) -> Outcome:
    """Each light's white tone moved a step from its last known one, within its range."""
    change = -TONE_STEP_KELVIN if shift == "warmer" else TONE_STEP_KELVIN
    moved: list[tuple[Device, int]] = []
    for device in targets:
        current = int(context.home.state(device.name).get("color_temp_kelvin", UNKNOWN_KELVIN))
        target = clamp_kelvin(device, current + change)
        if target != current:
            moved.append((device, target))
    if not moved:
        end = "warm" if shift == "warmer" else "cool"
        return Outcome(f"{group_subject(targets)} {be(targets)} already as {end} as can be.")
    devices = [device for device, _ in moved]
    actions = tuple(DeviceAction(device, Command("color_temp", kelvin)) for device, kelvin in moved)
    return Outcome(f"{group_subject(devices)} {be(devices)} {shift} now.", actions)


def _unclear(what: str) -> Outcome:
    return Outcome(
        f"{what} Say a level such as 40 percent, or brighter or dimmer.",
        error_code="unclear_value",
    )


INTENTS: dict[str, Handler] = {
    "lights.on": turn_on,
    "lights.off": turn_off,
    "lights.brightness": set_brightness,
    "lights.color": set_colour,
}
