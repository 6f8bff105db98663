"""Tasmota adapter: one command per topic under `cmnd/<topic>/`, replies on `stat/<topic>/RESULT`.

Topic layout, for a device whose configured topic is `kitchen` (Tasmota's own `Topic`):
- lights: `cmnd/kitchen/POWER` ON/OFF, `Dimmer` 0-100, `CT` mireds (153-500), `Color` #RRGGBB;
- curtains (shutter 1): `ShutterPosition1` 0-100, `ShutterOpen1`, `ShutterClose1`,
  `ShutterStop1` (empty payload);
- thermostats use Tasmota's thermostat driver: `TempTargetSet` degrees Celsius and
  `ThermostatModeSet` 0 (off) or 1 (automatic, reported as homevox mode "heat"; homevox "auto"
  maps to it too). The driver only heats, so mode "cool" is refused.
- replies: `stat/kitchen/RESULT` JSON, e.g. {"POWER":"ON"}, {"Dimmer":40}, {"CT":370},
  {"Color":"FF0000"}, {"Shutter1":{"Position":50,"Direction":0}}, {"TempTargetSet":21.0},
  {"ThermostatModeSet":1}; also `stat/kitchen/POWER`, `tele/kitchen/STATE` and
  `tele/kitchen/SENSOR` (nested {"Temperature": ...} gives the measured temperature);
- availability: `tele/kitchen/LWT` Online/Offline.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from devices.base import (
    Command,
    CommandError,
    Device,
    Message,
    as_json,
    as_number,
    check_command,
    clamp,
    clamp_celsius,
    clamp_kelvin,
    decode_json,
    decode_text,
    echoed_state,
    kelvin_to_mireds,
    mireds_to_kelvin,
    normal_hex,
    percent,
)

MIN_MIREDS, MAX_MIREDS = 153, 500
_COVER_COMMANDS = {"open": "ShutterOpen1", "close": "ShutterClose1", "stop": "ShutterStop1"}
_MODE_NUMBERS = {"off": 0, "heat": 1, "auto": 1}
_DIRECTIONS = {1: "opening", -1: "closing", 0: "stopped"}


def _mireds(device: Device, kelvin: float) -> int:
    return round(clamp(kelvin_to_mireds(clamp_kelvin(device, kelvin)), MIN_MIREDS, MAX_MIREDS))


def _mode_number(device: Device, mode: str) -> int:
    if mode not in _MODE_NUMBERS:
        raise CommandError(
            "unsupported_command", f"{device.name} (Tasmota thermostat) cannot {mode}"
        )
    return _MODE_NUMBERS[mode]


def command_messages(device: Device, command: Command) -> Sequence[Message]:
    value = check_command(device, command)
    base = f"cmnd/{device.topic}"
    match command.action:
        case "power":
            return [Message(f"{base}/POWER", "ON" if value else "OFF")]
        case "brightness":
            return [Message(f"{base}/Dimmer", str(percent(float(value))))]
        case "color":
            return [Message(f"{base}/Color", str(value).upper())]
        case "color_temp":
            return [Message(f"{base}/CT", str(_mireds(device, float(value))))]
        case "position":
            return [Message(f"{base}/ShutterPosition1", str(percent(float(value))))]
        case "cover":
            return [Message(f"{base}/{_COVER_COMMANDS[str(value)]}", "")]
        case "setpoint":
            return [Message(f"{base}/TempTargetSet", str(clamp_celsius(device, float(value))))]
        case _:
            return [Message(f"{base}/ThermostatModeSet", str(_mode_number(device, str(value))))]


def command_topics(device: Device) -> Sequence[str]:
    return [f"cmnd/{device.topic}/+"]


def state_topics(device: Device) -> Sequence[str]:
    topic = device.topic
    return [
        f"stat/{topic}/RESULT",
        f"stat/{topic}/POWER",
        f"tele/{topic}/STATE",
        f"tele/{topic}/SENSOR",
        f"tele/{topic}/LWT",
    ]


def parse_state(device: Device, topic: str, payload: bytes) -> Mapping[str, Any]:
    if topic == f"tele/{device.topic}/LWT":
        word = decode_text(payload)
        return {"available": word == "Online"} if word in ("Online", "Offline") else {}
    if topic == f"stat/{device.topic}/POWER":
        word = decode_text(payload)
        return {"on": word == "ON"} if word in ("ON", "OFF") else {}
    if topic not in state_topics(device):
        return {}
    body = decode_json(payload)
    if not isinstance(body, dict):
        return {}
    state = _read_fields(body)
    for nested in body.values():
        # SENSOR nests readings by sensor name ({"DS18B20": {"Temperature": 20.5}}).
        if isinstance(nested, dict):
            state = {**_read_fields(nested), **state}
    return state


def _field(body: Mapping[str, Any], name: str) -> Any:
    """A Tasmota field, with or without its index 1 (POWER / POWER1)."""
    return body.get(name, body.get(f"{name}1"))


def _read_fields(body: Mapping[str, Any]) -> dict[str, Any]:
    state: dict[str, Any] = {}
    power = _field(body, "POWER")
    if power in ("ON", "OFF"):
        state["on"] = power == "ON"
    dimmer = as_number(body.get("Dimmer"))
    if dimmer is not None:
        state["brightness_percent"] = percent(dimmer)
    mireds = as_number(body.get("CT"))
    if mireds is not None and mireds > 0:
        state["color_temp_kelvin"] = mireds_to_kelvin(mireds)
    color = normal_hex(str(body.get("Color", "")))
    if color is not None:
        state["color_hex"] = color
    shutter = body.get("Shutter1")
    if isinstance(shutter, dict):
        position = as_number(shutter.get("Position"))
        if position is not None:
            state["position_percent"] = percent(position)
        if shutter.get("Direction") in _DIRECTIONS:
            state["moving"] = _DIRECTIONS[shutter["Direction"]]
    for name, key in (("TempTargetSet", "target_celsius"), ("Temperature", "current_celsius")):
        number = as_number(_field(body, name))
        if number is not None:
            state[key] = round(number, 1)
    mode = as_number(_field(body, "ThermostatModeSet"))
    if mode is not None:
        state["mode"] = "off" if mode == 0 else "heat"
    return state


def expected_state(device: Device, command: Command) -> Mapping[str, Any]:
    return echoed_state(
        device,
        command,
        to_mireds=lambda kelvin: _mireds(device, kelvin),
        mode_echo=lambda mode: "off" if _mode_number(device, mode) == 0 else "heat",
    )


def simulate(
    device: Device, topic: str, payload: bytes, state: dict[str, Any]
) -> Sequence[Message]:
    prefix = f"cmnd/{device.topic}/"
    if not topic.startswith(prefix):
        return []
    name = topic.removeprefix(prefix).lower()  # Tasmota commands are case-insensitive
    text = decode_text(payload)
    number = as_number(text)
    result = f"stat/{device.topic}/RESULT"
    if name in ("shutteropen1", "shutterclose1"):
        target = 100 if name == "shutteropen1" else 0
        state["moving"] = "opening" if target else "closing"
        started = _shutter(state, target)
        state.update(position_percent=target, moving="stopped")
        return [
            Message(result, as_json(started)),
            Message(result, as_json(_shutter(state, target))),
        ]
    reply: dict[str, Any]
    if name == "power" and text.upper() in ("ON", "OFF"):
        state["on"] = text.upper() == "ON"
        reply = {"POWER": "ON" if state["on"] else "OFF"}
    elif name == "dimmer" and number is not None:
        state.update(on=number > 0, brightness_percent=percent(number))
        reply = {"POWER": "ON" if state["on"] else "OFF", "Dimmer": state["brightness_percent"]}
    elif name == "ct" and number is not None:
        mireds = round(clamp(number, MIN_MIREDS, MAX_MIREDS))
        state.update(on=True, color_temp_kelvin=mireds_to_kelvin(mireds))
        reply = {"POWER": "ON", "CT": mireds}
    elif name == "color" and normal_hex(text) is not None:
        state.update(on=True, color_hex=normal_hex(text))
        reply = {"POWER": "ON", "Color": text.lstrip("#").upper()[:6]}
    elif name == "shutterposition1" and number is not None:
        state.update(position_percent=percent(number), moving="stopped")
        reply = _shutter(state, state["position_percent"])
    elif name == "shutterstop1":
        state["moving"] = "stopped"
        reply = _shutter(state, state.get("position_percent", 0))
    elif name == "temptargetset" and number is not None:
        state["target_celsius"] = round(number, 1)
        reply = {"TempTargetSet": state["target_celsius"]}
    elif name == "thermostatmodeset" and number in (0, 1, 2):
        state["mode"] = "off" if number == 0 else "heat"
        reply = {"ThermostatModeSet": int(number)}
    else:
        reply = {"Command": "Unknown"}
    messages = [Message(result, as_json(reply))]
    if name == "power" and "POWER" in reply:
        messages.append(Message(f"stat/{device.topic}/POWER", reply["POWER"]))
    return messages


def _shutter(state: Mapping[str, Any], target: int) -> dict[str, Any]:
    direction = {value: key for key, value in _DIRECTIONS.items()}[state.get("moving", "stopped")]
    position = state.get("position_percent", 0)
    return {"Shutter1": {"Position": position, "Direction": direction, "Target": target}}


def announce(device: Device, state: Mapping[str, Any]) -> Sequence[Message]:
    online = "Online" if state.get("available", True) else "Offline"
    messages = [Message(f"tele/{device.topic}/LWT", online)]
    if not any(key != "available" for key in state):
        return messages
    body: dict[str, Any] = {}
    if device.kind == "light":
        body["POWER"] = "ON" if state.get("on") else "OFF"
        if "brightness_percent" in state:
            body["Dimmer"] = state["brightness_percent"]
        if "color_temp_kelvin" in state:
            body["CT"] = kelvin_to_mireds(state["color_temp_kelvin"])
        if "color_hex" in state:
            body["Color"] = str(state["color_hex"]).lstrip("#").upper()
        return [*messages, Message(f"tele/{device.topic}/STATE", as_json(body))]
    if device.kind == "curtains":
        body = _shutter(state, state.get("position_percent", 0))
    else:
        thermostat: dict[str, Any] = {"ThermostatModeSet": 0 if state.get("mode") == "off" else 1}
        if "target_celsius" in state:
            thermostat["TempTargetSet"] = state["target_celsius"]
        body = {"Thermostat0": thermostat}
        if "current_celsius" in state:
            body["DS18B20"] = {"Temperature": state["current_celsius"]}
    return [*messages, Message(f"tele/{device.topic}/SENSOR", as_json(body))]
