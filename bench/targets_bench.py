"""Device targeting benchmark: how spoken names with transcription slips resolve, and how fast.

Three resolvers see the same spoken names, generated with a fixed seed from the example
config.toml's devices: exact name or alias only (what a template matcher does), a plain
rapidfuzz `extractOne` (WRatio, cutoff 80, always picks the best), and homevox's
`skills.targets.resolve_targets`. Each answer is scored as right device, a question that
offers the right device, wrong device, or refused. Names of devices that do not exist must
be refused. Latency is per call, in homes of the example's size and of 100 devices, as a
ratio to the exact-only resolver measured in the same run.

    .venv/bin/python bench/targets_bench.py
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from daemon.config import load_config
from devices.base import Device
from skills.base import IntentRequest, Outcome
from skills.names import spoken_words
from skills.targets import resolve_targets

SEED = 7
REPO = Path(__file__).resolve().parent.parent
UNKNOWN_NAMES = [
    "garden light", "tv light", "fridge light", "bathroom mirror", "lounge lamp",
    "attic fan", "front door", "reading lamp", "nursery light", "christmas tree",
]  # fmt: skip
# How Whisper has been heard to mishear names of the example home (sound-alike spellings).
MISHEARD = {
    "ceiling light": ["sealing light", "ceiling lite"],
    "kitchen light": ["kitchen lights", "kitchen night"],
    "hall light": ["hallway light", "hall lite", "whole light"],
    "desk lamp": ["desk lamb", "disc lamp", "deck lamp"],
    "bedroom blinds": ["bed room blinds", "bedroom blind"],
    "living room lamp": ["livingroom lamp", "living room lamps"],
    "garage heater": ["garage heeter", "garage heating"],
    "porch light": ["porch lite", "torch light"],
}
Verdict = str  # "right", "asked", "wrong", "refused"


@dataclass
class Home:
    """A HomeView over a device list, nothing ever heard from."""

    devices: Sequence[Device]
    assistant_room: str = "living room"
    assistant_name: str = "homevox"
    rooms: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rooms = sorted({device.room for device in self.devices})

    def state(self, device_name: str) -> dict[str, Any]:
        return {}

    def now(self) -> datetime:
        return datetime.now().astimezone()


def slips(name: str, rng: random.Random) -> list[tuple[str, str]]:
    """(kind of slip, spoken text) variants of one name, as a transcript might carry them."""
    letters = [i for i, char in enumerate(name) if char.isalpha()]
    i = rng.choice(letters[1:-1])
    j = rng.choice([k for k in letters[:-1] if name[k + 1].isalpha()])
    sub = rng.choice("aeiourstln")
    return [
        ("exact", name),
        ("article", f"the {name}"),
        ("possessive", f"my {name}"),
        ("capitals+period", name.title() + "."),
        ("deletion", name[:i] + name[i + 1 :]),
        ("substitution", name[:i] + sub + name[i + 1 :]),
        ("transposition", name[:j] + name[j + 1] + name[j] + name[j + 2 :]),
        ("merged words", name.replace(" ", "", 1)),
        ("light->lite", name.replace("light", "lite")),
    ]


def exact_only(home: Home, text: str, kind: str) -> tuple[Device, ...] | None:
    spoken = " ".join(spoken_words(text))
    for device in home.devices:
        if device.kind == kind and spoken in (device.name, *device.aliases):
            return (device,)
    return None


def plain_fuzzy(home: Home, text: str, kind: str) -> tuple[Device, ...] | None:
    candidates = {d.name: d for d in home.devices if d.kind == kind}
    best = process.extractOne(text.lower(), list(candidates), scorer=fuzz.WRatio, score_cutoff=80)
    return (candidates[best[0]],) if best else None


def homevox(home: Home, text: str, kind: str) -> tuple[Device, ...] | Outcome:
    request = IntentRequest(intent="devices.state", slots={"device": text}, text=text)
    return resolve_targets(request, home, kind, for_command=False)


Resolver = Callable[[Home, str, str], "tuple[Device, ...] | Outcome | None"]
RESOLVERS: dict[str, Resolver] = {
    "exact only": exact_only,
    "rapidfuzz WRatio": plain_fuzzy,
    "homevox": homevox,
}


def verdict(found: tuple[Device, ...] | Outcome | None, wanted: str | None) -> Verdict:
    if found is None or (isinstance(found, Outcome) and found.question is None):
        return "refused"
    if isinstance(found, Outcome):
        assert found.question is not None
        return "asked" if wanted in found.question.options else "wrong"
    names = [device.name for device in found]
    return "right" if names == [wanted] else "wrong"


def accuracy_table(home: Home) -> None:
    rng = random.Random(SEED)
    cases: list[tuple[str, str, str, str | None]] = []  # slip, text, kind, wanted
    for device in home.devices:
        for slip, text in slips(device.name, rng):
            if text != device.name or slip == "exact":
                cases.append((slip, text, device.kind, device.name))
        for text in MISHEARD.get(device.name, []):
            cases.append(("misheard", text, device.kind, device.name))
    for text in UNKNOWN_NAMES:
        cases.append(("unknown name", text, "light", None))
    slip_kinds = list(dict.fromkeys(slip for slip, *_ in cases))
    print(
        f"\n## Resolution of {len(cases)} spoken names ({len(home.devices)} devices, seed {SEED})"
    )
    print(
        "Known: right / asked (offers the right one) / wrong / refused. Unknown: refused / wrong."
    )
    print(f"| slip | n | {' | '.join(RESOLVERS)} |")
    print(f"|---|---|{'---|' * len(RESOLVERS)}")
    totals = {name: Counter[str]() for name in RESOLVERS}
    for slip in slip_kinds:
        rows = [case for case in cases if case[0] == slip]
        cells = []
        for name, resolve in RESOLVERS.items():
            counts = Counter(
                verdict(resolve(home, text, kind), wanted) for _, text, kind, wanted in rows
            )
            totals[name] += counts
            if slip == "unknown name":
                cells.append(
                    f"{counts['refused']} / {counts['wrong'] + counts['asked'] + counts['right']}"
                )
            else:
                cells.append(
                    " / ".join(str(counts[v]) for v in ("right", "asked", "wrong", "refused"))
                )
        print(f"| {slip} | {len(rows)} | {' | '.join(cells)} |")
    wrong = [totals[name]["wrong"] + _unknown_accepted(name, home, cases) for name in RESOLVERS]
    print(f"| **wrong device, all rows** | {len(cases)} | {' | '.join(map(str, wrong))} |")


def _unknown_accepted(name: str, home: Home, cases: list[tuple[str, str, str, str | None]]) -> int:
    resolve = RESOLVERS[name]
    return sum(
        verdict(resolve(home, text, kind), None) in ("right", "asked")
        for _, text, kind, wanted in cases
        if wanted is None
    )


def synthetic_home(size: int) -> Home:
    rooms = ["living room", "kitchen", "bedroom", "office", "hall", "bathroom", "garage", "porch",
             "nursery", "attic", "basement", "dining room", "guest room"]  # fmt: skip
    things = ["ceiling light", "lamp", "spot", "strip", "pendant", "wall light", "night light"]
    devices = []
    for index in range(size):
        room = rooms[index % len(rooms)]
        thing = things[(index // len(rooms)) % len(things)]
        devices.append(Device(f"{room} {thing}", "light", "zigbee2mqtt", f"z/{index}", room))
    return Home(devices)


def latency_table(homes: dict[str, Home], repeats: int) -> None:
    print(f"\n## Latency per call (median / p95 microseconds, {repeats} rounds, interleaved)")
    print(f"| home | {' | '.join(RESOLVERS)} | homevox / exact (median) |")
    print(f"|---|{'---|' * len(RESOLVERS)}---|")
    for label, home in homes.items():
        names = [d.name for d in home.devices if d.kind == "light"][:10]
        texts = [*names, "kitchen lite", "tv light"]
        samples: dict[str, list[float]] = {name: [] for name in RESOLVERS}
        for _ in range(repeats):
            for name, resolve in RESOLVERS.items():
                for text in texts:
                    start = time.perf_counter()
                    resolve(home, text, "light")
                    samples[name].append((time.perf_counter() - start) * 1e6)
        medians = {name: statistics.median(values) for name, values in samples.items()}
        cells = [
            f"{medians[name]:.0f} / {statistics.quantiles(values, n=20)[-1]:.0f}"
            for name, values in samples.items()
        ]
        ratio = medians["homevox"] / medians["exact only"]
        print(f"| {label} | {' | '.join(cells)} | {ratio:.1f}x |")


def main() -> None:
    example = load_config(REPO / "config.toml").config
    home = Home(example.device_list(), assistant_room=example.assistant.room)
    accuracy_table(home)
    latency_table(
        {f"example ({len(home.devices)} devices)": home, "synthetic (100)": synthetic_home(100)},
        200,
    )


if __name__ == "__main__":
    main()
