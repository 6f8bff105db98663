"""Where a command begins after the wake word: after the pause that follows it, or, said
straight on, where the wake word's score rose.

openWakeWord is sure of the wake word 0.1-0.4 s after it ends, so a command said without much
of a pause has begun by then: starting it at the detection loses its first word ("what time
is it" heard as "time is it"), and replaying a fixed stretch before the detection brings the
wake word's end with it. Instead the listener keeps the last chunks it scored
(wake.RecentChunks) and starts the command at the point found in them.
"""

from __future__ import annotations

from daemon.vad import FRAME_SAMPLES, Audio, SileroVad
from daemon.wake import CHUNK_SAMPLES

PAUSE_FRAMES = 3
"""Silent VAD frames in a row (96 ms) that make a pause; one or two are often a stop's
closure inside the command ("what | time"), and starting there lost the first word."""


def after_wake_word(
    vad: SileroVad, speech_threshold: float, recent: Audio, score_end: int
) -> Audio:
    """The part of `recent` (the audio scored up to the detection) said after the wake word:
    from the pause after it, when it began before the detection (PAUSE_FRAMES silent frames
    since the score rose), else from `score_end`, where the wake word's score rose
    (RecentChunks.wake_word_end; within about 0.2 s of the word's end, measured)."""
    vad.reset()
    pause_from = max(0, score_end - CHUNK_SAMPLES)  # the rise can come just before the end
    silent_run = 0
    for offset in range(0, len(recent) - FRAME_SAMPLES + 1, FRAME_SAMPLES):
        silent = vad.probability(recent[offset : offset + FRAME_SAMPLES]) < speech_threshold
        silent_run = silent_run + 1 if silent and offset >= pause_from else 0
        if silent_run == PAUSE_FRAMES:
            return recent[offset - (PAUSE_FRAMES - 1) * FRAME_SAMPLES :]
    return recent[score_end:]
