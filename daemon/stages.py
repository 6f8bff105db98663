"""The stages a turn runs, built once at start: skill handlers, the intent model, Whisper."""

from __future__ import annotations

from typing import TYPE_CHECKING

from daemon.config import LoadedConfig
from skills.base import Handler
from skills.registry import SKILLS

if TYPE_CHECKING:
    from daemon.asr import Transcriber
    from daemon.nlu.parse import IntentParser


def handler_table() -> dict[str, Handler]:
    """Intent name -> handler, from every skill's INTENTS."""
    table: dict[str, Handler] = {}
    for skill in SKILLS:
        for intent, handler in skill.INTENTS.items():
            if intent in table:
                raise RuntimeError(f"intent {intent} is handled twice (second: {skill.__name__})")
            table[intent] = handler
    return table


def load_parser(loaded: LoadedConfig) -> IntentParser:
    """The trained intent model for this configuration (NluError when there is none)."""
    from daemon.nlu.parse import IntentParser
    from daemon.nlu.paths import model_dir_for

    config = loaded.config
    return IntentParser.load(
        model_dir_for(loaded), config.intent.confidence_threshold, config.phrases
    )


def load_asr_stage(loaded: LoadedConfig) -> Transcriber:
    """The configured Whisper stage (AsrError when its model is missing)."""
    from daemon.asr import load_transcriber

    return load_transcriber(loaded.config.asr)
