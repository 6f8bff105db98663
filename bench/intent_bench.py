"""The intent model on real user phrasings (../shared/data/dev-hwu64.jsonl), beside hassil.

Prints: in-scope accuracy, `none` rejection, macro-F1, per-intent figures, a confusion table,
a threshold sweep, latency per sentence and resident memory; then the same accuracy figures for
hassil + home-assistant-intents mapped to homevox's intent names. Measuring only: nothing here
tunes the model.

    .venv/bin/python bench/intent_bench.py [--model-dir DIR] [--threshold 0.6] [--no-hassil]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from daemon.nlu.backend import threads  # noqa: E402
from daemon.nlu.data import LABELS  # noqa: E402
from daemon.nlu.lists import LIGHT_NAMES, ROOMS  # noqa: E402
from daemon.nlu.parse import IntentParser  # noqa: E402

DATA = ROOT / ".." / "shared" / "data" / "dev-hwu64.jsonl"


def load_rows() -> list[dict[str, str]]:
    if not DATA.exists():
        sys.exit(
            f"intent_bench: {DATA.resolve()} not found; the bench needs the shared dev data there"
        )
    return [
        json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def scores(expected: Sequence[str], predicted: Sequence[str]) -> dict[str, float]:
    pairs = list(zip(expected, predicted, strict=True))
    in_scope = [(e, p) for e, p in pairs if e != "none"]
    out_scope = [(e, p) for e, p in pairs if e == "none"]
    labels = sorted(set(expected))
    f1s = []
    for label in labels:
        tp = sum(1 for e, p in pairs if e == p == label)
        fp = sum(1 for e, p in pairs if p == label and e != label)
        fn = sum(1 for e, p in pairs if e == label and p != label)
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return {
        "in_scope_accuracy": sum(e == p for e, p in in_scope) / max(1, len(in_scope)),
        "none_rejected": sum(p == "none" for _, p in out_scope) / max(1, len(out_scope)),
        "macro_f1": statistics.mean(f1s),
        "false_accepts": sum(p != "none" for _, p in out_scope),
    }


def per_intent(expected: Sequence[str], predicted: Sequence[str]) -> None:
    print(f"\n{'intent':20} {'n':>5} {'precision':>9} {'recall':>7} {'f1':>6}")
    for label in sorted(set(expected) | set(predicted)):
        tp = sum(1 for e, p in zip(expected, predicted, strict=True) if e == p == label)
        npred = sum(1 for p in predicted if p == label)
        support = sum(1 for e in expected if e == label)
        precision = tp / npred if npred else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        print(f"{label:20} {support:5d} {precision:9.3f} {recall:7.3f} {f1:6.3f}")


def confusion(expected: Sequence[str], predicted: Sequence[str]) -> None:
    rows = sorted(set(expected))
    cols = sorted(set(predicted))
    short = {
        label: label.replace("reminders.", "rem.").replace("lights.", "li.")[:9] for label in cols
    }
    print("\nconfusion (rows: expected, columns: predicted)")
    print(f"{'':18}" + "".join(f"{short[c]:>10}" for c in cols))
    counts = Counter(zip(expected, predicted, strict=True))
    for row in rows:
        print(f"{row:18}" + "".join(f"{counts.get((row, c), 0):>10}" for c in cols))


def _row(name: str, s: dict[str, float]) -> str:
    return (
        f"{name:28} {s['in_scope_accuracy']:12.3f} {s['none_rejected']:13.3f} {s['macro_f1']:9.3f}"
    )


def sweep(expected: Sequence[str], best: Sequence[tuple[str, float]]) -> None:
    print(f"\n{'threshold':>9} {'in-scope acc':>12} {'none rejected':>13} {'macro-F1':>9}")
    for threshold in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95):
        predicted = [label if prob >= threshold else "none" for label, prob in best]
        s = scores(expected, predicted)
        print(_row(f"{threshold:9.2f}", s))


def latency(parser: IntentParser, texts: Sequence[str]) -> tuple[float, float]:
    times = []
    for text in texts:
        started = time.perf_counter()
        parser.parse(text)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95)]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def hassil_predictions(texts: Sequence[str]) -> tuple[list[str], float]:
    """hassil's answers mapped to homevox intents, and its median ms per sentence."""
    from hassil import Intents, TextSlotList, recognize
    from home_assistant_intents import get_intents

    intents = Intents.from_dict(get_intents("en"))
    names = sorted(
        {*LIGHT_NAMES, *(f"{room} light" for room in ROOMS), "curtains", "blinds", "thermostat"}
    )
    slot_lists = {
        "area": TextSlotList.from_strings(ROOMS),
        "name": TextSlotList.from_strings(names),
        "floor": TextSlotList.from_strings(["upstairs", "downstairs", "ground floor"]),
    }
    out = []
    times = []
    for text in texts:
        started = time.perf_counter()
        result = recognize(text, intents, slot_lists=slot_lists)
        times.append((time.perf_counter() - started) * 1000)
        out.append(_map_hassil(result))
    return out, statistics.median(times)


def _map_hassil(result: object) -> str:
    if result is None:
        return "none"
    name = result.intent.name  # type: ignore[attr-defined]
    entities = {key: str(entity.value) for key, entity in result.entities.items()}  # type: ignore[attr-defined]
    domain = entities.get("domain", "light")
    if name in ("HassTurnOn", "HassTurnOff"):
        if domain == "light":
            return "lights.on" if name == "HassTurnOn" else "lights.off"
        if domain == "cover":
            return "curtains.open" if name == "HassTurnOn" else "curtains.close"
        return "none"
    if name == "HassLightSet":
        return "lights.brightness" if "brightness" in entities else "lights.color"
    return {
        "HassGetCurrentTime": "clock.time",
        "HassGetCurrentDate": "clock.time",
        "HassStartTimer": "timers.set",
        "HassCancelTimer": "timers.cancel",
        "HassCancelAllTimers": "timers.cancel",
        "HassTimerStatus": "timers.status",
        "HassClimateSetTemperature": "thermostat.set",
        "HassClimateGetTemperature": "thermostat.query",
        "HassSetPosition": "curtains.position",
    }.get(name, "none")


def main() -> int:
    parser_args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser_args.add_argument("--model-dir", type=Path, default=None)
    parser_args.add_argument(
        "--threshold", type=float, default=0.6, help="as [intent] confidence_threshold"
    )
    parser_args.add_argument("--no-hassil", action="store_true")
    parser_args.add_argument(
        "--errors", type=int, default=0, help="print this many misclassified rows"
    )
    args = parser_args.parse_args()
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    model_dir = args.model_dir or cache / "homevox" / "intent-model"
    rows = load_rows()
    texts = [row["text"] for row in rows]
    expected = [row["expected_intent"] for row in rows]
    assert set(expected) <= set(LABELS), "dev data uses an intent the model does not know"

    before = rss_mb()
    started = time.perf_counter()
    parser = IntentParser.load(model_dir, args.threshold)
    load_seconds = time.perf_counter() - started
    started = time.perf_counter()
    results = parser.parse_many(texts)
    batch_seconds = time.perf_counter() - started
    predicted = [result.intent for result in results]
    best = [
        (r.commands[0].top[0] if r.commands and r.commands[0].top else ("none", 1.0))
        for r in results
    ]

    s = scores(expected, predicted)
    in_scope = sum(e != "none" for e in expected)
    print(f"homevox intent model ({model_dir}), threshold {args.threshold}, {len(rows)} rows")
    print(f"({in_scope} in scope, {len(rows) - in_scope} none)")
    print(f"in-scope accuracy {s['in_scope_accuracy']:.3f}  none rejected {s['none_rejected']:.3f} "
          f"macro-F1 {s['macro_f1']:.3f}  false accepts {s['false_accepts']}")  # fmt: skip
    per_intent(expected, predicted)
    confusion(expected, predicted)
    sweep(expected, best)
    median, p95 = latency(parser, texts[:400])
    print(
        f"\nlatency per sentence (parse, one by one, 400 rows): "
        f"median {median:.1f} ms, p95 {p95:.1f} ms"
    )
    print(f"batch: {len(texts) / batch_seconds * 60:.0f} sentences per minute (parse_many)")
    print(
        f"model load {load_seconds:.1f} s; "
        f"resident memory {rss_mb():.0f} MB (before: {before:.0f} MB)"
    )
    if args.errors:
        print("\nmisclassified (expected -> predicted, confidence):")
        wrong = [(r, e, p) for r, e, p in zip(results, expected, predicted, strict=True) if e != p]
        for result, e, p in wrong[: args.errors]:
            print(f"  {e:18} -> {p:18} {result.confidence:.2f}  {result.text}")

    if not args.no_hassil:
        started = time.perf_counter()
        ha, hassil_ms = hassil_predictions(texts)
        h = scores(expected, ha)
        print("\nside by side on the same rows")
        print(f"{'recognizer':28} {'in-scope acc':>12} {'none rejected':>13} {'macro-F1':>9}")
        print(_row("homevox", s))
        print(_row("hassil + HA intents (en)", h))
        print(f"(hassil: {time.perf_counter() - started:.1f} s for {len(texts)} rows)")
        print(
            f"median latency: homevox {median:.1f} ms, hassil {hassil_ms:.1f} ms "
            f"(ratio {median / hassil_ms:.2f}); load average {os.getloadavg()[0]:.1f} "
            f"on {os.cpu_count()} cores, model threads {threads()}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
