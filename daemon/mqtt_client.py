"""The paho client set-up shared by the MQTT link and the device simulator.

One place decides how homevox talks to a broker: MQTT 3.1.1, credentials from a file, TLS,
TCP_NODELAY, and publishing only on plain topics.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
from pathlib import Path
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

from daemon.config import MqttConfig
from daemon.errors import HomevoxError

_WILDCARDS = ("#", "+", "\0")


class MqttError(HomevoxError):
    """The link could not do what was asked; `code` is stable, the message says what to do."""

    # Codes: broker_unavailable, publish_failed, password_file_unreadable, tls_error, bad_topic,
    # or an adapter's (unsupported_command, invalid_value, bad_template).

    def __init__(self, code: str, message: str, device: str | None = None) -> None:
        super().__init__(code, message)
        self.device = device
        """The configured device the failure concerns, when it concerns one."""


def new_client(client_id: str, config: MqttConfig | None) -> paho.Client:
    """A paho client (callback API 2, MQTT 3.1.1, clean session) set up from `config`."""
    client = paho.Client(
        CallbackAPIVersion.VERSION2, client_id=client_id, protocol=paho.MQTTv311, clean_session=True
    )
    if config is not None:
        configure_client(client, config)
    send_at_once(client)
    return client


def configure_client(client: paho.Client, config: MqttConfig) -> None:
    """Credentials and TLS from the configuration (shared with the device simulator)."""
    if config.username:
        password: str | None = None
        if config.password_file:
            path = Path(config.password_file).expanduser()
            try:
                password = path.read_text(encoding="utf-8").strip()
            except OSError as err:
                raise MqttError(
                    "password_file_unreadable",
                    f"cannot read [mqtt] password_file {path} ({err.strerror}); "
                    "fix the path or its permissions",
                ) from err
        client.username_pw_set(config.username, password)
    if config.tls:
        try:
            client.tls_set(ca_certs=config.ca_file or None, tls_version=ssl.PROTOCOL_TLS_CLIENT)
        except (OSError, ssl.SSLError, ValueError) as err:
            raise MqttError(
                "tls_error", f"cannot set up TLS with [mqtt] ca_file {config.ca_file!r}: {err}"
            ) from err


def send_at_once(client: paho.Client) -> None:
    """Turn off Nagle's algorithm on the client's sockets.

    Otherwise a small publish written right after a PUBACK waits for the broker's delayed TCP
    ACK (40 ms on Linux) on every hop: measured in bench/mqtt_bench.py.
    """

    def opened(client: paho.Client, userdata: Any, sock: Any) -> None:
        with contextlib.suppress(OSError, AttributeError):  # not every SocketLike is TCP
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    client.on_socket_open = opened


def release_client(client: paho.Client) -> None:
    """Drop a stopped client's callbacks, so no reference cycle keeps it (and its sockets) alive."""
    client.on_connect = client.on_disconnect = client.on_message = client.on_subscribe = None
    client.on_connect_fail = None
    client.on_socket_open = None


def checked_topic(topic: str) -> str:
    """`topic`, refused when it holds a wildcard or NUL (which would widen a publish)."""
    if not topic or any(char in topic for char in _WILDCARDS):
        raise MqttError(
            "bad_topic", f"refusing to publish on topic {topic!r}: it is empty or holds # + or NUL"
        )
    return topic
