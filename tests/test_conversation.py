"""Follow-up answers, confirmations and timed device actions, through the real turn runner and
the real scheduler (SQLite in a temporary state directory), with a controllable clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from daemon.cli_request import request_from_cli
from daemon.config import LoadedConfig, load_config
from daemon.conversation import confirmation_prompt, interpret_answer, join_names
from daemon.declined import declined
from daemon.home import Home
from daemon.mqtt import MqttLink
from daemon.scheduler import HomeScheduler
from daemon.turn import TurnRunner
from devices.base import Command
from skills.base import DeviceAction, IntentRequest, Question

REPO = Path(__file__).resolve().parent.parent
BERLIN = ZoneInfo("Europe/Berlin")


def test_answers_are_recognised_and_new_commands_are_not() -> None:
    confirm = Question(kind="confirm")
    assert interpret_answer(confirm, "Yes.") == "yes"
    assert interpret_answer(confirm, "yes please") == "yes"
    assert interpret_answer(confirm, "No, don't.") == "no"
    assert interpret_answer(confirm, "turn on the kitchen light") is None
    choose = Question(kind="choose", options=("living room lamp", "desk lamp"))
    assert interpret_answer(choose, "The desk lamp, please.") == "desk lamp"
    assert interpret_answer(choose, "living room") == "living room lamp"
    assert interpret_answer(choose, "what time is it") is None
    when = Question(kind="choose", slot="datetime", pending=IntentRequest("reminders.set"))
    assert interpret_answer(when, "at 5 pm") == "at 5 pm"


def test_confirmation_prompt_and_names() -> None:
    config = load_config(REPO / "config.toml").config
    heater = next(d for d in config.device_list() if d.name == "garage heater")
    door = next(d for d in config.device_list() if d.name == "porch light")
    actions = (
        DeviceAction(heater, Command("setpoint", 21.0)),
        DeviceAction(door, Command("power", True)),
    )
    assert confirmation_prompt(actions) == (
        "Set the garage heater to 21 degrees and turn on the porch light? Say yes to confirm."
    )
    assert join_names(["a", "b", "c"]) == "a, b and c"


@pytest.fixture
def fired() -> list[IntentRequest]:
    """The scheduled actions timed_runner's scheduler carried out."""
    return []


@pytest.fixture
async def timed_runner(
    tmp_path: Path, fired: list[IntentRequest]
) -> AsyncIterator[tuple[TurnRunner, HomeScheduler, list[datetime]]]:
    loaded = load_config(REPO / "config.toml")
    assistant = loaded.config.assistant.model_copy(update={"timezone": "Europe/Berlin"})
    config = loaded.config.model_copy(update={"assistant": assistant})
    # Saturday 2026-10-24 18:30 in Berlin; the clocks go back on Sunday at 03:00.
    clock = [datetime(2026, 10, 24, 18, 30, tzinfo=BERLIN)]

    async def on_due(item: object, missed: bool) -> None:
        return None

    async def run_action(request: IntentRequest) -> None:
        fired.append(request)

    scheduler = HomeScheduler(tmp_path, BERLIN, on_due, run_action, now=lambda: clock[0])
    await scheduler.start()
    runner = TurnRunner(
        LoadedConfig(config=config, path=loaded.path), link=None, scheduler=scheduler, dry_run=True
    )
    runner.home = Home(config, clock=lambda: clock[0])
    yield runner, scheduler, clock
    await scheduler.stop()


async def test_a_timed_device_command_is_scheduled_not_run(
    timed_runner: tuple[TurnRunner, HomeScheduler, list[datetime]],
) -> None:
    runner, scheduler, _ = timed_runner
    turn = (
        await runner.run_request(request_from_cli("curtains.close", ["datetime=at 7 pm"]))
    ).to_json()
    assert turn["commands"] == [] and turn["error_code"] is None
    assert turn["reply"] == "OK, today at 7 pm I'll close the living room curtains."
    (item,) = scheduler.pending("action")
    assert item.due == datetime(2026, 10, 24, 19, 0, tzinfo=BERLIN)


async def test_in_n_hours_is_real_time_across_the_clock_change(
    timed_runner: tuple[TurnRunner, HomeScheduler, list[datetime]],
) -> None:
    runner, scheduler, clock = timed_runner
    clock[0] = datetime(
        2026, 10, 25, 1, 30, tzinfo=BERLIN
    )  # CEST, 90 minutes before 03:00 CEST -> 02:00 CET
    turn = (
        await runner.run_request(
            request_from_cli("lights.off", ["room=kitchen", "duration=3 hours"])
        )
    ).to_json()
    assert turn["error_code"] is None, turn
    (item,) = scheduler.pending("action")
    # Same-zone subtraction is wall-clock arithmetic in Python: compare in UTC.
    assert item.due.astimezone(UTC) - clock[0].astimezone(UTC) == timedelta(hours=3)
    due = item.due.astimezone(BERLIN)
    assert (due.hour, due.minute, due.utcoffset()) == (3, 30, timedelta(hours=1))  # 03:30 CET


async def test_timed_commands_on_risky_or_unknown_devices_are_refused(
    timed_runner: tuple[TurnRunner, HomeScheduler, list[datetime]],
) -> None:
    runner, scheduler, _ = timed_runner
    risky = await runner.run_request(
        request_from_cli(
            "thermostat.set", ["device=garage heater", "temperature=20", "duration=1 hour"]
        )
    )
    assert risky.error_code == "confirm_needed"
    unknown = await runner.run_request(
        request_from_cli("lights.on", ["device=disco ball", "datetime=at 9 pm"])
    )
    assert unknown.error_code == "no_such_device"
    porch = await runner.run_request(
        request_from_cli("lights.on", ["device=porch light", "datetime=at 9 pm"])
    )
    assert porch.error_code == "voice_disabled"  # voice = false: not later either
    porch_for_a_while = await runner.run_request(
        IntentRequest(
            "lights.on",
            {"device": "porch light", "duration": "10 minutes"},
            "turn on the porch light for 10 minutes",
        )
    )
    assert porch_for_a_while.error_code == "voice_disabled"
    assert porch_for_a_while.to_json()["commands"] == []
    garbled = await runner.run_request(
        request_from_cli("lights.on", ["room=kitchen", "datetime=at blurb"])
    )
    assert garbled.error_code == "bad_time"
    assert scheduler.pending("action") == []


async def test_a_time_slot_with_no_time_in_it_is_no_time(
    timed_runner: tuple[TurnRunner, HomeScheduler, list[datetime]],
) -> None:
    runner, scheduler, _ = timed_runner
    slots = {"device": "living room lamp", "direction": "down", "datetime": "about"}
    turn = await runner.run_request(
        IntentRequest(
            "lights.brightness",
            {**slots, "amount": "a", "brightness": "third"},  # the tagger's cut
            "Bring the living room lamp down to about a third.",
        )
    )
    assert (turn.reply, turn.error_code) == ("The living room lamp is at 33 percent.", None)
    assert scheduler.pending() == []


async def test_for_a_while_is_done_now_and_undone_when_the_time_is_up(
    timed_runner: tuple[TurnRunner, HomeScheduler, list[datetime]],
    fired: list[IntentRequest],
) -> None:
    runner, scheduler, clock = timed_runner
    slots = {"device": "kitchen light", "duration": "10 minutes"}
    turn = await runner.run_request(
        IntentRequest("lights.on", slots, "turn on the kitchen light for 10 minutes")
    )
    assert turn.error_code is None, turn.reply
    assert [(c.device, c.payload) for c in turn.commands] == [("kitchen light", "ON")]  # Tasmota
    assert turn.reply == (
        "The kitchen light is on. I'll turn off the kitchen light today at 6:40 pm."
    )
    (item,) = scheduler.pending("action")
    assert item.due == datetime(2026, 10, 24, 18, 40, tzinfo=BERLIN)
    assert item.text == "turn off the kitchen light"
    clock[0] = item.due
    await scheduler.fire_due()
    assert [(r.intent, r.slots) for r in fired] == [("lights.off", {"device": "kitchen light"})]


async def test_for_a_while_only_what_can_be_undone_and_every_day_are_refused(
    timed_runner: tuple[TurnRunner, HomeScheduler, list[datetime]],
) -> None:
    runner, scheduler, _ = timed_runner
    halfway = await runner.run_request(
        IntentRequest(
            "curtains.position",
            {"device": "living room curtains", "position": "half", "duration": "10 minutes"},
            "open the living room curtains half way for 10 minutes",
        )
    )
    # Scheduled as a command for later, it would move them in ten minutes: not what was asked.
    assert halfway.error_code == "for_a_while"
    assert halfway.to_json()["commands"] == []
    daily = await runner.run_request(
        request_from_cli("curtains.open", ["datetime=every day at 7 am"])
    )
    assert daily.error_code == "repeated_action"
    assert "every day" in daily.reply.lower()
    assert scheduler.pending("action") == []
    later = await runner.run_request(
        IntentRequest(
            "lights.on",
            {"room": "kitchen", "duration": "10 minutes"},
            "kitchen lights on in 10 minutes",
        )
    )
    assert later.error_code is None
    assert len(scheduler.pending("action")) == 1


@pytest.mark.parametrize(
    ("intent", "slots", "reported", "sent", "undo"),
    [
        (
            "lights.brightness",
            {"device": "kitchen light", "brightness": "20%"},
            {"on": True, "brightness_percent": 80},
            "20",
            ("lights.brightness", {"device": "kitchen light", "brightness": "80 percent"}),
        ),
        (  # a light that was off goes off again
            "lights.brightness",
            {"device": "kitchen light", "brightness": "20%"},
            {"on": False, "brightness_percent": 80},
            "20",
            ("lights.off", {"device": "kitchen light"}),
        ),
        (
            "lights.color",
            {"device": "kitchen light", "color": "red"},
            {"on": True, "color_temp_kelvin": 2700},
            "#FF0000",
            ("lights.color", {"device": "kitchen light", "color": "2700 kelvin"}),
        ),
        (
            "thermostat.set",
            {"device": "thermostat", "temperature": "23"},
            {"target_celsius": 19.5},
            "23.0",
            ("thermostat.set", {"device": "thermostat", "temperature": "19.5 degrees"}),
        ),
    ],
)
async def test_for_a_while_puts_a_level_colour_or_heating_back_as_last_reported(
    timed_runner: tuple[TurnRunner, HomeScheduler, list[datetime]],
    fired: list[IntentRequest],
    intent: str,
    slots: dict[str, str],
    reported: dict[str, object],
    sent: str,
    undo: tuple[str, dict[str, str]],
) -> None:
    runner, scheduler, clock = timed_runner
    runner.home = Home(runner.loaded.config, clock=lambda: clock[0], states=lambda _: reported)
    request = IntentRequest(intent, {**slots, "duration": "10 minutes"}, "... for 10 minutes")
    turn = await runner.run_request(request)
    assert turn.error_code is None, turn.reply
    assert [c.payload for c in turn.commands] == [sent]
    assert turn.reply.endswith("today at 6:40 pm.")
    (item,) = scheduler.pending("action")
    clock[0] = item.due
    await scheduler.fire_due()
    assert [(r.intent, r.slots) for r in fired] == [undo]


@pytest.mark.parametrize(
    ("slots", "text"),
    [
        ({"datetime": "for the night"}, "put the thermostat on 19 for the night"),
        ({"datetime": "overnight"}, "keep the thermostat on 19 overnight"),
        ({"datetime": "the"}, "set the thermostat to 19 for the time being"),  # tagger's cut
    ],
)
async def test_a_time_that_only_says_from_now_on_is_done_now_with_no_undo(
    timed_runner: tuple[TurnRunner, HomeScheduler, list[datetime]],
    slots: dict[str, str],
    text: str,
) -> None:
    runner, scheduler, _ = timed_runner
    request = IntentRequest(
        "thermostat.set", {"device": "thermostat", "temperature": "19", **slots}, text
    )
    turn = await runner.run_request(request)
    assert (turn.error_code, turn.reply) == (None, "The thermostat is set to 19 degrees.")
    assert [c.device for c in turn.commands] == ["thermostat"]
    assert scheduler.pending("action") == []


async def test_a_while_of_no_length_asks_how_long_then_undoes_after_the_answer(
    timed_runner: tuple[TurnRunner, HomeScheduler, list[datetime]],
    fired: list[IntentRequest],
) -> None:
    runner, scheduler, clock = timed_runner
    reported = {"on": True, "color_temp_kelvin": 2700}
    runner.home = Home(runner.loaded.config, clock=lambda: clock[0], states=lambda _: reported)
    slots = {"device": "kitchen light", "color": "blue", "datetime": "a"}  # the tagger's cut
    asked = await runner.run_request(
        IntentRequest("lights.color", slots, "turn the kitchen light blue for a while")
    )
    assert (asked.reply, asked.error_code) == ("For how long?", "missing_duration")
    assert asked.to_json()["commands"] == [] and scheduler.pending("action") == []
    answered = await runner.run_text("ten minutes")
    assert answered.error_code is None, answered.reply
    assert [c.payload for c in answered.commands] == ["#0000FF"]
    (item,) = scheduler.pending("action")
    assert item.due == datetime(2026, 10, 24, 18, 40, tzinfo=BERLIN)
    clock[0] = item.due
    await scheduler.fire_due()
    assert [(r.intent, r.slots) for r in fired] == [
        ("lights.color", {"device": "kitchen light", "color": "2700 kelvin"})
    ]


@pytest.mark.parametrize(
    ("text", "slots", "intent"),
    [
        ("the hall light on?", {"device": "hall light"}, "devices.state"),
        ("Hall light on?", {"device": "hall light"}, "devices.state"),
        ("all the lights off?", {"device": "all the lights"}, "devices.state"),
        ("The bedroom blinds open?", {"device": "bedroom blinds"}, "devices.state"),
        # a command said with a question mark is still a command
        ("Could you turn the hall light on?", {"device": "hall light"}, "lights.on"),
        ("turn the hall light on?", {"device": "hall light"}, "lights.on"),
        ("the hall light on", {"device": "hall light"}, "lights.on"),
    ],
)
def test_a_switching_command_said_as_a_question_from_its_device_asks_the_state(
    text: str, slots: dict[str, str], intent: str
) -> None:
    from daemon.conversation import as_state_question

    heard = "curtains.open" if "blinds" in text else "lights.off" if "off" in text else "lights.on"
    request = IntentRequest(heard, slots, text)
    expected = heard if intent != "devices.state" else intent
    assert as_state_question(request).intent == expected


async def test_the_hall_light_on_as_a_question_answers_and_sends_nothing(
    timed_runner: tuple[TurnRunner, HomeScheduler, list[datetime]],
) -> None:
    runner, _, clock = timed_runner
    runner.home = Home(runner.loaded.config, clock=lambda: clock[0], states=lambda _: {"on": False})
    turn = await runner.run_request(
        IntentRequest("lights.on", {"device": "hall light"}, "the hall light on?")
    )
    assert turn.error_code is None
    assert turn.to_json()["commands"] == []
    assert turn.reply == "No, it's off."


async def test_for_a_while_without_a_reported_state_is_refused(
    timed_runner: tuple[TurnRunner, HomeScheduler, list[datetime]],
) -> None:
    runner, scheduler, _ = timed_runner
    turn = await runner.run_request(
        IntentRequest(
            "thermostat.set",
            {"device": "thermostat", "temperature": "23", "duration": "an hour"},
            "set the heating to 23 for an hour",
        )
    )
    assert turn.error_code == "state_unknown"
    assert turn.reply.startswith("I don't know how the thermostat is set now")
    assert turn.to_json()["commands"] == [] and scheduler.pending("action") == []


async def test_for_a_while_with_the_broker_down_keeps_no_undo(
    timed_runner: tuple[TurnRunner, HomeScheduler, list[datetime]],
) -> None:
    runner, scheduler, _ = timed_runner
    config = runner.loaded.config
    mqtt = config.mqtt.model_copy(update={"connect_wait_seconds": 0.5})
    # Nothing listens on port 9: the command is never sent, so there is nothing to undo.
    link = MqttLink(mqtt, config.assistant.name, config.device_list(), "127.0.0.1", 9)
    await link.start()
    runner.link, runner.dry_run = link, False
    try:
        turn = await runner.run_request(
            IntentRequest(
                "lights.on",
                {"device": "kitchen light", "duration": "10 minutes"},
                "turn on the kitchen light for 10 minutes",
            )
        )
    finally:
        await link.stop()
    assert turn.error_code == "broker_unavailable"
    assert scheduler.pending("action") == []


async def test_early_endpointing_judges_for_a_while_as_acting_without_acting(
    timed_runner: tuple[TurnRunner, HomeScheduler, list[datetime]],
) -> None:
    from daemon.dry_turn import carried_out, dry_outcome

    runner, scheduler, _ = timed_runner
    slots = {"device": "kitchen light", "duration": "10 minutes"}
    request = IntentRequest("lights.on", slots, "turn on the kitchen light for 10 minutes")
    outcome = await dry_outcome(runner, request)
    assert carried_out(outcome) and outcome is not None and outcome.actions
    assert scheduler.pending() == []


@pytest.mark.parametrize(
    ("intent", "text", "refused"),
    [
        ("timers.cancel", "No need to set a timer, I'll keep an eye on it.", "negated"),
        ("reminders.cancel", "Don't remind me, I know.", "negated"),
        ("thermostat.adjust", "I don't want the heating up, thanks.", "negated"),
        ("lights.off", "Leave the hall light alone.", "negated"),
        ("curtains.stop", "No, leave the curtains.", "negated"),
        ("lights.on", "leave the hall light on", None),
        ("lights.on", "never mind, turn on the light", None),
        ("reminders.set", "Don't let me forget to ring the dentist tomorrow.", None),
        ("lights.color", "How do I make the lamp go purple?", "how_to"),
        ("lights.color", "We could try a warm white bulb in the hall sometime.", "not_asked"),
        ("lights.on", "I could use some light in here", None),
        ("lights.off", "Ben, turn that light off, you're meant to be asleep.", "not_asked"),
        ("reminders.set", "Ellie, remind me to ring your aunt later, okay?", "not_asked"),
        ("lights.off", "Turn off the lights, Detective, and tell me what you see.", "not_asked"),
        ("lights.off", "Sam, switch the hall light off when you go up.", "not_asked"),
        ("lights.off", "Kids, lights off now.", "not_asked"),
        # the wake word's end, as Whisper heard it before the command: not a name
        ("lights.color", "Remember, make the bedroom light red.", None),
        ("curtains.close", "Service, close the bedroom curtains", None),
        ("lights.on", "Hey, could you switch the bedroom light on please?", None),
        ("lights.on", "Erm, yeah, the hall light, on, quick.", None),
        ("timers.set", "Timer, 25 minutes, for the bread.", None),
        ("lights.off", "turn off the light, Jarvis.", None),
        ("lights.off", "Right, floor lamp off and ceiling light on.", None),
        ("lights.off", "Okay, Monday, turn the lamp off", None),
        ("reminders.cancel", "Emma's alarm keeps going off in the next room.", "not_asked"),
        ("timers.cancel", "stop your timer", None),  # homevox's own timer
        ("lights.on", "What's the hall light doing, turn it on", None),
        ("lights.on", "turn on the kitchen's light", None),
        ("lights.off", "Please don't touch any of the lights while I'm on this call.", "negated"),
        ("curtains.close", "maybe later we'll close the blinds", "not_asked"),
        ("thermostat.adjust", "Next winter we'll keep the heating lower, I promise.", "not_asked"),
        ("reminders.set", "Quick reminder to everyone, the plumber is here Monday.", "not_asked"),
        ("lights.off", "Previously on Lost: Jack, turn off the lights, quick.", "not_asked"),
        ("lights.off", "turn off the lights at grandma's", "not_asked"),
        ("thermostat.adjust", "can you turn up the heating at my mum's place", "not_asked"),
        ("lights.brightness", "We're going to watch a film, dim the lights", None),
        (
            "reminders.set",
            "Don't let me forget Jo's birthday on Friday... actually, I'll write it on the fridge.",
            "negated",
        ),
        ("timers.set", "Set the sleep timer on the telly for an hour.", "not_asked"),
        ("timers.set", "set a timer for the pasta", None),
        ("curtains.close", "Close your eyes and count to twenty, I'm going to hide.", "not_asked"),
        ("lights.off", "switch off your phone during the film", "not_asked"),
        (
            "thermostat.adjust",
            "my flatmate wants me to turn the heating up but I'm boiling",
            "not_asked",
        ),
        ("lights.off", "don't turn off the lights", "negated"),
        ("lights.on", "never turn on the porch light", "negated"),
        ("lights.off", "i didn't ask you to turn on the light", "negated"),
        ("curtains.close", "do not close the curtains", "negated"),
        ("curtains.close", "Shall I close the bedroom blinds or do you want the sun?", "not_asked"),
        ("lights.off", "go and tell Sam to switch his light off", "not_asked"),
        ("lights.on", "I'll put the desk lamp on myself when I sit down", "not_asked"),
        ("lights.off", "i don't need the lights on anymore", None),
        ("lights.off", "turn off the lights", None),
        ("lights.off", "can you tell me to turn off the lights at ten", None),
        ("lights.on", "could you put the lamp on, I'll read myself to sleep", None),
        ("reminders.cancel", "don't remind me to call mom", None),  # that one is a cancel
    ],
)
def test_a_command_not_to_be_carried_out(intent: str, text: str, refused: str | None) -> None:
    outcome = declined(IntentRequest(intent, {}, text))
    assert (outcome.error_code if outcome else None) == refused
    if outcome is not None:
        reply = {
            "negated": "OK, I won't.",
            "not_asked": "I'll leave that to you.",
            "how_to": "Just tell me what to do, and I'll do it.",
        }[outcome.error_code or ""]
        assert (outcome.reply, outcome.actions) == (reply, ())


@pytest.mark.parametrize(
    ("intent", "slots", "text", "refused"),
    [
        (  # someone else's home
            "thermostat.set",
            {"device": "thermostat", "temperature": "26"},
            "Their thermostat is set to 26, it's like a sauna over there.",
            "not_asked",
        ),
        (  # an advert
            "lights.brightness",
            {"room": "living room"},
            "Brighten up your living room with our new range of cushions.",
            "not_asked",
        ),
        ("lights.off", {"device": "Sam's lamp"}, "turn off Sam's lamp", None),  # its name
        ("thermostat.set", {"device": "Thermostat"}, "Thermostat, 21 degrees, ta.", None),
        ("curtains.stop", {"device": "Curtains"}, "Curtains, stop moving.", None),
        ("lights.on", {"device": "hall light"}, "What's the hall light, on?", None),
    ],
)
def test_a_command_for_someone_elses_home_or_named_in_it(
    intent: str, slots: dict[str, str], text: str, refused: str | None
) -> None:
    outcome = declined(IntentRequest(intent, slots, text))
    assert (outcome.error_code if outcome else None) == refused


@pytest.mark.parametrize(
    "text",
    [
        "No need to set a timer, I'll keep an eye on it.",
        "Ben, turn that light off, you're meant to be asleep.",
        "Leave the hall light alone.",
        "Their thermostat is set to 26, it's like a sauna over there.",
    ],
)
async def test_talk_that_asks_nothing_changes_nothing_through_the_real_model(
    timed_runner: tuple[TurnRunner, HomeScheduler, list[datetime]],
    trained_model: Path,
    text: str,
) -> None:
    from daemon.nlu.parse import IntentParser

    runner, scheduler, _ = timed_runner
    runner.parser = IntentParser.load(trained_model, 0.6)
    timer = scheduler.add_timer("pasta", 600)
    turn = await runner.run_text(text)
    assert turn.commands == [] and [item.id for item in scheduler.pending()] == [timer.id]
    assert turn.error_code in {"negated", "not_asked", "not_understood"}, turn.reply


@pytest.mark.parametrize(
    ("text", "reply"),
    [  # said straight after the wake word, the verb lost: open or close is a guess
        ("the bedroom blinds.", "What should I do with the bedroom blinds?"),
        ("Kitchen light", "What should I do with the kitchen light?"),
    ],
)
async def test_a_bare_name_is_asked_about_not_switched(
    timed_runner: tuple[TurnRunner, HomeScheduler, list[datetime]], text: str, reply: str
) -> None:
    runner, _, _ = timed_runner
    for intent in ("curtains.close", "lights.on"):
        request = IntentRequest(intent, {"device": text.strip(".")}, text)
        turn = await runner.run_request(request, utterance=text)
        assert (turn.reply, turn.error_code, turn.commands) == (reply, "no_verb", [])
    # A scheduled action or an undo names only its device, and is carried out.
    undo = await runner.run_request(
        IntentRequest("lights.off", {"device": "hall light"}, "hall light")
    )
    assert undo.error_code is None and [c.device for c in undo.commands] == ["hall light"]


async def test_a_part_spoken_to_someone_else_makes_every_part_so(
    timed_runner: tuple[TurnRunner, HomeScheduler, list[datetime]], trained_model: Path
) -> None:
    from daemon.nlu.parse import IntentParser

    runner, scheduler, _ = timed_runner
    runner.parser = IntentParser.load(trained_model, 0.6)
    # The model hears "count to twenty" as a set point; the sentence speaks to someone.
    turn = await runner.run_text("Close your eyes and count to twenty, I'm going to hide.")
    assert (turn.reply, turn.commands, scheduler.pending()) == ("I'll leave that to you.", [], [])
    # Parts that ask homevox are carried out, a later bare name with the command before it.
    both = await runner.run_text("turn off the kitchen light and the hall light")
    assert [c.device for c in both.commands] == ["kitchen light", "hall light"]


async def test_dont_turn_off_the_lights_switches_nothing(
    timed_runner: tuple[TurnRunner, HomeScheduler, list[datetime]],
) -> None:
    runner, _, _ = timed_runner
    turn = await runner.run_request(
        IntentRequest("lights.off", {"device": "lights"}, "don't turn off the lights")
    )
    assert (turn.reply, turn.error_code, turn.commands) == ("OK, I won't.", "negated", [])
