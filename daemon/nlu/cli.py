"""`homevox train` and `homevox parse`: build the intent model, and see what it understands."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from daemon.errors import HomevoxError
from daemon.nlu.data import LABELS
from daemon.nlu.templates import TemplateError

if TYPE_CHECKING:
    from daemon.config import LoadedConfig
    from daemon.nlu.train import TrainSettings


def add_parsers(subparsers: Any) -> None:
    """Register `train` and `parse` (the parent parser adds --config and --broker)."""
    train = subparsers.add_parser(
        "train", help="train the intent model (data from the skills' sentence files)"
    )
    train.add_argument(
        "--if-stale", action="store_true", help="do nothing when the saved model matches its data"
    )
    train.add_argument(
        "--model-dir", default=None, help="where to write the model (default: [intent] model_dir)"
    )
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    train.add_argument(
        "--channel-new",
        type=int,
        default=None,
        metavar="N",
        help="synthesise at most N missing espeak->Whisper transcripts (default 40)",
    )
    train.set_defaults(func=_train)
    parse = subparsers.add_parser(
        "parse", help="print the intent and slots of sentences, one JSON object per line"
    )
    parse.add_argument("sentences", nargs="*", help="sentences (default: one per line on stdin)")
    parse.add_argument(
        "--explain", action="store_true", help="add the top-3 intents and the tagged spans"
    )
    parse.add_argument(
        "--model-dir", default=None, help="model to use (default: [intent] model_dir)"
    )
    parse.set_defaults(func=_parse)


def _train(args: argparse.Namespace) -> int:
    from dataclasses import replace
    from pathlib import Path

    from daemon.cli import load_or_exit
    from daemon.nlu.train import TrainSettings, model_dir_for

    loaded = load_or_exit(args.config)
    model_dir = Path(args.model_dir) if args.model_dir else model_dir_for(loaded)
    settings = TrainSettings()
    if args.channel_new is not None:
        settings = replace(settings, channel_new=max(0, args.channel_new))
    with training_lock():
        return _train_locked(args, loaded, model_dir, settings)


@contextmanager
def training_lock() -> Iterator[None]:
    """Wait for any other `homevox train` of this user to finish (they share the channel
    cache; two at once wrote duplicate transcripts), then hold the lock while this one runs."""
    import fcntl

    from daemon.nlu.paths import training_lock_path

    path = training_lock_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"waiting for another `homevox train` to finish ({path})", file=sys.stderr)
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _train_locked(
    args: argparse.Namespace, loaded: LoadedConfig, model_dir: Path, settings: TrainSettings
) -> int:
    from daemon.nlu.train import is_current, train_model

    phrases = loaded.config.phrases
    if args.if_stale and is_current(model_dir, phrases, settings):
        if ensure_onnx(model_dir, refresh=False):
            print(f"intent model at {model_dir}: exported to ONNX")
        print(f"intent model at {model_dir} is up to date")
        return 0
    threshold = loaded.config.intent.confidence_threshold
    try:
        report = train_model(
            model_dir, phrases, settings, threshold=threshold, show_progress=not args.quiet
        )
    except (TemplateError, yaml.YAMLError) as err:
        raise HomevoxError(
            "bad_sentences", f"{err}; fix the sentence file and train again"
        ) from err
    print(f"held-out generated sentences (threshold {threshold}): accuracy {report.accuracy:.3f}")
    print(f"{'intent':20} {'precision':>9} {'recall':>7} {'n':>5}")
    for label in LABELS:
        precision, recall, support = report.per_intent[label]
        print(f"{label:20} {precision:9.3f} {recall:7.3f} {support:5d}")
    ensure_onnx(model_dir, refresh=True)
    print(
        f"trained on {report.examples} sentences ({report.channel_examples} spoken transcripts) "
        f"in {report.seconds:.0f} s; temperature {report.temperature:.3f}; saved to {model_dir}"
    )
    return 0


def ensure_onnx(model_dir: Path, refresh: bool) -> bool:
    """Export the torch weights to model.onnx (the parser's torch-free path); True if it did.

    Without `refresh`, only when model.onnx is missing or older than the weights."""
    import json

    from daemon.nlu.export import export_onnx
    from daemon.nlu.model import load_model
    from daemon.nlu.runtime import ONNX_FILE
    from daemon.nlu.train import META_FILE

    target = model_dir / ONNX_FILE
    weights = model_dir / "weights.pt"
    if not refresh and target.exists() and target.stat().st_mtime >= weights.stat().st_mtime:
        return False
    meta = json.loads((model_dir / META_FILE).read_text(encoding="utf-8"))
    model, tokenizer = load_model(model_dir, len(meta["labels"]), len(meta["tags"]))
    export_onnx(model, tokenizer, model_dir)
    return True


def _parse(args: argparse.Namespace) -> int:
    from pathlib import Path

    from daemon.cli import load_or_exit
    from daemon.nlu.parse import IntentParser
    from daemon.nlu.paths import model_dir_for

    loaded = load_or_exit(args.config)
    model_dir = Path(args.model_dir) if args.model_dir else model_dir_for(loaded)
    parser = IntentParser.load(
        model_dir, loaded.config.intent.confidence_threshold, loaded.config.phrases
    )
    describe = _describer(loaded)
    lines: Iterable[str] = args.sentences or (line.rstrip("\n") for line in sys.stdin)
    chunk: list[str] = []
    for line in lines:
        chunk.append(line)
        if len(chunk) >= 256:
            _print_results(parser, chunk, describe, args.explain)
            chunk = []
    if chunk:
        _print_results(parser, chunk, describe, args.explain)
    return 0


def _describer(loaded: Any) -> Any:
    """skills.values.describe_slots over the configured home, or None when unavailable."""
    try:
        from daemon.home import Home
        from skills.values import describe_slots
    except ImportError:
        return None
    home = Home(loaded.config)
    return lambda slots: describe_slots(slots, home)


def _print_results(parser: Any, texts: list[str], describe: Any, explain: bool) -> None:
    for result in parser.parse_many(texts):
        commands = [_command_json(command, describe, explain) for command in result.commands]
        first = commands[0] if commands else {"slots": {}, "resolved": {}}
        record: dict[str, Any] = {
            "text": result.text,
            "intent": result.intent,
            "confidence": result.confidence,
            "slots": first["slots"],
            "resolved": first.get("resolved", {}),
            "commands": commands,
        }
        print(json.dumps(record, ensure_ascii=False, default=str), flush=False)
    sys.stdout.flush()


def _command_json(command: Any, describe: Any, explain: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "text": command.text,
        "intent": command.intent,
        "confidence": command.confidence,
        "slots": dict(command.slots),
    }
    if describe is not None and command.slots:
        try:
            out["resolved"] = describe(command.slots)
        except Exception as err:
            out["resolved"] = {"error": str(err)}
    if explain:
        out["top"] = [[label, probability] for label, probability in command.top]
        out["spans"] = [
            {"slot": span.slot, "text": span.text, "start": span.start, "end": span.end}
            for span in command.spans
        ]
    return out
