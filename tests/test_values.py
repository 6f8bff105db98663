"""Slot value parsing tables: numbers, percentages, colours, temperatures, steps, positions."""

from __future__ import annotations

import pytest

from devices.base import Command
from skills.values import (
    BRIGHTNESS_STEP_PERCENT,
    TEMPERATURE_STEP_CELSIUS,
    Colour,
    describe_slots,
    find_colour,
    format_number,
    parse_colour,
    parse_direction,
    parse_number,
    parse_percent,
    parse_position,
    parse_step,
    parse_temperature,
    read_on,
)
from tests.fake_home import FakeHome


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("twenty one", 21.0),
        ("Twenty-one.", 21.0),
        ("21", 21.0),
        ("21.5", 21.5),
        ("twenty one point five", 21.5),
        ("half", 0.5),
        ("a third", 1 / 3),
        ("a quarter", 0.25),
        ("two and a half", 2.5),
        ("one hundred", 100.0),
        ("zero", 0.0),
        ("minus five", -5.0),
        ("", None),
        ("banana", None),
    ],
)
def test_parse_number(text: str, expected: float | None) -> None:
    assert parse_number(text) == (pytest.approx(expected) if expected is not None else None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30 percent", 30),
        ("30%", 30),
        ("30 per cent", 30),
        ("thirty percent", 30),
        ("Fifty percent.", 50),
        ("thirty", 30),
        ("half", 50),
        ("a quarter", 25),
        ("a third", 33),
        ("about a third", 33),
        ("third", 33),  # the tagger's "a | third"
        ("around 40 percent", 40),
        ("full", 100),
        ("max", 100),
        ("maximum brightness", 100),
        ("minimum", 1),
        ("the lowest", 1),
        ("low", 25),
        ("medium", 50),
        ("high", 75),
        ("one hundred percent", 100),
        ("0 percent", 0),
        ("150 percent", None),
        ("blue", None),
        ("", None),
    ],
)
def test_parse_percent(text: str, expected: int | None) -> None:
    assert parse_percent(text) == expected


@pytest.mark.parametrize(
    ("text", "hex_code", "kelvin"),
    [
        ("red", "#ff0000", None),
        ("Red.", "#ff0000", None),
        ("light blue", "#add8e6", None),
        ("the colour purple", "#800080", None),
        ("#00ff00", "#00ff00", None),
        ("warm white", None, 2700),
        ("soft white", None, 2700),
        ("neutral", None, 4000),
        ("cool white", None, 5000),
        ("daylight", None, 6500),
        ("candle light", None, 2200),
        ("3000 kelvin", None, 3000),
        ("three thousand kelvin", None, 3000),
        ("2,700 K", None, 2700),
        ("5000k", None, 5000),
        ("cozy", None, 2200),
        ("reading", None, 4000),
        ("amber", "#ffbf00", None),
        ("sunset", "#ff8c00", None),
    ],
)
def test_parse_colour(text: str, hex_code: str | None, kelvin: int | None) -> None:
    colour = parse_colour(text)
    assert colour is not None
    assert (colour.hex_code, colour.kelvin) == (hex_code, kelvin)


@pytest.mark.parametrize("text", ["banana", "", "50000 kelvin", "brighter", "black and white"])
def test_unknown_colours_are_none(text: str) -> None:
    assert parse_colour(text) is None


def test_colour_commands_use_the_documented_actions() -> None:
    assert Colour(hex_code="#ff0000").command() == Command("color", "#ff0000")
    assert Colour(kelvin=2700).command() == Command("color_temp", 2700)


@pytest.mark.parametrize(
    ("text", "celsius"),
    [
        ("21 degrees", 21.0),
        ("21°C", 21.0),
        ("21 °C", 21.0),
        ("twenty one", 21.0),
        ("21.5 degrees", 21.5),
        ("twenty one and a half degrees", 21.5),
        ("seventy degrees fahrenheit", 21.0),
        ("70°F", 21.0),
        ("68 f", 20.0),
        ("seventy", 21.0),  # no unit, above any room's Celsius: Fahrenheit
        ("hot", None),
        ("", None),
    ],
)
def test_parse_temperature(text: str, celsius: float | None) -> None:
    assert parse_temperature(text) == celsius


@pytest.mark.parametrize(
    ("text", "direction"),
    [
        ("brighter", 1),
        ("up", 1),
        ("higher", 1),
        ("warmer", 1),
        ("a bit warmer", 1),
        ("dimmer", -1),
        ("down", -1),
        ("lower", -1),
        ("cooler", -1),
        ("colder", -1),
        ("turn the heat down", -1),
        ("dim the kitchen light by 20 percent", -1),
        ("softer", -1),
        ("less bright", -1),
        ("sideways", None),
        ("up and down", None),
        ("", None),
    ],
)
def test_parse_direction(text: str, direction: int | None) -> None:
    assert parse_direction(text) == direction


@pytest.mark.parametrize(
    ("text", "percent", "expected"),
    [
        (None, True, BRIGHTNESS_STEP_PERCENT),
        ("a bit", True, BRIGHTNESS_STEP_PERCENT),
        ("a little", True, BRIGHTNESS_STEP_PERCENT),
        ("a lot", True, 2 * BRIGHTNESS_STEP_PERCENT),
        ("by 20 percent", True, 20.0),
        ("twenty percent", True, 20.0),
        ("by half", True, 50.0),
        ("banana", True, None),
        (None, False, TEMPERATURE_STEP_CELSIUS),
        ("two degrees", False, 2.0),
        ("half a degree", False, 0.5),
        ("a bit", False, TEMPERATURE_STEP_CELSIUS),
        ("a couple of degrees", False, 2.0),
        ("by a few degrees", False, 3.0),
        ("a degree", False, 1.0),  # "knock the thermostat down a degree"
        ("by a percent", True, 1.0),
        ("A", False, TEMPERATURE_STEP_CELSIUS),  # the tagger split "A | little warmer"
        ("bit", False, TEMPERATURE_STEP_CELSIUS),  # and "a | bit"
    ],
)
def test_parse_step(text: str | None, percent: bool, expected: float | None) -> None:
    default = BRIGHTNESS_STEP_PERCENT if percent else TEMPERATURE_STEP_CELSIUS
    assert parse_step(text, default, percent=percent) == expected


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ("half way", 50),
        ("halfway", 50),
        ("half", 50),
        ("a quarter", 25),
        ("three quarters of the way", 75),
        ("a quarter of", 25),  # "a quarter of | the way", cut by the tagger
        ("a third", 33),
        ("40 percent", 40),
        ("forty percent open", 40),
        ("open", 100),
        ("fully open", 100),
        ("closed", 0),
        ("a little", 20),
        ("somewhere", None),
    ],
)
def test_parse_position(text: str, position: int | None) -> None:
    assert parse_position(text) == position


def test_format_number_drops_a_trailing_zero() -> None:
    assert (format_number(21.0), format_number(21.5), format_number(20.25)) == (
        "21",
        "21.5",
        "20.2",
    )


def test_describe_slots_resolves_devices_and_values() -> None:
    described = describe_slots(
        {
            "device": "kitchen light",
            "brightness": "thirty percent",
            "color": "warm white",
            "temperature": "seventy degrees fahrenheit",
            "position": "half way",
            "direction": "dimmer",
            "amount": "a bit",
            "duration": "ten minutes",
            "message": "call mom",
        },
        FakeHome(),
    )
    assert described["devices"] == ["kitchen light"]
    assert described["brightness_percent"] == 30
    assert (described["color_hex"], described["color_temp_kelvin"]) == (None, 2700)
    assert described["temperature_celsius"] == 21.0
    assert described["position_percent"] == 50
    assert described["direction"] == "down"
    assert described["amount"] == "default"
    assert described["duration_seconds"] == 600
    assert described["message"] == "call mom"


def test_describe_slots_reports_questions_and_unknowns() -> None:
    home = FakeHome(assistant_room="kitchen")
    assert describe_slots({"device": "lamp"}, home)["choose"] == ["living room lamp", "desk lamp"]
    unknown = describe_slots({"device": "garden gnome", "color": "banana"}, home)
    assert unknown["device_error"] == "no_such_device"
    assert unknown["color_hex"] is None
    assert describe_slots({"room": "attic"}, home)["room"] is None


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("a nice warm white", "warm white"),
        ("can we have daylight on the lamp", "daylight"),
        ("something a lovely deep blue", "blue"),
        ("nice", None),
        ("turn on the light it is cool in here", None),
    ],
)
def test_find_colour_names_the_longest_colour_in_a_phrase(text: str, name: str | None) -> None:
    found = find_colour(text)
    assert (found.name if found else None) == name


def test_read_on_finds_the_shortest_value_from_where_the_slot_began() -> None:
    text = "can you open the curtains about a third please"
    assert read_on(text, "a", parse_position) == 33
    assert read_on(text, "", parse_position) is None
    assert read_on("open the curtains", "half", parse_position) is None  # not in the text
