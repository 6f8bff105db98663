"""Where the trained intent model lives; importable without torch (the daemon's run-time path)."""

from __future__ import annotations

import os
from pathlib import Path

from daemon.config import LoadedConfig


def model_dir_for(loaded: LoadedConfig) -> Path:
    """[intent] model_dir (relative to the config), else $XDG_CACHE_HOME/homevox/intent-model."""
    configured = loaded.config.intent.model_dir
    if configured:
        return loaded.resolve(configured)
    return _cache_root() / "intent-model"


def training_lock_path() -> Path:
    """One training at a time per user: every run shares the channel transcript cache."""
    return _cache_root() / "train.lock"


def _cache_root() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "homevox"
