"""The `homevox` command: one sub-command per job, each taking --config and --broker."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from daemon.config import EX_CONFIG, ConfigError, LoadedConfig, load_config
from daemon.errors import HomevoxError

log = logging.getLogger(__name__)


class _Subcommands:
    """Wraps argparse's sub-parser action so every sub-command gets the common options."""

    def __init__(self, action: Any, common: argparse.ArgumentParser) -> None:
        self._action = action
        self._common = common

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        kwargs["parents"] = [*kwargs.get("parents", []), self._common]
        parser: argparse.ArgumentParser = self._action.add_parser(name, **kwargs)
        return parser


def _common_options() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        type=Path,
        default=None,
        help="configuration (default: ./config.toml, then $XDG_CONFIG_HOME/homevox/config.toml)",
    )
    common.add_argument(
        "--broker", default=None, metavar="HOST:PORT", help="override the configured broker"
    )
    common.add_argument(
        "-v", "--verbose", action="count", default=0, help="more logging (-vv: debug)"
    )
    return common


def build_parser() -> argparse.ArgumentParser:
    """The full command line; each module registers its own sub-commands."""
    from daemon import app, asr_cli, listen_cli, sim, speak_cli
    from daemon.nlu import cli as nlu_cli

    parser = argparse.ArgumentParser(prog="homevox", description=__doc__)
    subcommands = _Subcommands(
        parser.add_subparsers(dest="command", required=True), _common_options()
    )
    app.add_parser(subcommands)
    _add_check_config(subcommands)
    _add_do(subcommands)
    sim.add_parser(subcommands)
    nlu_cli.add_parsers(subcommands)
    asr_cli.add_parser(subcommands)
    listen_cli.add_parser(subcommands)
    speak_cli.add_parser(subcommands)
    return parser


def load_or_exit(path: Path | None) -> LoadedConfig:
    """The configuration, or every problem on stderr and exit status 78."""
    try:
        return load_config(path)
    except ConfigError as err:
        for problem in err.problems:
            print(problem, file=sys.stderr)
        print(
            f"homevox: {len(err.problems)} configuration problem(s); nothing was started",
            file=sys.stderr,
        )
        raise SystemExit(EX_CONFIG) from None


def parse_broker(value: str | None) -> tuple[str, int] | None:
    """ "HOST:PORT" from --broker, or None."""
    if value is None:
        return None
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise HomevoxError(
            "bad_argument", f"--broker {value!r}: expected HOST:PORT, e.g. 127.0.0.1:1883"
        )
    return host, int(port)


def _add_check_config(subcommands: _Subcommands) -> None:
    parser = subcommands.add_parser("check-config", help="validate a configuration file")
    parser.add_argument("file", nargs="?", type=Path, help="file to check (default: as --config)")
    parser.set_defaults(func=_check_config)


def _check_config(args: argparse.Namespace) -> int:
    loaded = load_or_exit(args.file or args.config)
    config = loaded.config
    rooms = sorted({device.room for device in config.devices})
    print(
        f"{loaded.path}: OK, {len(config.devices)} devices "
        f"in {len(rooms)} rooms ({', '.join(rooms)})"
    )
    return 0


def _add_do(subcommands: _Subcommands) -> None:
    parser = subcommands.add_parser(
        "do", help="run one turn from a structured intent and print the reply"
    )
    parser.add_argument("intent", help="intent name, e.g. lights.on")
    parser.add_argument(
        "slots",
        nargs="*",
        metavar="SLOT=VALUE",
        help='slots, e.g. room=kitchen brightness="30 percent"',
    )
    parser.add_argument("--json", action="store_true", help="print the whole turn as JSON")
    parser.add_argument("--dry-run", action="store_true", help="publish nothing")
    parser.set_defaults(func=_do)


def _do(args: argparse.Namespace) -> int:
    from daemon.cli_request import request_from_cli
    from daemon.turn import TurnRunner

    loaded = load_or_exit(args.config)
    request = request_from_cli(args.intent, args.slots)

    async def run() -> dict[str, Any]:
        runner = await TurnRunner.create(
            loaded, broker=parse_broker(args.broker), dry_run=args.dry_run
        )
        try:
            result = await runner.run_request(request)
        finally:
            await runner.close()
        return result.to_json()

    turn = asyncio.run(run())
    print(json.dumps(turn, ensure_ascii=False) if args.json else turn["reply"])
    if (
        turn.get("error_code") == "broker_unavailable"
        and loaded.config.mqtt.broker == "embedded"
        and not args.broker
    ):
        print(
            "homevox: the embedded broker runs inside `homevox run`: start the daemon, "
            "or pass --broker HOST:PORT",
            file=sys.stderr,
        )
    return 0 if not turn.get("error_code") else 1


def _configure_logging(verbosity: int) -> None:
    level = logging.WARNING if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `homevox` console script."""
    args = build_parser().parse_args(argv)
    _configure_logging(args.verbose if args.command != "run" else max(args.verbose, 1))
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except HomevoxError as err:
        print(f"homevox: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
