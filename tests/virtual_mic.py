"""Test audio: a private PulseAudio whose null sink is the default microphone, and the
synthetic sounds played into it (speech not addressed to homevox, tone sequences, noise).

The PulseAudio steps are those in ../shared/notes/audio-testing.md.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import sounddevice as sd

from daemon.audio_io import SAMPLE_RATE, Audio, espeak, write_wav

SINK = "vmic"


class VirtualMicError(Exception):
    """The PulseAudio test server could not be started (the test fails, it never skips)."""


class VirtualMic:
    """A PulseAudio server private to this process: `vmic.monitor` is the default source."""

    def __init__(self) -> None:
        for tool in ("pulseaudio", "pactl", "pacat", "paplay"):
            if shutil.which(tool) is None:
                raise VirtualMicError(
                    f"{tool} not found: apt-get install pulseaudio pulseaudio-utils"
                )
        self.runtime_dir = Path(tempfile.mkdtemp(prefix="homevox-vmic-"))
        self.runtime_dir.chmod(0o700)
        self._saved_env = {
            name: os.environ.get(name) for name in ("XDG_RUNTIME_DIR", "PULSE_SERVER")
        }
        self._server_pid: int | None = None
        self._keeper: subprocess.Popen[bytes] | None = None

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "XDG_RUNTIME_DIR": str(self.runtime_dir)}

    def start(self) -> None:
        """Start the server and make this process's PortAudio see it."""
        # PortAudio's ALSA pulse plugin reads these when it connects, in this process.
        os.environ["XDG_RUNTIME_DIR"] = str(self.runtime_dir)
        os.environ.pop("PULSE_SERVER", None)
        self._run(
            "pulseaudio", "--daemonize=yes", "--exit-idle-time=-1", "--disallow-exit",
            "--use-pid-file=yes", "-n", "--load=module-native-protocol-unix",
            f"--load=module-null-sink sink_name={SINK} rate={SAMPLE_RATE} channels=1",
            "--load=module-always-sink",
        )  # fmt: skip
        pid_file = self.runtime_dir / "pulse" / "pid"
        self._server_pid = int(pid_file.read_text().split()[0])
        self._run("pactl", "set-default-sink", SINK)
        self._run("pactl", "set-default-source", f"{SINK}.monitor")
        # A keeper stream makes the sink deliver small blocks from the first moment.
        self._keeper = subprocess.Popen(
            ["pacat", "--playback", f"--device={SINK}", "--raw", "--format=s16le",
             f"--rate={SAMPLE_RATE}", "--channels=1", "--latency-msec=20", "/dev/zero"],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(0.3)
        self._run("pactl", "suspend-sink", SINK, "1")
        self._run("pactl", "suspend-sink", SINK, "0")

    def kill(self) -> None:
        """Kill the server abruptly (SIGKILL), as a crash would."""
        if self._keeper is not None:
            self._keeper.kill()
            self._keeper.wait(timeout=5)
            self._keeper = None
        if self._server_pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._server_pid, signal.SIGKILL)
            self._server_pid = None
        # A dead server leaves its socket and pid file behind.
        shutil.rmtree(self.runtime_dir / "pulse", ignore_errors=True)

    def close(self) -> None:
        """Kill the server and restore this process's environment."""
        self.kill()
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        shutil.rmtree(self.runtime_dir, ignore_errors=True)

    def play(self, audio: Audio, name: str = "play") -> None:
        """Speak into the microphone: play `audio` on the sink (returns when it is played)."""
        path = self.runtime_dir / f"{name}.wav"
        write_wav(path, audio)
        self._run("paplay", f"--device={SINK}", str(path), timeout=60)

    def _run(self, *command: str, timeout: float = 15) -> None:
        result = subprocess.run(command, env=self.env, capture_output=True, timeout=timeout)
        if result.returncode != 0:
            detail = result.stderr.decode(errors="replace").strip()
            raise VirtualMicError(f"{' '.join(command[:2])} failed: {detail}")


def refresh_portaudio() -> None:
    """PortAudio enumerates devices only at initialisation."""
    sd._terminate()
    sd._initialize()


# Synthetic sounds --------------------------------------------------------------------------

NOT_FOR_HOMEVOX = [
    "and now the weather for the weekend, with sunshine in the south",
    "the minister said the budget would be presented to parliament on tuesday",
    "could you pass me the salt and the pepper please",
    "in the second half the visitors scored twice from corners",
    "she walked along the river until the lights of the town appeared",
    "stocks closed higher after a volatile session on wall street",
    "we should paint the kitchen before the guests arrive next month",
    "the recipe needs two eggs, a cup of flour and some butter",
    "after the break we will talk to the director about her new film",
    "my brother is driving up from the coast tomorrow morning",
    "the train to the airport leaves from platform nine",
    "remember when we lost the car keys at the beach",
    "the documentary follows a family of otters through the winter",
    "traffic is heavy on the ring road because of an accident",
    "that is a very good question, let me think about it",
    "the children are playing in the garden with the dog",
]
"""Speech that is not a command and has no wake word in it (TV, radio, conversation)."""

VOICES = [("en-us", 165, 50), ("en", 140, 40), ("en+f3", 175, 60), ("en-gb-x-rp", 155, 45)]


@functools.cache
def _spoken(sentence: int, voice: int) -> Audio:
    name, words_per_minute, pitch = VOICES[voice]
    return espeak(NOT_FOR_HOMEVOX[sentence], name, words_per_minute, pitch)


def noise(seconds: float, level: float, rng: np.random.Generator, colour: str = "white") -> Audio:
    """White, pink-ish or brown noise with RMS `level`."""
    samples = rng.normal(0.0, 1.0, int(seconds * SAMPLE_RATE))
    if colour == "brown":
        samples = np.cumsum(samples)
        samples -= np.convolve(samples, np.ones(400) / 400, mode="same")
    elif colour == "pink":
        samples = np.convolve(samples, np.ones(8) / 8, mode="same")
    samples *= level / (np.sqrt(np.mean(samples**2)) + 1e-12)
    return np.clip(samples, -1.0, 1.0).astype(np.float32)


def tones(seconds: float, rng: np.random.Generator) -> Audio:
    """A music-like sequence: random notes with harmonics and decaying envelopes."""
    out: list[Audio] = []
    total = int(seconds * SAMPLE_RATE)
    while sum(len(note) for note in out) < total:
        length = int(rng.uniform(0.12, 0.6) * SAMPLE_RATE)
        time_axis = np.arange(length) / SAMPLE_RATE
        frequency = 220.0 * 2 ** (rng.integers(-12, 19) / 12)
        wave = sum(
            np.sin(2 * np.pi * frequency * harmonic * time_axis) / harmonic
            for harmonic in (1, 2, 3)
        )
        envelope = np.exp(-time_axis * rng.uniform(2, 8)) * np.minimum(1, time_axis * 200)
        out.append((0.2 * wave * envelope).astype(np.float32))
    return np.concatenate(out)[:total]


def non_command_audio(seconds: float, seed: int = 7) -> Audio:
    """`seconds` of speech not addressed to homevox, tone sequences and noise, interleaved."""
    rng = np.random.default_rng(seed)
    parts: list[Audio] = []
    length = 0
    sentence = 0
    while length < seconds * SAMPLE_RATE:
        kind = ("speech", "speech", "tones", "noise")[len(parts) % 4]
        if kind == "speech":
            voice = (sentence + sentence // len(NOT_FOR_HOMEVOX)) % len(VOICES)
            part = _spoken(sentence % len(NOT_FOR_HOMEVOX), voice)
            sentence += 1
            part = part + noise(len(part) / SAMPLE_RATE, float(rng.uniform(0.0, 0.02)), rng)
        elif kind == "tones":
            part = tones(float(rng.uniform(4, 10)), rng)
        else:
            colour = str(rng.choice(["white", "pink", "brown"]))
            part = noise(float(rng.uniform(3, 8)), float(rng.uniform(0.005, 0.1)), rng, colour)
        gap = np.zeros(int(rng.uniform(0.2, 1.0) * SAMPLE_RATE), dtype=np.float32)
        parts += [part.astype(np.float32), gap]
        length += len(part) + len(gap)
    return np.concatenate(parts)[: int(seconds * SAMPLE_RATE)]
