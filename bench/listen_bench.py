"""Listening benchmark: wake word detection rate, false wakes per hour, idle CPU, endpointing.

Everything is synthetic and offline: espeak-ng speech (several voices, speeds, noise levels),
tone sequences and noise from tests/virtual_mic.py. CPU is process time over audio time on
one thread (the models run with one intra-op thread), as % of one core; ratios are to the
stock libraries measured in the same run (openWakeWord's own streaming buffer; silero-vad's
torch wrapper around the same ONNX model).

    .venv/bin/python bench/listen_bench.py                 # about 2 minutes
    .venv/bin/python bench/listen_bench.py --minutes 60    # a full hour of non-command audio
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from virtual_mic import noise, non_command_audio  # noqa: E402

from daemon.audio_io import SAMPLE_RATE, Audio, espeak  # noqa: E402
from daemon.config import AudioConfig, WakeConfig  # noqa: E402
from daemon.listener import (  # noqa: E402
    UtteranceCaptured,
    WakeWordDetected,
    load_listening_core,
)
from daemon.vad import FRAME_SAMPLES, SileroVad  # noqa: E402
from daemon.wake import CHUNK_SAMPLES, WakeWordDetector  # noqa: E402

COMMANDS = [
    "turn on the kitchen light",
    "set the thermostat to twenty one degrees",
    "what time is it",
    "open the bedroom curtains",
    "dim the living room lamp to thirty percent",
]
VOICES = ["en-us", "en", "en-gb-x-rp", "en+f3", "en+m3", "en-us+m7", "en+f2"]
SPEEDS = [130, 160, 190]
NOISE_LEVELS = [0.0, 0.01, 0.03]
"""RMS of pink noise mixed under the speech (espeak-ng speech has an RMS of about 0.1)."""


def silence(seconds: float) -> Audio:
    return np.zeros(int(seconds * SAMPLE_RATE), dtype=np.float32)


def chunks(audio: Audio, size: int) -> list[Audio]:
    return [audio[start : start + size] for start in range(0, len(audio) - size + 1, size)]


def detection_rate(rng: np.random.Generator) -> None:
    detector = WakeWordDetector(WakeConfig(model="hey_jarvis"))
    print("\n## Wake word detection on espeak-ng 'hey jarvis, <command>' (threshold 0.5)")
    print(f"{len(VOICES)} voices x {len(SPEEDS)} speeds x {len(COMMANDS)} commands per row\n")
    print("| rendering | noise RMS | detected | rate |")
    print("|---|---|---|---|")
    for phrasing, separator, levels in (
        ("comma after 'jarvis'", ", ", NOISE_LEVELS),
        ("no pause", " ", NOISE_LEVELS[:1]),
    ):
        for level in levels:
            hits = total = 0
            for voice in VOICES:
                for speed in SPEEDS:
                    for command in COMMANDS:
                        speech = espeak(f"hey jarvis{separator}{command}", voice, speed)
                        audio = np.concatenate([silence(1), speech, silence(1)])
                        if level:
                            audio = audio + noise(len(audio) / SAMPLE_RATE, level, rng, "pink")
                        detector.reset()
                        scores = [detector.score(chunk) for chunk in chunks(audio, CHUNK_SAMPLES)]
                        hits += max(scores) >= detector.threshold
                        total += 1
            print(f"| {phrasing} | {level} | {hits}/{total} | {100 * hits / total:.1f}% |")


def false_wakes(minutes: float) -> None:
    audio = non_command_audio(minutes * 60, seed=2024)
    core = load_listening_core(AudioConfig(), WakeConfig(model="hey_jarvis"))
    wakes = commands = 0
    for block in chunks(audio, CHUNK_SAMPLES):
        for event in core.feed(block, 0.0):
            wakes += isinstance(event, WakeWordDetected)
            commands += isinstance(event, UtteranceCaptured)
    hours = len(audio) / SAMPLE_RATE / 3600
    print(f"\n## False wakes on {minutes:g} min of non-command audio (speech, tones, noise)\n")
    print("| audio | wake detections | commands | false wakes per hour |")
    print("|---|---|---|---|")
    print(f"| {minutes:g} min | {wakes} | {commands} | {wakes / hours:.2f} |")


def cpu_percent(step: Callable[[Audio], object], audio: Audio, size: int) -> float:
    started = time.process_time()
    for piece in chunks(audio, size):
        step(piece)
    return 100 * (time.process_time() - started) / (len(audio) / SAMPLE_RATE)


def stock_wake_word() -> Callable[[Audio], object]:
    """openWakeWord as shipped (its 10 s raw buffer copied to a list every chunk)."""
    import importlib.resources
    import warnings

    import openwakeword

    models = importlib.resources.files("openwakeword") / "resources" / "models"
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Specified provider 'CUDAExecutionProvider'")
        model = openwakeword.Model(
            wakeword_model_paths=[str(models / "hey_jarvis_v0.1.onnx")],
            melspec_onnx_model_path=str(models / "melspectrogram.onnx"),
            embedding_onnx_model_path=str(models / "embedding_model.onnx"),
        )
    return lambda chunk: model.predict((chunk * 32767).astype(np.int16))


def stock_silero() -> Callable[[Audio], object]:
    """silero-vad's own ONNX wrapper (torch tensors around the same model)."""
    import torch
    from silero_vad import load_silero_vad

    torch.set_num_threads(1)
    model = load_silero_vad(onnx=True)
    return lambda frame: model(torch.from_numpy(frame), SAMPLE_RATE).item()


def idle_cpu(seconds: float, rng: np.random.Generator) -> None:
    inputs = {
        "silence": silence(seconds),
        "pink noise 0.01": noise(seconds, 0.01, rng, "pink"),
    }
    print(f"\n## Idle CPU while listening ({seconds:g} s of each input; % of one core)\n")
    print("| stage | input | homevox | stock | ratio |")
    print("|---|---|---|---|---|")
    ours_wake = WakeWordDetector(WakeConfig(model="hey_jarvis"))
    stock_wake = stock_wake_word()
    ours_vad = SileroVad()
    stock_vad = stock_silero()
    for name, audio in inputs.items():
        rows = [
            ("wake word (waiting)", ours_wake.score, stock_wake, CHUNK_SAMPLES),
            ("Silero VAD (mode none)", ours_vad.probability, stock_vad, FRAME_SAMPLES),
        ]
        for stage, ours, stock, size in rows:
            mine = cpu_percent(ours, audio, size)
            theirs = cpu_percent(stock, audio, size)
            print(f"| {stage} | {name} | {mine:.2f}% | {theirs:.2f}% | {mine / theirs:.2f} |")
    core = load_listening_core(AudioConfig(), WakeConfig(model="hey_jarvis"))
    loop = cpu_percent(lambda block: core.feed(block, 0.0), inputs["pink noise 0.01"], 1280)
    print(f"| whole listening loop (ListeningCore.feed) | pink noise 0.01 | {loop:.2f}% | | |")


PAUSED_COMMANDS = [
    "set a timer for, ten minutes",
    "turn on the kitchen light, and the hall light",
    "remind me to call mum, tomorrow at nine",
]
"""Commands with a comma: espeak-ng pauses there, as people do mid-command."""


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def endpointing(rng: np.random.Generator, silences: list[float]) -> None:
    """Delay from the true end of speech to the endpointer's decision (audio time), and how
    often a command with a pause in it is cut in two, per silence_seconds."""
    print("\n## Endpointing (80 ms blocks; delays in audio time from the true end of speech)\n")
    print(
        "| silence_seconds | end of speech -> cut, median | p95 | VAD end estimate error, "
        "median | commands with a pause cut in two | processing per block, median | p95 |"
    )
    print("|---|---|---|---|---|---|---|")
    for silence_seconds in silences:
        core = load_listening_core(
            AudioConfig(silence_seconds=silence_seconds), WakeConfig(mode="none")
        )
        delays: list[float] = []
        errors: list[float] = []
        feed_ms: list[float] = []
        split = total_paused = 0
        for voice in VOICES:
            for command in [*COMMANDS[:3], *PAUSED_COMMANDS]:
                speech = espeak(command, voice, 160)
                loud = np.flatnonzero(np.abs(speech) > 0.01)
                true_end = core.stream_seconds + 0.5 + (loud[-1] + 1) / SAMPLE_RATE
                audio = np.concatenate([silence(0.5), speech, silence(2.0)])
                audio = audio + noise(len(audio) / SAMPLE_RATE, 0.003, rng, "pink")
                cuts = 0
                for block in chunks(audio, 1280):
                    began = time.perf_counter()
                    events = core.feed(block, 0.0)
                    feed_ms.append((time.perf_counter() - began) * 1000)
                    for event in events:
                        if isinstance(event, UtteranceCaptured):
                            cuts += 1
                            delays.append(core.stream_seconds - true_end)
                            errors.append(event.speech_ended_at_seconds - true_end)
                if command in PAUSED_COMMANDS:
                    total_paused += 1
                    split += cuts > 1
        median_error = statistics.median(errors) * 1000
        print(
            f"| {silence_seconds:g} | {statistics.median(delays) * 1000:.0f} ms "
            f"| {percentile(delays, 0.95) * 1000:.0f} ms | {median_error:.0f} ms "
            f"| {split}/{total_paused} | {statistics.median(feed_ms):.2f} ms "
            f"| {percentile(feed_ms, 0.95):.2f} ms |"
        )


def live_idle_cpu(seconds: float) -> None:
    """The real path: sounddevice capture from a PulseAudio virtual mic (silence), the
    bounded queue, asyncio and the listener, for `seconds` of wall time."""
    import asyncio

    from virtual_mic import VirtualMic, refresh_portaudio

    from daemon.capture import Microphone
    from daemon.listener import Listener

    async def listen(block_samples: int) -> tuple[float, int]:
        core = load_listening_core(AudioConfig(), WakeConfig(model="hey_jarvis"))
        microphone = Microphone(AudioConfig(), block_samples=block_samples)

        async def on_utterance(audio: Audio, lead: Audio) -> None:
            return None

        task = asyncio.create_task(Listener(core, on_utterance).run(microphone.blocks()))
        await asyncio.sleep(2.0)  # stream open and steady
        started_cpu, started_wall = time.process_time(), time.monotonic()
        heard = core.stream_seconds
        await asyncio.sleep(seconds)
        cpu = time.process_time() - started_cpu
        wall = time.monotonic() - started_wall
        heard = core.stream_seconds - heard
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return 100 * cpu / wall, round(heard / wall * 100)

    print(f"\n## Idle CPU of the live listening path ({seconds:g} s, virtual mic, silence)\n")
    print("| path: sounddevice -> queue -> Listener (wake word waiting) | CPU, % of one core "
          "| audio processed / wall time |")  # fmt: skip
    print("|---|---|---|")
    mic = VirtualMic()
    try:
        mic.start()
        refresh_portaudio()
        for block_samples in (1280, 2560):
            percent, coverage = asyncio.run(listen(block_samples))
            milliseconds = block_samples * 1000 // SAMPLE_RATE
            print(f"| {milliseconds} ms blocks | {percent:.2f}% | {coverage}% |")
    finally:
        mic.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="non-command audio")
    parser.add_argument("--cpu-seconds", type=float, default=60.0, help="audio per CPU row")
    parser.add_argument(
        "--silences", type=float, nargs="+", default=[0.3, 0.45, 0.6], help="silence_seconds"
    )
    parser.add_argument(
        "--only",
        choices=["detection", "false-wakes", "cpu", "live", "endpointing"],
        help="one part",
    )
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    if args.only in (None, "detection"):
        detection_rate(rng)
    if args.only in (None, "false-wakes"):
        false_wakes(args.minutes)
    if args.only in (None, "cpu"):
        idle_cpu(args.cpu_seconds, rng)
    if args.only in (None, "live"):
        live_idle_cpu(args.cpu_seconds)
    if args.only in (None, "endpointing"):
        endpointing(rng, args.silences)


if __name__ == "__main__":
    main()
