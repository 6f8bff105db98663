"""Whole-pipeline benchmark: end of speech -> MQTT publish latency by stage, memory, idle CPU,
and intent accuracy per noise level, on espeak-ng commands through a real mosquitto.

One process holds what the daemon holds: wake word and Silero VAD (ListeningCore), Whisper
(the configured [asr] stage), the intent model, an MQTT link, and the example config.toml's
devices simulated on the broker (VirtualHome, as `simulate_devices = true` does). Each command
is cut by the endpointer from a scene of silence + speech + silence, then run as a turn; a
subscriber timestamps the command's arrival on the broker. The baseline is the same turn with
faster-whisper's own 30-second `transcribe` (Ct2Transcriber.transcribe_full_window),
interleaved utterance by utterance so background load hits both alike.

    .venv/bin/python bench/pipeline_bench.py                   # about 5 minutes on 2 cores
    .venv/bin/python bench/pipeline_bench.py --only latency --voices 4
    .venv/bin/python bench/pipeline_bench.py --only early --voices 2   # early endpointing on/off
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jiwer
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from conftest import Mosquitto  # noqa: E402
from mqtt_recorder import Recorder  # noqa: E402
from noise import HOME_COMMANDS, HomeCommand, scene  # noqa: E402
from virtual_mic import noise  # noqa: E402

from daemon.asr import Transcriber, Transcript, comparable_words  # noqa: E402
from daemon.asr_ct2 import Ct2Transcriber  # noqa: E402
from daemon.audio_io import SAMPLE_RATE, Audio, espeak  # noqa: E402
from daemon.config import LoadedConfig, load_config  # noqa: E402
from daemon.continuation import Continuation  # noqa: E402
from daemon.early import Preview, preview, run_preview  # noqa: E402
from daemon.listener import (  # noqa: E402
    Listener,
    ListeningCore,
    Trigger,
    UtteranceCaptured,
    WakeWordDetected,
    load_listening_core,
)
from daemon.scheduler import HomeScheduler  # noqa: E402
from daemon.sim import VirtualHome  # noqa: E402
from daemon.stages import load_asr_stage, load_parser  # noqa: E402
from daemon.turn import TurnRunner  # noqa: E402
from daemon.turn_result import TurnResult  # noqa: E402
from daemon.vad import SpeechPaused, SpeechResumed  # noqa: E402

BLOCK_SAMPLES = 1280
"""80 ms, the block size the daemon's capture delivers."""
VOICES = [("en-us", 160), ("en-gb-x-rp", 140), ("en+f3", 180), ("en", 150)]
CONDITIONS = [
    ("white", 30.0),
    ("white", 20.0),
    ("white", 10.0),
    ("pink", 30.0),
    ("pink", 20.0),
    ("pink", 10.0),
    ("babble", 20.0),
    ("babble", 15.0),
    ("babble", 10.0),
]


def memory_mb() -> dict[str, float]:
    """VmRSS and VmHWM of this process, in MB."""
    status = Path("/proc/self/status").read_text()
    found = re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", status, re.MULTILINE)
    return {name: int(kb) / 1024 for name, kb in found}


class TimedRecorder(Recorder):
    """The tests' recorder, also noting when each message arrived (time.monotonic)."""

    def __init__(self, host: str, port: int) -> None:
        self.arrivals: list[tuple[float, str]] = []
        super().__init__(host, port)

    def _on_message(self, client: Any, userdata: Any, message: Any) -> None:
        self.arrivals.append((time.monotonic(), message.topic))
        super()._on_message(client, userdata, message)

    def first_arrival(self, topic: str, after: float) -> float | None:
        return next((at for at, seen in list(self.arrivals) if seen == topic and at >= after), None)


class FullWindow:
    """The Transcriber protocol over faster-whisper's own 30-second path (the baseline)."""

    def __init__(self, padded: Ct2Transcriber) -> None:
        self._padded = padded

    def transcribe(self, audio: Audio, prompt: str = "", retry: bool = True) -> Transcript:
        return self._padded.transcribe_full_window(audio, prompt)


@dataclass
class Pipeline:
    loaded: LoadedConfig
    runner: TurnRunner
    plain_core: ListeningCore
    wake_core: ListeningCore
    recorder: TimedRecorder
    early_off_core: ListeningCore
    """As plain_core, with early_silence_seconds = 0."""
    memory: list[tuple[str, dict[str, float]]] = field(default_factory=list)
    latency_misses: list[str] = field(default_factory=list)


def cut(core: ListeningCore, audio: Audio) -> tuple[list[UtteranceCaptured], float, bool]:
    """Feed `audio` in 80 ms blocks: the commands cut, the stream time (from the scene's start)
    at the end of the block that cut the first one plus that block's processing time, and
    whether the wake word was heard."""
    core.reset()
    start = core.stream_seconds
    captured: list[UtteranceCaptured] = []
    decided_at = float("nan")
    woken = False
    for offset in range(0, len(audio), BLOCK_SAMPLES):
        began = time.perf_counter()
        events = core.feed(audio[offset : offset + BLOCK_SAMPLES], 0.0)
        spent = time.perf_counter() - began
        woken = woken or any(isinstance(event, WakeWordDetected) for event in events)
        for event in events:
            if isinstance(event, UtteranceCaptured):
                if not captured:
                    decided_at = core.stream_seconds - start + spent
                captured.append(event)
    return captured, decided_at, woken


async def turn(runner: TurnRunner, audio: Audio) -> TurnResult:
    result = await asyncio.wait_for(runner.run_audio(audio), 60)
    if runner.asks:  # a misheard command asked "which one?": close it so it can't eat the next
        await runner.run_text("no")
    return result


def same_words(heard: str, said: str) -> bool:
    """Whisper heard what was said (numbers as digits; "5pm" = "5 pm", "halfway" = "half way")."""
    return "".join(comparable_words(heard).split()) == "".join(comparable_words(said).split())


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def latency(pipe: Pipeline, voices: int) -> None:
    padded = pipe.runner.transcriber
    assert isinstance(padded, Ct2Transcriber)
    engines: dict[str, Transcriber] = {"padded": padded, "30 s": FullWindow(padded)}
    stages: dict[str, dict[str, list[float]]] = {name: {} for name in engines}
    misses = {name: 0 for name in engines}
    commands = [command for command in HOME_COMMANDS if command.topic]
    lengths: list[float] = []
    for number, command in enumerate(commands):
        for voice, speed in [VOICES[(number + k) % len(VOICES)] for k in range(voices)]:
            spoken = scene(espeak(command.words, voice, speed))
            captured, decided_at, _ = cut(pipe.plain_core, spoken.audio)
            if len(captured) != 1:
                for name in engines:
                    misses[name] += 1
                continue
            lengths.append(captured[0].speech_seconds)
            endpoint_ms = (decided_at - spoken.speech_end_seconds) * 1000
            # Which path runs first alternates: the second hears a device already switched,
            # which a skill may answer from its state without publishing (counted as a miss).
            order = list(engines.items())
            for name, engine in order if len(lengths) % 2 else reversed(order):
                pipe.runner.transcriber = engine
                row = await timed_turn(pipe, command, captured[0].audio)
                if row is None:
                    misses[name] += 1
                    pipe.latency_misses[-1] = f"{name}, {voice} {speed}: {pipe.latency_misses[-1]}"
                    continue
                row["endpointing wait (audio time)"] = endpoint_ms
                row["end of speech -> publish"] = endpoint_ms + row["capture -> publish"]
                for stage, ms in row.items():
                    stages[name].setdefault(stage, []).append(ms)
    pipe.runner.transcriber = padded
    silence_ms = pipe.loaded.config.audio.silence_seconds * 1000
    speech = f"{min(lengths):.1f}-{max(lengths):.1f} s, median {statistics.median(lengths):.1f} s"
    print(
        f"\n## Latency, end of speech -> MQTT publish ({len(lengths)} commands: {len(commands)} "
        f"texts x {voices} voices/speeds; speech {speech}; clean, no wake word)\n"
    )
    print(
        f"Endpointing waits for silence_seconds = {silence_ms / 1000:g} s of silence by design; "
        "'capture -> publish' is the latency without it. Commands missed (not cut, not "
        f"understood or not published): padded {misses['padded']}, 30 s {misses['30 s']}.\n"
    )
    print("| stage (ms) | padded median | p95 | faster-whisper 30 s median | p95 | ratio |")
    print("|---|---|---|---|---|---|")
    for stage in stages["padded"]:
        ours, base = stages["padded"][stage], stages["30 s"].get(stage, [float("nan")])
        mine, theirs = statistics.median(ours), statistics.median(base)
        print(
            f"| {stage} | {mine:.0f} | {percentile(ours, 0.95):.0f} | {theirs:.0f} "
            f"| {percentile(base, 0.95):.0f} | {theirs / mine:.2f} |"
        )


def print_latency_misses(pipe: Pipeline) -> None:
    if pipe.latency_misses:
        print("\nMisses (path, voice, speed: said -> heard, intent, error):")
        print("\n".join(f"- {miss}" for miss in pipe.latency_misses))


async def timed_turn(pipe: Pipeline, command: HomeCommand, audio: Audio) -> dict[str, float] | None:
    """One turn's stages in ms, or None when its command did not reach the broker."""
    assert command.topic is not None
    started = time.monotonic()
    result = await turn(pipe.runner, audio)
    finished = time.monotonic()
    arrived = pipe.recorder.first_arrival(command.topic, started)
    if result.intent != command.intent or arrived is None:
        heard = f"{result.text!r} {result.intent} {result.error_code}"
        pipe.latency_misses.append(f"{command.words!r} -> {heard}")
        return None
    timings = result.timings_ms
    to_publish = (arrived - started) * 1000
    before_act = timings["asr"] + timings["intent"] + timings.get("skill", 0.0)
    return {
        "ASR (Whisper)": timings["asr"],
        "intent model": timings["intent"],
        "skill": timings.get("skill", 0.0),
        "publish (adapter, hops, broker)": to_publish - before_act,
        "ack (state echo after publish)": (finished - arrived) * 1000,
        "capture -> publish": to_publish,
    }


async def accuracy(
    pipe: Pipeline,
    voices: int,
    conditions: list[tuple[str, float | None]],
    show_misses: bool = False,
) -> None:
    rng = np.random.default_rng(4)
    misses: list[str] = []
    print(
        f"\n## Accuracy per noise level ({len(HOME_COMMANDS)} commands x {voices} voices/speeds "
        "per row; SNR = active speech RMS over noise RMS; babble = 3 other espeak-ng voices "
        "under the command)\n"
    )
    print(
        "| noise | SNR dB | wake word heard | cut as one command | Whisper accepted "
        "| words right | intent right | device topic right | wrong device commands |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for kind, snr in conditions:
        woke = one = accepted = exact = right = topics = wanted = wrong = total = 0
        for number, command in enumerate(HOME_COMMANDS):
            for voice, speed in [VOICES[(number + k) % len(VOICES)] for k in range(voices)]:
                total += 1
                woken_scene = scene(
                    espeak(f"hey jarvis, {command.words}", voice, speed), kind, snr, rng
                )
                woke += cut(pipe.wake_core, woken_scene.audio)[2]
                spoken = scene(espeak(command.words, voice, speed), kind, snr, rng)
                captured, _, _ = cut(pipe.plain_core, spoken.audio)
                if len(captured) != 1:
                    continue
                one += 1
                pipe.recorder.clear()
                result = await turn(pipe.runner, captured[0].audio)
                accepted += result.error_code != "not_heard"
                exact += result.error_code != "not_heard" and same_words(result.text, command.words)
                right += result.intent == command.intent
                published = [c.topic for c in result.commands]
                wanted += command.topic is not None
                topics += command.topic is not None and command.topic in published
                wrong += any(topic != command.topic for topic in published)
                if show_misses and (
                    result.intent != command.intent
                    or published != ([command.topic] if command.topic else [])
                ):
                    misses.append(
                        f"{kind} {snr} {voice} {speed}: {command.words!r} -> "
                        f"{result.text!r} {result.intent} {result.to_json()['slots']} "
                        f"{published} {result.error_code}"
                    )

        def pct(count: int, of: int = total) -> str:
            return f"{100 * count / of:.0f}% ({count}/{of})" if of else "-"

        print(
            f"| {kind} | {'clean' if snr is None else f'{snr:g}'} | {pct(woke)} | {pct(one)} "
            f"| {pct(accepted)} | {pct(exact)} | {pct(right)} | {pct(topics, wanted)} | {wrong} |"
        )
    if misses:
        print("\nMisses (noise, SNR, voice, speed: said -> heard, intent, slots, topics, error):")
        print("\n".join(f"- {miss}" for miss in misses))


@dataclass(frozen=True)
class Endpointed:
    """One command cut by the listener as the daemon does, with or without early endpointing."""

    audio: Audio
    decided_at: float
    """Stream time (s from the scene's start) when the command ended: the end of the block
    that ended it plus its processing, or for an early commit the end of the judgement."""
    judged_from: float
    """Stream time when its judgement began (early commits only; else decided_at)."""
    seen: Preview | None
    """The committed preview (early commits); None when the full silence ended it."""
    trigger: Trigger = "always"
    """"continuation" when said within continuation_seconds of an early commit."""


async def endpoint(
    pipe: Pipeline, core: ListeningCore, audio: Audio, judged: list[Preview] | None = None
) -> list[Endpointed]:
    """Feed `audio` in 80 ms blocks as they would arrive; a pause is judged (real Whisper,
    parser and dry skill run, timed) while the following blocks arrive, and committed once the
    judgement is done unless speech resumed in between: the Listener's logic in audio time."""
    core.reset()
    cut: list[Endpointed] = []
    judging: tuple[SpeechPaused, Preview, float, float] | None = None
    for offset in range(0, len(audio), BLOCK_SAMPLES):
        block_end = min(offset + BLOCK_SAMPLES, len(audio)) / SAMPLE_RATE
        if judging is not None and judging[3] <= block_end:
            paused, seen, began, ready = judging
            judging = None
            captured = core.commit_early(paused.pause) if seen.verdict.commit else None
            if captured is not None:
                cut.append(Endpointed(captured.audio, ready, began, seen, captured.trigger))
        started = time.perf_counter()
        events = core.feed(audio[offset : offset + BLOCK_SAMPLES], 0.0)
        now = block_end + time.perf_counter() - started
        for event in events:
            if isinstance(event, SpeechResumed | UtteranceCaptured):
                judging = None
            if isinstance(event, UtteranceCaptured):
                cut.append(Endpointed(event.audio, now, now, None, event.trigger))
            elif isinstance(event, SpeechPaused):
                started = time.perf_counter()
                seen = await preview(pipe.runner, event.audio)
                judging = (event, seen, now, now + time.perf_counter() - started)
                if judged is not None:
                    judged.append(seen)
    return cut


async def timed_early_turn(
    pipe: Pipeline, command: HomeCommand, cut: Endpointed, speech_end: float
) -> tuple[TurnResult, dict[str, float] | None]:
    """One turn from a cut command; its stages in ms when its command reached the broker."""
    started = time.monotonic()
    if cut.seen is not None:
        result = await asyncio.wait_for(run_preview(pipe.runner, cut.seen), 60)
    else:
        result = await asyncio.wait_for(pipe.runner.run_audio(cut.audio), 60)
    if pipe.runner.asks:
        await pipe.runner.run_text("no")
    arrived = pipe.recorder.first_arrival(command.topic, started) if command.topic else None
    if result.intent != command.intent or arrived is None:
        return result, None
    timings = result.timings_ms
    to_publish = (arrived - started) * 1000
    skill = timings.get("skill", 0.0)
    row = {"endpointing wait (audio time)": (cut.judged_from - speech_end) * 1000}
    row["ASR (Whisper)"] = timings["asr"]
    row["intent model"] = timings["intent"]
    if cut.seen is not None:  # judged before the commit; the turn then only acts
        judged = (cut.decided_at - cut.judged_from) * 1000
        row["judging the pause (dry skill run)"] = judged - timings["asr"] - timings["intent"]
        row["skill"] = skill
        row["publish (adapter, hops, broker)"] = to_publish - skill
    else:
        row["judging the pause (dry skill run)"] = 0.0
        row["skill"] = skill
        row["publish (adapter, hops, broker)"] = (
            to_publish - timings["asr"] - timings["intent"] - skill
        )
    row["end of speech -> publish"] = (cut.decided_at - speech_end) * 1000 + to_publish
    return result, row


PAUSED_COMMANDS = [
    # (said, pause, then said; intent of the whole command)
    ("set a timer for", "ten minutes", "timers.set"),
    ("turn on the", "kitchen light", "lights.on"),
    ("dim the desk lamp to", "thirty percent", "lights.brightness"),
    ("set the thermostat to twenty", "one degrees", "thermostat.set"),
    ("remind me to call mom", "at five pm", "reminders.set"),
    ("open the living room curtains", "half way", "curtains.position"),
]
"""Commands with a pause mid-sentence (espeak-ng's ~0.35 s trailing silence + 0.1 s)."""


@dataclass
class EarlyPath:
    """One side of the early endpointing comparison."""

    core: ListeningCore
    stages: dict[str, list[float]] = field(default_factory=dict)
    said: list[str] = field(default_factory=list)
    heard: list[str] = field(default_factory=list)
    intents_right: int = 0
    early: int = 0
    misses: list[str] = field(default_factory=list)
    cut_at_pause: list[str] = field(default_factory=list)
    left_wrong: list[str] = field(default_factory=list)
    """Of cut_at_pause: not completed by the continuation (daemon.continuation)."""
    waited: list[str] = field(default_factory=list)
    """Commands judged at a pause and not ended there: what was heard, and why."""


async def early_endpointing(pipe: Pipeline, voices: int, show_misses: bool) -> None:
    with tempfile.TemporaryDirectory() as state:

        async def nothing(*_: object) -> None:
            pass

        scheduler = HomeScheduler(Path(state), ZoneInfo("UTC"), nothing, nothing)
        await scheduler.start()
        pipe.runner.scheduler = scheduler  # timers and reminders can be judged as acting
        try:
            paths = await compare_early(pipe, voices)
        finally:
            pipe.runner.scheduler = None
            await scheduler.stop()
    print_early(pipe, paths, voices, show_misses)


async def compare_early(pipe: Pipeline, voices: int) -> dict[str, EarlyPath]:
    paths = {"off": EarlyPath(pipe.early_off_core), "on": EarlyPath(pipe.plain_core)}
    count = 0
    for number, command in enumerate(HOME_COMMANDS):
        for voice, speed in [VOICES[(number + k) % len(VOICES)] for k in range(voices)]:
            spoken = scene(espeak(command.words, voice, speed))
            count += 1
            # Alternate which path runs first (the second finds the device already switched).
            order = list(paths.values()) if count % 2 else list(reversed(paths.values()))
            for path in order:
                judged: list[Preview] = []
                cuts = await endpoint(pipe, path.core, spoken.audio, judged)
                if judged and cuts and cuts[-1].seen is None:
                    path.waited.append(
                        f"{command.words!r} {voice} {speed}: "
                        + ", ".join(f"{s.transcript.text!r} {s.verdict.reason}" for s in judged)
                    )
                if len(cuts) != 1:
                    path.misses.append(f"{command.words!r} {voice} {speed}: cut {len(cuts)} times")
                    continue
                path.early += cuts[0].seen is not None
                result, row = await timed_early_turn(
                    pipe, command, cuts[0], spoken.speech_end_seconds
                )
                path.said.append(comparable_words(command.words))
                path.heard.append(comparable_words(result.text) or "-")
                path.intents_right += result.intent == command.intent
                if result.intent != command.intent or (command.topic and row is None):
                    path.misses.append(
                        f"{command.words!r} {voice} {speed}: {result.text!r} {result.intent} "
                        f"{result.error_code}"
                    )
                for stage, ms in (row or {}).items():
                    path.stages.setdefault(stage, []).append(ms)
    for number, (first, second, intent) in enumerate(PAUSED_COMMANDS):
        for voice, speed in [VOICES[(number + k) % len(VOICES)] for k in range(voices)]:
            gap = np.zeros(int(0.1 * SAMPLE_RATE), dtype=np.float32)
            audio = np.concatenate([espeak(first, voice, speed), gap, espeak(second, voice, speed)])
            for path in paths.values():
                cuts = await endpoint(pipe, path.core, scene(audio).audio)
                if len(cuts) > 1:
                    said = cuts[0].seen.transcript.text if cuts[0].seen else "(full silence)"
                    ended = await completed_by_continuation(pipe, cuts)
                    then = f"{ended.text!r} {ended.intent}" if ended else "nothing"
                    told = f"{first} ... {second!r} ({voice}): {said!r}, then {then}"
                    path.cut_at_pause.append(told)
                    if ended is None or ended.intent != intent or ended.error_code:
                        path.left_wrong.append(told)
    return paths


async def completed_by_continuation(pipe: Pipeline, cuts: list[Endpointed]) -> TurnResult | None:
    """The turn a command cut early ends with, its continuation heard as the daemon hears it
    (wake word mode: speech that is not the rest of the command does nothing); None if none."""
    first = cuts[0].seen
    rest = next((cut for cut in cuts[1:] if cut.trigger == "continuation"), None)
    if first is None or rest is None:
        return None
    continuation = Continuation(pipe.runner, needs_wake_word=True)
    continuation.remember(first.transcript.text, await run_preview(pipe.runner, first))
    return await asyncio.wait_for(continuation.hear(rest.audio), 60)


def print_early(
    pipe: Pipeline, paths: dict[str, EarlyPath], voices: int, show_misses: bool
) -> None:
    audio = pipe.loaded.config.audio
    off, on = paths["off"], paths["on"]
    timed = len(on.stages.get("end of speech -> publish", []))
    print(
        f"\n## Early endpointing: off (silence_seconds {audio.silence_seconds:g} s) vs on "
        f"(early_silence_seconds {audio.early_silence_seconds:g} s), end of speech -> MQTT "
        f"publish ({len(HOME_COMMANDS)} commands x {voices} voices/speeds, clean, no wake word; "
        f"latency over the {timed} that publish)\n"
    )
    print("| stage (ms) | early off median | p95 | early on median | p95 | off / on |")
    print("|---|---|---|---|---|---|")
    for stage in on.stages:
        theirs, ours = off.stages.get(stage, [float("nan")]), on.stages[stage]
        base, mine = statistics.median(theirs), statistics.median(ours)
        ratio = f"{base / mine:.2f}" if mine > 1 else "-"
        print(
            f"| {stage} | {base:.0f} | {percentile(theirs, 0.95):.0f} | {mine:.0f} "
            f"| {percentile(ours, 0.95):.0f} | {ratio} |"
        )
    print("\n| committed transcripts | early off | early on |")
    print("|---|---|---|")
    for label, value in (
        ("word error rate", lambda p: f"{100 * jiwer.wer(p.said, p.heard):.1f} %"),
        ("intent right", lambda p: f"{p.intents_right}/{len(p.said)}"),
        ("ended early (at the pause)", lambda p: f"{p.early}/{len(p.said)}"),
        ("misses (not cut once, wrong intent, not published)", lambda p: str(len(p.misses))),
        (
            f"{len(PAUSED_COMMANDS) * voices} commands with a pause mid-sentence: cut there",
            lambda p: str(len(p.cut_at_pause)),
        ),
        (
            "... of them left wrong (not completed by the continuation window)",
            lambda p: str(len(p.left_wrong)),
        ),
    ):
        print(f"| {label} | {value(off)} | {value(on)} |")
    for name, path in paths.items():
        for cut in path.cut_at_pause:
            wrong = "left wrong" if cut in path.left_wrong else "completed"
            print(f"- early {name}, cut at the pause ({wrong}): {cut}")
        if show_misses:
            for miss in path.misses:
                print(f"- early {name}, miss: {miss}")
            for waited in path.waited:
                print(f"- early {name}, waited for the full silence: {waited}")


def cpu_percent(step: Callable[[Audio], object], audio: Audio) -> float:
    started = time.process_time()
    for offset in range(0, len(audio) - BLOCK_SAMPLES + 1, BLOCK_SAMPLES):
        step(audio[offset : offset + BLOCK_SAMPLES])
    return 100 * (time.process_time() - started) / (len(audio) / SAMPLE_RATE)


async def idle_cpu(pipe: Pipeline, seconds: float, paced_seconds: float) -> None:
    rng = np.random.default_rng(6)
    inputs = {
        "silence": np.zeros(int(seconds * SAMPLE_RATE), dtype=np.float32),
        "pink noise RMS 0.01": noise(seconds, 0.01, rng, "pink"),
    }
    print(
        f"\n## Idle CPU while listening (process CPU time / audio time, % of one core; "
        f"all models loaded; {seconds:g} s of each input fed in 80 ms blocks)\n"
    )
    print("| listening | input | CPU |")
    print("|---|---|---|")
    for name, audio in inputs.items():
        for label, core in (
            ("wake word (daemon default)", pipe.wake_core),
            ('Silero VAD only (mode "none")', pipe.plain_core),
        ):
            core.reset()
            percent = cpu_percent(functools.partial(core.feed, arrived_monotonic=0.0), audio)
            print(f"| {label} | {name} | {percent:.2f}% |")
    core = pipe.wake_core
    core.reset()
    audio = noise(paced_seconds, 0.01, rng, "pink")

    async def blocks() -> AsyncIterator[Audio]:
        began = time.monotonic()
        for index, offset in enumerate(range(0, len(audio) - BLOCK_SAMPLES + 1, BLOCK_SAMPLES)):
            await asyncio.sleep(max(0.0, began + (index + 1) * 0.08 - time.monotonic()))
            yield audio[offset : offset + BLOCK_SAMPLES]

    async def on_utterance(_audio: Audio, _lead: Audio) -> None:
        raise AssertionError("noise was taken for a command")

    cpu, wall = time.process_time(), time.monotonic()
    await Listener(core, on_utterance).run(blocks())
    percent = 100 * (time.process_time() - cpu) / (time.monotonic() - wall)
    print(
        f"| whole process, real time ({paced_seconds:g} s: Listener task, MQTT link, "
        f"simulated devices) | pink noise RMS 0.01 | {percent:.2f}% |"
    )


async def build(broker: Mosquitto, early_silence: float | None = None) -> Pipeline:
    loaded = load_config(ROOT / "config.toml")
    if early_silence is not None:
        audio = loaded.config.audio.model_copy(update={"early_silence_seconds": early_silence})
        loaded = replace(loaded, config=loaded.config.model_copy(update={"audio": audio}))
    config = loaded.config
    memory = [("interpreter and imports", memory_mb())]
    plain_core = load_listening_core(config.audio, config.wake, use_wake_word=False)
    no_early = config.audio.model_copy(update={"early_silence_seconds": 0.0})
    early_off_core = load_listening_core(no_early, config.wake, use_wake_word=False)
    wake_core = load_listening_core(config.audio, config.wake, use_wake_word=True)
    # Finding silero_vad's model file imports the package, which imports torch (about 200 MB);
    # `import openwakeword` brings scipy and scikit-learn (about 100 MB).
    memory.append(("+ wake word and Silero VAD (torch, scipy, sklearn imported)", memory_mb()))
    transcriber = load_asr_stage(loaded)
    memory.append((f"+ Whisper {config.asr.model} ({config.asr.engine})", memory_mb()))
    parser = load_parser(loaded)
    memory.append(("+ intent model", memory_mb()))
    home = VirtualHome(config.device_list(), broker.host, broker.port)
    await home.start()
    runner = await TurnRunner.create(loaded, broker=(broker.host, broker.port))
    assert runner.link is not None and await runner.link.wait_connected(5)
    runner.parser, runner.transcriber = parser, transcriber
    memory.append(("+ MQTT link and simulated devices", memory_mb()))
    recorder = TimedRecorder(broker.host, broker.port)
    return Pipeline(loaded, runner, plain_core, wake_core, recorder, early_off_core, memory)


async def warm_up(pipe: Pipeline) -> None:
    """Every command once through the daemon's own path, so memory is measured after use."""
    for command in HOME_COMMANDS:
        captured, _, _ = cut(pipe.plain_core, scene(espeak(command.words)).audio)
        for event in captured:
            await turn(pipe.runner, event.audio)
    pipe.memory.append((f"{len(HOME_COMMANDS)} turns (padded path only)", memory_mb()))


def print_memory(pipe: Pipeline) -> None:
    print("\n## Resident memory (MB; target: whole daemon under 600)\n")
    print("| after | VmRSS | VmHWM (peak) |")
    print("|---|---|---|")
    for label, figures in pipe.memory:
        print(f"| {label} | {figures['VmRSS']:.0f} | {figures['VmHWM']:.0f} |")


async def main_async(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as workdir:
        broker = Mosquitto(Path(workdir))
        broker.start()
        try:
            pipe = await build(broker, args.early_silence)
            try:
                await run_parts(pipe, args)
            finally:
                pipe.recorder.close()
                await pipe.runner.close()
        finally:
            broker.stop()


async def run_parts(pipe: Pipeline, args: argparse.Namespace) -> None:
    config = pipe.loaded.config
    asr, audio = config.asr, config.audio
    print(
        f"Whisper {asr.model} {asr.engine}, pad {asr.pad_seconds:g} s, {asr.threads} threads; "
        f"silence_seconds {audio.silence_seconds:g}; load average at start "
        f"{' '.join(f'{load:.1f}' for load in os.getloadavg())} on {os.cpu_count()} CPUs"
    )
    await warm_up(pipe)
    if args.only in (None, "latency"):
        await latency(pipe, args.voices)
        if args.show_misses:
            print_latency_misses(pipe)
        pipe.memory.append(("latency runs (padded and 30 s paths)", memory_mb()))
    if args.only in (None, "early"):
        await early_endpointing(pipe, args.voices, args.show_misses)
    if args.only in (None, "idle"):
        await idle_cpu(pipe, args.idle_seconds, args.paced_seconds)
    if args.only in (None, "accuracy"):
        conditions: list[tuple[str, float | None]] = [("none", None), *CONDITIONS]
        conditions = conditions[: None if args.conditions is None else args.conditions + 1]
        await accuracy(pipe, args.accuracy_voices, conditions, args.show_misses)
    pipe.memory.append(("end of run", memory_mb()))
    print_memory(pipe)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voices", type=int, default=3, help="voices/speeds per latency command")
    parser.add_argument("--accuracy-voices", type=int, default=2, help="per accuracy row")
    parser.add_argument("--idle-seconds", type=float, default=30.0)
    parser.add_argument("--paced-seconds", type=float, default=20.0)
    parser.add_argument("--only", choices=["latency", "early", "idle", "accuracy"])
    parser.add_argument("--conditions", type=int, help="accuracy: clean + the first N noises")
    parser.add_argument(
        "--early-silence", type=float, help="early_silence_seconds instead of config.toml's"
    )
    parser.add_argument("--show-misses", action="store_true", help="list each miss")
    args = parser.parse_args()
    started = time.perf_counter()
    asyncio.run(main_async(args))
    print(f"\n(bench took {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
