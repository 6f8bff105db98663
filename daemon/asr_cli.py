"""`homevox transcribe FILE...`: what Whisper hears in audio files, one line per file."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from daemon.asr import Transcriber, Transcript, initial_prompt, load_transcriber
from daemon.audio_io import SAMPLE_RATE, AudioDecodeError, decode_file
from daemon.config import (
    EX_CONFIG,
    AsrConfig,
    Config,
    ConfigError,
    default_config_path,
    load_config,
)


def add_parser(subparsers: Any) -> None:
    """Register `transcribe` on the `homevox` sub-command parser."""
    parser = subparsers.add_parser(
        "transcribe",
        help="print what Whisper hears in WAV/FLAC/OGG files",
        description="Transcribe audio files with the configured Whisper model. Prints "
        "FILE<TAB>TEXT per file; a transcript homevox would not act on (silence, noise) "
        "shows its reason in parentheses. Exit status 1 if any file could not be read.",
    )
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="audio file(s)")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument(
        "--no-prompt",
        action="store_true",
        help="do not give Whisper the configured device names and rooms",
    )
    parser.set_defaults(func=run_transcribe)


def run_transcribe(args: argparse.Namespace) -> int:
    """Transcribe every file; files that cannot be decoded are reported and skipped."""
    loaded = _load_settings(args.config)
    if loaded is None:
        return EX_CONFIG
    asr_config, prompt, model_root = loaded
    if args.no_prompt:
        prompt = ""
    transcriber: Transcriber | None = None
    failed = 0
    for path in args.files:
        try:
            audio = decode_file(path)
        except AudioDecodeError as err:
            print(f"homevox: {err}", file=sys.stderr)
            failed += 1
            continue
        if transcriber is None:
            transcriber = load_transcriber(asr_config, model_root)
        transcript = transcriber.transcribe(audio, prompt)
        print(_format(path, transcript, audio.size / SAMPLE_RATE, as_json=args.json), flush=True)
    return 1 if failed else 0


def _load_settings(config_path: Path | None) -> tuple[AsrConfig, str, Path | None] | None:
    """[asr] settings and the prompt; defaults when no config file exists and none was named."""
    if config_path is None and not default_config_path().exists():
        return AsrConfig.model_validate({}), "", None
    try:
        loaded = load_config(config_path)
    except ConfigError as err:
        for problem in err.problems:
            print(problem, file=sys.stderr)
        print(f"homevox: {len(err.problems)} configuration problem(s)", file=sys.stderr)
        return None
    return loaded.config.asr, config_prompt(loaded.config), loaded.path.parent


def config_prompt(config: Config) -> str:
    """Whisper's initial prompt for a configuration: device names, aliases and rooms."""
    names = [spoken for device in config.devices for spoken in (device.name, *device.aliases)]
    rooms = [config.assistant.room, *(device.room for device in config.devices)]
    return initial_prompt(names, rooms)


def _format(path: Path, transcript: Transcript, audio_seconds: float, *, as_json: bool) -> str:
    if as_json:
        return json.dumps(
            {
                "file": str(path),
                "text": transcript.text,
                "accepted": transcript.accepted,
                "reason": transcript.reason,
                "no_speech_prob": round(transcript.no_speech_prob, 4),
                "avg_logprob": round(transcript.avg_logprob, 4),
                "audio_seconds": round(audio_seconds, 3),
                "seconds": round(transcript.seconds, 4),
            },
            ensure_ascii=False,
        )
    if transcript.accepted:
        return f"{path}\t{transcript.text}"
    heard = f": {transcript.text}" if transcript.text else ""
    return f"{path}\t(not acted on, {transcript.reason}{heard})"
