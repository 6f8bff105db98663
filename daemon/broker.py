"""The embedded MQTT broker for `[mqtt] broker = "embedded"`: mosquitto if installed, else amqtt.

mosquitto runs as a child process with a temporary configuration (one listener on 127.0.0.1,
anonymous clients allowed, no persistence); without it, amqtt serves in-process on the same
address. Either way only this machine can reach it.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import errno
import getpass
import logging
import shutil
import signal
import socket
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from daemon.errors import HomevoxError

_PR_SET_PDEATHSIG = 1

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
MOSQUITTO_PATHS = ("/usr/sbin/mosquitto",)
START_TIMEOUT_SECONDS = 5.0


class BrokerError(HomevoxError):
    """The embedded broker could not start; `code` is stable, the message says what to do."""

    # Codes: port_in_use, broker_failed.


def find_mosquitto() -> str | None:
    """Path of the mosquitto executable, or None."""
    found = shutil.which("mosquitto")
    if found:
        return found
    return next((path for path in MOSQUITTO_PATHS if Path(path).is_file()), None)


def check_port_free(host: str, port: int) -> None:
    """Raise BrokerError(port_in_use) when something already listens on host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as err:
            if err.errno == errno.EADDRINUSE:
                raise BrokerError(
                    "port_in_use",
                    f"port {port} on {host} is already in use; stop the other broker there, "
                    f"set [mqtt] broker to its host, or choose another [mqtt] port",
                ) from err
            raise BrokerError(
                "broker_failed", f"cannot listen on {host}:{port}: {err.strerror}"
            ) from err


async def wait_listening(host: str, port: int, timeout: float) -> bool:
    """True once host:port accepts a TCP connection, False after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 1.0)
        except (OSError, TimeoutError):
            await asyncio.sleep(0.05)
            continue
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
        return True
    return False


class EmbeddedBroker:
    """A broker on 127.0.0.1:`port` that lives as long as homevox."""

    def __init__(self, port: int, engine: Literal["auto", "mosquitto", "amqtt"] = "auto") -> None:
        self._port = port
        self._engine = engine
        self._process: asyncio.subprocess.Process | None = None
        self._workdir: tempfile.TemporaryDirectory[str] | None = None
        self._amqtt: Any = None

    @property
    def host(self) -> str:
        return LOOPBACK

    @property
    def port(self) -> int:
        return self._port

    @property
    def engine(self) -> str:
        """The engine in use once started: "mosquitto" or "amqtt"."""
        return (
            "mosquitto" if self._process is not None else "amqtt" if self._amqtt is not None else ""
        )

    async def start(self) -> None:
        """Start serving; raise BrokerError with a one-line reason when it cannot."""
        check_port_free(LOOPBACK, self._port)
        mosquitto = find_mosquitto() if self._engine != "amqtt" else None
        if mosquitto is not None:
            await self._start_mosquitto(mosquitto)
        elif self._engine == "mosquitto":
            raise BrokerError(
                "broker_failed", "mosquitto is not installed; apt-get install mosquitto"
            )
        else:
            await self._start_amqtt()
        log.info("embedded MQTT broker (%s) on %s:%d", self.engine, LOOPBACK, self._port)

    async def _start_mosquitto(self, executable: str) -> None:
        self._workdir = tempfile.TemporaryDirectory(prefix="homevox-broker-")
        conf = Path(self._workdir.name) / "mosquitto.conf"
        # set_tcp_nodelay: without it every reply waits ~40 ms for a delayed ACK (measured
        # in bench/mqtt_bench.py).
        conf.write_text(
            f"listener {self._port} {LOOPBACK}\nallow_anonymous true\npersistence false\n"
            "set_tcp_nodelay true\nlog_dest stderr\nlog_type error\nlog_type warning\n"
            # Run as whoever runs homevox: mosquitto started as root would switch users,
            # which clears the death signal that ends it with homevox (_die_with_parent).
            f"user {getpass.getuser()}\n",
            encoding="utf-8",
        )
        # A file, not a pipe: nobody drains a pipe, and a full one would stall the broker.
        with (Path(self._workdir.name) / "mosquitto.log").open("wb") as log_file:
            self._process = await asyncio.create_subprocess_exec(
                executable,
                "-c",
                str(conf),
                stdout=asyncio.subprocess.DEVNULL,
                stderr=log_file,
                preexec_fn=_die_with_parent(),
            )
        listening = asyncio.create_task(wait_listening(LOOPBACK, self._port, START_TIMEOUT_SECONDS))
        exited = asyncio.create_task(self._process.wait())
        await asyncio.wait({listening, exited}, return_when=asyncio.FIRST_COMPLETED)
        if listening.done() and listening.result() and not exited.done():
            exited.cancel()
            return
        listening.cancel()
        exited.cancel()
        reason = await self._stop_mosquitto()
        raise BrokerError(
            "broker_failed", f"mosquitto did not start on {LOOPBACK}:{self._port}: {reason}"
        )

    async def _start_amqtt(self) -> None:
        from amqtt.broker import Broker  # only when mosquitto is missing: amqtt is slow to import

        config = {
            "listeners": {"default": {"type": "tcp", "bind": f"{LOOPBACK}:{self._port}"}},
            "plugins": {
                "amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}
            },
        }
        broker = Broker(config)
        try:
            await broker.start()
        except Exception as err:  # amqtt wraps socket errors in its own exception types
            raise BrokerError(
                "broker_failed", f"amqtt did not start on {LOOPBACK}:{self._port}: {err}"
            ) from err
        self._amqtt = broker

    async def stop(self) -> None:
        """Stop the broker; idempotent."""
        if self._process is not None:
            await self._stop_mosquitto()
        if self._amqtt is not None:
            broker, self._amqtt = self._amqtt, None
            await broker.shutdown()

    async def _stop_mosquitto(self) -> str:
        """Stop the child process; return the last line it wrote to stderr."""
        process, self._process = self._process, None
        if process is None:
            return ""
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 5.0)
            except TimeoutError:
                process.kill()
                await process.wait()
        lines: list[str] = []
        if self._workdir is not None:
            log_path = Path(self._workdir.name) / "mosquitto.log"
            lines = log_path.read_text("utf-8", "replace").strip().splitlines()
            self._workdir.cleanup()
            self._workdir = None
        return lines[-1] if lines else f"exit status {process.returncode}"


def _die_with_parent() -> Callable[[], None] | None:
    """Linux: a child that gets SIGTERM when homevox dies, even by SIGKILL, so no orphaned
    broker keeps the port and a restarted daemon can listen again. prctl is looked up here, in
    the parent: the forked child only makes the one C call."""
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None

    def set_death_signal() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)

    return set_death_signal
