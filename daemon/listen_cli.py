"""`homevox listen FILE...`: whole turns from audio files (wake word, endpointing, Whisper,
intent, devices, reply), as if each file were spoken into the microphone."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from daemon.audio_io import SAMPLE_RATE, AudioDecodeError, decode_file
from daemon.listener import (
    ListeningCore,
    UtteranceCaptured,
    WakeWordDetected,
    load_listening_core,
)

if TYPE_CHECKING:
    from daemon.config import LoadedConfig
    from daemon.turn import TurnRunner

BLOCK_SAMPLES = 1280
_LEAD_SECONDS = 1.0
"""Silence before each file: the wake word model needs a moment of audio before it scores."""
_TAIL_SECONDS = 1.0
"""Silence after each file, beyond silence_seconds, so a command at the very end is cut."""


def add_parser(subparsers: Any) -> None:
    """Register `listen` on the `homevox` sub-command parser."""
    parser = subparsers.add_parser(
        "listen",
        help="run whole turns from WAV/FLAC/OGG files (wake word, Whisper, intent, devices)",
        description="Play each file to the listener as if it were the microphone and run "
        'every command heard as a turn. Prints FILE: "TEXT" -> INTENT -> REPLY per turn. '
        "Exit status 1 if any file could not be read.",
    )
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="audio file(s)")
    parser.add_argument(
        "--no-wake", action="store_true", help="no wake word: every utterance is a command"
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per turn")
    parser.add_argument("--dry-run", action="store_true", help="publish nothing to MQTT")
    parser.set_defaults(func=run_listen)


def run_listen(args: argparse.Namespace) -> int:
    """Run every file; files that cannot be decoded are reported and the others still run."""
    from daemon.cli import load_or_exit, parse_broker

    loaded = load_or_exit(args.config)
    broker = parse_broker(args.broker)
    return asyncio.run(_listen(loaded, args, broker))


@dataclass
class _Stopwatch:
    """Wake word and VAD processing time since the last turn."""

    core: ListeningCore
    marks: dict[str, float] = field(default_factory=dict)

    def lap(self) -> dict[str, float]:
        now = {"wake": self.core.wake_seconds, "vad": self.core.vad_seconds}
        lap = {stage: (now[stage] - self.marks.get(stage, 0.0)) * 1000 for stage in now}
        self.marks = now
        return lap


async def _listen(loaded: LoadedConfig, args: argparse.Namespace, broker: Any) -> int:
    from daemon.turn import TurnRunner

    config = loaded.config
    core = await asyncio.to_thread(load_listening_core, config.audio, config.wake, not args.no_wake)
    runner = await TurnRunner.create(
        loaded, broker=broker, dry_run=args.dry_run, load_nlu=True, load_asr=True
    )
    failed = 0
    try:
        for path in args.files:
            try:
                audio = await asyncio.to_thread(decode_file, path)
            except AudioDecodeError as err:
                print(f"homevox: {err}", file=sys.stderr, flush=True)
                failed += 1
                continue
            turns = await _run_file(core, runner, audio, config.wake.follow_up_seconds)
            for turn in turns:
                print(_format({"file": str(path), **turn}, as_json=args.json), flush=True)
    finally:
        await runner.close()
    return 1 if failed else 0


async def _run_file(
    core: ListeningCore, runner: TurnRunner, audio: np.ndarray, follow_up_seconds: float
) -> list[dict[str, Any]]:
    core.reset()
    stopwatch = _Stopwatch(core)
    stopwatch.lap()
    lead = np.zeros(int(_LEAD_SECONDS * SAMPLE_RATE), dtype=np.float32)
    tail_seconds = runner.loaded.config.audio.silence_seconds + _TAIL_SECONDS
    tail = np.zeros(int(tail_seconds * SAMPLE_RATE), dtype=np.float32)
    stream = np.concatenate([lead, audio.astype(np.float32, copy=False), tail])
    turns: list[dict[str, Any]] = []
    woken = core.waiting_for_wake_word is False
    for start in range(0, len(stream), BLOCK_SAMPLES):
        events = await asyncio.to_thread(core.feed, stream[start : start + BLOCK_SAMPLES])
        for event in events:
            woken = woken or isinstance(event, WakeWordDetected)
            if not isinstance(event, UtteranceCaptured):
                continue
            listening_ms = stopwatch.lap()
            started = time.perf_counter()
            result = await runner.run_audio(event.audio, event.lead)
            turn = result.to_json()
            turn["timings_ms"] = {
                **{stage: round(ms, 1) for stage, ms in listening_ms.items()},
                **turn.get("timings_ms", {}),
                "turn": round((time.perf_counter() - started) * 1000, 1),
            }
            turn["speech_seconds"] = round(event.speech_seconds, 2)
            turns.append(turn)
            if runner.asks:
                core.open_follow_up(follow_up_seconds)
    if not turns:
        turns.append({"text": "", "error_code": "no_speech" if woken else "no_wake_word"})
    return turns


def _format(turn: dict[str, Any], *, as_json: bool) -> str:
    if as_json:
        return json.dumps(turn, ensure_ascii=False)
    if turn.get("error_code") == "no_wake_word":
        return f"{turn['file']}: no wake word heard (use --no-wake for files without one)"
    if turn.get("error_code") == "no_speech":
        return f"{turn['file']}: no speech found"
    if turn.get("error_code") == "not_heard":
        return f"{turn['file']}: (not acted on: {turn.get('text') or 'no words'})"
    slots = " ".join(f"{name}={value}" for name, value in turn.get("slots", {}).items())
    intent = f"{turn.get('intent')} {slots}".strip()
    return f'{turn["file"]}: "{turn.get("text", "")}" -> {intent} -> {turn.get("reply", "")}'
