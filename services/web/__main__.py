"""``python -m svodka_services.web [--host H] [--port P]``: run the dashboard (``svodka web`` does the same)."""

from __future__ import annotations

import argparse
import logging
import sys

from aiohttp import web

from svodka.runtime import credentials, logs
from svodka.settings import Settings

from svodka_services.web.app import make_app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="svodka web", description="Serve the analysts' dashboard (read-only).")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    logs.setup(settings.log_level)
    creds = credentials.create(settings.home)
    print(f"dashboard: http://{args.host}:{args.port}/login?key={creds.password}", file=sys.stderr, flush=True)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    web.run_app(make_app(settings), host=args.host, port=args.port, access_log=None, print=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
