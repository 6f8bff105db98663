"""Curtains and blinds: open, close, stop, move to a position."""

from __future__ import annotations

from devices.base import Command
from skills.base import DeviceAction, Handler, IntentRequest, Outcome, SkillContext
from skills.names import be, group_subject
from skills.targets import resolve_targets
from skills.values import parse_position


def _move(request: IntentRequest, context: SkillContext, cover: str, done: str) -> Outcome:
    targets = resolve_targets(request, context.home, "curtains")
    if isinstance(targets, Outcome):
        return targets
    actions = tuple(DeviceAction(device, Command("cover", cover)) for device in targets)
    return Outcome(f"{group_subject(targets)} {be(targets)} {done}.", actions)


def open_curtains(request: IntentRequest, context: SkillContext) -> Outcome:
    """curtains.open."""
    return _move(request, context, "open", "opening")


def close_curtains(request: IntentRequest, context: SkillContext) -> Outcome:
    """curtains.close."""
    return _move(request, context, "close", "closing")


def stop_curtains(request: IntentRequest, context: SkillContext) -> Outcome:
    """curtains.stop."""
    return _move(request, context, "stop", "stopped")


def set_position(request: IntentRequest, context: SkillContext) -> Outcome:
    """curtains.position: "open the blinds half way", "set the curtains to 40 percent"."""
    targets = resolve_targets(request, context.home, "curtains")
    if isinstance(targets, Outcome):
        return targets
    position = parse_position(request.slots.get("position", ""))
    if position is None:
        return Outcome(
            "I didn't catch how far. Say a position such as half way or 40 percent.",
            error_code="unclear_value",
        )
    actions = tuple(DeviceAction(device, Command("position", position)) for device in targets)
    where = {0: "closed", 100: "open"}.get(position, f"{position} percent open")
    return Outcome(f"{group_subject(targets)} {be(targets)} {where}.", actions)


INTENTS: dict[str, Handler] = {
    "curtains.open": open_curtains,
    "curtains.close": close_curtains,
    "curtains.stop": stop_curtains,
    "curtains.position": set_position,
}
