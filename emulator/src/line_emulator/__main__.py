"""`line-emulator` (or `python -m line_emulator`): the emulator as a process of its own.

With the channels' built-in credentials (`line_contract.credentials`). The service's
`moph-connect line-emulator` runs the same server with the channels the service is
configured with, so that it accepts the webhooks the emulator signs.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from line_emulator.config import EmulatorConfig
from line_emulator.server import run_emulator


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="line-emulator",
        description="A stand-in for LINE's Messaging API and webhooks, over real HTTP.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9090)
    parser.add_argument(
        "--webhook-base",
        default="http://127.0.0.1:8000",
        help="where the bot runs: webhooks go to <base>/line/webhook and <base>/test/line/webhook",
    )
    parser.add_argument(
        "--rate-limit",
        type=float,
        default=2000.0,
        help="push requests/s per channel before 429 (0: unlimited)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    if args.rate_limit < 0:
        _parser().error("--rate-limit must be 0 (unlimited) or more")
    config = EmulatorConfig.default(
        webhook_base=args.webhook_base.rstrip("/"),
        rate_limit_per_second=args.rate_limit or None,
    )
    print(f"LINE emulator on http://{args.host}:{args.port} (webhooks to {args.webhook_base})")
    try:
        run_emulator(args.host, args.port, config)
    except KeyboardInterrupt:
        # uvicorn re-raises the Ctrl-C it shut down cleanly on: nothing went wrong.
        print("LINE emulator stopped")


if __name__ == "__main__":
    main()
