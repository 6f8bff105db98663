"""Slot text to typed values: numbers, percentages, colours, temperatures, steps, positions.

Every parser takes the spoken text of one slot (as Whisper or the tagger wrote it) and returns
a typed value or None. None means "not understood": the handler then says so, it never guesses.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import webcolors
from text_to_num import alpha2digit

from devices.base import Command
from skills.base import HomeView

T = TypeVar("T")

BRIGHTNESS_STEP_PERCENT = 20.0
"""What "brighter" or "a bit dimmer" changes when no amount is said."""
TEMPERATURE_STEP_CELSIUS = 1.0
"""What "warmer" or "a bit cooler" changes when no amount is said."""

_FRACTIONS: tuple[tuple[str, float], ...] = (
    ("three quarters", 0.75),
    ("three fourths", 0.75),
    ("two thirds", 2 / 3),
    ("a quarter", 0.25),
    ("one quarter", 0.25),
    ("quarter", 0.25),
    ("a third", 1 / 3),
    ("one third", 1 / 3),
    ("third", 1 / 3),  # the tagger's "down to about a | third"; "3 percent" was a wrong action
    ("a half", 0.5),
    ("one half", 0.5),
    ("half", 0.5),
)
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_FULL_WORDS = ("full", "max", "maximum", "all the way", "fully", "brightest", "highest", "bright")
_LOWEST_WORDS = ("min", "minimum", "lowest", "dimmest")
_LEVEL_WORDS = {"low": 25, "dim": 25, "medium": 50, "high": 75}

# Named white tones, in kelvin. Bulb makers' usual figures.
_WHITE_TONES: dict[str, int] = {
    "candle light": 2200,
    "candlelight": 2200,
    "candle": 2200,
    "warm white": 2700,
    "soft white": 2700,
    "warm": 2700,
    "neutral white": 4000,
    "neutral": 4000,
    "natural white": 4000,
    "cool white": 5000,
    "cold white": 6000,
    "cool": 5000,
    "daylight": 6500,
    "day light": 6500,
}
# Moods a user asks for as a colour, and colour words CSS lacks.
_MOOD_TONES: dict[str, int] = {
    "cozy": 2200,
    "cosy": 2200,
    "fireplace": 2200,
    "relaxing": 2700,
    "relaxed": 2700,
    "calm": 2700,
    "soft": 2700,
    "reading": 4000,
    "natural": 4000,
    "energizing": 5000,
    "energising": 5000,
    "concentrate": 5000,
    "cold": 6500,
}
_EXTRA_COLOURS: dict[str, str] = {
    "amber": "#ffbf00",
    "peach": "#ffe5b4",
    "mint": "#98ff98",
    "lilac": "#c8a2c8",
    "rose": "#ff007f",
    "deep purple": "#673ab7",
    "romantic": "#ff1493",
    "sunset": "#ff8c00",
    "halloween": "#ff8c00",
    "ocean": "#1e90ff",
    "forest": "#228b22",
}
_KELVIN_RANGE = (1000, 10000)

# "heat", "warm" and "cool" are left out: "turn the heat down" must not read as both ways.
_UP_WORDS = frozenset(
    {"up", "brighter", "brighten", "lighter", "lighten", "higher", "raise", "increase", "boost",
     "more", "warmer", "hotter"}
)  # fmt: skip
_DOWN_WORDS = frozenset(
    {"down", "dimmer", "dim", "darker", "darken", "softer", "soften", "lower", "decrease",
     "reduce", "less", "cooler", "colder", "drop"}
)  # fmt: skip
# A light's white tone as a change; "warm" and "cool" alone are tones (_WHITE_TONES).
_WARMER_TONE = re.compile(r"\b(?:warmer|yellower|more (?:yellow|orange|amber))\b")
_COOLER_TONE = re.compile(r"\b(?:cooler|colder|whiter|bluer|more (?:blue|white))\b")
_SMALL_STEP_WORDS = (
    "a bit",
    "a little",
    "a little bit",
    "slightly",
    "a touch",
    "some",
    "a tad",
    "a notch",
)
_BIG_STEP_WORDS = ("a lot", "much", "way")


@dataclass(frozen=True)
class Colour:
    """A colour to set: an RGB colour or a white tone, exactly one of the two."""

    hex_code: str | None = None
    """"#rrggbb" for a colour."""
    kelvin: int | None = None
    """Colour temperature for a white tone."""
    name: str = ""
    """How a reply names it: "red", "warm white", "3000 kelvin"."""

    def command(self) -> Command:
        """The device command that sets this colour."""
        if self.kelvin is not None:
            return Command("color_temp", self.kelvin)
        return Command("color", self.hex_code or "#ffffff")


def normalise(text: str) -> str:
    """Lower case, typographic quotes and trailing punctuation gone, single spaces."""
    text = text.lower().replace("’", "'").replace("per cent", "percent")
    text = re.sub(r"(\d),(\d{3})\b", r"\1\2", text)  # "2,700" -> "2700"
    text = re.sub(r"[!?,;:\"]|\.(?!\d)", " ", text)
    return " ".join(text.split())


def parse_number(text: str) -> float | None:
    """A number spoken or written: "twenty one", "21", "21.5", "half", "two and a half"."""
    text = normalise(text)
    if not text:
        return None
    fraction = _fraction(text)
    if fraction is not None:
        return fraction
    digits = alpha2digit(text, "en", threshold=0)
    and_a_half = re.search(r"(\d+(?:\.\d+)?) and a half", digits)
    if and_a_half:
        return float(and_a_half.group(1)) + 0.5
    match = _NUMBER.search(digits.replace("minus ", "-"))
    return float(match.group()) if match else None


def parse_percent(text: str) -> int | None:
    """A level 0-100: "30 percent", "30%", "thirty", "half", "full", "max"; else None."""
    text = re.sub(r"^(?:about|around|roughly|approximately|maybe|like|just) ", "", normalise(text))
    if any(re.search(rf"\b{word}\b", text) for word in _FULL_WORDS):
        return 100
    if any(re.search(rf"\b{word}\b", text) for word in _LOWEST_WORDS):
        return 1
    if text.removeprefix("the ") in _LEVEL_WORDS:
        return _LEVEL_WORDS[text.removeprefix("the ")]
    value = parse_number(text)
    if value is None:
        return None
    if _is_fraction_word(text):
        value *= 100  # "half", "a quarter"
    if not 0 <= value <= 100:
        return None
    return round(value)


def parse_colour(text: str) -> Colour | None:
    """A CSS colour name or a white tone: "red", "light blue", "warm white", "3000 kelvin"."""
    text = normalise(text)
    text = re.sub(r"^(?:the |a |an )?(?:colou?r )?", "", text)
    text = re.sub(r" (?:colou?r|light|lighting|tone)$", "", text)
    if not text:
        return None
    tones = _WHITE_TONES | _MOOD_TONES
    if text in tones:
        return Colour(kelvin=tones[text], name=text)
    if text in _EXTRA_COLOURS:
        return Colour(hex_code=_EXTRA_COLOURS[text], name=text)
    digits = alpha2digit(text, "en", threshold=0).replace(",", "")
    kelvin = re.fullmatch(r"(\d+(?:\.\d+)?) ?(?:k|kelvin|degrees kelvin)", digits)
    if kelvin:
        value = round(float(kelvin.group(1)))
        if _KELVIN_RANGE[0] <= value <= _KELVIN_RANGE[1]:
            return Colour(kelvin=value, name=f"{value} kelvin")
        return None
    if re.fullmatch(r"#[0-9a-f]{6}", text):
        return Colour(hex_code=text, name=text)
    try:
        hex_code = webcolors.name_to_hex(text.replace(" ", "").replace("-", ""))
    except ValueError:
        return None
    return Colour(hex_code=hex_code, name=text)


def find_colour(text: str) -> Colour | None:
    """The longest colour or white tone named anywhere in `text`: "a nice warm white" -> warm
    white, "daylight on the desk lamp" -> daylight. For slot text the tagger cut badly."""
    words = normalise(text).split()
    for size in (3, 2, 1):
        for start in range(len(words) - size + 1):
            phrase = " ".join(words[start : start + size])
            if phrase in _NOT_COLOURS:
                continue
            colour = parse_colour(phrase)
            if colour is not None:
                return colour
    return None


# Words parse_colour accepts that say no colour inside a longer sentence.
_NOT_COLOURS = frozenset({"light", "cool", "soft", "calm", "natural", "reading", "cold", "tan"})


def parse_temperature(text: str) -> float | None:
    """Degrees Celsius from "21 degrees", "21°C", "twenty one", "seventy degrees fahrenheit".

    Without a unit a value from 45 to 95 is taken as Fahrenheit: no room is heated to 45 °C,
    and 45-95 °F covers every thermostat set point.
    """
    text = normalise(text)
    value = parse_number(text)
    if value is None:
        return None
    fahrenheit = re.search(r"fahrenheit|°\s*f\b|\d\s*f\b|\bf\b", text) is not None
    celsius = re.search(r"celsius|centigrade|°\s*c\b|\d\s*c\b|\bc\b", text) is not None
    if not celsius and (fahrenheit or 45 <= value <= 95):
        return round((value - 32) * 5 / 9 * 2) / 2
    return value


def parse_direction(text: str) -> Literal[1, -1] | None:
    """+1 for up, brighter, warmer, higher...; -1 for down, dimmer, cooler, lower...; else None."""
    words = set(normalise(text).split())
    up, down = bool(words & _UP_WORDS), bool(words & _DOWN_WORDS)
    if up == down:
        return None
    return 1 if up else -1


def read_on(text: str, start: str, parse: Callable[[str], T | None], words: int = 5) -> T | None:
    """A value the tagger cut short, read on in `text` from where its slot text `start`
    begins ("open the curtains about | a | third" -> "a third"): the shortest run of up to
    `words` words from there that `parse` reads (longer runs catch stray numbers), else None."""
    if not start.strip():
        return None
    for found in re.finditer(rf"(?i)\b{re.escape(start.strip())}\b", text):
        following = text[found.start() :].split()
        for size in range(1, min(words, len(following)) + 1):
            value = parse(" ".join(following[:size]))
            if value is not None:
                return value
    return None


def parse_tone_shift(text: str) -> Literal["warmer", "cooler"] | None:
    """A white tone said as a change: "a bit warmer", "more yellow" / "cooler", "whiter"."""
    said = normalise(text)
    warmer = bool(_WARMER_TONE.search(said))
    cooler = bool(_COOLER_TONE.search(said))
    if warmer == cooler:
        return None
    return "warmer" if warmer else "cooler"


def parse_step(text: str | None, default: float, *, percent: bool = False) -> float | None:
    """The size of a relative change: "20 percent", "two degrees", "a bit" (-> default).

    With `percent`, a bare fraction is a share of the full range: "by half" -> 50.
    """
    if text is None:
        return default
    text = re.sub(r"^by ", "", normalise(text))
    # "a couple of degrees" is two, "a few degrees" three
    text = re.sub(r"^a couple(?: of)?\b", "2", re.sub(r"^a few\b", "3", text)).strip()
    text = re.sub(r"^an? (?=(?:degree|percent|per cent)\b)", "1 ", text)  # "down a degree"
    if not text or text in ("a", "an", "the") or {text, f"a {text}"} & set(_SMALL_STEP_WORDS):
        return default  # "a" alone: the tagger split "a | little warmer"
    if text in _BIG_STEP_WORDS:
        return 2 * default
    value = parse_number(text)
    if value is None or value <= 0:
        return None
    if percent and _is_fraction_word(text):
        value *= 100
    return value


def _fraction(text: str) -> float | None:
    """The value of a lone fraction phrase: "half", "a quarter of the way", "by a third"."""
    for phrase, value in _FRACTIONS:
        if re.fullmatch(
            rf"(?:by )?(?:about )?{phrase}(?: of (?:it|the way))?(?: way)?(?: (?:of )?a degree)?",
            text,
        ):
            return value
    return None


def _is_fraction_word(text: str) -> bool:
    """True when `text` is a fraction phrase ("half", "a quarter"), not a number."""
    return _fraction(normalise(text)) is not None


def parse_position(text: str) -> int | None:
    """How far open, in percent: "half way" -> 50, "a quarter" -> 25, "open" -> 100."""
    text = normalise(text).replace("halfway", "half way")
    if re.fullmatch(r"(?:fully |all the way )?(?:open|opened|up)", text):
        return 100
    if re.fullmatch(r"(?:fully |all the way )?(?:closed?|shut|down)", text):
        return 0
    if re.fullmatch(r"(?:just )?(?:a little(?: bit)?|a bit|a crack|slightly)(?: open)?", text):
        return 20
    if re.fullmatch(r"(?:partly|partially)(?: open)?", text):
        return 50
    text = " ".join(re.sub(r"\b(?:of the way|way|of|open|opened)\b", "", text).split())
    return parse_percent(text) if text else None


def describe_slots(slots: Mapping[str, str], home: HomeView) -> dict[str, Any]:
    """Resolved values of the tagged slots, for `homevox parse` output.

    Keys: "devices" (names the targeting picks), "choose" (options when ambiguous),
    "device_error" (stable code), "room", "brightness_percent", "amount" (a number, "default"
    for "a bit"), "direction" ("up" / "down"), "color_hex", "color_temp_kelvin",
    "temperature_celsius", "position_percent", "datetime" ({"due", "recurrence", "text"}),
    "duration_seconds", "message", "name". A value that cannot be parsed is None.
    """
    from skills.targets import describe_targets  # here: targets imports this module

    result: dict[str, Any] = {}
    if "device" in slots or "room" in slots:
        result.update(describe_targets(slots, home))
    parsers: dict[str, tuple[str, Any]] = {
        "brightness": ("brightness_percent", parse_percent),
        "amount": ("amount", _amount),
        "direction": ("direction", _direction_word),
        "temperature": ("temperature_celsius", parse_temperature),
        "position": ("position_percent", parse_position),
        "datetime": ("datetime", lambda text: _when(text, home)),
        "duration": ("duration_seconds", _duration_seconds),
    }
    for slot, text in slots.items():
        if slot in parsers:
            key, parser = parsers[slot]
            result[key] = parser(text)
        elif slot == "color":
            colour = parse_colour(text)
            result["color_hex"] = colour.hex_code if colour else None
            result["color_temp_kelvin"] = colour.kelvin if colour else None
        elif slot in ("message", "name"):
            result[slot] = text
    return result


def _when(text: str, home: HomeView) -> dict[str, Any] | str | None:
    """skills/when.py's reading of a date or time; the raw text where that module is absent."""
    try:
        from skills.when import parse_when
    except ImportError:
        return text
    when = parse_when(text, home.now())
    if when is None:
        return None
    return {"due": when.due.isoformat(), "recurrence": when.recurrence, "text": when.text}


def _duration_seconds(text: str) -> float | str | None:
    try:
        from skills.when import parse_duration
    except ImportError:
        return text
    duration = parse_duration(text)
    return None if duration is None else duration.total_seconds()


def _amount(text: str) -> float | str | None:
    """A said amount as a number, "default" for "a bit", None when not understood."""
    step = parse_step(text, default=-1.0)
    return "default" if step == -1.0 else step


def _direction_word(text: str) -> str | None:
    direction = parse_direction(text)
    return None if direction is None else ("up" if direction > 0 else "down")


def format_number(value: float) -> str:
    """21.0 -> "21", 21.5 -> "21.5": how a reply says a number."""
    return f"{value:.1f}".removesuffix(".0")
