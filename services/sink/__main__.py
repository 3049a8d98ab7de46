"""``python -m svodka_services.sink worker``: run the ClickHouse sink (``--help`` for options)."""

import sys

from svodka.runtime.streaming import run
from svodka_services.sink.app import app, open_early, settings

if __name__ == "__main__":
    if "worker" in sys.argv[1:] and not {"--help", "-h"} & set(sys.argv):
        open_early()  # overlap the chDB engine's start with faust's
    run(app, settings)
