"""Reminder and timer handlers on a real HomeScheduler (real SQLite), with a controllable clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from daemon.scheduler import HomeScheduler
from skills import reminders, timers
from skills.base import IntentRequest, Outcome, ScheduledItem, SkillContext
from tests.fake_home import SATURDAY_EVENING, FakeHome

BERLIN = SATURDAY_EVENING.tzinfo
assert BERLIN is not None


@dataclass
class Setup:
    home: FakeHome
    scheduler: HomeScheduler
    announced: list[tuple[ScheduledItem, bool]]

    def run(self, intent: str, text: str = "", **slots: str) -> Outcome:
        handlers = {**reminders.INTENTS, **timers.INTENTS}
        request = IntentRequest(intent=intent, slots=slots, text=text)
        return handlers[intent](request, SkillContext(home=self.home, scheduler=self.scheduler))

    def advance(self, **delta: float) -> None:
        self.home.clock = self.home.clock + timedelta(**delta)


@pytest.fixture
async def setup(tmp_path: Path) -> AsyncIterator[Setup]:
    home = FakeHome()
    announced: list[tuple[ScheduledItem, bool]] = []

    async def on_due(item: ScheduledItem, missed: bool) -> None:
        announced.append((item, missed))

    async def run_action(request: IntentRequest) -> None:
        raise AssertionError("no actions here")

    scheduler = HomeScheduler(tmp_path, BERLIN, on_due, run_action, now=home.now)
    await scheduler.start()
    yield Setup(home, scheduler, announced)
    await scheduler.stop()


async def test_set_reminder_at_a_time_and_hear_it(setup: Setup) -> None:
    outcome = setup.run(
        "reminders.set", "remind me to call mom at 6 pm", message="call mom", datetime="at 6 pm"
    )
    assert outcome.reply == "OK, I'll remind you to call mom today at 6 pm."
    (item,) = setup.scheduler.pending("reminder")
    assert (item.text, item.due) == ("call mom", datetime(2026, 11, 28, 18, 0, tzinfo=BERLIN))
    setup.home.clock = item.due
    await setup.scheduler.fire_due()
    assert [(i.text, missed) for i, missed in setup.announced] == [("call mom", False)]


async def test_a_reminder_of_nothing_asks_what_then_sets_it(setup: Setup) -> None:
    # Half-heard talk: "[don't] let me forget, Jo's birthday on Friday, actually, I'll write..."
    text = "The sone, let me forget, jose birthday on Friday, actually, I write it on the fridge."
    asked = setup.run("reminders.set", text, datetime="on Friday")
    assert (asked.reply, asked.error_code) == ("What should I remind you of?", "missing_message")
    assert asked.question is not None and asked.question.slot == "message"
    assert setup.scheduler.pending() == []
    assert asked.question.pending is not None
    slots = {**asked.question.pending.slots, "message": "to call mom"}  # the answer
    done = setup.run("reminders.set", "remind me on Friday", **slots)
    assert done.reply == "OK, I'll remind you to call mom on Friday at 9 am."
    alarm = setup.run("reminders.set", "set an alarm for 7 am", datetime="for 7 am")
    assert alarm.reply == "OK, I'll remind you to wake up tomorrow at 7 am."


async def test_set_reminder_in_ten_minutes_and_recurring(setup: Setup) -> None:
    relative = setup.run("reminders.set", message="check the oven", datetime="in ten minutes")
    assert relative.reply == "OK, I'll remind you to check the oven at 5:52 pm."
    repeating = setup.run("reminders.set", message="take my pills", datetime="every weekday at 7")
    assert repeating.reply == "OK, I'll remind you to take my pills every weekday at 7 am."
    pills = setup.scheduler.pending("reminder")[1]
    assert (pills.recurrence, pills.due) == (
        "every weekday at 7 am",
        datetime(2026, 11, 30, 7, 0, tzinfo=BERLIN),
    )


async def test_reminder_without_a_time_asks_when(setup: Setup) -> None:
    outcome = setup.run(
        "reminders.set", "remind me to water the plants", message="water the plants"
    )
    assert outcome.reply == "When should I remind you to water the plants?"
    assert outcome.question is not None and outcome.question.slot == "datetime"
    assert (
        outcome.question.pending is not None
        and outcome.question.pending.slots["message"] == "water the plants"
    )
    assert setup.scheduler.pending() == []


async def test_reminder_with_an_unreadable_or_past_time(setup: Setup) -> None:
    assert (
        setup.run("reminders.set", message="x", datetime="at blue o'clock").error_code == "bad_time"
    )
    assert setup.run("reminders.set", message="x", datetime="today at 2").error_code == "bad_time"


async def test_list_and_cancel_reminders_by_name_and_by_time(setup: Setup) -> None:
    setup.run("reminders.set", message="call mom", datetime="at 8 pm")
    setup.run("reminders.set", message="take out the bins", datetime="tomorrow at 7 pm")
    setup.run("reminders.set", message="buy milk", datetime="tomorrow morning")
    listing = setup.run("reminders.list", "what reminders do I have")
    assert listing.reply == (
        "You have 3 reminders: call mom today at 8 pm; buy milk tomorrow at 9 am;"
        " take out the bins tomorrow at 7 pm."
    )
    tomorrow = setup.run("reminders.list", datetime="tomorrow")
    assert (
        tomorrow.reply
        == "You have 2 reminders: buy milk tomorrow at 9 am; take out the bins tomorrow at 7 pm."
    )
    by_name = setup.run(
        "reminders.cancel", "cancel the reminder about the bins", message="the bins"
    )
    assert by_name.reply == "OK, I cancelled the reminder to take out the bins."
    by_time = setup.run("reminders.cancel", "cancel my 8 pm reminder", datetime="at 8 pm")
    assert by_time.reply == "OK, I cancelled the reminder to call mom."
    assert [item.text for item in setup.scheduler.pending()] == ["buy milk"]
    missing = setup.run("reminders.cancel", message="feed the goldfish")
    assert missing.error_code == "no_such_reminder"


async def test_cancel_asks_which_when_several_match(setup: Setup) -> None:
    setup.run("reminders.set", message="call mom", datetime="at 6 pm")
    setup.run("reminders.set", message="call dad", datetime="at 7 pm")
    setup.run("reminders.set", message="water plants", datetime="at 8 pm")
    outcome = setup.run("reminders.cancel", "cancel the reminder to call", message="call")
    assert outcome.question is not None
    assert set(outcome.question.options) == {"call mom", "call dad"}
    assert len(setup.scheduler.pending()) == 3


async def test_timer_set_status_and_cancel(setup: Setup) -> None:
    assert setup.run(
        "timers.set", "set a 10 minute pasta timer", duration="10 minute", name="pasta"
    ).reply == ("OK, pasta timer set for 10 minutes.")
    setup.advance(minutes=5, seconds=50)
    status = setup.run("timers.status", "how long is left")
    assert status.reply == "4 minutes 10 seconds left on the pasta timer."
    setup.run("timers.set", duration="an hour and a half", name="the roast")
    both = setup.run("timers.status", "how long is left")
    assert (
        both.reply == "4 minutes 10 seconds left on the pasta timer;"
        " 1 hour 30 minutes left on the roast timer."
    )
    assert setup.run("timers.cancel", "cancel the pasta timer", name="pasta").reply == (
        "OK, I cancelled the pasta timer."
    )
    assert [item.text for item in setup.scheduler.pending("timer")] == ["roast"]


async def test_a_timer_length_cut_short_by_the_tagger_is_read_on(setup: Setup) -> None:
    outcome = setup.run("timers.set", "Time three minutes for my tea, would you?", duration="three")
    assert outcome.reply == "OK, timer set for 3 minutes."
    assert len(setup.scheduler.pending("timer")) == 1


async def test_timer_goes_off_once(setup: Setup) -> None:
    setup.run("timers.set", duration="90 seconds", name="tea")
    setup.advance(seconds=90)
    await setup.scheduler.fire_due()
    await setup.scheduler.fire_due()
    assert [(i.kind, i.text, missed) for i, missed in setup.announced] == [("timer", "tea", False)]
    assert setup.run("timers.status").reply == "There are no timers running."


async def test_ambiguous_timer_cancel_asks_which(setup: Setup) -> None:
    setup.run("timers.set", duration="5 minutes", name="eggs")
    setup.run("timers.set", duration="20 minutes", name="cake")
    outcome = setup.run("timers.cancel", "cancel the timer")
    assert outcome.reply == "Which timer: the eggs or the cake?"
    assert outcome.question is not None and outcome.question.slot == "name"


def test_without_a_scheduler_the_reply_says_so() -> None:
    context = SkillContext(home=FakeHome(), scheduler=None)
    for handlers in (reminders.INTENTS, timers.INTENTS):
        for intent, handler in handlers.items():
            outcome = handler(IntentRequest(intent=intent, slots={"duration": "1 minute"}), context)
            assert outcome.error_code == "scheduler_unavailable"
            assert "aren't running" in outcome.reply


async def test_cancel_without_a_name_asks_and_all_cancels_all(setup: Setup) -> None:
    setup.run("reminders.set", message="call mom", datetime="at 8 pm")
    setup.run("reminders.set", message="buy milk", datetime="tomorrow morning")
    setup.run("reminders.set", message="pay rent", datetime="tomorrow at 6 pm")
    vague = setup.run("reminders.cancel", "cancel my reminder")
    assert vague.reply == "Which one: call mom or buy milk or pay rent?"
    assert len(setup.scheduler.pending()) == 3
    tomorrow = setup.run(
        "reminders.cancel", "cancel all my reminders for tomorrow", datetime="tomorrow"
    )
    assert tomorrow.reply == "OK, I cancelled all 2 reminders."
    assert [item.text for item in setup.scheduler.pending()] == ["call mom"]


async def test_snooze_pause_and_add_time_are_refused_not_taken_for_cancel_or_a_new_timer(
    setup: Setup,
) -> None:
    setup.run("reminders.set", message="call mom", datetime="at 6 pm")
    setup.run("timers.set", "set a 10 minute pasta timer", duration="10 minute", name="pasta")
    snooze = setup.run("reminders.cancel", "snooze")
    assert snooze.error_code == "nothing_ringing"
    paused = setup.run("timers.cancel", "pause the timer")
    assert paused.error_code == "cannot_pause"
    more = setup.run("timers.set", "add five minutes to the timer", duration="five minutes")
    assert more.error_code == "cannot_extend"
    another = setup.run("timers.set", "set another timer for five minutes", duration="five minutes")
    assert another.error_code is None
    assert [i.text for i in setup.scheduler.pending("reminder")] == ["call mom"]
    assert sorted(i.text for i in setup.scheduler.pending("timer")) == ["", "pasta"]


async def test_wake_me_up_at_a_bare_hour_is_in_the_morning(setup: Setup) -> None:
    # Saturday 17:42: the next 6 o'clock is this evening's, which no one means by waking.
    woken = setup.run("reminders.set", "wake me up at 6", message="wake up", datetime="at 6")
    assert woken.reply == "OK, I'll remind you to wake up tomorrow at 6 am."
    evening = setup.run(
        "reminders.set", "remind me at 6 to call mom", message="call mom", datetime="at 6"
    )
    assert evening.reply == "OK, I'll remind you to call mom today at 6 pm."


@pytest.mark.parametrize(
    ("intent", "text"),
    [
        ("reminders.cancel", "That reminds me, we're out of milk."),
        ("reminders.cancel", "cancel my 3 o'clock meeting"),
        ("timers.cancel", "Don't bother, I'll keep an eye on the rice myself."),
    ],
)
async def test_a_cancel_that_names_nothing_cancels_nothing(
    setup: Setup, intent: str, text: str
) -> None:
    setup.run("reminders.set", message="call mom", datetime="at 8 pm")
    setup.run("timers.set", "set a 10 minute pasta timer", duration="10 minute", name="pasta")
    outcome = setup.run(intent, text)
    assert outcome.error_code in ("unclear_reminder", "unclear_timer")
    assert sorted(item.text for item in setup.scheduler.pending()) == ["call mom", "pasta"]
    # Said with what it cancels, the only one of its kind goes.
    kind = "reminder" if intent == "reminders.cancel" else "timer"
    assert setup.run(intent, f"cancel the {kind}").error_code is None
    assert len(setup.scheduler.pending()) == 1
