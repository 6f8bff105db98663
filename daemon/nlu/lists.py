"""Value lists shared by every sentence file: generic rooms, device names, numbers, times.

Generic on purpose: configured names are matched after the model, so the model must tag any
plausible name as a device or room, not learn the example home's.
"""

from __future__ import annotations

_ONES = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
]  # fmt: skip
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def number_words(number: int) -> str:
    """English words for 0 <= number < 1000 ("twenty one", "one hundred")."""
    if number < 20:
        return _ONES[number]
    if number < 100:
        tens, ones = divmod(number, 10)
        return _TENS[tens] + ("" if ones == 0 else " " + _ONES[ones])
    hundreds, rest = divmod(number, 100)
    head = _ONES[hundreds] + " hundred"
    return head if rest == 0 else f"{head} {number_words(rest)}"


ROOMS = [
    "kitchen", "living room", "lounge", "bedroom", "master bedroom", "kids room", "bathroom",
    "hall", "hallway", "office", "study", "dining room", "garage", "basement", "attic",
    "guest room", "nursery", "porch", "patio", "garden", "toilet", "laundry room", "den",
    "upstairs", "downstairs", "landing", "entrance", "playroom", "library", "cellar",
    "family room", "sitting room", "back room", "front room", "closet", "pantry", "balcony",
    "john's room", "emma's room", "the twins' room", "workshop", "loft", "utility room",
]  # fmt: skip

LIGHT_NAMES = [
    "light", "lights", "lamp", "lamps", "ceiling light", "ceiling lamp", "floor lamp",
    "desk lamp", "table lamp", "bedside lamp", "reading lamp", "reading light", "night light",
    "light strip", "led strip", "strip", "bulb", "bulbs", "spotlights", "spots", "chandelier",
    "pendant", "wall light", "sconce", "lantern", "fairy lights", "string lights", "uplighter",
    "mirror light", "cabinet lights", "island lights", "track lights", "globe", "salt lamp",
    "hue", "lava lamp", "pendant lights", "porch light", "garden lights", "downlights",
]  # fmt: skip

THERMOSTAT_NAMES = [
    "thermostat", "heating", "heater", "radiator", "heat", "climate", "ac", "air conditioning",
    "boiler", "floor heating", "heat pump", "temperature",
]  # fmt: skip

CURTAIN_NAMES = [
    "curtains", "curtain", "blinds", "blind", "shades", "shade", "shutters", "shutter",
    "drapes", "roller blind", "roller shutter", "awning", "sunscreen", "window covering",
]  # fmt: skip

COLORS = [
    "red", "green", "blue", "yellow", "orange", "purple", "pink", "white", "warm white",
    "cool white", "cold white", "daylight", "soft white", "violet", "magenta", "cyan", "teal",
    "turquoise", "lime", "indigo", "lavender", "gold", "amber", "crimson", "coral", "salmon",
    "navy", "maroon", "aqua", "peach", "mint", "olive", "beige", "ivory", "lilac", "rose",
    "sky blue", "light blue", "dark blue", "deep purple", "hot pink", "light green",
    "dark red", "candle light", "warm", "cool", "neutral", "2700 kelvin", "3000 kelvin",
    "4000 kelvin", "6500 kelvin", "two thousand seven hundred kelvin", "5000k", "fuchsia",
    "chartreuse", "sea green", "forest green", "royal blue", "black and white",
]  # fmt: skip

MESSAGES = [
    "call mom", "call my mother", "call dad", "buy milk", "buy milk and eggs", "take out the trash",
    "take the bins out", "water the plants", "feed the cat", "walk the dog", "pick up the kids",
    "pay the electricity bill", "pay rent", "book a dentist appointment", "take my medicine",
    "take my pills", "check the oven", "move the car", "send the report", "email john",
    "call the plumber", "do the laundry", "hang up the washing", "defrost the chicken",
    "pack my gym bag", "charge my phone", "lock the back door", "renew my passport",
    "buy a birthday present for sarah", "book tickets for the concert", "phone grandma",
    "pick up the dry cleaning", "submit my timesheet", "stretch", "drink some water",
    "go to bed", "leave for the airport", "start cooking dinner", "order groceries",
    "return the library books", "bring an umbrella", "clean the fish tank",
    "check on the bread", "record the match", "prepare for the meeting", "get up",
    "wake up", "pray", "study for the exam", "put the rubbish out", "collect the parcel",
    "meet alex at the station", "cancel the gym membership", "buy bread and butter",
    "turn off the oven", "turn the sprinklers on", "close the windows",
]  # fmt: skip

TIMER_NAMES = [
    "pasta", "eggs", "pizza", "tea", "laundry", "oven", "rice", "bread", "nap", "workout",
    "cake", "cookies", "potatoes", "steak", "homework", "meditation", "parking", "washing",
    "chicken", "kettle", "study", "break", "soup", "roast", "popcorn",
]  # fmt: skip

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


_EXTRA_TIMES = (
    "7:30", "6:45", "8:15", "10:30 p.m.", "5:30 pm", "7:05 am", "12:00", "18:00", "21:30",
    "seven thirty", "half past six", "quarter to eight", "quarter past nine", "six fifteen",
    "noon", "midnight", "eleven forty five", "1430", "0700",
)  # fmt: skip


def _clock_times() -> list[str]:
    out: list[str] = []
    for hour in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12):
        for suffix in (" am", " pm", " a.m.", " p.m.", "am", "pm", " o'clock", ""):
            out.append(f"{hour}{suffix}")
        out.append(f"{number_words(hour)} {'p.m.' if hour % 2 else 'in the morning'}")
        out.append(f"{number_words(hour)} o'clock")
    for text in _EXTRA_TIMES:
        out.append(text)
    return out


CLOCK_TIMES = _clock_times()

LISTS: dict[str, list[str]] = {
    "room": ROOMS,
    "light": [
        *LIGHT_NAMES,
        "{room!} {light_plain!}",
        "{room!} {light_plain!}",
        "all the lights",
        "all lights",
        "every light",
        "the lights in the {room!}",
    ],
    "light_plain": LIGHT_NAMES,
    "thermostat": [*THERMOSTAT_NAMES, "{room!} thermostat", "{room!} heating", "{room!} radiator"],
    "curtain": [
        *CURTAIN_NAMES,
        "{room!} {curtain_plain!}",
        "{room!} {curtain_plain!}",
        "all the blinds",
        "all the curtains",
        "window blinds",
        "{room!} window blinds",
    ],
    "curtain_plain": CURTAIN_NAMES,
    "color": COLORS,
    "percent": [f"{n}%" for n in range(0, 101, 5)]
    + [
        f"{n} percent"
        for n in (1, 5, 10, 15, 20, 25, 30, 33, 40, 45, 50, 60, 65, 70, 75, 80, 85, 90, 99, 100)
    ]
    + [
        f"{number_words(n)} percent"
        for n in (5, 10, 15, 20, 25, 30, 35, 40, 50, 60, 70, 75, 80, 90, 100)
    ]
    + [f"{n}" for n in (10, 20, 30, 40, 50, 60, 70, 80, 90)]
    + [number_words(n) for n in (10, 20, 30, 40, 50, 60, 70, 80)],
    "level_word": [
        "half",
        "full",
        "max",
        "maximum",
        "minimum",
        "the lowest",
        "the highest",
        "half way",
        "full brightness",
        "quarter",
        "a quarter",
        "three quarters",
        "low",
        "medium",
        "high",
        "bright",
        "dim",
    ],
    "celsius": [f"{n}" for n in range(15, 28)]
    + [f"{n} degrees" for n in range(12, 30)]
    + [f"{n}°" for n in range(16, 26)]
    + [f"{n}°C" for n in (18, 20, 21, 22)]
    + [f"{n}.5 degrees" for n in (19, 20, 21, 22)]
    + [f"{number_words(n)} degrees" for n in range(15, 28)]
    + [number_words(n) for n in range(16, 26)]
    + [
        "twenty one and a half",
        "seventy degrees fahrenheit",
        "68 degrees fahrenheit",
        "72 °F",
        "seventy two",
        "21 degrees celsius",
        "nineteen point five",
    ],
    "step": [
        "a bit",
        "a little",
        "a little bit",
        "a lot",
        "slightly",
        "a notch",
        "a touch",
        "some",
        "one degree",
        "two degrees",
        "2 degrees",
        "3 degrees",
        "half a degree",
        "1 degree",
        "three degrees",
        "10%",
        "20%",
        "10 percent",
        "twenty percent",
        "fifteen percent",
        "30 percent",
        "5 percent",
        "a tad",
        "a couple of degrees",
        "a couple degrees",
        "a few degrees",
        "a degree",
        "four degrees",
        "5 degrees",
        "one and a half degrees",
        "15%",
        "25 percent",
        "a fair bit",
    ],
    "clock_time": CLOCK_TIMES,
    "weekday": WEEKDAYS,
    "message": MESSAGES,
    "timer_name": TIMER_NAMES,
    "minutes": [
        *(str(n) for n in (1, 2, 3, 5, 8, 10, 12, 15, 20, 25, 30, 40, 45, 90)),
        *(number_words(n) for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 15, 20, 25, 30, 45)),
    ],
    "duration": [
        "{minutes!} minutes",
        "{minutes!} minutes",
        "{minutes!} min",
        "{minutes!} mins",
        "{hours!} hours",
        "an hour",
        "one hour",
        "1 hour",
        "an hour and a half",
        "half an hour",
        "a minute",
        "one minute",
        "30 seconds",
        "thirty seconds",
        "ninety seconds",
        "45 seconds",
        "two and a half minutes",
        "1 hour 20 minutes",
        "an hour and fifteen minutes",
        "a couple of minutes",
        "a few minutes",
        "quarter of an hour",
        "1.5 hours",
        "2 hours",
        "{minutes!} minutes and 30 seconds",
        "10 seconds",
        "5 mins",
    ],
    "datetime": [
        "at {clock_time!}",
        "at {clock_time!}",
        "at {clock_time!}",
        "{clock_time!}",
        "tomorrow",
        "tomorrow morning",
        "tomorrow at {clock_time!}",
        "tonight",
        "tonight at {clock_time!}",
        "this evening",
        "this afternoon",
        "later today",
        "on {weekday!}",
        "on {weekday!} at {clock_time!}",
        "{weekday!} morning",
        "next {weekday!}",
        "in {minutes!} minutes",
        "in an hour",
        "in {hours!} hours",
        "in half an hour",
        "every day at {clock_time!}",
        "every weekday at {clock_time!}",
        "every morning",
        "every {weekday!}",
        "every {weekday!} at {clock_time!}",
        "at noon",
        "at midnight",
        "next week",
        "on the 5th of june",
        "on march 3rd",
        "on the 21st",
        "at {clock_time!} tomorrow",
        "at {clock_time!} on {weekday!}",
        "the day after tomorrow",
        "in the morning",
        "at {clock_time!} every day",
        "on friday evening",
        "tomorrow night",
        "this weekend",
        "on christmas eve",
        "for {clock_time!}",
        "for tomorrow",
        "for {weekday!}",
        "by {clock_time!}",
        "in 2 days",
        "next month",
        "on the first of every month",
        "everyday at {clock_time!}",
        "{weekday!} at {clock_time!}",
        "tomorrow {clock_time!}",
    ],
    # When a device command is said for later: one-off times only (a device is not repeated).
    "later_time": [
        "at {clock_time!}",
        "at {clock_time!}",
        "at {clock_time!}",
        "in {minutes!} minutes",
        "in {minutes!} minutes",
        "in {minutes!} mins",
        "in an hour",
        "in {hours!} hours",
        "in half an hour",
        "in a few minutes",
        "{minutes!} minutes from now",
        "after {minutes!} minutes",
        "tonight",
        "tonight at {clock_time!}",
        "this evening",
        "tomorrow morning",
        "tomorrow at {clock_time!}",
        "at {clock_time!} tomorrow",
        "on {weekday!} at {clock_time!}",
        "at noon",
        "at midnight",
        "at sunset",
        "at {clock_time!} tonight",
        # For a while: done now, undone when the time is up (daemon.timed.for_a_while).
        "for {minutes!} minutes",
        "for an hour",
        "for half an hour",
        "for {hours!} hours",
        "for the next {minutes!} minutes",
    ],
    "hours": ["1", "2", "3", "one", "two", "three", "four", "an", "a", "half an", "24", "six"],
}
