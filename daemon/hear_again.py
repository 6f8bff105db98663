"""A command cut straight after the wake word and not understood, heard again with the audio
just before it: its first word often runs into the wake word ("Time in it." for "what time is
it"), and is whole in the second hearing."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from skills.base import NONE_INTENT

if TYPE_CHECKING:
    import numpy as np

    from daemon.asr import Transcript
    from daemon.nlu.parse import IntentParser, ParseResult

log = logging.getLogger(__name__)

HEARD_AGAIN_MIN_CONFIDENCE = 0.9
"""A command heard again must be this sure: out-of-scope speech said straight after the wake
word was taken for a command 3 more times in 32 at the usual threshold, once at 0.9 (an
answer), while 6 of 7 first words recovered were still understood."""

Transcribe = Callable[["np.ndarray"], Awaitable[tuple["Transcript", float]]]


async def heard_again(
    transcribe: Transcribe,
    parser: IntentParser,
    transcript: Transcript,
    audio: np.ndarray,
    lead: np.ndarray,
) -> tuple[Transcript, ParseResult, float]:
    """The transcript of `audio` and its parse; heard again with `lead` in front when nothing
    in it was understood and the second hearing is, with HEARD_AGAIN_MIN_CONFIDENCE. Also the
    second hearing's ASR time in ms (0 when there was none)."""
    from numpy import concatenate

    parsed = await asyncio.to_thread(parser.parse, transcript.text)
    if any(command.intent != NONE_INTENT for command in parsed.commands):
        return transcript, parsed, 0.0
    again, again_ms = await transcribe(concatenate([lead, audio]))
    reparsed = await asyncio.to_thread(parser.parse, again.text)
    understood = [c.confidence for c in reparsed.commands if c.intent != NONE_INTENT]
    if again.accepted and understood and min(understood) >= HEARD_AGAIN_MIN_CONFIDENCE:
        log.info("heard %r again with its lead: %r", transcript.text, again.text)
        return again, reparsed, again_ms
    return transcript, parsed, again_ms
