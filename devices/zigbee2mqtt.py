"""zigbee2mqtt adapter: JSON commands on `<topic>/set`, the state echo on `<topic>`.

Topic layout, for a device whose configured topic is `zigbee2mqtt/kitchen`:
- commands: `zigbee2mqtt/kitchen/set`, JSON: `state` ON/OFF, `brightness` 0-254,
  `color` {"hex": "#rrggbb"}, `color_temp` in mireds, `position` 0-100, `state`
  OPEN/CLOSE/STOP for covers, `occupied_heating_setpoint`, `system_mode`;
- state: `zigbee2mqtt/kitchen`, the whole device state as JSON (read: the keys above plus
  `local_temperature`, and `moving` UP/DOWN/STOP where a cover reports it; a cover's `state`
  OPEN/CLOSE is read as its last motion when it has no `moving`); a colour reported only as
  CIE x/y is not converted;
- availability: `zigbee2mqtt/kitchen/availability`, {"state": "online"} or plain `online`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from devices.base import (
    Command,
    Device,
    Message,
    as_json,
    as_number,
    check_command,
    clamp_celsius,
    clamp_kelvin,
    decode_json,
    decode_text,
    echoed_state,
    kelvin_to_mireds,
    mireds_to_kelvin,
    normal_hex,
    percent,
    rgb_to_hex,
    scale_from,
    scale_to,
)

BRIGHTNESS_TOP = 254
_COVER_WORDS = {"open": "OPEN", "close": "CLOSE", "stop": "STOP"}
_MOVING_WORDS = {"UP": "opening", "DOWN": "closing", "STOP": "stopped"}
_STATE_MOVES = {"OPEN": "opening", "CLOSE": "closing", "STOP": "stopped"}


def command_messages(device: Device, command: Command) -> Sequence[Message]:
    value = check_command(device, command)
    body: dict[str, Any]
    match command.action:
        case "power":
            body = {"state": "ON" if value else "OFF"}
        case "brightness":
            body = {"brightness": scale_to(float(value), BRIGHTNESS_TOP)}
        case "color":
            body = {"color": {"hex": value}}
        case "color_temp":
            body = {"color_temp": kelvin_to_mireds(clamp_kelvin(device, float(value)))}
        case "position":
            body = {"position": percent(float(value))}
        case "cover":
            body = {"state": _COVER_WORDS[str(value)]}
        case "setpoint":
            body = {"occupied_heating_setpoint": clamp_celsius(device, float(value))}
        case _:
            body = {"system_mode": value}
    return [Message(f"{device.topic}/set", as_json(body))]


def command_topics(device: Device) -> Sequence[str]:
    return [f"{device.topic}/set"]


def state_topics(device: Device) -> Sequence[str]:
    return [device.topic, f"{device.topic}/availability"]


def parse_state(device: Device, topic: str, payload: bytes) -> Mapping[str, Any]:
    if topic == f"{device.topic}/availability":
        body = decode_json(payload)
        word = body.get("state") if isinstance(body, dict) else decode_text(payload)
        if word in ("online", "offline"):
            return {"available": word == "online"}
        return {}
    if topic != device.topic:
        return {}
    body = decode_json(payload)
    return _read_state(device, body) if isinstance(body, dict) else {}


def _read_state(device: Device, body: Mapping[str, Any]) -> dict[str, Any]:
    state: dict[str, Any] = {}
    word = body.get("state")
    if device.kind == "curtains" and word in _STATE_MOVES:
        state["moving"] = _STATE_MOVES[word]
    elif word in ("ON", "OFF"):
        state["on"] = word == "ON"
    if body.get("moving") in _MOVING_WORDS:
        state["moving"] = _MOVING_WORDS[body["moving"]]
    brightness = as_number(body.get("brightness"))
    if brightness is not None:
        state["brightness_percent"] = scale_from(brightness, BRIGHTNESS_TOP)
    color = body.get("color")
    if isinstance(color, dict):
        color_hex = normal_hex(str(color.get("hex", "")))
        channels = [as_number(color.get(key)) for key in ("r", "g", "b")]
        if color_hex is not None:
            state["color_hex"] = color_hex
        elif all(channel is not None for channel in channels):
            state["color_hex"] = rgb_to_hex(*(channel or 0.0 for channel in channels))
    mireds = as_number(body.get("color_temp"))
    if mireds is not None and mireds > 0:
        state["color_temp_kelvin"] = mireds_to_kelvin(mireds)
    position = as_number(body.get("position"))
    if position is not None:
        state["position_percent"] = percent(position)
    for key, name in (
        ("occupied_heating_setpoint", "target_celsius"),
        ("local_temperature", "current_celsius"),
    ):
        number = as_number(body.get(key))
        if number is not None:
            state[name] = round(number, 1)
    if isinstance(body.get("system_mode"), str):
        state["mode"] = body["system_mode"]
    return state


def expected_state(device: Device, command: Command) -> Mapping[str, Any]:
    return echoed_state(device, command, brightness_top=BRIGHTNESS_TOP)


def simulate(
    device: Device, topic: str, payload: bytes, state: dict[str, Any]
) -> Sequence[Message]:
    body = decode_json(payload)
    if topic != f"{device.topic}/set" or not isinstance(body, dict):
        return []
    echoes: list[Message] = []
    if device.kind == "curtains" and body.get("state") in ("OPEN", "CLOSE"):
        # A cover reports that it started moving, then where it stopped.
        state["moving"] = _STATE_MOVES[body["state"]]
        echoes.append(Message(device.topic, as_json(_echo(device, state))))
        state["position_percent"] = 100 if body["state"] == "OPEN" else 0
        state["moving"] = "stopped"
    else:
        state.update(_read_state(device, body))
        if device.kind == "light" and "state" not in body:
            state["on"] = state.get("brightness_percent", 100) > 0
        if device.kind == "curtains":
            state["moving"] = "stopped"
    echoes.append(Message(device.topic, as_json(_echo(device, state))))
    return echoes


def _echo(device: Device, state: Mapping[str, Any]) -> dict[str, Any]:
    """The device's whole state as zigbee2mqtt publishes it."""
    body: dict[str, Any] = {}
    if device.kind == "light":
        if "on" in state:
            body["state"] = "ON" if state["on"] else "OFF"
        if "brightness_percent" in state:
            body["brightness"] = scale_to(state["brightness_percent"], BRIGHTNESS_TOP)
        if "color_hex" in state:
            body["color"] = {"hex": state["color_hex"]}
        if "color_temp_kelvin" in state:
            body["color_temp"] = kelvin_to_mireds(state["color_temp_kelvin"])
    elif device.kind == "curtains":
        moving = state.get("moving", "stopped")
        body["state"] = "OPEN" if state.get("position_percent", 0) > 0 else "CLOSE"
        body["moving"] = {value: key for key, value in _MOVING_WORDS.items()}[moving]
        body["position"] = state.get("position_percent", 0)
    else:
        if "target_celsius" in state:
            body["occupied_heating_setpoint"] = state["target_celsius"]
        if "current_celsius" in state:
            body["local_temperature"] = state["current_celsius"]
        if "mode" in state:
            body["system_mode"] = state["mode"]
    return body


def announce(device: Device, state: Mapping[str, Any]) -> Sequence[Message]:
    online = "online" if state.get("available", True) else "offline"
    messages = [Message(f"{device.topic}/availability", as_json({"state": online}))]
    if any(key != "available" for key in state):
        messages.append(Message(device.topic, as_json(_echo(device, state))))
    return messages
