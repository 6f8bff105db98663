"""Curtains and blinds: open, close, stop, move to a position."""

from __future__ import annotations

import re
from collections.abc import Sequence

from devices.base import Command, Device, clamp
from skills.base import DeviceAction, Handler, IntentRequest, Outcome, SkillContext
from skills.names import be, group_subject, join_names
from skills.targets import resolve_targets
from skills.values import parse_position, read_on


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
    spoken = request.slots.get("position", "")
    position = parse_position(spoken)
    if position is None:  # 0 is closed, not missing
        position = read_on(request.text, spoken, parse_position)
    if position is None:
        return Outcome(
            "I didn't catch how far. Say a position such as half way or 40 percent.",
            error_code="unclear_value",
        )
    way = _BY_WAY.search(request.text.lower())
    by = re.search(rf"\bby\s+{re.escape(spoken)}", request.text, re.IGNORECASE)
    if spoken and way and (by or _A_LITTLE.fullmatch(spoken.lower().strip())):
        # "open the blinds by 20 percent", "close the curtains a bit": a move from where each
        # one is, not a position ("a bit" open would close open curtains nearly shut).
        moved = _moved_by(targets, context, position if way.group(1) else -position)
        if moved.error_code != "unknown_position" or by or not way.group(1):
            return moved
        # Opened "a little" from an unknown position: a little open, as before.
    actions = tuple(DeviceAction(device, Command("position", position)) for device in targets)
    where = {0: "closed", 100: "open"}.get(position, f"{position} percent open")
    return Outcome(f"{group_subject(targets)} {be(targets)} {where}.", actions)


_A_LITTLE = re.compile(r"(?:just )?(?:a little(?: bit)?|a bit|slightly|a touch)")
_BY_WAY = re.compile(r"\b(?:(open|raise|lift|up)|(close|lower|shut|down))\b")


def _moved_by(targets: Sequence[Device], context: SkillContext, change: int) -> Outcome:
    """Each curtain moved `change` points from its last known position."""
    said = {d.name: context.home.state(d.name).get("position_percent") for d in targets}
    unknown = [device for device in targets if said[device.name] is None]
    if unknown:
        return Outcome(
            f"I don't know how far {join_names(unknown)} {be(unknown)} open now. "
            "Say a position such as half way.",
            error_code="unknown_position",
        )
    moved_to = {name: round(clamp(int(at or 0) + change, 0, 100)) for name, at in said.items()}
    actions = tuple(
        DeviceAction(device, Command("position", moved_to[device.name])) for device in targets
    )
    moved = "opened" if change > 0 else "closed"
    subject = f"{group_subject(targets)} {be(targets)}"
    return Outcome(f"{subject} {moved} by {abs(change)} percent.", actions)


INTENTS: dict[str, Handler] = {
    "curtains.open": open_curtains,
    "curtains.close": close_curtains,
    "curtains.stop": stop_curtains,
    "curtains.position": set_position,
}
