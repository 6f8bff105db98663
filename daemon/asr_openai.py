"""openai-whisper engine (optional extra): a user checkpoint or the bundled weights converted."""

from __future__ import annotations

from pathlib import Path

from daemon.asr import AsrError, Transcriber
from daemon.config import AsrConfig


def load_openai_transcriber(config: AsrConfig, model_root: Path | None = None) -> Transcriber:
    """Not built yet: the faster-whisper engine is the supported one."""
    raise AsrError(
        "engine_missing",
        '[asr] engine = "openai-whisper" is not available yet; use engine = "faster-whisper"',
    )
