"""Shared fixtures: a real mosquitto broker on a free loopback port.

`mosquitto` lives for the whole session; `mosquitto_restartable` is a fresh broker for a test
that stops and restarts it (on the same port). Both FAIL when mosquitto is not installed.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from daemon.asr import Transcriber
    from daemon.listener import ListeningCore

MOSQUITTO_CANDIDATES = ("/usr/sbin/mosquitto",)
START_TIMEOUT_SECONDS = 5.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def mosquitto_executable() -> str:
    found = shutil.which("mosquitto") or next(
        (path for path in MOSQUITTO_CANDIDATES if os.path.isfile(path)), None
    )
    if found is None:
        pytest.fail(
            "mosquitto is not installed: apt-get install mosquitto (the tests need a real broker)"
        )
    return found


class Mosquitto:
    """A mosquitto child process listening on 127.0.0.1 only."""

    def __init__(self, workdir: Path, extra_config: str = "") -> None:
        self.host = "127.0.0.1"
        self.port = free_port()
        self._workdir = workdir
        self._extra_config = extra_config
        self._process: subprocess.Popen[bytes] | None = None
        self._log = workdir / "mosquitto.log"

    def start(self) -> None:
        """Start (or restart) on the same port; fail the test when it does not listen within 5 s."""
        if self._process is not None:
            return
        conf = self._workdir / "mosquitto.conf"
        # As root, mosquitto drops to user "mosquitto", which cannot read files in a private
        # temp dir (a password file); staying root is fine for a loopback test broker.
        run_as = "user root\n" if os.geteuid() == 0 else ""
        conf.write_text(
            f"{run_as}listener {self.port} {self.host}\npersistence false\nset_tcp_nodelay true\n"
            "log_dest stderr\n" + (self._extra_config or "allow_anonymous true\n"),
            encoding="utf-8",
        )
        with self._log.open("ab") as log:
            self._process = subprocess.Popen(
                [mosquitto_executable(), "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=log
            )
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                break
            try:
                socket.create_connection((self.host, self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        pytest.fail(
            f"mosquitto did not start on port {self.port}:\n{self._log.read_text(errors='replace')}"
        )

    def stop(self) -> None:
        """Stop the broker (clients see the connection close)."""
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None


@pytest.fixture(scope="session")
def mosquitto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mosquitto]:
    """One broker for the whole session. Tests that stop it must use mosquitto_restartable."""
    broker = Mosquitto(tmp_path_factory.mktemp("mosquitto"))
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture
def mosquitto_restartable(tmp_path: Path) -> Iterator[Mosquitto]:
    """A fresh broker for one test, which may stop() and start() it again on the same port."""
    broker = Mosquitto(tmp_path)
    broker.start()
    yield broker
    broker.stop()


REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def trained_model() -> Path:
    """The intent model for the repo's config.toml, the one `make test` trains first; trained
    here when missing or stale (minutes), and the test FAILS if that is not possible."""
    from daemon.config import load_config
    from daemon.nlu.paths import model_dir_for

    config = REPO / "config.toml"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "daemon.cli",
            "train",
            "--if-stale",
            "--quiet",
            "--config",
            str(config),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=1100,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(
            f"`homevox train --if-stale` failed ({done.returncode}):\n{done.stderr[-3000:]}"
        )
    return model_dir_for(load_config(config))


@pytest.fixture(scope="session")
def transcriber() -> Transcriber:
    """The bundled tiny.en Whisper, loaded once for every test that listens."""
    from daemon.asr import load_transcriber
    from daemon.config import AsrConfig

    return load_transcriber(AsrConfig(model="tiny.en"))


@pytest.fixture
def core() -> ListeningCore:
    """A fresh listening core (wake word hey_jarvis, Silero VAD) with default settings."""
    from daemon.config import AudioConfig, WakeConfig
    from daemon.listener import load_listening_core

    return load_listening_core(AudioConfig(), WakeConfig(model="hey_jarvis"))
