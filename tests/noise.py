"""Spoken scenes for hearing tests and benches: commands for the example home, each inside
silence, with white, pink or babble noise mixed in at a chosen signal-to-noise ratio.

The noise generators themselves are virtual_mic's; babble is other espeak-ng speech (not
addressed to homevox) from virtual_mic's sentence list, several voices talking at once.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from virtual_mic import NOT_FOR_HOMEVOX, VOICES, noise

from daemon.audio_io import SAMPLE_RATE, Audio, espeak


@dataclass(frozen=True)
class HomeCommand:
    """A command for the example config.toml's home and what homevox must do with it."""

    words: str
    intent: str
    topic: str | None
    """The device command topic it must publish on; None: it switches nothing."""


HOME_COMMANDS = [
    HomeCommand("turn on the kitchen light", "lights.on", "cmnd/kitchen_light/POWER"),
    HomeCommand("switch off the ceiling light", "lights.off", "cmnd/living_ceiling/POWER"),
    HomeCommand(
        "dim the desk lamp to thirty percent", "lights.brightness", "office/desk_lamp/command"
    ),
    HomeCommand("make the bedroom light red", "lights.color", "home/bedroom_light/set"),
    HomeCommand(
        "set the thermostat to twenty one degrees",
        "thermostat.set",
        "home/living_room_thermostat/temperature/set",
    ),
    HomeCommand("open the bedroom blinds", "curtains.open", "cmnd/bedroom_blinds/ShutterOpen1"),
    HomeCommand("close the curtains", "curtains.close", "zigbee2mqtt/living_room_curtains/set"),
    HomeCommand(
        "open the living room curtains half way",
        "curtains.position",
        "zigbee2mqtt/living_room_curtains/set",
    ),
    HomeCommand("turn off the living room lamp", "lights.off", "zigbee2mqtt/living_room_lamp/set"),
    HomeCommand("turn on the hall light", "lights.on", "zigbee2mqtt/hall_light/set"),
    HomeCommand("is the hall light on", "devices.state", None),
    HomeCommand("what's the temperature", "thermostat.query", None),
    HomeCommand("remind me to call mom at five pm", "reminders.set", None),
    HomeCommand("set a ten minute pasta timer", "timers.set", None),
]
"""Every kind of request of the example home: lights, colour, thermostat, curtains, a state
question, a reminder and a timer."""

ACTIVE_FRAME_SAMPLES = 320
"""20 ms frames for measuring the level of speech where it is sounding."""
ACTIVE_FRAME_RMS = 0.01
"""Frames quieter than this are pauses, not speech (espeak-ng speaks at an RMS near 0.1)."""
LEAD_SECONDS = 1.0
"""Audio before the command: the wake word model needs a moment before it scores."""
TAIL_SECONDS = 1.6
"""Audio after the command: silence_seconds (0.6) plus a margin for the endpointer."""


def silence(seconds: float) -> Audio:
    return np.zeros(int(seconds * SAMPLE_RATE), dtype=np.float32)


def active_rms(audio: Audio) -> float:
    """RMS of the 20 ms frames that carry sound (what an SNR of speech is measured on)."""
    usable = len(audio) // ACTIVE_FRAME_SAMPLES * ACTIVE_FRAME_SAMPLES
    frames = audio[:usable].reshape(-1, ACTIVE_FRAME_SAMPLES).astype(np.float64)
    levels = np.sqrt(np.mean(frames**2, axis=1))
    loud = frames[levels > ACTIVE_FRAME_RMS]
    return float(np.sqrt(np.mean(loud**2))) if loud.size else 0.0


def speech_end_seconds(audio: Audio) -> float:
    """Where the last sample above the speech-frame level is (the true end of speech)."""
    loud = np.flatnonzero(np.abs(audio) > ACTIVE_FRAME_RMS)
    return float(loud[-1] + 1) / SAMPLE_RATE if loud.size else 0.0


@functools.cache
def _babble_sentence(sentence: int, voice: int) -> Audio:
    name, words_per_minute, pitch = VOICES[voice % len(VOICES)]
    return espeak(NOT_FOR_HOMEVOX[sentence % len(NOT_FOR_HOMEVOX)], name, words_per_minute, pitch)


def babble(seconds: float, rng: np.random.Generator, talkers: int = 3) -> Audio:
    """`talkers` espeak-ng voices reading unrelated sentences at once, with RMS 1/sqrt(talkers)
    of one voice each (the sum sounds like a room of people, or a TV, behind the speaker)."""
    total = int(seconds * SAMPLE_RATE)
    mixed = np.zeros(total, dtype=np.float32)
    for talker in range(talkers):
        track: list[Audio] = []
        length = int(rng.uniform(0, 0.5) * SAMPLE_RATE)
        track.append(np.zeros(length, dtype=np.float32))
        while length < total:
            sentence = _babble_sentence(int(rng.integers(len(NOT_FOR_HOMEVOX))), talker)
            gap = np.zeros(int(rng.uniform(0.05, 0.3) * SAMPLE_RATE), dtype=np.float32)
            track += [sentence, gap]
            length += len(sentence) + len(gap)
        mixed += np.concatenate(track)[:total]
    return mixed


def background(kind: str, seconds: float, rng: np.random.Generator) -> Audio:
    """Unscaled noise of `kind`: "white", "pink", "brown" or "babble"."""
    if kind == "babble":
        return babble(seconds, rng)
    return noise(seconds, 0.1, rng, kind)


@dataclass(frozen=True)
class Scene:
    """A command inside lead and tail audio, with noise mixed under all of it."""

    audio: Audio
    speech_end_seconds: float
    """Where the command's speech truly ends, in seconds from the scene's start."""
    noise_rms: float


def scene(
    speech: Audio,
    kind: str = "none",
    snr_db: float | None = None,
    rng: np.random.Generator | None = None,
    lead_seconds: float = LEAD_SECONDS,
    tail_seconds: float = TAIL_SECONDS,
    whole_scene: bool | None = None,
) -> Scene:
    """`speech` between `lead_seconds` and `tail_seconds` of silence, with noise of `kind`
    mixed in so the speech's active RMS is `snr_db` above the noise's RMS.

    Steady noise (white, pink, brown) lies under the whole scene. Babble lies under the
    command only (`whole_scene` False): babble that goes on after the command is speech to
    Silero VAD, so the command would end only at max_command_seconds, not by silence."""
    clean = np.concatenate([silence(lead_seconds), speech, silence(tail_seconds)])
    end = lead_seconds + speech_end_seconds(speech)
    if kind == "none" or snr_db is None:
        return Scene(clean, end, 0.0)
    generator = rng if rng is not None else np.random.default_rng(0)
    whole = kind != "babble" if whole_scene is None else whole_scene
    start, stop = (
        (0, len(clean))
        if whole
        else (int(lead_seconds * 0.5 * SAMPLE_RATE), int(end * SAMPLE_RATE))
    )
    bed = background(kind, (stop - start) / SAMPLE_RATE + 0.1, generator)[: stop - start]
    bed_rms = float(np.sqrt(np.mean(bed.astype(np.float64) ** 2))) or 1.0
    target = active_rms(speech) / 10 ** (snr_db / 20)
    mixed = clean.copy()
    mixed[start:stop] += bed * (target / bed_rms)
    return Scene(np.clip(mixed, -1.0, 1.0).astype(np.float32), end, target)
