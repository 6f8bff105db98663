"""Spoken replies: real pyttsx3/espeak-ng output, transcribed back with the bundled Whisper."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import jiwer
import numpy as np
import pytest
from virtual_mic import SINK, VirtualMic, refresh_portaudio

from daemon import speak_cli
from daemon.asr import Transcriber, comparable_words, load_transcriber
from daemon.audio_io import SAMPLE_RATE, decode_file
from daemon.config import AsrConfig, SpeechConfig
from daemon.tts import Speaker, SpeechError

REPLIES = (
    "Your pasta timer is done.",
    "OK, I'll remind you to call mom today at 5 pm.",
    "While I was away: at 7 am, take your pills.",
)
WAIT_SECONDS = 60.0
"""Bound on every wait for queued replies (rendering takes milliseconds; playing, seconds)."""


def speech(**changes: object) -> SpeechConfig:
    return SpeechConfig.model_validate(changes)


@pytest.fixture(scope="session")
def whisper() -> Iterator[Transcriber]:
    yield load_transcriber(AsrConfig.model_validate({"model": "tiny.en"}))


def words(text: str) -> str:
    """comparable_words, with "5pm" -> "5 pm" and "okay" -> "ok" as Whisper writes them."""
    text = re.sub(r"(\d)(am|pm)\b", r"\1 \2", comparable_words(text))
    return re.sub(r"\bokay\b", "ok", text)


def heard(transcriber: Transcriber, audio: np.ndarray) -> str:
    return words(transcriber.transcribe(audio.astype(np.float32)).text)


async def test_replies_render_to_wav_and_transcribe_back(
    tmp_path: Path, whisper: Transcriber
) -> None:
    speaker = Speaker(speech())
    await speaker.start()
    try:
        paths = [
            await speaker.render(text, tmp_path / f"{n}.wav") for n, text in enumerate(REPLIES)
        ]
    finally:
        await speaker.stop()
    hypotheses = [heard(whisper, decode_file(path)) for path in paths]
    references = [words(text) for text in REPLIES]
    assert "pasta timer" in hypotheses[0]
    assert jiwer.wer(references, hypotheses) <= 0.2, list(zip(references, hypotheses, strict=True))


async def test_reply_is_played_on_the_output_device(tmp_path: Path, whisper: Transcriber) -> None:
    mic = VirtualMic()
    mic.start()
    recording = tmp_path / "recorded.raw"
    recorder: subprocess.Popen[bytes] | None = None
    speaking: list[bool] = []
    try:
        refresh_portaudio()
        speaker = Speaker(speech(), speaking.append)
        await speaker.start()
        with recording.open("wb") as out:
            recorder = subprocess.Popen(
                ["parec", f"--device={SINK}.monitor", "--format=s16le", f"--rate={SAMPLE_RATE}",
                 "--channels=1", "--raw", "--latency-msec=20"],
                env=mic.env, stdout=out,
            )  # fmt: skip
            await asyncio.sleep(0.3)
            await speaker.say(REPLIES[0])
            await asyncio.wait_for(speaker.drained(), WAIT_SECONDS)
            await asyncio.sleep(0.3)
            recorder.terminate()
            recorder.wait(timeout=10)
        await speaker.stop()
    finally:
        if recorder is not None and recorder.poll() is None:
            recorder.kill()
            recorder.wait(timeout=10)
        mic.close()
        refresh_portaudio()
    audio = np.frombuffer(recording.read_bytes(), dtype=np.int16).astype(np.float32) / 32768
    assert speaking == [True, False]
    assert speaker.spoken == 1
    assert "pasta timer" in heard(whisper, audio)


async def test_replies_never_overlap_and_keep_their_order() -> None:
    playing = 0
    overlaps: list[str] = []
    order: list[int] = []
    guard = threading.Lock()

    def player(path: Path, device: str) -> None:
        nonlocal playing
        with guard:
            playing += 1
            if playing > 1:
                overlaps.append(str(path))
        order.append(len(decode_file(path)))
        time.sleep(0.05)
        with guard:
            playing -= 1

    speaker = Speaker(speech(), player=player)
    await speaker.start()
    try:
        for text in ("one", "a somewhat longer second reply", "three"):
            await speaker.say(text)
        await asyncio.wait_for(speaker.drained(), WAIT_SECONDS)
    finally:
        await speaker.stop()
    assert overlaps == []
    assert len(order) == 3 and order[1] > order[0] and order[1] > order[2]


async def test_killed_or_hung_worker_is_restarted(tmp_path: Path) -> None:
    speaker = Speaker(speech(timeout_seconds=2))
    await speaker.start()
    try:
        first = speaker.worker_pid
        assert first is not None
        os.kill(first, signal.SIGKILL)
        await asyncio.wait_for(speaker.render("after a crash", tmp_path / "a.wav"), WAIT_SECONDS)
        second = speaker.worker_pid
        assert second is not None and second != first
        os.kill(second, signal.SIGSTOP)  # hangs: the render times out, the worker is replaced
        await asyncio.wait_for(speaker.render("after a hang", tmp_path / "b.wav"), WAIT_SECONDS)
        assert speaker.worker_pid not in (None, second)
        assert decode_file(tmp_path / "b.wav").size > SAMPLE_RATE // 4
    finally:
        await speaker.stop()


async def test_no_output_device_logs_the_reply_and_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    speaker = Speaker(speech(output_device="no such speaker"))
    await speaker.start()
    try:
        with caplog.at_level(logging.WARNING, logger="daemon.tts"):
            await speaker.say("The kitchen light is on.")
            await speaker.say("It is 5 pm.")
            await asyncio.wait_for(speaker.drained(), WAIT_SECONDS)
    finally:
        await speaker.stop()
    assert speaker.spoken == 2
    assert "reply: It is 5 pm." in caplog.text
    assert "no output device 'no such speaker'" in caplog.text


async def test_engine_none_logs_only(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    speaker = Speaker(speech(engine="none"))
    await speaker.start()
    try:
        with caplog.at_level(logging.INFO, logger="daemon.tts"):
            await speaker.say("hello")
            await asyncio.wait_for(speaker.drained(), WAIT_SECONDS)
        with pytest.raises(SpeechError) as raised:
            await speaker.render("hello", tmp_path / "x.wav")
    finally:
        await speaker.stop()
    assert raised.value.code == "no_engine"
    assert "reply (speech off): hello" in caplog.text


async def test_unknown_voice_is_a_clear_error() -> None:
    speaker = Speaker(speech(voice="klingon-x"))
    with pytest.raises(SpeechError) as raised:
        await speaker.start()
    await speaker.stop()
    assert raised.value.code == "tts_engine"
    assert "unknown voice 'klingon-x'" in str(raised.value)


def test_speak_command_writes_the_wav(tmp_path: Path, whisper: Transcriber) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", type=Path, default=None)
    speak_cli.add_parser(parser.add_subparsers(dest="command", required=True))
    config = tmp_path / "config.toml"
    config.write_text('[assistant]\nroom = "kitchen"\n[speech]\nrate_wpm = 150\n')
    out = tmp_path / "reply.wav"
    args = parser.parse_args(
        ["--config", str(config), "speak", "The curtains are closed.", "--out", str(out)]
    )
    assert args.func(args) == 0
    assert "curtains" in heard(whisper, decode_file(out))


async def test_piper_engine_speaks_with_the_bundled_voice(
    tmp_path: Path, whisper: Transcriber
) -> None:
    speaker = Speaker(speech(engine="piper"))
    await speaker.start()
    try:
        path = await speaker.render(REPLIES[0], tmp_path / "piper.wav")
    finally:
        await speaker.stop()
    assert heard(whisper, decode_file(path)) == words(REPLIES[0])
