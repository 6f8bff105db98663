"""Device adapters as pure functions: exact messages, conversions, clamping, state parsing.

CASES is the table of every command of every adapter; test_sim.py runs the same table
through a real broker with the virtual home answering.
"""

from __future__ import annotations

import json
import math
import random
from typing import Any

import pytest

from devices import ADAPTERS
from devices.base import (
    Command,
    CommandError,
    Device,
    Message,
    clamp_celsius,
    clamp_kelvin,
    hex_to_rgb,
    kelvin_to_mireds,
    mireds_to_kelvin,
    rgb_to_hex,
    scale_from,
    scale_to,
)


def _device(name: str, kind: str, protocol: str, topic: str, **options: Any) -> Device:
    ranges = {"min_kelvin": 2200, "max_kelvin": 6500, "min_celsius": 5.0, "max_celsius": 30.0}
    return Device(name, kind, protocol, topic, "kitchen", options={**ranges, **options})


GENERIC_LIGHT = {
    "command_topic": "generic/lamp/cmd",
    "state_topic": "generic/lamp/state",
    "templates": {
        "power_on": "ON",
        "power_off": "OFF",
        "brightness": "DIM {value}",
        "color": "RGB {r},{g},{b}",
        "color_temp": "CT {mireds}",
    },
    "state_json_keys": {
        "on": "power",
        "brightness_percent": "level",
        "color_hex": "rgb",
        "color_temp_kelvin": "k",
    },
}
GENERIC_HEAT = {
    "command_topic": "generic/heat/cmd",
    "state_topic": "generic/heat/state",
    "templates": {"setpoint": '{"target": {value}}', "mode": '{"mode": "{value}"}'},
}
GENERIC_COVER = {
    "command_topic": "generic/cover/cmd",
    "state_topic": "generic/cover/state",
    "templates": {"open": "OPEN", "close": "CLOSE", "stop": "STOP", "position": "{value}"},
}

DEVICES: dict[str, Device] = {
    device.name: device
    for device in (
        _device("z light", "light", "zigbee2mqtt", "zigbee2mqtt/z_light"),
        _device("z heat", "thermostat", "zigbee2mqtt", "zigbee2mqtt/z_heat"),
        _device("z cover", "curtains", "zigbee2mqtt", "zigbee2mqtt/z_cover"),
        _device("t light", "light", "tasmota", "t_light"),
        _device("t heat", "thermostat", "tasmota", "t_heat"),
        _device("t cover", "curtains", "tasmota", "t_cover"),
        _device("h light", "light", "homeassistant", "home/h_light"),
        _device("h heat", "thermostat", "homeassistant", "home/h_heat"),
        _device("h cover", "curtains", "homeassistant", "home/h_cover"),
        _device("g light", "light", "generic", "generic/lamp", **GENERIC_LIGHT),
        _device("g heat", "thermostat", "generic", "generic/heat", **GENERIC_HEAT),
        _device("g cover", "curtains", "generic", "generic/cover", **GENERIC_COVER),
    )
}

# (device, command, topic, payload, expected state). Order matters per device (the simulator
# keeps state): 150 % and 10000 K and 40 degrees are clamped.
LIGHT_COMMANDS = [
    Command("power", True),
    Command("power", False),
    Command("brightness", 40),
    Command("brightness", 150),
    Command("color", "#FF8000"),
    Command("color_temp", 3000),
    Command("color_temp", 10000),
]
HEAT_COMMANDS = [
    Command("setpoint", 21.5),
    Command("setpoint", 40),
    Command("mode", "heat"),
    Command("mode", "off"),
]
COVER_COMMANDS = [
    Command("position", 30),
    Command("cover", "open"),
    Command("cover", "close"),
    Command("cover", "stop"),
]

LIGHT_STATES = [
    {"on": True},
    {"on": False},
    {"brightness_percent": 40},
    {"brightness_percent": 100},
    {"color_hex": "#ff8000"},
    {"color_temp_kelvin": 3003},
    {"color_temp_kelvin": 6494},
]
HEAT_STATES = [
    {"target_celsius": 21.5},
    {"target_celsius": 30.0},
    {"mode": "heat"},
    {"mode": "off"},
]
COVER_STATES = [
    {"position_percent": 30},
    {"moving": "opening"},
    {"moving": "closing"},
    {"moving": "stopped"},
]

WIRE: dict[str, list[tuple[str, str]]] = {
    "z light": [
        ("zigbee2mqtt/z_light/set", '{"state":"ON"}'),
        ("zigbee2mqtt/z_light/set", '{"state":"OFF"}'),
        ("zigbee2mqtt/z_light/set", '{"brightness":102}'),
        ("zigbee2mqtt/z_light/set", '{"brightness":254}'),
        ("zigbee2mqtt/z_light/set", '{"color":{"hex":"#ff8000"}}'),
        ("zigbee2mqtt/z_light/set", '{"color_temp":333}'),
        ("zigbee2mqtt/z_light/set", '{"color_temp":154}'),
    ],
    "z heat": [
        ("zigbee2mqtt/z_heat/set", '{"occupied_heating_setpoint":21.5}'),
        ("zigbee2mqtt/z_heat/set", '{"occupied_heating_setpoint":30.0}'),
        ("zigbee2mqtt/z_heat/set", '{"system_mode":"heat"}'),
        ("zigbee2mqtt/z_heat/set", '{"system_mode":"off"}'),
    ],
    "z cover": [
        ("zigbee2mqtt/z_cover/set", '{"position":30}'),
        ("zigbee2mqtt/z_cover/set", '{"state":"OPEN"}'),
        ("zigbee2mqtt/z_cover/set", '{"state":"CLOSE"}'),
        ("zigbee2mqtt/z_cover/set", '{"state":"STOP"}'),
    ],
    "t light": [
        ("cmnd/t_light/POWER", "ON"),
        ("cmnd/t_light/POWER", "OFF"),
        ("cmnd/t_light/Dimmer", "40"),
        ("cmnd/t_light/Dimmer", "100"),
        ("cmnd/t_light/Color", "#FF8000"),
        ("cmnd/t_light/CT", "333"),
        ("cmnd/t_light/CT", "154"),
    ],
    "t heat": [
        ("cmnd/t_heat/TempTargetSet", "21.5"),
        ("cmnd/t_heat/TempTargetSet", "30.0"),
        ("cmnd/t_heat/ThermostatModeSet", "1"),
        ("cmnd/t_heat/ThermostatModeSet", "0"),
    ],
    "t cover": [
        ("cmnd/t_cover/ShutterPosition1", "30"),
        ("cmnd/t_cover/ShutterOpen1", ""),
        ("cmnd/t_cover/ShutterClose1", ""),
        ("cmnd/t_cover/ShutterStop1", ""),
    ],
    "h light": [
        ("home/h_light/set", '{"state":"ON"}'),
        ("home/h_light/set", '{"state":"OFF"}'),
        ("home/h_light/set", '{"state":"ON","brightness":102}'),
        ("home/h_light/set", '{"state":"ON","brightness":255}'),
        ("home/h_light/set", '{"state":"ON","color":{"r":255,"g":128,"b":0}}'),
        ("home/h_light/set", '{"state":"ON","color_temp":333}'),
        ("home/h_light/set", '{"state":"ON","color_temp":154}'),
    ],
    "h heat": [
        ("home/h_heat/temperature/set", "21.5"),
        ("home/h_heat/temperature/set", "30.0"),
        ("home/h_heat/mode/set", "heat"),
        ("home/h_heat/mode/set", "off"),
    ],
    "h cover": [
        ("home/h_cover/position/set", "30"),
        ("home/h_cover/set", "OPEN"),
        ("home/h_cover/set", "CLOSE"),
        ("home/h_cover/set", "STOP"),
    ],
    "g light": [
        ("generic/lamp/cmd", "ON"),
        ("generic/lamp/cmd", "OFF"),
        ("generic/lamp/cmd", "DIM 40"),
        ("generic/lamp/cmd", "DIM 100"),
        ("generic/lamp/cmd", "RGB 255,128,0"),
        ("generic/lamp/cmd", "CT 333"),
        ("generic/lamp/cmd", "CT 154"),
    ],
    "g heat": [
        ("generic/heat/cmd", '{"target": 21.5}'),
        ("generic/heat/cmd", '{"target": 30.0}'),
        ("generic/heat/cmd", '{"mode": "heat"}'),
        ("generic/heat/cmd", '{"mode": "off"}'),
    ],
    "g cover": [
        ("generic/cover/cmd", "30"),
        ("generic/cover/cmd", "OPEN"),
        ("generic/cover/cmd", "CLOSE"),
        ("generic/cover/cmd", "STOP"),
    ],
}


def _commands(device: Device) -> list[tuple[Command, dict[str, Any]]]:
    by_kind = {
        "light": (LIGHT_COMMANDS, LIGHT_STATES),
        "thermostat": (HEAT_COMMANDS, HEAT_STATES),
        "curtains": (COVER_COMMANDS, COVER_STATES),
    }
    commands, states = by_kind[device.kind]
    expected = [dict(state) for state in states]
    if device.protocol == "generic" and device.kind == "light":
        expected[5:7] = [
            {"color_temp_kelvin": 3000},
            {"color_temp_kelvin": 6500},
        ]  # kelvin as given, clamped
    if device.protocol == "tasmota" and device.kind == "thermostat":
        expected[2:4] = [{"mode": "heat"}, {"mode": "off"}]
    return list(zip(commands, expected, strict=True))


CASES: list[tuple[str, Command, str, str, dict[str, Any]]] = [
    (name, command, topic, payload, state)
    for name, device in DEVICES.items()
    for (command, state), (topic, payload) in zip(_commands(device), WIRE[name], strict=True)
]


@pytest.mark.parametrize(("name", "command", "topic", "payload", "state"), CASES)
def test_every_command_of_every_adapter_gives_the_documented_message(
    name: str, command: Command, topic: str, payload: str, state: dict[str, Any]
) -> None:
    device = DEVICES[name]
    adapter = ADAPTERS[device.protocol]
    assert adapter.command_messages(device, command) == [Message(topic, payload)]
    assert adapter.expected_state(device, command) == state


@pytest.mark.parametrize("name", sorted(DEVICES))
def test_the_simulated_reply_parses_back_to_the_expected_state(name: str) -> None:
    device = DEVICES[name]
    adapter = ADAPTERS[device.protocol]
    sim_state: dict[str, Any] = {}
    for command, expected in _commands(device):
        seen: dict[str, Any] = {}
        matched = False
        for message in adapter.command_messages(device, command):
            for reply in adapter.simulate(
                device, message.topic, message.payload.encode(), sim_state
            ):
                assert reply.topic in adapter.state_topics(device)
                seen.update(adapter.parse_state(device, reply.topic, reply.payload.encode()))
                matched = matched or _shows(seen, expected)
        assert matched, f"{name} {command}: replies showed {seen}, expected {expected}"


def _shows(state: dict[str, Any], expected: dict[str, Any]) -> bool:
    from daemon.mqtt import states_match

    return states_match(state, expected)


def test_percent_scales_round_trip_for_every_whole_percent() -> None:
    for top in (254, 255):
        assert [scale_from(scale_to(value, top), top) for value in range(101)] == list(range(101))
    assert scale_to(-5, 254) == 0 and scale_to(180, 255) == 255


def test_kelvin_mireds_and_colour_conversions() -> None:
    assert kelvin_to_mireds(2700) == 370 and kelvin_to_mireds(6500) == 154
    assert mireds_to_kelvin(370) == 2703
    assert hex_to_rgb("#ff8000") == (255, 128, 0) and rgb_to_hex(255, 128, 0) == "#ff8000"
    assert rgb_to_hex(300, -4, 16.4) == "#ff0010"


def test_values_are_clamped_to_the_device_range() -> None:
    narrow = _device(
        "n",
        "light",
        "zigbee2mqtt",
        "z/n",
        min_kelvin=2700,
        max_kelvin=4000,
        min_celsius=16,
        max_celsius=24,
    )
    assert clamp_kelvin(narrow, 2000) == 2700 and clamp_kelvin(narrow, 9000) == 4000
    assert clamp_celsius(narrow, 3) == 16.0 and clamp_celsius(narrow, 21.24) == 21.2
    z2m = ADAPTERS["zigbee2mqtt"]
    assert (
        z2m.command_messages(narrow, Command("color_temp", 1500))[0].payload == '{"color_temp":370}'
    )
    assert z2m.command_messages(narrow, Command("brightness", -20))[0].payload == '{"brightness":0}'
    heat = _device("r", "thermostat", "homeassistant", "home/r", min_celsius=16, max_celsius=24)
    assert (
        ADAPTERS["homeassistant"].command_messages(heat, Command("setpoint", 2))[0].payload
        == "16.0"
    )
    assert ADAPTERS["homeassistant"].expected_state(heat, Command("setpoint", 99)) == {
        "target_celsius": 24.0
    }
    # Tasmota's CT range (153-500 mireds) applies on top of the device's kelvin range.
    wide = _device("w", "light", "tasmota", "w", min_kelvin=1000, max_kelvin=10000)
    assert (
        ADAPTERS["tasmota"].command_messages(wide, Command("color_temp", 1000))[0].payload == "500"
    )
    assert ADAPTERS["tasmota"].expected_state(wide, Command("color_temp", 1000)) == {
        "color_temp_kelvin": 2000
    }


@pytest.mark.parametrize(
    ("name", "command", "code"),
    [
        ("z light", Command("setpoint", 20), "unsupported_command"),
        ("z heat", Command("power", True), "unsupported_command"),
        ("z light", Command("color", "red"), "invalid_value"),
        ("z light", Command("brightness", True), "invalid_value"),
        ("h light", Command("brightness", math.nan), "invalid_value"),
        ("h light", Command("power", "yes"), "invalid_value"),
        ("h cover", Command("cover", "up"), "invalid_value"),
        ("h heat", Command("mode", "dry"), "invalid_value"),
        ("t heat", Command("mode", "cool"), "unsupported_command"),
        ("g heat", Command("setpoint", math.inf), "invalid_value"),
    ],
)
def test_bad_commands_raise_a_coded_error(name: str, command: Command, code: str) -> None:
    device = DEVICES[name]
    with pytest.raises(CommandError) as caught:
        ADAPTERS[device.protocol].command_messages(device, command)
    assert caught.value.code == code and "\n" not in str(caught.value)


def test_generic_templates_missing_or_broken_are_reported() -> None:
    lamp = DEVICES["g light"]
    no_mode = _device(
        "g2", "light", "generic", "g2", command_topic="g2/cmd", templates={"brightness": "{mireds}"}
    )
    with pytest.raises(CommandError, match=r"templates\.power_on") as missing:
        ADAPTERS["generic"].command_messages(no_mode, Command("power", True))
    assert missing.value.code == "unsupported_command"
    with pytest.raises(CommandError) as broken:
        ADAPTERS["generic"].command_messages(no_mode, Command("brightness", 20))
    assert broken.value.code == "bad_template"
    no_topic = _device("g3", "light", "generic", "g3", templates={"power_on": "ON"})
    with pytest.raises(CommandError, match="command_topic"):
        ADAPTERS["generic"].command_messages(no_topic, Command("power", True))
    assert ADAPTERS["generic"].command_topics(lamp) == ["generic/lamp/cmd"]


def test_state_payloads_of_real_devices_are_normalised() -> None:
    z2m, tasmota, ha, generic = (
        ADAPTERS[p] for p in ("zigbee2mqtt", "tasmota", "homeassistant", "generic")
    )
    light, cover = DEVICES["z light"], DEVICES["z cover"]
    assert z2m.parse_state(light, "zigbee2mqtt/z_light/availability", b'{"state":"offline"}') == {
        "available": False
    }
    assert z2m.parse_state(light, "zigbee2mqtt/z_light/availability", b"online") == {
        "available": True
    }
    report = b'{"state":"ON","brightness":254,"color":{"x":0.7,"y":0.3},"color_temp":250}'
    assert z2m.parse_state(light, "zigbee2mqtt/z_light", report) == {
        "on": True,
        "brightness_percent": 100,
        "color_temp_kelvin": 4000,
    }
    assert z2m.parse_state(cover, "zigbee2mqtt/z_cover", b'{"position":60,"state":"OPEN"}') == {
        "moving": "opening",
        "position_percent": 60,
    }
    assert z2m.parse_state(light, "zigbee2mqtt/z_light", b"not json") == {}
    assert z2m.parse_state(light, "zigbee2mqtt/other", b'{"state":"ON"}') == {}
    t_light, t_heat = DEVICES["t light"], DEVICES["t heat"]
    assert tasmota.parse_state(t_light, "tele/t_light/LWT", b"Offline") == {"available": False}
    assert tasmota.parse_state(t_light, "stat/t_light/RESULT", b'{"POWER1":"OFF","Dimmer":35}') == {
        "on": False,
        "brightness_percent": 35,
    }
    assert tasmota.parse_state(t_light, "stat/t_light/RESULT", b'{"Color":"FF00000000"}') == {
        "color_hex": "#ff0000"
    }
    sensor = (
        b'{"Time":"2026-01-01T00:00:00","DS18B20":{"Id":"01","Temperature":19.44},"TempUnit":"C"}'
    )
    assert tasmota.parse_state(t_heat, "tele/t_heat/SENSOR", sensor) == {"current_celsius": 19.4}
    h_cover, h_heat = DEVICES["h cover"], DEVICES["h heat"]
    assert ha.parse_state(h_cover, "home/h_cover/state", b"closing") == {"moving": "closing"}
    assert ha.parse_state(h_cover, "home/h_cover/state", b"closed") == {"moving": "stopped"}
    assert ha.parse_state(h_heat, "home/h_heat/current_temperature", b"20.25") == {
        "current_celsius": 20.2
    }
    assert ha.parse_state(h_heat, "home/h_heat/mode/state", b"auto") == {"mode": "auto"}
    g_light, g_cover = DEVICES["g light"], DEVICES["g cover"]
    assert generic.parse_state(
        g_light, "generic/lamp/state", b'{"power":"on","level":"55","k":2700}'
    ) == {
        "on": True,
        "brightness_percent": 55,
        "color_temp_kelvin": 2700,
    }
    assert generic.parse_state(g_cover, "generic/cover/state", b"42") == {"position_percent": 42}
    assert generic.parse_state(g_cover, "generic/cover/state", b"opening") == {"moving": "opening"}


def test_announce_reports_availability_and_state() -> None:
    for name, device in DEVICES.items():
        adapter = ADAPTERS[device.protocol]
        messages = adapter.announce(device, {"available": False})
        parsed = [adapter.parse_state(device, m.topic, m.payload.encode()) for m in messages]
        if device.protocol == "generic":
            assert messages == [], name  # the generic protocol has no availability topic
        else:
            assert parsed == [{"available": False}], name


HOSTILE = [
    "#",
    "+",
    "/",
    "a/#",
    "+/+",
    "../x",
    "\0",
    "x\ny",
    "{value}",
    "{0}",
    "%s",
    "ü/é",
    " ",
    "",
]


def _hostile_values(rng: random.Random) -> list[bool | int | float | str]:
    values: list[bool | int | float | str] = [*HOSTILE, math.nan, -1e308, 1e308, True, 0]
    for _ in range(60):
        values.append("".join(rng.choice("#+/\0{}ab01 .-") for _ in range(rng.randint(1, 12))))
    return values


def test_nothing_from_a_command_value_reaches_a_topic() -> None:
    rng = random.Random(20261128)
    actions = (
        "power",
        "brightness",
        "color",
        "color_temp",
        "position",
        "cover",
        "setpoint",
        "mode",
    )
    for name, device in DEVICES.items():
        adapter = ADAPTERS[device.protocol]
        allowed = _allowed_topics(device)
        for action in actions:
            for value in _hostile_values(rng):
                try:
                    messages = adapter.command_messages(device, Command(action, value))
                except CommandError:
                    continue
                for message in messages:
                    assert message.topic in allowed, (name, action, value, message)
                    assert not any(char in message.topic for char in "#+\0"), (name, action, value)


def _allowed_topics(device: Device) -> set[str]:
    base = device.topic
    if device.protocol == "generic":
        return {str(device.options["command_topic"])}
    if device.protocol == "tasmota":
        names = (
            "POWER",
            "Dimmer",
            "CT",
            "Color",
            "ShutterPosition1",
            "ShutterOpen1",
            "ShutterClose1",
        )
        names += ("ShutterStop1", "TempTargetSet", "ThermostatModeSet")
        return {f"cmnd/{base}/{name}" for name in names}
    return {f"{base}/set", f"{base}/position/set", f"{base}/temperature/set", f"{base}/mode/set"}


def test_commands_payloads_are_valid_json_where_the_protocol_wants_json() -> None:
    for name, command, topic, payload, _ in CASES:
        if name[0] == "z" or (name == "h light"):
            assert isinstance(json.loads(payload), dict), (name, command, topic)
