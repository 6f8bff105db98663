"""`homevox speak "text" [--out reply.wav]`: say a reply, or write what would be said."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from daemon.config import SpeechConfig, default_config_path
from daemon.tts import Speaker


def add_parser(subparsers: Any) -> None:
    """Register `speak` on the `homevox` sub-command parser."""
    parser = subparsers.add_parser(
        "speak",
        help="say a text with the configured voice, or write it to a WAV file",
        description="Speak TEXT with the [speech] settings of the configuration (the "
        "defaults when there is no configuration file). With --out, write the WAV instead "
        "of playing it.",
    )
    parser.add_argument("text", help="what to say")
    parser.add_argument("--out", type=Path, metavar="WAV", help="write the reply to this file")
    parser.set_defaults(func=run_speak)


def speech_config(config_path: Path | None) -> SpeechConfig:
    """[speech] from the configuration, or the defaults when no file is given or found."""
    from daemon.cli import load_or_exit

    if config_path is None and not default_config_path().exists():
        return SpeechConfig.model_validate({})
    return load_or_exit(config_path).config.speech


def run_speak(args: argparse.Namespace) -> int:
    config = speech_config(args.config)
    if args.out is not None:
        written = asyncio.run(_render(config, args.text, args.out))
        print(written)
        return 0
    asyncio.run(_say(config, args.text))
    return 0


async def _render(config: SpeechConfig, text: str, out: Path) -> Path:
    speaker = Speaker(config)
    await speaker.start()
    try:
        return await speaker.render(text, out.resolve())
    finally:
        await speaker.stop()


async def _say(config: SpeechConfig, text: str) -> None:
    speaker = Speaker(config)
    await speaker.start()
    try:
        await speaker.say(text)
        await asyncio.wait_for(speaker.drained(), config.timeout_seconds * 3 + 60)
    finally:
        await speaker.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="homevox")
    parser.add_argument("--config", type=Path, default=None)
    add_parser(parser.add_subparsers(dest="command", required=True))
    parsed = parser.parse_args()
    sys.exit(parsed.func(parsed))
