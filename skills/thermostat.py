"""Thermostat: set a temperature, make it warmer or cooler, say what it is."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from devices.base import Command, Device, clamp
from skills.base import DeviceAction, Handler, IntentRequest, Outcome, SkillContext
from skills.names import be, group_subject
from skills.targets import resolve_targets
from skills.values import (
    TEMPERATURE_STEP_CELSIUS,
    format_number,
    normalise,
    parse_direction,
    parse_step,
    parse_temperature,
)

DEFAULT_RANGE_CELSIUS = (5.0, 30.0)
"""A device's set point range when its options do not say (config.toml's defaults)."""


def set_temperature(request: IntentRequest, context: SkillContext) -> Outcome:
    """thermostat.set: "set the heating to 21 degrees"."""
    if _CONVERSION.search(request.text.lower()):
        # "convert 20 degrees celsius to fahrenheit" set the heating to 20.
        return Outcome(
            "I can't convert temperatures, only set the heating. Say set the heating to 20.",
            error_code="conversion_unsupported",
        )
    targets = resolve_targets(request, context.home, "thermostat")
    if isinstance(targets, Outcome):
        return targets
    celsius = parse_temperature(request.slots.get("temperature", ""))
    if celsius is None:
        return Outcome(
            "I didn't catch the temperature. Say one such as 21 degrees.",
            error_code="unclear_value",
        )
    celsius = round(celsius * 2) / 2  # thermostats take half degrees
    for device in targets:
        low, high = _range(device)
        if not low <= celsius <= high:
            return Outcome(
                f"I can set the {device.name} between {format_number(low)} and "
                f"{format_number(high)} degrees.",
                error_code="out_of_range",
            )
    return _set(targets, celsius)


def _set(targets: Sequence[Device], celsius: float) -> Outcome:
    actions = tuple(DeviceAction(device, Command("setpoint", celsius)) for device in targets)
    return Outcome(
        f"{group_subject(targets)} {be(targets)} set to {format_number(celsius)} degrees.",
        actions,
    )


def adjust_temperature(request: IntentRequest, context: SkillContext) -> Outcome:
    """thermostat.adjust: "make it warmer", "turn the heating down by two degrees"."""
    targets = resolve_targets(request, context.home, "thermostat")
    if isinstance(targets, Outcome):
        return targets
    direction = (
        parse_direction(request.slots.get("direction", ""))
        or parse_direction(request.text)
        or _felt(request.text)
    )
    if direction is None:
        return Outcome("Warmer or cooler?", error_code="unclear_value")
    step = parse_step(request.slots.get("amount"), TEMPERATURE_STEP_CELSIUS)
    if step is None:
        return Outcome(
            "I didn't catch by how much. Say an amount such as two degrees.",
            error_code="unclear_value",
        )
    actions: list[DeviceAction] = []
    for device in targets:
        target = context.home.state(device.name).get("target_celsius")
        if target is None:
            return Outcome(
                f"I don't know what the {device.name} is set to yet. "
                "Say a temperature, such as 21 degrees.",
                error_code="state_unknown",
            )
        low, high = _range(device)
        celsius = clamp(round((float(target) + direction * step) * 2) / 2, low, high)
        if celsius == float(target):
            limit = "maximum" if direction > 0 else "minimum"
            return Outcome(
                f"The {device.name} is already at its {limit} of {format_number(celsius)} degrees."
            )
        actions.append(DeviceAction(device, Command("setpoint", celsius)))
    values = {action.command.value for action in actions}
    if len(values) == 1:
        return _set(targets, float(values.pop()))
    way = "warmer" if direction > 0 else "cooler"
    return Outcome(f"{group_subject(targets)} {be(targets)} set {way}.", tuple(actions))


def query_temperature(request: IntentRequest, context: SkillContext) -> Outcome:
    """thermostat.query: "what's the temperature in here?"."""
    if _OUTDOORS.search(normalise(request.text)):
        # No weather here: the thermostat's reading must not pass for the one outside.
        return Outcome("I only know the temperature inside.", error_code="outdoors")
    targets = resolve_targets(request, context.home, "thermostat", for_command=False)
    if isinstance(targets, Outcome):
        return targets
    return Outcome(" ".join(describe_thermostat(device, context) for device in targets))


def describe_thermostat(device: Device, context: SkillContext) -> str:
    """ "It's 20.5 degrees in the living room, and the heating is set to 21."."""
    state = context.home.state(device.name)
    current, target = state.get("current_celsius"), state.get("target_celsius")
    if state.get("mode") == "off":
        heating = "the heating is off"
    elif target is not None:
        heating = f"the heating is set to {format_number(float(target))}"
    else:
        heating = ""
    if current is None:
        if not heating:
            return f"I haven't heard from the {device.name} yet."
        return f"{heating[:1].upper()}{heating[1:]} degrees." if target else "The heating is off."
    measured = f"It's {format_number(float(current))} degrees in the {device.room}"
    return f"{measured}, and {heating}." if heating else f"{measured}."


def _range(device: Device) -> tuple[float, float]:
    low = float(device.options.get("min_celsius", DEFAULT_RANGE_CELSIUS[0]))
    high = float(device.options.get("max_celsius", DEFAULT_RANGE_CELSIUS[1]))
    return low, high


INTENTS: dict[str, Handler] = {
    "thermostat.set": set_temperature,
    "thermostat.adjust": adjust_temperature,
    "thermostat.query": query_temperature,
}


_CONVERSION = re.compile(r"\b(?:convert|conversion|in fahrenheit|in celsius|how many degrees)\b")
_OUTDOORS = re.compile(r"\b(?:outside|outdoors|out there|in the garden|on the patio)\b")
_FEELING_COLD = re.compile(r"\b(?:cold|freezing|chilly|frozen|shivering)\b")
_NOT_FELT = re.compile(
    r"\b(?:not|isn't|aren't|never)\s+(?:\w+\s+)?"
    r"(?:cold|freezing|chilly|hot|warm|boiling)\b"
)
_FEELING_HOT = re.compile(r"\b(?:hot|too warm|boiling|roasting|sweating|stuffy)\b")


def _felt(text: str) -> Literal[1, -1] | None:
    """+1 for "I'm cold", "it's freezing in here"; -1 for "it's too hot"; None otherwise."""
    said = normalise(text)
    if _NOT_FELT.search(said):
        return None  # "I'm not cold, just tired": no way to go
    cold, hot = bool(_FEELING_COLD.search(said)), bool(_FEELING_HOT.search(said))
    if cold == hot:
        return None
    return 1 if cold else -1
