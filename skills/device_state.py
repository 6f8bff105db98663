"""The `devices` skill: "is the hall light on?", "are the bedroom blinds open?", any kind."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from devices.base import Device
from skills.base import Handler, IntentRequest, Outcome, SkillContext
from skills.names import be, group_subject, join_names, kind_noun
from skills.targets import resolve_targets
from skills.thermostat import describe_thermostat
from skills.values import normalise


def device_state(request: IntentRequest, context: SkillContext) -> Outcome:
    """devices.state: the last known state of the devices asked about, from HomeView.state."""
    targets = resolve_targets(request, context.home, None, for_command=False)
    if isinstance(targets, Outcome):
        return targets
    text = normalise(request.text)
    if len(targets) == 1:
        return Outcome(_answer_one(targets[0], context, text))
    lights = [device for device in targets if device.kind == "light"]
    if len(lights) == len(targets):
        return Outcome(_answer_lights(lights, context, text))
    return Outcome(" ".join(_sentence(device, context) for device in targets))


def _answer_one(device: Device, context: SkillContext, text: str) -> str:
    """One device, with "Yes, " or "No, " when the question asks on, off, open or closed."""
    state = context.home.state(device.name)
    if device.kind == "thermostat":
        return describe_thermostat(device, context)
    if not _heard(device, state):
        return f"I haven't heard from the {device.name} yet."
    if state.get("available") is False:
        return f"The {device.name} {be([device])} offline."
    if device.kind == "light":
        asks_off = re.search(r"\boff\b", text) is not None
        if state["on"] is False:
            return "Yes, it's off." if asks_off else "No, it's off."
        yes = "No" if asks_off else "Yes"
        return f"{yes}, {_light(device, state)}."
    position = state.get("position_percent")
    answer = _curtains(device, state)
    if position is not None and re.search(r"\b(open|closed|shut|up|down)\b", text):
        asks_open = re.search(r"\b(open|up)\b", text) is not None
        yes = (position > 0) == asks_open
        return f"{'Yes' if yes else 'No'}, {answer}."
    return f"{answer[:1].upper()}{answer[1:]}."


def _answer_lights(lights: Sequence[Device], context: SkillContext, text: str) -> str:
    """Several lights at once: "Yes, all 4 lights are on.", "2 of 5 lights are on: ..."."""
    states = {device.name: context.home.state(device.name) for device in lights}
    heard = [device for device in lights if _heard(device, states[device.name])]
    silent = [device for device in lights if device not in heard]
    on = [device for device in heard if states[device.name]["on"]]
    off = [device for device in heard if device not in on]
    asks_off = re.search(r"\boff\b", text) is not None
    if not heard:
        return f"I haven't heard from {join_names(silent)} yet."
    subject = group_subject(heard)
    subject = subject[:1].lower() + subject[1:]
    if not off:
        answer = f"{'No' if asks_off else 'Yes'}, {subject} {be(heard)} on."
    elif not on:
        answer = f"{'Yes' if asks_off else 'No'}, {subject} {be(heard)} off."
    elif len(heard) == 2:
        answer = f"{_light(on[0], states[on[0].name]).capitalize()}, and the {off[0].name} is off."
    else:
        verb = "is" if len(on) == 1 else "are"
        noun = kind_noun("light", len(heard))
        answer = f"{len(on)} of {len(heard)} {noun} {verb} on: {join_names(on)}."
    if silent:
        answer += f" I haven't heard from {join_names(silent)} yet."
    return answer


def _sentence(device: Device, context: SkillContext) -> str:
    """One device's state as a sentence of its own, for answers about mixed kinds."""
    state = context.home.state(device.name)
    if device.kind == "thermostat":
        return describe_thermostat(device, context)
    if not _heard(device, state):
        return f"I haven't heard from the {device.name} yet."
    if device.kind == "light":
        text = _light(device, state) if state["on"] else f"the {device.name} is off"
    else:
        text = _curtains(device, state)
    return f"{text[:1].upper()}{text[1:]}."


def _heard(device: Device, state: Mapping[str, Any]) -> bool:
    """Whether the state says what a question about `device` needs."""
    if device.kind == "light":
        return isinstance(state.get("on"), bool)
    if device.kind == "curtains":
        return "position_percent" in state or "moving" in state
    return bool(state)


def _light(device: Device, state: Mapping[str, Any]) -> str:
    """ "the hall light is on, at 40 percent" (the light is on)."""
    level = state.get("brightness_percent")
    at = f", at {level} percent" if level is not None else ""
    return f"the {device.name} {be([device])} on{at}"


def _curtains(device: Device, state: Mapping[str, Any]) -> str:
    """ "the bedroom blinds are 40 percent open", "... are opening"."""
    moving = state.get("moving")
    if moving in ("opening", "closing"):
        return f"the {device.name} {be([device])} {moving}"
    if state.get("position_percent") is None:
        return f"the {device.name} {be([device])} stopped"
    position = int(state["position_percent"])
    where = {0: "closed", 100: "open"}.get(position, f"{position} percent open")
    return f"the {device.name} {be([device])} {where}"


INTENTS: dict[str, Handler] = {"devices.state": device_state}
