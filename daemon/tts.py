"""Spoken replies: one queue, one TTS worker process, one reply played at a time.

The engine (pyttsx3 on espeak-ng, or Piper) renders each reply to a WAV file in its own
process (daemon/tts_worker.py); this side plays the file with sounddevice. A worker that does
not answer within `timeout_seconds`, or dies, is killed and started again. With no output
device the reply is logged and the daemon goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from daemon.config import SpeechConfig
from daemon.errors import HomevoxError

log = logging.getLogger(__name__)

QUEUE_REPLIES = 8
"""Replies waiting to be spoken; when full, the oldest waiting one is dropped (and logged)."""
START_TIMEOUT_SECONDS = 30.0
"""How long a new worker may take to load its engine."""


class SpeechError(HomevoxError):
    """A reply could not be rendered; the code says why (tts_timeout, tts_crashed, no_engine...)."""


class TtsWorker:
    """The worker process and its line protocol; restarted by the caller after a failure."""

    def __init__(self, config: SpeechConfig) -> None:
        self._config = config
        self._process: asyncio.subprocess.Process | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    async def start(self) -> None:
        config = self._config
        self._process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "daemon.tts_worker", "--engine", config.engine,
            "--voice", config.voice, "--rate-wpm", str(config.rate_wpm),
            "--volume", str(config.volume),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            env=_worker_env(),
        )  # fmt: skip
        try:
            hello = await self._read(START_TIMEOUT_SECONDS)
        except SpeechError:
            await self.kill()
            raise
        if not hello.get("ready"):
            await self.kill()
            raise SpeechError(
                "tts_engine", f"the {config.engine} engine did not start: {hello.get('error')}"
            )

    async def render(self, text: str, path: Path) -> Path:
        if self._process is None or self._process.returncode is not None:
            await self.start()
        assert self._process is not None and self._process.stdin is not None
        line = json.dumps({"text": text, "path": str(path)}) + "\n"
        try:
            self._process.stdin.write(line.encode())
            await self._process.stdin.drain()
        except (BrokenPipeError, ConnectionResetError) as err:
            await self.kill()
            raise SpeechError(
                "tts_crashed", "the speech worker died; it will be restarted"
            ) from err
        reply = await self._read(self._config.timeout_seconds)
        if not reply.get("ok"):
            raise SpeechError("tts_failed", f"speech engine failed: {reply.get('error')}")
        return path

    async def _read(self, timeout: float) -> dict[str, Any]:
        assert self._process is not None and self._process.stdout is not None
        try:
            line = await asyncio.wait_for(self._process.stdout.readline(), timeout)
        except TimeoutError as err:
            await self.kill()
            raise SpeechError(
                "tts_timeout", f"the speech engine took over {timeout:g} s; restarting it"
            ) from err
        if not line:
            await self.kill()
            raise SpeechError("tts_crashed", "the speech worker died; it will be restarted")
        reply: dict[str, Any] = json.loads(line)
        return reply

    async def kill(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.returncode is None:
            process.kill()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(process.wait(), 5)
        if process.stdin is not None:
            process.stdin.close()

    async def stop(self) -> None:
        process = self._process
        if process is not None and process.stdin is not None and process.returncode is None:
            process.stdin.close()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(process.wait(), 5)
        await self.kill()


def _worker_env() -> dict[str, str]:
    """This environment, with our package importable even when homevox is not installed."""
    root = str(Path(__file__).resolve().parent.parent)
    path = os.environ.get("PYTHONPATH", "")
    return {**os.environ, "PYTHONPATH": f"{root}{os.pathsep}{path}" if path else root}


Player = Callable[[Path, str], None]
"""Plays a WAV file on a device ("" = default); raises SpeechError(no_output_device)."""


def play_wav(path: Path, device: str) -> None:
    """Play `path` with sounddevice and return when it has been played."""
    import sounddevice as sd
    import soundfile

    samples, rate = soundfile.read(str(path), dtype="float32")
    try:
        sd.check_output_settings(device=device or None, samplerate=rate, channels=1)
        sd.play(samples, rate, device=device or None)
        sd.wait()
    except (sd.PortAudioError, ValueError) as err:
        where = f"output device {device!r}" if device else "default output device"
        raise SpeechError(
            "no_output_device", f"no {where} to speak on ({err}); set [speech] output_device"
        ) from err


class Speaker:
    """Queues replies and speaks them one at a time; `on_speaking(True/False)` brackets each."""

    def __init__(
        self,
        config: SpeechConfig,
        on_speaking: Callable[[bool], None] | None = None,
        *,
        player: Player = play_wav,
    ) -> None:
        self._config = config
        self._on_speaking = on_speaking or (lambda speaking: None)
        self._player = player
        self._worker = TtsWorker(config)
        self._queue: asyncio.Queue[str] = asyncio.Queue(QUEUE_REPLIES)
        self._task: asyncio.Task[None] | None = None
        self._dir = Path(tempfile.mkdtemp(prefix="homevox-tts-"))
        self._render_lock = asyncio.Lock()
        self.spoken = 0
        """Replies played (or logged for lack of a device), for status and tests."""

    @property
    def worker_pid(self) -> int | None:
        return self._worker.pid

    async def start(self) -> None:
        """Start the engine (so a bad voice is reported now) and the speaking task."""
        if self._config.engine != "none":
            await self._worker.start()
        self._task = asyncio.create_task(self._speak_forever(), name="speaker")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._worker.stop()
        shutil.rmtree(self._dir, ignore_errors=True)

    async def say(self, text: str) -> None:
        """Queue `text` to be spoken after whatever is being spoken now."""
        if self._queue.full():
            dropped = self._queue.get_nowait()
            self._queue.task_done()
            log.warning("speech queue full; dropped reply %r", dropped)
        self._queue.put_nowait(text)

    async def drained(self) -> None:
        """Wait until every queued reply has been spoken (or given up on)."""
        await self._queue.join()

    async def render(self, text: str, path: Path) -> Path:
        """Write what would be said to the WAV file `path`."""
        if self._config.engine == "none":
            raise SpeechError(
                "no_engine", 'speech engine is "none"; set [speech] engine = "pyttsx3" to render'
            )
        async with self._render_lock:
            try:
                return await self._worker.render(text, path)
            except SpeechError as err:
                if err.code not in ("tts_timeout", "tts_crashed"):
                    raise
                log.warning("%s; trying once more with a new worker", err)
            return await self._worker.render(text, path)

    async def _speak_forever(self) -> None:
        while True:
            text = await self._queue.get()
            try:
                await self._speak(text)
            except SpeechError as err:
                log.error("could not speak %r: %s", text, err)
            finally:
                self._queue.task_done()

    async def _speak(self, text: str) -> None:
        if self._config.engine == "none":
            log.info("reply (speech off): %s", text)
            self.spoken += 1
            return
        path = await self.render(text, self._dir / "reply.wav")
        self._on_speaking(True)
        try:
            await asyncio.to_thread(self._player, path, self._config.output_device)
        except SpeechError as err:
            if err.code != "no_output_device":
                raise
            log.warning("%s; reply: %s", err, text)
        finally:
            self._on_speaking(False)
        self.spoken += 1
