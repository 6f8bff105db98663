"""The real trained intent model, through the parser the daemon uses and through `homevox parse`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from daemon.config import PhraseConfig, load_config
from daemon.nlu.parse import MAX_CHARS, IntentParser, NluError, ParseResult
from skills.base import INTENT_NAMES

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "config.toml"
THRESHOLD = 0.6

# Training may run here when `make test` did not train first: allow for it.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]


@pytest.fixture(scope="session")
def model_dir(trained_model: Path) -> Path:
    """The model `make test` trains (conftest: --if-stale, fails when it cannot)."""
    return trained_model


@pytest.fixture(scope="session")
def parser(model_dir: Path) -> IntentParser:
    return IntentParser.load(model_dir, THRESHOLD)


# (sentence, intent, expected slots: each value must be found in the slot's text)
TABLE: list[tuple[str, str, dict[str, str]]] = [
    ("Turn on the kitchen light.", "lights.on", {"device": "kitchen light"}),
    ("could you switch the lamp in the study on", "lights.on", {"device": "lamp", "room": "study"}),
    ("It's too dark in here.", "lights.on", {}),
    (
        "Switch off the lights in the bedroom, please.",
        "lights.off",
        {"device": "lights", "room": "bedroom"},
    ),
    ("kill the hallway lights", "lights.off", {"device": "hallway lights"}),
    # "make sure ... is off" must not be heard as the "on" in it
    ("can you make sure the kitchen light is off", "lights.off", {"device": "kitchen light"}),
    ("Dim the living room lights to 30%.", "lights.brightness", {"brightness": "30%"}),
    ("make the desk lamp a bit brighter", "lights.brightness", {"device": "desk lamp"}),
    (
        "Set the ceiling light to warm white.",
        "lights.color",
        {"device": "ceiling light", "color": "warm white"},
    ),
    ("turn the bedroom lamp blue", "lights.color", {"color": "blue"}),
    ("Set the thermostat to 21 degrees.", "thermostat.set", {"temperature": "21"}),
    (
        "make it two degrees warmer in the office",
        "thermostat.adjust",
        {"amount": "two degrees", "room": "office"},
    ),
    ("turn the heating up a couple of degrees", "thermostat.adjust", {"amount": "couple"}),
    ("I'm cold.", "thermostat.adjust", {}),
    ("What's the temperature in the living room?", "thermostat.query", {"room": "living room"}),
    ("Open the bedroom curtains.", "curtains.open", {"device": "curtains"}),
    ("draw back the curtains", "curtains.open", {"device": "curtains"}),
    ("close the blinds in the kitchen", "curtains.close", {"device": "blinds", "room": "kitchen"}),
    ("stop the blinds", "curtains.stop", {"device": "blinds"}),
    # A device command for later has its time tagged, or it would be carried out at once.
    ("close the curtains at 9 pm", "curtains.close", {"datetime": "9 pm"}),
    ("At 7 a.m., open the bedroom blinds.", "curtains.open", {"datetime": "7 a.m."}),
    ("turn off the kitchen light in ten minutes", "lights.off", {"datetime": "ten minutes"}),
    ("Set the living room blinds to 40 percent.", "curtains.position", {"position": "40 percent"}),
    ("Is the hall light on?", "devices.state", {"device": "hall light"}),
    ("which lights are on right now", "devices.state", {}),
    ("What time is it?", "clock.time", {}),
    ("what's the date today", "clock.time", {}),
    # The clock skill answers that it only knows the time here; a conversion is out of scope.
    ("What's the time in London right now?", "clock.time", {}),
    (
        "Remind me to call mom at 5 p.m.",
        "reminders.set",
        {"message": "call mom", "datetime": "5 p.m."},
    ),
    ("wake me up at seven tomorrow", "reminders.set", {"datetime": "seven"}),
    # a "timer" for a time of day is an alarm: a timer needs a length
    ("set a timer for 7 am", "reminders.set", {"datetime": "7 am"}),
    ("What reminders do I have?", "reminders.list", {}),
    ("Cancel my alarm for tomorrow morning.", "reminders.cancel", {"datetime": "tomorrow morning"}),
    ("Set a timer for ten minutes.", "timers.set", {"duration": "ten minutes"}),
    (
        "start a pasta timer for 12 minutes",
        "timers.set",
        {"name": "pasta", "duration": "12 minutes"},
    ),
    ("cancel the timer", "timers.cancel", {}),
    ("How much time is left on the timer?", "timers.status", {}),
]

OUT_OF_SCOPE = [
    "Turn on the TV.",
    "switch off the smart plug in the kitchen",
    "Turn the volume down.",
    "mute",
    "Convert 5 pm London time to Tokyo time.",
    "Delete the meeting with John tomorrow.",
    "What's on my calendar today?",
    "What's the weather like tomorrow?",
    "Make me a coffee.",
    # appliances warmed or turned up are not the thermostat or the lights
    "please warm up the coffee machine",
    "turn the oven up a bit",
    "make the screen brighter",
    "Vacuum the living room.",
    "Play some jazz.",
    "Who is the president of France?",
    "Tell me a joke.",
    "how are you",
]


def test_every_intent_is_in_the_table() -> None:
    assert {intent for _, intent, _ in TABLE} == set(INTENT_NAMES)


@pytest.mark.parametrize(("sentence", "intent", "slots"), TABLE, ids=[row[0] for row in TABLE])
def test_sentence_table(
    parser: IntentParser, sentence: str, intent: str, slots: dict[str, str]
) -> None:
    result = parser.parse(sentence)
    assert len(result.commands) == 1, result
    command = result.commands[0]
    assert command.intent == intent, command.top
    assert command.confidence >= THRESHOLD
    for slot, value in slots.items():
        assert value.lower() in command.slots.get(slot, "").lower(), (slot, command.slots)
    for span in command.spans:
        assert command.text[span.start : span.end] == span.text


@pytest.mark.parametrize("sentence", OUT_OF_SCOPE)
def test_out_of_scope_is_none(parser: IntentParser, sentence: str) -> None:
    result = parser.parse(sentence)
    assert [command.intent for command in result.commands] == ["none"], result.commands[0].top


def test_compound_command_runs_both_parts(parser: IntentParser) -> None:
    result = parser.parse("Turn off the kitchen light and close the curtains.")
    assert [c.intent for c in result.commands] == ["lights.off", "curtains.close"]
    assert "kitchen light" in result.commands[0].slots["device"]
    assert "curtains" in result.commands[1].slots["device"]


def test_compound_command_carries_the_device_over(parser: IntentParser) -> None:
    result = parser.parse("turn on the lamp and set it to 30 percent")
    assert [c.intent for c in result.commands] == ["lights.on", "lights.brightness"]
    assert result.commands[1].slots.get("device") == "lamp"
    assert "30" in result.commands[1].slots.get("brightness", "")


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "turn off the kitchen light and the hall light",
            [("lights.off", "kitchen light", None), ("lights.off", "hall light", None)],
        ),
        (  # the second part's model guess alone was "close"
            "open the bedroom blinds and the living room curtains",
            [
                ("curtains.open", "bedroom blinds", None),
                ("curtains.open", "living room curtains", None),
            ],
        ),
        (
            "set the kitchen light to red and the hall light",
            [("lights.color", "kitchen light", "red"), ("lights.color", "hall light", "red")],
        ),
    ],
)
def test_a_later_part_that_is_only_a_name_takes_the_command_before(
    parser: IntentParser, sentence: str, expected: list[tuple[str, str, str | None]]
) -> None:
    result = parser.parse(sentence)
    assert [
        (c.intent, c.slots.get("device"), c.slots.get("color")) for c in result.commands
    ] == expected


@pytest.mark.parametrize(
    "sentence",
    [
        "turn the lamp off and on again",
        "switch off the lamp and back on",
        "turn the lamp off and then back on again",
    ],
)
def test_off_and_on_again_is_two_commands_in_order(parser: IntentParser, sentence: str) -> None:
    result = parser.parse(sentence)
    assert [(c.intent, c.slots.get("device")) for c in result.commands] == [
        ("lights.off", "lamp"),
        ("lights.on", "lamp"),
    ]


@pytest.mark.parametrize(
    ("sentence", "intent", "slot", "value"),
    [
        ("set the kitchen light to black and white", "lights.color", "color", "black and white"),
        ("remind me to buy milk and eggs tomorrow", "reminders.set", "message", "milk and eggs"),
        ("set a timer for an hour and a half", "timers.set", "duration", "an hour and a half"),
    ],
)
def test_conjunction_inside_a_slot_does_not_split(
    parser: IntentParser, sentence: str, intent: str, slot: str, value: str
) -> None:
    result = parser.parse(sentence)
    assert [c.intent for c in result.commands] == [intent]
    assert value in result.commands[0].slots.get(slot, "")


ADVERSARIAL = [
    "",
    "   ",
    "?!...",
    "turn on the # light",
    "switch on +/+/#",
    "turn on the lamp/# and zigbee2mqtt/+/set",
    "Schalte das Licht in der Küche ein",
    "allume la lumière du salon",
    "台所の電気をつけて",
    "asdkjh qweoiu zxcmnb",
    "light " * 1000,
    "x" * 5000,
    "\x00\x01 turn on",
]


@pytest.mark.parametrize("text", ADVERSARIAL, ids=range(len(ADVERSARIAL)))
def test_adversarial_text_never_raises_and_never_guesses_wildly(
    parser: IntentParser, text: str
) -> None:
    result = parser.parse(text)
    assert isinstance(result, ParseResult)
    if len(text) > MAX_CHARS or not any(c.isalnum() for c in text):
        assert result.intent == "none"
    for command in result.commands:
        assert command.intent in (*INTENT_NAMES, "none")
        for value in command.slots.values():
            assert value in command.text  # slots are spans of the text, never invented


def test_non_english_is_not_understood(parser: IntentParser) -> None:
    results = parser.parse_many(
        ["Schalte das Licht in der Küche ein", "allume la lumière du salon"]
    )
    assert [r.intent for r in results] == ["none", "none"]


def test_parse_many_matches_parse(parser: IntentParser) -> None:
    sentences = [row[0] for row in TABLE[:6]] + OUT_OF_SCOPE[:3]
    batched = parser.parse_many(sentences)
    single = [parser.parse(sentence) for sentence in sentences]
    assert [r.intent for r in batched] == [r.intent for r in single]
    assert [r.commands[0].slots for r in batched] == [r.commands[0].slots for r in single]


def test_taught_phrase_short_circuits(model_dir: Path) -> None:
    phrases = [
        PhraseConfig(
            text="movie time", intent="lights.brightness", slots={"brightness": "20 percent"}
        )
    ]
    parser = IntentParser.load(model_dir, THRESHOLD, phrases)
    result = parser.parse("Movie time!")
    assert result.intent == "lights.brightness"
    assert result.commands[0].slots == {"brightness": "20 percent"}


def test_config_phrases_are_folded_into_training(model_dir: Path) -> None:
    # The repo's config teaches phrases; the model trained on them recognises a variant
    # that is not an exact match.
    loaded = load_config(CONFIG)
    assert loaded.config.phrases, "config.toml should teach at least one phrase"
    parser = IntentParser.load(model_dir, THRESHOLD)
    phrase = loaded.config.phrases[0]
    assert parser.parse(f"{phrase.text}, please").intent == phrase.intent


def test_missing_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(NluError) as caught:
        IntentParser.load(tmp_path / "nothing", THRESHOLD)
    assert caught.value.code == "model_missing"
    assert "homevox train" in str(caught.value)


def test_homevox_parse_prints_one_json_line_each(model_dir: Path) -> None:
    sentences = (
        "turn off the kitchen light and close the curtains\nconvert 5 pm paris time to tokyo\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "daemon.cli", "parse", "--explain", "--config", str(CONFIG)]
    done = subprocess.run(
        command, input=sentences, capture_output=True, text=True, cwd=ROOT, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line["intent"] for line in lines] == ["lights.off", "none"]
    first = lines[0]
    assert [c["intent"] for c in first["commands"]] == ["lights.off", "curtains.close"]
    assert {"text", "confidence", "slots", "resolved", "commands"} <= set(first)
    assert len(first["commands"][0]["top"]) == 3
    assert first["commands"][0]["spans"][0]["slot"] == "device"


def test_a_second_training_waits_for_the_one_running(model_dir: Path) -> None:
    from daemon.nlu.cli import training_lock

    with training_lock():
        second = subprocess.Popen(
            [sys.executable, "-m", "daemon.cli", "train", "--if-stale", "--quiet"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert second.stderr is not None
        assert "waiting for another `homevox train`" in second.stderr.readline()
        assert second.poll() is None  # still waiting while the lock is held
    out, _ = second.communicate(timeout=120)
    assert second.returncode == 0 and "is up to date" in out
