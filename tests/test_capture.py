"""Capture for real: sounddevice records a PulseAudio virtual microphone while we speak into it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import numpy as np
import pytest
import sounddevice as sd
from conftest import Mosquitto
from mqtt_recorder import Recorder
from virtual_mic import VirtualMic, refresh_portaudio

from daemon.asr import Transcriber, comparable_words
from daemon.audio_io import SAMPLE_RATE, Audio, espeak
from daemon.capture import CaptureError, Microphone, has_input_device, open_audio_source
from daemon.config import AudioConfig, load_config
from daemon.demo_source import DemoSource
from daemon.listener import Listener, ListeningCore
from daemon.nlu.train import model_dir_for

pytestmark = pytest.mark.slow
WAIT_SECONDS = 20.0


@pytest.fixture
def vmic() -> Iterator[VirtualMic]:
    mic = VirtualMic()
    try:
        mic.start()
        refresh_portaudio()
        yield mic
    finally:
        mic.close()
        refresh_portaudio()


def spoken(text: str) -> Audio:
    silence = np.zeros(SAMPLE_RATE // 2, dtype=np.float32)
    return np.concatenate([silence, espeak(text, "en-us", 160), silence, silence, silence])


class Running:
    """A Microphone feeding a Listener in a task; commands arrive in `commands`."""

    def __init__(self, microphone: Microphone, core: ListeningCore) -> None:
        self.microphone = microphone
        self.commands: asyncio.Queue[Audio] = asyncio.Queue()
        self._blocks = microphone.blocks()
        self._task = asyncio.create_task(Listener(core, self._put).run(self._blocks))

    async def _put(self, command: Audio, lead: Audio) -> None:
        await self.commands.put(command)

    async def next_command(self) -> Audio:
        return await asyncio.wait_for(self.commands.get(), timeout=WAIT_SECONDS)

    async def stop(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(self._task, timeout=WAIT_SECONDS)
        await asyncio.wait_for(self._blocks.aclose(), timeout=WAIT_SECONDS)  # type: ignore[attr-defined]


@contextlib.asynccontextmanager
async def running(microphone: Microphone, core: ListeningCore) -> AsyncIterator[Running]:
    session = Running(microphone, core)
    try:
        yield session
    finally:
        await session.stop()


async def say(vmic: VirtualMic, text: str) -> None:
    await asyncio.wait_for(asyncio.to_thread(vmic.play, spoken(text)), timeout=WAIT_SECONDS)


async def test_commands_spoken_into_the_microphone_come_out_of_the_listener(
    vmic: VirtualMic, core: ListeningCore, transcriber: Transcriber
) -> None:
    assert has_input_device("")
    microphone = Microphone(AudioConfig())
    async with running(microphone, core) as session:
        await say(vmic, "hey jarvis, turn on the kitchen light")
        command = await session.next_command()
        assert_heard(transcriber.transcribe(command).text, "turn on kitchen light")
        # While homevox speaks the microphone is muted: it must not hear itself.
        microphone.muted = True
        await say(vmic, "hey jarvis, turn off the kitchen light")
        microphone.muted = False
        await say(vmic, "hey jarvis, what time is it")
        command = await session.next_command()
        assert_heard(transcriber.transcribe(command).text, "time is it")
        assert session.commands.empty()
    assert microphone.dropped_blocks == 0


async def test_capture_survives_the_sound_server_dying_and_coming_back(
    vmic: VirtualMic,
    core: ListeningCore,
    transcriber: Transcriber,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="daemon.capture")
    microphone = Microphone(AudioConfig(), retry_min_seconds=0.2, retry_max_seconds=1.0)
    async with running(microphone, core) as session:
        await say(vmic, "hey jarvis, turn on the kitchen light")
        await session.next_command()
        vmic.kill()
        await wait_for_log(caplog, "stalled")
        await wait_for_log(caplog, "unavailable")
        vmic.start()
        await wait_until(lambda: microphone.reconnects >= 1)
        await say(vmic, "hey jarvis, turn off the kitchen light")
        command = await session.next_command()
        assert_heard(transcriber.transcribe(command).text, "turn off kitchen light")


def assert_heard(transcript: str, key_words: str) -> None:
    """The command's distinctive words, in order. Live capture gives Whisper tiny.en slightly
    different audio each run ("the" is sometimes heard as "my"), and the first word after the
    wake word can be clipped when the detection comes late (a known issue): exact transcripts
    made these tests flaky. What they prove is that the right audio flows, or flows again."""
    heard = comparable_words(transcript).split()
    position = 0
    for word in key_words.split():
        assert word in heard[position:], f"{key_words!r} not in {transcript!r}"
        position = heard.index(word, position) + 1


async def wait_for_log(caplog: pytest.LogCaptureFixture, text: str) -> None:
    await wait_until(lambda: any(text in record.getMessage() for record in caplog.records))


async def wait_until(condition: object) -> None:
    async def poll() -> None:
        while not condition():  # type: ignore[operator]
            await asyncio.sleep(0.05)

    await asyncio.wait_for(poll(), timeout=WAIT_SECONDS)


@pytest.fixture
def no_devices(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No sound server reachable (this machine has no sound card: no devices at all)."""
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    monkeypatch.setenv("PULSE_SERVER", f"unix:{tmp_path / 'no-server'}")
    refresh_portaudio()
    yield
    monkeypatch.undo()
    refresh_portaudio()


async def test_no_device_with_require_device_is_one_clear_error(no_devices: None) -> None:
    assert not has_input_device("")
    with pytest.raises(CaptureError) as caught:
        await open_audio_source(AudioConfig(require_device=True), ["hey jarvis, what time is it"])
    assert caught.value.code == "no_capture_device"
    message = str(caught.value)
    assert "\n" not in message and "connect a microphone" in message


async def test_no_device_falls_back_to_the_announced_demo(
    no_devices: None, core: ListeningCore, caplog: pytest.LogCaptureFixture
) -> None:
    phrases = ["hey jarvis, turn on the kitchen light", "hey jarvis, what time is it"]
    source = await open_audio_source(AudioConfig(), phrases)
    assert isinstance(source, DemoSource)
    assert any("DEMO" in record.getMessage() for record in caplog.records)
    source.realtime = False
    commands: list[Audio] = []

    async def collect(audio: Audio, lead: Audio) -> None:
        commands.append(audio)

    await asyncio.wait_for(Listener(core, collect).run(source.blocks()), timeout=120)
    assert len(commands) == len(phrases)


async def test_named_device_that_is_missing_is_reported(vmic: VirtualMic) -> None:
    with pytest.raises(CaptureError, match="no capture device matching 'USB Mic'"):
        await open_audio_source(AudioConfig(input_device="USB Mic", require_device=True), [])


async def test_callback_queue_drops_oldest_counts_and_never_raises(
    caplog: pytest.LogCaptureFixture,
) -> None:
    microphone = Microphone(AudioConfig(queue_seconds=0.16))  # room for two 80 ms blocks
    callback = microphone._callback_for(asyncio.get_running_loop())
    overflowed = sd.CallbackFlags(sd._lib.paInputOverflow)
    for value in range(5):
        block = np.full((1280, 1), value, dtype=np.float32)
        callback(block, 1280, None, overflowed if value == 0 else sd.CallbackFlags())
    microphone.muted = True
    callback(np.full((1280, 1), 9, dtype=np.float32), 1280, None, sd.CallbackFlags())
    await asyncio.sleep(0.05)  # let the loop run the call_soon_threadsafe hand-overs
    kept = [microphone._queue.get_nowait()[0] for _ in range(microphone._queue.qsize())]
    assert kept == [3.0, 4.0]
    assert (microphone.dropped_blocks, microphone.input_overflows) == (3, 1)
    assert any("dropped" in record.getMessage() for record in caplog.records)


REPO = Path(__file__).resolve().parent.parent
CONFIG = REPO / "config.toml"


@pytest.fixture(scope="module")
def trained_model() -> Path:
    """The intent model `make test` trains (trained here when missing or stale)."""
    command = [sys.executable, "-m", "daemon.cli", "train", "--if-stale", "--quiet"]
    done = subprocess.run(
        [*command, "--config", str(CONFIG)], cwd=REPO, capture_output=True, text=True,
        timeout=1100, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        pytest.fail(
            f"`homevox train --if-stale` failed ({done.returncode}):\n{done.stderr[-3000:]}"
        )
    return model_dir_for(load_config(CONFIG))


def wait_for_output(
    path: Path, text: str, process: subprocess.Popen[bytes], count: int = 1
) -> None:
    deadline = time.monotonic() + 180  # model loading on a busy 2-core machine
    while path.read_text(errors="replace").count(text) < count:
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"homevox run never logged {text!r}:\n{path.read_text()[-4000:]}")
        time.sleep(0.2)


@pytest.mark.timeout(1200)
def test_the_daemon_hears_the_microphone_and_survives_a_sound_server_restart(
    vmic: VirtualMic, mosquitto: Mosquitto, tmp_path: Path, trained_model: Path
) -> None:
    text = CONFIG.read_text()
    text, states = re.subn(r'(?m)^state_dir = ""$', f'state_dir = "{tmp_path / "state"}"', text)
    text, models = re.subn(r'(?m)^model_dir = ""$', f'model_dir = "{trained_model}"', text)
    text, engines = re.subn(r'(?m)^engine = "pyttsx3"$', 'engine = "none"', text)
    assert (states, models, engines) == (1, 1, 1), "config.toml changed shape: update this test"
    config = tmp_path / "config.toml"
    config.write_text(text)
    output = tmp_path / "daemon.log"
    recorder = Recorder(mosquitto.host, mosquitto.port)
    with output.open("wb") as sink:
        daemon = subprocess.Popen(
            [sys.executable, "-m", "daemon.cli", "run", "--config", str(config),
             "--broker", f"{mosquitto.host}:{mosquitto.port}"],
            cwd=REPO, stdout=sink, stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},  # XDG_RUNTIME_DIR: the virtual mic
        )  # fmt: skip
    try:
        wait_for_output(output, "capturing from", daemon)
        vmic.play(spoken("hey jarvis, turn on the living room lamp"))
        assert recorder.wait_message("zigbee2mqtt/living_room_lamp/set", 30) == '{"state":"ON"}'
        vmic.kill()
        wait_for_output(output, "stalled", daemon)
        vmic.start()
        wait_for_output(output, "is back", daemon)
        vmic.play(spoken("hey jarvis, turn off the kitchen light"))
        assert recorder.wait_message("cmnd/kitchen_light/POWER", 30) == "OFF"
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=30) == 0
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait(timeout=10)
        recorder.close()
