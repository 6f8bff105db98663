"""config.toml validation: the example is valid; every error class is reported, together."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from daemon.config import EX_CONFIG, ConfigError, load_config

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "config.toml"

GOOD_HEAD = """
[assistant]
name = "test"
room = "kitchen"
"""

DEVICE = """
[[devices]]
name = "{name}"
room = "kitchen"
kind = "{kind}"
protocol = "{protocol}"
topic = "{topic}"
"""


def device(
    name: str = "kitchen light", kind: str = "light", protocol: str = "tasmota", topic: str = "kl"
) -> str:
    return DEVICE.format(name=name, kind=kind, protocol=protocol, topic=topic)


def problems_of(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return caught.value.problems


def test_example_config_is_valid_and_describes_a_small_home() -> None:
    config = load_config(EXAMPLE).config
    kinds = {d.kind for d in config.devices}
    protocols = {d.protocol for d in config.devices}
    rooms = {d.room for d in config.devices}
    assert kinds == {"light", "thermostat", "curtains"}
    assert protocols == {"zigbee2mqtt", "tasmota", "homeassistant", "generic"}
    assert len(rooms) >= 4
    assert any(d.room == config.assistant.room and d.kind == "light" for d in config.devices)
    assert config.mqtt.broker == "embedded" and config.mqtt.simulate_devices


def test_every_key_of_the_example_is_commented() -> None:
    """Each `key = value` line has a comment on it or on the lines just above it."""
    lines = EXAMPLE.read_text().splitlines()
    undocumented = []
    for index, line in enumerate(lines):
        if "=" not in line or line.lstrip().startswith("#"):
            continue
        block_start = index
        while (
            block_start > 0
            and lines[block_start - 1].strip()
            and not lines[block_start - 1].startswith("[")
        ):
            block_start -= 1
        block = lines[block_start : index + 1]
        in_device_or_phrase = any(
            line_above.startswith(("[[devices]]", "[[phrases]]"))
            for line_above in lines[max(0, block_start - 1) : block_start]
        )
        if not any(other.lstrip().startswith("#") for other in block) and not in_device_or_phrase:
            undocumented.append(line)
    assert undocumented == []


def test_all_error_classes_are_reported_together_with_key_paths_and_lines(tmp_path: Path) -> None:
    text = (
        GOOD_HEAD
        + "colour = 'red'\n"  # unknown key in [assistant]
        + "[mqtt]\nport = 'eighteen'\nack_timeout_seconds = -1\n"  # wrong type, out of range
        + device()
        + device(name="Kitchen  Light", topic="other")  # duplicate name (normalised)
        + device(name="porch", protocol="zwave", topic="p")  # unknown protocol
        + device(name="tv", kind="television", topic="tv")  # unknown kind
        + device(name="evil", topic="a/#")  # wildcard in a topic
    )
    problems = problems_of(tmp_path, text)
    joined = "\n".join(problems)
    assert len(problems) == 7, joined
    assert "assistant.colour: unknown key" in joined
    assert "mqtt.port:" in joined and "mqtt.ack_timeout_seconds:" in joined
    assert "already used by devices[0]" in joined
    assert "devices[2] (porch).protocol: unknown protocol 'zwave'" in joined
    assert "devices[3] (tv).kind: unknown kind 'television'" in joined
    assert "devices[4] (evil).topic:" in joined
    for problem in problems:
        assert "\n" not in problem and "Traceback" not in problem
        assert problem.startswith(str(tmp_path / "config.toml"))
    port_line = next(p for p in problems if "mqtt.port" in p)
    assert port_line.split(":")[1] == str(text.splitlines().index("port = 'eighteen'") + 1)


def test_missing_section_and_bad_toml(tmp_path: Path) -> None:
    assert any("assistant: missing" in p for p in problems_of(tmp_path, "[mqtt]\nport = 1883\n"))
    (problem,) = problems_of(tmp_path, "[assistant\nname=")
    assert "not valid TOML" in problem


def test_unreadable_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "nope.toml")
    assert "--config" in caught.value.problems[0]


def test_unknown_phrase_intent_and_slot(tmp_path: Path) -> None:
    text = (
        GOOD_HEAD
        + '[[phrases]]\ntext = "x"\nintent = "coffee.make"\n'
        + '[[phrases]]\ntext = "y"\nintent = "lights.on"\nslots = { mood = "happy" }\n'
    )
    joined = "\n".join(problems_of(tmp_path, text))
    assert "phrases[0].intent: unknown intent 'coffee.make'" in joined
    assert "phrases[1].slots: unknown slot(s) mood" in joined


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "daemon.cli", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )


def test_check_config_cli_exit_status_78_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(GOOD_HEAD + device(protocol="zwave") + "[wake]\nthreshold = 2\n")
    result = run_cli("check-config", str(bad))
    assert result.returncode == EX_CONFIG
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line]
    assert any("devices[0] (kitchen light).protocol" in line for line in lines)
    assert any("wake.threshold" in line for line in lines)
    assert result.stdout == ""


def test_check_config_cli_accepts_the_example() -> None:
    result = run_cli("check-config", str(EXAMPLE))
    assert result.returncode == 0, result.stderr
    assert "OK, 11 devices" in result.stdout


def test_daemon_refuses_to_start_on_a_bad_config(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(GOOD_HEAD + device(kind="toaster"))
    result = run_cli("run", "--no-audio", "--config", str(bad))
    assert result.returncode == EX_CONFIG
    assert "unknown kind 'toaster'" in result.stderr and "Traceback" not in result.stderr


def test_early_silence_must_be_shorter_than_the_full_silence(tmp_path: Path) -> None:
    text = GOOD_HEAD + "[audio]\nsilence_seconds = 0.4\nearly_silence_seconds = 0.5\n" + device()
    (problem,) = problems_of(tmp_path, text)
    assert "audio:" in problem and "early_silence_seconds must be 0 (off) or below" in problem
    assert "\n" not in problem
    for early in ("0", "0.3"):
        path = tmp_path / "ok.toml"
        path.write_text(GOOD_HEAD + f"[audio]\nearly_silence_seconds = {early}\n" + device())
        assert load_config(path).config.audio.early_silence_seconds == float(early)
    # A short silence_seconds alone is valid: early endpointing then simply has no room.
    path = tmp_path / "short.toml"
    path.write_text(GOOD_HEAD + "[audio]\nsilence_seconds = 0.2\n" + device())
    assert load_config(path).config.audio.silence_seconds == 0.2


def test_continuation_seconds_is_validated(tmp_path: Path) -> None:
    for bad in ("-0.5", "6", '"soon"'):
        text = GOOD_HEAD + f"[audio]\ncontinuation_seconds = {bad}\n" + device()
        (problem,) = problems_of(tmp_path, text)
        assert "audio.continuation_seconds" in problem and "\n" not in problem, problem
    for good in ("0", "1.5"):
        path = tmp_path / "ok.toml"
        path.write_text(GOOD_HEAD + f"[audio]\ncontinuation_seconds = {good}\n" + device())
        assert load_config(path).config.audio.continuation_seconds == float(good)
