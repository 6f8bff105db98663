"""Table-driven unit tests of the home skills and device targeting, against tests/fake_home.py."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from skills import clock, curtains, device_state, lights, thermostat
from skills.base import INTENT_NAMES, Handler, IntentRequest, Outcome, SkillContext
from skills.targets import resolve_targets
from tests.fake_home import DEVICES, FakeHome

HANDLERS: dict[str, Handler] = {
    **lights.INTENTS,
    **thermostat.INTENTS,
    **curtains.INTENTS,
    **device_state.INTENTS,
    **clock.INTENTS,
}

Sent = list[tuple[str, str, Any]]


def run(intent: str, text: str = "", home: FakeHome | None = None, **slots: str) -> Outcome:
    request = IntentRequest(intent=intent, slots=slots, text=text)
    return HANDLERS[intent](request, SkillContext(home=home or FakeHome()))


def sent(outcome: Outcome) -> Sent:
    return [(a.device.name, a.command.action, a.command.value) for a in outcome.actions]


def test_the_home_skills_handle_their_labels_and_only_those() -> None:
    home_intents = {name for name in INTENT_NAMES if not name.startswith(("reminders.", "timers."))}
    assert set(HANDLERS) == home_intents


LIVING_ROOM_LIGHTS = ["living room lamp", "ceiling light"]
ALL_VOICE_LIGHTS = [
    *LIVING_ROOM_LIGHTS,
    "kitchen light",
    "bedroom light",
    "desk lamp",
    "hall light",
]

# (intent, text, slots, reply, commands as (device, action, value)); no device ever reported.
COMMANDS: list[tuple[str, str, dict[str, str], str, Sent]] = [
    (
        "lights.on",
        "turn on the kitchen light",
        {"device": "kitchen light"},
        "The kitchen light is on.",
        [("kitchen light", "power", True)],
    ),
    (
        "lights.on",
        "turn on the light",  # no device, no room: the assistant's own room
        {},
        "The living room lamp and the ceiling light are on.",
        [(name, "power", True) for name in LIVING_ROOM_LIGHTS],
    ),
    (
        "lights.off",
        "turn off the lights",
        {"device": "lights"},
        "The living room lamp and the ceiling light are off.",
        [(name, "power", False) for name in LIVING_ROOM_LIGHTS],
    ),
    (
        "lights.off",
        "turn off all the lights",
        {"device": "all the lights"},
        "All 6 lights are off.",  # the voice-disabled garage door light is left alone
        [(name, "power", False) for name in ALL_VOICE_LIGHTS],
    ),
    (
        "lights.off",
        "turn off every light in the house",
        {"device": "light", "room": "house"},
        "All 6 lights are off.",
        [(name, "power", False) for name in ALL_VOICE_LIGHTS],
    ),
    (
        "lights.off",
        "switch off all lights in the living room",
        {"device": "all lights", "room": "living room"},
        "The living room lamp and the ceiling light are off.",
        [(name, "power", False) for name in LIVING_ROOM_LIGHTS],
    ),
    (
        "lights.on",
        "lights on in the bedroom",
        {"device": "lights", "room": "bedroom"},
        "The bedroom light is on.",
        [("bedroom light", "power", True)],
    ),
    (
        "lights.on",
        "turn on the light in the office",
        {"room": "the office"},
        "The desk lamp is on.",
        [("desk lamp", "power", True)],
    ),
    (
        "lights.on",
        "turn on the living room lights",
        {"device": "living room lights"},
        "The living room lamp and the ceiling light are on.",
        [(name, "power", True) for name in LIVING_ROOM_LIGHTS],
    ),
    (
        "lights.on",
        "turn on my lamp",  # a generic word: the lamp of the own room
        {"device": "my lamp"},
        "The living room lamp is on.",
        [("living room lamp", "power", True)],
    ),
    (
        "lights.on",
        "turn on the big light",  # an alias
        {"device": "the big light"},
        "The ceiling light is on.",
        [("ceiling light", "power", True)],
    ),
    (
        "lights.on",
        "turn on the kitchen lite",  # Whisper's spelling: fuzzy match
        {"device": "kitchen lite"},
        "The kitchen light is on.",
        [("kitchen light", "power", True)],
    ),
    (
        "lights.on",
        "turn on the office lamp",  # room word + generic word
        {"device": "office lamp"},
        "The desk lamp is on.",
        [("desk lamp", "power", True)],
    ),
    (
        "lights.on",
        "turn on the kitchen light at 30 percent",
        {"device": "kitchen light", "brightness": "30 percent"},
        "The kitchen light is at 30 percent.",
        [("kitchen light", "brightness", 30)],
    ),
    (
        "lights.on",
        "turn on the lights in the kitchen",  # the room inside the device slot
        {"device": "the lights in the kitchen"},
        "The kitchen light is on.",
        [("kitchen light", "power", True)],
    ),
    (
        "lights.brightness",
        "set the hall light to low",
        {"device": "hall light", "brightness": "low"},
        "The hall light is at 25 percent.",
        [("hall light", "brightness", 25)],
    ),
    (
        "lights.brightness",
        "make the kitchen light softer",
        {"device": "kitchen light", "direction": "softer"},
        "The kitchen light is at 30 percent.",
        [("kitchen light", "brightness", 30)],
    ),
    (
        "lights.color",
        "make the lights cozy",
        {"device": "lights", "color": "cozy"},
        "The living room lamp and the ceiling light are cozy now.",
        [(name, "color_temp", 2200) for name in LIVING_ROOM_LIGHTS],
    ),
    (
        "thermostat.set",
        "set the heating to 72 °F",
        {"device": "the heating", "temperature": "72 °F"},
        "The thermostat is set to 22 degrees.",
        [("thermostat", "setpoint", 22.0)],
    ),
    (
        "curtains.close",
        "close the bedroom window blinds",
        {"device": "bedroom window blinds"},
        "The bedroom blinds are closing.",
        [("bedroom blinds", "cover", "close")],
    ),
    (
        "lights.brightness",
        "set it to 40 percent",  # a pronoun left unresolved names nothing: the own room
        {"device": "it", "brightness": "40 percent"},
        "The living room lamp and the ceiling light are at 40 percent.",
        [(name, "brightness", 40) for name in LIVING_ROOM_LIGHTS],
    ),
    (
        "lights.brightness",
        "set the kitchen light to 30 percent",
        {"device": "kitchen light", "brightness": "30 percent"},
        "The kitchen light is at 30 percent.",
        [("kitchen light", "brightness", 30)],
    ),
    (
        "lights.brightness",
        "set the hall light to half",
        {"device": "hall light", "brightness": "half"},
        "The hall light is at 50 percent.",
        [("hall light", "brightness", 50)],
    ),
    (
        "lights.brightness",
        "set the kitchen light to zero percent",  # 0 percent means off
        {"device": "kitchen light", "brightness": "zero percent"},
        "The kitchen light is off.",
        [("kitchen light", "power", False)],
    ),
    (
        "lights.brightness",
        "dim the kitchen light by 20 percent",  # never heard from: starts at 50
        {"device": "kitchen light", "amount": "20 percent"},
        "The kitchen light is at 30 percent.",
        [("kitchen light", "brightness", 30)],
    ),
    (
        "lights.brightness",
        "brighter",
        {"direction": "brighter"},
        "The living room lamp and the ceiling light are at 70 percent.",
        [(name, "brightness", 70) for name in LIVING_ROOM_LIGHTS],
    ),
    (
        "lights.color",
        "make the kitchen light red",
        {"device": "kitchen light", "color": "red"},
        "The kitchen light is red now.",
        [("kitchen light", "color", "#ff0000")],
    ),
    (
        "lights.color",
        "set the bedroom light to warm white",
        {"device": "bedroom light", "color": "warm white"},
        "The bedroom light is warm white now.",
        [("bedroom light", "color_temp", 2700)],
    ),
    (
        "lights.color",
        "set the desk lamp to 3000 kelvin",
        {"device": "desk lamp", "color": "three thousand kelvin"},
        "The desk lamp is 3000 kelvin now.",
        [("desk lamp", "color_temp", 3000)],
    ),
    (
        "thermostat.set",
        "set the heating to 21 degrees",
        {"device": "heating", "temperature": "21 degrees"},
        "The thermostat is set to 21 degrees.",
        [("thermostat", "setpoint", 21.0)],
    ),
    (
        "thermostat.set",
        "set it to seventy degrees fahrenheit",
        {"temperature": "seventy degrees fahrenheit"},
        "The thermostat is set to 21 degrees.",
        [("thermostat", "setpoint", 21.0)],
    ),
    (
        "thermostat.set",
        "set the temperature to twenty one and a half",  # from the office: the only thermostat
        {"temperature": "twenty one and a half"},
        "The thermostat is set to 21.5 degrees.",
        [("thermostat", "setpoint", 21.5)],
    ),
    (
        "curtains.open",
        "open the curtains",
        {"device": "curtains"},
        "The living room curtains are opening.",
        [("living room curtains", "cover", "open")],
    ),
    (
        "curtains.close",
        "close the blinds in the bedroom",
        {"device": "blinds", "room": "bedroom"},
        "The bedroom blinds are closing.",
        [("bedroom blinds", "cover", "close")],
    ),
    (
        "curtains.close",
        "close all the curtains",
        {"device": "all the curtains"},
        "The living room curtains and the bedroom blinds are closing.",
        [("living room curtains", "cover", "close"), ("bedroom blinds", "cover", "close")],
    ),
    (
        "curtains.stop",
        "stop the curtains",
        {},
        "The living room curtains are stopped.",
        [("living room curtains", "cover", "stop")],
    ),
    (
        "curtains.position",
        "open the bedroom blinds half way",
        {"device": "bedroom blinds", "position": "half way"},
        "The bedroom blinds are 50 percent open.",
        [("bedroom blinds", "position", 50)],
    ),
    (
        "curtains.position",
        "set the curtains to a quarter",
        {"device": "curtains", "position": "a quarter"},
        "The living room curtains are 25 percent open.",
        [("living room curtains", "position", 25)],
    ),
    # slots the tagger cut badly, read right
    (
        "lights.color",
        "kitchen light in blue for the party",  # "party" follows no word making a place of it
        {"device": "kitchen light", "color": "blue", "room": "party"},
        "The kitchen light is blue now.",
        [("kitchen light", "color", "#0000ff")],
    ),
    (
        "lights.color",
        "can we have daylight on the bedroom light",  # no colour tagged, "bedroom" a room
        {"room": "bedroom", "device": "light"},
        "The bedroom light is daylight now.",
        [("bedroom light", "color_temp", 6500)],
    ),
    (
        "lights.color",
        "switch the floor lamp to a nice warm white",
        {"device": "floor lamp", "color": "nice"},
        "The living room lamp is warm white now.",
        [("living room lamp", "color_temp", 2700)],
    ),
    (
        "lights.color",
        "make the desk lamp red",  # "desk" tagged as a room: "desk lamp" names a device
        {"room": "desk", "device": "lamp", "color": "red"},
        "The desk lamp is red now.",
        [("desk lamp", "color", "#ff0000")],
    ),
    (
        "lights.brightness",
        "bring the living room lamp down to about a third",
        {"device": "living room lamp", "brightness": "about", "amount": "a"},
        "The living room lamp is at 33 percent.",
        [("living room lamp", "brightness", 33)],
    ),
    (  # another cut of it: "third" alone is the fraction, not 3 percent
        "lights.brightness",
        "bring the living room lamp down to about a third",
        {"device": "living room lamp", "direction": "down", "amount": "a", "brightness": "third"},
        "The living room lamp is at 33 percent.",
        [("living room lamp", "brightness", 33)],
    ),
    (  # the level untagged: read after "to"
        "lights.brightness",
        "Desk lamp to full brightness, I'm reading tiny print.",
        {"device": "Desk lamp"},
        "The desk lamp is at 100 percent.",
        [("desk lamp", "brightness", 100)],
    ),
    (  # darker, not dark: a step down from the level it reported (none: 50)
        "lights.off",
        "darken the kitchen",
        {"room": "kitchen"},
        "The kitchen light is at 30 percent.",
        [("kitchen light", "brightness", 30)],
    ),
    (
        "lights.off",
        "darken the kitchen completely",
        {"room": "kitchen"},
        "The kitchen light is off.",
        [("kitchen light", "power", False)],
    ),
    (
        "lights.on",
        "I can barely see the keyboard, desk lamp on please",  # the tagger took "keyboard"
        {"device": "keyboard"},
        "The desk lamp is on.",
        [("desk lamp", "power", True)],
    ),
    (
        "curtains.position",
        "can you open the curtains about a third",
        {"device": "curtains", "position": "a"},
        "The living room curtains are 33 percent open.",
        [("living room curtains", "position", 33)],
    ),
    (
        "curtains.position",
        "open the bedroom blinds about a quarter of the way",
        {"device": "bedroom blinds", "position": "a quarter of"},
        "The bedroom blinds are 25 percent open.",
        [("bedroom blinds", "position", 25)],
    ),
    (  # an untagged room the home has
        "lights.on",
        "turn on the light in the kitchen",
        {"device": "light"},
        "The kitchen light is on.",
        [("kitchen light", "power", True)],
    ),
    (  # a spot in the room, a time: no place
        "lights.on",
        "turn on the lamp in the corner",
        {"device": "lamp"},
        "The living room lamp is on.",
        [("living room lamp", "power", True)],
    ),
]


@pytest.mark.parametrize(("intent", "text", "slots", "reply", "commands"), COMMANDS)
def test_commands(
    intent: str, text: str, slots: dict[str, str], reply: str, commands: Sent
) -> None:
    home = FakeHome(assistant_room="office") if "office" in text and not slots else FakeHome()
    outcome = run(intent, text, home, **slots)
    assert (outcome.reply, sent(outcome), outcome.error_code) == (reply, commands, None)
    # Every device acted on is a configured one, as configured: nothing spoken reaches a topic.
    assert all(action.device in DEVICES for action in outcome.actions)


# (intent, text, slots, reply, error_code): requests that must not act.
REFUSALS: list[tuple[str, str, dict[str, str], str, str]] = [
    (  # a place the tagger left untagged: not the room homevox stands in
        "lights.on",
        "turn on the lights at the shop",
        {"device": "lights"},
        "I don't know a room called shop.",
        "no_such_room",
    ),
    (
        "curtains.close",
        "Close the curtains in the holiday flat.",
        {"device": "curtains"},
        "I don't know a room called holiday flat.",
        "no_such_room",
    ),
    (
        "lights.on",
        "turn on the garden light",
        {"device": "garden light"},
        "I don't know a light called garden light.",
        "no_such_device",
    ),
    (  # two lights named besides the one tagged: not a guess between them
        "lights.on",
        "the keyboard needs the desk lamp and the kitchen light on",
        {"device": "keyboard"},
        "I don't know a light called keyboard.",
        "no_such_device",
    ),
    (
        "lights.on",
        "turn on the tv light",  # shares only "light" with the configured names
        {"device": "tv light"},
        "I don't know a light called tv light.",
        "no_such_device",
    ),
    (
        "curtains.open",
        "open the garage curtains",
        {"device": "the garage curtains"},
        "There are no curtains in the garage.",
        "no_such_device",
    ),
    (
        "lights.on",
        "turn on the garage door light",
        {"device": "garage door light"},
        "Sorry, the garage door light is not controlled by voice.",
        "voice_disabled",
    ),
    (
        "lights.on",
        "turn on the light in the garage",
        {"room": "garage"},
        "Sorry, the garage door light is not controlled by voice.",
        "voice_disabled",
    ),
    (
        "lights.on",
        "turn on the light in the attic",
        {"room": "attic"},
        "I don't know a room called attic.",
        "no_such_room",
    ),
    (
        "thermostat.set",
        "set the bedroom to 20 degrees",
        {"room": "bedroom", "temperature": "20 degrees"},
        "There's no thermostat in the bedroom.",
        "no_such_device",
    ),
    (
        "lights.on",
        "turn on the curtains",
        {"device": "living room curtains"},
        "The living room curtains aren't a light.",
        "wrong_kind",
    ),
    (
        "thermostat.set",
        "convert 20 degrees celsius to fahrenheit",
        {"temperature": "20 degrees celsius"},
        "I can't convert temperatures, only set the heating. Say set the heating to 20.",
        "conversion_unsupported",
    ),
    (
        "curtains.close",
        "close the light",
        {"device": "light"},
        "That's a light, not curtains.",
        "wrong_kind",
    ),
    (
        "thermostat.adjust",
        "turn the lamp in the bedroom up",
        {"device": "lamp", "room": "bedroom", "direction": "up"},
        "That's a light, not a thermostat.",
        "wrong_kind",
    ),
    (
        "lights.on",
        "turn on the blinds",
        {"device": "blinds"},
        "That's curtains, not a light.",
        "wrong_kind",
    ),
    (
        "lights.brightness",
        "set the kitchen light to banana",
        {"device": "kitchen light", "brightness": "banana"},
        "I didn't catch the brightness. Say a level such as 40 percent, or brighter or dimmer.",
        "unclear_value",
    ),
    (
        "lights.brightness",
        "set the kitchen light to 150 percent",
        {"device": "kitchen light", "brightness": "150 percent"},
        "I didn't catch the brightness. Say a level such as 40 percent, or brighter or dimmer.",
        "unclear_value",
    ),
    (
        "lights.color",
        "make the kitchen light banana",
        {"device": "kitchen light", "color": "banana"},
        "I don't know the colour banana. Say a colour such as red, or a white such as warm white.",
        "unclear_value",
    ),
    (
        "lights.color",
        "change the colour of the lights",
        {"device": "lights"},
        "Which colour? Say a colour such as red, or a white such as warm white.",
        "unclear_value",
    ),
    (
        "thermostat.set",
        "set the heating to 40 degrees",
        {"temperature": "40 degrees"},
        "I can set the thermostat between 5 and 30 degrees.",
        "out_of_range",
    ),
    (
        "thermostat.set",
        "set the heating to nice",
        {"temperature": "nice"},
        "I didn't catch the temperature. Say one such as 21 degrees.",
        "unclear_value",
    ),
    (
        "thermostat.adjust",
        "make it warmer",  # the set point was never reported
        {"direction": "warmer"},
        "I don't know what the thermostat is set to yet. Say a temperature, such as 21 degrees.",
        "state_unknown",
    ),
    (
        "thermostat.adjust",
        "change the heating",
        {},
        "Warmer or cooler?",
        "unclear_value",
    ),
    (
        "curtains.position",
        "move the curtains somewhere",
        {"position": "somewhere"},
        "I didn't catch how far. Say a position such as half way or 40 percent.",
        "unclear_value",
    ),
    # Adversarial names: wildcards, separators and overlong text never select anything.
    ("lights.on", "turn on #", {"device": "#"}, "I don't know that light.", "no_such_device"),
    (
        "lights.off",
        "turn off kitchen/+/light",
        {"device": "kitchen/+/light"},
        "I don't know that light.",
        "no_such_device",
    ),
    (
        "lights.off",
        "turn off the kitchen light " * 20,
        {"device": "kitchen light " * 20},
        "I don't know that light.",
        "no_such_device",
    ),
]


@pytest.mark.parametrize(("intent", "text", "slots", "reply", "error_code"), REFUSALS)
def test_refusals_act_on_nothing(
    intent: str, text: str, slots: dict[str, str], reply: str, error_code: str
) -> None:
    outcome = run(intent, text, FakeHome(), **slots)
    assert (outcome.reply, outcome.error_code, outcome.actions) == (reply, error_code, ())


@pytest.mark.parametrize(
    ("intent", "assistant_room", "device", "options"),
    [
        (
            "lights.on",
            "kitchen",
            "lamp",
            ("living room lamp", "desk lamp"),
        ),  # none here, two elsewhere
        ("lights.off", "hall", "the lamp", ("living room lamp", "desk lamp")),
        ("curtains.open", "kitchen", "the curtains", ("living room curtains", "bedroom blinds")),
        ("devices.state", "office", "curtains", ("living room curtains", "bedroom blinds")),
    ],
)
def test_an_ambiguous_name_asks_which_one_and_never_guesses(
    intent: str, assistant_room: str, device: str, options: tuple[str, ...]
) -> None:
    home = FakeHome(assistant_room=assistant_room)
    request = IntentRequest(intent=intent, slots={"device": device}, text=f"do the {device}")
    outcome = HANDLERS[intent](request, SkillContext(home=home))
    assert outcome.actions == ()
    assert outcome.error_code == "ambiguous_device"
    assert outcome.question is not None
    assert (outcome.question.kind, outcome.question.options) == ("choose", options)
    assert outcome.question.pending == request
    assert outcome.reply == f"Which one: the {options[0]} or the {options[1]}?"


def test_the_chosen_option_completes_the_pending_request() -> None:
    home = FakeHome(assistant_room="kitchen")
    question = run("lights.on", "turn on the lamp", home, device="lamp").question
    assert question is not None and question.pending is not None
    answered = IntentRequest(
        intent=question.pending.intent,
        slots={**question.pending.slots, question.slot: question.options[1]},
        text=question.pending.text,
    )
    outcome = lights.INTENTS[answered.intent](answered, SkillContext(home=home))
    assert (outcome.reply, sent(outcome)) == (
        "The desk lamp is on.",
        [("desk lamp", "power", True)],
    )


def test_relative_brightness_starts_from_each_lights_last_known_level() -> None:
    home = FakeHome(
        states={
            "ceiling light": {"on": True, "brightness_percent": 70},
            "living room lamp": {"on": False},
            "kitchen light": {"on": True, "brightness_percent": 10},
        }
    )
    brighter = run("lights.brightness", "brighter", home, direction="brighter")
    assert sent(brighter) == [
        ("living room lamp", "brightness", 20),
        ("ceiling light", "brightness", 90),
    ]
    assert brighter.reply == "The living room lamp and the ceiling light are brighter now."
    # Dimming leaves an off light off, and never goes below 1 percent.
    dimmer = run("lights.brightness", "dim the lights a lot", home, direction="dim", amount="a lot")
    assert sent(dimmer) == [("ceiling light", "brightness", 30)]
    kitchen = run("lights.brightness", "dimmer", home, device="kitchen light", direction="dimmer")
    assert (kitchen.reply, sent(kitchen)) == (
        "The kitchen light is at 1 percent.",
        [("kitchen light", "brightness", 1)],
    )
    off = run("lights.brightness", "dimmer", home, device="living room lamp", direction="down")
    assert (off.reply, off.actions) == ("The living room lamp is already off.", ())


# (intent the model chose, said, slots): "warmer" and "cooler" move a light's white tone
TONE_SHIFTS = [
    ("lights.brightness", "make the lights a little warmer", {"direction": "a little warmer"}),
    ("lights.color", "make the lights warmer", {"direction": "warmer"}),
    ("lights.color", "set the lights a bit warmer", {"color": "a bit warmer"}),
    ("lights.color", "give me a more yellow light", {"color": "more yellow"}),
]


@pytest.mark.parametrize(("intent", "text", "slots"), TONE_SHIFTS)
def test_warmer_lights_are_a_warmer_white_never_brighter(
    intent: str, text: str, slots: dict[str, str]
) -> None:
    home = FakeHome(states={"ceiling light": {"on": True, "color_temp_kelvin": 3200}})
    outcome = run(intent, text, home, device="lights", **slots)
    # From the last known tone, or neutral white (4000 K) for a light never heard from.
    assert (outcome.reply, sent(outcome)) == (
        "The living room lamp and the ceiling light are warmer now.",
        [("living room lamp", "color_temp", 3500), ("ceiling light", "color_temp", 2700)],
    )


def test_cooler_lights_stop_at_the_coolest_white_and_say_so() -> None:
    home = FakeHome(
        states={
            "living room lamp": {"color_temp_kelvin": 6500},
            "ceiling light": {"color_temp_kelvin": 6300},
        }
    )
    cooler = run(
        "lights.brightness", "make the lights a bit cooler", home, direction="a bit cooler"
    )
    assert (cooler.reply, sent(cooler)) == (
        "The ceiling light is cooler now.",
        [("ceiling light", "color_temp", 6500)],
    )
    home.states["ceiling light"]["color_temp_kelvin"] = 6500
    again = run("lights.color", "whiter", home, color="whiter")
    assert (again.reply, again.actions) == (
        "The living room lamp and the ceiling light are already as cool as can be.",
        (),
    )


# (said, position slot, last known position or None, position sent or None when refused)
CURTAIN_MOVES = [
    ("open the bedroom blinds by 20 percent", "20 percent", 30, 50),
    ("close the blinds by 20 percent", "20 percent", 30, 10),
    ("set the bedroom blinds to 20 percent", "20 percent", 30, 20),
    ("close the bedroom blinds a bit", "a bit", 100, 80),
    ("open the bedroom blinds a little", "a little", None, 20),  # never heard: a little open
    ("open the curtains by half", "half", None, None),  # never heard: asks
]


@pytest.mark.parametrize(("text", "position", "known", "moved_to"), CURTAIN_MOVES)
def test_curtains_opened_or_closed_by_an_amount_move_from_where_they_are(
    text: str, position: str, known: int | None, moved_to: int | None
) -> None:
    states = {} if known is None else {"bedroom blinds": {"position_percent": known}}
    outcome = run(
        "curtains.position",
        text,
        FakeHome(states=states),
        device="bedroom blinds",
        position=position,
    )
    if moved_to is None:
        assert (outcome.error_code, outcome.actions) == ("unknown_position", ())
    else:
        assert sent(outcome) == [("bedroom blinds", "position", moved_to)]


def test_a_move_by_an_amount_says_so() -> None:
    home = FakeHome(states={"bedroom blinds": {"position_percent": 30}})
    slots = {"device": "bedroom blinds", "position": "20 percent"}
    opened = run("curtains.position", "open the bedroom blinds by 20 percent", home, **slots)
    assert opened.reply == "The bedroom blinds are opened by 20 percent."


@pytest.mark.parametrize(
    "text",
    [
        "turn off the lights except the kitchen",
        "turn off all the lights but the bedroom",
        "switch everything off apart from the hall light",
    ],
)
def test_a_device_left_out_is_not_the_one_acted_on(text: str) -> None:
    # The tagger finds the room or light named after "except": exactly the one to spare.
    outcome = run("lights.off", text, FakeHome(), room="kitchen")
    assert (outcome.error_code, outcome.actions) == ("exception_unsupported", ())
    assert outcome.reply == "I can't leave some lights out. Name the ones you mean."


def test_up_by_a_level_is_a_change_whichever_slot_the_tagger_chose() -> None:
    home = FakeHome(states={"kitchen light": {"on": True, "brightness_percent": 40}})
    up = run(
        "lights.brightness",
        "bump the kitchen light up by twenty percent",
        home,
        device="kitchen light",
        brightness="twenty percent",
    )
    assert sent(up) == [("kitchen light", "brightness", 60)]
    to = run(
        "lights.brightness",
        "set the kitchen light to twenty percent",
        home,
        device="kitchen light",
        brightness="20%",
    )
    assert sent(to) == [("kitchen light", "brightness", 20)]


def test_relative_brightness_reads_the_direction_from_the_sentence() -> None:
    home = FakeHome(states={"kitchen light": {"on": True, "brightness_percent": 80}})
    outcome = run(
        "lights.brightness",
        "dim the kitchen light by half",
        home,
        device="kitchen light",
        amount="half",
    )
    assert sent(outcome) == [("kitchen light", "brightness", 30)]


@pytest.mark.parametrize(
    ("slots", "target", "expected", "reply"),
    [
        ({"direction": "warmer"}, 21.0, 22.0, "The thermostat is set to 22 degrees."),
        (
            {"direction": "down", "amount": "two degrees"},
            21.0,
            19.0,
            "The thermostat is set to 19 degrees.",
        ),
        (
            {"direction": "up", "amount": "half a degree"},
            21.0,
            21.5,
            "The thermostat is set to 21.5 degrees.",
        ),
        (
            {"direction": "warmer", "amount": "five degrees"},
            28.0,
            30.0,
            "The thermostat is set to 30 degrees.",
        ),
    ],
)
def test_thermostat_adjusts_from_the_last_known_set_point(
    slots: dict[str, str], target: float, expected: float, reply: str
) -> None:
    home = FakeHome(states={"thermostat": {"target_celsius": target}})
    outcome = run("thermostat.adjust", "make it warmer", home, **slots)
    assert (outcome.reply, sent(outcome)) == (reply, [("thermostat", "setpoint", expected)])


def test_thermostat_does_not_pass_its_reading_off_as_the_outdoor_temperature() -> None:
    home = FakeHome(states={"thermostat": {"current_celsius": 20.5}})
    outcome = run("thermostat.query", "what's the temperature outside", home)
    assert outcome.reply == "I only know the temperature inside."
    inside = run("thermostat.query", "what's the temperature inside", home)
    assert inside.reply == "It's 20.5 degrees in the living room."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I'm cold.", 22.0),
        ("it's freezing in here", 22.0),
        ("it's too hot in the living room", 20.0),
        ("we're boiling", 20.0),
    ],
)
def test_thermostat_warms_for_cold_and_cools_for_hot(text: str, expected: float) -> None:
    home = FakeHome(states={"thermostat": {"target_celsius": 21.0}})
    outcome = run("thermostat.adjust", text, home)
    assert sent(outcome) == [("thermostat", "setpoint", expected)]


def test_thermostat_is_not_warmed_for_not_being_cold() -> None:
    home = FakeHome(states={"thermostat": {"target_celsius": 20.0}})
    outcome = run("thermostat.adjust", "I'm not cold, I'm just tired.", home)
    assert (outcome.reply, outcome.actions) == ("Warmer or cooler?", ())


def test_thermostat_asks_when_nothing_says_which_way() -> None:
    home = FakeHome(states={"thermostat": {"target_celsius": 21.0}})
    outcome = run("thermostat.adjust", "change the heating", home)
    assert (outcome.reply, outcome.actions) == ("Warmer or cooler?", ())


def test_thermostat_at_its_limit_says_so_and_sends_nothing() -> None:
    home = FakeHome(states={"thermostat": {"target_celsius": 30.0}})
    outcome = run("thermostat.adjust", "warmer", home, direction="warmer")
    assert (outcome.reply, outcome.actions) == (
        "The thermostat is already at its maximum of 30 degrees.",
        (),
    )


@pytest.mark.parametrize(
    ("state", "reply"),
    [
        (
            {"current_celsius": 20.5, "target_celsius": 21.0},
            "It's 20.5 degrees in the living room, and the heating is set to 21.",
        ),
        ({"current_celsius": 19.0}, "It's 19 degrees in the living room."),
        (
            {"current_celsius": 19.0, "mode": "off"},
            "It's 19 degrees in the living room, and the heating is off.",
        ),
        ({"target_celsius": 21.0}, "The heating is set to 21 degrees."),
        ({}, "I haven't heard from the thermostat yet."),
    ],
)
def test_thermostat_query(state: dict[str, Any], reply: str) -> None:
    outcome = run(
        "thermostat.query", "what's the temperature", FakeHome(states={"thermostat": state})
    )
    assert (outcome.reply, outcome.actions) == (reply, ())


LIT = {"hall light": {"on": True, "brightness_percent": 40}, "kitchen light": {"on": True}}


@pytest.mark.parametrize(
    ("text", "slots", "states", "reply"),
    [
        (
            "is the hall light on",
            {"device": "hall light"},
            LIT,
            "Yes, the hall light is on, at 40 percent.",
        ),
        (
            "is the kitchen light on",
            {"device": "kitchen light"},
            LIT,
            "Yes, the kitchen light is on.",
        ),
        (
            "is the hall light on",
            {"device": "hall light"},
            {"hall light": {"on": False}},
            "No, it's off.",
        ),
        (
            "is the hall light off",
            {"device": "hall light"},
            {"hall light": {"on": False}},
            "Yes, it's off.",
        ),
        (
            "is the hall light off",
            {"device": "hall light"},
            LIT,
            "No, the hall light is on, at 40 percent.",
        ),
        (
            "is the hall light on",
            {"device": "hall light"},
            {},
            "I haven't heard from the hall light yet.",
        ),
        (
            "is the hall light on",
            {"device": "hall light"},
            {"hall light": {"on": True, "available": False}},
            "The hall light is offline.",
        ),
        (
            "is the garage door light on",  # voice=False still answers state questions
            {"device": "garage door light"},
            {"garage door light": {"on": False}},
            "No, it's off.",
        ),
        (
            "are the bedroom blinds open",
            {"device": "bedroom blinds"},
            {"bedroom blinds": {"position_percent": 40}},
            "Yes, the bedroom blinds are 40 percent open.",
        ),
        (
            "are the bedroom blinds closed",
            {"device": "bedroom blinds"},
            {"bedroom blinds": {"position_percent": 100}},
            "No, the bedroom blinds are open.",
        ),
        (
            "what are the curtains doing",
            {"device": "curtains"},
            {"living room curtains": {"position_percent": 30, "moving": "closing"}},
            "The living room curtains are closing.",
        ),
        (
            "is the heating on",
            {"device": "heating"},
            {"thermostat": {"current_celsius": 20.5, "target_celsius": 21.0}},
            "It's 20.5 degrees in the living room, and the heating is set to 21.",
        ),
        (
            "are the lights on",
            {"device": "lights"},
            {
                "ceiling light": {"on": True, "brightness_percent": 70},
                "living room lamp": {"on": False},
            },
            "The ceiling light is on, at 70 percent, and the living room lamp is off.",
        ),
        (
            "are the lights on in the living room",
            {"device": "lights", "room": "living room"},
            {"ceiling light": {"on": False}, "living room lamp": {"on": False}},
            "No, the living room lamp and the ceiling light are off.",
        ),
        (
            "are all the lights on",
            {"device": "all the lights"},
            {name: {"on": True} for name in [*ALL_VOICE_LIGHTS, "garage door light"]},
            "Yes, all 7 lights are on.",
        ),
        (
            "are all the lights off",
            {"device": "all the lights"},
            {
                **{name: {"on": False} for name in ALL_VOICE_LIGHTS},
                "garage door light": {"on": True},
            },
            "1 of 7 lights is on: the garage door light.",
        ),
        (
            "are the lights on",
            {"device": "lights"},
            {"ceiling light": {"on": True}},
            "Yes, the ceiling light is on. I haven't heard from the living room lamp yet.",
        ),
    ],
)
def test_state_questions(
    text: str, slots: dict[str, str], states: dict[str, Any], reply: str
) -> None:
    outcome = run("devices.state", text, FakeHome(states=states), **slots)
    assert (outcome.reply, outcome.actions, outcome.error_code) == (reply, (), None)


def test_every_name_and_alias_of_the_example_config_finds_its_own_device() -> None:
    from daemon.config import load_config

    config = load_config(Path(__file__).resolve().parent.parent / "config.toml").config
    devices = config.device_list()
    home = FakeHome(assistant_room=config.assistant.room, devices=devices)
    for device in devices:
        for spoken in (device.name, *device.aliases, f"the {device.name}"):
            request = IntentRequest("devices.state", {"device": spoken}, f"is the {spoken} on")
            assert resolve_targets(request, home, None, for_command=False) == (device,), spoken
            assert resolve_targets(request, home, device.kind, for_command=False) == (device,), (
                spoken
            )


EVERY_VOICE_LIGHT = [
    "living room lamp", "ceiling light", "kitchen light", "bedroom light", "desk lamp", "hall light"
]  # fmt: skip
"""The example home's lights, but the porch light (voice = false)."""


@pytest.mark.parametrize(
    ("device", "text", "expected"),
    [
        # Whisper writes "all light" for "hall light": a name, matched by sound, never everything.
        ("all light", "turn on the all light", ["hall light"]),
        (
            "all lights",
            "turn on all lights",
            EVERY_VOICE_LIGHT,
        ),
        (
            "every light",
            "turn on every light",
            EVERY_VOICE_LIGHT,
        ),
    ],
)
def test_all_with_a_singular_noun_is_a_name_not_every_device(
    device: str, text: str, expected: list[str]
) -> None:
    slots = {"device": device} if device else {}
    outcome = run("lights.on", text, **slots)
    assert sorted(name for name, _, _ in sent(outcome)) == sorted(expected)


def test_a_one_word_alias_is_a_common_word_for_all_and_for_names_found_elsewhere() -> None:
    """The example config gives the living room curtains the alias "curtains"."""
    devices = tuple(
        replace(d, aliases=("curtains",)) if d.name == "living room curtains" else d
        for d in DEVICES
    )
    home = FakeHome(devices=devices)
    every = run("curtains.close", "close all the curtains", home, device="all the curtains")
    assert sent(every) == [
        ("living room curtains", "cover", "close"),
        ("bedroom blinds", "cover", "close"),
    ]
    assert sent(run("curtains.close", "close the curtains", home, device="curtains")) == [
        ("living room curtains", "cover", "close")
    ]
    wished = run(
        "curtains.stop",
        "someday I'd like proper wooden shutters instead of these curtains",
        home,
        device="wooden shutters",
    )
    assert (wished.error_code, sent(wished)) == ("no_such_device", [])
