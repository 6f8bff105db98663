"""The act stage of a turn: device actions published to the broker, or only rendered (dry run)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from daemon.errors import HomevoxError
from daemon.events import CommandAcknowledged, CommandPublished, Event
from daemon.mqtt_client import MqttError
from daemon.turn_result import CommandReport
from devices import ADAPTERS
from devices.base import CommandError
from skills.base import DeviceAction

if TYPE_CHECKING:
    from daemon.mqtt import MqttLink


def command_reports(actions: Sequence[DeviceAction]) -> list[CommandReport]:
    """The commands `actions` would publish, none acknowledged: a dry run sends nothing.

    A command the device cannot carry out fails as it would on the broker (MqttError with
    the adapter's code and message), before any report is made."""
    reports = []
    for action in actions:
        try:
            messages = ADAPTERS[action.device.protocol].command_messages(
                action.device, action.command
            )
        except CommandError as err:
            raise MqttError(err.code, str(err), device=action.device.name) from err
        for message in messages:
            reports.append(CommandReport(action.device.name, message.topic, message.payload, False))
    return reports


async def publish(
    link: MqttLink, actions: Sequence[DeviceAction], events: list[Event]
) -> list[CommandReport]:
    """Publish `actions` and wait for their echoes; appends every CommandPublished, then
    every CommandAcknowledged, to `events` (HomevoxError, and no events, when it fails)."""
    outcomes = await link.execute(actions)
    reports = [CommandReport(o.device, o.topic, o.payload, o.acknowledged) for o in outcomes]
    for report in reports:
        events.append(CommandPublished(report.device, report.topic, report.payload))
    for report in reports:
        events.append(CommandAcknowledged(report.device, report.acknowledged))
    return reports


BROKER_DOWN = "I can't reach the MQTT broker, so nothing was changed."

_SPOKEN_FAILURES = {
    "unsupported_command": "The {device} can't do that",
    "invalid_value": "The {device} can't take that value",
    "bad_template": "The {device} is not set up right in config.toml",
    "bad_topic": "The {device} has a topic I won't publish on",
}


def failure_reply(err: HomevoxError) -> str:
    """What to say when the act stage failed. The message (what to fix in config.toml) is
    for the log and --json, not for the room: read aloud it is noise to whoever asked."""
    if err.code == "broker_unavailable":
        return BROKER_DOWN
    device = getattr(err, "device", None)
    spoken = _SPOKEN_FAILURES.get(err.code) if device else None
    if spoken is None:
        return "Something went wrong, so nothing was changed. The log says what."
    return spoken.format(device=device) + ", so nothing was changed."
