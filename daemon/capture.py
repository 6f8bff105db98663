"""Microphone capture: a sounddevice stream feeding a bounded queue, supervised and reconnected."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import numpy as np
import sounddevice as sd

from daemon.errors import HomevoxError
from daemon.vad import SAMPLE_RATE, Audio

if TYPE_CHECKING:
    from daemon.config import AudioConfig

log = logging.getLogger(__name__)

BLOCK_SAMPLES = 1280
"""80 ms: one wake word chunk per callback."""
_T = TypeVar("_T")


class CaptureError(HomevoxError):
    """No usable capture device (and the configuration forbids the demo source)."""


class AudioSource(Protocol):
    """Where the listener's audio comes from: the microphone or the demo source."""

    muted: bool
    """True while homevox speaks: audio is discarded so it never hears itself."""

    def blocks(self) -> AsyncIterator[Audio]:
        """16 kHz mono float32 blocks, until the source ends or the task is cancelled."""
        ...


def input_devices() -> list[str]:
    """Names of the capture devices PortAudio sees."""
    try:
        devices = sd.query_devices()
    except sd.PortAudioError:
        return []
    return [str(device["name"]) for device in devices if int(device["max_input_channels"]) > 0]


def has_input_device(name: str) -> bool:
    """Whether the configured device ("" = the default) can be opened, as far as we can tell."""
    if name:
        return any(name.lower() in device.lower() for device in input_devices())
    try:
        sd.query_devices(kind="input")
    except (sd.PortAudioError, ValueError):
        return False
    return True


def reinitialise_portaudio() -> None:
    """Make PortAudio enumerate devices again (it only does so at initialisation).

    Only safe while this process has no open stream.
    """
    sd._terminate()
    sd._initialize()


class Microphone:
    """Capture from a sounddevice InputStream; survive the device vanishing or stalling."""

    def __init__(
        self,
        audio: AudioConfig,
        stall_seconds: float = 1.0,
        retry_min_seconds: float = 0.5,
        retry_max_seconds: float = 10.0,
        block_samples: int = BLOCK_SAMPLES,
    ) -> None:
        self.muted = False
        self.block_samples = block_samples
        """Samples per callback: 1280 (80 ms) keeps latency low; 2560 costs about 0.8% of
        a core less (bench/listen_bench.py --only live)."""
        self.device = audio.input_device
        self.dropped_blocks = 0
        """Blocks dropped because the listener fell behind (oldest first)."""
        self.input_overflows = 0
        """Callbacks where PortAudio reported that audio was lost before we saw it."""
        self.reconnects = 0
        self._stall_seconds = stall_seconds
        self._retry_min_seconds = retry_min_seconds
        self._retry_max_seconds = retry_max_seconds
        self._queue_blocks = max(1, round(audio.queue_seconds * SAMPLE_RATE / block_samples))
        self._queue: asyncio.Queue[Audio] = asyncio.Queue(maxsize=self._queue_blocks)
        self._last_callback = 0.0

    async def blocks(self) -> AsyncIterator[Audio]:
        """Blocks from the device; reopens it with back-off whenever it fails or stalls."""
        loop = asyncio.get_running_loop()
        delay = self._retry_min_seconds
        lost = False
        while True:
            try:
                stream = await _in_daemon_thread(lambda: self._open(loop), timeout=5.0)
            except (sd.PortAudioError, ValueError, TimeoutError) as err:
                log.warning(
                    "capture device %s unavailable (%s); retrying in %.1f s",
                    self._label(),
                    _one_line(err),
                    delay,
                )
                lost = True
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._retry_max_seconds)
                await self._reinitialise()
                continue
            if lost:
                self.reconnects += 1
                log.warning("capture device %s is back: listening again", self._label())
            else:
                log.info("capturing from %s", self._label())
            delay, lost = self._retry_min_seconds, False
            try:
                async for block in self._drain(stream):
                    yield block
            finally:
                await _close_stream(stream)
            lost = True
            await self._reinitialise()

    async def _reinitialise(self) -> None:
        # Re-initialising PortAudio ends every stream of the process, the speaker's playback
        # included: wait until homevox has finished speaking (it mutes us while it talks).
        while self.muted:
            await asyncio.sleep(0.05)
        try:
            # Pa_Terminate waits for a stream stuck in abort() on a dead server: never let that
            # hold the loop, or the process at exit (asyncio joins its executor's threads).
            await _in_daemon_thread(reinitialise_portaudio, timeout=5.0)
        except TimeoutError:
            log.warning("re-initialising the audio system is stuck; trying again later")

    def _label(self) -> str:
        return repr(self.device) if self.device else "(system default)"

    def _open(self, loop: asyncio.AbstractEventLoop) -> sd.InputStream:
        self._last_callback = time.monotonic()
        stream = sd.InputStream(
            samplerate=SAMPLE_RATE,
            channels=1,
            dtype="float32",
            blocksize=self.block_samples,
            device=self.device or None,
            callback=self._callback_for(loop),
        )
        stream.start()
        return stream

    async def _drain(self, stream: sd.InputStream) -> AsyncIterator[Audio]:
        while True:
            try:
                block = await asyncio.wait_for(self._queue.get(), timeout=self._stall_seconds)
            except TimeoutError:
                silent_for = time.monotonic() - self._last_callback
                if silent_for > self._stall_seconds or not stream.active:
                    log.warning(
                        "capture device %s stalled (no audio for %.1f s); reopening it",
                        self._label(),
                        silent_for,
                    )
                    return
                continue
            yield block

    def _callback_for(self, loop: asyncio.AbstractEventLoop) -> Callable[..., None]:
        def callback(indata: Any, frames: int, time_info: Any, status: sd.CallbackFlags) -> None:
            # PortAudio's thread: copy and hand over, nothing else (never raise here).
            self._last_callback = time.monotonic()
            if status.input_overflow:
                self.input_overflows += 1
            if self.muted:
                return
            block = np.array(indata[:, 0], dtype=np.float32)
            with contextlib.suppress(RuntimeError):  # the loop is closed: shutting down
                loop.call_soon_threadsafe(self._put, block)

        return callback

    def _put(self, block: Audio) -> None:
        if self._queue.full():
            self._queue.get_nowait()
            self.dropped_blocks += 1
            if self.dropped_blocks == 1 or self.dropped_blocks % 100 == 0:
                log.warning(
                    "listener fell behind: %d audio block(s) dropped so far (oldest first)",
                    self.dropped_blocks,
                )
        self._queue.put_nowait(block)


async def _close_stream(stream: sd.InputStream) -> None:
    def close() -> None:
        stream.abort()
        stream.close()

    try:
        # A stream whose server died can hang in abort(): never wait for it for long.
        await _in_daemon_thread(close, timeout=2.0)
    except (sd.PortAudioError, TimeoutError) as err:
        log.debug("closing the capture stream failed: %s", _one_line(err))


async def _in_daemon_thread(function: Callable[[], _T], timeout: float) -> _T:
    """Run a call that may hang forever in a daemon thread (never blocks interpreter exit)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[_T] = loop.create_future()

    def deliver(outcome: Callable[[], None]) -> None:
        if not future.done():
            outcome()

    def work() -> None:
        try:
            result = function()
        except BaseException as err:  # handed to the awaiting task, which re-raises it
            error = err
            outcome = lambda: future.set_exception(error)  # noqa: E731
        else:
            outcome = lambda: future.set_result(result)  # noqa: E731
        with contextlib.suppress(RuntimeError):  # the loop is gone: nobody waits any more
            loop.call_soon_threadsafe(deliver, outcome)

    threading.Thread(target=work, name="homevox-audio-device", daemon=True).start()
    return await asyncio.wait_for(future, timeout)


def _one_line(err: BaseException) -> str:
    lines = str(err).strip().splitlines()
    return lines[0] if lines else type(err).__name__


async def open_audio_source(audio: AudioConfig, demo_phrases: list[str]) -> AudioSource:
    """The microphone; with no capture device at all, the demo source (or CaptureError when
    `require_device` is set)."""
    found = await asyncio.to_thread(has_input_device, audio.input_device)
    if found:
        return Microphone(audio)
    wanted = f"matching {audio.input_device!r}" if audio.input_device else "at all"
    if audio.require_device:
        raise CaptureError(
            "no_capture_device",
            f"no capture device {wanted} (seen: {', '.join(input_devices()) or 'none'}); "
            "connect a microphone, fix [audio] input_device, or run with --no-audio",
        )
    from daemon.demo_source import DemoSource

    log.warning(
        "no capture device %s: playing the built-in DEMO commands instead of a microphone "
        "(set [audio] require_device = true to fail instead)",
        wanted,
    )
    return DemoSource(demo_phrases)
