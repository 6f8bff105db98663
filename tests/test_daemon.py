"""`homevox run` as a real process: embedded broker, simulated devices, the trained intent
model, text commands on homevox/<name>/say, availability, clean stop and the last will."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import free_port
from tests.mqtt_recorder import Recorder

REPO = Path(__file__).resolve().parent.parent
START_SECONDS = 120  # loading the intent model on a busy 2-core machine


def daemon_config(tmp_path: Path, port: int) -> Path:
    """The example config on a free port, with its state in tmp_path and speech logged only."""
    text = (REPO / "config.toml").read_text()
    text, ports = re.subn(r"(?m)^port = 1883$", f"port = {port}", text)
    text, states = re.subn(r'(?m)^state_dir = ""$', f'state_dir = "{tmp_path / "state"}"', text)
    text, engines = re.subn(r'(?m)^engine = "pyttsx3"$', 'engine = "none"', text)
    assert (ports, states, engines) == (1, 1, 1), "config.toml changed shape: update this test"
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


class RunningDaemon:
    def __init__(self, config: Path, *extra: str) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "daemon.cli",
                "run",
                "--no-audio",
                "--config",
                str(config),
                *extra,
            ],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )

        self.log = ""

    def stop(self, signum: int = signal.SIGTERM) -> int:
        """Signal the daemon, wait for it, keep its log; the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signum)
        out, _ = self.process.communicate(timeout=30)
        self.log += out or ""
        return self.process.returncode

    def output(self) -> str:
        """The daemon's log (killing it if it still runs)."""
        self.stop(signal.SIGKILL)
        return self.log


@pytest.fixture
def embedded_daemon(tmp_path: Path, trained_model: Path) -> Iterator[tuple[RunningDaemon, int]]:
    port = free_port()
    daemon = RunningDaemon(daemon_config(tmp_path, port))
    yield daemon, port
    daemon.stop(signal.SIGKILL)


def connect_recorder(port: int, daemon: RunningDaemon) -> Recorder:
    """A recorder on the daemon's embedded broker, once it listens."""
    import time

    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if daemon.process.poll() is not None:
            pytest.fail(f"homevox run exited early:\n{daemon.output()}")
        try:
            return Recorder("127.0.0.1", port)
        except (OSError, AssertionError):
            time.sleep(0.3)
    pytest.fail(f"the embedded broker never listened:\n{daemon.output()}")


def say(recorder: Recorder, text: str) -> dict[str, Any]:
    recorder.publish("homevox/homevox/say", text)
    return recorder.wait_json("homevox/homevox/reply", 30, text=text)


def test_make_run_out_of_the_box_acts_on_text_commands(
    embedded_daemon: tuple[RunningDaemon, int],
) -> None:
    daemon, port = embedded_daemon
    recorder = connect_recorder(port, daemon)
    try:
        _check_turns(daemon, recorder)
    except AssertionError as failure:
        raise AssertionError(
            f"{failure}\n--- homevox run said:\n{daemon.output()[-4000:]}"
        ) from None
    finally:
        recorder.close()


def _check_turns(daemon: RunningDaemon, recorder: Recorder) -> None:
    """Spoken-style text in, device commands and replies out; chit-chat switches nothing."""
    assert recorder.wait_message("homevox/homevox/status", START_SECONDS) == "online"
    turn = say(recorder, "please turn on the kitchen light")
    assert turn["intent"] == "lights.on"
    assert turn["commands"] == [
        {
            "device": "kitchen light",
            "topic": "cmnd/kitchen_light/POWER",
            "payload": "ON",
            "acknowledged": True,
        }
    ]
    assert recorder.wait_message("stat/kitchen_light/RESULT", 5) == '{"POWER":"ON"}'
    before = len(recorder.commands())
    chat = say(recorder, "what is the capital of france")
    assert chat["intent"] == "none" and chat["commands"] == []
    assert chat["reply"] == "Sorry, I didn't understand that."
    assert len(recorder.commands()) == before
    assert daemon.stop() == 0


def test_availability_last_will_and_clean_stop(
    tmp_path: Path, mosquitto: Any, trained_model: Path
) -> None:
    config = daemon_config(tmp_path, free_port())
    broker = f"{mosquitto.host}:{mosquitto.port}"
    recorder = Recorder(mosquitto.host, mosquitto.port)
    try:
        killed = RunningDaemon(config, "--broker", broker)
        recorder.wait_message("homevox/homevox/status", START_SECONDS, lambda p: p == "online")
        recorder.clear()
        killed.stop(signal.SIGKILL)
        assert recorder.wait_message("homevox/homevox/status", 10) == "offline"  # the last will
        recorder.clear()
        stopped = RunningDaemon(config, "--broker", broker)
        recorder.wait_message("homevox/homevox/status", START_SECONDS, lambda p: p == "online")
        recorder.clear()
        assert stopped.stop() == 0
        assert recorder.wait_message("homevox/homevox/status", 10) == "offline"
        retained = Recorder(mosquitto.host, mosquitto.port)
        try:
            status = retained.wait_message("homevox/homevox/status", 5)
            assert status == "offline"
            assert any(t == "homevox/homevox/status" and r for t, _, r in retained.messages)
        finally:
            retained.close()
    finally:
        recorder.close()


def test_a_killed_daemon_leaves_no_embedded_broker_behind(
    embedded_daemon: tuple[RunningDaemon, int],
) -> None:
    """Under systemd, Restart= after a crash must find the broker port free again."""
    import socket
    import time

    daemon, port = embedded_daemon
    recorder = connect_recorder(port, daemon)
    recorder.wait_message("homevox/homevox/status", START_SECONDS, lambda p: p == "online")
    recorder.close()
    daemon.stop(signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        except OSError:
            return  # nothing listens: the broker went with the daemon
        time.sleep(0.1)
    pytest.fail(f"the embedded broker on port {port} outlived the killed daemon")
