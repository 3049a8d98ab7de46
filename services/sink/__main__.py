"""``python -m svodka_services.sink worker``: run the ClickHouse sink (``--help`` for options)."""

import sys
from functools import partial

from svodka.runtime.streaming import serve
from svodka_services.sink.app import build

if __name__ == "__main__":
    # A worker overlaps the chDB engine's start with faust's; --help opens nothing.
    serve(partial(build, open_store_early="worker" in sys.argv[1:] and not {"--help", "-h"} & set(sys.argv)))
