"""Home Assistant MQTT adapter: JSON-schema lights, climate and covers under one base topic.

Topic layout, for a device whose configured topic is `home/kitchen` (configure the entity in
Home Assistant's MQTT integration with these topics):
- light (schema: json): commands on `home/kitchen/set`, JSON {"state": "ON"|"OFF",
  "brightness": 0-255, "color": {"r", "g", "b"}, "color_temp": mireds}; state JSON of the
  same shape on `home/kitchen/state`;
- climate: `home/kitchen/temperature/set` (degrees Celsius as text), `home/kitchen/mode/set`
  (heat, off, auto, cool); states on `home/kitchen/temperature/state`,
  `home/kitchen/current_temperature` and `home/kitchen/mode/state`;
- cover: `home/kitchen/set` OPEN/CLOSE/STOP and `home/kitchen/position/set` 0-100; states on
  `home/kitchen/position` (0-100) and `home/kitchen/state` (opening, closing, open, closed,
  stopped);
- availability: `home/kitchen/availability`, online/offline.
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
    hex_to_rgb,
    kelvin_to_mireds,
    mireds_to_kelvin,
    percent,
    rgb_to_hex,
    scale_from,
    scale_to,
)

BRIGHTNESS_TOP = 255
_COVER_WORDS = {"open": "OPEN", "close": "CLOSE", "stop": "STOP"}
# Home Assistant's cover states -> homevox's `moving`.
_COVER_STATES = {
    "opening": "opening",
    "closing": "closing",
    "open": "stopped",
    "closed": "stopped",
    "stopped": "stopped",
}


def command_messages(device: Device, command: Command) -> Sequence[Message]:
    value = check_command(device, command)
    topic = device.topic
    match command.action:
        case "power":
            return [Message(f"{topic}/set", as_json({"state": "ON" if value else "OFF"}))]
        case "brightness":
            level = scale_to(float(value), BRIGHTNESS_TOP)
            return [Message(f"{topic}/set", as_json({"state": "ON", "brightness": level}))]
        case "color":
            red, green, blue = hex_to_rgb(str(value))
            color = {"r": red, "g": green, "b": blue}
            return [Message(f"{topic}/set", as_json({"state": "ON", "color": color}))]
        case "color_temp":
            mireds = kelvin_to_mireds(clamp_kelvin(device, float(value)))
            return [Message(f"{topic}/set", as_json({"state": "ON", "color_temp": mireds}))]
        case "position":
            return [Message(f"{topic}/position/set", str(percent(float(value))))]
        case "cover":
            return [Message(f"{topic}/set", _COVER_WORDS[str(value)])]
        case "setpoint":
            return [Message(f"{topic}/temperature/set", str(clamp_celsius(device, float(value))))]
        case _:
            return [Message(f"{topic}/mode/set", str(value))]


def command_topics(device: Device) -> Sequence[str]:
    topic = device.topic
    if device.kind == "thermostat":
        return [f"{topic}/temperature/set", f"{topic}/mode/set"]
    if device.kind == "curtains":
        return [f"{topic}/set", f"{topic}/position/set"]
    return [f"{topic}/set"]


def state_topics(device: Device) -> Sequence[str]:
    topic = device.topic
    if device.kind == "thermostat":
        states = ["temperature/state", "current_temperature", "mode/state"]
    elif device.kind == "curtains":
        states = ["state", "position"]
    else:
        states = ["state"]
    return [*(f"{topic}/{suffix}" for suffix in states), f"{topic}/availability"]


def parse_state(device: Device, topic: str, payload: bytes) -> Mapping[str, Any]:
    if topic not in state_topics(device):
        return {}
    suffix = topic.removeprefix(f"{device.topic}/")
    text = decode_text(payload)
    number = as_number(text)
    if suffix == "availability":
        return {"available": text == "online"} if text in ("online", "offline") else {}
    if device.kind == "light":
        body = decode_json(payload)
        return _read_light(body) if isinstance(body, dict) else {}
    if suffix == "state":
        return {"moving": _COVER_STATES[text]} if text in _COVER_STATES else {}
    if suffix == "mode/state":
        return {"mode": text} if text else {}
    if number is None:
        return {}
    key = {
        "position": "position_percent",
        "temperature/state": "target_celsius",
        "current_temperature": "current_celsius",
    }[suffix]
    return {key: percent(number) if key == "position_percent" else round(number, 1)}


def _read_light(body: Mapping[str, Any]) -> dict[str, Any]:
    state: dict[str, Any] = {}
    if body.get("state") in ("ON", "OFF"):
        state["on"] = body["state"] == "ON"
    brightness = as_number(body.get("brightness"))
    if brightness is not None:
        state["brightness_percent"] = scale_from(brightness, BRIGHTNESS_TOP)
    color = body.get("color")
    if isinstance(color, dict):
        channels = [as_number(color.get(key)) for key in ("r", "g", "b")]
        if all(channel is not None for channel in channels):
            state["color_hex"] = rgb_to_hex(*(channel or 0.0 for channel in channels))
    mireds = as_number(body.get("color_temp"))
    if mireds is not None and mireds > 0:
        state["color_temp_kelvin"] = mireds_to_kelvin(mireds)
    return state


def expected_state(device: Device, command: Command) -> Mapping[str, Any]:
    return echoed_state(device, command, brightness_top=BRIGHTNESS_TOP)


def simulate(
    device: Device, topic: str, payload: bytes, state: dict[str, Any]
) -> Sequence[Message]:
    if topic not in command_topics(device):
        return []
    suffix = topic.removeprefix(f"{device.topic}/")
    text = decode_text(payload)
    number = as_number(text)
    if device.kind == "light":
        body = decode_json(payload)
        if not isinstance(body, dict):
            return []
        state.update(_read_light(body))
        return [Message(f"{device.topic}/state", as_json(_light_state(state)))]
    if suffix == "temperature/set" and number is not None:
        state["target_celsius"] = round(number, 1)
        return [Message(f"{device.topic}/temperature/state", str(state["target_celsius"]))]
    if suffix == "mode/set" and text in ("heat", "off", "auto", "cool"):
        state["mode"] = text
        return [Message(f"{device.topic}/mode/state", text)]
    if suffix == "position/set" and number is not None:
        state.update(position_percent=percent(number), moving="stopped")
        return _cover_state(device, state)
    if suffix == "set" and text in ("OPEN", "CLOSE"):
        moving = "opening" if text == "OPEN" else "closing"
        started = Message(f"{device.topic}/state", moving)
        state.update(position_percent=100 if text == "OPEN" else 0, moving="stopped")
        return [started, *_cover_state(device, state)]
    if suffix == "set" and text == "STOP":
        state["moving"] = "stopped"
        return [Message(f"{device.topic}/state", "stopped"), *_cover_state(device, state)[:1]]
    return []


def _light_state(state: Mapping[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {"state": "ON" if state.get("on") else "OFF"}
    if "brightness_percent" in state:
        body["brightness"] = scale_to(state["brightness_percent"], BRIGHTNESS_TOP)
    if "color_hex" in state:
        red, green, blue = hex_to_rgb(state["color_hex"])
        body["color"] = {"r": red, "g": green, "b": blue}
    if "color_temp_kelvin" in state:
        body["color_temp"] = kelvin_to_mireds(state["color_temp_kelvin"])
    return body


def _cover_state(device: Device, state: Mapping[str, Any]) -> list[Message]:
    position = state.get("position_percent", 0)
    return [
        Message(f"{device.topic}/position", str(position)),
        Message(f"{device.topic}/state", "open" if position > 0 else "closed"),
    ]


def announce(device: Device, state: Mapping[str, Any]) -> Sequence[Message]:
    online = "online" if state.get("available", True) else "offline"
    messages = [Message(f"{device.topic}/availability", online)]
    if not any(key != "available" for key in state):
        return messages
    if device.kind == "light":
        return [*messages, Message(f"{device.topic}/state", as_json(_light_state(state)))]
    if device.kind == "curtains":
        return [*messages, *_cover_state(device, state)]
    for suffix, key in (
        ("temperature/state", "target_celsius"),
        ("current_temperature", "current_celsius"),
    ):
        if key in state:
            messages.append(Message(f"{device.topic}/{suffix}", str(state[key])))
    if "mode" in state:
        messages.append(Message(f"{device.topic}/mode/state", str(state["mode"])))
    return messages
