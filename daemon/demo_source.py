"""The demo source: spoken sample commands (espeak-ng) played as if into a microphone."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import numpy as np

from daemon.audio_io import espeak
from daemon.vad import SAMPLE_RATE, Audio
from daemon.wake import PHRASES

if TYPE_CHECKING:
    from daemon.config import Config

log = logging.getLogger(__name__)

BLOCK_SAMPLES = 1280
_GAP_SECONDS = 3.0
"""Silence after each command: room for the endpointer, the turn and the spoken reply."""


def demo_phrases(config: Config) -> list[str]:
    """A few commands that fit this configuration, with the wake word when one is used."""
    commands: list[str] = []
    lights = [device.name for device in config.devices if device.kind == "light"]
    if lights:
        commands += [f"turn on the {lights[0]}", f"turn off the {lights[0]}"]
    commands.append("what time is it")
    if config.wake.mode == "none":
        return commands
    wake = PHRASES[config.wake.model]
    return [f"{wake}, {command}" for command in commands]


class DemoSource:
    """Plays each phrase once, in real time, then ends. Waits (rather than discards) while
    muted, so a reply never covers the next demo command."""

    def __init__(self, phrases: list[str], voice: str = "en-us", realtime: bool = True) -> None:
        self.muted = False
        self.phrases = phrases
        self._voice = voice
        self.realtime = realtime

    async def blocks(self) -> AsyncIterator[Audio]:
        """One second of silence, then each phrase followed by a gap, as 80 ms blocks."""
        lead = np.zeros(SAMPLE_RATE, dtype=np.float32)
        gap = np.zeros(int(_GAP_SECONDS * SAMPLE_RATE), dtype=np.float32)
        due = time.monotonic()
        for number, phrase in enumerate(self.phrases, start=1):
            speech = await asyncio.to_thread(espeak, phrase, self._voice)
            log.warning("DEMO %d/%d: saying %r", number, len(self.phrases), phrase)
            audio = (
                np.concatenate([lead, speech, gap])
                if number == 1
                else np.concatenate([speech, gap])
            )
            for block in _blocks(audio):
                if self.muted:
                    while self.muted:
                        await asyncio.sleep(0.05)
                    due = time.monotonic()
                if self.realtime:
                    due += len(block) / SAMPLE_RATE
                    await asyncio.sleep(max(0.0, due - time.monotonic()))
                yield block
        log.warning("DEMO finished; connect a microphone and restart homevox to use your voice")


def _blocks(audio: Audio) -> list[Audio]:
    padded = np.concatenate([audio, np.zeros(-len(audio) % BLOCK_SAMPLES, dtype=np.float32)])
    return list(padded.reshape(-1, BLOCK_SAMPLES))
