"""Speech and scheduler benchmark: reply latency and intelligibility, durable scheduling costs.

Part 1, replies: the same sentences rendered to WAV by a fresh `espeak-ng -w` process per reply
(the baseline), by the pyttsx3 worker and by the Piper worker, interleaved reply by reply; then
each WAV transcribed by the bundled Whisper tiny.en (word error rate). Also the worker's cold
start and its recovery after a SIGKILL.
Part 2, scheduler: adding N reminders, restarting with N pending, and catching up N missed
ones, beside the floor of N durable one-row SQLite commits (the baseline).

    .venv/bin/python bench/speech_bench.py [--replies 12] [--items 200] [--no-piper]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import jiwer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from daemon.asr import comparable_words, load_transcriber
from daemon.audio_io import decode_file
from daemon.config import AsrConfig, SpeechConfig
from daemon.scheduler import HomeScheduler
from daemon.tts import Speaker
from skills.base import IntentRequest, ScheduledItem

SENTENCES = [
    "Your pasta timer is done.",
    "OK, I'll remind you to call mom today at 5 pm.",
    "While I was away: at 7 am, take your pills.",
    "The kitchen light is on.",
    "It is 21 degrees in the living room.",
    "Which light: the kitchen light or the desk lamp?",
    "Open the garage door? Say yes to confirm.",
    "4 minutes 10 seconds left on the pasta timer.",
    "OK, I cancelled the reminder to take out the bins.",
    "You have 2 reminders: buy milk tomorrow at 9 am; water the plants on Friday at noon.",
    "Sorry, I didn't understand that.",
    "The living room curtains are closed.",
]
ZONE = ZoneInfo("Europe/Berlin")


def words(text: str) -> str:
    """comparable_words, with "5pm" -> "5 pm" and "okay" -> "ok" as Whisper writes them."""
    text = re.sub(r"(\d)(am|pm)\b", r"\1 \2", comparable_words(text))
    return re.sub(r"\bokay\b", "ok", text)


def _ms(values: list[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
    return f"{1000 * statistics.median(values):8.1f} {1000 * p90:8.1f}"


async def bench_replies(count: int, piper: bool, workdir: Path) -> None:
    sentences = (SENTENCES * (count // len(SENTENCES) + 1))[:count]
    engines = ["espeak-ng CLI", "pyttsx3 worker"] + (["piper worker"] if piper else [])
    speakers: dict[str, Speaker] = {}
    cold: dict[str, float] = {}
    for name, engine in (("pyttsx3 worker", "pyttsx3"), ("piper worker", "piper")):
        if name in engines:
            speakers[name] = Speaker(SpeechConfig.model_validate({"engine": engine}))
            started = time.perf_counter()
            await speakers[name].start()
            cold[name] = time.perf_counter() - started
    latency: dict[str, list[float]] = {name: [] for name in engines}
    files: dict[str, list[Path]] = {name: [] for name in engines}
    for index, text in enumerate(sentences):
        for name in engines:
            path = workdir / f"{name.split()[0]}-{index}.wav"
            started = time.perf_counter()
            if name == "espeak-ng CLI":
                subprocess.run(
                    ["espeak-ng", "-v", "en-us", "-s", "175", "-w", str(path), text], check=True
                )
            else:
                await speakers[name].render(text, path)
            latency[name].append(time.perf_counter() - started)
            files[name].append(path)
    recovery: dict[str, float] = {}
    for name, speaker in speakers.items():
        pid = speaker.worker_pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        started = time.perf_counter()
        await speaker.render("back again", workdir / "recovered.wav")
        recovery[name] = time.perf_counter() - started
        await speaker.stop()

    transcriber = load_transcriber(AsrConfig.model_validate({"model": "tiny.en"}))
    references = [words(text) for text in sentences]
    base = statistics.median(latency["espeak-ng CLI"])
    print(f"\nReplies: {count} sentences, rendered to WAV, interleaved; WER by Whisper tiny.en")
    print(
        f"{'engine':16} {'median ms':>9} {'p90 ms':>8} {'ratio':>6} {'WER':>6}"
        f" {'cold s':>7} {'restart s':>9}"
    )
    misheard: dict[str, list[tuple[str, str]]] = {}
    for name in engines:
        heard = [words(transcriber.transcribe(decode_file(p)).text) for p in files[name]]
        wer = jiwer.wer(references, heard)
        misheard[name] = [(r, h) for r, h in zip(references, heard, strict=True) if r != h]
        ratio = statistics.median(latency[name]) / base
        extra = f"{cold[name]:7.2f} {recovery[name]:9.2f}" if name in cold else f"{'-':>7} {'-':>9}"
        print(f"{name:16} {_ms(latency[name])} {ratio:6.2f} {wer:6.3f} {extra}")
    for name, pairs in misheard.items():
        for reference, heard_text in pairs[:4]:
            print(f"  {name}: said {reference!r}, heard {heard_text!r}")


async def bench_scheduler(items: int, workdir: Path) -> None:
    floor_db = sqlite3.connect(workdir / "floor.sqlite", isolation_level=None)
    floor_db.execute("PRAGMA journal_mode=WAL")
    floor_db.execute("PRAGMA synchronous=FULL")
    floor_db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, text TEXT, due REAL)")
    started = time.perf_counter()
    for index in range(items):
        floor_db.execute("INSERT INTO t (text, due) VALUES (?, ?)", (f"item {index}", float(index)))
    floor = time.perf_counter() - started
    floor_db.close()

    clock = [datetime.now(ZONE)]
    fired: list[ScheduledItem] = []

    async def on_due(item: ScheduledItem, missed: bool) -> None:
        fired.append(item)

    async def run_action(request: IntentRequest) -> None:
        return None

    def make() -> HomeScheduler:
        return HomeScheduler(workdir / "state", ZONE, on_due, run_action, now=lambda: clock[0])

    scheduler = make()
    await scheduler.start()
    started = time.perf_counter()
    for index in range(items):
        scheduler.add_reminder(f"item {index}", clock[0] + timedelta(minutes=10, seconds=index))
    adding = time.perf_counter() - started
    await scheduler.stop()
    started = time.perf_counter()
    restarted = make()
    await restarted.start()
    restart = time.perf_counter() - started
    await restarted.stop()
    clock[0] += timedelta(hours=1)
    started = time.perf_counter()
    catching_up = make()
    await catching_up.start()
    catch_up = time.perf_counter() - started
    await catching_up.stop()
    assert len(fired) == items, f"{len(fired)} of {items} missed reminders announced"

    print(f"\nScheduler: {items} reminders; baseline = {items} durable one-row SQLite commits")
    print(f"{'operation':34} {'total ms':>9} {'ms/item':>8} {'ratio':>6}")
    for name, seconds in (
        ("baseline: sqlite commits", floor),
        ("add_reminder (row + APScheduler job)", adding),
        ("restart with all pending", restart),
        ("restart, all missed: catch up", catch_up),
    ):
        print(
            f"{name:34} {1000 * seconds:9.1f} {1000 * seconds / items:8.2f} {seconds / floor:6.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--replies", type=int, default=12)
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--no-piper", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="homevox-bench-") as workdir:
        asyncio.run(bench_replies(args.replies, not args.no_piper, Path(workdir)))
        asyncio.run(bench_scheduler(args.items, Path(workdir)))


if __name__ == "__main__":
    main()
