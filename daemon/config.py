"""config.toml parsed once into frozen, validated models; every error reported together.

Each problem is one line: the file and line where it can be found, the key path, what is
wrong. `load_config` raises ConfigError holding all of them; the CLI prints them and exits 78.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from daemon.config_report import describe, duplicate_names, explain, line_number
from devices import ADAPTERS
from devices.base import DEVICE_KINDS, Device
from skills.base import INTENT_NAMES, SLOT_NAMES

EX_CONFIG = 78
"""sysexits.h: configuration error."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


class AssistantConfig(_Section):
    name: str = Field("homevox", min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")
    """Name used in MQTT topics (homevox/<name>/...) and replies."""
    room: str = Field(min_length=1)
    """The room the assistant stands in: commands without a room act here."""
    timezone: str = ""
    """IANA zone ("Europe/Berlin") for clock answers and reminders; "" = the system's."""

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if value:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(
                    f"unknown time zone {value!r} (use an IANA name such as Europe/Berlin)"
                ) from None
        return value

    @field_validator("room")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.strip().lower()


class MqttConfig(_Section):
    broker: str = "embedded"
    """"embedded" runs a broker inside homevox; otherwise the host name of your broker."""
    port: int = Field(1883, ge=1, le=65535)
    """Broker port (also the port the embedded broker listens on, on 127.0.0.1)."""
    username: str = ""
    password_file: str = ""
    """File holding the password (never the password itself); "" = no password."""
    tls: bool = False
    ca_file: str = ""
    """CA bundle for TLS; "" = the system's."""
    keepalive_seconds: int = Field(30, ge=5, le=3600)
    connect_wait_seconds: float = Field(3.0, gt=0, le=60)
    """How long a command waits for an unreachable broker before failing (never sent later)."""
    ack_timeout_seconds: float = Field(2.0, gt=0, le=60)
    """How long to wait for a device's state echo before saying it did not respond."""
    reconnect_min_seconds: float = Field(0.5, gt=0, le=60)
    reconnect_max_seconds: float = Field(30.0, gt=0, le=3600)
    simulate_devices: bool = False
    """Play the configured devices inside homevox (as `homevox sim` does), for a first run."""

    @model_validator(mode="after")
    def _backoff_order(self) -> MqttConfig:
        if self.reconnect_max_seconds < self.reconnect_min_seconds:
            raise ValueError("reconnect_max_seconds must be at least reconnect_min_seconds")
        return self


class DeviceConfig(_Section):
    name: str = Field(min_length=1, max_length=60)
    aliases: list[str] = []
    room: str = Field(min_length=1)
    kind: str
    protocol: str
    topic: str = Field(min_length=1)
    confirm: bool = False
    voice: bool = True
    # Ranges, by kind. Values outside are clamped to these.
    min_kelvin: int = Field(2200, ge=1000, le=10000)
    max_kelvin: int = Field(6500, ge=1000, le=10000)
    min_celsius: float = Field(5.0, ge=-20, le=40)
    max_celsius: float = Field(30.0, ge=-20, le=40)
    # generic protocol: topics and payload templates, filled with {value} by str.format.
    command_topic: str = ""
    state_topic: str = ""
    templates: dict[str, str] = {}
    """generic: payload template per action (power_on, power_off, brightness, color, color_temp,
    position, open, close, stop, setpoint, mode); {value} (and {hex} {r} {g} {b} {kelvin}
    {mireds}) are filled in, all other text is sent as written."""
    state_json_keys: dict[str, str] = {}
    """generic: which key of a JSON state payload holds each normalised state key."""

    @field_validator("name", "room")
    @classmethod
    def _normalise(cls, value: str) -> str:
        return " ".join(value.lower().split())

    @field_validator("aliases")
    @classmethod
    def _normalise_aliases(cls, value: list[str]) -> list[str]:
        return [" ".join(alias.lower().split()) for alias in value]

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        if value not in DEVICE_KINDS:
            raise ValueError(f"unknown kind {value!r} (known: {', '.join(DEVICE_KINDS)})")
        return value

    @field_validator("protocol")
    @classmethod
    def _known_protocol(cls, value: str) -> str:
        if value not in ADAPTERS:
            raise ValueError(f"unknown protocol {value!r} (known: {', '.join(sorted(ADAPTERS))})")
        return value

    @field_validator("topic", "command_topic", "state_topic")
    @classmethod
    def _plain_topic(cls, value: str) -> str:
        if any(char in value for char in "#+\0") or value.startswith("/") or value.endswith("/"):
            raise ValueError(f"topic {value!r} must not contain # + or NUL nor start or end with /")
        return value

    @model_validator(mode="after")
    def _ranges(self) -> DeviceConfig:
        if self.min_kelvin > self.max_kelvin:
            raise ValueError("min_kelvin must not exceed max_kelvin")
        if self.min_celsius > self.max_celsius:
            raise ValueError("min_celsius must not exceed max_celsius")
        return self

    def to_device(self) -> Device:
        options: dict[str, Any] = {
            "min_kelvin": self.min_kelvin,
            "max_kelvin": self.max_kelvin,
            "min_celsius": self.min_celsius,
            "max_celsius": self.max_celsius,
            "command_topic": self.command_topic,
            "state_topic": self.state_topic,
            "templates": dict(self.templates),
            "state_json_keys": dict(self.state_json_keys),
        }
        return Device(
            name=self.name,
            kind=self.kind,
            protocol=self.protocol,
            topic=self.topic,
            room=self.room,
            aliases=tuple(self.aliases),
            confirm=self.confirm,
            voice=self.voice,
            options=options,
        )


class AudioConfig(_Section):
    input_device: str = ""
    """Capture device, by (part of) its name; "" = the system default."""
    require_device: bool = False
    """true: exit when there is no capture device; false: fall back to the spoken demo source."""
    queue_seconds: float = Field(2.0, gt=0, le=30)
    """Audio kept between the capture callback and the listener; older blocks are dropped."""
    pre_roll_seconds: float = Field(0.3, ge=0, le=2)
    """Audio kept from before speech started."""
    min_command_seconds: float = Field(0.3, gt=0, le=5)
    max_command_seconds: float = Field(10.0, gt=0, le=60)
    silence_seconds: float = Field(0.6, gt=0, le=5)
    """Silence that ends a command."""
    early_silence_seconds: float = Field(0.16, ge=0, le=5)
    """Silence after which the command so far is transcribed and parsed speculatively; it
    ends the command there when it is complete and confident. 0 = off."""
    early_min_confidence: float = Field(0.9, gt=0, lt=1)
    """Intent confidence a command ended early needs (and at least [intent]
    confidence_threshold): a short pause is weaker evidence of an end than the full silence."""
    continuation_seconds: float = Field(1.2, ge=0, le=5)
    """After a command ended early and was acted on, speech that begins within this long needs
    no wake word and is heard only as the rest of that command (daemon.continuation). 0 = off."""
    vad_threshold: float = Field(0.5, gt=0, lt=1)
    """Silero VAD speech probability above which a frame is speech."""

    @model_validator(mode="after")
    def _early_before_full_silence(self) -> AudioConfig:
        # Checked only when set: a short silence_seconds alone just leaves early endpointing off.
        early = self.early_silence_seconds
        if "early_silence_seconds" in self.model_fields_set and early >= self.silence_seconds:
            raise ValueError("early_silence_seconds must be 0 (off) or below silence_seconds")
        return self


class WakeConfig(_Section):
    mode: Literal["wakeword", "none"] = "wakeword"
    """"none" listens always (every utterance is a command)."""
    model: Literal["hey_jarvis", "hey_mycroft", "alexa"] = "hey_jarvis"
    threshold: float = Field(0.5, gt=0, lt=1)
    follow_up_seconds: float = Field(6.0, ge=0, le=60)
    """After a reply that asks a question, the answer needs no wake word for this long."""


class AsrConfig(_Section):
    engine: Literal["faster-whisper", "openai-whisper"] = "faster-whisper"
    model: str = "tiny.en"
    """"tiny.en" or "base" (bundled), or a directory with a CTranslate2 Whisper model."""
    checkpoint: str = ""
    """openai-whisper: a .pt checkpoint; "" = converted from the bundled CTranslate2 weights."""
    pad_seconds: float = Field(5.0, ge=0, le=30)
    """Zero audio appended before computing features instead of padding to 30 s."""
    threads: int = Field(2, ge=1, le=64)
    beam_size: int = Field(1, ge=1, le=10)
    no_speech_threshold: float = Field(0.6, gt=0, lt=1)
    min_avg_logprob: float = Field(-1.0, le=0)
    """Transcripts whose mean token log-probability is lower are rejected as not heard."""


class IntentConfig(_Section):
    model_dir: str = ""
    """Trained intent model; "" = $XDG_CACHE_HOME/homevox/intent-model."""
    confidence_threshold: float = Field(0.6, gt=0, lt=1)
    """Calibrated confidence below which homevox says it did not understand."""


class SpeechConfig(_Section):
    engine: Literal["pyttsx3", "piper", "none"] = "pyttsx3"
    voice: str = "en-us"
    rate_wpm: int = Field(175, ge=60, le=400)
    volume: float = Field(1.0, ge=0, le=1)
    output_device: str = ""
    """Playback device by (part of) its name; "" = the system default."""
    timeout_seconds: float = Field(15.0, gt=0, le=120)
    """A TTS engine that takes longer is restarted."""


class RemindersConfig(_Section):
    state_dir: str = ""
    """Where the job store lives; "" = $STATE_DIRECTORY (systemd) or $XDG_STATE_HOME/homevox."""
    missed_grace_minutes: int = Field(720, ge=0, le=100_000)
    """A reminder that fell due while homevox was down is announced if it is this recent."""


class PhraseConfig(_Section):
    text: str = Field(min_length=1)
    intent: str
    slots: dict[str, str] = {}

    @field_validator("intent")
    @classmethod
    def _known_intent(cls, value: str) -> str:
        if value not in INTENT_NAMES:
            raise ValueError(f"unknown intent {value!r}")
        return value

    @field_validator("slots")
    @classmethod
    def _known_slots(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(SLOT_NAMES))
        if unknown:
            raise ValueError(
                f"unknown slot(s) {', '.join(unknown)} (known: {', '.join(SLOT_NAMES)})"
            )
        return value


class Config(_Section):
    assistant: AssistantConfig
    mqtt: MqttConfig = MqttConfig()
    devices: list[DeviceConfig] = []
    audio: AudioConfig = AudioConfig()
    wake: WakeConfig = WakeConfig()
    asr: AsrConfig = AsrConfig()
    intent: IntentConfig = IntentConfig()
    speech: SpeechConfig = SpeechConfig()
    reminders: RemindersConfig = RemindersConfig()
    phrases: list[PhraseConfig] = []

    def device_list(self) -> list[Device]:
        return [device.to_device() for device in self.devices]


@dataclass(frozen=True)
class LoadedConfig:
    """A validated configuration and where it came from."""

    config: Config
    path: Path

    def resolve(self, value: str) -> Path:
        """A path from the file, relative to the file's folder."""
        return (self.path.parent / os.path.expanduser(value)).resolve()


class ConfigError(Exception):
    """The configuration is unusable; `problems` holds one line per problem."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        super().__init__(f"{path}: {len(problems)} problem(s)")
        self.path = path
        self.problems = problems


def default_config_path() -> Path:
    """./config.toml, else $XDG_CONFIG_HOME/homevox/config.toml."""
    local = Path("config.toml")
    if local.exists():
        return local
    xdg = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return xdg / "homevox" / "config.toml"


def load_config(path: Path | None = None) -> LoadedConfig:
    """Read and validate `path`; raise ConfigError with every problem found."""
    path = path or default_config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError(
            path, [f"{path}: cannot read ({err.strerror}); pass --config FILE"]
        ) from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(path, [f"{path}: not valid TOML: {err}"]) from None
    problems = [describe(path, text, raw, loc, message) for loc, message in duplicate_names(raw)]
    try:
        config = Config.model_validate(raw)
    except ValidationError as err:
        problems += [describe(path, text, raw, *explain(error)) for error in err.errors()]
    if problems:
        raise ConfigError(path, sorted(problems, key=line_number))
    return LoadedConfig(
        config=_with_absolute_paths(config, path.resolve().parent), path=path.resolve()
    )


def _with_absolute_paths(config: Config, folder: Path) -> Config:
    """Paths in the file are relative to the file, whatever the current directory is."""

    def absolute(value: str) -> str:
        return str((folder / os.path.expanduser(value)).resolve()) if value else value

    mqtt = config.mqtt.model_copy(
        update={
            "password_file": absolute(config.mqtt.password_file),
            "ca_file": absolute(config.mqtt.ca_file),
        }
    )
    intent = config.intent.model_copy(update={"model_dir": absolute(config.intent.model_dir)})
    reminders = config.reminders.model_copy(
        update={"state_dir": absolute(config.reminders.state_dir)}
    )
    asr = config.asr
    if asr.checkpoint:
        asr = asr.model_copy(update={"checkpoint": absolute(asr.checkpoint)})
    if "/" in asr.model or asr.model.startswith("."):
        asr = asr.model_copy(update={"model": absolute(asr.model)})
    return config.model_copy(
        update={"mqtt": mqtt, "intent": intent, "reminders": reminders, "asr": asr}
    )
