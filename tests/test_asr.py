"""The Whisper stage with the real bundled weights and real espeak-ng speech."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import jiwer
import numpy as np
import pytest
import soundfile

from daemon.asr import (
    AsrError,
    Transcriber,
    collapse_repeats,
    comparable_words,
    initial_prompt,
    judge,
    load_transcriber,
    without_repeats,
)
from daemon.asr_convert import openai_state_dict, read_ct2_model
from daemon.asr_models import assemble_base, ct2_model_dir
from daemon.audio_io import SAMPLE_RATE, espeak, write_wav
from daemon.config import AsrConfig

pytestmark = pytest.mark.slow

PROMPT = initial_prompt(
    ["kitchen light", "desk lamp", "thermostat", "bedroom curtains"],
    ["kitchen", "living room", "bedroom", "office"],
)

# (text, espeak voice, words per minute, words that must be heard)
COMMANDS = [
    ("turn on the kitchen light", "en-us", 160, {"kitchen", "light"}),
    ("set the thermostat to twenty one degrees", "en-us", 150, {"thermostat", "21", "degrees"}),
    ("close the bedroom curtains", "en-gb", 150, {"close", "bedroom", "curtains"}),
    ("dim the desk lamp to fifty percent", "en-us+m3", 140, {"desk", "lamp", "50", "percent"}),
]


@pytest.fixture(scope="session")
def tiny() -> Iterator[Transcriber]:
    yield load_transcriber(AsrConfig(model="tiny.en"))


def test_spoken_commands_are_heard(tiny: Transcriber) -> None:
    references, hypotheses = [], []
    for text, voice, speed, key_words in COMMANDS:
        transcript = tiny.transcribe(espeak(text, voice=voice, words_per_minute=speed), PROMPT)
        heard = comparable_words(transcript.text)
        assert transcript.accepted, transcript
        assert key_words <= set(heard.split()), (text, transcript.text)
        assert 0 < transcript.seconds < 60
        references.append(comparable_words(text))
        hypotheses.append(heard)
    assert jiwer.wer(references, hypotheses) < 0.25


def test_prompt_makes_device_names_heard(tiny: Transcriber) -> None:
    audio = espeak("set the thermostat to twenty one degrees", words_per_minute=150)
    assert "thermostat" in comparable_words(tiny.transcribe(audio, PROMPT).text)


def _tone(seconds: float) -> np.ndarray:
    times = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    chord = sum(np.sin(2 * np.pi * hertz * times) for hertz in (262.0, 330.0, 392.0))
    return (0.2 * chord).astype(np.float32)


@pytest.mark.parametrize(
    "name",
    ["silence", "quiet_noise", "loud_noise", "chord", "hum"],
)
def test_non_speech_is_rejected(tiny: Transcriber, name: str) -> None:
    rng = np.random.default_rng(7)
    samples = 3 * SAMPLE_RATE
    audio = {
        "silence": np.zeros(samples, dtype=np.float32),
        "quiet_noise": (0.01 * rng.standard_normal(samples)).astype(np.float32),
        "loud_noise": (0.3 * rng.standard_normal(samples)).astype(np.float32),
        "chord": _tone(3.0),
        "hum": (0.3 * np.sin(2 * np.pi * 50 * np.arange(samples) / SAMPLE_RATE)).astype(np.float32),
    }[name]
    for prompt in ("", PROMPT):
        transcript = tiny.transcribe(audio, prompt)
        assert not transcript.accepted, transcript
        assert transcript.reason in {"no_speech", "low_logprob", "empty", "hallucination"}


def test_long_audio_takes_the_30_second_path(tiny: Transcriber) -> None:
    speech = espeak("turn on the kitchen light")
    audio = np.concatenate([np.zeros(27 * SAMPLE_RATE, dtype=np.float32), speech])
    transcript = tiny.transcribe(audio, PROMPT)
    assert {"kitchen", "light"} <= set(comparable_words(transcript.text).split()), transcript


def test_judge_rejects_known_hallucinations_and_loops() -> None:
    config = AsrConfig()
    confident = {"no_speech_prob": 0.01, "avg_logprob": -0.1, "seconds": 0.1, "config": config}
    assert judge("Thank you.", **confident).reason == "hallucination"
    assert judge(" you", **confident).reason == "hallucination"
    assert judge("Thanks for watching!", **confident).reason == "hallucination"
    loop = " ".join(["the light"] * 10)
    assert judge(loop, **confident).reason == "hallucination"
    assert judge("...", **confident).reason == "empty"
    assert judge("Turn on the light.", **confident).accepted
    assert judge("Turn on the light.", 0.9, -0.1, 0.1, config).reason == "no_speech"
    assert judge("Turn on the light.", 0.1, -1.5, 0.1, config).reason == "low_logprob"


LOOPS = [
    # (Whisper's text, with its repeats collapsed)
    ("Open the blinds. Open the blinds. Open the blinds. Open the", "Open the blinds."),
    ("Turn off the lamp, turn off the lamp, turn off the", "Turn off the lamp,"),
    ("turn on the light light light", "turn on the light"),
    ("x y a b c a b c", "x y a b c"),
    ("Turn on the light.", "Turn on the light."),
    ("a b c a b", "a b c a b"),  # one repeat, cut off: not a loop
    ("", ""),
]


@pytest.mark.parametrize(("text", "collapsed"), LOOPS)
def test_exact_repeats_are_collapsed(text: str, collapsed: str) -> None:
    assert collapse_repeats(text) == collapsed


def test_a_loop_of_a_command_is_that_command_and_other_rejections_stay() -> None:
    config = AsrConfig()
    loop = judge("Open the blinds. " * 8 + "Open the", 0.01, -0.1, 0.1, config)
    assert loop.reason == "hallucination"
    collapsed = replace(loop, text="Open the blinds.", reason="", accepted=True)
    assert without_repeats(loop, config) == collapsed
    unsure = judge("Close, nachurtons.", 0.01, -1.5, 0.1, config)
    assert without_repeats(unsure, config) == unsure
    babble = judge("Thank you. " * 8, 0.01, -0.1, 0.1, config)
    assert not without_repeats(babble, config).accepted  # "Thank you." is still invented


def test_initial_prompt_lists_names_once_within_limit() -> None:
    assert initial_prompt(["kitchen light", "Kitchen Light"], ["kitchen"]) == (
        "Kitchen light, kitchen."
    )
    assert initial_prompt([], []) == ""
    long = initial_prompt([f"device number {index}" for index in range(200)], [])
    assert len(long) <= 600
    assert long.endswith(".")


def test_comparable_words_normalises_numbers_and_punctuation() -> None:
    assert comparable_words("Set it to twenty-one degrees.") == "set it to 21 degrees"
    assert comparable_words("Dim to 50%, please!") == "dim to 50 percent please"


def test_missing_model_dir_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(AsrError) as caught:
        load_transcriber(AsrConfig(model=str(tmp_path / "no-such-model")))
    assert caught.value.code == "model_missing"
    assert "no-such-model" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_relative_model_dir_is_taken_from_model_root(tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    with pytest.raises(AsrError, match=str(tmp_path / "mine")):
        load_transcriber(AsrConfig(model="mine"), model_root=tmp_path)


def test_corrupt_model_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "model.bin").write_bytes(b"\0" * 64)
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(AsrError) as caught:
        load_transcriber(AsrConfig(model=str(tmp_path)))
    assert caught.value.code == "model_invalid"
    assert "\n" not in str(caught.value)


def test_base_model_is_assembled_once_and_heard(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    target = tmp_path / "homevox" / "whisper-base"
    # A half-written model.bin from an interrupted start must be replaced, not used.
    target.mkdir(parents=True)
    (target / "model.bin").write_bytes(b"partial")
    base = load_transcriber(AsrConfig(model="base"))
    assembled = (target / "model.bin").stat()
    assert assembled.st_size > 100_000_000
    assert assemble_base(target) == target
    assert (target / "model.bin").stat().st_mtime_ns == assembled.st_mtime_ns
    assert not [path for path in target.iterdir() if path.name.startswith(".")]
    transcript = base.transcribe(espeak("turn on the kitchen light"), PROMPT)
    assert {"kitchen", "light"} <= set(comparable_words(transcript.text).split()), transcript


REPO = Path(__file__).resolve().parent.parent


def _homevox(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    # XDG_CONFIG_HOME in the temporary folder: no user configuration is picked up.
    return subprocess.run(
        [sys.executable, "-m", "daemon.cli", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(REPO), "XDG_CONFIG_HOME": str(cwd / "xdg")},
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


def test_transcribe_command_reports_broken_file_and_goes_on(tmp_path: Path) -> None:
    good = tmp_path / "good.flac"
    speech = espeak("turn on the kitchen light")
    soundfile.write(str(good), np.stack([speech, speech], axis=1), SAMPLE_RATE)
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"not audio at all" * 10)
    silent = tmp_path / "silent.ogg"
    soundfile.write(str(silent), np.zeros(2 * 44100, dtype=np.float32), 44100)
    config = str(REPO / "config.toml")

    run = _homevox(
        "transcribe",
        "--config",
        config,
        "--json",
        str(broken),
        str(good),
        str(silent),
        cwd=tmp_path,
    )

    assert run.returncode == 1, run.stderr
    assert run.stderr.count("\n") == 1 and "broken.wav" in run.stderr, run.stderr
    rows = [json.loads(line) for line in run.stdout.splitlines()]
    assert [row["file"] for row in rows] == [str(good), str(silent)]
    assert rows[0]["accepted"] and "kitchen light" in rows[0]["text"].lower()
    assert not rows[1]["accepted"] and rows[1]["reason"]

    # Without a config file anywhere, the built-in [asr] defaults are used.
    run = _homevox("transcribe", str(good), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith(f"{good}\t") and "kitchen light" in run.stdout.lower()


def test_transcribe_command_bad_model_is_one_line(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[assistant]\nroom = "kitchen"\n[asr]\nmodel = "./no-model-here"\n')
    audio = tmp_path / "a.wav"
    write_wav(audio, espeak("what time is it"))
    run = _homevox("transcribe", "--config", str(config), str(audio), cwd=tmp_path)
    assert run.returncode == 1
    assert run.stderr.count("\n") == 1 and "no-model-here" in run.stderr, run.stderr


# openai-whisper engine: the bundled tiny.en converted from CTranslate2 float16.


@pytest.fixture(scope="session")
def openai_tiny() -> Iterator[Transcriber]:
    yield load_transcriber(AsrConfig(engine="openai-whisper", model="tiny.en"))


def test_openai_engine_hears_converted_weights(openai_tiny: Transcriber) -> None:
    for text, voice, speed, key_words in COMMANDS[:2]:
        audio = espeak(text, voice=voice, words_per_minute=speed)
        transcript = openai_tiny.transcribe(audio, PROMPT)
        assert transcript.accepted, transcript
        assert key_words <= set(comparable_words(transcript.text).split()), transcript
    silence = openai_tiny.transcribe(np.zeros(3 * SAMPLE_RATE, dtype=np.float32), PROMPT)
    assert not silence.accepted


def test_openai_engine_loads_a_checkpoint_file(tmp_path: Path) -> None:
    import torch

    folder = ct2_model_dir("tiny.en")
    dims, state = openai_state_dict(read_ct2_model(folder / "model.bin"), folder)
    checkpoint = tmp_path / "tiny.en.pt"
    torch.save(
        {"dims": dims, "model_state_dict": {k: torch.from_numpy(v) for k, v in state.items()}},
        checkpoint,
    )
    config = AsrConfig(engine="openai-whisper", checkpoint="tiny.en.pt")
    transcriber = load_transcriber(config, model_root=tmp_path)
    transcript = transcriber.transcribe(espeak("turn on the kitchen light"), PROMPT)
    assert {"kitchen", "light"} <= set(comparable_words(transcript.text).split()), transcript


def test_openai_engine_bad_checkpoints_are_one_line_errors(tmp_path: Path) -> None:
    missing = AsrConfig(engine="openai-whisper", checkpoint=str(tmp_path / "none.pt"))
    with pytest.raises(AsrError) as caught:
        load_transcriber(missing)
    assert caught.value.code == "model_missing"
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"not a checkpoint" * 10)
    with pytest.raises(AsrError) as caught:
        load_transcriber(AsrConfig(engine="openai-whisper", checkpoint=str(garbage)))
    assert caught.value.code == "checkpoint_invalid"
    assert "garbage.pt" in str(caught.value) and "\n" not in str(caught.value)


def _write_ct2_model(path: Path, variables: dict[str, np.ndarray]) -> None:
    """A minimal model.bin in CTranslate2's binary format version 6."""
    type_ids = {"float32": 0, "int8": 1, "int16": 2, "float16": 4}

    def string(value: str) -> bytes:
        return struct.pack("H", len(value) + 1) + value.encode() + b"\0"

    blob = struct.pack("I", 6) + string("WhisperSpec") + struct.pack("II", 3, len(variables))
    for name, array in variables.items():
        blob += string(name) + struct.pack("B", array.ndim)
        blob += b"".join(struct.pack("I", dim) for dim in array.shape)
        blob += struct.pack("<B", type_ids[str(array.dtype)])
        blob += struct.pack("<I", array.nbytes) + array.tobytes()
    path.write_bytes(blob + struct.pack("I", 0))


def test_int8_model_cannot_be_converted_and_says_why(tmp_path: Path) -> None:
    model_bin = tmp_path / "model.bin"
    _write_ct2_model(
        model_bin,
        {
            "decoder/embeddings/weight": np.ones((8, 4), dtype=np.int8),
            "decoder/num_heads": np.array(1, dtype=np.int16),
        },
    )
    weights = read_ct2_model(model_bin)
    assert weights.dtypes["decoder/embeddings/weight"] == "int8"
    with pytest.raises(AsrError, match="int8") as caught:
        openai_state_dict(weights, model_bin)
    assert caught.value.code == "model_invalid"


def test_truncated_model_bin_is_a_clear_error(tmp_path: Path) -> None:
    model_bin = tmp_path / "model.bin"
    source = ct2_model_dir("tiny.en") / "model.bin"
    model_bin.write_bytes(source.read_bytes()[:100_000])
    with pytest.raises(AsrError, match="truncated"):
        read_ct2_model(model_bin)
