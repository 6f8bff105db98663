"""The skill list. Adding a skill: one module, its sentences file, and one line here."""

from types import ModuleType

from skills import clock, curtains, device_state, lights, reminders, thermostat, timers

SKILLS: tuple[ModuleType, ...] = (
    lights,
    thermostat,
    curtains,
    device_state,
    clock,
    reminders,
    timers,
)
