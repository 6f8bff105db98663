"""What a turn would do with a request, decided without acting on it or storing anything."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from daemon import conversation, timed
from daemon.declined import declined
from skills.base import IntentRequest, Outcome, ScheduledItem, Scheduler, SkillContext

if TYPE_CHECKING:
    from daemon.turn import TurnRunner


class DryScheduler:
    """A scheduler for previews: reads the real one, and imagines adding and cancelling."""

    def __init__(self, real: Scheduler) -> None:
        self._real = real

    def add_reminder(
        self, text: str, due: datetime, recurrence: str | None = None
    ) -> ScheduledItem:
        return ScheduledItem("preview", "reminder", due, text, recurrence)

    def add_timer(self, name: str, seconds: float) -> ScheduledItem:
        return ScheduledItem(
            "preview", "timer", datetime.now(UTC) + timedelta(seconds=seconds), name
        )

    def add_action(self, request: IntentRequest, due: datetime) -> ScheduledItem:
        return ScheduledItem("preview", "action", due, request.text)

    def pending(self, kind: str | None = None) -> Sequence[ScheduledItem]:
        return self._real.pending(kind)

    def cancel(self, item_id: str) -> bool:
        return any(item.id == item_id for item in self._real.pending())


async def dry_outcome(
    runner: TurnRunner, request: IntentRequest, utterance: str = ""
) -> Outcome | None:
    """What run_request's handler would decide for `request`, without acting; None when no
    skill handles it."""
    from daemon.turn_result import TurnResult

    request = conversation.as_state_question(request)
    handler = runner.handlers.get(request.intent)
    if handler is None:
        return None
    refused = declined(request, utterance)
    if refused is not None:
        return refused
    scheduler = DryScheduler(runner.scheduler) if runner.scheduler is not None else None
    context = SkillContext(home=runner.home, scheduler=scheduler)
    if timed.is_timed(request) and timed.for_a_while(request):
        plan = timed.plan_for_a_while(request, runner.handlers, context)
        return plan if isinstance(plan, Outcome) else plan.outcome
    if timed.is_timed(request):
        return await timed.schedule(request, handler, context, TurnResult())
    return handler(request, context)


def carried_out(outcome: Outcome | None) -> bool:
    """Whether run_request would carry `outcome` out (act or answer), not ask back nor fail."""
    if outcome is None:
        return False
    actions_ok = all(a.device.voice and not a.device.confirm for a in outcome.actions)
    return outcome.question is None and outcome.error_code is None and actions_ok


async def would_act(runner: TurnRunner, request: IntentRequest, utterance: str = "") -> bool:
    """Whether run_request would carry `request` out, decided without acting."""
    return carried_out(await dry_outcome(runner, request, utterance))
